"""Simulation-based calibration (Talts et al. 2018, arXiv:1804.06788), compiled once.

For ``i = 1..N``: draw parameters ``theta_i`` and data ``y_i`` from the model's prior (the model's
own prior predictive: every part, every observed variable), fit the model to ``y_i``, and record the
rank of ``theta_i`` among ``L`` thinned posterior draws of each parameter. If the inference is
calibrated the ranks are uniform on ``0..L``. The data have the real data's shape (same results,
benchmarks, compute, years), so this checks the inference where it is used.

Speed: the model is built once on the real data's shape, its observed values made swappable
(:func:`.fastfit.observed_as_data`) and compiled once per worker; each simulation only swaps the
observations (``CompiledModel.with_data``) and samples. The simulations are split into one chunk per
worker; every simulation has its own seed, so the ranks do not depend on the split.

Reported per parameter group: the rank histogram (``bins`` bins, summed over the group's elements
for the figure), the central 99% binomial band of one element's bin count, the number of
element-bins outside it (about 1% expected), and the smallest chi-square p-value of uniformity over
the group's elements against a Bonferroni threshold: the group is flagged when it falls below.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from forecast import policy
from forecast.config import Spec, spec_from_json
from forecast.errors import ConfigError
from forecast.validation.recovery import binomial_band

RANK_DRAWS = 99
"""L: thinned posterior draws per fit; ranks take the values 0..L."""
BINS = 10
BAND_MASS = 0.99
ALPHA = 0.01
DERIVED = ("beta", "gamma", "alpha", "sigma", "nu")
"""Deterministics ranked besides the free parameters (the quantities the report reads)."""


def ranks_of(posterior: np.ndarray, truth: np.ndarray, n_keep: int = RANK_DRAWS) -> np.ndarray:
    """Rank of each element of ``truth`` among ``n_keep`` evenly thinned draws (``posterior``: draws x elements)."""
    post = np.asarray(posterior, dtype=float).reshape(posterior.shape[0], -1)
    keep = np.linspace(0, post.shape[0] - 1, n_keep).round().astype(int)
    return np.sum(post[keep] < np.asarray(truth, dtype=float).reshape(1, -1), axis=0)


def rank_histogram(ranks: np.ndarray, n_draws: int = RANK_DRAWS, bins: int = BINS) -> np.ndarray:
    """Counts ``(bins, elements)`` of ranks (values ``0..n_draws``) in ``bins`` equal bins."""
    r = np.asarray(ranks).reshape(ranks.shape[0], -1)
    edges = np.linspace(-0.5, n_draws + 0.5, bins + 1)
    return np.stack([np.histogram(r[:, j], bins=edges)[0] for j in range(r.shape[1])], axis=1)


def uniformity(ranks: np.ndarray, n_draws: int = RANK_DRAWS, bins: int = BINS) -> dict[str, Any]:
    """Histogram, binomial band and chi-square uniformity of one group's ranks ``(sims, elements)``."""
    counts = rank_histogram(ranks, n_draws, bins)
    n = counts[:, 0].sum()
    lo, hi = (v * n for v in binomial_band(int(n), 1.0 / bins, BAND_MASS))
    expected = n / bins
    chi2 = ((counts - expected) ** 2 / expected).sum(axis=0)
    pvals = stats.chi2.sf(chi2, bins - 1)
    outside = int(((counts < lo) | (counts > hi)).sum())
    threshold = ALPHA / counts.shape[1]
    return {
        "elements": int(counts.shape[1]),
        "n_sims": int(n),
        "counts_summed": counts.sum(axis=1).tolist(),
        "band_per_element": [lo, hi],
        "element_bins_outside_band": outside,
        "element_bins": int(counts.size),
        "min_p_uniform": float(pvals.min()),
        "bonferroni_threshold": threshold,
        "uniform": bool(pvals.min() >= threshold),
    }


def max_split_rhat(post: Any, names: list[str]) -> float:
    """Largest classic split R-hat (Gelman et al. 2013) over the elements of ``names`` (cheap: numpy only).

    ArviZ's rank-normalised diagnostics cost ~1-4 s per fit here, more than an SBC fit's sampling.
    """
    worst = 1.0
    for name in names:
        a = np.asarray(post[name].values, dtype=float)
        a = a.reshape(a.shape[0], a.shape[1], -1)
        half = a.shape[1] // 2
        if half < 2:
            continue
        split = np.concatenate([a[:, :half], a[:, half : 2 * half]], axis=0)  # (2 * chains, half, elements)
        w = split.var(axis=1, ddof=1).mean(axis=0)
        b = half * split.mean(axis=1).var(axis=0, ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.sqrt(((half - 1) / half * w + b / half) / w)
        r = r[np.isfinite(r)]
        if r.size:
            worst = max(worst, float(r.max()))
    return worst


def _model_for(
    spec: Spec, results: pd.DataFrame, notable: pd.DataFrame, prices: pd.DataFrame
) -> tuple[Any, Any, list[str]]:
    from forecast.model import build_model, prepare_data
    from forecast.validation.fastfit import observed_as_data

    data = prepare_data(results, notable, prices, spec)
    model, names = observed_as_data(build_model(data, spec))
    return data, model, names


def sbc_chunk(payload: dict[str, Any]) -> dict[str, Any]:
    """Compile the model once and fit each simulation of the chunk; return the ranks (the unit of work)."""
    import logging
    import os
    import warnings

    import nutpie

    from forecast.fit import configure_pytensor
    from forecast.validation.fastfit import sample_compiled
    from forecast.validation.parallel import _THREAD_ENV

    os.environ.update(_THREAD_ENV)
    configure_pytensor()
    t0 = time.perf_counter()
    spec = spec_from_json(payload["spec_json"])
    _, model, _ = _model_for(spec, payload["results"], payload["notable"], payload["prices"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("pymc").setLevel(logging.ERROR)
        compiled = nutpie.compile_pymc_model(model, freeze_model=False)
    t_compile = time.perf_counter() - t0
    free = [rv.name for rv in model.free_RVs]
    out = []
    for sim in payload["sims"]:
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trace = sample_compiled(
                compiled,
                sim["observed"],
                draws=payload["draws"],
                tune=payload["tune"],
                chains=payload["chains"],
                seed=sim["seed"],
                target_accept=spec.sampler.target_accept,
                adaptation=spec.sampler.adaptation,
            )
        post = trace["posterior"].to_dataset()
        rhat = max_split_rhat(post, free)
        divergences = int(np.asarray(trace["sample_stats"].to_dataset()["diverging"].values).sum())
        ranks = {}
        for name, truth in sim["truth"].items():
            a = np.asarray(post[name].values, dtype=float)
            ranks[name] = ranks_of(a.reshape((-1,) + a.shape[2:]), truth).tolist()
        out.append(
            {
                "index": sim["index"],
                "ranks": ranks,
                "converged": bool(rhat <= policy.RHAT_MAX and divergences <= policy.DIVERGENCES_MAX),
                "divergences": divergences,
                "max_rhat": rhat,
                "fit_s": time.perf_counter() - t,
            }
        )
    return {"sims": out, "compile_s": t_compile, "task_s": time.perf_counter() - t0}


def run_sbc(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    n_sims: int = 100,
    chunks: int = 2,
    draws: int = 200,
    tune: int = 200,
    chains: int = 2,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Draw ``n_sims`` prior simulations, fit each (compiled once per chunk), and test rank uniformity."""
    import pymc as pm

    say = log or (lambda m: None)
    t0 = time.perf_counter()
    if chains * draws < RANK_DRAWS:
        raise ConfigError(f"SBC needs chains x draws >= {RANK_DRAWS} (rank draws), got {chains * draws}")
    seed = spec.sampler.seed
    _, model, names = _model_for(spec, results, notable, prices)
    groups = [rv.name for rv in model.free_RVs] + [d for d in DERIVED if d in model.named_vars]
    prior = pm.sample_prior_predictive(
        draws=n_sims,
        model=model,
        random_seed=policy.child_seed(seed, "sbc", "prior"),
        var_names=groups + names,
        compile_kwargs={"mode": "FAST_COMPILE"},
    )
    pr, pp = prior["prior"].to_dataset(), prior["prior_predictive"].to_dataset()
    sims = [
        {
            "index": i,
            "seed": policy.child_seed(seed, "sbc", i),
            "truth": {g: np.asarray(pr[g].values[0, i], dtype=float) for g in groups},
            "observed": {o: np.asarray(pp[o].values[0, i]) for o in names},
        }
        for i in range(n_sims)
    ]
    k = max(1, min(int(chunks), n_sims))
    payloads = [
        {
            "spec_json": spec.to_json(),
            "results": results,
            "notable": notable,
            "prices": prices,
            "sims": sims[j::k],
            "draws": draws,
            "tune": tune,
            "chains": chains,
        }
        for j in range(k)
    ]
    say(f"sbc: {n_sims} simulations in {k} chunk(s) (one compile each) on {executor.description}")
    parts = executor.map(sbc_chunk, payloads, log=say)
    per_sim = sorted((s for p in parts for s in p["sims"]), key=lambda s: s["index"])
    table = {}
    for g in groups:
        ranks = np.array([np.asarray(s["ranks"][g]) for s in per_sim])
        table[g] = uniformity(ranks)
    flagged = [g for g, v in table.items() if not v["uniform"]]
    return {
        "n_sims": n_sims,
        "rank_draws": RANK_DRAWS,
        "bins": BINS,
        "band_mass": BAND_MASS,
        "groups": table,
        "non_uniform_groups": flagged,
        "n_converged": int(sum(s["converged"] for s in per_sim)),
        "total_divergences": int(sum(s["divergences"] for s in per_sim)),
        "sampler": {"draws": draws, "tune": tune, "chains": chains, "sampler": "nutpie (compiled once per chunk)"},
        "compile_s": [p["compile_s"] for p in parts],
        "fit_s_median": float(np.median([s["fit_s"] for s in per_sim])) if per_sim else None,
        "note": "truths and data from the model's own prior predictive, shaped like the real data; "
        "non-converged fits are kept (SBC calibrates the inference as run); n_converged counts fits with classic "
        "split R-hat <= policy.RHAT_MAX and no divergence (ESS is not checked per SBC fit)",
        "wall_clock_s": time.perf_counter() - t0,
        "executor": executor.description,
    }
