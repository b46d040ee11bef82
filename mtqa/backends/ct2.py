"""The CTranslate2 backend: Marian/M2M100/NLLB translation with int8 weights on CPU.

The model is converted from the same safetensors checkpoint the transformers backend loads,
once (on ``mtqa models pull`` or first use), into ``<cache>/ct2/<model>-<revision>-<quant>``.
It answers through the same interface as ``HFTranslator``: ``translate(texts)``,
``calls``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mtqa.backends.batching import BatchedRunner, target_language_token
from mtqa.backends.cache import cache_dir
from mtqa.backends.runtime import quiet_transformers, thread_count
from mtqa.backends.store import ResolvedModel
from mtqa.extras import require


def _quantization(settings: dict[str, Any], device: str) -> str:
    return str(settings.get("compute_type") or ("int8" if device == "cpu" else "int8_float16"))


def converted_dir(resolved: ResolvedModel, quantization: str) -> Path:
    base = cache_dir() or Path(tempfile.gettempdir()) / "mtqa"
    slug = re.sub(r"[^\w.-]+", "-", resolved.spec.id).strip("-")
    return base / "ct2" / f"{slug}-{resolved.revision.replace(':', '-')}-{quantization}"


def convert(resolved: ResolvedModel, device: str = "cpu") -> Path:
    """Convert the checkpoint once; a finished conversion is reused (written atomically)."""
    ctranslate2 = require("ctranslate2", "models")
    require("torch", "models")  # the converter loads the checkpoint with transformers, on torch
    quiet_transformers()
    quantization = _quantization(resolved.spec.settings, device)
    target = converted_dir(resolved, quantization)
    if (target / "model.bin").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            converter = ctranslate2.converters.TransformersConverter(str(resolved.path), trust_remote_code=False)
            converter.convert(str(staging / "model"), quantization=quantization, force=True)
        try:
            os.replace(staging / "model", target)
        except OSError:  # another process finished first: use its conversion
            if not (target / "model.bin").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


class CT2Translator(BatchedRunner):
    """Translation with ``ctranslate2.Translator``; tokenisation by the model's own tokenizer."""

    backend = "ctranslate2"

    def __init__(self, model: ResolvedModel) -> None:
        super().__init__(model)
        ctranslate2 = require("ctranslate2", "models")
        require("sentencepiece", "models")  # the vocabularies of Marian and M2M100
        transformers = require("transformers", "models")
        device = str(self.settings.get("device", "auto"))
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        self.device = device
        self.compute_type = _quantization(self.settings, device)
        self.translator = ctranslate2.Translator(
            str(convert(model, device)), device=device, compute_type=self.compute_type,
            intra_threads=thread_count(self.settings.get("threads", 0)),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(model.path), trust_remote_code=False)
        spec = model.spec
        self.prefix: list[str] | None = None
        if spec.multilingual:
            self.tokenizer.src_lang = spec.src_lang
            self.prefix = [target_language_token(self.tokenizer, str(spec.tgt_lang))]
        self.beam_size = int(self.settings.get("num_beams", 1))
        self.fixed_new_tokens = self.settings.get("fixed_new_tokens")

    def translate(self, texts: Sequence[str]) -> list[str]:
        return self.split_map(texts, self._translate)

    def _translate(self, batch: list[str]) -> list[str]:
        self.calls += len(batch)
        tokens = [self.tokenizer.convert_ids_to_tokens(self.tokenizer(text)["input_ids"]) for text in batch]
        if self.fixed_new_tokens:
            limits = {"max_decoding_length": int(self.fixed_new_tokens), "min_decoding_length": int(self.fixed_new_tokens)}
        else:
            longest = max(len(t) for t in tokens)
            limits = {"max_decoding_length": min(2 * longest + 10, 2 * self.max_tokens)}
        results = self.translator.translate_batch(
            tokens,
            beam_size=self.beam_size,
            target_prefix=[self.prefix] * len(batch) if self.prefix else None,
            **limits,
        )
        outputs = []
        for result in results:
            ids = self.tokenizer.convert_tokens_to_ids(result.hypotheses[0])
            outputs.append(self.tokenizer.decode(ids, skip_special_tokens=True).strip())
        return outputs
