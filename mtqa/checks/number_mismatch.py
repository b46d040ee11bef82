"""MT201 number-mismatch."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mtqa.checks._text import PLACEHOLDER, email_spans, language, mask, url_spans
from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity

# 1 000 (grouped by spaces or apostrophes), or digits with , and . separators: 1,000 1.000 3,14.
# Letters may follow (10th, 5km) but not precede (G7, MP3 are names, not quantities).
_NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:[\u00a0\u202f ']\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)*)(?![.,]?\d)")
_EN_WORDS = "zero one two three four five six seven eight nine ten".split()


def readings(token: str) -> set[float]:
    """Values a written number can stand for under either convention (3.14 or 3,14).

    "1.000" is 1000 in German and 1.0 in English; MT often keeps the source's format, so a
    number matches when any reading agrees, whatever the languages' own conventions.
    """
    token = re.sub(r"[\u00a0\u202f ']", "", token)
    values = set()
    for decimal, group in ((",", "."), (".", ",")):
        whole, _, fraction = token.partition(decimal)
        groups = whole.split(group)
        if decimal in fraction or group in fraction or any(len(g) != 3 for g in groups[1:]):
            continue
        values.add(float("".join(groups) + "." + (fraction or "0")))
    return values


def numbers(text: str) -> list[tuple[int, int, str, set[float]]]:
    """(start, end, token, readings) of each number, outside URLs, e-mails and placeholders.

    A token that is no number under either convention (28.11.2026, 1.2.3) counts as its
    parts, so that a date written 11/28/2026 on the other side still matches.
    """
    hidden = url_spans(text) + email_spans(text) + [m.span() for m in PLACEHOLDER.finditer(text)]
    found = []
    for match in _NUMBER.finditer(mask(text, hidden)):
        values = readings(match.group())
        if values:
            found.append((match.start(), match.end(), match.group(), values))
        else:
            found.extend(
                (match.start() + m.start(), match.start() + m.end(), m.group(), {float(m.group())})
                for m in re.finditer(r"\d+", match.group())
            )
    return found


def _spelled(value: set[float], lang: str | None, text: str) -> bool:
    """Small numbers are often written out in English ("2 days" → "two days")."""
    return lang is not None and language(lang) == "en" and any(
        v.is_integer() and 0 <= v <= 10 and re.search(rf"\b{_EN_WORDS[int(v)]}\b", text, re.I) for v in value
    )


class NumberMismatch(Check):
    """Flags numbers present in the source and not in the target, or the other way round.

    What it does:
        Compares the numbers on both sides, reading 1,000 / 1.000 / 1 000 and 3.14 / 3,14 by
        either convention, and ignoring numbers inside URLs, e-mail addresses and
        placeholders. Small numbers written out in an English target ("two") count as present.
    Why is this bad:
        A wrong, dropped or invented number changes the facts: dates, prices, casualty
        figures. MT systems do this more often than readers expect.
    Example:
        Source: Die Preise stiegen um 3,5 Prozent.  Target: Prices rose by 5 percent.
    Use instead:
        Prices rose by 3.5 percent.
    """

    code = "MT201"
    name = "number-mismatch"
    summary = "A number appears on one side of the translation and not on the other."
    severity = Severity.MAJOR
    category = "accuracy/mistranslation"
    needs_source = True

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        if segment.source is None:
            return
        source = numbers(segment.source)
        target = numbers(segment.text)
        unmatched = list(target)
        missing = []
        for item in source:
            match = next((t for t in unmatched if t[3] & item[3]), None)
            if match:
                unmatched.remove(match)
            elif not _spelled(item[3], ctx.target_lang, segment.text):
                missing.append(item[2])
        for start, end, token, value in unmatched:
            if not _spelled(value, ctx.source_lang, segment.source):
                yield self.finding(
                    document, segment, segment.start + start, segment.start + end,
                    f"number {token!r} is not in the source",
                )
        if missing:
            yield self.finding(
                document, segment, segment.start, segment.end,
                f"number{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
                "of the source missing from the target",
                missing=missing,
            )
