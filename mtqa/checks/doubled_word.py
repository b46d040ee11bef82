"""MT102 doubled-word."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity

_DOUBLED = re.compile(r"\b(\w+)(\s+)(\1)\b", re.I | re.U)
# Doublings that are correct English ("that that", "had had").
_ALLOWED = frozenset({"that", "had", "is", "bye", "knock", "no", "very", "so", "ha", "tut"})


class DoubledWord(Check):
    """Flags a word written twice in a row.

    What it does:
        Finds the same word repeated back to back ("the the", "of of").
    Why is this bad:
        MT systems and editing slips repeat words; readers see it at once and lose trust.
    Example:
        The delegation met the the officials.
    Use instead:
        The delegation met the officials.
    """

    code = "MT102"
    name = "doubled-word"
    summary = "The same word twice in a row."
    severity = Severity.MINOR
    category = "fluency/grammar"

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        for match in _DOUBLED.finditer(segment.text):
            word = match.group(1)
            if word.lower() in _ALLOWED or word.isdigit():
                continue
            yield self.finding(
                document, segment, segment.start + match.start(), segment.start + match.end(),
                f"doubled word {word!r}",
                suggestion=word,
            )
