"""Shared base of the bilingual checks that compare items (URLs, e-mails, placeholders, numbers)."""

from __future__ import annotations

from collections.abc import Iterator

from mtqa.checks._text import unmatched
from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding


class PairedItems(Check):
    """Items that must appear on both sides of a translation unit, as often on each side.

    Subclasses set ``item`` (a noun for messages) and implement ``items``; ``key`` says when
    two items are the same (or override ``compare`` for a looser match). An extra item is
    flagged where it stands in the target; a missing one flags the whole target segment and
    is named in the message.
    """

    needs_source = True
    item: str

    def items(self, text: str) -> list[tuple[int, int, str]]:
        raise NotImplementedError

    def key(self, item: str) -> str:
        return item

    def compare(self, source: str, target: str, ctx: CheckContext) -> tuple[list[str], list[tuple[int, int, str]]]:
        """The source items missing from the target, and the target items not in the source."""
        return unmatched(self.items(source), self.items(target), self.key)

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        if segment.source is None:
            return
        missing, extra = self.compare(segment.source, segment.text, ctx)
        for start, end, text in extra:
            yield self.finding(
                document, segment, segment.start + start, segment.start + end,
                f"{self.item} {text!r} is not in the source",
            )
        if missing:
            yield self.finding(
                document, segment, segment.start, segment.end,
                f"{self.item}{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
                "of the source missing from the target",
                missing=missing,
            )
