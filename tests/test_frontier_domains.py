"""Per-domain compute frontiers (data rule, support flag, paths) and the acquisition cost's run-length term."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast.config import load_spec
from forecast.costs import hours_terms, prepare_costs
from forecast.data.importers import task_domains
from forecast.errors import ConfigError
from forecast.frontier import domain_members, domain_support, prepare_domain_systems, settings
from forecast.walls import NOT_SUPPORTED, domain_frontier_paths, domain_frontier_table, extend_trend


def _table() -> pd.DataFrame:
    """A small notable table: a general LM listing QA and translation, one listing LM only, a QA model,
    a vision model that also lists object detection, one without a task cell."""
    return pd.DataFrame({
        "model": ["LM-general", "LM-only", "QA-net", "Vision", "NoTask"],
        "domain": ["language_modeling", "language_modeling", "question_answering", "image_classification",
                   "question_answering"],
        "epoch_task": ["Language modelling,Question answering,Translation", "Language modelling,Chat",
                       "Question answering", "Image classification,Object detection", None],
    })


def test_task_domains_lists_every_domain_the_task_cell_names():
    assert task_domains("Language modelling,Question answering,Translation") == {
        "language_modeling", "question_answering", "machine_translation"}
    assert task_domains("Chat") == {"language_modeling"}
    assert task_domains("Go,Atari") == frozenset()
    assert task_domains(float("nan")) == frozenset()


def test_general_models_count_toward_a_domain_only_when_the_table_lists_its_task():
    t = _table()
    qa = t["model"][domain_members(t, "question_answering")].tolist()
    assert qa == ["LM-general", "QA-net", "NoTask"]          # NoTask: by its domain column
    assert t["model"][domain_members(t, "machine_translation")].tolist() == ["LM-general"]
    assert t["model"][domain_members(t, "object_detection")].tolist() == ["Vision"]
    assert t["model"][domain_members(t, "language_modeling")].tolist() == ["LM-general", "LM-only"]
    # a table that does not say (no task column): only the domain column counts
    bare = t.drop(columns="epoch_task")
    assert bare["model"][domain_members(bare, "question_answering")].tolist() == ["QA-net", "NoTask"]
    assert not domain_members(bare, "machine_translation").any()


def _systems(n_a: int, n_b: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for dom, n in (("question_answering", n_a), ("object_detection", n_b)):
        years = np.sort(rng.uniform(2012, 2024, n))
        for i, y in enumerate(years):
            rows.append({"model": f"{dom}-{i}", "domain": dom, "year": y,
                         "log10_flop": 18 + 0.5 * (y - 2012) + rng.normal(0, 0.3), "top": True})
    systems = pd.DataFrame(rows)
    notable = systems[["model", "domain"]].assign(epoch_task="")
    return systems, notable


def test_domain_top_k_and_the_not_supported_flag():
    spec = load_spec(None, {"frontier": {"domains": ["question_answering", "object_detection"], "top_k": 3,
                                         "domain_min_systems": 8, "domain_min_span_years": 5.0}})
    fs = settings(spec)
    systems, notable = _systems(30, 5)
    ds = prepare_domain_systems(systems, notable, fs)
    qa = ds[ds["frontier_domain"] == "question_answering"].sort_values("year")
    # top-3 at release within the domain: the first three always, later ones only if among the 3 largest so far
    assert qa["top"].iloc[:3].all()
    x = qa["log10_flop"].to_numpy()
    for i in range(3, len(x)):
        assert qa["top"].iloc[i] == ((x[: i + 1] > x[i]).sum() < 3)
    sup = domain_support(ds, fs).set_index("frontier_domain")
    assert bool(sup.loc["question_answering", "supported"])
    assert not bool(sup.loc["object_detection", "supported"])     # 5 systems < 8
    assert sup.loc["object_detection", "n_top"] == 5
    few_years = load_spec(None, {"frontier": {"domains": ["question_answering"], "domain_min_systems": 1,
                                              "domain_min_span_years": 50.0}})
    assert not domain_support(prepare_domain_systems(systems, notable, settings(few_years)),
                              settings(few_years))["supported"].any()


def test_domain_settings_are_checked():
    with pytest.raises(ConfigError, match="frontier.domains"):
        settings(load_spec(None, {"frontier": {"domains": ["other"]}}))
    with pytest.raises(ConfigError, match="frontier.domains"):
        settings(load_spec(None, {"frontier": {"domains": ["question_answering", "question_answering"]}}))
    with pytest.raises(ConfigError, match="domain_min_systems"):
        settings(load_spec(None, {"frontier": {"domain_min_systems": -1}}))


def _domain_post(n: int = 400, drift: float = 0.1) -> tuple[xr.Dataset, dict[str, pd.DataFrame], xr.DataArray]:
    rng = np.random.default_rng(1)
    grid = np.arange(2010, 2025)
    level_last = 25.0 + rng.normal(0, 0.1, n)
    slope_last = 0.6 + rng.normal(0, 0.02, n)
    post = xr.Dataset({
        "frontier_level": (("chain", "draw", "frontier_year"),
                           (level_last[:, None] + slope_last[:, None] * (grid - 2024))[None]),
        "frontier_slope": (("chain", "draw", "frontier_year"), np.repeat(slope_last[:, None], len(grid), 1)[None]),
        "frontier_level_mid": (("chain", "draw"), (level_last - 0.6 * 7)[None]),
        "frontier_slope_mean": (("chain", "draw"), np.full((1, n), 0.6)),
        "frontier_domain_offset": (("chain", "draw", "frontier_domain"), np.tile([-2.0, 0.5], (1, n, 1))),
        "frontier_domain_slope_dev": (("chain", "draw", "frontier_domain"), np.tile([-0.1, 0.3], (1, n, 1))),
    }, coords={"frontier_year": grid, "frontier_domain": ["question_answering", "language_modeling"]})
    years = np.arange(2024, 2061)
    level, slope = extend_trend(level_last, slope_last, np.full(n, drift), len(years), rng)
    flop = xr.DataArray((level + 0.5 * slope)[None], dims=("chain", "draw", "year"), coords={"year": years})
    return post, {"grid": pd.DataFrame({"year": grid})}, flop


def test_domain_paths_follow_their_line_widen_with_the_horizon_and_never_pass_the_all_ml_frontier():
    post, tables, flop = _domain_post(drift=0.0)
    paths, growth = domain_frontier_paths(post, tables, flop)
    assert paths.dims == ("chain", "draw", "frontier_domain", "year")
    # no drift: QA = mid + offset + (0.6 - 0.1)(T + 0.5 - 2017)
    qa = paths.sel(frontier_domain="question_answering", year=2030)
    expect = post["frontier_level_mid"] - 2.0 + 0.5 * (2030.5 - 2017)
    np.testing.assert_allclose(qa.to_numpy(), expect.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(growth.sel(frontier_domain="question_answering").to_numpy(), 10 ** 0.5)
    # language modelling climbs faster than the all-ML line: capped at it
    lm = paths.sel(frontier_domain="language_modeling")
    assert (lm <= flop + 1e-12).all() and bool((lm == flop).any())
    post, tables, flop = _domain_post(drift=0.1)
    paths, _ = domain_frontier_paths(post, tables, flop)
    sd = paths.sel(frontier_domain="question_answering").std(("chain", "draw"))
    assert float(sd.sel(year=2040)) > 2 * float(sd.sel(year=2026)) > 0
    assert domain_frontier_paths(post.drop_vars("frontier_domain_offset"), tables, flop) is None


def test_domain_table_flags_unsupported_domains_and_gives_intervals():
    post, tables, flop = _domain_post()
    paths, growth = domain_frontier_paths(post, tables, flop)
    fr = xr.Dataset({"domain_log10_flop": paths, "domain_growth": growth})
    fr.attrs["first_year"] = 2024
    support = pd.DataFrame({
        "frontier_domain": ["question_answering", "named_entity_recognition"], "n_systems": [40, 6],
        "n_top": [30, 6], "n_top_general": [20, 3], "first_year": [2016.0, 2016.0], "last_year": [2024.0, 2023.0],
        "supported": [True, False]})
    t = domain_frontier_table(fr, support, [2025, 2030]).set_index("domain")
    qa, ner = t.loc["question_answering"], t.loc["named_entity_recognition"]
    assert qa["flag"] == "" and ner["flag"] == NOT_SUPPORTED and not ner["supported"]
    assert qa["log10_flop_2025_lo"] < qa["log10_flop_2025_median"] < qa["log10_flop_2025_hi"]
    assert (qa["log10_flop_2030_hi"] - qa["log10_flop_2030_lo"]) > (qa["log10_flop_2025_hi"] - qa["log10_flop_2025_lo"])
    assert qa["fitted_growth_median"] == pytest.approx(10 ** 0.5)
    assert math.isnan(ner.get("log10_flop_2025_median", math.nan))


# ----------------------------------------------------------------------------- acquisition run length
def test_acquisition_rows_carry_the_run_length_relative_to_run_days():
    costs = pd.DataFrame({"method": ["amortized", "acquisition", "acquisition"],
                          "log10_hours": [3.0, math.log10(2400.0), np.nan]})
    spec = load_spec(None, {"frontier": {"run_days": 100.0, "acquisition_hours": True}})
    acq, known, rel, ref = hours_terms(costs, spec)
    assert acq.tolist() == [0.0, 1.0, 1.0] and known.tolist() == [True, True, False]
    assert ref == pytest.approx(math.log10(2400.0)) and rel[1] == pytest.approx(0.0) and rel[2] == 0.0
    off = load_spec(None, {"frontier": {"acquisition_hours": False}})
    assert not hours_terms(costs, off)[0].any()


def test_acquisition_cost_of_a_cluster_is_flat_in_run_length_once_hours_enter():
    """Cottier et al.'s acquisition cost is chips x price: per FLOP it falls as 1/hours. With the term the
    model's mean for two runs differing only in hours gives the same cluster cost."""
    from forecast.frontier import BASE_DOLLAR_YEAR

    base = {"publication_date": "2022-06-01", "training_hardware": "X", "hardware_quantity": 1000.0,
            "cloud_usd": np.nan, "amortized_usd": np.nan, "acquisition_usd": 1e7, "dollar_year": BASE_DOLLAR_YEAR,
            "source": "s"}
    runs = pd.DataFrame([{**base, "model": "short", "training_hours": 240.0, "training_flop": 1e22},
                         {**base, "model": "long", "training_hours": 2400.0, "training_flop": 1e23}])
    hardware = pd.DataFrame({"chip": ["X"], "peak_flops": [1e14]})
    cpi = pd.DataFrame({"year": [BASE_DOLLAR_YEAR], "cpi_u": [300.0]})
    spec = load_spec(None)
    long, _ = prepare_costs(runs, hardware, cpi, settings(spec))
    acq, known, rel, _ = hours_terms(long, spec)
    # mean log10 $/FLOP = a - log10(u) - h: identical cluster price a for both runs
    a = long["log10_usd_per_flop"] + long["log10_util"] + acq * rel
    assert a.iloc[0] == pytest.approx(a.iloc[1])
    off = load_spec(None, {"frontier": {"acquisition_hours": False}})
    acq0, _, rel0, _ = hours_terms(long, off)
    a0 = long["log10_usd_per_flop"] + long["log10_util"] + acq0 * rel0
    assert a0.iloc[0] - a0.iloc[1] == pytest.approx(1.0)   # without it: 10x apart (10x the hours)


def test_build_model_has_the_domain_part_only_for_supported_domains():
    from forecast.model import build_model, prepare_data
    from tests.synthetic import synthetic_tables

    results, notable, prices = synthetic_tables()
    spec = load_spec(None, {"frontier": {"domain_min_systems": 3, "domain_min_span_years": 1.0}})
    data = prepare_data(results, notable, prices, spec)
    supported = data.frontier_tables["domain_support"].query("supported")["frontier_domain"].tolist()
    assert supported and "language_modeling" not in supported       # no LM system in the synthetic table
    model = build_model(data, spec)
    assert list(model.coords["frontier_domain"]) == supported
    names = {v.name for v in model.free_RVs} | {v.name for v in model.observed_RVs}
    assert {"frontier_domain_offset", "frontier_domain_slope_dev", "frontier_domain_x"} <= names
    n_top = int(data.frontier_tables["domain_systems"].query("top and frontier_domain in @supported").shape[0])
    assert model["frontier_domain_x"].eval().shape == (n_top,)
    none = build_model(prepare_data(results, notable, prices, load_spec(None)), load_spec(None))
    assert "frontier_domain_offset" not in {v.name for v in none.free_RVs}
