"""What a wheel contains: every mtqa sub-package, and models/ as the data package mtqa_models."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

ROOT = Path(__file__).parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_the_package_list_names_every_mtqa_subpackage_and_the_models() -> None:
    found = find_packages(where=str(ROOT), include=["mtqa", "mtqa.*"])
    assert sorted(SETUPTOOLS["packages"]) == sorted([*found, "mtqa_models"])
    assert SETUPTOOLS["package-dir"] == {"mtqa_models": "models"}


def test_package_data_covers_the_shipped_model_and_registry() -> None:
    patterns = SETUPTOOLS["package-data"]["mtqa_models"]
    assert "registry.toml" in patterns and "mtqa-detector-en/*" in patterns
    assert not [p for p in (ROOT / "models" / "mtqa-detector-en").iterdir() if p.is_dir()]  # "*" is flat


def test_an_installed_copy_finds_models_in_mtqa_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mtqa.shipped

    installed = tmp_path / "site-packages"
    (installed / "mtqa_models" / "mtqa-detector-en").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(installed))
    monkeypatch.setattr(mtqa.shipped, "__file__", str(installed / "mtqa" / "shipped.py"))  # no source tree
    assert mtqa.shipped.models_dir() == installed / "mtqa_models"
    monkeypatch.delenv("MTQA_DETECTOR_DIR", raising=False)
    from mtqa.detector import shipped_dir

    assert shipped_dir() == installed / "mtqa_models" / "mtqa-detector-en"
