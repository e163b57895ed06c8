"""Version-2 options (issue 12): spec validation, model structure, and forecast arithmetic on hand-made draws.

The hand-made run (log link with floors; 1 chain x 3 draws; utilization 1, flat price 1e-17 $/FLOP):

- image_classification (imagenet/top1, best error 0.2, T0 = 2020): floor per draw 0.05, 0.15, 0.19;
  reducible log error ``log(e - floor) = alpha + beta x + gamma t`` with alpha -2, beta -0.2, gamma -0.05;
  frontier rate -0.1 per year on the reducible log scale.
- object_detection (coco/box_ap, best error 0.5): floor 0.2, 0.3, 0.45; beta -0.1, gamma 0, rate -0.05.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from pymc.testing import mock_sample

from forecast import forecasts as F
from forecast import theory
from forecast.config import load_spec
from forecast.diagnostics import ConvergenceChecks
from forecast.errors import ConfigError
from forecast.identification import exponent_identified, identification, ratio_identified
from forecast.model import build_model, prepare_data
from forecast.prepare import MISMATCH_KEY, year_bins
from forecast.report import progress_display
from forecast.run import Run
from tests.synthetic import synthetic_tables
from tests.test_forecasts import DOMAINS, SERIES, _data, _posterior, make_run

ROOT = Path(__file__).resolve().parents[1]
FLOORS = np.array([[0.05, 0.2], [0.15, 0.3], [0.19, 0.45]])  # draw x benchmark


def _posterior_v2(walk: bool = False) -> xr.Dataset:
    def dom(a: float, b: float) -> tuple[tuple[str, str, str], np.ndarray]:
        return ("chain", "draw", "domain"), np.array([[[a, b]] * 3])

    def scalar(v: float) -> tuple[tuple[str, str], np.ndarray]:
        return ("chain", "draw"), np.full((1, 3), v)

    # prices, energy, utilization and the compute trend as in tests/test_forecasts.py
    ds = _posterior().assign(
        alpha=(("chain", "draw", "benchmark"), np.array([[[-2.0, -1.5]] * 3])),
        floor=(("chain", "draw", "benchmark"), FLOORS[None]),
        beta=dom(-0.2, -0.1),
        gamma=dom(-0.05, 0.0),
        frontier_rate=dom(-0.1, -0.05),
        mu_beta=scalar(-0.15),
        mu_gamma=scalar(-0.03),
    )
    if walk:
        levels = np.array([[[0.0, 0.1, 0.2], [0.0, -0.1, 0.3]]] * 3)[None]  # bins 2017, 2018, 2019
        ds["walk"] = (("chain", "draw", "benchmark", "year_bin"), levels)
        ds = ds.assign_coords(year_bin=[2017, 2018, 2019])
        ds["rw_sigma"] = scalar(0.2)
    return ds


def _run_v2(walk: bool = False) -> Run:
    model: dict[str, object] = {"domains": list(DOMAINS), "link": "log", "floors": True}
    if walk:
        model["dynamics"] = "random_walk"
    spec = load_spec(overrides={
        "model": model,
        "forecast": {"budgets_usd": [1e9, 1e11], "target_fractions": [0.5, 0.9], "years": [2025, 2030],
                     "horizon_year": 2100},
    })
    trace = xr.DataTree.from_dict({"posterior": _posterior_v2(walk)})
    checks = ConvergenceChecks(max_rhat=1.0, min_ess_bulk=1000, min_ess_tail=1000, divergences=0, min_bfmi=1.0)
    return Run(trace=trace, data=_data(), spec=spec, checks=checks,
               meta={"name": "tiny-v2", "data_hash": "abc", "created": "2026-01-01T00:00:00+00:00"})


@pytest.fixture(scope="module")
def fc_v2() -> F.Forecasts:
    return F.compute_forecasts(_run_v2())


# ----------------------------------------------------------------------------- spec
@pytest.mark.parametrize(("overrides", "message"), [
    ({"model": {"floors": True}}, "needs 'model.link' = \"log\""),
    ({"model": {"compute_measurement": "structural", "compute_measure": "training_flop"}}, "structural"),
    ({"model": {"slope_sign": "negative", "slope_correlation": True}}, "slope_sign"),
    ({"model": {"dynamics": "ar1"}}, "random_walk"),
    ({"model": {"dynamics_bin_years": 0}}, "dynamics_bin_years"),
    ({"priors": {"floor": {"imagenet/top1": {"mean": 0.2, "low": 0.3, "high": 0.4}}}}, "low < mean < high"),
    ({"priors": {"floor": {"imagenet/top1": {"mean": 0.02, "low": 0.001, "high": 0.9}}}}, "too wide"),
    ({"forecast": {"saturation_fraction": 1.5}}, "saturation_fraction"),
])
def test_v2_keys_are_validated(overrides, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_spec(overrides=overrides)


def test_shipped_v2_specs_load_and_default_stays_v1():
    v2 = load_spec(ROOT / "models" / "v2.toml").model
    assert (v2.floors, v2.compute_measurement, v2.dynamics, v2.slope_sign, v2.link) == (
        True, "structural", "random_walk", "negative", "log")
    # Student-t(4) measurements made the latent x bimodal on the shipped data (models/v2.toml says why)
    assert load_spec(ROOT / "models" / "v2.toml").priors["measurement_nu"] >= 30.0
    tf = load_spec(ROOT / "models" / "v2_training_flop.toml").model
    assert tf.compute_measure == "training_flop" and tf.floors and tf.dynamics == "random_walk"
    v1 = load_spec(ROOT / "models" / "v1.toml").model
    assert (v1.floors, v1.compute_measurement, v1.dynamics, v1.slope_sign) == (False, "berkson", "none", "free")
    # the default is the nested evaluation's choice (models/candidates.toml): version 2, by extension of v2.toml
    default, v2_spec = load_spec(ROOT / "models" / "default.toml"), load_spec(ROOT / "models" / "v2.toml")
    assert default.model.name == "default" and default.model.floors
    same = ("model", "priors", "centering", "sampler")
    a, b = json.loads(default.to_json()), json.loads(v2_spec.to_json())
    for d in (a, b):
        d["model"] = {k: v for k, v in d["model"].items() if k not in ("name", "description")}
    assert {k: a[k] for k in same} == {k: b[k] for k in same}


# ----------------------------------------------------------------------------- model structure
def _v2_spec(**model: object):
    base = {"link": "log", "floors": True, "compute_measure": "both", "compute_measurement": "structural",
            "dynamics": "random_walk", "slope_sign": "negative", "dynamics_bin_years": 2}
    return load_spec(overrides={"model": {**base, **model}})


def test_structural_screens_burden_below_training_flop():
    results, notable, prices = synthetic_tables()
    both = results.index[np.isfinite(results["training_flop"]) & np.isfinite(results["hardware_burden_flop"])]
    results.loc[both[:3], "hardware_burden_flop"] = results.loc[both[:3], "training_flop"] / 10.0
    data = prepare_data(results, notable, prices, _v2_spec())
    assert data.dropped[MISMATCH_KEY] >= 3
    pairs = data.obs[np.isfinite(data.obs["x_tf"]) & np.isfinite(data.obs["x_hw"])]
    assert (pairs["x_hw"] >= pairs["x_tf"]).all()
    berkson = prepare_data(results, notable, prices, load_spec(overrides={"model": {"compute_measure": "both"}}))
    assert MISMATCH_KEY not in berkson.dropped


def test_v2_model_structure_and_signs():
    tables = synthetic_tables()
    spec = _v2_spec()
    data = prepare_data(*tables, spec)
    model = build_model(data, spec)
    free = {rv.name for rv in model.free_RVs}
    assert {"floor_share_unit", "x", "pop_intercept", "pop_slope", "pop_sigma", "hw_offset_log", "hw_sigma_excess",
            "rw_sigma", "z_walk", "mu_log_beta", "tau_log_beta"} <= free
    assert "z_x" not in free and "mu_beta" not in free
    assert {"tf_meas", "hw_meas"} <= {rv.name for rv in model.observed_RVs}
    assert model.named_vars_to_dims["walk"] == ("benchmark", "year_bin")
    assert model.named_vars_to_dims["floor"] == ("benchmark",)
    assert model.named_vars_to_dims["x"] == ("obs",)
    bins = year_bins(data, 2, float(spec.centering["year"]))
    assert list(model.coords["year_bin"]) == list(bins.start_year.astype(int))
    with model:
        idata = mock_sample(draws=20)
    post = idata.posterior
    assert (post["beta"] < 0).all() and (post["mu_beta"] < 0).all()  # compute helps, by construction
    assert (post["hw_offset"] >= 0).all()  # burden >= executed FLOP
    # the floor is a share of the total error at the benchmark's data centre: below it, above zero
    share = post["floor_share"]
    assert ((share > 0) & (share < 1)).all()
    np.testing.assert_allclose(post["floor"], np.exp(post["alpha_local"]) * share, rtol=1e-10)
    walk = post["walk"].values  # zero at each benchmark's anchor bin
    np.testing.assert_allclose(walk[:, :, np.arange(len(data.series)), bins.anchor], 0.0)


def test_training_flop_v2_has_no_measurement_model():
    tables = synthetic_tables()
    spec = _v2_spec(compute_measure="training_flop", compute_measurement="berkson")
    model = build_model(prepare_data(*tables, spec), spec)
    names = set(model.named_vars)
    assert not {"x", "tf_meas", "hw_meas", "hw_offset", "z_x"} & {rv.name for rv in model.free_RVs} | (
        names & {"tf_meas", "hw_meas"})
    assert "floor_share" in names and "walk" in names


# ----------------------------------------------------------------------------- floors in the forecasts
def test_targets_below_the_floor_get_no_compute(fc_v2):
    t = fc_v2.targets
    target = t["target_error"]  # 0.1, 0.18 (imagenet); 0.25, 0.45 (coco)
    floor = xr.DataArray(FLOORS[None], dims=("chain", "draw", "benchmark"), coords={"benchmark": list(SERIES)})
    below = (target <= floor).broadcast_like(t["log10_flop"].isel(year=0, drop=True))
    flop = t["log10_flop"]
    assert bool(flop.where(below).isnull().all())
    assert bool(np.isfinite(flop.where(~below)).sum() == (~below).sum() * flop.sizes["year"])
    row = fc_v2.targets_table.query("benchmark == 'imagenet/top1' and fraction == 0.5 and year == 2025").iloc[0]
    assert row["p_below_floor"] == pytest.approx(2 / 3)
    assert "below the error floor" in row["note"]
    # by hand, draw 0: log(0.1 - 0.05) = -2 - 0.2 x - 0.05 (2025 - 2017)  ->  x = (2 - 0.4 + log 0.05) / -0.2 ... + 18
    x = (math.log(0.05) + 2.0 + 0.05 * 8) / -0.2
    assert float(flop.sel(benchmark="imagenet/top1", fraction=0.5, year=2025).isel(chain=0, draw=0)) == (
        pytest.approx(x + 18.0))


def test_frontier_paths_never_cross_the_floor(fc_v2):
    w = fc_v2.wall
    floor = xr.DataArray(FLOORS[None], dims=("chain", "draw", "domain"), coords={"domain": list(DOMAINS)})
    assert bool((w["error_path"] > floor).all())
    at_wall = w["error_at_wall"]
    assert bool((at_wall.isnull() | (at_wall > floor)).all())


def test_saturation_year_by_hand(fc_v2):
    # imagenet draw 0: reducible 0.15 shrinks by exp(-0.1) a year; saturated when <= 0.1 x 0.05 = 0.005:
    # k >= ln(0.15 / 0.005) / 0.1 = 34.01 -> 35 years after 2020.
    sat = fc_v2.wall["saturation_year"].sel(domain="image_classification").values.ravel()
    assert sat[0] == 2020 + math.ceil(math.log(0.15 / 0.005) / 0.1)
    # draw 2: best 0.2 is 0.01 above floor 0.19, within 10% of it (0.019): saturated already
    assert sat[2] == 2020
    table = fc_v2.wall_table.set_index(["domain", "budget"])
    p = table.loc[("image_classification", "$1B"), "p_saturates_first"]
    expected = float((fc_v2.wall["saturation_year"] < fc_v2.wall["wall_year"]).sel(
        domain="image_classification", budget="$1B").mean())
    assert p == pytest.approx(expected)
    assert table["saturates_first"].dtype == bool


def test_headline_says_saturates_first_instead_of_a_year():
    run = _run_v2()
    fc = F.compute_forecasts(run)
    fc.wall_table["saturates_first"] = True
    fc.wall_table["p_saturates_first"] = 0.9
    assert "saturates first (P = 0.90" in F.headline(fc)
    from forecast.report import headline_table, wall_display

    assert headline_table(fc).iloc[0]["$1B"] == "saturates first (P = 0.90)"
    assert set(wall_display(fc, fc.wall_table, "wall")["P(saturates first)"]) == {"0.900"}


# ----------------------------------------------------------------------------- dynamics
def test_walk_past_years_from_posterior_future_grows_and_is_reproducible():
    run = _run_v2(walk=True)
    years = xr.DataArray([2018.0, 2019.0, 2021.0, 2030.0, 2060.0], dims="year",
                         coords={"year": [2018, 2019, 2021, 2030, 2060]})
    a = F.walk_at(run, years)
    b = F.walk_at(run, years)
    assert isinstance(a, xr.DataArray) and isinstance(b, xr.DataArray)
    xr.testing.assert_identical(a, b)
    np.testing.assert_allclose(a.sel(year=2018, benchmark="imagenet/top1").values.ravel(), 0.1)
    np.testing.assert_allclose(a.sel(year=2019, benchmark="coco_test_dev/box_ap").values.ravel(), 0.3)
    # many draws: the spread of the future walk grows with the horizon
    big = _run_v2(walk=True)
    post = big.posterior.isel(draw=np.zeros(3000, dtype=int)).assign_coords(draw=np.arange(3000))
    big = Run(trace=xr.DataTree.from_dict({"posterior": post}), data=big.data, spec=big.spec, checks=big.checks)
    spread = F.walk_at(big, years).std(("chain", "draw")).sel(benchmark="imagenet/top1")
    assert float(spread.sel(year=2019)) == pytest.approx(0.0, abs=1e-12)
    assert 0 < float(spread.sel(year=2021)) < float(spread.sel(year=2030)) < float(spread.sel(year=2060))


def test_targets_use_the_walk():
    plain = F.compute_targets(_run_v2())
    walked = F.compute_targets(_run_v2(walk=True))
    # T0 = 2020 is one bin past the last fitted bin (2019): level 0.2 plus one innovation
    d = (walked["log10_flop"] - plain["log10_flop"]).sel(benchmark="imagenet/top1", year=2020, fraction=0.9)
    d = d.isel(draw=[0, 1])  # draw 2's floor (0.19) is above the target (0.18): NaN in both
    assert bool(np.isfinite(d).all()) and not bool((d == 0).any())


# ----------------------------------------------------------------------------- k, identification, shares
def test_implied_exponent_by_hand():
    k, _ = theory.implied_exponent(_run_v2())
    np.testing.assert_allclose(k.sel(domain="image_classification").values.ravel(), math.log(10) / 0.2)
    run = make_run()  # identity link: k = -ln(10) e / beta at best error 0.2 (imagenet), 0.5 (coco)
    k1, _ = theory.implied_exponent(run)
    np.testing.assert_allclose(k1.sel(domain="image_classification").values.ravel(), math.log(10) * 0.2 / 0.1)
    coco = k1.sel(domain="object_detection").values.ravel()  # beta = 0.1, -0.01, 0.2
    assert np.isposinf(coco[0]) and np.isposinf(coco[2]) and coco[1] == pytest.approx(math.log(10) * 0.5 / 0.01)
    assert exponent_identified(k1).sel(domain="image_classification")
    assert not exponent_identified(k1).sel(domain="object_detection")


def test_one_rule_flags_a_negative_but_tiny_slope():
    post = _posterior_v2()
    post["beta"].loc[{"domain": "object_detection"}] = -0.01  # P(beta < 0) = 1, but k = 230
    run = _run_v2()
    run = Run(trace=xr.DataTree.from_dict({"posterior": post}), data=run.data, spec=run.spec, checks=run.checks)
    k, k_shared = theory.implied_exponent(run)
    ident = identification(post, k, k_shared)
    assert float(ident["p_beta_negative"].sel(domain="object_detection")) == 1.0
    assert not bool(ident["identified"].sel(domain="object_detection"))
    fc = F.compute_forecasts(run)
    for table in (fc.targets_table, fc.wall_table, fc.spending_table, fc.progress_table, fc.theory_table):
        od = table[table["domain"] == "object_detection"]
        assert not od["identified"].any()
    assert fc.identified == {"image_classification": True, "object_detection": False}


def test_ratio_rule_at_its_bound():
    assert ratio_identified(True, 0.95) and not ratio_identified(True, 0.94) and not ratio_identified(False, 1.0)


def test_years_per_10x_needs_the_sign_of_progress():
    run = _run_v2()  # object detection: beta -0.1 (k = 23, identified) but gamma 0 (P(gamma/beta > 0) = 0)
    fc = F.compute_forecasts(run)
    prog = fc.progress_table.set_index("domain")
    assert prog.loc["object_detection", "identified"] and not prog.loc["object_detection", "ratio_identified"]
    assert prog.loc["object_detection", "p_progress"] == 0.0
    assert "sign of algorithmic progress is uncertain" in prog.loc["object_detection", "note"]
    assert prog.loc["image_classification", "ratio_identified"] and prog.loc["image_classification", "note"] == ""
    assert fc.wall_table[fc.wall_table["domain"] == "object_detection"]["identified"].all()  # walls stand
    shown = progress_display(fc.progress_table).set_index("domain")["identified"]
    assert shown["object_detection"] == "NOT IDENTIFIED (sign of progress)" and shown["image_classification"] == "yes"
    od_line = next(line for line in F.headline(fc).splitlines() if line.strip().startswith("object_detection:"))
    assert "years per 10x NOT IDENTIFIED (P(gamma/beta > 0) = 0.000" in od_line


def test_decomposition_by_hand():
    run = make_run()  # imagenet results at x = 0, 1, 2 and t = 0, 1, 2; best is the last
    d = theory.decomposition(run)
    compute = d["improvement_compute"].sel(domain="image_classification").values.ravel()
    algos = d["improvement_algorithms"].sel(domain="image_classification").values.ravel()
    np.testing.assert_allclose(compute, 0.1 * 2)
    np.testing.assert_allclose(algos, 0.01 * 2)
    np.testing.assert_allclose(d["share_compute"].sel(domain="image_classification"), 0.2 / 0.22)
    np.testing.assert_allclose(d["share_compute"] + d["share_algorithms"], 1.0)
    table = theory.theory_table(theory.implied_exponent(run)[0], d)
    ic = table.set_index("domain").loc["image_classification"]
    assert ic["share_compute_median"] == pytest.approx(0.2 / 0.22) and ic["p_k_above_theory"] == 1.0


def test_evidence_weighted_shared_leaves_bleu_and_ap_out():
    draws = xr.DataArray(
        np.stack([np.random.default_rng(0).normal(m, s, 4000) for m, s in ((0.5, 0.01), (2.0, 1.0))], -1)[None],
        dims=("chain", "draw", "domain"), coords={"domain": ["a", "b"]},
    )
    w = F.evidence_weighted(draws, ["a", "b"])
    assert abs(float(w.median()) - 0.5) < 0.01  # the precise domain dominates
    assert F.error_rate_domains(_data()) == ["image_classification"]  # coco box AP is not an error rate
    prog = F.compute_forecasts(_run_v2()).progress_table.set_index("domain")
    assert "AP are not error rates" in prog.loc[F.WEIGHTED_ROW, "note"]
    np.testing.assert_allclose(prog.loc[F.WEIGHTED_ROW, "years_per_10x_median"], 0.2 / 0.05)


# ----------------------------------------------------------------------------- prior check, recovery
def test_prior_error_check_by_hand():
    run = make_run()  # identity link: error = alpha + beta (23 - 18) + gamma (2030 - 2017)
    post = run.posterior
    run = Run(trace=xr.DataTree.from_dict({"posterior": post, "prior": post}), data=run.data, spec=run.spec,
              checks=run.checks)
    tab = theory.prior_error_check(run).set_index("domain")
    ic = tab.loc["image_classification"]
    assert ic["error_median"] == pytest.approx(0.5 - 0.1 * 5 - 0.01 * 13)
    assert ic["p_in_0_1"] == 0.0  # a negative "error": the check exists to show such priors
    od = tab.loc["object_detection"]  # 0.9 + beta * 5 with beta 0.1, -0.01, 0.2
    assert od["error_median"] == pytest.approx(0.9 + 0.1 * 5) and od["p_in_0_1"] == pytest.approx(1 / 3)
    assert theory.prior_error_check(make_run()).empty  # no prior group: nothing to say


def _prior_point(model, seed: int, **fixed: float) -> xr.Dataset:
    """Two prior draws of every variable of ``model`` (free and deterministic), some free scalars overwritten."""
    import pymc as pm

    prior = pm.sample_prior_predictive(draws=2, model=model, random_seed=seed,
                                       compile_kwargs={"mode": "FAST_COMPILE"})["prior"].to_dataset()
    for name, value in fixed.items():
        prior[name] = prior[name] * 0 + value
    return prior


def test_recovery_simulates_the_v2_process_at_the_truth():
    from forecast.validation.fastfit import observed_as_data
    from forecast.validation.recovery import simulate_observed

    results, notable, prices = synthetic_tables()
    spec = load_spec(overrides={"model": {"link": "log", "floors": True, "compute_measure": "both",
                                          "compute_measurement": "structural", "dynamics": "random_walk",
                                          "slope_sign": "negative", "dynamics_bin_years": 2},
                                "priors": {"tf_sigma": 1e-7, "hw_sigma_min": 0.0}})  # noise-free measurements
    data = prepare_data(results, notable, prices, spec)
    model, names = observed_as_data(build_model(data, spec))
    assert {"y", "tf_meas", "hw_meas", "frontier_y"} <= set(names)
    # noise scales ~0: each simulated observation must sit on the model's mean at the truth
    truth = _prior_point(model, 3, sigma=1e-7, hw_sigma=1e-7, frontier_sigma=1e-7)
    sims = simulate_observed(model, names, truth, [1, 0], seed=5)
    obs = data.obs
    si, di, t = obs["series_idx"].to_numpy(), obs["domain_idx"].to_numpy(), obs["t"].to_numpy()
    bins = year_bins(data, 2, float(spec.centering["year"]))
    for sim, k in zip(sims, (1, 0), strict=True):
        v = {n: truth[n].values[0, k] for n in ("x", "alpha", "beta", "gamma", "walk", "floor", "hw_offset")}
        assert np.allclose(v["walk"][np.arange(len(data.series)), bins.anchor], 0.0)  # anchored as the model
        mu = v["alpha"][si] + v["beta"][di] * v["x"] + v["gamma"][di] * t + v["walk"][si, bins.obs_bin]
        np.testing.assert_allclose(sim["y"], np.log(v["floor"][si] + np.exp(mu)), atol=1e-4)
        tf_rows, hw_rows = np.isfinite(obs["x_tf"].to_numpy()), np.isfinite(obs["x_hw"].to_numpy())
        np.testing.assert_allclose(sim["tf_meas"], v["x"][tf_rows], atol=1e-4)  # measurements of the truth's x
        np.testing.assert_allclose(sim["hw_meas"], v["x"][hw_rows] + v["hw_offset"], atol=1e-4)
        assert sim["y"].shape == obs["y"].shape and not np.allclose(sim["y"], obs["y"])
    assert not np.allclose(sims[0]["y"], sims[1]["y"])


def test_recovery_truths_labels_and_coverage_summary():
    from forecast.validation.recovery import element_labels, summarise_groups, truths_from

    rng = np.random.default_rng(0)
    walk = rng.normal(size=(2, 50, 3, 4))
    walk[:, :, :, 1] = 0.0  # anchor bins: constant, left out
    post = xr.Dataset({"walk": (("chain", "draw", "benchmark", "year_bin"), walk),
                       "floor": (("chain", "draw", "benchmark"), rng.uniform(size=(2, 50, 3)))},
                      coords={"benchmark": ["a", "b", "c"], "year_bin": [2010, 2012, 2014, 2016]})
    truth = truths_from(post, 57, ("walk", "floor", "absent"))
    assert set(truth) == {"walk", "floor"} and len(truth["walk"]["keep"]) == 9
    np.testing.assert_allclose(truth["walk"]["value"], walk.reshape(100, -1)[57][truth["walk"]["keep"]])
    labels = {g: [element_labels(post[g])[k] for k in truth[g]["keep"]] for g in truth}
    assert labels["walk"][:2] == ["a/2010", "a/2014"] and labels["floor"] == ["a", "b", "c"]
    # 20 simulations: floor element 'c' never covered -> the group fails its 90% band; walk covers nominally
    hits = [{"walk": {"in50": [i % 2 == 0] * 9, "in90": [i % 10 != 0] * 9, "rank": [0.5] * 9},
             "floor": {"in50": [i % 2 == 0] * 3, "in90": [True, True, False], "rank": [0.5] * 3}}
            for i in range(20)]
    table = summarise_groups([{"hits": h} for h in hits], labels)
    assert table["walk"]["passes"] and table["walk"]["coverage90"] == pytest.approx(0.9)
    assert not table["floor"]["passes"] and table["floor"]["worst_element"] == {"label": "c", "coverage90": 0.0}
    assert table["floor"]["n_sims"] == 20 and table["floor"]["trials"] == 60
