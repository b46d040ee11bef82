"""HTML: the visible text, one block per block-level element.

The stdlib parser runs with ``convert_charrefs=False`` so every text chunk it reports is an
exact slice of the file, located with ``getpos()``. Not prose: script, style, template,
noscript, pre, textarea, svg, math, comments, and the head (except its ``<title>``).
Block-level elements (p, li, h1-h6, td, div, title, ...) start and end blocks; inline tags
(b, a, span, br, ...), entity references and the content of inline code elements stay
inside the block as protected spans.
"""

from __future__ import annotations

from html.parser import HTMLParser

from mtqa.document import Block, Span
from mtqa.readers._spans import merge

_HIDDEN = frozenset("script style template noscript pre textarea svg math iframe object select".split())
_CODE = frozenset("code kbd samp var tt".split())  # inline, but their content is not prose
_BLOCK = frozenset(
    """address article aside blockquote body caption center dd details dialog dir div dl dt
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html legend
    li main menu nav ol option p section summary table tbody td tfoot th thead title tr ul""".split()
)

TEXT, MARKUP, ENTITY = "text", "markup", "entity"


class _Reader(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0]
        position = text.find("\n")
        while position >= 0:  # html.parser counts lines by "\n" only
            self.line_starts.append(position + 1)
            position = text.find("\n", position + 1)
        self.blocks: list[Block] = []
        self.pieces: list[list] = []  # [start, end | None, kind] of the open block
        self.hidden = 0  # depth inside elements whose content is not prose
        self.code = 0
        self.in_head = False
        self.in_title = False

    # -- positions -------------------------------------------------------------------
    def _here(self) -> int:
        """Offset of the construct being handled; it also ends an open-ended piece."""
        line, column = self.getpos()
        offset = self.line_starts[line - 1] + column
        if self.pieces and self.pieces[-1][1] is None:
            self.pieces[-1][1] = offset
        return offset

    def _add(self, start: int, end: int | None, kind: str) -> None:
        self.pieces.append([start, end, kind])

    def _invisible(self) -> bool:
        return self.hidden > 0 or (self.in_head and not self.in_title)

    # -- events ----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._tag(tag, self._here(), opening=True, void=False)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._tag(tag, self._here(), opening=True, void=True)

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, self._here(), opening=False, void=False)

    def _tag(self, tag: str, offset: int, opening: bool, void: bool) -> None:
        if tag in _BLOCK:
            self.flush()
            if tag == "head":
                self.in_head = opening and not void
            elif tag == "body":
                self.in_head = False
            elif tag == "title":
                self.in_title = opening and not void
            return
        self._add(offset, None, MARKUP)
        if void:
            return
        if tag in _HIDDEN:
            self.hidden = self.hidden + 1 if opening else max(0, self.hidden - 1)
        elif tag in _CODE:
            self.code = self.code + 1 if opening else max(0, self.code - 1)

    def handle_data(self, data: str) -> None:
        start = self._here()
        visible = not self._invisible() and not self.code
        self._add(start, start + len(data), TEXT if visible else MARKUP)

    def handle_entityref(self, name: str) -> None:
        self._reference(self._here(), 1 + len(name))

    def handle_charref(self, name: str) -> None:
        self._reference(self._here(), 2 + len(name))

    def _reference(self, start: int, length: int) -> None:
        end = start + length + (self.text.startswith(";", start + length))
        visible = not self._invisible() and not self.code
        self._add(start, end, ENTITY if visible else MARKUP)

    def handle_comment(self, data: str) -> None:
        self._add(self._here(), None, MARKUP)

    def handle_decl(self, decl: str) -> None:
        self._add(self._here(), None, MARKUP)

    def handle_pi(self, data: str) -> None:
        self._add(self._here(), None, MARKUP)

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        """``<![x …>`` with a keyword html.parser does not know: it asserts, browsers read a bogus comment."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            if end < 0:
                return -1
            self.unknown_decl(self.rawdata[i + 3 : end])
            return end + 1

    def unknown_decl(self, data: str) -> None:
        self._add(self._here(), None, MARKUP)

    # -- blocks ----------------------------------------------------------------------
    def flush(self) -> None:
        """Close the open block: from its first visible character to its last."""
        pieces, self.pieces = self.pieces, []
        visible = [p for p in pieces if p[2] == ENTITY or (p[2] == TEXT and self.text[p[0] : p[1]].strip())]
        if not visible:
            return
        start, end = visible[0][0], visible[-1][1]
        while self.text[start].isspace():
            start += 1
        while self.text[end - 1].isspace():
            end -= 1
        protected: list[Span] = []
        for piece_start, piece_end, kind in pieces:
            piece_end = end if piece_end is None else piece_end
            if kind != TEXT and piece_start < end and start < piece_end:
                protected.append((max(piece_start, start), min(piece_end, end)))
        self.blocks.append(Block(start, end, protected=merge(protected)))


def read(text: str) -> list[Block]:
    reader = _Reader(text)
    reader.feed(text)
    reader.close()
    reader.flush()
    return reader.blocks
