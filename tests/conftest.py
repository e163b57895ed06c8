"""Shared fixtures: headless plotting, the public data files, small CSV writers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

try:
    import matplotlib

    matplotlib.use("Agg")
except ImportError:  # pragma: no cover
    pass

from forecast import schema
from tests.public_data import SKIP_REASON, public_data_dir

RESULT_ROW: dict[str, str] = {
    "model": "ResNet-50",
    "domain": "image_classification",
    "benchmark": "imagenet",
    "metric": "top1_accuracy",
    "value": "75.3",
    "publication_date": "2015-12-10",
    "training_flop": "4.1e18",
    "hardware_burden_flop": "",
    "compute_note": "",
    "source": "https://arxiv.org/abs/1512.03385",
    "compute_source": "Epoch AI",
}


@pytest.fixture
def shared_data() -> Path:
    """The public data files the tables are built from (``FORECAST_PUBLIC_DATA``); skip when not given."""
    folder = public_data_dir()
    if folder is None:
        pytest.skip(SKIP_REASON)
    return folder


@pytest.fixture(autouse=True)
def _default_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see the checkout's data/ unless they set FORECAST_DATA_DIR themselves."""
    monkeypatch.delenv("FORECAST_DATA_DIR", raising=False)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write ``rows`` (dicts) to ``tmp_path/name`` with ``columns`` (default: the results columns)."""

    def write(rows: list[dict[str, str]], name: str = "table.csv",
              columns: tuple[str, ...] | list[str] = schema.RESULTS_COLUMNS) -> Path:
        path = tmp_path / name
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


@pytest.fixture
def result_row() -> Callable[..., dict[str, str]]:
    """A valid results row; keyword arguments override cells."""

    def row(**overrides: str) -> dict[str, str]:
        return {**RESULT_ROW, **overrides}

    return row
