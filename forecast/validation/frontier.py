"""Rolling-origin check of the frontier compute forecast, and the cost calibration, for validation.json.

For each cutoff year ``c`` (default 2018, 2020, 2022): fit the frontier's local linear trend
(:func:`forecast.frontier.frontier_compute_part`'s trend, alone) on the top-10-at-release systems published
before 1 January ``c``; forecast every top-10-at-release system published from ``c`` to
``frontier.fit_until`` (the predictive: the trend continued with a drifting slope, plus the systems'
Student-t scatter); score 50%/90% coverage, CRPS and the median error (predicted median - observed, in
decades of FLOP). Baselines, scored on the same systems: least squares of log10 FLOP on year through
(a) the top-10-at-release systems and (b) all notable systems before ``c``, each with its Student-t
prediction interval. Whether a later system counts as frontier uses every system published up to its own
date (Epoch's definition), never anything after it.

:func:`run_frontier_validation` returns the ``"frontier"`` and ``"costs"`` sections of validation.json.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast import policy
from forecast.config import Spec
from forecast.validation.backtest import _ols, _t_predictive, crps_from_samples, interval_hits

CUTOFFS = (2018, 2020, 2022)
N_SAMPLES = 4000
BAYES = "local linear trend (this model)"
OLS_TOP = "least squares, top-10 systems"
OLS_ALL = "least squares, all notable systems"


def _trend_model(top: pd.DataFrame, grid: np.ndarray, spec: Spec) -> Any:
    """A PyMC model of the frontier trend only (the same priors and likelihood as the full model)."""
    import pymc as pm

    from forecast.frontier import trend_part

    with pm.Model() as model:
        trend_part(top, grid, spec)
    return model


def _bayes_samples(train_top: pd.DataFrame, test_year: np.ndarray, spec: Spec, cutoff: int,
                   draws: int, tune: int, chains: int) -> np.ndarray:
    """Posterior predictive samples ``(N_SAMPLES, n_test)`` of log10 FLOP at the test systems' dates."""
    import pymc as pm

    from forecast.frontier import settings
    from forecast.walls import extend_trend

    fs = settings(spec)
    grid = np.arange(fs.start_year, cutoff, dtype=int)
    model = _trend_model(train_top, grid, spec)
    seed = policy.child_seed(spec.sampler.seed, "frontier-validation", cutoff)
    with model:
        trace = pm.sample(draws=draws, tune=tune, chains=chains, cores=1, random_seed=seed,
                          nuts_sampler=spec.sampler.sampler, progressbar=False,
                          compute_convergence_checks=False, target_accept=spec.sampler.target_accept)
    post = trace["posterior"].to_dataset().stack(sample=("chain", "draw"))
    rng = np.random.default_rng(seed)
    level0 = post["frontier_level"].isel(frontier_year=-1).to_numpy()
    slope0 = post["frontier_slope"].isel(frontier_year=-1).to_numpy()
    n_years = int(np.floor(test_year.max())) - int(grid[-1]) + 1
    level, slope = extend_trend(level0, slope0, post["frontier_slope_sigma"].to_numpy(), n_years + 1, rng)
    k = np.floor(test_year).astype(int) - int(grid[-1])
    mu = level[:, k] + slope[:, k] * (test_year - np.floor(test_year))[None, :]
    idx = rng.integers(0, mu.shape[0], size=N_SAMPLES)
    noise = post["frontier_compute_sigma"].to_numpy()[idx, None] * rng.standard_t(fs.obs_nu, (N_SAMPLES, len(k)))
    return mu[idx] + noise


def _ols_samples(train: pd.DataFrame, test_year: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Student-t predictive samples of a least-squares line log10 FLOP ~ year."""
    X = np.column_stack([np.ones(len(train)), train["year"].to_numpy(float) - 2015.0])
    fit = _ols(X, train["log10_flop"].to_numpy(float))
    if fit is None:
        return np.full((N_SAMPLES, len(test_year)), np.nan)
    loc, scale, dof = _t_predictive(np.column_stack([np.ones(len(test_year)), test_year - 2015.0]), fit)
    return loc[None, :] + scale[None, :] * rng.standard_t(dof, (N_SAMPLES, len(test_year)))


def score(samples: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Coverage of the 50% and 90% intervals, mean CRPS and median error (decades) of predictive samples."""
    return {
        "coverage50": float(np.mean(interval_hits(samples, y, policy.INNER_INTERVAL_PROB))),
        "coverage90": float(np.mean(interval_hits(samples, y, policy.INTERVAL_PROB))),
        "crps": float(np.mean(crps_from_samples(samples, y))),
        "median_error": float(np.median(np.median(samples, axis=0) - y)),
    }


def rolling_origin(notable: pd.DataFrame, spec: Spec, cutoffs: Sequence[int] = CUTOFFS, *, draws: int = 500,
                   tune: int = 500, chains: int = 2, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The rolling-origin frontier check (JSON-ready); see the module docstring."""
    from forecast.frontier import prepare_systems, settings

    say = log or (lambda msg: None)
    fs = settings(spec)
    systems = prepare_systems(notable, fs)
    top = systems[systems["top"].astype(bool)]
    rng = np.random.default_rng(policy.child_seed(spec.sampler.seed, "frontier-validation-ols"))
    out: dict[str, Any] = {"cutoffs": []}
    for c in cutoffs:
        train_top = top[top["year"] < c]
        test = top[top["year"] >= c]
        y, ty = test["log10_flop"].to_numpy(float), test["year"].to_numpy(float)
        samples = {
            BAYES: _bayes_samples(train_top, ty, spec, int(c), draws, tune, chains),
            OLS_TOP: _ols_samples(train_top, ty, rng),
            OLS_ALL: _ols_samples(systems[systems["year"] < c], ty, rng),
        }
        scores = {k: score(v, y) for k, v in samples.items()}
        out["cutoffs"].append({"cutoff": int(c), "n_train": len(train_top), "n_scored": len(test), "scores": scores})
        say(f"frontier cutoff {c}: " + "; ".join(f"{k}: CRPS {v['crps']:.3f}" for k, v in scores.items()))
    best = {c["cutoff"]: all(c["scores"][BAYES]["crps"] < c["scores"][b]["crps"] for b in (OLS_TOP, OLS_ALL))
            for c in out["cutoffs"]}
    out["beats_both_baselines_on_crps"] = best
    out["note"] = (
        f"Fit on top-{fs.top_k}-at-release systems before each cutoff; scored on those published from the cutoff to "
        f"{fs.fit_until} (log10 FLOP; median error = predicted median - observed, decades). "
        + ("The local linear trend beats both baselines on CRPS at every cutoff."
           if all(best.values()) else
           "Cutoffs where it does not beat both baselines on CRPS: "
           + ", ".join(str(k) for k, v in best.items() if not v)
           + " (with few frontier systems before an early cutoff the drifting slope widens the predictive, "
             "which a straight line does not pay for).")
        + calibration_note(out["cutoffs"])
    )
    return out


def calibration_note(cutoffs: Sequence[dict[str, Any]]) -> str:
    """Where this model's intervals are wider or narrower than nominal, or its median biased (> 0.5 decade)."""
    notes = []
    for c in cutoffs:
        sc = c["scores"][BAYES]
        lo, hi = policy.INNER_INTERVAL_PROB - 0.2, policy.INNER_INTERVAL_PROB + 0.2
        if sc["coverage50"] > hi:
            notes.append(f"{c['cutoff']}: 50% intervals too wide (cover {sc['coverage50']:.0%})")
        elif sc["coverage50"] < lo:
            notes.append(f"{c['cutoff']}: 50% intervals miss (cover {sc['coverage50']:.0%})")
        if abs(sc["median_error"]) > 0.5:
            notes.append(f"{c['cutoff']}: median {'over' if sc['median_error'] > 0 else 'under'}-predicts by "
                         f"{abs(sc['median_error']):.1f} decades")
    return (" Calibration of this model: " + "; ".join(notes) + ".") if notes else ""


def run_frontier_validation(spec: Spec, notable: pd.DataFrame, cutoffs: Sequence[int] = CUTOFFS, *,
                            draws: int = 500, tune: int = 500, chains: int = 2, run: Any = None,
                            log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The ``"frontier"`` (rolling origin) and ``"costs"`` (Cottier calibration) sections of validation.json.

    ``run`` is the saved run whose posterior the cost calibration uses (PSIS-LOO needs no refit); without
    one the costs section is left out.
    """
    from forecast.costs import cost_calibration

    sections: dict[str, Any] = {"frontier": rolling_origin(notable, spec, cutoffs, draws=draws, tune=tune,
                                                           chains=chains, log=log)}
    if run is not None and run.data.frontier_tables and "cost_intercept" in run.posterior:
        cal = cost_calibration(run.posterior, run.data.frontier_tables, run.spec)
        sections["costs"] = {**{k: v for k, v in cal.items() if k != "runs"}, "fit_key": run.meta.get("fit_key", "")}
    return sections
