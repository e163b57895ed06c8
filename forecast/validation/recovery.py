"""Parameter recovery: simulate data sets from the model at known parameters, fit each, count coverage.

Known parameters: for simulation ``i`` one joint draw of every free parameter is taken from a
reference fit of the real data (seeded), so the truths are realistic values rather than extreme
prior draws. Each simulated data set has exactly the shape of the real one, and is drawn by the
model itself (:func:`simulate_observed`: PyMC's forward sampling with every free variable held at the
truth), so simulator and model cannot disagree.

What is simulated and what stays real: every *observed* variable of the model is redrawn (the
performance outcomes ``y``, the companion parts' observations, and the compute measurements where
the model treats them as measurements: ``hw_pairs`` under ``compute_measurement = "berkson"``,
``tf_meas`` and ``hw_meas`` under ``"structural"``). Everything the graph holds as a constant keeps
the real data's value: the years, benchmarks and domains, which rows carry which measurement, the
centring constants (each benchmark's mean compute and year), the random walk's year bins, the floor
priors (scaled by each benchmark's real centre error) and, under ``"berkson"``, the reported training
FLOP ``x`` (a constant of that graph; burden-only rows get ``x`` from the truth's latent ``z_x``). The
real data's screening of burden below training FLOP is not re-applied: the model does not truncate.

Speed: as in :mod:`.sbc`, the model is built once on the real data's shape with swappable observed
values (:func:`.fastfit.observed_as_data`) and compiled once per worker (``--workers`` chunks) plus
once for the reference fit; a simulation only swaps the observations (``CompiledModel.with_data``).

Reported per parameter group: coverage of the 50% and 90% equal-tailed intervals over all
simulations and elements, with the binomial band (central 95%) that nominal coverage allows for the
number of simulations (per element: the honest band, elements within a simulation are dependent) and
for the number of (simulation, element) trials. Elements that are constant in the reference posterior
(the random walk's anchor bins, fixed at 0) are left out. A group passes when both coverages lie in
their per-simulation bands.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from forecast import policy
from forecast.config import Spec, spec_from_json
from forecast.errors import ConfigError
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
"""Parameter groups checked for the version-1 model (those a spec lacks are skipped)."""


SMALL_GROUP = 10
"""Groups with at most this many elements keep each simulation's ranks in the output (for diagnosis)."""


def expected_flags(n_groups: int, mass: float = 0.95) -> float:
    """Groups expected outside a band by chance under exact calibration (two 95% bands per group).

    Upper bound treating the two levels as independent; the binomial bands hold at least ``mass``.
    """
    return float(n_groups * (1 - mass**2))


def binomial_band(n: int, p: float, mass: float = 0.95) -> list[float]:
    """Central ``mass`` range of the coverage fraction when each of ``n`` trials covers with prob ``p``."""
    if n <= 0:
        return [float("nan"), float("nan")]
    lo = stats.binom.ppf((1 - mass) / 2, n, p) / n
    hi = stats.binom.ppf(1 - (1 - mass) / 2, n, p) / n
    return [float(lo), float(hi)]


# ----------------------------------------------------------------------------- worker side
def _compiled_model(payload: dict[str, Any]) -> tuple[Spec, Any, list[str], Any, float]:
    """Build the payload's model with swappable observations and compile it once (in a worker)."""
    import os

    import nutpie

    from forecast.fit import configure_pytensor
    from forecast.validation.sbc import _model_for

    os.environ.update(par._THREAD_ENV)
    configure_pytensor()
    t0 = time.perf_counter()
    spec = spec_from_json(payload["spec_json"])
    _, model, names = _model_for(spec, payload["results"], payload["notable"], payload["prices"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("pymc").setLevel(logging.ERROR)
        compiled = nutpie.compile_pymc_model(model, freeze_model=False)
    return spec, model, names, compiled, time.perf_counter() - t0


def _sample(compiled: Any, observed: dict[str, np.ndarray] | None, spec: Spec, seed: int,
            payload: dict[str, Any]) -> Any:
    from forecast.validation.fastfit import sample_compiled

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sample_compiled(compiled, observed, draws=payload["draws"], tune=payload["tune"],
                               chains=payload["chains"], seed=seed, target_accept=spec.sampler.target_accept,
                               adaptation=spec.sampler.adaptation)


def _convergence(trace: Any, free: list[str]) -> dict[str, Any]:
    """Classic split R-hat over the free variables and the divergence count (cheap; see :mod:`.sbc`)."""
    from forecast.validation.sbc import max_split_rhat

    rhat = max_split_rhat(trace["posterior"].to_dataset(), free)
    div = int(np.asarray(trace["sample_stats"].to_dataset()["diverging"].values).sum())
    return {"converged": bool(rhat <= policy.RHAT_MAX and div <= policy.DIVERGENCES_MAX),
            "max_rhat": rhat, "divergences": div}


def reference_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Fit the real data once (compiled swappable model); return the posterior of every variable."""
    spec, model, _, compiled, t_compile = _compiled_model(payload)
    t = time.perf_counter()
    trace = _sample(compiled, None, spec, payload["seed"], payload)
    return {"posterior": trace["posterior"].to_dataset(),
            "convergence": _convergence(trace, [rv.name for rv in model.free_RVs]),
            "compile_s": t_compile, "fit_s": time.perf_counter() - t}


def interval_hits(draws: np.ndarray, truth: np.ndarray) -> dict[str, list[Any]]:
    """Whether each truth lies in the central 50% and 90% intervals of ``draws`` (draws x elements)."""
    lo50, hi50 = policy.interval_bounds(policy.INNER_INTERVAL_PROB)
    lo90, hi90 = policy.interval_bounds(policy.INTERVAL_PROB)
    d = np.asarray(draws, dtype=float).reshape(draws.shape[0], -1)
    true = np.asarray(truth, dtype=float).ravel()
    q = np.quantile(d, [lo90, lo50, hi50, hi90], axis=0)
    return {"in50": ((true >= q[1]) & (true <= q[2])).tolist(),
            "in90": ((true >= q[0]) & (true <= q[3])).tolist(),
            "rank": np.mean(d < true[None, :], axis=0).tolist()}


def fits_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Compile once, then fit each simulation of the chunk and score its truths (the unit of work)."""
    t0 = time.perf_counter()
    spec, model, _, compiled, t_compile = _compiled_model(payload)
    free = [rv.name for rv in model.free_RVs]
    out = []
    for sim in payload["sims"]:
        t = time.perf_counter()
        trace = _sample(compiled, sim["observed"], spec, sim["seed"], payload)
        post = trace["posterior"].to_dataset()
        hits = {}
        for name, tv in sim["truth"].items():
            a = np.asarray(post[name].values, dtype=float)
            flat = a.reshape(a.shape[0] * a.shape[1], -1)[:, np.asarray(tv["keep"], dtype=int)]
            hits[name] = interval_hits(flat, np.asarray(tv["value"], dtype=float))
        out.append({"index": sim["index"], "seed": sim["seed"], "hits": hits,
                    "convergence": _convergence(trace, free), "fit_s": time.perf_counter() - t})
    return {"sims": out, "compile_s": t_compile, "task_s": time.perf_counter() - t0}


# ----------------------------------------------------------------------------- main process
def element_labels(da: Any) -> list[str]:
    """Labels of the elements of a posterior variable (dims after chain, draw), in C order."""
    dims = [str(d) for d in da.dims[2:]]
    if not dims:
        return [str(da.name)]
    coords = [np.asarray(da.coords[d].values) if d in da.coords else np.arange(da.sizes[d]) for d in dims]
    grid = np.meshgrid(*coords, indexing="ij")
    return ["/".join(str(g.ravel()[i]) for g in grid) for i in range(grid[0].size)]


def truths_from(posterior: Any, index: int, groups: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Draw ``index`` (chains stacked) of each group; elements constant over the posterior are left out."""
    out = {}
    for name in groups:
        if name not in posterior:
            continue
        a = np.asarray(posterior[name].values, dtype=float)
        flat = a.reshape(a.shape[0] * a.shape[1], -1)
        keep = np.flatnonzero(np.ptp(flat, axis=0) > 0)
        if keep.size:
            out[name] = {"value": flat[index, keep].tolist(), "keep": keep.tolist()}
    return out


def simulate_observed(model: Any, names: Sequence[str], posterior: Any, indices: Sequence[int],
                      seed: int) -> list[dict[str, np.ndarray]]:
    """One data set per draw in ``indices``: the model's observed variables drawn at that posterior draw.

    Every free variable is held at the draw (PyMC's forward sampling freezes variables found in the
    trace); only the observed variables are drawn.
    """
    import pymc as pm
    import xarray as xr

    free = [rv.name for rv in model.free_RVs]
    idx = np.asarray(indices, dtype=int)
    data_vars = {}
    for name in free:
        da = posterior[name]
        a = np.asarray(da.values)
        a = a.reshape(a.shape[0] * a.shape[1], *a.shape[2:])[idx][None]
        data_vars[name] = (("chain", "draw", *da.dims[2:]), a)
    coords = {d: posterior.coords[d].values for d in posterior.coords if d not in ("chain", "draw")}
    trace = xr.Dataset(data_vars, coords={**coords, "chain": [0], "draw": np.arange(len(idx))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("pymc").setLevel(logging.ERROR)
        pp = pm.sample_posterior_predictive(trace, model=model, var_names=list(names), freeze_vars=free,
                                            random_seed=seed, progressbar=False,
                                            compile_kwargs={"mode": "FAST_COMPILE"})
    ds = pp["posterior_predictive"].to_dataset()
    return [{o: np.asarray(ds[o].values[0, i]) for o in names} for i in range(len(idx))]


def summarise_groups(per_sim: Sequence[dict[str, Any]], labels: dict[str, list[str]]) -> dict[str, Any]:
    """Coverage per group over simulations, bands, pass flag and the worst element's 90% coverage."""
    groups: dict[str, Any] = {}
    names = [g for g in labels if any(g in s["hits"] for s in per_sim)]
    for name in names:
        sims = [s["hits"][name] for s in per_sim if name in s["hits"]]
        in50 = np.array([h["in50"] for h in sims], dtype=float)
        in90 = np.array([h["in90"] for h in sims], dtype=float)
        n = len(sims)
        b50, b90 = binomial_band(n, 0.5), binomial_band(n, 0.9)
        c50, c90 = float(in50.mean()), float(in90.mean())
        per_el90 = in90.mean(axis=0)
        worst = int(np.argmin(per_el90))
        groups[name] = {
            "elements": int(in50.shape[1]),
            "n_sims": n,
            "trials": int(in50.size),
            "coverage50": c50,
            "coverage90": c90,
            "band50_per_sim": b50,
            "band90_per_sim": b90,
            "band50_trials": binomial_band(int(in50.size), 0.5),
            "band90_trials": binomial_band(int(in90.size), 0.9),
            "worst_element": {"label": labels[name][worst], "coverage90": float(per_el90[worst])},
            "mean_rank": float(np.mean([np.mean(h["rank"]) for h in sims])),
            "passes": bool(b50[0] <= c50 <= b50[1] and b90[0] <= c90 <= b90[1]),
        }
    return groups


def run_compiled_recovery(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    groups: Sequence[str],
    label: str,
    n_sims: int,
    draws: int,
    tune: int,
    chains: int,
    chunks: int = 2,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Reference fit, ``n_sims`` data sets drawn by the model at reference draws, one fit each, coverage.

    Raises
    ------
    ConfigError
        ``n_sims``, ``draws``, ``tune``, ``chains`` or ``chunks`` is not a positive integer.
    """
    for key, value in (("n_sims", n_sims), ("draws", draws), ("tune", tune), ("chains", chains),
                       ("chunks", chunks)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"{label}: {key} must be a positive integer, got {value!r}")
    from forecast.validation.sbc import _model_for

    say = log or (lambda m: None)
    t0 = time.perf_counter()
    seed = spec.sampler.seed
    vspec = par.validation_spec(spec, seed=policy.child_seed(seed, label, "reference"),
                                draws=draws, tune=tune, chains=chains)
    base = {"spec_json": vspec.to_json(), "results": results, "notable": notable, "prices": prices,
            "draws": draws, "tune": tune, "chains": chains}
    say(f"{label}: reference fit on the real data ({executor.description})")
    ref = executor.map(reference_task, [{**base, "seed": vspec.sampler.seed}], log=say)[0]
    post = ref["posterior"]
    data, model, names = _model_for(vspec, results, notable, prices)
    n_draws = post.sizes["chain"] * post.sizes["draw"]
    picks = [int(np.random.default_rng(policy.child_seed(seed, label, i)).integers(0, n_draws))
             for i in range(n_sims)]
    t_sim = time.perf_counter()
    observed = simulate_observed(model, names, post, picks, policy.child_seed(seed, label, "simulate"))
    t_sim = time.perf_counter() - t_sim
    sims: list[dict[str, Any]] = []
    infos: list[dict[str, Any]] = []
    truths = [truths_from(post, pick, groups) for pick in picks]
    for i, (pick, obs, truth) in enumerate(zip(picks, observed, truths, strict=True)):
        sims.append({"index": i, "seed": policy.child_seed(seed, label, i, "fit"), "truth": truth, "observed": obs})
        info: dict[str, Any] = {"reference_draw": pick}
        if spec.model.link == "log":
            info["errors_above_1"] = int((obs["y"] > 0).sum())  # log link: the model allows them
        infos.append(info)
    labels = {g: [element_labels(post[g])[k] for k in truths[0][g]["keep"]] for g in groups if g in truths[0]}
    k = max(1, min(int(chunks), n_sims))
    say(f"{label}: {n_sims} simulated fits in {k} chunk(s) (one compile each) on {executor.description}")
    parts = executor.map(fits_task, [{**base, "sims": sims[j::k]} for j in range(k)], log=say)
    per_sim = sorted((s for p in parts for s in p["sims"]), key=lambda s: s["index"])
    table = summarise_groups(per_sim, labels)
    conv = [s["convergence"] for s in per_sim]
    return {
        "n_sims": n_sims,
        "spec": spec.model.name,
        "sampler": {"draws": draws, "tune": tune, "chains": chains,
                    "sampler": "nutpie (compiled once per chunk)", "target_accept": vspec.sampler.target_accept},
        "truth_source": "one joint posterior draw per simulation from a reference fit of the real data; "
        "data drawn by the model at that draw (observed variables only)",
        "simulated": sorted(names),
        "shape": {"rows": int(data.n_obs), "benchmarks": list(data.series), "domains": list(data.domains)},
        "groups": table,
        "failing_groups": [g for g, v in table.items() if not v["passes"]],
        "per_sim": [{**info, "seed": s["seed"], "convergence": s["convergence"], "fit_s": s["fit_s"],
                     "ranks": {g: h["rank"] for g, h in s["hits"].items() if len(h["rank"]) <= SMALL_GROUP}}
                    for s, info in zip(per_sim, infos, strict=True)],
        "expected_flags": expected_flags(len(table)),
        "n_converged": int(sum(c["converged"] for c in conv)),
        "total_divergences": int(sum(c["divergences"] for c in conv)),
        "reference_convergence": ref["convergence"],
        "model_compiles": 1 + k,
        "compile_s": [ref["compile_s"], *(p["compile_s"] for p in parts)],
        "simulate_s": t_sim,
        "fit_s_median": float(np.median([s["fit_s"] for s in per_sim])),
        "band_note": "central 95% binomial range of the coverage fraction under nominal coverage; "
        "'per_sim' uses n = simulations (honest: elements within a simulation are dependent)",
        "wall_clock_s": time.perf_counter() - t0,
        "executor": executor.description,
    }


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
    chunks: int = 2,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Parameter recovery of the version-1 groups (:data:`GROUPS`); see :func:`run_compiled_recovery`."""
    return run_compiled_recovery(spec, results, notable, prices, executor=executor, groups=GROUPS,
                                 label="recovery", n_sims=n_sims, draws=draws, tune=tune, chains=chains,
                                 chunks=chunks, log=log)
