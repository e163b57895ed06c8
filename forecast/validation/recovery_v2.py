"""Parameter recovery for the version-2 options: floors, structural compute measurement, dynamics.

Same machinery as :mod:`forecast.validation.recovery` (truths = joint posterior draws of a reference
fit of the real data; data sets of the real data's shape drawn by the model itself at the truth;
coverage of 50% and 90% intervals with binomial bands; compiled once per worker). Under the version-2
process the simulated observations are:

- the compute measurements: training FLOP ``tf_meas = x + tf_sigma * t(nu_m)`` and hardware burden
  ``hw_meas = x + hw_offset + hw_sigma * t(nu_m)`` at the truth's latent ``x``, on the rows that carry
  them in the real data (rows whose real burden was screened as a definitional mismatch keep none);
- the outcomes ``log(error) = log(floor_b + exp(alpha_b + beta_d x + gamma_d t + walk[b, bin])) +
  sigma_d * t(nu)``, the walk anchored at each benchmark's centre bin as in the model;
- the frontier points' errors (running bests of the real data: same rows) at the truth's floor and
  frontier line, and the companion parts' observations.

Constants of the graph keep the real values: years, year bins, centring constants and the floor
priors (scaled by each benchmark's real centre error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from forecast.config import Spec
from forecast.errors import ConfigError
from forecast.validation.recovery import run_compiled_recovery

V2_GROUPS = (
    "floor", "hw_offset", "hw_sigma", "x", "rw_sigma", "walk", "beta", "gamma", "alpha", "sigma",
    "mu_beta", "years_per_10x",
)
"""Parameter groups checked: the new parameters first, then the slopes they could bias."""


def run_recovery_v2(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    n_sims: int = 40,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    chunks: int = 2,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Recovery of :data:`V2_GROUPS` for a spec with floors (log link); see :func:`run_compiled_recovery`.

    Raises
    ------
    ConfigError
        The spec has no floors or another link than ``log``; or a count is not a positive integer.
    """
    if not spec.model.floors or spec.model.link != "log":
        raise ConfigError("recovery_v2 needs a spec with model.floors = true (log link); use recovery otherwise")
    return run_compiled_recovery(spec, results, notable, prices, executor=executor, groups=V2_GROUPS,
                                 label="recovery_v2", n_sims=n_sims, draws=draws, tune=tune, chains=chains,
                                 chunks=chunks, log=log)
