"""Fast tests of the validation suite: scoring, baselines, simulation, executors, rendering (no NUTS)."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import forecast.validation as validation
from forecast import policy
from forecast.config import load_spec
from forecast.validation import backtest as bt
from forecast.validation import (
    links,
    parallel,
    recovery,
    sensitivity,
    validation_figures,
    validation_markdown,
    write_validation_json,
)


# ----------------------------------------------------------------------------- scoring
def test_crps_matches_brute_force_and_normal_closed_form():
    rng = np.random.default_rng(1)
    s = rng.normal(size=(300, 3))
    y = np.array([0.0, 1.0, -2.0])
    brute = np.mean(np.abs(s - y), axis=0) - 0.5 * np.mean(np.abs(s[:, None, :] - s[None, :, :]), axis=(0, 1))
    np.testing.assert_allclose(bt.crps_from_samples(s, y), brute, rtol=1e-10)
    big = rng.normal(size=(200_000, 1))
    closed = 0.0 * 2 * stats.norm.pdf(0.0) + (2 * stats.norm.pdf(0.0) - 1 / np.sqrt(np.pi))  # y = 0
    assert bt.crps_from_samples(big, np.array([0.0]))[0] == pytest.approx(closed, abs=5e-3)


def test_interval_hits_and_summary():
    s = np.tile(np.linspace(0, 1, 1001)[:, None], (1, 3))
    y = np.array([0.5, 0.8, 0.99])
    assert bt.interval_hits(s, y, 0.5).tolist() == [True, False, False]
    assert bt.interval_hits(s, y, 0.9).tolist() == [True, True, False]
    summ = bt.summarise_scores({"in50": [1, 0], "in90": [1, 1], "lpd": [-1.0, -2.0], "crps": [0.1, 0.3]})
    assert summ["coverage50"] == 0.5 and summ["mean_lpd"] == -1.5 and summ["mean_crps"] == pytest.approx(0.2)
    assert bt.summarise_scores({"in50": [], "in90": [], "lpd": [], "crps": []})["n"] == 0


def _rows(n_per: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for s, d, a in (("a/x", "d1", -1.0), ("b/x", "d1", -2.0), ("c/x", "d2", 0.5)):
        x = rng.uniform(-1, 3, n_per)
        t = rng.uniform(-4, 2, n_per)
        frames.append(
            pd.DataFrame(
                {
                    "series": s,
                    "domain": d,
                    "x_tf": x,
                    "x_hw": x + 0.5,
                    "t": t,
                    "y": a - 0.3 * x - 0.1 * t,
                    "year": 2017 + t,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_baselines_recover_exact_lines_and_skip_short_series():
    train = _rows()
    test = _rows(seed=5)
    loc, scale, dof, fitted = bt.per_benchmark_ols(train, test, offset=0.5)
    np.testing.assert_allclose(loc, test["y"], atol=1e-8)
    assert sorted(fitted) == ["a/x", "b/x", "c/x"] and np.all(dof == 3)
    loc_p, _, dof_p = bt.pooled_ols(train, test, offset=0.5)
    np.testing.assert_allclose(loc_p, test["y"], atol=1e-8)
    assert np.all(dof_p == len(train) - 5)
    short = train[~((train["series"] == "c/x") & (train.index % 6 > 2))]  # c/x keeps 3 rows
    loc, *_, fitted = bt.per_benchmark_ols(short, test, offset=0.5)
    assert "c/x" not in fitted and np.isnan(loc[test["series"] == "c/x"]).all()
    # hardware-burden-only rows use x_hw - offset
    test2 = test.assign(x_tf=np.where(test.index % 2 == 0, np.nan, test["x_tf"]))
    loc2, *_ = bt.per_benchmark_ols(train, test2, offset=0.5)
    np.testing.assert_allclose(loc2, test["y"], atol=1e-8)


def _draws(S: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "alpha": rng.normal([-1, -2, 0.5], 0.05, size=(1, S, 3)),
        "alpha_domain": rng.normal([-1.5, 0.5], 0.05, size=(1, S, 2)),
        "tau_alpha": np.abs(rng.normal(0.5, 0.05, size=(1, S))),
        "beta": rng.normal(-0.3, 0.02, size=(1, S, 2)),
        "gamma": rng.normal(-0.1, 0.02, size=(1, S, 2)),
        "sigma": np.abs(rng.normal(0.2, 0.01, size=(1, S, 2))),
        "nu": np.full((1, S), 5.0),
        "hw_offset": rng.normal(0.5, 0.05, size=(1, S)),
        "hw_sigma": np.abs(rng.normal(0.6, 0.05, size=(1, S))),
    }


def test_latent_compute_integral_matches_monte_carlo():
    d = _draws(S=40)
    rows = _rows().iloc[:4].assign(x_tf=np.nan)
    ll = bt.pointwise_loglik(d, rows, ["a/x", "b/x", "c/x"], ["d1", "d2"])
    rng = np.random.default_rng(3)
    z = rng.standard_normal((40, 1, 20000))
    x = (
        rows["x_hw"].to_numpy()[None, :, None]
        - d["hw_offset"][0][:, None, None]
        + d["hw_sigma"][0][:, None, None] * z
    )
    mu = (
        d["alpha"][0][:, [0] * 4][..., None]
        + d["beta"][0][:, [0] * 4][..., None] * x
        + d["gamma"][0][:, [0] * 4][..., None] * rows["t"].to_numpy()[None, :, None]
    )
    mc = np.log(
        np.mean(
            stats.t.pdf(rows["y"].to_numpy()[None, :, None], 5.0, mu, d["sigma"][0][:, [0] * 4][..., None]),
            axis=2,
        )
    )
    np.testing.assert_allclose(ll, mc, atol=0.03)


def test_predictive_samples_reproducible_and_new_benchmark_needs_rng():
    d = _draws()
    rows = _rows().iloc[::3]
    a = bt.predictive_samples(d, rows, ["a/x", "b/x", "c/x"], ["d1", "d2"], np.random.default_rng(7), n=200)
    b = bt.predictive_samples(d, rows, ["a/x", "b/x", "c/x"], ["d1", "d2"], np.random.default_rng(7), n=200)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="not fitted"):
        bt.pointwise_loglik(d, rows, ["a/x", "b/x"], ["d1", "d2"])
    ll = bt.pointwise_loglik(
        d, rows, ["a/x", "b/x"], ["d1", "d2"], new_benchmark_rng=np.random.default_rng(1)
    )
    assert np.isfinite(ll).all()


def test_score_cutoff_on_synthetic_fit():
    d = _draws()
    draws = {k: v for k, v in d.items()} | {
        "trend_intercept": np.zeros((1, 400, 2)),
        "trend_slope": np.full((1, 400, 2), 0.5),
        "trend_sigma": np.ones((1, 400)),
    }
    full = _rows(n_per=12)
    full["error"] = 1 / (1 + np.exp(-full["y"]))
    train = full[full["year"] < 2017]
    fitres = {
        "draws": draws,
        "coords": {"benchmark": ["a/x", "b/x", "c/x"], "domain": ["d1", "d2"]},
        "obs": train,
        "convergence": {"converged": True, "max_rhat": 1.0, "min_ess_bulk": 500.0, "divergences": 0},
        "timings": {},
    }
    nm = pd.DataFrame(
        {
            "domain": ["d1"] * 8,
            "year": 2012.0 + np.arange(8),
            "t": np.arange(8) - 5.0,
            "x": 0.5 * (np.arange(8) - 5.0),
        }
    )
    out = bt.score_cutoff(fitres, full, nm, 2016, seed=1)
    assert set(out["common"]) == {"hierarchical", "per_benchmark_ols", "pooled_ols"}
    assert out["later_rows"] == int((full["year"] >= 2017).sum())
    assert out["trend"]["later_notable_models"]["n"] == 3
    json.dumps(out)
    # by horizon: whole years after the cutoff year, the common rows split without loss
    by_h = out["by_horizon"]["hierarchical"]
    assert sum(v["n"] for v in by_h.values()) == out["common"]["hierarchical"]["n"]
    years = np.floor(full.loc[full["year"] >= 2017, "year"]).astype(int)
    assert set(by_h) <= {"1", "2", "3", "4+"} and ("1" in by_h) == bool((years == 2017).any())

    # pooled over cutoffs: converged fits only, row-weighted
    failed = dict(out, cutoff=2015, convergence={"converged": False})
    pools = bt.horizon_pools([out, failed, dict(out, cutoff=2014)])
    assert pools["pooled_cutoffs"] == [2016, 2014]
    for h, v in by_h.items():
        got = pools["pooled_by_horizon"]["hierarchical"][h]
        assert got["n"] == 2 * v["n"] and got["coverage90"] == pytest.approx(v["coverage90"])
        assert pools["pooled_by_horizon_all"]["hierarchical"][h]["n"] == 3 * v["n"]
    md = "\n".join(validation._backtest_horizon_md({**pools, "per_cutoff": [out]}))
    assert "pooled over the converged cutoffs (2016, 2014)" in md and "| hierarchical |" in md
    assert "No cutoff converged" in "\n".join(validation._backtest_horizon_md(bt.horizon_pools([failed])))


def test_refit_sampler_doubles_the_work_and_shrinks_the_steps():
    got = policy.refit_sampler(1500, 1000, 4, 0.95)
    assert got == {"draws": 3000, "tune": 2000, "chains": 8, "target_accept": pytest.approx(0.975)}


# ----------------------------------------------------------------------------- recovery
def test_binomial_band():
    lo, hi = recovery.binomial_band(20, 0.9)
    assert lo < 0.9 < hi and 0.7 <= lo and hi <= 1.0


def test_recovery_simulation_keeps_berkson_constants_and_redraws_measurements():
    """v1 (berkson): reported training FLOP is a constant of the graph; burden of matched pairs is observed."""
    import pymc as pm

    from forecast.model import build_model, prepare_data
    from forecast.validation.fastfit import observed_as_data
    from tests.synthetic import synthetic_tables

    r, n, p = synthetic_tables()
    spec = load_spec(None, {"model": {"compute_measure": "both"}, "priors": {"hw_sigma_min": 0.0}})  # noise-free
    data = prepare_data(r, n, p, spec)
    model, names = observed_as_data(build_model(data, spec))
    assert {"y", "hw_pairs"} <= set(names) and "tf_meas" not in names
    truth = pm.sample_prior_predictive(draws=2, model=model, random_seed=1,
                                       compile_kwargs={"mode": "FAST_COMPILE"})["prior"].to_dataset()
    truth["sigma"] = truth["sigma"] * 0 + 1e-7
    truth["hw_sigma"] = truth["hw_sigma"] * 0 + 1e-7
    sims = recovery.simulate_observed(model, names, truth, [0, 1], seed=4)
    obs = data.obs
    tf = np.isfinite(obs["x_tf"].to_numpy())
    for k, sim in enumerate(sims):
        offset = float(truth["hw_offset"].values[0, k])
        # x: the real training FLOP where reported (constants), else burden - offset (+ hw_sigma z_x ~ 0)
        x = np.where(tf, obs["x_tf"].to_numpy(), obs["x_hw"].to_numpy() - offset)
        pairs = tf & np.isfinite(obs["x_hw"].to_numpy())
        np.testing.assert_allclose(sim["hw_pairs"], x[pairs] + offset, atol=1e-4)
        si, di = obs["series_idx"].to_numpy(), obs["domain_idx"].to_numpy()
        mu = (truth["alpha"].values[0, k][si] + truth["beta"].values[0, k][di] * x
              + truth["gamma"].values[0, k][di] * obs["t"].to_numpy())
        np.testing.assert_allclose(sim["y"], mu, atol=1e-4)
        assert not np.allclose(sim["hw_pairs"], obs.loc[pairs, "x_hw"])


def test_recovery_refuses_bad_counts():
    from forecast.errors import ConfigError

    with pytest.raises(ConfigError, match="chunks"):
        recovery.run_compiled_recovery(load_spec(None), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                                       executor=None, groups=("beta",), label="recovery", n_sims=2, draws=10,
                                       tune=10, chains=1, chunks=0)


# ----------------------------------------------------------------------------- links, sensitivity
def test_loo_table_prefers_the_better_model():
    rng = np.random.default_rng(0)
    y = rng.normal(size=60)
    good = stats.norm.logpdf(y[None, None, :], rng.normal(0, 0.05, size=(2, 200, 1)), 1.0)
    bad = stats.norm.logpdf(y[None, None, :], rng.normal(1.0, 0.05, size=(2, 200, 1)), 1.0)
    out = links.loo_table({"good": good, "bad": bad})
    assert out["best"] == "good"
    assert out["table"]["bad"]["elpd_diff"] > 0 and out["table"]["bad"]["se_diff"] > 0
    assert out["table"]["good"]["elpd_diff"] == 0.0


def test_identity_overrides_are_valid_spec_and_variants():
    spec = load_spec(None)
    s = spec.with_overrides({**links.IDENTITY_OVERRIDES, "model": {"link": "identity"}})
    assert s.prior("sigma")["sigma"] == 0.1
    v = sensitivity.variants(spec, ["a/b", "c/d"])
    assert {"base", "frontier_only", "gamma_prior_wide", "gamma_prior_narrow", "drop:a/b", "drop:c/d"} <= set(
        v
    )
    assert v["drop:a/b"]["model"]["series"] == ["c/d"]
    for ov in v.values():
        if ov and "series" not in ov.get("model", {}):
            spec.with_overrides(ov)


def test_validation_spec_uses_integer_seed_and_one_core():
    spec = parallel.validation_spec(load_spec(None), seed=policy.child_seed(3, "recovery", 0), draws=50)
    assert spec.sampler.cores == 1 and spec.sampler.draws == 50 and isinstance(spec.sampler.seed, int)
    with pytest.raises(TypeError):
        parallel.validation_spec(load_spec(None), seed=1.5)


# ----------------------------------------------------------------------------- executors
def test_dask_and_serial_executors_agree():
    payloads = [
        {
            "label": f"t{i}",
            "seed": policy.child_seed(7, "recovery", i),
            "df": pd.DataFrame({"v": np.arange(i + 3.0)}),
        }
        for i in range(5)
    ]
    with parallel.executor(serial=True) as ex:
        serial = ex.map(parallel.probe_task, payloads)
    with parallel.executor(workers=2) as ex:
        distributed = ex.map(parallel.probe_task, payloads)
    assert serial == distributed
    assert [r["label"] for r in distributed] == [p["label"] for p in payloads]


# ----------------------------------------------------------------------------- output
def _fake_json() -> dict:
    grp = {
        "elements": 5,
        "n_sims": 20,
        "trials": 100,
        "coverage50": 0.52,
        "coverage90": 0.7,
        "band50_per_sim": [0.3, 0.7],
        "band90_per_sim": [0.75, 1.0],
        "band50_trials": [0.4, 0.6],
        "band90_trials": [0.84, 0.95],
    }
    score = {"n": 10, "coverage50": 0.5, "coverage90": 0.9, "mean_lpd": -0.5, "mean_crps": 0.2, "se_lpd": 0.1}
    return {
        "recovery": {
            "n_sims": 20,
            "shape": {"rows": 149},
            "groups": {"beta": grp},
            "sampler": {},
            "n_converged": 20,
            "total_divergences": 0,
        },
        "backtest": {
            "scale": "link scale (logit)",
            "per_cutoff": [
                {
                    "cutoff": 2016,
                    "common": {"hierarchical": score, "per_benchmark_ols": score, "pooled_ols": score},
                    "hierarchical_all_later": score,
                    "trend": {"later_notable_models": {"hierarchical_all": score, "per_domain_ols": score}},
                }
            ],
        },
        "links": {
            "table": {
                m: {
                    "elpd_loo": -10.0 - i,
                    "se": 1.0,
                    "elpd_diff": float(i),
                    "se_diff": 0.5,
                    "p_loo": 3.0,
                    "pareto_k_max": 0.5,
                    "n_k_over_0.7": 0,
                    "n": 100,
                }
                for i, m in enumerate(("logit", "log", "identity"))
            }
        },
        "sensitivity": {
            "variants": {
                "base": {
                    "years_per_10x": {"d1": {"median": 1.0, "low": 0.5, "high": 2.0, "identified": False}}
                }
            },
            "walls_available": False,
            "walls_note": "not available; years-per-10x only",
        },
    }


def test_markdown_figures_and_atomic_json(tmp_path):
    data = _fake_json()
    grp = data["recovery"]["groups"]["beta"]
    data["recovery_v2"] = {**data["recovery"], "spec": "v2", "groups": {"floor": grp}, "failing_groups": ["floor"],
                           "model_compiles": 3, "wall_clock_s": 600.0}
    md = validation_markdown(data)
    v2 = md.split("version-2 options (spec 'v2')")[1]
    assert md.index("### Parameter recovery\n") < md.index("version-2 options")
    assert "Groups outside a band: floor (by chance alone up to ~0.1 of 1 groups" in v2
    assert "compiled 3 times" in v2 and "| floor |" in v2
    for text in (
        "Parameter recovery",
        "**outside**",
        "pooled_ols",
        "PSIS-LOO",
        "1.0 [0.5, 2.0] ?",
        "years-per-10x only",
    ):
        assert text in md
    assert "No validation results" in validation_markdown({})
    # a file holding checks of several specs names each check's spec file
    data["recovery"]["spec_source"] = "models/v1.toml"
    assert "### Parameter recovery - spec `models/v1.toml`\n" in validation_markdown(data)
    paths = validation_figures(data, tmp_path / "fig")
    assert len(paths) == 3 and all(p.stat().st_size > 0 for p in paths)
    assert {p.name for p in paths} >= {"validation_recovery_coverage.png", "validation_recovery_v2_coverage.png"}
    out = tmp_path / "r" / "validation.json"
    write_validation_json(out, {"recovery": data["recovery"], "x": np.float64(np.nan)})
    write_validation_json(out, {"links": data["links"]})
    back = json.loads(out.read_text())
    assert set(back) == {"recovery", "links", "x"} and back["x"] is None
    assert list(out.parent.iterdir()) == [out]


def test_cli_registers_validate():
    from forecast.cli import validate_cmd

    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command")
    validate_cmd.register(sub)
    a = p.parse_args(
        [
            "validate",
            "backtest",
            "--scheduler",
            "tcp://h:8786",
            "--workers",
            "3",
            "--sims",
            "25",
            "--draws",
            "100",
            "--out",
            "x.json",
        ]
    )
    assert (a.check, a.scheduler, a.workers, a.sims, a.draws, a.out) == (
        "backtest",
        "tcp://h:8786",
        3,
        25,
        100,
        "x.json",
    )
    assert callable(a.handler)
    with pytest.raises(SystemExit):
        p.parse_args(["validate", "nonsense"])


def test_cli_recovery_v2_needs_a_version_2_spec(tmp_path, capsys):
    from forecast.cli import main
    from forecast.data.load import default_data_paths

    if not default_data_paths().results.is_file():
        pytest.skip("data/results.csv is absent")
    out = tmp_path / "v.json"
    assert main(["validate", "recovery_v2", "--spec", "models/v1.toml", "--v2-spec", "none", "--out", str(out)]) == 2
    assert "needs a version-2 spec" in capsys.readouterr().err and not out.exists()
    # the link comparison needs a spec that can take the logit and identity links (no floors)
    assert main(["validate", "links", "--spec", "models/default.toml", "--out", str(out)]) == 2
    assert "floors, which need the log link" in capsys.readouterr().err and not out.exists()


def test_wall_summary_reads_the_forecast_wall_table_and_keeps_never():
    from forecast.forecasts import compute_forecasts
    from forecast.run import load_run

    run = load_run("tests/golden/run.nc")
    rows = parallel.wall_summary(run)["summary"]["wall_year"]
    table = compute_forecasts(run).wall_table
    assert len(rows) == len(table)
    for row, (_, ref) in zip(rows, table.iterrows(), strict=True):
        assert (row["domain"], row["budget"]) == (ref["domain"], ref["budget"])
        assert row["p_never"] == pytest.approx(ref["p_never"])
        for key, col in (("median", "wall_median"), ("low", "wall_lo"), ("high", "wall_hi")):
            assert row[key] == (float(ref[col]) if np.isfinite(ref[col]) else "never")


def test_fit_extract_refits_a_failed_fit_once_when_asked(monkeypatch):
    """A failed fit is repeated once with policy.refit_sampler and a child seed; a converged one is not."""
    import types

    import xarray as xr

    import forecast.fit as fit_module
    from forecast.model import prepare_data
    from tests.synthetic import synthetic_tables

    r, n, p = synthetic_tables()
    spec = load_spec(None)
    data = prepare_data(r, n, p, spec)
    seen = []

    def fake_fit(s, *args, **kwargs):
        seen.append(s.sampler)
        ok = len(seen) == 2
        checks = types.SimpleNamespace(converged=ok, to_dict=lambda: {"converged": ok, "max_rhat": 1.0,
                                                                       "min_ess_bulk": 500.0, "divergences": 0})
        post = xr.Dataset({"mu_beta": (("chain", "draw"), np.zeros((1, 2)))})
        return types.SimpleNamespace(posterior=post, data=data, checks=checks, meta={"timings": {}})

    monkeypatch.setattr(fit_module, "fit", fake_fit)
    s = parallel.validation_spec(spec, seed=5, draws=100, tune=50, chains=2)
    out = parallel.fit_extract(parallel.make_payload(s, r, n, p, label="t", refit=True))
    assert [a["converged"] for a in out["attempts"]] == [False, True] and len(seen) == 2
    assert (seen[1].draws, seen[1].tune, seen[1].chains) == (200, 100, 4)
    assert seen[1].target_accept == pytest.approx(policy.refit_target_accept(s.sampler.target_accept))
    assert seen[1].seed == policy.child_seed(5, "refit") == out["seed"]
    seen.clear()
    out = parallel.fit_extract(parallel.make_payload(s, r, n, p, label="t"))  # no refit asked: one attempt
    assert len(seen) == 1 and [a["converged"] for a in out["attempts"]] == [False]
