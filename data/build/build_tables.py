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
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from forecast.atomic import atomic_write_text  # noqa: E402
from forecast.data.importers import (  # noqa: E402
    EPOCH_COMPUTE_SOURCE,
    import_epoch,
    import_epoch_lm,
    import_prices,
    import_pwc,
    import_source,
    write_table,
)
from forecast.data.plausibility import (  # noqa: E402
    BELOW_FLOP_MARKER,
    EXPLAINED_6ND_MARKER,
    six_nd_disagreement,
)
from forecast.data.validate import check_table  # noqa: E402
from forecast.schema import DATA_CUTOFF, NOTABLE_COLUMNS, PRICE_COLUMNS, RESULTS_COLUMNS  # noqa: E402

log = logging.getLogger("build_tables")

THOMPSON_PAPER = "arXiv:2007.05558"

# ------------------------------------------------------------------------------------------------
# Reviewed tables. Every entry is applied by the build and recorded in the build log
# (data/build/build_log.csv) with its reason.

# (arXiv id, Papers-with-Code model name, benchmark or None for all) -> (Epoch system, what Epoch's
# figure describes). Reviewed by hand against Epoch's 'Training compute notes': only variants whose
# training run Epoch's figure describes are joined.
EPOCH_JOINS: dict[tuple[str, str, str | None], tuple[str, str]] = {
    ("arXiv:1406.4729", "SPPNet", "imagenet"): ("SPPNet", "the ImageNet classification model"),
    ("arXiv:1409.1556", "VGG-16", "imagenet"): ("VGG16", "VGG-16 (configuration D) ImageNet training"),
    ("arXiv:1409.3215", "LSTM", "wmt14_en_fr"): (
        "Seq2Seq LSTM",
        "the WMT14 En-Fr ensemble of 5 deep LSTMs (34.8 BLEU is that ensemble)",
    ),
    ("arXiv:1409.4842", "Inception V1", "imagenet"): ("GoogLeNet / InceptionV1", "GoogLeNet ImageNet training"),
    ("arXiv:1502.01852", "PReLU-Net", "imagenet"): ("MSRA (C, PReLU)", "model C with PReLU, ImageNet"),
    ("arXiv:1512.03385", "ResNet-152", "imagenet"): ("ResNet-152 (ImageNet)", "ResNet-152 ImageNet training"),
    ("arXiv:1603.01354", "BLSTM-CNN-CRF", "conll2003"): (
        "Named Entity Recognition model",
        "the CoNLL-2003 NER model of Ma & Hovy",
    ),
    ("arXiv:1707.02968", "ResNet-101 (JFT-300M Finetuning)", "imagenet"): (
        "JFT",
        "ResNet-101 pre-trained on JFT-300M (50 K80s x 60 days), then fine-tuned on ImageNet",
    ),
    ("arXiv:1708.02002", "RetinaNet (ResNet-101-FPN)", "coco_test_dev"): (
        "RetinaNet-R101",
        "RetinaNet ResNet-101-FPN COCO training",
    ),
    ("arXiv:1709.02755", "Transformer + SRU", "wmt14_en_de"): (
        "Transformer + Simple Recurrent Unit",
        "the WMT14 En-De Transformer+SRU model (1 V100 x 3.5 days)",
    ),
    ("arXiv:1804.09849", "RNMT+", "wmt14_en_fr"): ("RNMT+", "RNMT+ En-Fr training time (Chen et al. Table 1)"),
    ("arXiv:1805.00932", "ResNeXt-101 32x48d", "imagenet"): (
        "ResNeXt-101 32x48d",
        "Instagram-3.5B pre-training of ResNeXt-101 32x48d (ops count)",
    ),
    ("arXiv:1808.09381", "Transformer Big + BT", "wmt14_en_de"): (
        "Big Transformer for Back-Translation",
        "the En-De big Transformer on back-translated data (128 V100 x 27h40m, Sec. 5.6)",
    ),
    ("arXiv:1810.04805", "BERT Large", "conll2003"): ("BERT-Large", "BERT-Large pre-training"),
    ("arXiv:1810.04805", "BERT large (single)", "squad11_dev"): ("BERT-Large", "BERT-Large pre-training"),
    ("arXiv:1810.04805", "BERT (single model)", "squad11_test"): ("BERT-Large", "BERT-Large pre-training"),
    ("arXiv:1906.08237", "XLNet (single model)", None): ("XLNet", "XLNet-Large pre-training (512 TPU v3 x 5.5 days)"),
    ("arXiv:1910.01108", "DistilBERT", "squad11_dev"): ("DistilBERT", "DistilBERT distillation training"),
    ("arXiv:1910.10683", "T5-11B", None): ("T5-11B", "T5-11B final pre-training (~1T tokens; FLAN paper figure)"),
    ("arXiv:1911.04252", "NoisyStudent (EfficientNet-L2)", "imagenet"): (
        "Noisy Student (L2)",
        "EfficientNet-L2 noisy-student training (TPU v3 pod x 6 days)",
    ),
}

# Compute estimated from the paper where Epoch's figure describes another experiment:
# (arXiv id, PwC model name, benchmark or None) -> (FLOP, method and inputs, compute source).
PAPER_ESTIMATES: dict[tuple[str, str, str | None], tuple[float, str, str]] = {
    ("arXiv:1910.10683", "T5-3B", "squad11_dev"): (
        8.4e21,
        "T5-3B final model, pre-trained 2^20 steps x 2048 sequences x 512 tokens (~1.1e12 tokens, Raffel "
        "et al. Sec. 3.7); estimated as the T5-11B figure for the same recipe (3.3e22 FLOP, Chung et al. "
        "2022 arXiv:2210.11416, as used by Epoch) x 2.8B/11B parameters = 8.4e21; fine-tuning not "
        "included; consistent with 3 x N x 1e12 input tokens x 1.22 (encoder and decoder each hold about half "
        "the parameters, ~114 target tokens per 512 inputs) = 1.0e22. Epoch's 'T5-3B' (8.7e20) is the "
        "2^35-token ablation recipe, not this model",
        "arXiv:1910.10683",
    ),
}

# Join candidates rejected on review (arXiv id -> reason); the rows keep no Epoch figure.
REJECTED_JOINS: dict[str, str] = {
    "arXiv:1311.2901": "ZFNet: two PwC variants; Epoch's single-GPU estimate does not say which",
    "arXiv:1409.0473": "RNNsearch-50*: PwC's 36.2 is BLEU on the no-UNK subset; Epoch's figure is joined to "
    "the full-test result compiled by hand (Bahdanau et al. Table 1, 28.45)",
    "arXiv:1409.2329": "Regularized LSTM: Epoch's 'Large regularized LSTM' is the Penn Treebank language "
    "model, not the WMT14 En-Fr translation model",
    "arXiv:1512.03385": "ResNet-50/101 and Faster R-CNN rows: Epoch's figure is for ResNet-152 only",
    "arXiv:1606.07947": "knowledge-distillation student: variant unclear",
    "arXiv:1609.08144": "GNMT: Epoch's figure scales to the production model (x sqrt(1000)); "
    "Vaswani et al.'s training cost used instead (curated)",
    "arXiv:1610.02357": "Xception: Epoch's figure (60 K80 x 30 days) is the JFT run; the ImageNet model "
    "trained ~3 days (Chollet Sec. 4.3), which Thompson et al.'s hardware burden describes",
    "arXiv:1611.01603": "BiDAF: Epoch's figure (8 Titan X x 60 h) is the CNN/DailyMail cloze setup; the SQuAD "
    "model trains ~20 h on one Titan X (Seo et al. Sec. 4), which Thompson et al.'s burden describes",
    "arXiv:1701.06538": "MoE: Epoch's system is the multilingual MoE-Multi, not the WMT14 pair models",
    "arXiv:1705.03122": "ConvS2S: Epoch's system is the 8-model ensemble, training setup per pair unclear; "
    "Vaswani et al.'s training cost used instead (curated)",
    "arXiv:1712.00559": "PNASNet-5: Epoch's figure is the architecture search cost",
    "arXiv:1802.01548": "AmoebaNet-A: Epoch's figure is the evolution search cost (20k models)",
    "arXiv:1804.02767": "YOLOv3: Epoch's figure (ops x 160 epochs x ImageNet) is the Darknet-53 backbone's "
    "ImageNet training, not the COCO detector (866x Thompson et al.'s burden)",
    "arXiv:1806.09055": "DARTS: Epoch gives no note; likely the search cost",
    "arXiv:1807.11626": "MnasNet: Epoch's figure is the architecture search cost",
    "arXiv:1812.00332": "ProxylessNAS: two PwC variants, search vs final training unclear",
    "arXiv:1903.11059": "AlphaX-1: NAS, no note on what the figure covers",
    "arXiv:1905.05513": "Epoch's system is the WT2 language model, not the translation model",
    "arXiv:1906.03805": "Epoch's system is the language model, not the translation model",
    "arXiv:1910.10683": "T5-3B: Epoch's figure is the 2^35-token ablation recipe; estimated from the paper "
    "instead (PAPER_ESTIMATES)",
    "arXiv:2002.03184": "TaLK Convolution: no note, En-De/En-Fr variant unclear",
    "arXiv:2005.12872": "DETR: Epoch's figure mixes baseline and DC5/R101 schedules",
}

# Papers-with-Code rows corrected on review: (arXiv id, model, benchmark) -> (action, argument, reason).
# Actions: "drop"; "benchmark" (move to the benchmark given).
PWC_FIXES: dict[tuple[str, str, str], tuple[str, str, str]] = {
    ("arXiv:1409.0473", "RNN-search50*", "wmt14_en_fr"): (
        "drop",
        "",
        "36.2 BLEU is on the no-UNK subset of newstest2014 (Bahdanau et al. Table 1 'No UNK'); the full "
        "test set result (28.45) is compiled by hand",
    ),
    ("arXiv:1709.02755", "SRU", "squad11_test"): (
        "benchmark",
        "squad11_dev",
        "SRU 71.4 EM / 80.2 F1 are SQuAD dev-set results (Lei et al. Table 2); there is no test submission",
    ),
}

# Thompson et al.'s frontier points -> the paper that published the result (their files give a name and
# a year only): (benchmark, name as imported) -> (source, date or "" for the arXiv date).
THOMPSON_PAPERS: dict[tuple[str, str], tuple[str, str]] = {
    ("conll2003", "BERT Large"): ("arXiv:1810.04805", ""),
    ("conll2003", "BERT Base"): ("arXiv:1810.04805", ""),
    ("conll2003", "CRF + AutoEncoder"): ("arXiv:1808.09075", ""),
    ("conll2003", "Neural-CRF+AE"): ("arXiv:1808.09075", ""),
    ("conll2003", "I-DARTS + Flair"): ("doi:10.18653/v1/D19-1367", "2019-11-01"),
    ("conll2003", "CNN Large + fine-tune"): ("arXiv:1903.07785", ""),
    ("conll2003", "Flair embeddings + Pooling"): ("doi:10.18653/v1/N19-1078", "2019-06-01"),
    ("conll2003", "LD-Net (9, origin)"): ("arXiv:1804.07827", ""),
    ("conll2003", "LSTM with dynamic skip"): ("arXiv:1811.03873", ""),
    ("conll2003", "LM-LSTM-CRF"): ("arXiv:1709.04109", ""),
    ("conll2003", "Ma and Hovy"): ("arXiv:1603.01354", ""),
    (
        "conll2003",
        "NER and entity linking model (JERL+candidate+mutual+linking; Luo et al, 2015)",
    ): ("doi:10.18653/v1/D15-1104", "2015-09-17"),
    ("conll2003", "Averaged Perceptron UIUC (Ratinov and Roth,2009)"): (
        "https://aclanthology.org/W09-1119",
        "2009-06-04",
    ),
    ("imagenet", "NASNetA (6@4032)"): ("arXiv:1707.07012", ""),
    ("imagenet", "SENet"): ("arXiv:1709.01507", ""),
    ("imagenet", "SCARLETA4"): ("arXiv:1908.06022", ""),
    ("imagenet", "FixResNeXt101 32x48d"): ("arXiv:1906.06423", ""),
    ("imagenet", "ResNeXt101 (64 x 4d) img size 320x320 / 299x299"): ("arXiv:1611.05431", ""),
    ("imagenet", "MnasNetA3"): ("arXiv:1807.11626", ""),
    ("imagenet", "ZFNet(ensemble, 6 convnets)"): ("arXiv:1311.2901", ""),
    ("imagenet", "NoisyStudent(EfficientNetL2)"): ("arXiv:1911.04252", ""),
    ("imagenet", "VGG19"): ("arXiv:1409.1556", ""),
    ("imagenet", "PReLUNet"): ("arXiv:1502.01852", ""),
    ("imagenet", "Xception"): ("arXiv:1610.02357", ""),
    ("imagenet", "AlexNet 7CNNs"): ("doi:10.1145/3065386", "2012-09-30"),
    ("imagenet", "OctResNet152(SE) 224x224"): ("arXiv:1904.05049", ""),
    ("coco_test_dev", "MultiPath Network"): ("arXiv:1604.02135", ""),
    ("coco_test_dev", "ExtremeNet (Hourglass-104, multi-scale)"): ("arXiv:1901.08043", ""),
    ("coco_test_dev", "ExtremeNet (Hourglass-104, single-scale)"): ("arXiv:1901.08043", ""),
    ("coco_test_dev", "Cascade R-CNN (ResNet-101-FPN+, cascade)"): ("arXiv:1712.00726", ""),
    ("coco_test_dev", "Cascade R-CNN (ResNet-50-FPN+, cascade)"): ("arXiv:1712.00726", ""),
    ("coco_test_dev", "Cascade R-CNN (ResNet-101-FPN+)"): ("arXiv:1712.00726", ""),
    ("coco_test_dev", "Cascade R-CNN (ResNet-50-FPN+)"): ("arXiv:1712.00726", ""),
    ("coco_test_dev", "Faster R-CNN (Cascade RPN)"): ("arXiv:1909.06720", ""),
    ("coco_test_dev", "Fast R-CNN (Cascade RPN)"): ("arXiv:1909.06720", ""),
    ("coco_test_dev", "HTC (HRNetV2p-W48)"): ("arXiv:1908.07919", ""),
    ("coco_test_dev", "Mask R-CNN (HRNetV2p-W48 + cascade)"): ("arXiv:1908.07919", ""),
    ("coco_test_dev", "Cascade R-CNN (HRNetV2p-W48)"): ("arXiv:1908.07919", ""),
    ("coco_test_dev", "CenterNet (HRNetV2-W48)"): ("arXiv:1908.07919", ""),
    ("coco_test_dev", "Faster R-CNN (HRNetV2p-W48)"): ("arXiv:1908.07919", ""),
    ("coco_test_dev", "FCOS (HRNetV2p-W48)"): ("arXiv:1908.07919", ""),
    ("coco_test_dev", "Mask R-CNN (HRNetV2p-W32 + cascade)"): ("arXiv:1908.07919", ""),
    ("coco_test_dev", "Faster R-CNN + FPN + CGD"): ("arXiv:1612.03144", ""),
    ("coco_test_dev", "FSAF (ResNet-101, single-scale)"): ("arXiv:1903.00621", ""),
    ("coco_test_dev", "RetinaNet (ResNeXt-101-FPN)"): ("arXiv:1708.02002", ""),
    ("coco_test_dev", "RetinaNet (ResNet-101-FPN)"): ("arXiv:1708.02002", ""),
    ("coco_test_dev", "M2Det (VGG-16, multi-scale)"): ("arXiv:1811.04533", ""),
    ("coco_test_dev", "M2Det (ResNet-101, multi-scale)"): ("arXiv:1811.04533", ""),
    ("coco_test_dev", "M2Det (VGG-16, single-scale)"): ("arXiv:1811.04533", ""),
    ("coco_test_dev", "M2Det (ResNet-101, single-scale)"): ("arXiv:1811.04533", ""),
    ("coco_test_dev", "Mask R-CNN (ResNeXt-101-FPN)"): ("arXiv:1703.06870", ""),
    ("coco_test_dev", "Mask R-CNN (ResNet-101-FPN)"): ("arXiv:1703.06870", ""),
    ("coco_test_dev", "CenterNet-HG (Hourglass-104, single-scale)"): ("arXiv:1904.07850", ""),
    ("coco_test_dev", "CenterNet-DLA (DLA-34, multi-scale)"): ("arXiv:1904.07850", ""),
    ("coco_test_dev", "CenterNet-DLA (DLA-34, single-scale)"): ("arXiv:1904.07850", ""),
    ("coco_test_dev", "RetinaMask (ResNeXt-101-FPN-GN)"): ("arXiv:1901.03353", ""),
    ("coco_test_dev", "SNIPER (ResNet-101)"): ("arXiv:1805.09300", ""),
    ("coco_test_dev", "SNIPER (ResNet-50)"): ("arXiv:1805.09300", ""),
    ("coco_test_dev", "YOLOv3 + Darknet-53"): ("arXiv:1804.02767", ""),
    ("squad11_test", "MEMEN(singel model)"): ("arXiv:1707.09098", ""),
    ("squad11_test", "MEMEN(ensemble model)"): ("arXiv:1707.09098", ""),
    ("squad11_test", "smarnet (single model)"): ("arXiv:1710.02772", ""),
    ("squad11_test", "BERT (ensemble)"): ("arXiv:1810.04805", ""),
    ("squad11_test", "BERT (single)"): ("arXiv:1810.04805", ""),
    ("squad11_test", "BiDAF (ensemble)"): ("arXiv:1611.01603", ""),
    ("squad11_test", "BiDAF (single model)"): ("arXiv:1611.01603", ""),
    ("squad11_test", "FusionNet (single model)"): ("arXiv:1711.07341", ""),
    ("squad11_test", "QANet"): ("arXiv:1804.09541", ""),
    ("squad11_test", "ReasoNet (ensemble)"): ("arXiv:1609.05284", ""),
    ("squad11_test", "ReasoNet (single model)"): ("arXiv:1609.05284", ""),
    ("squad11_test", "Ruminating Reader (single model)"): ("arXiv:1704.07415", ""),
    ("squad11_test", "SRU"): ("arXiv:1709.02755", ""),
    ("squad11_test", "SpanBERT"): ("arXiv:1907.10529", ""),
    ("squad11_test", "SAN"): ("arXiv:1712.03556", ""),
    ("squad11_test", "SAN(single model)"): ("arXiv:1712.03556", ""),
    ("wmt14_en_fr", "Transformer Big [frontier #2]"): ("arXiv:1706.03762", ""),
    ("wmt14_en_fr", "Transformer Base"): ("arXiv:1706.03762", ""),
    ("wmt14_en_fr", "ConvS2S (ensemble)"): ("arXiv:1705.03122", ""),
    ("wmt14_en_fr", "Deep-Att + PosUnk [frontier #6]"): ("arXiv:1606.04199", ""),
    ("wmt14_en_fr", "Deep-Att + PosUnk [frontier #7]"): ("arXiv:1606.04199", ""),
    ("wmt14_en_fr", "depth growing"): ("arXiv:1907.01968", ""),
    ("wmt14_en_fr", "GNMT+RL"): ("arXiv:1609.08144", ""),
    ("wmt14_en_fr", "RNN-search50*"): ("arXiv:1409.0473", ""),
    ("wmt14_en_fr", "MoE"): ("arXiv:1701.06538", ""),
    ("wmt14_en_fr", "Regularized LSTM"): ("arXiv:1409.2329", ""),
    ("wmt14_en_fr", "Transformer Big [frontier #21]"): ("arXiv:1806.00187", ""),
    ("wmt14_en_fr", "RNMT+"): ("arXiv:1804.09849", ""),
    ("wmt14_en_fr", "Transformer Big + BT"): ("arXiv:1808.09381", ""),
    ("wmt14_en_de", "Transformer Big [frontier #33]"): ("arXiv:1706.03762", ""),
    ("wmt14_en_de", "Transformer Base"): ("arXiv:1706.03762", ""),
    ("wmt14_en_de", "ConvS2S (ensemble) [frontier #35]"): ("arXiv:1705.03122", ""),
    ("wmt14_en_de", "ConvS2S (ensemble) [frontier #36]"): ("arXiv:1705.03122", ""),
    ("wmt14_en_de", "Deep-Att + PosUnk"): ("arXiv:1606.04199", ""),
    ("wmt14_en_de", "depth growing"): ("arXiv:1907.01968", ""),
    ("wmt14_en_de", "MoE"): ("arXiv:1701.06538", ""),
    ("wmt14_en_de", "Transformer Big [frontier #64]"): ("arXiv:1806.00187", ""),
    ("wmt14_en_de", "Transformer + SRU"): ("arXiv:1709.02755", ""),
    ("wmt14_en_de", "RNMT+"): ("arXiv:1804.09849", ""),
    ("wmt14_en_de", "Evolved Transformer Big"): ("arXiv:1901.11117", ""),
    ("wmt14_en_de", "Evolved Transformer Base"): ("arXiv:1901.11117", ""),
    ("wmt14_en_de", "Transformer Big + BT"): ("arXiv:1808.09381", ""),
}

_BERT_A2 = (
    "Devlin et al. Sec. A.2: pre-training on {chips} TPU v2 chips x 4 days; x 45 TFLOP/s peak per chip = {flop}; "
    "Thompson et al.'s figure ({old}) is one Cloud TPU (4 chips)"
)

# Thompson et al.'s points corrected on review: (benchmark, name as imported) -> {field: value}, with
# "reason". Fields: drop (True), hardware_burden_flop (a float, or None to drop the burden), benchmark,
# model, value, note (text appended to compute_note).
THOMPSON_FIXES: dict[tuple[str, str], dict[str, object]] = {
    ("imagenet", "NASNetA (6@4032)"): {
        "hardware_burden_flop": None,
        "reason": "the burden (500 GPUs x 4 days) is NASNet's architecture-search cost, which the project "
        "excludes everywhere else (Zoph et al. Sec. 4)",
    },
    ("imagenet", "SENet"): {
        "drop": True,
        "reason": "an exact copy of the NASNet-A point (same value 82.7 and burden 1.645e21): a copy in "
        "Thompson et al.'s source file, not SENet's training",
    },
    ("wmt14_en_fr", "RNN-search50*"): {
        "value": 28.45,
        "reason": "36.7 is not the full-test BLEU: Bahdanau et al. Table 1 gives RNNsearch-50* 28.45 on all "
        "of newstest2014 (36.15 on the no-UNK subset); the value is replaced by 28.45",
    },
    ("squad11_test", "SRU"): {
        "benchmark": "squad11_dev",
        "reason": "80.2 F1 is SQuAD dev (Lei et al. Table 2), not test",
    },
    ("squad11_test", "QANet"): {
        "benchmark": "squad11_dev",
        "reason": "82.7 F1 is QANet's SQuAD dev result (Yu et al. Table 2), not test",
    },
    ("wmt14_en_fr", "ConvS2S (ensemble)"): {
        "model": "ConvS2S",
        "reason": "40.51 BLEU and 8 M40 x 37 days are Gehring et al.'s single model (Table 1); the "
        "ensemble (41.3) has no burden",
    },
    ("wmt14_en_de", "ConvS2S (ensemble) [frontier #36]"): {
        "model": "ConvS2S",
        "reason": "25.16 BLEU is Gehring et al.'s single model (Table 1), not the ensemble",
        "note": f"{BELOW_FLOP_MARKER} both figures are GPU-time x per-GPU FLOP/s (Vaswani et al.'s 9.6e18 assumes "
        "6.0 TFLOP/s per M40 and a longer run; Thompson et al. 6.84 TFLOP/s), 1.2x apart",
    },
    ("wmt14_en_fr", "Transformer Base"): {
        "hardware_burden_flop": 3.29184e18,
        "reason": "Thompson et al. give Transformer Base the big model's figure (8 P100 x 3.5 days); "
        "Vaswani et al. Sec. 5.2: base models trained 12 hours on 8 P100 -> 8 x 9.525 TFLOP/s x 43,200 s",
    },
    ("wmt14_en_de", "Transformer Base"): {
        "hardware_burden_flop": 3.29184e18,
        "reason": "Thompson et al. give Transformer Base the big model's figure (8 P100 x 3.5 days); "
        "Vaswani et al. Sec. 5.2: base models trained 12 hours on 8 P100 -> 8 x 9.525 TFLOP/s x 43,200 s",
    },
    ("conll2003", "BERT Large"): {
        "hardware_burden_flop": 9.95328e20,
        "reason": _BERT_A2.format(chips=64, flop="9.95e20", old="6.22e19"),
    },
    ("conll2003", "BERT Base"): {
        "hardware_burden_flop": 2.48832e20,
        "reason": _BERT_A2.format(chips=16, flop="2.49e20", old="6.22e19"),
    },
    ("squad11_test", "BERT (single)"): {
        "hardware_burden_flop": 9.95328e20,
        "reason": _BERT_A2.format(chips=64, flop="9.95e20", old="1.45e20"),
    },
    ("squad11_test", "BERT (ensemble)"): {
        "hardware_burden_flop": 9.95328e20,
        "reason": _BERT_A2.format(chips=64, flop="9.95e20", old="1.45e20"),
    },
    ("wmt14_en_de", "Transformer Big + BT"): {
        "note": f"{BELOW_FLOP_MARKER} Thompson et al.'s burden counts FP32 peak FLOP/s, Epoch's training FLOP the FP16 "
        "tensor-core peak (125 TFLOP/s) x 30% that the run used (Edunov et al. Sec. 5.1)",
        "reason": "explains why the burden is below Epoch's training FLOP",
    },
}

# Language-model rows dropped on review: (model) -> reason.
LM_DROPS: dict[str, str] = {
    "mini-GPT-2+Active-AdamW": "a 3M-parameter model at WikiText-103 perplexity 9.5 is implausible (below "
    "GPT-3-scale zero-shot results); the figure is not word-level perplexity",
}

LM_6ND_EXPLAINED: dict[str, str] = {}
"""Language-model rows kept despite a >10x 6ND disagreement: model -> explanation."""

ORIGIN_ORDER = ("curated", "pwc", "lm", "thompson")
"""Precedence of the sources when two rows describe the same result."""

SAME_RESULT_TOLERANCE = 0.05
"""Two rows of different origins with the same source, benchmark and metric whose values differ by
at most this much describe the same result (e.g. a Thompson name and a Papers-with-Code name)."""

LOG_COLUMNS = ("action", "origin", "model", "benchmark", "metric", "source", "detail")


class BuildLog:
    """Every row the build drops, corrects, merges, joins or estimates, with the reason."""

    def __init__(self) -> None:
        self.records: list[dict[str, str]] = []

    def add(self, action: str, origin: str, row: pd.Series | dict[str, object], detail: str) -> None:
        """Record one action on one row (a results row or a dict with the same keys)."""
        self.records.append(
            {
                "action": action,
                "origin": origin,
                **{k: "" if pd.isna(row.get(k, "")) else str(row.get(k, "")) for k in LOG_COLUMNS[2:6]},
                "detail": detail,
            }
        )

    def frame(self) -> pd.DataFrame:
        """The log as a table, in a stable order."""
        df = pd.DataFrame(self.records, columns=list(LOG_COLUMNS))
        return df.sort_values(list(LOG_COLUMNS)).reset_index(drop=True)


def _arxiv_month(source: str) -> str | None:
    """``YYYY-MM-01`` of an arXiv id of the form YYMM.NNNNN (None for other sources)."""
    m = re.match(r"^arXiv:(\d{2})(\d{2})\.\d{4,5}$", str(source))
    return f"20{m.group(1)}-{m.group(2)}-01" if m else None


def _join(text: object, extra: str) -> str:
    return "; ".join(x for x in (str(text) if pd.notna(text) else "", extra) if x)


def apply_pwc_fixes(pwc: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """Drop or move the Papers-with-Code rows listed in :data:`PWC_FIXES` (each logged)."""
    pwc = pwc.copy()
    for (arx, model, bench), (action, arg, reason) in PWC_FIXES.items():
        mask = (pwc["source"] == arx) & (pwc["model"] == model) & (pwc["benchmark"] == bench)
        if not mask.any():
            raise SystemExit(f"PWC_FIXES entry matches no PwC row: {arx} {model} {bench}")
        for _, row in pwc[mask].iterrows():
            log.add("dropped" if action == "drop" else "corrected", "pwc", row,
                    reason if action == "drop" else f"benchmark {bench} -> {arg}: {reason}")
        if action == "drop":
            pwc = pwc[~mask]
        else:
            pwc.loc[mask, "benchmark"] = arg
            pwc.loc[mask, "notes"] = [_join(n, f"moved from {bench}: {reason}") for n in pwc.loc[mask, "notes"]]
    return pwc


def join_compute(pwc: pd.DataFrame, epoch: pd.DataFrame, log: BuildLog) -> tuple[pd.DataFrame, int]:
    """Training compute on Papers-with-Code rows: Epoch's figure (:data:`EPOCH_JOINS`) or an estimate
    from the paper (:data:`PAPER_ESTIMATES`); every figure is logged with what it describes."""
    pwc = pwc.copy()
    by_name = epoch.set_index("model")
    joined = 0

    def rows(arx: str, model: str, bench: str | None) -> pd.Series:
        mask = (pwc["source"] == arx) & (pwc["model"] == model)
        if bench is not None:
            mask &= pwc["benchmark"] == bench
        if not mask.any():
            raise SystemExit(f"join table entry matches no PwC row: {arx} {model} {bench}")
        return mask

    for (arx, model, bench), (system, what) in EPOCH_JOINS.items():
        mask = rows(arx, model, bench)
        rec = by_name.loc[system]
        pwc.loc[mask, "training_flop"] = float(rec["training_flop"])
        pwc.loc[mask, "compute_note"] = f"Epoch AI estimate for '{system}': {what} ({rec['compute_note']})"
        pwc.loc[mask, "compute_source"] = EPOCH_COMPUTE_SOURCE
        for _, row in pwc[mask].iterrows():
            log.add("joined", "pwc", row, f"Epoch '{system}' = {float(rec['training_flop']):.3g} FLOP: {what}")
        joined += int(mask.sum())
    for (arx, model, bench), (flop, note, csource) in PAPER_ESTIMATES.items():
        mask = rows(arx, model, bench)
        pwc.loc[mask, "training_flop"] = flop
        pwc.loc[mask, "compute_note"] = note
        pwc.loc[mask, "compute_source"] = csource
        for _, row in pwc[mask].iterrows():
            log.add("estimated", "pwc", row, f"{flop:.3g} FLOP: {note}")
    return pwc, joined


def prepare_thompson(th: pd.DataFrame, paper_dates: dict[str, str], log: BuildLog) -> pd.DataFrame:
    """Thompson et al.'s points with their original paper as source, its date, and the reviewed fixes.

    Every point must be in :data:`THOMPSON_PAPERS` (the build stops otherwise). The date is the
    paper's Papers-with-Code date, else the first day of its arXiv month (Thompson give the year only).
    """
    out = []
    for _, row in th.iterrows():
        key = (str(row["benchmark"]), str(row["model"]))
        if key not in THOMPSON_PAPERS:
            raise SystemExit(f"Thompson point without a paper in THOMPSON_PAPERS: {key}")
        source, date = THOMPSON_PAPERS[key]
        row = row.copy()
        row["source"] = source
        date_from = "as given in THOMPSON_PAPERS (the venue's date)"
        if not date:
            date = paper_dates.get(source) or _arxiv_month(source) or ""
            date_from = "the paper's date" if source in paper_dates else "the arXiv month"
        if not date:
            raise SystemExit(f"no date for Thompson point {key}")
        row["publication_date"] = date
        row["compute_note"] = (
            f"hardware burden (processors x peak FLOP/s x training time) from Thompson et al. ({THOMPSON_PAPER})"
        )
        row["notes"] = (
            f"value and hardware burden as compiled by Thompson et al. ({THOMPSON_PAPER}) as '{row['model']}'; "
            f"date: {date_from} (Thompson et al. give the year {int(row['year_only_year'])} only)"
        )
        log.add("attributed", "thompson", row, f"Thompson et al.'s point '{row['model']}' ({row['year_only_year']}): "
                f"result of {source}, dated {date} ({date_from}); hardware burden {row['hardware_burden_flop']:.4g} "
                "FLOP as Thompson et al. give it for this run")
        fix = THOMPSON_FIXES.get(key, {})
        reason = str(fix.get("reason", ""))
        if fix.get("drop"):
            log.add("dropped", "thompson", row, reason)
            continue
        changes = []
        for field in ("model", "benchmark", "value", "hardware_burden_flop"):
            if field in fix:
                new = fix[field]
                changes.append(f"{field} {row[field]} -> {'none' if new is None else new}")
                row[field] = np.nan if new is None else new
        if "note" in fix:
            row["compute_note"] = _join(row["compute_note"], str(fix["note"]))
        if fix:
            row["notes"] = _join(row["notes"], f"corrected: {reason}")
            log.add("corrected", "thompson", row, f"{', '.join(changes) or 'note added'}: {reason}")
        if pd.isna(row["hardware_burden_flop"]):
            row["compute_note"] = ""
            row["compute_source"] = ""
        out.append(row)
    return pd.DataFrame(out)


def prepare_lm(lm: pd.DataFrame, log: BuildLog) -> pd.DataFrame:
    """Review the language-model rows: drop the implausible ones (:data:`LM_DROPS`) and those whose
    training compute disagrees with their own 6ND inputs
    (:func:`forecast.data.plausibility.six_nd_disagreement`) without an explanation
    (:data:`LM_6ND_EXPLAINED`); date a row cited to a paper later than its date by that paper."""
    keep = []
    for _, row in lm.iterrows():
        if row["model"] in LM_DROPS:
            log.add("dropped", "lm", row, LM_DROPS[str(row["model"])])
            continue
        row = row.copy()
        problem = six_nd_disagreement(float(row["training_flop"]), str(row["compute_note"]))
        if problem:
            why = LM_6ND_EXPLAINED.get(str(row["model"]))
            if why is None:
                log.add("dropped", "lm", row, f"{problem}: cannot tell which describes the run")
                continue
            row["compute_note"] = _join(row["compute_note"], f"{EXPLAINED_6ND_MARKER} {why}")
        month = _arxiv_month(str(row["source"]))
        if month is not None and str(row["publication_date"]) < month:
            log.add("corrected", "lm", row, f"date {row['publication_date']} -> {month}: the cited paper "
                    f"{row['source']} (which reports this row) appeared in {month[:7]}")
            given = row["publication_date"]
            row["notes"] = _join(row["notes"], f"date: month of the cited paper (Ho et al. give {given})")
            row["publication_date"] = month
        keep.append(row)
    return pd.DataFrame(keep, columns=lm.columns)


def _absorb(row: pd.Series, other: pd.Series) -> bool:
    """Take the compute measures ``row`` lacks from ``other``; True when one was taken."""
    took = False
    for col in ("training_flop", "hardware_burden_flop"):
        if pd.isna(row[col]) and pd.notna(other[col]):
            row[col] = other[col]
            took = True
    if took:
        row["compute_note"] = _join(row["compute_note"], other["compute_note"])
        row["compute_source"] = _join(row["compute_source"], other["compute_source"])
    for col in ("tokenization", "lm_setting"):
        if not row.get(col) and other.get(col):
            row[col] = other[col]
    return took


def merge_duplicates(res: pd.DataFrame, log: BuildLog | None = None) -> tuple[pd.DataFrame, int]:
    """Collapse rows that describe the same result, keeping the highest-precedence row.

    Two passes. (1) Rows with the same (model, benchmark, metric, source) are one result: results of
    other papers that share a model name stay apart. (2) Rows of different origins (``origin``
    column, precedence :data:`ORIGIN_ORDER`) with the same source, benchmark and metric whose values
    differ by at most :data:`SAME_RESULT_TOLERANCE` are one result published under two names (e.g.
    Thompson's ``Ma and Hovy`` and Papers with Code's ``BLSTM-CNN-CRF``). A compute measure the kept
    row lacks is taken from the merged row, so one row can carry both measures.

    Parameters
    ----------
    res
        Results rows with an ``origin`` column, in precedence order.
    log
        Build log receiving one ``merged`` record per row merged away.

    Returns
    -------
    tuple of (pandas.DataFrame, int)
        The merged rows and how many kept rows gained a compute measure.
    """
    log = log or BuildLog()
    res = res.copy()
    res["_rank"] = res["origin"].map({o: i for i, o in enumerate(ORIGIN_ORDER)}).fillna(len(ORIGIN_ORDER))
    res = res.sort_values("_rank", kind="stable").reset_index(drop=True)
    gained = 0

    def merge_into(row: pd.Series, other: pd.Series, why: str) -> None:
        nonlocal gained
        gained += _absorb(row, other)
        extra = f"same result also listed as '{other['model']}' ({other['origin']})"
        if abs(float(other["value"]) - float(row["value"])) > 1e-9:
            extra += f", value there {float(other['value']):g}"
        row["notes"] = _join(row["notes"], extra)
        log.add("merged", str(other["origin"]), other, f"{why}: merged into '{row['model']}' ({row['origin']})")

    first: list[pd.Series] = []
    for _, g in res.groupby(["model", "benchmark", "metric", "source"], sort=False, dropna=False):
        row = g.iloc[0].copy()
        for _, other in g.iloc[1:].iterrows():
            merge_into(row, other, "same model, benchmark, metric and source")
        first.append(row)
    rows = sorted(first, key=lambda r: float(r["_rank"]))
    kept: list[pd.Series] = []
    absorbed: set[int] = set()
    for i, row in enumerate(rows):
        if i in absorbed:
            continue
        taken = {row["origin"]}
        for j in range(i + 1, len(rows)):
            other = rows[j]
            if j in absorbed or other["origin"] in taken:
                continue
            same = (other["source"], other["benchmark"], other["metric"]) == (
                row["source"], row["benchmark"], row["metric"])
            if same and abs(float(other["value"]) - float(row["value"])) <= SAME_RESULT_TOLERANCE + 1e-9:
                merge_into(row, other, "same source, benchmark, metric and value")
                absorbed.add(j)
                taken.add(other["origin"])
        kept.append(row)
    out = pd.DataFrame(kept).drop(columns="_rank").reset_index(drop=True)
    return out, gained


def read_curated(folder: Path) -> pd.DataFrame:
    """Every hand-compiled file ``curated_results*.csv`` in ``folder`` (sorted by name), concatenated.

    Each row's ``curated_file`` says which file it came from.
    """
    files = sorted(folder.glob("curated_results*.csv"))
    if not files:
        raise SystemExit(f"no curated_results*.csv in {folder}")
    frames = []
    for f in files:
        df = pd.read_csv(f, dtype={"source": str, "compute_source": str, "compute_note": str, "notes": str})
        missing = [c for c in RESULTS_COLUMNS if c not in df.columns]
        if missing:
            raise SystemExit(f"{f}: missing columns {missing}")
        if "notes" not in df.columns:
            df["notes"] = ""
        df["curated_file"] = f.name
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def build_results(
    shared: Path, curated_dir: Path, log: BuildLog | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Build the results table from the public files and the hand-compiled rows.

    Parameters
    ----------
    shared
        Folder holding the public files.
    curated_dir
        Folder holding ``curated_results*.csv`` (every such file is read).
    log
        Receives every dropped, corrected, merged, joined or estimated row.

    Returns
    -------
    tuple of (pandas.DataFrame, dict)
        The table and counts of what the build did.
    """
    log = log or BuildLog()
    report: dict[str, int] = {}
    epoch = import_epoch(shared / "epoch_ai_models_2024-11.csv")
    pwc = import_pwc(shared / "paperswithcode_2020_key_benchmarks.csv")
    report.update({f"pwc_{k}": v for k, v in pwc.attrs["import_summary"].items()})
    paper_dates = (
        pwc[pwc["source"].astype(str).str.startswith("arXiv:")].groupby("source")["publication_date"].min().to_dict()
    )

    # 1. Papers with Code scores + training compute, by the reviewed tables.
    pwc, joined = join_compute(pwc, epoch, log)
    report["pwc_rows_joined_to_epoch"] = joined
    not_citable = ~pwc["source"].astype(str).str.match(r"^(arXiv:|doi:)")
    report["pwc_dropped_no_arxiv_or_doi"] = int(not_citable.sum())
    pwc = apply_pwc_fixes(pwc[~not_citable], log)
    # a model reported both as top-1 accuracy and top-1 error: keep the accuracy row
    is_acc = pwc["metric"] == "top1_accuracy"
    acc_keys = set(zip(pwc.loc[is_acc, "model"], pwc.loc[is_acc, "source"], strict=True))
    err = pwc[pwc["metric"] == "top1_error"]
    dup_err = err[[k in acc_keys for k in zip(err["model"], err["source"], strict=True)]].index
    report["pwc_dropped_top1_error_duplicating_accuracy"] = len(dup_err)
    pwc = pwc.drop(index=dup_err)

    # 2. Thompson et al. frontier points (hardware burden), under their original papers.
    th = import_source("thompson", shared / "thompson_frontier").copy()
    th["year_only_year"] = th["publication_date"].str[:4].astype(int)
    th = prepare_thompson(th, paper_dates, log)
    report["thompson_rows"] = len(th)

    # 3. Epoch / Ho et al. language-model perplexities with training compute.
    lm = import_epoch_lm(shared / "epoch_lm_benchmark_perplexity.csv").copy()
    bad = ~lm["source"].astype(str).str.match(r"^(arXiv:|doi:)")
    report["lm_dropped_no_arxiv_or_doi"] = int(bad.sum())
    lm = prepare_lm(lm[~bad], log)
    report["lm_rows"] = len(lm)

    # 4. Hand-curated rows from the papers (every curated_results*.csv).
    cur = read_curated(curated_dir)
    cur["notes"] = cur["notes"].fillna("") + "; compiled by hand (" + cur["curated_file"] + ")"
    report["curated_rows"] = len(cur)
    for _, row in cur[cur["training_flop"].notna() | cur["hardware_burden_flop"].notna()].iterrows():
        log.add("estimated", "curated", row, f"{row['compute_note']} [{row['curated_file']}]")

    cols = [*RESULTS_COLUMNS, "notes", "tokenization", "lm_setting", "origin"]
    frames = []
    for name, df in (("curated", cur), ("pwc", pwc), ("lm", lm), ("thompson", th)):
        df = df.copy()
        df["origin"] = name
        for c in cols:
            if c not in df.columns:
                df[c] = "" if c in ("tokenization", "lm_setting") else np.nan
        frames.append(df[cols])
    res = pd.concat(frames, ignore_index=True)
    before = len(res)
    res, gained = merge_duplicates(res, log)
    report["merged_same_result"] = before - len(res)
    report["merged_rows_gaining_a_compute_measure"] = gained
    today = pd.Timestamp.today().strftime("%Y-%m-%d")
    future = res["publication_date"] > today
    for _, row in res[future].iterrows():
        log.add("dropped", str(row["origin"]), row, f"publication date {row['publication_date']} in the future")
    report["dropped_future_date"] = int(future.sum())
    res = res[~future].drop(columns="origin")
    res["notes"] = res["notes"].fillna("").astype(str).str.strip("; ")
    res = res.sort_values(["domain", "benchmark", "metric", "publication_date", "model", "source"]).reset_index(
        drop=True
    )
    return res, report


def counts_markdown(res: pd.DataFrame) -> str:
    """The counts section of ``data/README.md``: per domain, per benchmark and measure, per year."""
    tf = res["training_flop"].notna()
    hb = res["hardware_burden_flop"].notna()
    has = tf | hb
    year = res["publication_date"].str[:4]
    lines = [
        f"Counts (generated by the build): {len(res):,} rows, {int(has.sum())} with compute (training FLOP or "
        f"hardware burden), {int(tf.sum())} with training FLOP, {int(hb.sum())} with hardware burden, "
        f"{int((tf & hb).sum())} with both; with-compute dates {year[has].min()}-{year[has].max()}.",
        "",
        "| domain | benchmark / metric | rows | with compute | training FLOP | hardware burden | both |",
        "|---|---|---|---|---|---|---|",
    ]
    for (dom, bench, metric), g in res.groupby(["domain", "benchmark", "metric"], sort=True):
        t, h = g["training_flop"].notna(), g["hardware_burden_flop"].notna()
        lines.append(
            f"| {dom} | {bench} {metric} | {len(g)} | {int((t | h).sum())} | {int(t.sum())} | {int(h.sum())} | "
            f"{int((t & h).sum())} |"
        )
    lines += ["", "Rows with compute per domain and year:", ""]
    table = pd.crosstab(res.loc[has, "domain"], year[has])
    lines.append("| domain | " + " | ".join(table.columns) + " | total |")
    lines.append("|---|" + "---|" * (len(table.columns) + 1))
    for dom, r in table.iterrows():
        lines.append(f"| {dom} | " + " | ".join(str(int(v)) for v in r) + f" | {int(r.sum())} |")
    lm = res[res["domain"] == "language_modeling"]
    if "tokenization" in res and len(lm):
        tok = lm.groupby(["benchmark", "tokenization", "lm_setting"]).size()
        lines += ["", "Language-model rows by tokenization and setting: " + ", ".join(
            f"{b} {t or 'unknown'} {s.replace('_', '-') or '(no compute)'} {n}" for (b, t, s), n in tok.items())]
    return "\n".join(lines)


def other_counts_markdown(notable: pd.DataFrame, prices: pd.DataFrame) -> str:
    """The generated counts of ``notable_models.csv`` and ``compute_prices.csv`` for ``data/README.md``."""
    dom = notable["domain"].value_counts()
    kinds = prices["price_kind"].value_counts()
    years = notable["publication_date"].str[:4]
    return "\n".join([
        f"Counts (generated by the build): notable_models.csv {len(notable)} rows, {years.min()}-{years.max()}: "
        + ", ".join(f"{d} {n}" for d, n in dom.items()) + ".",
        f"compute_prices.csv {len(prices)} rows, {prices['price_date'].min()[:7]} to {prices['price_date'].max()[:7]}: "
        + ", ".join(f"{k} {n}" for k, n in kinds.items())
        + f"; {int(prices['notes'].str.contains('per-chip price of a').sum())} purchase rows are per-chip prices "
        "of multi-chip systems as Epoch states them (not divided again).",
    ])


def _markers(name: str) -> tuple[str, str]:
    return (f"<!-- counts ({name}): generated by data/build/build_tables.py; do not edit -->",
            f"<!-- end of generated counts ({name}) -->")


COUNTS_START, COUNTS_END = _markers("results")


def update_readme(readme: Path, blocks: dict[str, str]) -> None:
    """Replace each generated counts block of ``data/README.md`` (between its two markers).

    Parameters
    ----------
    readme
        The README.
    blocks
        Block name (``results``, ``other``) -> generated text.
    """
    text = original = readme.read_text(encoding="utf-8")
    for name, block in blocks.items():
        start, end = _markers(name)
        if start not in text or end not in text:
            raise SystemExit(f"{readme}: counts markers for '{name}' not found")
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{block}\n{end}{tail}"
    if text != original:
        atomic_write_text(readme, text)


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
    # Prices listed after the data cutoff are newer than anything the fit may see (kept out, counted).
    late = df["price_date"] > DATA_CUTOFF
    report["dropped_after_data_cutoff"] = int(late.sum())
    df = df[~late]
    # Epoch lists one row per instance size (1, 2, 4, 8 GPUs) at the same per-chip price: keep one.
    dup = df.duplicated(keep="first")
    report["dropped_same_price_other_instance_size"] = int(dup.sum())
    df = df[~dup]
    return df.sort_values(["price_date", "chip", "price_kind"]).reset_index(drop=True), report


def main(argv: list[str] | None = None) -> int:
    """Build the three tables, the build log and the README counts; check the results table."""
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
    build_log = BuildLog()
    here = Path(__file__).resolve().parent
    res, r1 = build_results(args.shared, here, build_log)
    notable, r2 = build_notable(args.shared)
    prices, r3 = build_prices(args.shared)
    write_table(res, args.out / "results.csv")
    write_table(notable, args.out / "notable_models.csv")
    write_table(prices, args.out / "compute_prices.csv")
    log_path = args.out / "build" / "build_log.csv"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    write_table(build_log.frame(), log_path)
    readme = args.out / "README.md"
    if readme.is_file():
        update_readme(readme, {"results": counts_markdown(res), "other": other_counts_markdown(notable, prices)})
    for name, rep in (("results", r1), ("notable_models", r2), ("compute_prices", r3)):
        log.info("%s: %s", name, rep)
    has = res["training_flop"].notna() | res["hardware_burden_flop"].notna()
    print(f"results: {len(res)} rows, {int(has.sum())} with compute; build log: {len(build_log.records)} records")
    print(res[has].groupby(["domain", "benchmark"]).size().to_string())
    print(f"notable_models: {len(notable)} rows; compute_prices: {len(prices)} rows")
    report = check_table(args.out / "results.csv", kind="results")
    for problem in report.problems:
        print(f"  {problem}")
    print(f"check: {len(report.errors)} errors, {len(report.warnings)} warnings")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
