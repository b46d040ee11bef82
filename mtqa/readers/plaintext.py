"""Plain text: paragraphs separated by blank lines (lines holding only whitespace).

Linear on any input (a 100 MB file takes about a second): one pass finds the blank-line
separators, and each paragraph is trimmed with a bounded search, never a backtracking regex.
"""

from __future__ import annotations

import re

from mtqa.document import Block

_BLANK_LINE = re.compile(r"\n[^\S\n]*(?=\n)")
_NON_SPACE = re.compile(r"\S")


def read(text: str) -> list[Block]:
    blocks: list[Block] = []
    start = 0
    for separator in _BLANK_LINE.finditer(text):
        _add(text, start, separator.start(), blocks)
        start = separator.end()
    _add(text, start, len(text), blocks)
    return blocks


def _add(text: str, start: int, end: int, blocks: list[Block]) -> None:
    first = _NON_SPACE.search(text, start, end)
    if first is None:
        return
    stop = end
    while text[stop - 1].isspace():
        stop -= 1
    blocks.append(Block(first.start(), stop))
