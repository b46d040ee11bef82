"""Settings: ``[tool.mtqa]`` in pyproject.toml < ``mtqa.toml`` < the command line.

Every value is checked when it is read, so a typo fails the run at once with a message that
names the file and the setting (exit 2) instead of being silently ignored.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from mtqa.errors import ConfigError
from mtqa.findings import Severity
from mtqa.segment import DEFAULT_MAX_SENTENCE_WORDS

# Directory walks skip .pot templates: they hold no translations, only empty targets.
DEFAULT_INCLUDE = ["*.txt", "*.text", "*.md", "*.markdown", "*.html", "*.htm", "*.po",
                   "*.xlf", "*.xliff", "*.tsv", "*.csv", "*.jsonl"]

# The languages a text could plausibly be in, unless the config says otherwise (MT107).
DEFAULT_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "ro", "ru")
_LANG = re.compile(r"^[a-z]{2,3}$")


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
    # languages a text could plausibly be in: language identification picks among these
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    max_file_mb: float = 20.0
    max_sentence_words: int = DEFAULT_MAX_SENTENCE_WORDS
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-check settings, by code
    # setting → where it was written (a file or "command line"); a default has no entry, so a
    # file's own language declaration gives way only to a language the user set
    origins: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def merged(self, overrides: dict[str, Any], origin: str, labels: dict[str, str] | None = None) -> Config:
        """A copy with ``overrides`` applied; unknown or ill-typed keys name ``origin``.

        ``labels`` names settings as the user wrote them (``fail_on`` → ``--fail-on``).

        ``severity`` and ``options`` tables add to the ones already set (a command-line
        ``--severity MT101=minor`` keeps the project's other overrides); the rest replace.
        """
        values = _coerce(overrides, origin, labels or {})
        if "severity" in values:
            values["severity"] = {**self.severity, **values["severity"]}
        if "options" in values:
            merged_options = {code: dict(opts) for code, opts in self.options.items()}
            for code, opts in values["options"].items():
                merged_options.setdefault(code, {}).update(opts)
            values["options"] = merged_options
        return replace(self, **values, origins={**self.origins, **dict.fromkeys(values, origin)})

    def is_set(self, setting: str) -> bool:
        """Whether ``setting`` was given (a config file, the command line), not left at its default.

        A value other than the default counts as given too: a Config built in Python
        (``Config(target_lang="de")``) has no origins.
        """
        return setting in self.origins or getattr(self, setting) != getattr(_DEFAULT, setting)


_FIELDS = {f.name for f in fields(Config)} - {"origins"}
_DEFAULT = Config()
_LISTS = {"select", "ignore", "include", "exclude", "languages"}


def _string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return [v.strip() for v in value]


def _language(value: Any) -> str:
    if not isinstance(value, str) or not _LANG.match(value.strip().lower()):
        raise ValueError(f"expected an ISO 639 language code such as 'en', got {value!r}")
    return value.strip().lower()


def _positive(value: Any, kind: type) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a positive number, got {value!r}")
    number = kind(value)
    if number <= 0:
        raise ValueError(f"expected a positive number, got {value!r}")
    return number


def _coerce_one(name: str, value: Any) -> Any:
    if name == "fail_on":
        if not isinstance(value, str):
            raise ValueError(f"expected minor, major or critical, got {value!r}")
        return Severity.parse(value)
    if name == "severity":
        if not isinstance(value, dict):
            raise ValueError("expected a table of CODE = severity")
        return {str(code).upper(): Severity.parse(str(sev)) for code, sev in value.items()}
    if name in _LISTS:
        items = _string_list(value)
        if name in {"select", "ignore"}:
            items = [item.upper() for item in items]
        if name == "languages":
            items = [_language(item) for item in items]
            if not items:
                raise ValueError("expected at least one language")
        return items
    if name in {"target_lang", "source_lang"}:
        return _language(value)
    if name == "max_file_mb":
        return _positive(value, float)
    if name == "max_sentence_words":
        return _positive(value, int)
    if name == "options":
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise ValueError("expected a table of tables, one per check code: [options.MT101]")
        return {str(code): dict(opts) for code, opts in value.items()}
    raise AssertionError(f"setting {name!r} has no validator")


def _coerce(raw: dict[str, Any], origin: str, labels: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name not in _FIELDS:
            close = difflib.get_close_matches(name, sorted(_FIELDS), n=1)
            hint = f"did you mean {close[0].replace('_', '-')!r}?" if close else "known settings: " + ", ".join(
                sorted(k.replace("_", "-") for k in _FIELDS))
            raise ConfigError(f"{origin}: unknown setting {key!r} ({hint})")
        try:
            values[name] = _coerce_one(name, value)
        except (ValueError, TypeError) as exc:
            if key in labels:
                raise ConfigError(f"{labels[key]}: {exc}") from None
            raise ConfigError(f"{origin}: invalid value for {key!r}: {exc}") from None
    return values


def resolve_codes(config: Config, known: dict[str, str]) -> Config:
    """Check the codes named in ``severity`` and ``options`` against the registry.

    ``known`` maps every check code and name to its code, so ``[options.doubled-word]``
    and ``[options.MT102]`` both work. Raises ConfigError naming the setting.
    """
    lookup = {k.upper(): v for k, v in known.items()}
    for code in config.severity:
        if code.upper() not in lookup:
            raise ConfigError(f"severity: unknown check code {code!r} (see `mtqa rules`)")
    options: dict[str, dict[str, Any]] = {}
    for key, opts in config.options.items():
        if key.upper() not in lookup:
            raise ConfigError(f"options: unknown check {key!r} (see `mtqa rules`)")
        options.setdefault(lookup[key.upper()], {}).update(opts)
    severity = {lookup[code.upper()]: sev for code, sev in config.severity.items()}
    return replace(config, severity=severity, options=options)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"{path}: cannot read configuration: {reason}") from None


def _table(path: Path) -> tuple[dict[str, Any], str]:
    """The mtqa settings in a TOML file: ``[tool.mtqa]`` of a pyproject, else the top level."""
    data = _read_toml(path)
    if path.name == "pyproject.toml" or "tool" in data:
        table = data.get("tool", {}).get("mtqa", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.mtqa] must be a table")
        return table, f"{path} [tool.mtqa]"
    return data, str(path)


def load_config(start: Path | None = None, explicit: Path | None = None) -> Config:
    """Project settings found from ``start`` (the working directory) upwards, or ``explicit``.

    The nearest folder with a pyproject.toml or mtqa.toml wins; in it, mtqa.toml overrides
    pyproject's ``[tool.mtqa]``.
    """
    config = Config()
    if explicit is not None:
        table, origin = _table(explicit)
        return config.merged(table, origin)
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        pyproject, own = folder / "pyproject.toml", folder / "mtqa.toml"
        if not (pyproject.is_file() or own.is_file()):
            continue
        for path in (pyproject, own):
            if path.is_file():
                table, origin = _table(path)
                config = config.merged(table, origin)
        break
    return config
