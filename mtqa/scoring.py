"""The sentence score: one number per segment, higher = worse ("mqm-penalty-v1").

A segment's score is an MQM-style penalty: the sum of its findings' weights, not normalised
by length, like the WMT MQM segment scores it is compared with. 0 means the checker found
nothing. The weights are the scorecard's defaults (``mtqa.scorecard.DEFAULT_WEIGHTS``: minor
1, major 5, critical 10) whatever the config's ``severity-weights`` say, so that a score
named "mqm-penalty-v1" always means the same thing; the scorecard (mtqa.scorecard) is the
run's per-word score, this is the per-sentence one.

Two hooks let model checks supply finer scores than severity weights:

* a finding whose ``details`` has a numeric ``"penalty"`` counts that value instead of its
  severity weight;
* a check that implements ``SegmentScorer`` (a ``segment_scores(document, ctx)`` method
  returning one penalty per segment, higher = worse) adds those scores, and its own
  findings then add nothing, so a model is not counted twice. Scorers with the same
  ``segment_score_name`` (two checks reading one model) add their score once. A scorer
  may leave a segment unscored (None); one that names other scores in
  ``segment_score_supersedes`` replaces them on the segments it scores (the source-aware
  QE model's score replaces the target-only detector's where a unit has its source).

docs/evaluation.md describes the convention for users.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from mtqa.checks.base import CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding
from mtqa.scorecard import DEFAULT_WEIGHTS

SCORE_NAME = "mqm-penalty-v1"


@runtime_checkable
class SegmentScorer(Protocol):
    """A check that scores every segment itself (e.g. a quality-estimation model)."""

    code: str

    def segment_scores(self, document: Document, ctx: CheckContext) -> Sequence[float | None]:
        """One penalty per ``document.segments`` entry, in order; higher = worse; None: not scored."""
        ...


def finding_penalty(finding: Finding) -> float:
    """A finding's weight: its ``details["penalty"]`` when numeric, else its severity's."""
    value = finding.details.get("penalty")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return DEFAULT_WEIGHTS[finding.severity]


def segment_index(segments: Sequence[Segment], starts: Sequence[int], finding: Finding) -> int | None:
    """Index of the segment a finding belongs to (by its context, else by its start).

    ``starts`` is ``[s.start for s in segments]``, computed once by the caller.
    """
    i = bisect.bisect_right(starts, finding.context_start) - 1
    if i >= 0 and segments[i].start == finding.context_start:
        return i
    i = bisect.bisect_right(starts, finding.start) - 1
    if i >= 0 and finding.start <= segments[i].end:
        return i
    return None


def segment_penalties(
    document: Document,
    findings: Iterable[Finding],
    scorers: Iterable[SegmentScorer] = (),
    ctx: CheckContext | None = None,
) -> list[float]:
    """The score of every segment of ``document`` (higher = worse)."""
    segments = document.segments
    scores = [0.0] * len(segments)
    scorers = list(scorers)
    scored_codes = {s.code for s in scorers}
    by_name = {getattr(s, "segment_score_name", s.code): s for s in scorers}
    starts = [s.start for s in segments]
    for finding in findings:
        if finding.code in scored_codes:
            continue
        i = segment_index(segments, starts, finding)
        if i is not None:
            scores[i] += finding_penalty(finding)
    given: dict[str, list[float | None]] = {}
    for name, scorer in by_name.items():
        given[name] = list(scorer.segment_scores(document, ctx or CheckContext()))
        if len(given[name]) != len(segments):
            raise ValueError(
                f"{scorer.code}: segment_scores returned {len(given[name])} scores for {len(segments)} segments"
            )
    for name, scorer in by_name.items():
        for other in getattr(scorer, "segment_score_supersedes", ()):
            if other in given:
                given[other] = [None if mine is not None else theirs for mine, theirs in zip(given[name], given[other])]
    for values in given.values():
        scores = [a + float(b) if b is not None else a for a, b in zip(scores, values)]
    return scores
