"""Data preparation for the model, without PyMC: links, :class:`ModelData` and :func:`prepare_data`.

Kept apart from :mod:`forecast.model` so that loading a run, forecasting and reporting never import
PyMC (they read saved draws only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast import units
from forecast.config import Spec
from forecast.errors import DataError, Problem
from forecast.frontier import prepare_frontier

PRICE_KIND_ORDER = ("cloud_on_demand", "cloud_committed", "purchase")

MISMATCH_KEY = "matched pairs with burden below training FLOP (burden ignored)"
"""Key of :attr:`ModelData.dropped` counting definitional mismatches screened by the structural model."""


# ----------------------------------------------------------------------------- links
def link_forward(error: np.ndarray, link: str) -> np.ndarray:
    """Map an error-like quantity in (0, 1) to the link scale."""
    e = np.asarray(error, dtype=float)
    if link == "logit":
        return np.log(e) - np.log1p(-e)
    if link == "log":
        return np.log(e)
    return e


def link_inverse(y: Any, link: str) -> Any:
    """Map link-scale values back to the error scale (works on numpy and xarray)."""
    if link == "logit":
        return 1.0 / (1.0 + np.exp(-y))
    if link == "log":
        return np.exp(y)
    return y


def link_log_jacobian(error: np.ndarray, link: str) -> np.ndarray:
    """Log |dy/de| of the link at ``error`` (turns a link-scale density into an error-scale one)."""
    e = np.asarray(error, dtype=float)
    if link == "logit":
        return -np.log(e) - np.log1p(-e)
    if link == "log":
        return -np.log(e)
    return np.zeros_like(e)


# ----------------------------------------------------------------------------- data
@dataclass(frozen=True)
class ModelData:
    """Arrays and coordinates the model is built from, derived from the validated tables."""

    obs: pd.DataFrame  # one row per result used: series, domain, x, x_hw, t, y, error, measure...
    series: tuple[str, ...]
    domains: tuple[str, ...]
    series_domain: np.ndarray  # domain index of each series
    frontier: pd.DataFrame  # running-best points: series_idx, domain_idx, t, y
    notable: pd.DataFrame  # domain_idx, t, x
    prices: pd.DataFrame  # t, log10_usd_per_flop, kind_idx
    energy: pd.DataFrame  # t, log10_j_per_flop (one row per chip)
    best: pd.DataFrame  # per series: best error, its year, its model
    dropped: dict[str, int] = field(default_factory=dict)
    frontier_tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # forecast.frontier

    @property
    def n_obs(self) -> int:
        """Number of results in the performance likelihood."""
        return len(self.obs)


def _running_best(group: pd.DataFrame) -> pd.Series:
    """True for results that set a new best error in their series when published."""
    g = group.sort_values(["year", "error"])
    best = np.inf
    flags = []
    for err in g["error"].to_numpy():
        flags.append(bool(err < best))
        best = min(best, err)
    return pd.Series(flags, index=g.index)


def prepare_data(
    results: pd.DataFrame,
    notable: pd.DataFrame,
    prices: pd.DataFrame,
    spec: Spec,
) -> ModelData:
    """Select, transform and index the validated tables for :func:`build_model`.

    Parameters
    ----------
    results, notable, prices
        Frames returned by :mod:`forecast.data.load` (validated, with derived columns).
    spec
        The model spec: domains, series, link, compute measure, centring constants.
    """
    m = spec.model
    cx = float(spec.centering["log10_flop"])
    ct = float(spec.centering["year"])
    cp = float(spec.centering["price_year"])
    dropped: dict[str, int] = {}

    res = results[results["domain"].isin(m.domains)].copy()
    res = res[np.isfinite(res["error"]) & (res["error"] > 0) & (res["error"] < 1)]
    if m.series:
        res = res[res["series"].isin(m.series)]
    res["frontier"] = False
    for _, grp in res.groupby("series"):
        res.loc[grp.index, "frontier"] = _running_best(grp)

    # Frontier improvement points come from every result with a score, with or without compute.
    frontier_pts = res[res["frontier"]].copy()

    tf = units.log10_safe(res["training_flop"].to_numpy())
    hw = units.log10_safe(res["hardware_burden_flop"].to_numpy())
    res["x_tf"] = tf - cx
    res["x_hw"] = hw - cx
    if m.compute_measure == "training_flop":
        use = np.isfinite(tf)
        res["x"] = res["x_tf"]
        res["measure"] = "training_flop"
    elif m.compute_measure == "hardware_burden":
        use = np.isfinite(hw)
        res["x"] = res["x_hw"]
        res["measure"] = "hardware_burden"
    else:
        use = np.isfinite(tf) | np.isfinite(hw)
        res["x"] = res["x_tf"]
        res["measure"] = np.where(np.isfinite(tf), "training_flop", "hardware_burden")
    dropped["no compute in the chosen measure"] = int((~use).sum())
    obs = res[use].copy()
    if m.frontier_only:
        dropped["not state of the art when published"] = int((~obs["frontier"]).sum())
        obs = obs[obs["frontier"]]

    counts = obs["series"].value_counts()
    keep = counts[counts >= m.min_rows_per_series].index
    if m.series:
        missing = [s for s in m.series if s not in keep]
        if missing:
            raise DataError([
                Problem("results", None, "series",
                        f"series {s!r} has {int(counts.get(s, 0))} usable rows; "
                        f"min_rows_per_series is {m.min_rows_per_series}")
                for s in missing
            ])
    dropped["series with too few rows"] = int((~obs["series"].isin(keep)).sum())
    obs = obs[obs["series"].isin(keep)]
    if m.compute_measurement == "structural" and m.compute_measure == "both":
        # Burden (capacity x time) below the executed FLOP of the same run is impossible: such a pair
        # measures two different things (backbone pre-training, search cost). Its burden is ignored.
        mismatch = np.isfinite(obs["x_tf"]) & np.isfinite(obs["x_hw"]) & (obs["x_hw"] < obs["x_tf"])
        dropped[MISMATCH_KEY] = int(mismatch.sum())
        obs = obs.assign(x_hw=obs["x_hw"].where(~mismatch))
    if obs.empty:
        raise DataError("no result has compute in the chosen measure for the chosen domains")

    domains = tuple(d for d in m.domains if d in set(obs["domain"]))
    series = tuple(sorted(obs["series"].unique(), key=lambda s: (domains.index(_domain_of(obs, s)), s)))
    dom_idx = {d: i for i, d in enumerate(domains)}
    ser_idx = {s: i for i, s in enumerate(series)}
    series_domain = np.array([dom_idx[_domain_of(obs, s)] for s in series], dtype=int)

    obs = obs.sort_values(["series", "year", "model"]).reset_index(drop=True)
    obs["series_idx"] = obs["series"].map(ser_idx).astype(int)
    obs["domain_idx"] = obs["domain"].map(dom_idx).astype(int)
    obs["t"] = obs["year"] - ct
    obs["y"] = link_forward(obs["error"].to_numpy(), m.link)

    frontier_pts = frontier_pts[frontier_pts["series"].isin(series)].copy()
    frontier_pts["series_idx"] = frontier_pts["series"].map(ser_idx).astype(int)
    frontier_pts["domain_idx"] = frontier_pts["domain"].map(dom_idx).astype(int)
    frontier_pts["t"] = frontier_pts["year"] - ct
    frontier_pts["y"] = link_forward(frontier_pts["error"].to_numpy(), m.link)
    frontier_pts = frontier_pts.sort_values(["series_idx", "year"]).reset_index(drop=True)

    allres = res[res["series"].isin(series)]
    best_rows = allres.loc[allres.groupby("series")["error"].idxmin()].set_index("series").loc[list(series)]
    x_any = obs["x"].where(np.isfinite(obs["x"]), obs["x_hw"])
    best = pd.DataFrame({
        "series": list(series),
        "x_center": x_any.groupby(obs["series"]).mean().loc[list(series)].to_numpy(),
        "t_center": obs.groupby("series")["t"].mean().loc[list(series)].to_numpy(),
        "domain": [domains[i] for i in series_domain],
        "best_error": best_rows["error"].to_numpy(),
        "best_year": best_rows["year"].to_numpy(),
        "best_model": best_rows["model"].astype(str).to_numpy(),
        "last_year": allres.groupby("series")["year"].max().loc[list(series)].to_numpy(),
    })

    nm = notable[notable["domain"].isin(domains)].copy()
    nm = nm[np.isfinite(units.log10_safe(nm["training_flop"].to_numpy()))]
    nm["domain_idx"] = nm["domain"].map(dom_idx).astype(int)
    nm["t"] = nm["year"] - ct
    nm["x"] = units.log10_safe(nm["training_flop"].to_numpy()) - cx
    nm = nm[["model", "domain", "domain_idx", "year", "t", "x"]].reset_index(drop=True)

    amort_hours = float(spec.assumptions["purchase_amortization_years"]) * units.HOURS_PER_YEAR
    pr = prices[prices["price_kind"].isin(PRICE_KIND_ORDER)].copy()
    per_hour = np.where(pr["price_kind"] == "purchase", pr["price_usd"] / amort_hours, pr["price_usd"])
    pr["log10_usd_per_flop"] = np.log10(per_hour / (pr["peak_flops"] * units.SECONDS_PER_HOUR))
    pr["kind_idx"] = pr["price_kind"].map({k: i for i, k in enumerate(PRICE_KIND_ORDER)}).astype(int)
    pr["t"] = pr["price_year"] - cp
    pr = pr[["chip", "price_kind", "kind_idx", "price_year", "t", "log10_usd_per_flop"]].reset_index(drop=True)

    chips = prices.dropna(subset=["tdp_watts", "peak_flops", "release_year"]).drop_duplicates("chip")
    energy = pd.DataFrame({
        "chip": chips["chip"].to_numpy(),
        "release_year": chips["release_year"].to_numpy(),
        "t": chips["release_year"].to_numpy() - cp,
        "log10_j_per_flop": np.log10(chips["tdp_watts"].to_numpy() / chips["peak_flops"].to_numpy()),
    })

    return ModelData(
        obs=obs,
        series=series,
        domains=domains,
        series_domain=series_domain,
        frontier=frontier_pts[["series", "series_idx", "domain_idx", "model", "year", "t", "y", "error"]],
        notable=nm,
        prices=pr,
        energy=energy,
        best=best,
        dropped=dropped,
        frontier_tables=prepare_frontier(notable, spec),
    )


@dataclass(frozen=True)
class YearBins:
    """Year bins of the random-walk dynamics: bin of each result, start year of each bin, anchor bins."""

    obs_bin: np.ndarray  # bin index of each result (obs order)
    start_year: np.ndarray  # first calendar year of each bin
    anchor: np.ndarray  # per series: the bin of its data centre, where its walk is 0
    width: int

    def index(self, year: np.ndarray) -> np.ndarray:
        """Bin index of calendar ``year`` (may exceed the last fitted bin: the future)."""
        return bin_index(year, float(self.start_year[0]), self.width)


def first_bin_year(years: np.ndarray) -> float:
    """Start of the first year bin: the calendar year of the earliest fitted result."""
    return float(np.floor(np.min(np.asarray(years, dtype=float))))


def bin_index(year: np.ndarray, first: float, width: int) -> np.ndarray:
    """Index of the ``width``-year bin holding each decimal ``year``, bins starting at ``first``."""
    return np.floor((np.asarray(year, dtype=float) - first) / width).astype(int)


def year_bins(data: ModelData, width: int, center_year: float) -> YearBins:
    """Bins of ``width`` years from the first result's calendar year to the last result's."""
    years = data.obs["year"].to_numpy(dtype=float)
    first = first_bin_year(years)
    n_bins = int(bin_index(years.max(), first, width)) + 1
    start = first + width * np.arange(n_bins)
    obs_bin = bin_index(years, first, width)
    t_mean = data.obs.groupby("series_idx")["t"].mean().reindex(range(len(data.series)))
    centre = t_mean.to_numpy(dtype=float) + center_year
    anchor = np.clip(np.floor((centre - first) / width).astype(int), 0, n_bins - 1)
    return YearBins(obs_bin=obs_bin, start_year=start, anchor=anchor, width=int(width))


def _domain_of(obs: pd.DataFrame, series: str) -> str:
    return str(obs.loc[obs["series"] == series, "domain"].iloc[0])


# ----------------------------------------------------------------------------- training subsets
ROW_ID = "_fit_row"
"""Column of a results table that identifies its rows across :func:`prepare_data` calls (compile-once fits)."""


@dataclass(frozen=True)
class TrainingWeights:
    """A training subset of a larger data set, as data of the larger data set's model (compile-once fits).

    ``full`` is :func:`prepare_data` of the results and notable models published up to the latest cutoff,
    ``sub`` of those published up to an earlier ``cutoff``. Every likelihood row of ``full`` gets a 0/1
    weight (1 = in ``sub``) and every data-derived constant of the model is recomputed from ``sub``, so
    that :func:`forecast.model.build_model` of ``full`` with these weights has, for the parameters the two
    models share, the log density of ``build_model(sub)``; parameters of ``full`` that ``sub`` lacks
    (benchmarks without training rows, latent compute of later rows) are prior-only.
    """

    obs: np.ndarray  # per result of ``full.obs``: 1 when ``sub`` fits it (y and the compute measurements)
    frontier: np.ndarray  # per frontier record of ``full``
    notable: np.ndarray  # per notable model of ``full``
    domain: np.ndarray  # per domain of ``full``: 1 when ``sub`` has it (zero-sum offsets are over these)
    x_center: np.ndarray  # per benchmark of ``full``: ``sub``'s mean compute (``full``'s where ``sub`` has none)
    t_center: np.ndarray  # per benchmark of ``full``: ``sub``'s mean year
    frontier_t_rel: np.ndarray  # per frontier record: t minus the mean t of ``sub``'s records of its series

    def as_data(self) -> dict[str, np.ndarray]:
        """The values of the model's swappable shared variables (names as in :func:`forecast.model.build_model`)."""
        return {
            "w_obs": self.obs,
            "w_frontier": self.frontier,
            "w_notable": self.notable,
            "w_domain": self.domain,
            "x_center": self.x_center,
            "t_center": self.t_center,
            "frontier_t_rel": self.frontier_t_rel,
        }


def record_t_offsets(frontier: pd.DataFrame) -> np.ndarray:
    """Each frontier record's ``t`` minus the mean ``t`` of its series' records (the frontier part's time axis)."""
    return (frontier["t"] - frontier.groupby("series")["t"].transform("mean")).to_numpy(dtype=float)


def all_rows(data: ModelData) -> TrainingWeights:
    """Weights of ``data`` as its own training set: every row weighted 1, its own constants."""
    fr = data.frontier
    return TrainingWeights(
        obs=np.ones(len(data.obs)),
        frontier=np.ones(len(fr)),
        notable=np.ones(len(data.notable)),
        domain=np.ones(len(data.domains)),
        x_center=data.best["x_center"].to_numpy(dtype=float),
        t_center=data.best["t_center"].to_numpy(dtype=float),
        frontier_t_rel=record_t_offsets(fr),
    )


def training_weights(full: ModelData, sub: ModelData, cutoff: float) -> TrainingWeights:
    """The rows of ``full`` that ``sub`` (the data published up to ``cutoff``) fits, and ``sub``'s constants.

    Both must come from :func:`prepare_data` of tables carrying :data:`ROW_ID`, ``sub``'s being the rows of
    ``full``'s published at or before ``cutoff``.

    Raises
    ------
    DataError
        ``sub`` is not such a subset of ``full`` (a result, frontier record or notable model of ``sub``
        has no counterpart in ``full``).
    """
    if ROW_ID not in full.obs or ROW_ID not in sub.obs:
        raise DataError(f"training_weights needs the row identifier column {ROW_ID!r} in both data sets")
    unknown = sorted(set(sub.series) - set(full.series))
    if unknown or not set(sub.domains) <= set(full.domains):
        raise DataError(f"training subset has benchmarks or domains the full data lacks: {unknown}")
    w_obs = full.obs[ROW_ID].isin(sub.obs[ROW_ID]).to_numpy()
    if int(w_obs.sum()) != len(sub.obs):
        raise DataError(f"{len(sub.obs) - int(w_obs.sum())} training result(s) are not rows of the full data")
    # Frontier records: a result sets a running best from the rows published before it only, so the records
    # of the subset are the full data's records up to the cutoff (of the subset's benchmarks).
    fr = full.frontier
    w_fr = ((fr["year"] <= cutoff) & fr["series"].isin(sub.series)).to_numpy()
    nm = full.notable
    w_nm = ((nm["year"] <= cutoff) & nm["domain"].isin(sub.domains)).to_numpy()
    for what, mask, table, cols in (
        ("frontier records", w_fr, sub.frontier, ["series", "year", "y"]),
        ("notable models", w_nm, sub.notable, ["model", "year", "x"]),
    ):
        mine = (full.frontier if what == "frontier records" else nm)[mask]
        if not mine[cols].sort_values(cols).reset_index(drop=True).equals(
            table[cols].sort_values(cols).reset_index(drop=True)
        ):
            raise DataError(f"the training subset's {what} are not the full data's up to {cutoff}")
    pos = {s: i for i, s in enumerate(full.series)}
    idx = np.array([pos[s] for s in sub.series], dtype=int)
    x_center = full.best["x_center"].to_numpy(dtype=float).copy()
    t_center = full.best["t_center"].to_numpy(dtype=float).copy()
    x_center[idx] = sub.best["x_center"].to_numpy(dtype=float)
    t_center[idx] = sub.best["t_center"].to_numpy(dtype=float)
    t_rel = np.zeros(len(fr))
    t_rel[w_fr] = record_t_offsets(fr[w_fr])  # the subset's records are the full data's up to the cutoff (checked)
    return TrainingWeights(
        obs=w_obs.astype(float),
        frontier=w_fr.astype(float),
        notable=w_nm.astype(float),
        domain=np.isin(np.array(full.domains), np.array(sub.domains)).astype(float),
        x_center=x_center,
        t_center=t_center,
        frontier_t_rel=t_rel,
    )
