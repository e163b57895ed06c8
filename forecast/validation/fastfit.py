"""Compile a model once, swap its observed data, sample many times (nutpie).

:func:`forecast.model.build_model` bakes observed arrays into the graph as constants, so every new
data set means a new compile (10-40 s on 2 cores). :func:`observed_as_data` rewrites a built model so
that the value of every observed variable is a named shared variable (``<name>__obs``); nutpie then
compiles the log density once (``freeze_model=False``) and :meth:`CompiledModel.with_data` swaps the
observations between fits in microseconds. Simulation-based calibration (:mod:`.sbc`) fits 100+ data
sets of one shape this way.

:func:`lean_fit_extract` is the validation suite's other fit: one spec, one data set, no prior or
posterior predictive, same result dict as :func:`forecast.validation.parallel.fit_extract`, and a
non-converged fit refitted once with doubled tuning and draws and :data:`REFIT_TARGET_ACCEPT`
(see :func:`fit_status`).
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from forecast import policy
from forecast.config import spec_from_json
from forecast.validation import parallel as par

OBS_SUFFIX = "__obs"
REFIT_TARGET_ACCEPT = 0.95
"""Target acceptance of the one refit of a non-converged fit (smaller steps through the tau funnels)."""


def observed_as_data(model: Any) -> tuple[Any, list[str]]:
    """A copy of ``model`` whose observed values are shared variables named ``<rv>__obs``.

    Returns
    -------
    (pm.Model, list of str)
        The rewritten model and the names of its observed random variables.
    """
    import pytensor
    from pymc.model.fgraph import ModelObservedRV, fgraph_from_model, model_from_fgraph

    fg, _ = fgraph_from_model(model)
    names = []
    for out in list(fg.outputs):
        if out.owner is not None and isinstance(out.owner.op, ModelObservedRV):
            rv, value = out.owner.inputs
            shared = pytensor.shared(np.asarray(value.data), name=f"{rv.name}{OBS_SUFFIX}")
            fg.replace(value, shared, import_missing=True)
            names.append(str(rv.name))
    return model_from_fgraph(fg, mutate_fgraph=True), names


def compile_swappable(model: Any) -> tuple[Any, Any, list[str]]:
    """Compile ``model`` for nutpie with swappable observations: ``(compiled, rewritten model, names)``."""
    import nutpie

    from forecast.fit import configure_pytensor

    configure_pytensor()
    rewritten, names = observed_as_data(model)
    compiled = nutpie.compile_pymc_model(rewritten, freeze_model=False)
    return compiled, rewritten, names


def sample_compiled(
    compiled: Any,
    observed: dict[str, np.ndarray] | None,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    target_accept: float = policy.TARGET_ACCEPT,
    adaptation: str = "draw_diag",
) -> Any:
    """Sample ``compiled`` (chains one after another) with ``observed`` swapped in; returns the trace."""
    import nutpie

    model = compiled.with_data(**{f"{k}{OBS_SUFFIX}": v for k, v in observed.items()}) if observed else compiled
    return nutpie.sample(
        model,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=1,
        seed=int(seed),
        progress_bar=False,
        target_accept=target_accept,
        adaptation=adaptation,
    )


def _extract(trace: Any, var_names: Sequence[str]) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    post = trace["posterior"].to_dataset()
    draws: dict[str, np.ndarray] = {}
    dims: dict[str, list[str]] = {}
    for name in var_names:
        if name in post:
            draws[name] = np.asarray(post[name].values, dtype=float)
            dims[name] = [str(d) for d in post[name].dims]
    return draws, dims


def lean_fit_extract(payload: dict[str, Any]) -> dict[str, Any]:
    """Fit one payload of :func:`forecast.validation.parallel.make_payload` without predictive sampling.

    Same keys as :func:`forecast.validation.parallel.fit_extract` (``walls`` excepted), plus
    ``attempts`` (1, or 2 when the first fit failed its convergence checks and was refitted with
    twice the tuning and draws).
    """
    from forecast.diagnostics import check_convergence
    from forecast.fit import configure_pytensor, free_parameter_names
    from forecast.model import build_model, prepare_data

    os.environ.update(par._THREAD_ENV)
    configure_pytensor()
    spec = spec_from_json(payload["spec_json"])
    t0 = time.perf_counter()
    data = prepare_data(payload["results"], payload["notable"], payload["prices"], spec)
    model = build_model(data, spec)
    import nutpie

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("pymc").setLevel(logging.ERROR)
        compiled = nutpie.compile_pymc_model(model)
    t_compile = time.perf_counter() - t0
    s = spec.sampler
    attempts = []
    for attempt in (1, 2):
        scale = 1 if attempt == 1 else 2
        target = s.target_accept if attempt == 1 else max(s.target_accept, REFIT_TARGET_ACCEPT)
        trace = sample_compiled(
            compiled,
            None,
            draws=s.draws * scale,
            tune=s.tune * scale,
            chains=s.chains,
            seed=policy.child_seed(s.seed, "nuts", attempt),
            target_accept=target,
            adaptation=s.adaptation,
        )
        checks = check_convergence(trace, free_parameter_names(model))
        attempts.append(
            {"draws": s.draws * scale, "tune": s.tune * scale, "target_accept": target, "converged": checks.converged}
        )
        if checks.converged:
            break
    draws, dims = _extract(trace, payload["var_names"])
    obs_cols = ("series", "domain", "x_tf", "x_hw", "measure", "t", "y", "error", "year", "_row")
    return {
        "label": payload["label"],
        "seed": s.seed,
        "draws": draws,
        "dims": dims,
        "coords": {"domain": list(data.domains), "benchmark": list(data.series)},
        "series_domain": [int(i) for i in data.series_domain],
        "n_obs": int(data.n_obs),
        "obs": data.obs[[c for c in obs_cols if c in data.obs]].copy(),
        "frontier_t_mean": data.frontier.groupby("series")["t"].mean().to_dict(),
        "best": data.best.copy(),
        "convergence": checks.to_dict(),
        "attempts": attempts,
        "timings": {"compile_s": t_compile, "task_s": time.perf_counter() - t0},
    }


def fit_status(result: dict[str, Any]) -> str:
    """``'converged'``, ``'converged after refit'`` or ``'failed'`` (never scored as if it had converged)."""
    if not result["convergence"].get("converged"):
        return "failed"
    return "converged after refit" if len(result.get("attempts", [])) > 1 else "converged"
