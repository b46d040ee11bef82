"""The thorough run, ``--select AVAILABLE``: every check whose models are here, and what could not run or be seen."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mtqa.checks import all_checks, if_available, select_checks
from mtqa.config import Config
from mtqa.engine import run
from mtqa.findings import Severity
from mtqa.formatters import get_formatter
from mtqa.report import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, ModelRun, Report
from tests.model_fixtures import models_env, tiny_models, write_registry  # noqa: F401 - fixtures

ARTICLE = "The the cat sees the red book today. My friend likes a small house in the garden.\n"


def _run(tmp_path: Path, select: list[str], text: str = ARTICLE, name: str = "article.txt", **config: object) -> Report:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return run([str(path)], Config(select=select, **config))


@pytest.fixture
def only_lm(tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny LM and nothing else: no translator, no embedder, no Apertium pair."""
    registry = write_registry(tmp_path / "registry.toml", {"lm:en": tiny_models["lm:en"]}, threads=1, dtype="float32")
    monkeypatch.setenv("MTQA_REGISTRY", str(registry))
    monkeypatch.setenv("MTQA_CACHE_DIR", "off")
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("APERTIUM_DATADIR", str(tmp_path / "no-apertium"))
    return registry


def test_available_is_default_plus_the_model_checks_and_only_they_are_optional() -> None:
    default = {cls.code for cls in select_checks(["DEFAULT"], [])}
    available = {cls.code for cls in select_checks(["AVAILABLE"], [])}
    model_checks = {code for code, cls in all_checks().items() if not cls.default_enabled}
    assert available == default | model_checks
    optional = {code for code, cls in all_checks().items() if if_available(["AVAILABLE"], cls)}
    pulled = {code for code, cls in all_checks().items() if cls.default_enabled and cls.pulled}
    assert pulled == {"MT403"} and optional == model_checks | pulled
    # a default check whose model comes from `mtqa models pull` is optional under DEFAULT too
    assert {code for code, cls in all_checks().items() if if_available(["DEFAULT"], cls)} == pulled
    # named explicitly next to AVAILABLE, a check is asked for: a missing model stays an error
    assert not if_available(["AVAILABLE", "MT301"], all_checks()["MT301"])
    assert not if_available(["AVAILABLE", "MT3"], all_checks()["MT311"])
    assert {cls.code for cls in select_checks(["AVAILABLE"], ["MT311"])} == available - {"MT311"}


def test_with_every_model_here_the_model_checks_run_and_are_named(tmp_path: Path, models_env: Path) -> None:
    report = _run(tmp_path, ["AVAILABLE"])
    assert {"MT301", "MT311"} <= set(report.signatures)
    assert report.not_available == {}
    ran = {code: list(run.models) for code, run in report.models_ran.items()}
    assert {"MT301", "MT311"} <= set(ran) and "MT402" not in ran  # opt-in checks only: DEFAULT's detector goes unsaid
    assert ran["MT311"] == [report.signatures["MT311"].split("|")[0].removeprefix("model:")]
    assert len(ran["MT301"]) == 4  # forward and backward translators, the embedder, the LM that judges
    assert ran["MT311"][0] == ran["MT301"][-1]
    assert all("@" in ref for refs in ran.values() for ref in refs)
    assert "MT102" in {f.code for f in report.findings}  # the default checks ran too


def test_a_model_that_runs_a_round_trip_both_ways_is_named_once() -> None:
    pair = "apertium-eng-spa@0.8.1-2"
    run = ModelRun.of(f"model:{pair}+{pair}|embed:e5@sha256:1|lm:lm@sha256:2|pivot:es")
    assert run.models == ("apertium-eng-spa@0.8.1-2", "e5@sha256:1", "lm@sha256:2")


def test_a_missing_model_is_listed_with_its_command_and_is_not_an_error(tmp_path: Path, only_lm: Path) -> None:
    report = _run(tmp_path, ["AVAILABLE"])
    assert report.skipped == {}
    assert "MT311" in report.models_ran and "MT301" not in report.signatures
    gap = report.not_available["MT301"]
    assert "translate:en-de" in gap.reason and gap.command.startswith("mtqa models pull translate:en-de")
    assert "MT311" not in report.not_available
    assert report.exit_code() == EXIT_CLEAN  # MT102 and MT311 are minor; nothing selected by name failed to run
    assert _run(tmp_path, ["AVAILABLE"], fail_on=Severity.MINOR).exit_code() == EXIT_FINDINGS


def test_a_check_that_ran_on_one_file_is_still_listed_for_the_language_it_had_no_model_for(
    tmp_path: Path, only_lm: Path
) -> None:
    (tmp_path / "artikel.de.txt").write_text("Die Katze sieht heute das rote Buch.\n", encoding="utf-8")
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    report = run([str(tmp_path / "article.txt"), str(tmp_path / "artikel.de.txt")], Config(select=["AVAILABLE"]))
    assert [r.languages.target for r in report.files] == ["en", "de"]
    assert "MT311" in report.models_ran
    assert "lm:de" in report.not_available["MT311"].reason
    assert "MT311" not in report.files[0].not_available and "MT311" in report.files[1].not_available


def test_the_same_check_selected_by_name_still_fails_the_run(tmp_path: Path, only_lm: Path) -> None:
    report = _run(tmp_path, ["AVAILABLE", "MT301"])
    assert "mtqa models pull translate:en-de" in report.skipped["MT301"]
    assert "MT301" not in report.not_available
    assert report.exit_code() == EXIT_ERROR


def test_a_missing_library_is_listed_without_importing_or_loading(
    tmp_path: Path, models_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "wordfreq", None)  # stands for "not installed"
    report = _run(tmp_path, ["AVAILABLE"])
    assert report.not_available["MT311"].reason == "wordfreq is not installed"
    assert report.not_available["MT311"].command == "pip install 'mtqa[models]'"
    assert "MT311" not in report.signatures and "MT301" in report.signatures


def test_nothing_is_downloaded_for_a_check_that_is_not_here(tmp_path: Path, only_lm: Path) -> None:
    registry = write_registry(tmp_path / "auto.toml", {}, auto_download=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MTQA_REGISTRY", str(registry))
        patch.delenv("HF_HUB_OFFLINE")
        patch.setattr("mtqa.backends.store.pull", lambda *a, **k: pytest.fail("a thorough run downloaded a model"))
        report = _run(tmp_path, ["AVAILABLE"])
    assert {"MT301", "MT311"} <= set(report.not_available)


def test_without_a_source_the_report_says_meaning_errors_were_not_looked_for(tmp_path: Path, only_lm: Path) -> None:
    report = _run(tmp_path, ["AVAILABLE"])
    assert report.without_source == ["MT302", "MT303"]
    assert "meaning errors (mistranslation, omission)" in (report.source_note or "")
    bilingual = _run(tmp_path, ["AVAILABLE"], text="source\ttarget\nDie Katze.\tThe cat.\n", name="units.tsv",
                     source_lang="de")
    assert bilingual.without_source == [] and bilingual.source_note is None
    assert _run(tmp_path, ["DEFAULT"]).source_note is None  # no selected check needs a source


def test_terminal_json_and_html_show_what_ran_what_could_not_and_the_source_note(tmp_path: Path, only_lm: Path) -> None:
    report = _run(tmp_path, ["AVAILABLE"])
    [lm_ref] = report.models_ran["MT311"].models
    command = report.not_available["MT301"].command

    terminal = get_formatter("terminal")(report)
    assert f"MT311 ran with: {lm_ref}" in terminal
    assert "MT301 not available: " in terminal and f"run: {command}" in terminal
    assert "note: no segment had a source" in terminal

    data = json.loads(get_formatter("json")(report))
    assert data["models_ran"]["MT311"] == {"models": [lm_ref], "signature": report.signatures["MT311"]}
    assert data["not_available"]["MT301"] == {"reason": report.not_available["MT301"].reason, "command": command}
    assert data["source_note"] == report.source_note
    assert data["summary"]["exit_code"] == EXIT_CLEAN

    html = get_formatter("html")(report)
    assert lm_ref in html and command.replace("'", "&#39;") in html
    assert "Not seen without a source" in html


def test_cli_thorough_run_notes_on_stderr_for_a_machine_format(tmp_path: Path, only_lm: Path) -> None:
    from typer.testing import CliRunner

    from mtqa.cli import app

    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--select", "AVAILABLE", "-f", "json", str(path)])
    assert result.exit_code == EXIT_CLEAN, result.output
    assert "mtqa: note: check MT301 not available:" in result.stderr
    assert "mtqa: note: no segment had a source" in result.stderr
