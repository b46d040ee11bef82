"""Inline suppression comments: disable/enable regions and disable-next-line, with or without codes."""

from __future__ import annotations

import json

import pytest

from mtqa.findings import Finding, Severity
from mtqa.suppression import parse, suppress

# about the command line, not models: the registry holds the rule-based checks only
pytestmark = pytest.mark.usefixtures("rule_checks_only")


def finding_at(text: str, needle: str, code: str = "MT102", nth: int = 0) -> Finding:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return Finding(path="a.md", code=code, severity=Severity.MINOR, category="fluency/grammar",
                   message="m", start=start, end=start + len(needle), line=0, column=0, end_line=0,
                   end_column=0, text=needle, check_name="x")


def kept_codes(text: str, findings: list[Finding]) -> list[tuple[str, int]]:
    kept, hidden = suppress(text, findings)
    assert hidden == len(findings) - len(kept)
    return [(f.code, f.start) for f in kept]


def test_no_comments_keeps_everything() -> None:
    text = "the the\n"
    findings = [finding_at(text, "the the")]
    assert suppress(text, findings) == (findings, 0)


def test_disable_enable_region_for_all_codes() -> None:
    text = "a a one\n<!-- mtqa-disable -->\nb b two\nc c three\n<!--mtqa-enable-->\nd d four\n"
    findings = [finding_at(text, s) for s in ("a a", "b b", "c c", "d d")]
    kept, hidden = suppress(text, findings)
    assert [f.text for f in kept] == ["a a", "d d"] and hidden == 2


def test_disable_with_codes_only_hides_those_codes() -> None:
    text = "<!-- mtqa-disable MT101, MT103 -->\nx x y y z z\n<!-- mtqa-enable MT101 -->\nw w v v\n"
    findings = [finding_at(text, "x x", "MT101"), finding_at(text, "y y", "MT102"),
                finding_at(text, "z z", "MT103"), finding_at(text, "w w", "MT101"),
                finding_at(text, "v v", "MT103")]
    kept = [f.text for f in suppress(text, findings)[0]]
    # MT101 comes back after its enable; MT103 stays off to the end of the file
    assert kept == ["y y", "w w"]


def test_enable_one_code_inside_a_wider_disable() -> None:
    text = ("<!-- mtqa-disable -->\na1 b1\n<!-- mtqa-enable MT101 -->\na2 b2\n"
            "<!-- mtqa-disable MT1 -->\na3 b3\n<!-- mtqa-enable MT10 -->\na4 b4\n<!-- mtqa-enable -->\na5 b5\n")
    findings = [finding_at(text, f"a{i}", "MT101") for i in range(1, 6)]
    findings += [finding_at(text, f"b{i}", "MT205") for i in range(1, 6)]
    kept = sorted(f.text for f in suppress(text, findings)[0])
    # a1: all off; a2: MT101 back on; a3: MT1 off again (latest wins); a4: MT10 back on; 5: all on
    assert kept == ["a2", "a4", "a5", "b5"]


def test_code_prefix_is_accepted() -> None:
    text = "<!-- mtqa-disable MT1 -->\nx x\n"
    assert kept_codes(text, [finding_at(text, "x x", "MT102"), finding_at(text, "x x", "MT201")]) == [
        ("MT201", text.index("x x"))]


def test_disable_next_line_skips_blank_lines_and_covers_one_line() -> None:
    text = "<!-- mtqa-disable-next-line MT102 -->\n\n   \nfirst the the\nsecond the the\n"
    findings = [finding_at(text, "the the", nth=0), finding_at(text, "the the", "MT101", nth=0),
                finding_at(text, "the the", nth=1)]
    kept = suppress(text, findings)[0]
    assert [(f.code, f.start) for f in kept] == [("MT101", findings[1].start), ("MT102", findings[2].start)]


def test_disable_next_line_without_codes_hides_all_on_that_line() -> None:
    text = "intro\n<!-- mtqa-disable-next-line -->\nthe the, a a\nlater the the\n"
    findings = [finding_at(text, "the the"), finding_at(text, "a a", "MT101"), finding_at(text, "the the", nth=1)]
    assert [f.start for f in suppress(text, findings)[0]] == [findings[2].start]


def test_comment_at_end_of_text_and_unclosed_region() -> None:
    assert parse("x <!-- mtqa-disable-next-line -->").lines[0][0] == len("x <!-- mtqa-disable-next-line -->")
    text = "a a\n<!-- mtqa-disable MT102 -->\nb b\n"
    assert [f.text for f in suppress(text, [finding_at(text, "a a"), finding_at(text, "b b")])[0]] == ["a a"]


def test_other_comments_are_not_directives() -> None:
    text = "<!-- mtqa disable -->\n<!-- mtqa-disabled -->\nthe the\n"
    assert len(suppress(text, [finding_at(text, "the the")])[0]) == 1


def test_end_to_end_counts_suppressed_in_summary(cli, write) -> None:
    write("a.txt", "It was was late.\n<!-- mtqa-disable-next-line MT102 -->\nThey met met there.\n")
    result = cli("check", "a.txt", "--format", "json")
    data = json.loads(result.stdout)
    assert [f["text"] for f in data["files"][0]["findings"]] == ["was was"]
    assert data["summary"]["suppressed"] == 1 and data["summary"]["findings"] == 1


def test_end_to_end_markdown_region(cli, write) -> None:
    write("a.md", "# Title\n\nIt was was late.\n\n<!-- mtqa-disable -->\n\nThey met met there.\n\n"
                  "<!-- mtqa-enable -->\n\nWe we left.\n")
    result = cli("check", "a.md", "--format", "json", "--fail-on", "minor")
    data = json.loads(result.stdout)
    assert [f["text"] for f in data["files"][0]["findings"]] == ["was was", "We we"]
    assert data["summary"]["suppressed"] == 1
    assert result.exit_code == 1
