"""XLIFF 1.2 (``trans-unit``) and 2.0 (``unit``/``segment``): one block per target.

expat parses the UTF-8 bytes of the decoded text and reports the byte index of every event
(``CurrentByteIndex``); byte indices are turned into character offsets, so target spans
are exact. The target's raw content is the segment text: inline tags (``<g>``, ``<x/>``,
``<pc>``, ``<mrk>``...), comments, CDATA markers and entity references (``&amp;``) are
protected, and code elements (``<ph>``, ``<bpt>``, ``<ept>``, ``<it>``) are protected with
their content. A unit without a target (or with an empty one) gives a zero-length block.

``source`` is the raw inner XML of ``<source>``, exactly as in the file: the same
representation as the target text, so a placeholder check compares ``<x id="1"/>`` with
``<x id="1"/>`` and ``&lt;b&gt;`` with ``&lt;b&gt;``.
``unit_id`` is the trans-unit id (1.2), or the unit id plus ``/segment-id`` (2.0; the
segment's position when it has no id and is not the unit's first).

The file's languages (``declared``) are XLIFF 1.2's ``source-language``/``target-language``
on the first ``<file>`` (a file with several ``<file>`` elements is checked as the first's
languages), or XLIFF 2.0's ``srcLang``/``trgLang`` on ``<xliff>``.

Security: entity declarations (internal or external) are refused, so neither an XXE
payload nor a billion-laughs expansion is ever resolved; expat loads no external DTD.
Units with ``translate="no"``, and sources/targets of alt-trans, matches or
``<ignorable>``, are not checked.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from dataclasses import dataclass, field

from mtqa.document import Block, Declared, Span
from mtqa.errors import InputError
from mtqa.readers._spans import merge

_CODE = frozenset({"ph", "bpt", "ept", "it"})  # their content is native markup, not prose
_TAG = re.compile(r"<[^\"'>]*(?:(?:\"[^\"]*\"|'[^']*')[^\"'>]*)*>")
_REFUSED = "XLIFF with entity declarations refused (possible XXE or entity expansion attack)"


class _Refused(Exception):
    pass


@dataclass
class _Element:
    name: str
    start: int  # offset of "<"
    inner: int  # offset after the start tag
    empty: bool


@dataclass
class _Unit:
    unit_id: str | None
    source: Span | None = None
    source_end: int | None = None  # after </source>: where a missing target is reported
    target: Span | None = None
    protected: list[Span] = field(default_factory=list)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8")
        self.ascii = len(self.data) == len(text)
        self.byte, self.char = 0, 0  # last converted byte index and its character offset
        self.stack: list[_Element] = []
        self.unit_id: str | None = None  # the 2.0 <unit> around segments
        self.segments_in_unit = 0
        self.unit: _Unit | None = None
        self.in_target = False
        self.code_depth = 0
        self.skip_depth = 0  # inside translate="no" units
        self.blocks: list[Block] = []
        parser = self.parser = expat.ParserCreate(encoding="UTF-8")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.EntityDeclHandler = self._refuse
        parser.UnparsedEntityDeclHandler = self._refuse
        parser.ExternalEntityRefHandler = self._refuse
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._data
        parser.CommentHandler = lambda data: self._markup_until("-->")
        parser.ProcessingInstructionHandler = lambda target, data: self._markup_until("?>")
        parser.StartCdataSectionHandler = lambda: self._markup(9)
        parser.EndCdataSectionHandler = lambda: self._markup(3)

    def offset(self) -> int:
        """Character offset of the current event (expat gives bytes; events come in order)."""
        index = self.parser.CurrentByteIndex
        if self.ascii:
            return index
        if index < self.byte:
            self.byte, self.char = 0, 0
        self.char += len(self.data[self.byte : index].decode("utf-8"))
        self.byte = index
        return self.char

    def _refuse(self, *args: object) -> None:
        raise _Refused

    # -- elements --------------------------------------------------------------------
    def _start(self, qname: str, attrs: dict[str, str]) -> None:
        name = qname.rpartition(":")[2]
        start = self.offset()
        tag = _TAG.match(self.text, start)
        inner = tag.end() if tag else start + 1
        empty = self.text[start:inner].endswith("/>")
        parent = self.stack[-1].name if self.stack else None
        self.stack.append(_Element(name, start, inner, empty))
        if parent is None and name != "xliff":
            raise InputError(f"not XLIFF: the root element is <{qname}>, expected <xliff>")
        if self.skip_depth or (name in {"trans-unit", "unit"} and attrs.get("translate") == "no"):
            self.skip_depth += 1
            return
        if self.in_target:
            self.code_depth += name in _CODE
            self.unit.protected.append((start, inner))
        elif name == "trans-unit":
            self.unit = _Unit(attrs.get("id"))
        elif name == "unit":
            self.unit_id, self.segments_in_unit = attrs.get("id"), 0
        elif name == "segment" and parent == "unit":
            self.segments_in_unit += 1
            segment_id = attrs.get("id")
            if segment_id:
                unit_id = f"{self.unit_id}/{segment_id}"
            else:
                unit_id = self.unit_id if self.segments_in_unit == 1 else f"{self.unit_id}/{self.segments_in_unit}"
            self.unit = _Unit(unit_id)
        elif name == "target" and self.unit is not None and parent in {"trans-unit", "segment"}:
            self.in_target = True
            self.unit.target = (inner, inner)

    def _end(self, qname: str) -> None:
        element = self.stack.pop()
        if element.empty:
            end_start = end = element.inner
        else:
            end_start = self.offset()
            end = self.text.index(">", end_start) + 1
        if self.skip_depth:
            self.skip_depth -= 1
            return
        name = element.name
        parent = self.stack[-1].name if self.stack else None
        if self.in_target and name == "target" and parent in {"trans-unit", "segment"}:
            self.in_target = False
            self.unit.target = (element.inner, end_start)
        elif self.in_target:
            if name in _CODE:
                self.code_depth -= 1
                self.unit.protected.append((element.start, end))
            elif not element.empty:
                self.unit.protected.append((end_start, end))
        elif name == "source" and self.unit is not None and parent in {"trans-unit", "segment"}:
            self.unit.source = (element.inner, end_start)
            self.unit.source_end = end
        elif name in {"trans-unit", "segment"} and self.unit is not None:
            self._emit(self.unit, fallback=end_start)
            self.unit = None

    def _emit(self, unit: _Unit, fallback: int) -> None:
        source = self.text[unit.source[0] : unit.source[1]] if unit.source else None
        if unit.target is None:
            at = unit.source_end if unit.source_end is not None else fallback
            self.blocks.append(Block(at, at, source=source, unit_id=unit.unit_id, split=False))
            return
        start, end = unit.target
        protected = merge((max(s, start), min(e, end)) for s, e in unit.protected)
        self.blocks.append(Block(start, end, protected=protected, source=source, unit_id=unit.unit_id, split=False))

    # -- content inside a target -----------------------------------------------------
    def _data(self, data: str) -> None:
        if not self.in_target or self.skip_depth:
            return
        start = self.offset()
        if self.code_depth == 0 and self.text.startswith("&", start):
            self.unit.protected.append((start, self.text.index(";", start) + 1))

    def _markup(self, length: int) -> None:
        if self.in_target and not self.skip_depth:
            start = self.offset()
            self.unit.protected.append((start, start + length))

    def _markup_until(self, closing: str) -> None:
        if self.in_target and not self.skip_depth:
            start = self.offset()
            self.unit.protected.append((start, self.text.index(closing, start) + len(closing)))


def read(text: str) -> list[Block]:
    reader = _Reader(text)
    try:
        reader.parser.Parse(reader.data, True)
    except _Refused:
        raise InputError(_REFUSED) from None
    except expat.ExpatError as exc:
        raise InputError(f"malformed XLIFF: {expat.ErrorString(exc.code)} at {_where(reader, exc)}") from None
    return reader.blocks


class _Found(Exception):
    def __init__(self, declared: Declared) -> None:
        self.declared = declared


def declared(text: str) -> Declared:
    """The languages the file declares (as written; the caller validates them)."""

    def start(qname: str, attrs: dict[str, str]) -> None:
        name = qname.rpartition(":")[2]
        if name == "xliff" and ("srcLang" in attrs or "trgLang" in attrs):
            raise _Found(Declared(attrs.get("srcLang"), attrs.get("trgLang")))
        if name == "file":
            raise _Found(Declared(attrs.get("source-language"), attrs.get("target-language")))

    parser = expat.ParserCreate(encoding="UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = parser.ExternalEntityRefHandler = _refuse
    parser.StartElementHandler = start
    try:
        parser.Parse(text.encode("utf-8"), True)
    except _Found as found:
        return found.declared
    except (_Refused, expat.ExpatError):
        pass  # read() says what is wrong with the file
    return Declared()


def _refuse(*args: object) -> None:
    raise _Refused


def _where(reader: _Reader, exc: expat.ExpatError) -> str:
    """'line L, column C' (1-based, in characters) of an expat error."""
    index = reader.parser.ErrorByteIndex
    if index < 0:
        return f"line {exc.lineno}, column {exc.offset + 1}"
    before = reader.data[:index].decode("utf-8", errors="replace")
    line = before.count("\n") + 1
    return f"line {line}, column {len(before) - (before.rfind(chr(10)) + 1) + 1}"
