import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast import load_run as load_run_top
from forecast.cli import main
from forecast.config import load_spec
from forecast.errors import RunError
from forecast.fit import fit
from forecast.run import RUN_FILE, RUN_SCHEMA_VERSION, load_run, save_run
from forecast.summary import domain_table, format_summary
from tests.synthetic import synthetic_tables

GOLDEN = "tests/golden/run.nc"
TINY = {"sampler": {"draws": 30, "tune": 30, "chains": 2, "seed": 5, "prior_draws": 20}}


@pytest.fixture(scope="module")
def tiny_fit():
    spec = load_spec("models/default.toml", TINY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = fit(spec, *synthetic_tables(rows_per_series=8), data_hash="abc", progress=False)
    return run, caught


def test_golden_run_of_current_schema_loads():
    run = load_run_top(GOLDEN)
    assert run.meta["name"] == "golden"
    assert {"posterior", "sample_stats", "observed_data", "log_likelihood", "posterior_predictive",
            "prior", "prior_predictive"} <= set(run.trace.children)
    assert run.posterior["beta"].dims == ("chain", "draw", "domain")
    assert run.data.n_obs == len(run.trace["observed_data"]["y"])
    assert run.spec.model.name == "golden"
    assert {"pymc", "arviz", "nutpie"} <= set(run.meta["versions"])


def test_tiny_fit_is_flagged_not_converged(tiny_fit):
    run, caught = tiny_fit
    assert not run.checks.converged
    assert run.checks.failures
    assert any("NOT CONVERGED" in str(w.message) for w in caught if w.category is RuntimeWarning)
    assert "NOT CONVERGED" in format_summary(run)
    assert run.meta["data_hash"] == "abc" and run.meta["seed"] == 5
    assert "log_likelihood" in run.trace.children and "posterior_predictive" in run.trace.children
    assert set(run.prior_summary) >= {"mu_beta", "simulated_error", "interval"}


def test_same_spec_data_seed_gives_identical_posterior(tiny_fit):
    run, _ = tiny_fit
    spec = load_spec("models/default.toml", TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        again = fit(spec, *synthetic_tables(rows_per_series=8), progress=False)
    xr.testing.assert_equal(run.posterior, again.posterior)  # values and coords; attrs hold timings


def test_save_load_round_trip(tiny_fit, tmp_path):
    run, _ = tiny_fit
    path = save_run(run, tmp_path / "tiny")
    assert path.name == RUN_FILE and not list((tmp_path / "tiny").glob("*.tmp"))
    manifest = json.loads((tmp_path / "tiny" / "manifest.json").read_text())
    assert manifest["schema_version"] == RUN_SCHEMA_VERSION and manifest["converged"] is False
    back = load_run(tmp_path / "tiny")
    xr.testing.assert_identical(run.posterior, back.posterior)
    for g in ("sample_stats", "log_likelihood", "posterior_predictive", "prior"):
        xr.testing.assert_equal(run.trace[g].to_dataset(), back.trace[g].to_dataset())
    pd.testing.assert_frame_equal(run.data.obs[["series", "y", "x"]], back.data.obs[["series", "y", "x"]],
                                  check_dtype=False)
    assert back.data.series == run.data.series
    assert back.spec.to_json() == run.spec.to_json()
    assert back.checks == run.checks
    pd.testing.assert_frame_equal(domain_table(run), domain_table(back))


def test_missing_corrupt_and_foreign_schema_runs_are_clear_errors(tmp_path):
    with pytest.raises(RunError, match="no run found"):
        load_run(tmp_path / "nothing")
    corrupt = tmp_path / "corrupt.nc"
    corrupt.write_bytes(b"not a netcdf file at all")
    with pytest.raises(RunError, match="cannot be read as a run file"):
        load_run(corrupt)
    old = tmp_path / "old.nc"
    shutil.copyfile(GOLDEN, old)
    tree = xr.open_datatree(old, engine="h5netcdf").load()
    tree.attrs["schema_version"] = RUN_SCHEMA_VERSION + 1
    newer = tmp_path / "newer.nc"
    tree.to_netcdf(newer, engine="h5netcdf")
    with pytest.raises(RunError, match=f"run schema version {RUN_SCHEMA_VERSION + 1}"):
        load_run(newer)


def test_cli_summary_prints_slopes_intervals_and_verdict(capsys):
    assert main(["summary", GOLDEN]) == 0
    out = capsys.readouterr().out
    assert "90% equal-tailed" in out and "years per 10x" in out and "NOT CONVERGED" in out
    for d in ("image_classification", "machine_translation"):
        assert d in out
    assert main(["summary", "no/such/run"]) == 1


def test_cli_run_strict_exits_3_but_keeps_the_run_and_the_report(tmp_path, capsys):
    code = main(["run", "--draws", "20", "--tune", "20", "--chains", "2", "--strict", "--quiet",
                 "--out", str(tmp_path / "models"), "--name", "quick", "--reports", str(tmp_path / "reports")])
    assert code == 3
    assert (tmp_path / "models" / "quick" / RUN_FILE).is_file()
    captured = capsys.readouterr()
    assert "NOT CONVERGED" in captured.err
    assert "Economic wall" in captured.out and "yr per 10x compute" in captured.out
    report = (tmp_path / "reports" / "quick" / "report.md").read_text()
    assert "THIS RUN DID NOT CONVERGE" in report
    assert "## Headline" in report and (tmp_path / "reports" / "quick" / "report.html").is_file()
    run = load_run(tmp_path / "models" / "quick")
    assert np.isfinite(run.posterior["beta"].values).all()
    # the same command again reuses the saved draws instead of sampling
    assert main(["fit", "--draws", "20", "--tune", "20", "--chains", "2", "--quiet",
                 "--out", str(tmp_path / "models"), "--name", "quick"]) == 0
    assert "reusing" in capsys.readouterr().err


def test_saved_run_is_reused_only_when_spec_data_and_seed_match(tiny_fit, tmp_path):
    from forecast.cli.model_cmd import _reusable_run

    run, _ = tiny_fit
    save_run(run, tmp_path / "tiny")
    spec = run.spec
    assert _reusable_run(tmp_path / "tiny", spec, "abc") is not None
    assert _reusable_run(tmp_path / "tiny", spec, "other-data") is None
    assert _reusable_run(tmp_path / "tiny", spec.with_overrides({"priors": {"mu_beta": {"sigma": 1.0}}}), "abc") is None
    assert _reusable_run(tmp_path / "tiny", spec.with_overrides({"sampler": {"seed": 6}}), "abc") is None
    # forecast-only settings do not change the posterior: reused, and the new settings are saved in the run
    cheaper = spec.with_overrides({"assumptions": {"carbon_kg_per_kwh": 0.1}, "forecast": {"horizon_year": 2080}})
    again = _reusable_run(tmp_path / "tiny", cheaper, "abc")
    assert again is not None and again.spec.assumptions["carbon_kg_per_kwh"] == 0.1
    assert load_run(tmp_path / "tiny").spec.forecast.horizon_year == 2080
    xr.testing.assert_equal(again.posterior, run.posterior)
