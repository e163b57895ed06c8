"""Running the independent fits of the validation suite serially or through Dask.

Every task is a plain function of a plain payload: the spec travels as its JSON text, the data as
pandas DataFrames, the seed as an integer inside the spec. A worker rebuilds the spec, builds and
samples its own model (nutpie, ``cores=1``: chains run one after another inside a task) and returns
a small dict of numpy arrays (selected posterior draws, convergence numbers, timings). Nothing but
payloads and those dicts crosses process boundaries, so a serial run and a Dask run with the same
seeds give identical numbers (``tests/test_validation.py`` checks it).

Executors: :class:`SerialExecutor` (in process) and :class:`DaskExecutor` (``dask.distributed``:
a ``LocalCluster`` of processes with one thread each by default, or an existing scheduler).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from forecast import policy
from forecast.config import Spec, spec_from_json
from forecast.errors import ConfigError

# Performance-part variables most validation code needs from a posterior.
PERFORMANCE_VARS = (
    "alpha",
    "alpha_domain",
    "tau_alpha",
    "beta",
    "gamma",
    "mu_beta",
    "mu_gamma",
    "tau_beta",
    "tau_gamma",
    "sigma",
    "nu",
    "hw_offset",
    "hw_sigma",
    "years_per_10x",
    "years_per_10x_shared",
    # version-2 options (forecast.validation.predictive reads them when the spec has the option on)
    "floor",
    "pop_intercept",
    "pop_slope",
    "pop_sigma",
    "walk",
    "rw_sigma",
)
TREND_VARS = ("trend_intercept", "trend_slope", "trend_sigma")

_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


# ----------------------------------------------------------------------------- specs
def validation_spec(
    spec: Spec,
    *,
    seed: int,
    draws: int | None = None,
    tune: int | None = None,
    chains: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> Spec:
    """``spec`` with the validation sampler settings (``cores=1``), an integer seed and overrides.

    The frontier parts (:mod:`forecast.frontier`) are switched off: they share no parameter with the
    performance model these fits score, and would only slow every fit; the frontier has its own
    rolling-origin check (:mod:`forecast.validation.frontier`).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    sampler: dict[str, Any] = {"seed": int(seed), "cores": 1}
    if draws is not None:
        sampler["draws"] = int(draws)
    if tune is not None:
        sampler["tune"] = int(tune)
    if chains is not None:
        sampler["chains"] = int(chains)
    out = spec.with_overrides({"sampler": sampler, "frontier": {"enabled": False}})
    if overrides:
        out = out.with_overrides(overrides)
    return out


def make_payload(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    label: str,
    var_names: Sequence[str] = PERFORMANCE_VARS,
    walls: bool = False,
    refit: bool = False,
) -> dict[str, Any]:
    """Build a task payload: spec as JSON text, data as DataFrames, nothing else.

    ``refit``: a fit that fails its convergence checks is fitted once more with
    :func:`forecast.policy.refit_sampler` (and a child seed); the result lists both attempts.
    """
    return {
        "label": label,
        "spec_json": spec.to_json(),
        "results": results,
        "notable": notable,
        "prices": prices,
        "var_names": list(var_names),
        "walls": bool(walls),
        "refit": bool(refit),
    }


# ----------------------------------------------------------------------------- the task
def fit_extract(payload: dict[str, Any]) -> dict[str, Any]:
    """Fit one model and return selected posterior draws as numpy arrays (the unit of work).

    Returns a dict with ``label``, ``draws`` (``{var: array(chain, draw, ...)}``), ``dims``
    (``{var: [dim, ...]}``), ``coords`` (labels of ``domain``/``benchmark``), ``obs`` (the rows the
    model was fitted on), ``convergence``, ``timings`` and, when asked, ``walls``.
    """
    from forecast.fit import fit

    os.environ.update(_THREAD_ENV)
    spec = spec_from_json(payload["spec_json"])
    t0 = time.perf_counter()
    attempts: list[dict[str, Any]] = []
    for attempt in (1, 2):
        with warnings.catch_warnings():
            # A run that does not converge warns; here the verdict is recorded in the result instead.
            warnings.simplefilter("ignore")
            logging.getLogger("pymc").setLevel(logging.ERROR)
            run = fit(spec, payload["results"], payload["notable"], payload["prices"], progress=False)
        s = spec.sampler
        attempts.append({"draws": s.draws, "tune": s.tune, "chains": s.chains, "target_accept": s.target_accept,
                         "converged": run.checks.converged})
        if run.checks.converged or not payload.get("refit") or attempt == 2:
            break
        settings = policy.refit_sampler(s.draws, s.tune, s.chains, s.target_accept)
        spec = spec.with_overrides({"sampler": {**settings, "seed": policy.child_seed(s.seed, "refit")}})
    post = run.posterior
    draws: dict[str, np.ndarray] = {}
    dims: dict[str, list[str]] = {}
    for name in payload["var_names"]:
        if name in post:
            da = post[name]
            draws[name] = np.asarray(da.values, dtype=float)
            dims[name] = [str(d) for d in da.dims]
    out: dict[str, Any] = {
        "label": payload["label"],
        "seed": spec.sampler.seed,
        "draws": draws,
        "dims": dims,
        "coords": {"domain": list(run.data.domains), "benchmark": list(run.data.series)},
        "series_domain": [int(i) for i in run.data.series_domain],
        "n_obs": int(run.data.n_obs),
        "obs": run.data.obs[
            [
                c
                for c in ("series", "domain", "x_tf", "x_hw", "measure", "t", "y", "error", "year", "_row")
                if c in run.data.obs
            ]
        ].copy(),
        "convergence": run.checks.to_dict(),
        "attempts": attempts,
        "timings": {
            **{k: float(v) for k, v in run.meta.get("timings", {}).items()},
            "task_s": time.perf_counter() - t0,
        },
    }
    if payload.get("walls"):
        out["walls"] = wall_summary(run)
    return out


def wall_summary(run: Any) -> dict[str, Any]:
    """Wall years per domain and budget from :func:`forecast.forecasts.compute_forecasts`.

    Rows carry the median and the pinned-policy interval (``"never"`` when after the horizon), the
    share of draws that never hit the wall and whether the domain's compute slope is identified.
    """
    from forecast.forecasts import compute_forecasts

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = compute_forecasts(run).wall_table

    def year(value: float) -> float | str:
        return float(value) if np.isfinite(value) else "never"

    rows = [
        {
            "domain": str(r["domain"]),
            "budget": str(r["budget"]),
            "low": year(r["wall_lo"]),
            "median": year(r["wall_median"]),
            "high": year(r["wall_hi"]),
            "p_never": float(r["p_never"]),
            "identified": bool(r["identified"]),
        }
        for _, r in table.iterrows()
    ]
    return {"available": True, "summary": {"wall_year": rows}}


def probe_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Run a cheap deterministic stand-in for a fit (seeded draw plus the sum of a DataFrame column).

    Used to check that a cluster reaches its workers and returns results in order.
    """
    rng = np.random.default_rng(int(payload["seed"]))
    return {
        "label": payload["label"],
        "value": float(payload["df"]["v"].sum() + rng.normal()),
        "pid_differs": os.getpid() != payload.get("parent_pid"),
    }


# ----------------------------------------------------------------------------- executors
class SerialExecutor:
    """Runs tasks one after another in this process."""

    description = "serial (in process)"

    def map(
        self, func: Callable[[Any], Any], payloads: Sequence[Any], log: Callable[[str], None] | None = None
    ) -> list[Any]:
        """Apply ``func`` to each payload, in order."""
        out = []
        for i, p in enumerate(payloads):
            out.append(func(p))
            if log:
                log(f"  task {i + 1}/{len(payloads)} done")
        return out


class DaskExecutor:
    """Runs tasks on a ``dask.distributed`` client; results come back in payload order."""

    def __init__(self, client: Any, description: str) -> None:
        self.client = client
        self.description = description

    def map(
        self, func: Callable[[Any], Any], payloads: Sequence[Any], log: Callable[[str], None] | None = None
    ) -> list[Any]:
        """Submit every payload, then gather the results in order."""
        from dask.distributed import as_completed

        futures = [self.client.submit(func, p, pure=False) for p in payloads]
        index = {f.key: i for i, f in enumerate(futures)}
        done = 0
        for fut in as_completed(futures):
            done += 1
            if fut.status == "error":
                fut.result()  # re-raises the worker's exception here
            if log:
                log(f"  task {index[fut.key] + 1}/{len(payloads)} done ({done}/{len(payloads)})")
        return self.client.gather(futures)


CONNECT_TIMEOUT_S = 5.0
"""How long to try reaching an existing Dask scheduler before giving up."""


def connect(scheduler: str, timeout: float = CONNECT_TIMEOUT_S) -> Any:
    """A ``dask.distributed.Client`` of the scheduler at ``scheduler``.

    Raises
    ------
    ConfigError
        The address is malformed or nothing answers there within ``timeout`` seconds.
    """
    from dask.distributed import Client

    try:
        return Client(scheduler, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - whatever the failure (refused, timeout, garbage reply)
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
    # The half-built client complains from its finalizer; collect it now, quietly.
    hook, sys.unraisablehook = sys.unraisablehook, lambda _: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook
    raise ConfigError(
        f"--scheduler {scheduler}: cannot connect to a Dask scheduler within {timeout:g} s ({reason}); "
        "check the address (tcp://host:8786) or drop --scheduler to start a local cluster"
    )


@contextmanager
def executor(
    scheduler: str | None = None, workers: int | None = None, serial: bool = False
) -> Iterator[SerialExecutor | DaskExecutor]:
    """Open an executor for the validation fits.

    Parameters
    ----------
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``); ``None`` starts a local cluster.
    workers
        Worker processes of the local cluster (default: CPU count, at least 1); 1 thread each.
    serial
        Run in this process without Dask.
    """
    if serial:
        yield SerialExecutor()
        return
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client = connect(scheduler)
        try:
            yield DaskExecutor(client, f"dask scheduler {scheduler}")
        finally:
            client.close()
        return
    n = int(workers or max(1, os.cpu_count() or 1))
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
        env=dict(_THREAD_ENV),
    )
    client = Client(cluster)
    try:
        yield DaskExecutor(client, f"dask LocalCluster ({n} worker processes x 1 thread)")
    finally:
        client.close()
        cluster.close()


# ----------------------------------------------------------------------------- helpers
def worker_count(ex: Any) -> int:
    """Worker processes of an executor (1 for the serial one)."""
    client = getattr(ex, "client", None)
    return max(1, len(client.scheduler_info()["workers"])) if client is not None else 1


def stacked(draws: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Draws of ``name`` with chain and draw flattened into the first axis."""
    a = draws[name]
    return a.reshape((a.shape[0] * a.shape[1],) + a.shape[2:])


def convergence_brief(result: dict[str, Any]) -> dict[str, Any]:
    """Extract the convergence numbers of a task result worth keeping in validation.json."""
    c = result["convergence"]
    return {
        "converged": bool(c.get("converged", False)),
        "max_rhat": float(c["max_rhat"]),
        "min_ess_bulk": float(c["min_ess_bulk"]),
        "divergences": int(c["divergences"]),
        "worst": c.get("worst", {}),
    }
