"""The public data files the curated tables are built from: not in the repository, found by an env variable."""

from __future__ import annotations

import os
from pathlib import Path

PUBLIC_DATA_ENV = "FORECAST_PUBLIC_DATA"
SKIP_REASON = f"set {PUBLIC_DATA_ENV} to the folder of public data files to run"


def public_data_dir() -> Path | None:
    """The folder named by ``FORECAST_PUBLIC_DATA``, or None when it is unset or not a folder."""
    folder = os.environ.get(PUBLIC_DATA_ENV, "")
    return Path(folder) if folder and Path(folder).is_dir() else None
