"""Plausibility checks (forecast/data/plausibility.py), through check_table and the CLI."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from forecast.cli import main
from forecast.data import plausibility
from forecast.data.validate import check_table

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "data" / "results.csv"


def problems(path: Path, severity: str) -> list[str]:
    report = check_table(path)
    return [str(p) for p in report.problems if p.severity == severity]


# ------------------------------------------------------------------------------------ synthetic rows
def test_burden_below_training_flop_is_an_error_unless_explained(write_csv, result_row):
    bad = result_row(model="B", training_flop="5e19", hardware_burden_flop="6e16")
    path = write_csv([result_row(), bad])
    errors = problems(path, "error")
    assert len(errors) == 1 and f"{path}:3: column 'hardware_burden_flop'" in errors[0]
    explained = result_row(training_flop="5e19", hardware_burden_flop="6e16",
                           compute_note=f"{plausibility.BELOW_FLOP_MARKER} FP32 vs FP16 peak")
    assert problems(write_csv([explained], name="ok.csv"), "error") == []
    rounded = result_row(training_flop="3.3e18", hardware_burden_flop="3.29e18")
    assert problems(write_csv([rounded], name="rounded.csv"), "error") == []


def test_date_before_the_arxiv_month_is_an_error(write_csv, result_row):
    path = write_csv([result_row(source="arXiv:1810.04805", publication_date="2018-07-01"),
                      result_row(model="B", source="arXiv:1810.04805", publication_date="2018-09-30"),
                      result_row(model="C", source="arXiv:1810.04805", publication_date="2018-10-11")])
    errors = problems(path, "error")
    assert len(errors) == 1
    assert f"{path}:2: column 'publication_date'" in errors[0] and "2018-10" in errors[0]


def test_six_nd_disagreement_warns(write_csv, result_row):
    note = "6ND inputs: N=1e8 parameters, D=1e9 tokens x 2 epochs"  # 6ND = 1.2e18
    far = result_row(training_flop="1.2e20", compute_note=note)
    near = result_row(model="B", training_flop="2e18", compute_note=note)
    path = write_csv([far, near])
    warnings = problems(path, "warning")
    assert [w for w in warnings if "column 'training_flop'" in w and ":2:" in w and "100x" in w]
    assert not [w for w in warnings if ":3:" in w]
    assert plausibility.six_nd("6ND: 6 x 110M params x 131B tokens") == pytest.approx(6 * 110e6 * 131e9)


def test_six_nd_one_pass_is_a_lower_bound():
    note = "6ND inputs: N=1e8 parameters, D=1e8 tokens (epochs not stated: one pass)"  # 6e16
    assert plausibility.six_nd_disagreement(6e18, note) is None  # 100 passes: plausible
    assert plausibility.six_nd_disagreement(6e19, note) is not None  # 1000 passes
    assert plausibility.six_nd_disagreement(1e15, note) is not None  # below one pass


def test_same_figure_on_two_models_warns(write_csv, result_row):
    rows = [result_row(model="NASNet-A", source="arXiv:1707.07012", hardware_burden_flop="1.645056e21"),
            result_row(model="SENet", source="arXiv:1709.01507", hardware_burden_flop="1.645056e21")]
    warnings = problems(write_csv(rows), "warning")
    assert [w for w in warnings if ":3: column 'hardware_burden_flop'" in w and "NASNet-A" in w]
    shared = [result_row(model=m, source=s, compute_note="pre-training compute of BERT-Large")
              for m, s in (("A", "arXiv:1906.02437"), ("B", "arXiv:1910.11476"))]
    assert not [w for w in problems(write_csv(shared, name="s.csv"), "warning") if "same compute" in w]


def test_score_above_ceiling_warns(write_csv, result_row):
    rows = [result_row(benchmark="squad11_test", domain="question_answering", metric="f1", value="93.2"),
            result_row(model="B", metric="top1_error", value="5.0"),
            result_row(model="C", benchmark="conll2003", domain="named_entity_recognition", metric="f1",
                       value="94.3")]
    warnings = [w for w in problems(write_csv(rows), "warning") if "column 'value'" in w]
    assert len(warnings) == 2 and ":2:" in warnings[0] and "91.2" in warnings[0] and ":3:" in warnings[1]


def test_dev_value_filed_as_test_warns(write_csv, result_row):
    qa = {"domain": "question_answering", "metric": "f1", "value": "80.2", "source": "arXiv:1709.02755"}
    rows = [result_row(model="SRU", benchmark="squad11_dev", **qa),
            result_row(model="SRU", benchmark="squad11_test", **qa)]
    path = write_csv(rows)
    assert [w for w in problems(path, "warning") if f"{path}:3: column 'benchmark'" in w and "dev" in w]
    other = [result_row(model="CenterMask+VoVNetV2-57", benchmark="coco_minival", domain="object_detection",
                        metric="box_ap", value="44.6", source="arXiv:1911.06667"),
             result_row(model="CenterMask + X-101", benchmark="coco_test_dev", domain="object_detection",
                        metric="box_ap", value="44.6", source="arXiv:1911.06667")]
    assert not [w for w in problems(write_csv(other, name="o.csv"), "warning") if "dev-set" in w]


def test_warnings_exit_0_errors_exit_1(write_csv, result_row, capsys):
    warn_only = write_csv([result_row(benchmark="squad11_dev", domain="question_answering", metric="f1",
                                      value="95")], name="w.csv")
    assert main(["data", "check", str(warn_only)]) == 0
    error = write_csv([result_row(training_flop="5e19", hardware_burden_flop="6e16")], name="e.csv")
    assert main(["data", "check", str(error)]) == 1
    assert "e.csv:2: column 'hardware_burden_flop': error" in capsys.readouterr().out


# ------------------------------------------------------------------- the shipped table, old errors back
def _restore(tmp_path: Path, match: dict[str, str], **cells: str) -> tuple[Path, int]:
    """Copy data/results.csv with ``cells`` set on the one row matching ``match``; return its line.

    With ``cells["append"] == "yes"`` the row is kept and a changed copy is appended instead.
    """
    append = cells.pop("append", "") == "yes"
    with open(RESULTS, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    hits = [i for i, r in enumerate(rows) if all(r[k] == v for k, v in match.items())]
    assert len(hits) == 1, (match, hits)
    if append:
        rows.append({**rows[hits[0]], **cells})
    else:
        rows[hits[0]].update(cells)
    out = tmp_path / "results.csv"
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out, (len(rows) - 1 if append else hits[0]) + 2


def test_shipped_results_pass(tmp_path):
    report = check_table(shutil.copy(RESULTS, tmp_path / "results.csv"))
    assert report.ok, [str(p) for p in report.errors]


@pytest.mark.parametrize(
    ("match", "cells", "column", "severity"),
    [
        # Xception carrying Epoch's JFT run (4.36e20) beside its ImageNet burden
        ({"model": "Xception", "metric": "top1_accuracy"}, {"training_flop": "4.36e20"},
         "hardware_burden_flop", "error"),
        # BiDAF test F1 carrying Epoch's CNN/DailyMail figure
        ({"model": "BiDAF (single model)", "metric": "f1"}, {"training_flop": "3.4686144e18"},
         "hardware_burden_flop", "error"),
        # YOLOv3 carrying the backbone's ImageNet training
        ({"model": "YOLOv3 + Darknet-53"}, {"training_flop": "5.093919992e19"}, "hardware_burden_flop", "error"),
        # BERT with Thompson's burden (one Cloud TPU) below Epoch's FLOP
        ({"model": "BERT Large", "benchmark": "conll2003"}, {"hardware_burden_flop": "6.2208e19"},
         "hardware_burden_flop", "error"),
        # mid-year date before the paper existed
        ({"model": "BERT Large", "benchmark": "conll2003"}, {"publication_date": "2018-07-01"},
         "publication_date", "error"),
        # Regularized LSTM En-Fr carrying the Penn Treebank language model's figure
        ({"model": "Regularized LSTM", "benchmark": "wmt14_en_fr"}, {"training_flop": "9.1e16"},
         "training_flop", "warning"),
        # GPT2-Large+LHOPT: training compute 3,400x its own 6ND (the row the build drops), restored
        ({"model": "Megatron-LM (355M)"},
         {"append": "yes", "model": "GPT2-Large+LHOPT", "value": "32.5", "publication_date": "2021-06-02",
          "training_flop": "1.6e21", "source": "arXiv:2106.00958",
          "compute_note": "Epoch AI training compute (Ho et al. 2024 data); 6ND inputs: N=7.6e+08 parameters, "
                          "D=1.03e+08 tokens x 1 epochs"},
         "training_flop", "warning"),
        # a dev result filed as test (SRU)
        ({"model": "SRU", "metric": "f1"}, {"benchmark": "squad11_test", "append": "yes"}, "benchmark", "warning"),
    ],
)
def test_old_error_restored_is_reported(tmp_path, match, cells, column, severity):
    path, line = _restore(tmp_path, match, **cells)
    found = [p for p in check_table(path).problems if p.line == line and p.column == column]
    assert found and found[0].severity == severity, [str(p) for p in check_table(path).problems if p.line == line]
