"""The frontier's walls: when the largest training run crosses budgets (real dollars, share of GDP) and power.

From the posterior of :mod:`forecast.frontier` and :mod:`forecast.costs`, draw by draw:

- **compute path**: the local linear trend continues past the data: its slope keeps drifting by
  ``frontier_slope_sigma`` a year (fresh normal innovations, seeded from the run's seed), so the
  uncertainty grows with the horizon. The frontier run of year ``T`` is the trend at mid-year ``T + 0.5``.
- **cost**: FLOP x dollars per useful FLOP per method (:func:`forecast.costs.log10_usd_per_useful_flop`),
  in constant dollars of ``assumptions.dollar_year`` (CPI-U ratio to the fit's 2023 dollars).
- **GDP**: real world GDP continues its random walk with drift; the ``gdp_share`` budget is
  ``frontier.gdp_share`` of it in the same year.
- **power**: FLOP / (run length x useful FLOP per joule), useful FLOP per joule = the efficiency frontier's
  dense peak FLOP per joule at TDP x the median utilization; times ``frontier.it_overhead`` (servers,
  network) and ``assumptions.pue``. Energy and CO2 (``assumptions.carbon_kg_per_kwh``) follow from the
  power over the run. The hardware is that of the run's year (the newest), which understates power
  when a run uses older chips.
- **crossings**: the first grid year whose value reaches each threshold; ``+inf`` when not by
  ``forecast.horizon_year`` (quantiles then say "after <horizon>").
- **per-domain frontiers** (:func:`domain_frontier_paths`): each supported domain's line
  (:func:`forecast.frontier.domain_frontier_part`) plus the all-ML path's future slope drift, so a domain's
  uncertainty grows with the horizon as the all-ML one does; reported beside the per-domain walls
  (:func:`domain_frontier_table`), which keep the mean-notable-model trend (see the report).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecast import policy
from forecast.costs import METHODS, log10_usd_per_useful_flop
from forecast.forecasts import SAMPLE_DIMS, _first_crossing, format_money, summarize
from forecast.frontier import dollar_factor, settings

JOULES_PER_KWH = 3.6e6
SECONDS_PER_DAY = 86_400.0

GROWTH_ANCHORS: tuple[dict[str, Any], ...] = (
    {"quantity": "frontier compute, x per year", "source": "Sevilla et al. 2022",
     "value": 4.2, "low": float("nan"), "high": float("nan"),
     "note": "deep-learning era: compute doubles every ~6 months (~4x/yr)"},
    {"quantity": "frontier cost, x per year", "source": "Cottier et al. 2024",
     "value": 2.4, "low": 2.0, "high": 3.1, "note": "amortized hardware + energy, 95% CI"},
    {"quantity": "dollars per FLOP, halving time (years)", "source": "Hobbhahn & Besiroglu 2022",
     "value": 2.46, "low": 2.24, "high": 2.72, "note": "GPU FLOP/s per dollar doubling time, 95% CI"},
)


SEVILLA_2024_YEAR = 2030
SEVILLA_2024_FLOP = 2e29
"""Sevilla et al. 2024, "Can AI scaling continue through 2030?": ~2e29 FLOP feasible by 2030, power binding."""


def format_flop(log10_flop: float) -> str:
    """``3.2e26 FLOP`` from a log10 value."""
    if not np.isfinite(log10_flop):
        return "n/a"
    return f"{10.0 ** log10_flop:.2g} FLOP".replace("e+", "e")


def _sig(value: float, digits: int) -> str:
    """``value`` rounded to ``digits`` significant digits, printed plainly (``450``, ``3.6``)."""
    return f"{float(f'{value:.{digits}g}'):g}"


def _scaled(value: float, units: Sequence[tuple[float, str]], digits: int = 3) -> str:
    """``value`` in the largest unit it reaches (scientific beyond 1000 of the largest)."""
    if not np.isfinite(value):
        return "n/a"
    top_scale, top_unit = units[0]
    if value >= 1000 * top_scale:
        return f"{value / top_scale:.2g}".replace("e+", "e") + f" {top_unit}"
    scale, unit = next(((s, u) for s, u in units if value >= s), units[-1])
    return f"{_sig(value / scale, digits)} {unit}"


def format_power(watts: float) -> str:
    """``1.3 GW`` / ``450 MW``."""
    return _scaled(watts, ((1e12, "TW"), (1e9, "GW"), (1e6, "MW"), (1e3, "kW"), (1.0, "W")), 2)


def format_co2(kg: float) -> str:
    """``11 kt CO2`` / ``2 Mt CO2``."""
    return _scaled(kg, ((1e12, "Gt"), (1e9, "Mt"), (1e6, "kt"), (1e3, "t")), 2) + " CO2"


def format_usd(usd: float) -> str:
    """``$3.2B``; beyond ``$1000T`` scientific (``$5.8e15``)."""
    if np.isfinite(usd) and usd >= 1e15:
        return f"${usd:.2g}".replace("e+", "e")
    return format_money(usd)


def _random_walk(rng: np.random.Generator, shape: tuple[int, ...], n: int) -> np.ndarray:
    """Cumulative sums of standard normals along a new last axis of length ``n`` (0 at step 0)."""
    z = rng.standard_normal((*shape, n))
    z[..., 0] = 0.0
    return np.cumsum(z, axis=-1)


def extend_trend(level0: np.ndarray, slope0: np.ndarray, sigma: np.ndarray, n: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Continue a local linear trend ``n`` years from (level, slope) at the last grid year, draw by draw.

    The slope keeps drifting by ``sigma`` x a standard normal each year; ``level[..., j]`` is the level
    ``j`` years after the start (``level[..., 0] = level0``) and ``slope[..., j]`` the slope over year ``j``.
    """
    shape = np.shape(level0)
    slope = np.asarray(slope0)[..., None] + np.asarray(sigma)[..., None] * _random_walk(rng, shape, n)
    steps = np.concatenate([np.zeros((*shape, 1)), np.cumsum(slope[..., :-1], axis=-1)], axis=-1)
    return np.asarray(level0)[..., None] + steps, slope


def _paths(post: xr.Dataset, tables: Mapping[str, pd.DataFrame], years: np.ndarray,
           rng: np.random.Generator) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """Mid-year log10 FLOP and slope of the frontier, and log10 real GDP (fit dollars), per draw and year."""
    shape = tuple(post.sizes[d] for d in SAMPLE_DIMS)
    last_grid = int(tables["grid"]["year"].iloc[-1])
    steps = years - last_grid
    level, slope = extend_trend(post["frontier_level"].isel(frontier_year=-1).to_numpy(),
                                post["frontier_slope"].isel(frontier_year=-1).to_numpy(),
                                post["frontier_slope_sigma"].to_numpy(), int(steps[-1]) + 1, rng)
    mid = level + 0.5 * slope
    coords = {"year": years}
    dims = (*SAMPLE_DIMS, "year")
    flop = xr.DataArray(mid[..., steps], dims=dims, coords=coords)
    slope_da = xr.DataArray(slope[..., steps], dims=dims, coords=coords)
    gdp = tables["gdp"]
    g_last_year = int(gdp["year"].iloc[-1])
    g_steps = np.maximum(years - g_last_year, 0)
    walk = _random_walk(rng, shape, int(g_steps.max()) + 1)[..., g_steps]
    log10_gdp = (float(gdp["log10_gdp_real"].iloc[-1]) + post["gdp_growth"].to_numpy()[..., None] * g_steps
                 + post["gdp_growth_sigma"].to_numpy()[..., None] * walk)
    return flop, slope_da, xr.DataArray(log10_gdp, dims=dims, coords=coords)


def thresholds(spec: Any) -> list[tuple[str, str, float]]:
    """(label, kind, value) per threshold: budgets in real dollars (``gdp_share`` value = the share), power in W."""
    fs = settings(spec)
    out: list[tuple[str, str, float]] = []
    for b in fs.budgets_usd:
        if b == "gdp_share":
            out.append((f"{fs.gdp_share:.0%} of world GDP", "gdp_share", fs.gdp_share))
        else:
            out.append((format_money(float(b)), "usd", float(b)))
    out += [(f"{g:g} GW", "power", g * 1e9) for g in fs.power_thresholds_gw]
    return out


def compute_frontier(run: Any) -> xr.Dataset | None:
    """Frontier paths (FLOP, cost per method, GDP, power, CO2) and threshold crossings; None for old runs."""
    post, spec = run.posterior, run.spec
    tables = run.data.frontier_tables
    if not tables or "frontier_level" not in post or "cost_intercept" not in post:
        return None
    fs = settings(spec)
    cp = float(spec.centering["price_year"])
    dollar_year = int(spec.assumptions["dollar_year"])
    factor = dollar_factor(tables["cpi"], dollar_year)
    start = int(tables["grid"]["year"].iloc[-1])
    years = np.arange(start, max(int(spec.forecast.horizon_year), start) + 1)
    rng = np.random.default_rng(policy.child_seed(spec.sampler.seed, "frontier_paths"))
    flop, slope, log10_gdp_fit = _paths(post, tables, years, rng)
    mid_year = flop["year"] + 0.5
    log10_usd = flop + log10_usd_per_useful_flop(post, mid_year, cp, factor)
    log10_gdp = log10_gdp_fit + math.log10(factor)
    log10_eff = post["hw_eff_intercept"] + post["hw_eff_slope"] * (mid_year - cp)
    run_s = fs.run_days * SECONDS_PER_DAY
    log10_power = (flop - math.log10(run_s) - log10_eff - np.log10(post["frontier_utilization"])
                   + math.log10(fs.it_overhead * float(spec.assumptions["pue"])))
    log10_co2 = (log10_power + math.log10(run_s / JOULES_PER_KWH)
                 + math.log10(float(spec.assumptions["carbon_kg_per_kwh"])))
    head = log10_usd.sel(cost_method=fs.headline_method, drop=True)
    crossings = []
    labels, kinds = [], []
    for label, kind, value in thresholds(spec):
        if kind == "usd":
            path, thr = head, xr.DataArray(math.log10(value))
        elif kind == "gdp_share":
            path, thr = head, log10_gdp + math.log10(value)
        else:
            path, thr = log10_power, xr.DataArray(math.log10(value))
        crossings.append(_first_crossing(path, thr))
        labels.append(label)
        kinds.append(kind)
    cross = xr.concat(crossings, dim=xr.DataArray(labels, dims="threshold", name="threshold"))
    ds = xr.Dataset({
        "log10_flop": flop.transpose(*SAMPLE_DIMS, "year"),
        "slope": slope.transpose(*SAMPLE_DIMS, "year"),
        "log10_usd": log10_usd.transpose(*SAMPLE_DIMS, "cost_method", "year"),
        "log10_gdp": log10_gdp.transpose(*SAMPLE_DIMS, "year"),
        "log10_power_w": log10_power.transpose(*SAMPLE_DIMS, "year"),
        "log10_co2_kg": log10_co2.transpose(*SAMPLE_DIMS, "year"),
        "crossing_year": cross.transpose(*SAMPLE_DIMS, "threshold"),
        "compute_growth": 10.0 ** post["frontier_slope"].isel(frontier_year=-1, drop=True),
        "cost_growth": 10.0 ** (post["frontier_slope"].isel(frontier_year=-1, drop=True) + post["cost_slope"]),
        "usd_per_flop_halving_years": math.log10(2.0) / -post["cost_slope"],
    })
    dom = domain_frontier_paths(post, tables, flop)
    if dom is not None:
        ds["domain_log10_flop"], ds["domain_growth"] = dom
    ds = ds.assign_coords(threshold_kind=("threshold", kinds))
    ds.attrs.update(first_year=start, horizon_year=int(years[-1]), dollar_year=dollar_year,
                    headline_method=fs.headline_method, run_days=fs.run_days,
                    by_years=list(fs.by_years), dollar_factor=factor)
    return ds


def domain_frontier_paths(post: xr.Dataset, tables: Mapping[str, pd.DataFrame], flop: xr.DataArray
                          ) -> tuple[xr.DataArray, xr.DataArray] | None:
    """Mid-year log10 FLOP of each supported domain's frontier per draw and year, and its growth (x/yr).

    A domain's line (:func:`forecast.frontier.domain_frontier_part`) plus the all-ML trend's future drift:
    ``flop`` (:func:`_paths`) minus its own straight continuation from the last grid year, i.e. the same
    slope innovations, so every domain's interval widens with the horizon as the all-ML one does. A
    domain's frontier never exceeds the all-ML one (its systems are among all systems): a line that
    climbs faster than the all-ML trend (language modelling: tiny 2010 models, the all-ML frontier by
    2020) is capped at ``flop``. Returns the paths and the line's growth (x/yr, its average over the fit
    window); None when the run has no domain part.
    """
    if "frontier_domain_offset" not in post:
        return None
    grid = tables["grid"]["year"].to_numpy(float)
    level0 = post["frontier_level"].isel(frontier_year=-1, drop=True)
    slope0 = post["frontier_slope"].isel(frontier_year=-1, drop=True)
    drift = flop - (level0 + slope0 * (flop["year"] - grid[-1] + 0.5))
    rate = post["frontier_slope_mean"] + post["frontier_domain_slope_dev"]
    line = post["frontier_level_mid"] + post["frontier_domain_offset"] + rate * (flop["year"] + 0.5 - grid.mean())
    path = np.minimum(line + drift, flop)
    return path.transpose(*SAMPLE_DIMS, "frontier_domain", "year"), 10.0 ** rate


# ----------------------------------------------------------------------------- tables
def crossings_table(fr: xr.Dataset) -> pd.DataFrame:
    """Per threshold: crossing year median, 50% and 90% intervals, P(by each year), P(already), P(never)."""
    horizon = int(fr.attrs["horizon_year"])
    cy = fr["crossing_year"]
    s = summarize(cy, inf_sentinel=horizon + 1.0, years=True)
    df = s.to_dataframe().reset_index()
    for y in fr.attrs["by_years"]:
        df[f"p_by_{y}"] = (cy <= y).mean(SAMPLE_DIMS).to_numpy()
    df["p_already"] = (cy == fr.attrs["first_year"]).mean(SAMPLE_DIMS).to_numpy()
    df["p_never"] = xr.apply_ufunc(np.isposinf, cy).mean(SAMPLE_DIMS).to_numpy()
    df["kind"] = fr["threshold_kind"].to_numpy()
    df["dollar_year"] = fr.attrs["dollar_year"]
    df["method"] = np.where(df["kind"] == "power", "", fr.attrs["headline_method"])
    return df


def paths_table(fr: xr.Dataset, years: Sequence[int]) -> pd.DataFrame:
    """Per year: medians and 90% intervals of FLOP, cost per method, power, CO2 and the GDP-share budget."""
    yrs = [y for y in years if y in fr["year"].values]
    sub = fr.sel(year=yrs)
    parts = {
        "log10_flop": sub["log10_flop"],
        "log10_power_w": sub["log10_power_w"],
        "log10_co2_kg": sub["log10_co2_kg"],
        "log10_gdp": sub["log10_gdp"],
        **{f"log10_usd_{m}": sub["log10_usd"].sel(cost_method=m, drop=True) for m in METHODS},
    }
    frames = []
    for name, da in parts.items():
        q = summarize(da).to_dataframe()
        frames.append(q[["median", "lo", "hi"]].add_prefix(f"{name}_"))
    df = pd.concat(frames, axis=1).reset_index()
    df["dollar_year"] = fr.attrs["dollar_year"]
    return df


def growth_table(fr: xr.Dataset) -> pd.DataFrame:
    """Growth rates at the end of the data beside the literature anchors."""
    rows = [("frontier compute, x per year", "", fr["compute_growth"])]
    rows += [("frontier cost, x per year", m, fr["cost_growth"].sel(cost_method=m, drop=True)) for m in METHODS]
    rows += [("dollars per FLOP, halving time (years)", m,
              fr["usd_per_flop_halving_years"].sel(cost_method=m, drop=True)) for m in METHODS]
    out = []
    for quantity, method, da in rows:
        s = summarize(da)
        anchor = next((a for a in GROWTH_ANCHORS if a["quantity"] == quantity), None)
        out.append({
            "quantity": quantity, "method": method,
            **{k: float(s[k]) for k in ("median", "lo", "hi")},
            "anchor_source": anchor["source"] if anchor else "",
            "anchor_value": anchor["value"] if anchor else np.nan,
            "anchor_low": anchor["low"] if anchor else np.nan,
            "anchor_high": anchor["high"] if anchor else np.nan,
        })
    return pd.DataFrame(out)


NOT_SUPPORTED = "data do not support a separate frontier"


def domain_frontier_table(fr: xr.Dataset, support: pd.DataFrame, years: Sequence[int],
                          notable_trend: xr.Dataset | None = None) -> pd.DataFrame:
    """Per ``frontier.domains`` entry: systems, the support flag, frontier FLOP in ``years`` and growth.

    Growth: the domain line's (``fitted_growth``: its average over the fit window) and that of the forecast
    paths between the first two of ``years`` (``growth_<a>_<b>``), median and 90% interval. Domains the
    data do not support (:func:`forecast.frontier.domain_support`) get the flag and no numbers.
    ``notable_trend`` (``log10_flop`` per domain and year, ``growth`` per domain: the performance model's
    mean-notable-model trend the per-domain walls use) adds those beside, for comparison.
    """
    has = "domain_log10_flop" in fr
    doms = set(fr["frontier_domain"].values) if has else set()
    yrs = [y for y in years if y in fr["year"].values]
    rows = []
    for _, r in support.iterrows():
        d = str(r["frontier_domain"])
        row: dict[str, Any] = {
            "domain": d, "systems": int(r["n_systems"]), "top_k_systems": int(r["n_top"]),
            "of_them_general_models": int(r["n_top_general"]), "supported": bool(r["supported"]) and d in doms,
            "flag": "" if bool(r["supported"]) and d in doms else NOT_SUPPORTED,
        }
        if row["supported"]:
            lf = fr["domain_log10_flop"].sel(frontier_domain=d)
            for y in yrs:
                q = summarize(lf.sel(year=y))
                row.update({f"log10_flop_{y}_{k}": float(q[k]) for k in ("median", "lo", "hi")})
            g = summarize(fr["domain_growth"].sel(frontier_domain=d))
            row.update({f"fitted_growth_{k}": float(g[k]) for k in ("median", "lo", "hi")})
            if len(yrs) >= 2:
                a, b = yrs[0], yrs[1]
                g = summarize(10.0 ** ((lf.sel(year=b) - lf.sel(year=a)) / (b - a)))
                row.update({f"growth_{a}_{b}_{k}": float(g[k]) for k in ("median", "lo", "hi")})
        if notable_trend is not None and d in notable_trend["domain"].values:
            for y in yrs:
                if y in notable_trend["year"].values:
                    row[f"notable_log10_flop_{y}_median"] = float(
                        summarize(notable_trend["log10_flop"].sel(domain=d, year=y))["median"])
            g = summarize(notable_trend["growth"].sel(domain=d))
            row.update({f"notable_growth_{k}": float(g[k]) for k in ("median", "lo", "hi")})
        rows.append(row)
    return pd.DataFrame(rows)


def frontier_tables(fr: xr.Dataset | None, years: Sequence[int], support: pd.DataFrame | None = None,
                    notable_trend: xr.Dataset | None = None) -> dict[str, pd.DataFrame]:
    """The frontier's summary tables by name (empty for runs without a frontier model).

    ``support`` (the run's ``domain_support`` table) adds ``frontier_domains`` (:func:`domain_frontier_table`).
    """
    if fr is None:
        return {}
    # degenerate draws (a flat price: infinite halving time) are valid answers, not numerical errors
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out = {
            "frontier_crossings": crossings_table(fr),
            "frontier_paths": paths_table(fr, years),
            "frontier_growth": growth_table(fr),
        }
        if support is not None and len(support):
            out["frontier_domains"] = domain_frontier_table(fr, support, years, notable_trend)
        return out


# ----------------------------------------------------------------------------- text
def _year_text(v: float, horizon: int, first: int, median: bool = False) -> str:
    if not np.isfinite(v):
        return f"after {horizon}"
    if median and v <= first:
        return f"already ({first})"
    return f"{v:.0f}"


def crossing_text(row: Mapping[str, Any] | pd.Series, horizon: int, first: int, by_years: Sequence[int]) -> str:
    """``'2027 (50%: 2026-2029; 90%: 2025-2033); P(by 2030) 0.81, P(by 2035) 0.97'``."""

    def f(k: str) -> str:
        return _year_text(float(row[k]), horizon, first, median=k == "median")

    probs = ", ".join(f"P(by {y}) {row[f'p_by_{y}']:.2f}" for y in by_years)
    text = (f"{f('median')} ({policy.INNER_INTERVAL_PROB:.0%}: {f('lo50')}-{f('hi50')}; "
            f"{policy.INTERVAL_PROB:.0%}: {f('lo')}-{f('hi')})")
    return f"{text}; {probs}" if probs else text


def frontier_headline(fr: xr.Dataset | None, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """The frontier lines that open ``forecast run``'s output and the report."""
    if fr is None or not tables:
        return ["Frontier: not in this run (fitted before the frontier model; refit to get it)."]
    horizon, first = int(fr.attrs["horizon_year"]), int(fr.attrs["first_year"])
    by = list(fr.attrs["by_years"])
    method = fr.attrs["headline_method"]
    lines = [f"Frontier training run (largest runs, top-10 at release; {method} cost, "
             f"constant {fr.attrs['dollar_year']} dollars): year it first reaches"]
    for _, row in tables["frontier_crossings"].iterrows():
        lines.append(f"  {row['threshold']}: {crossing_text(row, horizon, first, by)}")
    paths = tables["frontier_paths"].set_index("year")
    for y in paths.index:
        r = paths.loc[y]
        lines.append(
            f"  {y}: {format_flop(r['log10_flop_median'])} [{format_flop(r['log10_flop_lo'])}, "
            f"{format_flop(r['log10_flop_hi'])}], {format_usd(10 ** r[f'log10_usd_{method}_median'])} "
            f"[{format_usd(10 ** r[f'log10_usd_{method}_lo'])}, {format_usd(10 ** r[f'log10_usd_{method}_hi'])}], "
            f"{format_power(10 ** r['log10_power_w_median'])}, {format_co2(10 ** r['log10_co2_kg_median'])}"
        )
    if SEVILLA_2024_YEAR in paths.index:
        power = float(paths["log10_power_w_median"].to_dict()[SEVILLA_2024_YEAR])
        flop = float(paths["log10_flop_median"].to_dict()[SEVILLA_2024_YEAR])
        lines.append(
            f"  {SEVILLA_2024_YEAR}: the trend's run needs {format_power(10 ** power)} for "
            f"{format_flop(flop)}; Sevilla et al. 2024: ~{format_flop(math.log10(SEVILLA_2024_FLOP))} "
            f"feasible by {SEVILLA_2024_YEAR}, power the binding constraint (1-5 GW sites)"
        )
    g = tables["frontier_growth"]
    lines.append("Growth at the end of the data (median [90%]) vs the literature:")
    for _, r in g[g["method"].isin(["", method])].iterrows():
        anchor = f"{r['anchor_source']}: {r['anchor_value']:g}"
        if np.isfinite(r["anchor_low"]):
            anchor += f" [{r['anchor_low']:g}, {r['anchor_high']:g}]"
        lines.append(f"  {r['quantity']}: {r['median']:.2f} [{r['lo']:.2f}, {r['hi']:.2f}] ({anchor})")
    return lines
