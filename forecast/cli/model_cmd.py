"""``forecast fit``, ``forecast summary`` and ``forecast run`` (fit + forecasts + report).

``forecast run --side-by-side`` also fits the specs listed in the spec's ``[forecast] side_by_side`` (after
the main run, before the report), so the report shows the run beside them (:mod:`forecast.side_by_side`).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

from forecast.cli import output_dir, positive_int
from forecast.config import check_run_name

EXIT_NOT_CONVERGED = 3


def _say(msg: str) -> None:
    print(f"[forecast] {msg}", file=sys.stderr, flush=True)


def _add_fit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=None,
                   help="model spec TOML (default: ./models/default.toml, else the packaged one)")
    p.add_argument("--name", default=None, help="run name (default: the spec's model.name)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="folder holding results.csv, notable_models.csv, compute_prices.csv (default: "
                        "$FORECAST_DATA_DIR, else ./data, else the packaged tables)")
    p.add_argument("--out", type=Path, default=Path("models"), help="where runs are written (default: models/)")
    p.add_argument("--draws", type=positive_int, default=None, help="draws per chain (overrides the spec)")
    p.add_argument("--tune", type=positive_int, default=None, help="tuning steps per chain (overrides the spec)")
    p.add_argument("--chains", type=positive_int, default=None, help="number of chains (overrides the spec)")
    p.add_argument("--seed", type=int, default=None, help="integer seed (overrides the spec)")
    p.add_argument("--sampler", choices=("nutpie", "pymc"), default=None, help="NUTS implementation")
    p.add_argument("--strict", action="store_true",
                   help="exit with status 3 when the run fails its convergence checks (it is still saved)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--refit", action="store_true",
                   help="sample again even when a saved run has the same spec, data and seed")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fit``, ``summary`` and ``run``."""
    fit_p = subparsers.add_parser("fit", help="fit a model spec to the shipped data and save the run",
                                  description="Fit a model spec; write models/<name>/run.nc and manifest.json.")
    _add_fit_options(fit_p)
    fit_p.set_defaults(handler=cmd_fit)

    summ = subparsers.add_parser("summary", help="posterior summary of a saved run",
                                 description="Per-domain slopes, shared means and spreads, years per 10x "
                                             "compute, with credible intervals, and the convergence verdict.")
    summ.add_argument("run", help="run directory, run.nc file, or run name (e.g. models/default)")
    summ.set_defaults(handler=cmd_summary)

    run_p = subparsers.add_parser("run", help="the main job: fit, forecast, report, print the headline",
                                  description="Fit the default spec on the shipped data, compute the forecasts, "
                                              "write the run and the report, print the headline.")
    _add_fit_options(run_p)
    run_p.add_argument("--reports", type=Path, default=Path("reports"), help="report folder (default: reports/)")
    run_p.add_argument("--side-by-side", action="store_true",
                       help="also fit the specs the spec lists in [forecast] side_by_side (into --out, reusing "
                            "saved runs of the same spec, data and seed; the sampler options apply to them too), "
                            "so the report shows them beside this run")
    run_p.set_defaults(handler=cmd_run)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    sampler = {k: getattr(args, k) for k in ("draws", "tune", "chains", "seed", "sampler")
               if getattr(args, k) is not None}
    return {"sampler": sampler} if sampler else {}


DATA_WARNINGS_SHOWN = 3
"""Plausibility warnings printed before a fit; ``forecast data check`` lists them all."""


def _report_data_warnings(warnings: list[str]) -> None:
    """Print the first few data warnings and a count of the rest (they never stop a fit)."""
    for w in warnings[:DATA_WARNINGS_SHOWN]:
        _say(f"data warning: {w}")
    if len(warnings) > DATA_WARNINGS_SHOWN:
        _say(f"... and {len(warnings) - DATA_WARNINGS_SHOWN} more data warnings: "
             "`forecast data check data/results.csv data/notable_models.csv` lists them all")


def fit_and_save(args: argparse.Namespace, data_warnings: bool = True) -> Any:
    """Load spec and data, fit, save; return the saved run (``data_warnings``: print the data's warnings)."""
    from forecast.config import load_spec
    from forecast.data.load import load_training_tables
    from forecast.fit import fit
    from forecast.paths import default_spec_path
    from forecast.run import save_run

    logging.getLogger("pymc").setLevel(logging.WARNING)  # our own progress lines replace its INFO chatter
    if args.name is not None:
        check_run_name(args.name)
    output_dir(args.out, "--out")
    output_dir(getattr(args, "reports", None), "--reports")
    spec = load_spec(args.model or default_spec_path(), _overrides(args))
    name = args.name or spec.model.name
    tables = load_training_tables(args.data_dir)
    if data_warnings:
        _report_data_warnings(tables.warnings)
    reused = _reusable_run(args.out / name, spec, tables.data_hash) if not args.refit else None
    if reused is not None:
        return reused
    _say(f"fitting '{name}' from {spec.source} (seed {spec.sampler.seed}, data {tables.data_hash[:12]})")
    t0 = time.perf_counter()
    run = fit(spec, tables.results, tables.notable, tables.prices, data_hash=tables.data_hash, name=name,
              progress=not args.quiet, log=_say)
    path = save_run(run, args.out / name)
    _say(f"saved {path} in {time.perf_counter() - t0:.1f} s")
    if not run.checks.converged:
        bar = "!" * 78
        print(f"{bar}\n!! {run.checks.verdict()}\n!! The run is saved but its numbers are "
              f"not to be trusted; increase draws/tune or change the parameterisation.\n{bar}",
              file=sys.stderr, flush=True)
    return run


def _reusable_run(directory: Path, spec: Any, data_hash: str) -> Any:
    """The saved run in ``directory`` if it was fitted with this spec, data and seed (else None).

    Its draws are what a new fit would give (same key => identical posterior), so it is reused and
    only the forecast settings of the new spec are written into it.
    """
    from forecast.errors import RunError
    from forecast.fit import fit_key
    from forecast.run import load_run, save_run

    if not (directory / "run.nc").is_file():
        return None
    try:
        run = load_run(directory)
    except RunError as exc:
        _say(f"saved run in {directory} not reusable ({exc}); fitting again")
        return None
    if run.meta.get("fit_key") != fit_key(spec, data_hash):
        return None
    _say(f"reusing {directory / 'run.nc'}: same model, priors, sampler, seed and data (use --refit to sample again)")
    if run.spec.to_json() != spec.to_json():
        run.spec = spec
        run.meta["spec_source"] = spec.source
        save_run(run, directory)
    if not run.checks.converged:
        _say(f"NOT CONVERGED: {run.checks.verdict()}")
    return run


def cmd_fit(args: argparse.Namespace) -> int:
    """``forecast fit``."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the verdict is printed loudly instead
        run = fit_and_save(args)
    print(run.checks.verdict())
    return EXIT_NOT_CONVERGED if args.strict and not run.checks.converged else 0


def cmd_summary(args: argparse.Namespace) -> int:
    """``forecast summary RUN``."""
    from forecast.run import load_run
    from forecast.summary import format_summary

    print(format_summary(load_run(args.run)))
    return 0


def _fit_side_by_side(args: argparse.Namespace, run: Any) -> None:
    """Fit (or reuse) each spec ``run``'s spec lists in ``[forecast] side_by_side``, into ``args.out``.

    A listed spec that cannot be fitted (a bad spec file, a failed fit) is reported on stderr and skipped:
    the main run is saved and its report says that spec is not fitted.
    """
    from forecast.config import load_spec
    from forecast.errors import ConfigError, ConvergenceError, DataError, RunError
    from forecast.side_by_side import listed_spec_files

    for path in listed_spec_files(run):
        _say(f"side by side: {path}")
        try:
            if load_spec(path).model.name == run.name:  # would overwrite the main run
                _say(f"side-by-side spec {path} not fitted: its model.name is the main run's name '{run.name}'")
                continue
            fit_and_save(argparse.Namespace(**{**vars(args), "model": path, "name": None}), data_warnings=False)
        except (ConfigError, ConvergenceError, DataError, RunError) as exc:
            _say(f"side-by-side spec {path} not fitted: {' '.join(str(exc).split())}")


def cmd_run(args: argparse.Namespace) -> int:
    """``forecast run``: fit, forecasts, report and headline in one command."""
    import warnings

    from forecast.errors import ReportError
    from forecast.forecasts import compute_forecasts, headline
    from forecast.report import VALIDATION_JSON, load_validation, write_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        run = fit_and_save(args)
        if args.side_by_side:
            _fit_side_by_side(args, run)
    t0 = time.perf_counter()
    out = args.reports / check_run_name(run.name)
    try:
        load_validation(out / VALIDATION_JSON)
        include_validation = True
    except ReportError as exc:  # the run is saved: still write its report, without that section
        _say(f"{exc}; the report is written without its Validation section")
        include_validation = False
    forecasts = compute_forecasts(run)
    md, html = write_report(run, out, forecasts=forecasts, include_validation=include_validation)
    _say(f"forecasts and report in {time.perf_counter() - t0:.1f} s: {md}, {html}")
    print(headline(forecasts))
    return EXIT_NOT_CONVERGED if args.strict and not run.checks.converged else 0
