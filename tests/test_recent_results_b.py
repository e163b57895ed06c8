"""The hand-compiled 2020-09..2024-09 results for COCO and WMT14 (data/build/curated_results_2020_2024_b.csv)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from forecast import schema
from forecast.data.validate import check_table

PATH = Path(__file__).resolve().parents[1] / "data" / "build" / "curated_results_2020_2024_b.csv"
REFERENCE = PATH.with_name("curated_results.csv")
FIRST, LAST = dt.date(2020, 9, 1), dt.date(2024, 9, 25)
ARXIV = re.compile(r"^arXiv:\d{4}\.\d{4,5}$")
WHERE = re.compile(r"\b(Table|Sec\.|Section|abstract|conclusion|README|results? table|comparison table)\b", re.I)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with PATH.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_columns_match_the_hand_compiled_table():
    with PATH.open(newline="") as new, REFERENCE.open(newline="") as ref:
        assert next(csv.reader(new)) == next(csv.reader(ref))


def test_file_passes_data_check():
    report = check_table(PATH)
    assert report.kind == "results"
    assert report.ok, [str(p) for p in report.errors]


def test_benchmarks_are_coco_or_wmt14(rows):
    allowed = {"coco_test_dev", "coco_minival", "wmt14_en_de", "wmt14_en_fr"}
    for row in rows:
        assert row["benchmark"] in allowed, row["model"]
        assert row["metric"] in schema.BENCHMARKS[row["benchmark"]].metrics, row["model"]


def test_every_source_is_an_arxiv_id(rows):
    for row in rows:
        assert ARXIV.match(row["source"]), (row["model"], row["source"])


def test_every_note_names_where_the_value_is(rows):
    for row in rows:
        assert row["notes"].startswith("value:"), row["model"]
        assert WHERE.search(row["notes"]), (row["model"], row["notes"])


def test_dates_in_window_and_not_before_the_arxiv_month(rows):
    for row in rows:
        date = dt.date.fromisoformat(row["publication_date"])
        assert FIRST <= date <= LAST, (row["model"], date)
        yymm = row["source"].split(":")[1][:4]
        assert (date.year % 100, date.month) == (int(yymm[:2]), int(yymm[2:])), (row["model"], date, yymm)


def test_compute_rows_explain_their_compute(rows):
    for row in rows:
        if row["training_flop"]:
            flop = float(row["training_flop"])
            assert 1e15 < flop < 1e26, row["model"]
            assert row["compute_note"] and row["compute_source"], row["model"]
            assert not row["hardware_burden_flop"], row["model"]
        else:
            assert not row["compute_source"], row["model"]


def test_lower_bounds_are_marked(rows):
    """A detector's compute that leaves out part of its training must say 'lower bound'."""
    for row in rows:
        note = row["compute_note"].lower()
        if row["training_flop"] and "not included" in note:
            assert "lower bound" in note, row["model"]


def test_at_least_22_coco_test_dev_rows_with_training_compute(rows):
    with_compute = [r for r in rows if r["benchmark"] == "coco_test_dev" and r["training_flop"]]
    assert len(with_compute) >= 22


def test_rows_are_unique(rows):
    keys = [(r["model"], r["benchmark"], r["metric"]) for r in rows]
    assert len(keys) == len(set(keys))
