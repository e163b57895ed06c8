"""Scoring on one scale for every method: the error rate, by horizon, domain and PIT.

Candidates may differ in their link (logit, log, identity) and Thompson et al.'s two forms work on
``log(error)`` and ``error``: comparing them needs one scale. Every method here is scored on the
**error-rate scale**: predictive samples are mapped back through the inverse link, and a link-scale
log density becomes an error-scale one by adding ``log |dy/de|`` (:func:`forecast.prepare.link_log_jacobian`).

The primitives (coverage of the central 50% / 90% intervals, CRPS from samples, mean log score) are
those of :mod:`.backtest`; this module adds the change of scale, the horizon of each scored point
(whole years after the cutoff, 1 = within the first year), grouped summaries and PIT histograms.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from forecast.prepare import link_inverse, link_log_jacobian
from forecast.validation.backtest import score_block, summarise_scores

PIT_BINS = 10
ERROR_RANGE = (0.0, 1.0)
"""Error-scale predictive samples are clipped to the range an error rate can take.

Every method is scored on outcomes in (0, 1); a log-link or identity-link draw outside that range
(heavy-tailed extrapolations overflow ``exp``) is read as the nearest possible error (censoring), the
same rule for the model and every baseline. Densities (log scores) are not clipped."""


def error_scale_block(link_samples: np.ndarray, link_lpd: np.ndarray, error: np.ndarray, link: str) -> dict[str, Any]:
    """Pointwise scores on the error scale from link-scale samples and link-scale log densities."""
    with np.errstate(over="ignore"):
        samples = np.asarray(link_inverse(np.asarray(link_samples, dtype=float), link), dtype=float)
    lo, hi = ERROR_RANGE
    samples = np.clip(np.nan_to_num(samples, nan=hi, posinf=hi, neginf=lo), lo, hi)
    lpd = np.asarray(link_lpd, dtype=float) + link_log_jacobian(error, link)
    return score_block(samples, np.asarray(error, dtype=float), lpd)


def horizon(year: np.ndarray, cutoff: float) -> np.ndarray:
    """Whole years after the cutoff (decimal year): 1 for ``(cutoff, cutoff + 1]``, 2 for the next year..."""
    return np.maximum(1, np.ceil(np.asarray(year, dtype=float) - cutoff)).astype(int)


def horizon_label(h: int, last: int = 4) -> str:
    """``'1'``, ``'2'``, ``'3'`` and ``'4+'`` (horizons past ``last`` pooled)."""
    return f"{last}+" if h >= last else str(h)


def pit_histogram(pit: np.ndarray, bins: int = PIT_BINS) -> dict[str, Any]:
    """Counts of PIT values in ``bins`` equal bins of [0, 1] with the central 95% binomial band per bin."""
    from forecast.validation.recovery import binomial_band

    pit = np.asarray(pit, dtype=float)
    pit = pit[np.isfinite(pit)]
    counts, edges = np.histogram(pit, bins=bins, range=(0.0, 1.0))
    band = binomial_band(int(pit.size), 1.0 / bins)
    return {
        "counts": counts.tolist(),
        "edges": edges.tolist(),
        "n": int(pit.size),
        "band_counts": [b * pit.size for b in band] if pit.size else [None, None],
    }


def grouped(points: dict[str, Any], keys: pd.Series) -> dict[str, Any]:
    """:func:`~forecast.validation.backtest.summarise_scores` for each value of ``keys``."""
    keys = pd.Series(keys).reset_index(drop=True)
    return {str(k): summarise_scores(points, (keys == k).to_numpy()) for k in sorted(keys.unique(), key=str)}


def method_table(methods: dict[str, dict[str, Any]], rows: pd.DataFrame, cutoff: float) -> dict[str, Any]:
    """Overall, per-domain and per-horizon summaries of each method on the same ``rows``.

    ``methods`` maps a method name to pointwise scores over all of ``rows`` (NaN where the method
    cannot predict). Summaries use the **common** rows every method predicts (methods predicting no
    row at all are left out of that intersection); ``n_all`` counts the rows each method predicts.
    """
    ok = np.ones(len(rows), dtype=bool)
    for pts in methods.values():
        pred = np.isfinite(np.asarray(pts["crps"], dtype=float))
        if pred.any():  # a method that predicts nothing is reported with n_all = 0, not allowed to empty the set
            ok &= pred
    hz = pd.Series([horizon_label(h) for h in horizon(rows["year"].to_numpy(), cutoff)])
    out: dict[str, Any] = {"n_rows": int(len(rows)), "n_common": int(ok.sum()), "methods": {}}
    for name, pts in methods.items():
        common = {k: np.asarray(v, dtype=float)[ok] for k, v in pts.items()}
        n_all = int(np.isfinite(np.asarray(pts["crps"], dtype=float)).sum())
        out["methods"][name] = {
            "n_all": n_all,
            "all": summarise_scores(pts, np.isfinite(np.asarray(pts["crps"], dtype=float))),
            "common": summarise_scores(common),
            "by_domain": grouped(common, rows["domain"].reset_index(drop=True)[ok]),
            "by_horizon": grouped(common, hz[ok]),
            "pit_histogram": pit_histogram(common["pit"]),
        }
    return out


def pool_summaries(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Row-weighted pool of :func:`~forecast.validation.backtest.summarise_scores` outputs (n, coverage, lpd, CRPS)."""
    keys = ("coverage50", "coverage90", "mean_lpd", "mean_crps")
    used = [s for s in summaries if s.get("n")]
    n = sum(int(s["n"]) for s in used)
    if n == 0:
        return {"n": 0, **{k: None for k in keys}}
    return {"n": n, **{k: sum(s["n"] * s[k] for s in used) / n for k in keys}}


def pooled_by_horizon(tables: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per method and horizon, the common-row summaries of several :func:`method_table` outputs pooled."""
    out: dict[str, dict[str, Any]] = {}
    for t in tables:
        for m, v in t.get("methods", {}).items():
            for h, summ in v["by_horizon"].items():
                out.setdefault(m, {}).setdefault(h, []).append(summ)
    return {m: {h: pool_summaries(lst) for h, lst in sorted(by.items())} for m, by in out.items()}


def expand(points: dict[str, Any], ok: np.ndarray) -> dict[str, np.ndarray]:
    """Pointwise scores on the rows where ``ok`` is true, spread to all rows (NaN elsewhere)."""
    full = {}
    for k, v in points.items():
        arr = np.full(ok.shape[0], np.nan)
        arr[ok] = np.asarray(v, dtype=float)
        full[k] = arr
    return full


def finite_or_none(v: float) -> float | None:
    """``v`` as float, or ``None`` when not finite (JSON)."""
    return float(v) if v is not None and math.isfinite(float(v)) else None
