"""``forecast predict`` and ``forecast report``: forecasts and reports from a saved run (never samples).

- ``forecast predict RUN [RUN ...] [--budget B ...] [--csv OUT]``: print the targets, progress, wall and
  spending tables of the first run (the other runs, e.g. the same model under the log and identity links,
  are added side by side in the targets table); ``--csv OUT`` writes the tables as CSV into directory OUT.
- ``forecast report RUN [--out DIR] [--compare RUN ...] [--no-figures]``: write ``report.md``,
  ``report.html`` (figures embedded), the figures and the CSV tables into ``DIR``
  (default ``reports/<name>``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from forecast import policy
from forecast.cli import output_dir
from forecast.errors import ConfigError

EXIT_OK = 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``predict`` and ``report`` commands."""
    pred = subparsers.add_parser(
        "predict",
        help="print the forecast tables of a saved run",
        description="Targets (compute, $ and CO2 for lower error), algorithmic progress, the economic wall "
        "and spending on trend, with credible intervals, from a saved run. Never samples.",
    )
    pred.add_argument(
        "runs",
        nargs="+",
        metavar="RUN",
        help="run directory, run.nc or name; extra runs (other links) join the targets table",
    )
    pred.add_argument(
        "--budget",
        action="append",
        default=None,
        metavar="USD",
        help="budget in constant dollars (1e9, 1B, 100B, 5T or gdp_1pct); repeatable; "
        "default: the run's [forecast] budgets_usd",
    )
    pred.add_argument(
        "--csv",
        type=Path,
        default=None,
        metavar="OUT",
        help="also write the tables as CSV files into directory OUT",
    )
    pred.set_defaults(handler=run_predict)

    rep = subparsers.add_parser(
        "report",
        help="write the Markdown + HTML report of a saved run",
        description="Write reports/<name>/report.md and a self-contained report.html (plus figures and CSV "
        "tables) from a saved run. Never samples.",
    )
    rep.add_argument("run", metavar="RUN", help="run directory, run.nc or name")
    rep.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="output directory (default reports/<name>)"
    )
    rep.add_argument(
        "--compare",
        nargs="*",
        default=None,
        metavar="RUN",
        help="runs of the same model under other links (default: sibling runs <name>-log, "
        "<name>-identity... next to RUN, when present)",
    )
    rep.add_argument("--no-figures", action="store_true", help="leave the figures out (fast preview)")
    rep.set_defaults(handler=run_report)


def _print_table(title: str, df: pd.DataFrame) -> None:
    print(f"\n== {title} ==")
    with pd.option_context("display.width", 250, "display.max_columns", 50, "display.max_colwidth", 60):
        print(df.to_string(index=False))


def run_predict(args: argparse.Namespace) -> int:
    """Run ``forecast predict``."""
    from forecast.forecasts import budgets_from_args, compare_links, compute_forecasts, headline
    from forecast.report import progress_display, targets_display, wall_display
    from forecast.run import load_run

    output_dir(args.csv, "--csv")
    runs = [load_run(r) for r in args.runs]
    run = runs[0]
    try:
        budgets = budgets_from_args(args.budget, run) if args.budget else None
    except ValueError as exc:
        raise ConfigError(f"--budget: {exc}") from None
    fc = compute_forecasts(run, budgets=budgets)
    others = [compute_forecasts(r, budgets=budgets) for r in runs[1:]]
    print(headline(fc))
    print(
        f"\nrun {fc.run_path}; data_hash {fc.data_hash or '(none recorded)'}; created {fc.created}; "
        f"intervals: {policy.interval_label()}"
    )
    _print_table(
        f"Targets ({fc.link} link): log10 FLOP / log10 constant $ / log10 kg CO2, median [90%]",
        targets_display(fc.targets_table),
    )
    if others:
        comp = compare_links([fc, *others])
        last = comp[comp["year"] == fc.last_data_year]
        _print_table(
            f"Targets side by side, {fc.last_data_year}: log10 FLOP median [lo, hi]",
            last.assign(
                log10_flop=[
                    f"{r.log10_flop_median:.2f} [{r.log10_flop_lo:.2f}, {r.log10_flop_hi:.2f}]"
                    for r in last.itertuples()
                ]
            )[["run", "link", "benchmark", "fraction", "target_error", "log10_flop", "identified"]],
        )
    _print_table(
        "Algorithmic progress: years of progress worth 10x compute", progress_display(fc.progress_table)
    )
    _print_table(
        "The wall: first year staying on the frontier trend costs more than the budget",
        wall_display(fc, fc.wall_table, "wall"),
    )
    _print_table(
        "Spending on the compute trend: year it crosses the budget, error it buys",
        wall_display(fc, fc.spending_table, "cross"),
    )
    g = fc.spending_table.drop_duplicates("domain")
    _print_table(
        "Implied training-cost growth per year vs Cottier et al. (2.4x, 95% CI 2.0-3.1)",
        g[["domain", "growth_median", "growth_lo", "growth_hi"]].round(2),
    )
    if args.csv is not None:
        paths = fc.to_csv(args.csv)
        if others:
            from forecast.atomic import atomic_write_text

            out = Path(args.csv) / "link_comparison.csv"
            atomic_write_text(out, compare_links([fc, *others]).to_csv(index=False))
            paths.append(out)
        print(f"\nwrote {', '.join(str(p) for p in paths)}")
    return EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    """Run ``forecast report``."""
    from forecast.report import write_report
    from forecast.run import load_run

    output_dir(args.out, "--out")
    run = load_run(args.run)
    md, page = write_report(run, args.out, compare=args.compare, figures=not args.no_figures)
    if not run.checks.converged:
        print(
            f"WARNING: run '{run.name}' DID NOT CONVERGE ({run.checks.verdict()}); the report says so.",
            file=sys.stderr,
        )
    print(f"wrote {md}\nwrote {page}")
    return EXIT_OK
