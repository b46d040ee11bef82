"""MT105 unbalanced-quotes-brackets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mtqa.checks._text import inside, paragraphs, segment_at, url_spans
from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity

_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_CLOSING_BRACKETS = {v: k for k, v in _BRACKETS.items()}
# Curly quote pairs (opening → closing) by target language; English-style by default.
_QUOTES = {
    "default": {"“": "”", "«": "»"},
    "de": {"„": "“", "»": "«"},
    "cs": {"„": "“", "»": "«"},
    "sk": {"„": "“", "»": "«"},
    "ru": {"«": "»", "„": "“"},
    "uk": {"«": "»", "„": "“"},
    "pl": {"„": "”", "«": "»"},
    "ro": {"„": "”", "«": "»"},
    "hu": {"„": "”", "»": "«"},
}
# "1) first", "a) second" list markers and emoticons use a lone ")".
_LIST_MARKER = re.compile(r"[ \t]*(?:\w{1,2}|[ivx]+)\)")
_EMOTICON = re.compile(r"[:;]-?$")
_WORD = re.compile(r"[^\W_][\w'’-]*")


class UnbalancedQuotesBrackets(Check):
    """Flags quotation marks and brackets that are unmatched or face the wrong way.

    What it does:
        Within each paragraph, pairs ( ) [ ] { }, curly quotes (“ ” in English, „ “ in
        German, « » …) and straight double quotes; reports the ones left over and a closing
        quote standing where a quotation opens (`positions, ”Butler said`). Apostrophes
        (don't, the 1990s', students') are not quotes and are ignored.
    Why is this bad:
        MT systems move, drop and flip quotes and brackets, so readers cannot tell who said
        what or where an aside ends.
    Example:
        “We will not change our positions, ”Butler said (after the talks.
    Use instead:
        “We will not change our positions,” Butler said (after the talks).
    """

    code = "MT105"
    name = "unbalanced-quotes-brackets"
    summary = "Unmatched or misplaced quotation marks or brackets."
    severity = Severity.MINOR
    category = "fluency/punctuation"

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        quotes = _QUOTES.get(ctx.target_lang.split("-")[0].lower(), _QUOTES["default"])
        for run in paragraphs(document):
            yield from self._check_run(document, run, quotes)

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        quotes = _QUOTES.get(ctx.target_lang.split("-")[0].lower(), _QUOTES["default"])
        yield from self._check_run(document, [segment], quotes)

    def _check_run(self, document: Document, run: list[Segment], quotes: dict[str, str]) -> Iterator[Finding]:
        base = run[0].start
        text = document.text[base : run[-1].end]
        skip = url_spans(text)
        closing_quotes = {v: k for k, v in quotes.items()}
        brackets: list[int] = []  # offsets into text of open brackets
        open_quotes: list[int] = []
        straight: list[int] = []
        problems: list[tuple[int, int, str, str | None]] = []  # start, end, message, suggestion
        marks = re.compile("[" + re.escape("()[]{}\"‘" + "".join(quotes) + "".join(closing_quotes)) + "]")
        for mark in marks.finditer(text):
            i, char = mark.start(), mark.group()
            if inside(i, skip):
                continue
            before, after = text[i - 1] if i else " ", text[i + 1] if i + 1 < len(text) else " "
            if char in _BRACKETS:
                brackets.append(i)
            elif char in _CLOSING_BRACKETS:
                if brackets and text[brackets[-1]] == _CLOSING_BRACKETS[char]:
                    brackets.pop()
                elif _LIST_MARKER.fullmatch(text, text.rfind("\n", 0, i) + 1, i + 1) or _EMOTICON.search(
                    text, max(0, i - 2), i
                ):
                    continue
                elif any(text[j] == _CLOSING_BRACKETS[char] for j in brackets):
                    while text[brackets[-1]] != _CLOSING_BRACKETS[char]:
                        j = brackets.pop()
                        problems.append((j, j + 1, f"{text[j]!r} is never closed", None))
                    brackets.pop()
                else:
                    problems.append((i, i + 1, f"{char!r} has no opening {_CLOSING_BRACKETS[char]!r}", None))
            elif char in closing_quotes:
                opener = closing_quotes[char]
                word = _WORD.match(text, i + 1)
                if before.isspace() and word and char == "”":
                    # A closing quote glued to the next word: on the wrong side of the space,
                    # or used as an opening quote.
                    if open_quotes and text[open_quotes[-1]] == opener:
                        open_quotes.pop()
                        start = len(text[:i].rstrip())
                        if start > 0 and text[start - 1] in ",.!?":
                            start -= 1
                        lead = text[start:i].rstrip()
                        problems.append((start, word.end(), "closing quote on the wrong side of the space",
                                         f"{lead}{char} {word.group()}"))
                    else:
                        open_quotes.append(i)
                        problems.append((i, word.end(), f"closing quote {char!r} opens a quotation",
                                         f"{opener}{word.group()}"))
                elif open_quotes and text[open_quotes[-1]] == opener:
                    open_quotes.pop()
                else:
                    problems.append((i, i + 1, f"closing quote {char!r} without an opening {opener!r}", None))
            elif char in quotes:
                open_quotes.append(i)
            elif char == '"' and not before.isdigit():
                straight.append(i)
            elif char == "‘" and quotes is _QUOTES["default"] and not after.isdigit() and "’" not in text[i:]:
                problems.append((i, i + 1, "opening quote '‘' is never closed", None))
        for j in brackets:
            problems.append((j, j + 1, f"{text[j]!r} is never closed", None))
        for j in open_quotes:
            if not any(start == j for start, *_ in problems):
                problems.append((j, j + 1, f"quotation opened with {text[j]!r} is never closed", None))
        if len(straight) % 2:
            j = straight[-1]
            problems.append((j, j + 1, 'odd number of straight double quotes (")', None))
        for start, end, message, suggestion in sorted(problems):
            segment = segment_at(run, base + start)
            yield self.finding(document, segment, base + start, base + end, message, suggestion=suggestion)
