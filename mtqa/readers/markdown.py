"""Markdown: prose blocks (paragraphs, headings, list items, quotes, table cells).

markdown-it-py finds the block structure and gives each block's source lines
(``token.map``); each line of a block's content is then located in its source line, so
offsets are exact. Code (fenced and indented), HTML blocks and YAML/TOML front matter are
not prose and produce no block. Inside a block, markup is protected rather than removed:
inline code, link and image destinations and brackets, autolinks, inline HTML and
comments, emphasis markers, backslash escapes, entity references, and the ``>`` or
indentation that continues a quote or list item on the next line.

Documentation sites (MkDocs with Material, pymdown-extensions and mkdocstrings, as the
FastAPI and SQLModel docs are written) add syntax that CommonMark reads as prose. Before
parsing, the lines that are such syntax are blanked in the text markdown-it sees: block
fences (``/// tip | Title``, ``///``), API directives (``::: package.module.Class``, whose
indented options then read as code), snippets (``--8<-- "file.md"``) and abbreviation
definitions (``*[HTML]: …``). The openers of indented bodies (admonitions ``!!! note``,
``??? note``, content tabs ``=== "Tab"``) are blanked and their bodies dedented, so the body
reads as prose, not as indented code. Only the parsed text changes; blocks are still located
in the real lines. Inline, attribute lists (``{ #install }``, ``{: .class }``), emoji and
icon shortcodes (``:rocket:``), footnote marks (``[^1]``) and task-list boxes (``[x]``) are
protected like other markup.
"""

from __future__ import annotations

import bisect
import re

from markdown_it import MarkdownIt

from mtqa.document import Block, Span
from mtqa.readers._spans import merge

_NEWLINE = re.compile(r"\r\n|\r|\n")  # markdown-it's own line breaks (it normalises all three)
_PROSE_OPENERS = {"paragraph_open", "heading_open", "th_open", "td_open"}
_FRONT_MATTER_FENCES = {"---": ("---", "..."), "+++": ("+++",)}

_BACKTICKS = re.compile(r"`+")
_LINK = re.compile(
    r"(!?\[)(?:[^\[\]\n]|\[[^\[\]\n]*\])*"  # [text] with one level of nested brackets
    r"(\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)|\]\[[^\[\]\n]*\])"
)
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>|<[^\s<>@]+@[^\s<>]+>")
_INLINE_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_MARKERS = re.compile(r"\*+|(?<![^\W_])_+|_+(?![^\W_])|~~+")  # emphasis, not snake_case
_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]|\\(?=\n)")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Lines of extension syntax that hold no prose (see the module docstring).
_SYNTAX_LINE = re.compile(
    r"[ \t]*(?:"
    r"/{3,}(?:[ \t]+[A-Za-z][\w-]*(?:[ \t]*\|.*)?)?"  # pymdown blocks: /// name | title, ///
    r"|:{3,}(?:[ \t]*[\w.{}-][\w.:{}-]*)?"  # mkdocstrings ::: package.module.Class, colon fences
    r"|-{2,}8<-{2,}.*"  # snippets
    r"|\*\[[^\]\n]+\]:.*"  # abbreviation definitions
    r")[ \t]*"
)
_INDENTED_OPENER = re.compile(r"([ \t]*)(?:!!!|\?\?\?\+?)[ \t]+\w.*|([ \t]*)===[+!]*[ \t]+[\"'].*")
_BODY_INDENT = 4
_ATTRIBUTE = r"(?:[#.][\w-]+|[\w-]+=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s{}]+))"  # #id, .class, key=value
_ATTRIBUTE_LIST = re.compile(rf"\{{:?[ \t]*{_ATTRIBUTE}(?:[ \t]+{_ATTRIBUTE})*[ \t]*\}}")
_SHORTCODE = re.compile(r"(?<!\w):(?:[+-]1|[a-z][a-z0-9_+-]*):(?!\w)")  # :rocket:, :octicons-mark-16:
_FOOTNOTE_MARK = re.compile(r"\[\^[^\[\]\s]+\]:?")  # no "[" inside: linear on "[^[^[^…"
_TASK_BOX = re.compile(r"\[[ xX]\](?=\s)")


def read(text: str) -> list[Block]:
    starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    ends = [m.start() for m in _NEWLINE.finditer(text)] + [len(text)]
    lines = [text[start:end] for start, end in zip(starts, ends)]
    lines[: _front_matter_lines(text, starts, ends)] = []  # replaced below by as many blank lines
    lines = [""] * (len(starts) - len(lines)) + _without_extension_syntax(lines)
    tokens = MarkdownIt("commonmark").enable("table").parse("\n".join(lines))

    blocks: list[Block] = []
    cell_cursor: dict[int, int] = {}  # table row line → where the next cell's search starts
    for previous, token in zip(tokens, tokens[1:]):
        if token.type != "inline" or previous.type not in _PROSE_OPENERS or not token.map:
            continue
        first = token.map[0]
        if previous.type in {"th_open", "td_open"}:
            span = _locate_cell(text, starts[first], ends[first], token.content, cell_cursor, first)
            located = [span] if span else None
        elif previous.type == "heading_open" and previous.markup.startswith("#"):
            located = _locate_atx(text, starts[first], ends[first], token.content)
        else:
            located = _locate_lines(text, starts, ends, first, token.content)
        if not located:
            continue  # content markdown-it rewrote (tabs in indentation): not mappable exactly
        start, end = located[0][0], located[-1][1]
        protected = [
            (starts[first + i], span_start)
            for i, (span_start, _) in enumerate(located)
            if i and text[starts[first + i] : span_start].strip()
        ]
        protected += _inline_markup(text, start, end)
        blocks.append(Block(start, end, protected=merge(protected)))
    return blocks


def _front_matter_lines(text: str, starts: list[int], ends: list[int]) -> int:
    """Number of leading lines that are YAML (---) or TOML (+++) front matter, else 0."""
    opener = text[starts[0] : ends[0]].rstrip()
    closers = _FRONT_MATTER_FENCES.get(opener)
    if not closers:
        return 0
    for line in range(1, len(starts)):
        if text[starts[line] : ends[line]].rstrip() in closers:
            return line + 1
    return 0


def _without_extension_syntax(lines: list[str]) -> list[str]:
    """The lines as markdown-it should see them: syntax lines blank, indented bodies dedented."""
    lines = list(lines)
    for index, line in enumerate(lines):
        if _SYNTAX_LINE.fullmatch(line):
            lines[index] = ""
            continue
        opener = _INDENTED_OPENER.fullmatch(line)
        if not opener:
            continue
        lines[index] = ""
        body = len((opener.group(1) or opener.group(2) or "").expandtabs(_BODY_INDENT)) + _BODY_INDENT
        for following in range(index + 1, len(lines)):
            content = lines[following].lstrip(" \t")
            indent = len(lines[following][: len(lines[following]) - len(content)].expandtabs(_BODY_INDENT))
            if content and indent < body:
                break
            lines[following] = " " * (indent - _BODY_INDENT) + content if content else ""
    return lines


def _locate_lines(text: str, starts: list[int], ends: list[int], first: int, content: str) -> list[Span]:
    """Each content line is its source line minus a prefix (quote markers, indentation)."""
    located = []
    for i, line in enumerate(content.split("\n")):
        wanted = line.strip()  # continuation lines: markdown-it may re-indent (tabs)
        source_end = ends[first + i]
        while source_end > starts[first + i] and text[source_end - 1].isspace():
            source_end -= 1
        span_start = source_end - len(wanted)
        if not wanted or span_start < starts[first + i] or text[span_start:source_end] != wanted:
            return []
        located.append((span_start, source_end))
    return located


def _locate_atx(text: str, line_start: int, line_end: int, content: str) -> list[Span]:
    hashes = text.find("#", line_start, line_end)
    while hashes < line_end and text[hashes] == "#":
        hashes += 1
    found = text.find(content, hashes, line_end) if content else -1
    return [(found, found + len(content))] if found >= 0 else []


def _locate_cell(
    text: str, line_start: int, line_end: int, content: str, cursor: dict[int, int], line: int
) -> Span | None:
    found = text.find(content, cursor.get(line, line_start), line_end) if content else -1
    if found < 0:
        return None
    cursor[line] = found + len(content)
    return found, found + len(content)


def _inline_markup(text: str, start: int, end: int) -> list[Span]:
    """Absolute spans of markup inside one block (linear: no backtracking across the block)."""
    spans = _code_spans(text, start, end)
    spans += _comments(text, start, end)
    for match in _LINK.finditer(text, start, end):
        spans += [match.span(1), match.span(2)]
    for pattern in (_AUTOLINK, _INLINE_TAG, _MARKERS, _ESCAPE, _ENTITY, _ATTRIBUTE_LIST, _SHORTCODE, _FOOTNOTE_MARK):
        spans += [m.span() for m in pattern.finditer(text, start, end)]
    box = _TASK_BOX.match(text, start, end)
    if box:
        spans.append(box.span())
    return spans


def _code_spans(text: str, start: int, end: int) -> list[Span]:
    """`code` spans: a backtick run closed by the next run of the same length."""
    runs = [m.span() for m in _BACKTICKS.finditer(text, start, end)]
    by_length: dict[int, list[int]] = {}
    for index, (run_start, run_end) in enumerate(runs):
        by_length.setdefault(run_end - run_start, []).append(index)
    spans: list[Span] = []
    index = 0
    while index < len(runs):
        run_start, run_end = runs[index]
        same = by_length[run_end - run_start]
        later = bisect.bisect_right(same, index)
        escaped = run_start > start and text[run_start - 1] == "\\"
        if later < len(same) and not escaped:
            closer = same[later]
            spans.append((run_start, runs[closer][1]))
            index = closer
        index += 1
    return spans


def _comments(text: str, start: int, end: int) -> list[Span]:
    spans = []
    opening = text.find("<!--", start, end)
    while opening >= 0:
        closing = text.find("-->", opening + 4, end)
        if closing < 0:
            break
        spans.append((opening, closing + 3))
        opening = text.find("<!--", closing + 3, end)
    return spans
