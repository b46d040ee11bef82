"""Inline suppression with HTML comments, for Markdown, HTML and any text that carries them.

    <!-- mtqa-disable -->                 every check off until mtqa-enable
    <!-- mtqa-disable MT101,MT102 -->     these codes (or prefixes such as MT1) off
    <!-- mtqa-enable -->                  everything back on
    <!-- mtqa-enable MT101 -->            this code back on, even inside a wider disable
    <!-- mtqa-disable-next-line MT101 --> the next non-blank line only (no codes: all checks)

The latest directive wins for the codes it names. A pure function of the document text and
the findings, applied after the checks ran.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from mtqa.findings import Finding

_DIRECTIVE = re.compile(
    r"<!--\s*mtqa-(?P<verb>disable-next-line|disable|enable)\b(?P<codes>[^>]*?)\s*-->", re.I
)


def _matches(code: str, selectors: frozenset[str]) -> bool:
    return any(code.startswith(selector) for selector in selectors)


@dataclass(frozen=True)
class State:
    """What is switched off from some offset on."""

    all_off: bool = False
    off: frozenset[str] = frozenset()  # codes or prefixes switched off
    on: frozenset[str] = frozenset()  # codes switched back on inside a wider "off"

    def hides(self, code: str) -> bool:
        return (self.all_off or _matches(code, self.off)) and not _matches(code, self.on)

    def disable(self, codes: frozenset[str]) -> State:
        if not codes:
            return State(all_off=True)
        on = frozenset(c for c in self.on if not _matches(c, codes))
        return State(self.all_off, self.off | codes, on)

    def enable(self, codes: frozenset[str]) -> State:
        if not codes:
            return State()
        off = frozenset(c for c in self.off if not _matches(c, codes))
        return State(self.all_off, off, self.on | codes)


@dataclass(frozen=True)
class Suppressions:
    """The regions a text declares: states by offset, and single lines."""

    starts: tuple[int, ...]  # offsets where the state changes, ascending
    states: tuple[State, ...]  # the state from each of those offsets on
    lines: tuple[tuple[int, int, frozenset[str]], ...]  # (start, end, codes; empty = all)

    def hides(self, finding: Finding) -> bool:
        index = bisect.bisect_right(self.starts, finding.start) - 1
        if index >= 0 and self.states[index].hides(finding.code):
            return True
        return any(
            start <= finding.start < end and (not codes or _matches(finding.code, codes))
            for start, end, codes in self.lines
        )


def _codes(raw: str) -> frozenset[str]:
    return frozenset(code.upper() for code in re.split(r"[\s,]+", raw.strip()) if code)


def _next_line(text: str, offset: int) -> tuple[int, int]:
    """Span of the first non-blank line after the line holding ``offset``."""
    line_end = text.find("\n", offset)
    while line_end != -1:
        start = line_end + 1
        line_end = text.find("\n", start)
        end = len(text) if line_end == -1 else line_end
        if text[start:end].strip():
            return start, end
    return len(text), len(text)


def parse(text: str) -> Suppressions:
    """The suppressions a text declares with ``mtqa-`` comments."""
    starts: list[int] = []
    states: list[State] = []
    lines: list[tuple[int, int, frozenset[str]]] = []
    state = State()
    if "mtqa-" in text:
        for match in _DIRECTIVE.finditer(text):
            verb, codes = match["verb"].lower(), _codes(match["codes"])
            if verb == "disable-next-line":
                lines.append((*_next_line(text, match.end()), codes))
                continue
            state = state.disable(codes) if verb == "disable" else state.enable(codes)
            starts.append(match.end() if verb == "disable" else match.start())
            states.append(state)
    return Suppressions(tuple(starts), tuple(states), tuple(lines))


def suppress(text: str, findings: list[Finding]) -> tuple[list[Finding], int]:
    """The findings not covered by a suppression comment, and how many were hidden."""
    found = parse(text)
    if not found.states and not found.lines:
        return findings, 0
    kept = [f for f in findings if not found.hides(f)]
    return kept, len(findings) - len(kept)
