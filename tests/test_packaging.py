"""What an install holds and needs: the package list, the data inside it, the core install and
the extras (``.ci/run`` also builds the wheel and runs it in a venv without the source tree)."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from setuptools import find_packages

import mtqa.resources
from mtqa.extras import EXTRAS

ROOT = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
CORE = PYPROJECT["project"]["dependencies"]
OPTIONAL = PYPROJECT["project"]["optional-dependencies"]


def canonical(requirement: str) -> str:
    """The distribution name of a requirement, normalised as PyPI does (PEP 503)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)  # type: ignore[union-attr]
    return re.sub(r"[-_.]+", "-", name).lower()


def extra_names(extra: str) -> set[str]:
    return {canonical(r) for r in OPTIONAL[extra] if not r.startswith("mtqa[")}


def _strings(node: ast.AST) -> list[str]:
    """The string constants of a literal tuple or list (a check's ``libraries``)."""
    if isinstance(node, (ast.Tuple, ast.List)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _required(node: ast.AST) -> list[str]:
    """Modules imported through ``mtqa.extras``: ``require("torch", "models")``, ``libraries = (…)``."""
    if isinstance(node, ast.Call) and len(node.args) == 2:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        first, extra = node.args
        if name == "require" and isinstance(first, ast.Constant) and isinstance(extra, ast.Constant):
            return [first.value]
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(t, ast.Name) and t.id == "libraries" for t in targets) and node.value is not None:
            return _strings(node.value)
    return []


def imported_libraries() -> dict[str, set[str]]:
    """Every third-party top-level module mtqa's code imports (lazy imports too) → the files."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "mtqa").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif not (names := _required(node)):
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("mtqa", "__future__"):
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def distribution_of(module: str) -> str:
    dists = importlib.metadata.packages_distributions().get(module)
    assert dists, f"{module} is imported but no installed distribution provides it"
    return canonical(dists[0])


def modules_of(distributions: set[str]) -> list[str]:
    """The top-level modules the installed ``distributions`` provide."""
    return sorted(
        module for module, dists in importlib.metadata.packages_distributions().items()
        if "/" not in module and any(canonical(d) in distributions for d in dists)
    )


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


# --- the core install and the extras ---------------------------------------------------------


def test_every_library_mtqa_imports_is_declared_and_every_declared_one_is_used() -> None:
    declared = {canonical(r) for r in CORE} | {name for extra in EXTRAS for name in extra_names(extra)}
    used = {distribution_of(module): files for module, files in imported_libraries().items()}
    assert {name: sorted(files) for name, files in used.items() if name not in declared} == {}
    assert declared - set(used) == set()  # sentencepiece too: the model checks require it up front


def test_the_extras_are_the_ones_mtqa_extras_names_and_list_the_same_libraries() -> None:
    assert set(OPTIONAL) == {*EXTRAS, "test"}
    for extra, text in EXTRAS.items():
        listed = {canonical(name) for name in text.rsplit(": ", 1)[1].split(", ")}
        assert listed == extra_names(extra), extra


def test_the_test_extra_installs_every_other_extra() -> None:
    """The suite exercises every code path, so `pip install -e '.[test]'` must bring them all."""
    assert f"mtqa[{','.join(EXTRAS)}]" in OPTIONAL["test"]


BLOCKED_RUN = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None
from mtqa.cli import main
sys.argv = ["mtqa", *sys.argv[1:]]
main()
"""


def run_without(distributions: set[str], args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``mtqa ARGS`` in a fresh interpreter where the modules of ``distributions`` cannot import."""
    script = BLOCKED_RUN.format(blocked=modules_of(distributions))
    env = {**os.environ, "MTQA_CACHE_DIR": str(cwd / "cache")}  # no cached detector outputs: the model runs
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, env=env)


NOT_CORE = {name for extra in EXTRAS for name in extra_names(extra)} - {canonical(r) for r in CORE}


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_the_default_check_runs_on_the_core_install(tmp_path: Path, fmt: str) -> None:
    """Rules and the shipped detector with every extra's libraries missing (torch among them)."""
    assert "torch" in NOT_CORE and "scipy" in NOT_CORE
    shutil.copy(ROOT / "fixtures" / "articles" / "summit-mt.txt", tmp_path)
    done = run_without(NOT_CORE, ["check", "summit-mt.txt", "--format", fmt, "-o", f"report.{fmt}"], tmp_path)
    assert done.returncode == 1, done.stderr  # the article has planted errors
    report = (tmp_path / f"report.{fmt}").read_text(encoding="utf-8")
    if fmt == "json":
        data = json.loads(report)
        assert data["skipped_checks"] == {}
        assert data["signatures"]["MT402"].startswith("model:mtqa-detector-en@")  # the detector ran
    else:
        assert "mtqa-detector-en@" in report


@pytest.mark.parametrize("args", [["train", "--help"], ["eval", "--help"], ["train", "detector", "--help"]])
def test_help_of_the_extra_commands_needs_no_extra(tmp_path: Path, args: list[str]) -> None:
    done = run_without(NOT_CORE, args, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout


@pytest.mark.parametrize(
    ("missing", "args", "extra"),
    [
        ("torch", ["train", "detector", "--data", "mlqe", "--out", "run"], "train"),
        ("tqdm", ["train", "detector", "--data", "mlqe", "--out", "run"], "train"),
        ("torch", ["train", "export", "epoch-1.pt", "--data", "mlqe", "--out", "model"], "train"),
        ("scipy", ["eval", "mlqe-pe", "--data", "mlqe"], "eval"),
        ("sacrebleu", ["eval", "demetr", "--data", "demetr"], "eval"),
    ],
)
def test_a_command_whose_extra_is_missing_names_the_pip_command(
    tmp_path: Path, missing: str, args: list[str], extra: str
) -> None:
    done = run_without({missing}, args, tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"mtqa: error: {missing} is not installed; run: pip install 'mtqa[{extra}]'\n"
    assert not (tmp_path / "run").exists()
