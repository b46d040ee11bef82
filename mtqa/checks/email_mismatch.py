"""MT203 email-mismatch."""

from __future__ import annotations

from mtqa.checks._paired import PairedItems
from mtqa.checks._text import email_spans
from mtqa.findings import Severity


class EmailMismatch(PairedItems):
    """Flags e-mail addresses present on one side of a translation unit and not on the other.

    What it does:
        Compares the e-mail addresses of source and target (case-insensitively); every
        address must appear on both sides, as often.
    Why is this bad:
        MT systems translate the parts of an address ("info@" → "infos@", "press@" →
        "presse@") or drop it, and mail goes nowhere.
    Example:
        Source: Schreiben Sie an presse@example.org.
        Target: Write to press@example.org.
    Use instead:
        Write to presse@example.org.
    """

    code = "MT203"
    name = "email-mismatch"
    summary = "An e-mail address appears on one side of the translation and not on the other."
    severity = Severity.MAJOR
    category = "accuracy/mistranslation"
    item = "e-mail address"

    def items(self, text: str) -> list[tuple[int, int, str]]:
        return [(start, end, text[start:end]) for start, end in email_spans(text)]

    def key(self, item: str) -> str:
        return item.lower()
