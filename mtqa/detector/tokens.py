"""Word lists to sub-token batches (numpy), shared by training (torch) and the check (numpy)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json")


@dataclass
class Batch:
    ids: np.ndarray  # (batch, sub-tokens) int64, 0 = padding
    mask: np.ndarray  # (batch, sub-tokens) bool
    first: np.ndarray  # (batch, words) int64: each word's first sub-token position
    word_mask: np.ndarray  # (batch, words) bool: words that have a sub-token inside max_length


def load_tokenizer(directory: Path):  # noqa: ANN201 - tokenizers.Tokenizer
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def encode(tokenizer, sentences: Sequence[Sequence[str]], max_length: int) -> Batch:  # noqa: ANN001
    """Sub-token ids for word lists; words cut off by ``max_length`` get no prediction."""
    encodings = tokenizer.encode_batch([list(s) for s in sentences], is_pretokenized=True)
    width = min(max_length, max(len(e.ids) for e in encodings))
    n_words = max(len(s) for s in sentences) or 1
    ids = np.zeros((len(sentences), width), dtype=np.int64)
    first = np.zeros((len(sentences), n_words), dtype=np.int64)
    word_mask = np.zeros((len(sentences), n_words), dtype=bool)
    for row, encoding in enumerate(encodings):
        pieces = encoding.ids
        if len(pieces) > width:
            pieces = pieces[: width - 1] + pieces[-1:]  # keep [SEP]
        ids[row, : len(pieces)] = pieces
        for position, word in enumerate(encoding.word_ids[: width - 1]):
            if word is not None and not word_mask[row, word]:
                first[row, word] = position
                word_mask[row, word] = True
    return Batch(ids, ids != 0, first, word_mask)
