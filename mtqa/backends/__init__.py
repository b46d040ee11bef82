"""Models behind the model checks: registry, files on disk, runners, output cache, signatures.

Checks use ``Models``: ``Models().translator("en", "de").translate(texts)`` finds the role in
the registry, raises ``ModelUnavailable`` (with the ``mtqa models pull`` command) when the
files are missing, loads the runner once per process and answers from the sqlite cache when
it can. Importing this package is cheap; torch and transformers load on first model use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mtqa.backends.cache import OutputCache, open_cache
from mtqa.backends.registry import ModelSpec, Registry, load_registry
from mtqa.backends.signature import signature
from mtqa.backends.store import ResolvedModel, require
from mtqa.errors import ConfigError, ModelUnavailable

__all__ = ["BoundModel", "ModelSpec", "Models", "Registry", "load_registry", "signature"]


@dataclass
class BoundModel:
    """A loaded runner plus its exact identity, answering through the cache."""

    resolved: ResolvedModel
    runner: Any
    cache: OutputCache | None

    @property
    def ref(self) -> str:
        return self.resolved.ref

    @property
    def backend(self) -> str:
        return str(getattr(self.runner, "backend", "hf"))

    def _map(self, texts: Sequence[str], compute: Callable[[list[str]], list[Any]]) -> list[Any]:
        if not texts:
            return []
        if self.cache is None:
            return compute(list(texts))
        settings = {**self.runner.cache_settings(), "backend": self.backend}
        return self.cache.cached_map(self.resolved.spec.id, self.resolved.revision, settings, texts, compute)

    def translate(self, texts: Sequence[str]) -> list[str]:
        return self._map(texts, self.runner.translate)

    def token_logprobs(self, texts: Sequence[str]) -> list[list[tuple[int, int, float]]]:
        return [[tuple(t) for t in row] for row in self._map(texts, self.runner.token_logprobs)]  # type: ignore[misc]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._map(texts, self.runner.embed)


class Models:
    """Role lookup for checks: resolve (never download unless allowed), load once, cache."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or load_registry()
        self.cache = open_cache()

    def bind(self, spec: ModelSpec) -> BoundModel:
        from mtqa.backends.runners import load

        resolved = require(spec, auto_download=bool(self.registry.settings.get("auto_download")))
        return BoundModel(resolved, load(resolved), self.cache)

    def spec(self, role: str) -> ModelSpec:
        """The role's spec; a role nobody registered is a skip (ModelUnavailable), not a crash."""
        try:
            if role.startswith("translate:"):
                src, tgt = role.split(":", 1)[1].split("-", 1)
                return self.registry.translate(src, tgt)
            return self.registry.get(role)
        except ConfigError as exc:
            raise ModelUnavailable(str(exc), f"add [roles.\"{role}\"] to the file named by MTQA_REGISTRY") from None

    def translator(self, src: str, tgt: str) -> BoundModel:
        return self.bind(self.spec(f"translate:{src}-{tgt}"))

    def lm(self, lang: str) -> BoundModel:
        return self.bind(self.spec(f"lm:{lang}"))

    def embedder(self) -> BoundModel:
        return self.bind(self.spec("embed"))
