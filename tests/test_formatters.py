"""Every output format, rendered from one shared report built through the real engine.

The report holds plain findings of every severity, an insertion, a deletion, a span across a
line break, a long sentence, wide (CJK) characters, a file that could not be read, and document
text full of markup (HTML, Rich, Markdown, CSV formulas, pipes, a terminal escape sequence)
that no format may interpret.
"""

from __future__ import annotations

import csv
import json
import os
import re
import string
import xml.etree.ElementTree as ET
from dataclasses import replace
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from markdown_it import MarkdownIt
from rich.cells import cell_len

from mtqa.checks.doubled_word import DoubledWord
from mtqa.config import Config
from mtqa.document import Document, Segment
from mtqa.engine import run
from mtqa.findings import Finding, Severity
from mtqa.formatters import FORMATTERS, get_formatter
from mtqa.formatters import csv_format, github, gitlab, junit, markdown, sarif, terminal
from mtqa.formatters import json_format
from mtqa.report import FileResult, ModelRun, NotAvailable, Report

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
LONG = " ".join(f"w{i}" for i in range(40)) + " mid mid " + " ".join(f"x{i}" for i in range(40)) + "."
ARTICLE = (
    "The delegation met the the officials. Prices rose by =SUM(A1) and and fell, said |pipe| analysts.\n"
    "A <script>alert(1)</script> tag and [bold]x[/bold] markup in in the text.\n"
    "\n"
    "An escape \x1b]0;pwned\x07 sequence and more words here\n"
    "here at the end. Was it a a invasion? 日本語の文 the the end.\n"
    "\n"
    "See [click](http://evil.example) and **not bold** _nor em_ now now.\n"
    "\n"
    f"{LONG}\n"
)
ODD_NAME = "odd|name, x:1.txt"
MESSAGE = "markup <b>kept</b> [red]as text[/red] 100% sure\x1b[0m\nnext line"
FORMAT_NAMES = [name for name in FORMATTERS if name != "html"]  # HTML has its own tests


def _extra_findings(result: FileResult) -> list[Finding]:
    """Findings the real checks do not produce, built through the Check API on real segments."""
    document = result.document
    assert document is not None
    text = document.text
    check = DoubledWord()

    def segment_at(offset: int) -> Segment:
        return next(s for s in document.segments if s.start <= offset < s.end)

    script = text.index("<script>")
    formula = text.index("=SUM(A1)")
    pipe = text.index("|pipe|")
    here = text.index("here\nhere")
    # a segment that keeps a wrapped line whole, as a reader of hard-wrapped text may produce
    wrapped_start = segment_at(here).start
    wrapped_end = text.index("end.", here) + 4
    wrapped = Segment(wrapped_start, wrapped_end, text[wrapped_start:wrapped_end], index=99)
    see = text.index("See [click]")
    nothing = Segment(see, see, "", index=100)  # like an empty target: no sentence to show
    return [
        check.finding(document, segment_at(script), script, script + 25, MESSAGE,
                      suggestion="", severity=Severity.MAJOR, score=0.25, signature="model:x|version:1"),
        check.finding(document, segment_at(formula), formula, formula + 8, "formula-like text",
                      suggestion="=SUM(A2)", severity=Severity.MAJOR),
        check.finding(document, segment_at(pipe), pipe, pipe, "missing article", suggestion="the "),
        check.finding(document, wrapped, here, here + 9, "doubled word across a line break", suggestion="here"),
        check.finding(document, nothing, see, see, "nothing to show"),
    ]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = tmp_path_factory.mktemp("formatters")
    (root / "docs").mkdir()
    (root / "docs" / "article.txt").write_text(ARTICLE, encoding="utf-8")
    (root / ODD_NAME).write_text("They go go home.\n", encoding="utf-8")
    config = Config(select=["MT101", "MT102"], severity={"MT101": Severity.CRITICAL, "MT102": Severity.MINOR})
    cwd = os.getcwd()
    os.chdir(root)
    try:
        built = run(["docs/article.txt", ODD_NAME, "missing.txt"], config)
    finally:
        os.chdir(cwd)
    article = built.files[0]
    article.findings = sorted(article.findings + _extra_findings(article), key=lambda f: (f.start, f.end, f.code))
    return built


def test_fixture_covers_what_the_formats_must_handle(report: Report) -> None:
    assert [r.path for r in report.files] == ["docs/article.txt", ODD_NAME, "missing.txt"]
    assert report.files[2].error and not report.files[2].findings
    assert {f.severity for f in report.findings} == set(Severity)
    assert {"the the", "a a", "mid mid", "now now", "go go"} <= {f.text for f in report.findings}
    for finding in report.findings:
        document = next(r.document for r in report.files if r.path == finding.path)
        assert document is not None and document.text[finding.start : finding.end] == finding.text


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_every_format_renders_full_empty_and_clean_reports(name: str, report: Report) -> None:
    render = get_formatter(name)
    clean = Report(files=[FileResult(path="clean.txt")])
    for subject in (report, Report(files=[]), clean):
        for color in (False, True):
            assert isinstance(render(subject, color=color), str)


# JSON


def test_json_round_trips(report: Report) -> None:
    assert json.loads(json_format.render(report)) == report.to_dict()


# SARIF


def _sarif(report: Report) -> dict:
    log = json.loads(sarif.render(report))
    validator = Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")), format_checker=Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return log


def test_sarif_is_valid_and_complete(report: Report) -> None:
    run_ = _sarif(report)["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "mtqa" and driver["version"] == report.version and driver["informationUri"]
    assert run_["columnKind"] == "unicodeCodePoints"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(report.checks) <= set(rules)
    a_an = rules["MT101"]
    assert a_an["name"] == "a-an" and a_an["shortDescription"]["text"]
    assert "Why is this bad" in a_an["help"]["text"] and a_an["fullDescription"]["text"]
    assert a_an["defaultConfiguration"]["level"] in {"note", "warning", "error"}
    results = run_["results"]
    assert len(results) == len(report.findings)
    assert {r["level"] for r in results} == {"note", "warning", "error"}
    for result, finding in zip(results, report.findings):
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == finding.code
        assert result["partialFingerprints"]["mtqa/v1"] == finding.fingerprint()
        assert ("fixes" in result) == (finding.suggestion is not None)
        context = result["locations"][0]["physicalLocation"].get("contextRegion")
        assert (context["snippet"]["text"] if context else "") == finding.context
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert "\\" not in uri and not uri.startswith(("/", "file:"))
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "docs/article.txt"
    scored = next(r for r, f in zip(results, report.findings) if f.details)
    assert scored["properties"]["details"] == {"score": 0.25, "signature": "model:x|version:1"}


def test_sarif_regions_point_at_the_span(report: Report) -> None:
    """1-based columns in code points, endColumn exclusive: they slice the flagged text back out."""
    lines = ARTICLE.split("\n")
    article = [f for f in report.findings if f.path == "docs/article.txt"]
    results = _sarif(report)["runs"][0]["results"][: len(article)]
    for result, finding in zip(results, article):
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["snippet"]["text"] == finding.text
        assert ARTICLE[region["charOffset"] : region["charOffset"] + region["charLength"]] == finding.text
        if region["startLine"] == region["endLine"]:
            line = lines[region["startLine"] - 1]
            assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == finding.text
    wrapped = next(r for r, f in zip(results, article) if f.text == "here\nhere")
    region = wrapped["locations"][0]["physicalLocation"]["region"]
    assert (region["endLine"] - region["startLine"], region["endColumn"]) == (1, 5)
    cjk = next(r for r, f in zip(results, article) if f.text == "the the" and f.line == 5)
    assert cjk["locations"][0]["physicalLocation"]["region"]["startColumn"] == lines[4].index("the the") + 1


def test_sarif_reports_file_errors_as_failed_execution(report: Report) -> None:
    invocation = _sarif(report)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and note["message"]["text"] == report.files[2].error
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "missing.txt"
    ok = _sarif(Report(files=[FileResult(path="clean.txt")]))["runs"][0]
    assert ok["invocations"][0]["executionSuccessful"] is True and ok["results"] == []


def test_sarif_fix_replaces_the_span(report: Report) -> None:
    results = _sarif(report)["runs"][0]["results"]
    fix = next(r for r, f in zip(results, report.findings) if f.suggestion == "=SUM(A2)")["fixes"][0]
    change = fix["artifactChanges"][0]["replacements"][0]
    assert change["insertedContent"]["text"] == "=SUM(A2)"
    assert (change["deletedRegion"]["startLine"], change["deletedRegion"]["startColumn"]) == (1, 54)
    assert fix["description"]["text"] == "replace with '=SUM(A2)'"


def test_sarif_uri_forms() -> None:
    assert sarif.artifact_uri("docs/a b.txt") == "docs/a%20b.txt"
    assert sarif.artifact_uri("./docs/a.txt") == "docs/a.txt"
    assert sarif.artifact_uri("/abs/a.txt") == "file:///abs/a.txt"
    assert sarif.artifact_uri(ODD_NAME) == "odd%7Cname%2C%20x%3A1.txt"


# JUnit


def test_junit_parses_and_counts(report: Report) -> None:
    root = ET.fromstring(junit.render(report))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [r.path for r in report.files]
    cases = root.findall("testsuite/testcase")
    assert int(root.get("tests")) == len(cases) == len(report.findings) + 1
    failures = root.findall("testsuite/testcase/failure")
    assert int(root.get("failures")) == len(failures) == len(report.failing())
    assert int(root.get("errors")) == 1
    assert {c.get("classname") for c in suites[0].findall("testcase")} == {"docs.article"}
    languages = {p.get("name"): p.get("value") for p in suites[0].findall("properties/property")}
    assert languages["mtqa.language.target"] == report.files[0].languages.target
    [error] = suites[2].findall("testcase/error")
    assert error.get("message") == report.files[2].error
    minor = [c for c in cases if "(minor)" in (c.get("name") or "")]
    assert minor and all(c.find("failure") is None and c.find("system-out") is not None for c in minor)


def test_junit_keeps_document_text_as_text(report: Report) -> None:
    root = ET.fromstring(junit.render(report))
    failure = next(f for f in root.iter("failure") if f.get("message", "").startswith("markup"))
    assert failure.get("message") == MESSAGE.replace("\x1b", "\ufffd")  # XML cannot hold ESC at all
    assert "A <script>alert(1)</script> tag" in (failure.text or "")
    assert "help: delete '<script>alert(1)</script>'" in (failure.text or "")
    clean = ET.fromstring(junit.render(Report(files=[FileResult(path="clean.txt")])))
    assert [c.get("name") for c in clean.iter("testcase")] == ["no findings"]


# CSV


def test_csv_parses_with_injection_guard(report: Report) -> None:
    rows = list(csv.reader(StringIO(csv_format.render(report))))
    assert rows[0] == csv_format.FIELDS
    body = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert len(body) == len(report.findings) + 1
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    formula = next(row for row in body if row["message"] == "formula-like text")
    assert (formula["text"], formula["suggestion"]) == ("'=SUM(A1)", "'=SUM(A2)")
    [error] = [row for row in body if row["code"] == csv_format.ERROR_CODE]
    assert (error["path"], error["message"]) == ("missing.txt", report.files[2].error)
    for row, finding in zip((r for r in body if r["code"] != "ERROR"), report.findings):
        assert (int(row["start"]), int(row["end"]), row["code"]) == (finding.start, finding.end, finding.code)
        assert row["fingerprint"] == finding.fingerprint()
    assert any(row["message"] == MESSAGE for row in body)  # newlines survive quoting


def test_csv_guard() -> None:
    assert [csv_format.guard(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "ok", 3)] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\tx", "ok", 3]


# GitHub workflow commands


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Read a workflow command back the way the Actions runner does."""
    match = re.fullmatch(r"::(\w+) (.*?)::(.*)", line)
    assert match, line

    def unescape(value: str, prop: bool) -> str:
        if prop:
            value = value.replace("%3A", ":").replace("%2C", ",")
        return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")

    props = dict(item.split("=", 1) for item in match.group(2).split(","))
    return match.group(1), {k: unescape(v, True) for k, v in props.items()}, unescape(match.group(3), False)


def test_github_annotations_escape_and_round_trip(report: Report) -> None:
    lines = github.render(report).splitlines()
    assert len(lines) == len(report.findings) + 1
    commands = [_parse_command(line) for line in lines]
    by_message = {message.split(" (help:")[0]: (name, props) for name, props, message in commands}
    name, props = by_message[MESSAGE]
    assert name == "warning" and props["file"] == "docs/article.txt" and props["title"] == "MT102 doubled-word"
    assert (props["line"], props["col"], props["endColumn"]) == ("2", "3", "28")
    assert by_message["use \"an\" before \"a\""][0] == "error"
    odd = next(props for name, props, message in commands if props["file"] == ODD_NAME)
    assert odd["line"] == "1" and "%2C" in lines[[c[1]["file"] for c in commands].index(ODD_NAME)]
    wrapped = by_message["doubled word across a line break"][1]
    assert "col" not in wrapped and wrapped["endLine"] == str(int(wrapped["line"]) + 1)
    error = next(c for c in commands if c[1]["file"] == "missing.txt")
    assert error[0] == "error" and error[2] == report.files[2].error
    assert {c[0] for c in commands} == {"notice", "warning", "error"}


# GitLab Code Quality

# The fields GitLab documents for a Code Quality report (docs.gitlab.com, "Code Quality report
# format"), as a schema: GitLab publishes none of its own.
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}, "end": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def test_gitlab_code_quality_is_valid_and_complete(report: Report) -> None:
    issues = json.loads(gitlab.render(report))
    Draft7Validator(GITLAB_SCHEMA).validate(issues)
    assert len(issues) == len(report.findings) + 1  # and the file that could not be read
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)  # GitLab merges equal ones
    for finding in report.findings:
        issue = next(i for i in issues if i["description"].startswith(f"{finding.code} {finding.message}")
                     and i["location"]["lines"]["begin"] == finding.line and i["location"]["path"] == finding.path)
        assert issue["check_name"] == finding.code
        assert issue["severity"] == str(finding.severity)
        assert issue["location"]["lines"]["end"] == finding.end_line
    error = next(i for i in issues if i["location"]["path"] == "missing.txt")
    assert error["severity"] == "blocker" and report.files[2].error in error["description"]
    assert json.loads(gitlab.render(report)) == issues  # fingerprints are stable between runs


def test_gitlab_fingerprints_stay_unique_for_repeated_findings(report: Report) -> None:
    article = report.files[0]
    twice = Report(files=[replace(article, findings=[article.findings[0], article.findings[0]])])
    issues = json.loads(gitlab.render(twice))
    assert issues[0]["fingerprint"] == article.findings[0].fingerprint()
    assert issues[1]["fingerprint"] != issues[0]["fingerprint"]


# Markdown


def _html(text: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_markdown_escapes_document_text(report: Report) -> None:
    text = markdown.render(report)
    html = _html(text)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<a " not in html and "<em>" not in html and "<strong>not bold" not in html
    assert "[bold]x[/bold]" in html and "**not bold**" in html and "|pipe|" in html
    assert "\x1b" not in text
    tables = re.findall(r"<table>(.*?)</table>", html, re.S)
    assert len(tables) == 2  # the files, the scorecard
    for table, columns in zip(tables, (6, 5)):  # a "|" in a path or category adds no cell
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            assert len(re.findall(r"<t[hd][ >]", row)) == columns, row
    assert "<b>the the</b> officials." in html


def test_markdown_summary_and_details(report: Report) -> None:
    text = markdown.render(report)
    assert text.startswith(markdown.MARKER)
    assert f"3 findings at or above {report.fail_on}, 1 file not checked" in text
    assert text.count("<details>") == 2 and text.count("</details>") == 2
    assert len(re.findall(r"^- \*\*MT\d+\*\*", text, re.M)) == len(report.findings)
    assert "Truncated" not in text
    html = _html(text)
    assert "Suggestion: replace with <code>=SUM(A2)</code>" in html
    assert "Suggestion: insert <code>the </code>" in html
    assert "Suggestion: delete <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in html


def test_markdown_truncates_under_githubs_limit(tmp_path: Path) -> None:
    path = tmp_path / "many.txt"
    path.write_text("The cat cat sat on the mat mat today.\n" * 800, encoding="utf-8")
    big = run([str(path)], Config(select=["MT102"]))
    total = len(big.findings)
    text = markdown.render(big)
    assert len(text.encode("utf-8")) <= markdown.LIMIT
    shown = len(re.findall(r"^- \*\*MT102\*\*", text, re.M))
    assert 0 < shown < total
    assert f"{total - shown} of {total} findings are not shown" in text
    assert text.count("<details>") == text.count("</details>") == 1


# Terminal


def _block(output: str, header: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    return lines[start : lines.index("", start)]


def test_terminal_plain_has_caret_lines(report: Report) -> None:
    output = terminal.render(report, color=False)
    assert "\x1b" not in output
    first = _block(output, "docs/article.txt:1:20: MT102 [minor] fluency/grammar: doubled word 'the'")
    assert first[2:] == [
        "  | The delegation met the the officials.",
        "  |                    ^^^^^^^",
        "  = help: replace with 'the'",
    ]
    cjk = _block(output, "docs/article.txt:5:45:")
    assert cjk[2] == "  | 日本語の文 the the end." and cjk[3] == "  | " + " " * 11 + "^" * 7
    insertion = _block(output, f"docs/article.txt:1:{ARTICLE.index('|pipe|') + 1}:")
    assert insertion[3].index("^") == insertion[2].index("|pipe|") and insertion[3].count("^") == 1
    assert insertion[4] == "  = help: insert 'the '"


def test_findings_without_a_sentence_show_their_line(report: Report) -> None:
    block = _block(terminal.render(report), "docs/article.txt:7:1: MT102 [minor] fluency/grammar: nothing to show")
    assert block[2:] == ["  | See [click](http://evil.example) and **not bold** _nor em_ now now.", "  | ^"]
    html = _html(markdown.render(report))
    assert "<code><b>‸</b>See [click](http://evil.example) and **not bold** _nor em_ now now.</code>" in html


def test_terminal_shows_markup_literally(report: Report) -> None:
    for color in (False, True):
        output = terminal.render(report, color=color)
        assert "[bold]x[/bold]" in output and "[red]as text[/red]" in output
        assert "\x1b]0;pwned" not in output and "\x07" not in output
    plain = terminal.render(report)
    block = _block(plain, "docs/article.txt:2:3:")
    assert block[0].endswith("markup <b>kept</b> [red]as text[/red] 100% sure\ufffd[0m next line")
    assert block[-1] == "  = help: delete '<script>alert(1)</script>'"


def test_terminal_colour(report: Report) -> None:
    output = terminal.render(report, color=True)
    assert "\x1b[" in output
    assert re.sub(r"\x1b\[[0-9;]*m", "", output) == terminal.render(report, color=False)


def test_terminal_windows_long_sentences(report: Report) -> None:
    output = terminal.render(report)
    block = _block(output, f"docs/article.txt:{ARTICLE.count(chr(10), 0, ARTICLE.index('mid mid')) + 1}:")
    sentence, carets = block[2], block[3]
    assert sentence.startswith("  | …") and sentence.endswith("…") and cell_len(sentence) <= terminal.WIDTH
    assert sentence[carets.index("^") :].startswith("mid mid")
    assert all(cell_len(line) <= terminal.WIDTH for line in output.splitlines() if line.startswith("  |"))


def test_terminal_errors_and_summary(report: Report) -> None:
    output = terminal.render(report)
    assert f"missing.txt: error: {report.files[2].error}" in output.splitlines()
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in Severity}
    run = report.scorecard().run
    assert output.splitlines()[-1] == (
        f"Found {len(report.findings)} findings ({counts[Severity.CRITICAL]} critical, {counts[Severity.MAJOR]} major, "
        f"{counts[Severity.MINOR]} minor) in 3 files; 3 at or above --fail-on major. "
        f"Quality score {run.score:.2f}: {run.points:g} points in {run.words} target words, "
        f"{run.per_1000_words:.2f} per 1,000. 1 file could not be checked."
    )
    assert terminal.render(Report(files=[FileResult(path="a.txt")])).strip() == (
        "No findings in 1 file; 0 at or above --fail-on major."
    )


# Checks that could not run (a model not on this machine) must not pass silently


def test_skipped_checks_are_reported(report: Report) -> None:
    reason = "model x@abc is not downloaded; run `mtqa models pull x` <now>"
    skipped = replace(report, skipped={"MT901": reason})
    assert f"MT901 skipped: {reason}" in terminal.render(skipped).splitlines()
    assert "<strong>MT901</strong>: model x@abc is not downloaded; run `mtqa models pull x` &lt;now&gt;" in _html(
        markdown.render(skipped))
    [note] = _sarif(skipped)["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert note["descriptor"]["id"] == "MT901" and reason in note["message"]["text"]
    assert _sarif(skipped)["runs"][0]["invocations"][0]["executionSuccessful"] is False
    name, props, message = _parse_command(github.render(skipped).splitlines()[-1])
    assert (name, props["title"], message) == ("warning", "mtqa: MT901 did not run", reason)
    root = ET.fromstring(junit.render(skipped))
    assert root.get("skipped") == "1" and root.find("testsuite/testcase/skipped").get("message") == reason
    rows = list(csv.DictReader(StringIO(csv_format.render(skipped))))
    assert [(r["code"], r["check"], r["message"]) for r in rows if r["code"] == "SKIPPED"] == [("SKIPPED", "MT901", reason)]
    assert "1 check did not run" in markdown.render(skipped).splitlines()[1]


# Any text at all: every format still renders something its reader can parse


_PATH_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\.\x00")


@pytest.mark.slow  # 40 examples through every format: over a second
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(min_size=1, max_size=120),
    path=st.text(alphabet=_PATH_CHARS, min_size=1, max_size=12),
    bounds=st.tuples(st.integers(0, 120), st.integers(0, 120)),
    suggestion=st.none() | st.text(max_size=10),
    severity=st.sampled_from(list(Severity)),
)
def test_any_document_text_renders_safely(
    text: str, path: str, bounds: tuple[int, int], suggestion: str | None, severity: Severity
) -> None:
    start, end = sorted(min(b, len(text)) for b in bounds)
    document = Document(path=path, text=text, format="plaintext")
    document.segments = [Segment(0, len(text), text, 0)]
    finding = DoubledWord().finding(document, document.segments[0], start, end, text, suggestion, severity)
    report = Report(files=[FileResult(path=path, findings=[finding], document=document)])

    plain = terminal.render(report)
    assert not any(c in plain for c in "\x1b\r\x07\x00"), "control characters reach the terminal"
    root = ET.fromstring(junit.render(report))
    assert len(root.findall("testsuite/testcase")) == 1
    region = _sarif(report)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["snippet"]["text"], region["startLine"], region["startColumn"]) == (finding.text, finding.line, finding.column)
    [_, row] = list(csv.reader(StringIO(csv_format.render(report))))
    assert row[csv_format.FIELDS.index("text")] == csv_format.guard(finding.text)
    [line] = github.render(report).split("\n")[:-1]  # the runner splits on LF only, not on NEL etc.
    _, props, message = _parse_command(line)
    assert props["file"] == path and message.startswith(text)
    assert not set(markdown.escape(text)) & (set(string.punctuation) - set(",;?/%&#"))


# The thorough run's record (--select AVAILABLE): what ran, what was not available, the source note


ODD_CODE = 'MT9<&>"'
GAP = NotAvailable('=HYPERLINK("x") <b>model</b> & "lm:xx" are not here, 100%\nsure', "mtqa models pull 'lm:xx' <&>\"%\nnext")
LM_SIGNATURE = 'lm:lm<&>"@sha256:1|mtqa:0.1.0'


@pytest.fixture(scope="module")
def thorough() -> Report:
    return Report(
        files=[FileResult(path="a.txt")], checks=["MT101", "MT301", "MT302", "MT303", "MT311"],
        models_ran={"MT311": ModelRun.of(LM_SIGNATURE)},
        not_available={ODD_CODE: GAP, "MT301": NotAvailable("apertium-eng-spa is not installed", "apt-get install x")},
        without_source=["MT302", "MT303"],
    )


def test_markdown_has_a_models_section_escaped(thorough: Report) -> None:
    text = markdown.render(thorough)
    assert "<b>" not in text and "<&>" not in text
    html = _html(text)
    assert "<strong>Models:</strong>" in html
    assert ("<strong>MT311</strong> ran with <code>lm&lt;&amp;&gt;&quot;@sha256:1</code> "
            "(signature <code>lm:lm&lt;&amp;&gt;&quot;@sha256:1|mtqa:0.1.0</code>)") in html
    assert ("<strong>MT9&lt;&amp;&gt;&quot;</strong> not available: =HYPERLINK(&quot;x&quot;) &lt;b&gt;model&lt;/b&gt; "
            "&amp; &quot;lm:xx&quot; are not here, 100% sure; run <code>mtqa models pull 'lm:xx' &lt;&amp;&gt;&quot;% next</code>") in html
    assert "<strong>MT301</strong> not available: apertium-eng-spa is not installed; run <code>apt-get install x</code>" in html
    assert f"<strong>Not seen without a source:</strong> {thorough.source_note}" in html
    assert "Models" not in markdown.render(Report(files=[FileResult(path="a.txt")]))


def test_sarif_notes_what_was_not_available_and_names_the_models(thorough: Report) -> None:
    run_ = _sarif(thorough)["runs"][0]
    invocation = run_["invocations"][0]
    assert invocation["executionSuccessful"] is True  # notes, not failures
    notes = invocation["toolExecutionNotifications"]
    assert [(n["level"], n["properties"]["kind"]) for n in notes] == [
        ("note", "not-available"), ("note", "not-available"), ("note", "without-source")]
    odd = next(n for n in notes if n["properties"]["checks"] == [ODD_CODE])
    assert odd["message"]["text"] == f"{ODD_CODE} not available: {GAP.reason}; run: {GAP.command}"
    assert odd["associatedRule"] == {"id": ODD_CODE}  # not among the run's rules: no index
    mt301 = next(n for n in notes if n["properties"]["checks"] == ["MT301"])
    assert run_["tool"]["driver"]["rules"][mt301["associatedRule"]["index"]]["id"] == "MT301"
    assert notes[2]["message"]["text"] == f"not seen without a source: {thorough.source_note}" and notes[2]["properties"]["checks"] == ["MT302", "MT303"]
    assert run_["properties"]["modelsRan"] == {"MT311": {"models": ['lm<&>"@sha256:1'], "signature": LM_SIGNATURE}}


def test_junit_suites_carry_the_run_record_as_properties(thorough: Report) -> None:
    root = ET.fromstring(junit.render(replace(thorough, skipped={"MT401": "no model"})))
    suites = root.findall("testsuite")
    assert len(suites) == 2  # the file's and the checks that did not run
    for suite in suites:
        assert suite[0].tag == "properties"  # before the test cases, as the JUnit schema wants
        properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        assert properties == {
            "mtqa.models_ran.MT311": 'lm<&>"@sha256:1',
            "mtqa.signature.MT311": LM_SIGNATURE,
            "mtqa.not_available.MT301": "apertium-eng-spa is not installed; run: apt-get install x",
            f"mtqa.not_available.{ODD_CODE}": str(GAP),  # the newline survives the attribute
            "mtqa.source_note": thorough.source_note,
        }


def test_github_gives_a_notice_per_gap_escaped(thorough: Report) -> None:
    lines = github.render(thorough).splitlines()
    commands = [_parse_command(line) for line in lines]
    assert commands == [
        ("notice", {"title": "mtqa: MT301 not available"}, "apertium-eng-spa is not installed; run: apt-get install x"),
        ("notice", {"title": f"mtqa: {ODD_CODE} not available"}, str(GAP)),
        ("notice", {"title": "mtqa: not seen without a source"}, thorough.source_note),
    ]
    assert "%25%0Anext" in lines[1] and "%0Asure" in lines[1]  # one line per command, whatever the text


def test_gitlab_has_no_place_for_the_run_record(thorough: Report) -> None:
    bare = replace(thorough, models_ran={}, not_available={}, without_source=[])
    assert gitlab.render(thorough) == gitlab.render(bare) == "[]\n"


def test_csv_notes_the_gaps_with_the_injection_guard(thorough: Report) -> None:
    rows = list(csv.DictReader(StringIO(csv_format.render(thorough))))
    assert [(r["path"], r["code"], r["category"], r["check"], r["message"]) for r in rows] == [
        ("", "NOTE", "not-available", "MT301", "apertium-eng-spa is not installed; run: apt-get install x"),
        ("", "NOTE", "not-available", ODD_CODE, "'" + str(GAP)),  # it starts with "=": shown as text
        ("", "NOTE", "without-source", "MT302, MT303", thorough.source_note),
    ]
