"""Finding terms in text: words with offsets, stems, and an index of terms by their first stem.

A term matches where its words' stems follow one another in the text, so "Speichers" and
"Speicher" match the term "Speicher" (Snowball stemmers, through PyStemmer). Languages
Snowball has no stemmer for are matched by lower-cased words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Generic, NamedTuple, TypeVar

WORD = re.compile(r"[^\W_]+")
T = TypeVar("T")


class Word(NamedTuple):
    start: int  # offset in the text the words were split from
    end: int
    text: str


def words(text: str) -> list[Word]:
    """The words of ``text`` (runs of letters and digits) with their offsets."""
    return [Word(*m.span(), m.group()) for m in WORD.finditer(text)]


@cache
def stemmer(lang: str | None) -> Callable[[str], str]:
    """A cached stem function for ``lang`` (a base tag: ``de``) of lower-cased words."""
    stem: Callable[[str], str] = str
    if lang:
        import Stemmer

        try:
            stem = Stemmer.Stemmer(lang).stemWord
        except KeyError:
            pass
    cached: dict[str, str] = {}

    def stem_word(word: str) -> str:
        found = cached.get(word)
        if found is None:
            found = cached[word] = stem(word.lower())
        return found

    return stem_word


def stems(text: str, lang: str | None) -> tuple[str, ...]:
    stem = stemmer(lang)
    return tuple(stem(m.group()) for m in WORD.finditer(text))


@dataclass(frozen=True)
class Match(Generic[T]):
    start: int
    end: int
    item: T


@dataclass
class TermIndex(Generic[T]):
    """Terms by their stems, with the word counts they come in; ``find`` gives every term a text holds."""

    lang: str | None
    _terms: dict[tuple[str, ...], list[T]] = field(default_factory=dict)
    _lengths: dict[str, set[int]] = field(default_factory=dict)  # first stem → the terms' lengths in words

    def add(self, term: str, item: T) -> None:
        key = stems(term, self.lang)
        if key:
            self._terms.setdefault(key, []).append(item)
            self._lengths.setdefault(key[0], set()).add(len(key))

    def __bool__(self) -> bool:
        return bool(self._terms)

    def find(self, found_words: list[Word]) -> Iterable[Match[T]]:
        """Each term whose stems follow one another in ``found_words``, with its span."""
        stem = stemmer(self.lang)
        keys = [stem(w.text) for w in found_words]
        lengths, terms = self._lengths, self._terms
        for i, key in enumerate(keys):
            for n in lengths.get(key, ()):
                for item in terms.get(tuple(keys[i : i + n]), ()):
                    yield Match(found_words[i].start, found_words[i + n - 1].end, item)


def squashed(text: str) -> str:
    """A term's spelling key: lower case, without hyphens, spaces and apostrophes ("E-Mail" → "email")."""
    return "".join(WORD.findall(text)).casefold()


_JOINER = re.compile(r"[\s\-‐'’]*")


@dataclass
class VariantIndex(Generic[T]):
    """Terms by their spelling key (``squashed``): ``find`` gives the places a term is written another way.

    "e-mail", "E-Mail" and "email" share a key; so do "Git Hub" and "GitHub". A place counts
    when its words are joined only by spaces, hyphens or apostrophes, and it is not written as
    the term itself.
    """

    _by_key: dict[str, tuple[str, T]] = field(default_factory=dict)
    _prefixes: set[str] = field(default_factory=set)
    _longest: int = 1

    def add(self, term: str, item: T) -> None:
        parts = WORD.findall(term)
        key = "".join(parts).casefold()
        if not key or key in self._by_key:
            return
        self._by_key[key] = (term, item)
        self._longest = max(self._longest, len(parts) + 2)
        for i in range(1, len(key)):
            self._prefixes.add(key[:i])

    def find(self, text: str, found_words: list[Word]) -> Iterator[Match[T]]:
        """Each run of words in ``text`` spelled like a term but not written as it (``found_words`` are its words)."""
        keys = [w.text.casefold() for w in found_words]
        for i, first in enumerate(keys):
            key = first
            for j in range(i, min(len(keys), i + self._longest)):
                if j > i:
                    if not _JOINER.fullmatch(text, found_words[j - 1].end, found_words[j].start):
                        break
                    key += keys[j]
                if key in self._by_key:
                    term, item = self._by_key[key]
                    start, end = found_words[i].start, found_words[j].end
                    if text[start:end] != term:
                        yield Match(start, end, item)
                if key not in self._prefixes:
                    break
