"""TSV and CSV with a header row: one block per row's target cell.

Columns are found by header name (case-insensitive): source, src, source_text; target, tgt,
target_text, translation, mt; an optional id, key or unit_id column names the unit. Without
such names, the first column is the source and the second the target.

CSV follows the ``csv`` module's default (excel) dialect: comma-separated, fields may be
quoted with ``"`` (and then hold commas, newlines and ``""``). A quoted target's span is
its content inside the quotes, ``""`` left raw and protected. TSV is tab-separated with no
quoting (a field cannot hold a tab or a newline). Offsets are exact because the file is
tokenised here, with one anchored regex per field (linear), not by ``csv.reader``.
"""

from __future__ import annotations

import re

from mtqa.document import Block
from mtqa.errors import InputError

_SOURCE_NAMES = ("source", "src", "source_text")
_TARGET_NAMES = ("target", "tgt", "target_text", "translation", "mt")
_ID_NAMES = ("id", "key", "unit_id")

_CSV_FIELD = re.compile(r'"([^"]*(?:""[^"]*)*)"|([^,"\r\n]*)')
_CSV_AFTER = re.compile(r",|\r\n|\n|\r|\Z")
_DOUBLED_QUOTE = re.compile('""')
_TSV_FIELD = re.compile(r"([^\t\r\n]*)")
_TSV_AFTER = re.compile(r"\t|\r\n|\n|\r|\Z")

Cell = tuple[int, int, str]  # content start, end, decoded value


def read(text: str) -> list[Block]:
    """TSV when the header line holds a tab, else CSV (whatever the file's extension)."""
    newline = text.find("\n")
    delimiter = "\t" if "\t" in text[: newline if newline >= 0 else len(text)] else ","
    kind = "CSV" if delimiter == "," else "TSV"
    rows = _rows(text, delimiter, kind)
    if not rows:
        return []
    header_line, header = rows[0]
    names = [value.strip().lower() for _, _, value in header]
    source_col, target_col = _column(names, _SOURCE_NAMES), _column(names, _TARGET_NAMES)
    if source_col is None and target_col is None:
        source_col, target_col = 0, 1
    if target_col is None or target_col >= len(header):
        raise InputError(f"{kind} header (line {header_line}) has no target column ({', '.join(_TARGET_NAMES)})")
    id_col = _column(names, _ID_NAMES)
    blocks = []
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise InputError(
                f"malformed {kind}: line {line} has {len(row)} columns, the header has {len(header)}"
            )
        start, end, _ = row[target_col]
        escapes = _DOUBLED_QUOTE.finditer(text, start, end) if delimiter == "," else ()
        blocks.append(
            Block(
                start,
                end,
                protected=tuple(m.span() for m in escapes),
                source=row[source_col][2] if source_col is not None else None,
                unit_id=row[id_col][2] if id_col is not None and row[id_col][2] else f"line {line}",
                split=False,
            )
        )
    return blocks


def _column(names: list[str], wanted: tuple[str, ...]) -> int | None:
    return next((names.index(name) for name in wanted if name in names), None)


def _rows(text: str, delimiter: str, kind: str) -> list[tuple[int, list[Cell]]]:
    """(line number, cells) of every non-blank record; InputError names the bad line."""
    csv = delimiter == ","
    field, after = (_CSV_FIELD, _CSV_AFTER) if csv else (_TSV_FIELD, _TSV_AFTER)
    rows: list[tuple[int, list[Cell]]] = []
    position, line = 0, 1
    while position < len(text):
        record_line, cells = line, []
        while True:
            match = field.match(text, position)
            quoted = csv and match.group(1) is not None
            group = 1 if quoted or not csv else 2
            start, end = match.span(group)
            value = match.group(group)
            cells.append((start, end, value.replace('""', '"') if quoted else value))
            line += text.count("\n", start, end)
            separator = after.match(text, match.end())
            if separator is None:
                if quoted:
                    problem = "text after a closing quote"
                elif start == end:
                    problem = "an unterminated quoted field"
                else:
                    problem = "a stray quote in an unquoted field"
                raise InputError(f"malformed {kind}: {problem} at line {line}")
            position = separator.end()
            if separator.group() != delimiter:
                break
        line += "\n" in separator.group()
        if len(cells) > 1 or cells[0][2].strip():
            rows.append((record_line, cells))
    return rows
