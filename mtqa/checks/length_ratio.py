"""MT207 length-ratio."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mtqa.check_options import Option
from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity


# One Han, kana or Hangul character carries about as much as three Latin letters, so a
# Chinese source is not "three times shorter" than its English translation.
_DENSE_SCRIPT = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_DENSE_WEIGHT = 3


def text_length(text: str) -> int:
    """Length in Latin-letter equivalents (dense scripts weighted)."""
    return len(text) + (_DENSE_WEIGHT - 1) * len(_DENSE_SCRIPT.findall(text))


class LengthRatio(Check):
    """Flags a target much shorter or much longer than its source.

    What it does:
        Compares the lengths of target and source (a Chinese, Japanese or Korean character
        counts as three Latin letters) and reports ratios outside
        ``min_ratio`` (0.4) … ``max_ratio`` (2.5). Sources shorter than ``min_chars`` (20)
        are skipped: short strings vary too much. Set them under ``options.MT207``.
    Why is this bad:
        A target far shorter than its source has usually lost content (a dropped clause);
        one far longer has usually gained some (a hallucination, a repeated phrase).
    Example:
        Source: Die Gespräche, die am Dienstag in Genf begannen, werden im Mai fortgesetzt.
        Target: The talks resume.
    Use instead:
        The talks, which began in Geneva on Tuesday, will resume in May.
    """

    code = "MT207"
    name = "length-ratio"
    summary = "The target is much shorter or much longer than the source."
    severity = Severity.MINOR
    category = "accuracy/omission"
    needs_source = True
    options = (
        Option("min_chars", 20, "sources shorter than this (in Latin-letter equivalents) are skipped"),
        Option("min_ratio", 0.4, "the shortest target accepted, as a fraction of the source's length"),
        Option("max_ratio", 2.5, "the longest target accepted, as a multiple of the source's length"),
    )

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        source, target = (segment.source or "").strip(), segment.text.strip()
        if text_length(source) < self.option(ctx, "min_chars") or not target:
            return  # an empty target is MT206's finding
        ratio = text_length(target) / text_length(source)
        low, high = self.option(ctx, "min_ratio"), self.option(ctx, "max_ratio")
        if low <= ratio <= high:
            return
        yield self.finding(
            document, segment, segment.start, segment.end,
            f"target is {ratio:.2f}× the length of the source (expected {low:g}–{high:g}×)",
            category="accuracy/addition" if ratio > high else None,
            ratio=round(ratio, 3),
        )
