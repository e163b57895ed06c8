"""The row and frontier predictive of version-2 fits (forecast/validation/predictive.py), on synthetic draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.config import load_spec
from forecast.errors import ConfigError
from forecast.model import floor_share_prior
from forecast.validation import backtest as bt
from forecast.validation import nested
from forecast.validation import predictive as pr
from forecast.validation.origins import model_frontier_scores

MODELS = Path(__file__).resolve().parents[1] / "models"
SERIES = ["a/x", "b/x", "c/x"]
DOMAINS = ["d1", "d2"]
FIRST, WIDTH, N_BINS = 2010.0, 2, 5  # fitted bins 2010-11, ..., 2018-19


def _draws(S: int = 300, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "alpha": rng.normal([-1.0, -2.0, 0.5], 0.05, size=(1, S, 3)),
        "alpha_domain": rng.normal([-1.5, 0.5], 0.05, size=(1, S, 2)),
        "tau_alpha": np.abs(rng.normal(0.5, 0.05, size=(1, S))),
        "beta": -np.abs(rng.normal(0.3, 0.02, size=(1, S, 2))),
        "gamma": rng.normal(-0.1, 0.02, size=(1, S, 2)),
        "sigma": np.abs(rng.normal(0.2, 0.01, size=(1, S, 2))),
        "nu": np.full((1, S), 5.0),
        "hw_offset": np.abs(rng.normal(0.5, 0.05, size=(1, S))),
        "hw_sigma": np.abs(rng.normal(0.6, 0.05, size=(1, S))),
        "floor": rng.uniform(0.02, 0.05, size=(1, S, 3)),
        "pop_intercept": rng.normal([0.5, 1.0, -0.5], 0.1, size=(1, S, 3)),
        "pop_slope": rng.normal(0.4, 0.02, size=(1, S)),
        "pop_sigma": np.abs(rng.normal(0.8, 0.05, size=(1, S))),
        "walk": rng.normal(0.0, 0.1, size=(1, S, 3, N_BINS)),
        "rw_sigma": np.abs(rng.normal(0.2, 0.02, size=(1, S))),
    }


def _only(draws: dict[str, np.ndarray], *v2: str) -> dict[str, np.ndarray]:
    """The draws of a fit with just the named version-2 variables."""
    drop = {"floor", "pop_intercept", "pop_slope", "pop_sigma", "walk", "rw_sigma"} - set(v2)
    return {k: v for k, v in draws.items() if k not in drop}


def _ctx(floors: bool = False, structural: bool = False, walk: bool = False) -> pr.PredictiveContext:
    return pr.PredictiveContext(
        floors=floors, structural=structural, random_walk=walk, tf_sigma=0.15, measurement_nu=4.0, rw_nu=4.0,
        bin_first=FIRST, bin_width=WIDTH, priors=load_spec().priors,
    )


def _rows(years: list[float], series: str = "a/x", x_tf: float = 1.0, x_hw: float = np.nan) -> pd.DataFrame:
    years_a = np.asarray(years, dtype=float)
    return pd.DataFrame({
        "series": series, "domain": "d2" if series == "c/x" else "d1", "x_tf": x_tf, "x_hw": x_hw,
        "t": years_a - 2017.0, "year": years_a, "y": np.log(0.1), "error": 0.1,
        "measure": "training_flop",
    })


# ----------------------------------------------------------------------------- floors
def test_floor_predictive_is_the_floored_student_t_and_never_below_the_floor():
    d = _only(_draws(), "floor")
    rows = _rows([2016.5, 2018.0, 2019.5]).assign(y=np.log([0.03, 0.06, 0.2]))
    ll = bt.pointwise_loglik(d, rows, SERIES, DOMAINS, context=_ctx(floors=True))
    mu = d["alpha"][0][:, [0]] + d["beta"][0][:, [0]] * 1.0 + d["gamma"][0][:, [0]] * rows["t"].to_numpy()
    m = np.logaddexp(np.log(d["floor"][0][:, [0]]), mu)
    exact = stats.t.logpdf(rows["y"].to_numpy(), 5.0, m, d["sigma"][0][:, [0]])
    np.testing.assert_allclose(ll, exact, rtol=1e-10)
    # without observation noise, no error-scale sample lies below the benchmark's floor
    quiet = d | {"sigma": np.full_like(d["sigma"], 1e-9), "alpha": d["alpha"] - 3.0}
    s = np.exp(bt.predictive_samples(quiet, rows, SERIES, DOMAINS, np.random.default_rng(1), n=2000,
                                     context=_ctx(floors=True)))
    assert (s >= d["floor"][0][:, 0].min() * (1 - 1e-6)).all()
    assert np.median(s) < 1.2 * d["floor"][0][:, 0].max()  # the reducible part is small: the floor dominates
    # the version-1 predictive ignores the floor: far more mass below it
    v1 = np.exp(bt.predictive_samples(_only(quiet), rows, SERIES, DOMAINS, np.random.default_rng(1), n=2000))
    assert (v1 < d["floor"][0][:, 0].min()).mean() > 0.5


def test_v2_draws_need_their_context():
    d = _draws()
    rows = _rows([2016.5])
    with pytest.raises(ValueError, match="PredictiveContext"):
        bt.pointwise_loglik(d, rows, SERIES, DOMAINS)
    with pytest.raises(ValueError, match="'walk'"):
        bt.pointwise_loglik(_only(d, "floor"), rows, SERIES, DOMAINS, context=_ctx(floors=True, walk=True))


# ----------------------------------------------------------------------------- random walk
def test_random_walk_without_innovations_equals_the_no_dynamics_predictive():
    d = _only(_draws(), "walk", "rw_sigma")
    d = d | {"walk": np.zeros_like(d["walk"]), "rw_sigma": np.zeros_like(d["rw_sigma"])}
    rows = _rows([2016.5, 2019.2, 2021.0, 2026.5]).assign(y=np.log([0.2, 0.15, 0.1, 0.05]))
    rng = np.random.default_rng(0)
    ll_rw = bt.pointwise_loglik(d, rows, SERIES, DOMAINS, new_benchmark_rng=rng, context=_ctx(walk=True))
    ll_v1 = bt.pointwise_loglik(_only(d), rows, SERIES, DOMAINS)
    np.testing.assert_allclose(ll_rw, ll_v1, rtol=1e-10)
    s_rw = bt.predictive_samples(d, rows, SERIES, DOMAINS, np.random.default_rng(3), n=4000, context=_ctx(walk=True))
    s_v1 = bt.predictive_samples(_only(d), rows, SERIES, DOMAINS, np.random.default_rng(3), n=4000)
    np.testing.assert_allclose(s_rw, s_v1, rtol=1e-12)  # same draws: zero innovations add exactly nothing


def test_random_walk_uses_fitted_bins_then_widens_with_the_horizon():
    d = _only(_draws(), "walk", "rw_sigma")
    d = d | {"gamma": np.zeros_like(d["gamma"]), "sigma": np.full_like(d["sigma"], 0.05)}
    # a row inside the fitted range sits on the fitted walk of its bin (2014-15: bin 2)
    inside = _rows([2014.5])
    s_in = bt.predictive_samples(d, inside, SERIES, DOMAINS, np.random.default_rng(0), n=4000, context=_ctx(walk=True))
    base = d["alpha"][0][:, 0] + d["beta"][0][:, 0] * 1.0
    assert abs(np.mean(s_in) - np.mean(base + d["walk"][0][:, 0, 2])) < 0.01
    # later bins: 1, 3 and 6 innovations past the last fitted bin (2018-19)
    later = _rows([2020.5, 2024.5, 2030.5])
    s = bt.predictive_samples(d, later, SERIES, DOMAINS, np.random.default_rng(0), n=8000, context=_ctx(walk=True))
    iqr = np.subtract(*np.quantile(s, [0.75, 0.25], axis=0))
    assert iqr[0] < iqr[1] < iqr[2]
    assert iqr[2] > 1.8 * iqr[0]
    # the density agrees: a value 1 unit off is less surprising at the longer horizon
    far = later.assign(y=np.mean(base) + np.mean(d["walk"][0][:, 0, -1]) + 1.0)
    lpd = bt.logmeanexp(bt.pointwise_loglik(d, far, SERIES, DOMAINS, new_benchmark_rng=np.random.default_rng(2),
                                            context=_ctx(walk=True)), 0)
    assert lpd[0] < lpd[1] < lpd[2]
    with pytest.raises(ValueError, match="rng"):
        bt.pointwise_loglik(d, later, SERIES, DOMAINS, context=_ctx(walk=True))


# ----------------------------------------------------------------------------- structural compute
def _grid_structural(d: dict[str, np.ndarray], rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Reference by brute force: log density and E[x | measurements] on a fine grid of the true compute."""
    grid = np.linspace(-10.0, 12.0, 100_001)
    ll = np.empty((d["alpha"].shape[1], len(rows)))
    x_mean = np.empty_like(ll)
    for s in range(ll.shape[0]):
        for j, r in enumerate(rows.itertuples()):
            b = SERIES.index(r.series)
            lw = stats.norm.logpdf(grid, d["pop_intercept"][0, s, b] + d["pop_slope"][0, s] * r.t, d["pop_sigma"][0, s])
            if np.isfinite(r.x_tf):
                lw += stats.t.logpdf(r.x_tf, 4.0, grid, 0.15)
            if np.isfinite(r.x_hw):
                lw += stats.t.logpdf(r.x_hw, 4.0, grid + d["hw_offset"][0, s], d["hw_sigma"][0, s])
            mu = d["alpha"][0, s, b] + d["beta"][0, s, 0] * grid + d["gamma"][0, s, 0] * r.t
            lp = stats.t.logpdf(r.y, 5.0, mu, d["sigma"][0, s, 0])
            norm = np.logaddexp.reduce(lw)
            ll[s, j] = np.logaddexp.reduce(lw + lp) - norm
            x_mean[s, j] = np.sum(np.exp(lw - norm) * grid)
    return ll, x_mean


def _structural_rows() -> pd.DataFrame:
    return pd.concat([
        _rows([2017.5], x_tf=1.2),                      # training FLOP only
        _rows([2018.0], x_tf=np.nan, x_hw=2.5),         # burden only
        _rows([2019.0], x_tf=1.0, x_hw=1.6),            # both
        _rows([2016.0], x_tf=4.0),                      # measurement 5 population sds away: two modes
    ], ignore_index=True).assign(y=[-1.4, -1.9, -1.2, -2.3])


def test_structural_gauss_hermite_density_matches_brute_force():
    d = {k: v[:, :4] for k, v in _only(_draws(), "pop_intercept", "pop_slope", "pop_sigma").items()}
    rows = _structural_rows()
    ll = bt.pointwise_loglik(d, rows, SERIES, DOMAINS, context=_ctx(structural=True))
    ref, _ = _grid_structural(d, rows)
    np.testing.assert_allclose(ll, ref, atol=0.015)
    # the version-1 answer (x = x_tf exactly) is measurably different: the test can tell them apart
    v1 = bt.pointwise_loglik(_only(d), rows.iloc[[0, 3]], SERIES, DOMAINS)
    assert np.abs(v1 - ref[:, [0, 3]]).max() > 0.1


def test_structural_samples_follow_the_posterior_of_the_true_compute():
    d = {k: v[:, :4] for k, v in _only(_draws(), "pop_intercept", "pop_slope", "pop_sigma").items()}
    rows = _structural_rows()
    ctx = _ctx(structural=True)
    p = pr.row_parameters(d, rows, SERIES, DOMAINS, None, ctx)
    rng = np.random.default_rng(5)
    pick = np.repeat(np.arange(4), 20000)
    assert p.pop_mean is not None
    xs = pr.sample_structural(d, rows, p.pop_mean[pick], pick, ctx, rng).reshape(4, 20000, len(rows)).mean(axis=1)
    _, x_mean = _grid_structural(d, rows)
    np.testing.assert_allclose(xs[:, :3], x_mean[:, :3], atol=0.05)
    # two modes: resampling 32 candidates is biased toward the population's, but stays between the modes
    np.testing.assert_allclose(xs[:, 3], x_mean[:, 3], atol=0.3)
    # burden-only: shifted down by the offset; the outlier's posterior is pulled toward the population
    assert (x_mean[:, 1] < 2.5 - 0.3).all() and (x_mean[:, 3] < 3.9).all()


def test_unseen_benchmark_gets_prior_floor_pop_and_walk():
    d = _draws()
    rows = _rows([2016.5, 2023.0], series="new/x", x_tf=np.nan, x_hw=2.0)
    ctx = _ctx(floors=True, structural=True, walk=True)
    with pytest.raises(ValueError, match="not fitted"):
        bt.pointwise_loglik(d, rows, SERIES, DOMAINS, context=ctx)
    ll = bt.pointwise_loglik(d, rows, SERIES, DOMAINS, new_benchmark_rng=np.random.default_rng(0), context=ctx)
    s = bt.predictive_samples(d, rows, SERIES, DOMAINS, np.random.default_rng(0), n=500, context=ctx)
    assert np.isfinite(ll).all() and np.isfinite(s).all()


def test_predictive_context_reads_the_spec_and_fit_years():
    spec = load_spec(MODELS / "v2.toml")
    ctx = pr.predictive_context(spec, pd.DataFrame({"year": [2012.7, 2019.1]}))
    assert ctx.floors and ctx.structural and ctx.random_walk
    assert ctx.bin_first == 2012.0 and ctx.bin_width == 2 and ctx.rw_nu == 4.0 and ctx.tf_sigma == 0.15
    v1 = pr.predictive_context(load_spec(MODELS / "v1.toml"), pd.DataFrame({"year": [2012.7]}))
    assert not (v1.floors or v1.structural or v1.random_walk)


# ----------------------------------------------------------------------------- frontier and nested
def test_frontier_predictive_with_floors_stays_above_the_floor():
    spec = load_spec(MODELS / "v2.toml")
    S = 200
    rng = np.random.default_rng(0)
    floor = rng.uniform(0.05, 0.07, size=(1, S, 3))
    fit = {
        "draws": {
            "frontier_intercept": np.full((1, S, 3), np.log(0.05)),
            "frontier_rate": np.full((1, S, 2), -0.5),
            "frontier_sigma": np.full((1, S), 1e-6),
            "floor": floor,
        },
        "coords": {"benchmark": SERIES, "domain": DOMAINS},
        "frontier_t_mean": {s: 0.0 for s in SERIES},
    }
    targets = pd.DataFrame({"series": ["a/x", "a/x"], "domain": ["d1", "d1"], "year": [2020.0, 2030.0],
                            "error": [0.08, 0.07]})
    out = model_frontier_scores(fit, targets, spec, np.random.default_rng(1))
    # far ahead the reducible part is gone: the band is the floor's posterior, which holds 0.07 only at its edge
    assert out["width90"][1] < 0.025 and min(out["bias"]) > -0.02
    assert out["pit"][1] > 0.9 and np.isfinite(out["lpd"]).all()
    with pytest.raises(ValueError, match="floor"):
        model_frontier_scores(fit | {"draws": {k: v for k, v in fit["draws"].items() if k != "floor"}},
                              targets, spec, np.random.default_rng(1))


def test_version_2_candidates_are_scorable():
    for name in ("v2.toml", "v2_training_flop.toml"):
        assert nested.unscorable_reason(load_spec(MODELS / name)) is None
    plan = nested.load_plan(MODELS / "candidates.toml")
    assert {"v2", "v2_training_flop"} <= {c.name for c in plan.candidates}


# ----------------------------------------------------------------------------- the floor prior
def test_floor_prior_is_capped_below_the_best_error():
    priors = load_spec(MODELS / "v2.toml").priors
    # ImageNet-like: centre error 0.156, best 0.089, cited floor 6% (2-10%)
    a, b, cap = floor_share_prior(priors, "imagenet/top1", 0.156, 0.089)
    assert cap * 0.156 == pytest.approx(priors["floor_best_margin"] * 0.089)
    assert cap * 0.156 < 0.089 and a > 0 and b > 0
    # the cited mean is kept where it fits under the cap: E[floor] ~ 6%, not the old 10% tail
    assert 0.045 < a / (a + b) * cap * 0.156 < 0.065
    with pytest.raises(ConfigError, match="floor_best_margin"):
        load_spec(MODELS / "v2.toml", overrides={"priors": {"floor_best_margin": 1.5}})


def test_bridge_leaves_k_out_for_floored_steps_only():
    from forecast.validation.bridge import step_metrics

    S = 50
    fit = {
        "draws": {"years_per_10x": np.ones((1, S, 2)), "beta": np.full((1, S, 2), -0.3)},
        "coords": {"domain": ["image_classification", "d2"], "benchmark": ["imagenet/top1"]},
        "best": pd.DataFrame({"series": ["imagenet/top1"], "best_error": [0.09], "domain": ["image_classification"]}),
    }
    v2 = load_spec(MODELS / "v2.toml")
    assert "floors=True" in step_metrics(fit, v2)["k_note"]
    walk_only = load_spec(MODELS / "v1.toml", overrides={"model": {"dynamics": "random_walk"}})
    assert "k_imagenet" in step_metrics(fit, walk_only)
