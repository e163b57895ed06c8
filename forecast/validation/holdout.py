"""The untouched final holdout: results published after the holdout date, never used for any choice.

The spec chosen by the nested rolling origin (:mod:`.nested`) is fitted once on everything published
up to the holdout date (default 2020-08-31) and scored on everything published after it, with the same
targets, baselines and scales as every origin (:mod:`.origins`): coverage of the 50% and 90% intervals,
log score, CRPS and the PIT histogram, per domain and by horizon (whole years after the date), for the
later rows and for each benchmark's best later result against the projected frontier band. How many
rows and benchmarks could be scored is part of the output: post-2020 rows are few in today's data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from forecast import policy, units
from forecast.config import Spec
from forecast.validation.fastfit import lean_fit_extract
from forecast.validation.origins import origin_payload, score_origin

HOLDOUT_AFTER = "2020-08-31"


def holdout_seed(spec: Spec) -> int:
    """Seed of the holdout fit of ``spec``."""
    return policy.child_seed(spec.sampler.seed, "holdout")


def run_holdout(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    holdout_after: str = HOLDOUT_AFTER,
    chosen_by: str = "",
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    log: Callable[[str], None] | None = None,
    fit: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit ``spec`` on data up to ``holdout_after`` once and score it on everything after.

    ``fit``: that fit already made (by :func:`forecast.validation.nested.run_nested` with ``also_holdout``,
    same spec, data, seed and sampler settings); it is then scored, not refitted.

    Returns
    -------
    (dict, dict)
        The JSON-ready section and the fit (reused by the pseudo-wall check).
    """
    say = log or (lambda m: None)
    t0 = time.perf_counter()
    cutoff = units.decimal_year(holdout_after)
    results = results.copy()
    results["_row"] = np.arange(len(results))
    seed = holdout_seed(spec)
    if fit is None:
        payload = origin_payload(
            spec, results, notable, prices, cutoff=cutoff, label="holdout", seed=seed, draws=draws, tune=tune,
            chains=chains,
        )
        say(f"holdout: one fit on data up to {holdout_after} ({executor.description})")
        fit = executor.map(lean_fit_extract, [payload], log=say)[0]
    else:
        say(f"holdout: scoring the fit on data up to {holdout_after} made with the later origins")
    end = float(max(results["year"].max(), cutoff))
    scored = score_origin(fit, spec, results, notable, prices, cutoff=cutoff, end=end, seed=seed)
    scored.pop("_points", None)
    n_after = int((results["year"] > cutoff).sum())
    return {
        "holdout_after": holdout_after,
        "spec": spec.source,
        "chosen_by": chosen_by,
        "results_after_date": n_after,
        "scored_rows": int(scored.get("rows", {}).get("n_rows", 0)),
        "scored_frontier_targets": int(scored.get("frontier", {}).get("n", 0)),
        **scored,
        "sampler": {"draws": draws, "tune": tune, "chains": chains},
        "compile": fit.get("compile", {}),
        "wall_clock_s": time.perf_counter() - t0,
        "executor": executor.description,
    }, fit
