"""Checks of the third hand-compiled 2020-09..2024-09 results file (ImageNet top-1 with training compute)."""

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

RECENT = BUILD / "curated_results_2020_2024_c.csv"
OTHERS = (CURATED, BUILD / "curated_results_2020_2024_a.csv")


NOT_FINE_TUNED = re.compile(r"zero-shot|zero shot|linear[- ]probe|linear probing|frozen", re.IGNORECASE)


@pytest.fixture(scope="module")
def recent() -> list[dict[str, str]]:
    return read_rows(RECENT)[1]


def test_columns_match_the_curated_file() -> None:
    check_columns(RECENT)


def test_data_check_passes() -> None:
    check_data_check_passes(RECENT)


def test_rows_are_imagenet_top1_or_the_optional_text_benchmarks(recent: list[dict[str, str]]) -> None:
    for r in recent:
        assert r["benchmark"] in {"imagenet", "conll2003", "squad11_dev", "squad11_test"}, r["model"]
        assert r["metric"] in schema.BENCHMARKS[r["benchmark"]].metrics, r["model"]
        assert r["domain"] == schema.BENCHMARKS[r["benchmark"]].domain, r["model"]
        if r["benchmark"] == "imagenet":
            assert r["metric"] == "top1_accuracy", r["model"]
            assert 0.0 < float(r["value"]) < 100.0, r["model"]


def test_every_row_cites_an_arxiv_id_and_a_table_or_section(recent: list[dict[str, str]]) -> None:
    check_citations(recent)


def test_dates_in_window_and_not_before_the_arxiv_month(recent: list[dict[str, str]]) -> None:
    check_dates(recent)


def test_at_least_ten_imagenet_rows_with_training_compute(recent: list[dict[str, str]]) -> None:
    n = sum(1 for r in recent if r["benchmark"] == "imagenet" and r["training_flop"])
    assert n >= 10


def test_compute_is_documented(recent: list[dict[str, str]]) -> None:
    for r in recent:
        assert not r["hardware_burden_flop"], r["model"]  # only training FLOP in this file
        if not r["training_flop"]:
            assert not r["compute_source"], r["model"]
            continue
        flop = float(r["training_flop"])
        assert schema.COMPUTE_RANGE_FLOP[0] <= flop <= schema.COMPUTE_RANGE_FLOP[1], r["model"]
        assert r["compute_note"].strip(), r["model"]
        assert r["compute_source"] == EPOCH_SOURCE or ARXIV.match(r["compute_source"]), r["model"]
        if r["compute_source"] == EPOCH_SOURCE:
            assert "Epoch AI estimate for system '" in r["compute_note"], r["model"]
        else:
            # an own estimate names its method and inputs
            assert re.search(r"6ND|operation count|hardware time", r["compute_note"]), r["model"]
            assert " x " in r["compute_note"], r["model"]


def test_operation_counts_add_up(recent: list[dict[str, str]]) -> None:
    # the figure stated in the note (a single term, or the sum of the '= <figure>' terms) is the row's figure
    for r in recent:
        if not r["compute_note"].startswith(("operation count", "6ND")):
            continue
        terms = [float(x) for x in re.findall(r"= (\d\.\d+e[+-]\d+)", r["compute_note"])]
        assert terms, r["model"]
        assert sum(terms) == pytest.approx(float(r["training_flop"]), rel=2e-3), r["model"]


def test_no_zero_shot_or_linear_probe_results(recent: list[dict[str, str]]) -> None:
    # Zero-shot transfer and frozen-feature (linear-probe) accuracy are different tasks from the
    # fine-tuned or supervised top-1 accuracy of the series.
    assert not [r["model"] for r in recent if NOT_FINE_TUNED.search(r["model"])]


def test_no_duplicate_results_here_or_with_the_other_curated_files(recent: list[dict[str, str]]) -> None:
    keys = [(r["model"], r["benchmark"], r["metric"]) for r in recent]
    assert len(keys) == len(set(keys))
    for path in OTHERS:
        old = {(r["model"], r["benchmark"], r["metric"]) for r in read_rows(path)[1]}
        assert not old & set(keys), path.name


def test_no_result_repeated_under_another_name(recent: list[dict[str, str]]) -> None:
    # the same paper, benchmark and score in another curated file would be the same result renamed
    mine = {(r["source"], r["benchmark"], r["metric"], float(r["value"])) for r in recent}
    for path in OTHERS:
        old = {(r["source"], r["benchmark"], r["metric"], float(r["value"])) for r in read_rows(path)[1]}
        assert not old & mine, path.name
