"""Finding terms in text: words with offsets, stems, and an index of terms by their first stem.

A term matches where its words' stems follow one another in the text, so "Speichers" and
"Speicher" match the term "Speicher" (Snowball stemmers, through PyStemmer). Languages
Snowball has no stemmer for are matched by lower-cased words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Generic, TypeVar

WORD = re.compile(r"[^\W_]+")
T = TypeVar("T")


class Words:
    """The words of one text (runs of letters and digits): their strings at once, their offsets when asked.

    Most texts hold no term, so the offsets (a second, slower pass) are found only for those that do.
    """

    __slots__ = ("text", "tokens", "_spans")

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[str] = WORD.findall(text)
        self._spans: list[tuple[int, int]] | None = None

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = [m.span() for m in WORD.finditer(self.text)]
        return self._spans


class Stems:
    """A language's Snowball stemmer (PyStemmer) of lower-cased words, cached by word."""

    def __init__(self, lang: str | None) -> None:
        self._stem: Callable[[str], str] = str
        if lang:
            import Stemmer

            try:
                self._stem = Stemmer.Stemmer(lang).stemWord
            except KeyError:
                pass  # no Snowball stemmer for the language: words match as written, lower-cased
        self._cache: dict[str, str] = {}

    def __call__(self, token: str) -> str:
        found = self._cache.get(token)
        if found is None:
            found = self._cache[token] = self._stem(token.lower())
        return found

    def many(self, tokens: list[str]) -> list[str]:
        get = self._cache.get
        found = [get(token) for token in tokens]
        if None in found:
            for i, token in enumerate(tokens):
                if found[i] is None:
                    found[i] = self._cache[token] = self._stem(token.lower())
        return found  # type: ignore[return-value]


@cache
def stemmer(lang: str | None) -> Stems:
    return Stems(lang)


def stems(text: str, lang: str | None) -> tuple[str, ...]:
    return tuple(stemmer(lang).many(WORD.findall(text)))


class Match(Generic[T]):
    """A term found in some words: which words, and (worked out only when asked) their span in the text."""

    __slots__ = ("words", "index", "length", "item")

    def __init__(self, words: Words, index: int, length: int, item: T) -> None:
        self.words, self.index, self.length, self.item = words, index, length, item

    @property
    def start(self) -> int:
        return self.words.spans[self.index][0]

    @property
    def end(self) -> int:
        return self.words.spans[self.index + self.length - 1][1]


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

    def find(self, found: Words) -> Iterator[Match[T]]:
        """Each term whose stems follow one another in the words, with its span."""
        keys = stemmer(self.lang).many(found.tokens)
        lengths, terms = self._lengths, self._terms
        for i, key in enumerate(keys):
            if key not in lengths:
                continue
            for n in lengths[key]:
                for item in terms.get(tuple(keys[i : i + n]), ()):
                    yield Match(found, i, n, item)


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

    def find(self, found: Words) -> Iterator[Match[T]]:
        """Each run of the words spelled like a term but not written as it."""
        text, by_key, prefixes, tokens = found.text, self._by_key, self._prefixes, found.tokens
        last = len(tokens) - 1
        for i, token in enumerate(tokens):
            key = token.casefold()
            j = i
            while key in by_key or key in prefixes:
                if key in by_key:  # the offsets, and whether only spaces and hyphens join the words
                    spans = found.spans
                    joined = all(_JOINER.fullmatch(text, spans[k][1], spans[k + 1][0]) for k in range(i, j))
                    term, item = by_key[key]
                    if joined and text[spans[i][0] : spans[j][1]] != term:
                        yield Match(found, i, j - i + 1, item)
                if j == last or j - i + 1 >= self._longest:
                    break
                j += 1
                key += tokens[j].casefold()
