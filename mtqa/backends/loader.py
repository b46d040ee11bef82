"""Which runner a model gets, loaded once per process, and the settings that change its outputs."""

from __future__ import annotations

import json
from typing import Any

from mtqa.backends.apertium import ApertiumTranslator
from mtqa.backends.ct2 import CT2Translator
from mtqa.backends.hf import HFEmbedder, HFLanguageModel, HFTranslator
from mtqa.backends.store import ResolvedModel

_LOADED: dict[tuple[str, ResolvedModel, str], Any] = {}


def output_settings(model: ResolvedModel) -> dict[str, Any]:
    """Everything besides the model and the text that changes a model's outputs.

    Part of every cache key. Computed from the settings alone, without loading the model
    (or torch), so a fully cached re-check starts no model at all.
    """
    spec = model.spec
    settings = spec.settings
    common = {"op": spec.kind, "max_tokens": int(settings.get("max_tokens", 256)), "dtype": settings.get("dtype", "auto")}
    if spec.kind == "embed":
        return {**common, "prefix": settings.get("prefix", "")}
    if spec.kind != "translate":
        return common
    if model.program:  # no tokens, no dtype: the pair is all that changes the output
        return {"op": "translate", "backend": model.backend, "pair": model.program.pair}
    return {
        **common,
        "backend": spec.backend,
        "beams": int(settings.get("num_beams", 1)),
        "src": spec.src_lang,
        "tgt": spec.tgt_lang,
        "fixed_new_tokens": settings.get("fixed_new_tokens"),
        "compute_type": settings.get("compute_type", "auto") if spec.backend == "ctranslate2" else None,
    }


def _build(model: ResolvedModel) -> Any:
    kind = model.spec.kind
    if kind == "translate" and model.program:
        return ApertiumTranslator(model)
    if kind == "translate":
        return CT2Translator(model) if model.spec.backend == "ctranslate2" else HFTranslator(model)
    if kind == "lm":
        return HFLanguageModel(model)
    if kind == "embed":
        return HFEmbedder(model)
    raise ValueError(f"unknown model kind {kind!r}")


def load(model: ResolvedModel) -> Any:
    """The runner for a resolved model, loaded once per process and shared by all checks."""
    key = (model.spec.kind, model, json.dumps(model.spec.settings, sort_keys=True, default=str))
    if key not in _LOADED:
        _LOADED[key] = _build(model)
    return _LOADED[key]
