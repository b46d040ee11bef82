"""The Python API: check text or files from Python and get the report objects the CLI formats.

Settings are the configuration's (``select``, ``target_lang``, ``fail_on`` …), given as
keyword arguments or as a ``Config``; a bad one raises ``ConfigError`` naming it. Nothing
is read from pyproject.toml or mtqa.toml unless you pass ``config=load_config()``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from mtqa.config import Config
from mtqa.engine import Input, check_inputs, prepare, run
from mtqa.report import Report


def _config(config: Config | None, settings: dict[str, Any], origin: str) -> Config:
    """``config`` (default: the defaults) with the keyword ``settings``; errors name the argument."""
    base = config if config is not None else Config()
    labels = {key: f"{origin.removesuffix('()')}({key}=…)" for key in settings}  # "check_paths(target_lang=…)"
    return base.merged(settings, origin, labels) if settings else base


def check_text(
    text: str,
    *,
    path: str = "<text>",
    input_format: str | None = None,
    config: Config | None = None,
    **settings: Any,
) -> Report:
    """Check ``text`` as if it were the file ``path`` (whose extension picks the input format).

    The report holds one ``FileResult``; a text that cannot be checked (empty, malformed
    for its format) is that result's ``error``, not an exception.
    """
    config, checks = prepare(_config(config, settings, "check_text()"))
    return check_inputs([Input(path, name=path, text=text)], checks, config, input_format)


def check_paths(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    input_format: str | None = None,
    config: Config | None = None,
    jobs: int = 1,
    **settings: Any,
) -> Report:
    """Check files, directories and globs as ``mtqa check`` does, in ``jobs`` processes (0: one per core)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return run([os.fspath(p) for p in paths], _config(config, settings, "check_paths()"), input_format, jobs=jobs)
