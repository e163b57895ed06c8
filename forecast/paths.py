"""Where the curated tables and the default model spec are found.

The tables (``results.csv``, ``notable_models.csv``, ``compute_prices.csv``) are read from the first of:

1. a folder given explicitly (``--data-dir DIR`` on the command line);
2. the folder named by the environment variable ``FORECAST_DATA_DIR``;
3. ``./data`` in the working directory, when it holds ``results.csv`` (a checkout of the repository);
4. the copies packaged with ``forecast`` (``pip install`` ships ``data/`` as ``forecast._data``).

The default spec is ``./models/default.toml`` in the working directory when it exists (a checkout),
else the packaged copy (``models/*.toml`` ship as ``forecast._models``). Runs and reports are always
written under the working directory (``models/<name>/``, ``reports/<name>/``).

When the package is imported from a source tree without being installed, the packaged folders are
the tree's own ``data/`` and ``models/`` beside the ``forecast`` package.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

DATA_ENV = "FORECAST_DATA_DIR"
TABLE_FILES = ("results.csv", "notable_models.csv", "compute_prices.csv")
DEFAULT_SPEC_NAME = "default.toml"


def _packaged(package: str, folder: str) -> Path:
    """The directory of ``package`` (a data folder mapped into the wheel), or the source tree's ``folder``."""
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[1] / folder


def packaged_data_dir() -> Path:
    """The curated tables shipped with the package."""
    return _packaged("forecast._data", "data")


def packaged_models_dir() -> Path:
    """The model specs shipped with the package."""
    return _packaged("forecast._models", "models")


def data_dir(explicit: str | Path | None = None, cwd: str | Path | None = None) -> Path:
    """Return the folder the tables are read from (see the module docstring for the order).

    Parameters
    ----------
    explicit
        A folder given by the user (``--data-dir``); wins over everything else.
    cwd
        The working directory to look for ``data/`` in (default: the process's).
    """
    if explicit is not None:
        return Path(explicit)
    from_env = os.environ.get(DATA_ENV)
    if from_env:
        return Path(from_env)
    local = Path(cwd if cwd is not None else Path.cwd()) / "data"
    if (local / TABLE_FILES[0]).is_file():
        return local
    return packaged_data_dir()


def default_spec_path(cwd: str | Path | None = None) -> Path:
    """Return ``./models/default.toml`` when it exists in ``cwd`` (default: the process's), else the packaged one."""
    local = Path(cwd if cwd is not None else Path.cwd()) / "models" / DEFAULT_SPEC_NAME
    if local.is_file():
        return local
    return packaged_models_dir() / DEFAULT_SPEC_NAME
