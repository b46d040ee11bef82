"""Shared test helpers: run the CLI in-process and write small input files.

Also for every run: tests that build models are marked ``slow``, Hypothesis keeps its files
in a temporary directory, and a run that leaves files in the repository fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mtqa.cli import app

REPOSITORY = Path(__file__).resolve().parents[1]
# What Python and pytest themselves leave in a checkout; anything else a run adds is a bug.
RUNTIME_LEFTOVERS = re.compile(r"(^|/)(__pycache__|\.pytest_cache)(/|$)|\.pyc$")
_STATE_BEFORE = pytest.StashKey[set[str] | None]()
_HYPOTHESIS_HOME = pytest.StashKey[Path]()


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None


RULE_SERIES = ("MT1", "MT2")  # rule-based checks; MT3xx and up need models

# Fixtures that build models with torch and transformers (seconds, once a session): a test
# that uses one is marked slow wherever it is, so `pytest -m "not slow"` never builds them.
MODEL_BUILDING_FIXTURES = frozenset({"tiny_models"})


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_BUILDING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def repository_state() -> set[str] | None:
    """``git status`` of the checkout, ignored and untracked files included; None outside git."""
    git = ["git", "-C", str(REPOSITORY)]
    try:
        top = subprocess.run([*git, "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True)
        if Path(top.stdout.strip()).resolve() != REPOSITORY:
            return None
        status = subprocess.run([*git, "status", "--porcelain", "--ignored", "--untracked-files=all"],
                                capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return {line for line in status.stdout.splitlines() if not RUNTIME_LEFTOVERS.search(line[3:])}


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_STATE_BEFORE] = repository_state()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail a run that changed the checkout: tests write under their tmp_path only."""
    before = session.config.stash.get(_STATE_BEFORE, None)
    after = None if before is None else repository_state()
    if after is None or after == before:
        return
    changed = sorted(after ^ before)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        reporter.write_line(f"the tests changed the repository (write under tmp_path instead): {changed}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps its example database and caches in ./.hypothesis unless told otherwise
    (it writes there while collecting): give it a temporary directory for the run."""
    from hypothesis.configuration import set_hypothesis_home_dir

    home = Path(tempfile.mkdtemp(prefix="mtqa-hypothesis-"))
    config.stash[_HYPOTHESIS_HOME] = home
    set_hypothesis_home_dir(home)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_HYPOTHESIS_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


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
