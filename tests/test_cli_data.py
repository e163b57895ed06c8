from __future__ import annotations

import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from forecast.cli import main


def test_check_valid_exits_0(write_csv, result_row, capsys):
    path = write_csv([result_row(), result_row(model="B", training_flop="")])
    assert main(["data", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "results table, 2 rows: OK" in out
    assert "image_classification" in out and "imagenet" in out and "2015" in out
    assert "1 have no compute" in out


def test_negative_compute_exits_1_naming_line_and_column(write_csv, result_row, capsys):
    rows = [result_row(), result_row(model="B"), result_row(model="C", training_flop="-2.5e21")]
    path = write_csv(rows)
    assert main(["data", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:4: column 'training_flop': error: negative compute" in out


def test_warnings_do_not_fail(write_csv, result_row, capsys):
    path = write_csv([result_row(training_flop="1e30")])
    assert main(["data", "check", str(path)]) == 0
    assert "warning: compute 1e+30 FLOP" in capsys.readouterr().out


def test_several_files_one_invalid(write_csv, result_row, capsys):
    good = write_csv([result_row()], name="good.csv")
    bad = write_csv([result_row(source="")], name="bad.csv")
    assert main(["data", "check", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "good.csv: results table, 1 rows: OK" in out and "bad.csv:2: column 'source'" in out


def test_usage_errors_exit_2(tmp_path, write_csv, result_row, capsys):
    assert main(["data", "check", str(tmp_path / "absent.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["data", "check", "--kind", "bogus", str(write_csv([result_row()]))])
    assert info.value.code == 2


def test_kind_option(write_csv, result_row, capsys):
    path = write_csv([result_row()])
    assert main(["data", "check", "--kind", "prices", str(path)]) == 1
    assert "missing required column" in capsys.readouterr().out


@pytest.fixture
def fake_importers(monkeypatch, result_row):
    """A stand-in for forecast.data.importers: import_source returns the frame set on ``.frame``."""
    module = types.ModuleType("forecast.data.importers")
    module.frame = pd.DataFrame([result_row()])  # type: ignore[attr-defined]
    module.import_source = lambda kind, path: module.frame  # type: ignore[attr-defined]

    def write_table(df: pd.DataFrame, path: Path) -> None:
        df.to_csv(path, index=False)

    module.write_table = write_table  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "forecast.data.importers", module)
    return module


def test_import_writes_valid_table(tmp_path, fake_importers, capsys):
    src = tmp_path / "src.csv"
    src.write_text("anything\n")
    out = tmp_path / "out.csv"
    assert main(["data", "import", "thompson", str(src), "-o", str(out)]) == 0
    assert out.exists() and "wrote 1 rows" in capsys.readouterr().out
    assert set(tmp_path.iterdir()) == {src, out}  # no temp file left behind


def test_invalid_import_writes_nothing(tmp_path, fake_importers, result_row, capsys):
    fake_importers.frame = pd.DataFrame([result_row(training_flop="-1")])
    src = tmp_path / "src.csv"
    src.write_text("anything\n")
    out = tmp_path / "out.csv"
    assert main(["data", "import", "pwc", str(src), "-o", str(out)]) == 1
    assert not out.exists()
    assert set(tmp_path.iterdir()) == {src}  # no temp file left behind either
    captured = capsys.readouterr()
    assert f"{out}:2: column 'training_flop'" in captured.out and "nothing written" in captured.err


def test_invalid_import_keeps_previous_output(tmp_path, fake_importers, result_row):
    fake_importers.frame = pd.DataFrame([result_row(domain="nope")])
    src = tmp_path / "src.csv"
    src.write_text("anything\n")
    out = tmp_path / "out.csv"
    out.write_text("previous\n")
    assert main(["data", "import", "epoch", str(src), "-o", str(out)]) == 1
    assert out.read_text() == "previous\n"


def test_import_missing_source_exits_2(tmp_path, capsys):
    assert main(["data", "import", "epoch", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
