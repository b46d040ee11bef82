"""Sentence-embedding arithmetic: unit vectors and their cosine (plain Python, no torch)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def unit_vector(vector: list[float]) -> list[float]:
    """``vector`` scaled to length 1 (a zero vector stays zero)."""
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of two unit vectors."""
    return float(sum(x * y for x, y in zip(a, b, strict=True)))
