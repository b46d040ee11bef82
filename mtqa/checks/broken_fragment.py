"""MT106 broken-fragment."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mtqa.checks._text import language, paragraphs
from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity
from mtqa.segment import abbreviations

# Punctuation glued to the first word of a sentence: "-European nations", ",and then".
# Not an ellipsis ("...and"), a negative number ("-5") or a dialogue dash (em dash).
_STRAY_START = re.compile(r"(?:^|(?<=[.!?]\s))(?P<stray>(?:[-–,;:)\]}!?]|\.(?!\.))+)(?P<word>[^\W\d_][\w'’-]*)")
_LOWER_AFTER_STOP = re.compile(r"(?<!\.)\.(?P<space>\s+)(?P<word>[^\W\d_][\w'’-]*)")
_LAST_TOKEN = re.compile(r"[\w.]*$")


def _lowercase_start(word: str) -> bool:
    """A lower-case word that should have been capitalised (iPhone and eBay are brands)."""
    return word[0].islower() and not any(c.isupper() for c in word[1:])


class BrokenFragment(Check):
    """Flags sentence fragments left behind by a broken sentence split.

    What it does:
        Finds a sentence that starts with stray punctuation glued to its first word
        ("-European nations agreed") and a sentence that starts in lower case after a full
        stop (not after abbreviations such as "e.g." or "a.m.", not for words like "iPhone",
        and not in scripts without case).
    Why is this bad:
        MT systems translate sentence pieces separately when the input was split in the
        wrong place; the joins show as stray dashes and lower-case sentence starts, and the
        meaning across the break is often lost.
    Example:
        The summit ended. -European nations agreed to meet again. the talks resume in May.
    Use instead:
        The summit ended. European nations agreed to meet again. The talks resume in May.
    """

    code = "MT106"
    name = "broken-fragment"
    summary = "A sentence starting with stray punctuation or in lower case after a full stop."
    severity = Severity.MAJOR  # the meaning across a broken split is usually damaged too
    category = "fluency/grammar"

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        """Segments one by one, and a lower-case segment right after one ending in a full stop."""
        known = abbreviations(language(ctx.target_lang))
        for run in paragraphs(document):
            for previous, segment in zip([None, *run], run):
                yield from self.check_segment(document, segment, ctx)
                word = re.match(r"[^\W\d_][\w'’-]*", segment.text)
                if previous and word and _lowercase_start(word.group()) and previous.text.endswith("."):
                    if self._ends_sentence(previous.text, len(previous.text) - 1, known):
                        yield self._lowercase(document, segment, segment.start, word.group())

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        text = segment.text
        for match in _STRAY_START.finditer(text):
            stray, word = match.group("stray", "word")
            if stray in "-–" and match.start() and text[match.start() - 2] != ".":
                continue  # "game. -" only counts after a full stop; "ah! -no" is dialogue
            if match.start() == 0 and (segment.source or "").lstrip().startswith(stray):
                continue  # the source starts so too: "-v, --verbose" is meant
            yield self.finding(
                document, segment, segment.start + match.start(), segment.start + match.end(),
                f"sentence starts with stray {stray!r}",
                suggestion=word[0].upper() + word[1:],
            )
        known = abbreviations(language(ctx.target_lang))
        for match in _LOWER_AFTER_STOP.finditer(text):
            word = match.group("word")
            if _lowercase_start(word) and self._ends_sentence(text, match.start(), known):
                yield self._lowercase(document, segment, segment.start + match.start("word"), word)

    @staticmethod
    def _ends_sentence(text: str, stop: int, abbreviations: frozenset[str]) -> bool:
        """Whether the full stop at ``text[stop]`` ends a sentence (not after e.g, U.S, Mr, J)."""
        token = _LAST_TOKEN.search(text[max(0, stop - 40) : stop]).group()
        return len(token) > 1 and "." not in token and token.lower() not in abbreviations

    def _lowercase(self, document: Document, segment: Segment, start: int, word: str) -> Finding:
        return self.finding(
            document, segment, start, start + len(word),
            f"sentence starts in lower case after a full stop: {word!r}",
            suggestion=word[0].upper() + word[1:],
        )
