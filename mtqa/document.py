"""Documents, blocks and segments: the decoded text and exact spans into it.

Offsets everywhere in mtqa are code-point indices into ``Document.text`` (the decoded file
text, BOM removed, newlines untouched). Formatters convert to line/column only at the edge.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from enum import StrEnum

Span = tuple[int, int]


@dataclass(frozen=True)
class Block:
    """A stretch of translatable text found by a reader: a paragraph, heading or unit.

    ``protected`` spans (absolute offsets) are markup inside the block that checks must not
    flag: inline code, tags, URLs in link targets, placeholders in markup.
    """

    start: int
    end: int
    protected: tuple[Span, ...] = ()
    source: str | None = None
    unit_id: str | None = None
    split: bool = True  # monolingual paragraphs are split into sentences; bilingual units are not


@dataclass(frozen=True)
class Segment:
    """One sentence (or one bilingual unit): the unit every check looks at."""

    start: int
    end: int
    text: str
    index: int
    protected: tuple[Span, ...] = ()
    source: str | None = None
    unit_id: str | None = None
    overlong: bool = False  # a piece of a sentence over max_sentence_words, cut at whitespace

    def is_protected(self, start: int, end: int) -> bool:
        """True when [start, end) overlaps markup the checks must leave alone."""
        return any(start < p_end and p_start < end for p_start, p_end in self.protected)

    def about_markup(self, start: int, end: int) -> bool:
        """Whether a finding at [start, end) is about markup (code, tags, escapes), not the prose.

        Findings about the whole segment (a missing number, a copied source, a wrong
        language) are kept even when the segment holds markup somewhere.
        """
        if (start, end) == (self.start, self.end):
            return False
        return self.is_protected(start, max(end, start + 1))


class LanguageFrom(StrEnum):
    """Where a file's language came from (the order of precedence: see ``mtqa.locales``)."""

    SETTINGS = "settings"  # --target-lang/--lang, --src-lang, or the config
    FILE = "file"  # the file declares it: a PO Language: header, XLIFF language attributes
    PATH = "path"  # a locale in the path: de.po, de/LC_MESSAGES/app.po, messages.fr.xlf
    DEFAULT = "default"  # English


@dataclass(frozen=True)
class Languages:
    """The languages a file is checked as: BCP 47 tags (``pt-BR``), and where each came from."""

    target: str = "en"
    target_from: LanguageFrom = LanguageFrom.DEFAULT
    source: str | None = None
    source_from: LanguageFrom | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "target": self.target,
            "target_from": str(self.target_from),
            "source": self.source,
            "source_from": str(self.source_from) if self.source_from else None,
        }


@dataclass(frozen=True)
class Declared:
    """The languages a file says it is in; None where it says nothing.

    Readers give the tags as written; ``Document.declared`` holds them normalised.
    """

    source: str | None = None
    target: str | None = None


@dataclass
class Document:
    path: str
    text: str
    format: str
    segments: list[Segment] = field(default_factory=list)
    bilingual: bool = False
    languages: Languages = field(default_factory=Languages)  # what the file is checked as
    declared: Declared = field(default_factory=Declared)  # what the file itself declares
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._line_starts = starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in code points) of an offset."""
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def line_span(self, line: int) -> Span:
        """Offsets of a 1-based line, without its newline."""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] - 1 if line < len(self._line_starts) else len(self.text)
        return start, end
