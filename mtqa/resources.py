"""The data files mtqa reads at run time, found through the import system, installed or not.

Two homes: files inside a package of mtqa (the training configs in ``mtqa/detector/configs``)
and the repository's top-level ``models/`` folder (the registry and the shipped detector),
which a wheel installs as the data package ``mtqa_models`` (``pyproject.toml`` maps one to
the other). A bare path beside the ``mtqa`` package is never trusted on its own: in
site-packages that spot is shared with every other distribution, and a stray
``site-packages/models/`` once won over the shipped ``mtqa_models``.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

MODELS_PACKAGE = "mtqa_models"


def package_path(package: str, *parts: str) -> Path:
    """A file or folder shipped inside ``package``, as a path (tomllib, safetensors and
    tokenizers want one; pip installs packages unzipped, so the resource is a real file)."""
    return Path(str(resources.files(package).joinpath(*parts)))


def models_dir() -> Path:
    """The shipped registry and models: this source tree's ``models/``, else ``mtqa_models``."""
    checkout = source_checkout()
    if checkout is not None:
        return checkout / "models"
    try:
        return package_path(MODELS_PACKAGE)
    except ModuleNotFoundError:  # a broken install: callers name the missing file with this path
        return Path(__file__).resolve().parents[1] / MODELS_PACKAGE


def source_checkout() -> Path | None:
    """The repository this ``mtqa`` runs from (a checkout or an editable install), else None.

    Known by its ``pyproject.toml`` naming the project ``mtqa``, so that its own ``models/``
    answers even when another checkout's editable install owns the name ``mtqa_models``.
    """
    root = Path(__file__).resolve().parents[1]
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return root if project.get("name") == "mtqa" and (root / "models").is_dir() else None
