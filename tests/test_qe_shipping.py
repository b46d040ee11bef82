"""Shipping the QE model: its registry entry (sha256, the embed role it needs) and a bare
``mtqa models pull`` pulling what the shipped models need."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mtqa.backends.registry import load_registry
from mtqa.errors import ConfigError
from mtqa.resources import models_dir


def test_shipped_models_and_what_they_need(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MTQA_REGISTRY", raising=False)
    registry = load_registry()
    assert registry.shipped["mtqa-qe"].needs == ("embed",)
    assert registry.shipped["mtqa-detector-en"].needs == ()
    assert registry.needed_roles() == ["embed"]


def test_every_shipped_folder_matches_its_registered_sha256(monkeypatch: pytest.MonkeyPatch) -> None:
    """The weights in models/ are the ones registered (a folder not in the checkout is exported later)."""
    monkeypatch.delenv("MTQA_REGISTRY", raising=False)
    shipped = load_registry().shipped
    folders = {p.name for p in models_dir().iterdir() if (p / "model.safetensors").is_file()}
    assert folders <= set(shipped) and "mtqa-detector-en" in folders
    for name in folders:
        weights = models_dir() / name / "model.safetensors"
        assert shipped[name].sha256 == hashlib.sha256(weights.read_bytes()).hexdigest(), name


@pytest.mark.parametrize(("entry", "message"), [
    ('sha256 = "abc"', "sha256 must be 64 lowercase hex digits"),
    (f'sha256 = "{"0" * 64}"\nneeds = ["lm:xx"]', "no model registered for role 'lm:xx'"),
    (f'sha256 = "{"0" * 64}"\nroles = ["embed"]', r"unknown key\(s\) roles"),
])
def test_bad_shipped_entries_name_the_file(tmp_path: Path, entry: str, message: str) -> None:
    overlay = tmp_path / "r.toml"
    overlay.write_text(f'[shipped."mine"]\n{entry}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_registry(overlay)
    with pytest.raises(ConfigError, match="r.toml"):
        load_registry(overlay)


def test_bare_pull_pulls_the_roles_the_shipped_models_need(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from mtqa.backends import store
    from mtqa.cli import app

    @dataclass
    class Pulled:
        ref: str
        path: Path
        backend: str = "hf"

    asked: list[str] = []

    def fake_pull(spec, progress: bool, say) -> Pulled:  # noqa: ANN001
        asked.append(spec.role)
        return Pulled(f"{spec.id}@main", tmp_path)

    monkeypatch.delenv("MTQA_REGISTRY", raising=False)
    monkeypatch.setattr(store, "pull", fake_pull)
    result = CliRunner().invoke(app, ["models", "pull", "--quiet"])
    assert result.exit_code == 0, result.output
    assert asked == ["embed"] and "pulling what the shipped models need: embed" in result.output
    asked.clear()
    assert CliRunner().invoke(app, ["models", "pull", "lm:en"]).exit_code == 0 and asked == ["lm:en"]
