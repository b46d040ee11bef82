"""MT105 unbalanced-quotes-brackets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mtqa.checks._text import inside, language, paragraphs, segment_at, url_spans
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
# A lone ")" closes a list marker ("1) first", "b) second", "iv) last") or an emoticon (":)").
_LIST_MARKER = re.compile(r"(?:^|(?<=\s))(?:[^\W_]{1,2}|[ivx]+)\)")
_EMOTICON = re.compile(r"[:;]-?\)")
_WORD = re.compile(r"[^\W_][\w'’-]*")
Problem = tuple[int, int, str, "str | None"]  # start, end (offsets into the run), message, suggestion


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
        for run in paragraphs(document):
            yield from self._check_run(document, run, ctx)

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        yield from self._check_run(document, [segment], ctx)

    def _check_run(self, document: Document, run: list[Segment], ctx: CheckContext) -> Iterator[Finding]:
        base = run[0].start
        text = document.text[base : run[-1].end]
        markup = {(start - base, end - base) for segment in run for start, end in segment.protected}
        source = run[0].source
        if source is not None and _problems(source, _quotes(ctx.source_lang or "en"), []):
            return  # the source is unbalanced too ("(optional"): the target follows it
        problems = _problems(text, _quotes(ctx.target_lang), sorted(markup))
        for start, end, message, suggestion in sorted(problems):
            segment = segment_at(run, base + start)
            yield self.finding(document, segment, base + start, base + end, message, suggestion=suggestion)


def _quotes(lang: str) -> dict[str, str]:
    return _QUOTES.get(language(lang), _QUOTES["default"])


def _lone_closer(text: str, i: int) -> bool:
    """A ")" that needs no "(": a list marker or an emoticon."""
    return bool(_LIST_MARKER.search(text, max(0, i - 4), i + 1) or _EMOTICON.search(text, max(0, i - 2), i + 1))


def _problems(text: str, quotes: dict[str, str], markup: list[tuple[int, int]]) -> list[Problem]:
    """Every unmatched or misplaced bracket and quote in a paragraph's text, outside URLs and
    ``markup`` (inline code, tags: a quote in there does not pair with one outside)."""
    skip = url_spans(text) + markup
    closing_quotes = {v: k for k, v in quotes.items()}
    marks = re.compile("[" + re.escape("()[]{}\"‘" + "".join(quotes) + "".join(closing_quotes)) + "]")
    brackets: list[int] = []  # offsets of open brackets
    open_quotes: list[tuple[int, str]] = []  # offset and expected closing mark of open quotations
    straight: list[int] = []
    problems: list[Problem] = []
    for mark in marks.finditer(text):
        i, char = mark.start(), mark.group()
        if inside(i, skip):
            continue
        before = text[i - 1] if i else " "
        if char in _BRACKETS:
            brackets.append(i)
        elif char in _CLOSING_BRACKETS:
            opener = _CLOSING_BRACKETS[char]
            if opener in (text[j] for j in brackets):
                while text[brackets[-1]] != opener:
                    j = brackets.pop()
                    problems.append((j, j + 1, f"{text[j]!r} is never closed", None))
                brackets.pop()
            elif char != ")" or not _lone_closer(text, i):
                problems.append((i, i + 1, f"{char!r} has no opening {opener!r}", None))
        elif char in closing_quotes:
            opener = closing_quotes[char]
            is_open = bool(open_quotes) and open_quotes[-1][1] == char
            word = _WORD.match(text, i + 1)
            if before.isspace() and word and char == "”":
                # Glued to the next word: a closing quote on the wrong side of the space, or a
                # closing quote used to open a quotation.
                if is_open:
                    open_quotes.pop()
                    start = len(text[:i].rstrip())
                    start -= start > 0 and text[start - 1] in ",.!?"
                    lead = text[start:i].rstrip()
                    problems.append((start, word.end(), "closing quote on the wrong side of the space",
                                     f"{lead}{char} {word.group()}"))
                else:
                    open_quotes.append((i, char))
                    problems.append((i, word.end(), f"closing quote {char!r} opens a quotation",
                                     f"{opener}{word.group()}"))
            elif is_open:
                open_quotes.pop()
            else:
                problems.append((i, i + 1, f"closing quote {char!r} without an opening {opener!r}", None))
        elif char in quotes:
            open_quotes.append((i, quotes[char]))
        elif char == '"':
            if not before.isdigit():  # 5" is inches
                straight.append(i)
        elif quotes is _QUOTES["default"] and "’" not in text[i:] and not text[i + 1 : i + 2].isdigit():
            problems.append((i, i + 1, "opening quote '‘' is never closed", None))  # ‘90s is an apostrophe
    flagged = {start for start, *_ in problems}
    problems += [(j, j + 1, f"{text[j]!r} is never closed", None) for j in brackets]
    problems += [
        (j, j + 1, f"quotation opened with {text[j]!r} is never closed", None)
        for j, _ in open_quotes
        if j not in flagged
    ]
    if len(straight) % 2:
        problems.append((straight[-1], straight[-1] + 1, 'odd number of straight double quotes (")', None))
    return problems
