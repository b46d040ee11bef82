"""The integrations people look for: the pre-commit hook, the GitHub Action and the CI examples."""

from __future__ import annotations

import re
import shlex
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from mtqa.cli import app
from mtqa.config import DEFAULT_INCLUDE

REPO = Path(__file__).resolve().parent.parent


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _parses(command: str) -> None:
    """``mtqa check …`` parses: every option exists and every choice is valid (nothing runs)."""
    words = shlex.split(command)
    assert words[:2] == ["mtqa", "check"], command
    check = typer.main.get_command(app).commands["check"]  # type: ignore[attr-defined]
    check.make_context("check", words[2:])  # raises a UsageError on a bad option or choice


def test_pre_commit_hook_runs_mtqa_check_on_translation_files() -> None:
    hooks = _yaml(REPO / ".pre-commit-hooks.yaml")
    assert [hook["id"] for hook in hooks] == ["mtqa"]
    hook = hooks[0]
    assert {"id", "name", "entry", "language"} <= set(hook) and hook["language"] == "python"
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert hook["entry"].split()[0] in scripts
    _parses(hook["entry"] + " po/de.po docs/x.md")
    files = re.compile(hook["files"])
    for path in ("po/de.po", "docs/x.md", "locales/messages.fr.xlf", "site/index.html", "data/units.jsonl"):
        assert files.search(path), path
    for path in ("mtqa/cli.py", "po/messages.pot", "Makefile", "docs/x.md.orig"):
        assert not files.search(path), path
    for pattern in DEFAULT_INCLUDE:  # the same formats a directory walk checks
        example = "dir/name" + pattern.lstrip("*")
        assert fnmatch(example, pattern) and files.search(example), pattern


def test_action_uses_every_input_it_declares_and_no_other() -> None:
    action = _yaml(REPO / "action.yml")
    assert action["runs"]["using"] == "composite" and action["name"] == "mtqa"
    declared = set(action["inputs"])
    steps = yaml.safe_dump(action["runs"]["steps"])
    used = set(re.findall(r"inputs\.([\w-]+)", steps))
    assert used == declared
    for name, spec in action["inputs"].items():
        assert spec["description"] and "default" in spec, name
    run = action["runs"]["steps"][-1]["run"]
    assert "mtqa check $MTQA_PATHS --format" in run and "--output" in run
    _parses(f"mtqa check . --format {action['inputs']['format']['default']} --output mtqa.sarif --fail-on critical")


def _ci_blocks() -> list[Any]:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)]


def _commands(node: Any) -> list[str]:
    """Every ``mtqa check`` line inside a workflow or pipeline."""
    if isinstance(node, dict):
        return [c for value in node.values() for c in _commands(value)]
    if isinstance(node, list):
        return [c for value in node for c in _commands(value)]
    return [line.strip() for line in str(node).splitlines() if line.strip().startswith("mtqa check")]


def test_ci_examples_parse_and_use_real_options() -> None:
    blocks = _ci_blocks()
    assert len(blocks) >= 5
    commands = _commands(blocks)
    assert len(commands) >= 3
    for command in commands:
        _parses(command)


def test_ci_examples_upload_the_report_they_write() -> None:
    blocks = _ci_blocks()
    sarif = next(b for b in blocks if "jobs" in b and "sarif" in str(b))
    steps = sarif["jobs"]["mtqa"]["steps"]
    run = next(s["run"] for s in steps if "run" in s and "mtqa check" in s["run"])
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert re.search(r"--format sarif -o (\S+)", run).group(1) == upload["with"]["sarif_file"]
    assert upload["if"] == "always()" and sarif["jobs"]["mtqa"]["permissions"]["security-events"] == "write"
    gitlab = next(b for b in blocks if "mtqa" in b and "script" in b["mtqa"])
    script = " ".join(gitlab["mtqa"]["script"])
    assert re.search(r"--format gitlab -o (\S+)", script).group(1) == gitlab["mtqa"]["artifacts"]["reports"]["codequality"]


@pytest.mark.parametrize("doc", ["README.md", "docs/ci.md"])
def test_docs_link_the_integrations(doc: str) -> None:
    text = (REPO / doc).read_text(encoding="utf-8")
    for name in (".pre-commit-hooks.yaml", "action.yml", "--format gitlab", "--stdin-filename", "--jobs"):
        assert name in text, name
