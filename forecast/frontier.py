"""The compute frontier: the largest training runs across all of ML, and the companion series it needs.

Data (:func:`prepare_frontier`, no PyMC): every Epoch system of ``data/notable_models.csv`` with a
training compute and a date up to ``frontier.fit_until`` (general-purpose language and multimodal
models and the ``other`` domain included), flagged ``top`` when it was among the ``frontier.top_k``
largest training runs published up to its own release (Epoch's "top 10 at release" definition).
Companion tables compiled by ``data/build/build_frontier_tables.py``: Cottier et al.'s per-run costs
(:mod:`forecast.costs`), accelerator facts (peak FLOP/s, TDP), US CPI-U and world GDP.

Model (:func:`frontier_part`, called from :func:`forecast.model.build_model`)::

    level[k] = frontier_level_mid + frontier_slope_mean * (year_k - mean year) + frontier_slope_sigma * (B z)[k]
    slope[k] = level[k + 1] - level[k]          (B: hinge basis, :func:`trend_basis`; z ~ N(0, 1) per year)
    x_i ~ StudentT(nu, level[k_i] + slope[k_i] * (t_i - year_k_i), frontier_compute_sigma)    top-k systems only

A local linear trend rather than one line: Sevilla et al. 2022 found separate eras (doubling ~every 20
months before 2010, ~6 months after), and a slope that can drift makes the forecast's uncertainty grow
with the horizon (the slope keeps drifting after the data end: :mod:`forecast.walls`). The frontier
run of year ``T`` is ``level(T)``, the centre of the top-k-at-release systems (as Cottier et al.'s
trend); individual runs scatter around it by ``frontier_compute_sigma``.

Per-domain frontiers (:func:`prepare_domain_systems`, :func:`domain_support`, :func:`domain_frontier_part`):
for each ``frontier.domains`` entry the top-k-at-release systems *within* the domain, general models
counted when the table's task cell lists the domain's task (:func:`domain_members`); a line per domain
partially pooled around the all-ML trend's line; domains with too few systems are flagged instead.

World GDP in real dollars is a random walk with drift on log10 (``gdp_growth``, ``gdp_growth_sigma``),
fitted on the World Bank series deflated with CPI-U (US CPI applied to a dollar aggregate: an
approximation). The energy efficiency of the hardware frontier is a Student-t line through the most
efficient accelerator released each year (``hw_eff_intercept``, ``hw_eff_slope``; log10 dense peak
FLOP per joule at TDP).

Dollars are fitted in dollars of :data:`BASE_DOLLAR_YEAR` (the year Cottier et al. state theirs in);
forecasts convert them to ``assumptions.dollar_year`` with the CPI (:func:`dollar_factor`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast import units
from forecast.errors import ConfigError, DataError, Problem

BASE_DOLLAR_YEAR = 2023
"""Dollar year of the fitted costs and GDP (Cottier et al. 2024 state costs in 2023 dollars)."""

FRONTIER_FILES = {
    "costs": "frontier_costs.csv",
    "hardware": "frontier_hardware.csv",
    "cpi": "cpi_annual.csv",
    "gdp": "world_gdp.csv",
}
_REQUIRED = {
    "costs": ("model", "publication_date", "training_flop", "training_hardware", "hardware_quantity",
              "training_hours", "cloud_usd", "acquisition_usd", "amortized_usd", "dollar_year", "source"),
    "hardware": ("chip", "release_date", "peak_flops", "tdp_watts", "source"),
    "cpi": ("year", "cpi_u", "source"),
    "gdp": ("year", "gdp_current_usd", "source"),
}
FIT_KEYS = ("enabled", "fit_until", "top_k", "start_year", "obs_nu", "hardware_from_year", "gdp_from_year",
            "acquisition_hours", "run_days", "domains", "domain_min_systems", "domain_min_span_years")
"""Keys of the ``[frontier]`` spec table that change the fit (the rest only enter the forecasts;
``run_days`` is the reference run length of the acquisition cost, :mod:`forecast.costs`)."""


@dataclass(frozen=True)
class FrontierSettings:
    """The validated ``[frontier]`` table of a spec."""

    enabled: bool
    fit_until: str
    top_k: int
    start_year: int
    obs_nu: float
    hardware_from_year: int
    gdp_from_year: int
    headline_method: str
    run_days: float
    it_overhead: float
    power_thresholds_gw: tuple[float, ...]
    budgets_usd: tuple[float | str, ...]
    gdp_share: float
    by_years: tuple[int, ...]
    acquisition_hours: bool
    domains: tuple[str, ...]
    domain_min_systems: int
    domain_min_span_years: float

    @property
    def fit_until_year(self) -> float:
        """``fit_until`` as a decimal year."""
        return float(units.decimal_year(pd.Timestamp(self.fit_until)))


def settings(spec: Any) -> FrontierSettings:
    """Read and check the ``[frontier]`` table of ``spec`` (raises :class:`ConfigError`)."""
    from forecast.costs import METHODS

    raw = dict(spec.raw.get("frontier", {}))
    try:
        fit_until = str(pd.Timestamp(str(raw["fit_until"])).date())
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"'frontier.fit_until' must be an ISO date, got {raw.get('fit_until')!r}") from exc
    if raw["headline_method"] not in METHODS:
        raise ConfigError(f"'frontier.headline_method' = {raw['headline_method']!r}; choose one of {METHODS}")
    for key in ("top_k", "run_days", "it_overhead", "gdp_share", "obs_nu"):
        v = raw[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
            raise ConfigError(f"'frontier.{key}' must be a positive number, got {v!r}")
    if not all(isinstance(g, int | float) and g > 0 for g in raw["power_thresholds_gw"]):
        raise ConfigError("'frontier.power_thresholds_gw' must be positive numbers")
    if not all(b == "gdp_share" or (isinstance(b, int | float) and b > 0) for b in raw["budgets_usd"]):
        raise ConfigError("'frontier.budgets_usd' must be positive numbers or \"gdp_share\"")
    from forecast.schema import NOTABLE_DOMAINS

    bad = [d for d in raw["domains"] if d not in NOTABLE_DOMAINS or d == "other"]
    if bad or len(set(raw["domains"])) != len(raw["domains"]):
        raise ConfigError(f"'frontier.domains' must be distinct domains of {NOTABLE_DOMAINS[:-1]}, "
                          f"got {raw['domains']!r}")
    for key in ("domain_min_systems", "domain_min_span_years"):
        v = raw[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
            raise ConfigError(f"'frontier.{key}' must be a non-negative number, got {v!r}")
    return FrontierSettings(
        enabled=bool(raw["enabled"]),
        fit_until=fit_until,
        top_k=int(raw["top_k"]),
        start_year=int(raw["start_year"]),
        obs_nu=float(raw["obs_nu"]),
        hardware_from_year=int(raw["hardware_from_year"]),
        gdp_from_year=int(raw["gdp_from_year"]),
        headline_method=str(raw["headline_method"]),
        run_days=float(raw["run_days"]),
        it_overhead=float(raw["it_overhead"]),
        power_thresholds_gw=tuple(float(g) for g in raw["power_thresholds_gw"]),
        budgets_usd=tuple(raw["budgets_usd"]),
        gdp_share=float(raw["gdp_share"]),
        by_years=tuple(int(y) for y in raw["by_years"]),
        acquisition_hours=bool(raw["acquisition_hours"]),
        domains=tuple(str(d) for d in raw["domains"]),
        domain_min_systems=int(raw["domain_min_systems"]),
        domain_min_span_years=float(raw["domain_min_span_years"]),
    )


# ----------------------------------------------------------------------------- files
def frontier_paths(root: str | Path | None = None) -> dict[str, Path]:
    """Paths of the frontier tables under ``root/data``; default: :func:`forecast.paths.data_dir`."""
    from forecast.paths import data_dir

    base = Path(root) / "data" if root is not None else data_dir()
    return {k: base / v for k, v in FRONTIER_FILES.items()}


def load_frontier_files(root: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Read the four frontier tables; a missing file or column is a :class:`DataError`."""
    problems: list[Problem] = []
    out: dict[str, pd.DataFrame] = {}
    for key, path in frontier_paths(root).items():
        if not path.is_file():
            problems.append(Problem(str(path), None, None,
                                    "missing: build it with data/build/build_frontier_tables.py"))
            continue
        df = pd.read_csv(path)
        missing = [c for c in _REQUIRED[key] if c not in df.columns]
        problems += [Problem(str(path), 1, c, "required column missing") for c in missing]
        out[key] = df
    if problems:
        raise DataError(problems)
    return out


def files_hash(root: str | Path | None = None) -> str:
    """SHA-256 of the frontier tables' bytes ('' when any is missing): part of the fit key."""
    h = hashlib.sha256()
    for path in frontier_paths(root).values():
        if not path.is_file():
            return ""
        h.update(path.read_bytes())
    return h.hexdigest()


def fit_relevant(spec: Any) -> dict[str, Any]:
    """What of the frontier enters the posterior: the fit keys of ``[frontier]`` and the tables' hash."""
    raw = dict(spec.raw.get("frontier", {}))
    return {"settings": {k: raw.get(k) for k in FIT_KEYS}, "files": files_hash()}


# ----------------------------------------------------------------------------- preparation
def top_k_at_release(year: np.ndarray, log10_flop: np.ndarray, k: int) -> np.ndarray:
    """True for systems among the ``k`` largest runs published up to (and including) their own date."""
    year = np.asarray(year, float)
    x = np.asarray(log10_flop, float)
    earlier = year[None, :] <= year[:, None]
    larger = x[None, :] > x[:, None]
    return (earlier & larger).sum(axis=1) < k


def cpi_table(cpi: pd.DataFrame) -> pd.Series:
    """Annual CPI-U indexed by year."""
    return pd.Series(cpi["cpi_u"].to_numpy(float), index=cpi["year"].to_numpy(int))


def dollar_factor(cpi: pd.DataFrame, to_year: int, from_year: int = BASE_DOLLAR_YEAR) -> float:
    """Multiply dollars of ``from_year`` by this to get dollars of ``to_year`` (annual CPI-U ratio)."""
    s = cpi_table(cpi)
    for y in (to_year, from_year):
        if y not in s.index:
            raise ConfigError(f"no annual CPI for {y}: the CPI table covers {s.index.min()}-{s.index.max()}")
    return float(s[to_year] / s[from_year])


def real_gdp(gdp: pd.DataFrame, cpi: pd.DataFrame, from_year: int) -> pd.DataFrame:
    """World GDP in dollars of :data:`BASE_DOLLAR_YEAR` per year (years with a CPI from ``from_year``)."""
    s = cpi_table(cpi)
    g = gdp[gdp["year"].isin(s.index) & (gdp["year"] >= from_year)].sort_values("year")
    real = g["gdp_current_usd"].to_numpy(float) * s[BASE_DOLLAR_YEAR] / s.loc[g["year"]].to_numpy(float)
    return pd.DataFrame({"year": g["year"].to_numpy(int), "log10_gdp_real": np.log10(real)})


def hardware_envelope(hardware: pd.DataFrame, from_year: int, until_year: float) -> pd.DataFrame:
    """The most energy-efficient accelerator (dense peak FLOP per joule at TDP) released each year.

    Only chips released from ``from_year`` (default 2017: the tensor-core era, so every point is a dense
    FP16/BF16 figure; mixing in the FP32 figures of older GPUs inflated the trend to 0.19 decades a year)
    up to ``until_year`` (the fit's data end: later chips are the future being forecast).
    """
    h = hardware.dropna(subset=["peak_flops", "tdp_watts", "release_date"]).copy()
    h["year"] = [units.decimal_year(pd.Timestamp(d)) for d in h["release_date"]]
    h = h[(h["year"] >= from_year) & (h["year"] <= until_year) & (h["tdp_watts"] > 0)]
    h["log10_flop_per_j"] = np.log10(h["peak_flops"].to_numpy(float) / h["tdp_watts"].to_numpy(float))
    h["cal_year"] = np.floor(h["year"]).astype(int)
    best = h.loc[h.groupby("cal_year")["log10_flop_per_j"].idxmax()]
    return best[["chip", "year", "log10_flop_per_j"]].reset_index(drop=True)


def prepare_systems(notable: pd.DataFrame, fs: FrontierSettings) -> pd.DataFrame:
    """All notable systems with compute up to ``fit_until``, with the top-k-at-release flag."""
    nm = notable.copy()
    x = units.log10_safe(nm["training_flop"].to_numpy(float))
    nm["log10_flop"] = x
    nm = nm[np.isfinite(x) & np.isfinite(nm["year"].to_numpy(float))]
    nm = nm[nm["year"] <= fs.fit_until_year]
    nm = nm.sort_values(["year", "model"]).reset_index(drop=True)
    nm["top"] = top_k_at_release(nm["year"].to_numpy(float), nm["log10_flop"].to_numpy(float), fs.top_k)
    nm["top"] &= nm["year"] >= fs.start_year
    return nm[["model", "domain", "year", "log10_flop", "top"]]


def domain_members(notable: pd.DataFrame, domain: str) -> np.ndarray:
    """True for systems that count toward ``domain``'s compute frontier.

    A system counts when its ``domain`` is ``domain`` or its Epoch task cell (``epoch_task``) lists a
    task of ``domain`` (:func:`forecast.data.importers.task_domains`): general language and multimodal
    models count toward question answering, translation or NER exactly when the table lists that task
    for them. A table without ``epoch_task`` says nothing beyond ``domain``: only that column counts.
    """
    from forecast.data.importers import task_domains

    member = notable["domain"].astype(str).to_numpy() == domain
    if "epoch_task" in notable.columns:
        member |= np.array([domain in task_domains(t) for t in notable["epoch_task"]], dtype=bool)
    return member


def prepare_domain_systems(systems: pd.DataFrame, notable: pd.DataFrame, fs: FrontierSettings) -> pd.DataFrame:
    """Per ``frontier.domains`` entry, its systems with a top-k-at-release flag computed within the domain.

    Members by :func:`domain_members`; ``top`` is the within-domain flag, ``general`` whether the system's
    own domain is another one (a general model counted through its task cell). ``systems`` is
    :func:`prepare_systems`'s table (fit window applied); ``notable`` supplies the task cells by model name.
    """
    cols = ["frontier_domain", "model", "domain", "year", "log10_flop", "top", "general"]
    tasks = notable.drop_duplicates("model").set_index("model")
    sub = systems.copy()
    if "epoch_task" in tasks.columns:
        sub["epoch_task"] = sub["model"].map(tasks["epoch_task"])
    frames = []
    for d in fs.domains:
        m = sub[domain_members(sub, d)].sort_values(["year", "model"]).reset_index(drop=True)
        top = top_k_at_release(m["year"].to_numpy(float), m["log10_flop"].to_numpy(float), fs.top_k)
        frames.append(pd.DataFrame({
            "frontier_domain": d, "model": m["model"].to_numpy(), "domain": m["domain"].to_numpy(),
            "year": m["year"].to_numpy(float), "log10_flop": m["log10_flop"].to_numpy(float),
            "top": top & (m["year"].to_numpy(float) >= fs.start_year),
            "general": m["domain"].astype(str).to_numpy() != d,
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def domain_support(domain_systems: pd.DataFrame, fs: FrontierSettings) -> pd.DataFrame:
    """Per ``frontier.domains`` entry: systems, top-k systems and whether the data support a frontier.

    Columns: systems, top-k systems (of them general models), their first and last year, and
    ``supported``: at least ``frontier.domain_min_systems`` top-k systems spanning at least
    ``frontier.domain_min_span_years`` years (else "data do not support a separate frontier").
    """
    rows = []
    for d in fs.domains:
        g = domain_systems[domain_systems["frontier_domain"] == d]
        top = g[g["top"].astype(bool)]
        first = float(top["year"].min()) if len(top) else float("nan")
        last = float(top["year"].max()) if len(top) else float("nan")
        rows.append({
            "frontier_domain": d, "n_systems": len(g), "n_top": len(top),
            "n_top_general": int(top["general"].astype(bool).sum()), "first_year": first, "last_year": last,
            "supported": bool(len(top) >= fs.domain_min_systems and len(top)
                              and last - first >= fs.domain_min_span_years),
        })
    return pd.DataFrame(rows, columns=["frontier_domain", "n_systems", "n_top", "n_top_general", "first_year",
                                       "last_year", "supported"])


def prepare_frontier(
    notable: pd.DataFrame, spec: Any, files: Mapping[str, pd.DataFrame] | None = None
) -> dict[str, pd.DataFrame]:
    """The frontier tables a fit needs (empty when ``frontier.enabled`` is false).

    Parameters
    ----------
    notable
        The validated notable-models table (all domains).
    spec
        The model spec (its ``[frontier]`` table).
    files
        The frontier files (:func:`load_frontier_files`); default: read from the repository's data/.
    """
    from forecast.costs import prepare_costs, prepare_hours

    fs = settings(spec)
    if not fs.enabled:
        return {}
    files = dict(files) if files is not None else load_frontier_files()
    systems = prepare_systems(notable, fs)
    last = int(math.floor(float(systems["year"].max())))
    grid = pd.DataFrame({"year": np.arange(fs.start_year, last + 1, dtype=int)})
    costs, util = prepare_costs(files["costs"], files["hardware"], files["cpi"], fs)
    domain_systems = prepare_domain_systems(systems, notable, fs)
    return {
        "systems": systems,
        "grid": grid,
        "costs": costs,
        "util": util,
        "hours": prepare_hours(costs),
        "domain_systems": domain_systems,
        "domain_support": domain_support(domain_systems, fs),
        "hardware": hardware_envelope(files["hardware"], fs.hardware_from_year, fs.fit_until_year),
        "gdp": real_gdp(files["gdp"], files["cpi"], fs.gdp_from_year),
        "cpi": files["cpi"][["year", "cpi_u"]].copy(),
    }


# ----------------------------------------------------------------------------- PyMC pieces
def level_at(level: Any, slope: Any, grid_year0: int, t: np.ndarray) -> Any:
    """``level[k] + slope[k] * (t - year_k)`` with ``k`` the grid year of each decimal year ``t``."""
    k = np.floor(np.asarray(t, float)).astype(int) - grid_year0
    return level[k] + slope[k] * (np.asarray(t, float) - (grid_year0 + k))


def trend_basis(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hinge basis of a random-walk slope on an annual grid, orthogonal to a line over the grid.

    Column ``j`` is ``max(year - grid[j + 1], 0)``: a slope change of 1 at the start of grid year
    ``j + 1``, so ``level = mid + mean_slope * (year - mean year) + sigma * basis @ z`` with ``z ~ N(0, 1)``
    is a local linear trend whose slope drifts by ``sigma * z_j`` a year. Each column has its
    least-squares line over the grid removed, so that ``mid`` and ``mean_slope`` are the level at the
    grid's mean year and the mean slope, nearly uncorrelated with ``z`` (the double cumulative sum of the
    textbook form made NUTS take 128 leapfrog steps per draw here; this form samples as a line does).
    ``dbasis`` gives the slope over ``[year, year + 1)`` (what :mod:`forecast.walls` extends).
    """
    g = np.asarray(grid, float)
    knots = g[1:]
    raw = np.maximum(g[:, None] - knots[None, :], 0.0)
    design = np.column_stack([np.ones_like(g), g - g.mean()])
    coef, *_ = np.linalg.lstsq(design, raw, rcond=None)
    basis = raw - design @ coef
    dbasis = (g[:, None] >= knots[None, :]).astype(float) - coef[1][None, :]
    return basis, dbasis


def trend_part(top: pd.DataFrame, grid: np.ndarray, spec: Any) -> tuple[Any, Any]:
    """Local linear trend of log10 FLOP of the given (top-k) systems on the annual ``grid`` (model context).

    Returns the ``frontier_level`` and ``frontier_slope`` tensors.
    """
    import pymc as pm
    import pytensor.tensor as pt

    fs = settings(spec)
    model = pm.modelcontext(None)
    model.add_coord("frontier_year", grid)
    model.add_coord("frontier_system", top["model"].to_numpy())
    p = spec.prior
    basis, dbasis = trend_basis(grid)
    mid = pm.Normal("frontier_level_mid", p("frontier_level_mid")["mu"], p("frontier_level_mid")["sigma"])
    mean_slope = pm.Normal("frontier_slope_mean", p("frontier_slope_mean")["mu"], p("frontier_slope_mean")["sigma"])
    s_sigma = pm.HalfNormal("frontier_slope_sigma", p("frontier_slope_sigma")["sigma"])
    z = pm.Normal("frontier_slope_z", 0.0, 1.0, shape=len(grid) - 1)
    rel = grid - grid.mean()
    level = pm.Deterministic("frontier_level", mid + mean_slope * rel + s_sigma * pt.dot(basis, z),
                             dims="frontier_year")
    slope = pm.Deterministic("frontier_slope", mean_slope + s_sigma * pt.dot(dbasis, z), dims="frontier_year")
    sigma = pm.HalfNormal("frontier_compute_sigma", p("frontier_compute_sigma")["sigma"])
    pm.StudentT("frontier_x", nu=fs.obs_nu, mu=level_at(level, slope, int(grid[0]), top["year"].to_numpy(float)),
                sigma=sigma, observed=top["log10_flop"].to_numpy(float), dims="frontier_system")
    return level, slope


def domain_frontier_part(tables: Mapping[str, pd.DataFrame], spec: Any) -> None:
    """Per-domain compute frontiers, partially pooled around the all-ML trend's line (model context).

    For each supported domain ``d`` (:func:`domain_support`) its top-k-at-release systems ``i``::

        x_i ~ StudentT(nu, frontier_level_mid + (frontier_slope_mean + slope_dev_d) * (t_i - mean grid year)
                           + offset_d, frontier_domain_sigma)
        offset_d ~ Normal(offset_mu, offset_tau),   slope_dev_d ~ Normal(slope_mu, slope_tau)

    A domain's frontier is the all-ML trend's line (level at the grid's mean year and mean slope) shifted by
    a level and a growth difference of its own; the offsets' and growth differences' means (``offset_mu``,
    ``slope_mu``) are free, so the domains' systems say next to nothing about the all-ML line itself, and
    nothing about its drifting slope (tying domains to the all-ML local trend let their slower recent
    growth pull the all-ML slope at the end of the data from 4.35x to 4.0x a year). Forecasts add the
    all-ML trend's future slope drift to each domain's line (:func:`forecast.walls.domain_frontier_paths`),
    so a domain's uncertainty grows with the horizon as the all-ML one does. Four scalars, two per-domain
    vectors and a scale: cheap to compile. Centred: every supported domain has at least
    ``frontier.domain_min_systems`` systems, and the non-centred form doubled the NUTS steps per draw of
    the frontier block (31 vs 16 leapfrog steps; 14 without domains).
    """
    import pymc as pm

    support = tables.get("domain_support")
    if support is None or not support["supported"].astype(bool).any():
        return
    doms = support.loc[support["supported"].astype(bool), "frontier_domain"].astype(str).tolist()
    ds = tables["domain_systems"]
    ds = ds[ds["top"].astype(bool) & ds["frontier_domain"].isin(doms)]
    fs = settings(spec)
    grid = tables["grid"]["year"].to_numpy(float)
    model = pm.modelcontext(None)
    model.add_coord("frontier_domain", doms)
    p = spec.prior
    om = pm.Normal("frontier_domain_offset_mu", p("frontier_domain_offset_mu")["mu"],
                   p("frontier_domain_offset_mu")["sigma"])
    ot = pm.HalfNormal("frontier_domain_offset_tau", p("frontier_domain_offset_tau")["sigma"])
    sm = pm.Normal("frontier_domain_slope_mu", p("frontier_domain_slope_mu")["mu"],
                   p("frontier_domain_slope_mu")["sigma"])
    st = pm.HalfNormal("frontier_domain_slope_tau", p("frontier_domain_slope_tau")["sigma"])
    off = pm.Normal("frontier_domain_offset", om, ot, dims="frontier_domain")
    dev = pm.Normal("frontier_domain_slope_dev", sm, st, dims="frontier_domain")
    sigma = pm.HalfNormal("frontier_domain_sigma", p("frontier_domain_sigma")["sigma"])
    rel = ds["year"].to_numpy(float) - grid.mean()
    di = ds["frontier_domain"].map({d: i for i, d in enumerate(doms)}).to_numpy(int)
    mu = model["frontier_level_mid"] + off[di] + (model["frontier_slope_mean"] + dev[di]) * rel
    pm.StudentT("frontier_domain_x", nu=fs.obs_nu, mu=mu, sigma=sigma, observed=ds["log10_flop"].to_numpy(float))


def frontier_compute_part(tables: Mapping[str, pd.DataFrame], spec: Any) -> None:
    """Frontier trend, real world GDP and the hardware efficiency frontier (inside a model context)."""
    import pymc as pm

    top = tables["systems"][tables["systems"]["top"].astype(bool)]
    trend_part(top, tables["grid"]["year"].to_numpy(int), spec)
    domain_frontier_part(tables, spec)
    p = spec.prior
    gdp = tables["gdp"]
    d = np.diff(gdp["log10_gdp_real"].to_numpy(float))
    g = pm.Normal("gdp_growth", p("gdp_growth")["mu"], p("gdp_growth")["sigma"])
    gs = pm.HalfNormal("gdp_growth_sigma", p("gdp_growth_sigma")["sigma"])
    pm.Normal("gdp_diff", g, gs, observed=d)

    hw = tables["hardware"]
    cp = float(spec.centering["price_year"])
    e0 = pm.Normal("hw_eff_intercept", p("hw_eff_intercept")["mu"], p("hw_eff_intercept")["sigma"])
    e1 = pm.Normal("hw_eff_slope", p("hw_eff_slope")["mu"], p("hw_eff_slope")["sigma"])
    es = pm.HalfNormal("hw_eff_sigma", p("hw_eff_sigma")["sigma"])
    pm.StudentT("hw_eff", nu=4.0, mu=e0 + e1 * (hw["year"].to_numpy(float) - cp), sigma=es,
                observed=hw["log10_flop_per_j"].to_numpy(float))


def frontier_part(tables: Mapping[str, pd.DataFrame], spec: Any) -> None:
    """Every frontier piece (compute, GDP, hardware efficiency, costs) in the current model context."""
    from forecast.costs import cost_part

    if not tables:
        return
    frontier_compute_part(tables, spec)
    cost_part(tables, spec)
