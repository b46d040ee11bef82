"""The detector (and the QE model, ``mtqa.qe.onnx_runtime``) on onnxruntime: the numpy
network's graph, built from the shipped safetensors.

The graph (``onnx_graph``) is written once per weights and setting, optionally int8-quantised
(dynamic quantisation of the encoder's matrix products), and kept as an ``.onnx`` file under
mtqa's cache (``<cache>/detector-onnx``, ``<cache>/qe-onnx``; the system's temporary folder
when the cache is off),
so that later processes only open it: building imports ``onnx`` and takes seconds, opening
takes a fraction of one. The file name holds the weights' sha256, the encoder config, the
graph version, the setting and the onnxruntime version, so no other model or quantiser is
ever read from it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mtqa.detector.tokens import Batch

if TYPE_CHECKING:
    from mtqa.detector.onnx_graph import Heads

GRAPH_VERSION = 1  # bump when onnx_graph writes a different graph


def cache_folder(kind: str = "detector") -> Path:
    """Where built graphs of a kind of model are kept (as the CTranslate2 conversions are: the
    cache, else the temp folder)."""
    from mtqa.backends.cache import cache_dir

    return (cache_dir() or Path(tempfile.gettempdir()) / "mtqa") / f"{kind}-onnx"


def graph_path(directory: Path, weights_sha256: str, int8: bool, kind: str = "detector") -> Path:
    """The cached graph of the model in ``directory`` with these weights and setting."""
    import onnxruntime

    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    key = json.dumps([weights_sha256, config["encoder"], GRAPH_VERSION, int8, onnxruntime.__version__], sort_keys=True)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return cache_folder(kind) / f"{weights_sha256[:12]}-{digest}-{'int8' if int8 else 'fp32'}.onnx"


def build_graph(directory: Path, target: Path, int8: bool, heads: Heads | None = None) -> None:
    """Write the graph of the model in ``directory`` (default: a detector) to ``target``
    (atomically: a process reading the cache never sees half a file, and two building at once
    both succeed). Weights without a word-embedding matrix (QE) read the looked-up rows."""
    from mtqa.detector import onnx_graph
    from mtqa.detector.runtime import load_weights

    heads = heads or onnx_graph.DETECTOR
    weights, config = load_weights(directory)
    model = onnx_graph.build(weights, config["encoder"], heads)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=target.name + ".", dir=target.parent)
    os.close(handle)
    try:
        if int8:
            _quantise(model, staging, heads.linear_heads)
        else:
            Path(staging).write_bytes(model.SerializeToString())
        os.replace(staging, target)
    finally:
        Path(staging).unlink(missing_ok=True)


def _quantise(model: Any, target: str, heads: tuple[str, ...]) -> None:  # noqa: ANN401 - an onnx.ModelProto
    """int8 dynamic quantisation of the encoder's matrix products with constant weights.

    Weights per output channel (per tensor, dev probabilities moved twice as far); the heads
    stay float32: they are 0.1 % of the work and give the calibrated probabilities.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    root.addFilter(_not_quantiser_advice)  # it logs "consider pre-processing" on the root logger
    try:
        quantize_dynamic(model, target, op_types_to_quantize=["MatMul"], weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=list(heads), extra_options={"MatMulConstBOnly": True})
    finally:
        root.removeFilter(_not_quantiser_advice)


def _not_quantiser_advice(record: logging.LogRecord) -> bool:
    """A check never prints: the quantiser's advice to pre-process its input is dropped."""
    return "pre-processing before quantization" not in str(record.msg)


class OnnxSession:
    """An onnxruntime session over a built graph.

    ``threads`` is onnxruntime's intra-op pool: 1 where the caller runs a scoring thread per core
    (``infer.LoadedDetector``), as numpy's BLAS is limited there; ``run`` is thread-safe.
    """

    def __init__(self, path: Path, threads: int = 1) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about initialisers the optimiser folded away
        self.path = path
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    @classmethod
    def cached(cls, directory: Path, weights_sha256: str, int8: bool, threads: int = 1, kind: str = "detector",
               heads: Heads | None = None) -> Any:  # noqa: ANN401 - an instance of cls
        """The cached graph of the model in ``directory``, built first if it is not there."""
        path = graph_path(directory, weights_sha256, int8, kind)
        if not path.is_file():
            build_graph(directory, path, int8, heads)
        return cls(path, threads)


class OnnxDetector(OnnxSession):
    """The detector graph; called like ``NumpyDetector``."""

    @classmethod
    def load(cls, directory: Path, weights_sha256: str, int8: bool, threads: int = 1) -> OnnxDetector:
        return cls.cached(directory, weights_sha256, int8, threads)

    def __call__(self, batch: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Word BAD logits, sentence outputs (DA z, HTER) and pattern logits, as ``NumpyDetector``."""
        feeds: dict[str, Any] = {"ids": batch.ids, "mask": batch.mask, "first": batch.first}
        words, sentence, patterns = self.session.run(None, feeds)
        return words, sentence, patterns
