"""What an install holds: the package list and the data inside it, found installed or not."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from setuptools import find_packages

import mtqa.resources

ROOT = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


# --- the package list and the data inside it ------------------------------------------------


def test_the_package_list_names_every_mtqa_subpackage_and_the_models() -> None:
    found = find_packages(where=str(ROOT), include=["mtqa", "mtqa.*"])
    assert sorted(SETUPTOOLS["packages"]) == sorted([*found, "mtqa_models"])
    assert SETUPTOOLS["package-dir"] == {"mtqa_models": "models"}
    assert (ROOT / "models" / "__init__.py").is_file()  # a regular package: importlib.resources reads it


def test_package_data_covers_the_shipped_model_registry_and_training_configs() -> None:
    patterns = SETUPTOOLS["package-data"]
    assert "registry.toml" in patterns["mtqa_models"] and "mtqa-detector-en/*" in patterns["mtqa_models"]
    assert not [p for p in (ROOT / "models" / "mtqa-detector-en").iterdir() if p.is_dir()]  # "*" is flat
    assert patterns["mtqa.detector"] == ["configs/*.toml"]
    configs = ROOT / "mtqa" / "detector" / "configs"
    assert sorted(p.name for p in configs.iterdir()) == sorted(p.name for p in configs.glob("*.toml"))


def test_the_training_config_default_lies_inside_the_package() -> None:
    from mtqa.detector.data import DEFAULT_SYNTHETIC, SyntheticConfig

    assert DEFAULT_SYNTHETIC == ROOT / "mtqa" / "detector" / "configs" / "synthetic.toml"
    assert SyntheticConfig.load(DEFAULT_SYNTHETIC).mix


@pytest.fixture
def site_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fake site-packages holding mtqa (no source tree) and the data package mtqa_models."""
    installed = tmp_path / "site-packages"
    (installed / "mtqa_models" / "mtqa-detector-en").mkdir(parents=True)
    (installed / "mtqa_models" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(installed))
    monkeypatch.setattr(mtqa.resources, "__file__", str(installed / "mtqa" / "resources.py"))
    monkeypatch.delenv("MTQA_DETECTOR_DIR", raising=False)
    saved = sys.modules.pop("mtqa_models", None)
    yield installed
    sys.modules.pop("mtqa_models", None)
    if saved is not None:
        sys.modules["mtqa_models"] = saved


def test_an_installed_copy_finds_models_in_mtqa_models(site_packages: Path) -> None:
    from mtqa.detector import shipped_dir

    assert mtqa.resources.models_dir() == site_packages / "mtqa_models"
    assert shipped_dir() == site_packages / "mtqa_models" / "mtqa-detector-en"


def test_a_stray_models_folder_beside_the_installed_package_never_wins(site_packages: Path) -> None:
    """Other distributions install top-level ``models/`` packages (and even pyproject.toml)."""
    (site_packages / "models" / "mtqa-detector-en").mkdir(parents=True)
    (site_packages / "models" / "registry.toml").write_text("")
    (site_packages / "pyproject.toml").write_text('[project]\nname = "someone-else"\n')
    assert mtqa.resources.models_dir() == site_packages / "mtqa_models"


def test_a_source_checkout_reads_its_own_models_folder() -> None:
    """Even where another checkout's editable install owns the name mtqa_models."""
    assert mtqa.resources.models_dir() == ROOT / "models"
