"""Parameter recovery: simulate data sets from the model at known parameters, fit each, count coverage.

Known parameters: for simulation ``i`` one joint draw of the performance parameters is taken from a
reference fit of the real data (seeded), so the truths are realistic values rather than extreme prior
draws. Each simulated data set has exactly the shape of the real one: the same results (benchmarks,
domains, compute, years, counts; the same rows with training FLOP, hardware burden or both). Only the
outcomes are redrawn (``y = alpha_b + beta_d x + gamma_d t + sigma_d * StudentT(nu)``, mapped back to
an error rate), plus, with ``compute_measure = 'both'``, the latent training compute of
hardware-burden-only rows and the hardware burden of matched pairs (``hw_offset``, ``hw_sigma``).
The companion parts (frontier, compute trend, prices) keep the real data; they share no parameter
with the performance part.

Reported per parameter group: coverage of the 50% and 90% equal-tailed intervals over all
simulations and elements, with the binomial band (central 95%) that nominal coverage allows for the
number of simulations (per element) and for the number of (simulation, element) trials (valid only if
elements were independent; they are not, so the per-simulation band is the honest one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from forecast import policy
from forecast.config import Spec
from forecast.errors import ConfigError
from forecast.prepare import link_inverse, prepare_data
from forecast.validation import parallel as par

GROUPS = (
    "mu_beta",
    "mu_gamma",
    "beta",
    "gamma",
    "alpha_domain",
    "alpha",
    "tau_alpha",
    "tau_beta",
    "tau_gamma",
    "sigma",
    "nu",
    "hw_offset",
    "hw_sigma",
    "years_per_10x",
)
ERROR_CLIP = 1e-9


def binomial_band(n: int, p: float, mass: float = 0.95) -> list[float]:
    """Central ``mass`` range of the coverage fraction when each of ``n`` trials covers with prob ``p``."""
    if n <= 0:
        return [float("nan"), float("nan")]
    lo = stats.binom.ppf((1 - mass) / 2, n, p) / n
    hi = stats.binom.ppf(1 - (1 - mass) / 2, n, p) / n
    return [float(lo), float(hi)]


def truth_from_reference(ref: dict[str, Any], index: int, names: tuple[str, ...] = GROUPS) -> dict[str, Any]:
    """Return the parameters ``names`` of posterior draw ``index`` of a reference fit (with labels).

    Labels are kept for one-dimensional domain/benchmark variables; others are compared by position.
    """
    out: dict[str, Any] = {}
    for name in names:
        if name not in ref["draws"]:
            continue
        arr = par.stacked(ref["draws"], name)[index]
        dims = ref["dims"][name][2:]
        labels = ref["coords"].get(dims[0]) if len(dims) == 1 else None
        out[name] = {"value": np.atleast_1d(arr).astype(float).ravel().tolist(), "labels": labels}
    return out


def simulate(
    results: pd.DataFrame, obs: pd.DataFrame, truth: dict[str, Any], spec: Spec, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Return a copy of ``results`` whose modelled rows carry outcomes simulated at ``truth``.

    ``obs`` is the reference fit's ``obs`` table (with ``_row`` pointing into ``results``).
    """
    val = {k: np.asarray(v["value"]) for k, v in truth.items()}
    lab = {k: v["labels"] for k, v in truth.items()}
    ser_idx = {s: i for i, s in enumerate(lab["alpha"])}
    dom_idx = {d: i for i, d in enumerate(lab["beta"])}
    si = np.array([ser_idx[s] for s in obs["series"]])
    di = np.array([dom_idx[d] for d in obs["domain"]])
    x_tf = obs["x_tf"].to_numpy(dtype=float)
    x_hw = obs["x_hw"].to_numpy(dtype=float)
    both = spec.model.compute_measure == "both"
    out = results.copy()
    info: dict[str, Any] = {"n_rows": len(obs), "clipped": 0}
    if spec.model.compute_measure == "hardware_burden":
        x = x_hw.copy()
    else:
        x = x_tf.copy()
    if both:
        latent = ~np.isfinite(x_tf)
        x[latent] = (
            x_hw[latent] - val["hw_offset"][0] + val["hw_sigma"][0] * rng.standard_normal(latent.sum())
        )
        pairs = np.isfinite(x_tf) & np.isfinite(x_hw)
        new_hw = x_tf[pairs] + val["hw_offset"][0] + val["hw_sigma"][0] * rng.standard_normal(pairs.sum())
        rows = obs["_row"].to_numpy()[pairs]
        out.loc[out.index[rows], "hardware_burden_flop"] = 10.0 ** (
            new_hw + float(spec.centering["log10_flop"])
        )
        info["n_latent"] = int(latent.sum())
        info["n_pairs"] = int(pairs.sum())
    mu = val["alpha"][si] + val["beta"][di] * x + val["gamma"][di] * obs["t"].to_numpy()
    nu = float(val["nu"][0]) if "nu" in val else None
    eps = rng.standard_t(nu, size=len(obs)) if nu is not None else rng.standard_normal(len(obs))
    y = mu + val["sigma"][di] * eps
    err = np.asarray(link_inverse(y, spec.model.link), dtype=float)
    clipped = (err < ERROR_CLIP) | (err > 1 - ERROR_CLIP)
    info["clipped"] = int(clipped.sum())
    err = np.clip(err, ERROR_CLIP, 1 - ERROR_CLIP)
    out.loc[out.index[obs["_row"].to_numpy()], "error"] = err
    return out, info


def coverage_of(fitres: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    """Per group: whether each element's truth lies in the 50% and 90% intervals, and its rank."""
    out: dict[str, Any] = {}
    lo50, hi50 = policy.interval_bounds(policy.INNER_INTERVAL_PROB)
    lo90, hi90 = policy.interval_bounds(policy.INTERVAL_PROB)
    for name, tv in truth.items():
        if name not in fitres["draws"]:
            continue
        d = par.stacked(fitres["draws"], name)
        d = d.reshape(d.shape[0], -1)
        dims = fitres["dims"][name][2:]
        labels = fitres["coords"].get(dims[0]) if len(dims) == 1 else None
        true = np.asarray(tv["value"], dtype=float)
        if labels is not None and tv["labels"] is not None:
            pos = {lbl: i for i, lbl in enumerate(labels)}
            idx = [pos[lbl] for lbl in tv["labels"]]
            d = d[:, idx]
        q = np.quantile(d, [lo90, lo50, 0.5, hi50, hi90], axis=0)
        out[name] = {
            "in50": ((true >= q[1]) & (true <= q[3])).tolist(),
            "in90": ((true >= q[0]) & (true <= q[4])).tolist(),
            "rank": np.mean(d < true[None, :], axis=0).tolist(),
            "median": q[2].tolist(),
            "truth": true.tolist(),
        }
    return out


def run_recovery(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    n_sims: int = 20,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run a reference fit, ``n_sims`` simulated data sets, one fit each (in parallel), coverage per group.

    Raises
    ------
    ConfigError
        ``n_sims``, ``draws``, ``tune`` or ``chains`` is not a positive integer.
    """
    for key, value in (("n_sims", n_sims), ("draws", draws), ("tune", tune), ("chains", chains)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"recovery: {key} must be a positive integer, got {value!r}")
    say = log or (lambda m: None)
    t0 = time.perf_counter()
    seed = spec.sampler.seed
    results = results.copy()
    results["_row"] = np.arange(len(results))
    ref_spec = par.validation_spec(
        spec, seed=policy.child_seed(seed, "recovery", "reference"), draws=draws, tune=tune, chains=chains
    )
    say(f"recovery: reference fit on the real data ({executor.description})")
    ref = executor.map(
        par.fit_extract,
        [par.make_payload(ref_spec, results, notable, prices, label="recovery-reference")],
        log=say,
    )[0]
    obs = prepare_data(results, notable, prices, spec).obs
    n_draws = par.stacked(ref["draws"], "alpha").shape[0]
    payloads, truths, infos = [], [], []
    for i in range(n_sims):
        rng = np.random.default_rng(policy.child_seed(seed, "recovery", i))
        truth = truth_from_reference(ref, int(rng.integers(0, n_draws)))
        sim, info = simulate(results, obs, truth, spec, rng)
        s = par.validation_spec(
            spec, seed=policy.child_seed(seed, "recovery", i, "fit"), draws=draws, tune=tune, chains=chains
        )
        payloads.append(par.make_payload(s, sim, notable, prices, label=f"recovery-{i}"))
        truths.append(truth)
        infos.append(info)
    say(f"recovery: {n_sims} simulated fits")
    fits = executor.map(par.fit_extract, payloads, log=say)
    per_sim = [coverage_of(f, t) for f, t in zip(fits, truths, strict=True)]
    groups: dict[str, Any] = {}
    for name in GROUPS:
        sims = [p[name] for p in per_sim if name in p]
        if not sims:
            continue
        in50 = np.concatenate([np.asarray(s["in50"], float) for s in sims])
        in90 = np.concatenate([np.asarray(s["in90"], float) for s in sims])
        n_el = len(sims[0]["in50"])
        groups[name] = {
            "elements": n_el,
            "n_sims": len(sims),
            "trials": int(in50.size),
            "coverage50": float(in50.mean()),
            "coverage90": float(in90.mean()),
            "band50_per_sim": binomial_band(len(sims), 0.5),
            "band90_per_sim": binomial_band(len(sims), 0.9),
            "band50_trials": binomial_band(int(in50.size), 0.5),
            "band90_trials": binomial_band(int(in90.size), 0.9),
        }
    conv = [par.convergence_brief(f) for f in fits]
    return {
        "n_sims": n_sims,
        "sampler": {"draws": draws, "tune": tune, "chains": chains, "sampler": spec.sampler.sampler},
        "truth_source": "one joint posterior draw per simulation from a reference fit of the real data",
        "shape": {
            "rows": int(len(obs)),
            "benchmarks": ref["coords"]["benchmark"],
            "domains": ref["coords"]["domain"],
        },
        "groups": groups,
        "per_sim": [
            {"seed": f["seed"], "convergence": c, "sim": info, "timings": f["timings"]}
            for f, c, info in zip(fits, conv, infos, strict=True)
        ],
        "n_converged": int(sum(c["converged"] for c in conv)),
        "total_divergences": int(sum(c["divergences"] for c in conv)),
        "reference_convergence": par.convergence_brief(ref),
        "band_note": "central 95% binomial range of the coverage fraction under nominal coverage; "
        "'per_sim' uses n = simulations (honest: elements within a simulation are dependent)",
        "wall_clock_s": time.perf_counter() - t0,
        "executor": executor.description,
    }
