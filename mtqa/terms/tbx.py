"""TBX termbases (TBX 2 / TBX-Basic ``termEntry`` and TBX v3 ``conceptEntry``), read with expat.

As in the XLIFF reader, entity declarations (internal or external) are refused, so no XXE
payload or entity expansion is ever resolved; expat loads no external DTD. A term whose
``administrativeStatus`` (or ``normativeAuthorization``) is deprecated, superseded or
not recommended is a term not to use.
"""

from __future__ import annotations

import xml.parsers.expat as expat

from mtqa.locales import base
from mtqa.terms.model import Concept, TermListError

ENTRY = {"termEntry", "conceptEntry"}
LANGUAGE = {"langSet", "langSec"}
TERM_GROUP = {"tig", "ntig", "termSec"}
STATUS_TYPES = {"administrativeStatus", "normativeAuthorization"}
NOT_TO_USE = ("deprecated", "superseded", "notrecommended", "not recommended")
XML_LANG = "http://www.w3.org/XML/1998/namespace lang"


class _Refused(Exception):
    pass


class _Reader:
    def __init__(self) -> None:
        self.concepts: list[Concept] = []
        self.entry_line = 0
        self.terms: dict[str, list[tuple[str, bool]]] = {}
        self.notes: list[str] = []
        self.lang: str | None = None
        self.term: list[str] | None = None  # text of the <term> being read
        self.group: list[str | bool] = []  # the current term group: its term, then whether deprecated
        self.status: list[str] | None = None
        self.note: list[str] | None = None
        parser = self.parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = parser.ExternalEntityRefHandler = _refuse
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._data

    def _start(self, qname: str, attrs: dict[str, str]) -> None:
        name = qname.rpartition(" ")[2]
        if name in ENTRY:
            self.entry_line, self.terms, self.notes = self.parser.CurrentLineNumber, {}, []
        elif name in LANGUAGE:
            lang = attrs.get(XML_LANG) or attrs.get("lang")
            self.lang = base(lang) if lang else None
        elif name in TERM_GROUP:
            self.group = ["", False]
        elif name == "term":
            self.term = []
        elif name in {"termNote", "descrip"} and attrs.get("type") in STATUS_TYPES:
            self.status = []
        elif name in {"note", "descrip"} and self.lang is None:
            self.note = []

    def _data(self, data: str) -> None:
        for buffer in (self.term, self.status, self.note):
            if buffer is not None:
                buffer.append(data)

    def _end(self, qname: str) -> None:
        name = qname.rpartition(" ")[2]
        if name == "term" and self.term is not None:
            self.group[0] = " ".join("".join(self.term).split())
            self.term = None
        elif self.status is not None and name in {"termNote", "descrip"}:
            value = "".join(self.status).strip().lower().replace("-", "")
            self.group[1] = self.group[1] or any(mark.replace(" ", "") in value for mark in NOT_TO_USE)
            self.status = None
        elif self.note is not None and name in {"note", "descrip"}:
            self.notes.append(" ".join("".join(self.note).split()))
            self.note = None
        elif name in TERM_GROUP:
            term, deprecated = self.group
            if term and self.lang:
                self.terms.setdefault(self.lang, []).append((str(term), bool(deprecated)))
        elif name in LANGUAGE:
            self.lang = None
        elif name in ENTRY and self.terms:
            terms = {lang: tuple(found) for lang, found in self.terms.items()}
            self.concepts.append(Concept(self.entry_line, terms, "; ".join(n for n in self.notes if n)))


def _refuse(*args: object) -> None:
    raise _Refused


def read_tbx(text: str, path: str) -> list[Concept]:
    """The concept entries of a TBX file; TermListError names the line of the first problem."""
    reader = _Reader()
    try:
        reader.parser.Parse(text, True)
    except _Refused:
        line = reader.parser.CurrentLineNumber
        raise TermListError(
            f"{path}: row {line}: TBX with entity declarations refused (possible XXE or entity expansion attack)"
        ) from None
    except expat.ExpatError as exc:
        raise TermListError(f"{path}: row {exc.lineno}: malformed TBX: {expat.ErrorString(exc.code)}") from None
    if not reader.concepts:
        raise TermListError(f"{path}: row 1: no termEntry or conceptEntry with terms in this TBX file")
    seen: dict[tuple[str, str], int] = {}
    for concept in reader.concepts:
        for lang, terms in concept.terms.items():
            for term, _ in terms:
                key = (lang, term.casefold())
                if key in seen and seen[key] != concept.line:
                    raise TermListError(
                        f"{path}: row {concept.line}: duplicate {lang} term {term!r} (also in the entry on row {seen[key]})"
                    )
                seen[key] = concept.line
    return reader.concepts
