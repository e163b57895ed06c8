"""Small synthetic tables in the shape the loaders return, for fast model tests (no files needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast import schema

SERIES = (
    ("imagenet", "top1_accuracy", "image_classification", -0.15),
    ("coco_test_dev", "box_ap", "object_detection", -0.10),
    ("squad11_dev", "f1", "question_answering", -0.20),
    ("conll2003", "f1", "named_entity_recognition", -0.08),
    ("wmt14_en_fr", "bleu", "machine_translation", -0.12),
)


def synthetic_tables(rows_per_series: int = 12, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Results, notable models and prices drawn from a known logit-linear model.

    Every third result has only hardware burden, every third both measures.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for bench, metric, domain, beta in SERIES:
        for i in range(rows_per_series):
            year = 2012 + 9 * (i + rng.uniform()) / rows_per_series
            x = 17 + 0.4 * (year - 2012) + rng.normal(0, 0.8)
            y = -1.0 + beta * (x - 18) - 0.1 * (year - 2017) + rng.normal(0, 0.15)
            err = 1 / (1 + np.exp(-y))
            rows.append({
                "model": f"{bench}-m{i}", "domain": domain, "benchmark": bench, "metric": metric,
                "value": 100 * (1 - err), "year": year,
                "publication_date": pd.Timestamp(int(year), 6, 1),
                "training_flop": np.nan if i % 3 == 0 else 10**x,
                "hardware_burden_flop": 10 ** (x + 0.3 + rng.normal(0, 0.5)) if i % 3 != 1 else np.nan,
                "error": err, "series": schema.series_key(bench, metric),
            })
    results = pd.DataFrame(rows)
    notable = pd.DataFrame([
        {"model": f"n{i}", "domain": d, "year": (yr := 2012 + 12 * rng.uniform()),
         "training_flop": 10 ** (17 + 0.5 * (yr - 2012) + rng.normal(0, 1))}
        for i, d in enumerate([s[2] for s in SERIES] * 6)
    ])
    kinds = ("cloud_on_demand", "cloud_committed", "purchase")
    prices = []
    for i in range(18):
        yr = 2010 + 15 * rng.uniform()
        kind = kinds[i % 3]
        prices.append({
            "chip": f"chip{i}", "price_kind": kind, "price_year": yr, "release_year": yr - 0.5,
            "price_usd": (2.0 if kind != "purchase" else 1e4) * 10 ** rng.normal(0, 0.2),
            "peak_flops": 10 ** (12.5 + 0.15 * (yr - 2010)), "tdp_watts": 300.0,
        })
    return results, notable, pd.DataFrame(prices)
