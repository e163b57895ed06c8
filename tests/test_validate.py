from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast import schema
from forecast.data.load import (
    DataPaths,
    data_hash,
    default_data_paths,
    load_notable,
    load_prices,
    load_results,
)
from forecast.data.validate import DataWarning, check_table, format_report
from forecast.errors import DataError

TODAY = dt.date(2025, 1, 1)

NOTABLE_ROW = {
    "model": "GPT-3 175B",
    "domain": "language_modeling",
    "publication_date": "2020-05-28",
    "training_flop": "3.14e23",
    "compute_note": "",
    "source": "https://arxiv.org/abs/2005.14165",
}

PRICE_ROW = {
    "chip": "NVIDIA V100",
    "release_date": "2017-06-21",
    "price_date": "2019-01-01",
    "price_kind": "cloud_on_demand",
    "price_usd": "3.06",
    "peak_flops": "1.25e14",
    "precision": "fp16",
    "tdp_watts": "300",
    "source": "https://aws.amazon.com/ec2/pricing/",
}


def located(report, line: int, column: str | None, text: str, severity: str = "error") -> bool:
    """True when the report has a problem at (line, column) whose message mentions ``text``."""
    for p in report.problems:
        shown = str(p)
        where = f"{report.path}:{line}" + (f": column '{column}'" if column else "")
        if p.severity == severity and p.line == line and p.column == column and shown.startswith(where) \
                and text in p.message:
            return True
    return False


def check(path: Path, **kw):
    return check_table(path, today=TODAY, **kw)


# --- valid tables ----------------------------------------------------------------------------------


def test_valid_results_table_counts(write_csv, result_row):
    rows = [
        result_row(),
        result_row(model="AlexNet", value="62.5", publication_date="2012-09-30", training_flop="4.7e17"),
        result_row(model="ResNet-50", metric="top5_accuracy", value="92.2", training_flop=""),
        result_row(model="Transformer", domain="machine_translation", benchmark="wmt14_en_de", metric="bleu",
                   value="28.4", publication_date="2017-06-12", training_flop="",
                   hardware_burden_flop="2.3e19"),
    ]
    report = check(write_csv(rows))
    assert report.ok, format_report(report)
    assert report.kind == "results" and report.n_rows == 4 and report.problems == []
    counts = report.counts.set_index(["domain", "benchmark"])
    img = counts.loc[("image_classification", "imagenet")]
    assert img["rows"] == 3 and img["with_training_flop"] == 2 and img["without_compute"] == 1
    assert (img["first_year"], img["last_year"]) == (2012, 2015)
    assert counts.loc[("machine_translation", "wmt14_en_de"), "with_hardware_burden_flop"] == 1
    text = format_report(report)
    assert "OK" in text and "TOTAL" in text and "1 have no compute" in text


def test_line_numbers_count_embedded_newlines(write_csv, result_row):
    rows = [result_row(model="A", compute_note="two\nlines"), result_row(model="B", training_flop="-1")]
    report = check(write_csv(rows))
    # header = 1, row A = lines 2-3, row B = line 4
    assert located(report, 4, "training_flop", "negative compute")


# --- one test per error class -----------------------------------------------------------------------


def test_missing_required_column(write_csv, result_row):
    columns = [c for c in schema.RESULTS_COLUMNS if c != "source"]
    report = check(write_csv([result_row()], columns=columns), kind="results")
    assert not report.ok
    assert located(report, 1, "source", "missing required column")


@pytest.mark.parametrize(("cell", "text"), [("lots", "non-numeric compute"), ("0", "zero"),
                                            ("-3e20", "negative compute")])
def test_bad_compute(write_csv, result_row, cell, text):
    report = check(write_csv([result_row(), result_row(model="X", hardware_burden_flop=cell)]))
    assert not report.ok and len(report.errors) == 1
    assert located(report, 3, "hardware_burden_flop", text)


def test_value_out_of_range(write_csv, result_row):
    report = check(write_csv([result_row(value="107")]))
    assert located(report, 2, "value", "outside the range of top1_accuracy")


def test_non_numeric_value(write_csv, result_row):
    report = check(write_csv([result_row(value="76%")]))
    assert located(report, 2, "value", "non-numeric value")


def test_unknown_domain(write_csv, result_row):
    report = check(write_csv([result_row(domain="vision")]))
    assert located(report, 2, "domain", "unknown domain 'vision'")


def test_unknown_benchmark(write_csv, result_row):
    report = check(write_csv([result_row(benchmark="imagenet21k")]))
    assert located(report, 2, "benchmark", "unknown benchmark 'imagenet21k'")


def test_unknown_metric(write_csv, result_row):
    report = check(write_csv([result_row(metric="accuracy")]))
    assert located(report, 2, "metric", "unknown metric 'accuracy'")


def test_metric_not_of_benchmark(write_csv, result_row):
    report = check(write_csv([result_row(metric="bleu")]))
    assert located(report, 2, "metric", "does not belong to benchmark 'imagenet'")


def test_benchmark_not_of_domain(write_csv, result_row):
    report = check(write_csv([result_row(domain="object_detection")]))
    assert located(report, 2, "benchmark", "belongs to domain 'image_classification'")


def test_unparseable_date(write_csv, result_row):
    report = check(write_csv([result_row(publication_date="Dec 2015")]))
    assert located(report, 2, "publication_date", "unparseable date")


def test_impossible_date(write_csv, result_row):
    report = check(write_csv([result_row(publication_date="2015-02-30")]))
    assert located(report, 2, "publication_date", "unparseable date")


def test_future_date(write_csv, result_row):
    report = check(write_csv([result_row(publication_date="2025-06-01")]))
    assert located(report, 2, "publication_date", "in the future")


def test_partial_dates_accepted(write_csv, result_row):
    report = check(write_csv([result_row(publication_date="2015"),
                              result_row(model="B", publication_date="2016-03")]))
    assert report.ok, format_report(report)


def test_duplicate_row(write_csv, result_row):
    report = check(write_csv([result_row(), result_row(model="Other"), result_row(value="75.9")]))
    assert len(report.errors) == 1
    assert located(report, 4, "model", "same model, benchmark, metric and source as line 2")


def test_empty_source(write_csv, result_row):
    report = check(write_csv([result_row(source="")]))
    assert located(report, 2, "source", "empty source")


def test_wrong_field_count(tmp_path):
    path = tmp_path / "t.csv"
    header = ",".join(schema.RESULTS_COLUMNS)
    good = "A,image_classification,imagenet,top1_accuracy,70,2015-01-01,1e18,,,src,"
    path.write_text(f"{header}\n{good}\n{good.replace('A,', 'B,')},extra\n")
    report = check(path)
    assert located(report, 3, None, "row has 12 fields, the header has 11")


def test_all_problems_reported_at_once(write_csv, result_row):
    rows = [result_row(), result_row(model="B", training_flop="-1"), result_row(model="C", domain="x"),
            result_row(model="D", publication_date="soon")]
    report = check(write_csv(rows))
    assert len(report.errors) == 3
    assert located(report, 3, "training_flop", "negative")
    assert located(report, 4, "domain", "unknown domain")
    assert located(report, 5, "publication_date", "unparseable")
    text = format_report(report)
    assert "INVALID (3 errors, 0 warnings)" in text and text.count(": error: ") == 3


# --- warnings ---------------------------------------------------------------------------------------


def test_compute_outside_plausible_range_is_a_warning(write_csv, result_row):
    report = check(write_csv([result_row(training_flop="5e10"), result_row(model="B", training_flop="3e29")]))
    assert report.ok and len(report.warnings) == 2
    assert located(report, 2, "training_flop", "outside the plausible range", severity="warning")
    assert "OK (0 errors, 2 warnings)" in format_report(report)


def _trend_rows(result_row, outlier_value: float) -> list[dict[str, str]]:
    rng = np.random.default_rng(1)
    rows = []
    for i in range(12):
        year = 2012 + 0.6 * i
        x = 17.0 + 0.45 * i + rng.normal(0, 0.3)
        logit_err = 0.8 - 0.25 * (x - 17) - 0.05 * (year - 2012) + rng.normal(0, 0.05)
        acc = 100 * (1 - 1 / (1 + math.exp(-logit_err)))
        rows.append(result_row(model=f"M{i}", value=f"{acc:.2f}", training_flop=f"{10**x:.3g}",
                               publication_date=f"{int(year)}-06-01"))
    rows[5]["value"] = f"{outlier_value}"
    return rows


def test_result_far_off_trend_is_a_warning(write_csv, result_row):
    report = check(write_csv(_trend_rows(result_row, 99.0)))
    assert report.ok
    assert located(report, 7, "value", "far off the imagenet/top1 trend", severity="warning")
    assert len([w for w in report.warnings if "trend" in w.message]) == 1


def test_trend_check_needs_enough_rows(write_csv, result_row):
    report = check(write_csv(_trend_rows(result_row, 99.0)[:7]))
    assert report.ok and not [w for w in report.warnings if "trend" in w.message]


# --- other kinds -------------------------------------------------------------------------------------


def test_notable_table(write_csv):
    rows = [NOTABLE_ROW, {**NOTABLE_ROW, "model": "AlphaFold", "domain": "other"},
            {**NOTABLE_ROW, "model": "X", "domain": "robotics"}, {**NOTABLE_ROW, "training_flop": "0"}]
    report = check(write_csv(rows, columns=schema.NOTABLE_COLUMNS))
    assert report.kind == "notable"
    assert len(report.errors) == 3, format_report(report)
    assert located(report, 4, "domain", "unknown domain 'robotics'")
    assert located(report, 5, "training_flop", "zero")
    assert located(report, 5, "model", "same model as line 2")


def test_prices_table(write_csv):
    rows = [PRICE_ROW, {**PRICE_ROW, "price_kind": "spot", "price_date": "2020-01-01"},
            {**PRICE_ROW, "precision": "fp4", "price_date": "2021-01-01"},
            {**PRICE_ROW, "price_usd": "-2", "price_date": "2022-01-01"},
            {**PRICE_ROW, "tdp_watts": "", "release_date": "", "price_date": "2023-01-01"},
            PRICE_ROW]
    report = check(write_csv(rows, columns=schema.PRICE_COLUMNS))
    assert report.kind == "prices"
    assert len(report.errors) == 4, format_report(report)
    assert located(report, 3, "price_kind", "unknown price kind 'spot'")
    assert located(report, 4, "precision", "unknown precision 'fp4'")
    assert located(report, 5, "price_usd", "negative price")
    assert located(report, 7, "chip", "duplicate row")


def test_kind_mismatch_reports_missing_columns(write_csv):
    report = check(write_csv([NOTABLE_ROW], columns=schema.NOTABLE_COLUMNS), kind="results")
    missing = {p.column for p in report.errors if "missing required column" in p.message}
    assert missing == set(schema.RESULTS_COLUMNS) - set(schema.NOTABLE_COLUMNS)


def test_undetectable_kind_is_an_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    report = check(path)
    assert not report.ok and "cannot tell the table kind" in report.errors[0].message


def test_unreadable_file_raises(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        check_table(tmp_path / "absent.csv")
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(DataError, match="not UTF-8"):
        check_table(bad)
    with pytest.raises(ValueError, match="unknown table kind"):
        check_table(bad, kind="models")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    report = check(path)
    assert not report.ok and "empty file" in report.errors[0].message


# --- loaders ------------------------------------------------------------------------------------------


def test_load_results_types_and_derived_columns(write_csv, result_row):
    rows = [result_row(compute_note="a\nb"), result_row(model="B", metric="top5_error", value="7.5",
                                                        training_flop="", publication_date="2016-07-01"),
            result_row(model="C", training_flop="5e10")]
    df = load_results(write_csv(rows), today=TODAY)
    assert list(df["line"]) == [2, 4, 5]
    assert pd.api.types.is_datetime64_any_dtype(df["publication_date"])
    for col in ("value", "training_flop", "hardware_burden_flop", "year", "error"):
        assert df[col].dtype == np.float64, col
    assert np.isnan(df.loc[1, "training_flop"])
    assert df.loc[0, "error"] == pytest.approx(0.247)
    assert df.loc[1, "error"] == pytest.approx(0.075)
    assert list(df["series"]) == ["imagenet/top1", "imagenet/top5", "imagenet/top1"]
    assert 2016.49 < df.loc[1, "year"] < 2016.51
    assert len(df.attrs["warnings"]) == 1 and ":5: column 'training_flop'" in df.attrs["warnings"][0]


def test_load_results_raises_with_every_error(write_csv, result_row):
    rows = [result_row(training_flop="-1"), result_row(model="B", domain="x"),
            result_row(model="C", value="")]
    with pytest.raises(DataError) as info:
        load_results(write_csv(rows), today=TODAY)
    assert len(info.value.problems) == 3
    assert ":2: column 'training_flop'" in str(info.value)


def test_load_warning_modes(write_csv, result_row):
    path = write_csv([result_row(training_flop="5e10")])
    with pytest.warns(DataWarning, match="plausible range"):
        df = load_results(path, on_warning="warn", today=TODAY)
    assert df.attrs["warnings"] == []
    assert load_results(path, on_warning="ignore", today=TODAY).attrs["warnings"] == []
    with pytest.raises(ValueError):
        load_results(path, on_warning="shout")


def test_load_notable_and_prices(write_csv):
    notable_path = write_csv([NOTABLE_ROW], name="n.csv", columns=schema.NOTABLE_COLUMNS)
    notable = load_notable(notable_path, today=TODAY)
    assert notable["training_flop"].dtype == np.float64 and 2020.4 < notable.loc[0, "year"] < 2020.42
    prices = load_prices(write_csv([PRICE_ROW, {**PRICE_ROW, "tdp_watts": "", "price_date": "2020-01-01"}],
                                   name="p.csv", columns=schema.PRICE_COLUMNS), today=TODAY)
    assert pd.api.types.is_datetime64_any_dtype(prices["release_date"])
    assert prices["tdp_watts"].isna().tolist() == [False, True]
    assert prices.loc[0, "price_year"] == pytest.approx(2019.0)


def test_default_paths_and_hash(tmp_path):
    paths = default_data_paths()
    assert isinstance(paths, DataPaths)
    assert paths.results.name == "results.csv" and paths.results.parent.parent == Path(__file__).parents[1]
    assert default_data_paths(tmp_path).prices == tmp_path / "data" / "compute_prices.csv"
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"xy")
    b.write_bytes(b"z")
    h = data_hash(a, b)
    assert len(h) == 64 and h == data_hash(a, b) and h != data_hash(b, a)
    b.write_bytes(b"zz")
    assert h != data_hash(a, b)


def test_shipped_tables_validate():
    paths = default_data_paths()
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"shipped data not there yet: {', '.join(missing)}")
    for path, kind in zip(paths, ("results", "notable", "prices"), strict=True):
        report = check_table(path, kind=kind)
        assert report.ok, format_report(report)
