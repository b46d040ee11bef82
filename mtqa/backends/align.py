"""Sentence alignment of a source text and its translation: 1-1, 1-2, 2-1, and unaligned.

Dynamic programming over sentence-embedding similarity plus a length term (in the spirit of
Gale-Church and vecalign): merging two sentences costs a little, leaving one unaligned costs
``skip_cost``. Unaligned source sentences are omissions; unaligned target sentences are
additions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mtqa.backends.vectors import cosine, unit_vector
from mtqa.document import Document, Segment

if TYPE_CHECKING:
    from mtqa.backends import BoundModel

# (source sentences, target sentences) a step may cover, and what it costs on top of distance
_STEPS = ((1, 1, 0.0), (1, 2, 0.15), (2, 1, 0.15), (1, 0, None), (0, 1, None))


@dataclass(frozen=True)
class Bead:
    """One alignment step: source sentence indices ↔ target sentence indices (either may be empty)."""

    source: tuple[int, ...]
    target: tuple[int, ...]


def _mean(vectors: Sequence[Sequence[float]]) -> list[float]:
    """The direction of the sentences' summed embeddings (a unit vector)."""
    return unit_vector([sum(values) for values in zip(*vectors, strict=True)])


def align(
    source: Sequence[str],
    target: Sequence[str],
    source_vectors: Sequence[Sequence[float]],
    target_vectors: Sequence[Sequence[float]],
    skip_cost: float = 0.8,
    length_weight: float = 0.3,
) -> list[Bead]:
    """The cheapest path of beads covering every sentence of both sides, in order."""
    def cost(i: int, j: int, di: int, dj: int, extra: float | None) -> float:
        if extra is None:
            return skip_cost
        similarity = cosine(_mean(source_vectors[i : i + di]), _mean(target_vectors[j : j + dj]))
        src_len = sum(len(s) for s in source[i : i + di]) + 1
        tgt_len = sum(len(t) for t in target[j : j + dj]) + 1
        return (1 - similarity) + length_weight * abs(math.log(tgt_len / src_len)) + extra

    n, m = len(source), len(target)
    best = [[math.inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if best[i][j] == math.inf:
                continue
            for di, dj, extra in _STEPS:
                if i + di > n or j + dj > m:
                    continue
                total = best[i][j] + cost(i, j, di, dj, extra)
                if total < best[i + di][j + dj]:
                    best[i + di][j + dj] = total
                    back[i + di][j + dj] = (di, dj)
    beads = []
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None
        di, dj = step
        beads.append(Bead(tuple(range(i - di, i)), tuple(range(j - dj, j))))
        i, j = i - di, j - dj
    return beads[::-1]


def attach_source(document: Document, source_text: str, source_lang: str, embedder: BoundModel) -> Document:
    """A bilingual copy of a monolingual ``document``: each segment gets its aligned source.

    This is source-aware mode for a separate source file (``--source FILE --src-lang xx``).
    Source and target sentences are aligned; 1-2 and 2-1 beads become one unit. An unaligned
    source sentence joins the source of the unit before it (or after, at the start), and an
    unaligned target sentence joins the unit before it, so MT303's alignment inside the unit
    reports them as omission and addition, at the right place.
    """
    from mtqa.segment import sentence_spans

    sources = [source_text[a:b] for a, b in sentence_spans(source_text, source_lang)]
    targets = document.segments
    if not sources or not targets:
        return replace(document, segments=list(targets), bilingual=True)
    vectors = embedder.embed(sources + [s.text for s in targets])
    beads = align(sources, [s.text for s in targets], vectors[: len(sources)], vectors[len(sources) :])
    units: list[tuple[list[int], list[int]]] = []  # (source indices, target indices)
    pending_sources: list[int] = []
    for bead in beads:
        if bead.target:
            units.append((pending_sources + list(bead.source), list(bead.target)))
            pending_sources = []
        elif units:
            units[-1][0].extend(bead.source)
        else:
            pending_sources.extend(bead.source)
    if pending_sources:
        units[-1][0].extend(pending_sources)
    merged: list[tuple[list[int], list[int]]] = []
    for unit in units:
        if not unit[0] and merged:  # a target sentence with no source joins the unit before
            merged[-1][1].extend(unit[1])
        else:
            merged.append(unit)
    if len(merged) > 1 and not merged[0][0]:  # an unsourced first sentence joins the next unit
        merged[1] = (merged[1][0], merged[0][1] + merged[1][1])
        merged.pop(0)
    segments = []
    for index, (src_ids, tgt_ids) in enumerate(merged):
        first, last = targets[tgt_ids[0]], targets[tgt_ids[-1]]
        segments.append(
            Segment(
                start=first.start,
                end=last.end,
                text=document.text[first.start : last.end],
                index=index,
                protected=tuple(p for i in tgt_ids for p in targets[i].protected),
                source=" ".join(sources[i] for i in src_ids) or None,
                unit_id=first.unit_id,
            )
        )
    return replace(document, segments=segments, bilingual=True)
