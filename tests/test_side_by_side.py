"""The run beside other fitted specs (``[forecast] side_by_side``): tables, report section, CSV, CLI and make.

Built from the small real run in ``tests/golden/`` saved under several names (no sampling): one copy with
its algorithmic-progress slopes doubled (so its numbers differ from the main run's), one on other data,
one spec never fitted and one spec file that does not exist.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast import theory
from forecast.cli import model_cmd
from forecast.config import load_spec
from forecast.errors import ConfigError
from forecast.forecasts import compute_forecasts, wall_text
from forecast.report import build_document, write_report
from forecast.run import Run, load_run, save_run
from forecast.side_by_side import (
    SECTION_TITLE,
    SIDE_BY_SIDE_CSV,
    compare_specs,
    find_listed_runs,
    listed_spec_files,
    write_side_by_side_csv,
)
from forecast.summary import domain_table, shared_table

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "run.nc"
OTHER_HASH = "0123456789abcdef" * 4
LISTED = ["faster.toml", "missing.toml", "elsewhere.toml", "nofile.toml"]


def _renamed(run: Run, name: str, **model: str) -> Run:
    spec = run.spec.with_overrides({"model": {"name": name, "description": f"the {name} spec", **model}})
    return dataclasses.replace(run, spec=spec, meta={**run.meta, "name": name})


def _faster_progress(run: Run) -> Run:
    """The run with every algorithmic-progress slope (and its deterministics) doubled: years per 10x halves."""
    post = run.posterior
    tree = run.trace.copy()
    doubled = {v: post[v] * 2 for v in ("gamma", "mu_gamma", "progress_decades_per_year",
                                        "progress_decades_per_year_shared")}
    halved = {v: post[v] / 2 for v in ("years_per_10x", "years_per_10x_shared")}
    tree["posterior"] = xr.DataTree(post.assign(**doubled, **halved))
    return dataclasses.replace(run, trace=tree)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    """``models/golden`` listing four specs in ``specs/``; ``faster`` and ``elsewhere`` fitted."""
    root = tmp_path_factory.mktemp("side")
    specs = root / "specs"
    specs.mkdir()
    (specs / "faster.toml").write_text('[model]\nname = "faster"\nnoise = "shared"\n')
    (specs / "missing.toml").write_text('[model]\nname = "missing"\nlink = "log"\n')
    (specs / "elsewhere.toml").write_text('[model]\nname = "elsewhere"\n')
    golden = load_run(GOLDEN)
    main = dataclasses.replace(
        golden, spec=golden.spec.with_overrides({"forecast": {"side_by_side": LISTED}}),
        meta={**golden.meta, "spec_source": str(specs / "default.toml")})
    save_run(main, root / "models" / "golden")
    save_run(_faster_progress(_renamed(golden, "faster", noise="shared")), root / "models" / "faster")
    elsewhere = _renamed(golden, "elsewhere")
    save_run(dataclasses.replace(elsewhere, meta={**elsewhere.meta, "data_hash": OTHER_HASH}),
             root / "models" / "elsewhere")
    return {name: load_run(root / "models" / name) for name in ("golden", "faster", "elsewhere")}


@pytest.fixture(scope="module")
def comparison(runs):
    with np.errstate(all="ignore"):
        return compare_specs(runs["golden"])


def test_listed_specs_resolve_against_the_listing_specs_folder(runs):
    main = runs["golden"]
    folder = Path(main.meta["spec_source"]).parent
    assert listed_spec_files(main) == [folder / f for f in LISTED]
    found = {item.name: item for item in find_listed_runs(main)}
    assert found["faster"].run is not None and found["faster"].status == ""
    assert found["missing"].run is None and found["missing"].spec is not None
    assert found["nofile"].spec is None


def test_cells_are_the_packages_own_numbers(runs, comparison):
    """Years per 10x, k, P(k > 4) and the walls of each spec equal that run's own summary and tables."""
    for name in ("golden", "faster"):
        run = runs[name]
        doms = comparison.domains[comparison.domains["spec"] == name].set_index("domain")
        own = domain_table(run).set_index("domain")
        assert list(doms.index) == list(own.index)
        for stat, col in (("median", "median"), ("lo", "low"), ("hi", "high")):
            np.testing.assert_allclose(doms[f"years_per_10x_{stat}"], own[f"years_per_10x_{col}"])
        assert list(doms["identified"]) == list(own["identified"])
        assert list(doms["years_per_10x_identified"]) == list(own["ratio_identified"])
        shared = shared_table(run).set_index("parameter").loc["years_per_10x_shared"]
        spec_row = comparison.specs.set_index("spec").loc[name]
        assert spec_row["years_per_10x_shared_median"] == pytest.approx(shared["median"])
        assert spec_row["years_per_10x_shared_lo"] == pytest.approx(shared["low"])
        with np.errstate(all="ignore"):
            k, _ = theory.implied_exponent(run)
            th = theory.theory_table(k, theory.decomposition(run)).set_index("domain")
            fc = compute_forecasts(run)
        np.testing.assert_allclose(doms["k_median"], th.loc[doms.index, "k_median"])
        np.testing.assert_allclose(doms["p_k_above_theory"], th.loc[doms.index, "p_k_above_theory"])
        walls = comparison.walls[comparison.walls["spec"] == name]
        expected = [wall_text(fc, r) + ("" if r["identified"] else " NOT IDENTIFIED")
                    for _, r in fc.wall_table.iterrows()]
        assert list(walls["wall_year_cell"]) == expected
    main = comparison.domains[comparison.domains["spec"] == "golden"].set_index("domain")
    fast = comparison.domains[comparison.domains["spec"] == "faster"].set_index("domain")
    np.testing.assert_allclose(fast["years_per_10x_median"], main["years_per_10x_median"] / 2, rtol=1e-9)


def test_spec_rows_show_options_convergence_and_status(runs, comparison):
    s = comparison.specs.set_index("spec")
    assert list(s.index) == ["golden", "faster", "missing", "elsewhere", "nofile"]
    assert s.loc["golden", "status"] == "this run" and s.loc["faster", "status"] == "fitted"
    assert s.loc["faster", "noise"] == "shared" and "noise shared" in s.loc["faster", "model_options"]
    assert s.loc["missing", "link"] == "log"  # options of a spec without a run: from its file
    verdict = s.loc["golden", "convergence"]
    checks = runs["golden"].checks
    assert verdict == ("converged" if checks.converged else f"NOT CONVERGED: {checks.failures[0]}"
                       + (f" (+{len(checks.failures) - 1} more)" if len(checks.failures) > 1 else ""))
    missing = s.loc["missing", "status"]
    assert missing.startswith("not fitted: `forecast fit --model ") and "missing.toml" in missing
    assert "--out " + str(Path(runs["golden"].path).parent.parent) in missing
    assert s.loc["elsewhere", "status"].startswith(f"fitted on other data (hash {OTHER_HASH[:12]}")
    assert s.loc["nofile", "status"].startswith("spec file not found")
    for name in ("missing", "elsewhere", "nofile"):  # listed, never given numbers
        assert s.loc[name, "years_per_10x_shared_cell"] == "n/a"
        assert name not in set(comparison.domains["spec"]) | set(comparison.walls["spec"])


def test_long_csv_is_tidy(comparison, tmp_path):
    path = write_side_by_side_csv(comparison, tmp_path)
    assert path == tmp_path / SIDE_BY_SIDE_CSV
    long = pd.read_csv(path, keep_default_na=False)
    assert set(long["spec"]) == {"golden", "faster", "missing", "elsewhere", "nofile"}
    assert {"years_per_10x", "k", "p_k_above_theory", "wall_year", "years_per_10x_shared"} <= set(long["quantity"])
    row = long[(long["spec"] == "faster") & (long["quantity"] == "years_per_10x")].iloc[0]
    dom = comparison.domains.set_index(["spec", "domain"]).loc[("faster", row["domain"])]
    assert float(row["median"]) == pytest.approx(dom["years_per_10x_median"])
    assert (long.loc[long["spec"] == "missing", "status"].str.startswith("not fitted")).all()


def test_report_has_the_section_and_csv_without_sampling(runs, tmp_path, monkeypatch):
    import pymc as pm

    def boom(*args, **kwargs):
        raise AssertionError("a report must not sample")

    for name in ("sample", "sample_posterior_predictive", "sample_prior_predictive"):
        monkeypatch.setattr(pm, name, boom)
    md_path, html_path = write_report(runs["golden"], tmp_path, figures=False)
    md = md_path.read_text()
    pos = md.index(f"# {SECTION_TITLE}")
    assert md.index("Scaling exponent against theory") < pos < md.index("Projection table")
    section = md[pos:md.index("Projection table")]
    assert "nested rolling-origin evaluation chose" in section  # the listing spec is specs/default.toml
    assert "the faster spec" in section  # each spec's own description
    assert "not fitted: `forecast fit --model" in section and "fitted on other data" in section
    fast = pd.read_csv(tmp_path / SIDE_BY_SIDE_CSV, keep_default_na=False)
    cell = fast[(fast["spec"] == "faster") & (fast["quantity"] == "years_per_10x")]["text"].iloc[0]
    assert re.search(r"\| faster \| " + re.escape(cell) + r" \|", section)
    assert SECTION_TITLE in html_path.read_text()


def test_empty_list_gives_no_section_and_removes_a_stale_csv(runs, tmp_path):
    golden = load_run(GOLDEN)
    assert golden.spec.forecast.side_by_side == ()  # a version-1 run: the frozen default
    comp = compare_specs(golden)
    assert comp.empty and len(comp.domains) == 0
    (tmp_path / SIDE_BY_SIDE_CSV).write_text("stale\n")
    assert write_side_by_side_csv(comp, tmp_path) is None
    assert not (tmp_path / SIDE_BY_SIDE_CSV).exists()
    doc = build_document(golden, figures=False)
    assert SECTION_TITLE not in doc.to_markdown()


def test_listed_specs_without_any_run_still_give_a_report(runs, tmp_path):
    lonely = dataclasses.replace(runs["golden"], spec=runs["golden"].spec.with_overrides(
        {"forecast": {"side_by_side": ["missing.toml"]}}))
    save_run(lonely, tmp_path / "models" / "golden")
    md = write_report(load_run(tmp_path / "models" / "golden"), tmp_path / "report", figures=False)[0].read_text()
    assert SECTION_TITLE in md and "not fitted" in md
    assert "# Per domain" not in md.split(SECTION_TITLE)[1].split("Projection table")[0]


def test_side_by_side_key_is_validated():
    assert load_spec(REPO / "models" / "default.toml").forecast.side_by_side == ("v1.toml", "v2_training_flop.toml")
    assert load_spec().forecast.side_by_side == ()
    for bad in ("v2.toml", ["v2"], [3], [""]):
        with pytest.raises(ConfigError, match="forecast.side_by_side"):
            load_spec(overrides={"forecast": {"side_by_side": bad}})


def test_run_side_by_side_fits_each_listed_spec_and_survives_a_bad_one(runs, monkeypatch, capsys):
    calls = []

    def fake_fit(args, data_warnings=True):
        calls.append((args.model, args.name, args.draws, data_warnings))
        if args.model.name == "missing.toml":
            raise ConfigError("broken spec")
        return None

    monkeypatch.setattr(model_cmd, "fit_and_save", fake_fit)
    args = argparse.Namespace(model=Path("models/default.toml"), name="renamed", draws=50)
    model_cmd._fit_side_by_side(args, runs["golden"])
    fitted = [p for p in listed_spec_files(runs["golden"]) if p.name != "nofile.toml"]
    assert [c[0] for c in calls] == fitted
    assert all(name is None and draws == 50 and not warn for _, name, draws, warn in calls)
    err = capsys.readouterr().err
    assert "missing.toml not fitted: broken spec" in err and "nofile.toml not fitted: model spec not found" in err
    # a listed spec with the main run's name is never fitted over it
    (fitted[0].parent / "clash.toml").write_text('[model]\nname = "golden"\n')
    clash = dataclasses.replace(runs["golden"], spec=runs["golden"].spec.with_overrides(
        {"forecast": {"side_by_side": ["clash.toml"]}}))
    calls.clear()
    model_cmd._fit_side_by_side(args, clash)
    assert calls == [] and "main run's name 'golden'" in capsys.readouterr().err


def test_make_run_fits_the_side_by_side_specs():
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert recipe is not None and "forecast run --side-by-side" in recipe.group(1)
    parser = __import__("forecast.cli", fromlist=["build_parser"]).build_parser()
    assert parser.parse_args(["run", "--side-by-side"]).side_by_side
