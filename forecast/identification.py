"""The one identification rule every table uses: effect size and precision of the compute effect.

A domain's compute effect is *identified* when the implied scaling exponent ``k`` (compute ~
(1/error)^k at its best error, year held fixed; :func:`forecast.theory.implied_exponent`) has its whole
:data:`~forecast.policy.INTERVAL_PROB` equal-tailed interval inside :data:`~forecast.policy.EXPONENT_RANGE`.
That needs P(beta < 0) >= 1 - (1 - INTERVAL_PROB) / 2 (draws with beta >= 0 have k = +inf) and a bounded,
plausible upper end: a slope that is negative but near zero (k of 66 or 198) is not identified.
Runs saved before ``k`` existed still work: :func:`identification` falls back to the sign rule
P(beta < 0) >= :data:`~forecast.policy.IDENTIFIED_PROB` when no ``k`` is given.
"""

from __future__ import annotations

import warnings

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


def identification(
    post: xr.Dataset, k: xr.DataArray | None = None, k_shared: xr.DataArray | None = None
) -> xr.Dataset:
    """P(beta < 0), P(gamma < 0) per domain and shared, and whether each is identified.

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
    return xr.Dataset(
        {
            "p_beta_negative": p_beta,
            "p_gamma_negative": (post["gamma"] < 0).mean(SAMPLE_DIMS),
            "identified": ident,
            "p_beta_negative_shared": p_beta_shared,
            "p_gamma_negative_shared": (post["mu_gamma"] < 0).mean(SAMPLE_DIMS),
            "identified_shared": ident_shared,
        }
    )
