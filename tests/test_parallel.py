"""--jobs: files checked in worker processes give the report -j1 gives, in input order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mtqa.checks import CheckContext
from mtqa.checks.doubled_word import DoubledWord
from mtqa.config import Config
from mtqa.document import Document
from mtqa.engine import Input, check_inputs, run
from mtqa.findings import Finding
from mtqa.formatters import json_format
from mtqa.report import ErrorKind
from mtqa.parallel import ordered_map, worker_count

pytestmark = pytest.mark.usefixtures("rule_checks_only")


def _square_or_die(n: int) -> int:
    if n == 3:
        os._exit(7)  # the worker process dies, as in a segfault
    if n == 5:
        raise ValueError("five")
    return n * n


def test_ordered_map_keeps_order_and_isolates_a_dying_worker() -> None:
    seen: list[int] = []
    results = ordered_map(_square_or_die, list(range(8)), jobs=3, done=seen.append)
    assert [r for i, r in enumerate(results) if i not in (3, 5)] == [0, 1, 4, 16, 36, 49]
    assert type(results[3]).__name__ == "BrokenProcessPool"
    assert isinstance(results[5], ValueError) and str(results[5]) == "five"
    assert sorted(seen) == list(range(1, 9))


def test_worker_count() -> None:
    assert worker_count(3) == 3
    assert worker_count(0) >= 1


def _files(tmp_path: Path) -> list[str]:
    texts = {
        "a.txt": "The delegation met the the officials.\n",
        "b.md": "# Title\n\nIt took a hour to agree. They met met the press.\n",
        "c.txt": "The talks ended late.Next week they meet again.\n",
        "empty.txt": "  \n",
        "d.po": 'msgid "Hello"\nmsgstr "Hallo Hallo"\n',
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return [*texts, "missing.txt"]


def test_jobs_give_the_same_report_in_the_same_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    paths = _files(tmp_path)
    config = Config(select=["ALL"])
    one = json_format.render(run(paths, config))
    calls: list[tuple[str, int, int | None]] = []
    many = json_format.render(run(paths, config, jobs=3, progress=lambda *call: calls.append(call)))
    assert many == one  # byte for byte: the JSON report holds no timings
    assert ("Checking files", len(paths), len(paths)) in calls


class DiesOnCrash:
    """Enough of a check for the engine (not a Check subclass, so the registry never sees it):
    no findings, and the process dies on a document with "crash" in it, as in a segfault."""

    code, name, defers_to_rules, languages = "T001", "dies-on-crash", False, None
    default_enabled, needs_source = True, False

    def applies_to(self, document: Document, ctx: CheckContext) -> bool:
        return True

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        if "crash" in document.text:
            os._exit(3)
        return iter(())


def test_a_worker_that_dies_is_that_files_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in {"a.txt": "They met met.\n", "crash.txt": "A crash here.\n", "b.txt": "Go go now.\n"}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    inputs = [Input(name) for name in ("a.txt", "crash.txt", "b.txt")]
    report = check_inputs(inputs, [DoubledWord(), DiesOnCrash()], Config(select=["MT102"]), jobs=2)  # type: ignore[list-item]
    assert [r.path for r in report.files] == ["a.txt", "crash.txt", "b.txt"]
    assert [len(r.findings) for r in report.files] == [1, 0, 1]
    assert report.files[1].error.startswith("the worker process checking it failed (BrokenProcessPool")
    assert [e.kind for e in report.files[1].errors] == [ErrorKind.WORKER_DIED] and report.files[1].unchecked
    assert report.exit_code() == 2


def test_model_signatures_come_back_from_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's checks sign each file's result; the report gathers what every worker ran."""
    from mtqa.checks.mt_error_pattern import MTErrorPattern

    monkeypatch.chdir(tmp_path)
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Officials said whether Moscow an invasion ordered had.\n", encoding="utf-8")
    inputs = [Input("a.txt"), Input("b.txt")]
    one = check_inputs(inputs, [MTErrorPattern()], Config(), jobs=1)
    many = check_inputs(inputs, [MTErrorPattern()], Config(), jobs=2)
    assert one.signatures["MT402"].startswith("model:mtqa-detector-en@")
    assert many.signatures == one.signatures
