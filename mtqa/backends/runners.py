"""Model runners: translate, score tokens, embed; batched by length, never truncating.

Every runner loads with ``from_pretrained(..., use_safetensors=True,
trust_remote_code=False)`` from a directory ``store.resolve`` found, so hub models and the
tiny test models go through the same code. torch and transformers are imported here, inside
functions, on first use. ``calls`` counts texts that reached the model (the cache tests
read it).
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from mtqa.backends.registry import ModelSpec
from mtqa.backends.store import ResolvedModel

T = TypeVar("T")

# Where an over-long sentence may be cut, best first: clause punctuation, then any space.
_CUTS = (re.compile(r"(?<=[;:])\s+"), re.compile(r"(?<=,)\s+"), re.compile(r"\s+"))


def _cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _quiet_transformers() -> None:
    """Checks never print: no download/loading progress bars or advice from transformers."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


def select_device(preference: str = "auto") -> str:
    import torch

    if preference != "auto":
        return preference
    return "cuda" if torch.cuda.is_available() else "cpu"


def select_dtype(preference: str, device: str) -> Any:
    """bf16 on CUDA and on CPUs with native bf16 (AVX512-BF16/AMX); float32 otherwise."""
    import torch

    if preference != "auto":
        return getattr(torch, preference)
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if _cpu_has_bf16() else torch.float32


def thread_count(setting: object) -> int:
    """``MTQA_THREADS``, else the ``threads`` setting; 0 leaves the library's own choice."""
    return int(os.environ.get("MTQA_THREADS", setting) or 0)


def set_threads(threads: int) -> None:
    """``threads`` (setting or ``MTQA_THREADS``) bounds torch's intra-op pool; 0 keeps torch's."""
    import torch

    threads = thread_count(threads)
    if threads > 0 and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def split_long(text: str, count: Callable[[str], int], limit: int) -> list[str]:
    """Pieces of ``text`` of at most ``limit`` tokens, cut at clause marks, then spaces."""
    if count(text) <= limit:
        return [text]
    for pattern in _CUTS:
        cuts = [m.end() for m in pattern.finditer(text)]
        if not cuts:
            continue
        middle = min(cuts, key=lambda c: abs(c - len(text) / 2))
        left, right = text[:middle].rstrip(), text[middle:].lstrip()
        if left and right:
            return split_long(left, count, limit) + split_long(right, count, limit)
    if len(text) > 1:  # no spaces (Chinese, Japanese, a long URL): cut in the middle
        middle = len(text) // 2
        return split_long(text[:middle], count, limit) + split_long(text[middle:], count, limit)
    return [text]


def by_length(texts: Sequence[str], batch_size: int, run: Callable[[list[str]], list[T]]) -> list[T]:
    """``run`` over batches of similar length (less padding), results in input order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    results: list[T | None] = [None] * len(texts)
    for i in range(0, len(order), batch_size):
        batch = order[i : i + batch_size]
        for index, result in zip(batch, run([texts[j] for j in batch]), strict=True):
            results[index] = result
    return results  # type: ignore[return-value]


def target_language_token(tokenizer: Any, lang: str) -> str:
    """The token that starts a multilingual model's output: ``__de__`` (M2M100) or the code itself (NLLB)."""
    get = getattr(tokenizer, "get_lang_token", None)
    return str(get(lang)) if get else lang


def output_settings(spec: ModelSpec) -> dict[str, Any]:
    """Everything besides the model and the text that changes a model's outputs.

    Part of every cache key. Computed from the settings alone, without loading the model
    (or torch), so a fully cached re-check starts no model at all.
    """
    settings = spec.settings
    common = {"op": spec.kind, "max_tokens": int(settings.get("max_tokens", 256)), "dtype": settings.get("dtype", "auto")}
    if spec.kind != "translate":
        return common
    return {
        **common,
        "backend": spec.backend,
        "beams": int(settings.get("num_beams", 1)),
        "src": spec.src_lang,
        "tgt": spec.tgt_lang,
        "fixed_new_tokens": settings.get("fixed_new_tokens"),
        "compute_type": settings.get("compute_type", "auto") if spec.backend == "ctranslate2" else None,
    }


class _Runner:
    def __init__(self, model: ResolvedModel) -> None:
        self.model = model
        self.settings = model.spec.settings
        self.calls = 0
        self.batch_size = int(self.settings.get("batch_size", 16))
        self.max_tokens = int(self.settings.get("max_tokens", 256))

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=True)["input_ids"])  # type: ignore[attr-defined]

    def pieces(self, texts: Sequence[str]) -> tuple[list[str], list[int]]:
        """Every text split to fit ``max_tokens``, and the index of the text each piece came from."""
        pieces: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(texts):
            for piece in split_long(text, self.count_tokens, self.max_tokens):
                pieces.append(piece)
                owners.append(index)
        return pieces, owners

    def split_map(self, texts: Sequence[str], run: Callable[[list[str]], list[str]]) -> list[str]:
        """``run`` over length-sorted batches; over-long texts go in pieces, rejoined after."""
        pieces, owners = self.pieces(texts)
        joined: list[list[str]] = [[] for _ in texts]
        for owner, output in zip(owners, by_length(pieces, self.batch_size, run), strict=True):
            joined[owner].append(output)
        return [" ".join(parts) for parts in joined]


class _TorchRunner(_Runner):
    """A transformers network (``auto_model``) and its tokenizer, on the configured device.

    ``use_dtype`` loads the weights in the ``dtype`` setting (auto: see ``select_dtype``);
    without it they stay as saved.
    """

    def __init__(self, model: ResolvedModel, auto_model: Any, use_dtype: bool = True) -> None:
        super().__init__(model)
        import torch
        from transformers import AutoTokenizer

        _quiet_transformers()
        set_threads(int(self.settings.get("threads", 0)))
        self.device = select_device(str(self.settings.get("device", "auto")))
        options = {"dtype": select_dtype(str(self.settings.get("dtype", "auto")), self.device)} if use_dtype else {}
        path = str(model.path)
        with warnings.catch_warnings():  # Marian's "Recommended: pip install sacremoses"
            warnings.simplefilter("ignore")
            self.tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
        self.net = auto_model.from_pretrained(path, use_safetensors=True, trust_remote_code=False, **options)
        self.net = self.net.to(self.device)
        self.net.eval()
        self._torch = torch


class HFTranslator(_TorchRunner):
    """Seq2seq translation with transformers ``generate`` (Marian, M2M100, NLLB)."""

    backend = "hf"

    def __init__(self, model: ResolvedModel) -> None:
        from transformers import AutoModelForSeq2SeqLM

        super().__init__(model, AutoModelForSeq2SeqLM)
        spec = model.spec
        generation = self.net.generation_config
        generation.num_beams = int(self.settings.get("num_beams", 1))
        generation.do_sample = False
        if spec.multilingual:  # M2M100/NLLB: languages are set on the tokenizer and first token
            self.tokenizer.src_lang = spec.src_lang
            generation.forced_bos_token_id = self.tokenizer.convert_tokens_to_ids(
                target_language_token(self.tokenizer, str(spec.tgt_lang))
            )
        self.fixed_new_tokens = self.settings.get("fixed_new_tokens")

    def translate(self, texts: Sequence[str]) -> list[str]:
        """One translation per text; over-long texts are split, translated, rejoined."""
        return self.split_map(texts, self._generate)

    def _generate(self, batch: list[str]) -> list[str]:
        self.calls += len(batch)
        encoded = self.tokenizer(
            batch, return_tensors="pt", padding=True, truncation=True, max_length=self.max_tokens
        ).to(self.device)
        longest = int(encoded["input_ids"].shape[1])
        if self.fixed_new_tokens:  # benchmarks: the same amount of decoding for every backend
            limits = {"max_new_tokens": int(self.fixed_new_tokens), "min_new_tokens": int(self.fixed_new_tokens)}
        else:
            limits = {"max_new_tokens": min(2 * longest + 10, 2 * self.max_tokens)}
        with self._torch.inference_mode():
            generated = self.net.generate(**encoded, **limits)
        return [text.strip() for text in self.tokenizer.batch_decode(generated, skip_special_tokens=True)]


class HFLanguageModel(_TorchRunner):
    """A causal LM's log-probability of every token, with the token's character span."""

    def __init__(self, model: ResolvedModel) -> None:
        from transformers import AutoModelForCausalLM

        super().__init__(model, AutoModelForCausalLM)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.padding_side = "left"
        positions = getattr(self.net.config, "n_positions", None) or getattr(
            self.net.config, "max_position_embeddings", 1024
        )
        self.max_tokens = min(self.max_tokens, int(positions) - 1)

    def token_logprobs(self, texts: Sequence[str]) -> list[list[tuple[int, int, float]]]:
        """Per text: (char start, char end, natural-log probability) of every token.

        Each text is conditioned on the beginning-of-text token, so the first word is scored
        too. Texts longer than the window are scored window by window, never truncated.
        """
        windows: list[tuple[int, list[int], list[tuple[int, int]]]] = []
        for index, text in enumerate(texts):
            encoded = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
            ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
            for start in range(0, max(len(ids), 1), self.max_tokens):
                windows.append((index, ids[start : start + self.max_tokens], offsets[start : start + self.max_tokens]))
        scored = by_length([w[1] for w in windows], self.batch_size, self._score)  # type: ignore[arg-type]
        results: list[list[tuple[int, int, float]]] = [[] for _ in texts]
        for (index, _, offsets), logprobs in zip(windows, scored, strict=True):
            results[index].extend((int(s), int(e), lp) for (s, e), lp in zip(offsets, logprobs, strict=True))
        return results

    def _score(self, batch: list[list[int]]) -> list[list[float]]:
        torch = self._torch
        self.calls += len(batch)
        bos = self.tokenizer.bos_token_id if self.tokenizer.bos_token_id is not None else self.tokenizer.eos_token_id
        width = max(len(ids) for ids in batch) + 1
        pad = self.tokenizer.pad_token_id
        input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):
            seq = [bos, *ids]
            input_ids[row, width - len(seq) :] = torch.tensor(seq)
            mask[row, width - len(seq) :] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        with torch.inference_mode():
            logits = self.net(
                input_ids=input_ids.to(self.device),
                attention_mask=mask.to(self.device),
                position_ids=positions.to(self.device),
            ).logits.float()
        logprobs = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, input_ids[:, 1:, None].to(self.device))[..., 0]
        return [logprobs[row, width - 1 - len(ids) :].tolist() for row, ids in enumerate(batch)]


class HFEmbedder(_TorchRunner):
    """Sentence embeddings: mean of the last hidden states over real tokens, L2-normalised."""

    def __init__(self, model: ResolvedModel) -> None:
        from transformers import AutoModel

        super().__init__(model, AutoModel, use_dtype=False)
        limit = getattr(self.net.config, "max_position_embeddings", 512)
        self.max_tokens = min(self.max_tokens, int(limit) - 2)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit vector per text; over-long texts are embedded in pieces and averaged."""
        pieces, owners = self.pieces(texts)
        vectors = by_length(pieces, self.batch_size, self._embed)
        sums: list[list[float] | None] = [None] * len(texts)
        for owner, vector in zip(owners, vectors, strict=True):
            current = sums[owner]
            sums[owner] = vector if current is None else [a + b for a, b in zip(current, vector, strict=True)]
        return [unit_vector(v or []) for v in sums]

    def _embed(self, batch: list[str]) -> list[list[float]]:
        torch = self._torch
        self.calls += len(batch)
        encoded = self.tokenizer(batch, return_tensors="pt", padding=True, truncation=True, max_length=self.max_tokens + 2)
        encoded = encoded.to(self.device)
        with torch.inference_mode():
            hidden = self.net(**encoded).last_hidden_state.float()
        mask = encoded["attention_mask"][..., None].float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return pooled.cpu().tolist()


def unit_vector(vector: list[float]) -> list[float]:
    """``vector`` scaled to length 1 (a zero vector stays zero)."""
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of two unit vectors."""
    return float(sum(x * y for x, y in zip(a, b, strict=True)))


_LOADED: dict[tuple[str, ResolvedModel, str], Any] = {}


def _build(model: ResolvedModel) -> Any:
    kind = model.spec.kind
    if kind == "translate":
        if model.spec.backend == "ctranslate2":
            from mtqa.backends.ct2 import CT2Translator

            return CT2Translator(model)
        return HFTranslator(model)
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
