"""Bayesian forecast of the computational limits of deep learning.

Notebook use::

    import forecast
    run = forecast.load_run("models/default")   # run.trace, run.data, run.spec, run.checks
    forecast.compute_forecasts(run)              # targets, progress, wall, spending (xarray)

Heavy modules (PyMC) load on first use, so ``forecast data check`` starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from forecast.errors import ConfigError, ConvergenceError, DataError, ForecastError, RunError

__version__ = "0.1.0"

_LAZY = {
    "load_run": "forecast.run",
    "save_run": "forecast.run",
    "Run": "forecast.run",
    "fit": "forecast.fit",
    "build_model": "forecast.model",
    "prepare_data": "forecast.model",
    "load_spec": "forecast.config",
    "load_training_tables": "forecast.data.load",
    "compute_forecasts": "forecast.forecasts",
    "write_report": "forecast.report",
}

__all__ = [
    "ConfigError",
    "ConvergenceError",
    "DataError",
    "ForecastError",
    "RunError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'forecast' has no attribute {name!r}")
