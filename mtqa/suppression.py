"""Inline suppression with HTML comments, for Markdown, HTML and any text that carries them.

    <!-- mtqa-disable -->                 every check off until mtqa-enable
    <!-- mtqa-disable MT101,MT102 -->     these codes (or prefixes) off until enabled again
    <!-- mtqa-enable -->                  everything back on (or `mtqa-enable MT101`: one code)
    <!-- mtqa-disable-next-line MT101 --> the next non-blank line only (no codes: all checks)

A pure function of the document text and the findings, applied after the checks ran.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mtqa.findings import Finding

_DIRECTIVE = re.compile(
    r"<!--\s*mtqa-(?P<verb>disable-next-line|disable|enable)\b(?P<codes>[^>]*?)\s*-->", re.I
)
_ALL: frozenset[str] = frozenset({"ALL"})


@dataclass(frozen=True)
class _Rule:
    """From ``start`` to ``end`` (offsets), findings with these codes are hidden."""

    start: int
    end: int
    codes: frozenset[str]

    def covers(self, finding: Finding) -> bool:
        if not self.start <= finding.start < self.end:
            return False
        return self.codes == _ALL or any(finding.code.startswith(code) for code in self.codes)


def _codes(raw: str) -> frozenset[str]:
    found = frozenset(code.upper() for code in re.split(r"[\s,]+", raw.strip()) if code)
    return found or _ALL


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


def rules(text: str) -> list[_Rule]:
    """The suppressed regions a text declares, in order of appearance."""
    if "mtqa-" not in text:
        return []
    found: list[_Rule] = []
    open_regions: dict[str, int] = {}  # code (or ALL) → where it was disabled
    for match in _DIRECTIVE.finditer(text):
        verb, codes = match["verb"].lower(), _codes(match["codes"])
        if verb == "disable-next-line":
            start, end = _next_line(text, match.end())
            found.append(_Rule(start, end, codes))
        elif verb == "disable":
            for code in codes:
                open_regions.setdefault(code, match.end())
        else:  # enable: named codes, or everything
            closing = list(open_regions) if codes == _ALL else [c for c in codes if c in open_regions]
            for code in closing:
                found.append(_Rule(open_regions.pop(code), match.start(), frozenset({code})))
    for code, start in open_regions.items():
        found.append(_Rule(start, len(text), frozenset({code})))
    return found


def suppress(text: str, findings: list[Finding]) -> tuple[list[Finding], int]:
    """The findings not covered by a suppression comment, and how many were hidden."""
    regions = rules(text)
    if not regions:
        return findings, 0
    kept = [f for f in findings if not any(rule.covers(f) for rule in regions)]
    return kept, len(findings) - len(kept)
