"""The report's opening: the frontier headline, its fan chart, the cost calibration and the frontier checks.

Called by :func:`forecast.report._build_document` before everything else. Runs fitted before the
frontier model get one line saying so (no crash).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from forecast import policy
from forecast.costs import METHOD_LABELS, cost_calibration
from forecast.forecasts import Forecasts, summarize
from forecast.frontier import dollar_factor, settings
from forecast.plots import _png
from forecast.walls import (
    NOT_SUPPORTED,
    crossing_text,
    format_co2,
    format_flop,
    format_power,
    format_usd,
    frontier_headline,
)

FAN_LAST_YEAR = 2040


def _history(run: Any, fr: xr.Dataset) -> tuple[np.ndarray, xr.DataArray]:
    """Fitted trend cost (headline method, dollar year) over the data's grid years (mid-year)."""
    from forecast.costs import log10_usd_per_useful_flop

    post = run.posterior
    grid = run.data.frontier_tables["grid"]["year"].to_numpy(int)
    mid = post["frontier_level"] + 0.5 * post["frontier_slope"]
    mid = mid.rename(frontier_year="year").assign_coords(year=grid)
    price = log10_usd_per_useful_flop(post, mid["year"] + 0.5, float(run.spec.centering["price_year"]),
                                      float(fr.attrs["dollar_factor"]), method=fr.attrs["headline_method"])
    return grid, mid + price


def fan_figure(run: Any, fc: Forecasts) -> bytes:
    """Cost of the frontier training run: fitted trend, forecast fan, budgets, Cottier et al.'s runs."""
    fr = fc.frontier
    assert fr is not None
    method = fr.attrs["headline_method"]
    fig = Figure(figsize=(8.5, 5.0), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    grid, hist = _history(run, fr)
    keep = grid >= 2012
    h = summarize(hist.isel(year=keep))
    ax.fill_between(grid[keep], h["lo"], h["hi"], color="tab:gray", alpha=0.25)
    ax.plot(grid[keep], h["median"], color="tab:gray", lw=1.5, label="fitted frontier trend")
    cost = fr["log10_usd"].sel(cost_method=method, drop=True)
    yrs = fr["year"].to_numpy()
    sel = yrs <= FAN_LAST_YEAR
    s = summarize(cost.isel(year=sel))
    ax.fill_between(yrs[sel], s["lo"], s["hi"], color="tab:blue", alpha=0.18, label=f"{policy.INTERVAL_PROB:.0%}")
    ax.fill_between(yrs[sel], s["lo50"], s["hi50"], color="tab:blue", alpha=0.35,
                    label=f"{policy.INNER_INTERVAL_PROB:.0%}")
    ax.plot(yrs[sel], s["median"], color="tab:blue", lw=1.8, label="forecast (median)")
    costs = run.data.frontier_tables["costs"]
    obs = costs[costs["method"] == method]
    ax.scatter(obs["year"], obs["log10_usd"] + math.log10(float(fr.attrs["dollar_factor"])), s=14, color="k",
               zorder=5, label=f"Cottier et al. 2024 runs ({METHOD_LABELS[method]})")
    colors = ["tab:red", "tab:purple", "tab:brown", "tab:olive"]
    i = 0
    for label, kind in zip(fr["threshold"].to_numpy(), fr["threshold_kind"].to_numpy(), strict=True):
        if kind == "usd":
            value = float(label.replace("$", "").replace("B", "e9").replace("T", "e12").replace("M", "e6"))
            ax.axhline(math.log10(value), color=colors[i % 4], ls=":", lw=1.2, label=str(label))
            i += 1
        elif kind == "gdp_share":
            share = settings(run.spec).gdp_share
            g = summarize(fr["log10_gdp"].isel(year=sel))["median"] + math.log10(share)
            ax.plot(yrs[sel], g, color=colors[i % 4], ls="--", lw=1.2, label=f"{label} (median path)")
            i += 1
    ax.set_xlabel("year")
    ax.set_ylabel(f"log10 cost of the frontier training run ({fr.attrs['dollar_year']} USD)")
    ax.set_ylim(2, 13.5)
    ax.legend(fontsize=7, loc="lower right", ncol=2)
    return _png(fig)


def calibration_frame(cal: dict[str, Any]) -> pd.DataFrame:
    """Per method: runs, median ratio predicted/published, 50% and 90% LOO coverage, targets met."""
    rows = []
    for m, r in cal["methods"].items():
        rows.append({
            "method": r["label"] + (" (headline)" if m == "amortized" else ""),
            "runs": r["n"],
            "median predicted / published": f"{r['median_ratio']:.2f}",
            "50% coverage": f"{r['coverage50']:.0%}",
            "90% coverage": f"{r['coverage90']:.0%}",
            "max Pareto k": f"{r['max_khat']:.2f}",
            "targets met (ratio within 1.5x, 90% coverage 85-95%)": "yes" if r["meets_targets"] else "no",
        })
    return pd.DataFrame(rows)


def rolling_frame(section: dict[str, Any]) -> pd.DataFrame:
    """The rolling-origin frontier check as a table (one row per cutoff x method)."""
    rows = []
    for cut in section.get("cutoffs", []):
        for name, sc in cut["scores"].items():
            rows.append({
                "cutoff": cut["cutoff"], "method": name, "systems scored": cut["n_scored"],
                "50% coverage": f"{sc['coverage50']:.0%}", "90% coverage": f"{sc['coverage90']:.0%}",
                "CRPS (decades)": f"{sc['crps']:.3f}", "median error (decades)": f"{sc['median_error']:+.2f}",
            })
    return pd.DataFrame(rows)


def _flop_cell(row: pd.Series, prefix: str) -> str:
    if not np.isfinite(row.get(f"{prefix}_median", np.nan)):
        return ""
    return (f"{format_flop(row[f'{prefix}_median'])} [{format_flop(row[f'{prefix}_lo'])}, "
            f"{format_flop(row[f'{prefix}_hi'])}]")


def domain_frame(table: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """The per-domain frontier table as the report prints it (flagged domains: the flag, no numbers)."""
    rows = []
    for _, r in table.iterrows():
        row = {
            "domain": r["domain"],
            "top-k systems (via another row's task cell)": f"{r['top_k_systems']} ({r['of_them_general_models']})",
        }
        for y in years:
            row[f"frontier {y}"] = _flop_cell(r, f"log10_flop_{y}") or r["flag"]
        row["fitted growth, x/yr"] = (
            f"{r['fitted_growth_median']:.2f} [{r['fitted_growth_lo']:.2f}, {r['fitted_growth_hi']:.2f}]"
            if np.isfinite(r.get("fitted_growth_median", np.nan)) else r["flag"])
        if len(years) >= 2:
            key = f"growth_{years[0]}_{years[1]}"
            row[f"growth {years[0]}-{years[1]}, x/yr"] = (
                f"{r[f'{key}_median']:.2f} [{r[f'{key}_lo']:.2f}, {r[f'{key}_hi']:.2f}]"
                if np.isfinite(r.get(f"{key}_median", np.nan)) else r["flag"])
        if np.isfinite(r.get("notable_growth_median", np.nan)):
            row["mean notable model trend, x/yr"] = (f"{r['notable_growth_median']:.2f} "
                                                     f"[{r['notable_growth_lo']:.2f}, {r['notable_growth_hi']:.2f}]")
        rows.append(row)
    return pd.DataFrame(rows).fillna("")


def domain_section(doc: Any, run: Any, fc: Forecasts) -> None:
    """Per-domain compute frontiers beside the mean-notable-model trend the per-domain walls use."""
    table = fc.frontier_tables.get("frontier_domains")
    if table is None or table.empty:
        return
    fs = settings(run.spec)
    years = [y for y in (2025, 2030) if f"log10_flop_{y}_median" in table.columns] or [
        int(c.split("_")[2]) for c in table.columns if c.startswith("log10_flop_") and c.endswith("_median")][:2]
    doc.h(2, "Per-domain compute frontiers")
    doc.p(f"Per domain, the top-{fs.top_k}-at-release systems within the domain, modelled as the all-ML "
          f"trend's line shifted by a level and a growth difference per domain, partially pooled across domains; "
          f"forecasts add the all-ML trend's future slope drift, so each domain's uncertainty grows with the "
          f"horizon as the all-ML one does. General language and multimodal models count toward a domain when "
          f"the table's Epoch task cell lists that domain's task ('Question answering', 'Translation', 'Named "
          f"entity recognition'; no general model lists image classification or object detection). A domain "
          f"needs {fs.domain_min_systems} top-k systems spanning {fs.domain_min_span_years:g} years, else "
          f"\"{NOT_SUPPORTED}\". A domain's frontier is capped at the all-ML one (its systems are among all "
          f"systems; language modelling's line, from tiny 2010 models, reaches it by the end of the data). "
          f"Growth, median [{policy.INTERVAL_PROB:.0%}]: fitted = the domain line's average over the fit window; "
          f"then that of the forecast paths (the all-ML figure above is the slope at the end of the data). The "
          f"per-domain walls below keep the trend of the mean notable model (last column): the compute-"
          f"performance fits are of the benchmarks' reported models, not of each domain's largest run, so the "
          f"frontier is reported beside them rather than replacing it.")
    doc.table(domain_frame(table, years))


def frontier_section(doc: Any, run: Any, fc: Forecasts, validation: dict[str, Any] | None = None) -> None:
    """Headline, fan chart, paths, growth rates, cost calibration and frontier checks (first in the report)."""
    fr = fc.frontier
    doc.h(1, "Headline: the frontier training run")
    if fr is None:
        doc.warn("This run has no frontier model (it was fitted before the frontier, cost and wall parts "
                 "existed): the frontier headline, fan chart and calibration are absent. Refit with "
                 "`forecast run --refit` to get them.")
        return
    horizon, first = int(fr.attrs["horizon_year"]), int(fr.attrs["first_year"])
    method = fr.attrs["headline_method"]
    doc.p(f"The largest training runs across all of ML (Epoch systems in the top 10 of training compute at "
          f"release, every domain), trend continued with a drifting slope; cost by {METHOD_LABELS[method]} "
          f"(Cottier et al. 2024's headline method), in constant {fr.attrs['dollar_year']} dollars "
          f"(CPI-U); power for a {fr.attrs['run_days']:g}-day run at the hardware frontier's efficiency. "
          f"Year each threshold is first reached: median ({policy.INNER_INTERVAL_PROB:.0%}; "
          f"{policy.INTERVAL_PROB:.0%} interval).")
    ct = fc.frontier_tables["frontier_crossings"]
    by = list(fr.attrs["by_years"])
    doc.table(pd.DataFrame({
        "threshold": ct["threshold"],
        "year reached": [crossing_text(r, horizon, first, ()) for _, r in ct.iterrows()],
        **{f"P(by {y})": [f"{p:.2f}" for p in ct[f"p_by_{y}"]] for y in by},
    }))
    doc.fig("frontier_fan", f"Cost of the frontier training run ({METHOD_LABELS[method]}, "
            f"{fr.attrs['dollar_year']} USD): fitted trend, forecast fan, budgets and Cottier et al.'s runs",
            lambda: fan_figure(run, fc))
    pt = fc.frontier_tables["frontier_paths"]
    doc.table(pd.DataFrame({
        "year": pt["year"],
        "training compute": [f"{format_flop(a)} [{format_flop(b)}, {format_flop(c)}]" for a, b, c in
                             zip(pt["log10_flop_median"], pt["log10_flop_lo"], pt["log10_flop_hi"], strict=True)],
        **{f"cost, {m}": [f"{format_usd(10 ** a)} [{format_usd(10 ** b)}, {format_usd(10 ** c)}]"
                          for a, b, c in zip(pt[f"log10_usd_{m}_median"], pt[f"log10_usd_{m}_lo"],
                                             pt[f"log10_usd_{m}_hi"], strict=True)]
           for m in ("amortized", "cloud")},
        "power": [f"{format_power(10 ** a)} [{format_power(10 ** b)}, {format_power(10 ** c)}]" for a, b, c in
                  zip(pt["log10_power_w_median"], pt["log10_power_w_lo"], pt["log10_power_w_hi"], strict=True)],
        "CO2 (median)": [format_co2(10 ** a) for a in pt["log10_co2_kg_median"]],
    }))
    doc.pre("\n".join(line for line in frontier_headline(fr, fc.frontier_tables)
                       if "Sevilla et al. 2024" in line or "x per year" in line or "halving" in line
                       or line.startswith("Growth")))
    domain_section(doc, run, fc)
    doc.h(2, "Cost model checked against Cottier et al.'s runs")
    cal = (validation or {}).get("costs") or {}
    if not cal.get("fit_key") or cal.get("fit_key") != run.meta.get("fit_key"):
        # not computed for this posterior by `forecast validate frontier`: compute it (~2 s, PSIS import)
        cal = cost_calibration(run.posterior, run.data.frontier_tables, run.spec)
    factor = dollar_factor(run.data.frontier_tables["cpi"], int(run.spec.assumptions["dollar_year"]))
    doc.p(f"{cal['check']}: each run's cost predicted from a posterior that leaves it out, against the "
          f"published estimate (runs with a training-compute figure; dollars x{factor:.3f} CPI-U to "
          f"{fr.attrs['dollar_year']}).")
    doc.table(calibration_frame(cal))
    section = (validation or {}).get("frontier")
    doc.h(2, "Rolling-origin check of the frontier forecast")
    if not section:
        doc.p("Not run yet: `forecast validate frontier` writes it into validation.json.")
    else:
        doc.p(section.get("note", ""))
        doc.table(rolling_frame(section))

