"""Forecasts from the posterior draws of a saved run: every number with its credible interval.

Everything here is xarray arithmetic over the sample dims ``(chain, draw)`` of ``run.posterior``:
no Python loop over draws, no sampling. Four questions (see docs/model.md):

- **targets** (Thompson's projection table): the training compute, dollars and CO2 needed to reach
  ``target_fraction x best published error`` on each benchmark, in the last data year and in
  ``spec.forecast.years`` (algorithmic progress lowers the compute needed over time)::

      x_needed(b, T) = (link(e_target) - alpha_b - gamma_d * (T - c_year)) / beta_d

- **progress**: years of algorithmic progress worth 10x compute (``beta / gamma``) per domain, shared and
  evidence-weighted (error-rate domains only), with ``P(beta < 0)``; where the implied exponent k is not
  pinned down (:mod:`forecast.identification`, one rule for every table) the ratio and the wall are
  flagged as NOT identified.
- **wall**: the best error keeps improving at the domain's frontier rate from the last data year ``T0``;
  the compute that needs is ``x_needed(T) = (y_best + rate * (T - T0) - alpha_b - gamma * t_T) / beta``,
  priced at that year's (fitted, uncertain) price per useful FLOP; the wall for budget ``B`` is the
  first grid year the cost reaches ``B``. Draws that never reach it by ``spec.forecast.horizon_year``
  are kept as ``+inf`` (quantiles treat them as later than any year).
- **spending**: compute keeps growing on the domain's fitted trend of notable models; when does its
  cost cross each budget, what error does the performance model say it buys by then, and how fast
  does the cost grow (``10 ** (trend_slope + price_slope)`` per year, next to Cottier et al.)?

Costs are in constant dollars of ``spec.assumptions["dollar_year"]``; prices are per *useful* FLOP
(peak price / ``utilization``, the posterior's utilization draws); CO2 uses the energy per useful FLOP x
PUE x grid carbon intensity. Intervals follow :mod:`forecast.policy` (90% and 50% equal-tailed).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecast import policy
from forecast.identification import (
    identification,
    not_identified_note,
    progress_probability,
    ratio_identified,
    ratio_not_identified_note,
)
from forecast.prepare import ModelData, link_forward, link_inverse, year_bins
from forecast.run import Run

SAMPLE_DIMS = ("chain", "draw")

IDENTIFIED_PROB = policy.IDENTIFIED_PROB

WALL_BY_YEARS: tuple[int, ...] = (2030, 2035, 2040)
"""Years for which the tables give P(wall year <= year)."""

JOULES_PER_KWH = 3.6e6

NOT_IDENTIFIED_NOTE = not_identified_note()

NOT_ERROR_RATES: tuple[str, ...] = ("bleu", "box_ap")
"""Measures whose 1 - score/100 is not an error rate (ceilings far below 100): their domains stay out
of the evidence-weighted shared figure."""

WEIGHTED_ROW = "shared (evidence-weighted)"
"""Domain label of the progress table's evidence-weighted shared row."""

BELOW_FLOOR_NOTE = "target below the error floor in {:.0%} of draws (no compute reaches it: NaN)"

# Anchors from the literature (years of algorithmic progress worth 10x compute; 95% CIs converted).
_LOG2_10 = math.log2(10.0)
ANCHORS: tuple[dict[str, Any], ...] = (
    {
        "source": "Thompson et al. 2022",
        "scope": "all five domains (point estimate)",
        "years_per_10x": 3.0,
        "low": float("nan"),
        "high": float("nan"),
        "note": "~3 years of algorithmic progress = 10x compute",
    },
    {
        "source": "Erdil & Besiroglu 2022",
        "scope": "ImageNet",
        "years_per_10x": 0.75 * _LOG2_10,
        "low": 4 / 12 * _LOG2_10,
        "high": 25 / 12 * _LOG2_10,
        "note": "compute halving every 9 months (95% CI 4-25)",
    },
    {
        "source": "Ho et al. 2024",
        "scope": "language models",
        "years_per_10x": 8 / 12 * _LOG2_10,
        "low": 5 / 12 * _LOG2_10,
        "high": 14 / 12 * _LOG2_10,
        "note": "compute halving every 8 months (95% CI 5-14)",
    },
)

COTTIER_GROWTH: dict[str, float] = {"median": 2.4, "low": 2.0, "high": 3.1}
"""Cottier et al. 2024: frontier training cost grows 2.4x per year (95% CI 2.0-3.1); >$1B per run by 2027."""


# ----------------------------------------------------------------------------- helpers
def quantile_levels() -> dict[str, float]:
    """Column suffix -> quantile level: median, the 90% and the 50% equal-tailed bounds (policy)."""
    lo, hi = policy.interval_bounds(policy.INTERVAL_PROB)
    ilo, ihi = policy.interval_bounds(policy.INNER_INTERVAL_PROB)
    return {"median": 0.5, "lo": lo, "hi": hi, "lo50": ilo, "hi50": ihi}


def summarize(da: xr.DataArray, *, inf_sentinel: float | None = None, years: bool = False) -> xr.Dataset:
    """Median and equal-tailed interval bounds of ``da`` over ``(chain, draw)``.

    NaN draws are skipped. With ``inf_sentinel`` (used for wall years), ``+inf`` draws count as later
    than any finite draw: they are replaced by the sentinel, and any quantile above the largest finite
    value allowed (``inf_sentinel - 1``) comes back as ``+inf``. With ``years`` (grid years), quantiles
    are actual draws (``inverted_cdf``) rather than interpolated between two years.
    """
    levels = quantile_levels()
    x = da
    if inf_sentinel is not None:
        x = da.where(~np.isposinf(da), inf_sentinel)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All-NaN slice", category=RuntimeWarning)
        q = x.quantile(
            list(levels.values()),
            dim=list(SAMPLE_DIMS),
            skipna=True,
            method="inverted_cdf" if years else "linear",
        )
    if inf_sentinel is not None:
        q = q.where(~(q > inf_sentinel - 1), np.inf)
    return xr.Dataset({name: q.isel(quantile=i, drop=True) for i, name in enumerate(levels)})


def main_benchmarks(data: ModelData) -> dict[str, str]:
    """Each domain's main benchmark: the series with most results (ties: first in the run's order)."""
    counts = data.obs["series"].value_counts()
    out: dict[str, str] = {}
    for d_idx, dom in enumerate(data.domains):
        series = [s for s, di in zip(data.series, data.series_domain, strict=True) if di == d_idx]
        if series:
            out[dom] = max(series, key=lambda s: (int(counts.get(s, 0)), -series.index(s)))
    return out


def last_data_year(data: ModelData) -> int:
    """Return the last data year ``T0``: the calendar year of the latest result of any series."""
    return int(math.floor(float(np.max(data.best["last_year"].to_numpy(dtype=float)))))


def _max_observed_flop(data: ModelData, cx: float) -> xr.DataArray:
    """Largest log10 training FLOP reported per benchmark (results with training FLOP only)."""
    obs = data.obs
    x = obs["x"].where(obs["measure"] == "training_flop") if "measure" in obs else obs["x"]
    top = x.groupby(obs["series"]).max().reindex(list(data.series))
    return xr.DataArray(
        top.to_numpy(dtype=float) + cx, dims="benchmark", coords={"benchmark": list(data.series)}
    )


def _series_domain(data: ModelData) -> xr.DataArray:
    return xr.DataArray(
        [data.domains[i] for i in data.series_domain],
        dims="benchmark",
        coords={"benchmark": list(data.series)},
    )


def _per_benchmark(post: xr.Dataset, name: str, data: ModelData) -> xr.DataArray:
    """Index a per-domain posterior variable by benchmark (each series gets its domain's value)."""
    return post[name].sel(domain=_series_domain(data)).drop_vars("domain")


def log10_usd_per_useful_flop(post: xr.Dataset, year: xr.DataArray, price_year: float) -> xr.DataArray:
    """log10 constant dollars per useful FLOP in ``year``: cloud on-demand peak price / utilization."""
    return post["price_intercept"] + post["price_slope"] * (year - price_year) - np.log10(post["utilization"])


def price_of_flop(run: Run, year: xr.DataArray) -> xr.DataArray:
    """log10 constant dollars per useful FLOP that the walls and targets use.

    With a frontier cost model in the run (:mod:`forecast.costs`): the frontier's price by the headline
    method, in dollars of ``assumptions.dollar_year``; older runs: the v1 price of compute.
    """
    post, cp = run.posterior, float(run.spec.centering["price_year"])
    if "cost_intercept" in post and run.data.frontier_tables:
        from forecast.costs import log10_usd_per_useful_flop as frontier_price
        from forecast.frontier import dollar_factor, settings

        factor = dollar_factor(run.data.frontier_tables["cpi"], int(run.spec.assumptions["dollar_year"]))
        return frontier_price(post, year, cp, factor, method=settings(run.spec).headline_method)
    return log10_usd_per_useful_flop(post, year, cp)


def log10_kg_co2_per_useful_flop(
    post: xr.Dataset, year: xr.DataArray, price_year: float, assumptions: Mapping[str, float]
) -> xr.DataArray:
    """log10 kg CO2 per useful FLOP in ``year``: J per peak FLOP / utilization x PUE -> kWh x kg/kWh."""
    log10_j = (
        post["energy_intercept"] + post["energy_slope"] * (year - price_year) - np.log10(post["utilization"])
    )
    return (
        log10_j
        + math.log10(float(assumptions["pue"]))
        - math.log10(JOULES_PER_KWH)
        + math.log10(float(assumptions["carbon_kg_per_kwh"]))
    )


def log_of(da: xr.DataArray) -> xr.DataArray:
    """Natural log of a DataArray (NaN stays NaN), typed as a DataArray."""
    out: xr.DataArray = xr.apply_ufunc(np.log, da)
    return out


def floor_draws(run: Run) -> xr.DataArray | None:
    """Per-benchmark error floor draws (``None`` for runs without floors)."""
    post = run.posterior
    return post["floor"] if "floor" in post else None


def walk_at(run: Run, years: xr.DataArray) -> xr.DataArray | float:
    """Random-walk level per benchmark in calendar ``years`` (draws); ``0`` for runs without dynamics.

    Fitted bins come from the posterior; bins after the last one continue the walk with new
    Student-t(``rw_nu``) innovations of scale ``rw_sigma``, drawn draw by draw with a seed derived from
    the run's seed, so the predictive spread grows with the horizon and repeated calls agree.
    """
    post, spec = run.posterior, run.spec
    if "walk" not in post:
        return 0.0
    bins = year_bins(run.data, spec.model.dynamics_bin_years, float(spec.centering["year"]))
    walk = post["walk"].transpose(*SAMPLE_DIMS, "benchmark", "year_bin")
    n_bins = walk.sizes["year_bin"]
    last_needed = max(int(spec.forecast.horizon_year), int(np.max(years.values)))
    n_future = max(int(bins.index(np.array([last_needed]))[0]) - (n_bins - 1), 0)
    rng = np.random.default_rng(policy.child_seed(spec.sampler.seed, "dynamics"))
    shape = (*walk.shape[:3], n_future)
    nu: Any = spec.priors["rw_nu"]
    scale = post["rw_sigma"].transpose(*SAMPLE_DIMS).values[:, :, None, None]
    future = walk.values[..., -1:] + np.cumsum(rng.standard_t(float(nu), size=shape) * scale, axis=-1)
    full = xr.DataArray(
        np.concatenate([walk.values, future], axis=-1),
        dims=(*SAMPLE_DIMS, "benchmark", "step"),
        coords={"benchmark": walk["benchmark"].values},
    )
    idx = np.clip(bins.index(years.values), 0, n_bins - 1 + n_future)
    return full.isel(step=xr.DataArray(idx, dims=years.dims, coords=years.coords))


def linear_predictor(run: Run) -> xr.DataArray:
    """Per result and draw: ``alpha + beta x + gamma t (+ walk)`` (the reducible error's log with floors)."""
    post, data = run.posterior, run.data
    obs = data.obs
    x = post["x"] if "x" in post else xr.DataArray(obs["x"].to_numpy(float), dims="obs")
    x = x.assign_coords(obs=np.arange(len(obs))) if "obs" in x.dims else x
    series_idx = xr.DataArray(obs["series_idx"].to_numpy(int), dims="obs")
    domain_idx = xr.DataArray(obs["domain_idx"].to_numpy(int), dims="obs")
    t = xr.DataArray(obs["t"].to_numpy(float), dims="obs")
    mu = (post["alpha"].isel(benchmark=series_idx) + post["beta"].isel(domain=domain_idx) * x
          + post["gamma"].isel(domain=domain_idx) * t)
    if "walk" in post:
        bins = year_bins(data, run.spec.model.dynamics_bin_years, float(run.spec.centering["year"]))
        mu = mu + post["walk"].isel(benchmark=series_idx, year_bin=xr.DataArray(bins.obs_bin, dims="obs"))
    return mu.drop_vars(["benchmark", "domain", "year_bin"], errors="ignore")


def _first_crossing(log10_cost: xr.DataArray, log10_budget: xr.DataArray) -> xr.DataArray:
    """First grid ``year`` where ``log10_cost >= log10_budget``; ``+inf`` when never on the grid."""
    over = log10_cost >= log10_budget
    years = log10_cost["year"]
    first = years.isel(year=over.argmax("year")).drop_vars("year", errors="ignore")
    return xr.where(over.any("year"), first.astype(float), np.inf)


def _at_year(path: Any, when: xr.DataArray) -> xr.DataArray:
    """``path(year)`` evaluated at the years ``when`` (NaN where ``when`` is never / +inf)."""
    finite = np.isfinite(when)
    return path(when.where(finite)).where(finite)


def _pick_year(path: xr.DataArray, when: xr.DataArray) -> xr.DataArray:
    """``path`` (dim ``year``) at the grid years ``when``, draw by draw (NaN where ``when`` is +inf)."""
    return path.where(path["year"] == when).max("year", skipna=True)


def _budget_coord(budgets: Mapping[str, float]) -> xr.DataArray:
    labels = list(budgets)
    return xr.DataArray(
        [float(budgets[k]) for k in labels],
        dims="budget",
        coords={"budget": labels, "budget_usd": ("budget", [float(budgets[k]) for k in labels])},
    )


# ----------------------------------------------------------------------------- the four computations
def compute_targets(
    run: Run, years: Sequence[int] | None = None, fractions: Sequence[float] | None = None
) -> xr.Dataset:
    """Compute, dollars and CO2 to reach ``fraction x best error`` per benchmark, by year (draws)."""
    post, data, spec = run.posterior, run.data, run.spec
    link = spec.model.link
    cx, ct, cp = (float(spec.centering[k]) for k in ("log10_flop", "year", "price_year"))
    t0 = last_data_year(data)
    yrs = sorted({t0, *(int(y) for y in (years if years is not None else spec.forecast.years))})
    fr = list(fractions if fractions is not None else spec.forecast.target_fractions)
    best = data.best.set_index("series").loc[list(data.series)]
    best_error = xr.DataArray(
        best["best_error"].to_numpy(dtype=float), dims="benchmark", coords={"benchmark": list(data.series)}
    )
    fraction = xr.DataArray(fr, dims="fraction", coords={"fraction": fr})
    target_error = best_error * fraction
    floor = floor_draws(run)
    if floor is None:
        y_target = xr.apply_ufunc(link_forward, target_error, kwargs={"link": link})
        below_floor = xr.zeros_like(target_error, dtype=bool)
    else:
        # the scaling law holds above the floor: targets at or below it need no finite compute (NaN)
        reducible = target_error - floor
        below_floor = reducible <= 0
        y_target = log_of(reducible.where(~below_floor))
    year = xr.DataArray(np.asarray(yrs, dtype=float), dims="year", coords={"year": yrs})
    beta = _per_benchmark(post, "beta", data)
    gamma = _per_benchmark(post, "gamma", data)
    x_needed = (y_target - post["alpha"] - gamma * (year - ct) - walk_at(run, year)) / beta
    log10_flop = x_needed + cx
    log10_usd = log10_flop + price_of_flop(run, year)
    log10_co2 = log10_flop + log10_kg_co2_per_useful_flop(post, year, cp, spec.assumptions)
    ds = xr.Dataset(
        {
            "log10_flop": log10_flop.transpose(*SAMPLE_DIMS, "benchmark", "fraction", "year"),
            "log10_usd": log10_usd.transpose(*SAMPLE_DIMS, "benchmark", "fraction", "year"),
            "log10_co2_kg": log10_co2.transpose(*SAMPLE_DIMS, "benchmark", "fraction", "year"),
            "best_error": best_error,
            "target_error": target_error,
            "max_log10_flop_observed": _max_observed_flop(data, cx),
            "p_below_floor": below_floor.mean(SAMPLE_DIMS) if floor is not None else below_floor,
        }
    )
    ds = ds.assign_coords(domain=_series_domain(data))
    ds.attrs.update(last_data_year=t0, link=link, dollar_year=int(spec.assumptions["dollar_year"]))
    return ds


def error_rate_domains(data: ModelData) -> list[str]:
    """Domains whose main benchmark's outcome is an error rate (not 1 - BLEU/100 or 1 - AP)."""
    return [d for d, s in main_benchmarks(data).items() if s.partition("/")[2] not in NOT_ERROR_RATES]


def evidence_weighted(draws: xr.DataArray, domains: Sequence[str]) -> xr.DataArray:
    """Precision-weighted mean over ``domains`` of per-domain draws, draw by draw.

    Weights are 1 / (robust variance of each domain's draws): the squared half-width of its central 68%
    interval, so a heavy-tailed, barely identified domain gets little weight.
    """
    sub = draws.sel(domain=list(domains))
    q = sub.quantile([0.16, 0.84], dim=list(SAMPLE_DIMS))
    half = (q.isel(quantile=1, drop=True) - q.isel(quantile=0, drop=True)) / 2.0
    w = 1.0 / half.clip(min=1e-12) ** 2  # a domain with (numerically) constant draws dominates
    return (sub * w).sum("domain") / w.sum("domain")


def compute_progress(run: Run) -> xr.Dataset:
    """Years of algorithmic progress worth 10x compute (beta / gamma), per domain and shared (draws).

    ``*_shared`` uses the shared means (mu_gamma / mu_beta); ``*_weighted`` is the evidence-weighted
    shared figure: the precision-weighted mean of the domains' decades of compute per year over the
    domains whose outcome is an error rate (:func:`error_rate_domains`; BLEU and AP kept out),
    inverted for years per 10x.
    """
    post = run.posterior
    ds = xr.Dataset(
        {
            "years_per_10x": post["beta"] / post["gamma"],
            "decades_per_year": post["gamma"] / post["beta"],
            "years_per_10x_shared": post["mu_beta"] / post["mu_gamma"],
            "decades_per_year_shared": post["mu_gamma"] / post["mu_beta"],
            "beta": post["beta"],
            "gamma": post["gamma"],
            "mu_beta": post["mu_beta"],
            "mu_gamma": post["mu_gamma"],
        }
    )
    included = error_rate_domains(run.data)
    if included:
        ds["decades_per_year_weighted"] = evidence_weighted(ds["decades_per_year"], included)
        ds["years_per_10x_weighted"] = 1.0 / ds["decades_per_year_weighted"]
        ds["halving_months_weighted"] = ds["years_per_10x_weighted"] * 12.0 / _LOG2_10
        ds["p_progress_weighted"] = progress_probability(ds["decades_per_year_weighted"])
    ds["halving_months"] = ds["years_per_10x"] * 12.0 / _LOG2_10
    ds["halving_months_shared"] = ds["years_per_10x_shared"] * 12.0 / _LOG2_10
    ds.attrs["weighted_domains"] = ",".join(included)
    from forecast.theory import implied_exponent

    return ds.merge(identification(post, *implied_exponent(run)))


def _year_grid(run: Run, t0: int) -> xr.DataArray:
    horizon = int(run.spec.forecast.horizon_year)
    yrs = np.arange(t0, max(horizon, t0) + 1)
    return xr.DataArray(yrs.astype(float), dims="year", coords={"year": yrs})


def frontier_offset(run: Run) -> xr.DataArray:
    """Per benchmark and draw: mean residual ``y - mu`` of the results that were state of the art.

    Frontier results lie below the mean performance line (they are the best of their time); the
    wall keeps the frontier on pace, so it inverts the line shifted by this offset. Benchmarks with
    no frontier result in the likelihood get offset 0. With floors the residual is that of the
    reducible error, ``log(error - floor) - mu``, over the frontier results above the floor.
    """
    data = run.data
    obs = data.obs
    mu = linear_predictor(run)
    floor = floor_draws(run)
    if floor is None:
        y = xr.DataArray(obs["y"].to_numpy(float), dims="obs")
    else:
        red = xr.DataArray(obs["error"].to_numpy(float), dims="obs") - floor.isel(
            benchmark=xr.DataArray(obs["series_idx"].to_numpy(int), dims="obs")).drop_vars("benchmark")
        y = log_of(red.where(red > 0))
    resid = y - mu
    frontier = np.asarray(obs["frontier"]).astype(str) == "True" if "frontier" in obs else np.zeros(len(obs), bool)
    out = []
    for i in range(len(data.series)):
        pick = np.flatnonzero(frontier & (obs["series_idx"].to_numpy(int) == i))
        out.append(resid.isel(obs=pick).mean("obs", skipna=True).fillna(0.0) if len(pick)
                   else xr.zeros_like(resid.isel(obs=0)))
    return xr.concat(out, dim=xr.DataArray(list(data.series), dims="benchmark", name="benchmark"))


def _projection_setup(run: Run, budgets: Mapping[str, float] | None) -> tuple[Any, ...]:
    """What the wall and the spending projections share: centring, T0, budgets, main benchmarks, grid."""
    post, data, spec = run.posterior, run.data, run.spec
    centering = tuple(float(spec.centering[k]) for k in ("log10_flop", "year", "price_year"))
    t0 = last_data_year(data)
    mains = main_benchmarks(data)
    domains = list(mains)
    bench = xr.DataArray([mains[d] for d in domains], dims="domain", coords={"domain": domains})
    alpha = post["alpha"].sel(benchmark=bench).drop_vars("benchmark")
    return (post, data, spec.model.link, centering, t0, dict(budgets if budgets is not None else spec.budgets()),
            domains, bench, _year_grid(run, t0), alpha)


def compute_wall(run: Run, budgets: Mapping[str, float] | None = None) -> xr.Dataset:
    """Cost of staying on the frontier trend per domain and year, and the wall year per budget (draws).

    Uses each domain's main benchmark (:func:`main_benchmarks`): its best published error is the start
    ``y_best`` at the last data year ``T0``; the frontier improves at ``frontier_rate`` per year. The
    compute that path needs inverts the performance line shifted by the frontier's mean residual
    (:func:`frontier_offset`), so its log grows by ``(rate - gamma) / beta`` decades per year.
    """
    post, data, link, (cx, ct, cp), t0, budgets, domains, bench, year, alpha = _projection_setup(run, budgets)
    best = data.best.set_index("series")
    y_best = xr.DataArray(
        link_forward(best.loc[list(bench.values), "best_error"].to_numpy(float), link),
        dims="domain",
        coords={"domain": domains},
    )
    beta, gamma, rate = (post[v].sel(domain=domains) for v in ("beta", "gamma", "frontier_rate"))
    floor = floor_draws(run)
    if floor is not None:
        # With floors the frontier's distance to the floor shrinks by exp(rate) a year: the path
        # approaches the floor and never crosses it. A best error already at the floor starts saturated.
        fl = floor.sel(benchmark=bench).drop_vars("benchmark")
        sat_level = float(run.spec.forecast.saturation_fraction) * fl
        red_best = xr.DataArray(best.loc[list(bench.values), "best_error"].to_numpy(float), dims="domain",
                                coords={"domain": domains}) - fl
        y_start = log_of(red_best.where(red_best > sat_level, sat_level))
    else:
        y_start = y_best

    def y_path_at(when: xr.DataArray) -> xr.DataArray:
        return y_start + rate * (when - t0)

    def error_at(when: xr.DataArray) -> xr.DataArray:
        if floor is None:
            return link_inverse(y_path_at(when), link)
        return fl + np.exp(y_path_at(when))

    y_path = y_path_at(year)
    # Frontier results beat the mean line by ``offset`` (their mean residual, per draw): the compute
    # that keeps the frontier on pace is that of a frontier model, not of an average one.
    offset = frontier_offset(run).sel(benchmark=bench).drop_vars("benchmark")
    walk = walk_at(run, year)
    walk = walk.sel(benchmark=bench).drop_vars("benchmark") if isinstance(walk, xr.DataArray) else walk
    x_needed = (y_path - offset - alpha - gamma * (year - ct) - walk) / beta
    log10_flop = x_needed + cx
    log10_usd = log10_flop + price_of_flop(run, year)
    b = _budget_coord(budgets)
    wall_year = _first_crossing(log10_usd, xr.apply_ufunc(np.log10, b))
    error_path = error_at(year)
    error_at_wall = _at_year(error_at, wall_year)
    if floor is not None:
        saturation_year = _first_crossing(-y_path, -log_of(sat_level))
    else:
        saturation_year = xr.full_like(wall_year.isel(budget=0, drop=True), np.inf)
    ds = xr.Dataset(
        {
            "log10_flop": log10_flop.transpose(*SAMPLE_DIMS, "domain", "year"),
            "log10_usd": log10_usd.transpose(*SAMPLE_DIMS, "domain", "year"),
            "error_path": error_path.transpose(*SAMPLE_DIMS, "domain", "year"),
            "wall_year": wall_year.transpose(*SAMPLE_DIMS, "domain", "budget"),
            "error_at_wall": error_at_wall.transpose(*SAMPLE_DIMS, "domain", "budget"),
            "already": (wall_year == t0).transpose(*SAMPLE_DIMS, "domain", "budget"),
            "never": (wall_year == np.inf).transpose(*SAMPLE_DIMS, "domain", "budget"),
            "saturation_year": saturation_year.transpose(*SAMPLE_DIMS, "domain"),
            "saturates_first": (saturation_year < wall_year).transpose(*SAMPLE_DIMS, "domain", "budget"),
            "y_best": y_best,
            "best_error": link_inverse(y_best, link),
        }
    )
    ds = ds.assign_coords(benchmark=bench, budget_usd=b["budget_usd"])
    ds.attrs.update(last_data_year=t0, horizon_year=int(year[-1]), link=link,
                    saturation_fraction=float(run.spec.forecast.saturation_fraction))
    return ds


def compute_spending(run: Run, budgets: Mapping[str, float] | None = None) -> xr.Dataset:
    """Cost of compute growing on each domain's fitted trend, when it crosses each budget, what it buys."""
    post, _, link, (cx, ct, cp), t0, budgets, domains, bench, year, alpha = _projection_setup(run, budgets)
    beta, gamma = post["beta"].sel(domain=domains), post["gamma"].sel(domain=domains)
    kappa, lam = post["trend_intercept"].sel(domain=domains), post["trend_slope"].sel(domain=domains)
    floor = floor_draws(run)
    walk_all = walk_at(run, year)
    walk = walk_all.sel(benchmark=bench).drop_vars("benchmark") if isinstance(walk_all, xr.DataArray) else 0.0

    def error_at(when: xr.DataArray) -> xr.DataArray:
        x = kappa + lam * (when - ct)
        mu = alpha + beta * x + gamma * (when - ct) + walk
        if floor is None:
            return link_inverse(mu, link)
        return floor.sel(benchmark=bench).drop_vars("benchmark") + np.exp(mu)

    x_trend = kappa + lam * (year - ct)
    log10_flop = x_trend + cx
    log10_usd = log10_flop + price_of_flop(run, year)
    b = _budget_coord(budgets)
    cross = _first_crossing(log10_usd, xr.apply_ufunc(np.log10, b))
    error_path = error_at(year)
    growth = 10.0 ** (post["trend_slope"].sel(domain=domains) + post["price_slope"])
    ds = xr.Dataset(
        {
            "log10_flop": log10_flop.transpose(*SAMPLE_DIMS, "domain", "year"),
            "log10_usd": log10_usd.transpose(*SAMPLE_DIMS, "domain", "year"),
            "error_path": error_path.transpose(*SAMPLE_DIMS, "domain", "year"),
            "cross_year": cross.transpose(*SAMPLE_DIMS, "domain", "budget"),
            "error_at_cross": _pick_year(error_path, cross).transpose(*SAMPLE_DIMS, "domain", "budget"),
            "already": (cross == t0).transpose(*SAMPLE_DIMS, "domain", "budget"),
            "never": (cross == np.inf).transpose(*SAMPLE_DIMS, "domain", "budget"),
            "cost_growth_per_year": growth.transpose(*SAMPLE_DIMS, "domain"),
        }
    )
    ds = ds.assign_coords(benchmark=bench, budget_usd=b["budget_usd"])
    ds.attrs.update(last_data_year=t0, horizon_year=int(year[-1]), link=link)
    return ds


# ----------------------------------------------------------------------------- tables
def _prefixed(s: xr.Dataset, prefix: str) -> xr.Dataset:
    return s.rename({k: f"{prefix}_{k}" for k in s.data_vars})


def _frame(ds: xr.Dataset, dims: Sequence[str]) -> pd.DataFrame:
    """Flatten a summary dataset (no sample dims) into a frame, one row per combination of ``dims``."""
    return ds.to_dataframe(dim_order=list(dims)).reset_index()


def _flags(df: pd.DataFrame, ident: xr.Dataset) -> pd.DataFrame:
    """P(beta<0), the identification verdict (:mod:`forecast.identification`) and its note, per row."""
    p = ident["p_beta_negative"].to_series()
    df["p_beta_negative"] = df["domain"].map(p).astype(float)
    df["identified"] = df["domain"].map(ident["identified"].to_series()).astype(bool)
    df["note"] = np.where(df["identified"], "", NOT_IDENTIFIED_NOTE)
    return df


def targets_table(targets: xr.Dataset, ident: xr.Dataset) -> pd.DataFrame:
    """One row per benchmark x target fraction x year: medians and intervals of FLOP, USD, CO2."""
    parts = [_prefixed(summarize(targets[v]), v) for v in ("log10_flop", "log10_usd", "log10_co2_kg")]
    ds = xr.merge(
        [*parts, targets[["best_error", "target_error", "max_log10_flop_observed", "p_below_floor"]]], compat="override"
    )
    df = _frame(ds, ("benchmark", "fraction", "year"))
    df.insert(0, "link", targets.attrs["link"])
    first = ["link", "domain", "benchmark", "best_error", "fraction", "target_error", "year"]
    df = df[first + [c for c in df.columns if c not in first]]
    df["year"] = df["year"].astype(int)
    df["decades_beyond_data"] = df["log10_flop_median"] - df["max_log10_flop_observed"]
    df = _flags(df, ident)
    below = df["p_below_floor"] > 0
    df.loc[below, "note"] = [
        "; ".join(x for x in (n, BELOW_FLOOR_NOTE.format(p)) if x)
        for n, p in zip(df.loc[below, "note"], df.loc[below, "p_below_floor"], strict=True)
    ]
    return df


def progress_table(progress: xr.Dataset) -> pd.DataFrame:
    """Years per 10x compute, decades of compute per year and halving months, per domain and shared."""
    names = ("years_per_10x", "decades_per_year", "halving_months")
    dom = xr.merge(
        [_prefixed(summarize(progress[v]), v) for v in names]
        + [progress[["p_beta_negative", "p_gamma_negative", "p_progress", "identified", "ratio_identified"]]]
    )
    df = _frame(dom, ("domain",))
    shared = xr.merge([_prefixed(summarize(progress[v + "_shared"]), v) for v in names])
    row: dict[str, Any] = {str(k): float(v) for k, v in shared.data_vars.items()}
    identified_shared = progress["identified_shared"]
    row.update(
        domain="shared",
        p_beta_negative=float(progress["p_beta_negative_shared"]),
        p_gamma_negative=float(progress["p_gamma_negative_shared"]),
        p_progress=float(progress["p_progress_shared"]),
        identified=bool(identified_shared),
        ratio_identified=bool(progress["ratio_identified_shared"]),
    )
    rows = [row]
    if "years_per_10x_weighted" in progress:
        weighted = xr.merge([_prefixed(summarize(progress[v + "_weighted"]), v) for v in names])
        w_row: dict[str, Any] = {str(k): float(v) for k, v in weighted.data_vars.items()}
        included = str(progress.attrs.get("weighted_domains", ""))
        w_ident = bool(progress["identified"].sel(domain=included.split(",")).any()) if included else False
        w_progress = float(progress["p_progress_weighted"])
        w_row.update(
            domain=WEIGHTED_ROW,
            p_beta_negative=float("nan"),
            p_gamma_negative=float("nan"),
            p_progress=w_progress,
            identified=w_ident,
            ratio_identified=bool(ratio_identified(w_ident, w_progress)),
        )
        rows.append(w_row)
    df = pd.concat([df, pd.DataFrame(rows)], ignore_index=True)
    df["identified"] = df["identified"].astype(bool)
    df["ratio_identified"] = df["ratio_identified"].astype(bool)
    df["note"] = [
        "" if ratio else NOT_IDENTIFIED_NOTE if not compute else ratio_not_identified_note(p)
        for compute, ratio, p in zip(df["identified"], df["ratio_identified"], df["p_progress"], strict=True)
    ]
    if "years_per_10x_weighted" in progress:
        weighted_row = df["domain"] == WEIGHTED_ROW
        df.loc[weighted_row, "note"] = [
            "; ".join(x for x in (
                f"precision-weighted over error-rate domains: {progress.attrs.get('weighted_domains', '')} "
                f"(1 - BLEU/100 and 1 - AP are not error rates and are left out)", note) if x)
            for note in df.loc[weighted_row, "note"]
        ]
    return df


def anchors_table() -> pd.DataFrame:
    """Return the literature anchors for algorithmic progress, in years per 10x compute (95% CIs)."""
    return pd.DataFrame(list(ANCHORS))


def _crossing_table(ds: xr.Dataset, var: str, err_var: str, ident: xr.Dataset, prefix: str) -> pd.DataFrame:
    horizon = int(ds.attrs["horizon_year"])
    n_draws = int(np.prod([ds.sizes[d] for d in SAMPLE_DIMS]))
    extra = xr.Dataset(
        {
            **{f"p_by_{y}": (ds[var] <= y).mean(SAMPLE_DIMS) for y in WALL_BY_YEARS},
            "p_already": ds["already"].mean(SAMPLE_DIMS),
            "n_never": ds["never"].sum(SAMPLE_DIMS).astype(int),
        }
    )
    summary = xr.merge(
        [
            _prefixed(summarize(ds[var], inf_sentinel=horizon + 1.0, years=True), prefix),
            extra,
            _prefixed(summarize(ds[err_var]), f"error_at_{prefix}"),
        ]
    )
    df = _frame(summary, ("domain", "budget"))
    df["n_draws"] = n_draws
    df["p_never"] = df["n_never"] / n_draws
    first = ["domain", "benchmark", "budget", "budget_usd"]
    df = df[first + [c for c in df.columns if c not in first]]
    df["domain"] = df["domain"].astype(str)
    df["budget"] = df["budget"].astype(str)
    return _flags(df, ident)


def wall_table(wall: xr.Dataset, ident: xr.Dataset) -> pd.DataFrame:
    """Per domain x budget: wall-year median and 50%/90% intervals (inf = after the horizon), P(by year).

    With floors also P(saturates first): the share of draws whose frontier reaches its floor (within
    ``saturation_fraction``) before the wall year; ``saturates_first`` when that is the majority.
    """
    df = _crossing_table(wall, "wall_year", "error_at_wall", ident, "wall")
    if "saturates_first" in wall:
        p = wall["saturates_first"].mean(SAMPLE_DIMS).to_series()
        df["p_saturates_first"] = [float(p.loc[(d, b)]) for d, b in zip(df["domain"], df["budget"], strict=True)]
        sat = summarize(wall["saturation_year"], inf_sentinel=float(wall.attrs["horizon_year"]) + 1.0, years=True)
        df["saturation_median"] = df["domain"].map(sat["median"].to_series()).astype(float)
    else:
        df["p_saturates_first"] = 0.0
        df["saturation_median"] = np.inf
    df["saturates_first"] = df["p_saturates_first"] >= 0.5
    return df


def spending_table(spending: xr.Dataset, ident: xr.Dataset) -> pd.DataFrame:
    """Per domain x budget: when spending on the compute trend crosses the budget, and what it buys."""
    df = _crossing_table(spending, "cross_year", "error_at_cross", ident, "cross")
    g = _frame(_prefixed(summarize(spending["cost_growth_per_year"]), "growth"), ("domain",))
    df = df.merge(
        g.drop(columns=[c for c in g.columns if c not in ("domain",) and not c.startswith("growth")]),
        on="domain",
        how="left",
    )
    df["cottier_growth"] = COTTIER_GROWTH["median"]
    df["cottier_low"] = COTTIER_GROWTH["low"]
    df["cottier_high"] = COTTIER_GROWTH["high"]
    return df


# ----------------------------------------------------------------------------- the bundle
@dataclass
class Forecasts:
    """All forecasts of one run: draws (xarray) and summary tables (pandas), with provenance."""

    run_name: str
    run_path: str
    data_hash: str
    created: str
    link: str
    converged: bool
    verdict: str
    last_data_year: int
    budgets: dict[str, float]
    targets: xr.Dataset
    progress: xr.Dataset
    wall: xr.Dataset
    spending: xr.Dataset
    targets_table: pd.DataFrame
    progress_table: pd.DataFrame
    wall_table: pd.DataFrame
    spending_table: pd.DataFrame
    anchors_table: pd.DataFrame = field(default_factory=anchors_table)
    frontier: xr.Dataset | None = None  # forecast.walls.compute_frontier (None: run without a frontier model)
    frontier_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    theory: xr.Dataset = field(default_factory=xr.Dataset)
    theory_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    imagenet_check: dict[str, Any] = field(default_factory=dict)
    prior_check_table: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def identified(self) -> dict[str, bool]:
        """Domain -> whether its compute effect is identified (:mod:`forecast.identification`)."""
        t = self.progress_table
        return {str(d): bool(ok) for d, ok in zip(t["domain"], t["identified"], strict=True)
                if d not in ("shared", WEIGHTED_ROW)}

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return the summary tables by name (the CSV files written beside a report)."""
        return {
            "targets": self.targets_table,
            "progress": self.progress_table,
            "anchors": self.anchors_table,
            "wall": self.wall_table,
            "spending": self.spending_table,
            **self.frontier_tables,
            "theory": self.theory_table,
            "prior_check": self.prior_check_table,
        }

    def provenance(self) -> dict[str, str]:
        """Run path, name, data hash and creation time (written into every table file)."""
        return {
            "run": self.run_path,
            "name": self.run_name,
            "data_hash": self.data_hash or "(none recorded)",
            "created": self.created,
            "link": self.link,
        }

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write every table as ``<name>.csv`` in ``directory`` (atomically), each with provenance columns."""
        from forecast.atomic import atomic_write_text

        directory = Path(directory)
        paths = []
        prov = self.provenance()
        for name, df in self.tables().items():
            out = df.copy()
            for k, v in prov.items():
                out[f"run_{k}" if k != "run" else "run_path"] = v
            path = directory / f"{name}.csv"
            atomic_write_text(path, out.to_csv(index=False))
            paths.append(path)
        return paths


def _notable_trend(run: Run, spending: xr.Dataset) -> xr.Dataset:
    """The mean-notable-model compute trend per domain (what the spending walls use) and its growth x/yr."""
    growth = 10.0 ** run.posterior["trend_slope"].sel(domain=list(spending["domain"].values))
    return xr.Dataset({"log10_flop": spending["log10_flop"], "growth": growth})


def compute_forecasts(
    run: Run, budgets: Mapping[str, float] | None = None, years: Sequence[int] | None = None
) -> Forecasts:
    """Every forecast of ``run`` (targets, progress, wall, spending) as draws and summary tables.

    Parameters
    ----------
    run
        A loaded run (:func:`forecast.run.load_run`).
    budgets
        Label -> constant dollars; default ``run.spec.budgets()``.
    years
        Future years of the targets table; default ``run.spec.forecast.years``.
    """
    from forecast import theory
    from forecast.walls import compute_frontier, frontier_tables

    budgets = dict(budgets if budgets is not None else run.spec.budgets())
    # Extreme draws (a compute slope near 0) overflow to +-inf on purpose: inf is a valid answer here.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        k, k_shared = theory.implied_exponent(run)
        ident = identification(run.posterior, k, k_shared)
        targets = compute_targets(run, years=years)
        progress = compute_progress(run)
        wall = compute_wall(run, budgets)
        spending = compute_spending(run, budgets)
        decomp = theory.decomposition(run)
        tables = (
            targets_table(targets, ident),
            progress_table(progress),
            wall_table(wall, ident),
            spending_table(spending, ident),
        )
        frontier = compute_frontier(run)
        theory_tab = theory.theory_table(k, decomp)
        check = theory.imagenet_check(run)
        prior_check = theory.prior_error_check(run)
    return Forecasts(
        run_name=run.name,
        run_path=str(run.path) if run.path is not None else "(not saved)",
        data_hash=str(run.meta.get("data_hash", "")),
        created=str(run.meta.get("created", "")),
        link=run.spec.model.link,
        converged=run.checks.converged,
        verdict=run.checks.verdict(),
        last_data_year=last_data_year(run.data),
        budgets=budgets,
        targets=targets,
        progress=progress,
        wall=wall,
        spending=spending,
        targets_table=tables[0],
        progress_table=tables[1],
        wall_table=tables[2],
        spending_table=tables[3],
        frontier=frontier,
        frontier_tables=frontier_tables(frontier, years if years is not None else run.spec.forecast.years,
                                        run.data.frontier_tables.get("domain_support"),
                                        _notable_trend(run, spending)),
        theory=decomp.assign(k=k, k_shared=k_shared),
        theory_table=theory_tab,
        imagenet_check=check,
        prior_check_table=prior_check,
    )


def compare_links(forecasts: Iterable[Forecasts]) -> pd.DataFrame:
    """Targets tables of several runs (e.g. logit, log and identity links) stacked, with run provenance."""
    frames = []
    for fc in forecasts:
        df = fc.targets_table.copy()
        df.insert(0, "run", fc.run_name)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def sibling_link_runs(run: Run) -> list[Path]:
    """Run files of the same model under the other links, if fitted: ``<models>/<name>-<link>/run.nc``."""
    if run.path is None:
        return []
    base = Path(run.path).parent.parent
    name = run.name
    for link in ("logit", "log", "identity"):
        if name.endswith(f"-{link}"):
            name = name[: -len(link) - 1]
    out = []
    for cand in [
        base / name / "run.nc",
        *(base / f"{name}-{lk}" / "run.nc" for lk in ("logit", "log", "identity")),
    ]:
        if cand.is_file() and cand.resolve() != Path(run.path).resolve():
            out.append(cand)
    return out


# ----------------------------------------------------------------------------- text
def format_year(value: float, horizon: int, t0: int | None = None) -> str:
    """Format a wall year for humans: ``2034``, ``already (2020)`` or ``after 2100``."""
    if not np.isfinite(value):
        return f"after {horizon}"
    if t0 is not None and value <= t0:
        return f"already ({int(t0)})"
    return f"{value:.0f}"


def format_money(usd: float) -> str:
    """Constant dollars for humans: ``$1.2B``."""
    if not np.isfinite(usd):
        return "n/a"
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(usd) >= scale:
            return f"${usd / scale:.3g}{suffix}"
    return f"${usd:.3g}"


def wall_interval_text(row: Mapping[str, Any] | pd.Series, horizon: int, t0: int, prefix: str = "wall") -> str:
    """``'2034 (50%: 2031-2038; 90%: 2027-after 2100)'`` from a wall/spending table row."""

    def f(k: str) -> str:
        return format_year(float(row[f"{prefix}_{k}"]), horizon, t0 if k == "median" else None)

    inner = policy.INNER_INTERVAL_PROB
    outer = policy.INTERVAL_PROB
    return f"{f('median')} ({inner:.0%}: {f('lo50')}-{f('hi50')}; {outer:.0%}: {f('lo')}-{f('hi')})"


def wall_text(fc: Forecasts, row: Mapping[str, Any] | pd.Series) -> str:
    """A wall-table row of ``fc`` in words: its wall year with the 50% and 90% intervals, or "saturates first".

    With error floors a domain whose frontier nears its floor before the wall in most draws says
    ``saturates first (P = ...; frontier within 10% of its floor by <year>)`` instead of a wall year.
    """
    horizon, t0 = int(fc.wall.attrs["horizon_year"]), fc.last_data_year
    if row.get("saturates_first", False):
        return (f"saturates first (P = {row['p_saturates_first']:.2f}; frontier within "
                f"{fc.wall.attrs.get('saturation_fraction', 0.1):.0%} of its floor by "
                f"{format_year(float(row['saturation_median']), horizon, t0)})")
    return wall_interval_text(row, horizon, t0)


def headline(run_or_forecasts: Run | Forecasts) -> str:
    """Summarize a run for the console: slopes, years per 10x compute and wall years per budget."""
    fc = run_or_forecasts if isinstance(run_or_forecasts, Forecasts) else compute_forecasts(run_or_forecasts)
    label = policy.interval_label()
    t0 = fc.last_data_year
    from forecast.walls import frontier_headline

    lines = [f"Run '{fc.run_name}' ({fc.link} link): medians with {label} intervals"]
    lines += frontier_headline(fc.frontier, fc.frontier_tables)
    if not fc.converged:
        lines.insert(0, f"WARNING: THIS RUN DID NOT CONVERGE - numbers below are unreliable. {fc.verdict}")
    else:
        lines.append(f"  convergence: {fc.verdict}")
    slopes = summarize(fc.progress["beta"]), summarize(fc.progress["gamma"])
    for _, row in fc.progress_table.iterrows():
        dom = str(row["domain"])
        if dom in ("shared", WEIGHTED_ROW):
            continue
        b, blo, bhi = (float(slopes[0][k].sel(domain=dom).item()) for k in ("median", "lo", "hi"))
        g, glo, ghi = (float(slopes[1][k].sel(domain=dom).item()) for k in ("median", "lo", "hi"))
        ypt = (
            f"{row['years_per_10x_median']:.2g} yr per 10x compute "
            f"[{row['years_per_10x_lo']:.2g}, {row['years_per_10x_hi']:.2g}]"
        )
        if not row["identified"]:
            ypt = f"years per 10x NOT IDENTIFIED (P(beta<0) = {row['p_beta_negative']:.2f}; k too uncertain)"
        elif not row["ratio_identified"]:
            ypt = (f"years per 10x NOT IDENTIFIED (P(gamma/beta > 0) = {row['p_progress']:.3f}: "
                   f"sign of algorithmic progress uncertain)")
        lines.append(
            f"  {dom}: beta {b:+.3f} [{blo:+.3f}, {bhi:+.3f}], gamma {g:+.3f} [{glo:+.3f}, {ghi:+.3f}]; {ypt}"
        )
    prog = fc.progress_table.set_index("domain")
    for label in ("shared", WEIGHTED_ROW):
        if label in prog.index:
            sh = prog.loc[label]
            lines.append(
                f"  {label}: {sh['years_per_10x_median']:.2g} yr per 10x compute "
                f"[{sh['years_per_10x_lo']:.2g}, {sh['years_per_10x_hi']:.2g}] (Thompson: ~3)"
                + ("" if label == "shared" and bool(sh["ratio_identified"]) else f" - {sh['note']}")
            )
    lines.append(
        f"Economic wall (frontier keeps its pace from {t0}; first year its compute costs more than):"
    )
    for _, row in fc.wall_table.iterrows():
        txt = wall_text(fc, row)
        flag = "" if row["identified"] else "  [NOT IDENTIFIED: compute effect too uncertain]"
        lines.append(f"  {row['domain']} ({row['benchmark']}), {row['budget']}: {txt}{flag}")
    return "\n".join(lines)


def parse_budget(text: str) -> tuple[str, float]:
    """``'1e9'``, ``'1B'``, ``'$100B'``, ``'5T'`` or ``'gdp_1pct'`` -> (label, dollars)."""
    from forecast.config import _money_label

    s = text.strip().replace("$", "").replace(",", "").replace("_", "") if text != "gdp_1pct" else text
    if s == "gdp_1pct":
        raise ValueError("gdp_1pct needs the run's world GDP assumption: use budgets_from_args")
    mult = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
    try:
        value = float(s[:-1]) * mult[s[-1].lower()] if s and s[-1].lower() in mult else float(s)
    except ValueError:
        raise ValueError(f"cannot read budget {text!r}: use e.g. 1e9, 1B, 100B, 5T or gdp_1pct") from None
    if not value > 0:
        raise ValueError(f"budget must be > 0, got {text!r}")
    return _money_label(value), value


def budgets_from_args(values: Sequence[str], run: Run) -> dict[str, float]:
    """Budgets given on the command line (labels -> dollars); ``gdp_1pct`` uses the run's GDP assumption."""
    out: dict[str, float] = {}
    for v in values:
        if v.strip() == "gdp_1pct":
            out["1% of world GDP"] = 0.01 * float(run.spec.assumptions["world_gdp_usd"])
        else:
            label, value = parse_budget(v)
            out[label] = value
    return out
