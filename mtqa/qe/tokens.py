"""Source and target word lists to one cross-encoder batch: ``<s> source </s> target </s>``.

The source is token type 0 and the target type 1. Each word is read at its first sub-token, on
both sides. The mask comes from the lengths, never from the ids: in the XLM-R vocabulary that
multilingual-e5 uses, id 0 is ``<s>`` and padding is 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class PairBatch:
    ids: np.ndarray  # (batch, sub-tokens) int64
    mask: np.ndarray  # (batch, sub-tokens) bool
    types: np.ndarray  # (batch, sub-tokens) int64: 0 source, 1 target
    src_first: np.ndarray  # (batch, source words) int64: each source word's first sub-token
    src_mask: np.ndarray  # (batch, source words) bool
    tgt_first: np.ndarray  # (batch, target words) int64
    tgt_mask: np.ndarray  # (batch, target words) bool


@dataclass(frozen=True)
class Specials:
    bos: int
    eos: int
    pad: int

    @classmethod
    def of(cls, tokenizer) -> Specials:  # noqa: ANN001 - tokenizers.Tokenizer
        ids = [tokenizer.token_to_id(token) for token in ("<s>", "</s>", "<pad>")]
        if None in ids:
            raise ValueError("the tokenizer has no <s>, </s> or <pad> (not an XLM-R vocabulary)")
        return cls(*ids)


def word_pieces(tokenizer, sentences: Sequence[Sequence[str]]) -> list[list[list[int]]]:  # noqa: ANN001
    """Per sentence, per word, its sub-token ids (no special tokens); an empty word gets none."""
    encodings = tokenizer.encode_batch([list(s) for s in sentences], is_pretokenized=True, add_special_tokens=False)
    result = []
    for sentence, encoding in zip(sentences, encodings, strict=True):
        words: list[list[int]] = [[] for _ in sentence]
        for piece, word in zip(encoding.ids, encoding.word_ids, strict=True):
            if word is not None:
                words[word].append(piece)
        result.append(words)
    return result


def pair_length(source: Sequence[Sequence[int]], target: Sequence[Sequence[int]]) -> int:
    """Sub-tokens of the assembled pair, specials included."""
    return 3 + sum(map(len, source)) + sum(map(len, target))


def assemble(
    specials: Specials, sources: Sequence[Sequence[Sequence[int]]], targets: Sequence[Sequence[Sequence[int]]]
) -> PairBatch:
    """One padded batch from per-word pieces (``word_pieces``); callers keep pairs within the model's limit."""
    rows = [pair_length(s, t) for s, t in zip(sources, targets, strict=True)]
    width = max(rows)
    n = len(rows)
    ids = np.full((n, width), specials.pad, dtype=np.int64)
    types = np.zeros((n, width), dtype=np.int64)
    mask = np.zeros((n, width), dtype=bool)
    src_words = max(1, max(len(s) for s in sources))
    tgt_words = max(1, max(len(t) for t in targets))
    src_first, src_mask = np.zeros((n, src_words), dtype=np.int64), np.zeros((n, src_words), dtype=bool)
    tgt_first, tgt_mask = np.zeros((n, tgt_words), dtype=np.int64), np.zeros((n, tgt_words), dtype=bool)
    for row, (source, target) in enumerate(zip(sources, targets, strict=True)):
        pieces = [specials.bos]
        for side, words, first, present in ((0, source, src_first, src_mask), (1, target, tgt_first, tgt_mask)):
            start = len(pieces)
            for index, word in enumerate(words):
                if word:
                    first[row, index] = len(pieces)
                    present[row, index] = True
                    pieces.extend(word)
            pieces.append(specials.eos)
            types[row, start : len(pieces)] = side
        ids[row, : len(pieces)] = pieces
        mask[row, : len(pieces)] = True
    return PairBatch(ids, mask, types, src_first, src_mask, tgt_first, tgt_mask)


def encode_pairs(tokenizer, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]]) -> PairBatch:  # noqa: ANN001
    """``assemble`` of the word lists' pieces."""
    return assemble(Specials.of(tokenizer), word_pieces(tokenizer, sources), word_pieces(tokenizer, targets))
