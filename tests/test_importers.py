import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.data import importers as imp
from forecast.errors import DataError
from forecast.schema import NOTABLE_COLUMNS, RESULTS_COLUMNS
from tests.public_data import SKIP_REASON, public_data_dir

SHARED = public_data_dir() or Path("public-data-not-given")
needs_shared = pytest.mark.skipif(public_data_dir() is None, reason=SKIP_REASON)

PWC_HEADER = "category,task,dataset,model_name,paper_title,paper_url,paper_date,metric,value\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- helpers
def test_arxiv_id_parsing():
    assert imp.arxiv_id("http://arxiv.org/abs/1808.09381v2") == "arXiv:1808.09381"
    assert imp.arxiv_id("https://arxiv.org/pdf/1512.03385.pdf") == "arXiv:1512.03385"
    assert imp.arxiv_id("https://www.aclweb.org/anthology/W15-3024/") is None
    assert imp.arxiv_ids("https://arxiv.org/abs/2406.12793\nhttps://arxiv.org/abs/2402.15627") == [
        "arXiv:2406.12793",
        "arXiv:2402.15627",
    ]


def test_epoch_domain_rule():
    assert imp.epoch_domain("Image classification") == "image_classification"
    assert imp.epoch_domain("Object detection,Image classification") == "object_detection"
    assert imp.epoch_domain("Language modelling,Question answering") == "language_modeling"
    assert imp.epoch_domain("Chat,Translation") == "language_modeling"
    assert imp.epoch_domain("Translation") == "machine_translation"
    assert imp.epoch_domain("Document classification,Named entity recognition") == "named_entity_recognition"
    assert imp.epoch_domain("Proteins") == "other"
    assert imp.epoch_domain(float("nan")) == "other"


def test_epoch_domain_knows_both_spellings():
    for spelling in ("Language modelling", "Language modeling", "Language modeling/generation",
                     "Japanese language modeling"):
        assert imp.epoch_domain(f"{spelling},Question answering,Translation") == "language_modeling", spelling
    assert imp.unknown_tasks("Language modeling,Question answering") == []


def test_import_epoch_warns_for_unknown_task_labels(tmp_path, caplog):
    text = EPOCH.replace("Image classification,2015", '"Image classification,Telepathy",2015')
    with caplog.at_level("WARNING", logger="forecast.data.importers"):
        df = imp.import_epoch(write(tmp_path / "e.csv", text))
    assert df.attrs["unknown_tasks"] == {"Telepathy": 2}
    assert df.attrs["import_summary"]["unknown_task_labels"] == 1
    assert "e.csv:2:Task: unknown task label 'Telepathy'" in caplog.text


HW_CSV = (
    "Hardware name,Release date,TDP (W),Tensor-FP16/BF16 performance (FLOP/s),"
    "FP32 (single precision) performance (FLOP/s)\n"
    "NVIDIA H100 SXM5 80GB,2022-03-22,700,9.89e14,6.69e13\n"
)
PRICES_CSV = (
    "Price source,Price date,Hardware model,Price per chip-hour (on-demand),Price per chip-hour (1-year CUD),"
    "Price per chip-hour (3-year CUD),Price (hardware purchase),Notes,Number of GPUs\n"
    'https://example.org/dgx,2023-05-29,NVIDIA H100 SXM5 80GB,,,,33750,"DGX, 8 GPU: $270,000 / 8",8\n'
    "https://example.org/one,2025-03-03,NVIDIA H100 SXM5 80GB,,,,31250,,1\n"
)


def test_purchase_price_is_never_divided_again(tmp_path):
    pr = imp.import_prices(write(tmp_path / "p.csv", PRICES_CSV), write(tmp_path / "h.csv", HW_CSV))
    assert pr["price_usd"].tolist() == [33750.0, 31250.0]
    assert "per-chip price of a 8-chip system" in pr.iloc[0]["notes"]


# ---------------------------------------------------------------- Epoch
EPOCH = (
    "\ufeffSystem,Domain,Task,Publication date,Parameters,Training compute (FLOP),Training compute notes,"
    "Link,Confidence\n"
    'ResNet-152 (ImageNet),Vision,Image classification,2015-12-10,60000000,1.04e19,"ops\ncounting",'
    "https://arxiv.org/abs/1512.03385,Confident\n"
    "NoCompute,Language,Language modelling,2019-01-01,,,,,\n"
    "NoDate,Language,Translation,,,1e20,,,\n"
)


def test_import_epoch(tmp_path):
    df = imp.import_epoch(write(tmp_path / "e.csv", EPOCH))
    assert list(df.columns[: len(NOTABLE_COLUMNS)]) == list(NOTABLE_COLUMNS)
    assert len(df) == 1
    r = df.iloc[0]
    assert r["domain"] == "image_classification" and r["source"] == "arXiv:1512.03385"
    assert r["training_flop"] == pytest.approx(1.04e19) and r["parameters"] == 6e7
    s = df.attrs["import_summary"]
    assert s["dropped_no_compute"] == 1 and s["dropped_no_date"] == 1


def test_import_epoch_bad_number_names_line_and_column(tmp_path):
    bad = EPOCH.replace("1.04e19", "lots")
    with pytest.raises(DataError) as ei:
        imp.import_epoch(write(tmp_path / "e.csv", bad))
    p = ei.value.problems[0]
    assert p.file.endswith("e.csv") and p.line == 2 and p.column == "Training compute (FLOP)"


def test_import_epoch_missing_column(tmp_path):
    with pytest.raises(DataError) as ei:
        imp.import_epoch(write(tmp_path / "e.csv", "System,Domain\nA,B\n"))
    assert {p.column for p in ei.value.problems} >= {"Task", "Publication date"}
    assert all(p.line == 1 for p in ei.value.problems)


# ---------------------------------------------------------------- Papers with Code
def test_import_pwc_traps(tmp_path):
    text = PWC_HEADER + "".join(
        [
            "CV,Image Classification,ImageNet,EfficientNet-B7,T,https://arxiv.org/abs/1905.11946v3,2019-05-28,"
            "Top 1 Accuracy,84.4%\n",
            "CV,Image Classification,ImageNet,EfficientNet-B0,T,https://arxiv.org/abs/1905.11946v3,2019-05-28,"
            "Top 1 Accuracy,0.771\n",  # fraction in a percent table
            "CV,Image Classification,ImageNet,ResNet-50,T,https://arxiv.org/abs/1512.03385,2015-12-10,"
            "Top-1 Error Rate,20.74\n",  # error table
            "CV,Image Classification,ImageNet,NoDate,T,https://arxiv.org/abs/1111.11111,,Top 1 Accuracy,70\n",
            "CV,Self-Supervised Image Classification,ImageNet,SimCLR,T,https://arxiv.org/abs/2002.05709,"
            "2020-02-13,Top 1 Accuracy,76.5%\n",  # excluded protocol
            "NLP,Question Answering,SQuAD1.1 dev,BERT large (single),T,https://arxiv.org/abs/1810.04805,"
            "2018-10-11,F1,90.9\n",
        ]
    )
    df = imp.import_pwc(write(tmp_path / "p.csv", text))
    assert list(df.columns[: len(RESULTS_COLUMNS)]) == list(RESULTS_COLUMNS)
    by = df.set_index("model")
    assert by.loc["EfficientNet-B0", "value"] == pytest.approx(77.1)
    assert "fraction" in by.loc["EfficientNet-B0", "notes"]
    assert by.loc["EfficientNet-B7", "value"] == pytest.approx(84.4)  # variant kept exactly
    assert by.loc["ResNet-50", "metric"] == "top1_error"
    assert by.loc["BERT large (single)", "benchmark"] == "squad11_dev"
    assert by.loc["EfficientNet-B7", "source"] == "arXiv:1905.11946"
    assert "NoDate" not in by.index and "SimCLR" not in by.index
    assert df["training_flop"].isna().all() and df["hardware_burden_flop"].isna().all()
    assert df.attrs["import_summary"]["dropped_no_date"] == 1


def test_import_pwc_bad_value(tmp_path):
    text = PWC_HEADER + (
        "NLP,Named Entity Recognition,CoNLL 2003 (English),X,T,https://arxiv.org/abs/1,2019-01-01,F1,9x\n"
    )
    with pytest.raises(DataError) as ei:
        imp.import_pwc(write(tmp_path / "p.csv", text))
    p = ei.value.problems[0]
    assert (p.line, p.column) == (2, "value") and "p.csv" in str(ei.value)


def test_import_pwc_missing_column(tmp_path):
    with pytest.raises(DataError) as ei:
        imp.import_pwc(write(tmp_path / "p.csv", "task,dataset\na,b\n"))
    assert "model_name" in {p.column for p in ei.value.problems}


# ---------------------------------------------------------------- Thompson
def test_import_thompson(tmp_path):
    pts = [
        {"index": 1, "year": 2017, "model": "Transformer Big", "hardware_burden": 2.3e10, "accuracy": 0.284},
        {"index": 2, "year": 2018, "model": "Transformer Big", "hardware_burden": 9.2e9, "accuracy": 0.293},
        {
            "index": 3,
            "year": 2017,
            "model": "ConvS2S \n(ensemble)",
            "hardware_burden": 8.7e10,
            "accuracy": 0.264,
        },
    ]
    f = tmp_path / "wmt2014_en-ge_data.json"
    f.write_text(json.dumps(pts, indent=1))
    df = imp.import_thompson(f)
    assert set(df["benchmark"]) == {"wmt14_en_de"} and set(df["metric"]) == {"bleu"}
    assert df["training_flop"].isna().all()
    assert df["hardware_burden_flop"].iloc[0] == pytest.approx(2.3e19)
    assert df["value"].iloc[0] == pytest.approx(28.4)
    assert df["publication_date"].iloc[0] == "2017-07-01"
    assert "year only" in df["compute_note"].iloc[0]
    assert df["model"].is_unique and "ConvS2S (ensemble)" in set(df["model"])
    df2 = imp.import_source("thompson", tmp_path)
    assert len(df2) == 3


def test_import_thompson_bad(tmp_path):
    f = tmp_path / "imagenet_data.json"
    f.write_text(
        '[\n {\n  "year": 2012,\n  "model": "A",\n  "accuracy": 0.6\n },\n'
        ' {\n  "year": 2013, "model": "B", "hardware_burden": 1, "accuracy": 63.3\n }\n]'
    )
    with pytest.raises(DataError) as ei:
        imp.import_thompson(f)
    probs = {(p.line, p.column) for p in ei.value.problems}
    assert (2, "hardware_burden") in probs and (7, "accuracy") in probs
    g = tmp_path / "unknown.json"
    g.write_text("[]")
    with pytest.raises(DataError):
        imp.import_thompson(g)
    assert imp.import_thompson(g, benchmark="conll2003").empty


def test_import_source_unknown_kind(tmp_path):
    with pytest.raises(DataError):
        imp.import_source("nope", tmp_path)


# ---------------------------------------------------------------- atomic write
def test_write_table_atomic(tmp_path, monkeypatch):
    out = tmp_path / "t.csv"
    imp.write_table(pd.DataFrame({"a": [1, 2]}), out)
    before = out.read_text()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError):
        imp.write_table(pd.DataFrame({"a": [3]}), out)
    assert out.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


# ---------------------------------------------------------------- real files
@pytest.mark.shared_data
@needs_shared
def test_real_epoch():
    df = imp.import_epoch(SHARED / "epoch_ai_models_2024-11.csv", since="2010-01-01")
    assert len(df) >= 300 and (df["training_flop"] > 0).all()
    assert df.attrs["unknown_tasks"] == {}
    vision = df["epoch_task"].str.contains("Image classification|Object detection")
    lm_tasks = df["epoch_task"].str.contains(r"(?:^|,)\s*Language model", case=False) & ~vision
    assert (df.loc[lm_tasks, "domain"] == "language_modeling").all()
    assert df["publication_date"].min() >= "2010-01-01"


@pytest.mark.shared_data
@needs_shared
def test_real_pwc_and_thompson():
    p = imp.import_pwc(SHARED / "paperswithcode_2020_key_benchmarks.csv")
    assert {"imagenet", "coco_test_dev", "squad11_test", "conll2003", "wmt14_en_fr"} <= set(p["benchmark"])
    assert p.loc[p["metric"] != "perplexity", "value"].between(0, 100).all()
    t = imp.import_source("thompson", SHARED / "thompson_frontier")
    assert len(t) == 101 and t["hardware_burden_flop"].gt(0).all()
    assert t.groupby(["model", "benchmark", "metric"]).size().max() == 1


@pytest.mark.shared_data
@needs_shared
def test_real_prices_and_lm():
    pr = imp.import_prices(
        SHARED / "epoch_hardware_prices_2025-03.csv", SHARED / "epoch_ml_hardware_2025-12.csv"
    )
    assert set(pr["price_kind"]) == {"cloud_on_demand", "cloud_committed", "purchase"}
    assert np.isfinite(pr["peak_flops"].astype(float)).sum() >= 40
    purchase = pr[pr["price_kind"] == "purchase"]
    dgx = purchase[(purchase["chip"] == "NVIDIA H100 SXM5 80GB") & (purchase["price_date"] == "2023-05-29")]
    assert dgx["price_usd"].tolist() == [33750.0]  # "$270,000 / 8", stated per GPU by Epoch
    lm = imp.import_epoch_lm(SHARED / "epoch_lm_benchmark_perplexity.csv")
    assert lm.attrs["import_summary"]["quirk_cells"] == 1 and (lm["training_flop"] > 0).all()
