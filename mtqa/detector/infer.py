"""Scoring word lists with a detector: batched and length-sorted; no torch needed.

``predict`` takes any forward pass over a ``Batch``: the numpy or onnxruntime one of the
shipped model (the check; ``RUNTIMES``) or the torch one of a model in training
(``mtqa.detector.model.torch_forward``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from mtqa.detector import SHIPPED_NAME
from mtqa.detector.runtime import CONFIG, WEIGHTS, NumpyDetector
from mtqa.detector.tokens import Batch, encode, load_tokenizer
from mtqa.errors import ConfigError
from mtqa.extras import installed
from mtqa.signature import Signature

if TYPE_CHECKING:
    from mtqa.backends.cache import OutputCache

Forward = Callable[[Batch], tuple[np.ndarray, np.ndarray, np.ndarray]]

MAX_LENGTH = 256  # sub-tokens per sentence piece
MAX_WORDS = 100  # longer sentences are scored in pieces of this many words, never truncated
RUNTIMES = ("numpy", "onnx", "onnx-int8")
DEFAULT_RUNTIME = "numpy"  # see models/mtqa-detector-en/MODEL_CARD.md, "Runtime"
RUNTIME_VARIABLE = "MTQA_DETECTOR_RUNTIME"


# The training text (MLQE-PE) has ASCII quotes only; curly ones would look like errors.
_ASCII_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "„": '"'})


@dataclass
class Scored:
    bad: list[float]  # BAD probability per word (the word head: MLQE-PE-style tags)
    da: float  # predicted DA z-score (higher = better)
    hter: float  # predicted HTER (higher = worse)
    error: list[float]  # per word, the pattern head's probability of any known error type
    kind: list[int]  # per word, the most likely error type (an index into ``corruptions.PATTERNS``)


def predict(
    forward: Forward, tokenizer, sentences: Sequence[Sequence[str]],  # noqa: ANN001
    batch_size: int = 64, max_length: int = MAX_LENGTH,
) -> list[Scored]:
    """One ``Scored`` per word list, in input order (batches are sorted by length)."""
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    results: list[Scored | None] = [None] * len(sentences)
    for begin in range(0, len(order), batch_size):
        chunk = order[begin : begin + batch_size]
        words = [sentences[i] if sentences[i] else ["."] for i in chunk]
        batch = encode(tokenizer, words, max_length)
        logits, sentence, patterns = forward(batch)
        probs = (0.5 * (1.0 + np.tanh(0.5 * logits.astype(np.float64))) * batch.word_mask).tolist()  # sigmoid
        sentence = sentence.astype(np.float64).tolist()
        patterns = patterns.astype(np.float64)
        patterns = np.exp(patterns - patterns.max(-1, keepdims=True))
        error = (1.0 - patterns[..., 0] / patterns.sum(-1)) * batch.word_mask
        kind = patterns[..., 1:].argmax(-1)
        error, kind = error.tolist(), kind.tolist()
        for row, index in enumerate(chunk):
            n = len(sentences[index])
            results[index] = Scored(probs[row][:n], sentence[row][0], sentence[row][1], error[row][:n], kind[row][:n])
    return [r for r in results if r is not None]


class LoadedDetector:
    """A shipped detector folder: model, tokenizer, calibrated thresholds and score settings."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.config = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
        thresholds = self.config["thresholds"]
        self.minor = float(thresholds["minor"])
        self.major = float(thresholds["major"])
        self.patterns: tuple[str, ...] = tuple(self.config.get("patterns", ()))  # the pattern head's classes 1..
        self.pattern_minor = float(thresholds.get("pattern_minor", 1.01))  # no pattern head: never flag
        self.pattern_major = float(thresholds.get("pattern_major", 1.01))
        self.weights_sha256 = hashlib.sha256((directory / WEIGHTS).read_bytes()).hexdigest()
        self.runtime = available_runtime(requested_runtime(directory, self.config))
        self._loaded: tuple[Forward, Any] | None = None

    def _network(self) -> tuple[Forward, Any]:
        """The network and tokenizer, loaded on first use (a re-check answered by the cache
        never loads them)."""
        if self._loaded is None:
            if self.runtime == "numpy":
                forward: Forward = NumpyDetector.load(self.directory)[0]
            else:
                from mtqa.detector.onnx_runtime import OnnxDetector

                forward = OnnxDetector.load(self.directory, self.weights_sha256, int8=self.runtime == "onnx-int8")
            self._loaded = (forward, load_tokenizer(self.directory))
        return self._loaded

    def score_cached(self, sentences: Sequence[Sequence[str]], cache: OutputCache | None) -> list[Scored]:
        """``score`` through mtqa's output cache, keyed by these exact weights and settings."""
        if cache is None:
            return self.score(sentences)
        texts = [json.dumps(list(words), ensure_ascii=False) for words in sentences]
        values = cache.cached_map(
            SHIPPED_NAME, self.weights_sha256, {"runtime": self.runtime, "max_words": MAX_WORDS, "max_length": MAX_LENGTH},
            texts, lambda missing: [asdict(r) for r in self.score([json.loads(t) for t in missing])],
        )
        return [Scored(**value) for value in values]

    def signature(self) -> Signature:
        """The weights' sha256, the sentence score, both heads' thresholds (minor/major) and the runtime."""
        return Signature.of(
            model=f"{SHIPPED_NAME}@sha256:{self.weights_sha256[:12]}",
            score=self.config["score"]["name"],
            thr=(self.minor, self.major),
            patterns=(self.pattern_minor, self.pattern_major),
            backend=self.runtime,
        )

    def score(
        self, sentences: Sequence[Sequence[str]], batch_size: int = 64, workers: int | None = None
    ) -> list[Scored]:
        """Like ``predict``, but word lists longer than ``MAX_WORDS`` are scored in chunks, and
        on ``workers`` threads (default: one per CPU core) when there is more than a batch."""
        pieces: list[Sequence[str]] = []
        owners: list[int] = []
        for index, words in enumerate(sentences):
            words = [w.translate(_ASCII_QUOTES) for w in words]
            for begin in range(0, max(len(words), 1), MAX_WORDS):
                pieces.append(words[begin : begin + MAX_WORDS])
                owners.append(index)
        scored = self._predict_parallel(pieces, batch_size, workers or cpu_cores())
        merged: list[Scored] = [Scored([], 0.0, 0.0, [], []) for _ in sentences]
        counts = [0] * len(sentences)
        for owner, result in zip(owners, scored, strict=True):
            merged[owner].bad.extend(result.bad)
            merged[owner].error.extend(result.error)
            merged[owner].kind.extend(result.kind)
            merged[owner].da += result.da
            merged[owner].hter += result.hter
            counts[owner] += 1
        for result, count in zip(merged, counts, strict=True):
            result.da /= count
            result.hter /= count
        return merged

    def _predict_parallel(self, pieces: Sequence[Sequence[str]], batch_size: int, workers: int) -> list[Scored]:
        """Batches shared out among threads (``in_parallel``; an onnxruntime session run's
        intra-op pool is one thread): 350 against 278 sentences/s on the 2-core machine."""
        model, tokenizer = self._network()  # loaded once, before any thread starts
        return in_parallel(pieces, lambda shard: predict(model, tokenizer, shard, batch_size), workers, batch_size)

    def penalty(self, result: Scored) -> float:
        """The sentence score (higher = worse): see ``sentence_penalty``."""
        return sentence_penalty(result, self.config["score"])


class SentenceOutputs(Protocol):
    """What a sentence score is made of: a detector's or the QE model's sentence head."""

    da: float
    hter: float


def sentence_penalty(result: SentenceOutputs, settings: dict) -> float:
    """0–10, higher = worse: a logistic of the standardised mix of predicted HTER and −DA.

    ``settings`` holds the mix weight and the dev means/deviations it was calibrated with.
    """
    z_hter = (result.hter - settings["hter_mean"]) / settings["hter_std"]
    z_da = (result.da - settings["da_mean"]) / settings["da_std"]
    badness = settings["hter_weight"] * z_hter - (1 - settings["hter_weight"]) * z_da
    return 10.0 / (1.0 + math.exp(-badness))


def requested_runtime(directory: Path, config: dict[str, Any], variable: str = RUNTIME_VARIABLE,
                      model: str = "detector") -> str:
    """The environment's ``variable`` (``MTQA_DETECTOR_RUNTIME``), else config.json's ``runtime``,
    else ``DEFAULT_RUNTIME``."""
    value = os.environ.get(variable)
    where = variable
    if not value:
        value, where = config.get("runtime", DEFAULT_RUNTIME), f"{directory / CONFIG}: runtime"
    if value not in RUNTIMES:
        raise ConfigError(f"{where} = {value!r} is not a {model} runtime (choose one of {', '.join(RUNTIMES)})")
    return str(value)


def available_runtime(runtime: str) -> str:
    """``runtime``, or numpy where onnxruntime or onnx is not installed (both are core
    dependencies; an install without them still checks, at numpy's speed)."""
    if runtime != "numpy" and not (installed("onnxruntime") and installed("onnx")):
        return "numpy"
    return runtime


def in_parallel(items: Sequence[Any], run: Callable[[Sequence[Any]], list[Any]], workers: int,
                batch_size: int) -> list[Any]:
    """``run`` over ``workers`` interleaved shards of ``items`` on threads with a single-threaded
    BLAS each, results back in order; one call where there is no more than a batch.

    numpy's element-wise steps use one core and BLAS threads help only the matrix products; with
    BLAS threads the many small per-head products also wait on each other, badly so when another
    process holds a core. A thread per core with one BLAS thread each keeps both busy.
    """
    workers = min(workers, math.ceil(len(items) / batch_size))
    if workers <= 1:
        return run(items)
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    shards = [items[i::workers] for i in range(workers)]
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(run, shards))
    merged: list[Any] = [None] * len(items)
    for i, shard_results in enumerate(results):
        merged[i::workers] = shard_results
    return merged


def cpu_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@cache
def load_detector(directory: Path) -> LoadedDetector:
    return LoadedDetector(directory)
