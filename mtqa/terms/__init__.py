"""Term lists a run checks against: a glossary (CSV, TSV or TBX) and a do-not-translate list.

They are read once per run (``load_glossary``, ``load_dnt``); a file that cannot be used
raises ``TermListError`` with one line naming the file and the row, and the run reports it
beside the other checks' findings (exit 2) instead of stopping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

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


def read_utf8(path: Path, shown: str) -> str:
    """The file's text; TermListError naming the line of the first byte that is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TermListError(f"{shown}: cannot read file: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TermListError(f"{shown}: row {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None


def load_glossary(path: str) -> Glossary:
    """A glossary by its extension: ``.tbx`` (TBX), ``.tsv``/``.tab`` (tab-separated), else CSV."""
    return parse_glossary(read_utf8(Path(path), path), path)


def parse_glossary(text: str, path: str) -> Glossary:
    """A glossary from its text; ``path`` (its name) picks the format and names it in errors."""
    file = Path(path)
    if not text.strip():
        raise TermListError(f"{path}: row 1: empty glossary (expected a header row such as 'source,target')")
    if file.suffix.lower() == ".tbx":
        from mtqa.terms.tbx import read_tbx

        return Glossary(path, concepts=tuple(read_tbx(text, path)))
    from mtqa.terms.tabular import read_table

    delimiter = "\t" if file.suffix.lower() in {".tsv", ".tab"} else ","
    return Glossary(path, terms=tuple(read_table(text, path, delimiter)))


def load_dnt(path: str) -> DntList:
    """A do-not-translate list: one term per line; blank lines and ``#`` comments are skipped."""
    return parse_dnt(read_utf8(Path(path), path), path)


def parse_dnt(text: str, path: str) -> DntList:
    """A do-not-translate list from its text; ``path`` names it in errors."""
    terms: list[DntTerm] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        term = raw.strip()
        if not term or term.startswith("#"):
            continue
        if term in seen:
            raise TermListError(f"{path}: row {number}: duplicate term {term!r} (also on row {seen[term]})")
        seen[term] = number
        terms.append(DntTerm(term, number))
    if not terms:
        raise TermListError(f"{path}: row 1: empty do-not-translate list (expected one term per line)")
    return DntList(path, tuple(terms))
