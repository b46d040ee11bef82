"""The term lists' data: glossary entries, TBX concepts, do-not-translate terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from mtqa.errors import InputError
from mtqa.locales import base


class TermListError(InputError):
    """A glossary or do-not-translate file that cannot be used; the message names file and row."""


@dataclass(frozen=True)
class Term:
    """One glossary entry: the approved ``target`` for ``source``, and target terms not to use.

    ``source`` is empty for a target-only entry (forbidden terms flagged in any text);
    ``row`` is where the entry was written (a CSV row, a TBX line), for messages.
    """

    source: str
    target: str
    forbidden: tuple[str, ...] = ()
    notes: str = ""
    case_sensitive: bool = False
    row: int = 0


@dataclass(frozen=True)
class Concept:
    """A TBX concept entry: its terms by language (base tag), each with whether it is deprecated."""

    line: int
    terms: dict[str, tuple[tuple[str, bool], ...]]
    notes: str = ""


@dataclass(frozen=True)
class Glossary:
    """The terms of one file; a TBX file gives them per language pair (``terms_for``)."""

    path: str
    terms: tuple[Term, ...] = ()
    concepts: tuple[Concept, ...] = ()
    _pairs: dict[tuple[str, str | None], tuple[Term, ...]] = field(default_factory=dict, compare=False, repr=False)

    def terms_for(self, target_lang: str, source_lang: str | None) -> tuple[Term, ...]:
        """The entries that apply to a file in ``target_lang`` translated from ``source_lang``.

        A CSV/TSV glossary names no languages, so all its entries apply; a TBX concept gives
        an entry when it has a term in the target language (its source term, when the
        concept has one in the source language).
        """
        if not self.concepts:
            return self.terms
        key = (base(target_lang), base(source_lang) if source_lang else None)
        if key not in self._pairs:
            self._pairs[key] = tuple(_pair_terms(self.concepts, *key))
        return self._pairs[key]


def _pair_terms(concepts: tuple[Concept, ...], target_lang: str, source_lang: str | None) -> list[Term]:
    terms = []
    for concept in concepts:
        targets = concept.terms.get(target_lang, ())
        approved = [term for term, deprecated in targets if not deprecated]
        forbidden = tuple(term for term, deprecated in targets if deprecated)
        if not approved and not forbidden:
            continue
        sources = [term for term, deprecated in concept.terms.get(source_lang, ()) if not deprecated] if source_lang else []
        for source in sources or [""]:
            terms.append(Term(source, approved[0] if approved else "", forbidden, concept.notes, row=concept.line))
    return terms


@dataclass(frozen=True)
class DntTerm:
    term: str
    line: int


@dataclass(frozen=True)
class DntList:
    """Terms that stay as written in every translation: product names, code identifiers."""

    path: str
    terms: tuple[DntTerm, ...]

    @cached_property
    def by_term(self) -> dict[str, DntTerm]:
        return {t.term: t for t in self.terms}
