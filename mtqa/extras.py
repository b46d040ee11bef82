"""Optional dependencies: the extra that provides a library, and the error that names the pip command.

The core install is what the default check needs (the rules and the shipped detector, on
numpy). Model checks, training and evaluation need more; each imports it through ``require``,
so a missing library is a one-line "run: pip install 'mtqa[models]'", never a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterable
from types import ModuleType

from mtqa.errors import ModelUnavailable

# extra → what it adds (pyproject.toml [project.optional-dependencies] lists the same)
EXTRAS = {
    "models": "the model checks (MT3xx) and `mtqa models pull`: "
              "torch, transformers, ctranslate2, sentencepiece, huggingface_hub, sacrebleu, wordfreq, gguf, accelerate",
    "train": "training and exporting the detector (`mtqa train detector`, `mtqa train export`): torch, tqdm, sacrebleu, sacremoses, lxml",
    "eval": "measuring the checker on human-annotated data (`mtqa eval`): scipy, sacrebleu",
    "onnx": "the shipped detector on onnxruntime (`MTQA_DETECTOR_RUNTIME=onnx` or `onnx-int8`): onnxruntime, onnx",
}


class MissingExtra(ModelUnavailable):
    """A library of an optional extra is not installed: a selected check is skipped, a command stops."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"{module} is not installed", install_command(extra))
        self.module = module
        self.extra = extra


def install_command(extra: str) -> str:
    """The exact pip command that installs ``extra``."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}")
    return f"pip install 'mtqa[{extra}]'"


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, or raise MissingExtra naming the pip command of ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(module.split(".")[0], extra) from None


def require_installed(modules: Iterable[str], extra: str) -> None:
    """MissingExtra for the first of ``modules`` that is not installed; none of them is imported.

    For a check that states its libraries up front: finding them is instant, importing torch
    is not, and a run the output cache answers never needs it.
    """
    for module in modules:
        if not installed(module):
            raise MissingExtra(module, extra)


def installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    if module in sys.modules:  # None there blocks the import (tests do this to stand for "missing")
        return sys.modules[module] is not None
    return importlib.util.find_spec(module) is not None
