"""Report figures as PNG bytes (matplotlib's Agg canvas directly: no pyplot, no global backend change).

Every figure is drawn from a run's posterior draws or from :class:`~forecast.forecasts.Forecasts`;
bands are the policy's intervals (:data:`forecast.policy.INTERVAL_PROB` and
:data:`forecast.policy.INNER_INTERVAL_PROB`, equal-tailed).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from forecast import policy
from forecast.forecasts import ANCHORS, SAMPLE_DIMS, Forecasts, summarize
from forecast.prepare import link_inverse
from forecast.run import Run

DPI = 110


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _grid(n: int, ncols: int = 3, size: tuple[float, float] = (4.2, 3.2)) -> tuple[Figure, list[Any]]:
    ncols = max(1, min(ncols, n))
    nrows = max(1, math.ceil(n / ncols))
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n)]
    return fig, axes


def observed_x(run: Run) -> np.ndarray:
    """log10 training FLOP (centred) of each result: the posterior mean of ``x`` when it is latent."""
    post = run.posterior
    if "x" in post and "obs" in post["x"].dims:
        return np.asarray(post["x"].mean(SAMPLE_DIMS).to_numpy(), dtype=float)
    return run.data.obs["x"].to_numpy(dtype=float)


def fits_figure(run: Run) -> bytes:
    """Per benchmark: results (error vs log10 FLOP) and the posterior mean error with its bands.

    The curve is drawn at the median publication year of the benchmark's results; hollow markers
    are results known only by hardware burden (their training FLOP is the posterior mean of ``x``).
    """
    data, post, spec = run.data, run.posterior, run.spec
    link = spec.model.link
    cx, ct = float(spec.centering["log10_flop"]), float(spec.centering["year"])
    obs = data.obs
    x = observed_x(run)
    lo, hi = policy.interval_bounds(policy.INTERVAL_PROB)
    fig, axes = _grid(len(data.series))
    for ax, (b_idx, series) in zip(axes, enumerate(data.series), strict=True):
        d_idx = int(data.series_domain[b_idx])
        dom = data.domains[d_idx]
        rows = obs["series_idx"].to_numpy() == b_idx
        xs = x[rows]
        t_ref = float(np.median(obs.loc[rows, "t"]))
        xgrid = np.linspace(np.nanmin(xs) - 0.5, np.nanmax(xs) + 0.5, 60)
        g = xr.DataArray(xgrid, dims="grid")
        mu = (
            post["alpha"].isel(benchmark=b_idx)
            + post["beta"].isel(domain=d_idx) * g
            + post["gamma"].isel(domain=d_idx) * t_ref
        )
        err = link_inverse(mu, link)
        q = err.quantile([lo, 0.5, hi], dim=list(SAMPLE_DIMS)).to_numpy()
        mean = err.mean(SAMPLE_DIMS).to_numpy()
        ax.fill_between(
            xgrid + cx, q[0], q[2], color="tab:blue", alpha=0.2, label=f"{policy.interval_label()} (mean)"
        )
        ax.plot(xgrid + cx, mean, color="tab:blue", lw=1.5, label=f"posterior mean, {t_ref + ct:.0f}")
        hw = (obs.loc[rows, "measure"] == "hardware_burden").to_numpy()
        years = obs.loc[rows, "year"].to_numpy(dtype=float)
        sc = ax.scatter(
            xs[~hw] + cx,
            obs.loc[rows, "error"].to_numpy()[~hw],
            c=years[~hw],
            cmap="viridis",
            s=18,
            vmin=years.min(),
            vmax=years.max(),
            label="training FLOP",
        )
        if hw.any():
            ax.scatter(
                xs[hw] + cx,
                obs.loc[rows, "error"].to_numpy()[hw],
                facecolors="none",
                edgecolors="0.3",
                s=18,
                label="hardware burden only",
            )
        fig.colorbar(sc, ax=ax, label="year", fraction=0.05)
        shown = np.concatenate([np.ravel(q), mean, obs.loc[rows, "error"].to_numpy(dtype=float)])
        if np.all(shown[np.isfinite(shown)] > 0):
            ax.set_yscale("log")
        ax.set_title(f"{series}\n({dom})", fontsize=9)
        ax.set_xlabel("log10 training FLOP")
        ax.set_ylabel("error")
        ax.legend(fontsize=6, loc="best")
    return _png(fig)


def ppc_figure(pit: np.ndarray, coverage: dict[str, tuple[float, float]]) -> bytes:
    """PIT histogram of the observed results and per-domain coverage of the predictive intervals."""
    fig = Figure(figsize=(10, 3.4), layout="constrained")
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.hist(pit, bins=10, range=(0, 1), color="tab:blue", alpha=0.7, edgecolor="white")
    ax1.axhline(len(pit) / 10, color="k", ls="--", lw=1, label="uniform (calibrated)")
    ax1.set_xlabel("PIT: share of predictive draws below the observed result")
    ax1.set_ylabel("results")
    ax1.legend(fontsize=7)
    names = list(coverage)
    pos = np.arange(len(names))
    inner = [coverage[n][0] for n in names]
    outer = [coverage[n][1] for n in names]
    ax2.barh(pos - 0.2, outer, height=0.4, label=f"{policy.INTERVAL_PROB:.0%} interval", color="tab:blue")
    ax2.barh(
        pos + 0.2, inner, height=0.4, label=f"{policy.INNER_INTERVAL_PROB:.0%} interval", color="tab:orange"
    )
    ax2.axvline(policy.INTERVAL_PROB, color="tab:blue", ls="--", lw=1)
    ax2.axvline(policy.INNER_INTERVAL_PROB, color="tab:orange", ls="--", lw=1)
    ax2.set_yticks(pos, names, fontsize=7)
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("share of results inside the posterior predictive interval")
    ax2.legend(fontsize=7, loc="lower right")
    return _png(fig)


def progress_figure(fc: Forecasts, xlim: tuple[float, float] = (-2.0, 12.0)) -> bytes:
    """Years of algorithmic progress worth 10x compute: per domain and shared, next to the anchors."""
    t = fc.progress_table
    fig = Figure(figsize=(8, 0.45 * (len(t) + len(ANCHORS)) + 1.2), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    labels = []
    y = 0
    for _, row in t.iterrows():
        ident = bool(row["ratio_identified"])  # years per 10x (forecast.identification)
        color = "tab:blue" if ident else "0.6"
        ax.plot([row["years_per_10x_lo"], row["years_per_10x_hi"]], [y, y], color=color, lw=1.5)
        ax.plot([row["years_per_10x_lo50"], row["years_per_10x_hi50"]], [y, y], color=color, lw=4)
        ax.plot([row["years_per_10x_median"]], [y], "o", color="white", mec=color)
        labels.append(f"{row['domain']}" + ("" if ident else " (NOT IDENTIFIED)"))
        y += 1
    for a in ANCHORS:
        if np.isfinite(a["low"]):
            ax.plot([a["low"], a["high"]], [y, y], color="tab:red", lw=1.5)
        ax.plot([a["years_per_10x"]], [y], "D", color="tab:red")
        labels.append(f"{a['source']} ({a['scope']}, 95%)")
        y += 1
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="k", lw=0.5)
    ax.set_xlim(*xlim)
    ax.set_xlabel(
        f"years of algorithmic progress worth 10x compute (median, {policy.interval_label()}"
        f" and {policy.INNER_INTERVAL_PROB:.0%}; axis clipped)"
    )
    return _png(fig)


def fan_figure(fc: Forecasts, fan_years: Sequence[int]) -> bytes:
    """Per domain: cost of staying on the frontier trend (fan), spending on the compute trend, budgets."""
    wall, spend = fc.wall, fc.spending
    first, last = int(fan_years[0]), int(fan_years[1])
    years = wall["year"].to_numpy()
    keep = (years >= first) & (years <= last)
    if not keep.any():
        keep = np.ones_like(years, dtype=bool)
    domains = [str(d) for d in wall["domain"].to_numpy()]
    fig, axes = _grid(len(domains), ncols=3, size=(4.4, 3.2))
    budget_colors = ["tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive"]
    log_budgets = [float(np.log10(usd)) for usd in fc.budgets.values()]
    dollar_year = fc.targets.attrs.get("dollar_year", "")
    for ax, dom in zip(axes, domains, strict=True):
        s = summarize(wall["log10_usd"].sel(domain=dom).isel(year=keep))
        yr = years[keep]
        ax.fill_between(
            yr, s["lo"], s["hi"], color="tab:blue", alpha=0.18, label=f"{policy.INTERVAL_PROB:.0%}"
        )
        ax.fill_between(
            yr, s["lo50"], s["hi50"], color="tab:blue", alpha=0.35, label=f"{policy.INNER_INTERVAL_PROB:.0%}"
        )
        ax.plot(yr, s["median"], color="tab:blue", lw=1.5, label="staying on the frontier trend (median)")
        sp = summarize(spend["log10_usd"].sel(domain=dom).isel(year=keep))
        ax.plot(
            yr,
            sp["median"],
            color="tab:green",
            ls="--",
            lw=1.2,
            label="spending on the compute trend (median)",
        )
        for i, (label, lb) in enumerate(zip(fc.budgets, log_budgets, strict=True)):
            ax.axhline(lb, color=budget_colors[i % len(budget_colors)], ls=":", lw=1.2, label=label)
        ident = fc.identified.get(dom, True)
        title = f"{dom}\n({wall['benchmark'].sel(domain=dom).item()})"
        if not ident:
            title += "\nNOT IDENTIFIED: compute slope sign uncertain"
        ax.set_title(title, fontsize=9, color="k" if ident else "tab:red")
        start = np.asarray([s["median"][0], sp["median"][0]], dtype=float)
        low = np.nanmin(start[np.isfinite(start)]) if np.isfinite(start).any() else 0.0
        ax.set_ylim(min(low, min(log_budgets)) - 3, max(log_budgets) + 5)
        ax.set_xlabel("year")
        ax.set_ylabel(f"log10 USD per training run ({dollar_year} USD)", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=7)
    return _png(fig)
