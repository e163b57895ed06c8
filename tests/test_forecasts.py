"""Forecast arithmetic on a tiny hand-made posterior (1 chain x 3 draws) whose answers are computed by hand.

Set-up (identity link, so y = error; utilization 1; flat price 1e-17 $/FLOP; centring 18 / 2017 / 2020):

- image_classification (imagenet/top1, best error 0.2, T0 = 2020): alpha 0.5, beta -0.1, gamma -0.01.
  Frontier rate per draw: -0.01 (x_needed stays 2.7 -> $10^3.7 forever: never hits the wall),
  -0.03 (log10 cost = 3.7 + 0.2 k, k = T - 2020: $1B in 2047, $100B in 2057),
  -0.11 (log10 cost = 3.7 + k: $1B in 2026, $100B in 2028).
- object_detection (coco/box_ap, best error 0.5): alpha 0.9, gamma 0, rate 0, beta per draw 0.1, -0.01, 0.2
  -> x_needed = -0.4 / beta = -4 (never), 40 (already over every budget in 2020), -2 (never);
  P(beta < 0) = 1/3: NOT identified.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast import forecasts as F
from forecast.config import load_spec
from forecast.diagnostics import ConvergenceChecks
from forecast.model import ModelData
from forecast.run import Run

DOMAINS = ("image_classification", "object_detection")
SERIES = ("imagenet/top1", "coco_test_dev/box_ap")


def _data() -> ModelData:
    obs = pd.DataFrame(
        {
            "series": ["imagenet/top1"] * 3 + ["coco_test_dev/box_ap"] * 2,
            "domain": ["image_classification"] * 3 + ["object_detection"] * 2,
            "series_idx": [0, 0, 0, 1, 1],
            "domain_idx": [0, 0, 0, 1, 1],
            "x": [0.0, 1.0, 2.0, 0.0, 1.0],
            "t": [0.0, 1.0, 2.0, 1.0, 2.0],
            "year": [2017.0, 2018.0, 2019.0, 2018.0, 2019.0],
            "error": [0.3, 0.25, 0.2, 0.6, 0.5],
            "y": [0.3, 0.25, 0.2, 0.6, 0.5],
            "measure": ["training_flop"] * 5,
        }
    )
    best = pd.DataFrame(
        {
            "series": list(SERIES),
            "domain": list(DOMAINS),
            "best_error": [0.2, 0.5],
            "best_year": [2019.0, 2019.0],
            "best_model": ["A", "B"],
            "last_year": [2020.5, 2019.2],
        }
    )
    empty = pd.DataFrame()
    return ModelData(
        obs=obs,
        series=SERIES,
        domains=DOMAINS,
        series_domain=np.array([0, 1]),
        frontier=empty,
        notable=empty,
        prices=empty,
        energy=empty,
        best=best,
    )


def _posterior() -> xr.Dataset:
    def dom(a: list[float], b: list[float]) -> tuple[tuple[str, str, str], np.ndarray]:
        return ("chain", "draw", "domain"), np.array([[[a[i], b[i]] for i in range(3)]])

    def scalar(v: float | list[float]) -> tuple[tuple[str, str], np.ndarray]:
        return ("chain", "draw"), np.broadcast_to(np.asarray(v, dtype=float), (1, 3)).copy()

    return xr.Dataset(
        {
            "alpha": (("chain", "draw", "benchmark"), np.array([[[0.5, 0.9]] * 3])),
            "beta": dom([-0.1] * 3, [0.1, -0.01, 0.2]),
            "gamma": dom([-0.01] * 3, [0.0] * 3),
            "frontier_rate": dom([-0.01, -0.03, -0.11], [0.0] * 3),
            "trend_intercept": dom([2.1] * 3, [2.1] * 3),
            "trend_slope": dom([0.5] * 3, [0.5] * 3),
            "mu_beta": scalar([-0.1, -0.2, 0.1]),
            "mu_gamma": scalar(-0.05),
            "price_intercept": scalar(-17.0),
            "price_slope": scalar(0.0),
            "utilization": scalar(1.0),
            "energy_intercept": scalar(-11.0),
            "energy_slope": scalar(0.0),
        },
        coords={"chain": [0], "draw": [0, 1, 2], "domain": list(DOMAINS), "benchmark": list(SERIES)},
    )


def make_run(posterior: xr.Dataset | None = None) -> Run:
    spec = load_spec(
        overrides={
            "model": {"domains": list(DOMAINS), "link": "identity"},
            "forecast": {
                "budgets_usd": [1e9, 1e11],
                "target_fractions": [0.5],
                "years": [2025],
                "horizon_year": 2100,
            },
        }
    )
    trace = xr.DataTree.from_dict({"posterior": posterior if posterior is not None else _posterior()})
    checks = ConvergenceChecks(
        max_rhat=1.0, min_ess_bulk=1000, min_ess_tail=1000, divergences=0, min_bfmi=1.0
    )
    return Run(
        trace=trace,
        data=_data(),
        spec=spec,
        checks=checks,
        meta={"name": "tiny", "data_hash": "abc123", "created": "2026-01-01T00:00:00+00:00"},
    )


@pytest.fixture(scope="module")
def run() -> Run:
    return make_run()


@pytest.fixture(scope="module")
def fc(run: Run) -> F.Forecasts:
    return F.compute_forecasts(run)


def test_last_data_year_and_main_benchmarks(run):
    assert F.last_data_year(run.data) == 2020
    assert F.main_benchmarks(run.data) == {
        "image_classification": "imagenet/top1",
        "object_detection": "coco_test_dev/box_ap",
    }


def test_wall_years_by_hand(fc):
    w = fc.wall["wall_year"].sel(domain="image_classification")
    np.testing.assert_array_equal(w.sel(budget="$1B").values.ravel(), [np.inf, 2047, 2026])
    np.testing.assert_array_equal(w.sel(budget="$100B").values.ravel(), [np.inf, 2057, 2028])
    od = fc.wall["wall_year"].sel(domain="object_detection")
    np.testing.assert_array_equal(od.sel(budget="$1B").values.ravel(), [np.inf, 2020, np.inf])
    # cost of staying on trend, draw 2: log10 $ = 3.7 + (T - 2020)
    cost = fc.wall["log10_usd"].sel(domain="image_classification").isel(chain=0, draw=2)
    np.testing.assert_allclose(cost.sel(year=[2020, 2030]).values, [3.7, 13.7])


def test_error_at_wall_by_hand(fc):
    e = fc.wall["error_at_wall"].sel(domain="image_classification", budget="$1B").values.ravel()
    assert np.isnan(e[0])  # never hit: no error reached
    np.testing.assert_allclose(e[1:], [0.2 - 0.03 * 27, 0.2 - 0.11 * 6])
    e_od = fc.wall["error_at_wall"].sel(domain="object_detection", budget="$1B").values.ravel()
    np.testing.assert_allclose(e_od[1], 0.5)  # already: the best error itself


def test_wall_table_never_counts_as_later_than_any_year(fc):
    t = fc.wall_table.set_index(["domain", "budget"])
    ic = t.loc[("image_classification", "$1B")]
    assert ic["wall_median"] == 2047  # [2026, 2047, inf]
    assert ic["wall_lo"] == 2026 and np.isposinf(ic["wall_hi"])
    assert ic["n_never"] == 1 and ic["n_draws"] == 3
    assert ic["p_by_2030"] == pytest.approx(1 / 3) and ic["p_by_2040"] == pytest.approx(1 / 3)
    assert ic["p_already"] == 0
    od = t.loc[("object_detection", "$1B")]
    assert np.isposinf(od["wall_median"])  # 2 of 3 draws never hit: median "after 2100"
    assert od["wall_lo"] == 2020 and od["p_already"] == pytest.approx(1 / 3) and od["n_never"] == 2
    assert F.format_year(od["wall_median"], 2100, 2020) == "after 2100"
    assert F.format_year(2020.0, 2100, 2020) == "already (2020)"


def test_not_identified_domain_is_flagged_everywhere(fc):
    for table in (fc.wall_table, fc.spending_table, fc.targets_table):
        od = table[table["domain"] == "object_detection"]
        assert not od["identified"].any() and od["note"].str.contains("NOT IDENTIFIED").all()
        assert table[table["domain"] == "image_classification"]["identified"].all()
    prog = fc.progress_table.set_index("domain")
    assert prog.loc["object_detection", "p_beta_negative"] == pytest.approx(1 / 3)
    assert not prog.loc["object_detection", "identified"]
    assert not prog.loc["shared", "identified"]  # P(mu_beta < 0) = 2/3
    assert fc.identified == {"image_classification": True, "object_detection": False}
    text = F.headline(fc)
    assert "NOT IDENTIFIED" in text and "object_detection" in text


def test_progress_by_hand(fc):
    prog = fc.progress_table.set_index("domain")
    assert prog.loc["image_classification", "years_per_10x_median"] == pytest.approx(10.0)  # -0.1 / -0.01
    assert prog.loc["image_classification", "decades_per_year_median"] == pytest.approx(0.1)
    assert prog.loc["image_classification", "halving_months_median"] == pytest.approx(120 / math.log2(10))
    # shared: mu_beta / mu_gamma = [2, 4, -2]: median 2 (never the mean)
    assert prog.loc["shared", "years_per_10x_median"] == pytest.approx(2.0)
    anchors = fc.anchors_table.set_index("source")
    assert anchors.loc["Erdil & Besiroglu 2022", "years_per_10x"] == pytest.approx(2.49, abs=0.01)
    assert anchors.loc["Erdil & Besiroglu 2022", "low"] == pytest.approx(1.107, abs=0.01)
    assert anchors.loc["Erdil & Besiroglu 2022", "high"] == pytest.approx(6.92, abs=0.01)


def test_targets_by_hand(fc):
    t = fc.targets_table.set_index(["benchmark", "year"])
    row = t.loc[("imagenet/top1", 2020)]
    assert row["target_error"] == pytest.approx(0.1)
    # x = (0.1 - 0.5 + 0.01 * 3) / -0.1 = 3.7 -> 10^21.7 FLOP -> $10^4.7
    assert row["log10_flop_median"] == pytest.approx(21.7)
    assert row["log10_usd_median"] == pytest.approx(4.7)
    co2 = 21.7 - 11 + math.log10(1.1) - math.log10(3.6e6) + math.log10(0.429)
    assert row["log10_co2_kg_median"] == pytest.approx(co2)
    assert row["decades_beyond_data"] == pytest.approx(21.7 - 20.0)  # largest reported: x = 2 -> 10^20
    # five years of algorithmic progress: x = (0.1 - 0.5 + 0.08) / -0.1 = 3.2
    assert t.loc[("imagenet/top1", 2025), "log10_flop_median"] == pytest.approx(21.2)


def test_utilization_and_price_slope_enter_the_cost():
    post = _posterior()
    post["utilization"] = post["utilization"] * 0.5
    post["price_slope"] = post["price_slope"] - 0.1
    fc = F.compute_forecasts(make_run(post))
    row = fc.targets_table.set_index(["benchmark", "year"]).loc[("imagenet/top1", 2025)]
    assert row["log10_usd_median"] == pytest.approx(21.2 - 17 - 0.1 * 5 + math.log10(2))
    growth = fc.spending_table.set_index(["domain", "budget"]).loc[
        ("image_classification", "$1B"), "growth_median"
    ]
    assert growth == pytest.approx(10**0.4)


def test_spending_on_trend_by_hand(fc):
    t = fc.spending_table.set_index(["domain", "budget"])
    # log10 $ = 18 + 2.1 + 0.5 (T - 2017) - 17 = 3.1 + 0.5 (T - 2017): $1B in 2029, $100B in 2033
    assert t.loc[("image_classification", "$1B"), "cross_median"] == 2029
    assert t.loc[("image_classification", "$100B"), "cross_median"] == 2033
    # error bought by 2029: 0.5 - 0.1 * (2.1 + 0.5 * 12) - 0.01 * 12
    assert t.loc[("image_classification", "$1B"), "error_at_cross_median"] == pytest.approx(-0.43)
    assert t.loc[("image_classification", "$1B"), "growth_median"] == pytest.approx(10**0.5)
    assert t.loc[("image_classification", "$1B"), "cottier_growth"] == 2.4


def test_reference_loop_implementation_agrees():
    """An explicit loop over draws and years (the slow way) gives the same walls."""
    run = make_run()
    fc = F.compute_forecasts(run)
    post = run.posterior
    for d, dom in enumerate(DOMAINS):
        for k in range(3):
            a, b, g = (float(post[v].values[0, k, d]) for v in ("alpha", "beta", "gamma"))
            r = float(post["frontier_rate"].values[0, k, d])
            y0 = [0.2, 0.5][d]
            for label, usd in run.spec.budgets().items():
                expected = np.inf
                for year in range(2020, 2101):
                    x = (y0 + r * (year - 2020) - a - g * (year - 2017)) / b
                    if x + 18 - 17 >= math.log10(usd):
                        expected = year
                        break
                got = float(fc.wall["wall_year"].sel(domain=dom, budget=label).values[0, k])
                assert got == expected, (dom, k, label)


def test_budgets_parsing(run):
    assert F.parse_budget("1B") == ("$1B", 1e9)
    assert F.parse_budget("$100B") == ("$100B", 1e11)
    assert F.parse_budget("2.5e12") == ("$2.5T", 2.5e12)
    with pytest.raises(ValueError):
        F.parse_budget("lots")
    assert F.budgets_from_args(["gdp_1pct"], run) == {"1% of world GDP": 0.01 * 1.05e14}
    fc = F.compute_forecasts(run, budgets={"$10k": 1e4})
    w = fc.wall["wall_year"].sel(domain="image_classification", budget="$10k").values.ravel()
    # log10 $ = 3.7 + 0.2 k >= 4 -> k = 2; 3.7 + k >= 4 -> k = 1
    np.testing.assert_array_equal(w, [np.inf, 2022, 2021])


def test_draws_keep_sample_dims(fc):
    assert fc.wall["log10_usd"].dims == ("chain", "draw", "domain", "year")
    assert fc.wall["wall_year"].dims == ("chain", "draw", "domain", "budget")
    assert fc.targets["log10_flop"].dims == ("chain", "draw", "benchmark", "fraction", "year")
    assert int(fc.wall["year"][-1]) == 2100


def test_to_csv_carries_provenance(fc, tmp_path):
    paths = F.Forecasts.to_csv(fc, tmp_path)
    assert {p.name for p in paths} == {
        "targets.csv",
        "progress.csv",
        "anchors.csv",
        "wall.csv",
        "spending.csv",
        "theory.csv",
        "prior_check.csv",
    }
    wall = pd.read_csv(tmp_path / "wall.csv")
    assert (wall["run_data_hash"] == "abc123").all() and (
        wall["run_created"] == "2026-01-01T00:00:00+00:00"
    ).all()


def test_compare_links_stacks_runs(fc):
    both = F.compare_links([fc, fc])
    assert len(both) == 2 * len(fc.targets_table) and "run" in both.columns


def test_frontier_offset_is_mean_residual_of_frontier_results():
    from forecast.forecasts import frontier_offset
    from forecast.run import load_run

    run = load_run("tests/golden/run.nc")
    off = frontier_offset(run)
    assert off.dims == ("chain", "draw", "benchmark") or set(off.dims) == {"chain", "draw", "benchmark"}
    post, obs = run.posterior, run.data.obs
    x = post["x"].values if "x" in post else obs["x"].to_numpy()
    c, d = 0, 3
    for i, s in enumerate(run.data.series):
        rows = np.flatnonzero(obs["frontier"].astype(bool).to_numpy() & (obs["series_idx"].to_numpy() == i))
        dom = int(run.data.series_domain[i])
        mu = (post["alpha"].values[c, d, i] + post["beta"].values[c, d, dom] * x[c, d, rows]
              + post["gamma"].values[c, d, dom] * obs["t"].to_numpy()[rows])
        expected = float(np.mean(obs["y"].to_numpy()[rows] - mu)) if len(rows) else 0.0
        assert float(off.isel(chain=c, draw=d).sel(benchmark=s)) == pytest.approx(expected)
