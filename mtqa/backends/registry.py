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
from typing import Any

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
_SPEC_KEYS = {"id", "revision", "package", "multilingual", "offline", "program", "pair"}


@dataclass(frozen=True)
class ModelSpec:
    """One role's model: a hub id (or local directory) at a revision, plus its settings."""

    role: str
    id: str
    revision: str = "main"
    package: str | None = None  # an installed package that ships the files offline
    multilingual: str | None = None  # "m2m100": the languages are given at run time
    src_lang: str | None = None
    tgt_lang: str | None = None
    program: str | None = None  # a system program that translates ("apertium"), by its ``pair``
    pair: str | None = None
    offline: ModelSpec | None = None  # ``[roles.X.offline]``: used when the hub model is not on disk
    settings: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def kind(self) -> str:
        return self.role.split(":", 1)[0]

    @property
    def backend(self) -> str:
        """The runner: ``hf``, the program (``apertium``), or the ``backend`` setting (``ctranslate2``) for translation."""
        if self.program:
            return self.program
        return str(self.settings.get("backend", "hf")) if self.kind == "translate" else "hf"

    @property
    def is_local(self) -> bool:
        """True when ``id`` names a directory rather than a hub repository."""
        return self.id.startswith(("/", "./", "../", "~")) or Path(self.id).expanduser().is_dir()

    @property
    def pull_command(self) -> str:
        if self.program:
            return install_command(str(self.pair))
        return f"mtqa models pull {self.role}"


@dataclass
class Registry:
    roles: dict[str, ModelSpec]
    settings: dict[str, Any]
    sources: list[Path]

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
            offline = replace(spec.offline, src_lang=src, tgt_lang=tgt) if spec.offline else None
            spec = replace(spec, src_lang=src, tgt_lang=tgt, offline=offline)
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
    if isinstance(entry, dict) and entry.get("program") is not None:
        return _program_spec(role, entry, settings, origin)
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise ConfigError(f"{origin}: role {role!r} needs an id (hub id or local directory)")
    model_id = entry["id"]
    if model_id.startswith("./") or model_id.startswith("../"):
        model_id = str((origin.parent / model_id).resolve())  # relative to the registry file
    own = {k: v for k, v in entry.items() if k not in _SPEC_KEYS}
    return ModelSpec(
        role=role,
        id=model_id,
        revision=str(entry.get("revision", "main")),
        package=entry.get("package"),
        multilingual=entry.get("multilingual"),
        offline=_spec(role, entry["offline"], settings, origin) if "offline" in entry else None,
        settings={**settings, **own},
    )


def _program_spec(role: str, entry: dict[str, Any], settings: dict[str, Any], origin: Path) -> ModelSpec:
    """A translator that is a system program: ``program = "apertium"``, ``pair = "eng-spa"``."""
    program, pair = entry.get("program"), entry.get("pair")
    if program not in PROGRAMS or not role.startswith("translate:"):
        raise ConfigError(f"{origin}: role {role!r}: program must be one of {', '.join(PROGRAMS)}, for a translate role")
    if not isinstance(pair, str) or not pair:
        raise ConfigError(f"{origin}: role {role!r}: program {program!r} needs a pair (as `apertium -l` lists it)")
    own = {k: v for k, v in entry.items() if k not in _SPEC_KEYS}
    return ModelSpec(role=role, id=f"{program}:{pair}", revision="installed", program=program, pair=pair,
                     settings={**settings, **own})


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
    return Registry(roles=dict(sorted(roles.items())), settings=settings, sources=layers)
