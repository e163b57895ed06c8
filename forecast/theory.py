"""Thompson et al.'s first finding and their decomposition, from the posterior draws.

- **Implied scaling exponent** ``k``: compute ~ (1/error)^k at the domain's best error with the year
  held fixed, i.e. ``k = -ln(10) / (d ln(error) / d log10 FLOP)``. On each link the derivative of the
  log error is ``beta`` (log link; with floors: of the *reducible* error, error - floor),
  ``beta * (1 - e)`` (logit) or ``beta / e`` (identity). Draws with ``beta >= 0`` (compute does not
  help) have ``k = +inf``. Theory's bound is ``k = 4`` (:data:`forecast.policy.THEORY_EXPONENT`);
  Thompson et al. observed ``k >= 9``.
- **Decomposition** of each domain's improvement between its first and its best state-of-the-art
  result with compute (main benchmark): on the model's scale the fitted improvement is
  ``-beta * dx`` from more compute plus ``-(gamma * dt + walk(t1) - walk(t0))`` from better
  algorithms; the shares are their fractions of the sum, draw by draw.
- **ImageNet check** (issue 12): the compute the model says 5.75% top-1 error needs, against the
  largest compute ever spent on an ImageNet result, and the decades of compute the data's algorithmic
  progress accounts for since then.

Nothing here samples; old runs (without ``floor`` or ``walk``) work unchanged.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecast import policy
from forecast.forecasts import SAMPLE_DIMS, last_data_year, log_of, main_benchmarks, summarize, walk_at
from forecast.identification import exponent_identified, exponent_quantiles
from forecast.prepare import link_forward, link_inverse, year_bins
from forecast.run import Run

LN10 = math.log(10.0)

IMAGENET_SERIES = "imagenet/top1"
IMAGENET_TARGET_ERROR = 0.0575
"""Thompson et al.'s ImageNet projection target (top-1 error)."""


def _main_best_error(run: Run) -> xr.DataArray:
    mains = main_benchmarks(run.data)
    best = run.data.best.set_index("series")["best_error"]
    doms = list(mains)
    return xr.DataArray([float(best[mains[d]]) for d in doms], dims="domain", coords={"domain": doms})


def log_error_slope(beta: xr.DataArray, error: xr.DataArray | float, link: str, floors: bool) -> Any:
    """Slope d ln(error) / d log10 FLOP at ``error`` (of the reducible error with floors) for a link-scale slope."""
    if floors or link == "log":
        return beta
    if link == "logit":
        return beta * (1.0 - error)
    return beta / error


def exponent_from_slope(slope: xr.DataArray) -> xr.DataArray:
    """``k = -ln(10) / slope`` where the slope is negative, ``+inf`` where compute does not help."""
    with np.errstate(divide="ignore"):
        return xr.where(slope < 0, -LN10 / slope, np.inf)


def implied_exponent(run: Run) -> tuple[xr.DataArray, xr.DataArray]:
    """Draws of ``k`` per domain (at its main benchmark's best error) and shared (``mu_beta``).

    The shared exponent is evaluated at the median of the domains' best errors (it matters only for
    the logit and identity links).
    """
    post, m = run.posterior, run.spec.model
    e = _main_best_error(run)
    beta = post["beta"].sel(domain=e["domain"])
    k = exponent_from_slope(log_error_slope(beta, e, m.link, m.floors))
    e_shared = float(np.median(e.values))
    k_shared = exponent_from_slope(log_error_slope(post["mu_beta"], e_shared, m.link, m.floors))
    return k.rename("k"), k_shared.rename("k_shared")


def _walk_at_bins(run: Run, bench: str, years: tuple[float, float]) -> xr.DataArray | float:
    post = run.posterior
    if "walk" not in post:
        return 0.0
    bins = year_bins(run.data, run.spec.model.dynamics_bin_years, float(run.spec.centering["year"]))
    idx = np.clip(bins.index(np.asarray(years)), 0, post.sizes["year_bin"] - 1)
    w = post["walk"].sel(benchmark=bench)
    return w.isel(year_bin=int(idx[1])) - w.isel(year_bin=int(idx[0]))


def decomposition(run: Run) -> xr.Dataset:
    """Per domain: improvement from more compute and from better algorithms (draws), and their shares.

    Uses the main benchmark's state-of-the-art results in the likelihood: the first one and the best
    one. Compute enters as the model's compute for those results (latent when measured with noise).
    """
    post, data = run.posterior, run.data
    obs = data.obs
    frontier = np.asarray(obs["frontier"]).astype(str) == "True" if "frontier" in obs else np.ones(len(obs), bool)
    parts: dict[str, list[xr.DataArray]] = {"compute": [], "algorithms": []}
    meta: dict[str, list[Any]] = {"first_model": [], "last_model": [], "first_year": [], "last_year": []}
    domains = []
    series = obs["series"].to_numpy()
    years = obs["year"].to_numpy(dtype=float)
    errors = obs["error"].to_numpy(dtype=float)
    t = obs["t"].to_numpy(dtype=float)
    names = obs["model"].astype(str).to_numpy() if "model" in obs else np.arange(len(obs)).astype(str)
    latent = "x" in post and "obs" in post["x"].dims
    x_data = obs["x"].to_numpy(dtype=float)
    for dom, bench in main_benchmarks(data).items():
        rows = np.flatnonzero(frontier & (series == bench))  # positions (obs has a RangeIndex)
        if len(rows) < 2:
            continue
        i0 = int(rows[np.argmin(years[rows])])
        i1 = int(rows[np.argmin(errors[rows])])
        if i0 == i1:
            continue
        if latent:
            xs = post["x"].isel(obs=[i0, i1])
            dx = xs.isel(obs=1, drop=True) - xs.isel(obs=0, drop=True)
        else:
            dx = xr.DataArray(float(x_data[i1] - x_data[i0]))
        beta, gamma = post["beta"].sel(domain=dom, drop=True), post["gamma"].sel(domain=dom, drop=True)
        walk = _walk_at_bins(run, bench, (float(years[i0]), float(years[i1])))
        parts["compute"].append(-beta * dx)
        parts["algorithms"].append(-(gamma * float(t[i1] - t[i0]) + walk))
        meta["first_model"].append(str(names[i0]))
        meta["last_model"].append(str(names[i1]))
        meta["first_year"].append(float(years[i0]))
        meta["last_year"].append(float(years[i1]))
        domains.append(dom)
    dim = xr.DataArray(domains, dims="domain", name="domain")
    if not domains:
        return xr.Dataset(coords={"domain": dim})
    compute = xr.concat(parts["compute"], dim=dim)
    algorithms = xr.concat(parts["algorithms"], dim=dim)
    total = compute + algorithms
    ds = xr.Dataset(
        {
            "improvement_compute": compute,
            "improvement_algorithms": algorithms,
            "improvement_total": total,
            "share_compute": compute / total,
            "share_algorithms": algorithms / total,
        }
    )
    for name, values in meta.items():
        ds = ds.assign_coords({name: ("domain", values)})
    return ds


def theory_table(k: xr.DataArray, decomp: xr.Dataset) -> pd.DataFrame:
    """Per domain: k (median, 90%), P(k > 4), identified (the one rule), compute and algorithm shares."""
    lo, hi = policy.interval_bounds()
    qk = exponent_quantiles(k, [0.5, lo, hi]).assign_coords(quantile=["median", "lo", "hi"])
    ident = exponent_identified(k)
    rows = []
    for dom in k["domain"].values:
        row: dict[str, Any] = {"domain": str(dom)}
        for stat in ("median", "lo", "hi"):
            row[f"k_{stat}"] = float(qk.sel(quantile=stat, domain=dom))
        row["p_k_above_theory"] = float((k.sel(domain=dom) > policy.THEORY_EXPONENT).mean(SAMPLE_DIMS))
        row["identified"] = bool(ident.sel(domain=dom))
        if "domain" in decomp.coords and dom in decomp["domain"].values:
            for var in ("share_compute", "share_algorithms"):
                q = summarize(decomp[var].sel(domain=dom))
                for stat in ("median", "lo", "hi"):
                    row[f"{var}_{stat}"] = float(q[stat])
            row["from_model"] = str(decomp["first_model"].sel(domain=dom).item())
            row["to_model"] = str(decomp["last_model"].sel(domain=dom).item())
        rows.append(row)
    df = pd.DataFrame(rows)
    df["theory_k"] = policy.THEORY_EXPONENT
    return df


def imagenet_check(run: Run, error: float = IMAGENET_TARGET_ERROR) -> dict[str, Any]:
    """Compute for ``error`` top-1 ImageNet error in the last data year vs the largest compute spent.

    Returns medians and 90% bounds of log10 FLOP needed, the largest log10 compute of any ImageNet
    result (training FLOP, or hardware burden), and the decades of compute that algorithmic progress
    (the posterior's gamma/beta) accounts for between that result's year and the last data year.
    Empty when the run has no ImageNet top-1 series.
    """
    data, post, spec = run.data, run.posterior, run.spec
    if IMAGENET_SERIES not in data.series:
        return {}
    cx, ct = float(spec.centering["log10_flop"]), float(spec.centering["year"])
    t0 = last_data_year(data)
    dom = data.domains[int(data.series_domain[list(data.series).index(IMAGENET_SERIES)])]
    alpha = post["alpha"].sel(benchmark=IMAGENET_SERIES, drop=True)
    beta, gamma = post["beta"].sel(domain=dom, drop=True), post["gamma"].sel(domain=dom, drop=True)
    if "floor" in post:
        red = error - post["floor"].sel(benchmark=IMAGENET_SERIES, drop=True)
        y = log_of(red.where(red > 0))
    else:
        y = xr.DataArray(float(link_forward(np.array(error), spec.model.link)))
    walk: xr.DataArray | float = 0.0
    if "walk" in post:
        at_t0 = walk_at(run, xr.DataArray([float(t0)], dims="year", coords={"year": [t0]}))
        walk = at_t0.sel(benchmark=IMAGENET_SERIES, year=t0, drop=True) if isinstance(at_t0, xr.DataArray) else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        log10_flop = (y - alpha - gamma * (t0 - ct) - walk) / beta + cx
    obs = data.obs[data.obs["series"] == IMAGENET_SERIES]
    tf = obs["x_tf" if "x_tf" in obs else "x"].to_numpy(dtype=float) + cx
    hw = obs["x_hw"].to_numpy(dtype=float) + cx if "x_hw" in obs else np.full(len(obs), np.nan)
    spent = np.fmax(np.nan_to_num(tf, nan=-np.inf), np.nan_to_num(hw, nan=-np.inf))
    i_max = int(np.argmax(spent))
    names = obs["model"].to_numpy() if "model" in obs else obs.index.to_numpy()
    years_since = max(float(t0 - obs["year"].to_numpy(dtype=float)[i_max]), 0.0)
    progress = (gamma / beta) * years_since  # decades of compute saved by algorithms since then
    q = summarize(xr.DataArray(log10_flop))
    qp = summarize(progress)
    gap = float(spent[i_max]) - float(q["median"])
    return {
        "error": error,
        "year": t0,
        "log10_flop_median": float(q["median"]),
        "log10_flop_lo": float(q["lo"]),
        "log10_flop_hi": float(q["hi"]),
        "p_below_floor": float(np.isnan(log10_flop).mean()),
        "floor_median": (float(post["floor"].sel(benchmark=IMAGENET_SERIES).median()) if "floor" in post
                         else float("nan")),
        "max_log10_flop_spent": float(spent[i_max]),
        "max_model": str(names[i_max]),
        "max_year": float(obs["year"].to_numpy(dtype=float)[i_max]),
        "decades_below_max": gap,
        "progress_decades_since_max_median": float(qp["median"]),
        "progress_decades_since_max_lo": float(qp["lo"]),
        "progress_decades_since_max_hi": float(qp["hi"]),
        "within_progress": bool(gap <= float(qp["hi"])),
    }


PRIOR_CHECK_LOG10_FLOP = 23.0
PRIOR_CHECK_YEAR = 2030


def prior_error_check(run: Run, log10_flop: float = PRIOR_CHECK_LOG10_FLOP,
                      year: int = PRIOR_CHECK_YEAR) -> pd.DataFrame:
    """What the priors alone allow: error of a ``10**log10_flop`` FLOP model in ``year`` per domain.

    Reads the run's ``prior`` group (prior draws stored by :func:`forecast.fit.fit`); empty when the run
    has none. Per domain (main benchmark): median and 90% interval of the error, the share of draws in
    (0, 1), and the share below the best published error.
    """
    if "prior" not in run.trace.children:
        return pd.DataFrame()
    prior = run.trace["prior"].to_dataset()
    if not {"alpha", "beta", "gamma"} <= set(prior.data_vars):
        return pd.DataFrame()
    as_run = Run(trace=xr.DataTree.from_dict({"posterior": prior}), data=run.data, spec=run.spec,
                 checks=run.checks)
    cx, ct = float(run.spec.centering["log10_flop"]), float(run.spec.centering["year"])
    when = xr.DataArray([float(year)], dims="year", coords={"year": [year]})
    walk = walk_at(as_run, when)
    best = run.data.best.set_index("series")["best_error"]
    lo, hi = policy.interval_bounds()
    rows = []
    for dom, bench in main_benchmarks(run.data).items():
        mu = (prior["alpha"].sel(benchmark=bench) + prior["beta"].sel(domain=dom) * (log10_flop - cx)
              + prior["gamma"].sel(domain=dom) * (year - ct))
        if isinstance(walk, xr.DataArray):
            mu = mu + walk.sel(benchmark=bench, year=year)
        if "floor" in prior:
            err = prior["floor"].sel(benchmark=bench) + np.exp(mu)
        else:
            err = link_inverse(mu, run.spec.model.link)
        e = np.asarray(err.values, dtype=float).ravel()
        e = e[np.isfinite(e)]
        rows.append({
            "domain": dom, "benchmark": bench, "log10_flop": log10_flop, "year": year,
            "error_median": float(np.median(e)), "error_lo": float(np.quantile(e, lo)),
            "error_hi": float(np.quantile(e, hi)), "p_in_0_1": float(np.mean((e > 0) & (e < 1))),
            "p_below_best": float(np.mean(e < float(best[bench]))), "best_error": float(best[bench]),
        })
    return pd.DataFrame(rows)


def format_theory(table: pd.DataFrame, check: dict[str, Any], prior: pd.DataFrame | None = None) -> str:
    """Text block for the summary: k vs theory, the decomposition, the ImageNet check, the prior check."""
    label = policy.interval_label()
    lines = [f"Scaling exponent k (compute ~ (1/error)^k at the best error, year fixed; {label}); theory: "
             f"k = {policy.THEORY_EXPONENT:g}, Thompson et al. observed k >= 9:"]
    for _, r in table.iterrows():
        share = ""
        if "share_compute_median" in r and np.isfinite(r.get("share_compute_median", np.nan)):
            share = (f"; share of improvement from compute {r['share_compute_median']:.0%} "
                     f"[{r['share_compute_lo']:.0%}, {r['share_compute_hi']:.0%}] ({r['from_model']} -> "
                     f"{r['to_model']})")
        flag = "" if r["identified"] else "  NOT IDENTIFIED"
        lines.append(f"  {r['domain']:26s} k {r['k_median']:.3g} [{r['k_lo']:.3g}, {r['k_hi']:.3g}], "
                     f"P(k > {policy.THEORY_EXPONENT:g}) = {r['p_k_above_theory']:.2f}{share}{flag}")
    if check and check["p_below_floor"] >= 0.5:
        lines.append(
            f"ImageNet top-1 error {check['error']:.2%}: unattainable in {check['p_below_floor']:.0%} of draws, "
            f"below the error floor (posterior median {check['floor_median']:.2%}); largest compute spent on an "
            f"ImageNet result: 10^{check['max_log10_flop_spent']:.1f} ({check['max_model']}, {check['max_year']:.0f})"
        )
    elif check:
        lines.append(
            f"ImageNet top-1 error {check['error']:.2%} in {check['year']}: 10^{check['log10_flop_median']:.1f} FLOP "
            f"[10^{check['log10_flop_lo']:.1f}, 10^{check['log10_flop_hi']:.1f}]"
            + (f" (below the floor in {check['p_below_floor']:.0%} of draws)" if check["p_below_floor"] > 0 else "")
            + f"; largest compute spent on an ImageNet result: 10^{check['max_log10_flop_spent']:.1f} "
            f"({check['max_model']}, {check['max_year']:.0f}); the projection is {-check['decades_below_max']:+.1f} "
            f"decades from it; algorithmic progress since then accounts for "
            f"{check['progress_decades_since_max_median']:.1f} [{check['progress_decades_since_max_lo']:.1f}, "
            f"{check['progress_decades_since_max_hi']:.1f}] decades"
        )
    if prior is not None and len(prior):
        r0 = prior.iloc[0]
        lines.append(f"Prior predictive check: error the priors allow for a 10^{r0['log10_flop']:g} FLOP model in "
                     f"{int(r0['year'])} (median [{label}]; share of draws in (0, 1); share below today's best):")
        for _, r in prior.iterrows():
            lines.append(f"  {r['domain']:26s} {r['error_median']:.3g} [{r['error_lo']:.3g}, {r['error_hi']:.3g}]; "
                         f"{r['p_in_0_1']:.0%} in (0, 1); {r['p_below_best']:.0%} below {r['best_error']:.3g}")
    return "\n".join(lines)
