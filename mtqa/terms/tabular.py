"""CSV and TSV glossaries: a header row, then one entry per row.

Columns (any order, names case-insensitive): ``source`` and ``target`` (required),
``forbidden`` (target terms not to use, separated by ``|``), ``notes`` and
``case_sensitive`` (yes/no). The header also accepts the names localisation tools export:
"source term", "target term", "do not use", "case sensitive".
"""

from __future__ import annotations

import csv
import re

from mtqa.terms.model import Term, TermListError

REQUIRED = ("source", "target")
ALIASES = {
    "source": "source", "source_term": "source", "term": "source", "src": "source",
    "target": "target", "target_term": "target", "translation": "target", "approved": "target",
    "forbidden": "forbidden", "do_not_use": "forbidden", "not_allowed": "forbidden", "deprecated": "forbidden",
    "notes": "notes", "note": "notes", "comment": "notes", "comments": "notes",
    "case_sensitive": "case_sensitive", "case": "case_sensitive", "match_case": "case_sensitive",
}
TRUE, FALSE = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}
OTHER_DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "vertical bar"}


def _column(name: str) -> str | None:
    return ALIASES.get(re.sub(r"[\s-]+", "_", name.strip().lower()))


def read_table(text: str, path: str, delimiter: str) -> list[Term]:
    """The entries of a CSV/TSV glossary; TermListError names the row of the first problem."""
    rows = csv.reader(text.splitlines(), delimiter=delimiter, strict=True)
    try:
        header = next(rows)
    except (StopIteration, csv.Error) as exc:
        raise TermListError(f"{path}: row 1: cannot read the header: {exc}") from None
    columns = [_column(name) for name in header]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise TermListError(f"{path}: row 1: {_missing(missing, header, delimiter)}")
    index = {name: columns.index(name) for name in set(columns) if name}
    terms: list[Term] = []
    first_row: dict[tuple[str, str], int] = {}
    try:
        for row in rows:
            number = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise TermListError(f"{path}: row {number}: {len(row)} columns, but the header has {len(header)}")
            term = _term(row, index, path, number)
            key = ("source", term.source.casefold()) if term.source else ("target", (term.target or "|".join(term.forbidden)).casefold())
            if key in first_row:
                what = f"source term {term.source!r}" if term.source else f"target term {term.target or term.forbidden[0]!r}"
                raise TermListError(f"{path}: row {number}: duplicate {what} (also on row {first_row[key]})")
            first_row[key] = number
            terms.append(term)
    except csv.Error as exc:
        raise TermListError(f"{path}: row {rows.line_num}: {exc}") from None
    if not terms:
        raise TermListError(f"{path}: row 2: the glossary has a header but no terms")
    return terms


def _missing(missing: list[str], header: list[str], delimiter: str) -> str:
    """Why the header lacks a column: most often the file uses another delimiter."""
    names = ", ".join(repr(m) for m in missing)
    if len(header) == 1:
        for other, label in OTHER_DELIMITERS.items():
            if other != delimiter and other in header[0]:
                expected = OTHER_DELIMITERS[delimiter]
                return f"the columns are separated by {label}s; this file type needs {expected}s (missing column {names})"
    found = ", ".join(repr(h) for h in header)
    return f"missing column {names} (the header has {found})"


def _term(row: list[str], index: dict[str, int], path: str, number: int) -> Term:
    def cell(name: str) -> str:
        return row[index[name]].strip() if name in index else ""

    source, target = cell("source"), cell("target")
    forbidden = tuple(t.strip() for t in cell("forbidden").split("|") if t.strip())
    if not target and not forbidden:
        raise TermListError(f"{path}: row {number}: no target term (give 'target' or 'forbidden')")
    if not source and not forbidden:
        raise TermListError(f"{path}: row {number}: no source term (a row without one needs 'forbidden' terms)")
    flag = cell("case_sensitive").lower()
    if flag not in TRUE | FALSE:
        raise TermListError(f"{path}: row {number}: case_sensitive must be yes or no, got {flag!r}")
    return Term(source, target, forbidden, cell("notes"), flag in TRUE, number)
