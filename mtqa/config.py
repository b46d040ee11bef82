"""Settings: ``[tool.mtqa]`` in pyproject.toml < ``mtqa.toml`` < the command line.

Every value is checked when it is read, and the check codes and per-check options once the
checks are known (``resolve_codes``), so a typo fails the run at once with a message that
names the file, the table and the key (exit 2) instead of being silently ignored.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mtqa.errors import ConfigError
from mtqa.findings import Severity
from mtqa.locales import base
from mtqa.scorecard import DEFAULT_WEIGHTS, MAX_SCORE
from mtqa.segment import DEFAULT_MAX_SENTENCE_WORDS

if TYPE_CHECKING:
    from mtqa.checks.base import Check

# Directory walks skip .pot templates: they hold no translations, only empty targets.
DEFAULT_INCLUDE = ["*.txt", "*.text", "*.md", "*.markdown", "*.html", "*.htm", "*.po",
                   "*.xlf", "*.xliff", "*.tsv", "*.csv", "*.jsonl"]

# The languages a text could plausibly be in, unless the config says otherwise (MT107).
DEFAULT_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "ro", "ru")


@dataclass(frozen=True)
class Where:
    """Where a setting was written, as an error names it: a file's table, or an option."""

    name: str  # "pyproject.toml [tool.mtqa.severity]", "mtqa.toml", "--severity"
    in_file: bool

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.name}: {message}")

    def invalid(self, key: str, message: str) -> ConfigError:
        """A bad value: in a file the message names the key; an option is the key itself."""
        return self.error(f"invalid value for {key!r}: {message}" if self.in_file else message)


@dataclass(frozen=True)
class Origin:
    """Where one layer of settings comes from: a file's table, or the command line.

    ``table`` is the path of mtqa's table in the file (``("tool", "mtqa")`` in a pyproject,
    ``()`` at the top of mtqa.toml). It is None for settings not read from a file, which
    ``labels`` name as the user wrote them (``fail_on`` → ``--fail-on``), else ``source``.
    """

    source: str
    table: tuple[str, ...] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    folder: Path | None = None  # the file's folder: paths written in it are relative to it

    def where(self, setting: str, table: tuple[str, ...] = ()) -> Where:
        """Where ``setting`` was written; ``table`` names its sub-table (``("options", "MT207")``)."""
        if self.table is None:
            return Where(self.labels.get(setting, self.source), in_file=False)
        path = ".".join((*self.table, *table))
        return Where(f"{self.source} [{path}]" if path else self.source, in_file=True)


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["DEFAULT"])
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)  # per-code overrides
    fail_on: Severity = Severity.MAJOR
    fail_under: float | None = None  # the run's quality score below which it exits 1 (mtqa.scorecard)
    severity_weights: dict[Severity, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    include: list[str] = field(default_factory=lambda: list(DEFAULT_INCLUDE))
    exclude: list[str] = field(default_factory=list)
    target_lang: str = "en"
    source_lang: str | None = None
    # languages a text could plausibly be in: language identification picks among these
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    max_file_mb: float = 20.0
    max_sentence_words: int = DEFAULT_MAX_SENTENCE_WORDS
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-check settings, by code
    glossary: str | None = None  # a CSV, TSV or TBX glossary (MT505, MT506)
    dnt: str | None = None  # a do-not-translate list, one term per line (MT507, MT508)
    # Where each setting was written, by key ("select", "severity.<key>", "options.<check>",
    # "options.<check>.<option>"): the errors found once the checks are known name the file,
    # and a file's own language declaration gives way only to a language the user set.
    origins: dict[str, Where] = field(default_factory=dict, compare=False, repr=False)

    def merged(self, overrides: dict[str, Any], origin: Origin | str, labels: dict[str, str] | None = None) -> Config:
        """A copy with ``overrides`` applied; unknown or ill-typed keys name ``origin``.

        A plain string ``origin`` names settings that come from no file (``"command line"``),
        and ``labels`` names them as the user wrote them (``fail_on`` → ``--fail-on``).

        ``severity``, ``severity_weights`` and ``options`` tables add to the ones already set (a command-line
        ``--severity MT101=minor`` keeps the project's other overrides); the rest replace.
        """
        if isinstance(origin, str):
            origin = Origin(origin, labels=labels or {})
        values, origins = _coerce(overrides, origin)
        if "severity" in values:
            values["severity"] = _layered(self.severity, values["severity"], str.upper)
        if "severity_weights" in values:
            values["severity_weights"] = {**self.severity_weights, **values["severity_weights"]}
        if "options" in values:
            options = {check: dict(table) for check, table in self.options.items()}
            for check, table in values["options"].items():
                options[check] = _layered(options.pop(check, {}), table, _option_name)
            values["options"] = options
        return replace(self, **values, origins={**self.origins, **origins})

    def is_set(self, setting: str) -> bool:
        """Whether ``setting`` was given (a config file, the command line), not left at its default.

        A value other than the default counts as given too: a Config built in Python
        (``Config(target_lang="de")``) has no origins.
        """
        return setting in self.origins or getattr(self, setting) != getattr(_DEFAULT, setting)


_FIELDS = {f.name for f in fields(Config)} - {"origins"}
_DEFAULT = Config()
_LISTS = {"select", "ignore", "include", "exclude", "languages"}
_PATHS = {"glossary", "dnt"}


def _path(value: Any, folder: Path | None) -> str:
    """A file path; one written in a config file is relative to that file's folder."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a file path, got {value!r}")
    path = Path(value.strip()).expanduser()
    return str(folder / path if folder is not None and not path.is_absolute() else path)


def _layered(old: dict[str, Any], new: dict[str, Any], same: Callable[[str], str]) -> dict[str, Any]:
    """``old`` updated with ``new``; keys that are the ``same`` (MT102, mt102) count as one.

    The new keys go last, so the later layer wins when the table is resolved in order.
    """
    replaced = {same(key) for key in new}
    return {**{key: value for key, value in old.items() if same(key) not in replaced}, **new}


def _option_name(key: str) -> str:
    """Options may be written with - or _ (``max-ratio``); checks read them with _."""
    return key.replace("-", "_")


def _string_list(value: Any, in_file: bool) -> list[str]:
    """A TOML array of strings; the command line's comma-separated string too."""
    if isinstance(value, str) and not in_file:
        return [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of strings, got {value!r}")
    if not all(v.strip() for v in value):
        raise ValueError(f"expected a list of non-empty strings, got {value!r}")
    return [v.strip() for v in value]


def _patterns(items: list[str]) -> list[str]:
    """Include/exclude patterns, which must be valid gitignore syntax (``!`` alone is not)."""
    import pathspec

    for item in items:
        try:
            pathspec.GitIgnoreSpec.from_lines([item])
        except ValueError:  # pathspec's GitWildMatchPatternError
            raise ValueError(f"{item!r} is not a valid gitignore pattern") from None
    return items


def _language(value: Any) -> str:
    """A language tag in its BCP 47 form: ``de``, ``pt-BR``, ``sr-Latn`` (``pt_BR`` is read too)."""
    from mtqa.locales import normalise

    tag = normalise(value) if isinstance(value, str) else None
    if tag is None:
        raise ValueError(f"expected a language tag such as 'en' or 'pt-BR', got {value!r}")
    return tag


def _positive(value: Any, kind: type) -> float | int:
    """A positive number; ``int`` settings take whole numbers only (TOML ``1000``, not ``1000.5``)."""
    if isinstance(value, bool) or not isinstance(value, int if kind is int else (int, float)):
        expected = "a positive whole number" if kind is int else "a positive number"
        raise ValueError(f"expected {expected}, got {value!r}")
    if value <= 0:
        raise ValueError(f"expected a positive number, got {value!r}")
    return kind(value)


def _severity(value: Any) -> Severity:
    if not isinstance(value, str):
        raise ValueError(f"expected minor, major or critical, got {value!r}")
    return Severity.parse(value)


def _score(value: Any) -> float:
    """A quality score to pass: 0 to 100, the scorecard's maximum."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SCORE:
        raise ValueError(f"expected a quality score from 0 to {MAX_SCORE:g}, got {value!r}")
    return float(value)


def _coerce_one(name: str, value: Any, where: Where) -> Any:
    if name == "fail_on":
        return _severity(value)
    if name == "fail_under":
        return _score(value)
    if name in _LISTS:
        items = _string_list(value, where.in_file)
        if name == "languages":
            items = [base(_language(item)) for item in items]  # what language identification answers
            if not items:
                raise ValueError("expected at least one language")
        if name in {"include", "exclude"}:
            items = _patterns(items)
        return items
    if name in {"target_lang", "source_lang"}:
        return _language(value)
    if name == "max_file_mb":
        return _positive(value, float)
    if name == "max_sentence_words":
        return _positive(value, int)
    raise AssertionError(f"setting {name!r} has no validator")


def _coerce(raw: dict[str, Any], origin: Origin) -> tuple[dict[str, Any], dict[str, Where]]:
    """The settings in ``raw``, checked, and where each was written."""
    values: dict[str, Any] = {}
    origins: dict[str, Where] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        where = origin.where(name)
        if name not in _FIELDS:
            close = difflib.get_close_matches(name, sorted(_FIELDS), n=1)
            hint = f"did you mean {close[0].replace('_', '-')!r}?" if close else "known settings: " + ", ".join(
                sorted(k.replace("_", "-") for k in _FIELDS))
            raise where.error(f"unknown setting {key!r} ({hint})")
        origins[name] = where
        try:
            if name == "severity":
                values[name] = _coerce_severity(value, origin, origins)
            elif name == "options":
                values[name] = _coerce_options(value, origin, origins)
            elif name == "severity_weights":
                values[name] = _coerce_weights(value, origin.where(name, ("severity-weights",)))
            elif name in _PATHS:
                values[name] = _path(value, origin.folder)
            else:
                values[name] = _coerce_one(name, value, where)
        except ValueError as exc:
            raise where.invalid(key, str(exc)) from None
    return values, origins


def _coerce_severity(value: Any, origin: Origin, origins: dict[str, Where]) -> dict[str, Severity]:
    """``[severity]``: check code (or name) = severity; ``resolve_codes`` checks the codes.

    ValueError when it is not a table; ConfigError naming the table for a bad severity.
    """
    if not isinstance(value, dict):
        raise ValueError(f"expected a table of CODE = severity, got {value!r}")
    table = origin.where("severity", ("severity",))
    levels = {}
    for code, level in value.items():
        try:
            levels[code] = _severity(level)
        except ValueError as exc:
            raise table.invalid(code, str(exc) if table.in_file else f"{code}={level}: {exc}") from None
        origins[f"severity.{code}"] = table
    return levels


def _coerce_weights(value: Any, table: Where) -> dict[Severity, float]:
    """``[severity-weights]``: severity = the penalty points of one finding of it (a number, 0 or more).

    ValueError when it is not a table; ConfigError naming the table for a bad key or weight.
    """
    if not isinstance(value, dict):
        raise ValueError(f"expected a table of severity = weight, got {value!r}")
    weights = {}
    for key, weight in value.items():
        try:
            severity = Severity.parse(key)
        except ValueError:
            names = [str(s) for s in Severity]
            close = difflib.get_close_matches(key.strip().lower(), names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "choose from " + ", ".join(names)
            raise table.error(f"unknown severity {key!r} ({hint})") from None
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            raise table.invalid(key, f"expected a number of penalty points, 0 or more, got {weight!r}")
        weights[severity] = float(weight)
    return weights


def _coerce_options(value: Any, origin: Origin, origins: dict[str, Where]) -> dict[str, dict[str, Any]]:
    """``[options.<CODE or name>]`` tables, kept as written: ``resolve_codes`` checks them."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError("expected a table of tables, one per check code: [options.MT207]")
    for check, table in value.items():
        origins[f"options.{check}"] = origin.where("options", ("options",))
        for option in table:
            origins[f"options.{check}.{option}"] = origin.where("options", ("options", check))
    return {check: dict(table) for check, table in value.items()}


def resolve_codes(config: Config, checks: Mapping[str, type[Check]]) -> Config:
    """Check what the config says of the checks against the registry ``checks`` (code → class).

    ``select``/``ignore`` selectors and the keys of ``severity`` and ``options`` must name a
    check (a code or prefix, or a check's name or alias: ``[options.length-ratio]`` is
    ``[options.MT207]``); each option must be one the check declares, with a value of its
    type. Returns the config with codes for keys; raises ConfigError naming the file and key.
    """
    lookup = {key.upper(): code for code, cls in checks.items() for key in (code, cls.name, *cls.aliases)}

    def where(key: str, default: str) -> Where:
        return config.origins.get(key) or Where(default, in_file=False)

    from mtqa.checks import SELECTORS

    for setting in ("select", "ignore"):
        for pattern in getattr(config, setting):
            upper = pattern.upper()
            if upper not in SELECTORS and upper not in lookup and not any(c.startswith(upper) for c in checks):
                raise where(setting, setting).invalid(
                    setting, f"unknown check code or prefix {pattern!r} (a check's name works too; see `mtqa rules`)")
    severity = {}
    for key, level in config.severity.items():
        if key.upper() not in lookup:
            raise where(f"severity.{key}", "severity").error(f"unknown check code {key!r} (see `mtqa rules`)")
        severity[lookup[key.upper()]] = level
    options: dict[str, dict[str, Any]] = {}
    for key, table in config.options.items():
        code = lookup.get(key.upper())
        if code is None:
            raise where(f"options.{key}", "options").error(f"unknown check {key!r} (see `mtqa rules`)")
        declared = {option.name: option for option in checks[code].options}
        resolved = options.setdefault(code, {})
        for written, value in table.items():
            name = _option_name(written)
            within = where(f"options.{key}.{written}", f"options.{key}")
            if name not in declared:
                raise within.error(f"unknown option {written!r} ({_known_options(name, code, checks[code], declared)})")
            try:
                resolved[name] = declared[name].parse(value)
            except ValueError as exc:
                raise within.invalid(written, str(exc)) from None
    return replace(
        config,
        select=[p.upper() for p in config.select],
        ignore=[p.upper() for p in config.ignore],
        severity=severity,
        options=options,
    )


def _known_options(name: str, code: str, cls: type[Check], declared: Mapping[str, Any]) -> str:
    """The hint after an unknown option: the nearest declared name, else the list."""
    close = difflib.get_close_matches(name, sorted(declared), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    if declared:
        return f"{code} {cls.name} has the options " + ", ".join(sorted(declared)) + f"; see `mtqa rules {code}`"
    return f"{code} {cls.name} has no options"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ConfigError(f"{path}: cannot read configuration: {reason}") from None


def _settings(path: Path, shown: str) -> tuple[dict[str, Any], Origin] | None:
    """The mtqa settings in a TOML file and their origin; None for a pyproject without [tool.mtqa].

    A pyproject (or any file with a ``[tool.mtqa]`` table) holds them in that table; any other
    file, such as mtqa.toml, at its top level.
    """
    data = _read_toml(path)
    tool = data.get("tool")
    if path.name != "pyproject.toml" and not (isinstance(tool, dict) and "mtqa" in tool):
        return data, Origin(shown, (), folder=Path(shown).parent)
    if not isinstance(tool, dict) or "mtqa" not in tool:
        return None
    if not isinstance(tool["mtqa"], dict):
        raise ConfigError(f"{shown}: [tool.mtqa] must be a table, got {tool['mtqa']!r}")
    return tool["mtqa"], Origin(shown, ("tool", "mtqa"), folder=Path(shown).parent)


def _shown(path: Path) -> str:
    """A found file as errors name it: relative to the working directory when under it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_config(start: Path | None = None, explicit: Path | None = None) -> Config:
    """Project settings: ``explicit`` alone, or those found from ``start`` (the working directory) up.

    As ruff does, the search stops at the nearest folder with a configuration file: an
    ``mtqa.toml`` always is one (an empty one means the defaults), a ``pyproject.toml`` only
    when it has a ``[tool.mtqa]`` table, so that a sub-project's pyproject does not hide the
    repository's settings. In that folder, mtqa.toml overrides pyproject's ``[tool.mtqa]``.
    """
    config = Config()
    if explicit is not None:
        found = _settings(explicit, str(explicit))
        if found is None:
            raise ConfigError(f"{explicit}: no [tool.mtqa] table to read settings from")
        return config.merged(*found)
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        layers = [
            found for path in (folder / "pyproject.toml", folder / "mtqa.toml")
            if path.is_file() and (found := _settings(path, _shown(path))) is not None
        ]
        for table, origin in layers:
            config = config.merged(table, origin)
        if layers:
            break
    return config
