"""SARIF 2.1.0, the format GitHub code scanning and most IDE viewers read.

Rule metadata comes from each check's docstring sections (``Check.doc_section``). mtqa's
offsets are code points, so the run declares ``columnKind: unicodeCodePoints``; mtqa's
``end_column`` is already exclusive, which is what SARIF's ``endColumn`` means.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from mtqa.checks import Check, all_checks
from mtqa.findings import Finding, Severity
from mtqa.formatters._common import RunNote, fix_hint, run_notes
from mtqa.report import Report

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FALLBACK_URI = "https://pypi.org/project/mtqa/"
LEVELS = {Severity.MINOR: "note", Severity.MAJOR: "warning", Severity.CRITICAL: "error"}
FINGERPRINT_KEY = "mtqa/v1"
MAX_CONTEXT = 2_000  # longer sentences are left out of contextRegion, or they would repeat per finding


def _information_uri() -> str:
    """The project's home page from the package metadata (pyproject ``[project.urls]``)."""
    try:
        urls = metadata("mtqa").get_all("Project-URL") or []
    except PackageNotFoundError:
        return FALLBACK_URI
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in {"homepage", "home", "repository", "source", "documentation"}:
            return url.strip()
    return FALLBACK_URI


def artifact_uri(path: str) -> str:
    """A URI reference for a reported path: relative with forward slashes, or file:// when absolute."""
    pure = PurePath(path)
    if pure.is_absolute():
        return pure.as_uri()
    return quote(pure.as_posix(), safe="/")


def _unwrap(text: str) -> str:
    """Docstring prose as paragraphs: the lines of each paragraph joined by spaces."""
    return "\n\n".join(" ".join(p.split("\n")) for p in text.split("\n\n"))


def _section_text(cls: type[Check]) -> tuple[str, str]:
    """(plain text, Markdown) help built from the docstring sections."""
    what, why = cls.doc_section("What it does"), cls.doc_section("Why is this bad")
    example, instead = cls.doc_section("Example"), cls.doc_section("Use instead")
    text_parts, md_parts = [], []
    for title, body, as_code in (("What it does", what, False), ("Why is this bad", why, False),
                                 ("Example", example, True), ("Use instead", instead, True),
                                 ("Options", cls.options_doc(), False)):
        if body:
            body = body if as_code else _unwrap(body)
            text_parts.append(f"{title}:\n{body}")
            md_parts.append(f"**{title}**\n\n" + (f"```text\n{body}\n```" if as_code else body))
    return "\n\n".join(text_parts), "\n\n".join(md_parts)


def _rule(code: str, cls: type[Check] | None) -> dict[str, Any]:
    if cls is None:  # a code in the report whose check is no longer installed
        return {"id": code, "shortDescription": {"text": code}}
    text, markdown = _section_text(cls)
    return {
        "id": code,
        "name": cls.name,
        "shortDescription": {"text": cls.summary},
        "fullDescription": {"text": _unwrap(cls.doc_section("What it does")) or cls.summary},
        "help": {"text": text or cls.summary, "markdown": markdown or cls.summary},
        "defaultConfiguration": {"level": LEVELS[cls.severity]},
        "properties": {"tags": [cls.category], "category": cls.category, "severity": str(cls.severity)},
    }


def _region(finding: Finding) -> dict[str, Any]:
    return {
        "startLine": finding.line,
        "startColumn": finding.column,
        "endLine": finding.end_line,
        "endColumn": finding.end_column,
        "charOffset": finding.start,
        "charLength": finding.end - finding.start,
        "snippet": {"text": finding.text},
    }


def _related(index: int, other: dict[str, Any]) -> dict[str, Any]:
    """One of ``details["others"]`` (``mtqa.checks.base.place``) as a SARIF related location."""
    region = {
        "startLine": other["line"], "startColumn": other["column"],
        "endLine": other["end_line"], "endColumn": other["end_column"],
        "charOffset": other["start"], "charLength": other["end"] - other["start"],
        "snippet": {"text": other["text"]},
    }
    return {
        "id": index,
        "message": {"text": other["text"]},
        "physicalLocation": {"artifactLocation": {"uri": artifact_uri(other["path"])}, "region": region},
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    location = {"artifactLocation": {"uri": artifact_uri(finding.path)}, "region": _region(finding)}
    if 0 < len(finding.context) <= MAX_CONTEXT:
        location["contextRegion"] = {
            "charOffset": finding.context_start,
            "charLength": finding.context_end - finding.context_start,
            "snippet": {"text": finding.context},
        }
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint()},
        "properties": {"category": finding.category, "severity": str(finding.severity), "check": finding.check_name},
    }
    if finding.details:
        result["properties"]["details"] = finding.details
    others = finding.details.get("others")
    if others:  # a cross-segment finding (MT5xx): the other places it concerns
        result["relatedLocations"] = [_related(i, other) for i, other in enumerate(others, 1)]
    if finding.suggestion is not None:
        result["fixes"] = [{
            "description": {"text": fix_hint(finding)},
            "artifactChanges": [{
                "artifactLocation": {"uri": artifact_uri(finding.path)},
                "replacements": [{
                    "deletedRegion": {
                        "startLine": finding.line,
                        "startColumn": finding.column,
                        "endLine": finding.end_line,
                        "endColumn": finding.end_column,
                    },
                    "insertedContent": {"text": finding.suggestion},
                }],
            }],
        }]
    return result


def _run_note(note: RunNote, index: dict[str, int]) -> dict[str, Any]:
    """A note about the whole run: no location; a check not available here points at its rule."""
    notification: dict[str, Any] = {"level": "note", "message": {"text": f"{note.title}: {note.message}"},
                                    "properties": {"kind": str(note.kind), "checks": list(note.checks)}}
    if len(note.checks) == 1:
        [code] = note.checks
        notification["associatedRule"] = {"id": code, **({"index": index[code]} if code in index else {})}
    return notification


def to_sarif(report: Report) -> dict[str, Any]:
    """The SARIF log as a dict (``render`` serialises it)."""
    known = all_checks()
    codes = list(dict.fromkeys([*report.checks, *(f.code for f in report.findings)]))
    rules = [_rule(code, known.get(code)) for code in codes]
    index = {code: i for i, code in enumerate(codes)}
    notifications = [
        {
            "level": level,
            "message": {"text": problem.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(result.path)}}}],
            "properties": {"kind": str(problem.kind)},
        }
        for result in report.files
        for level, problem in [*(("error", e) for e in result.errors), *(("note", n) for n in result.notes)]
    ]
    notifications += [{"level": "error", "message": {"text": message}, "properties": {"kind": "run"}}
                      for message in report.run_errors]
    failed = any(n["level"] == "error" for n in notifications)
    notifications += [_run_note(note, index) for note in run_notes(report)]
    skipped = [
        {"level": "warning", "message": {"text": f"{code} did not run: {reason}"}, "descriptor": {"id": code}}
        for code, reason in report.skipped.items()
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "mtqa",
                "version": report.version,
                "semanticVersion": report.version,
                "informationUri": _information_uri(),
                "rules": rules,
            }
        },
        "invocations": [{
            "executionSuccessful": not failed and not skipped,
            "toolExecutionNotifications": notifications,
            "toolConfigurationNotifications": skipped,
        }],
        # each file and the languages it was checked as (source/target tags and where they came from)
        "artifacts": [
            {"location": {"uri": artifact_uri(r.path)}, "properties": {"languages": r.languages.to_dict()}}
            for r in report.files if r.languages is not None
        ],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.code]) for f in report.findings],
        "properties": {
            "failOn": str(report.fail_on),
            "signatures": report.signatures,
            # the model checks that ran: the models their scores came from (id@revision) and the signature
            "modelsRan": {code: run.to_dict() for code, run in sorted(report.models_ran.items())},
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, color: bool = False) -> str:
    # Compact: SARIF is read by machines, and only the compact encoder is fast (C, not Python).
    return json.dumps(to_sarif(report), ensure_ascii=False, separators=(",", ":")) + "\n"
