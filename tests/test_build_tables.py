"""The build of data/results.csv: each reviewed fix, the merge rules, the log and the README counts."""

from __future__ import annotations

import functools
import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from forecast.schema import RESULTS_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = ROOT / "data" / "build"


def _module() -> ModuleType:
    if "build_tables" in sys.modules:
        return sys.modules["build_tables"]
    spec = importlib.util.spec_from_file_location("build_tables", BUILD_DIR / "build_tables.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_tables"] = module
    spec.loader.exec_module(module)
    return module


bt = _module()


@functools.cache
def _built(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    log = bt.BuildLog()
    res, _ = bt.build_results(shared, BUILD_DIR, log)
    return res, log.frame()


@pytest.fixture
def built(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _built(shared_data)


def rows(res: pd.DataFrame, **match: object) -> pd.DataFrame:
    mask = np.ones(len(res), dtype=bool)
    for k, v in match.items():
        mask &= (res[k] == v).to_numpy()
    return res[mask]


# ------------------------------------------------------------------------------- merge rules (no files)
def _row(**cells: object) -> dict[str, object]:
    base: dict[str, object] = {c: "" for c in RESULTS_COLUMNS}
    base.update(domain="machine_translation", benchmark="wmt14_en_fr", metric="bleu", notes="",
                training_flop=np.nan, hardware_burden_flop=np.nan, publication_date="2017-06-12")
    base.update(cells)
    return base


def test_merge_keeps_results_of_other_papers_sharing_a_name():
    res = pd.DataFrame([
        _row(model="Transformer Big", value=41.8, source="arXiv:1706.03762", training_flop=2.3e19, origin="curated"),
        _row(model="Transformer Big", value=43.2, source="arXiv:1806.00187", origin="pwc"),
        _row(model="Transformer Big [frontier #21]", value=43.2, source="arXiv:1806.00187",
             hardware_burden_flop=5.5386e19, origin="thompson"),
    ])
    out, gained = bt.merge_duplicates(res)
    assert sorted(out["value"]) == [41.8, 43.2] and gained == 1
    ott = out[out["source"] == "arXiv:1806.00187"].iloc[0]
    assert ott["model"] == "Transformer Big" and ott["hardware_burden_flop"] == 5.5386e19


def test_merge_same_result_under_two_names_carries_both_measures():
    res = pd.DataFrame([
        _row(model="BLSTM-CNN-CRF", value=91.21, source="arXiv:1603.01354", training_flop=9.7e16, origin="pwc"),
        _row(model="Ma and Hovy", value=91.21, source="arXiv:1603.01354", hardware_burden_flop=1.9e17,
             origin="thompson"),
        _row(model="Other variant", value=90.9, source="arXiv:1603.01354", origin="pwc"),
    ])
    log = bt.BuildLog()
    out, _ = bt.merge_duplicates(res, log)
    assert len(out) == 2
    kept = out[out["model"] == "BLSTM-CNN-CRF"].iloc[0]
    assert kept["training_flop"] == 9.7e16 and kept["hardware_burden_flop"] == 1.9e17
    assert "Ma and Hovy" in kept["notes"] and log.frame()["action"].tolist() == ["merged"]


def test_curated_files_are_all_read(tmp_path, shared_data):
    for f in BUILD_DIR.glob("curated_results*.csv"):
        shutil.copy(f, tmp_path / f.name)
    extra = pd.DataFrame([{
        "model": "Test-only model", "domain": "image_classification", "benchmark": "imagenet",
        "metric": "top1_accuracy", "value": 88.5, "publication_date": "2021-06-01", "training_flop": 1e22,
        "hardware_burden_flop": "", "compute_note": "test", "source": "arXiv:2106.04560",
        "compute_source": "arXiv:2106.04560", "notes": "synthetic",
    }])
    extra.to_csv(tmp_path / "curated_results_2020_2024_a.csv", index=False)
    res, _ = bt.build_results(shared_data, tmp_path)
    hit = rows(res, model="Test-only model")
    assert len(hit) == 1 and "curated_results_2020_2024_a.csv" in hit.iloc[0]["notes"]


# -------------------------------------------------------------------------- each fix on the real build
def test_wrong_epoch_joins_are_gone(built):
    res, log = built
    for model, bench in (("Xception", "imagenet"), ("BiDAF (single model)", "squad11_test"),
                         ("BIDAF (single)", "squad11_dev"), ("Regularized LSTM", "wmt14_en_fr"),
                         ("YOLOv3 + Darknet-53", "coco_test_dev")):
        hit = rows(res, model=model, benchmark=bench)
        assert len(hit) and hit["training_flop"].isna().all(), (model, bench)
    t5 = rows(res, model="T5-3B", benchmark="squad11_dev")
    assert len(t5) == 2 and (t5["training_flop"] == 8.4e21).all() and "2.8B/11B" in t5.iloc[0]["compute_note"]
    assert (log["action"] == "estimated").any() and (log["action"] == "joined").sum() >= 30


def test_convs2s_ensemble_has_no_single_model_burden(built):
    res, _ = built
    ens = rows(res, model="ConvS2S (ensemble)", benchmark="wmt14_en_fr")
    assert len(ens) == 1 and ens["hardware_burden_flop"].isna().all()
    single = rows(res, model="ConvS2S", benchmark="wmt14_en_fr").iloc[0]
    assert single["hardware_burden_flop"] == pytest.approx(1.7518464e20)


def test_ott_2018_transformer_big_kept(built):
    res, _ = built
    for bench, value in (("wmt14_en_de", 29.3), ("wmt14_en_fr", 43.2)):
        ott = rows(res, model="Transformer Big", benchmark=bench, source="arXiv:1806.00187")
        assert len(ott) == 1 and ott.iloc[0]["value"] == value and ott.iloc[0]["hardware_burden_flop"] > 0
        assert len(rows(res, model="Transformer Big", benchmark=bench, source="arXiv:1706.03762")) == 1


def test_thompson_points_under_their_papers(built):
    res, log = built
    assert not (res["source"] == bt.THOMPSON_PAPER).any()
    assert not res["model"].str.contains("frontier #").any()
    # NASNet-A's search cost dropped, SENet's copy dropped
    assert not (res["hardware_burden_flop"] == 1.645056e21).any()
    assert ((log["action"] == "dropped") & (log["model"] == "SENet")).sum() == 1
    # no-UNK BLEU gone; full-test 28.45 carries both measures
    rnn = rows(res, benchmark="wmt14_en_fr", source="arXiv:1409.0473")
    assert rnn["value"].tolist() == [28.45] and rnn.iloc[0]["hardware_burden_flop"] > 0
    # dev results moved off the test benchmark
    assert rows(res, source="arXiv:1709.02755", benchmark="squad11_test").empty
    assert rows(res, model="QANet", benchmark="squad11_dev", metric="f1").iloc[0]["hardware_burden_flop"] > 0
    assert rows(res, model="QANet", benchmark="squad11_test").empty


def test_thompson_dates_from_the_papers(built):
    res, _ = built
    bert = rows(res, benchmark="conll2003", model="BERT Large").iloc[0]
    assert bert["publication_date"] >= "2018-10-01"
    noisy = rows(res, model="NoisyStudent (EfficientNet-L2)", metric="top1_accuracy").iloc[0]
    assert noisy["publication_date"].startswith("2019-11") and noisy["hardware_burden_flop"] > 0
    darts = res[res["source"] == "doi:10.18653/v1/D19-1367"].iloc[0]
    assert darts["publication_date"] == "2019-11-01"


def test_matched_pairs_burden_not_below_flop(built):
    res, _ = built
    both = res[res["training_flop"].notna() & res["hardware_burden_flop"].notna()]
    low = both[both["hardware_burden_flop"] * 1.05 < both["training_flop"]]
    assert low["compute_note"].str.contains("burden below training FLOP:").all(), low[["model", "benchmark"]]
    bert = rows(res, benchmark="conll2003", model="BERT Large").iloc[0]
    assert bert["hardware_burden_flop"] > bert["training_flop"]


def test_luke_includes_roberta_pretraining(built):
    res, _ = built
    luke = rows(res, model="LUKE").iloc[0]
    assert luke["training_flop"] > 1.65888e22 and "RoBERTa" in luke["compute_note"]


def test_language_model_rows_reviewed(built):
    res, log = built
    lm = res[(res["domain"] == "language_modeling") & res["training_flop"].notna()]
    assert set(lm["tokenization"]) <= {"word", "subword"} and {"word", "subword"} <= set(lm["tokenization"])
    assert set(lm["lm_setting"]) <= {"trained", "fine_tuned", "zero_shot", "mixed"}
    assert "mini-GPT-2+Active-AdamW" not in set(lm["model"])
    assert "GPT2-Large+LHOPT" not in set(lm["model"])  # 3,400x its own 6ND
    dropped = log[(log["action"] == "dropped") & (log["origin"] == "lm")]
    assert dropped["detail"].str.contains("6 x parameters").sum() >= 5


def test_log_and_counts(built, tmp_path):
    res, log = built
    assert set(log["action"]) == {"merged", "joined", "estimated", "corrected", "dropped", "attributed"}
    assert (log["action"] == "attributed").sum() == 101
    assert (log["detail"].str.len() > 10).all()
    readme = tmp_path / "README.md"
    readme.write_text(f"head\n{bt.COUNTS_START}\nold\n{bt.COUNTS_END}\ntail\n", encoding="utf-8")
    bt.update_readme(readme, {"results": bt.counts_markdown(res)})
    text = readme.read_text(encoding="utf-8")
    assert "old" not in text and f"{len(res):,} rows" in text and text.endswith("tail\n")
    assert "| object_detection |" in text


def test_shipped_tables_hold_nothing_after_the_data_cutoff():
    import pandas as pd

    from forecast.schema import DATA_CUTOFF

    data = Path(__file__).resolve().parents[1] / "data"
    for name, col in (("compute_prices.csv", "price_date"), ("notable_models.csv", "publication_date"),
                      ("results.csv", "publication_date")):
        dates = pd.read_csv(data / name, dtype=str)[col].dropna()
        assert not (dates > DATA_CUTOFF).any(), name
