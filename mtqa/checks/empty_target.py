"""MT206 empty-target."""

from __future__ import annotations

from collections.abc import Iterator

from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity


class EmptyTarget(Check):
    """Flags a translation unit whose target is empty or only whitespace.

    What it does:
        Reports units with a non-empty source and an empty (or blank) target, at the
        target's position; the finding's span may be zero characters long.
    Why is this bad:
        An empty target shows nothing to the reader, or falls back to the source at run
        time; it usually means the MT step failed or the unit was skipped.
    Example:
        Source: Die Gespräche werden im Mai fortgesetzt.
        Target: (empty)
    Use instead:
        The talks will resume in May.
    """

    code = "MT206"
    name = "empty-target"
    summary = "The target of a translation unit is empty."
    severity = Severity.CRITICAL
    category = "accuracy/omission"
    needs_source = True

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        if segment.source is None or not segment.source.strip() or segment.text.strip():
            return
        yield self.finding(document, segment, segment.start, segment.end, "target is empty")
