"""Bayesian forecast of the computational limits of deep learning."""

from forecast.errors import ConfigError, ConvergenceError, DataError, ForecastError, RunError

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ConvergenceError",
    "DataError",
    "ForecastError",
    "RunError",
    "__version__",
]
