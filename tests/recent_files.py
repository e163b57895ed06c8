"""What the hand-compiled 2020-09..2024-09 results files share: window, citation rules and the common checks."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from forecast import schema
from forecast.data.validate import check_table

BUILD = Path(__file__).resolve().parents[1] / "data" / "build"
CURATED = BUILD / "curated_results.csv"
FIRST = dt.date(2020, 9, 1)
LAST = dt.date.fromisoformat(schema.DATA_CUTOFF)
EPOCH_SOURCE = "Epoch AI (2024-11) All ML Systems"
ARXIV = re.compile(r"^arXiv:(\d{2})(\d{2})\.\d{4,5}$")
LOCATION = re.compile(r"\b(Table|table|Sec\.|Section|abstract|Appendix)\b")


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file."""
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def check_columns(path: Path) -> None:
    """The file has exactly the columns of the original hand-compiled file, and every results column."""
    assert read_rows(path)[0] == read_rows(CURATED)[0]
    assert set(schema.RESULTS_COLUMNS) <= set(read_rows(path)[0])


def check_data_check_passes(path: Path) -> None:
    """``forecast data check`` accepts the file as a results table."""
    report = check_table(path, today=dt.date(2026, 1, 1))
    assert report.kind == "results"
    assert report.ok, [str(p) for p in report.errors]


def check_citations(rows: list[dict[str, str]]) -> None:
    """Every row cites an arXiv id and names the table or section its value comes from."""
    for r in rows:
        assert ARXIV.match(r["source"]), r["model"]
        assert r["notes"].startswith("value:"), r["model"]
        assert LOCATION.search(r["notes"]), r["model"]


def check_dates(rows: list[dict[str, str]]) -> None:
    """Every date is inside the window and not before the month of its arXiv id."""
    for r in rows:
        date = dt.date.fromisoformat(r["publication_date"])
        assert FIRST <= date <= LAST, r["model"]
        match = ARXIV.match(r["source"])
        assert match, r["model"]
        yy, mm = match.groups()
        assert (date.year, date.month) >= (2000 + int(yy), int(mm)), r["model"]
