"""Named exceptions raised at the project's boundaries."""

from __future__ import annotations

from dataclasses import dataclass


class ForecastError(Exception):
    """Base class of every error this package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located by file, line and column.

    ``line`` is the 1-based line number in the file as a text editor shows it
    (the header is line 1), or ``None`` when the problem concerns the whole file.
    """

    file: str
    line: int | None
    column: str | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f": column '{self.column}'"
        return f"{where}: {self.severity}: {self.message}"


MAX_PROBLEMS_SHOWN = 50
"""Problems listed in a message; the rest are counted ("... and N more")."""


def capped_lines(items: list[object], limit: int = MAX_PROBLEMS_SHOWN, indent: str = "  ") -> list[str]:
    """One line per item, the first ``limit`` of them, then a line counting the rest."""
    lines = [f"{indent}{item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"{indent}... and {len(items) - limit:,} more")
    return lines


class DataError(ForecastError):
    """Input data is invalid; carries every problem found, not only the first (the message lists 50)."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(file="<data>", line=None, column=None, message=problems)]
        self.problems = [p for p in problems if p.severity == "error"] or list(problems)
        lines = "\n".join(capped_lines(list(self.problems)))
        super().__init__(f"{len(self.problems)} problem(s) in the data:\n{lines}")


class ConfigError(ForecastError):
    """A model spec or option is invalid; the message names the key path and what is allowed."""


class RunError(ForecastError):
    """A saved run cannot be loaded (missing, corrupt, or of another schema version)."""


class ConvergenceError(ForecastError):
    """Raised under ``--strict`` when a fit fails its convergence checks."""


class FitInterrupted(ForecastError):
    """Sampling stopped before every chain had every draw (Ctrl-C): the fit is incomplete and not saved."""


class ReportError(ForecastError):
    """A file a report reads besides the run (``validation.json``) is unusable; the message names it."""
