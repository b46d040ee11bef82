"""The transformers backend: translate, score tokens and embed with torch models.

Every runner loads with ``from_pretrained(..., use_safetensors=True,
trust_remote_code=False)`` from a directory ``store.resolve`` found, so hub models and the
tiny test models go through the same code. torch and transformers are imported when a runner
is built, never when this module is.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from mtqa.backends.batching import BatchedRunner, by_length, target_language_token
from mtqa.backends.runtime import quiet_transformers, select_device, select_dtype, set_threads
from mtqa.backends.store import ResolvedModel
from mtqa.backends.vectors import unit_vector
from mtqa.extras import require


class TorchRunner(BatchedRunner):
    """A transformers network and its tokenizer, on the configured device.

    ``auto_model`` names the transformers class, looked up only once torch is known to be
    installed (else: a skip naming the pip command).

    The weights load in the ``dtype`` setting (auto: see ``select_dtype``), or in
    ``fixed_dtype`` when the runner needs one.
    """

    def __init__(self, model: ResolvedModel, auto_model: str, fixed_dtype: str | None = None) -> None:
        super().__init__(model)
        torch = require("torch", "models")
        transformers = require("transformers", "models")
        quiet_transformers()
        set_threads(int(self.settings.get("threads", 0)))
        self.device = select_device(str(self.settings.get("device", "auto")))
        preference = str(self.settings.get("dtype", "auto"))
        dtype = getattr(torch, fixed_dtype) if fixed_dtype else select_dtype(preference, self.device)
        path = str(model.path)
        with warnings.catch_warnings():  # Marian's "Recommended: pip install sacremoses"
            warnings.simplefilter("ignore")
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, trust_remote_code=False)
        network = getattr(transformers, auto_model)
        self.net = network.from_pretrained(path, use_safetensors=True, trust_remote_code=False, dtype=dtype)
        self.net = self.net.to(self.device)
        self.net.eval()
        self._torch = torch


class HFTranslator(TorchRunner):
    """Seq2seq translation with transformers ``generate`` (Marian, M2M100, NLLB)."""

    backend = "hf"

    def __init__(self, model: ResolvedModel) -> None:
        require("sentencepiece", "models")  # the vocabularies of Marian and M2M100
        super().__init__(model, "AutoModelForSeq2SeqLM")
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


class HFLanguageModel(TorchRunner):
    """A causal LM's log-probability of every token, with the token's character span."""

    def __init__(self, model: ResolvedModel) -> None:
        super().__init__(model, "AutoModelForCausalLM")
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


class HFEmbedder(TorchRunner):
    """Sentence embeddings: mean of the last hidden states over real tokens, L2-normalised.

    The ``prefix`` setting goes before every text: E5 models were trained with ``"query: "`` and
    ``"passage: "`` inputs and drift without one; alignment and similarity compare passages.
    Always float32: cosines meet fixed thresholds, and a half-precision checkpoint (the
    converted E5S1 model is fp16 on disk) would otherwise run in fp16.
    """

    def __init__(self, model: ResolvedModel) -> None:
        super().__init__(model, "AutoModel", fixed_dtype="float32")
        self.prefix = str(self.settings.get("prefix", ""))
        limit = getattr(self.net.config, "max_position_embeddings", 512)
        prefix_tokens = len(self.tokenizer(self.prefix, add_special_tokens=False)["input_ids"]) if self.prefix else 0
        self.max_tokens = min(self.max_tokens, int(limit) - 2) - prefix_tokens

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit vector per text; over-long texts are embedded in pieces and averaged."""
        pieces, owners = self.pieces(texts)
        vectors = by_length([self.prefix + piece for piece in pieces], self.batch_size, self._embed)
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
