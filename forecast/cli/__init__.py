"""The ``forecast`` command line: a thin layer over library functions.

Exit status: 0 success, 1 invalid input, 2 usage error, 3 a ``--strict`` run that did not converge,
130 interrupted (Ctrl-C; nothing half-written is kept), 141 output pipe closed (``| head``).
Every failure is one line on stderr naming the file or option; ``--debug`` adds the traceback.
Each sub-command module exposes ``register(subparsers)``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from forecast.errors import ConfigError, ConvergenceError, DataError, FitInterrupted, ForecastError, RunError

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_NOT_CONVERGED = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
EXIT_TERMINATED = 143


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    from forecast.cli import data_cmd, model_cmd, report_cmd, validate_cmd

    parser = argparse.ArgumentParser(
        prog="forecast",
        description="Bayesian forecast of the computational limits of deep learning.",
    )
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of a failure")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data_cmd.register(sub)
    model_cmd.register(sub)
    report_cmd.register(sub)
    validate_cmd.register(sub)
    _add_debug_everywhere(parser)
    return parser


def _add_debug_everywhere(parser: argparse.ArgumentParser) -> None:
    """Accept ``--debug`` after any sub-command too (``forecast fit --debug``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                child.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                                   help="show the Python traceback of a failure")
                _add_debug_everywhere(child)


def positive_int(text: str) -> int:
    """``argparse`` type: an integer >= 1 (counts: draws, chains, simulations, workers...)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def output_dir(path: Path | None, option: str) -> Path | None:
    """Check before any work that ``path`` can be an output folder (absent, or a directory)."""
    if path is not None and path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path}: exists and is not a directory")
    return path


def output_file(path: Path | None, option: str) -> Path | None:
    """Check before any work that ``path`` can be an output file (absent, or a regular file)."""
    if path is not None and path.exists() and not path.is_file():
        raise ConfigError(f"{option} {path}: exists and is not a regular file")
    if path is not None and path.parent.exists() and not path.parent.is_dir():
        raise ConfigError(f"{option} {path}: {path.parent} is not a directory")
    return path


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(EXIT_TERMINATED)  # unwinds, so temporary files are removed on SIGTERM too


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fail(message: str, debug: bool, code: int) -> int:
    if debug:
        traceback.print_exc()
    print(message, file=sys.stderr, flush=True)
    return code


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``forecast`` console script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        return _fail("forecast: interrupted", False, EXIT_INTERRUPTED)
    debug = bool(getattr(args, "debug", False))
    try:
        with _sigterm_unwinds():
            status = int(args.handler(args) or EXIT_OK)
            sys.stdout.flush()  # a closed pipe shows up here, not in the interpreter's exit
            return status
    except DataError as exc:
        return _fail(f"forecast: invalid data\n{exc}", debug, EXIT_INVALID)
    except ConfigError as exc:
        return _fail(f"forecast: invalid configuration: {exc}", debug, EXIT_USAGE)
    except RunError as exc:
        return _fail(f"forecast: cannot use run: {exc}", debug, EXIT_INVALID)
    except ConvergenceError as exc:
        return _fail(f"forecast: NOT CONVERGED: {exc}", debug, EXIT_NOT_CONVERGED)
    except FitInterrupted as exc:
        return _fail(f"forecast: interrupted: {exc}; nothing saved (any previous run is untouched)",
                     debug, EXIT_INTERRUPTED)
    except ForecastError as exc:
        return _fail(f"forecast: {exc}", debug, EXIT_INVALID)
    except KeyboardInterrupt:
        return _fail("forecast: interrupted; nothing saved by the step in progress", debug, EXIT_INTERRUPTED)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout at exit
        return _fail("forecast: output pipe closed", debug, EXIT_BROKEN_PIPE)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"forecast: {where}{exc.strerror or _one_line(exc)}", debug, EXIT_INVALID)
    except MemoryError:
        return _fail("forecast: out of memory", debug, EXIT_INVALID)
    except Exception as exc:  # noqa: BLE001 - a bug: still one line, the traceback under --debug
        return _fail(f"forecast: internal error ({type(exc).__name__}: {_one_line(exc)}); "
                     "rerun with --debug for the traceback", debug, EXIT_INVALID)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
