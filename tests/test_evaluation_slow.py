"""Slow end-to-end tests of the evaluation (``pytest -m slow``): real fits at tiny settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecast.config import load_spec
from forecast.validation import _jsonable, parallel
from forecast.validation.bridge import run_bridge
from forecast.validation.holdout import run_holdout
from forecast.validation.nested import plan_from_dict, run_nested
from forecast.validation.sbc import run_sbc
from forecast.validation.sold import pseudo_wall
from tests import test_validation_slow

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TINY = {"draws": 100, "tune": 100, "chains": 2}
tables = test_validation_slow.tables  # the shared real-data fixture


@pytest.fixture(scope="module")
def spec():
    return load_spec(ROOT / "models" / "default.toml")


def test_sbc_compiles_once_per_chunk_and_ranks_every_group(tables, spec):
    out = run_sbc(spec, *tables, executor=parallel.SerialExecutor(), n_sims=3, chunks=1, draws=60, tune=60)
    assert len(out["compile_s"]) == 1 and out["n_sims"] == 3
    g = out["groups"]["mu_beta"]
    assert sum(g["counts_summed"]) == 3 and g["elements"] == 1
    assert {"beta", "gamma", "sigma"} <= set(out["groups"])
    _jsonable(out)


def test_nested_holdout_and_pseudo_wall_end_to_end(tables, spec):
    results, notable, prices = tables
    plan = plan_from_dict(
        {
            "selection": {"early_cutoffs": [2016], "later_cutoffs": [2018]},
            "candidate": [{"name": "default"}, {"name": "absent", "spec": "no-such-file.toml"}],
        }
    )
    res = run_nested(plan, spec, results, notable, prices, executor=parallel.SerialExecutor(), **TINY)
    s = res.summary
    assert "absent" in s["skipped"] and set(s["early"]) == {"default"}
    early = s["early"]["default"]["2016"]
    if early["status"] != "failed":
        assert s["choice"]["chosen"] == "default"
        later = s["later"]["2018"]
        if later["status"] != "failed":
            m = later["rows"]["methods"]
            assert {"model", "thompson_poly", "pooled_ols"} <= set(m)
            assert m["model"]["n_all"] == later["rows"]["n_rows"]  # the model predicts every later row
    section, fit = run_holdout(spec, results, notable, prices, executor=parallel.SerialExecutor(), **TINY)
    assert section["results_after_date"] == int((results["year"] > plan.holdout_cutoff).sum())
    pw = pseudo_wall([(plan.holdout_cutoff, fit)], spec, results, notable, prices, float(results["year"].max()))
    assert pw["n_cases"] >= 0 and all("cutoff" in c for c in pw["cases"])
    _jsonable(section)


def test_bridge_first_row_reproduces_thompsons_5pct_imagenet_figure(tables, spec):
    results, notable, prices = tables
    steps = [
        {
            "name": "pooling",
            "label": "pooling",
            "data": "thompson",
            "spec": None,
            "overrides": {"model": {"link": "log", "compute_measure": "hardware_burden"}},
        }
    ]
    out = run_bridge(
        spec, steps, results, notable, prices, executor=parallel.SerialExecutor(), holdout_cutoff=2020.66, **TINY
    )
    first = out["thompson_method_on_published_points"]["summary"]
    # Thompson et al.: ~10^5 x more compute for 5% ImageNet error (polynomial form, compute only)
    assert 4.0 <= first["imagenet_5pct_log10_multiple_poly"] <= 6.0
    assert first["k_imagenet_poly"] >= 9.0
    assert out["steps"][0]["n_obs"] > 50
    assert np.isfinite(out["steps"][0]["convergence"]["max_rhat"])
