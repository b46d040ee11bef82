"""What every runner shares: over-long texts cut to fit, length-sorted batches, the target-language token.

A model has a token limit; mtqa never truncates a sentence to fit it. ``split_long`` cuts it
at clause marks, then spaces, and ``BatchedRunner.split_map`` rejoins the outputs. Batches
hold texts of similar length (less padding), and results come back in input order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mtqa.backends.store import ResolvedModel

T = TypeVar("T")

# Where an over-long sentence may be cut, best first: clause punctuation, then any space.
_CUTS = (re.compile(r"(?<=[;:])\s+"), re.compile(r"(?<=,)\s+"), re.compile(r"\s+"))


def split_long(text: str, count: Callable[[str], int], limit: int) -> list[str]:
    """Pieces of ``text`` of at most ``limit`` tokens, cut at clause marks, then spaces."""
    if count(text) <= limit:
        return [text]
    for pattern in _CUTS:
        cuts = [m.end() for m in pattern.finditer(text)]
        if not cuts:
            continue
        middle = min(cuts, key=lambda c: abs(c - len(text) / 2))
        left, right = text[:middle].rstrip(), text[middle:].lstrip()
        if left and right:
            return split_long(left, count, limit) + split_long(right, count, limit)
    if len(text) > 1:  # no spaces (Chinese, Japanese, a long URL): cut in the middle
        middle = len(text) // 2
        return split_long(text[:middle], count, limit) + split_long(text[middle:], count, limit)
    return [text]


def by_length(
    texts: Sequence[Any], batch_size: int, run: Callable[[list[Any]], list[T]], size: Callable[[Any], int] = len
) -> list[T]:
    """``run`` over batches of similar ``size`` (less padding), results in input order."""
    order = sorted(range(len(texts)), key=lambda i: size(texts[i]), reverse=True)
    results: list[T | None] = [None] * len(texts)
    for i in range(0, len(order), batch_size):
        batch = order[i : i + batch_size]
        for index, result in zip(batch, run([texts[j] for j in batch]), strict=True):
            results[index] = result
    return results  # type: ignore[return-value]


def target_language_token(tokenizer: Any, lang: str) -> str:
    """The token that starts a multilingual model's output: ``__de__`` (M2M100) or the code itself (NLLB)."""
    get = getattr(tokenizer, "get_lang_token", None)
    return str(get(lang)) if get else lang


class BatchedRunner:
    """A runner's settings (``batch_size``, ``max_tokens``) and its text splitting.

    Subclasses set ``tokenizer``. ``calls`` counts texts that reached the model (the cache
    tests read it).
    """

    tokenizer: Any

    def __init__(self, model: ResolvedModel) -> None:
        self.model = model
        self.settings = model.spec.settings
        self.calls = 0
        self.batch_size = int(self.settings.get("batch_size", 16))
        self.max_tokens = int(self.settings.get("max_tokens", 256))

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=True)["input_ids"])

    def pieces(self, texts: Sequence[str]) -> tuple[list[str], list[int]]:
        """Every text split to fit ``max_tokens``, and the index of the text each piece came from."""
        pieces: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(texts):
            for piece in split_long(text, self.count_tokens, self.max_tokens):
                pieces.append(piece)
                owners.append(index)
        return pieces, owners

    def split_map(self, texts: Sequence[str], run: Callable[[list[str]], list[str]]) -> list[str]:
        """``run`` over length-sorted batches; over-long texts go in pieces, rejoined after."""
        pieces, owners = self.pieces(texts)
        joined: list[list[str]] = [[] for _ in texts]
        for owner, output in zip(owners, by_length(pieces, self.batch_size, run), strict=True):
            joined[owner].append(output)
        return [" ".join(parts) for parts in joined]
