"""Where the files of the repository's ``models/`` folder are, installed or not.

A source checkout or an editable install reads ``models/`` beside the ``mtqa`` package; a wheel
installs the same files as the data package ``mtqa_models`` (see ``pyproject.toml``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def models_dir() -> Path:
    """The shipped registry and models: the source tree's ``models/``, else ``mtqa_models``."""
    source = Path(__file__).resolve().parents[1] / "models"
    if source.is_dir():
        return source
    spec = importlib.util.find_spec("mtqa_models")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return source  # neither: callers report the missing file with this path
