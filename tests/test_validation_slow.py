"""Slow validation tests: real fits (``pytest -m slow``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forecast import policy
from forecast.config import load_spec
from forecast.data.load import default_data_paths, load_notable, load_prices, load_results
from forecast.validation import parallel
from forecast.validation.backtest import run_backtest
from forecast.validation.links import run_links
from forecast.validation.recovery import run_recovery

pytestmark = pytest.mark.slow

TINY = {"draws": 60, "tune": 60, "chains": 1}


@pytest.fixture(scope="module")
def tables():
    paths = default_data_paths()
    if not paths.results.is_file():
        pytest.skip("data/ tables are absent")
    return load_results(paths.results), load_notable(paths.notable), load_prices(paths.prices)


@pytest.fixture(scope="module")
def spec():
    return load_spec(None, {"model": {"compute_measure": "both"}})


def test_dask_run_identical_to_serial_run(tables, spec):
    r, n, p = tables
    payloads = [
        parallel.make_payload(
            parallel.validation_spec(spec, seed=policy.child_seed(11, "recovery", i), **TINY),
            r,
            n,
            p,
            label=f"t{i}",
        )
        for i in range(2)
    ]
    with parallel.executor(serial=True) as ex:
        serial = ex.map(parallel.fit_extract, payloads)
    with parallel.executor(workers=2) as ex:
        dist = ex.map(parallel.fit_extract, payloads)
    for a, b in zip(serial, dist, strict=True):
        assert a["label"] == b["label"] and a["seed"] == b["seed"]
        assert set(a["draws"]) == set(b["draws"])
        for k in a["draws"]:
            np.testing.assert_array_equal(a["draws"][k], b["draws"][k], err_msg=k)
    assert not np.array_equal(serial[0]["draws"]["beta"], serial[1]["draws"]["beta"])


def test_recovery_backtest_links_run_end_to_end(tables, spec):
    r, n, p = tables
    with parallel.executor(workers=2) as ex:
        rec = run_recovery(spec, r, n, p, executor=ex, n_sims=2, **TINY)
        bt = run_backtest(spec, r, n, p, executor=ex, cutoffs=(2017,), **TINY)
        lk = run_links(spec, r, n, p, executor=ex, **TINY)
    assert rec["n_sims"] == 2 and {"beta", "gamma", "alpha", "sigma"} <= set(rec["groups"])
    for g in rec["groups"].values():
        assert 0 <= g["coverage90"] <= 1 and g["band90_per_sim"][0] <= 0.9 <= g["band90_per_sim"][1]
    pc = bt["per_cutoff"][0]
    assert pc["common_rows"] > 0 and pc["later_rows"] >= pc["common_rows"]
    for m in ("hierarchical", "per_benchmark_ols", "pooled_ols"):
        assert np.isfinite(pc["common"][m]["mean_lpd"]) and pc["common"][m]["n"] == pc["common_rows"]
    assert set(lk["table"]) == {"logit", "log", "identity"} and lk["table"][lk["best"]]["elpd_diff"] == 0.0


def test_recovery_v2_real_size_passes(tables):
    """``forecast validate recovery_v2`` at its real size (~25 min on 2 busy cores).

    No group under-covers at 90%, and no more groups fall outside a band than chance alone explains
    (12 groups x 2 levels of 95% bands: ~1.2 expected under exact calibration).
    """
    from forecast.validation.recovery_v2 import V2_GROUPS, run_recovery_v2

    r, n, p = tables
    with parallel.executor(workers=2) as ex:
        rec = run_recovery_v2(load_spec("models/v2.toml"), r, n, p, executor=ex, n_sims=50, chunks=2)
    assert set(rec["groups"]) == set(V2_GROUPS)
    assert rec["model_compiles"] == 3 and rec["n_sims"] == 50
    table = {g: (v["coverage50"], v["coverage90"]) for g, v in rec["groups"].items()}
    assert all(v["coverage90"] >= v["band90_per_sim"][0] for v in rec["groups"].values()), table
    assert len(rec["failing_groups"]) <= math.ceil(rec["expected_flags"]), table
