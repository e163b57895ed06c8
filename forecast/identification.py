"""The one identification rule every table uses: effect size and precision of the compute effect.

A domain's compute effect is *identified* when the implied scaling exponent ``k`` (compute ~
(1/error)^k at its best error, year held fixed; :func:`forecast.theory.implied_exponent`) has its whole
:data:`~forecast.policy.INTERVAL_PROB` equal-tailed interval inside :data:`~forecast.policy.EXPONENT_RANGE`.
That needs P(beta < 0) >= 1 - (1 - INTERVAL_PROB) / 2 (draws with beta >= 0 have k = +inf) and a bounded,
plausible upper end: a slope that is negative but near zero (k of 66 or 198) is not identified.
Runs saved before ``k`` existed still work: :func:`identification` falls back to the sign rule
P(beta < 0) >= :data:`~forecast.policy.IDENTIFIED_PROB` when no ``k`` is given.

The ratio *years per 10x compute* (beta / gamma) needs more: its compute effect identified **and** the sign of
algorithmic progress known, P(gamma / beta > 0) >= :data:`~forecast.policy.IDENTIFIED_PROB` (the 90% interval of
the progress rate excludes zero). A domain whose k is pinned but whose time trend may run either way (QA in
version 2: P = 0.84) has an identified compute effect and walls, but no years-per-10x figure.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import xarray as xr

from forecast import policy

SAMPLE_DIMS = ("chain", "draw")


def exponent_quantiles(k: xr.DataArray, levels: list[float]) -> xr.DataArray:
    """Quantiles of ``k`` over the draws (dim ``quantile``); +inf draws count as the largest values."""
    finite = k.where(np.isfinite(k), np.finfo(float).max)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All-NaN slice", category=RuntimeWarning)
        q = finite.quantile(levels, dim=list(SAMPLE_DIMS), method="inverted_cdf")
    return q.where(q < np.finfo(float).max, np.inf)


def exponent_interval(k: xr.DataArray, prob: float = policy.INTERVAL_PROB) -> tuple[xr.DataArray, xr.DataArray]:
    """Lower and upper equal-tailed bounds of ``k`` over the draws (+inf draws count as largest)."""
    q = exponent_quantiles(k, list(policy.interval_bounds(prob)))
    return q.isel(quantile=0, drop=True), q.isel(quantile=1, drop=True)


def exponent_identified(k: xr.DataArray) -> xr.DataArray:
    """True where the 90% interval of ``k`` lies inside :data:`~forecast.policy.EXPONENT_RANGE`."""
    k_lo, k_hi = exponent_interval(k)
    low, high = policy.EXPONENT_RANGE
    return (k_lo >= low) & (k_hi <= high)


def rule_text() -> str:
    """The rule in words (for notes, reports and summaries)."""
    low, high = policy.EXPONENT_RANGE
    return (f"identified: the {policy.interval_label()} interval of the implied exponent k "
            f"(compute ~ (1/error)^k) lies within [{low:g}, {high:g}]")


def not_identified_note() -> str:
    """The note every table row that fails the rule carries."""
    low, high = policy.EXPONENT_RANGE
    return (f"NOT IDENTIFIED: the compute effect is too uncertain (90% interval of k not within "
            f"[{low:g}, {high:g}])")


def progress_probability(decades_per_year: xr.DataArray) -> xr.DataArray:
    """P(gamma / beta > 0) over the draws: algorithmic progress lowers error (draws of ``gamma / beta``)."""
    return (decades_per_year > 0).mean(SAMPLE_DIMS)


def ratio_identified(compute_identified: Any, p_progress: Any) -> Any:
    """Years per 10x is identified: compute effect identified and P(gamma / beta > 0) >= IDENTIFIED_PROB.

    Works element-wise on booleans/probabilities as floats, arrays or DataArrays.
    """
    return compute_identified & (p_progress >= policy.IDENTIFIED_PROB)


def ratio_rule_text(with_k: bool = True) -> str:
    """The years-per-10x rule in words; ``with_k=False`` for fits judged by the sign of beta alone."""
    compute = (f"the compute effect is identified ({rule_text().removeprefix('identified: ')})" if with_k
               else f"P(beta<0) >= {policy.IDENTIFIED_PROB:g}")
    return f"years per 10x is identified when {compute} and P(gamma/beta > 0) >= {policy.IDENTIFIED_PROB:g}"


def ratio_not_identified_note(p_progress: float) -> str:
    """The note of a row whose compute effect is identified but whose years per 10x is not."""
    return (f"NOT IDENTIFIED: the sign of algorithmic progress is uncertain (P(gamma/beta > 0) = {p_progress:.3f} "
            f"< {policy.IDENTIFIED_PROB:g}); k and the walls stand, the years-per-10x split does not")


def identification(
    post: xr.Dataset, k: xr.DataArray | None = None, k_shared: xr.DataArray | None = None
) -> xr.Dataset:
    """P(beta < 0), P(gamma < 0), P(gamma / beta > 0) per domain and shared, and what each identifies.

    ``identified``: the compute effect (k rule). ``ratio_identified``: years per 10x (:func:`ratio_identified`).

    Parameters
    ----------
    post
        Posterior draws with ``beta``, ``gamma`` (dim ``domain``), ``mu_beta`` and ``mu_gamma``.
    k, k_shared
        Implied exponent draws per domain and shared (:func:`forecast.theory.implied_exponent`). Without
        them (callers that have only the posterior) the sign rule P(beta < 0) >= IDENTIFIED_PROB applies.
    """
    p_beta = (post["beta"] < 0).mean(SAMPLE_DIMS)
    p_beta_shared = (post["mu_beta"] < 0).mean(SAMPLE_DIMS)
    if k is None:
        ident = p_beta >= policy.IDENTIFIED_PROB
        ident_shared = p_beta_shared >= policy.IDENTIFIED_PROB
    else:
        ident = exponent_identified(k)
        ident_shared = (exponent_identified(k_shared) if k_shared is not None
                        else p_beta_shared >= policy.IDENTIFIED_PROB)
    p_progress = progress_probability(post["gamma"] / post["beta"])
    p_progress_shared = progress_probability(post["mu_gamma"] / post["mu_beta"])
    return xr.Dataset(
        {
            "p_beta_negative": p_beta,
            "p_gamma_negative": (post["gamma"] < 0).mean(SAMPLE_DIMS),
            "p_progress": p_progress,
            "identified": ident,
            "ratio_identified": ratio_identified(ident, p_progress),
            "p_beta_negative_shared": p_beta_shared,
            "p_gamma_negative_shared": (post["mu_gamma"] < 0).mean(SAMPLE_DIMS),
            "p_progress_shared": p_progress_shared,
            "identified_shared": ident_shared,
            "ratio_identified_shared": ratio_identified(ident_shared, p_progress_shared),
        }
    )
