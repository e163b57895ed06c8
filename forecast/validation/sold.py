"""Score what the report sells: crossing years (a pseudo-wall) and, when built, the frontier compute/cost checks.

**Pseudo-wall.** A wall is the year the compute the frontier needs crosses a budget. Real budgets are
not crossed inside the data, so the check scales the budget to the compute of the time: at origin ``c``
and benchmark ``b`` the budget is :data:`BUDGET_DECADES` decades above the largest compute among
``b``'s results up to ``c``. The model's prediction: the frontier keeps improving at ``frontier_rate``
and the compute it needs is the performance equation inverted, ``x(t) = (y_frontier(t) - alpha_b -
gamma_d t) / beta_d``, which grows by ``(rate - gamma) / beta`` decades a year; the budget is crossed
when that growth has added :data:`BUDGET_DECADES` decades to the compute of the time (never, if the
path does not rise). Growth, not level: the mean equation inverted at the record error sits above the
compute actually used, an offset the wall's growth does not depend on. The outcome: the first later
record (a result that beat every earlier one) whose compute reached the budget. Scored: whether the
outcome year falls in the 90% interval of the predicted crossing year; when nothing crossed by the
benchmark's last result, whether the model had given less than 95% to a crossing by then.

**Frontier compute and cost checks** live in :mod:`forecast.validation.frontier` (another piece of the
project, issue 11); when that module exists, its ``run_frontier_validation(spec, notable, log=...)`` is
called and its sections (``frontier``: rolling origin of the frontier compute; ``costs``: the cost
calibration, when given a run) are stored here, otherwise the section says it is absent.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from forecast import policy
from forecast.config import Spec
from forecast.prepare import prepare_data
from forecast.validation import parallel as par
from forecast.validation.backtest import hw_offset_estimate
from forecast.validation.baselines import records

BUDGET_DECADES = 1.0
FRONTIER_MODULE = "forecast.validation.frontier"
FRONTIER_ENTRY = "run_frontier_validation"


def crossing_years(fitres: dict[str, Any], series: str, decades: float, t_from: float) -> np.ndarray:
    """Predicted centred years at which the compute the frontier needs has grown by ``decades`` since ``t_from``.

    The required compute ``x(t) = (y_frontier(t) - alpha_b - gamma_d t) / beta_d`` is linear in ``t``
    with slope ``(rate_d - gamma_d) / beta_d`` decades a year (the growth that sets a wall's year); ``inf``
    where it does not grow.
    """
    d = fitres["draws"]
    b = fitres["coords"]["benchmark"].index(series)
    di = fitres["series_domain"][b]
    rate = par.stacked(d, "frontier_rate")[:, di]
    beta = par.stacked(d, "beta")[:, di]
    gamma = par.stacked(d, "gamma")[:, di]
    slope = (rate - gamma) / beta
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(slope > 0, t_from + decades / slope, np.inf)


def observed_crossing(rows: pd.DataFrame, budget_x: float, cutoff: float, end: float, offset: float) -> float | None:
    """Decimal year of the first record after ``cutoff`` with compute >= ``budget_x`` (``None``: none by ``end``)."""
    x = rows["x_tf"].to_numpy(dtype=float).copy()
    miss = ~np.isfinite(x)
    x[miss] = rows["x_hw"].to_numpy(dtype=float)[miss] - offset
    rec = records(rows.assign(x_any=x))
    hit = rec[(rec["year"] > cutoff) & (rec["year"] <= end) & (rec["x_any"] >= budget_x)]
    return float(hit["year"].min()) if len(hit) else None


def score_crossing(t_pred: np.ndarray, obs_year: float | None, end: float) -> dict[str, Any]:
    """Predicted crossing-year interval (``inf`` = never) against the outcome (``None`` = not by ``end``)."""
    lo, hi = policy.interval_bounds(policy.INTERVAL_PROB)
    q = np.quantile(t_pred, [lo, 0.5, hi], method="inverted_cdf")  # no interpolation into inf
    out: dict[str, Any] = {
        "predicted": {"low": q[0], "median": q[1], "high": q[2]},
        "p_cross_by_end": float(np.mean(t_pred <= end)),
        "observed_year": obs_year,
    }
    if obs_year is None:
        out["consistent"] = bool(out["p_cross_by_end"] < hi)
        out["outcome"] = f"not crossed by {end:.1f}"
    else:
        out["consistent"] = bool(q[0] <= obs_year <= q[2])
        out["pit"] = float(np.mean(t_pred <= obs_year))
        out["outcome"] = "crossed"
    return out


def pseudo_wall(
    fits: list[tuple[float, dict[str, Any]]],
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    end: float,
) -> dict[str, Any]:
    """Score the predicted crossing years of every (origin, benchmark) against the outcomes up to ``end``."""
    ct = float(spec.centering["year"])
    rows_all = prepare_data(results[results["year"] <= end], notable, prices, spec).obs
    cases = []
    for cutoff, f in fits:
        if not f["convergence"].get("converged") or "frontier_intercept" not in f["draws"]:
            cases.append({"cutoff": cutoff, "status": "failed fit: not scored"})
            continue
        train = f["obs"]
        offset = hw_offset_estimate(train)
        for s in f["coords"]["benchmark"]:
            tr = train[train["series"] == s]
            x = tr["x_tf"].where(np.isfinite(tr["x_tf"]), tr["x_hw"] - offset)
            if not np.isfinite(x).any() or s not in f["frontier_t_mean"]:
                continue
            rows_s = rows_all[rows_all["series"] == s]
            end_s = min(end, float(rows_s["year"].max()))  # the benchmark's own data end: later is unobserved
            if end_s <= cutoff:
                cases.append({"cutoff": cutoff, "series": s, "status": "no later results: not scored"})
                continue
            budget = float(np.nanmax(x)) + BUDGET_DECADES
            t_pred = crossing_years(f, s, BUDGET_DECADES, cutoff - ct) + ct
            obs_year = observed_crossing(rows_s, budget, cutoff, end_s, offset)
            beta = par.stacked(f["draws"], "beta")[:, f["series_domain"][f["coords"]["benchmark"].index(s)]]
            case: dict[str, Any] = {
                "cutoff": cutoff,
                "series": s,
                "budget_log10_flop": budget + float(spec.centering["log10_flop"]),
                "identified": bool(np.mean(beta < 0) >= policy.IDENTIFIED_PROB),
                "data_end": end_s,
                **score_crossing(t_pred, obs_year, end_s),
            }
            cases.append(case)
    scored = [c for c in cases if "consistent" in c]
    crossed = [c for c in scored if c["outcome"] == "crossed"]
    return {
        "budget_rule": f"{BUDGET_DECADES:g} decade(s) above the benchmark's largest compute at the origin",
        "data_end": end,
        "n_cases": len(scored),
        "n_crossed": len(crossed),
        "share_consistent": float(np.mean([c["consistent"] for c in scored])) if scored else None,
        "coverage90_crossed": float(np.mean([c["consistent"] for c in crossed])) if crossed else None,
        "cases": cases,
    }


def frontier_checks(
    spec: Spec,
    notable: pd.DataFrame,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the frontier compute/cost checks of :data:`FRONTIER_MODULE` when that module exists."""
    if importlib.util.find_spec(FRONTIER_MODULE) is None:
        return {"available": False, "reason": f"{FRONTIER_MODULE} is not part of this checkout"}
    module = importlib.import_module(FRONTIER_MODULE)
    entry = getattr(module, FRONTIER_ENTRY, None)
    if entry is None:
        return {"available": False, "reason": f"{FRONTIER_MODULE} has no {FRONTIER_ENTRY}()"}
    if log:
        log(f"frontier checks: {FRONTIER_MODULE}.{FRONTIER_ENTRY}")
    return {"available": True, "sections": dict(entry(spec, notable, log=log))}
