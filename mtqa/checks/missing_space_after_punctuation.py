"""MT104 missing-space-after-punctuation."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mtqa.checks._text import email_spans, inside, url_spans
from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity

# "word,word", "end.Next", "Note:this", "really?Yes". A full stop needs two lower-case letters
# before it and a capitalised word after, which leaves e.g., U.S., 3.14 and file.txt alone;
# colons need letters on both sides, which leaves 10:30 and C:\ alone. The word before is
# possessive (++): every branch after it starts with a mark, never a letter, so giving letters
# back could not match and would only retry every branch at each letter of every word.
_MISSING = re.compile(
    r"(?<![^\W\d_])(?P<before>[^\W\d_]++)(?:"
    r"(?P<comma>[,;])(?=[^\W\d_])"
    r"|(?<=[a-z]{2})(?P<stop>[.!?])(?=[A-Z][a-z])"
    r"|(?<=[^\W\d_]{2})(?P<qmark>[!?])(?=[^\W\d_])"
    r"|(?<=[^\W\d_]{2})(?P<colon>:)(?=[^\W\d_])(?!//)"
    r")(?P<after>[^\W_]+)"
)


class MissingSpaceAfterPunctuation(Check):
    """Flags punctuation glued to the next word.

    What it does:
        Finds "word,word", "end.Next", "Note:this" and "why?Because", leaving decimals (3.14),
        times (10:30), abbreviations (e.g., U.S.), URLs and e-mail addresses alone.
    Why is this bad:
        MT detokenisers and careless joins drop spaces; the words run together, spell
        checkers and readers stumble, and sentence splitting breaks.
    Example:
        The talks ended late.Next week,ministers meet again.
    Use instead:
        The talks ended late. Next week, ministers meet again.
    """

    code = "MT104"
    name = "missing-space-after-punctuation"
    summary = "No space after a comma, full stop, colon, semicolon, question or exclamation mark."
    severity = Severity.MINOR
    category = "fluency/punctuation"

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        """Segments are checked one by one, and where the splitter cut "late.|Next" apart."""
        previous: Segment | None = None
        for segment in document.segments:
            yield from self.check_segment(document, segment, ctx)
            if previous is not None and previous.end == segment.start:
                yield from self._at_boundary(document, previous, segment)
            previous = segment

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        text = segment.text
        skip = url_spans(text) + email_spans(text)
        for match in _MISSING.finditer(text):
            cut = match.start("after") - 1 - match.start()
            if inside(match.start("after") - 1, skip):
                continue
            yield self._finding(document, segment, segment.start + match.start(), match.group(), cut)

    def _at_boundary(self, document: Document, previous: Segment, segment: Segment) -> Iterator[Finding]:
        before = re.search(r"(?:[^\W\d_]*[a-z]{2}\.|[^\W\d_]{2,}[!?])$", previous.text)  # as in _MISSING
        after = re.match(r"[A-Z][a-z]\w*", segment.text)
        if before and after:
            start = previous.start + before.start()
            flagged = before.group() + after.group()
            both = Segment(previous.start, segment.end, document.text[previous.start : segment.end], previous.index)
            yield self._finding(document, both, start, flagged, len(before.group()) - 1)

    def _finding(self, document: Document, segment: Segment, start: int, flagged: str, cut: int) -> Finding:
        """``flagged`` is "word,word"; ``cut`` is the offset of its punctuation mark."""
        return self.finding(
            document, segment, start, start + len(flagged),
            f"no space after {flagged[cut]!r}",
            suggestion=f"{flagged[: cut + 1]} {flagged[cut + 1 :]}",
        )
