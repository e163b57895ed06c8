"""``forecast data``: check the curated tables, import public sources into them.

- ``forecast data check PATH [PATH ...] [--kind results|notable|prices]``: report every problem of
  every file, then counts; exit 0 when all are valid, 1 when any has an error, 2 on a usage error.
- ``forecast data import {epoch,pwc,thompson} PATH -o OUT.csv``: convert a public source to the
  curated vocabulary, validate it, and move it into ``OUT`` only when valid (nothing written otherwise).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
from pathlib import Path

from forecast.data.validate import KINDS, check_table, format_report

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

IMPORT_SOURCES: tuple[str, ...] = ("epoch", "pwc", "thompson")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` command and its sub-commands."""
    data = subparsers.add_parser("data", help="check and import the data tables",
                                 description="Check and import the curated data tables.")
    sub = data.add_subparsers(dest="data_command", required=True, metavar="SUBCOMMAND")

    check = sub.add_parser("check", help="validate one or more tables",
                           description="Report every problem (file, line, column) and count the rows. "
                                       "Exit 0 valid, 1 invalid, 2 usage error.")
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="CSV file(s) to check")
    check.add_argument("--kind", choices=KINDS, default=None,
                       help="table kind (default: detected from the columns)")
    check.set_defaults(handler=run_check)

    imp = sub.add_parser("import", help="convert a public source into a curated table",
                         description="Convert a public source to the curated vocabulary; the output is "
                                     "written only if it validates.")
    imp.add_argument("source", choices=IMPORT_SOURCES, help="which public source PATH is")
    imp.add_argument("path", type=Path, metavar="PATH", help="the source file (or directory)")
    imp.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.csv",
                     help="the curated table to write")
    imp.set_defaults(handler=run_import)


def _usage(message: str) -> int:
    print(f"forecast data: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_check(args: argparse.Namespace) -> int:
    """Run ``forecast data check``."""
    paths: list[Path] = list(args.paths)
    for path in paths:
        if not path.exists():
            return _usage(f"no such file: {path}")
        if path.is_dir():
            return _usage(f"is a directory, not a CSV file: {path}")
    status = EXIT_OK
    for i, path in enumerate(paths):
        report = check_table(path, kind=args.kind)
        if i:
            print()
        print(format_report(report))
        if not report.ok:
            status = EXIT_INVALID
    return status


def run_import(args: argparse.Namespace) -> int:
    """Run ``forecast data import``."""
    source: Path = args.path
    out: Path = args.output
    if not source.exists():
        return _usage(f"no such file: {source}")
    if out.exists() and out.is_dir():
        return _usage(f"output is a directory: {out}")
    if not out.parent.exists():
        return _usage(f"output directory does not exist: {out.parent}")
    try:
        importers = importlib.import_module("forecast.data.importers")
    except ImportError as exc:  # pragma: no cover - the module ships with the package
        print(f"forecast data import: importers unavailable: {exc}", file=sys.stderr)
        return EXIT_INVALID
    frame = importers.import_source(args.source, source)

    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp.csv", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        importers.write_table(frame, tmp)
        report = check_table(tmp)
        if not report.ok:
            print(format_report(report).replace(str(tmp), str(out)))
            print(f"forecast data import: {args.source} import of {source} is invalid; "
                  f"nothing written to {out}", file=sys.stderr)
            return EXIT_INVALID
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    for problem in report.warnings:
        print(str(problem).replace(str(tmp), str(out)), file=sys.stderr)
    print(f"wrote {report.n_rows} rows ({report.kind} table, {len(report.warnings)} warnings) "
          f"from {args.source} {source} to {out}")
    return EXIT_OK
