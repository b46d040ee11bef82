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

# a scored token: char start, char end, log-probability, entropy (nats), the likeliest tokens as text
TokenStat = tuple[int, int, float, float, list[str]]


class TorchRunner(BatchedRunner):
    """A transformers network and its tokenizer, on the configured device.

    ``auto_model`` names the transformers class, looked up only once torch is known to be
    installed (else: a skip naming the pip command).

    The weights load in the ``dtype`` setting (auto: see ``select_dtype``), or in
    ``fixed_dtype`` when the runner needs one ("stored": as the checkpoint stores them).
    """

    def __init__(self, model: ResolvedModel, auto_model: str, fixed_dtype: str | None = None) -> None:
        super().__init__(model)
        torch = require("torch", "models")
        transformers = require("transformers", "models")
        quiet_transformers()
        set_threads(int(self.settings.get("threads", 0)))
        self.device = select_device(str(self.settings.get("device", "auto")))
        preference = str(self.settings.get("dtype", "auto"))
        if fixed_dtype == "stored":
            dtype: Any = "auto"
        else:
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
        self.positions = int(positions)
        self._pieces: dict[int, str] = {}
        self.max_tokens = min(self.max_tokens, self.positions - 1)

    def token_logprobs(self, texts: Sequence[str]) -> list[list[tuple[int, int, float]]]:
        """Per text: (char start, char end, natural-log probability) of every token, without context."""
        rows = self.token_stats([("", text) for text in texts], context_tokens=0, top_k=0)
        return [[(start, end, logprob) for start, end, logprob, _, _ in row] for row in rows]

    def token_stats(self, items: Sequence[tuple[str, str]], context_tokens: int, top_k: int) -> list[list[TokenStat]]:
        """Per (context, text): every token of ``text`` as (char start, char end, log-probability,
        entropy of the model's distribution there in nats, its ``top_k`` likeliest next tokens).

        The text is conditioned on the beginning-of-text token and the last ``context_tokens``
        tokens of ``context`` (capped so that context and window fit the model's positions),
        which are read but not scored. Texts longer than ``max_tokens`` are scored window by
        window, each window reading the tokens before it as its context: never truncated.
        """
        budget = max(0, min(context_tokens, self.positions - 1 - self.max_tokens))
        windows: list[tuple[int, list[int], list[int], list[tuple[int, int]]]] = []  # item, prefix, ids, offsets
        for index, (context, text) in enumerate(items):
            before = self.tokenizer(context, add_special_tokens=False)["input_ids"] if context and budget else []
            encoded = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
            ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
            for start in range(0, max(len(ids), 1), self.max_tokens):
                prefix = ([*before, *ids[:start]][-budget:]) if budget else []
                windows.append((index, prefix, ids[start : start + self.max_tokens], offsets[start : start + self.max_tokens]))
        scored = by_length(
            [(w[1], w[2]) for w in windows], self.batch_size, lambda batch: self._score(batch, top_k), size=_window_size
        )
        results: list[list[TokenStat]] = [[] for _ in items]
        for (index, _, _, offsets), stats in zip(windows, scored, strict=True):
            results[index].extend((int(s), int(e), *stat) for (s, e), stat in zip(offsets, stats, strict=True))
        return results

    def _score(self, batch: list[tuple[list[int], list[int]]], top_k: int) -> list[list[tuple[float, float, list[str]]]]:
        torch = self._torch
        self.calls += len(batch)
        bos = self.tokenizer.bos_token_id if self.tokenizer.bos_token_id is not None else self.tokenizer.eos_token_id
        width = max(len(prefix) + len(ids) for prefix, ids in batch) + 1
        pad = self.tokenizer.pad_token_id
        input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, (prefix, ids) in enumerate(batch):
            seq = [bos, *prefix, *ids]
            input_ids[row, width - len(seq) :] = torch.tensor(seq)
            mask[row, width - len(seq) :] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        scored = max(len(ids) for _, ids in batch)  # only the last positions are scored: no logits for the context
        # The logits of a whole batch of long windows are most of a run's memory (16 × 257 positions ×
        # a 49k vocabulary is 400 MB in bf16): rows go through the network a few at a time, so that
        # one pass's logits stay within LOGITS_BYTES.
        row_bytes = (scored + 1) * self.net.config.vocab_size * torch.finfo(self.net.dtype).bits // 8
        step = max(1, LOGITS_BYTES // row_bytes)
        results = []
        with torch.inference_mode():
            for first in range(0, len(batch), step):
                rows = slice(first, first + step)
                logits = self.net(  # logits only where tokens are scored: none for the context
                    input_ids=input_ids[rows].to(self.device),
                    attention_mask=mask[rows].to(self.device),
                    position_ids=positions[rows].to(self.device),
                    logits_to_keep=scored + 1,
                ).logits[:, :-1]
                for row, (_, ids) in enumerate(batch[rows]):  # a float32 copy of one row's logits at a time
                    logprobs = torch.log_softmax(logits[row, scored - len(ids) :].float(), dim=-1)
                    chosen = logprobs.gather(-1, input_ids[first + row, width - len(ids) :, None].to(self.device))
                    entropy = (-(logprobs.exp() * logprobs).sum(-1)).tolist()
                    top = logprobs.topk(top_k, dim=-1).indices.tolist() if top_k else [[] for _ in ids]
                    words = [[self._piece(t) for t in tokens] for tokens in top]
                    results.append(list(zip(chosen[..., 0].tolist(), entropy, words, strict=True)))
                del logits
        return results

    def _piece(self, token: int) -> str:
        """A token as text ("▁invasion" and "Ġinvasion" both come out as " invasion"), decoded once."""
        if token not in self._pieces:
            self._pieces[token] = str(self.tokenizer.decode([token], clean_up_tokenization_spaces=False))
        return self._pieces[token]


LOGITS_BYTES = 64 * 2**20


def _window_size(window: tuple[list[int], list[int]]) -> int:
    return len(window[0]) + len(window[1])


class HFEmbedder(TorchRunner):
    """Sentence embeddings: mean of the last hidden states over real tokens, L2-normalised.

    The ``prefix`` setting goes before every text: E5 models were trained with ``"query: "`` and
    ``"passage: "`` inputs and drift without one; alignment and similarity compare passages.
    Always computed in float32: cosines meet fixed thresholds, and a half-precision checkpoint
    (the converted E5S1 model is fp16 on disk) would otherwise run in fp16.
    """

    def __init__(self, model: ResolvedModel) -> None:
        super().__init__(model, "AutoModel", fixed_dtype="stored")
        self._float32_but_the_vocabulary()
        self.prefix = str(self.settings.get("prefix", ""))
        limit = getattr(self.net.config, "max_position_embeddings", 512)
        prefix_tokens = len(self.tokenizer(self.prefix, add_special_tokens=False)["input_ids"]) if self.prefix else 0
        self.max_tokens = min(self.max_tokens, int(limit) - 2) - prefix_tokens

    def _float32_but_the_vocabulary(self) -> None:
        """Every weight in float32 but the input embedding matrix, which stays as stored and is
        widened per token looked up: the numbers of an all-float32 model (widening is exact) in
        far less memory where the matrix is most of the model (e5's 250k × 384 is 96M of 118M
        parameters: 192 MB in fp16 instead of 384 MB, and no float32 copy while loading)."""
        torch = self._torch
        vocabulary = self.net.get_input_embeddings()
        for module in self.net.modules():
            if module is vocabulary:
                continue
            for tensor in [*module.parameters(recurse=False), *module.buffers(recurse=False)]:
                if tensor.is_floating_point():
                    tensor.data = tensor.data.to(torch.float32)
        vocabulary.register_forward_hook(lambda _module, _inputs, output: output.to(torch.float32))

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
