"""Shared patterns and helpers for the deterministic checks (no check classes here)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from mtqa.checks.base import language  # noqa: F401 - language is re-exported for the checks
from mtqa.document import Document, Segment

URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>\"“”'‘’]+", re.I)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Placeholders and inline tags, longest forms first so that {{var}} is not read as {var}.
PLACEHOLDER = re.compile(
    r"\{\{\s*[\w.-]+\s*\}\}"  # {{var}}
    r"|\$\{[\w.-]+\}"  # ${var}
    r"|\{[\w.-]*(?::[^{}\s]*)?\}"  # {0} {name} {0:.2f}
    r"|%(?:\d+\$|\([\w.-]+\))?[-+#0]*\d*(?:\.\d+)?[sdifuxXeEgGcp@]"  # %s %1$s %(name)s %.2f
    # <b> </b> <x id="1"/>, also with JSON-escaped quotes as JSONL targets keep them: <x id=\"1\"/>
    r"|</?[A-Za-z][\w:-]*(?:\s+[\w:-]+\s*=\s*(?:\\?\"[^\"\\]*\\?\"|'[^']*'))*\s*/?>"
)
_TRAILING = ".,;:!?)]}'\"’”»"


def url_spans(text: str) -> list[tuple[int, int]]:
    """URL spans with trailing sentence punctuation left out ("see www.x.org." → www.x.org)."""
    spans = []
    for match in URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _TRAILING:
            url = text[match.start() : end]
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break  # https://en.wikipedia.org/wiki/Geneva_(city)
            end -= 1
        spans.append((match.start(), end))
    return spans


def email_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in EMAIL.finditer(text)]


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each span blanked out by spaces, so offsets stay valid."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def mask_codes(text: str) -> str:
    """``text`` with URLs, e-mail addresses and placeholders blanked out (offsets stay valid)."""
    return mask(text, url_spans(text) + email_spans(text) + [m.span() for m in PLACEHOLDER.finditer(text)])


def inside(pos: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start <= pos < end for start, end in spans)


def paragraphs(document: Document) -> list[list[Segment]]:
    """Runs of segments separated only by spaces or single newlines: one paragraph each.

    Quotations and parentheses may span sentences, and a fragment is only a fragment next to
    the sentence it was split from, so some checks look at paragraphs rather than sentences.
    """
    runs: list[list[Segment]] = []
    for segment in document.segments:
        if runs:
            gap = document.text[runs[-1][-1].end : segment.start]
            if not gap.strip() and gap.count("\n") < 2:
                runs[-1].append(segment)
                continue
        runs.append([segment])
    return runs


def segment_at(run: list[Segment], offset: int) -> Segment:
    """The segment of ``run`` that holds the absolute ``offset`` (the last one before it)."""
    return next((s for s in reversed(run) if s.start <= offset), run[0])


def unmatched(
    source: list[tuple[int, int, str]], target: list[tuple[int, int, str]], key: Callable[[str], str] = str
) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Items (start, end, text) on one side only, compared by ``key``, counting repeats.

    Returns the source items missing from the target, and the target items not in the source.
    """
    remaining = Counter(key(item[2]) for item in source)
    extra = []
    for item in target:
        if remaining[key(item[2])] > 0:
            remaining[key(item[2])] -= 1
        else:
            extra.append(item)
    missing = []
    for item in source:
        if remaining[key(item[2])] > 0:
            remaining[key(item[2])] -= 1
            missing.append(item[2])
    return missing, extra
