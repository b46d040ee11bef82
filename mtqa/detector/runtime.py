"""The detector's forward pass in numpy, so that the check runs without importing torch.

Importing torch costs about two seconds per process, more than the whole rules check of an
article; the model is small enough (4-6 layers of 384) for numpy's BLAS. The maths mirrors
``mtqa.detector.model.Detector`` in eval mode (no dropout), in float32, and a test holds the
two to the same outputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from mtqa.detector.tokens import Batch

WEIGHTS = "model.safetensors"
CONFIG = "config.json"

# Abramowitz & Stegun 7.1.26: erf to within 1.5e-7, enough for float32 GELU.
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(np.float32(a) for a in (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429))


_BLOCK_ROWS = 128  # rows of the (tokens, 1536) activations that stay in the CPU cache


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as torch's default: 0.5·x·(1 + erf(x/√2)).

    Element-wise numpy work is single-threaded and makes a pass over memory per step; with BLAS
    doing the matrix products on all cores, it was half the forward pass. In-place steps on
    cache-sized blocks make it three times faster.
    """
    flat = x.reshape(-1, x.shape[-1])
    out = np.empty_like(flat)
    for begin in range(0, len(flat), _BLOCK_ROWS):
        out[begin : begin + _BLOCK_ROWS] = _gelu_block(flat[begin : begin + _BLOCK_ROWS])
    return out.reshape(x.shape)


def _gelu_block(x: np.ndarray) -> np.ndarray:
    z = x * np.float32(0.7071067811865476)
    a = np.abs(z)
    t = a * _ERF_P
    t += 1
    np.reciprocal(t, out=t)
    a1, a2, a3, a4, a5 = _ERF_A
    poly = t * a5
    for coefficient in (a4, a3, a2, a1):
        poly += coefficient
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # 1 - erf(|z|)
    np.subtract(1, poly, out=poly)  # erf(|z|)
    np.copysign(poly, z, out=poly)  # erf(z)
    poly += 1
    poly *= x
    poly *= np.float32(0.5)
    return poly


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


def load_weights(directory: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """A shipped folder's weights as the forward pass uses them (``prepare_weights``), and its config.json.

    Safetensors only: nothing is unpickled.
    """
    from safetensors.numpy import load_file

    config = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
    weights = prepare_weights(load_file(str(directory / WEIGHTS)), int(config["encoder"]["num_hidden_layers"]))
    return weights, config


def prepare_weights(stored: dict[str, np.ndarray], layers: int) -> dict[str, np.ndarray]:
    """float32; matrices as ``(in, out)`` for ``x @ W``; each layer's query, key and value as one
    matrix (one product instead of three). Embedding tables are left as they are."""
    weights = {k: v.astype(np.float32) for k, v in stored.items()}
    for key in [k for k in weights if k.endswith(".weight") and weights[k].ndim == 2]:
        if "embeddings" not in key:
            weights[key] = np.ascontiguousarray(weights[key].T)
    for i in range(layers):
        name = f"bert.encoder.layer.{i}.attention.self"
        for kind in ("weight", "bias"):
            parts = [weights.pop(f"{name}.{part}.{kind}") for part in ("query", "key", "value")]
            weights[f"{name}.qkv.{kind}"] = np.concatenate(parts, axis=-1)
    return weights


class NumpyEncoder:
    """A BERT encoder's forward pass in numpy (float32), over weights named as ``Encoder``'s under ``bert.``."""

    def __init__(self, weights: dict[str, np.ndarray], encoder: dict[str, Any]) -> None:
        self.w = weights
        self.heads = int(encoder["num_attention_heads"])
        self.layers = int(encoder["num_hidden_layers"])
        self.eps = float(encoder.get("layer_norm_eps", 1e-12))

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        weight = self.w[f"{name}.weight"]
        flat = x.reshape(-1, x.shape[-1]) @ weight  # one BLAS call (numpy loops over a 3-D batch)
        flat += self.w[f"{name}.bias"]
        return flat.reshape(*x.shape[:-1], weight.shape[1])

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)

    def _attention(self, x: np.ndarray, bias: np.ndarray, name: str) -> np.ndarray:
        b, t, h = x.shape
        d = h // self.heads

        def split(tensor: np.ndarray) -> np.ndarray:
            return tensor.reshape(b, t, self.heads, d).transpose(0, 2, 1, 3)

        q, k, v = (split(part) for part in np.split(self._linear(x, f"{name}.qkv"), 3, axis=-1))
        scores = (q * np.float32(1 / np.sqrt(d))) @ k.transpose(0, 1, 3, 2)
        scores += bias  # softmax, in place
        scores -= scores.max(-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(-1, keepdims=True)
        return (scores @ v).transpose(0, 2, 1, 3).reshape(b, t, h)

    def hidden(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray | None = None) -> np.ndarray:
        """The last layer's hidden states (batch, sub-tokens, hidden); ``types`` None: all 0."""
        w = self.w
        t = ids.shape[1]
        kinds = w["bert.embeddings.token_type_embeddings.weight"]
        x = (w["bert.embeddings.word_embeddings.weight"][ids].astype(np.float32)
             + w["bert.embeddings.position_embeddings.weight"][:t][None]
             + (kinds[0] if types is None else kinds[types]))
        x = self._norm(x, "bert.embeddings.LayerNorm")
        bias = np.where(mask, np.float32(0), np.float32(-1e9))[:, None, None, :].astype(np.float32)
        for i in range(self.layers):
            name = f"bert.encoder.layer.{i}"
            attended = self._attention(x, bias, f"{name}.attention.self")
            x = self._norm(self._linear(attended, f"{name}.attention.output.dense") + x,
                           f"{name}.attention.output.LayerNorm")
            inner = _gelu(self._linear(x, f"{name}.intermediate.dense"))
            x = self._norm(self._linear(inner, f"{name}.output.dense") + x, f"{name}.output.LayerNorm")
        return x

    def pooled(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The mean of the sub-tokens' hidden states, as the sentence heads read them."""
        weights = mask[..., None].astype(np.float32)
        return (x * weights).sum(1) / np.maximum(weights.sum(1), 1)


class NumpyDetector(NumpyEncoder):
    """A shipped detector's weights (float32) and the forward pass over a ``Batch``."""

    @classmethod
    def load(cls, directory: Path) -> tuple[NumpyDetector, dict[str, Any]]:
        """The model and its config.json (safetensors only: nothing is unpickled)."""
        weights, config = load_weights(directory)
        return cls(weights, config["encoder"]), config

    def __call__(self, batch: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Word BAD logits (batch, words), sentence outputs (batch, 2: DA z, HTER) and pattern
        logits (batch, words, classes)."""
        x = self.hidden(batch.ids, batch.mask)
        words = np.take_along_axis(x, batch.first[..., None], axis=1)
        word_logits = self._linear(words, "word_head")[..., 0]
        pooled = self.pooled(x, batch.mask)
        sentence = self._linear(np.tanh(self._linear(pooled, "sentence_head.0")), "sentence_head.2")
        return word_logits, sentence, self._linear(words, "pattern_head")
