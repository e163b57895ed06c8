"""Checks of the hand-compiled 2020-09..2024-09 results (ImageNet, CoNLL-2003, SQuAD 1.1)."""

from __future__ import annotations

import re

import pytest

from forecast import schema
from tests.recent_files import (
    ARXIV,
    BUILD,
    CURATED,
    EPOCH_SOURCE,
    check_citations,
    check_columns,
    check_data_check_passes,
    check_dates,
    read_rows,
)

RECENT = BUILD / "curated_results_2020_2024_a.csv"


@pytest.fixture(scope="module")
def recent() -> list[dict[str, str]]:
    return read_rows(RECENT)[1]


def test_columns_match_the_curated_file() -> None:
    check_columns(RECENT)


def test_data_check_passes() -> None:
    check_data_check_passes(RECENT)


def test_benchmarks_are_the_three_of_this_file(recent: list[dict[str, str]]) -> None:
    assert {r["benchmark"] for r in recent} <= {"imagenet", "conll2003", "squad11_dev", "squad11_test"}
    for r in recent:
        assert r["metric"] in schema.BENCHMARKS[r["benchmark"]].metrics


def test_every_row_cites_an_arxiv_id_and_a_table_or_section(recent: list[dict[str, str]]) -> None:
    check_citations(recent)


def test_dates_in_window_and_not_before_the_arxiv_month(recent: list[dict[str, str]]) -> None:
    check_dates(recent)


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
    old = {(r["model"], r["benchmark"], r["metric"], r["source"]) for r in read_rows(CURATED)[1]}
    assert not old & {(r["model"], r["benchmark"], r["metric"], r["source"]) for r in recent}


def test_no_zero_shot_results_in_fine_tuned_series(recent: list[dict[str, str]]) -> None:
    # Zero-shot transfer (CLIP, ALIGN, BASIC, ...) is a different task from the fine-tuned or
    # supervised top-1 accuracy of the series; mixing them would bias the compute slope.
    assert not [r["model"] for r in recent if "zero-shot" in r["model"].lower()]
