"""MT504 mixed-number-format: thousands separators or date orders mixed in one document."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from mtqa.checks._cross import MAX_OTHERS
from mtqa.checks.base import RunCheck, RunContext, place
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity

_DIGIT = re.compile(r"\d")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_GROUPED_COMMA = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]|\.\d)")
_GROUPED_DOT = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d.]|,\d)")
_DAY_MONTH = re.compile(rf"\b(?P<day>{_DAY}) (?P<month>{_MONTHS})\b")
_MONTH_DAY = re.compile(rf"\b(?P<month>{_MONTHS}) (?P<day>{_DAY})\b")


def _swap_separators(text: str) -> str:
    return text.translate(str.maketrans(",.", ".,"))


def _month_first(match: re.Match[str]) -> str:
    return f"{match['month']} {match['day']}"


def _day_first(match: re.Match[str]) -> str:
    return f"{match['day']} {match['month']}"


# family → (style, pattern, rewrite in the family's other style)
_FAMILIES: dict[str, tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]], ...]] = {
    "number": (
        ("1,000.5", _GROUPED_COMMA, lambda m: _swap_separators(m.group())),
        ("1.000,5", _GROUPED_DOT, lambda m: _swap_separators(m.group())),
    ),
    "date": (("20 January", _DAY_MONTH, _month_first), ("January 20", _MONTH_DAY, _day_first)),
}
_CATEGORY = {"number": "locale/number-format", "date": "locale/date-format"}


class MixedNumberFormat(RunCheck):
    """Flags numbers or dates written in two conventions in one document.

    What it does:
        Within each document, finds numbers with thousands separators written both ways
        (1,000 and 1.000) and dates written both day-first and month-first (20 January and
        January 20, English month names); the less used convention is flagged, with the
        number or date rewritten in the other as the suggestion.
    Why is this bad:
        A reader cannot tell whether 1.000 is a thousand or one; one document should follow
        one locale's conventions. MT output mixes them because each sentence is translated
        alone, and the source's convention leaks through.
    Example:
        Sales rose from 1,200 units to 3,400 units, then to 5.600 units.
        The talks began on 20 January and ended on 25 January, not on February 3.
    Use instead:
        Sales rose from 1,200 units to 3,400 units, then to 5,600 units.
        The talks began on 20 January and ended on 25 January, not on 3 February.
    """

    code = "MT504"
    name = "mixed-number-format"
    summary = "Numbers or dates are written in two conventions in one document."
    severity = Severity.MINOR
    category = "locale/number-format"

    def check_run(self, ctx: RunContext) -> Iterator[Finding]:
        for document in self.documents(ctx):
            for family, styles in _FAMILIES.items():
                yield from self._mixed(document, family, styles)

    def _mixed(
        self, document: Document, family: str,
        styles: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]], ...],
    ) -> Iterator[Finding]:
        found: dict[str, list[tuple[Segment, re.Match[str]]]] = {style: [] for style, _, _ in styles}
        for segment in document.segments:
            if not _DIGIT.search(segment.text):  # both families hold digits
                continue
            for style, pattern, _ in styles:
                found[style].extend((segment, m) for m in pattern.finditer(segment.text))
        used = [style for style, _, _ in styles if found[style]]
        if len(used) < 2:
            return
        main = max(used, key=lambda style: len(found[style]))  # a tie: the first style listed
        main_places = [place(document, s.start + m.start(), s.start + m.end()) for s, m in found[main][:MAX_OTHERS]]
        for style, _, rewrite in styles:
            if style == main:
                continue
            for segment, match in found[style]:
                start, end = segment.start + match.start(), segment.start + match.end()
                yield self.finding(
                    document, segment, start, end,
                    f"{match.group()!r} is written as {style}, but this document writes {family}s as {main}"
                    f" ({len(found[main])}×)",
                    suggestion=rewrite(match),
                    category=_CATEGORY[family],
                    others=main_places,
                    convention=main,
                )
