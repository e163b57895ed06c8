"""Checks of the hand-compiled 2020-09..2024-09 results (ImageNet, CoNLL-2003, SQuAD 1.1)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from forecast import schema
from forecast.data.validate import check_table

ROOT = Path(__file__).resolve().parents[1]
RECENT = ROOT / "data" / "build" / "curated_results_2020_2024_a.csv"
CURATED = ROOT / "data" / "build" / "curated_results.csv"

FIRST = dt.date(2020, 9, 1)
LAST = dt.date(2024, 9, 25)
EPOCH_SOURCE = "Epoch AI (2024-11) All ML Systems"
ARXIV = re.compile(r"^arXiv:(\d{2})(\d{2})\.\d{4,5}$")
LOCATION = re.compile(r"\b(Table|table|Sec\.|Section|abstract|Appendix)\b")


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def recent() -> list[dict[str, str]]:
    return _rows(RECENT)[1]


def test_columns_match_the_curated_file() -> None:
    assert _rows(RECENT)[0] == _rows(CURATED)[0]
    assert set(schema.RESULTS_COLUMNS) <= set(_rows(RECENT)[0])


def test_data_check_passes() -> None:
    report = check_table(RECENT, today=dt.date(2026, 1, 1))
    assert report.kind == "results"
    assert report.ok, [str(p) for p in report.errors]


def test_benchmarks_are_the_three_of_this_file(recent: list[dict[str, str]]) -> None:
    assert {r["benchmark"] for r in recent} <= {"imagenet", "conll2003", "squad11_dev", "squad11_test"}
    for r in recent:
        assert r["metric"] in schema.BENCHMARKS[r["benchmark"]].metrics


def test_every_row_cites_an_arxiv_id_and_a_table_or_section(recent: list[dict[str, str]]) -> None:
    for r in recent:
        assert ARXIV.match(r["source"]), r["model"]
        assert r["notes"].startswith("value:"), r["model"]
        assert LOCATION.search(r["notes"]), r["model"]


def test_dates_in_window_and_not_before_the_arxiv_month(recent: list[dict[str, str]]) -> None:
    for r in recent:
        date = dt.date.fromisoformat(r["publication_date"])
        assert FIRST <= date <= LAST, r["model"]
        yy, mm = ARXIV.match(r["source"]).groups()
        assert (date.year, date.month) >= (2000 + int(yy), int(mm)), r["model"]


def test_enough_rows_with_training_compute(recent: list[dict[str, str]]) -> None:
    def with_flop(bench: tuple[str, ...]) -> int:
        return sum(1 for r in recent if r["benchmark"] in bench and r["training_flop"])

    assert with_flop(("imagenet",)) >= 17
    assert with_flop(("conll2003",)) >= 5
    assert with_flop(("squad11_dev", "squad11_test")) >= 5


def test_compute_is_documented(recent: list[dict[str, str]]) -> None:
    for r in recent:
        if not r["training_flop"]:
            assert not r["compute_source"], r["model"]
            continue
        flop = float(r["training_flop"])
        assert schema.COMPUTE_RANGE_FLOP[0] <= flop <= schema.COMPUTE_RANGE_FLOP[1], r["model"]
        assert r["compute_note"].strip(), r["model"]
        assert r["compute_source"] == EPOCH_SOURCE or ARXIV.match(r["compute_source"]), r["model"]
        if r["compute_source"] != EPOCH_SOURCE:
            # an own estimate names its method and inputs
            assert re.search(r"6ND|operation count|hardware time|x ", r["compute_note"]), r["model"]


def test_no_duplicate_results_and_none_repeated_from_the_curated_file(recent: list[dict[str, str]]) -> None:
    keys = [(r["model"], r["benchmark"], r["metric"]) for r in recent]
    assert len(keys) == len(set(keys))
    old = {(r["model"], r["benchmark"], r["metric"], r["source"]) for r in _rows(CURATED)[1]}
    assert not old & {(r["model"], r["benchmark"], r["metric"], r["source"]) for r in recent}


def test_no_zero_shot_results_in_fine_tuned_series(recent: list[dict[str, str]]) -> None:
    # Zero-shot transfer (CLIP, ALIGN, BASIC, ...) is a different task from the fine-tuned or
    # supervised top-1 accuracy of the series; mixing them would bias the compute slope.
    assert not [r["model"] for r in recent if "zero-shot" in r["model"].lower()]
