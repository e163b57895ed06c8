"""Compile a model once, swap its observed data, sample many times (nutpie).

:func:`forecast.model.build_model` bakes observed arrays into the graph as constants, so every new
data set means a new compile (10-40 s on 2 cores). :func:`observed_as_data` rewrites a built model so
that the value of every observed variable is a named shared variable (``<name>__obs``); nutpie then
compiles the log density once (``freeze_model=False``) and :meth:`CompiledModel.with_data` swaps the
observations between fits in microseconds. Simulation-based calibration (:mod:`.sbc`) fits 100+ data
sets of one shape this way.

:func:`lean_fit_extract` is the validation suite's other fit: one spec, one data set, no prior or
posterior predictive, same result dict as :func:`forecast.validation.parallel.fit_extract`, and a
non-converged fit refitted once with doubled tuning, draws and chains and a higher target acceptance
(:func:`forecast.policy.refit_target_accept`; see :func:`fit_status`).

:func:`lean_fit_origins` fits one spec at several cutoffs (the rolling origins, the holdout, bridge
steps on nested data) with one compile: the model of the latest cutoff's data with per-row training
weights and swappable data-derived constants (:func:`forecast.prepare.training_weights`), which for
each cutoff has the posterior of the model of that cutoff's data (``tests/test_compile_once.py``).
:func:`compile_once_tasks` makes its tasks and :func:`compile_count` counts compiles and fits.
"""

from __future__ import annotations

import functools
import logging
import os
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from forecast import policy
from forecast.config import spec_from_json
from forecast.validation import parallel as par

OBS_SUFFIX = "__obs"
OBS_COLUMNS = ("series", "domain", "x_tf", "x_hw", "measure", "t", "y", "error", "year", "_row")
"""Columns of the training rows a fit result carries (the scoring's baselines read them)."""


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


def _extract(post: Any, var_names: Sequence[str]) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
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
    twice the tuning, draws and chains).
    """
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
    trace, checks, attempts = _sample_with_refit(compiled, spec, spec.sampler.seed, free_parameter_names(model))
    return _fit_result(
        payload["label"], spec.sampler.seed, data, trace["posterior"].to_dataset(), payload["var_names"], checks,
        attempts, {"compile_s": t_compile, "task_s": time.perf_counter() - t0}, {"compiles": 1, "shared_by_fits": 1},
    )


def _fit_result(
    label: str,
    seed: int,
    data: Any,
    post: Any,
    var_names: Sequence[str],
    checks: Any,
    attempts: list[dict[str, Any]],
    timings: dict[str, float],
    compile_info: dict[str, Any],
) -> dict[str, Any]:
    """The result dict of one fit of ``data`` (a :class:`forecast.prepare.ModelData`) from its posterior."""
    draws, dims = _extract(post, var_names)
    return {
        "label": label,
        "seed": seed,
        "draws": draws,
        "dims": dims,
        "coords": {"domain": list(data.domains), "benchmark": list(data.series)},
        "series_domain": [int(i) for i in data.series_domain],
        "n_obs": int(data.n_obs),
        "obs": data.obs[[c for c in OBS_COLUMNS if c in data.obs]].copy(),
        "frontier_t_mean": data.frontier.groupby("series")["t"].mean().to_dict(),
        "best": data.best.copy(),
        "convergence": checks.to_dict(),
        "attempts": attempts,
        "timings": timings,
        "compile": compile_info,
    }


def _sample_with_refit(
    compiled: Any,
    spec: Any,
    seed: int,
    free_names: list[str],
    restrict: Callable[[Any], Any] | None = None,
) -> tuple[Any, Any, list[dict[str, Any]]]:
    """Sample; when the convergence checks fail, refit once with tuning, draws and chains x2 and smaller steps.

    The refit's target acceptance is :func:`forecast.policy.refit_target_accept` of the spec's. Twice the
    chains make its R-hat and ESS (judged at the same thresholds) less noisy: with the evaluation's 2 chains,
    a fit whose split R-hat lands at 1.0103 against the 1.01 bound fails or passes by the seed.

    ``restrict`` maps the trace to the one the checks judge (a compile-once fit: the training subset's
    parameters only). Returns ``(trace, checks, attempts)``.
    """
    from forecast.diagnostics import check_convergence

    s = spec.sampler
    attempts = []
    first = {"draws": s.draws, "tune": s.tune, "chains": s.chains, "target_accept": s.target_accept}
    for attempt, settings in enumerate((first, policy.refit_sampler(**first)), start=1):
        trace = sample_compiled(
            compiled,
            None,
            draws=int(settings["draws"]),
            tune=int(settings["tune"]),
            chains=int(settings["chains"]),
            seed=policy.child_seed(seed, "nuts", attempt),
            target_accept=float(settings["target_accept"]),
            adaptation=s.adaptation,
        )
        if restrict is not None:
            trace = restrict(trace)
        checks = check_convergence(trace, free_names)
        attempts.append({**settings, "converged": checks.converged})
        if checks.converged:
            break
    return trace, checks, attempts


def fit_status(result: dict[str, Any]) -> str:
    """``'converged'``, ``'converged after refit'`` or ``'failed'`` (never scored as if it had converged)."""
    if not result["convergence"].get("converged"):
        return "failed"
    return "converged after refit" if len(result.get("attempts", [])) > 1 else "converged"


# ----------------------------------------------------------------------------- compile once per structure
def compile_once_tasks(
    spec: Any,
    results: Any,
    notable: Any,
    prices: Any,
    *,
    fits: Sequence[tuple[str, float, int]],
    draws: int,
    tune: int,
    chains: int,
    var_names: Sequence[str],
    min_tasks: int = 1,
    overrides: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Tasks of :func:`lean_fit_origins` for fits of one spec at several cutoffs ``(label, cutoff, seed)``.

    One task per spec (one model structure), split further into interleaved chunks while there are fewer
    than ``min_tasks`` tasks (each chunk compiles once; chunks run in parallel on idle workers). Each
    task's tables are cut at its latest cutoff; each fit sees what was published at or before its own
    cutoff. ``fits[i]["index"]`` is the fit's position in ``fits``.
    """
    from forecast.model import weights_unsupported

    if not fits:
        return []
    s = par.validation_spec(spec, seed=int(fits[0][2]), draws=draws, tune=tune, chains=chains, overrides=overrides)
    # no weighted form: every fit compiles its own model
    chunks = [[j] for j in range(len(fits))] if weights_unsupported(s) else [list(range(len(fits)))]
    while len(chunks) < min_tasks and any(len(g) > 1 for g in chunks):
        big = max(chunks, key=len)
        chunks.remove(big)
        chunks.extend([big[0::2], big[1::2]])
    tasks = []
    for members in chunks:
        last = max(float(fits[j][1]) for j in members)
        tasks.append(
            {
                "spec_json": s.to_json(),
                "results": results[results["year"] <= last],
                "notable": notable[notable["year"] <= last],
                "prices": prices,
                "var_names": list(var_names),
                "fits": [
                    {"label": str(fits[j][0]), "cutoff": float(fits[j][1]), "seed": int(fits[j][2]), "index": j}
                    for j in members
                ],
            }
        )
    return tasks


def run_compile_once(
    executor: Any, tasks: Sequence[dict[str, Any]], log: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    """Run :func:`lean_fit_origins` tasks; the fit results in the order of their ``index``."""
    outs = executor.map(lean_fit_origins, list(tasks), log=log)
    by = {f["index"]: r for t, rs in zip(tasks, outs, strict=True) for f, r in zip(t["fits"], rs, strict=True)}
    return [by[i] for i in sorted(by)]


def compile_count(fits: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many compiles ``fits`` (results of :func:`lean_fit_origins`/:func:`lean_fit_extract`) took, and fits."""
    return {
        "fits": len(fits),
        "compiles": int(sum(f.get("compile", {}).get("compiles", 1) for f in fits)),
        "refits": int(sum(len(f.get("attempts", [])) > 1 for f in fits)),
    }


def _restrict(trace: Any, full: Any, sub: Any, sub_model: Any) -> Any:
    """The trace of a compile-once fit cut to the training subset's parameters (benchmarks, domains, rows)."""
    import xarray as xr

    from forecast.prepare import ROW_ID

    post = trace["posterior"].to_dataset()
    post = post[[n for n in post.data_vars if n in sub_model.named_vars]]
    rows = set(full.obs.index[full.obs[ROW_ID].isin(sub.obs[ROW_ID])])
    sel: dict[str, Any] = {"benchmark": list(sub.series), "domain": list(sub.domains)}
    for dim in ("obs", "hw_only", "pair"):
        if dim in post.dims:
            sel[dim] = [v for v in post[dim].values if v in rows]
    post = post.sel({k: v for k, v in sel.items() if k in post.dims})
    return xr.DataTree.from_dict({"posterior": post, "sample_stats": trace["sample_stats"].to_dataset()})


def lean_fit_origins(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Fit one spec at several cutoffs, compiling each model structure once (the unit of work).

    The model is built on the data of the latest cutoff with 0/1 training weights on every likelihood row
    and its data-derived constants as shared variables (:func:`forecast.model.build_model`,
    :func:`forecast.prepare.training_weights`); each fit swaps in its cutoff's weights and constants
    (``CompiledModel.with_data``). Specs whose options have no weighted form
    (:func:`forecast.model.weights_unsupported`) compile per cutoff, and their results say why.

    Returns
    -------
    list of dict
        One :func:`lean_fit_extract` result per fit, in order; ``compile`` says how it was compiled and
        ``draws``/``coords`` cover the training subset's benchmarks and domains only.
    """
    import nutpie

    from forecast.fit import configure_pytensor, free_parameter_names
    from forecast.model import build_model, weights_unsupported
    from forecast.prepare import ROW_ID, all_rows, prepare_data, training_weights
    from forecast.validation.origins import training_tables

    os.environ.update(par._THREAD_ENV)
    configure_pytensor()
    spec = spec_from_json(payload["spec_json"])
    fits = payload["fits"]
    reason = weights_unsupported(spec)
    if reason or len(fits) == 1:  # nothing to share: the plain model of the fit's own data
        out = []
        for f in fits:
            r, n = training_tables(payload["results"], payload["notable"], f["cutoff"])
            s = spec.with_overrides({"sampler": {"seed": f["seed"]}})
            res = lean_fit_extract(
                {**payload, "spec_json": s.to_json(), "results": r, "notable": n, "label": f["label"]}
            )
            if reason:
                res["compile"]["per_origin"] = f"compiled per cutoff: no weighted form for {reason}"
            out.append(res)
        return out
    t0 = time.perf_counter()
    results = payload["results"].assign(**{ROW_ID: np.arange(len(payload["results"]))})
    subs = [
        prepare_data(*training_tables(results, payload["notable"], f["cutoff"]), payload["prices"], spec) for f in fits
    ]
    top = max(range(len(fits)), key=lambda i: fits[i]["cutoff"])
    full = subs[top]
    t_c = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("pymc").setLevel(logging.ERROR)
        compiled = nutpie.compile_pymc_model(build_model(full, spec, all_rows(full)), freeze_model=False)
    t_compile = time.perf_counter() - t_c
    out = []
    for i, (f, sub) in enumerate(zip(fits, subs, strict=True)):
        t_f = time.perf_counter()
        sub_model = build_model(sub, spec)  # names and dims of the subset's parameters (not compiled)
        swapped = compiled.with_data(**training_weights(full, sub, f["cutoff"]).as_data())
        trace, checks, attempts = _sample_with_refit(
            swapped,
            spec,
            f["seed"],
            free_parameter_names(sub_model),
            restrict=functools.partial(_restrict, full=full, sub=sub, sub_model=sub_model),
        )
        out.append(
            _fit_result(
                f["label"], f["seed"], sub, trace["posterior"].to_dataset(), payload["var_names"], checks, attempts,
                {"compile_s": t_compile if i == 0 else 0.0, "fit_s": time.perf_counter() - t_f},
                {"compiles": int(i == 0), "shared_by_fits": len(fits), "built_at_cutoff": fits[top]["cutoff"]},
            )
        )
    for res in out:
        res["timings"]["task_s"] = time.perf_counter() - t0
    return out
