"""Posterior summaries of a run: slopes, their shared means and spreads, years per 10x compute.

Intervals are :data:`forecast.policy.INTERVAL_PROB` equal-tailed; the heavy-tailed ratio
years-per-10x is summarised by its median and quantiles, never its mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecast import policy, theory
from forecast.forecasts import WEIGHTED_ROW, compute_progress, progress_table, summarize
from forecast.identification import identification, ratio_rule_text
from forecast.run import Run


def _interval(da: xr.DataArray) -> dict[str, xr.DataArray]:
    q = summarize(da)
    return {"median": q["median"], "low": q["lo"], "high": q["hi"]}


def domain_table(run: Run) -> pd.DataFrame:
    """One row per domain: beta, gamma, years per 10x compute (median and interval), P(beta < 0)."""
    post = run.posterior
    rows = []
    ident = identification(post, *theory.implied_exponent(run))
    qs = {name: _interval(post[name]) for name in ("beta", "gamma", "years_per_10x")}
    counts = run.data.obs.groupby("domain").size()
    for d in run.data.domains:
        row: dict[str, object] = {"domain": d, "n_results": int(counts.get(d, 0))}
        for name, q in qs.items():
            for stat in ("median", "low", "high"):
                row[f"{name}_{stat}"] = float(q[stat].sel(domain=d))
        row["p_beta_negative"] = float(ident["p_beta_negative"].sel(domain=d))
        row["identified"] = bool(ident["identified"].sel(domain=d))
        row["ratio_identified"] = bool(ident["ratio_identified"].sel(domain=d))
        row["p_progress"] = float(ident["p_progress"].sel(domain=d))
        rows.append(row)
    return pd.DataFrame(rows)


def shared_table(run: Run) -> pd.DataFrame:
    """Shared means and between-domain spreads of the slopes, and the shared years per 10x."""
    post = run.posterior
    rows = []
    for name in ("mu_beta", "tau_beta", "mu_gamma", "tau_gamma", "years_per_10x_shared"):
        if name not in post:
            continue
        q = _interval(post[name])
        rows.append({"parameter": name, **{k: float(q[k]) for k in ("median", "low", "high")}})
    return pd.DataFrame(rows)


def _fmt(x: float, digits: int = 3) -> str:
    if not np.isfinite(x):
        return "nan"
    return f"{x:.{digits}f}" if abs(x) < 1000 else f"{x:.3g}"


def format_summary(run: Run) -> str:
    """The text of ``forecast summary``: per-domain and shared slopes with intervals, and the verdict."""
    label = policy.interval_label()
    lines = [
        f"run: {run.name}  ({run.path or 'not saved'})",
        f"link: {run.spec.model.link}; likelihood: {run.spec.model.likelihood}; "
        f"compute measure: {run.spec.model.compute_measure}; {run.data.n_obs} results, "
        f"{len(run.data.series)} benchmarks, {len(run.data.domains)} domains",
        f"intervals: {label} (forecast.policy); medians for every ratio",
        f"convergence: {run.checks.verdict()}",
    ]
    if not run.checks.converged:
        lines.insert(0, "!" * 78)
        lines.insert(1, "!! THIS RUN DID NOT CONVERGE: its numbers are not to be trusted.")
        lines.insert(2, "!" * 78)
    lines.append("")
    lines.append("Per domain (y = link(error); beta per decade of compute, gamma per year; negative = better):")
    tab = domain_table(run)
    header = f"{'domain':26s} {'n':>4s}  {'beta [interval]':>28s}  {'gamma [interval]':>28s}  " \
             f"{'years per 10x compute':>28s}  P(beta<0)"
    lines.append(header)
    for _, r in tab.iterrows():
        ratio = f"{_fmt(r.years_per_10x_median, 2)} [{_fmt(r.years_per_10x_low, 2)}, " \
                f"{_fmt(r.years_per_10x_high, 2)}]"
        if not r.identified:
            ratio = "not identified (k too uncertain)"
        elif not r.ratio_identified:
            ratio = f"not identified (P(progress) {r.p_progress:.3f})"
        lines.append(
            f"{r.domain:26s} {r.n_results:4d}  "
            f"{_fmt(r.beta_median)} [{_fmt(r.beta_low)}, {_fmt(r.beta_high)}]".ljust(62)
            + f"  {_fmt(r.gamma_median)} [{_fmt(r.gamma_low)}, {_fmt(r.gamma_high)}]".ljust(30)
            + f"  {ratio:>28s}  {r.p_beta_negative:.3f}"
        )
    lines.append("")
    lines.append("Shared across domains:")
    for _, r in shared_table(run).iterrows():
        lines.append(f"  {r.parameter:22s} {_fmt(r['median'])} [{_fmt(r.low)}, {_fmt(r.high)}]")
    lines.append("  (Thompson et al.: ~3 years of algorithmic progress = 10x compute)")
    with np.errstate(divide="ignore", invalid="ignore"):
        prog = progress_table(compute_progress(run)).set_index("domain")
        k, _ = theory.implied_exponent(run)
        text = theory.format_theory(theory.theory_table(k, theory.decomposition(run)), theory.imagenet_check(run),
                                    theory.prior_error_check(run))

    if WEIGHTED_ROW in prog.index:
        w: dict[Any, Any] = prog.loc[WEIGHTED_ROW].to_dict()
        lines.append(f"  years per 10x, evidence-weighted: {_fmt(w['years_per_10x_median'], 2)} "
                     f"[{_fmt(w['years_per_10x_lo'], 2)}, {_fmt(w['years_per_10x_hi'], 2)}] - {w['note']}")
    lines.append("")
    lines.append(text)
    lines.append(f"({ratio_rule_text()})")
    return "\n".join(lines)
