"""GitLab Code Quality: the JSON array GitLab shows in merge requests (``artifacts: reports: codequality``).

GitLab reads a subset of the Code Climate issue format: ``description``, ``check_name``,
``fingerprint`` (unique per issue: GitLab merges issues that share one), ``severity``
(info, minor, major, critical or blocker) and ``location.path`` with ``lines.begin``.
A file that could not be checked is reported as a ``blocker`` on its first line, so the
merge request shows it rather than a clean report.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath
from typing import Any

from mtqa.findings import Finding, Severity
from mtqa.formatters._common import fix_hint
from mtqa.report import Report

SEVERITIES = {Severity.MINOR: "minor", Severity.MAJOR: "major", Severity.CRITICAL: "critical"}
FILE_ERROR = "mtqa/file-error"


def _unique(fingerprint: str, seen: dict[str, int]) -> str:
    """The finding's own fingerprint the first time, a derived one for each repeat in the report."""
    count = seen.get(fingerprint, 0)
    seen[fingerprint] = count + 1
    if not count:
        return fingerprint
    return hashlib.sha256(f"{fingerprint}:{count}".encode()).hexdigest()[:16]


def _issue(finding: Finding, fingerprint: str) -> dict[str, Any]:
    description = f"{finding.code} {finding.message}"
    hint = fix_hint(finding)
    if hint:
        description += f" (help: {hint})"
    return {
        "description": description,
        "check_name": finding.code,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[finding.severity],
        "location": {
            "path": PurePath(finding.path).as_posix(),
            "lines": {"begin": finding.line, "end": finding.end_line},
        },
    }


def render(report: Report, color: bool = False) -> str:
    issues = []
    seen: dict[str, int] = {}
    for result in report.files:
        path = PurePath(result.path).as_posix()
        if result.error:
            key = hashlib.sha256(f"{FILE_ERROR}\x1f{path}".encode()).hexdigest()[:16]
            issues.append({
                "description": f"mtqa could not check this file: {result.error}",
                "check_name": FILE_ERROR,
                "fingerprint": _unique(key, seen),
                "severity": "blocker",
                "location": {"path": path, "lines": {"begin": 1}},
            })
        issues.extend(_issue(f, _unique(f.fingerprint(), seen)) for f in result.findings)
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"
