"""MT103 space-before-punctuation."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mtqa.checks._text import language
from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity

# A word (or closing bracket/quote), spaces, then punctuation that is not the start of an
# ellipsis and not glued to what follows (".NET", ".5", ":)").
_SPACE_BEFORE = re.compile(r"(?<=[\w)\]”’»\"'])([ \t\u00a0\u202f]+)([,.;:!?])(?![.\w)(])")
# French typography puts a (narrow) space before these marks.
_SPACED_MARKS = {"fr": ";:!?"}


class SpaceBeforePunctuation(Check):
    """Flags a space before a comma, full stop, colon, semicolon, question or exclamation mark.

    What it does:
        Finds whitespace between a word and the punctuation that should touch it. An ellipsis
        ("wait ...") is left alone, and so is the space French typography wants before ; : ! ?.
    Why is this bad:
        Detokenisation errors in MT output leave "word ," behind; it reads as careless.
    Example:
        The talks failed , officials said .
    Use instead:
        The talks failed, officials said.
    """

    code = "MT103"
    name = "space-before-punctuation"
    summary = "Whitespace before a punctuation mark that should follow the word directly."
    severity = Severity.MINOR
    category = "fluency/punctuation"

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        allowed = _SPACED_MARKS.get(language(ctx.target_lang), "")
        for match in _SPACE_BEFORE.finditer(segment.text):
            mark = match.group(2)
            if mark in allowed:
                continue
            yield self.finding(
                document, segment, segment.start + match.start(), segment.start + match.end(),
                f"space before {mark!r}",
                suggestion=mark,
            )
