"""The frontier: top-k selection, trend basis, real money, crossings, headline, model structure, tables."""

from __future__ import annotations

import io
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast.config import load_spec
from forecast.errors import ConfigError
from forecast.frontier import (
    BASE_DOLLAR_YEAR,
    dollar_factor,
    load_frontier_files,
    prepare_frontier,
    real_gdp,
    settings,
    top_k_at_release,
    trend_basis,
)
from forecast.walls import (
    compute_frontier,
    crossings_table,
    extend_trend,
    format_co2,
    format_flop,
    format_power,
    format_usd,
    frontier_headline,
    frontier_tables,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


# ----------------------------------------------------------------------------- selection and basis
def test_top_k_at_release_counts_only_earlier_or_same_date_systems():
    year = np.array([2010.0, 2011.0, 2012.0, 2013.0, 2014.0])
    x = np.array([20.0, 19.0, 21.0, 18.0, 22.0])
    # k = 2: 2013's 18 has three larger earlier systems; 2011's 19 has one (20)
    assert top_k_at_release(year, x, 2).tolist() == [True, True, True, False, True]
    assert top_k_at_release(year, x, 1).tolist() == [True, False, True, False, True]


def test_trend_basis_levels_and_slopes_agree_and_are_orthogonal_to_a_line():
    grid = np.arange(2010, 2025)
    basis, dbasis = trend_basis(grid)
    z = np.random.default_rng(1).normal(size=basis.shape[1])
    level, slope = basis @ z, dbasis @ z
    np.testing.assert_allclose(np.diff(level), slope[:-1], atol=1e-10)
    design = np.column_stack([np.ones(len(grid)), grid - grid.mean()])
    np.testing.assert_allclose(design.T @ basis, 0.0, atol=1e-8)


def test_extend_trend_without_drift_is_a_straight_line():
    rng = np.random.default_rng(0)
    level, slope = extend_trend(np.array([25.0]), np.array([0.6]), np.array([0.0]), 5, rng)
    np.testing.assert_allclose(level[0], 25.0 + 0.6 * np.arange(5))
    np.testing.assert_allclose(slope[0], 0.6)
    level, _ = extend_trend(np.zeros(4000), np.zeros(4000), np.full(4000, 0.1), 11, rng)
    # slope random walk: var(level_h) = sigma^2 * sum_{j<h} j^2 -> grows with the horizon
    sd = level.std(axis=0)
    assert sd[10] > sd[5] > sd[2] > 0
    assert sd[10] == pytest.approx(0.1 * math.sqrt(sum(j * j for j in range(10))), rel=0.08)


# ----------------------------------------------------------------------------- real money
def _cpi(values: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame({"year": list(values), "cpi_u": list(values.values()), "source": "test"})


def test_dollar_factor_is_the_cpi_ratio_and_unknown_years_are_config_errors():
    cpi = _cpi({2020: 250.0, 2023: 300.0, 2025: 330.0})
    assert dollar_factor(cpi, 2025) == pytest.approx(1.1)
    assert dollar_factor(cpi, 2020) == pytest.approx(250 / 300)
    assert dollar_factor(cpi, 2023) == 1.0
    with pytest.raises(ConfigError, match="no annual CPI for 2030"):
        dollar_factor(cpi, 2030)


def test_real_gdp_deflates_to_the_base_dollar_year():
    cpi = _cpi({2021: 200.0, 2022: 250.0, BASE_DOLLAR_YEAR: 300.0})
    gdp = pd.DataFrame({"year": [2020, 2021, 2022, 2023], "gdp_current_usd": [1e14, 1e14, 1e14, 1.2e14]})
    out = real_gdp(gdp, cpi, from_year=2021)
    assert out["year"].tolist() == [2021, 2022, 2023]  # 2020 has no CPI
    np.testing.assert_allclose(10 ** out["log10_gdp_real"], [1e14 * 1.5, 1e14 * 1.2, 1.2e14])


# ----------------------------------------------------------------------------- crossings on synthetic draws
def _fake_run(level_last: np.ndarray, slope_last: np.ndarray | float = 0.5) -> SimpleNamespace:
    """A run-like object with a deterministic frontier (no slope drift, no GDP noise)."""
    n_chain, n_draw = 1, len(level_last)

    def da(values: np.ndarray | float, *extra: str) -> xr.DataArray:
        arr = np.broadcast_to(np.asarray(values, float), (n_chain, n_draw) + (3,) * len(extra))
        return xr.DataArray(arr.copy(), dims=("chain", "draw", *extra))

    years = np.array([2023, 2024])
    slope = np.broadcast_to(np.asarray(slope_last, float), level_last.shape)
    level = np.stack([level_last - slope, level_last], axis=-1)[None]
    post = xr.Dataset({
        "frontier_level": (("chain", "draw", "frontier_year"), level),
        "frontier_slope": (("chain", "draw", "frontier_year"), np.stack([slope, slope], axis=-1)[None]),
        "frontier_slope_sigma": da(0.0),
        "gdp_growth": da(0.0),
        "gdp_growth_sigma": da(0.0),
        "hw_eff_intercept": da(12.0),
        "hw_eff_slope": da(0.0),
        "frontier_utilization": da(0.5),
        "cost_intercept": da([-17.0, -16.0, -15.0], "cost_method"),
        "cost_slope": da(0.0, "cost_method"),
    }, coords={"frontier_year": years, "cost_method": ["amortized", "cloud", "acquisition"]})
    spec = load_spec(None, {"assumptions": {"dollar_year": 2023, "pue": 1.0},
                            "forecast": {"horizon_year": 2060},
                            "frontier": {"it_overhead": 1.0, "run_days": 100.0}})
    tables = {
        "grid": pd.DataFrame({"year": years}),
        "gdp": pd.DataFrame({"year": [2023], "log10_gdp_real": [14.0]}),
        "cpi": _cpi({2023: 300.0}),
    }
    return SimpleNamespace(posterior=post, spec=spec, data=SimpleNamespace(frontier_tables=tables))


def test_crossing_years_match_the_arithmetic():
    run = _fake_run(np.array([25.0, 26.0]))
    fr = compute_frontier(run)
    assert fr is not None
    # amortized: log10 $ = level(T + 0.5) - 17 - log10(0.5); level(T + 0.5) = L + 0.5 (T - 2024 + 0.5)
    for i, lev in enumerate((25.0, 26.0)):
        for label, log10_b in (("$1B", 9.0), ("$10B", 10.0), ("$100B", 11.0)):
            need = log10_b + 17 + math.log10(0.5) - lev  # decades of growth needed at T + 0.5
            expected = 2024 + max(0, math.ceil(need / 0.5 - 0.5))
            assert float(fr["crossing_year"].sel(threshold=label).isel(chain=0, draw=i)) == expected
        # 1% of a flat 1e14 GDP = 1e12 dollars
        need = 12.0 + 17 + math.log10(0.5) - lev
        got = float(fr["crossing_year"].sel(threshold="1% of world GDP").isel(chain=0, draw=i))
        assert got == 2024 + max(0, math.ceil(need / 0.5 - 0.5))
    # power: FLOP / (100 days x 1e12 FLOP/J x 0.5) watts
    days = 100 * 86400.0
    for i, lev in enumerate((25.0, 26.0)):
        need = 9.0 + math.log10(days * 1e12 * 0.5) - lev
        got = float(fr["crossing_year"].sel(threshold="1 GW").isel(chain=0, draw=i))
        assert got == 2024 + max(0, math.ceil(need / 0.5 - 0.5))


def test_crossings_table_probabilities_and_never():
    run = _fake_run(np.full(4, 26.0), np.array([0.0, 0.5, 0.5, 0.5]))  # draw 0 is flat: never 5 GW
    fr = compute_frontier(run)
    assert fr is not None
    t = crossings_table(fr).set_index("threshold")
    assert t.loc["5 GW", "p_never"] == pytest.approx(0.25)
    assert np.isposinf(fr["crossing_year"].sel(threshold="5 GW").isel(chain=0, draw=0))
    y = fr["crossing_year"].sel(threshold="$1B").isel(chain=0).to_numpy()
    assert t.loc["$1B", "p_by_2030"] == pytest.approx(np.mean(y <= 2030))


def test_headline_text_in_human_units_and_old_runs_say_so():
    run = _fake_run(np.array([25.0, 25.5, 26.0]))
    fr = compute_frontier(run)
    lines = frontier_headline(fr, frontier_tables(fr, [2025, 2030]))
    text = "\n".join(lines)
    assert "$1B: " in text and "P(by 2030)" in text and "P(by 2035)" in text and "1 GW: " in text
    assert "FLOP [" in text and "$" in text and "Sevilla" in text and "Cottier" in text and "Hobbhahn" in text
    assert "log10" not in text and "Sevilla et al. 2024: ~2e29 FLOP feasible by 2030" in text
    assert frontier_headline(None, {})[0].startswith("Frontier: not in this run")
    assert format_flop(26.5) == "3.2e26 FLOP"
    assert format_power(1.3e9) == "1.3 GW" and format_power(4.5e8) == "450 MW"
    assert format_power(3.6e11) == "360 GW" and format_power(3e17) == "3e05 TW"
    assert format_co2(1.1e7) == "11 kt CO2" and format_usd(5.83e15) == "$5.8e15" and format_usd(3.2e9) == "$3.2B"


def test_frontier_settings_are_checked():
    with pytest.raises(ConfigError, match="headline_method"):
        settings(load_spec(None, {"frontier": {"headline_method": "magic"}}))
    with pytest.raises(ConfigError, match="run_days"):
        settings(load_spec(None, {"frontier": {"run_days": 0}}))


# ----------------------------------------------------------------------------- model structure
def test_build_model_has_the_frontier_parts(tmp_path):
    from forecast.model import build_model, prepare_data
    from tests.synthetic import synthetic_tables

    results, notable, prices = synthetic_tables()
    spec = load_spec(None)
    data = prepare_data(results, notable, prices, spec)
    assert set(data.frontier_tables) >= {"systems", "grid", "costs", "util", "hardware", "gdp", "cpi"}
    model = build_model(data, spec)
    names = {v.name for v in model.free_RVs} | {v.name for v in model.deterministics}
    assert {"frontier_level", "frontier_slope", "frontier_slope_sigma", "cost_intercept", "cost_slope",
            "frontier_utilization", "gdp_growth", "hw_eff_slope"} <= names
    assert list(model.coords["cost_method"]) == ["amortized", "cloud", "acquisition"]
    assert "frontier_hours_mu" in names
    assert model.coords["frontier_year"][-1] == math.floor(data.frontier_tables["systems"]["year"].max())
    off = build_model(prepare_data(results, notable, prices, spec.with_overrides({"frontier": {"enabled": False}})),
                      spec)
    assert "frontier_level" not in {v.name for v in off.deterministics}


def test_real_tables_fit_window_and_costs():
    files = load_frontier_files()
    from forecast.data.load import default_data_paths, load_notable

    notable = load_notable(default_data_paths().notable)
    tables = prepare_frontier(notable, load_spec(None), files)
    fs = settings(load_spec(None))
    assert tables["systems"]["year"].max() <= fs.fit_until_year
    assert set(tables["systems"]["domain"]) >= {"language_modeling", "other"}
    assert tables["hardware"]["year"].max() <= fs.fit_until_year
    c = tables["costs"]
    assert c.groupby("method").size().to_dict() == {"acquisition": 43, "amortized": 64, "cloud": 34}
    assert ((tables["util"]["utilization"] > 0) & (tables["util"]["utilization"] < 1)).all()
    # per-domain frontiers: general models reach QA and translation through their task cells; NER is too thin
    sup = tables["domain_support"].set_index("frontier_domain")
    assert not bool(sup.loc["named_entity_recognition", "supported"])
    assert {"image_classification", "question_answering", "machine_translation"} <= set(sup.index[sup["supported"]])
    assert sup.loc["question_answering", "n_top_general"] > 0 and sup.loc["machine_translation", "n_top_general"] > 0
    ds = tables["domain_systems"]
    assert ds["year"].max() <= fs.fit_until_year
    assert len(tables["hours"]) > 30 and tables["hours"]["model"].is_unique


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data (the public files) not present")
def test_compiled_tables_match_the_build_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bft", ROOT / "data" / "build" / "build_frontier_tables.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name, build in mod.BUILDERS.items():
        built = pd.read_csv(io.StringIO(build(SHARED).to_csv(index=False)))  # as written, then read
        shipped = pd.read_csv(ROOT / "data" / name)
        pd.testing.assert_frame_equal(built, shipped, check_dtype=False)
    cpi = mod.cpi_annual(SHARED).set_index("year")["cpi_u"]
    monthly = pd.read_csv(SHARED / "us_cpi_u_monthly.csv", parse_dates=["Date"])
    assert cpi[2023] == pytest.approx(monthly[monthly["Date"].dt.year == 2023]["Index"].mean(), abs=1e-3)
    assert len(mod.frontier_costs(SHARED)) == 74


@pytest.mark.slow  # a NUTS fit of the cost part: ~30 s alone, 2 min on a shared machine
def test_cost_calibration_on_cottier_runs_meets_the_targets():
    """Fit the cost part alone on the real tables; PSIS-LOO: amortized and cloud within 1.5x, 90% covering 85-95%."""
    import pymc as pm

    from forecast.costs import cost_calibration, cost_part

    spec = load_spec(None)
    from forecast.data.load import default_data_paths, load_notable

    tables = prepare_frontier(load_notable(default_data_paths().notable), spec)
    with pm.Model():
        cost_part(tables, spec)
        trace = pm.sample(draws=500, tune=500, chains=2, cores=1, random_seed=3, nuts_sampler="pymc",
                          progressbar=False, compute_convergence_checks=False, compile_kwargs={"mode": "CVM"})
    cal = cost_calibration(trace["posterior"].to_dataset(), tables, spec, seed=3)
    for m in ("amortized", "cloud"):
        r = cal["methods"][m]
        assert 1 / 1.5 <= r["median_ratio"] <= 1.5, r
        assert 0.85 <= r["coverage90"] <= 0.95, r
        assert r["max_khat"] < 0.7
    # with the run-length term the acquisition price falls as the others' does (without it: -0.26 vs -0.13 a
    # year, runs getting longer read as cheaper hardware) and its median ratio is within 10%
    slope = trace["posterior"]["cost_slope"].median(("chain", "draw"))
    assert abs(float(slope.sel(cost_method="acquisition") - slope.sel(cost_method="amortized"))) < 0.06
    assert 0.9 <= cal["methods"]["acquisition"]["median_ratio"] <= 1.1
    assert len(cal["runs"]) == sum(r["n"] for r in cal["methods"].values())


def test_old_runs_load_forecast_and_report_without_a_frontier():
    from forecast.report import build_document
    from forecast.run import load_run

    run = load_run(ROOT / "tests" / "golden" / "run.nc")
    from forecast.forecasts import compute_forecasts, headline

    fc = compute_forecasts(run)
    assert fc.frontier is None and fc.frontier_tables == {}
    assert "Frontier: not in this run" in headline(fc)
    md = build_document(run, fc, figures=False).to_markdown()
    assert md.index("## Headline: the frontier training run") < md.index("## Per-domain walls")
    assert "has no frontier model" in md


def test_saved_run_with_a_frontier_round_trips_and_reports(tmp_path):
    """Prior draws stand in for the posterior: the frontier tables travel in the run file, forecasts are
    reproducible (the notebook gets the headline's numbers), and the report opens with the frontier."""
    from forecast.forecasts import compute_forecasts, headline
    from forecast.report import build_document
    from forecast.run import load_run, save_run
    from tests.test_report import _synthetic_run

    run = _synthetic_run()
    assert "frontier_level" in run.posterior and "cost_intercept" in run.posterior
    loaded = load_run(save_run(run, tmp_path / "synthetic"))
    assert set(loaded.data.frontier_tables) == set(run.data.frontier_tables)
    pd.testing.assert_frame_equal(loaded.data.frontier_tables["costs"], run.data.frontier_tables["costs"],
                                  check_dtype=False)
    fc, again = compute_forecasts(loaded), compute_forecasts(loaded)
    assert fc.frontier is not None
    ct = fc.frontier_tables["frontier_crossings"]
    assert ct["threshold"].tolist() == ["$1B", "$10B", "$100B", "1% of world GDP", "1 GW", "5 GW"]
    pd.testing.assert_frame_equal(ct, again.frontier_tables["frontier_crossings"])
    assert {"frontier_crossings", "frontier_paths", "frontier_growth"} <= set(fc.tables())
    text = headline(fc)
    assert text.splitlines()[1].startswith("Frontier training run")
    md = build_document(loaded, fc, figures=False).to_markdown()
    assert md.index("## Headline: the frontier training run") < md.index("Cost model checked against Cottier")
    assert "Not run yet: `forecast validate frontier`" in md


def test_rolling_origin_scores_and_least_squares_baseline():
    from forecast.validation.frontier import _ols_samples, score

    rng = np.random.default_rng(0)
    y = np.array([1.0, 2.0, 3.0])
    perfect = score(np.tile(y, (4000, 1)) + rng.normal(0, 1e-6, (4000, 3)), y)
    assert perfect["crps"] < 1e-5 and perfect["median_error"] == pytest.approx(0.0, abs=1e-5)
    shifted = score(np.tile(y + 2.0, (4000, 1)) + rng.normal(0, 0.1, (4000, 3)), y)
    assert shifted["coverage90"] == 0.0 and shifted["median_error"] == pytest.approx(2.0, abs=0.02)
    assert shifted["crps"] == pytest.approx(2.0 - 0.1 / math.sqrt(math.pi), abs=0.01)  # normal CRPS
    year = np.linspace(2010, 2020, 40)
    train = pd.DataFrame({"year": year, "log10_flop": 20 + 0.5 * (year - 2010) + rng.normal(0, 0.3, 40)})
    s = _ols_samples(train, np.array([2022.0, 2025.0]), rng)
    np.testing.assert_allclose(np.median(s, axis=0), [26.0, 27.5], atol=0.25)
    assert np.std(s[:, 1]) > np.std(s[:, 0])  # wider further out


def test_validate_frontier_subcommand_and_calibration_note():
    from forecast.cli import build_parser
    from forecast.validation.frontier import BAYES, calibration_note

    args = build_parser().parse_args(["validate", "frontier", "--frontier-cutoffs", "2019", "2021"])
    assert args.check == "frontier" and args.frontier_cutoffs == [2019, 2021]
    cut = {"cutoff": 2018, "scores": {BAYES: {"coverage50": 0.9, "median_error": 1.5}}}
    note = calibration_note([cut])
    assert "2018: 50% intervals too wide (cover 90%)" in note and "over-predicts by 1.5 decades" in note
    assert calibration_note([{"cutoff": 2020, "scores": {BAYES: {"coverage50": 0.5, "median_error": 0.1}}}]) == ""
