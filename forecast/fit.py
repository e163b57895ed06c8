"""Fitting: build the model, sample it once, check convergence, return a :class:`~forecast.run.Run`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecast import policy
from forecast.config import Spec
from forecast.diagnostics import check_convergence
from forecast.errors import FitInterrupted
from forecast.frontier import fit_relevant
from forecast.model import ModelData, build_model, link_inverse, prepare_data
from forecast.run import Run

OBSERVED_FOR_PPC = ("y",)


def library_versions() -> dict[str, str]:
    """Versions of the libraries a run depends on (stored in every run)."""
    import arviz
    import nutpie
    import pymc
    import pytensor

    import forecast

    return {
        "forecast": forecast.__version__,
        "python": platform.python_version(),
        "pymc": pymc.__version__,
        "pytensor": pytensor.__version__,
        "arviz": arviz.__version__,
        "nutpie": nutpie.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "xarray": xr.__version__,
    }


FIT_ASSUMPTIONS = ("purchase_amortization_years",)
"""Assumptions that change the data the model sees (the others only enter the forecasts)."""


def configure_pytensor() -> None:
    """Compile settings that keep draws reproducible and compiles cached.

    With Numba's fastmath on, code compiled fresh, compiled into the cache and loaded from the
    cache gave three different posteriors for one seed (measured here); with it off all three are
    identical and the on-disk compile cache still saves most of the compile time.

    The code PyTensor generates for Numba goes to a content-addressed folder beside its compile cache
    (pruned by PyTensor) instead of dozens of new files in the system temp folder on every fit.
    """
    import pytensor

    pytensor.config.numba__fastmath = False
    pytensor.config.numba__cache = True
    if not pytensor.config.generated_src_dir:
        pytensor.config.generated_src_dir = str(Path(pytensor.config.compiledir) / "generated_src")


def fit_key(spec: Spec, data_hash: str) -> str:
    """Hash of everything that determines the posterior: model, priors, centring, sampler, data, libraries.

    Two fits with the same key give identical draws (nutpie is reproducible for a given seed), so a
    saved run with the key of a new request is reused instead of sampled again; forecast-only
    settings (budgets, years, carbon intensity, GDP...) do not enter the key.
    """
    raw = json.loads(spec.to_json())
    relevant = {
        "model": {k: v for k, v in raw["model"].items() if k not in ("name", "description")},
        "centering": raw["centering"],
        "priors": raw["priors"],
        "sampler": raw["sampler"],
        "assumptions": {k: raw["assumptions"][k] for k in FIT_ASSUMPTIONS},
        "data_hash": data_hash,
        "frontier": fit_relevant(spec),
        "versions": {k: v for k, v in library_versions().items() if k != "forecast"},
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


def check_complete(trace: xr.DataTree, var_names: list[str], chains: int, draws: int) -> None:
    """Raise :class:`FitInterrupted` unless every chain has every draw of ``var_names``.

    nutpie and PyMC swallow Ctrl-C while sampling and return the draws made so far (chains cut short
    are padded with NaN, or missing): such a trace must never pass for a complete run.
    """
    post = trace["posterior"].to_dataset()
    have_chains, have_draws = int(post.sizes.get("chain", 0)), int(post.sizes.get("draw", 0))
    if have_chains != chains or have_draws != draws:
        raise FitInterrupted(
            f"sampling stopped early: {have_chains} of {chains} chains, {have_draws} of {draws} draws per chain"
        )
    for name in var_names:
        vals = np.asarray(post[name].values, dtype=float).reshape(chains, draws, -1)
        finite = np.isfinite(vals).all(axis=2)
        if not finite.all():
            done = finite.sum(axis=1)
            worst = int(np.argmin(done))
            raise FitInterrupted(
                f"sampling stopped early: chain {worst} has {int(done[worst])} of {draws} draws"
            )


def text_sample_stats(trace: xr.DataTree) -> None:
    """Text sample stats (nutpie's ``divergence_message``) as strings, ``""`` for none, in place.

    nutpie gives NaN where there is no message and a string where there is one; NetCDF stores the mix as
    strings, so without this a saved run would not equal the fitted one.
    """
    stats = trace["sample_stats"]
    if "divergence_message" not in stats.data_vars:
        return
    da: xr.DataArray = stats.to_dataset()["divergence_message"]
    if da.dtype == object:
        values = [
            "" if m is None or (isinstance(m, float) and not np.isfinite(m)) else str(m)
            for m in np.asarray(da.values).ravel()
        ]
        stats["divergence_message"] = da.copy(data=np.array(values, dtype=str).reshape(da.shape))


def free_parameter_names(model: Any) -> list[str]:
    """Names of the model's free random variables (what convergence is judged on)."""
    return [rv.name for rv in model.free_RVs]


def prior_predictive_summary(prior: xr.DataTree, data: ModelData, spec: Spec) -> dict[str, Any]:
    """What the priors imply before seeing data: slopes, years-per-10x and simulated errors."""
    lo, hi = policy.interval_bounds()
    pr = prior["prior"].to_dataset()
    out: dict[str, Any] = {"interval": policy.interval_label()}
    for name in ("mu_beta", "mu_gamma", "years_per_10x_shared", "price_slope", "mu_trend_slope"):
        if name in pr:
            q = np.quantile(pr[name].values, [lo, 0.5, hi])
            out[name] = {"median": float(q[1]), "low": float(q[0]), "high": float(q[2])}
    ppc = prior["prior_predictive"].to_dataset()
    if "y" in ppc:
        err = np.asarray(link_inverse(ppc["y"].values, spec.model.link), dtype=float)
        q = np.quantile(err[np.isfinite(err)], [lo, 0.5, hi])
        out["simulated_error"] = {"median": float(q[1]), "low": float(q[0]), "high": float(q[2])}
        out["share_simulated_error_in_0_1"] = float(np.mean((err > 0) & (err < 1)))
        out["observed_error_range"] = [float(data.obs["error"].min()), float(data.obs["error"].max())]
    return out


def fit(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    data_hash: str = "",
    name: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> Run:
    """Fit the model of ``spec`` to the validated tables and return a run (not yet saved).

    A run that fails its convergence checks is still returned (so it can be saved and inspected)
    with ``run.checks.converged == False`` and a loud ``RuntimeWarning``; the CLI's ``--strict``
    turns that into exit status 3.
    """
    import pymc as pm

    say = log or (lambda msg: None)
    configure_pytensor()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data = prepare_data(results, notable, prices, spec)
    model = build_model(data, spec)
    timings["build_s"] = time.perf_counter() - t0
    s = spec.sampler
    say(f"model: {data.n_obs} results, {len(data.series)} benchmarks, {len(data.domains)} domains; "
        f"sampling {s.chains} chains x {s.draws} draws with {s.sampler}")

    with model:
        t = time.perf_counter()
        prior_vars = [v.name for v in (*model.free_RVs, *model.deterministics)
                      if v.name not in ("x",)] + ["y"]
        # FAST_COMPILE: forward sampling of a few hundred draws costs ~1.5 s in Python mode, against
        # 10-20 s of Numba compilation whenever a prior changes (measured here).
        prior = pm.sample_prior_predictive(
            draws=s.prior_draws, random_seed=policy.child_seed(s.seed, "prior"), var_names=prior_vars,
            compile_kwargs={"mode": "FAST_COMPILE"},
        )
        timings["prior_predictive_s"] = time.perf_counter() - t
        t = time.perf_counter()
        kwargs: dict[str, Any] = {}
        if s.sampler == "nutpie":
            kwargs["nuts"] = {"adaptation": s.adaptation}
        else:
            # PyMC's NUTS on the Numba backend gave different draws for one seed with a cold or warm
            # compile cache; the C backend is reproducible.
            kwargs["compile_kwargs"] = {"mode": "CVM"}
        trace = pm.sample(
            draws=s.draws,
            tune=s.tune,
            chains=s.chains,
            cores=min(s.cores, s.chains),
            random_seed=policy.child_seed(s.seed, "nuts"),
            nuts_sampler=s.sampler,
            target_accept=s.target_accept,
            progressbar=progress,
            compute_convergence_checks=False,
            **kwargs,
        )
        check_complete(trace, free_parameter_names(model), s.chains, s.draws)
        text_sample_stats(trace)
        timings["compile_and_sampling_s"] = time.perf_counter() - t
        timings["sampling_s"] = float(trace["posterior"].attrs.get("sampling_time", float("nan")))
        timings["compile_s"] = timings["compile_and_sampling_s"] - timings["sampling_s"]
        t = time.perf_counter()
        pm.compute_log_likelihood(trace, var_names=["y"], progressbar=False)
        ppc = pm.sample_posterior_predictive(
            trace, var_names=list(OBSERVED_FOR_PPC), random_seed=policy.child_seed(s.seed, "ppc"),
            progressbar=False, compile_kwargs={"mode": "FAST_COMPILE"},
        )
        trace.update(ppc)
        trace.update(prior)
        timings["posterior_predictive_s"] = time.perf_counter() - t

    checks = check_convergence(trace, free_parameter_names(model))
    timings["total_s"] = time.perf_counter() - t0
    meta = {
        "name": name or spec.model.name,
        "data_hash": data_hash,
        "seed": s.seed,
        "sampler": s.sampler,
        "versions": library_versions(),
        "timings": timings,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "prior_summary": prior_predictive_summary(trace, data, spec),
        "centering": dict(spec.centering),
        "spec_source": spec.source,
        "fit_key": fit_key(spec, data_hash),
    }
    run = Run(trace=trace, data=data, spec=spec, checks=checks, meta=meta)
    if not checks.converged:
        warnings.warn(f"run '{run.name}' {checks.verdict()}", RuntimeWarning, stacklevel=2)
    return run
