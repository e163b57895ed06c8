"""Faults and bad input (issue 10): each test re-runs one probe of the issue and checks the specified behaviour."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecast import config
from forecast.atomic import atomic_write, remove_stale_temps
from forecast.cli import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, main
from forecast.config import RUN_NAME_MAX, check_run_name, load_spec
from forecast.data.validate import MAX_LINE_CHARS, check_table, format_report
from forecast.diagnostics import ConvergenceChecks, check_convergence
from forecast.errors import MAX_PROBLEMS_SHOWN, ConfigError, DataError, FitInterrupted, ReportError, RunError
from forecast.report import Document, default_report_dir, write_report
from forecast.run import MANIFEST_FILE, RUN_FILE, RUN_SCHEMA_VERSION, SPEC_HASH_ATTR, load_run, save_run
from tests.synthetic import synthetic_tables

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "run.nc"


@pytest.fixture(scope="module")
def golden():
    return load_run(GOLDEN)


def _rewrite_attrs(src: Path, dst: Path, **attrs: object) -> Path:
    tree = xr.open_datatree(src, engine="h5netcdf").load()
    tree.attrs.update(attrs)
    tree.to_netcdf(dst, engine="h5netcdf")
    return dst


def _no_work(*args, **kwargs):
    raise AssertionError("work started before the arguments were checked")


# ----------------------------------------------------------------------------- 1. Ctrl-C during sampling
def _trace(chains: int, draws: int, nan_from: int | None = None) -> xr.DataTree:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(chains, draws))
    if nan_from is not None:
        a[-1, nan_from:] = np.nan  # nutpie pads a chain cut short by Ctrl-C with NaN
    post = xr.Dataset({"a": (("chain", "draw"), a)})
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((chains, draws), bool)),
                        "energy": (("chain", "draw"), rng.normal(size=(chains, draws)))})
    return xr.DataTree.from_dict({"posterior": post, "sample_stats": stats})


def test_incomplete_trace_is_an_interrupted_fit():
    from forecast.fit import check_complete

    check_complete(_trace(2, 50), ["a"], 2, 50)
    with pytest.raises(FitInterrupted, match="chain 1 has 30 of 50 draws"):
        check_complete(_trace(2, 50, nan_from=30), ["a"], 2, 50)
    with pytest.raises(FitInterrupted, match="40 of 50 draws"):
        check_complete(_trace(2, 40), ["a"], 2, 50)
    with pytest.raises(FitInterrupted, match="1 of 2 chains"):
        check_complete(_trace(1, 50), ["a"], 2, 50)


def test_fit_refuses_a_sampler_result_cut_short(golden, monkeypatch):
    """The sampler swallows Ctrl-C and returns what it has: fit() must not turn that into a run."""
    import pymc as pm

    from forecast.fit import fit

    cut = golden.trace.copy()
    post = cut["posterior"].to_dataset()
    cut["posterior"] = xr.DataTree(post.where(post["draw"] < 25))  # every chain stopped at draw 25 of 40
    monkeypatch.setattr(pm, "sample", lambda *a, **k: cut)
    with pytest.raises(FitInterrupted, match="25 of 40 draws"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit(golden.spec, *synthetic_tables(rows_per_series=8), progress=False)


def test_interrupted_fit_exits_130_and_keeps_the_previous_run(golden, tmp_path, monkeypatch, capsys):
    import forecast.fit

    save_run(golden, tmp_path / "ic")
    before = {p.name: p.read_bytes() for p in (tmp_path / "ic").iterdir()}

    def interrupted(*args, **kwargs):
        raise FitInterrupted("sampling stopped early: chain 0 has 4089 of 5000 draws")

    monkeypatch.setattr(forecast.fit, "fit", interrupted)
    args = ["fit", "--name", "ic", "--out", str(tmp_path), "--draws", "5000", "--chains", "1", "--refit"]
    assert main(args) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "4089 of 5000" in err and "nothing saved" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in (tmp_path / "ic").iterdir()} == before


def test_ctrl_c_before_sampling_is_one_line_and_exit_130(monkeypatch, capsys, tmp_path):
    import forecast.data.load

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(forecast.data.load, "load_training_tables", interrupt)
    assert main(["fit", "--out", str(tmp_path)]) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_sigint_during_real_sampling_saves_nothing(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "forecast", "fit", "--name", "ic", "--out", str(tmp_path),
           "--chains", "2", "--draws", "100000", "--tune", "100"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "sampling" in line:
            break
    import time

    time.sleep(15)  # compile, tune, then some draws
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == EXIT_INTERRUPTED, rest
    assert "interrupted" in rest and "Traceback" not in rest and "scale parameter" not in rest
    assert not (tmp_path / "ic" / RUN_FILE).exists()


# ----------------------------------------------------------------------------- 2 and 7. run names
@pytest.mark.parametrize("bad", ["../../escape", "..", ".", "/abs/path", "a/b", "", "x" * (RUN_NAME_MAX + 1),
                                 "sp ace", "tab\t", "é"])
def test_unsafe_run_names_are_refused(bad):
    with pytest.raises(ConfigError):
        check_run_name(bad)


def test_safe_run_names_pass():
    for good in ("default", "ic-log", "v1.2_test", "x" * RUN_NAME_MAX):
        assert check_run_name(good) == good


@pytest.mark.parametrize("name", ["../../escape", "..", "/abs/path", "x" * 300])
def test_fit_checks_the_name_before_any_work(name, tmp_path, monkeypatch, capsys):
    import forecast.config
    import forecast.data.load

    monkeypatch.setattr(forecast.data.load, "load_training_tables", _no_work)
    monkeypatch.setattr(forecast.config, "load_spec", _no_work)
    for command in ("fit", "run"):
        assert main([command, "--name", name, "--out", str(tmp_path / "models")]) == 2
        err = capsys.readouterr().err
        assert "--name" in err and err.count("\n") == 1
    assert not (tmp_path / "models").exists()


def test_report_never_writes_outside_its_folder_whatever_the_run_says(tmp_path, monkeypatch, capsys):
    crafted = _rewrite_attrs(GOLDEN, tmp_path / "crafted.nc", name="../../../evil")
    with pytest.raises(RunError, match="stored run name"):
        load_run(crafted)
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(crafted), "--no-figures"]) == 1
    assert "stored run name" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crafted.nc"]


def test_default_report_dir_uses_only_a_checked_name(golden):
    assert default_report_dir(golden) == Path("reports") / "golden"
    bad = load_run(GOLDEN)
    bad.meta["name"] = "../outside"
    with pytest.raises(RunError, match="run's name"):
        default_report_dir(bad)
    with pytest.raises(ConfigError):
        save_run(bad, Path(tempfile.gettempdir()) / "never-written")


def test_model_name_length_is_bounded():
    with pytest.raises(ConfigError, match="model.name"):
        load_spec(None, {"model": {"name": "n" * (RUN_NAME_MAX + 1)}})


# ----------------------------------------------------------------------------- 3. NaN diagnostics
def test_one_chain_fit_says_rhat_cannot_be_computed():
    checks = check_convergence(_trace(1, 2000), ["a"])
    assert not checks.converged
    assert "R-hat cannot be computed from 1 chain" in checks.verdict()
    assert "-inf" not in checks.verdict()


def test_nan_diagnostics_are_not_converged():
    tr = _trace(4, 1000)
    post = tr["posterior"].to_dataset()
    b = np.full((4, 1000), 2.0)
    b[:, ::2] = np.nan  # a diagnostic that cannot be computed on a parameter that is not constant
    post["b"] = (("chain", "draw"), b)
    tr["posterior"] = xr.DataTree(post)
    checks = check_convergence(tr, ["a", "b"])
    assert not checks.converged and "(b)" in checks.verdict()


def test_no_parameter_moving_is_not_converged():
    tr = _trace(4, 1000)
    post = tr["posterior"].to_dataset()
    post["a"] = (("chain", "draw"), np.full((4, 1000), 2.0))  # every chain stuck at the same point
    tr["posterior"] = xr.DataTree(post)
    checks = check_convergence(tr, ["a"])
    assert not checks.converged and "no parameter moved" in checks.verdict()


def test_stored_checks_with_infinite_rhat_read_back_as_not_converged():
    stored = {"max_rhat": float("-inf"), "min_ess_bulk": 900.0, "min_ess_tail": 800.0, "divergences": 0,
              "min_bfmi": 1.0, "failures": []}
    checks = ConvergenceChecks.from_dict(stored)
    assert not checks.converged and "R-hat cannot be computed" in checks.verdict()


# ----------------------------------------------------------------------------- 4 and 6. spec files
@pytest.mark.parametrize("prior", ["sigma = { sigma = inf }", "mu_beta = { mu = nan, sigma = 0.5 }",
                                   "mu_gamma = { mu = -inf, sigma = 0.3 }"])
def test_priors_must_be_finite(prior, tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text(f"[priors]\n{prior}\n")
    key = prior.split(" ")[0]
    with pytest.raises(ConfigError, match=f"priors.{key}.*finite"):
        load_spec(spec)


def test_non_utf8_spec_is_a_config_error_naming_the_file(tmp_path, capsys):
    spec = tmp_path / "latin1.toml"
    spec.write_bytes('[model]\ndescription = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="latin1.toml: not UTF-8"):
        load_spec(spec)
    assert main(["fit", "--model", str(spec), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "latin1.toml" in err and "Traceback" not in err


# ----------------------------------------------------------------------------- 5. malformed validation.json
CONFLICT = '<<<<<<< HEAD\n{"recovery": {}}\n=======\n{}\n>>>>>>> other\n'


def test_report_names_a_malformed_validation_file(golden, tmp_path, capsys):
    (tmp_path / "validation.json").write_text(CONFLICT)
    with pytest.raises(ReportError, match="validation.json: not a valid validation file"):
        write_report(golden, tmp_path, figures=False)
    (tmp_path / "validation.json").write_text("[1, 2]")
    with pytest.raises(ReportError, match="expected a JSON object"):
        write_report(golden, tmp_path, figures=False)
    assert main(["report", str(GOLDEN), "--out", str(tmp_path), "--no-figures"]) == 1
    err = capsys.readouterr().err
    assert "validation.json" in err and err.count("\n") == 1


def test_run_still_writes_the_report_without_a_malformed_validation(golden, tmp_path, monkeypatch, capsys):
    from forecast.cli import model_cmd

    monkeypatch.setattr(model_cmd, "fit_and_save", lambda args: golden)
    reports = tmp_path / "reports"
    (reports / "golden").mkdir(parents=True)
    (reports / "golden" / "validation.json").write_text(CONFLICT)
    assert main(["run", "--reports", str(reports), "--out", str(tmp_path / "models")]) == 0
    err = capsys.readouterr().err
    assert "validation.json: not a valid validation file" in err and "without its Validation section" in err
    md = (reports / "golden" / "report.md").read_text()
    assert "# Validation" not in md and "## Headline" in md


# ----------------------------------------------------------------------------- 8. counts
@pytest.mark.parametrize("value", ["-1", "0", "1.5", "many"])
@pytest.mark.parametrize("option", ["--sims", "--draws", "--chains", "--workers", "--tune"])
def test_validate_counts_must_be_positive_integers(option, value, capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate", "recovery", option, value])
    assert info.value.code == 2
    assert f"argument {option}: must be a positive integer" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--draws", "--tune", "--chains"])
def test_fit_counts_must_be_positive_integers(option, capsys):
    with pytest.raises(SystemExit):
        main(["fit", option, "0"])
    assert "must be a positive integer" in capsys.readouterr().err


def test_recovery_refuses_non_positive_simulations(golden):
    from forecast.validation.recovery import run_recovery

    with pytest.raises(ConfigError, match="n_sims must be a positive integer"):
        run_recovery(golden.spec, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), executor=None, n_sims=-1)


# ----------------------------------------------------------------------------- verified runs
def test_manifest_hash_mismatch_is_a_run_error_naming_both_files(golden, tmp_path):
    save_run(golden, tmp_path / "r")
    manifest = (tmp_path / "r" / MANIFEST_FILE).read_text()
    assert json.loads(manifest)[SPEC_HASH_ATTR]
    load_run(tmp_path / "r")
    other = load_run(GOLDEN)
    other.meta["created"] = "2000-01-01T00:00:00+00:00"
    save_run(other, tmp_path / "r")
    (tmp_path / "r" / MANIFEST_FILE).write_text(manifest)  # a stale manifest, as after a killed save
    with pytest.raises(RunError, match=r"run\.nc does not match .*manifest\.json"):
        load_run(tmp_path / "r")
    (tmp_path / "r" / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(RunError, match="unreadable manifest"):
        load_run(tmp_path / "r")


def test_stored_spec_hash_is_checked(golden, tmp_path):
    save_run(golden, tmp_path / "r")
    run_file = tmp_path / "r" / RUN_FILE
    (tmp_path / "r" / MANIFEST_FILE).unlink()
    tree = xr.open_datatree(run_file, engine="h5netcdf").load()
    spec = json.loads(tree.attrs["spec"])
    spec["priors"]["mu_beta"]["sigma"] = 5.0
    _rewrite_attrs(run_file, tmp_path / "edited.nc", spec=json.dumps(spec, sort_keys=True))
    with pytest.raises(RunError, match="stored spec does not match its stored SHA-256"):
        load_run(tmp_path / "edited.nc")


def test_old_run_loads_with_the_defaults_of_its_schema_not_todays(monkeypatch):
    real = config.default_spec_dict

    def changed_defaults():
        d = real()
        d["model"]["noise"] = "pooled"
        d["priors"]["tau_log_sigma"] = {"sigma": 9.0}
        return d

    monkeypatch.setattr(config, "default_spec_dict", changed_defaults)
    run = load_run(GOLDEN)  # fitted before model.noise and priors.tau_log_sigma existed
    assert run.spec.model.noise == "per_domain"
    assert run.spec.priors["tau_log_sigma"]["sigma"] == 0.5


def test_a_key_missing_from_an_old_run_is_a_run_error(monkeypatch):
    frozen = config.frozen_spec_defaults

    def without_pooling(version):
        d = frozen(version)
        del d["model"]["pooling"]
        return d

    monkeypatch.setattr(config, "frozen_spec_defaults", without_pooling)
    with pytest.raises(RunError, match="pooling"):
        load_run(GOLDEN)


def test_every_frozen_defaults_file_covers_todays_keys():
    """A key added to spec_defaults.toml needs its old-behaviour value in every frozen file (old runs lack it)."""

    def keys(d, prefix=""):
        return {prefix + k for k in d} | {
            x for k, v in d.items() if isinstance(v, dict) for x in keys(v, f"{prefix}{k}.")
        }

    today = keys(config._defaults_with_optional_keys())
    for version in range(1, RUN_SCHEMA_VERSION + 1):
        assert keys(config.frozen_spec_defaults(version)) == today, version
    with pytest.raises(RunError, match="no spec defaults are frozen"):
        config.frozen_spec_defaults(RUN_SCHEMA_VERSION + 1)


def test_golden_run_pinned_numbers(golden):
    """The golden run loads exactly as fitted: these numbers change only if loading or forecasting changes."""
    from forecast.forecasts import compute_forecasts

    assert float(golden.posterior["mu_beta"].mean()) == pytest.approx(-0.0770774885, rel=1e-6)
    assert float(golden.posterior["beta"].mean(("chain", "draw"))[0]) == pytest.approx(-0.1561454794, rel=1e-6)
    progress = compute_forecasts(golden).progress_table.set_index("domain")
    assert progress.loc["image_classification", "years_per_10x_median"] == pytest.approx(1.826049, rel=1e-6)
    assert golden.spec.model.noise == "per_domain"


# ----------------------------------------------------------------------------- CLI failures: one line
def test_closed_pipe_is_one_line_not_a_traceback():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "forecast", "summary", str(GOLDEN)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader went away (`| head` after its lines)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == EXIT_BROKEN_PIPE
    assert "Traceback" not in err and "Exception ignored" not in err and err.strip() == "forecast: output pipe closed"


def test_output_paths_of_the_wrong_kind_are_one_line(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert main(["predict", str(GOLDEN), "--csv", str(a_file)]) == 2
    assert main(["report", str(GOLDEN), "--out", str(a_file)]) == 2
    assert main(["fit", "--out", str(a_file)]) == 2
    assert main(["validate", "recovery", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 4 and "Traceback" not in err and "is not a directory" in err


def test_debug_shows_the_traceback(tmp_path, capsys):
    assert main(["--debug", "summary", str(tmp_path / "none")]) == 1
    assert "Traceback" in capsys.readouterr().err
    assert main(["summary", str(tmp_path / "none"), "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err
    assert main(["summary", str(tmp_path / "none")]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_bad_scheduler_fails_fast_with_a_clear_message():
    import time

    from forecast.validation.parallel import executor

    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match="--scheduler tcp://127.0.0.1:1: cannot connect"):
        with executor("tcp://127.0.0.1:1"):
            pass
    assert time.perf_counter() - t0 < 20


# ----------------------------------------------------------------------------- data: capped and bounded
def test_error_lists_are_capped(write_csv, result_row, capsys):
    path = write_csv([result_row()] * (MAX_PROBLEMS_SHOWN + 70))
    report = check_table(path)
    assert len(report.errors) >= MAX_PROBLEMS_SHOWN + 60
    text = format_report(report)
    assert f"... and {len(report.problems) - MAX_PROBLEMS_SHOWN:,} more" in text
    assert text.count("error:") == MAX_PROBLEMS_SHOWN
    message = str(DataError(report.errors))
    assert message.count("error:") == MAX_PROBLEMS_SHOWN and "more" in message
    assert main(["data", "check", str(path)]) == 1
    assert capsys.readouterr().out.count("\n") < MAX_PROBLEMS_SHOWN + 30


def test_over_long_lines_and_non_text_files_are_refused(tmp_path):
    long = tmp_path / "long.csv"
    long.write_text("model,domain\n" + "x" * (MAX_LINE_CHARS + 10) + ",y\n")
    with pytest.raises(DataError, match=r"long.csv:2: error: line longer than"):
        check_table(long)
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"model,domain\n\x00\x00\n")
    with pytest.raises(DataError, match="NUL byte"):
        check_table(nul)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_does_not_exhaust_memory():
    with pytest.raises(DataError, match="line longer than"):
        check_table("/dev/zero")


# ----------------------------------------------------------------------------- report.md escaping
def test_report_markdown_shows_untrusted_text_as_text():
    doc = Document("t <b>", figures=False)
    doc.p("model `code <kept>` said <script>alert(1)</script> and [click](javascript:alert(1))")
    doc.h(1, "<img src=x onerror=alert(1)>")
    doc.table(pd.DataFrame({"model": ["[x]( JavaScript:alert(2))", "<iframe>"], "v": ["[1, 2]", "a|b"]}))
    doc.markdown("[ref]: javascript:alert(3)\n\nP(beta<0) < 0.95")
    md = doc.to_markdown()
    for raw in ("<script", "<img", "<iframe", "<b>", "](javascript", "]( JavaScript", "]: javascript"):
        assert raw not in md
    assert "javascript:" not in md.lower().replace("`code <kept>`", "")
    assert "P(beta<0) < 0.95" in md
    assert "`code <kept>`" in md and "[1, 2]" in md and "&lt;script>" in md


# ----------------------------------------------------------------------------- temporary files
def test_stale_temporaries_of_a_killed_save_are_removed(tmp_path):
    target = tmp_path / RUN_FILE
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = tmp_path / f".{RUN_FILE}.{dead}.abc123.tmp"
    stale.write_bytes(b"half a run")
    alive = tmp_path / f".{RUN_FILE}.{os.getpid()}.def456.tmp"
    alive.write_bytes(b"being written")
    other = tmp_path / ".manifest.json.1.x.tmp"
    other.write_bytes(b"")
    assert remove_stale_temps(target) == [stale]
    atomic_write(target, lambda tmp: tmp.write_bytes(b"ok"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name, RUN_FILE])


def test_sigterm_during_a_save_removes_the_temporary(tmp_path, monkeypatch):
    from forecast.cli import model_cmd

    def handler(args):
        def write(tmp):
            tmp.write_bytes(b"half")
            os.kill(os.getpid(), signal.SIGTERM)

        atomic_write(tmp_path / RUN_FILE, write)
        return 0

    monkeypatch.setattr(model_cmd, "cmd_summary", handler)
    with pytest.raises(SystemExit) as info:
        main(["summary", "x"])
    assert info.value.code == 143 and not list(tmp_path.iterdir())
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_fit_leaves_no_files_in_the_temp_folder(tmp_path, monkeypatch):
    from forecast.fit import fit

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    spec = load_spec("models/default.toml", {"sampler": {"draws": 10, "tune": 10, "chains": 2, "seed": 3,
                                                         "prior_draws": 10}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit(spec, *synthetic_tables(rows_per_series=6, seed=3), progress=False)
    assert not list(tmp.iterdir())


def test_frozen_defaults_ship_with_the_package():
    import forecast

    assert (Path(forecast.__file__).parent / config.frozen_defaults_file(RUN_SCHEMA_VERSION)).is_file()


def test_a_constant_element_is_left_out_of_the_checks_but_a_stuck_chain_still_fails():
    """A zero-sum vector over one domain is identically 0: its R-hat is 0/0, yet it says nothing about mixing."""
    import xarray as xr

    from forecast.diagnostics import check_convergence

    rng = np.random.default_rng(3)
    good = rng.normal(size=(4, 500))
    post = xr.Dataset({"a": (("chain", "draw"), good),
                       "z": (("chain", "draw", "d"), np.zeros((4, 500, 1)))})
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((4, 500), bool)),
                        "energy": (("chain", "draw"), rng.normal(size=(4, 500)))})
    tree = xr.DataTree.from_dict({"posterior": post, "sample_stats": stats})
    checks = check_convergence(tree, ["a", "z"])
    assert checks.converged, checks.failures
    stuck = good.copy()
    stuck[0] = 5.0  # one chain stuck far away: constant within it, not across chains
    tree = xr.DataTree.from_dict({"posterior": post.assign(a=(("chain", "draw"), stuck)), "sample_stats": stats})
    assert not check_convergence(tree, ["a", "z"]).converged
