"""Fit MT311's normaliser on MLQE-PE train and set its threshold on dev; writes mtqa/checks/lm_surprisal.json.

    MTQA_REGISTRY=reg.toml python benchmarks/calibrate_lm_surprisal.py --data ../shared/data/mlqe-pe \
        [--train 800] [--dev 200] [--false-alarm 0.03] [--context-tokens 128] [--out mtqa/checks/lm_surprisal.json]

1. train (the first ``--train`` sentences of each *-en pair): every MT word scored by the
   ``lm:en`` model exactly as MT311 scores it (runs of sentences after their context); a
   logistic regression over ``lm_surprisal.FEATURES`` and surprisal × each of them fits the
   word tags (BAD = 1), and least squares over the words tagged OK fits a correct word's
   expected surprisal (the finding's message).
2. dev: the threshold is the score above which ``--false-alarm`` of the words of the first
   ``--dev`` post-edited sentences per pair fall (post-edits are correct text, as for MT402);
   the AUC for the dev MT words tagged BAD of the raw surprisal, of the surprisal less a
   correct word's expected one, and of the normalised score are printed and stored, with
   the share of dev MT words flagged. Test splits are never read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PAIRS = ("ro-en", "et-en", "ne-en", "ru-en", "si-en")
_SPACE_BEFORE = re.compile(r" ([.,;:!?%)\]}]|'s\b|n't\b|'re\b|'ve\b|'ll\b|'d\b|'m\b)")
_SPACE_AFTER = re.compile(r"([(\[{]) ")


def detokenise(line: str) -> str:
    """Undo Moses-style spacing well enough for an LM (post-edits are tokenised like the MT)."""
    return _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", line))


def auc(scores: list[float], labels: list[bool]) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    positive = np.asarray(labels, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def logistic(x: np.ndarray, labels: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method (IRLS) on standardised columns, L2 on all but the intercept."""
    centre, spread = x.mean(0), x.std(0)
    centre[0], spread[0] = 0.0, 1.0  # column 0 is the intercept
    spread[spread == 0] = 1.0
    xs = (x - centre) / spread
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xs @ w)))
        gradient = xs.T @ (p - labels) + penalty * w
        hessian = (xs * (p * (1 - p))[:, None]).T @ xs + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w / spread
    weights[0] -= float((centre / spread) @ w)
    return weights


def words_of(texts: list[str], lm: object, context_tokens: int) -> list[list[tuple[str, object]]]:
    from mtqa.checks.lm_surprisal import document_words
    from mtqa.evaluation.system import sentences_document

    document = sentences_document(texts)
    scored = document_words(document, document.segments, lm, context_tokens, top_k=0)
    return [[(segment.text[w.start : w.end], w) for w in words] for segment, words in scored]


def word_labels(text: str, tokenised: str, gold: list[bool], words: list[tuple[str, object]]) -> list[bool]:
    from mtqa.evaluation.mlqe import bad_tokens

    labels = []
    for _, word in words:
        covered = bad_tokens(text, tokenised, [(word.start, word.end)])  # type: ignore[attr-defined]
        labels.append(any(c and g for c, g in zip(covered, gold, strict=True)))
    return labels


def scored_pairs(args: argparse.Namespace, lm: object, split: str, limit: int) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per pair: (feature rows, surprisal bits, BAD labels) of every MT word of the first ``limit`` sentences."""
    from mtqa.checks.lm_surprisal import FEATURES, features
    from mtqa.evaluation.mlqe import load_pair

    result = {}
    for pair in PAIRS:
        data = load_pair(args.data, pair, split, limit)
        rows, bits, bad = [], [], []
        for text, tokenised, gold, words in zip(
            data.texts, data.sentences, data.word_bad, words_of(data.texts, lm, args.context_tokens), strict=True
        ):
            rows += [features(t, w, "en") for t, w in words]
            bits += [w.bits for _, w in words]  # type: ignore[attr-defined]
            bad += word_labels(text, tokenised, gold, words)
        result[pair] = (np.asarray(rows).reshape(-1, len(FEATURES)), np.asarray(bits), np.asarray(bad, dtype=bool))
        print(f"{split} {pair}: {len(bits)} words", flush=True)
    return result


def post_edit_words(args: argparse.Namespace, lm: object) -> tuple[np.ndarray, np.ndarray]:
    """(feature rows, bits) of the words of the first ``--dev`` post-edited dev sentences of every pair."""
    from mtqa.checks.lm_surprisal import FEATURES, features
    from mtqa.evaluation.files import read_lines

    rows, bits = [], []
    for pair in PAIRS:
        post_edits = [detokenise(line) for line in read_lines(args.data / pair / "dev.pe")[: args.dev]]
        for words in words_of(post_edits, lm, args.context_tokens):
            rows += [features(t, w, "en") for t, w in words]
            bits += [w.bits for _, w in words]  # type: ignore[attr-defined]
    return np.asarray(rows).reshape(-1, len(FEATURES)), np.asarray(bits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--train", type=int, default=800)
    parser.add_argument("--dev", type=int, default=200)
    parser.add_argument("--false-alarm", type=float, default=0.03)
    parser.add_argument("--context-tokens", type=int, default=128)
    parser.add_argument("--out", type=Path, default=REPO / "mtqa" / "checks" / "lm_surprisal.json")
    args = parser.parse_args()

    from mtqa.backends import Models
    from mtqa.checks.lm_surprisal import FEATURES, Normaliser

    started = time.perf_counter()
    lm = Models().lm("en")
    train = scored_pairs(args, lm, "train", args.train)
    dev = scored_pairs(args, lm, "dev", args.dev)
    pe_rows, pe_bits = post_edit_words(args, lm)
    x = np.concatenate([v[0] for v in train.values()])
    y = np.concatenate([v[1] for v in train.values()])
    is_bad = np.concatenate([v[2] for v in train.values()])
    ok = ~is_bad
    expected = np.linalg.lstsq(x[ok], y[ok], rcond=None)[0]  # a correct word's surprisal (for the message)
    weights = logistic(np.hstack([x, x * y[:, None]]), is_bad.astype(float))
    normaliser = Normaliser(tuple(expected), tuple(weights))

    def scores(rows: np.ndarray, bits: np.ndarray) -> list[float]:
        return [normaliser.score(b, r) for r, b in zip(rows.tolist(), bits.tolist(), strict=True)]

    threshold = float(np.quantile(scores(pe_rows, pe_bits), 1 - args.false_alarm))
    figures: dict[str, dict[str, float]] = {}
    for pair, (rows, bits, bad) in [*dev.items(), ("all", tuple(np.concatenate([v[i] for v in dev.values()]) for i in range(3)))]:
        normalised = scores(rows, bits)
        figures[pair] = {
            "words": len(bits),
            "bad": int(bad.sum()),
            "auc_raw": round(auc(bits.tolist(), bad.tolist()), 4),
            "auc_excess": round(auc((bits - rows @ expected).tolist(), bad.tolist()), 4),
            "auc_normalised": round(auc(normalised, bad.tolist()), 4),
            "flagged": round(float(np.mean(np.asarray(normalised) > threshold)), 4),
        }
    result = {
        "name": f"mlqe-train{args.train}-v1",
        "model": lm.ref,
        "features": list(FEATURES),
        "expected_bits": [round(float(v), 5) for v in expected],
        "weights": [round(float(v), 6) for v in weights],
        "threshold": round(threshold, 3),
        "recipe": (
            f"python benchmarks/calibrate_lm_surprisal.py --data ../shared/data/mlqe-pe --train {args.train} "
            f"--dev {args.dev} --false-alarm {args.false_alarm} --context-tokens {args.context_tokens}"
        ),
        "train": {"pairs": list(PAIRS), "sentences_per_pair": args.train, "words": int(len(y)), "bad": int(is_bad.sum())},
        "dev": {"sentences_per_pair": args.dev, "post_edit_words": int(len(pe_bits)), "false_alarm": args.false_alarm,
                "figures": figures},
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    print(f"wrote {args.out} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
