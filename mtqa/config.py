"""Settings: ``[tool.mtqa]`` in pyproject.toml < ``mtqa.toml`` < the command line."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from mtqa.errors import ConfigError
from mtqa.findings import Severity

DEFAULT_INCLUDE = ["*.txt", "*.text", "*.md", "*.markdown", "*.html", "*.htm", "*.po", "*.pot",
                   "*.xlf", "*.xliff", "*.tsv", "*.csv", "*.jsonl"]


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["DEFAULT"])
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)  # per-code overrides
    fail_on: Severity = Severity.MAJOR
    include: list[str] = field(default_factory=lambda: list(DEFAULT_INCLUDE))
    exclude: list[str] = field(default_factory=list)
    target_lang: str = "en"
    source_lang: str | None = None
    languages: list[str] = field(default_factory=lambda: ["en", "de", "fr", "es", "it", "nl", "pt", "ro", "ru"])
    max_file_mb: float = 20.0
    max_sentence_words: int = 1000
    options: dict[str, Any] = field(default_factory=dict)  # per-check settings, by code

    def merged(self, overrides: dict[str, Any], origin: str) -> Config:
        """A copy with ``overrides`` applied; unknown or ill-typed keys name ``origin``."""
        return replace(self, **_coerce(overrides, origin))


_FIELDS = {f.name for f in fields(Config)}


def _coerce(raw: dict[str, Any], origin: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name not in _FIELDS:
            raise ConfigError(f"{origin}: unknown setting {key!r}")
        try:
            if name == "fail_on":
                value = Severity.parse(str(value))
            elif name == "severity":
                value = {str(code): Severity.parse(str(sev)) for code, sev in dict(value).items()}
            elif name in {"select", "ignore", "include", "exclude", "languages"}:
                if isinstance(value, str):
                    value = [v.strip() for v in value.split(",") if v.strip()]
                if not all(isinstance(v, str) for v in value):
                    raise ValueError("expected a list of strings")
                value = list(value)
            elif name in {"max_file_mb"}:
                value = float(value)
            elif name in {"max_sentence_words"}:
                value = int(value)
            elif name == "options" and not isinstance(value, dict):
                raise ValueError("expected a table")
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{origin}: invalid value for {key!r}: {exc}") from None
        values[name] = value
    return values


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None


def load_config(start: Path | None = None, explicit: Path | None = None) -> Config:
    """Project settings found from ``start`` (the working directory) upwards, or ``explicit``."""
    config = Config()
    if explicit is not None:
        data = _read_toml(explicit)
        table = data.get("tool", {}).get("mtqa", data) if explicit.name == "pyproject.toml" else data
        return config.merged(table, str(explicit))
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        pyproject, own = folder / "pyproject.toml", folder / "mtqa.toml"
        if not (pyproject.is_file() or own.is_file()):
            continue
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("mtqa")
            if table:
                config = config.merged(table, f"{pyproject} [tool.mtqa]")
        if own.is_file():
            config = config.merged(_read_toml(own), str(own))
        break
    return config
