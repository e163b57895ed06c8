"""How fragile the split between compute and algorithms is: the same model under alternative choices.

Variants (each a spec override of the base spec; all fits independent, run in parallel):

* ``base``: the spec as given;
* ``training_flop_only`` / ``both_measures``: the compute measure (whichever the base is not);
* ``frontier_only``: only results that were state of the art when published;
* ``gamma_prior_wide`` / ``gamma_prior_narrow``: ``mu_gamma`` and ``tau_gamma`` prior scales x2 and x0.5;
* ``drop:<benchmark>``: leave one benchmark (series) out at a time.

Per variant and domain: years-per-10x (``beta / gamma``) median and 90% interval, the probability that
each slope is negative (when ``P(beta < 0)`` is not high the ratio is not identified and is flagged), and
the wall years when :func:`forecast.forecasts.compute_forecasts` is available (otherwise the output
says so and carries years-per-10x only).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from forecast import policy
from forecast.config import Spec
from forecast.identification import ratio_identified, ratio_rule_text
from forecast.prepare import prepare_data
from forecast.validation import parallel as par


def variants(spec: Spec, series: list[str]) -> dict[str, dict[str, Any]]:
    """Return the variant overrides by name (``series`` = the base fit's benchmarks, for leave-one-out)."""
    pg, tg = spec.prior("mu_gamma"), spec.prior("tau_gamma")
    other = "training_flop" if spec.model.compute_measure != "training_flop" else "both"
    out: dict[str, dict[str, Any]] = {
        "base": {},
        f"{other}{'_only' if other == 'training_flop' else '_measures'}": {
            "model": {"compute_measure": other}
        },
        "frontier_only": {"model": {"frontier_only": True}},
        "gamma_prior_wide": {
            "priors": {
                "mu_gamma": {"mu": pg["mu"], "sigma": 2 * pg["sigma"]},
                "tau_gamma": {"sigma": 2 * tg["sigma"]},
            }
        },
        "gamma_prior_narrow": {
            "priors": {
                "mu_gamma": {"mu": pg["mu"], "sigma": 0.5 * pg["sigma"]},
                "tau_gamma": {"sigma": 0.5 * tg["sigma"]},
            }
        },
    }
    for s in series:
        out[f"drop:{s}"] = {"model": {"series": [x for x in series if x != s]}}
    return out


def summarise_variant(f: dict[str, Any]) -> dict[str, Any]:
    """Years-per-10x and slope signs per domain (and shared) of one fit."""
    lo, hi = policy.interval_bounds()
    d = f["draws"]
    rows: dict[str, Any] = {}
    ypt, beta, gamma = (par.stacked(d, k) for k in ("years_per_10x", "beta", "gamma"))
    for j, dom in enumerate(f["coords"]["domain"]):
        q = np.quantile(ypt[:, j], [lo, 0.5, hi])
        pb, pg = float(np.mean(beta[:, j] < 0)), float(np.mean(gamma[:, j] < 0))
        pp = float(np.mean(gamma[:, j] / beta[:, j] > 0))
        rows[dom] = {
            "median": float(q[1]),
            "low": float(q[0]),
            "high": float(q[2]),
            "p_beta_negative": pb,
            "p_gamma_negative": pg,
            "p_progress": pp,
            "identified": bool(ratio_identified(pb >= policy.IDENTIFIED_PROB, pp)),
        }
    out: dict[str, Any] = {
        "years_per_10x": rows,
        "n_obs": f["n_obs"],
        "benchmarks": f["coords"]["benchmark"],
        "convergence": par.convergence_brief(f),
        "timings": f["timings"],
    }
    if "years_per_10x_shared" in d:
        s = par.stacked(d, "years_per_10x_shared")
        q = np.quantile(s, [lo, 0.5, hi])
        out["years_per_10x_shared"] = {"median": float(q[1]), "low": float(q[0]), "high": float(q[2])}
    if "walls" in f:
        out["walls"] = f["walls"]
    return out


def run_sensitivity(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    only: list[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fit every variant (in parallel) and tabulate years-per-10x (and wall years when available)."""
    say = log or (lambda m: None)
    t0 = time.perf_counter()
    series = list(prepare_data(results, notable, prices, spec).series)
    var = variants(spec, series)
    if only:
        var = {k: v for k, v in var.items() if k in only}
    payloads = []
    for name, ov in var.items():
        s = par.validation_spec(
            spec,
            seed=policy.child_seed(spec.sampler.seed, "sensitivity", name),
            draws=draws,
            tune=tune,
            chains=chains,
            overrides=ov or None,
        )
        payloads.append(
            par.make_payload(s, results, notable, prices, label=f"sensitivity-{name}", walls=True)
        )
    say(f"sensitivity: {len(payloads)} fits on {executor.description}")
    fits = executor.map(par.fit_extract, payloads, log=say)
    table = {
        name: {"overrides": ov, **summarise_variant(f)}
        for (name, ov), f in zip(var.items(), fits, strict=True)
    }
    walls = [t.get("walls", {}) for t in table.values()]
    walls_ok = bool(walls) and all(w.get("available") for w in walls)
    return {
        "variants": table,
        "interval": policy.interval_label(),
        "identified_rule": ratio_rule_text(with_k=False),
        "walls_available": walls_ok,
        "walls_note": None
        if walls_ok
        else str(next((w.get("reason") for w in walls if not w.get("available")), "no variants"))
        + "; years-per-10x only",
        "sampler": {"draws": draws, "tune": tune, "chains": chains, "sampler": spec.sampler.sampler},
        "wall_clock_s": time.perf_counter() - t0,
        "executor": executor.description,
    }
