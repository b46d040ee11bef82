"""Models behind the model checks: registry, files on disk, runners, output cache.

Checks use ``Models``: ``Models().translator("en", "de").translate(texts)`` finds the role in
the registry, raises ``ModelUnavailable`` (with the ``mtqa models pull`` command) when the
files are missing, loads the runner once per process and answers from the sqlite cache when
it can. Importing this package is cheap; torch and transformers load on first model use.

Modules, lowest first: ``registry`` (roles → model specs), ``store`` (files on disk, pull),
``cache`` (outputs by model revision and settings), ``runtime`` (device, dtype, threads),
``batching`` (over-long texts and length-sorted batches), ``hf`` and ``ct2`` (the runners of
each backend), ``loader`` (which runner a model gets), ``vectors``, ``align`` and
``round_trip`` (what the checks compute from model outputs).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from mtqa.backends.cache import OutputCache, open_cache
from mtqa.backends.registry import ModelSpec, Registry, load_registry
from mtqa.backends.store import ResolvedModel, hub_offline, resolve, resolve_or_pull
from mtqa.errors import ConfigError, ModelUnavailable

__all__ = ["BoundModel", "ModelSpec", "Models", "Registry", "load_registry"]


class BoundModel:
    """A model's exact identity plus its runner, loaded only when the cache cannot answer."""

    def __init__(self, resolved: ResolvedModel, cache: OutputCache | None) -> None:
        self.resolved = resolved
        self.cache = cache
        self._runner: Any = None

    @property
    def runner(self) -> Any:
        from mtqa.backends.loader import load

        if self._runner is None:
            self._runner = load(self.resolved)
        return self._runner

    @property
    def ref(self) -> str:
        return self.resolved.ref

    @property
    def backend(self) -> str:
        return self.resolved.backend

    @property
    def model_id(self) -> str:
        """The registry id: the same for the hub's copy and one converted from an offline source."""
        return self.resolved.spec.id

    def settings(self) -> dict[str, Any]:
        from mtqa.backends.loader import output_settings

        return output_settings(self.resolved)

    def _map(self, texts: Sequence[str], method: str) -> list[Any]:
        if not texts:
            return []

        def compute(missing: list[str]) -> list[Any]:
            return getattr(self.runner, method)(missing)

        if self.cache is None:
            return compute(list(texts))
        model = self.resolved.name or self.resolved.spec.id  # the package, for a converted wheel or a program's pair
        return self.cache.cached_map(model, self.resolved.revision, self.settings(), texts, compute)

    def translate(self, texts: Sequence[str]) -> list[str]:
        return self._map(texts, "translate")

    def token_logprobs(self, texts: Sequence[str]) -> list[list[tuple[int, int, float]]]:
        return [[tuple(t) for t in row] for row in self._map(texts, "token_logprobs")]  # type: ignore[misc]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._map(texts, "embed")

    def token_stats(self, items: Sequence[tuple[str, str]], context_tokens: int, top_k: int) -> list[list[Any]]:
        """The LM's ``token_stats`` of (context, text) pairs, cached by both texts and the two settings."""
        if not items:
            return []
        keys = [json.dumps(item, ensure_ascii=False) for item in items]

        def compute(missing: list[str]) -> list[Any]:
            return self.runner.token_stats([tuple(json.loads(k)) for k in missing], context_tokens, top_k)

        if self.cache is None:
            return compute(keys)
        settings = {**self.settings(), "context_tokens": context_tokens, "top_k": top_k}
        return self.cache.cached_map(self.resolved.spec.id, self.resolved.revision, settings, keys, compute)


class Models:
    """Role lookup for checks: resolve (never download unless allowed), load once, cache."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or load_registry()
        self.cache = open_cache()

    def bind(self, spec: ModelSpec) -> BoundModel:
        resolved = resolve_or_pull(spec, auto_download=bool(self.registry.settings.get("auto_download")))
        return BoundModel(resolved, self.cache)

    def memo(self, signature: str, texts: Sequence[str], compute: Callable[[list[str]], list[Any]]) -> list[Any]:
        """Results derived from model outputs (scores), cached per text under the check's signature."""
        if self.cache is None:
            return compute(list(texts))
        return self.cache.cached_map("derived", signature, {}, texts, compute)

    def spec(self, role: str) -> ModelSpec:
        """The role's spec; a role nobody registered is a skip (ModelUnavailable), not a crash."""
        try:
            if role.startswith("translate:"):
                src, tgt = role.split(":", 1)[1].split("-", 1)
                return self.registry.translate(src, tgt)
            return self.registry.get(role)
        except ConfigError as exc:
            raise ModelUnavailable(str(exc), f"add [roles.\"{role}\"] to the file named by MTQA_REGISTRY") from None

    @property
    def downloads_allowed(self) -> bool:
        """Whether a missing hub model may be fetched now (``auto_download``, and the hub not switched off)."""
        return bool(self.registry.settings.get("auto_download")) and not hub_offline()

    def installed(self, role: str) -> bool:
        """Whether the role runs without a download: its model, or its offline source, is on this machine."""
        try:
            spec = self.spec(role)
        except ModelUnavailable:
            return False
        return resolve(spec) is not None

    def missing(self, role: str) -> ModelUnavailable | None:
        """Why the role cannot run without a download (with the command that installs it); None when it can.

        Decided from the files and programs on this machine: nothing is loaded or downloaded.
        """
        try:
            resolve_or_pull(self.spec(role), auto_download=False)
        except ModelUnavailable as exc:
            return exc
        return None

    def translator(self, src: str, tgt: str) -> BoundModel:
        return self.bind(self.spec(f"translate:{src}-{tgt}"))

    def lm(self, lang: str) -> BoundModel:
        return self.bind(self.spec(f"lm:{lang}"))

    def embedder(self) -> BoundModel:
        return self.bind(self.spec("embed"))
