"""Baselines: record today's findings, then fail only on new ones, even after lines move."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# about the command line, not models: the registry holds the rule-based checks only
pytestmark = pytest.mark.usefixtures("rule_checks_only")

ARTICLE = "The talks ended late.\nIt was was a long day.\n"


def findings_of(result) -> list[str]:
    return [f["text"] for file in json.loads(result.stdout)["files"] for f in file["findings"]]


def test_write_baseline_records_fingerprints_and_exits_0(cli, write, tmp_path: Path) -> None:
    write("a.txt", ARTICLE + "Again again, it was was a long day.\n")
    result = cli("check", "a.txt", "--fail-on", "minor", "--write-baseline", "base.json")
    assert result.exit_code == 0, result.stderr
    assert "wrote 3 finding(s) to the baseline base.json" in result.stderr
    assert result.stdout == ""
    data = json.loads((tmp_path / "base.json").read_text())
    assert data["version"] == 1
    entries = {e["text"]: e for e in data["findings"]}
    assert entries["was was"]["code"] == "MT102" and entries["was was"]["path"] == "a.txt"
    assert entries["was was"]["count"] == 1  # two sentences differ, so two fingerprints
    assert len(data["findings"]) == 3
    assert all(len(e["fingerprint"]) == 16 for e in data["findings"])


def test_baseline_hides_known_findings_even_after_lines_move(cli, write) -> None:
    write("a.txt", ARTICLE)
    assert cli("check", "a.txt", "--write-baseline", "base.json").exit_code == 0
    write("a.txt", "A new first line.\n\nAnother one.\n" + ARTICLE)  # the finding moved down
    result = cli("check", "a.txt", "--fail-on", "minor", "--baseline", "base.json", "--format", "json")
    assert result.exit_code == 0, result.stdout
    summary = json.loads(result.stdout)["summary"]
    assert summary["findings"] == 0 and summary["suppressed"] == 1 and summary["baselined"] == 1


def test_new_findings_still_fail(cli, write) -> None:
    write("a.txt", ARTICLE)
    cli("check", "a.txt", "--write-baseline", "base.json")
    write("a.txt", ARTICLE + "They met met the press.\n")
    result = cli("check", "a.txt", "--fail-on", "minor", "--baseline", "base.json", "--format", "json")
    assert result.exit_code == 1
    assert findings_of(result) == ["met met"]


def test_counts_handle_identical_findings_in_one_file(cli, write) -> None:
    write("a.txt", "It was was late.\n\nIt was was late.\n")
    cli("check", "a.txt", "--write-baseline", "base.json")
    entry = json.loads(Path("base.json").read_text())["findings"]
    assert [(e["text"], e["count"]) for e in entry] == [("was was", 2)]
    assert cli("check", "a.txt", "--fail-on", "minor", "--baseline", "base.json").exit_code == 0
    write("a.txt", "It was was late.\n\nIt was was late.\n\nIt was was late.\n")
    result = cli("check", "a.txt", "--fail-on", "minor", "--baseline", "base.json", "--format", "json")
    assert result.exit_code == 1 and findings_of(result) == ["was was"]  # the third one is new
    assert json.loads(result.stdout)["summary"]["suppressed"] == 2


def test_fixed_findings_simply_disappear(cli, write) -> None:
    write("a.txt", ARTICLE)
    cli("check", "a.txt", "--write-baseline", "base.json")
    write("a.txt", "The talks ended late.\n")
    assert cli("check", "a.txt", "--fail-on", "minor", "--baseline", "base.json").exit_code == 0


def test_baseline_path_does_not_depend_on_how_the_file_was_named(cli, write, tmp_path: Path) -> None:
    write("docs/a.txt", ARTICLE)
    cli("check", "docs", "--write-baseline", "base.json")
    result = cli("check", "./docs/a.txt", "--fail-on", "minor", "--baseline", "base.json")
    assert result.exit_code == 0
    result = cli("check", str(tmp_path / "docs"), "--fail-on", "minor", "--baseline", "base.json")
    assert result.exit_code == 0


def test_unreadable_or_foreign_baseline_is_exit_2(cli, write) -> None:
    write("a.txt", ARTICLE)
    result = cli("check", "a.txt", "--baseline", "missing.json")
    assert result.exit_code == 2 and "--baseline: cannot read missing.json" in result.stderr
    write("bad.json", "{not json")
    result = cli("check", "a.txt", "--baseline", "bad.json")
    assert result.exit_code == 2 and "not a baseline file" in result.stderr
    write("other.json", '{"version": 99, "findings": []}')
    result = cli("check", "a.txt", "--baseline", "other.json")
    assert result.exit_code == 2 and "not an mtqa baseline of version 1" in result.stderr


def test_write_baseline_with_unreadable_input_exits_2(cli, write) -> None:
    write("a.txt", ARTICLE)
    result = cli("check", "a.txt", "missing.txt", "--write-baseline", "base.json")
    assert result.exit_code == 2
    assert "missing.txt: no such file or directory" in result.stderr
    assert Path("base.json").is_file()
