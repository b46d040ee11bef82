"""CSV: one row per finding, per file that could not be checked, per note, and per check that did not run.

The thorough run's notes (a check not available here, no source) are NOTE rows too, with no
path: a spreadsheet that only lists findings would pass off a check that never ran as clean.

Cells that begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
apostrophe, so a spreadsheet shows a sentence like ``=SUM(A1)`` as text instead of running it
(CSV/formula injection). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
from io import StringIO

from mtqa.findings import Finding
from mtqa.formatters._common import run_notes
from mtqa.report import Report

FIELDS = ["path", "line", "column", "end_line", "end_column", "start", "end", "code", "severity",
          "category", "check", "message", "text", "suggestion", "fingerprint"]
ERROR_CODE = "ERROR"  # a file that could not be checked, or a check that failed on it
NOTE_CODE = "NOTE"  # how a file or the run was checked (a sentence checked in chunks, a check not available, ...)
SKIPPED_CODE = "SKIPPED"  # a check that did not run (its code is in the check column)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(value: object) -> object:
    """A cell safe to open in a spreadsheet (see the module docstring)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _row(finding: Finding) -> list[object]:
    data = finding.to_dict()
    return [guard(data[name]) for name in FIELDS]


def _other_row(**cells: object) -> list[object]:
    """A row that is not a finding (an error, a note, a check that did not run): these cells, the rest empty."""
    row: dict[str, object] = dict.fromkeys(FIELDS, "") | cells
    return [guard(row[name]) for name in FIELDS]


def render(report: Report, color: bool = False) -> str:
    out = StringIO()
    # Quoting every text cell keeps a lone CR in a document inside its cell (Python's minimal
    # quoting would leave it bare and break the row).
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(FIELDS)
    for result in report.files:
        for code, problem in [*((ERROR_CODE, e) for e in result.errors), *((NOTE_CODE, n) for n in result.notes)]:
            writer.writerow(_other_row(path=result.path, code=code, category=str(problem.kind), message=problem.message))
        writer.writerows(_row(finding) for finding in result.findings)
    for code, reason in report.skipped.items():
        writer.writerow(_other_row(code=SKIPPED_CODE, check=code, message=reason))
    for note in run_notes(report):
        writer.writerow(_other_row(code=NOTE_CODE, category=str(note.kind), check=", ".join(note.checks),
                                   message=note.message))
    return out.getvalue()
