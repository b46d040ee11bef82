"""MT204 placeholder-mismatch."""

from __future__ import annotations

import re

from mtqa.checks._paired import PairedItems
from mtqa.checks._text import PLACEHOLDER
from mtqa.findings import Severity


class PlaceholderMismatch(PairedItems):
    """Flags placeholders and inline tags present on one side and not on the other.

    What it does:
        Compares printf placeholders (%s, %d, %1$s, %(name)s), brace placeholders ({0},
        {name}, {{var}}, ${var}) and inline tags (<b>, </b>, <x id="1"/>) of source and
        target; each must appear on both sides, as often (the order may change).
    Why is this bad:
        A dropped or altered placeholder crashes the program that fills it in, or shows the
        wrong value; a dropped tag breaks the markup.
    Example:
        Source: Hallo {name}, Sie haben %d neue Nachrichten.
        Target: Hello, you have %s new messages.
    Use instead:
        Hello {name}, you have %d new messages.
    """

    code = "MT204"
    name = "placeholder-mismatch"
    summary = "A placeholder or inline tag appears on one side of the translation and not on the other."
    severity = Severity.CRITICAL
    category = "accuracy/mistranslation"
    item = "placeholder"

    def items(self, text: str) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), m.group()) for m in PLACEHOLDER.finditer(text)]

    def key(self, item: str) -> str:
        """Spacing and JSON escaping of attribute quotes do not make a tag different."""
        return re.sub(r"\s+", " ", item.replace('\\"', '"'))
