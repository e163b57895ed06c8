"""Where the tables and the default spec are found: --data-dir, FORECAST_DATA_DIR, ./data, the packaged copies."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from forecast import paths
from forecast.cli import main
from forecast.data.load import default_data_paths, tables_in

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """An empty working directory (FORECAST_DATA_DIR is unset by conftest)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _table_dir(where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    (where / "results.csv").write_text("model\n")
    return where


def test_packaged_copies_hold_the_tables_and_the_default_spec():
    data = paths.packaged_data_dir()
    for name in paths.TABLE_FILES:
        assert (data / name).read_bytes() == (REPO / "data" / name).read_bytes()
    spec = paths.packaged_models_dir() / paths.DEFAULT_SPEC_NAME
    assert spec.read_bytes() == (REPO / "models" / "default.toml").read_bytes()


def test_empty_directory_falls_back_to_the_packaged_tables_and_spec(elsewhere):
    assert paths.data_dir() == paths.packaged_data_dir()
    assert paths.default_spec_path() == paths.packaged_models_dir() / "default.toml"
    assert default_data_paths().results == paths.packaged_data_dir() / "results.csv"


def test_a_data_folder_without_results_is_not_taken(elsewhere):
    (elsewhere / "data").mkdir()
    (elsewhere / "data" / "notes.txt").write_text("unrelated")
    assert paths.data_dir() == paths.packaged_data_dir()


def test_working_directory_tables_and_spec_win_over_the_packaged_ones(elsewhere):
    local = _table_dir(elsewhere / "data")
    (elsewhere / "models").mkdir()
    (elsewhere / "models" / "default.toml").write_text("")
    assert paths.data_dir() == local
    assert paths.default_spec_path() == elsewhere / "models" / "default.toml"
    other = _table_dir(elsewhere.parent / "other")
    assert paths.data_dir(cwd=other.parent) == paths.packaged_data_dir()
    assert paths.default_spec_path(cwd=other) == paths.packaged_models_dir() / "default.toml"


def test_environment_beats_working_directory_and_explicit_beats_both(elsewhere, monkeypatch):
    _table_dir(elsewhere / "data")
    from_env = _table_dir(elsewhere.parent / "env")
    monkeypatch.setenv(paths.DATA_ENV, str(from_env))
    assert paths.data_dir() == from_env
    assert default_data_paths().prices == from_env / "compute_prices.csv"
    assert tables_in(elsewhere).results == elsewhere / "results.csv"
    assert paths.data_dir(elsewhere / "given") == elsewhere / "given"
    monkeypatch.setenv(paths.DATA_ENV, "")
    assert paths.data_dir() == elsewhere / "data"


@pytest.mark.parametrize("how", ["option", "env"])
def test_fit_reads_the_tables_from_the_chosen_folder(elsewhere, monkeypatch, capsys, how):
    # A folder holding a copy of the real notable/price tables and an invalid results table: the fit
    # must stop on that folder's results.csv (before any sampling), which shows where it looked.
    chosen = elsewhere / "mine"
    chosen.mkdir()
    for name in paths.TABLE_FILES[1:]:
        shutil.copy(paths.packaged_data_dir() / name, chosen / name)
    (chosen / "results.csv").write_text("not,a,results,table\n")
    args = ["fit", "--quiet"]
    if how == "option":
        args += ["--data-dir", str(chosen)]
    else:
        monkeypatch.setenv(paths.DATA_ENV, str(chosen))
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{chosen / 'results.csv'}" in err and "notable_models.csv" not in err
    assert not (elsewhere / "models").exists()


def test_setup_ships_the_folders_paths_looks_for():
    # setup.py maps data/ and models/ into the wheel as forecast._data / forecast._models: the names
    # and patterns there must be the ones forecast.paths resolves.
    tree = ast.parse((REPO / "setup.py").read_text())
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "setup")
    kw = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg in ("package_dir", "package_data")}
    assert kw["package_dir"] == {"forecast._data": "data", "forecast._models": "models"}
    assert "*.csv" in kw["package_data"]["forecast._data"]
    assert "*.toml" in kw["package_data"]["forecast._models"] and "*.toml" in kw["package_data"]["forecast"]
