"""Odd rows of benchmark files: skipped or repaired, counted, and named with file and line.

Public data has them (the WMT MQM files have ``<v>`` spans that never close, truncated
rows, rows whose target was split by a stray line break). One such row must not stop a run
over thousands, yet the figures must say they were measured without it: ``mtqa eval``
prints the count and the first one, and its JSON lists them all. A caller that wants clean
data or nothing makes the log ``strict``: the first skipped row is then an ``InputError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtqa.errors import InputError


@dataclass(frozen=True)
class OddRow:
    path: Path
    line: int  # 1-based line in the file
    problem: str
    skipped: bool  # True: left out; False: read after a repair the problem names

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": str(self.path), "line": self.line, "problem": self.problem, "skipped": self.skipped}


@dataclass
class OddRows:
    strict: bool = False
    rows: list[OddRow] = field(default_factory=list)

    def skip(self, path: Path, line: int, problem: str) -> None:
        """Record a row left out (an ``InputError`` instead when ``strict``)."""
        row = OddRow(path, line, problem, skipped=True)
        if self.strict:
            raise InputError(str(row))
        self.rows.append(row)

    def repair(self, path: Path, line: int, problem: str) -> None:
        """Record a row read after a repair that ``problem`` describes."""
        self.rows.append(OddRow(path, line, problem, skipped=False))

    @property
    def skipped(self) -> list[OddRow]:
        return [row for row in self.rows if row.skipped]

    @property
    def repaired(self) -> list[OddRow]:
        return [row for row in self.rows if not row.skipped]

    def to_dict(self) -> dict[str, Any]:
        return {
            "skipped": len(self.skipped),
            "repaired": len(self.repaired),
            "rows": [row.to_dict() for row in self.rows],
        }

    def summary(self) -> list[str]:
        """Lines for the console: the skipped count (always) and the repaired one, each with its first row."""
        lines = []
        for label, rows in (("skipped rows", self.skipped), ("repaired rows", self.repaired)):
            if rows or label == "skipped rows":
                lines.append(f"{label}: {len(rows)}" + (f" (first: {rows[0]})" if rows else ""))
        return lines
