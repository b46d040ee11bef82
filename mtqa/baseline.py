"""Baseline files: accept the findings a project already has, fail only on new ones.

A baseline stores each finding's fingerprint (path, code, flagged text and its sentence, not
its line), so editing elsewhere in a file does not bring old findings back. Counts matter: a
baseline that knows one "the the" in a sentence still reports a second identical one.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from mtqa import __version__
from mtqa.errors import ConfigError
from mtqa.findings import Finding
from mtqa.report import Report

BASELINE_VERSION = 1


def build(report: Report) -> dict[str, Any]:
    """The baseline document for every finding in ``report``."""
    counts: Counter[str] = Counter()
    first: dict[str, Finding] = {}
    for finding in report.findings:
        key = finding.fingerprint()
        counts[key] += 1
        first.setdefault(key, finding)
    entries = [
        {"fingerprint": key, "code": f.code, "path": f.path, "text": f.text, "count": counts[key]}
        for key, f in sorted(first.items(), key=lambda item: (item[1].path, item[1].code, item[0]))
    ]
    return {"version": BASELINE_VERSION, "mtqa_version": __version__, "findings": entries}


def write(report: Report, path: Path) -> int:
    """Write the baseline for ``report`` to ``path``; returns the number of findings in it."""
    data = build(report)
    try:
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--write-baseline: cannot write {path}: {exc.strerror or exc}") from None
    return sum(entry["count"] for entry in data["findings"])


def load(path: Path) -> Counter[str]:
    """Fingerprint → how many findings with it the baseline accepts."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"--baseline: cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"--baseline: {path} is not a baseline file (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise ConfigError(f"--baseline: {path} is not an mtqa baseline of version {BASELINE_VERSION}")
    accepted: Counter[str] = Counter()
    try:
        for entry in data["findings"]:
            accepted[str(entry["fingerprint"])] += int(entry.get("count", 1))
    except (KeyError, TypeError, ValueError):
        raise ConfigError(f"--baseline: {path} has a malformed 'findings' list") from None
    return accepted


def apply(report: Report, accepted: Counter[str]) -> None:
    """Drop findings the baseline accepts, counting them in each file's ``suppressed``."""
    remaining = Counter(accepted)
    for result in report.files:
        kept = []
        for finding in result.findings:
            key = finding.fingerprint()
            if remaining[key] > 0:
                remaining[key] -= 1
                result.baselined += 1
            else:
                kept.append(finding)
        result.suppressed += len(result.findings) - len(kept)
        result.findings = kept
