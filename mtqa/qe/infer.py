"""Scoring (source, target) texts with the shipped QE model: words, batches, splits, cache.

Both sides are split into words as the detector splits them (``mtqa.detector.words.WORD``),
so a finding's words are spans of the text. A pair over the model's ``max_tokens`` is cut
into sentence-aligned parts (``mtqa.qe.guards.split_pair``) and scored part by part, never
truncated; the word outputs of the parts are joined in order and the sentence outputs are
averaged, weighted by each part's target words. No torch: the forward pass is numpy.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from mtqa.detector.infer import cpu_cores, in_parallel, sentence_penalty
from mtqa.detector.words import WORD
from mtqa.errors import ModelUnavailable
from mtqa.qe.runtime import CONFIG, WEIGHTS, NumpyQE, OnnxQE, load_network, runtime_of
from mtqa.qe.tokens import Specials, assemble, pair_length, word_pieces
from mtqa.signature import Signature

if TYPE_CHECKING:
    from mtqa.backends.cache import OutputCache

SHIPPED_NAME = "mtqa-qe"
BATCH_SIZE = 32
Span = tuple[int, int]


def guards() -> ModuleType:
    """``mtqa.qe.guards`` (language coverage, swapped pairs, long-pair splits), imported on
    first use: it imports the language identifier's check module."""
    from mtqa.qe import guards as module

    return module


def word_spans(text: str) -> list[Span]:
    """Each word's (start, end) in ``text``, as the model reads words.

    Python's ``\\w`` leaves out combining marks (the vowel signs and viramas of Devanagari or
    Sinhala), which would cut every Nepali or Sinhala word into pieces the model never saw in
    training (MLQE-PE's words are whole): a match that touches the previous one across a
    combining mark is joined to it.
    """
    spans: list[Span] = []
    for match in WORD.finditer(text):
        start, end = match.span()
        if spans and spans[-1][1] == start and (_mark(text[start]) or _mark(text[start - 1])):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _mark(char: str) -> bool:
    import unicodedata

    return unicodedata.category(char).startswith("M")


@dataclass
class QEScored:
    target: list[float]  # BAD probability per target word (mistranslated, or not in the source)
    source: list[float]  # BAD probability per source word (lost or mistranslated in the target)
    da: float  # predicted DA z-score (higher = better)
    hter: float  # predicted HTER (higher = worse)
    parts: int = 1  # how many pieces an over-long pair was scored in


@dataclass
class _Piece:
    owner: int
    source: list[list[int]]  # sub-token ids per source word
    target: list[list[int]]


class LoadedQE:
    """A QE model folder, the embed role's word embeddings and tokenizer, thresholds and score settings."""

    def __init__(self, directory: Path, embed_dir: Path, embed_revision: str) -> None:
        self.directory = directory
        self.embed_dir = embed_dir
        self.embed_revision = embed_revision
        self.config: dict[str, Any] = json.loads((directory / CONFIG).read_text(encoding="utf-8"))
        self.thresholds = {key: float(value) for key, value in self.config["thresholds"].items()}
        self.max_tokens = int(self.config.get("max_tokens", 512))
        self.weights_sha256 = hashlib.sha256((directory / WEIGHTS).read_bytes()).hexdigest()
        self.runtime = runtime_of(directory, self.config)
        self._loaded: tuple[NumpyQE | OnnxQE, Any] | None = None
        self._tokenizer: Any = None

    @property
    def tokenizer(self) -> Any:
        """The embed role's XLM-R tokenizer (light: needed to split a long pair even on a cache hit)."""
        if self._tokenizer is None:
            from mtqa.detector.tokens import load_tokenizer

            self._tokenizer = load_tokenizer(self.embed_dir)
        return self._tokenizer

    def _network(self) -> NumpyQE | OnnxQE:
        """The network, loaded on first use: a re-check the cache answers never reads the weights."""
        if self._loaded is None:
            self._loaded = load_network(self.directory, self.embed_dir, threads=cpu_cores())
        return self._loaded[0]

    def signature(self) -> Signature:
        """The folder's sha256, the embed role's revision, the sentence score and the thresholds."""
        t = self.thresholds
        return Signature.of(
            model=f"{SHIPPED_NAME}@sha256:{self.weights_sha256[:12]}",
            embed=self.embed_revision,
            score=self.config["score"]["name"],
            thr=(t["target_minor"], t["target_major"], t["source_minor"], t["source_major"], t["mismatch_da"]),
            backend=self.runtime,
        )

    def penalty(self, result: QEScored) -> float:
        """The sentence score, 0–10, higher = worse (``mtqa.detector.infer.sentence_penalty``)."""
        return sentence_penalty(result, self.config["score"])

    def score_cached(self, pairs: Sequence[tuple[str, str]], cache: OutputCache | None) -> list[QEScored]:
        """``score`` through mtqa's output cache, keyed by the weights, the embed role and both texts."""
        if cache is None:
            return self.score(pairs)
        texts = [json.dumps(list(pair), ensure_ascii=False) for pair in pairs]
        values = cache.cached_map(
            SHIPPED_NAME, f"{self.weights_sha256}+{self.embed_revision}", {"max_tokens": self.max_tokens, "words": "marks-joined"},
            texts, lambda missing: [asdict(r) for r in self.score([tuple(json.loads(t)) for t in missing])],
        )
        return [QEScored(**value) for value in values]

    def score(self, pairs: Sequence[tuple[str, str]]) -> list[QEScored]:
        """One result per (source, target), in order; both texts must hold words."""
        pieces = [piece for owner, (source, target) in enumerate(pairs) for piece in self._pieces(owner, source, target)]
        outputs = self._predict(pieces)
        merged = [QEScored([], [], 0.0, 0.0, 0) for _ in pairs]
        weights = [0.0] * len(pairs)
        for piece, (target, source, sentence) in zip(pieces, outputs, strict=True):
            result = merged[piece.owner]
            weight = max(1, len(piece.target))
            result.target += target
            result.source += source
            result.da += weight * sentence[0]
            result.hter += weight * sentence[1]
            result.parts += 1
            weights[piece.owner] += weight
        for result, weight in zip(merged, weights, strict=True):
            result.da /= weight
            result.hter /= weight
        return merged

    def _pieces(self, owner: int, source: str, target: str) -> list[_Piece]:
        """The pair as one piece, or as ``split_pair``'s sentence-aligned parts when over ``max_tokens``."""
        src_spans, tgt_spans = word_spans(source), word_spans(target)
        src_pieces, tgt_pieces = word_pieces(self.tokenizer, [[source[a:b] for a, b in src_spans],
                                                              [target[a:b] for a, b in tgt_spans]])
        if pair_length(src_pieces, tgt_pieces) <= self.max_tokens:
            return [_Piece(owner, src_pieces, tgt_pieces)]

        def fits(src_part: str, tgt_part: str) -> bool:
            words = word_pieces(self.tokenizer, [WORD.findall(src_part), WORD.findall(tgt_part)])
            return pair_length(words[0], words[1]) <= self.max_tokens

        parts = guards().split_pair(source, target, fits)
        # Each word goes to the part its first character is in, so every word is scored once.
        return [
            _Piece(owner, _within(src_pieces, src_spans, s), _within(tgt_pieces, tgt_spans, t))
            for s, t in parts
        ]

    def _predict(self, pieces: Sequence[_Piece]) -> list[tuple[list[float], list[float], list[float]]]:
        """Target and source BAD probabilities and (DA z, HTER) per piece, in order; a thread per
        core (``in_parallel``), each with batches sorted by length."""
        if not pieces:
            return []
        network, specials = self._network(), Specials.of(self.tokenizer)  # loaded before any thread starts

        def run(shard: Sequence[_Piece]) -> list[tuple[list[float], list[float], list[float]]]:
            order = sorted(range(len(shard)), key=lambda i: pair_length(shard[i].source, shard[i].target))
            results: list[Any] = [None] * len(shard)
            for begin in range(0, len(order), BATCH_SIZE):
                rows = order[begin : begin + BATCH_SIZE]
                batch = assemble(specials, [shard[i].source for i in rows], [shard[i].target for i in rows])
                target, source, sentence = network(batch)
                target, source = _sigmoid(target).tolist(), _sigmoid(source).tolist()
                sentence = sentence.astype(np.float64).tolist()
                for row, i in enumerate(rows):
                    piece = shard[i]
                    results[i] = (target[row][: len(piece.target)], source[row][: len(piece.source)], sentence[row])
            return results

        return in_parallel(pieces, run, cpu_cores(), BATCH_SIZE)


def _within(pieces: list[list[int]], spans: list[Span], part: Span) -> list[list[int]]:
    return [p for p, (start, _) in zip(pieces, spans, strict=True) if part[0] <= start < part[1]]


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * logits.astype(np.float64)))


def shipped_dir() -> Path:
    """The QE model folder: ``MTQA_QE_DIR``, else ``models/mtqa-qe`` as shipped."""
    override = os.environ.get("MTQA_QE_DIR")
    if override:
        return Path(override).expanduser()
    from mtqa.resources import models_dir

    return models_dir() / SHIPPED_NAME


def embed_role() -> tuple[Path, str]:
    """The pulled ``embed`` role's folder and revision; ``ModelUnavailable`` with its pull command."""
    from mtqa.backends.registry import load_registry
    from mtqa.backends.store import resolve_or_pull

    resolved = resolve_or_pull(load_registry().get("embed"), auto_download=False)
    return resolved.path, resolved.ref


def missing_model() -> ModelUnavailable | None:
    """What of the QE model is not on this machine (its folder, the pulled embed role); nothing is loaded."""
    directory = shipped_dir()
    if not (directory / WEIGHTS).is_file():
        return ModelUnavailable(f"the QE model is not in {directory}",
                                "set MTQA_QE_DIR to a copy of the repository's models/mtqa-qe")
    try:
        embed_role()
    except ModelUnavailable as exc:
        return exc
    return None


def load_shipped() -> LoadedQE:
    """The QE model and the embed role it reads; ``ModelUnavailable`` (the check is skipped) when either is missing."""
    gap = missing_model()
    if gap is not None:
        raise gap
    embed_dir, revision = embed_role()
    return load_qe(shipped_dir(), embed_dir, revision)


@cache
def load_qe(directory: Path, embed_dir: Path, embed_revision: str) -> LoadedQE:
    return LoadedQE(directory, embed_dir, embed_revision)
