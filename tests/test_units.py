import math

import numpy as np
import pytest

from forecast import units


def test_compute_units():
    assert units.petaflop_s_days_to_flop(1) == pytest.approx(8.64e19)
    assert units.teraflop_s_days_to_flop(3.1) == pytest.approx(2.6784e17)
    assert units.gflop_to_flop(23042880000) == pytest.approx(2.304288e19)


def test_score_units():
    assert units.fraction_to_percent(0.827) == pytest.approx(82.7)
    assert units.percent_to_fraction(82.7) == pytest.approx(0.827)
    assert units.error_from_percent_accuracy(75.0) == pytest.approx(0.25)
    with pytest.raises(ValueError):
        units.fraction_to_percent(82.7)


def test_hardware_and_operations():
    # 8 GPUs x 1e13 FLOP/s x 10 h = 2.88e18; x 0.33 utilization = 9.504e17
    assert units.hardware_flop(8, 1e13, 10) == pytest.approx(2.88e18)
    assert units.flop_from_hardware(8, 1e13, 10, 0.33) == pytest.approx(9.504e17)
    # 3 x 4.1e9 x 1.28e6 x 90 = 1.41696e18
    assert units.flop_from_operations(4.1e9, 1.28e6, 90) == pytest.approx(1.41696e18)
    assert units.flop_6nd(110e6, 131e9) == pytest.approx(8.646e19)


def test_price_and_dates():
    # $3.6/h / (1e14 x 0.5 x 3600) = 2e-14 $/FLOP
    assert units.usd_per_flop(3.6, 1e14, 0.5) == pytest.approx(2e-14)
    assert units.decimal_year("2020-01-01") == pytest.approx(2020.0)
    assert units.decimal_year("2021-07-02") == pytest.approx(2021 + 182 / 365)


def test_log10_safe_and_positive():
    out = units.log10_safe(np.array([100.0, 0.0, -1.0, np.nan]))
    assert out[0] == pytest.approx(2.0)
    assert all(math.isnan(v) for v in out[1:])
    assert units.is_positive_finite(1.5)
    assert not units.is_positive_finite(float("inf"))
    assert not units.is_positive_finite(0)
