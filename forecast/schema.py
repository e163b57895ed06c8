"""The canonical vocabulary of the curated tables: domains, benchmarks, metrics and columns.

Every importer writes, and every loader checks, exactly this vocabulary. A result row is one
(model, benchmark, metric, source): results of different papers may share a model name. ``value``
is stored as published, on the metric's own scale (percent for accuracies, AP, F1, EM and error
rates; 0-100 for BLEU; perplexity as is).
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAINS: tuple[str, ...] = (
    "image_classification",
    "object_detection",
    "question_answering",
    "named_entity_recognition",
    "machine_translation",
    "language_modeling",
)
SEED_DOMAINS: tuple[str, ...] = DOMAINS[:5]
"""The five domains of Thompson et al."""

NOTABLE_DOMAINS: tuple[str, ...] = (*DOMAINS, "other")
"""Domains allowed in ``notable_models.csv`` (models outside the benchmarks map to ``other``)."""


@dataclass(frozen=True)
class Metric:
    """A metric: its published range and how it maps to an error-like quantity in (0, 1).

    ``measure`` groups metrics that describe the same quantity (``top1_accuracy`` and
    ``top1_error`` are both the ``top1`` measure); the model keys series by benchmark and measure.
    """

    name: str
    measure: str
    low: float
    high: float
    kind: str  # "accuracy" (error = 1 - v/100), "error" (error = v/100), "perplexity" (no error form)

    def to_error(self, value: float) -> float:
        """Error-like quantity in (0, 1) for a published value (NaN for perplexity)."""
        if self.kind == "accuracy":
            return 1.0 - value / 100.0
        if self.kind == "error":
            return value / 100.0
        return float("nan")


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("top1_accuracy", "top1", 0.0, 100.0, "accuracy"),
        Metric("top1_error", "top1", 0.0, 100.0, "error"),
        Metric("top5_accuracy", "top5", 0.0, 100.0, "accuracy"),
        Metric("top5_error", "top5", 0.0, 100.0, "error"),
        Metric("box_ap", "box_ap", 0.0, 100.0, "accuracy"),
        Metric("f1", "f1", 0.0, 100.0, "accuracy"),
        Metric("exact_match", "exact_match", 0.0, 100.0, "accuracy"),
        Metric("bleu", "bleu", 0.0, 100.0, "accuracy"),
        Metric("perplexity", "perplexity", 1.0, 1.0e5, "perplexity"),
    )
}


@dataclass(frozen=True)
class Benchmark:
    """A benchmark (data set and split) and the metrics reported on it."""

    name: str
    domain: str
    metrics: tuple[str, ...]
    description: str


BENCHMARKS: dict[str, Benchmark] = {
    b.name: b
    for b in (
        Benchmark("imagenet", "image_classification",
                  ("top1_accuracy", "top1_error", "top5_accuracy", "top5_error"),
                  "ImageNet ILSVRC-2012 validation set, single model"),
        Benchmark("coco_test_dev", "object_detection", ("box_ap",), "MS COCO test-dev, box AP[.5:.95]"),
        Benchmark("coco_minival", "object_detection", ("box_ap",), "MS COCO minival/val2017, box AP[.5:.95]"),
        Benchmark("squad11_dev", "question_answering", ("f1", "exact_match"), "SQuAD 1.1 development set"),
        Benchmark("squad11_test", "question_answering", ("f1", "exact_match"), "SQuAD 1.1 hidden test set"),
        Benchmark("conll2003", "named_entity_recognition", ("f1",), "CoNLL-2003 English NER test set"),
        Benchmark("wmt14_en_fr", "machine_translation", ("bleu",), "WMT2014 English-French newstest2014"),
        Benchmark("wmt14_en_de", "machine_translation", ("bleu",), "WMT2014 English-German newstest2014"),
        Benchmark("ptb", "language_modeling", ("perplexity",), "Penn Treebank (word level) test set"),
        Benchmark("wikitext103", "language_modeling", ("perplexity",), "WikiText-103 test set"),
    )
}

DATA_CUTOFF = "2024-09-25"
"""Nothing published (or priced) after this date enters a fit: later systems are kept for scoring forecasts."""

RESULTS_COLUMNS: tuple[str, ...] = (
    "model",
    "domain",
    "benchmark",
    "metric",
    "value",
    "publication_date",
    "training_flop",
    "hardware_burden_flop",
    "compute_note",
    "source",
    "compute_source",
)
"""Required columns of ``results.csv`` (extra columns are allowed and kept)."""

RESULTS_OPTIONAL_COLUMNS: tuple[str, ...] = ("extra_training_data", "notes", "tokenization", "lm_setting")
"""Optional columns. ``tokenization`` (language-model rows): ``word`` (the benchmark's own word
vocabulary) or ``subword`` (BPE/WordPiece: perplexities not comparable with word-level ones unless
the paper renormalised them per word); ``lm_setting``: ``trained`` (on the benchmark's training set),
``fine_tuned``, ``zero_shot`` or ``mixed``."""


@dataclass(frozen=True)
class Ceiling:
    """A score no better than which a result is plausible: human agreement or label noise."""

    value: float
    what: str
    citation: str


CEILINGS: dict[tuple[str, str], Ceiling] = {
    ("imagenet", "top1_accuracy"): Ceiling(
        94.0, "label-noise ceiling",
        "Northcutt et al. 2021, arXiv:2103.14749: ~6% of ImageNet validation labels are wrong"),
    ("imagenet", "top1_error"): Ceiling(
        6.0, "label-noise floor",
        "Northcutt et al. 2021, arXiv:2103.14749: ~6% of ImageNet validation labels are wrong"),
    ("squad11_dev", "f1"): Ceiling(91.2, "human performance", "Rajpurkar et al. 2016, arXiv:1606.05250"),
    ("squad11_test", "f1"): Ceiling(91.2, "human performance", "Rajpurkar et al. 2016, arXiv:1606.05250"),
    ("squad11_dev", "exact_match"): Ceiling(82.3, "human performance", "Rajpurkar et al. 2016, arXiv:1606.05250"),
    ("squad11_test", "exact_match"): Ceiling(82.3, "human performance", "Rajpurkar et al. 2016, arXiv:1606.05250"),
    ("conll2003", "f1"): Ceiling(
        95.0, "label-noise ceiling",
        "Wang et al. 2019 (CrossWeigh), arXiv:1909.01441: ~5% of CoNLL-2003 test sentences have label mistakes"),
}
"""Human-performance or label-noise ceilings per (benchmark, metric): a better score is a warning
(:mod:`forecast.data.plausibility`). BLEU and box AP have no such ceiling."""

NOTABLE_COLUMNS: tuple[str, ...] = (
    "model",
    "domain",
    "publication_date",
    "training_flop",
    "compute_note",
    "source",
)
"""Required columns of ``notable_models.csv``."""

PRICE_COLUMNS: tuple[str, ...] = (
    "chip",
    "release_date",
    "price_date",
    "price_kind",
    "price_usd",
    "peak_flops",
    "precision",
    "tdp_watts",
    "source",
)
"""Required columns of ``compute_prices.csv``.

``price_kind`` is ``cloud_on_demand`` (USD per chip-hour), ``cloud_committed`` (USD per chip-hour
on a 1- or 3-year commitment) or ``purchase`` (USD per chip); ``peak_flops`` is the dense peak
FLOP/s at ``precision`` (``fp32``, ``tf32``, ``fp16``, ``bf16``, ``fp8``).
"""

PRICE_KINDS: tuple[str, ...] = ("cloud_on_demand", "cloud_committed", "purchase")
PRECISIONS: tuple[str, ...] = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8")

COMPUTE_RANGE_FLOP: tuple[float, float] = (1e12, 1e28)
"""Compute outside this range is suspicious (a warning, not an error)."""


def series_key(benchmark: str, metric: str) -> str:
    """Model series label of a (benchmark, metric) pair: the benchmark and the metric's measure."""
    return f"{benchmark}/{METRICS[metric].measure}"
