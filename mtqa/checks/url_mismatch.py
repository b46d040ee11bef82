"""MT202 url-mismatch."""

from __future__ import annotations

from mtqa.checks._paired import PairedItems
from mtqa.checks._text import url_spans
from mtqa.findings import Severity


class UrlMismatch(PairedItems):
    """Flags URLs present on one side of a translation unit and not on the other.

    What it does:
        Compares the URLs (http, https, ftp, www.) of source and target, ignoring trailing
        sentence punctuation; every URL must appear on both sides, as often. A link localised
        on purpose is reported too: suppress that finding inline or record it in the baseline.
    Why is this bad:
        MT systems translate, truncate or drop links ("www.example.com" → "www.beispiel.com"),
        sending readers nowhere or somewhere else.
    Example:
        Source: Details unter https://example.org/de.
        Target: Details at https://example.org/en.
    Use instead:
        Details at https://example.org/de.
    """

    code = "MT202"
    name = "url-mismatch"
    summary = "A URL appears on one side of the translation and not on the other."
    severity = Severity.MAJOR
    category = "accuracy/mistranslation"
    item = "URL"

    def items(self, text: str) -> list[tuple[int, int, str]]:
        return [(start, end, text[start:end]) for start, end in url_spans(text)]
