"""Validation of the curated tables: every problem, located by file, line and column.

Three table kinds are checked, detected from their columns (or named explicitly):

- ``results``: one published result per row (:data:`forecast.schema.RESULTS_COLUMNS`);
- ``notable``: notable models with their training compute (:data:`forecast.schema.NOTABLE_COLUMNS`);
- ``prices``: hardware and cloud prices of compute (:data:`forecast.schema.PRICE_COLUMNS`).

:func:`check_table` never raises for problems in a file's content: it returns a :class:`CheckReport`
listing every error and warning at once. Line numbers are the 1-based file lines an editor shows
(the header is line 1), counted by the :mod:`csv` reader so quoted fields with embedded newlines do
not shift them. Cells are compared after stripping surrounding whitespace.

Dates are ISO: ``YYYY-MM-DD`` (or a full ISO timestamp); a partial date ``YYYY`` or ``YYYY-MM``
is read as the first day of that year or month.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, TextIO

import numpy as np
import pandas as pd

from forecast import schema
from forecast.data import plausibility
from forecast.errors import DataError, Problem, capped_lines

KINDS: tuple[str, ...] = ("results", "notable", "prices")
"""Table kinds :func:`check_table` knows."""

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "results": schema.RESULTS_COLUMNS,
    "notable": schema.NOTABLE_COLUMNS,
    "prices": schema.PRICE_COLUMNS,
}

COMPUTE_COLUMNS: dict[str, tuple[str, ...]] = {
    "results": ("training_flop", "hardware_burden_flop"),
    "notable": ("training_flop",),
    "prices": (),
}

OUTLIER_MIN_ROWS: int = 8
"""A series needs this many rows with compute before its trend is used to flag outliers."""

OUTLIER_Z: float = 4.0
"""|robust z| of a trend residual above which a result is flagged (a warning)."""

PEAK_FLOPS_RANGE: tuple[float, float] = (1e10, 1e17)
"""Peak FLOP/s of one chip outside this range is suspicious (a warning)."""

LINE_COLUMN = "line"
"""Name of the column holding each row's file line number in parsed frames."""

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


class DataWarning(UserWarning):
    """A suspicious but valid value in a data file (see :func:`check_table`)."""


@dataclass
class CheckReport:
    """What :func:`check_table` found in one file.

    ``counts`` summarises the rows (per domain and benchmark for results, per domain for notable
    models, per price kind for prices). ``frame`` holds the raw cells as stripped strings with a
    ``line`` column (rows whose field count does not match the header are left out).
    """

    path: Path
    kind: str | None
    problems: list[Problem] = field(default_factory=list)
    counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    n_rows: int = 0
    frame: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def errors(self) -> list[Problem]:
        """Problems that make the file invalid."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Suspicious values that do not make the file invalid."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when the file has no errors (warnings allowed)."""
        return not self.errors


# --------------------------------------------------------------------------------------------------
# cell parsers (shared with forecast.data.load)


def parse_float(text: str) -> float | None:
    """Parse a finite float from a cell; or ``None`` when the cell is not a finite number."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def parse_date(text: str) -> dt.date | None:
    """Parse an ISO date (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a timestamp); ``None`` if invalid."""
    text = text.strip()
    match = _PARTIAL_DATE.match(text)
    try:
        if match:
            year, month, day = match.groups()
            return dt.date(int(year), int(month or 1), int(day or 1))
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------------
# reading


MAX_LINE_CHARS = 1 << 20
"""Longest line read from a table (1 Mi characters): longer means not a CSV table."""
MAX_TABLE_CHARS = 1 << 28
"""Most characters read from one table (256 Mi): bounds memory whatever the file is (``/dev/zero``)."""


def _bounded_lines(handle: TextIO, name: str) -> Iterator[str]:
    """The lines of ``handle``, refusing an over-long line, NUL bytes or an oversized file."""
    total = 0
    number = 0
    while True:
        line = handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        total += len(line)
        if len(line) > MAX_LINE_CHARS:
            raise DataError([Problem(name, number, None,
                                     f"line longer than {MAX_LINE_CHARS:,} characters: not a CSV table")])
        if "\x00" in line:
            raise DataError([Problem(name, number, None, "NUL byte: not a text file")])
        if total > MAX_TABLE_CHARS:
            raise DataError([Problem(name, number, None,
                                     f"more than {MAX_TABLE_CHARS:,} characters: too large for a table")])
        yield line


def read_rows(path: Path, problems: list[Problem]) -> tuple[list[str], pd.DataFrame]:
    """Header and rows of a CSV file as stripped strings, with each row's first file line.

    Appends structural problems (empty file, duplicate columns, wrong field count) to ``problems``.
    Raises :class:`DataError` when the file cannot be read at all (missing, not UTF-8 text, a line
    longer than :data:`MAX_LINE_CHARS`, more than :data:`MAX_TABLE_CHARS` in all): memory stays bounded.
    """
    name = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(_bounded_lines(handle, name))
            records: list[tuple[int, list[str]]] = []
            prev_end = 0
            for row in reader:
                start = prev_end + 1
                prev_end = reader.line_num
                if not row or all(not cell.strip() for cell in row):
                    continue
                records.append((start, [cell.strip() for cell in row]))
    except FileNotFoundError as exc:
        raise DataError([Problem(name, None, None, "no such file")]) from exc
    except IsADirectoryError as exc:
        raise DataError([Problem(name, None, None, "is a directory, not a CSV file")]) from exc
    except UnicodeDecodeError as exc:
        raise DataError([Problem(name, None, None, f"not UTF-8 text: {exc.reason}")]) from exc
    except csv.Error as exc:
        raise DataError([Problem(name, None, None, f"not a readable CSV file: {exc}")]) from exc
    except OSError as exc:
        raise DataError([Problem(name, None, None, f"cannot read: {exc.strerror or exc}")]) from exc

    if not records:
        problems.append(Problem(name, None, None, "empty file: no header row"))
        return [], pd.DataFrame({LINE_COLUMN: pd.Series([], dtype="int64")})
    header_line, header = records[0]
    seen: set[str] = set()
    for col in header:
        if col in seen:
            problems.append(Problem(name, header_line, col, "duplicate column in the header"))
        seen.add(col)
    columns = list(dict.fromkeys(header))
    index = {col: header.index(col) for col in columns}
    rows: list[list[str]] = []
    lines: list[int] = []
    for line, row in records[1:]:
        if len(row) != len(header):
            problems.append(Problem(name, line, None,
                                    f"row has {len(row)} fields, the header has {len(header)}"))
            continue
        rows.append([row[index[c]] for c in columns])
        lines.append(line)
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    if not rows:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    frame[LINE_COLUMN] = np.asarray(lines, dtype="int64")
    return columns, frame


def detect_kind(columns: list[str]) -> str | None:
    """Guess the table kind whose required columns best match ``columns`` (``None`` if none is close)."""
    present = set(columns)
    for kind in KINDS:  # results first: its columns include every notable column
        if set(REQUIRED_COLUMNS[kind]) <= present:
            return kind
    scores = {k: len(set(REQUIRED_COLUMNS[k]) & present) / len(REQUIRED_COLUMNS[k]) for k in KINDS}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 0.5 else None


# --------------------------------------------------------------------------------------------------
# checks


class _Checker:
    """Collects the problems of one table."""

    def __init__(self, name: str, frame: pd.DataFrame, today: dt.date):
        self.name = name
        self.frame = frame
        self.today = today
        self.problems: list[Problem] = []
        self.columns = set(frame.columns)

    def error(self, line: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.name, line, column, message, "error"))

    def warn(self, line: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.name, line, column, message, "warning"))

    def rows(self) -> list[tuple[int, dict[str, str]]]:
        records = self.frame.to_dict("records")
        return [(int(r[LINE_COLUMN]), {str(k): str(v) for k, v in r.items()}) for r in records]

    def non_empty(self, line: int, row: dict[str, str], column: str, what: str) -> None:
        if column in row and not row[column]:
            self.error(line, column, f"empty {what}")

    def choice(self, line: int, row: dict[str, str], column: str, allowed: tuple[str, ...],
               what: str) -> bool:
        """Error unless the cell is one of ``allowed``; True when it is."""
        if column not in row:
            return False
        value = row[column]
        if value in allowed:
            return True
        shown = f"'{value}'" if value else "empty value"
        self.error(line, column, f"unknown {what} {shown} (expected one of: {', '.join(allowed)})")
        return False

    def positive(self, line: int, row: dict[str, str], column: str, what: str,
                 required: bool) -> float | None:
        """Parse a positive finite number; report anything else (empty is allowed unless required)."""
        if column not in row:
            return None
        text = row[column]
        if not text:
            if required:
                self.error(line, column, f"missing {what}")
            return None
        value = parse_float(text)
        if value is None:
            self.error(line, column, f"non-numeric {what} '{text}'")
            return None
        if value == 0:
            self.error(line, column, f"{what} is zero (must be positive)")
            return None
        if value < 0:
            self.error(line, column, f"negative {what} {text} (must be positive)")
            return None
        return value

    def date(self, line: int, row: dict[str, str], column: str, required: bool) -> dt.date | None:
        if column not in row:
            return None
        text = row[column]
        if not text:
            if required:
                self.error(line, column, "missing date")
            return None
        parsed = parse_date(text)
        if parsed is None:
            self.error(line, column, f"unparseable date '{text}' (expected YYYY-MM-DD)")
            return None
        if parsed > self.today:
            self.error(line, column, f"date {parsed.isoformat()} is in the future (today is "
                                     f"{self.today.isoformat()})")
            return None
        return parsed

    def compute(self, line: int, row: dict[str, str], column: str) -> float | None:
        value = self.positive(line, row, column, "compute", required=False)
        low, high = schema.COMPUTE_RANGE_FLOP
        if value is not None and not low <= value <= high:
            self.warn(line, column, f"compute {value:.3g} FLOP is outside the plausible range "
                                    f"[{low:.0e}, {high:.0e}]")
        return value

    def duplicates(self, key_columns: tuple[str, ...], what: str) -> None:
        if not set(key_columns) <= self.columns:
            return
        first: dict[tuple[str, ...], int] = {}
        for line, row in self.rows():
            key = tuple(row[c] for c in key_columns)
            if not key[0]:
                continue  # an empty model or chip name is already an error of its own
            if key in first:
                self.error(line, key_columns[0],
                           f"duplicate row: same {what} as line {first[key]} ({', '.join(key)})")
            else:
                first[key] = line


class _Result(NamedTuple):
    """A parsed result row, for the trend check."""

    line: int
    series: str
    metric: str
    value: float
    date: dt.date
    training_flop: float | None
    hardware_burden_flop: float | None


def _check_results(c: _Checker) -> list[_Result]:
    """Row checks of a results table; returns the parsed rows usable for the trend check."""
    usable: list[_Result] = []
    for line, row in c.rows():
        c.non_empty(line, row, "model", "model name")
        c.non_empty(line, row, "source", "source (every row must cite one)")
        domain_ok = c.choice(line, row, "domain", schema.DOMAINS, "domain")
        bench_ok = c.choice(line, row, "benchmark", tuple(schema.BENCHMARKS), "benchmark")
        metric_ok = c.choice(line, row, "metric", tuple(schema.METRICS), "metric")
        bench = schema.BENCHMARKS.get(row.get("benchmark", ""))
        if domain_ok and bench_ok and bench is not None and bench.domain != row["domain"]:
            c.error(line, "benchmark", f"benchmark '{bench.name}' belongs to domain '{bench.domain}', "
                                       f"not '{row['domain']}'")
        if metric_ok and bench_ok and bench is not None and row["metric"] not in bench.metrics:
            c.error(line, "metric", f"metric '{row['metric']}' does not belong to benchmark "
                                    f"'{bench.name}' (expected one of: {', '.join(bench.metrics)})")
            metric_ok = False
        value = None
        if "value" in row:
            text = row["value"]
            value = parse_float(text) if text else None
            if not text:
                c.error(line, "value", "missing value")
            elif value is None:
                c.error(line, "value", f"non-numeric value '{text}'")
            elif metric_ok:
                metric = schema.METRICS[row["metric"]]
                if not metric.low <= value <= metric.high:
                    c.error(line, "value", f"value {text} is outside the range of {metric.name} "
                                           f"[{metric.low:g}, {metric.high:g}]")
                    value = None
                elif metric.kind != "perplexity" and metric.to_error(value) in (0.0, 1.0):
                    c.warn(line, "value", f"value {text} of {metric.name} means an error of exactly "
                                          f"{metric.to_error(value):g}: unusable on a log or logit scale")
                    value = None
        date = c.date(line, row, "publication_date", required=True)
        flops = {col: c.compute(line, row, col) for col in COMPUTE_COLUMNS["results"]}
        if metric_ok and bench_ok and value is not None and date is not None:
            usable.append(_Result(line, schema.series_key(row["benchmark"], row["metric"]), row["metric"],
                                  value, date, flops["training_flop"], flops["hardware_burden_flop"]))
    c.duplicates(("model", "benchmark", "metric", "source"), "model, benchmark, metric and source")
    return usable


def _trend_outliers(c: _Checker, usable: list[_Result]) -> None:
    """Warn on results far off their series' least-squares trend in log10 compute and year.

    Per series (benchmark and measure), with at least :data:`OUTLIER_MIN_ROWS` rows with compute:
    fit ``logit(error)`` (``log10`` perplexity for language models) on log10 compute, decimal year
    and, when both compute measures occur, an indicator of hardware-burden compute; flag residuals
    with ``|robust z| > OUTLIER_Z`` (median and 1.4826 x MAD).
    """
    by_series: dict[str, list[_Result]] = {}
    for rec in usable:
        by_series.setdefault(rec.series, []).append(rec)
    for series, recs in by_series.items():
        pts: list[tuple[int, float, float, float, float]] = []
        for rec in recs:
            flop, is_burden = (rec.training_flop, 0.0) if rec.training_flop is not None \
                else (rec.hardware_burden_flop, 1.0)
            if flop is None:
                continue
            metric = schema.METRICS[rec.metric]
            if metric.kind == "perplexity":
                y = math.log10(rec.value)
            else:
                err = metric.to_error(rec.value)
                y = math.log(err / (1.0 - err))
            t = rec.date.year + (rec.date.timetuple().tm_yday - 1) / 365.25
            pts.append((rec.line, math.log10(flop), t, is_burden, y))
        if len(pts) < OUTLIER_MIN_ROWS:
            continue
        arr = np.array([p[1:] for p in pts], dtype=float)
        cols = [np.ones(len(arr)), arr[:, 0], arr[:, 1] - arr[:, 1].mean()]
        if 0.0 < arr[:, 2].sum() < len(arr):
            cols.append(arr[:, 2])
        design = np.column_stack(cols)
        coef, *_ = np.linalg.lstsq(design, arr[:, 3], rcond=None)
        resid = arr[:, 3] - design @ coef
        mad = float(np.median(np.abs(resid - np.median(resid))))
        if mad <= 1e-12:
            continue
        z = (resid - np.median(resid)) / (1.4826 * mad)
        for (line, *_rest), zi in zip(pts, z, strict=True):
            if abs(zi) > OUTLIER_Z:
                c.warn(line, "value", f"result far off the {series} trend (robust z = {zi:+.1f} of the "
                                      f"residual of a fit on log10 compute and year, {len(pts)} rows)")


def _check_notable(c: _Checker) -> None:
    for line, row in c.rows():
        c.non_empty(line, row, "model", "model name")
        c.non_empty(line, row, "source", "source (every row must cite one)")
        c.choice(line, row, "domain", schema.NOTABLE_DOMAINS, "domain")
        c.date(line, row, "publication_date", required=True)
        c.compute(line, row, "training_flop")
    c.duplicates(("model",), "model")


def _check_prices(c: _Checker) -> None:
    low, high = PEAK_FLOPS_RANGE
    for line, row in c.rows():
        c.non_empty(line, row, "chip", "chip name")
        c.non_empty(line, row, "source", "source (every row must cite one)")
        c.choice(line, row, "price_kind", schema.PRICE_KINDS, "price kind")
        c.choice(line, row, "precision", schema.PRECISIONS, "precision")
        c.date(line, row, "release_date", required=False)
        c.date(line, row, "price_date", required=True)
        c.positive(line, row, "price_usd", "price", required=True)
        peak = c.positive(line, row, "peak_flops", "peak FLOP/s", required=True)
        if peak is not None and not low <= peak <= high:
            c.warn(line, "peak_flops", f"peak {peak:.3g} FLOP/s per chip is outside the plausible range "
                                       f"[{low:.0e}, {high:.0e}]")
        c.positive(line, row, "tdp_watts", "TDP", required=False)
    data_columns = tuple(col for col in c.frame.columns if col != LINE_COLUMN)
    c.duplicates(data_columns, "values in every column")


# --------------------------------------------------------------------------------------------------
# counts


def _year_span(dates: pd.Series) -> tuple[float, float]:
    parsed = [parse_date(str(d)) for d in dates]
    years = [d.year for d in parsed if d is not None]
    return (float(min(years)), float(max(years))) if years else (math.nan, math.nan)


def _has_number(series: pd.Series) -> pd.Series:
    return series.map(lambda s: (parse_float(str(s)) or 0.0) > 0).astype(bool)


def _counts(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame()
    if kind == "prices":
        keys = ["price_kind"]
        date_col = "price_date"
    elif kind == "notable":
        keys = ["domain"]
        date_col = "publication_date"
    else:
        keys = ["domain", "benchmark"]
        date_col = "publication_date"
    if not set(keys) <= set(frame.columns):
        return pd.DataFrame({"rows": [len(frame)]})
    out = []
    for key, group in frame.groupby(keys, sort=True):
        rec: dict[str, object] = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        rec["rows"] = len(group)
        if kind == "prices":
            rec["chips"] = group["chip"].nunique() if "chip" in group else 0
        for col in COMPUTE_COLUMNS[kind]:
            if col in group:
                rec[f"with_{col}"] = int(_has_number(group[col]).sum())
        if kind == "results" and set(COMPUTE_COLUMNS["results"]) <= set(group.columns):
            any_compute = _has_number(group["training_flop"]) | _has_number(group["hardware_burden_flop"])
            rec["without_compute"] = int((~any_compute).sum())
        if date_col in group:
            rec["first_year"], rec["last_year"] = _year_span(group[date_col])
        out.append(rec)
    counts = pd.DataFrame(out)
    for col in ("first_year", "last_year"):
        if col in counts:
            counts[col] = counts[col].astype("Int64") if counts[col].notna().all() else counts[col]
    return counts


# --------------------------------------------------------------------------------------------------
# entry points


def check_table(path: str | Path, kind: str | None = None, today: dt.date | None = None) -> CheckReport:
    """Check one table; report every problem in it (never raises for content problems).

    Parameters
    ----------
    path
        CSV file to check.
    kind
        ``"results"``, ``"notable"`` or ``"prices"``; detected from the columns when ``None``.
    today
        Dates after this day are errors (default: today's date).

    Raises
    ------
    DataError
        The file cannot be read (missing, a directory, not UTF-8 text).
    ValueError
        ``kind`` is not one of :data:`KINDS`.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown table kind {kind!r} (expected one of: {', '.join(KINDS)})")
    path = Path(path)
    name = str(path)
    today = today or dt.date.today()
    problems: list[Problem] = []
    columns, frame = read_rows(path, problems)
    report = CheckReport(path=path, kind=kind, problems=problems, n_rows=len(frame), frame=frame)
    if not columns:
        return report
    if kind is None:
        kind = detect_kind(columns)
        if kind is None:
            problems.append(Problem(name, 1, None, "cannot tell the table kind from the columns "
                                                   f"(pass --kind {'|'.join(KINDS)})"))
            return report
    report.kind = kind
    for col in REQUIRED_COLUMNS[kind]:
        if col not in columns:
            problems.append(Problem(name, 1, col, f"missing required column for a {kind} table"))
    checker = _Checker(name, frame, today)
    if kind == "results":
        usable = _check_results(checker)
        _trend_outliers(checker, usable)
        checker.problems.extend(plausibility.check_results(name, frame, LINE_COLUMN))
    elif kind == "notable":
        _check_notable(checker)
    else:
        _check_prices(checker)
    problems.extend(checker.problems)
    problems.sort(key=lambda p: (p.line or 0, p.severity != "error"))
    report.counts = _counts(kind, frame)
    return report


def _format_counts(kind: str, counts: pd.DataFrame) -> list[str]:
    if counts.empty:
        return []
    table = counts.copy()
    if {"first_year", "last_year"} <= set(table.columns):
        table["years"] = [
            "-" if pd.isna(a) else (f"{int(a)}" if a == b else f"{int(a)}-{int(b)}")
            for a, b in zip(table.pop("first_year"), table.pop("last_year"), strict=True)
        ]
    total: dict[str, object] = {col: "" for col in table.columns}
    for col in table.columns:
        if col == "rows" or col.startswith("with") or col == "chips":
            total[col] = int(table[col].sum()) if col != "chips" else ""
    total[table.columns[0]] = "TOTAL"
    if {"first_year", "last_year"} <= set(counts.columns):
        years = pd.concat([counts["first_year"], counts["last_year"]]).dropna()
        total["years"] = f"{int(years.min())}-{int(years.max())}" if len(years) else "-"
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    text = table.to_string(index=False)
    return ["  " + line for line in text.splitlines()]


def format_report(report: CheckReport) -> str:
    """Human-readable report: a status line, every problem, then the counts."""
    kind = report.kind or "unknown"
    n_err, n_warn = len(report.errors), len(report.warnings)
    status = "OK" if report.ok else "INVALID"
    lines = [f"{report.path}: {kind} table, {report.n_rows} rows: {status} "
             f"({n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)})"]
    lines += capped_lines(list(report.problems))
    if report.kind is not None:
        lines += _format_counts(report.kind, report.counts)
    counts = report.counts
    if report.kind == "results" and "without_compute" in counts:
        n_none = int(counts["without_compute"].sum())
        lines.append(f"  {report.n_rows - n_none} rows have training_flop or hardware_burden_flop "
                     f"(used by the model); {n_none} have no compute (valid, counted, not fitted)")
    return "\n".join(lines)


def raise_for_errors(report: CheckReport) -> None:
    """Raise :class:`DataError` with every error of ``report``, if it has any."""
    if report.errors:
        raise DataError(report.errors)
