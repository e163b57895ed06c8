"""The ``forecast`` command line: a thin layer over library functions.

Exit status: 0 success, 1 invalid input, 2 usage error, 3 a ``--strict`` run that did not converge.
Each sub-command module exposes ``register(subparsers)``.
"""

from __future__ import annotations

import argparse
import sys

from forecast.errors import ConfigError, ConvergenceError, DataError, ForecastError, RunError

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_NOT_CONVERGED = 3


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    from forecast.cli import data_cmd, model_cmd, report_cmd, validate_cmd

    parser = argparse.ArgumentParser(
        prog="forecast",
        description="Bayesian forecast of the computational limits of deep learning.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data_cmd.register(sub)
    model_cmd.register(sub)
    report_cmd.register(sub)
    validate_cmd.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``forecast`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except DataError as exc:
        print(f"forecast: invalid data\n{exc}", file=sys.stderr)
        return EXIT_INVALID
    except ConfigError as exc:
        print(f"forecast: invalid configuration: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RunError as exc:
        print(f"forecast: cannot use run: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except ConvergenceError as exc:
        print(f"forecast: NOT CONVERGED: {exc}", file=sys.stderr)
        return EXIT_NOT_CONVERGED
    except ForecastError as exc:
        print(f"forecast: {exc}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
