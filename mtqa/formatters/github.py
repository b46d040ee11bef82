"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request diff.

Escaping follows GitHub's runner: in the message ``%``, CR and LF are percent-encoded; in
properties ``:`` and ``,`` are too, so a document can never end a command or start a new one.
"""

from __future__ import annotations

from pathlib import PurePath

from mtqa.findings import Finding, Severity
from mtqa.formatters._common import fix_hint, run_notes
from mtqa.report import ErrorKind, Report

COMMANDS = {Severity.MINOR: "notice", Severity.MAJOR: "warning", Severity.CRITICAL: "error"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {props}::{escape_data(message)}"


def _annotation(finding: Finding) -> str:
    properties: dict[str, object] = {"file": PurePath(finding.path).as_posix(), "line": finding.line}
    same_line = finding.end_line == finding.line  # GitHub ignores columns on multi-line annotations
    if same_line:
        properties["col"] = finding.column
    properties["endLine"] = finding.end_line
    if same_line:
        properties["endColumn"] = finding.end_column
    properties["title"] = f"{finding.code} {finding.check_name}"
    message = finding.message
    hint = fix_hint(finding)
    if hint:
        message += f" (help: {hint})"
    return _command(COMMANDS[finding.severity], properties, message)


def render(report: Report, color: bool = False) -> str:
    lines = []
    for result in report.files:
        where = PurePath(result.path).as_posix()
        for error in result.errors:
            title = "mtqa: cannot check file" if error.kind is ErrorKind.INPUT else "mtqa: a check failed"
            lines.append(_command("error", {"file": where, "title": title}, error.message))
        for note in result.notes:
            lines.append(_command("notice", {"file": where, "title": "mtqa: note"}, note.message))
        lines.extend(_annotation(finding) for finding in result.findings)
    for code, reason in report.skipped.items():
        lines.append(_command("warning", {"title": f"mtqa: {code} did not run"}, reason))
    for note in run_notes(report):  # the thorough run's gaps; the models that ran would only be noise on the diff
        lines.append(_command("notice", {"title": f"mtqa: {note.title}"}, note.message))
    return "".join(line + "\n" for line in lines)
