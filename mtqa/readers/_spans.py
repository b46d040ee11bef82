"""Span helpers shared by the readers."""

from __future__ import annotations

from collections.abc import Iterable

from mtqa.document import Span


def merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Sorted, non-empty spans with overlapping or touching ones joined."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)
