"""Shared test helpers: run the CLI in-process and write small input files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mtqa.cli import app


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None


RULE_SERIES = ("MT1", "MT2")  # rule-based checks; MT3xx and up need models


@pytest.fixture(autouse=True)
def private_output_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Model outputs go to a cache of the test's own, never the user's ~/.cache/mtqa."""
    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path / "mtqa-cache"))


@pytest.fixture
def rule_checks_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the registry hold only the rule-based checks (``pytestmark = usefixtures(...)``).

    Tests of the command line are not about models: this keeps them fast, offline and
    independent of which models happen to be installed. Model checks have their own tests.
    """
    import mtqa.checks
    import mtqa.engine

    every = mtqa.checks.all_checks()
    rules = {code: cls for code, cls in every.items() if code.startswith(RULE_SERIES)}
    monkeypatch.setattr(mtqa.checks, "all_checks", lambda: rules)
    monkeypatch.setattr(mtqa.engine, "all_checks", lambda: rules)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """``cli("check", "a.txt")`` runs mtqa in ``tmp_path`` and returns exit code and output.

    Runs in-process (fast); the working directory is the test's tmp_path, so no project
    configuration from the repository leaks in.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | bytes | None = None) -> CliResult:
        result = runner.invoke(app, list(args), input=input)
        # SystemExit is how typer ends every command; anything else is a crash (a traceback)
        crash = None if isinstance(result.exception, SystemExit) else result.exception
        return CliResult(result.exit_code, result.stdout, result.stderr, crash)

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """``write("a.txt", "text")`` creates a file under tmp_path (bytes are written as is)."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
