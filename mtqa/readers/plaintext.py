"""Plain text: paragraphs separated by blank lines."""

from __future__ import annotations

import re

from mtqa.document import Block

_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=\n[ \t]*\n|\s*\Z)", re.S)


def read(text: str) -> list[Block]:
    return [Block(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
