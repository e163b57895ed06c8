"""Plausibility checks of a results table: facts about a row that its cells alone do not show.

:func:`check_results` is run by :func:`forecast.data.validate.check_table` on every results table
(so by ``forecast data check`` and by every build of ``data/results.csv``). Each finding is a
:class:`forecast.errors.Problem` naming the file, the 1-based line and the column:

- **errors** (physically impossible):
  hardware burden below the training FLOP of the same row (a run cannot execute more FLOP than its
  hardware's peak capacity over its duration) unless ``compute_note`` says why after the marker
  :data:`BELOW_FLOP_MARKER`; a publication date before the month encoded in the source's arXiv id
  (``arXiv:YYMM.NNNNN``);
- **warnings** (suspicious): training FLOP more than :data:`SIX_ND_MAX_RATIO` times away from
  6 x parameters x tokens when ``compute_note`` states the inputs (:func:`six_nd_disagreement`);
  the same compute figure on rows of two different models from different papers (unless a note
  says it is a shared pre-training figure), or on two domains; a score better than the
  benchmark's human or label-noise ceiling (:data:`forecast.schema.CEILINGS`); a test-set row
  with the same paper's dev-set value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pandas as pd

from forecast import schema
from forecast.errors import Problem

SIX_ND_MAX_RATIO: float = 10.0
"""Training FLOP and 6ND further apart than this factor (either way) is a warning."""

MAX_PASSES: float = 600.0
"""When the note gives the data set size but no epoch count, 6ND is one pass over the data (a lower
bound): training FLOP above it by more than this factor is a warning. The most passes any row of Ho
et al.'s data states is 509 (S4 on WikiText-103)."""

ONE_PASS_WORDS = "epochs not stated"
"""Text in ``compute_note`` saying that its 6ND inputs count one pass over the data."""

BURDEN_ROUNDING: float = 1.05
"""Published figures are rounded (e.g. 3.3e18 for 3.29e18): a burden below the training FLOP by less
than this factor is not an error."""

DATE_SLACK_DAYS: int = 4
"""arXiv assigns the next month's id to papers submitted after the last deadline of a month, and
Papers with Code dates can be a day early (time zones): dates up to this many days before the
arXiv month are not errors."""

BELOW_FLOP_MARKER = "burden below training FLOP:"
"""A ``compute_note`` containing this text explains why the burden is below the training FLOP."""

EXPLAINED_6ND_MARKER = "6ND estimate, explained:"
"""A ``compute_note`` containing this text explains a disagreement with 6ND."""

SHARED_FIGURE_WORDS = ("pre-training", "pretraining", "backbone")
"""A ``compute_note`` with one of these words marks a figure legitimately shared by several models."""

DEV_OF_TEST: dict[str, str] = {"squad11_test": "squad11_dev", "coco_test_dev": "coco_minival"}
"""Test benchmark -> its dev split: the same model of the same paper with the same value on both
(model names compared on letters and digits only) is a warning."""

_ARXIV_NEW = re.compile(r"^arXiv:(\d{2})(\d{2})\.\d{4,5}$")
_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
_NUM = r"(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([kmbt]?)"
_SIX_ND = (
    # "6ND inputs: N=1.14e+08 parameters, D=9.29e+05 tokens x 300 epochs" (Ho et al. rows)
    re.compile(rf"\bN\s*=\s*{_NUM}\s*param\w*,?\s*D\s*=\s*{_NUM}\s*tokens(?:\s*x\s*{_NUM}\s*epochs)?", re.I),
    # "6ND: 6 x 110M params x 131B tokens" (hand-compiled rows)
    re.compile(rf"\b6\s*x\s*{_NUM}\s*param\w*\s*x\s*{_NUM}\s*tokens(?:\s*x\s*{_NUM}\s*epochs)?", re.I),
)


def _float(text: object) -> float | None:
    try:
        value = float(str(text))
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def _scaled(number: str, suffix: str) -> float:
    return float(number) * _SCALE[suffix.lower()]


def six_nd(note: str) -> float | None:
    """6 x parameters x tokens (x epochs) from the inputs stated in a ``compute_note`` (None if absent).

    Parameters
    ----------
    note
        A compute note, e.g. ``"6ND inputs: N=1.14e+08 parameters, D=9.29e+05 tokens x 300 epochs"``
        or ``"6ND: 6 x 110M params x 131B tokens"``.

    Returns
    -------
    float or None
        The 6ND estimate in FLOP.
    """
    for pattern in _SIX_ND:
        m = pattern.search(note)
        if m:
            n, ns, d, ds, e, es = m.groups()
            epochs = _scaled(e, es) if e else 1.0
            return 6.0 * _scaled(n, ns) * _scaled(d, ds) * epochs
    return None


def six_nd_disagreement(flop: float | None, note: str) -> str | None:
    """Why a training FLOP figure disagrees with the 6ND inputs stated in its note (None if it does not).

    Beyond :data:`SIX_ND_MAX_RATIO` either way; when the note says the epochs are not stated
    (:data:`ONE_PASS_WORDS`), 6ND is one pass over the data and only a figure below it by that
    factor, or above it by more than :data:`MAX_PASSES`, disagrees.

    Parameters
    ----------
    flop
        The row's training FLOP (None if absent).
    note
        The row's ``compute_note``.

    Returns
    -------
    str or None
        A message stating both figures and their ratio.
    """
    estimate = six_nd(note)
    if flop is None or estimate is None:
        return None
    ratio = flop / estimate
    high = MAX_PASSES if ONE_PASS_WORDS in note else SIX_ND_MAX_RATIO
    if 1 / SIX_ND_MAX_RATIO <= ratio <= high:
        return None
    what = "one pass of 6 x parameters x data set size" if ONE_PASS_WORDS in note else "6 x parameters x tokens"
    return f"training FLOP {flop:.3g} is {ratio:.3g}x the {what} estimate {estimate:.3g} from compute_note"


def arxiv_month(source: str) -> dt.date | None:
    """First day of the month encoded in a new-style arXiv id (``arXiv:1810.04805`` -> 2018-10-01)."""
    m = _ARXIV_NEW.match(source.strip())
    if not m:
        return None
    year, month = 2000 + int(m.group(1)), int(m.group(2))
    return dt.date(year, month, 1) if 1 <= month <= 12 else None


def check_results(name: str, frame: pd.DataFrame, line_column: str = "line") -> list[Problem]:
    """Plausibility problems of a results table (see the module docstring).

    Parameters
    ----------
    name
        File name used in the problems.
    frame
        The table's cells as strings, with each row's file line in ``line_column``.
    line_column
        Name of the line-number column.

    Returns
    -------
    list of Problem
        Errors and warnings, each naming the file, line and column.
    """
    problems: list[Problem] = []

    def add(line: int, column: str, message: str, severity: str) -> None:
        problems.append(Problem(name, line, column, message, severity))

    seen: dict[tuple[str, float], tuple[int, str, str, str]] = {}
    test_rows: list[tuple[int, tuple[str, str, str, str, str]]] = []
    dev_values: set[tuple[str, str, str, str, str]] = set()
    for rec in frame.to_dict("records"):
        line = int(rec[line_column])
        row = {k: str(v) for k, v in rec.items()}
        note = row.get("compute_note", "")
        flop = _float(row.get("training_flop", ""))
        burden = _float(row.get("hardware_burden_flop", ""))
        if flop is not None and burden is not None and burden * BURDEN_ROUNDING < flop \
                and BELOW_FLOP_MARKER not in note:
            add(line, "hardware_burden_flop", f"hardware burden {burden:.3g} is below the training FLOP {flop:.3g} "
                f"of the same row: impossible for one run (say why in compute_note after '{BELOW_FLOP_MARKER}')",
                "error")
        disagreement = six_nd_disagreement(flop, note)
        if disagreement and EXPLAINED_6ND_MARKER not in note:
            add(line, "training_flop", disagreement, "warning")
        month = arxiv_month(row.get("source", ""))
        date = _date(row.get("publication_date", ""))
        if month is not None and date is not None and (month - date).days > DATE_SLACK_DAYS:
            add(line, "publication_date", f"date {date.isoformat()} is before the paper existed: its arXiv id "
                f"{row['source']} was assigned in {month:%Y-%m}", "error")
        message = _ceiling(row)
        if message:
            add(line, "value", message, "warning")
        bench = row.get("benchmark", "")
        model_key = re.sub(r"[^a-z0-9]", "", row.get("model", "").lower())
        key = (DEV_OF_TEST.get(bench, bench), row.get("source", ""), row.get("metric", ""), row.get("value", ""),
               model_key)
        if bench in DEV_OF_TEST:
            test_rows.append((line, key))
        elif bench in DEV_OF_TEST.values():
            dev_values.add(key)
        if any(w in note.lower() for w in SHARED_FIGURE_WORDS):
            continue
        model, source, domain = row.get("model", ""), row.get("source", ""), row.get("domain", "")
        for column, value in (("training_flop", flop), ("hardware_burden_flop", burden)):
            if value is None:
                continue
            first = seen.setdefault((column, value), (line, model, source, domain))
            other_paper = first[1] != model and first[2] != source
            other_domain = first[3] != domain and {first[3], domain} <= set(schema.DOMAINS)
            if first[0] != line and (other_paper or other_domain):
                what = "a different model from another paper" if other_paper else f"a result in {first[3]}"
                add(line, column, f"the same compute figure {value:.6g} as '{first[1]}' ({first[2]}, line "
                    f"{first[0]}), {what}: a copied figure?", "warning")
    for line, key in test_rows:
        if key in dev_values:
            add(line, "benchmark", f"{key[2]} {key[3]} is also this model's dev-set result in {key[1]} on {key[0]}: "
                "a dev result filed as test?", "warning")
    return problems


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _ceiling(row: dict[Any, str]) -> str | None:
    """A warning message when a score is better than the benchmark's human or label-noise ceiling."""
    ceiling = schema.CEILINGS.get((row.get("benchmark", ""), row.get("metric", "")))
    value = _float(row.get("value", ""))
    if ceiling is None or value is None:
        return None
    metric = schema.METRICS[row["metric"]]
    better = value < ceiling.value if metric.kind == "error" else value > ceiling.value
    if not better:
        return None
    return (f"{row['metric']} {value:g} is better than the {ceiling.what} of {row['benchmark']} "
            f"({ceiling.value:g}, {ceiling.citation}): check the split and the metric")
