"""JSON Lines: one object per line, one block per object's target string.

Fields: target (or tgt, mt, translation), source (or src), and an optional id (or key,
unit_id; else the unit is named by its line). The target's span is the content of its
raw JSON string token, between the quotes: escapes (``\\n``, ``\\"``, ``\\u00e9``) stay raw
and are protected. Blank lines are allowed.
"""

from __future__ import annotations

import json
import re

from mtqa.document import Block, Span
from mtqa.errors import InputError

_SOURCE_NAMES = ("source", "src")
_TARGET_NAMES = ("target", "tgt", "mt", "translation")
_ID_NAMES = ("id", "key", "unit_id")
_WHITESPACE = re.compile(r"[ \t\r\n]*")
_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|.)")
_DECODER = json.JSONDecoder()


def read(text: str) -> list[Block]:
    blocks: list[Block] = []
    line_start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        offset, line_start = line_start, line_start + len(line) + 1
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON at line {number}, column {exc.colno}: {exc.msg}") from None
        if not isinstance(record, dict):
            raise InputError(f"JSONL line {number} is not a JSON object")
        key = next((name for name in _TARGET_NAMES if name in record), None)
        if key is None:
            raise InputError(f"JSONL line {number} has no target field ({', '.join(_TARGET_NAMES)})")
        if not isinstance(record[key], str):
            raise InputError(f"JSONL line {number}: field {key!r} is not a string")
        start, end = _string_values(line)[key]
        start, end = offset + start, offset + end
        source_key = next((name for name in _SOURCE_NAMES if name in record), None)
        id_key = next((name for name in _ID_NAMES if name in record), None)
        blocks.append(
            Block(
                start,
                end,
                protected=tuple(m.span() for m in _ESCAPE.finditer(text, start, end)),
                source=_as_text(record[source_key]) if source_key else None,
                unit_id=_as_text(record[id_key]) if id_key else f"line {number}",
                split=False,
            )
        )
    return blocks


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _string_values(line: str) -> dict[str, Span]:
    """Content spans of the top-level string values of a JSON object already validated."""
    spans: dict[str, Span] = {}
    position = _WHITESPACE.match(line).end() + 1  # past "{"
    while True:
        position = _WHITESPACE.match(line, position).end()
        if line[position] == "}":
            return spans
        key, position = _DECODER.raw_decode(line, position)
        position = _WHITESPACE.match(line, position).end() + 1  # past ":"
        value_start = _WHITESPACE.match(line, position).end()
        value, position = _DECODER.raw_decode(line, value_start)
        if isinstance(value, str):
            spans[key] = (value_start + 1, position - 1)
        position = _WHITESPACE.match(line, position).end()
        if line[position] == "}":
            return spans
        position += 1  # past ","
