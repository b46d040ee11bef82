"""Errors and notes are kept apart: only errors (and checks that could not run) give exit 2.

One report, built through the real engine, holds a file that cannot be read (an input error),
a file on which a check crashed (a check error; the other checks' findings stand) and a file
with a "sentence" too long to check whole (a note: it was checked, in chunks). Every format
must show each of them, and say which is which.
"""

from __future__ import annotations

import csv
import json
import os
import xml.etree.ElementTree as ET
from dataclasses import FrozenInstanceError
from io import StringIO
from pathlib import Path

import pytest

from mtqa.checks.doubled_word import DoubledWord
from mtqa.config import Config
from mtqa.engine import run
from mtqa.findings import Severity
from mtqa.formatters import csv_format, github, html, junit, markdown, sarif, terminal
from mtqa.report import ErrorKind, NoteKind, Report

LONG = "The " + " ".join(f"w{i}" for i in range(30)) + " met met there.\n"
CRASH = "RuntimeError: boom"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = tmp_path_factory.mktemp("problems")
    (root / "long.txt").write_text(LONG, encoding="utf-8")
    (root / "boom.txt").write_text("This goes boom. It was a a day.\n", encoding="utf-8")
    original = DoubledWord.check_segment

    def explode(self, document, segment, ctx):  # noqa: ANN001, ANN202 - the Check signature
        if "boom" in segment.text:
            raise RuntimeError("boom")
        return original(self, document, segment, ctx)

    config = Config(select=["MT101", "MT102"], max_sentence_words=20)
    cwd = os.getcwd()
    os.chdir(root)
    DoubledWord.check_segment = explode  # type: ignore[method-assign]
    try:
        return run(["long.txt", "boom.txt", "missing.txt"], config)
    finally:
        DoubledWord.check_segment = original  # type: ignore[method-assign]
        os.chdir(cwd)


def test_each_problem_has_its_kind(report: Report) -> None:
    long, boom, missing = report.files
    assert long.errors == [] and [n.kind for n in long.notes] == [NoteKind.OVERLONG_SENTENCE]
    assert [f.text for f in long.findings] == ["met met"]  # checked, in chunks
    assert [e.kind for e in boom.errors] == [ErrorKind.CHECK_CRASHED] and CRASH in boom.errors[0].message
    assert [f.code for f in boom.findings] == ["MT101"]  # the other check's finding stands
    assert [e.kind for e in missing.errors] == [ErrorKind.INPUT] and missing.unchecked
    assert not boom.unchecked and not long.unchecked


def test_only_errors_change_the_exit_code(report: Report) -> None:
    assert report.exit_code() == 2
    long_only = Report(files=[report.files[0]], fail_on=Severity.CRITICAL)
    assert long_only.exit_code() == 0  # a note alone: the gate decides, as if there were none


def test_json_keeps_errors_and_notes_apart(report: Report) -> None:
    files = report.to_dict()["files"]
    assert "error" not in files[0] and files[0]["notes"][0]["kind"] == "overlong-sentence"
    assert files[1]["errors"] == [{"kind": "check-crashed", "message": files[1]["error"]}]
    assert files[2]["errors"][0]["kind"] == "input" and "notes" not in files[2]
    summary = report.to_dict()["summary"]
    assert (summary["files_with_errors"], summary["unchecked_files"], summary["notes"]) == (2, 1, 1)


def test_terminal_says_error_or_note(report: Report) -> None:
    lines = terminal.render(report).splitlines()
    assert any(line.startswith("long.txt: note: line 1: a sentence of 34 words") for line in lines)
    assert any(line.startswith("boom.txt: error: check MT102") for line in lines)
    assert lines[-1].endswith(
        "1 file could not be checked. 1 file checked only in part (a check failed). 1 note."
    )


def test_sarif_notes_are_notifications_at_level_note(report: Report) -> None:
    invocation = json.loads(sarif.render(report))["runs"][0]["invocations"][0]
    levels = [(n["level"], n["properties"]["kind"]) for n in invocation["toolExecutionNotifications"]]
    assert levels == [("note", "overlong-sentence"), ("error", "check-crashed"), ("error", "input")]
    assert invocation["executionSuccessful"] is False
    notes_only = json.loads(sarif.render(Report(files=[report.files[0]])))["runs"][0]["invocations"][0]
    assert notes_only["executionSuccessful"] is True


def test_github_junit_csv_markdown_html_show_both(report: Report) -> None:
    annotations = github.render(report).splitlines()
    assert sum(line.startswith("::notice ") and "title=mtqa%3A note" in line for line in annotations) == 1
    assert sum(line.startswith("::error ") for line in annotations) == 2

    suites = ET.fromstring(junit.render(report))
    assert [s.get("errors") for s in suites] == ["0", "1", "1"]
    assert "note: line 1: a sentence of 34 words" in (suites[0].find("system-out").text or "")

    rows = list(csv.DictReader(StringIO(csv_format.render(report))))
    assert [(r["path"], r["code"], r["category"]) for r in rows if r["code"] in {"ERROR", "NOTE"}] == [
        ("long.txt", "NOTE", "overlong-sentence"), ("boom.txt", "ERROR", "check-crashed"),
        ("missing.txt", "ERROR", "input"),
    ]

    text = markdown.render(report)
    assert "**Errors:**" in text and "**Notes:**" in text and "1 file not checked" in text

    page = html.render(report)
    assert page.count('class="note-box"') == 1 and page.count('class="error-box" role="alert"><strong>A check') == 1
    assert "1 file could not be checked" in page and "1 file checked only in part" in page


def test_cli_prints_notes_on_stderr_unless_quiet_or_in_the_terminal_report(cli, write) -> None:
    write("long.txt", LONG)
    write("mtqa.toml", "max_sentence_words = 20\n")
    result = cli("check", "long.txt", "--select", "MT102", "--format", "json")
    assert result.exit_code == 0  # MT102 is minor; the note does not count
    assert [line.split(": ")[1] for line in result.stderr.splitlines()] == ["note"]
    assert cli("check", "long.txt", "--select", "MT102", "-f", "json", "--quiet").stderr == ""
    shown = cli("check", "long.txt", "--select", "MT102")  # the terminal report has the note: not again
    assert "long.txt: note: line 1" in shown.stdout and shown.stderr == ""


def test_findings_are_frozen(report: Report) -> None:
    finding = report.files[0].findings[0]
    with pytest.raises(FrozenInstanceError):
        finding.severity = Severity.CRITICAL  # type: ignore[misc]
    raised = finding.with_severity(Severity.CRITICAL)
    assert raised.severity is Severity.CRITICAL and finding.severity is Severity.MINOR
    assert raised.fingerprint() == finding.fingerprint()


def test_severity_overrides_apply_through_the_engine(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("It was was late.\n", encoding="utf-8")
    config = Config(select=["MT102"], severity={"MT102": Severity.CRITICAL})
    [finding] = run([str(tmp_path / "a.txt")], config).findings
    assert finding.severity is Severity.CRITICAL
