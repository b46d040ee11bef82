"""Output formats: one module per format, each with ``render(report, color=False) -> str``.

Formatters only present a Report; they never score or filter.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the CLI reads the format names at start-up without loading the report types
    from mtqa.report import Report

# format name → module in this package
FORMATTERS: dict[str, str] = {
    "terminal": "terminal",
    "json": "json_format",
    "markdown": "markdown",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "gitlab": "gitlab",
    "csv": "csv_format",
    "html": "html",
}


class Formatter(Protocol):
    def __call__(self, report: Report, color: bool = False) -> str: ...


def get_formatter(name: str) -> Formatter:
    if name not in FORMATTERS:
        raise ValueError(f"unknown format {name!r} (choose from {', '.join(FORMATTERS)})")
    return importlib.import_module(f"{__name__}.{FORMATTERS[name]}").render
