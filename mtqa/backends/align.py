"""Sentence alignment of a source text and its translation: 1-1, 1-2, 2-1, and unaligned.

Dynamic programming over sentence-embedding similarity plus a length term (in the spirit of
Gale-Church and vecalign): merging two sentences costs a little, leaving one unaligned costs
``skip_cost``. Unaligned source sentences are omissions; unaligned target sentences are
additions.

An embedder whose vectors share a large common direction (multilingual-e5: unrelated
sentences score about 0.8) makes every merge look as good as a 1-1 bead, so nothing is ever
left unaligned. The aligner therefore takes the model's ``floor``, the mean cosine of
unrelated sentences, and measures similarity with that shared part removed: with unit
vectors x = √f·c + √(1−f)·u, the dot product of the u parts is (x·y − f) / (1 − f), and a
bead's similarity is the cosine of its summed u parts. ``floor`` 0 is the plain cosine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from mtqa.document import Document, Segment

if TYPE_CHECKING:
    from mtqa.backends import BoundModel

# (source sentences, target sentences) a step may cover, and what it costs on top of distance
_STEPS = ((1, 1, 0.0), (1, 2, 0.15), (2, 1, 0.15), (1, 0, None), (0, 1, None))


@dataclass(frozen=True)
class Costs:
    """What the aligner needs to know about one embedder's cosine scale."""

    floor: float  # the mean cosine of unrelated sentences, removed as a shared component
    skip_cost: float  # leaving a sentence unaligned (lower finds more omissions and additions)


# Per embed model id. multilingual-e5-small: floor = the mean cosine of 6,000 unrelated
# (source sentence, post-edit sentence) pairs of MLQE-PE dev, 6 pairs (a translation: 0.897);
# skip_cost = the lowest of a grid that keeps false alarms on unchanged 3-unit groups of dev
# post-edits within 3 % per unit: 1.97 %, finding 64 % of dropped and 71 % of added sentences
# (benchmarks/calibrate_omission_addition.py; docs/evaluation.md, "MT302 and MT303 with
# multilingual-e5-small"). Uncalibrated (floor 0, skip 0.8) it found 1.4 % and 0.3 %.
CALIBRATION = {"intfloat/multilingual-e5-small": Costs(floor=0.761, skip_cost=0.45)}
# Any other embedder: the plain cosine, with the skip cost set by hand for all-MiniLM-L6-v2
# (unrelated English sentences score near 0 there).
PLAIN = Costs(floor=0.0, skip_cost=0.8)


def costs_for(model_id: str) -> Costs:
    return CALIBRATION.get(model_id, PLAIN)


@dataclass(frozen=True)
class Bead:
    """One alignment step: source sentence indices ↔ target sentence indices (either may be empty)."""

    source: tuple[int, ...]
    target: tuple[int, ...]


def _shared_removed(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]], floor: float) -> list[list[float]]:
    """Dot products of unit vectors, rows of ``a`` by rows of ``b``, less the common part of squared length ``floor``."""
    if not len(a) or not len(b):
        return [[] for _ in a]
    return ((np.asarray(a, dtype=float) @ np.asarray(b, dtype=float).T - floor) / (1 - floor)).tolist()


def _neighbours(vectors: Sequence[Sequence[float]], floor: float) -> list[float]:
    """Each sentence's dot product with the next one, less the common part (what a 2-sentence bead adds)."""
    if len(vectors) < 2:
        return []
    array = np.asarray(vectors, dtype=float)
    return (((array[:-1] * array[1:]).sum(axis=1) - floor) / (1 - floor)).tolist()


def align(
    source: Sequence[str],
    target: Sequence[str],
    source_vectors: Sequence[Sequence[float]],
    target_vectors: Sequence[Sequence[float]],
    costs: Costs = PLAIN,
    length_weight: float = 0.3,
) -> list[Bead]:
    """The cheapest path of beads covering every sentence of both sides, in order."""
    cross = _shared_removed(source_vectors, target_vectors, costs.floor)
    # the squared length of a bead's summed vectors: 1 per sentence, twice each neighbour product
    source_next = _neighbours(source_vectors, costs.floor)
    target_next = _neighbours(target_vectors, costs.floor)

    def norm(next_products: list[float], start: int, count: int) -> float:
        squared = count + (2 * next_products[start] if count == 2 else 0.0)
        return math.sqrt(max(squared, 1e-6))

    def cost(i: int, j: int, di: int, dj: int, extra: float | None) -> float:
        if extra is None:
            return costs.skip_cost
        dot = sum(cross[p][q] for p in range(i, i + di) for q in range(j, j + dj))
        similarity = dot / (norm(source_next, i, di) * norm(target_next, j, dj))
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
    The source is split as the document was, in its format (paragraphs, headings, then
    sentences: pysbd alone would join a title to the paragraph after it). Source and target
    sentences are aligned; 1-2 and 2-1 beads become one unit. An unaligned
    source sentence joins the source of the unit before it (or after, at the start), and an
    unaligned target sentence joins the unit before it, so MT303's alignment inside the unit
    reports them as omission and addition, at the right place.
    """
    from mtqa.readers import read_document

    sources = []
    if source_text.strip():
        read = read_document(document.path, source_text, lang=source_lang, input_format=document.format)
        sources = [s.text for s in read.segments]
    targets = document.segments
    if not sources or not targets:
        return replace(document, segments=list(targets), bilingual=True)
    vectors = embedder.embed(sources + [s.text for s in targets])
    beads = align(
        sources, [s.text for s in targets], vectors[: len(sources)], vectors[len(sources) :], costs_for(embedder.model_id)
    )
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
