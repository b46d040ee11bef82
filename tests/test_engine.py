"""The engine's own rules: markup filtering and source-aware mode with a separate source file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtqa.config import Config
from mtqa.engine import run
from tests.model_fixtures import models_env, tiny_models  # noqa: F401 - fixtures

RULES = Config(select=["MT1", "MT2"])


def codes(report, path: Path) -> list[str]:
    return [f.code for f in report.files[0].findings if f.path == str(path)]


def test_local_finding_inside_markup_is_dropped(tmp_path: Path) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("Run `foo ,bar` now, please.\n", encoding="utf-8")
    assert codes(run([str(doc)], RULES), doc) == []


def test_whole_segment_finding_survives_markup_in_the_segment(tmp_path: Path) -> None:
    doc = tmp_path / "a.jsonl"
    doc.write_text(
        json.dumps({"source": "Delete {0} files?", "target": "Die \\u00abDateien\\u00bb l\u00f6schen?"}) + "\n",
        encoding="utf-8",
    )
    report = run([str(doc)], RULES)
    assert "MT204" in codes(report, doc)


def test_separate_source_makes_units_for_the_source_checks(tmp_path: Path, models_env: Path) -> None:  # noqa: F811
    target = tmp_path / "t.txt"
    target.write_text("The cat sits on the table. The price is 52 euros.\n", encoding="utf-8")
    source = tmp_path / "s.txt"
    source.write_text("Die Katze sitzt auf dem Tisch. Der Preis beträgt 25 Euro.\n", encoding="utf-8")
    report = run([str(target)], Config(select=["MT201"], source_lang="de"), source=str(source))
    result = report.files[0]
    assert result.error is None and result.document is not None and result.document.bilingual
    texts = sorted(f.text for f in result.findings)
    assert "52" in texts  # the number that is not in the source
    assert all(result.document.text[f.start : f.end] == f.text for f in result.findings)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["t.txt", "--source", "s.txt"], "--src-lang"),
        (["t.txt", "s.txt", "--source", "s.txt", "--src-lang", "de"], "exactly one"),
        (["t.txt", "--source", "missing.txt", "--src-lang", "de"], "missing.txt"),
    ],
)
def test_source_usage_errors_exit_2(cli, write, args: list[str], message: str) -> None:
    write("t.txt", "The cat sits on the table.\n")
    write("s.txt", "Die Katze sitzt auf dem Tisch.\n")
    result = cli("check", *args)
    assert result.exit_code == 2 and result.exception is None
    assert message in result.stderr


def test_checks_are_selected_by_name_or_alias(cli, write) -> None:
    write("a.txt", "The delegation met the the officials.\n")
    by_alias = cli("check", "a.txt", "--checks", "doubled-word", "--format", "json")
    assert by_alias.exit_code == 0
    assert json.loads(by_alias.stdout)["checks"] == ["MT102"]
    from mtqa.checks import select_checks

    assert [c.code for c in select_checks(["backtranslation", "lm"], [])] == ["MT301", "MT311"]
    unknown = cli("check", "a.txt", "--checks", "no-such-check")
    assert unknown.exit_code == 2 and "no-such-check" in unknown.stderr.lower()
