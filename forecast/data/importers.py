"""Importers: public data files -> rows in the project's table formats.

Each importer reads one public format (Epoch AI's "All ML Systems" database, a Papers with Code
long table, Thompson et al.'s frontier JSON files, Epoch's hardware price and hardware tables,
Epoch's language-model perplexity data, OpenAI's AI-and-Efficiency points) from any path and
returns a :class:`pandas.DataFrame` in the column vocabulary of :mod:`forecast.schema`.

Every importer records what it dropped and why in ``df.attrs["import_summary"]`` (a dict of
counts) and logs it, so nothing is dropped silently. Bad input (a missing required column, an
unparseable number) raises :class:`forecast.errors.DataError` whose problems name the file, the
1-based line (the header is line 1) and the column.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast import units
from forecast.atomic import atomic_write
from forecast.errors import DataError, Problem
from forecast.schema import BENCHMARKS, METRICS, NOTABLE_COLUMNS, PRICE_COLUMNS, RESULTS_COLUMNS

log = logging.getLogger(__name__)

EPOCH_COMPUTE_SOURCE = "Epoch AI (2024-11) All ML Systems"
THOMPSON_COMPUTE_SOURCE = "Thompson et al. frontier data (computerprogress.com)"
OPENAI_EFFICIENCY_SOURCE = "OpenAI AI and Efficiency (Hernandez & Brown 2020)"
EPOCH_LM_SOURCE = "Epoch AI LM benchmark data (Ho et al. 2024)"
EPOCH_PRICES_CITATION = "Epoch AI hardware prices (CC BY 4.0)"

LINE = "_line"
"""Name of the helper column holding each record's 1-based line number in the source file."""

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

_ARXIV_RE = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
_ARXIV_BARE_RE = re.compile(r"^arXiv:(\d{4}\.\d{4,5})$")


def arxiv_id(text: object) -> str | None:
    """First arXiv identifier in a URL or text, formatted ``arXiv:1512.03385`` (None if absent).

    Parameters
    ----------
    text
        A URL, several URLs, or any text (NaN and None give None).

    Returns
    -------
    str or None
        ``"arXiv:<id>"`` without the version suffix.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    s = str(text)
    m = _ARXIV_RE.search(s) or _ARXIV_BARE_RE.match(s.strip())
    return f"arXiv:{m.group(1)}" if m else None


def arxiv_ids(text: object) -> list[str]:
    """Every arXiv identifier in a text (e.g. Epoch's multi-URL ``Link`` cell), in order, unique.

    Parameters
    ----------
    text
        Text holding zero or more arXiv URLs.

    Returns
    -------
    list of str
        Identifiers formatted ``arXiv:<id>``.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    out: list[str] = []
    for m in _ARXIV_RE.finditer(str(text)):
        a = f"arXiv:{m.group(1)}"
        if a not in out:
            out.append(a)
    return out


def clean_name(name: object) -> str:
    """Collapse whitespace (newlines, tabs) in a model name; keep everything else as is.

    Parameters
    ----------
    name
        Raw model name.

    Returns
    -------
    str
        The name with runs of whitespace replaced by one space and ends stripped.
    """
    return re.sub(r"\s+", " ", str(name)).strip()


def name_key(name: object) -> str:
    """Loose key of a model name for matching variants across sources (lowercase alphanumerics).

    Parameters
    ----------
    name
        Model name.

    Returns
    -------
    str
        Lowercase letters and digits only.
    """
    return re.sub(r"[^a-z0-9]", "", clean_name(name).lower())


def read_csv_lines(path: str | Path, required: Iterable[str] = ()) -> pd.DataFrame:
    """Read a CSV as strings, adding the 1-based line number where each record starts.

    Parameters
    ----------
    path
        CSV file (UTF-8, a byte-order mark is ignored; quoted fields may span lines).
    required
        Columns that must be present.

    Returns
    -------
    pandas.DataFrame
        All cells as ``str`` ('' for empty), plus the column :data:`LINE`.

    Raises
    ------
    DataError
        If the file is missing or a required column is absent.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError([Problem(str(path), None, None, "file not found")])
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError([Problem(str(path), 1, None, "empty file: no header")]) from None
        header = [h.strip() for h in header]
        start = reader.line_num + 1
        for rec in reader:
            if any(cell.strip() for cell in rec):
                rows.append(dict(zip(header, rec + [""] * (len(header) - len(rec)), strict=False)))
                lines.append(start)
            start = reader.line_num + 1
    missing = [c for c in required if c not in header]
    if missing:
        raise DataError(
            [
                Problem(str(path), 1, c, f"required column '{c}' is missing (header: {header})")
                for c in missing
            ]
        )
    df = pd.DataFrame(rows, columns=header, dtype=object).fillna("")
    df[LINE] = lines
    return df


def _number(path: str | Path, line: int, column: str, cell: object, problems: list[Problem]) -> float:
    """Parse a number cell ('' -> NaN; '$1,234.5', '79.8%' accepted); record a problem if unparseable."""
    s = str(cell).strip()
    if s == "" or s.lower() in {"nan", "none", "null", "-", "—"}:
        return float("nan")
    s2 = s.replace(",", "").replace("$", "").replace("%", "").strip()
    try:
        return float(s2)
    except ValueError:
        problems.append(Problem(str(path), line, column, f"cannot parse a number from {s!r}"))
        return float("nan")


def _date(path: str | Path, line: int, column: str, cell: object, problems: list[Problem]) -> str | None:
    """Parse a date cell to ISO ``YYYY-MM-DD`` ('' -> None); record a problem if unparseable."""
    s = str(cell).strip()
    if not s:
        return None
    try:
        return pd.Timestamp(s).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        problems.append(Problem(str(path), line, column, f"cannot parse a date from {s!r}"))
        return None


def _raise_if(problems: list[Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataError(problems)


def _summarise(df: pd.DataFrame, name: str, summary: dict[str, int]) -> pd.DataFrame:
    df.attrs["import_summary"] = dict(summary)
    log.info("%s: %s", name, ", ".join(f"{k}={v}" for k, v in summary.items()))
    return df


def _empty_results() -> dict[str, list[object]]:
    return {c: [] for c in (*RESULTS_COLUMNS, "notes")}


# --------------------------------------------------------------------------------------------
# Epoch AI "All ML Systems"
# --------------------------------------------------------------------------------------------

EPOCH_REQUIRED = ("System", "Domain", "Task", "Publication date", "Training compute (FLOP)", "Link")

LM_TASKS = frozenset(
    {
        "language modelling",
        "language modelling/generation",
        "language generation",
        "japanese language modelling",
        "chat",
        "text autocompletion",
    }
)
"""General language-model tasks, in the British spelling (:func:`task_key` folds "modeling")."""

TASK_DOMAINS: dict[str, str] = {
    "image classification": "image_classification",
    "object detection": "object_detection",
    "named entity recognition": "named_entity_recognition",
    "question answering": "question_answering",
    "translation": "machine_translation",
    "machine translation": "machine_translation",
}

OTHER_TASKS = frozenset(
    {
        # Epoch task labels (Nov 2024 snapshot) checked by hand to belong to none of the domains
        "3d reconstruction", "3d segmentation", "action recognition", "allergenic protein prediction",
        "animal (human/non-human) imitation", "antifreeze protein prediction", "architecture search", "atari",
        "audio classification", "audio generation", "audio question answering", "audio speech recognition",
        "automated theorem proving", "backgammon", "binary classification", "blackjack", "block stacking",
        "capture the flag", "cell segmentation", "character recognition", "checkers", "chess",
        "click-through rate prediction", "cloud monitoring / analysis", "code autocompletion", "code generation",
        "collaborative filtering", "corner detection", "crop mapping / segmentation", "crystal discovery",
        "dota", "digit recognition", "dimensionality reduction", "diplomacy", "document classification",
        "document representation", "dota 2", "drug discovery", "drug target interaction prediction",
        "entity embedding", "enzyme-catalyzed reaction classification", "face detection", "face recognition",
        "face verification", "flood mapping", "geometry", "go", "hanabi", "helicopter driving", "hide and seek",
        "image captioning", "image clustering", "image completion", "image embedding", "image generation",
        "image representation", "image segmentation", "image super-resolution", "instruction interpretation",
        "language structure modelling", "mathematical simulation", "maze solving",
        "mean ribosome load prediction", "medical diagnosis", "molecular screening", "morse translation",
        "mortality prediction", "movie ratings", "ms pacman", "neural architecture search for computer vision",
        "next sentence prediction", "numerical simulation", "object recognition", "open ended play",
        "other biological modelling", "other image analysis", "part-of-speech tagging",
        "pattern classification", "pattern recognition", "periodic function approximation",
        "person re-identification", "person retrieval", "pokemon battles", "poker", "pole balancing",
        "pose estimation", "prediction of diabetic heart failure (dhf)", "prediction of duration of hospital stay",
        "prediction of onset of pancreatic cancer (paca)", "protein classification",
        "protein contact and distance prediction", "protein design", "protein embedding",
        "protein fold classification", "protein folding prediction", "protein function prediction",
        "protein generation", "protein interaction prediction", "protein inverse folding",
        "protein ligand binding affinity prediction", "protein ligand contact prediction",
        "protein localization prediction", "protein or nucleotide language model (plm/nlm)",
        "protein pathogenicity prediction", "protein property prediction", "protein question answering",
        "protein representation learning", "protein structure comparison",
        "protein structure similarity prediction", "protein-rna binding affinity prediction", "proteins",
        "quantitative reasoning", "rna sequence generation", "rna splice-site prediction",
        "rna structure prediction", "rna-protein interaction prediction", "recommender system", "regression",
        "relation extraction", "representation learning", "robotic manipulation", "route finding", "search",
        "self-driving car", "semantic embedding", "semantic search", "semantic segmentation",
        "sentiment classification", "sequence memorization", "shogi", "speech completion",
        "speech recognition", "speech synthesis", "sports", "starcraft", "stratego",
        "synthetic accessibility model", "system control", "table tasks", "text classification",
        "text summarization", "text to speech", "text-to-image", "tic tac toe", "transcription",
        "triplet completion", "verb conjugation", "video", "video classification", "video compression",
        "video description", "video generation", "vision-language generation", "visual puzzles",
        "visual question answering", "voice identification", "weather prediction", "wildfire mapping",
        "word alignment", "word sense disambiguation", "zero-shot image classification", "text",
    }
)
"""Epoch task labels known to map to ``other``; any label outside these, :data:`LM_TASKS` and
:data:`TASK_DOMAINS` is unknown and :func:`import_epoch` warns about it."""


def task_key(label: object) -> str:
    """Normalised Epoch task label: lowercase, stripped, American "modeling" folded to "modelling".

    Parameters
    ----------
    label
        One task label from Epoch's comma-separated ``Task`` cell.

    Returns
    -------
    str
        The key used by :func:`epoch_domain` (``"Language modeling"`` -> ``"language modelling"``).
    """
    return re.sub(r"\bmodeling\b", "modelling", str(label).strip().strip('"').strip().lower())


def unknown_tasks(task: object) -> list[str]:
    """Task labels in an Epoch ``Task`` cell that the domain rule does not know (see :data:`OTHER_TASKS`).

    Parameters
    ----------
    task
        Epoch's ``Task`` cell.

    Returns
    -------
    list of str
        The unknown labels as written (empty when every label is known).
    """
    if task is None or (isinstance(task, float) and math.isnan(task)):
        return []
    known = LM_TASKS | OTHER_TASKS | set(TASK_DOMAINS)
    return [t.strip() for t in str(task).split(",") if t.strip() and task_key(t) not in known]


def epoch_domain(task: object) -> str:
    """Map Epoch's comma-separated ``Task`` cell to one of :data:`forecast.schema.NOTABLE_DOMAINS`.

    The rule, applied to the tasks in Epoch's order (labels compared by :func:`task_key`, so both
    spellings "Language modelling" and "Language modeling" are known):

    1. the first vision task listed ('Image classification' -> image_classification,
       'Object detection' -> object_detection) decides;
    2. otherwise, any general language-model task ('Language modelling', 'Language modelling/
       generation', 'Language generation', 'Japanese language modelling', 'Chat',
       'Text autocompletion') -> language_modeling, because general-purpose LLMs also list
       question answering or translation as uses;
    3. otherwise the first of 'Named entity recognition', 'Question answering', 'Translation'
       listed decides;
    4. everything else -> other.

    Parameters
    ----------
    task
        Epoch's ``Task`` cell, e.g. ``"Language modelling,Question answering"``.

    Returns
    -------
    str
        The domain.
    """
    if task is None or (isinstance(task, float) and math.isnan(task)):
        return "other"
    tasks = [task_key(t) for t in str(task).split(",")]
    for t in tasks:
        if t in ("image classification", "object detection"):
            return TASK_DOMAINS[t]
    if any(t in LM_TASKS for t in tasks):
        return "language_modeling"
    for t in tasks:
        if t in TASK_DOMAINS:
            return TASK_DOMAINS[t]
    return "other"


def task_domains(task: object) -> frozenset[str]:
    """Every domain whose task an Epoch ``Task`` cell lists (not only the one :func:`epoch_domain` picks).

    A label counts toward a domain by :data:`TASK_DOMAINS` (``'Question answering'`` ->
    question_answering, ``'Translation'`` -> machine_translation, ...) or, for language_modeling, by
    :data:`LM_TASKS`. A general language model listed as ``"Language modelling,Question answering,
    Translation"`` (domain language_modeling) thus also counts toward question answering and machine
    translation; one listed as ``"Language modelling"`` counts toward language modelling only.

    Parameters
    ----------
    task
        Epoch's ``Task`` cell (missing: no domain).

    Returns
    -------
    frozenset of str
        The domains listed.
    """
    if task is None or (isinstance(task, float) and math.isnan(task)):
        return frozenset()
    keys = [task_key(t) for t in str(task).split(",")]
    out = {TASK_DOMAINS[k] for k in keys if k in TASK_DOMAINS}
    if any(k in LM_TASKS for k in keys):
        out.add("language_modeling")
    return frozenset(out)


def import_epoch(path: str | Path, *, since: str | None = None) -> pd.DataFrame:
    """Import Epoch AI's "All ML Systems" CSV as notable-model rows.

    Parameters
    ----------
    path
        The CSV (e.g. ``epoch_ai_models_2024-11.csv``).
    since
        Optional ISO date: drop systems published before it (counted in the summary).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`forecast.schema.NOTABLE_COLUMNS` plus ``parameters, epoch_domain,
        epoch_task, confidence, arxiv_id, link, hardware, hardware_quantity, training_hours,
        cost_2023_usd, compute_lower, compute_upper, epoch_compute_notes``. Rows with no training
        compute or no date are dropped; counts in ``attrs["import_summary"]``.

    Raises
    ------
    DataError
        Missing required columns, unparseable numbers or dates (file, line, column named).
    """
    raw = read_csv_lines(path, EPOCH_REQUIRED)
    problems: list[Problem] = []
    out: list[dict[str, object]] = []
    summary = {
        "rows_read": len(raw),
        "dropped_no_compute": 0,
        "dropped_no_date": 0,
        "dropped_before_since": 0,
        "unknown_task_labels": 0,
    }
    unknown: dict[str, int] = {}

    def col(rec: dict[Any, Any], name: str) -> str:
        return str(rec.get(name, "") or "")

    for rec in raw.to_dict("records"):
        line = int(rec[LINE])
        for label in unknown_tasks(rec["Task"]):
            unknown.setdefault(label, line)
        flop = _number(path, line, "Training compute (FLOP)", rec["Training compute (FLOP)"], problems)
        date = _date(path, line, "Publication date", rec["Publication date"], problems)
        params = _number(path, line, "Parameters", col(rec, "Parameters"), problems)
        hw_q = _number(path, line, "Hardware quantity", col(rec, "Hardware quantity"), problems)
        hours = _number(path, line, "Training time (hours)", col(rec, "Training time (hours)"), problems)
        cost = _number(
            path,
            line,
            "Training compute cost (2023 USD)",
            col(rec, "Training compute cost (2023 USD)"),
            problems,
        )
        lo = _number(
            path, line, "Training compute lower bound", col(rec, "Training compute lower bound"), problems
        )
        hi = _number(
            path, line, "Training compute upper bound", col(rec, "Training compute upper bound"), problems
        )
        if not (np.isfinite(flop) and flop > 0):
            summary["dropped_no_compute"] += 1
            continue
        if date is None:
            summary["dropped_no_date"] += 1
            continue
        if since is not None and date < since:
            summary["dropped_before_since"] += 1
            continue
        link = col(rec, "Link").strip()
        arx = arxiv_id(link)
        conf = col(rec, "Confidence").strip()
        method = col(rec, "Training compute estimation method").strip() or col(rec, "Compute estimate method")
        note = "Epoch AI training compute estimate"
        if conf:
            note += f"; confidence: {conf}"
        if method.strip():
            note += f"; method: {clean_name(method)}"
        first_url = re.split(r"[\s,;]+", link)[0] if link else ""
        out.append(
            {
                "model": clean_name(rec["System"]),
                "domain": epoch_domain(rec["Task"]),
                "publication_date": date,
                "training_flop": flop,
                "compute_note": note,
                "source": arx or first_url,
                "parameters": params,
                "epoch_domain": clean_name(rec["Domain"]),
                "epoch_task": clean_name(rec["Task"]),
                "confidence": conf,
                "arxiv_id": arx or "",
                "arxiv_ids": ";".join(arxiv_ids(link)),
                "link": link,
                "organization": clean_name(col(rec, "Organization")),
                "hardware": clean_name(col(rec, "Training hardware")),
                "hardware_quantity": hw_q,
                "training_hours": hours,
                "cost_2023_usd": cost,
                "compute_lower": lo,
                "compute_upper": hi,
                "epoch_compute_notes": col(rec, "Training compute notes").strip(),
            }
        )
    _raise_if(problems)
    cols = [
        *NOTABLE_COLUMNS,
        "parameters",
        "epoch_domain",
        "epoch_task",
        "confidence",
        "arxiv_id",
        "arxiv_ids",
        "link",
        "organization",
        "hardware",
        "hardware_quantity",
        "training_hours",
        "cost_2023_usd",
        "compute_lower",
        "compute_upper",
        "epoch_compute_notes",
    ]
    df = pd.DataFrame(out, columns=cols)
    summary["rows_kept"] = len(df)
    summary["unknown_task_labels"] = len(unknown)
    for label, line in unknown.items():
        log.warning("%s:%d:Task: unknown task label %r: mapped to 'other' (add it to OTHER_TASKS, "
                    "LM_TASKS or TASK_DOMAINS in forecast/data/importers.py)", path, line, label)
    df = _summarise(df, f"import_epoch({path})", summary)
    df.attrs["unknown_tasks"] = dict(unknown)
    return df


# --------------------------------------------------------------------------------------------
# Papers with Code
# --------------------------------------------------------------------------------------------

PWC_REQUIRED = ("task", "dataset", "model_name", "paper_url", "paper_date", "metric", "value")

# (dataset, task or None for any task, metric) -> (benchmark, metric)
PWC_MAP: dict[tuple[str, str | None, str], tuple[str, str]] = {
    ("ImageNet", "Image Classification", "Top 1 Accuracy"): ("imagenet", "top1_accuracy"),
    ("ImageNet", "Image Classification", "Top 5 Accuracy"): ("imagenet", "top5_accuracy"),
    ("ImageNet", "Image Classification", "Top-1 Error Rate"): ("imagenet", "top1_error"),
    ("ImageNet", "Image Recognition", "Top-1 Error Rate"): ("imagenet", "top1_error"),
    ("ImageNet", "Neural Architecture Search", "Top-1 Error Rate"): ("imagenet", "top1_error"),
    ("COCO test-dev", "Object Detection", "box AP"): ("coco_test_dev", "box_ap"),
    ("COCO minival", "Object Detection", "box AP"): ("coco_minival", "box_ap"),
    ("SQuAD1.1", "Question Answering", "F1"): ("squad11_test", "f1"),
    ("SQuAD1.1", "Question Answering", "EM"): ("squad11_test", "exact_match"),
    ("SQuAD1.1 dev", "Question Answering", "F1"): ("squad11_dev", "f1"),
    ("SQuAD1.1 dev", "Question Answering", "EM"): ("squad11_dev", "exact_match"),
    ("CoNLL 2003 (English)", "Named Entity Recognition", "F1"): ("conll2003", "f1"),
    ("WMT2014 English-French", "Machine Translation", "BLEU score"): ("wmt14_en_fr", "bleu"),
    ("WMT2014 English-German", "Machine Translation", "BLEU score"): ("wmt14_en_de", "bleu"),
    ("Penn Treebank (Word Level)", "Language Modelling", "Test perplexity"): ("ptb", "perplexity"),
    ("WikiText-103", "Language Modelling", "Test perplexity"): ("wikitext103", "perplexity"),
}
"""Papers with Code (dataset, task, metric) kept, and our (benchmark, metric) for it.

Excluded on purpose: self-supervised (linear-probe) ImageNet tables, 'Accuracy' of pruning,
quantization and NAS tables (protocol unstated), unsupervised MT, SacreBLEU, mask AP, AP50/75.
"""


def import_pwc(path: str | Path) -> pd.DataFrame:
    """Import a Papers with Code long CSV as results rows for the project's benchmarks.

    Values are kept on the published scale in percent: a value <= 1 for an accuracy-like metric in
    a table whose other values are percents is taken as a fraction and converted with
    :func:`forecast.units.fraction_to_percent` (noted in ``notes``). Compute columns are NaN.

    Parameters
    ----------
    path
        The CSV (columns ``task, dataset, model_name, paper_url, paper_date, metric, value``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`forecast.schema.RESULTS_COLUMNS` plus ``notes, paper_url, paper_title``.
        ``source`` is the arXiv id (``arXiv:1808.09381``) when the URL holds one, else the URL.
        Dropped rows (no date, duplicates) are counted in ``attrs["import_summary"]``.

    Raises
    ------
    DataError
        Missing columns or unparseable values/dates (file, line, column named).
    """
    raw = read_csv_lines(path, PWC_REQUIRED)
    problems: list[Problem] = []
    summary = {
        "rows_read": len(raw),
        "rows_other_metric": 0,
        "dropped_no_date": 0,
        "dropped_duplicate": 0,
        "fractions_converted": 0,
    }
    recs: list[dict[str, object]] = []
    for rec in raw.to_dict("records"):
        key = (rec["dataset"].strip(), rec["task"].strip(), rec["metric"].strip())
        target = PWC_MAP.get(key)
        if target is None:
            summary["rows_other_metric"] += 1
            continue
        line = int(rec[LINE])
        bench, metric = target
        value = _number(path, line, "value", rec["value"], problems)
        date = _date(path, line, "paper_date", rec["paper_date"], problems)
        if not np.isfinite(value):
            problems.append(Problem(str(path), line, "value", "empty value"))
            continue
        recs.append(
            {
                "bench": bench,
                "metric": metric,
                "value": value,
                "date": date,
                "line": line,
                "model": clean_name(rec["model_name"]),
                "url": rec["paper_url"].strip(),
                "title": clean_name(rec.get("paper_title", "")),
                "pct": "%" in str(rec["value"]),
            }
        )
    _raise_if(problems)
    # fraction vs percent, per (benchmark, metric) table
    table_values: dict[tuple[str, str], list[float]] = {}
    for r in recs:
        table_values.setdefault((str(r["bench"]), str(r["metric"])), []).append(float(r["value"]))  # type: ignore[arg-type]
    medians = {k: float(np.median(v)) for k, v in table_values.items()}
    out = _empty_results()
    out["paper_url"], out["paper_title"] = [], []
    seen: set[tuple[str, str, str, str]] = set()
    for r in recs:
        metric = str(r["metric"])
        value = float(r["value"])  # type: ignore[arg-type]
        notes = ""
        if (
            METRICS[metric].kind in ("accuracy", "error")
            and value <= 1.0
            and medians[(str(r["bench"]), metric)] > 1.0
        ):
            value = units.fraction_to_percent(value)
            notes = "published as a fraction; converted to percent"
            summary["fractions_converted"] += 1
        if r["date"] is None:
            summary["dropped_no_date"] += 1
            continue
        src = arxiv_id(r["url"]) or str(r["url"])
        result_key = (str(r["model"]), str(r["bench"]), metric, src)
        if result_key in seen:
            summary["dropped_duplicate"] += 1
            continue
        seen.add(result_key)
        for c, v in (
            ("model", r["model"]),
            ("domain", BENCHMARKS[str(r["bench"])].domain),
            ("benchmark", r["bench"]),
            ("metric", metric),
            ("value", value),
            ("publication_date", r["date"]),
            ("training_flop", np.nan),
            ("hardware_burden_flop", np.nan),
            ("compute_note", ""),
            ("source", src),
            ("compute_source", ""),
            ("notes", notes),
            ("paper_url", r["url"]),
            ("paper_title", r["title"]),
        ):
            out[c].append(v)
    df = pd.DataFrame(out)
    summary["rows_kept"] = len(df)
    return _summarise(df, f"import_pwc({path})", summary)


# --------------------------------------------------------------------------------------------
# Thompson et al. frontier JSON
# --------------------------------------------------------------------------------------------

THOMPSON_FILES: dict[str, tuple[str, str]] = {
    "imagenet": ("imagenet", "top1_accuracy"),
    "mscoco": ("coco_test_dev", "box_ap"),
    "squad1_1": ("squad11_test", "f1"),
    "conll2003": ("conll2003", "f1"),
    "wmt2014_en-fr": ("wmt14_en_fr", "bleu"),
    "wmt2014_en-ge": ("wmt14_en_de", "bleu"),
    "wmt2014_en-de": ("wmt14_en_de", "bleu"),
}
"""Thompson frontier file stem (before ``_data.json``) -> (benchmark, metric).

Thompson et al.'s SQuAD 1.1 points are test-set F1 (checked on BERT 91.835 / 93.160, BiDAF
77.323 / 81.525, SpanBERT 94.6, which are the official test-leaderboard F1 figures).
"""

THOMPSON_REQUIRED = ("year", "model", "hardware_burden", "accuracy")


def _thompson_benchmark(path: Path) -> tuple[str, str]:
    stem = path.name.removesuffix(".json").removesuffix("_data")
    if stem in THOMPSON_FILES:
        return THOMPSON_FILES[stem]
    for b in BENCHMARKS:
        if stem == b:
            return b, BENCHMARKS[b].metrics[0]
    raise DataError(
        [
            Problem(
                str(path),
                None,
                None,
                f"cannot infer the benchmark from the file name '{path.name}'; "
                f"pass benchmark= (known stems: {sorted(THOMPSON_FILES)})",
            )
        ]
    )


def _json_line_of(text: str, index: int) -> int | None:
    """1-based line where the ``index``-th top-level JSON object starts (best effort)."""
    depth, count = 0, -1
    line = 1
    in_str = esc = False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if ch == "{" and depth == 2:
                count += 1
                if count == index:
                    return line
        elif ch in "]}":
            depth -= 1
    return None


def import_thompson(path: str | Path, *, benchmark: str | None = None) -> pd.DataFrame:
    """Import one of Thompson et al.'s frontier JSON files as results rows.

    Parameters
    ----------
    path
        A JSON list of ``{"year", "model", "hardware_burden" (GFLOP), "accuracy" (fraction)}``.
    benchmark
        Benchmark name (:data:`forecast.schema.BENCHMARKS`); inferred from the file name if None.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`forecast.schema.RESULTS_COLUMNS` plus ``notes, thompson_index, year_only``.
        ``hardware_burden_flop`` = GFLOP x 1e9, ``training_flop`` NaN, ``value`` = fraction x 100,
        ``publication_date`` = ``YYYY-07-01`` (only the year is published). Duplicate model names
        within a file (different papers, or single vs ensemble) get the suffix ``[frontier #index]``.

    Raises
    ------
    DataError
        Unreadable JSON, missing keys or values out of range (file, line, key named).
    """
    path = Path(path)
    if benchmark is None:
        bench, metric = _thompson_benchmark(path)
    else:
        if benchmark not in BENCHMARKS:
            raise DataError([Problem(str(path), None, None, f"unknown benchmark '{benchmark}'")])
        bench = benchmark
        metric = next((m for s, (b, m) in THOMPSON_FILES.items() if b == bench), BENCHMARKS[bench].metrics[0])
    if not path.is_file():
        raise DataError([Problem(str(path), None, None, "file not found")])
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError([Problem(str(path), exc.lineno, None, f"invalid JSON: {exc.msg}")]) from None
    if not isinstance(data, list):
        raise DataError([Problem(str(path), 1, None, "expected a JSON list of points")])
    problems: list[Problem] = []
    points: list[dict[str, Any]] = []
    for i, item in enumerate(data):
        line = _json_line_of(text, i)
        if not isinstance(item, dict):
            problems.append(Problem(str(path), line, None, "expected an object"))
            continue
        for k in THOMPSON_REQUIRED:
            if k not in item:
                problems.append(Problem(str(path), line, k, f"required key '{k}' is missing"))
        if any(k not in item for k in THOMPSON_REQUIRED):
            continue
        try:
            year = int(item["year"])
            burden = float(item["hardware_burden"])
            acc = float(item["accuracy"])
        except (TypeError, ValueError) as exc:
            problems.append(Problem(str(path), line, None, f"unparseable number: {exc}"))
            continue
        if not 0.0 <= acc <= 1.0:
            problems.append(Problem(str(path), line, "accuracy", f"expected a fraction in [0, 1], got {acc}"))
            continue
        if not (math.isfinite(burden) and burden > 0):
            problems.append(
                Problem(str(path), line, "hardware_burden", f"expected a positive number, got {burden}")
            )
            continue
        points.append(
            {
                "year": year,
                "model": clean_name(item["model"]),
                "burden": burden,
                "acc": acc,
                "index": item.get("index", i),
            }
        )
    _raise_if(problems)
    names = [p["model"] for p in points]
    out = _empty_results()
    out["thompson_index"], out["year_only"] = [], []
    for p in points:
        name = str(p["model"])
        if names.count(name) > 1:
            name = f"{name} [frontier #{p['index']}]"
        for c, v in (
            ("model", name),
            ("domain", BENCHMARKS[bench].domain),
            ("benchmark", bench),
            ("metric", metric),
            ("value", round(units.fraction_to_percent(float(p["acc"])), 6)),
            ("publication_date", f"{int(p['year']):04d}-07-01"),
            ("training_flop", np.nan),
            ("hardware_burden_flop", units.gflop_to_flop(float(p["burden"]))),
            (
                "compute_note",
                "hardware burden (processors x peak FLOP/s x training time) from Thompson "
                "et al.; date: year only, mid-year assumed",
            ),
            ("source", ""),
            ("compute_source", THOMPSON_COMPUTE_SOURCE),
            ("notes", "date: year only, mid-year assumed"),
            ("thompson_index", p["index"]),
            ("year_only", True),
        ):
            out[c].append(v)
    df = pd.DataFrame(out)
    return _summarise(df, f"import_thompson({path})", {"rows_read": len(data), "rows_kept": len(df)})


# --------------------------------------------------------------------------------------------
# Other public sources: OpenAI AI and Efficiency, Epoch LM perplexity, hardware prices
# --------------------------------------------------------------------------------------------


def import_openai_efficiency(path: str | Path) -> pd.DataFrame:
    """Import OpenAI's AI-and-Efficiency CSV (compute in teraflop/s-days) as raw points.

    Parameters
    ----------
    path
        ``efficiency_sota.csv`` (columns ``Metric, Publication Date, Publication, Publication link,
        Compute (teraflops-s/days)``).

    Returns
    -------
    pandas.DataFrame
        Columns ``target, model, publication_date, training_flop, source``: the compute each model
        needed to *reach* the target level (AlexNet, ResNet-50, Seq2Seq, GNMT), in FLOP.
    """
    raw = read_csv_lines(path, ("Metric", "Publication Date", "Publication", "Compute (teraflops-s/days)"))
    problems: list[Problem] = []
    rows = []
    for rec in raw.to_dict("records"):
        line = int(rec[LINE])
        tf = _number(path, line, "Compute (teraflops-s/days)", rec["Compute (teraflops-s/days)"], problems)
        date = _date(path, line, "Publication Date", rec["Publication Date"], problems)
        rows.append(
            {
                "target": rec["Metric"].strip(),
                "model": clean_name(rec["Publication"]),
                "publication_date": date,
                "training_flop": units.teraflop_s_days_to_flop(tf) if np.isfinite(tf) else np.nan,
                "source": arxiv_id(rec.get("Publication link", "")) or rec.get("Publication link", ""),
            }
        )
    _raise_if(problems)
    return _summarise(pd.DataFrame(rows), f"import_openai_efficiency({path})", {"rows_read": len(raw)})


LM_PPL_COLUMNS = {"wikitext103": "Perplexity (WT103)", "ptb": "Perplexity (PTB)"}

ONE_PASS_NOTE = "epochs not stated: 6ND of one pass over the data, a lower bound"
"""Written into ``compute_note`` when Ho et al. give no epoch count (D is then the data set size)."""

SUBWORD_BASE_MODELS = frozenset({"gpt", "gpt-neo", "opt", "llama", "glm", "nlg", "bert"})
"""Ho et al. ``Base Model`` families whose tokenizers are sub-word (BPE/WordPiece/SentencePiece)."""

SUBWORD_MIN_TOKENS = 1e9
"""A model pre-trained on more tokens than this used a sub-word vocabulary (no word-level LM
benchmark has a training set this large: WikiText-103 103M, PTB 0.9M tokens)."""


def lm_tokenization(base_model: str, dataset_tokens: float) -> str:
    """``"subword"`` or ``"word"``: how a Ho et al. language model tokenized its text.

    Parameters
    ----------
    base_model
        Ho et al.'s ``Base Model`` cell (e.g. ``"GPT"``, ``"LSTM"``, ``"Transformer-XL"``).
    dataset_tokens
        Ho et al.'s ``Dataset Size`` (training tokens, NaN if unknown).

    Returns
    -------
    str
        ``"subword"`` for GPT/OPT/LLaMA/GLM/BERT-family models or pre-training on more than
        :data:`SUBWORD_MIN_TOKENS` tokens, else ``"word"`` (the benchmark's own word vocabulary).
    """
    big = np.isfinite(dataset_tokens) and dataset_tokens > SUBWORD_MIN_TOKENS
    return "subword" if base_model.strip().lower() in SUBWORD_BASE_MODELS or big else "word"


def lm_setting(zero_shot: str, finetune_tokens: float, name: str) -> str:
    """How a Ho et al. model met the benchmark: ``zero_shot``, ``fine_tuned``, ``mixed`` or ``trained``.

    Parameters
    ----------
    zero_shot
        Ho et al.'s ``Zero-shot?`` cell (``1.0`` yes, ``0.5`` partly, ``0.0`` no).
    finetune_tokens
        ``Finetune Dataset Size`` (NaN or 0 when none).
    name
        System name (``"(finetuned ...)"`` in the name also counts as fine-tuned).

    Returns
    -------
    str
        ``trained`` means trained on the benchmark's own training set only.
    """
    z = zero_shot.strip()
    if z in ("1", "1.0"):
        return "zero_shot"
    if z == "0.5":
        return "mixed"
    tuned = np.isfinite(finetune_tokens) and finetune_tokens > 0
    return "fine_tuned" if tuned or "finetuned" in name.lower().replace("-", "") else "trained"


def import_epoch_lm(path: str | Path) -> pd.DataFrame:
    """Import Epoch's LM benchmark data (Ho et al. 2024) as results rows with training compute.

    Quirks handled: 0 means missing (in compute and perplexity); a ``6ND`` cell ``9.undefined``
    is treated as missing; training compute is ``Training compute (FLOP)`` when present, else
    ``6ND`` (noted in ``compute_note``). The 6ND inputs (parameters, tokens, epochs) are written
    into ``compute_note`` as ``6ND inputs: N=<params> parameters, D=<tokens> tokens x <E> epochs``
    so that :mod:`forecast.data.plausibility` can recompute them.

    Parameters
    ----------
    path
        ``Benchmark data-Grid view.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`forecast.schema.RESULTS_COLUMNS` plus ``notes, link, tokenization``
        (:func:`lm_tokenization`), ``lm_setting`` (:func:`lm_setting`), ``flop_6nd`` (the 6ND
        column, NaN if missing), ``parameters`` and ``compute_from_6nd`` (True when training
        compute is the 6ND column); ``source`` the arXiv id from the ``Link`` column (else the link).
    """
    raw = read_csv_lines(path, ("System", "Publication date", "Link"))
    problems: list[Problem] = []
    out = _empty_results()
    extra = ("link", "tokenization", "lm_setting", "flop_6nd", "parameters", "compute_from_6nd")
    for c in extra:
        out[c] = []
    summary = {"rows_read": len(raw), "dropped_no_date": 0, "dropped_no_compute": 0, "quirk_cells": 0}

    def num(rec: dict[Any, Any], line: int, col: str) -> float:
        v = _number(path, line, col, rec.get(col, ""), problems)
        return v if np.isfinite(v) and v > 0 else float("nan")

    for rec in raw.to_dict("records"):
        line = int(rec[LINE])
        date = _date(path, line, "Publication date", rec["Publication date"], problems)
        flop = np.nan
        note = ""
        if "Training Compute" in rec:
            flop = _number(path, line, "Training Compute", rec["Training Compute"], problems)
            note = "Epoch AI training compute (Ho et al. 2024 data)"
        cell = str(rec.get("Inferred_compute (6ND)", "")).strip()
        if "undefined" in cell:
            summary["quirk_cells"] += 1
            cell = ""
        six = _number(path, line, "Inferred_compute (6ND)", cell, problems)
        six = six if np.isfinite(six) and six > 0 else float("nan")
        from_6nd = False
        if not (np.isfinite(flop) and flop > 0) and np.isfinite(six):
            flop = six
            from_6nd = True
            note = "6 x parameters x training tokens (6ND column of Ho et al. 2024 data)"
        if not (np.isfinite(flop) and flop > 0):
            summary["dropped_no_compute"] += 1
            continue
        if date is None:
            summary["dropped_no_date"] += 1
            continue
        params = num(rec, line, "Parameters")
        tokens = num(rec, line, "Dataset Size")
        epochs = num(rec, line, "Epoch")
        if np.isfinite(params) and np.isfinite(tokens):
            note += f"; 6ND inputs: N={params:.3g} parameters, D={tokens:.3g} tokens"
            note += f" x {epochs:g} epochs" if np.isfinite(epochs) else f" ({ONE_PASS_NOTE})"
        base = str(rec.get("Base Model", ""))
        name = clean_name(rec["System"])
        tok = lm_tokenization(base, tokens)
        setting = lm_setting(str(rec.get("Zero-shot?", "")), num(rec, line, "Finetune Dataset Size"), name)
        link = str(rec.get("Link", "")).strip()
        for bench, col in LM_PPL_COLUMNS.items():
            if col not in rec:
                continue
            ppl = _number(path, line, col, rec[col], problems)
            if not (np.isfinite(ppl) and ppl > 0):
                continue
            for c, v in (
                ("model", name),
                ("domain", "language_modeling"),
                ("benchmark", bench),
                ("metric", "perplexity"),
                ("value", ppl),
                ("publication_date", date),
                ("training_flop", flop),
                ("hardware_burden_flop", np.nan),
                ("compute_note", note),
                ("source", arxiv_id(link) or link),
                ("compute_source", EPOCH_LM_SOURCE),
                ("notes", f"{tok}-level tokenization; {setting.replace('_', '-')}"),
                ("link", link),
                ("tokenization", tok),
                ("lm_setting", setting),
                ("flop_6nd", six),
                ("parameters", params),
                ("compute_from_6nd", from_6nd),
            ):
                out[c].append(v)
    _raise_if(problems)
    df = pd.DataFrame(out)
    summary["rows_kept"] = len(df)
    return _summarise(df, f"import_epoch_lm({path})", summary)


HARDWARE_NAME_MAP: dict[str, str] = {
    # price-table name -> hardware-table name, checked by hand; names equal in both need no entry
    "NVIDIA GeForce GTX TITAN BLACK": "NVIDIA GeForce GTX Titan Black",
}
"""Explicit chip-name mapping from the price table to the hardware table (checked by hand).

Names equal in both tables need no entry; :func:`import_prices` also matches names that are
equal after :func:`name_key` normalisation and reports the chips left unmatched.
"""


def _peak(rec: dict[str, object]) -> tuple[float, str]:
    """Dense peak FLOP/s: tensor FP16/BF16 when the chip has it, else FP16, else FP32."""
    for col, prec in (
        ("Tensor-FP16/BF16 performance (FLOP/s)", "fp16"),
        ("FP32 (single precision) performance (FLOP/s)", "fp32"),
    ):
        v = rec.get(col)
        if v is not None and isinstance(v, float) and math.isfinite(v) and v > 0:
            return v, prec
    return float("nan"), ""


def import_prices(
    prices_path: str | Path, hardware_path: str | Path, name_map: dict[str, str] | None = None
) -> pd.DataFrame:
    """Import Epoch's hardware prices joined with Epoch's ML hardware specs.

    One row per price: on-demand, 1-year and 3-year committed cloud prices (USD per chip-hour)
    and purchase prices (USD per chip: Epoch's ``Price (hardware purchase)`` is already per chip
    for systems of ``Number of GPUs`` > 1 chips, so it is never divided again; noted) are separate rows.

    Parameters
    ----------
    prices_path
        ``Hardware prices.csv``.
    hardware_path
        ``ml_hardware.csv``.
    name_map
        Price-table chip name -> hardware-table name (default :data:`HARDWARE_NAME_MAP`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`forecast.schema.PRICE_COLUMNS` plus ``vendor, notes, manufacturer,
        hardware_name``; ``peak_flops`` the dense tensor FP16/BF16 figure when present (precision
        ``fp16``, meaning FP16/BF16 tensor) else FP32 (``fp32``).
    """
    name_map = HARDWARE_NAME_MAP if name_map is None else name_map
    hw = read_csv_lines(
        hardware_path,
        (
            "Hardware name",
            "Release date",
            "TDP (W)",
            "Tensor-FP16/BF16 performance (FLOP/s)",
            "FP32 (single precision) performance (FLOP/s)",
        ),
    )
    pr = read_csv_lines(
        prices_path,
        (
            "Price source",
            "Price date",
            "Hardware model",
            "Price per chip-hour (on-demand)",
            "Price per chip-hour (1-year CUD)",
            "Price per chip-hour (3-year CUD)",
            "Price (hardware purchase)",
        ),
    )
    problems: list[Problem] = []
    specs: dict[str, dict[str, object]] = {}
    keyed: dict[str, str] = {}
    for rec in hw.to_dict("records"):
        line = int(rec[LINE])
        name = clean_name(rec["Hardware name"])
        spec: dict[str, object] = {
            "name": name,
            "release": _date(hardware_path, line, "Release date", rec["Release date"], problems),
            "tdp": _number(hardware_path, line, "TDP (W)", rec["TDP (W)"], problems),
        }
        for col in ("Tensor-FP16/BF16 performance (FLOP/s)", "FP32 (single precision) performance (FLOP/s)"):
            spec[col] = _number(hardware_path, line, col, rec[col], problems)
        specs[name] = spec
        keyed.setdefault(name_key(name), name)
    summary = {"prices_read": len(pr), "rows_kept": 0, "unmatched_chip_rows": 0, "no_price_rows": 0}
    unmatched: set[str] = set()
    rows = []
    kinds = (
        ("Price per chip-hour (on-demand)", "cloud_on_demand", ""),
        ("Price per chip-hour (1-year CUD)", "cloud_committed", "1-year commitment"),
        ("Price per chip-hour (3-year CUD)", "cloud_committed", "3-year commitment"),
        ("Price (hardware purchase)", "purchase", ""),
    )
    for rec in pr.to_dict("records"):
        line = int(rec[LINE])
        chip = clean_name(rec["Hardware model"])
        hw_name = chip if chip in specs else (name_map.get(chip) or keyed.get(name_key(chip)))
        chip_spec = specs.get(hw_name or "")
        if chip_spec is None:
            unmatched.add(chip)
            summary["unmatched_chip_rows"] += 1
        date = _date(prices_path, line, "Price date", rec["Price date"], problems)
        n_gpu = _number(prices_path, line, "Number of GPUs", rec.get("Number of GPUs", ""), problems)
        any_price = False
        for col, kind, what in kinds:
            price = _number(prices_path, line, col, rec[col], problems)
            if not (np.isfinite(price) and price > 0):
                continue
            any_price = True
            notes = [what] if what else []
            if kind == "purchase" and np.isfinite(n_gpu) and n_gpu > 1:
                # Epoch states purchase prices per chip already (e.g. "$149,000 DGX-1 ... Dividing by
                # 8, the price per GPU is $18,625"): never divide by the chip count again.
                notes.append(f"per-chip price of a {int(n_gpu)}-chip system as stated by Epoch")
            if str(rec.get("Notes", "")).strip():
                notes.append("Epoch note: " + clean_name(rec["Notes"]))
            peak, prec = _peak(chip_spec) if chip_spec else (float("nan"), "")
            rows.append(
                {
                    "chip": chip,
                    "release_date": (chip_spec or {}).get("release") or "",
                    "price_date": date or "",
                    "price_kind": kind,
                    "price_usd": price,
                    "peak_flops": peak,
                    "precision": prec,
                    "tdp_watts": (chip_spec or {}).get("tdp", float("nan")),
                    "source": f"{str(rec['Price source']).strip()} ; {EPOCH_PRICES_CITATION}",
                    "vendor": clean_name(rec.get("Vendor", "")) or "",
                    "notes": "; ".join(notes),
                    "manufacturer": clean_name(rec.get("Manufacturer", "")),
                    "hardware_name": hw_name or "",
                }
            )
        if not any_price:
            summary["no_price_rows"] += 1
    _raise_if(problems)
    df = pd.DataFrame(rows, columns=[*PRICE_COLUMNS, "vendor", "notes", "manufacturer", "hardware_name"])
    summary["rows_kept"] = len(df)
    df = _summarise(df, f"import_prices({prices_path})", summary)
    df.attrs["unmatched_chips"] = sorted(unmatched)
    return df


# --------------------------------------------------------------------------------------------
# Dispatcher and atomic writing
# --------------------------------------------------------------------------------------------

SOURCE_KINDS = ("epoch", "pwc", "thompson")


def import_source(kind: str, path: str | Path) -> pd.DataFrame:
    """Import a public file by kind.

    Parameters
    ----------
    kind
        ``"epoch"`` (:func:`import_epoch`), ``"pwc"`` (:func:`import_pwc`) or ``"thompson"``
        (:func:`import_thompson`; ``path`` may be a directory of ``*.json`` files or one file).
    path
        File or directory.

    Returns
    -------
    pandas.DataFrame
        The imported rows.

    Raises
    ------
    DataError
        Unknown kind, or bad input.
    """
    path = Path(path)
    if kind == "epoch":
        return import_epoch(path)
    if kind == "pwc":
        return import_pwc(path)
    if kind == "thompson":
        if path.is_dir():
            files = sorted(path.glob("*.json"))
            if not files:
                raise DataError([Problem(str(path), None, None, "no *.json files in the directory")])
            frames = [import_thompson(f) for f in files]
            df = pd.concat(frames, ignore_index=True)
            df.attrs["import_summary"] = {"files": len(files), "rows_kept": len(df)}
            return df
        return import_thompson(path)
    raise DataError(
        [Problem(str(path), None, None, f"unknown source kind '{kind}' (allowed: {SOURCE_KINDS})")]
    )


def write_table(df: pd.DataFrame, out_path: str | Path) -> Path:
    """Write a table as CSV atomically: a temporary file in the same directory, then ``os.replace``.

    A failure while writing leaves any existing file at ``out_path`` untouched.

    Parameters
    ----------
    df
        The table.
    out_path
        Destination CSV.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    return atomic_write(out_path, lambda tmp: df.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8"))
