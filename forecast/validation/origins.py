"""One forecast origin: fit on what was published up to a date, score what came after, beside the baselines.

Shared by the nested rolling origin (:mod:`.nested`) and the untouched holdout (:mod:`.holdout`).
An origin is ``(cutoff, end)`` in decimal years: training = results and notable models published at or
before ``cutoff``; scored = results published in ``(cutoff, end]``. Hardware prices are kept whole (the
price part shares no parameter with the scored parts).

Two kinds of targets, both on the error-rate scale (:mod:`.scoring`):

* **rows**: every later result with compute, predicted from its compute and date. Methods: the model
  (latent compute of hardware-burden-only rows integrated out), Thompson et al.'s four per-benchmark
  forms and the pooled least squares (:mod:`.baselines`).
* **frontier**: each benchmark's best result after the cutoff (with or without compute), against the
  model's projected frontier band (``frontier_intercept + frontier_rate * (t - mean record t)``, with
  floors ``log(floor + exp(.))`` on the log scale; noise ``frontier_sigma``) and the naive last-5-year rate.

The row predictive follows the options the spec was fitted with (floors, structural compute, random
walk: :mod:`.predictive`).

A fit that failed its convergence checks after its one refit is reported with ``status = 'failed'``
and no scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from forecast import policy
from forecast.config import Spec
from forecast.prepare import link_forward, prepare_data
from forecast.validation import parallel as par
from forecast.validation.backtest import hw_offset_estimate, logmeanexp, pointwise_loglik, predictive_samples
from forecast.validation.baselines import naive_frontier, pooled_baseline, thompson_baselines
from forecast.validation.fastfit import fit_status
from forecast.validation.predictive import predictive_context, with_floor
from forecast.validation.scoring import error_scale_block, expand, horizon, method_table

FRONTIER_VARS = ("frontier_intercept", "frontier_rate", "frontier_sigma")
ORIGIN_VARS = par.PERFORMANCE_VARS + par.TREND_VARS + FRONTIER_VARS


def training_tables(results: pd.DataFrame, notable: pd.DataFrame, cutoff: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Results and notable models published at or before ``cutoff`` (decimal year)."""
    return results[results["year"] <= cutoff].copy(), notable[notable["year"] <= cutoff].copy()


def origin_payload(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    cutoff: float,
    label: str,
    seed: int,
    draws: int,
    tune: int,
    chains: int,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A lean-fit payload of ``spec`` (+ overrides) on the data published up to ``cutoff``."""
    r, n = training_tables(results, notable, cutoff)
    s = par.validation_spec(spec, seed=seed, draws=draws, tune=tune, chains=chains, overrides=overrides)
    return par.make_payload(s, r, n, prices, label=label, var_names=ORIGIN_VARS)


def frontier_targets(results: pd.DataFrame, series: list[str], cutoff: float, end: float) -> pd.DataFrame:
    """Each fitted benchmark's best result published in ``(cutoff, end]`` (with or without compute)."""
    r = results[
        results["series"].isin(series)
        & (results["year"] > cutoff)
        & (results["year"] <= end)
        & np.isfinite(results["error"])
        & (results["error"] > 0)
        & (results["error"] < 1)
    ]
    if r.empty:
        return r[["series", "domain", "model", "year", "error"]].copy()
    best = r.loc[r.groupby("series")["error"].idxmin()]
    return best[["series", "domain", "model", "year", "error"]].reset_index(drop=True)


def model_frontier_scores(
    fitres: dict[str, Any], targets: pd.DataFrame, spec: Spec, rng: np.random.Generator
) -> dict[str, Any]:
    """Error-scale scores of the model's projected frontier band at each target's date."""
    d = fitres["draws"]
    ser = {s: i for i, s in enumerate(fitres["coords"]["benchmark"])}
    dom = {s: i for i, s in enumerate(fitres["coords"]["domain"])}
    bi = np.array([ser[s] for s in targets["series"]], dtype=int)
    di = np.array([dom[x] for x in targets["domain"]], dtype=int)
    tmean = np.array([fitres["frontier_t_mean"].get(s, np.nan) for s in targets["series"]])
    t = targets["year"].to_numpy() - float(spec.centering["year"])
    mu = par.stacked(d, "frontier_intercept")[:, bi] + par.stacked(d, "frontier_rate")[:, di] * (t - tmean)
    if spec.model.floors:  # the best error's distance to the floor shrinks: log(floor + exp(a + rate t))
        if "floor" not in d:
            raise ValueError("the frontier predictive with floors needs 'floor' in the draws")
        mu = with_floor(mu, np.log(par.stacked(d, "floor")[:, bi]))
    sd = par.stacked(d, "frontier_sigma")[:, None]
    y = link_forward(targets["error"].to_numpy(), spec.model.link)
    lpd = logmeanexp(stats.norm.logpdf(y[None, :], mu, sd), 0)
    pick = rng.integers(0, mu.shape[0], size=4000)
    samples = mu[pick] + sd[pick] * rng.standard_normal((4000, len(targets)))
    return error_scale_block(samples, lpd, targets["error"].to_numpy(), spec.model.link)


def score_origin(
    fitres: dict[str, Any],
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    cutoff: float,
    end: float,
    seed: int,
) -> dict[str, Any]:
    """Score the fit of one origin and the baselines on the rows and frontier targets in ``(cutoff, end]``."""
    status = fit_status(fitres)
    head: dict[str, Any] = {
        "cutoff": cutoff,
        "end": end,
        "status": status,
        "convergence": par.convergence_brief(fitres),
        "attempts": fitres.get("attempts", []),
        "train_rows": int(fitres["n_obs"]),
        "timings": fitres["timings"],
    }
    if status == "failed":
        return head
    rng = np.random.default_rng(policy.child_seed(seed, "score", f"{cutoff:.3f}"))
    series, domains = fitres["coords"]["benchmark"], fitres["coords"]["domain"]
    upto = results[results["year"] <= end].copy()
    full = prepare_data(upto, notable, prices, spec).obs
    if spec.model.compute_measure == "hardware_burden":  # the predictive reads the modelled compute from x_tf
        full = full.assign(x_tf=full["x"])
    test = full[(full["year"] > cutoff) & full["domain"].isin(domains)]
    if (
        "hw_offset" not in fitres["draws"]
    ):  # no latent compute in the fit: rows without training FLOP cannot be predicted
        test = test[np.isfinite(test["x_tf"])]
    test = test.reset_index(drop=True)
    train = fitres["obs"]
    out = {**head, "later_rows": int(len(test))}
    if len(test):
        draws = fitres["draws"]
        ctx = predictive_context(spec, train)
        ll = pointwise_loglik(draws, test, series, domains, new_benchmark_rng=rng, context=ctx)
        samples = predictive_samples(draws, test, series, domains, rng, context=ctx)
        every = np.ones(len(test), dtype=bool)
        methods = {
            "model": expand(
                error_scale_block(samples, logmeanexp(ll, 0), test["error"].to_numpy(), spec.model.link), every
            )
        }
        offset = hw_offset_estimate(train)
        for name, (pts, ok) in thompson_baselines(train, test, offset, rng).items():
            methods[name] = expand(pts, ok) if ok.any() else expand({k: [] for k in methods["model"]}, ok)
        pts, ok = pooled_baseline(train, test, offset, rng)
        methods["pooled_ols"] = expand(pts, ok) if ok.any() else expand({k: [] for k in methods["model"]}, ok)
        out["rows"] = method_table(methods, test, cutoff)
        rows = test["_row"].to_numpy() if "_row" in test else np.arange(len(test))
        out["_points"] = {
            "row": rows.astype(int).tolist(),
            "crps": methods["model"]["crps"].tolist(),
            "lpd": methods["model"]["lpd"].tolist(),
        }
    else:
        out["_points"] = {"row": [], "crps": [], "lpd": []}
    targets = frontier_targets(upto, series, cutoff, end)
    out["frontier"] = _frontier_block(fitres, spec, upto, targets, cutoff, rng)
    return out


def _frontier_block(
    fitres: dict[str, Any],
    spec: Spec,
    results: pd.DataFrame,
    targets: pd.DataFrame,
    cutoff: float,
    rng: np.random.Generator,
) -> dict[str, Any]:
    if targets.empty:
        return {"n": 0}
    model = model_frontier_scores(fitres, targets, spec, rng)
    naive, ok = naive_frontier(results[results["year"] <= cutoff], targets, cutoff, rng)
    methods = {"model": expand(model, np.ones(len(targets), dtype=bool))}
    methods["naive_frontier"] = expand(naive, ok) if ok.any() else expand({k: [] for k in model}, ok)
    table = method_table(methods, targets, cutoff)
    years, errors = targets["year"].to_numpy(dtype=float), targets["error"].to_numpy(dtype=float)
    per_target = [
        {
            "series": str(targets["series"].iloc[i]),
            "model_name": str(targets["model"].iloc[i]),
            "year": float(years[i]),
            "horizon": int(h),
            "error": float(errors[i]),
            "model_in90": bool(methods["model"]["in90"][i]),
            "model_pit": float(methods["model"]["pit"][i]),
            "naive_in90": None if not ok[i] else bool(methods["naive_frontier"]["in90"][i]),
        }
        for i, h in enumerate(horizon(years, cutoff))
    ]
    return {"n": int(len(targets)), **table, "targets": per_target}
