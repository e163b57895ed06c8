"""Loading the curated tables: validated, typed, with derived columns.

Every loader runs :func:`forecast.data.validate.check_table` first and raises
:class:`~forecast.errors.DataError` carrying every error found. Warnings (suspicious but valid values)
do not stop loading; by default they are collected as strings on ``df.attrs["warnings"]`` so a caller
(the CLI) can print them. ``on_warning="warn"`` emits them as :class:`DataWarning` instead, and
``"ignore"`` drops them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy as np
import pandas as pd

from forecast import paths, schema, units
from forecast.data.validate import (
    LINE_COLUMN,
    CheckReport,
    DataWarning,
    check_table,
    parse_date,
    parse_float,
    raise_for_errors,
)

ON_WARNING = ("collect", "warn", "ignore")


class DataPaths(NamedTuple):
    """Paths of the three shipped tables."""

    results: Path
    notable: Path
    prices: Path


def repository_root() -> Path:
    """Return the repository root: the parent directory of the ``forecast`` package."""
    return Path(__file__).resolve().parents[2]


def tables_in(folder: str | Path | None = None) -> DataPaths:
    """Return the paths of ``results.csv``, ``notable_models.csv`` and ``compute_prices.csv`` in ``folder``.

    ``None`` resolves the folder with :func:`forecast.paths.data_dir` (``FORECAST_DATA_DIR``, then
    ``./data``, then the packaged tables). The files need not exist.
    """
    data = paths.data_dir(folder)
    return DataPaths(*(data / name for name in paths.TABLE_FILES))


def default_data_paths(root: str | Path | None = None) -> DataPaths:
    """Return the paths of the tables (``results``, ``notable``, ``prices``) in ``root/data``.

    ``root`` is a folder holding ``data/`` (a checkout); ``None`` resolves the tables' folder with
    :func:`forecast.paths.data_dir`, as :func:`tables_in` does.
    """
    return tables_in(Path(root) / "data" if root is not None else None)


def data_hash(*paths: str | Path) -> str:
    """SHA-256 (hex) of the bytes of the given files, in order (for run provenance)."""
    digest = hashlib.sha256()
    for path in paths:
        content = Path(path).read_bytes()
        digest.update(len(content).to_bytes(8, "little"))
        digest.update(content)
    return digest.hexdigest()


def _checked(path: str | Path, kind: str, on_warning: str, today: dt.date | None) -> CheckReport:
    if on_warning not in ON_WARNING:
        raise ValueError(f"on_warning must be one of {ON_WARNING}, got {on_warning!r}")
    report = check_table(path, kind=kind, today=today)
    raise_for_errors(report)
    if on_warning == "warn":
        for problem in report.warnings:
            warnings.warn(str(problem), DataWarning, stacklevel=3)
    return report


def _finish(df: pd.DataFrame, report: CheckReport, on_warning: str) -> pd.DataFrame:
    df.attrs["warnings"] = [str(p) for p in report.warnings] if on_warning == "collect" else []
    df.attrs["source_path"] = str(report.path)
    df.attrs["kind"] = report.kind
    return df.reset_index(drop=True)


def _floats(series: pd.Series) -> pd.Series:
    return pd.Series([parse_float(str(s)) if s else None for s in series],
                     index=series.index, dtype="float64")


def _dates(series: pd.Series) -> pd.Series:
    parsed = [parse_date(str(s)) if s else None for s in series]
    stamps = cast(Any, [pd.NaT if d is None else d for d in parsed])  # None -> NaT; the stubs miss mixed lists
    return pd.Series(pd.to_datetime(stamps), index=series.index)


def _decimal_years(dates: pd.Series) -> pd.Series:
    return pd.Series([np.nan if pd.isna(d) else units.decimal_year(d) for d in dates],
                     index=dates.index, dtype="float64")


def _typed(report: CheckReport, numeric: tuple[str, ...], dates: tuple[str, ...]) -> pd.DataFrame:
    raw = report.frame
    df = pd.DataFrame(index=raw.index)
    for col in raw.columns:
        if col == LINE_COLUMN:
            continue
        if col in numeric:
            df[col] = _floats(raw[col])
        elif col in dates:
            df[col] = _dates(raw[col])
        else:
            df[col] = raw[col].astype(str)
    df[LINE_COLUMN] = raw[LINE_COLUMN].astype("int64")
    return df


def load_results(path: str | Path, on_warning: str = "collect", today: dt.date | None = None) -> pd.DataFrame:
    """Load the validated results table with derived ``year``, ``error``, ``series`` and ``line`` columns.

    ``value``, ``training_flop`` and ``hardware_burden_flop`` are floats (NaN when empty),
    ``publication_date`` is datetime64, ``year`` the decimal year, ``error`` the error-like fraction
    of the metric (NaN for perplexity), ``series`` the benchmark/measure key, ``line`` the file line.
    """
    report = _checked(path, "results", on_warning, today)
    df = _typed(report, ("value", "training_flop", "hardware_burden_flop"), ("publication_date",))
    df["year"] = _decimal_years(df["publication_date"])
    df["error"] = np.array([schema.METRICS[m].to_error(v) for m, v in zip(df["metric"], df["value"],
                                                                           strict=True)], dtype=float)
    df["series"] = [schema.series_key(b, m) for b, m in zip(df["benchmark"], df["metric"], strict=True)]
    return _finish(df, report, on_warning)


def load_notable(path: str | Path, on_warning: str = "collect", today: dt.date | None = None) -> pd.DataFrame:
    """Load the validated notable-models table.

    ``training_flop`` is float, ``publication_date`` datetime64, ``year`` the decimal year.
    """
    report = _checked(path, "notable", on_warning, today)
    df = _typed(report, ("training_flop",), ("publication_date",))
    df["year"] = _decimal_years(df["publication_date"])
    return _finish(df, report, on_warning)


def load_prices(path: str | Path, on_warning: str = "collect", today: dt.date | None = None) -> pd.DataFrame:
    """Load the validated compute-prices table.

    Numeric columns are float, dates datetime64, ``price_year`` and ``release_year`` the decimal
    years of ``price_date`` and ``release_date``.
    """
    report = _checked(path, "prices", on_warning, today)
    df = _typed(report, ("price_usd", "peak_flops", "tdp_watts"), ("release_date", "price_date"))
    df["price_year"] = _decimal_years(df["price_date"])
    df["release_year"] = _decimal_years(df["release_date"])
    return _finish(df, report, on_warning)


class TrainingTables(NamedTuple):
    """The three validated tables a fit needs, their warnings and the hash of their bytes."""

    results: pd.DataFrame
    notable: pd.DataFrame
    prices: pd.DataFrame
    data_hash: str
    warnings: list[str]


def load_training_tables(data_dir: str | Path | None = None) -> TrainingTables:
    """Load and validate ``results.csv``, ``notable_models.csv`` and ``compute_prices.csv`` from ``data_dir``.

    ``None`` resolves the folder with :func:`forecast.paths.data_dir`.

    Raises :class:`~forecast.errors.DataError` naming every problem in every file.
    """
    tables = tables_in(data_dir)
    results = load_results(tables.results)
    notable = load_notable(tables.notable)
    prices = load_prices(tables.prices)
    found = [w for df in (results, notable, prices) for w in df.attrs.get("warnings", [])]
    return TrainingTables(results, notable, prices, data_hash(*tables), found)
