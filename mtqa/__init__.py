"""mtqa: a quality checker for machine-translated text.

The Python API (``check_text``, ``check_paths`` and the types they return, docs/api.md) is
loaded on first use, so ``import mtqa`` and ``mtqa --help`` stay light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from mtqa.api import check_paths, check_text
    from mtqa.config import Config, load_config
    from mtqa.errors import ConfigError
    from mtqa.findings import Finding, Severity
    from mtqa.report import FileResult, Report

# public name → the module that defines it
_API = {
    "check_text": "mtqa.api", "check_paths": "mtqa.api", "Config": "mtqa.config", "load_config": "mtqa.config",
    "ConfigError": "mtqa.errors", "Finding": "mtqa.findings", "Severity": "mtqa.findings",
    "FileResult": "mtqa.report", "Report": "mtqa.report",
}
__all__ = [
    "__version__", "check_text", "check_paths", "Config", "load_config", "ConfigError", "Finding", "Severity",
    "FileResult", "Report",
]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'mtqa' has no attribute {name!r}")
    return getattr(importlib.import_module(_API[name]), name)
