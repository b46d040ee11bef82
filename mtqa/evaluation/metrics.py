"""The measures, as plain functions of labels and scores (no checker, no files).

Undefined values (a correlation with a constant input, a precision with nothing flagged)
are ``None`` rather than NaN, so the JSON stays valid and "undefined" is never mistaken
for a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Span = tuple[int, int]


@dataclass(frozen=True)
class Confusion:
    """Binary confusion counts with BAD (an error) as the positive class."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @classmethod
    def of(cls, gold: Iterable[bool], predicted: Iterable[bool]) -> Confusion:
        tp = fp = fn = tn = 0
        for g, p in zip(gold, predicted, strict=True):
            if g and p:
                tp += 1
            elif p:
                fp += 1
            elif g:
                fn += 1
            else:
                tn += 1
        return cls(tp, fp, fn, tn)

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    def mcc(self) -> float:
        """Matthews correlation; 0 when a row or column is empty (as scikit-learn does)."""
        tp, fp, fn, tn = self.tp, self.fp, self.fn, self.tn
        denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        return (tp * tn - fp * fn) / denominator if denominator else 0.0

    def f1(self) -> float:
        """F1 of the positive (BAD) class; 0 when there is nothing to find or nothing flagged."""
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _constant(values: Sequence[float]) -> bool:
    return len(values) < 2 or min(values) == max(values)


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    from scipy.stats import pearsonr

    if _constant(x) or _constant(y):
        return None
    return _finite(pearsonr(x, y).statistic)


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    from scipy.stats import spearmanr

    if _constant(x) or _constant(y):
        return None
    return _finite(spearmanr(x, y).statistic)


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Kendall's tau-b (ties in either list are allowed)."""
    from scipy.stats import kendalltau

    if _constant(x) or _constant(y):
        return None
    return _finite(kendalltau(x, y, variant="b").statistic)


def char_set(text: str, spans: Iterable[Span]) -> set[int]:
    """Offsets of the non-space characters covered by ``spans`` (the unit of span overlap)."""
    return {i for start, end in spans for i in range(max(start, 0), min(end, len(text))) if not text[i].isspace()}


@dataclass(frozen=True)
class Overlap:
    """Character-overlap counts, summed over segments (micro-average)."""

    overlap: int = 0
    predicted: int = 0
    gold: int = 0

    @classmethod
    def of(cls, text: str, gold: Iterable[Span], predicted: Iterable[Span]) -> Overlap:
        g, p = char_set(text, gold), char_set(text, predicted)
        return cls(len(g & p), len(p), len(g))

    def __add__(self, other: Overlap) -> Overlap:
        return Overlap(self.overlap + other.overlap, self.predicted + other.predicted, self.gold + other.gold)

    def scores(self) -> dict[str, float | None]:
        precision = self.overlap / self.predicted if self.predicted else None
        recall = self.overlap / self.gold if self.gold else None
        if precision is None or recall is None:
            f1 = None if precision is None and recall is None else 0.0
        else:
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1}


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values (None when none is)."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None
