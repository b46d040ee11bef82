"""Path expansion: directories, globs, include/exclude, normalised and de-duplicated paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtqa.config import DEFAULT_INCLUDE
from mtqa.walk import expand_paths


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ["docs/a.md", "docs/b.txt", "docs/img.png", "docs/sub/c.po", "docs/.git/x.txt",
                 "docs/drafts/d.txt", "notes.rst"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("text\n")
    return tmp_path


def test_directory_walk_uses_include_and_skips_hidden_folders(tree: Path) -> None:
    found = expand_paths(["docs"], DEFAULT_INCLUDE, [])
    assert found == [("docs/a.md", None), ("docs/b.txt", None), ("docs/drafts/d.txt", None),
                     ("docs/sub/c.po", None)]


def test_exclude_uses_gitignore_syntax(tree: Path) -> None:
    found = expand_paths(["docs"], DEFAULT_INCLUDE, ["drafts/", "*.po"])
    assert [p for p, _ in found] == ["docs/a.md", "docs/b.txt"]


def test_explicit_files_ignore_include_but_not_exclude(tree: Path) -> None:
    assert expand_paths(["notes.rst"], DEFAULT_INCLUDE, []) == [("notes.rst", None)]
    assert expand_paths(["notes.rst"], DEFAULT_INCLUDE, ["*.rst"]) == []


def test_globs_and_their_failures(tree: Path) -> None:
    assert [p for p, _ in expand_paths(["docs/**/*.txt"], DEFAULT_INCLUDE, [])] == [
        "docs/b.txt", "docs/drafts/d.txt"]
    assert expand_paths(["docs/*.xliff"], DEFAULT_INCLUDE, []) == [("docs/*.xliff", "no files match this pattern")]


def test_missing_paths_and_empty_directories_are_errors(tree: Path) -> None:
    (tree / "empty").mkdir()
    result = dict(expand_paths(["nope.txt", "empty"], DEFAULT_INCLUDE, []))
    assert result["nope.txt"] == "no such file or directory"
    assert "no files matching the include patterns" in result["empty"]


def test_paths_are_normalised_and_listed_once(tree: Path) -> None:
    found = expand_paths(["./docs//a.md", "docs/a.md", str(tree / "docs" / "a.md"), "-"], DEFAULT_INCLUDE, [])
    assert found == [("docs/a.md", None), ("-", None)]
