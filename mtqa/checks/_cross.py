"""What the cross-segment checks (MT5xx) share: normalised texts, units grouped by language."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from mtqa.checks.base import RunContext, place
from mtqa.document import Document, Segment
from mtqa.terms.matching import Words

TRAILING = ".!?:;…。！？ \u00a0"
MAX_OTHERS = 10  # places listed in a finding's details beyond its own; the count says how many in all


def normalised(text: str) -> str:
    """A segment as the consistency checks compare it: whitespace, case and trailing punctuation ignored."""
    return " ".join(text.split()).casefold().rstrip(TRAILING)


@dataclass(frozen=True)
class Unit:
    document: Document
    segment: Segment

    def place(self) -> dict[str, object]:
        return place(self.document, self.segment.start, self.segment.end)

    def where(self) -> str:
        line, _ = self.document.line_col(self.segment.start)
        return f"{self.document.path}:{line}"


def units(documents: Iterable[Document], ctx: RunContext) -> Iterator[tuple[str, Unit]]:
    """Every segment of ``documents`` with its document's target language (files in other languages never compare)."""
    for document in documents:
        lang = ctx.languages(document)[0]
        for segment in document.segments:
            yield lang, Unit(document, segment)


def segment_words(ctx: RunContext, segment: Segment, side: str = "target") -> Words:
    """The words of a segment's target (or ``side="source"``), split once for all the run's checks."""
    key = (side, id(segment))
    found = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = Words(segment.text if side == "target" else segment.source or "")
    return found
