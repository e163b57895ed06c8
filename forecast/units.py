"""Unit conversions, in one tested place.

Compute: FLOP is the canonical unit. Scores: the curated table stores values as published on
the metric's own scale (percent, BLEU 0-100); the model works on error-like fractions.
"""

from __future__ import annotations

import math

import numpy as np

SECONDS_PER_DAY = 86_400.0
SECONDS_PER_HOUR = 3_600.0
HOURS_PER_YEAR = 8_766.0  # 365.25 days

PETAFLOP_S_DAY_FLOP = 1e15 * SECONDS_PER_DAY  # 8.64e19 FLOP
TERAFLOP_S_DAY_FLOP = 1e12 * SECONDS_PER_DAY  # 8.64e16 FLOP
GFLOP = 1e9


def petaflop_s_days_to_flop(value: float) -> float:
    """Petaflop/s-days (OpenAI's unit) to FLOP."""
    return float(value) * PETAFLOP_S_DAY_FLOP


def teraflop_s_days_to_flop(value: float) -> float:
    """Teraflop/s-days (OpenAI's AI-and-Efficiency unit) to FLOP."""
    return float(value) * TERAFLOP_S_DAY_FLOP


def gflop_to_flop(value: float) -> float:
    """GFLOP (Thompson et al.'s hardware burden unit) to FLOP."""
    return float(value) * GFLOP


def fraction_to_percent(value: float) -> float:
    """A score given as a fraction in [0, 1] to percent."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a fraction in [0, 1], got {value}")
    return float(value) * 100.0


def percent_to_fraction(value: float) -> float:
    """A score in percent to a fraction."""
    return float(value) / 100.0


def error_from_percent_accuracy(value: float) -> float:
    """Error-like fraction from an accuracy-like score in percent (accuracy, AP, F1, EM, BLEU)."""
    return 1.0 - float(value) / 100.0


def hardware_flop(chips: float, peak_flops_per_chip: float, hours: float) -> float:
    """Hardware burden: processors x peak FLOP/s x training time (FLOP of capacity)."""
    return float(chips) * float(peak_flops_per_chip) * float(hours) * SECONDS_PER_HOUR


def flop_from_hardware(chips: float, peak_flops_per_chip: float, hours: float, utilization: float) -> float:
    """Training FLOP estimated from hardware x time x utilization (Epoch's hardware method)."""
    return hardware_flop(chips, peak_flops_per_chip, hours) * float(utilization)


def flop_from_operations(forward_flop_per_example: float, examples: float, epochs: float = 1.0) -> float:
    """Training FLOP by operation counting: 3 x forward FLOP per example x examples x epochs."""
    return 3.0 * float(forward_flop_per_example) * float(examples) * float(epochs)


def flop_6nd(parameters: float, tokens: float) -> float:
    """Training FLOP of a dense transformer: 6 x parameters x training tokens."""
    return 6.0 * float(parameters) * float(tokens)


def usd_per_flop(price_per_chip_hour: float, peak_flops: float, utilization: float) -> float:
    """Dollars per useful FLOP from a chip-hour price, peak FLOP/s and utilization."""
    return float(price_per_chip_hour) / (float(peak_flops) * float(utilization) * SECONDS_PER_HOUR)


def decimal_year(date: object) -> float:
    """Decimal year of a date (``'2017-06-12'``, a ``datetime``, or a pandas Timestamp)."""
    import pandas as pd

    ts = pd.Timestamp(str(date)) if not isinstance(date, pd.Timestamp) else date
    start = pd.Timestamp(year=ts.year, month=1, day=1)
    end = pd.Timestamp(year=ts.year + 1, month=1, day=1)
    return ts.year + (ts - start) / (end - start)


def log10_safe(values: np.ndarray) -> np.ndarray:
    """log10 of positive values; NaN elsewhere (never -inf)."""
    arr = np.asarray(values, dtype=float)
    out = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr) & (arr > 0)
    out[ok] = np.log10(arr[ok])
    return out


def is_positive_finite(value: float) -> bool:
    """True for a finite number > 0."""
    return isinstance(value, int | float) and math.isfinite(value) and value > 0
