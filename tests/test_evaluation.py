"""Fast tests of the evaluation (issue 13): scoring maths, baselines, bridge least squares, SBC ranks, selection."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.config import load_spec
from forecast.errors import ConfigError
from forecast.prepare import link_forward
from forecast.validation import baselines, bridge, nested, render, sbc, scoring, sold, validation_markdown


# ----------------------------------------------------------------------------- scoring
def test_error_scale_lpd_is_a_density_of_the_error():
    # log-normal error: link-scale N(mu, s) density + log-Jacobian = scipy's lognormal density
    mu, s = np.log(0.2), 0.3
    err = np.array([0.1, 0.2, 0.35])
    lpd_link = stats.norm.logpdf(np.log(err), mu, s)
    rng = np.random.default_rng(0)
    samples = rng.normal(mu, s, size=(4000, 3))
    block = scoring.error_scale_block(samples, lpd_link, err, "log")
    np.testing.assert_allclose(block["lpd"], stats.lognorm.logpdf(err, s, scale=np.exp(mu)), rtol=1e-10)
    # PIT on the error scale equals the link-scale normal CDF (monotone link)
    np.testing.assert_allclose(block["pit"], stats.norm.cdf(np.log(err), mu, s), atol=0.03)


def test_error_scale_samples_outside_zero_one_are_censored_at_the_bounds():
    # exp(800) overflows; exp(1) = 2.7 is no error rate: both are read as error 1, the worst possible
    samples = np.array([[0.0], [1.0], [800.0]])
    block = scoring.error_scale_block(samples, np.array([-1.0]), np.array([0.5]), "log")
    clipped = np.array([[1.0], [1.0], [1.0]])
    same = scoring.error_scale_block(np.log(clipped), np.array([-1.0]), np.array([0.5]), "log")
    assert np.isfinite(block["crps"]).all()
    np.testing.assert_allclose(block["crps"], same["crps"])
    # an identity-link draw below 0 counts as error 0; the log score is not clipped
    low = scoring.error_scale_block(np.array([[-3.0], [0.2]]), np.array([-1.0]), np.array([0.5]), "identity")
    ref = scoring.error_scale_block(np.array([[0.0], [0.2]]), np.array([-1.0]), np.array([0.5]), "identity")
    np.testing.assert_allclose(low["crps"], ref["crps"])
    assert block["lpd"][0] == pytest.approx(-1.0 + float(np.log(1 / 0.5)))


def test_horizon_counts_whole_years_after_the_cutoff():
    assert scoring.horizon(np.array([2018.01, 2018.99, 2019.0, 2019.5, 2022.2]), 2018.0).tolist() == [1, 1, 1, 2, 5]
    assert [scoring.horizon_label(h) for h in (1, 3, 4, 7)] == ["1", "3", "4+", "4+"]


def test_pit_histogram_counts_and_band():
    h = scoring.pit_histogram(np.array([0.05, 0.15, 0.15, 0.95, np.nan]), bins=10)
    assert h["n"] == 4 and h["counts"] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 1]
    assert h["band_counts"][0] <= 0.4 <= h["band_counts"][1]


def test_method_table_uses_common_rows_and_ignores_methods_predicting_nothing():
    rows = pd.DataFrame({"year": [2017.5, 2018.5, 2019.5], "domain": ["a", "a", "b"]})
    full = {
        "in50": [1, 0, 1],
        "in90": [1, 1, 1],
        "lpd": [-1.0, -2.0, -3.0],
        "crps": [0.1, 0.2, 0.3],
        "pit": [0.5, 0.9, 0.2],
        "bias": [0, 0, 0],
        "width90": [1, 1, 1],
    }
    part = {k: [v[0], np.nan, v[2]] for k, v in full.items()}
    none = {k: [np.nan] * 3 for k in full}
    t = scoring.method_table({"m": full, "p": part, "z": none}, rows, cutoff=2017.0)
    assert t["n_common"] == 2
    assert t["methods"]["m"]["common"]["mean_crps"] == pytest.approx(0.2)
    assert t["methods"]["m"]["all"]["mean_crps"] == pytest.approx(0.2)
    assert t["methods"]["m"]["by_horizon"]["1"]["n"] == 1 and t["methods"]["z"]["n_all"] == 0


def test_pooling_summaries_weights_by_rows():
    a = {"n": 1, "coverage50": 1.0, "coverage90": 1.0, "mean_lpd": 0.0, "mean_crps": 0.1}
    b = {"n": 3, "coverage50": 0.0, "coverage90": 2 / 3, "mean_lpd": -4.0, "mean_crps": 0.5}
    p = scoring.pool_summaries([a, b, {"n": 0}])
    assert p["n"] == 4 and p["coverage90"] == pytest.approx(0.75) and p["mean_crps"] == pytest.approx(0.4)
    t = {"methods": {"model": {"by_horizon": {"1": a, "2": b}}}}
    assert scoring.pooled_by_horizon([t, t])["model"]["2"]["n"] == 6


def test_sbc_refuses_too_few_draws_for_its_ranks():
    with pytest.raises(ConfigError, match="rank draws"):
        sbc.run_sbc(load_spec(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), executor=None, chains=1, draws=50)


# ----------------------------------------------------------------------------- baselines
def _series_rows(n: int, seed: int, form: str = "poly", year: bool = False) -> pd.DataFrame:
    """Synthetic results of one series; errors stay inside (0, 1), as the scoring assumes."""
    rng = np.random.default_rng(seed)
    x_hw = rng.uniform(-2, 3, n)
    t = rng.uniform(-4, 2, n)
    y = -1.5 - 0.3 * x_hw + (-0.2 * t if year else 0.0) + rng.normal(0, 0.05, n)
    err = np.exp(y) if form == "poly" else np.clip(0.3 + 0.03 * y, 0.01, 0.99)
    return pd.DataFrame(
        {"series": "s/x", "domain": "d", "x_hw": x_hw, "x_tf": np.nan, "t": t, "error": err, "year": t + 2017.0}
    )


def test_thompson_polynomial_form_recovers_its_generating_model():
    train, test = _series_rows(40, 1, year=True), _series_rows(200, 2, year=True)
    out = baselines.thompson_baselines(train, test, 0.0, np.random.default_rng(3))
    assert set(out) == {"thompson_poly", "thompson_poly_year", "thompson_exp", "thompson_exp_year"}
    pts, ok = out["thompson_poly_year"]
    assert ok.all()
    assert 0.8 <= np.mean(pts["in90"]) <= 0.97  # the true model: calibrated
    # the correct form (with year) beats the one without on log score
    assert np.mean(pts["lpd"]) > np.mean(out["thompson_poly"][0]["lpd"]) + 0.5


def test_thompson_baseline_needs_enough_rows_and_uses_training_flop_plus_offset():
    train = _series_rows(3, 1)
    test = _series_rows(5, 2)
    out = baselines.thompson_baselines(train, test, 0.0, np.random.default_rng(0))
    assert out["thompson_poly"][1].all() and not out["thompson_poly_year"][1].any()  # 3 rows: 2 coefs ok, 3 not
    rows = pd.DataFrame({"x_hw": [1.0, np.nan], "x_tf": [0.2, 0.5]})
    np.testing.assert_allclose(baselines.thompson_x(rows, 0.4), [1.0, 0.9])


def test_pooled_baseline_predicts_seen_benchmarks_only():
    a = _series_rows(20, 1).assign(series="a/x", x_tf=lambda d: d["x_hw"] - 0.4)
    b = _series_rows(20, 2).assign(series="b/x", x_tf=lambda d: d["x_hw"] - 0.4)
    test = pd.concat([_series_rows(5, 3).assign(series="a/x"), _series_rows(5, 4).assign(series="new/x")])
    test["x_tf"] = test["x_hw"] - 0.4
    pts, ok = baselines.pooled_baseline(pd.concat([a, b]), test.reset_index(drop=True), 0.4, np.random.default_rng(0))
    assert ok.tolist() == [True] * 5 + [False] * 5 and len(pts["crps"]) == 5


def test_records_and_naive_frontier():
    res = pd.DataFrame(
        {"series": "s", "year": [2010.0, 2011.0, 2012.0, 2013.0, 2014.0], "error": [0.4, 0.45, 0.3, 0.25, 0.2]}
    )
    assert baselines.records(res)["error"].tolist() == [0.4, 0.3, 0.25, 0.2]
    # a frontier halving log-linearly: the naive rate extrapolates it exactly
    yrs = np.arange(2010.0, 2015.0)
    hist = pd.DataFrame({"series": "s", "year": yrs, "error": 0.4 * 0.8 ** (yrs - 2010) * (1 + 0.01 * np.sin(yrs))})
    target = pd.DataFrame({"series": ["s"], "year": [2016.0], "error": [0.4 * 0.8**6]})
    pts, ok = baselines.naive_frontier(hist, target, 2014.5, np.random.default_rng(0))
    assert ok.all() and pts["in50"][0] and 0.2 < pts["pit"][0] < 0.8


# ----------------------------------------------------------------------------- bridge
def test_bridge_least_squares_on_a_tiny_table():
    # error = 10^(-x/10) exactly in the polynomial form with log10 -> k = 10; year slope 0.1 per year
    x = np.array([15.0, 16.0, 17.0, 18.0, 19.0])
    year = np.array([2012.0, 2014.0, 2013.0, 2016.0, 2015.0])
    err = np.exp(np.log(10) * (-(x - 15) / 10) - 0.1 * (year - 2012) - 1.0)
    pts = pd.DataFrame({"series": "imagenet/top1", "error": err, "hardware_burden_flop": 10**x, "year": year})
    t = bridge.thompson_table(pts)["per_benchmark"]["imagenet/top1"]
    beta_ln = -np.log(10) / 10
    assert t["poly_year"]["beta_compute"] == pytest.approx(beta_ln)
    assert t["poly_year"]["years_per_10x"] == pytest.approx(beta_ln / -0.1)
    assert t["poly_year"]["r2"] == pytest.approx(1.0)
    assert t["poly_year"]["k_at_best"] == pytest.approx(10.0)
    want = (np.log(0.05) - np.log(err.min())) / beta_ln
    assert t["poly_year"]["imagenet_5pct_log10_multiple"] == pytest.approx(want)


def test_k_exponent_is_the_local_log_log_slope_for_every_link():
    e, beta = 0.2, -0.3
    for link in ("log", "logit", "identity"):
        k = float(bridge.k_exponent(beta, e, link))
        # numerically: d log10(C) / d log10(1/e) with x = (link(e) - a) / beta
        h = 1e-6
        dx = (link_forward(np.array(e + h), link) - link_forward(np.array(e - h), link)) / beta / (2 * h)
        dlog_inv_e = -1.0 / (e * np.log(10))
        assert k == pytest.approx(float(dx / dlog_inv_e), rel=1e-5)


# ----------------------------------------------------------------------------- SBC ranks
def test_sbc_ranks_uniform_for_a_conjugate_normal_model_and_not_for_a_biased_one():
    rng = np.random.default_rng(7)
    n_sims, n_obs, tau = 400, 5, 1.0
    good, bad = [], []
    for _ in range(n_sims):
        theta = rng.normal(0, tau)
        y = rng.normal(theta, 1.0, n_obs)
        prec = 1 / tau**2 + n_obs
        post = rng.normal(y.sum() / prec, np.sqrt(1 / prec), size=(400, 1))
        good.append(sbc.ranks_of(post, np.array([theta])))
        bad.append(sbc.ranks_of(post * 0.4, np.array([theta])))  # overconfident, shrunk posterior
    ug, ub = sbc.uniformity(np.array(good)), sbc.uniformity(np.array(bad))
    assert ug["uniform"] and ug["n_sims"] == n_sims and sum(ug["counts_summed"]) == n_sims
    assert not ub["uniform"]


def test_split_rhat_flags_chains_that_disagree():
    import xarray as xr

    rng = np.random.default_rng(0)
    good = xr.Dataset({"a": (("chain", "draw", "k"), rng.normal(size=(2, 400, 3)))})
    bad = xr.Dataset({"a": (("chain", "draw"), rng.normal(size=(2, 400)) + np.array([[0.0], [3.0]]))})
    assert sbc.max_split_rhat(good, ["a"]) < 1.02
    assert sbc.max_split_rhat(bad, ["a"]) > 1.5


def test_rank_histogram_bins_cover_all_rank_values():
    ranks = np.arange(sbc.RANK_DRAWS + 1)[:, None]
    counts = sbc.rank_histogram(ranks)
    assert counts.sum() == sbc.RANK_DRAWS + 1 and counts.shape == (sbc.BINS, 1)
    assert sbc.ranks_of(np.arange(10.0)[:, None], np.array([4.5]), n_keep=10).tolist() == [5]


# ----------------------------------------------------------------------------- nested selection
def _pts(rows: list[int], crps: list[float]) -> dict[str, list[float] | list[int]]:
    return {"row": rows, "crps": crps, "lpd": [-c for c in crps]}


def test_choose_ranks_on_common_rows_and_excludes_failed_candidates():
    points = {
        "a": {"2014": _pts([1, 2, 9], [0.2, 0.2, 5.0]), "2015": _pts([3, 4], [0.3, 0.1])},
        "b": {"2014": _pts([1, 2, 9], [0.1, 0.1, 5.0]), "2015": _pts([3, 4], [0.2, 0.2])},
        "c": {"2014": _pts([1, 2], [0.0, 0.0]), "2015": None},  # failed at 2015
    }
    out = nested.choose(points, "crps")
    assert out["chosen"] == "b" and out["n_rows"] == 5
    assert [r["candidate"] for r in out["ranking"]] == ["b", "a"]
    assert "c" in out["ineligible"] and "2015" in out["ineligible"]["c"]
    assert nested.choose(points, "log_score")["chosen"] == "b"
    points["d"] = {"2014": _pts([1, 2, 9], [float("nan"), 0.0, 0.0]), "2015": _pts([3, 4], [0.0, 0.0])}
    assert nested.choose(points, "crps")["ranking"][-1]["candidate"] == "d"  # undefined score ranks last
    assert out["origins_dropped"] == []
    # an origin at which no candidate has a scored fit cannot discriminate: left out, and named
    alone = nested.choose({"c": points["c"], "e": {"2014": _pts([1, 2], [0.5, 0.5]), "2015": None}})
    assert alone["chosen"] == "c" and alone["origins_dropped"] == ["2015"] and not alone["ineligible"]
    assert nested.choose({"c": {"2014": None, "2015": None}})["chosen"] is None
    # a candidate predicting fewer results (better on its subset) is a sensitivity, not the default
    subset = {"a": points["a"], "f": {"2014": _pts([1], [0.0]), "2015": _pts([3, 4], [0.0, 0.0])}}
    pick = nested.choose(subset)
    assert pick["chosen"] == "a" and "2014 (1 of 3)" in pick["ineligible"]["f"]
    # ... also when the more complete candidate failed elsewhere (the product needs every result forecast)
    failed_elsewhere = {"g": {"2014": _pts([1, 2, 9], [0.3, 0.3, 0.3]), "2015": None}, "f": subset["f"]}
    none = nested.choose(failed_elsewhere)
    assert none["chosen"] is None and set(none["ineligible"]) == {"g", "f"}
    # equal coverage keeps both (ranked on their common rows)
    both = {"a": {"2014": _pts([1, 2], [0.3, 0.3])}, "f": {"2014": _pts([2, 3], [0.1, 0.1])}}
    assert nested.choose(both)["chosen"] == "f" and not nested.choose(both)["ineligible"]
    with pytest.raises(ConfigError):
        nested.choose(points, "rmse")


def test_candidates_file_and_unscorable_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "c.toml"
    path.write_text(
        "[selection]\nearly_cutoffs=[2015]\nlater_cutoffs=[2017]\n"
        '[[candidate]]\nname="x"\noverrides={model={noise="shared"}}\n'
        '[[candidate]]\nname="y"\nspec="missing.toml"\n'
    )
    plan = nested.load_plan(path)
    assert [c.name for c in plan.candidates] == ["x", "y"] and plan.selection_end == 2018.0
    base = load_spec(Path(__file__).resolve().parents[1] / "models" / "default.toml")
    spec = nested.candidate_spec(base, plan.candidates[0])
    assert spec.model.noise == "shared" and nested.unscorable_reason(spec) is None
    # every version-2 spec shipped is scored by its own predictive (forecast/validation/predictive.py) ...
    for name in ("v2.toml", "v2_training_flop.toml"):
        v2 = load_spec(Path(__file__).resolve().parents[1] / "models" / name)
        assert nested.unscorable_reason(v2) is None
    # ... and an option listed as unscorable still keeps its candidates out
    monkeypatch.setattr(nested, "UNSCORABLE_OPTIONS", {"dynamics": "none"})
    assert "dynamics='random_walk'" in (nested.unscorable_reason(base.with_overrides(
        {"model": {"dynamics": "random_walk"}})) or "")
    path.write_text('[selection]\nearly_cutoffs=[2017]\nlater_cutoffs=[2016]\n[[candidate]]\nname="x"\n')
    with pytest.raises(ConfigError, match="precede"):
        nested.load_plan(path)


# ----------------------------------------------------------------------------- pseudo-wall
def test_crossing_years_solve_the_linear_required_compute_path():
    one = np.ones((1, 4))
    fit = {
        "draws": {
            "frontier_intercept": -1.0 * one[..., None],
            "frontier_rate": -0.2 * one[..., None],
            "alpha": 0.0 * one[..., None],
            "beta": -0.5 * one[..., None],
            "gamma": -0.1 * one[..., None],
        },
        "coords": {"benchmark": ["s"]},
        "series_domain": [0],
        "frontier_t_mean": {"s": 0.0},
    }
    # x(t) = (-1 - 0.2 t + 0.1 t) / -0.5 = 2 + 0.2 t: one more decade after 5 years
    np.testing.assert_allclose(sold.crossing_years(fit, "s", 1.0, 0.0), 5.0)
    np.testing.assert_allclose(sold.crossing_years(fit, "s", 2.0, 1.0), 11.0)
    fit["draws"]["frontier_rate"] = 0.0 * one[..., None] + 0.2  # required compute falls: never
    assert np.isinf(sold.crossing_years(fit, "s", 1.0, 0.0)).all()
    rows = pd.DataFrame(
        {
            "series": "s",
            "year": [2017.5, 2018.5, 2019.5],
            "error": [0.3, 0.2, 0.25],
            "x_tf": [1.0, 3.5, 5.0],
            "x_hw": np.nan,
        }
    )
    assert sold.observed_crossing(rows, 3.0, 2018.0, 2020.0, 0.0) == 2018.5  # 2019.5 is not a record
    assert sold.observed_crossing(rows, 6.0, 2018.0, 2020.0, 0.0) is None


def test_score_crossing_with_never_crossing_draws():
    # half the draws never cross: the 90% interval is [1, never), so an outcome at 3 is inside it
    t = np.array([1.0] * 50 + [np.inf] * 50)
    out = sold.score_crossing(t, 3.0, 5.0)
    assert out["consistent"] and out["pit"] == 0.5 and np.isinf(out["predicted"]["high"])
    assert not sold.score_crossing(np.full(100, 2.0), 3.0, 5.0)["consistent"]
    # nothing crossed by the end: consistent unless the model was >= 95% sure it would have
    assert sold.score_crossing(t, None, 5.0)["consistent"]
    assert not sold.score_crossing(np.full(100, 2.0), None, 5.0)["consistent"]


def test_frontier_checks_called_when_the_module_is_present(monkeypatch):
    import importlib.machinery
    import sys
    import types

    monkeypatch.setattr(sold, "FRONTIER_MODULE", "forecast_tests_absent_module")
    out = sold.frontier_checks(load_spec(), pd.DataFrame())
    assert out == {"available": False, "reason": "forecast_tests_absent_module is not part of this checkout"}
    fake = types.ModuleType("forecast_tests_fake_frontier")
    fake.__spec__ = importlib.machinery.ModuleSpec("forecast_tests_fake_frontier", None)
    fake.run_frontier_validation = lambda spec, notable, log=None: {"frontier": {"n": len(notable)}}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "forecast_tests_fake_frontier", fake)
    monkeypatch.setattr(sold, "FRONTIER_MODULE", "forecast_tests_fake_frontier")
    out = sold.frontier_checks(load_spec(), pd.DataFrame({"a": [1, 2]}))
    assert out == {"available": True, "sections": {"frontier": {"n": 2}}}


# ----------------------------------------------------------------------------- rendering
def test_markdown_renders_evaluation_sections_and_bridge(tmp_path: Path):
    block = {
        "n_rows": 1,
        "n_common": 1,
        "methods": {
            m: {
                "n_all": 1,
                "common": {"n": 1, "coverage50": 1.0, "coverage90": 1.0, "mean_lpd": 1.0, "mean_crps": c},
                "by_domain": {"d": {"n": 1, "coverage50": 1.0, "coverage90": 1.0, "mean_lpd": 1.0, "mean_crps": c}},
                "by_horizon": {"1": {"n": 1, "coverage50": 1.0, "coverage90": 1.0, "mean_crps": c}},
                "pit_histogram": {"counts": [1] + [0] * 9, "n": 1, "band_counts": [0, 1]},
            }
            for m, c in (("model", 0.2), ("thompson_poly", 0.1))
        },
    }
    data = {
        "holdout": {
            "spec": "s",
            "holdout_after": "2020-08-31",
            "results_after_date": 3,
            "scored_rows": 1,
            "scored_frontier_targets": 0,
            "status": "converged",
            "rows": block,
            "frontier": {"n": 0},
        }
    }
    md = validation_markdown(data)
    assert "Untouched holdout" in md and "baseline(s) with lower CRPS than the model: thompson_poly" in md
    data["holdout"]["attempts"] = [
        {"draws": 2000, "tune": 2000, "chains": 2, "target_accept": 0.95, "converged": False},
        {"draws": 4000, "tune": 4000, "chains": 4, "target_accept": 0.975, "converged": True},
    ]
    assert ("Sampled 2 x 2000 draws (2000 tuning, target acceptance 0.95): not converged; refitted 4 x 4000 draws "
            "(4000 tuning, target acceptance 0.975): converged.") in validation_markdown(data)
    paths = render.evaluation_figures(data, tmp_path)
    assert [p.name for p in paths] == ["validation_pit.png"]
    json.dumps(data)


def _bridge_data() -> dict:
    x = np.array([15.0, 16.0, 17.0, 18.0, 19.0])
    year = np.array([2012.0, 2014.0, 2013.0, 2016.0, 2015.0])
    err = np.exp(-0.2 * (x - 15) - 0.1 * (year - 2012) - 1.0)
    pts = pd.DataFrame({"series": "imagenet/top1", "error": err, "hardware_burden_flop": 10**x, "year": year})
    q = {"median": 1.0, "low": 0.5, "high": 2.0}
    return {
        "published": bridge.PUBLISHED,
        "thompson_method_on_published_points": bridge.thompson_table(pts),
        "why_different": "only the frontier points are public",
        "steps": [
            {
                "step": "pooling",
                "label": "+ pooling",
                "status": "converged",
                "n_obs": 5,
                "years_per_10x": {"image_classification": q},
                "years_per_10x_shared": q,
                "k_imagenet": q,
                "imagenet_5pct_log10_multiple": q,
            },
            {"step": "logit", "label": "+ logit", "status": "failed", "n_obs": 5},
        ],
        "skipped": {"v2": "spec file models/v2.toml does not exist"},
    }


def test_bridge_section_in_the_report_and_its_figure(tmp_path: Path):
    from forecast.report import build_document
    from tests.test_report import _synthetic_run

    br = _bridge_data()
    md = build_document(_synthetic_run(), figures=False, validation={"bridge": br}).to_markdown()
    assert "# Bridge: from Thompson et al.'s numbers to this model's" in md
    assert "Thompson's method on his public frontier points" in md and "**failed**" in md
    assert "step `v2` skipped" in md
    path = render.bridge_figure(br, tmp_path)
    assert path is not None and path.stat().st_size > 1000
