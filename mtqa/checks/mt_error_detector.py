"""MT401 mt-error-detector: mtqa's own model flags words that look machine-mistranslated."""

from __future__ import annotations

from collections.abc import Iterator

from mtqa.checks._detector_outputs import DetectorCheck, runs
from mtqa.checks.base import CheckContext
from mtqa.document import Document
from mtqa.findings import Finding, Severity


class MTErrorDetector(DetectorCheck):
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
        The minister said that the talks in May resume would.
    Use instead:
        The minister said that the talks would resume in May.
    Options:
        None. The model works offline from the repository's ``models/`` folder, or from the
        folder that ``MTQA_DETECTOR_DIR`` names. Its outputs go to mtqa's output cache
        (``MTQA_CACHE_DIR``), so unchanged sentences are not scored again. Opt-in: it flags
        about 1 % of the words of fluent text, ten times as many as MT402, which reads the
        same model's error-type head and is on by default (see
        ``models/mtqa-detector-en/MODEL_CARD.md``).
    """

    code = "MT401"
    name = "mt-error-detector"
    aliases = ("detector",)
    summary = "Words the English MT-error detector model rates as likely mistranslations."
    severity = Severity.MINOR
    category = "accuracy/mistranslation"
    default_enabled = False  # it flags ~1 % of fluent words (MODEL_CARD.md); MT402 is the default

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        detector, spans, results = self._scored(document, ctx)
        for segment, word_spans, result in zip(document.segments, spans, results, strict=True):
            for first, last in runs([True if p >= detector.minor else None for p in result.bad]):
                probability = max(result.bad[first : last + 1])
                severity = Severity.MAJOR if probability >= detector.major else Severity.MINOR
                start, end = word_spans[first][0], word_spans[last][1]
                yield self.finding(
                    document, segment, segment.start + start, segment.start + end,
                    f"likely MT error (detector: {probability:.0%})",
                    severity=severity, probability=round(probability, 4),
                )
