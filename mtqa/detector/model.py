"""The detector network: a BERT encoder, a word head (BAD logit per word), a pattern head
(error-type logits per word) and a sentence head.

The encoder is written here in plain torch, with the parameter names of Hugging Face's
``BertModel`` so that the all-MiniLM-L6-v2 weights load as they are (importing transformers
costs seconds per process). Training and export use this module; the check runs the same
network in numpy (``mtqa.detector.runtime``).

Words are pooled by their first sub-token; the sentence is the mean of all sub-tokens (the
pooling the base model was trained with). The sentence head predicts two numbers: the DA
z-score (higher = better) and HTER (higher = worse).

The word head learns MLQE-PE's human tags, which mark much that a reader of fluent English
cannot see (and so it flags some fluent words too). The pattern head learns only from clean
sentences and synthetic errors of known type (``corruptions.PATTERNS``; class 0 = no error):
it names the kind of error and, having never seen a noisy tag, stays quiet on fluent text.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from mtqa.detector.corruptions import PATTERNS
from mtqa.detector.runtime import CONFIG, WEIGHTS
from mtqa.detector.tokens import TOKENIZER_FILES, Batch



@dataclass
class EncoderConfig:
    """The BERT hyper-parameters (the keys of a Hugging Face BERT ``config.json``)."""

    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EncoderConfig:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class _Embeddings(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=0)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, ids: torch.Tensor, types: torch.Tensor | None = None) -> torch.Tensor:
        positions = self.position_embeddings.weight[: ids.shape[1]]
        kinds = self.token_type_embeddings.weight[0] if types is None else self.token_type_embeddings(types)
        x = self.word_embeddings(ids) + positions[None] + kinds
        return self.dropout(self.LayerNorm(x))


class _SelfAttention(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.heads = c.num_attention_heads
        self.dropout = c.attention_probs_dropout_prob
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape

        def split(tensor: torch.Tensor) -> torch.Tensor:
            return tensor.view(b, t, self.heads, h // self.heads).transpose(1, 2)

        out = F.scaled_dot_product_attention(
            split(self.query(x)), split(self.key(x)), split(self.value(x)),
            attn_mask=mask[:, None, None, :], dropout_p=self.dropout if self.training else 0.0,
        )
        return out.transpose(1, 2).reshape(b, t, h)


class _Output(nn.Module):
    """Dense, dropout, residual, LayerNorm (BERT's "output" blocks)."""

    def __init__(self, c: EncoderConfig, inner: int) -> None:
        super().__init__()
        self.dense = nn.Linear(inner, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class _Attention(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.add_module("self", _SelfAttention(c))  # HF's parameter name
        self.output = _Output(c, c.hidden_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.output(self._modules["self"](x, mask), x)


class _Intermediate(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(x))


class _Layer(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _Output(c, c.intermediate_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class Encoder(nn.Module):
    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.embeddings = _Embeddings(c)
        self.encoder = nn.ModuleDict({"layer": nn.ModuleList(_Layer(c) for _ in range(c.num_hidden_layers))})

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor | None = None) -> torch.Tensor:
        """Hidden states; ``types`` are the token-type ids (None: all 0, a single text)."""
        x = self.embeddings(ids, types)
        for layer in self.encoder["layer"]:
            x = layer(x, mask)
        return x


class EncoderModel(nn.Module):
    """A BERT encoder (``bert``) and heads; subclasses add the heads."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.bert = Encoder(config)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def truncate(self, layers: int) -> None:
        """Keep only the first ``layers`` encoder layers."""
        kept = self.bert.encoder["layer"][:layers]
        self.bert.encoder["layer"] = nn.ModuleList(kept)
        self.config.num_hidden_layers = len(kept)


class Detector(EncoderModel):
    def __init__(self, config: EncoderConfig) -> None:
        super().__init__(config)
        h = config.hidden_size
        self.word_head = nn.Linear(h, 1)
        self.pattern_head = nn.Linear(h, 1 + len(PATTERNS))
        self.sentence_head = nn.Sequential(nn.Linear(h, h), nn.Tanh(), nn.Linear(h, 2))

    def freeze(self, layers: int) -> None:
        """Stop training the embeddings and the first ``layers`` layers (no backward through them)."""
        for parameter in self.bert.embeddings.parameters():
            parameter.requires_grad = False
        for layer in self.bert.encoder["layer"][:layers]:
            for parameter in layer.parameters():
                parameter.requires_grad = False

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor, first: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Word BAD logits (batch, words), sentence outputs (batch, 2: DA z, HTER) and pattern
        logits (batch, words, 1 + len(PATTERNS)).

        ``first`` holds each word's first sub-token position (0 for padding words).
        """
        hidden = self.bert(ids, mask)
        words = self.dropout(hidden.gather(1, first[..., None].expand(-1, -1, hidden.shape[-1])))
        weights = mask[..., None].to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)
        sentence = self.sentence_head(self.dropout(pooled))
        return self.word_head(words).squeeze(-1), sentence, self.pattern_head(words)


def cpu_has_bf16() -> bool:
    """True where the CPU computes bf16 natively (AVX512-BF16 or AMX); elsewhere autocast is slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def torch_forward(model: Detector, bf16: bool | None = None):  # noqa: ANN201 - mtqa.detector.infer.Forward
    """``model`` as a forward pass over numpy batches, for ``mtqa.detector.infer.predict``."""
    if bf16 is None:
        bf16 = cpu_has_bf16()

    def forward(batch: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        model.eval()
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            outputs = model(*to_torch(batch)[:3])
        return tuple(output.float().numpy() for output in outputs)

    return forward


def to_torch(batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """ids, mask, first and word_mask as tensors (sharing the numpy memory)."""
    return tuple(torch.from_numpy(a) for a in (batch.ids, batch.mask, batch.first, batch.word_mask))


def save(model: Detector, directory: Path, tokenizer_dir: Path, settings: dict[str, Any]) -> None:
    """Write fp16 safetensors, config (encoder + ``settings``) and the tokenizer files."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(directory / WEIGHTS), metadata={"format": "pt"})
    config = {"architecture": "mtqa-detector", "encoder": asdict(model.config), "patterns": list(PATTERNS), **settings}
    (directory / CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name in TOKENIZER_FILES:
        if (tokenizer_dir / name).is_file() and tokenizer_dir != directory:
            shutil.copyfile(tokenizer_dir / name, directory / name)


def from_pretrained_encoder(directory: Path) -> Detector:
    """A fresh detector whose encoder holds a Hugging Face BERT checkpoint's weights."""
    from safetensors.torch import load_file

    config = EncoderConfig.from_dict(json.loads((directory / "config.json").read_text(encoding="utf-8")))
    model = Detector(config)
    state = {k: v for k, v in load_file(str(directory / WEIGHTS)).items() if not k.startswith("pooler.")}
    state.pop("embeddings.position_ids", None)
    missing, unexpected = model.bert.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"{directory}: not a BERT checkpoint (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model
