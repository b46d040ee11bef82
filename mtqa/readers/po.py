"""Gettext PO: one block per translation (msgstr, or each msgstr[n] of a plural entry).

polib validates the file (its errors name the line); a strict line scanner then finds the
exact offsets, because polib keeps none and silently accepts some broken files.

- target span: from the first character inside the quotes of the first non-empty string
  line of the msgstr to the last one; the ``"\\n"`` joins between string lines and the
  escapes (``\\n``, ``\\"``) are protected. An empty msgstr is a zero-length block inside its
  quotes, so the empty-target check sees the unit.
- ``source``: the msgid (msgid_plural for msgstr[1] and up), unescaped.
- ``unit_id``: ``msgctxt|msgid``, or the msgid alone; plural forms add ``[n]``.
- the header (empty msgid) and obsolete ``#~`` entries are not checked; the header's
  ``Language:`` is the file's target language (``declared``), and the charset of its
  ``Content-Type`` how its bytes are decoded (``charset``). PO declares no source language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polib

from mtqa.document import Block, Declared, Span
from mtqa.errors import InputError
from mtqa.readers._spans import merge

_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)[ \t]+(?=\")")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"[ \t]*\Z')
_ESCAPE = re.compile(r"\\.")
_NOT_NEWLINES = str.maketrans(dict.fromkeys("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", " "))
_HEADER_BYTES = 65536  # the header is the first entry; a charset further down is a msgstr's
_FIRST_MSGSTR = re.compile(r"^[ \t]*msgstr", re.M)
_POLIB_ERROR = re.compile(r"Syntax error in po file(?: \(line (\d+)\))?:?\s*(.*)", re.S)


@dataclass
class _Entry:
    line: int
    strings: dict[str, list[Span]] = field(default_factory=dict)  # keyword → content spans


def read(text: str) -> list[Block]:
    _validate(text)
    blocks: list[Block] = []
    for entry in _scan(text):
        msgid = _decoded(text, entry.strings.get("msgid", []))
        if not msgid:
            continue
        context = entry.strings.get("msgctxt")
        unit = f"{_decoded(text, context)}|{msgid}" if context is not None else msgid
        plural = _decoded(text, entry.strings.get("msgid_plural", []))
        for keyword, pieces in entry.strings.items():
            if keyword == "msgstr":
                blocks.append(_block(text, pieces, msgid, unit))
            elif keyword.startswith("msgstr["):
                index = int(keyword[7:-1])
                source = msgid if index == 0 or "msgid_plural" not in entry.strings else plural
                blocks.append(_block(text, pieces, source, f"{unit}[{index}]"))
    return blocks


def charset(data: bytes) -> str:
    """The charset the header's ``Content-Type`` declares; UTF-8 when missing or unknown to Python.

    The header is ASCII in every charset gettext allows, so it is read from the raw bytes.
    """
    header = data[:_HEADER_BYTES]
    # polib reads bytes naming an existing file from disk: content always has a newline
    return polib.detect_encoding(header if b"\n" in header else header + b"\n")  # UTF-8 when in doubt


def declared(text: str) -> Declared:
    """The header's ``Language:`` (as written; the caller validates it)."""
    # the header is the first entry, and a blank line ends an entry
    first = _FIRST_MSGSTR.search(text)
    end = text.find("\n\n", first.end()) if first else -1
    header_text = (text[: end + 1] if end != -1 else text).translate(_NOT_NEWLINES)
    try:
        header = polib.pofile(header_text if "\n" in header_text else header_text + "\n", encoding="utf-8")
    except (OSError, ValueError):
        return Declared()  # a malformed file: read() says what is wrong
    return Declared(target=header.metadata.get("Language", "").strip() or None)


def _validate(text: str) -> None:
    # polib splits on every str.splitlines() separator, gettext on "\n" only: hide the others
    text = text.translate(_NOT_NEWLINES)
    try:
        # polib treats a string naming an existing file as a path: content always has "\n"
        polib.pofile(text if "\n" in text else text + "\n", encoding="utf-8")
    except (OSError, ValueError) as exc:
        match = _POLIB_ERROR.match(str(exc))
        if not match:
            raise InputError(f"malformed PO: {exc}") from None
        line, detail = match.groups()
        where = f" at line {line}" if line else ""
        raise InputError(f"malformed PO: syntax error{where}" + (f": {detail}" if detail else "")) from None


def _scan(text: str) -> list[_Entry]:
    """Entries with the content spans of their strings; InputError on anything unexpected."""
    entries: list[_Entry] = []
    entry: _Entry | None = None
    keyword: str | None = None
    line_start = 0
    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.rstrip("\r")
        offset, line_start = line_start, line_start + len(raw_line) + 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if entry is not None and (not stripped or _has_translation(entry)):
                entries.append(_finish(entry))
                entry, keyword = None, None
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword = match.group(1)
            if entry is not None and (
                keyword in entry.strings
                or (keyword in {"msgctxt", "msgid"} and _has_translation(entry))
            ):
                entries.append(_finish(entry))
                entry = None
            entry = entry or _Entry(number)
            entry.strings[keyword] = []
            quote = match.end()
        elif stripped.startswith('"') and keyword is not None and entry is not None:
            quote = len(line) - len(line.lstrip())
        else:
            raise InputError(f"malformed PO: unexpected text at line {number}: {stripped[:40]!r}")
        string = _STRING.match(line, quote)
        if not string:
            raise InputError(f"malformed PO: unterminated or malformed string at line {number}")
        entry.strings[keyword].append((offset + string.start(1), offset + string.end(1)))
    if entry is not None:
        entries.append(_finish(entry))
    return entries


def _has_translation(entry: _Entry) -> bool:
    return any(k.startswith("msgstr") for k in entry.strings)


def _finish(entry: _Entry) -> _Entry:
    if "msgid" not in entry.strings or not _has_translation(entry):
        raise InputError(f"malformed PO: entry at line {entry.line} needs both msgid and msgstr")
    return entry


def _decoded(text: str, pieces: list[Span]) -> str:
    return polib.unescape("".join(text[start:end] for start, end in pieces))


def _block(text: str, pieces: list[Span], source: str, unit: str) -> Block:
    filled = [piece for piece in pieces if piece[1] > piece[0]]
    if not filled:
        return Block(pieces[0][0], pieces[0][0], source=source, unit_id=unit, split=False)
    start, end = filled[0][0], filled[-1][1]
    protected = [(a[1], b[0]) for a, b in zip(filled, filled[1:])]
    for piece_start, piece_end in filled:
        protected += [m.span() for m in _ESCAPE.finditer(text, piece_start, piece_end)]
    return Block(start, end, protected=merge(protected), source=source, unit_id=unit, split=False)
