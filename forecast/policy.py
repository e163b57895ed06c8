"""The numerical policy, pinned in one place.

Every interval the package prints or writes uses :data:`INTERVAL_PROB` and
:data:`INTERVAL_KIND` unless a caller asks for another probability explicitly.
ArviZ 1.x defaults to 0.89 equal-tailed intervals; we never rely on that default.
"""

from __future__ import annotations

import hashlib

import numpy as np

INTERVAL_PROB: float = 0.90
"""Probability mass of the credible intervals reported everywhere."""

INTERVAL_KIND: str = "eti"
"""Equal-tailed intervals (quantiles), robust for heavy-tailed ratios such as years-per-10x."""

INNER_INTERVAL_PROB: float = 0.50
"""The inner interval shown beside the main one (fan charts, wall years)."""

TARGET_ACCEPT: float = 0.9
"""Default NUTS target acceptance. On the first default model (nutpie, draw-based mass matrix, 3 seeds
each) 0.8-0.95 all gave 0 divergences and 0.85 was used; with the burden-noise floor 0.85 left one
far-tail divergence of a noise scale in 4000 draws, 0.9 none, and a warm refit still fits in 30 s
(benchmarks/results.md). Version-1 runs keep their 0.85 (``spec_defaults_v1.toml``)."""

REFIT_TARGET_ACCEPT_MIN: float = 0.95
"""Lowest target acceptance of the one refit an evaluation fit gets when it failed its convergence checks."""


def refit_target_accept(target_accept: float) -> float:
    """Target acceptance of the refit of a fit sampled at ``target_accept`` that did not converge.

    Halves the gap to 1 (0.9 -> 0.95, 0.95 -> 0.975), and is at least :data:`REFIT_TARGET_ACCEPT_MIN`:
    a refit always takes smaller steps than the fit it repeats, also for specs already at 0.95 (v2).
    """
    return max(REFIT_TARGET_ACCEPT_MIN, 1.0 - (1.0 - target_accept) / 2.0)


def refit_sampler(draws: int, tune: int, chains: int, target_accept: float) -> dict[str, int | float]:
    """Sampler settings of the one refit of a validation fit that failed its convergence checks.

    Tuning, draws and chains x2 (twice the chains make split R-hat at the 1.01 bound less noisy) and
    :func:`refit_target_accept`. The evaluation's compile-once fits and the backtest's fits both use it.
    """
    return {"draws": 2 * int(draws), "tune": 2 * int(tune), "chains": 2 * int(chains),
            "target_accept": refit_target_accept(target_accept)}


IDENTIFIED_PROB: float = 0.95
"""The compute slope's sign counts as known when P(beta < 0) >= this. Below it, the ratio
years-per-10x and any wall built on it are NOT identified, and every output says so."""

EXPONENT_RANGE: tuple[float, float] = (1.0, 100.0)
"""Plausible range of the implied scaling exponent k (compute ~ (1/error)^k). A domain is identified
(:mod:`forecast.identification`) only when the whole 90% interval of k lies inside it: statistical
learning theory gives k = 2-4 (Thompson et al.), practice k >= 9; an interval reaching past 100 (a
compute slope near zero or positive) says the data do not pin down how compute buys error."""

THEORY_EXPONENT: float = 4.0
"""Theory's bound on the scaling exponent k (Thompson et al.: k = 2 from statistical learning,
doubled by over-parameterisation)."""

# Convergence thresholds a run must pass.
RHAT_MAX: float = 1.01
ESS_BULK_MIN: float = 400.0
ESS_TAIL_MIN: float = 400.0
EBFMI_MIN: float = 0.3
DIVERGENCES_MAX: int = 0


def interval_label(prob: float = INTERVAL_PROB, kind: str = INTERVAL_KIND) -> str:
    """Human-readable label of an interval, e.g. ``'90% equal-tailed'``."""
    names = {"eti": "equal-tailed", "hdi": "highest-density"}
    return f"{prob:.0%} {names.get(kind, kind)}"


def interval_bounds(prob: float = INTERVAL_PROB) -> tuple[float, float]:
    """Lower and upper quantiles of an equal-tailed interval of probability ``prob``."""
    return (1.0 - prob) / 2.0, 1.0 - (1.0 - prob) / 2.0


def child_seed(seed: int, *names: str | int) -> int:
    """Derive a reproducible integer seed for a named sub-task of a run seeded with ``seed``.

    Seeds are integers only; children are derived by hashing, so adding a new sub-task
    never changes the seed of an existing one.
    """
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    key = ":".join([str(int(seed)), *map(str, names)]).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "little") & 0x7FFFFFFF
