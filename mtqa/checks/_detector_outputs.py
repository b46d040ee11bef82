"""What the two detector checks share: one model, one scoring pass per document.

MT401 (the word head: MLQE-PE-style error tags) and MT402 (the pattern head: named error
types) read the outputs of the same network run, so a document is scored once however many of
them are selected. The sentence head's score is the segment score of both; ``mtqa.scoring``
counts a score of the same name once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from mtqa.checks.base import Check, CheckContext
from mtqa.detector.words import WORD
from mtqa.document import Document, Segment
from mtqa.errors import ModelUnavailable
from mtqa.findings import Finding

if TYPE_CHECKING:
    from mtqa.detector.infer import LoadedDetector, Scored


def load_shipped() -> LoadedDetector:
    """The detector in ``models/`` (or ``MTQA_DETECTOR_DIR``); a clear error when it is missing."""
    from mtqa.detector import shipped_dir

    directory = shipped_dir()
    if not (directory / "model.safetensors").is_file():
        raise ModelUnavailable(
            f"the detector model is not in {directory}",
            "set MTQA_DETECTOR_DIR to a copy of the repository's models/mtqa-detector-en",
        )
    from mtqa.detector.infer import load_detector

    return load_detector(directory)


def score_document(
    detector: LoadedDetector, document: Document, ctx: CheckContext, task: str
) -> tuple[list[list[tuple[int, int]]], list[Scored]]:
    """Word spans (relative to each segment) and model results of every segment.

    Results go through mtqa's output cache, and are kept in the document's context, so the
    second detector check on a document costs nothing.
    """
    from mtqa.backends.cache import open_cache

    key = f"mtqa-detector:{detector.directory}"
    if key not in ctx.memo:
        spans = [[m.span() for m in WORD.finditer(s.text)] for s in document.segments]
        words = [[s.text[a:b] for a, b in sp] for s, sp in zip(document.segments, spans, strict=True)]
        ctx.progress(task, 0, len(words))
        results = detector.score_cached(words, open_cache())
        ctx.progress(task, len(words), len(words))
        ctx.memo[key] = (spans, results)
    return ctx.memo[key]


class DetectorCheck(Check):
    """Base of the checks that read the detector's outputs (no code: not a check itself)."""

    languages = frozenset({"en"})
    defers_to_rules = True  # "the the" is MT102's, with its fix; the model would only repeat it
    segment_score_name = "mtqa-detector-en:sentence"  # counted once however many checks give it

    def _scored(self, document: Document, ctx: CheckContext) -> tuple[LoadedDetector, list, list[Scored]]:
        """The detector's outputs on ``document``; its signature (weights, thresholds) goes to the report."""
        detector = load_shipped()
        ctx.sign(self.code, str(detector.signature()))
        spans, results = score_document(detector, document, ctx, f"{self.code} detector")
        return detector, spans, results

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        raise NotImplementedError(f"{self.code} scores whole documents (check_document)")

    def segment_scores(self, document: Document, ctx: CheckContext) -> Sequence[float]:
        """The model's sentence score per segment: 0–10, higher = worse."""
        detector, _, results = self._scored(document, ctx)
        return [detector.penalty(r) for r in results]


def runs(labels: Sequence[object]) -> Iterator[tuple[int, int]]:
    """(first, last) index of each run of equal, non-None labels."""
    start = None
    for i, label in enumerate([*labels, None]):
        if start is not None and label != labels[start]:
            yield start, i - 1
            start = None
        if start is None and label is not None:
            start = i
