"""Which functional form: PSIS-LOO comparison of the logit, log and identity links on one scale.

Each link is fitted to the same results. The pointwise log-likelihood is put on the **error-rate
scale** by adding the log-Jacobian of the link (:func:`forecast.model.link_log_jacobian`), so the
three ELPDs are comparable. With ``compute_measure = 'both'`` the latent training compute of
hardware-burden-only results is integrated out of each pointwise likelihood (Gauss-Hermite), so
leaving one result out also leaves out its latent compute.

The identity link works on error rates directly (0-1) and needs smaller scale priors than the
link-scale defaults: :data:`IDENTITY_OVERRIDES` is passed for it, and reported in the output.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from forecast import policy
from forecast.config import Spec
from forecast.prepare import link_forward, link_log_jacobian
from forecast.validation import parallel as par
from forecast.validation.backtest import pointwise_loglik

LINKS = ("logit", "log", "identity")

IDENTITY_OVERRIDES: dict[str, Any] = {
    "priors": {
        "alpha_domain": {"mu": 0.2, "sigma": 0.3},
        "tau_alpha": {"sigma": 0.2},
        "mu_beta": {"mu": 0.0, "sigma": 0.1},
        "tau_beta": {"sigma": 0.05},
        "mu_gamma": {"mu": 0.0, "sigma": 0.05},
        "tau_gamma": {"sigma": 0.03},
        "sigma": {"sigma": 0.1},
        "frontier_intercept": {"mu": 0.2, "sigma": 0.3},
        "mu_frontier_rate": {"mu": 0.0, "sigma": 0.05},
        "tau_frontier_rate": {"sigma": 0.03},
        "frontier_sigma": {"sigma": 0.1},
    }
}
"""Scale priors for the identity link (error-rate units instead of logit units)."""


def link_payloads(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    seed: int,
    draws: int,
    tune: int,
    chains: int,
) -> list[dict[str, Any]]:
    """One fit per link (identity with :data:`IDENTITY_OVERRIDES`)."""
    out = []
    for link in LINKS:
        ov: dict[str, Any] = {"model": {"link": link}}
        if link == "identity":
            ov = {**IDENTITY_OVERRIDES, **ov}
        s = par.validation_spec(
            spec,
            seed=policy.child_seed(seed, "links", link),
            draws=draws,
            tune=tune,
            chains=chains,
            overrides=ov,
        )
        out.append(par.make_payload(s, results, notable, prices, label=f"link-{link}"))
    return out


def error_scale_loglik(fitres: dict[str, Any], link: str) -> np.ndarray:
    """Pointwise log-likelihood ``(chain, draw, obs)`` of the error rate (link log-Jacobian added)."""
    obs = fitres["obs"]
    ll = pointwise_loglik(fitres["draws"], obs, fitres["coords"]["benchmark"], fitres["coords"]["domain"])
    ll = ll + link_log_jacobian(obs["error"].to_numpy(), link)[None, :]
    shape = fitres["draws"]["alpha"].shape[:2]
    return ll.reshape(shape + (ll.shape[1],))


def _tree(ll: np.ndarray) -> Any:
    import xarray as xr

    ds = xr.Dataset(
        {"y": (("chain", "draw", "obs"), ll)},
        coords={
            "chain": np.arange(ll.shape[0]),
            "draw": np.arange(ll.shape[1]),
            "obs": np.arange(ll.shape[2]),
        },
    )
    post = xr.Dataset(
        {"dummy": (("chain", "draw"), np.zeros(ll.shape[:2]))},
        coords={"chain": ds["chain"], "draw": ds["draw"]},
    )
    return xr.DataTree.from_dict({"posterior": post, "log_likelihood": ds})


def loo_table(lls: dict[str, np.ndarray]) -> dict[str, Any]:
    """PSIS-LOO of each link and pairwise ELPD differences (with SE of the difference) to the best."""
    import arviz as az

    loos = {}
    pointwise = {}
    for link, ll in lls.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = az.loo(_tree(ll), pointwise=True, var_name="y")
        k = np.asarray(res.pareto_k).ravel()
        loos[link] = {
            "elpd_loo": float(res.elpd),
            "se": float(res.se),
            "p_loo": float(res.p),
            "pareto_k_max": float(np.nanmax(k)),
            "n_k_over_0.7": int(np.sum(k > 0.7)),
            "n_k_over_1": int(np.sum(k > 1.0)),
            "n": int(k.size),
            "warnings": sorted({str(w.message).splitlines()[0] for w in caught}),
        }
        pointwise[link] = np.asarray(res.elpd_i).ravel()
    best = max(loos, key=lambda m: float(loos[m]["elpd_loo"]))  # type: ignore[arg-type]
    for link in loos:
        diff = pointwise[best] - pointwise[link]
        loos[link]["elpd_diff"] = float(diff.sum())
        loos[link]["se_diff"] = float(np.sqrt(diff.size) * diff.std(ddof=1)) if link != best else 0.0
    return {"best": best, "table": loos}


def run_links(
    spec: Spec,
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    *,
    executor: Any,
    draws: int = 500,
    tune: int = 500,
    chains: int = 2,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fit the three links and compare them by PSIS-LOO on the error-rate scale."""
    say = log or (lambda m: None)
    t0 = time.perf_counter()
    payloads = link_payloads(
        spec, results, notable, prices, seed=spec.sampler.seed, draws=draws, tune=tune, chains=chains
    )
    say(f"links: {len(payloads)} fits on {executor.description}")
    fits = executor.map(par.fit_extract, payloads, log=say)
    lls = {}
    for link, f in zip(LINKS, fits, strict=True):
        # the identity fit's "y" is the error itself; rebuild it to be sure all links use the same rows
        f["obs"] = f["obs"].assign(y=link_forward(f["obs"]["error"].to_numpy(), link))
        lls[link] = error_scale_loglik(f, link)
    n = {link: f["n_obs"] for link, f in zip(LINKS, fits, strict=True)}
    if len(set(n.values())) != 1:
        raise RuntimeError(f"links were fitted on different rows: {n}")
    out = loo_table(lls)
    out.update(
        {
            "scale": "log density of the error rate "
            "(link log-Jacobian added to each pointwise log-likelihood)",
            "identity_prior_overrides": IDENTITY_OVERRIDES,
            "latent_compute": "integrated out of each pointwise likelihood (Gauss-Hermite)",
            "sampler": {"draws": draws, "tune": tune, "chains": chains, "sampler": spec.sampler.sampler},
            "convergence": {link: par.convergence_brief(f) for link, f in zip(LINKS, fits, strict=True)},
            "years_per_10x": {link: _ratio_summary(f) for link, f in zip(LINKS, fits, strict=True)},
            "wall_clock_s": time.perf_counter() - t0,
            "executor": executor.description,
        }
    )
    return out


def _ratio_summary(f: dict[str, Any]) -> dict[str, Any]:
    lo, hi = policy.interval_bounds()
    out = {}
    d = par.stacked(f["draws"], "years_per_10x")
    for j, dom in enumerate(f["coords"]["domain"]):
        q = np.quantile(d[:, j], [lo, 0.5, hi])
        out[dom] = {"median": float(q[1]), "low": float(q[0]), "high": float(q[2])}
    return out
