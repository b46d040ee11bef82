"""The Python API: check_text / check_paths return the CLI's report, and docs/api.md runs as written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mtqa
from mtqa.formatters import json_format

REPO = Path(__file__).resolve().parent.parent
DOUBLED = "The delegation met the the officials.\n"


def test_check_text_is_the_report_the_cli_writes(tmp_path: Path, cli, write) -> None:
    write("a.txt", DOUBLED)
    from_cli = json.loads(cli("check", "a.txt", "--format", "json").stdout)
    from_api = json.loads(json_format.render(mtqa.check_text(DOUBLED, path="a.txt")))
    assert from_api == from_cli


def test_check_paths_accepts_one_path_or_many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text(DOUBLED, encoding="utf-8")
    one = mtqa.check_paths(Path("a.txt"), select="MT1")
    many = mtqa.check_paths(["a.txt", "missing.txt"], select="MT1")
    assert [r.path for r in one.files] == ["a.txt"] and one.findings[0].code == "MT102"
    assert [r.path for r in many.files] == ["a.txt", "missing.txt"] and many.exit_code() == 2


def test_settings_are_validated_and_name_the_call() -> None:
    with pytest.raises(mtqa.ConfigError, match=r"check_text\(fail_onn=…\): unknown setting 'fail_onn'"):
        mtqa.check_text("text", fail_onn="minor")
    with pytest.raises(mtqa.ConfigError, match=r"check_paths\(target_lang=…\): expected a language tag such as 'en' or 'pt-BR'"):
        mtqa.check_paths([], target_lang="english")


def test_the_public_names_are_the_lazy_ones() -> None:
    assert set(mtqa.__all__) == {"__version__", *mtqa._API}
    for name in mtqa._API:
        assert getattr(mtqa, name).__name__ == name


def test_import_mtqa_stays_light() -> None:
    probe = "import sys, mtqa; print(sorted(m for m in sys.modules if m.startswith('mtqa')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['mtqa']"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        mtqa.nothing  # noqa: B018


def test_the_package_is_typed() -> None:
    assert (REPO / "mtqa" / "py.typed").is_file()
    assert '"py.typed"' in (REPO / "pyproject.toml").read_text(encoding="utf-8")


def test_docs_api_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ```python block of docs/api.md, in order, in one namespace, in an empty folder."""
    monkeypatch.chdir(tmp_path)
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 4
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), namespace)  # noqa: S102
