"""Term lists a run checks against: a glossary (CSV, TSV or TBX) and a do-not-translate list.

They are read once per run (``load_glossary``, ``load_dnt``); a file that cannot be used
raises ``TermListError`` with one line naming the file and the row, and the run reports it
beside the other checks' findings (exit 2) instead of stopping.
"""

from __future__ import annotations

from pathlib import Path

from mtqa.terms.model import Concept, DntList, DntTerm, Glossary, Term, TermListError

__all__ = [
    "Concept", "DntList", "DntTerm", "Glossary", "Term", "TermListError",
    "load_dnt", "load_glossary", "parse_dnt", "parse_glossary",
]


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
