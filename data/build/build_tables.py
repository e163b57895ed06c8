"""Build data/results.csv, data/notable_models.csv and data/compute_prices.csv from public files.

Usage (from the repository root)::

    python data/build/build_tables.py --shared PATH/TO/PUBLIC/FILES

The public files are read, never copied; every output row cites its source. Reviewed by hand:
the Papers-with-Code -> Epoch join table ``EPOCH_JOINS`` below (variant by variant) and
``curated_results.csv`` (rows compiled from the papers).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from forecast.data.importers import (  # noqa: E402
    EPOCH_COMPUTE_SOURCE,
    import_epoch,
    import_epoch_lm,
    import_prices,
    import_pwc,
    import_source,
    write_table,
)
from forecast.schema import NOTABLE_COLUMNS, PRICE_COLUMNS, RESULTS_COLUMNS  # noqa: E402

log = logging.getLogger("build_tables")

THOMPSON_PAPER = "arXiv:2007.05558"

# (arXiv id, Papers-with-Code model name, benchmark or None for all) -> Epoch system.
# Reviewed by hand against Epoch's 'Training compute notes'. Only variants whose compute Epoch's
# figure describes are joined.
EPOCH_JOINS: dict[tuple[str, str, str | None], str] = {
    ("arXiv:1406.4729", "SPPNet", "imagenet"): "SPPNet",
    ("arXiv:1409.0473", "RNN-search50*", "wmt14_en_fr"): "RNNsearch-50*",
    ("arXiv:1409.1556", "VGG-16", "imagenet"): "VGG16",
    ("arXiv:1409.2329", "Regularized LSTM", "wmt14_en_fr"): "Large regularized LSTM",
    ("arXiv:1409.3215", "LSTM", "wmt14_en_fr"): "Seq2Seq LSTM",  # 34.8 BLEU = ensemble of 5; Epoch: 5 models
    ("arXiv:1409.4842", "Inception V1", "imagenet"): "GoogLeNet / InceptionV1",
    ("arXiv:1502.01852", "PReLU-Net", "imagenet"): "MSRA (C, PReLU)",
    ("arXiv:1512.03385", "ResNet-152", "imagenet"): "ResNet-152 (ImageNet)",
    ("arXiv:1603.01354", "BLSTM-CNN-CRF", "conll2003"): "Named Entity Recognition model",
    ("arXiv:1610.02357", "Xception", "imagenet"): "Xception",
    ("arXiv:1611.01603", "BiDAF (single model)", "squad11_test"): "BIDAF",
    ("arXiv:1611.01603", "BIDAF (single)", "squad11_dev"): "BIDAF",
    ("arXiv:1707.02968", "ResNet-101 (JFT-300M Finetuning)", "imagenet"): "JFT",
    ("arXiv:1708.02002", "RetinaNet (ResNet-101-FPN)", "coco_test_dev"): "RetinaNet-R101",
    ("arXiv:1709.02755", "Transformer + SRU", "wmt14_en_de"): "Transformer + Simple Recurrent Unit",
    ("arXiv:1804.02767", "YOLOv3 + Darknet-53", "coco_test_dev"): "YOLOv3",
    ("arXiv:1804.09849", "RNMT+", "wmt14_en_fr"): "RNMT+",  # Epoch uses En-Fr training time (Table 1)
    ("arXiv:1805.00932", "ResNeXt-101 32x48d", "imagenet"): "ResNeXt-101 32x48d",
    ("arXiv:1808.09381", "Transformer Big + BT", "wmt14_en_de"): "Big Transformer for Back-Translation",
    ("arXiv:1810.04805", "BERT Large", "conll2003"): "BERT-Large",
    ("arXiv:1810.04805", "BERT large (single)", "squad11_dev"): "BERT-Large",
    ("arXiv:1810.04805", "BERT (single model)", "squad11_test"): "BERT-Large",
    ("arXiv:1906.08237", "XLNet (single model)", None): "XLNet",
    ("arXiv:1910.01108", "DistilBERT", "squad11_dev"): "DistilBERT",
    ("arXiv:1910.10683", "T5-11B", None): "T5-11B",
    ("arXiv:1910.10683", "T5-3B", "squad11_dev"): "T5-3B",
    ("arXiv:1911.04252", "NoisyStudent (EfficientNet-L2)", "imagenet"): "Noisy Student (L2)",
}

# Join candidates (same arXiv id in both sources) rejected on review, with the reason.
REJECTED_JOINS: dict[str, str] = {
    "arXiv:1311.2901": "ZFNet: two PwC variants; Epoch's single-GPU estimate does not say which",
    "arXiv:1512.03385": "ResNet-50/101 and Faster R-CNN rows: Epoch's figure is for ResNet-152 only",
    "arXiv:1606.07947": "knowledge-distillation student: variant unclear",
    "arXiv:1609.08144": "GNMT: Epoch's figure scales to the production model (x sqrt(1000)); "
    "Vaswani et al.'s training cost used instead (curated)",
    "arXiv:1701.06538": "MoE: Epoch's system is the multilingual MoE-Multi, not the WMT14 pair models",
    "arXiv:1705.03122": "ConvS2S: Epoch's system is the 8-model ensemble, training setup per pair unclear; "
    "Vaswani et al.'s training cost used instead (curated)",
    "arXiv:1712.00559": "PNASNet-5: Epoch's figure is the architecture search cost",
    "arXiv:1802.01548": "AmoebaNet-A: Epoch's figure is the evolution search cost (20k models)",
    "arXiv:1806.09055": "DARTS: Epoch gives no note; likely the search cost",
    "arXiv:1807.11626": "MnasNet: Epoch's figure is the architecture search cost",
    "arXiv:1812.00332": "ProxylessNAS: two PwC variants, search vs final training unclear",
    "arXiv:1903.11059": "AlphaX-1: NAS, no note on what the figure covers",
    "arXiv:1905.05513": "Epoch's system is the WT2 language model, not the translation model",
    "arXiv:1906.03805": "Epoch's system is the language model, not the translation model",
    "arXiv:2002.03184": "TaLK Convolution: no note, En-De/En-Fr variant unclear",
    "arXiv:2005.12872": "DETR: Epoch's figure mixes baseline and DC5/R101 schedules",
}


def merge_duplicates(res: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Collapse rows with the same (model, benchmark, metric), keeping the first (highest precedence).

    A compute measure the kept row lacks is taken from a later duplicate (e.g. Thompson's hardware
    burden for a Papers-with-Code row joined to Epoch's training FLOP), with its note and source.
    """
    keys = ["model", "benchmark", "metric"]
    gained = 0
    out = []
    for _, g in res.groupby(keys, sort=False):
        row = g.iloc[0].copy()
        for _, other in g.iloc[1:].iterrows():
            took = False
            for col in ("training_flop", "hardware_burden_flop"):
                if pd.isna(row[col]) and pd.notna(other[col]):
                    row[col] = other[col]
                    took = True
            if took:
                gained += 1
                row["compute_note"] = "; ".join(x for x in (row["compute_note"], other["compute_note"]) if x)
                row["compute_source"] = "; ".join(
                    x for x in (row["compute_source"], other["compute_source"]) if x
                )
                extra = f"compute also from {other['source']}"
                if abs(float(other["value"]) - float(row["value"])) > 1e-6:
                    extra += f" (value there: {other['value']:g})"
                row["notes"] = "; ".join(x for x in (row["notes"], extra) if x)
        out.append(row)
    return pd.DataFrame(out).reset_index(drop=True), gained


def build_results(shared: Path, curated_path: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    report: dict[str, int] = {}
    epoch = import_epoch(shared / "epoch_ai_models_2024-11.csv")
    by_name = epoch.set_index("model")
    pwc = import_pwc(shared / "paperswithcode_2020_key_benchmarks.csv")
    report.update({f"pwc_{k}": v for k, v in pwc.attrs["import_summary"].items()})

    # 1. Papers with Code scores + Epoch training compute, by the reviewed join table.
    pwc = pwc.copy()
    joined = 0
    for (arx, model, bench), system in EPOCH_JOINS.items():
        mask = (pwc["source"] == arx) & (pwc["model"] == model)
        if bench is not None:
            mask &= pwc["benchmark"] == bench
        if not mask.any():
            raise SystemExit(f"join table entry matches no PwC row: {arx} {model} {bench}")
        rec = by_name.loc[system]
        pwc.loc[mask, "training_flop"] = float(rec["training_flop"])
        pwc.loc[mask, "compute_note"] = f"Epoch AI estimate for '{system}' ({rec['compute_note']})"
        pwc.loc[mask, "compute_source"] = EPOCH_COMPUTE_SOURCE
        joined += int(mask.sum())
    report["pwc_rows_joined_to_epoch"] = joined
    not_citable = ~pwc["source"].astype(str).str.match(r"^(arXiv:|doi:)")
    report["pwc_dropped_no_arxiv_or_doi"] = int(not_citable.sum())
    pwc = pwc[~not_citable]
    # a model reported both as top-1 accuracy and top-1 error: keep the accuracy row
    err = pwc[pwc["metric"] == "top1_error"]
    acc_keys = set(
        zip(
            pwc.loc[pwc["metric"] == "top1_accuracy", "model"],
            pwc.loc[pwc["metric"] == "top1_accuracy", "source"],
            strict=True,
        )
    )
    dup_err = err[[k in acc_keys for k in zip(err["model"], err["source"], strict=True)]].index
    report["pwc_dropped_top1_error_duplicating_accuracy"] = len(dup_err)
    pwc = pwc.drop(index=dup_err)

    # 2. Thompson et al. frontier points (hardware burden only).
    th = import_source("thompson", shared / "thompson_frontier").copy()
    th["source"] = THOMPSON_PAPER
    th["notes"] = (
        "value and hardware burden as compiled by Thompson et al. (2020); date: year only, mid-year assumed"
    )
    report["thompson_rows"] = len(th)

    # 3. Epoch / Ho et al. language-model perplexities with training compute.
    lm = import_epoch_lm(shared / "epoch_lm_benchmark_perplexity.csv").copy()
    bad = ~lm["source"].astype(str).str.match(r"^(arXiv:|doi:)")
    report["lm_dropped_no_arxiv_or_doi"] = int(bad.sum())
    lm = lm[~bad]
    report["lm_rows"] = len(lm)

    # 4. Hand-curated rows from the papers.
    cur = pd.read_csv(curated_path, dtype={"source": str, "compute_source": str})
    cur["notes"] = cur["notes"].fillna("") + "; compiled by hand"
    report["curated_rows"] = len(cur)

    cols = [*RESULTS_COLUMNS, "notes"]
    # precedence on duplicate (model, benchmark, metric): curated > PwC/Epoch join > LM > Thompson
    frames = [cur[cols], pwc[cols], lm[cols], th[cols]]
    res = pd.concat(frames, ignore_index=True)
    before = len(res)
    res, merged = merge_duplicates(res)
    report["merged_duplicate_model_benchmark_metric"] = before - len(res)
    report["merged_rows_gaining_a_compute_measure"] = merged
    today = pd.Timestamp.today().strftime("%Y-%m-%d")
    future = res["publication_date"] > today
    report["dropped_future_date"] = int(future.sum())
    res = res[~future]
    res = res.sort_values(["domain", "benchmark", "metric", "publication_date", "model"]).reset_index(
        drop=True
    )
    return res, report


def build_notable(shared: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    df = import_epoch(shared / "epoch_ai_models_2024-11.csv", since="2010-01-01")
    keep = [
        *NOTABLE_COLUMNS,
        "parameters",
        "epoch_domain",
        "epoch_task",
        "confidence",
        "organization",
        "hardware",
        "hardware_quantity",
        "training_hours",
        "cost_2023_usd",
        "compute_lower",
        "compute_upper",
    ]
    report = dict(df.attrs.get("import_summary", {}))
    cited = df["source"].fillna("").astype(str).str.strip() != ""
    report["dropped_no_source_link"] = int((~cited).sum())
    df = df.loc[cited, keep].copy()
    df["compute_source"] = EPOCH_COMPUTE_SOURCE
    return df.sort_values(["publication_date", "model"]).reset_index(drop=True), report


def build_prices(shared: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    df = import_prices(shared / "epoch_hardware_prices_2025-03.csv", shared / "epoch_ml_hardware_2025-12.csv")
    report = dict(df.attrs["import_summary"])
    ok = np.isfinite(df["peak_flops"].astype(float)) & (df["price_date"] != "")
    report["dropped_no_peak_flops_or_date"] = int((~ok).sum())
    report["unmatched_chips"] = len(df.attrs["unmatched_chips"])
    log.info("chips without hardware specs (rows dropped): %s", ", ".join(df.attrs["unmatched_chips"]))
    df = df[ok][[*PRICE_COLUMNS, "vendor", "notes"]]
    # Epoch lists one row per instance size (1, 2, 4, 8 GPUs) at the same per-chip price: keep one.
    dup = df.duplicated(keep="first")
    report["dropped_same_price_other_instance_size"] = int(dup.sum())
    df = df[~dup]
    return df.sort_values(["price_date", "chip", "price_kind"]).reset_index(drop=True), report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--shared",
        type=Path,
        required=True,
        help="folder holding the public data files (see data/README.md)",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "data", help="output folder (default data/)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    res, r1 = build_results(args.shared, Path(__file__).with_name("curated_results.csv"))
    notable, r2 = build_notable(args.shared)
    prices, r3 = build_prices(args.shared)
    write_table(res, args.out / "results.csv")
    write_table(notable, args.out / "notable_models.csv")
    write_table(prices, args.out / "compute_prices.csv")
    for name, rep in (("results", r1), ("notable_models", r2), ("compute_prices", r3)):
        log.info("%s: %s", name, rep)
    has = res["training_flop"].notna() | res["hardware_burden_flop"].notna()
    print(f"results: {len(res)} rows, {int(has.sum())} with compute")
    print(res[has].groupby(["domain", "benchmark"]).size().to_string())
    print(f"notable_models: {len(notable)} rows; compute_prices: {len(prices)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
