"""Parameter recovery for the version-2 options: floors, structural compute measurement, dynamics.

Same design as :mod:`forecast.validation.recovery` (truths = joint posterior draws of a reference fit of
the real data; simulated data sets with the real data's shape; coverage of 50% and 90% intervals with
binomial bands), with the version-2 data-generating process:

- true log compute ``x`` of every result: the truth's latent ``x`` (structural measurement) or the
  reported compute; training FLOP is re-measured as ``x + tf_sigma * t(nu_m)`` and hardware burden as
  ``x + hw_offset + hw_sigma * t(nu_m)`` on the rows that report them (rows whose real burden was
  screened as a definitional mismatch keep no burden, so the shape is unchanged);
- reducible log error ``alpha_b + beta_d x + gamma_d t + walk[b, bin]``; observed
  ``log(error) = log(floor_b + exp(.)) + sigma_d * t(nu)``.

Only the rows in the performance likelihood are kept in the simulated table, so the frontier points
(running bests) are simulated too: the floor they share with the performance part is the truth's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from forecast import policy
from forecast.config import Spec
from forecast.errors import ConfigError
from forecast.prepare import ModelData, prepare_data, year_bins
from forecast.validation import parallel as par
from forecast.validation.recovery import ERROR_CLIP, binomial_band, coverage_of, truth_from_reference

V2_GROUPS = (
    "floor", "hw_offset", "hw_sigma", "x", "rw_sigma", "walk", "beta", "gamma", "alpha", "sigma",
    "mu_beta", "years_per_10x",
)
"""Parameter groups checked: the new parameters first, then the slopes they could bias."""


def simulate_v2(
    results: pd.DataFrame, data: ModelData, truth: dict[str, Any], spec: Spec, rng: np.random.Generator
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The modelled rows of ``results`` with compute measurements and errors simulated at ``truth``."""
    val = {k: np.asarray(v["value"], dtype=float) for k, v in truth.items()}
    obs = data.obs
    m = spec.model
    cx = float(spec.centering["log10_flop"])
    si = obs["series_idx"].to_numpy()
    di = obs["domain_idx"].to_numpy()
    x_tf = obs["x_tf"].to_numpy(dtype=float)
    x_hw = obs["x_hw"].to_numpy(dtype=float)
    out = results.iloc[obs["_row"].to_numpy()].copy()
    info: dict[str, Any] = {"n_rows": len(obs)}
    priors: Any = spec.priors
    if "x" in val and len(val["x"]) == len(obs):
        x = val["x"]
        nu_m = float(priors["measurement_nu"])
        has_tf, has_hw = np.isfinite(x_tf), np.isfinite(x_hw)
        new_tf = x + float(priors["tf_sigma"]) * rng.standard_t(nu_m, len(obs))
        new_hw = x + val["hw_offset"][0] + val["hw_sigma"][0] * rng.standard_t(nu_m, len(obs))
        out["training_flop"] = np.where(has_tf, 10.0 ** (new_tf + cx), np.nan)
        out["hardware_burden_flop"] = np.where(has_hw, 10.0 ** (new_hw + cx), np.nan)
        info["n_mismatch_simulated"] = int((has_tf & has_hw & (new_hw < new_tf)).sum())
    else:
        x = np.where(np.isfinite(x_tf), x_tf, x_hw)
    mu = val["alpha"][si] + val["beta"][di] * x + val["gamma"][di] * obs["t"].to_numpy(dtype=float)
    if "walk" in val:
        bins = year_bins(data, m.dynamics_bin_years, float(spec.centering["year"]))
        walk = val["walk"].reshape(len(data.series), -1)
        mu = mu + walk[si, bins.obs_bin]
    nu = float(val["nu"][0]) if "nu" in val else None
    eps = rng.standard_t(nu, size=len(obs)) if nu is not None else rng.standard_normal(len(obs))
    floor = val["floor"][si] if "floor" in val else 0.0
    err = np.exp(np.logaddexp(np.log(floor) if "floor" in val else -np.inf, mu) + val["sigma"][di] * eps)
    info["clipped"] = int(((err < ERROR_CLIP) | (err > 1 - ERROR_CLIP)).sum())
    out["error"] = np.clip(err, ERROR_CLIP, 1 - ERROR_CLIP)
    return out, info


def run_recovery_v2(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    n_sims: int = 8,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Reference fit, ``n_sims`` simulated data sets (v2 process), one fit each, coverage per group."""
    if not spec.model.floors or spec.model.link != "log":
        raise ConfigError("recovery_v2 needs a spec with model.floors = true (log link); use recovery otherwise")
    say = log or (lambda m: None)
    t0 = time.perf_counter()
    seed = spec.sampler.seed
    results = results.copy()
    results["_row"] = np.arange(len(results))
    fit_kw: dict[str, int] = {"draws": draws, "tune": tune, "chains": chains}
    ref_spec = par.validation_spec(spec, seed=policy.child_seed(seed, "recovery_v2", "reference"),
                                   draws=draws, tune=tune, chains=chains)
    say(f"recovery_v2: reference fit on the real data ({executor.description})")
    ref_payload = par.make_payload(ref_spec, results, notable, prices, label="recovery_v2-reference",
                                   var_names=(*V2_GROUPS, "nu"))
    ref = executor.map(par.fit_extract, [ref_payload], log=say)[0]
    data = prepare_data(results, notable, prices, spec)
    n_draws = par.stacked(ref["draws"], "alpha").shape[0]
    payloads, truths, infos = [], [], []
    for i in range(n_sims):
        rng = np.random.default_rng(policy.child_seed(seed, "recovery_v2", i))
        truth = truth_from_reference(ref, int(rng.integers(0, n_draws)), names=(*V2_GROUPS, "nu"))
        sim, info = simulate_v2(results, data, truth, spec, rng)
        s = par.validation_spec(spec, seed=policy.child_seed(seed, "recovery_v2", i, "fit"),
                                draws=draws, tune=tune, chains=chains)
        payloads.append(par.make_payload(s, sim, notable, prices, label=f"recovery_v2-{i}", var_names=V2_GROUPS))
        truths.append({k: v for k, v in truth.items() if k != "nu"})
        infos.append(info)
    say(f"recovery_v2: {n_sims} simulated fits")
    fits = executor.map(par.fit_extract, payloads, log=say)
    per_sim = [coverage_of(f, t) for f, t in zip(fits, truths, strict=True)]
    groups: dict[str, Any] = {}
    for name in V2_GROUPS:
        sims = [p[name] for p in per_sim if name in p]
        if not sims:
            continue
        in50 = np.concatenate([np.asarray(s["in50"], float) for s in sims])
        in90 = np.concatenate([np.asarray(s["in90"], float) for s in sims])
        band90 = binomial_band(len(sims), 0.9)
        groups[name] = {
            "elements": len(sims[0]["in50"]),
            "n_sims": len(sims),
            "coverage50": float(in50.mean()),
            "coverage90": float(in90.mean()),
            "band50_per_sim": binomial_band(len(sims), 0.5),
            "band90_per_sim": band90,
            "passes": bool(band90[0] <= float(in90.mean()) <= 1.0),
        }
    conv = [par.convergence_brief(f) for f in fits]
    return {
        "n_sims": n_sims,
        "sampler": {**fit_kw, "sampler": spec.sampler.sampler},
        "truth_source": "one joint posterior draw per simulation from a reference fit of the real data (v2)",
        "groups": groups,
        "per_sim": [{"seed": f["seed"], "convergence": c, "sim": info}
                    for f, c, info in zip(fits, conv, infos, strict=True)],
        "n_converged": int(sum(c["converged"] for c in conv)),
        "total_divergences": int(sum(c["divergences"] for c in conv)),
        "shape": {"rows": int(data.n_obs), "benchmarks": list(data.series), "domains": list(data.domains)},
        "reference_convergence": par.convergence_brief(ref),
        "wall_clock_s": time.perf_counter() - t0,
        "executor": executor.description,
    }
