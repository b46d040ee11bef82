"""MT205 target-identical-to-source."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mtqa.check_options import Option
from mtqa.checks._text import language, mask_codes
from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity

_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _translatable_words(text: str) -> list[str]:
    """Words that would need translating: not URLs, e-mails, placeholders or numbers."""
    return _WORD.findall(mask_codes(text))


class TargetIdenticalToSource(Check):
    """Flags a target that is an exact copy of its source.

    What it does:
        Reports units whose target equals the source (ignoring surrounding whitespace).
        Short strings (fewer than ``min_words`` = 3 words, set under ``options.MT205``),
        strings of numbers, codes or URLs, and strings made only of capitalised words
        (product and proper names such as "Google Cloud Platform") are left alone, as they
        are often the same in both languages.
    Why is this bad:
        A copied source is an untranslated string: the MT system or the tool chain passed
        it through, and readers get the source language.
    Example:
        Source: Die Gespräche werden im Mai fortgesetzt.
        Target: Die Gespräche werden im Mai fortgesetzt.
    Use instead:
        The talks will resume in May.
    """

    code = "MT205"
    name = "target-identical-to-source"
    summary = "The target is a copy of the source."
    severity = Severity.MAJOR
    category = "accuracy/untranslated"
    needs_source = True
    options = (Option("min_words", 3, "targets with fewer translatable words are not reported"),)

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        if segment.source is None or segment.text.strip() != segment.source.strip():
            return
        if ctx.source_lang and language(ctx.source_lang) == language(ctx.target_lang):
            return
        words = _translatable_words(segment.text)
        if len(words) < self.option(ctx, "min_words") or all(w[0].isupper() for w in words):
            return
        yield self.finding(
            document, segment, segment.start, segment.end,
            "target is identical to the source (untranslated?)",
        )
