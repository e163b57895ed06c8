"""Report generation from a small synthetic run (prior draws as the posterior: no NUTS), and traceability.

When the lead adds ``tests/golden/run.nc`` the same checks also run on it.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast import forecasts as F
from forecast import policy
from forecast.cli import report_cmd
from forecast.config import load_spec
from forecast.diagnostics import ConvergenceChecks
from forecast.model import build_model, prepare_data
from forecast.report import Document, build_document, ppc_summary, write_report
from forecast.run import Run, load_run, save_run

GOLDEN = Path(__file__).parent / "golden" / "run.nc"


def _frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    rows = []
    for dom, bench, series in (
        ("image_classification", "imagenet", "imagenet/top1"),
        ("object_detection", "coco_test_dev", "coco_test_dev/box_ap"),
    ):
        for i in range(6):
            year = 2014.0 + i
            flop = 10 ** (17 + i + rng.normal(0, 0.2))
            err = 0.4 * 0.85**i
            rows.append(
                {
                    "model": f"{bench}-m{i}",
                    "domain": dom,
                    "benchmark": bench,
                    "metric": "m",
                    "value": 100 * (1 - err),
                    "publication_date": f"{int(year)}-06-01",
                    "training_flop": flop if i % 3 else np.nan,
                    "hardware_burden_flop": flop * 3 if i % 2 == 0 else np.nan,
                    "source": f"arXiv:{i}",
                    "compute_source": "Epoch AI" if i % 2 else "paper",
                    "year": year + 0.4,
                    "error": err,
                    "series": series,
                }
            )
    results = pd.DataFrame(rows)
    notable = pd.DataFrame(
        {
            "model": [f"n{i}" for i in range(8)],
            "domain": ["image_classification", "object_detection"] * 4,
            "year": [2012.0 + i for i in range(8)],
            "training_flop": [10 ** (16 + 0.5 * i) for i in range(8)],
        }
    )
    prices = pd.DataFrame(
        {
            "chip": ["V100", "A100", "H100", "V100"],
            "price_kind": ["cloud_on_demand", "cloud_on_demand", "cloud_on_demand", "purchase"],
            "price_usd": [3.0, 4.0, 8.0, 10000.0],
            "peak_flops": [1.25e14, 3.12e14, 9.9e14, 1.25e14],
            "price_year": [2018.0, 2021.0, 2023.0, 2018.0],
            "tdp_watts": [300.0, 400.0, 700.0, 300.0],
            "release_year": [2017.0, 2020.0, 2022.0, 2017.0],
        }
    )
    return results, notable, prices


def _synthetic_run() -> Run:
    """A small run without NUTS: prior draws stand in for the posterior (used when no golden run exists)."""
    import pymc as pm

    spec = load_spec(
        overrides={
            "model": {
                "name": "synthetic",
                "domains": ["image_classification", "object_detection"],
                "compute_measure": "both",
                "min_rows_per_series": 3,
            },
        }
    )
    results, notable, prices = _frames()
    data = prepare_data(results, notable, prices, spec)
    model = build_model(data, spec)
    with model:
        prior = pm.sample_prior_predictive(draws=40, random_seed=1)
    trace = xr.DataTree.from_dict(
        {
            "posterior": prior["prior"].to_dataset(),
            "posterior_predictive": prior["prior_predictive"].to_dataset()[["y"]],
            "observed_data": prior["observed_data"].to_dataset(),
            "sample_stats": xr.Dataset(
                {"diverging": (("chain", "draw"), np.zeros((1, 40), bool))},
                coords={"chain": [0], "draw": np.arange(40)},
            ),
        }
    )
    checks = ConvergenceChecks(max_rhat=1.0, min_ess_bulk=500, min_ess_tail=500, divergences=0, min_bfmi=0.9)
    return Run(
        trace=trace,
        data=data,
        spec=spec,
        checks=checks,
        meta={
            "name": "synthetic",
            "data_hash": "feedbeef" * 8,
            "created": "2026-11-01T12:00:00+00:00",
            "seed": 1,
            "sampler": "mock",
        },
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    """The golden run (or a synthetic one), saved passing its checks; and the same run failing them."""
    tmp = tmp_path_factory.mktemp("runs")
    base = load_run(GOLDEN) if GOLDEN.is_file() else _synthetic_run()
    ok = dataclasses.replace(base.checks, max_rhat=1.0, failures=())
    bad = dataclasses.replace(base.checks, max_rhat=1.2, failures=("R-hat 1.200 > 1.01 (mu_beta)",))
    save_run(dataclasses.replace(base, checks=ok), tmp / "ok")
    saved = load_run(tmp / "ok")
    return {"ok": saved, "bad": dataclasses.replace(saved, checks=bad)}


@pytest.fixture(scope="module")
def report(runs, tmp_path_factory) -> tuple[Path, Path]:
    """The full report (with figures), written while every pymc sampler raises: a report never samples."""
    import pymc as pm

    def boom(*args, **kwargs):
        raise AssertionError("a report must not sample")

    names = ("sample", "sample_posterior_predictive", "sample_prior_predictive")
    saved = {n: getattr(pm, n) for n in names}
    for n in names:
        setattr(pm, n, boom)
    try:
        return write_report(runs["ok"], tmp_path_factory.mktemp("report"))
    finally:
        for n, f in saved.items():
            setattr(pm, n, f)


def _md_tables(md: str) -> list[pd.DataFrame]:
    """Every Markdown table of the report as a frame of strings."""
    tables, block = [], []
    for line in [*md.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            cells = [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in block]
            tables.append(pd.DataFrame(cells[2:], columns=cells[0]))
            block = []
    return tables


def _find(tables: list[pd.DataFrame], *cols: str) -> pd.DataFrame:
    for t in tables:
        if all(c in t.columns for c in cols):
            return t
    raise AssertionError(f"no table with columns {cols}")


def _triple(cell: str) -> tuple[float, float, float]:
    m = re.fullmatch(r"(\S+) \[(\S+), (\S+)\]", cell)
    assert m, cell
    return tuple(float(v) if v not in ("n/a",) else np.nan for v in m.groups())  # type: ignore[return-value]


def test_report_files_and_order(report):
    md_path, html_path = report
    md = md_path.read_text()
    assert md_path.name == "report.md" and html_path.name == "report.html"
    order = [
        "Headline",
        "The data",
        "Convergence and posterior predictive check",
        "Per-domain fits",
        "Algorithmic progress against the anchors",
        "Projection table",
        "The cost of staying on trend",
        "Assumptions and how to change them",
    ]
    positions = [md.index(h) for h in order]
    assert positions == sorted(positions)
    for name in ("targets", "progress", "wall", "spending", "anchors", "ppc"):
        assert (md_path.parent / f"{name}.csv").is_file()
    for fig in ("ppc", "fits", "progress", "fan"):
        assert (md_path.parent / "figures" / f"{fig}.png").read_bytes()[:4] == b"\x89PNG"
    page = html_path.read_text()
    assert page.count("data:image/png;base64,") == 4 and "<img" in page and 'src="figures/' not in page
    assert "DID NOT CONVERGE" not in md
    assert "world_gdp_usd" in md and "carbon_kg_per_kwh" in md and "spec_defaults.toml" in md


def test_header_names_the_run(report, runs):
    md = report[0].read_text()
    run = runs["ok"]
    head = md.split("## Headline")[0]
    assert str(run.path) in head and f"data_hash: `{run.meta['data_hash']}`" in head
    assert str(run.meta["created"]) in head
    assert policy.interval_label() in head


def test_every_table_number_comes_from_the_run(report, runs):
    """Parse the Markdown tables and compare them with compute_forecasts on the run the header names."""
    md = report[0].read_text()
    path = re.search(r"Run: `([^`]+)`", md).group(1)  # type: ignore[union-attr]
    fc = F.compute_forecasts(load_run(path))
    tables = _md_tables(md)

    targets = _find(tables, "log10 FLOP", "log10 $", "target error")
    ref = fc.targets_table
    assert len(targets) == len(ref)
    for (_, got), (_, exp) in zip(targets.iterrows(), ref.iterrows(), strict=True):
        assert got["benchmark"] == exp["benchmark"] and int(got["year"]) == exp["year"]
        for col, prefix in (
            ("log10 FLOP", "log10_flop"),
            ("log10 $", "log10_usd"),
            ("log10 kg CO2", "log10_co2_kg"),
        ):
            np.testing.assert_allclose(
                _triple(got[col]), [exp[f"{prefix}_{k}"] for k in ("median", "lo", "hi")], atol=0.006
            )

    prog = _find(tables, "years per 10x (median [90%])", "P(beta<0)")
    for (_, got), (_, exp) in zip(prog.iterrows(), fc.progress_table.iterrows(), strict=True):
        assert got["domain"] == exp["domain"]
        np.testing.assert_allclose(
            _triple(got["years per 10x (median [90%])"]),
            [exp[f"years_per_10x_{k}"] for k in ("median", "lo", "hi")],
            atol=0.006,
        )
        if exp["domain"] == F.WEIGHTED_ROW:  # a weighted mean of ratios: no slope of its own
            assert got["P(beta<0)"] == "n/a"
        else:
            assert float(got["P(beta<0)"]) == pytest.approx(exp["p_beta_negative"], abs=6e-4)
        assert (got["identified"] == "yes") == bool(exp["ratio_identified"])
        assert float(got["P(gamma/beta > 0)"]) == pytest.approx(exp["p_progress"], abs=6e-4)

    horizon, t0 = int(fc.wall.attrs["horizon_year"]), fc.last_data_year
    for cols, table, prefix in (
        (("median year", "P(by 2030)"), fc.wall_table, "wall"),
        (("median year", "P(by 2030)"), fc.spending_table, "cross"),
    ):
        shown = [t for t in tables if all(c in t.columns for c in cols)]
        got_t = shown[0] if prefix == "wall" else shown[1]
        assert len(got_t) == len(table)
        for (_, got), (_, exp) in zip(got_t.iterrows(), table.iterrows(), strict=True):
            assert got["median year"] == F.format_year(exp[f"{prefix}_median"], horizon, t0)
            for y in F.WALL_BY_YEARS:
                assert float(got[f"P(by {y})"]) == pytest.approx(exp[f"p_by_{y}"], abs=6e-4)
            assert got[f"never by {horizon}"] == f"{exp['n_never']} of {exp['n_draws']}"

    head = _find(tables, "benchmark", "identified", *fc.budgets)
    for _, got in head.iterrows():
        for budget in fc.budgets:
            exp = fc.wall_table.set_index(["domain", "budget"]).loc[(got["domain"], budget)]
            assert got[budget].startswith(F.format_year(exp["wall_median"], horizon, t0))


def test_csv_tables_match_and_carry_provenance(report, runs):
    out = report[0].parent
    fc = F.compute_forecasts(runs["ok"])
    wall = pd.read_csv(out / "wall.csv")
    assert (wall["run_path"] == str(runs["ok"].path)).all()
    assert (wall["run_data_hash"].astype(str) == str(runs["ok"].meta["data_hash"])).all()
    np.testing.assert_allclose(wall["p_by_2035"], fc.wall_table["p_by_2035"])


def test_not_converged_run_says_so_loudly_at_the_top(runs, tmp_path):
    md, page = write_report(runs["bad"], tmp_path, figures=False)
    text = md.read_text()
    first = text.splitlines()[2]
    assert first.startswith("> **THIS RUN DID NOT CONVERGE")
    assert 'class="warn"' in page.read_text().split("<h2>")[0]


def test_ppc_summary_shapes(runs):
    table, pit = ppc_summary(runs["ok"])
    assert list(table["domain"])[-1] == "all" and int(table["results"].iloc[-1]) == len(pit)
    assert ((pit >= 0) & (pit <= 1)).all()


def test_document_renders_markdown_and_html():
    doc = Document("T")
    doc.warn("LOUD")
    doc.table(pd.DataFrame({"a": ["x|y"]}))
    assert "x\\|y" in doc.to_markdown() and "<strong>" not in doc.to_html().split("LOUD")[0][-10:]
    assert 'class="warn"' in doc.to_html()


def test_cli_predict_and_report(runs, tmp_path, capsys):
    import argparse

    parser = argparse.ArgumentParser(prog="forecast")
    report_cmd.register(parser.add_subparsers(dest="command", required=True))
    run_dir = str(Path(runs["ok"].path).parent)
    args = parser.parse_args(
        ["predict", run_dir, "--budget", "1B", "--budget", "gdp_1pct", "--csv", str(tmp_path / "csv")]
    )
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "Economic wall" in out and "$1B" in out and "1% of world GDP" in out and "$100B" not in out
    assert (tmp_path / "csv" / "wall.csv").is_file()
    args = parser.parse_args(
        ["report", run_dir, "--out", str(tmp_path / "rep"), "--compare", run_dir, "--no-figures"]
    )
    assert args.handler(args) == 0
    assert (tmp_path / "rep" / "report.html").is_file() and (
        tmp_path / "rep" / "link_comparison.csv"
    ).is_file()


def test_synthetic_run_builds_a_document_without_figures():
    doc = build_document(_synthetic_run(), figures=False)
    md = doc.to_markdown()
    assert md.count("\n## ") >= 8 and "object_detection" in md
