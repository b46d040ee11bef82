"""MT401 mt-error-detector: mtqa's own model flags words that look machine-mistranslated."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.errors import ModelUnavailable
from mtqa.findings import Finding, Severity

# Words as MLQE-PE's (Moses) tokenisation has them, which the model was trained on: dotted
# abbreviations and numbers whole ("U.S.", "1,500.5"), words with inner hyphens ("well-known"),
# clitics split off ("country 's", "don 't"), and every other non-space character on its own.
_WORD = re.compile(
    r"(?:[^\W\d_]\.){2,}|\d+(?:[.,]\d+)+|\w+(?:-\w+)*|['’](?:s|t|re|ve|ll|d|m)\b|[^\w\s]", re.IGNORECASE
)


class MTErrorDetector(Check):
    """Flags words that mtqa's English MT-error detector marks as likely errors.

    What it does:
        Runs the shipped model ``models/mtqa-detector-en`` (a fine-tuned MiniLM encoder) over
        each English sentence. Words it rates likely to be wrong are merged into spans: minor
        above the calibrated threshold, major above the stricter one. It also gives every
        sentence a quality score (the segment score ``mtqa eval`` correlates with DA and HTER).
    Why is this bad:
        Machine translation leaves errors a reader of the target alone can spot: wrong word
        senses, German-style word order, wrong articles and prepositions, garbled names and
        numbers. They read as fluent enough to slip past rule-based checks.
    Example:
        It is unclear whether Moscow an invasion of Ukraine can order.
    Use instead:
        It is unclear whether Moscow can order an invasion of Ukraine.
    Options:
        None. The model works offline from the repository's ``models/`` folder, or from the
        folder that ``MTQA_DETECTOR_DIR`` names. Its outputs go to mtqa's output cache
        (``MTQA_CACHE_DIR``), so unchanged sentences are not scored again. Opt-in for now: on
        dev data 82 % of the words it flags are errors, but it also flags about 1 % of the
        words of fluent text (see ``models/mtqa-detector-en/MODEL_CARD.md``).
    """

    code = "MT401"
    name = "mt-error-detector"
    aliases = ("detector",)
    summary = "Words the English MT-error detector model rates as likely mistranslations."
    severity = Severity.MINOR
    category = "accuracy/mistranslation"
    languages = frozenset({"en"})
    default_enabled = False  # opt-in until it catches fluent-MT errors without flagging clean text (MODEL_CARD.md)

    def __init__(self) -> None:
        self._last: tuple[str, list[list[tuple[int, int]]], list] | None = None
        self._loaded = None  # the LoadedDetector, once a document needed it

    def _detector(self):  # noqa: ANN202 - mtqa.detector.infer.LoadedDetector (numpy, no torch)
        from mtqa.detector import shipped_dir

        directory = shipped_dir()
        if not (directory / "model.safetensors").is_file():
            raise ModelUnavailable(
                f"the detector model is not in {directory}",
                "set MTQA_DETECTOR_DIR to a copy of the repository's models/mtqa-detector-en",
            )
        from mtqa.detector.infer import load_detector

        self._loaded = load_detector(directory)
        return self._loaded

    @property
    def signature(self) -> str | None:
        """model@weights-hash, thresholds and score name; None until the model has run."""
        return self._loaded.signature() if self._loaded else None

    def _scored(self, document: Document, ctx: CheckContext) -> tuple[list[list[tuple[int, int]]], list]:
        """Word spans and model results of every segment (kept for ``segment_scores``)."""
        from mtqa.backends.cache import open_cache

        if self._last is not None and self._last[0] is document.text:
            return self._last[1], self._last[2]
        detector = self._detector()
        spans = [[m.span() for m in _WORD.finditer(s.text)] for s in document.segments]
        words = [[s.text[a:b] for a, b in sp] for s, sp in zip(document.segments, spans, strict=True)]
        ctx.progress("MT401 detector", 0, len(words))
        results = detector.score_cached(words, open_cache())
        ctx.progress("MT401 detector", len(words), len(words))
        self._last = (document.text, spans, results)
        return spans, results

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        detector = self._detector()
        spans, results = self._scored(document, ctx)
        for segment, word_spans, result in zip(document.segments, spans, results, strict=True):
            for first, last in _runs([p >= detector.minor for p in result.bad]):
                probability = max(result.bad[first : last + 1])
                severity = Severity.MAJOR if probability >= detector.major else Severity.MINOR
                start, end = word_spans[first][0], word_spans[last][1]
                yield self.finding(
                    document, segment, segment.start + start, segment.start + end,
                    f"likely MT error (detector: {probability:.0%})",
                    severity=severity, probability=round(probability, 4),
                )

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        raise NotImplementedError("MT401 scores whole documents (check_document)")

    def segment_scores(self, document: Document, ctx: CheckContext) -> Sequence[float]:
        """The model's sentence score per segment: 0–10, higher = worse."""
        detector = self._detector()
        _, results = self._scored(document, ctx)
        return [detector.penalty(r) for r in results]


def _runs(flags: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """(first, last) index of each run of True values."""
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            yield start, i - 1
            start = None
