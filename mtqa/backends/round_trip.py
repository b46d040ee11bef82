"""How far a sentence moved in a round trip: sentence scores and the words that changed.

MT301 compares a sentence with its back-translation; MT302 compares a target with the
machine translation of its source, and the source with the target's back-translation.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from mtqa.extras import require

_TOKEN = re.compile(r"\w+(?:['’-]\w+)*|[^\w\s]")

CHRF_NAME = "chrF2"  # sacrebleu defaults: char order 6, word order 0, beta 2


@cache
def _metrics() -> tuple[Any, Any, Any]:
    metrics = require("sacrebleu.metrics", "models")
    return metrics.CHRF(), metrics.BLEU(effective_order=True), metrics.TER()


def sentence_scores(hypothesis: str, reference: str) -> dict[str, float]:
    """chrF2, BLEU and TER of one sentence pair, on sacrebleu's 0–100 scales."""
    chrf, bleu, ter = _metrics()
    return {
        "chrf": round(chrf.sentence_score(hypothesis, [reference]).score, 3),
        "bleu": round(bleu.sentence_score(hypothesis, [reference]).score, 3),
        "ter": round(ter.sentence_score(hypothesis, [reference]).score, 3),
    }


def _is_word(token: re.Match[str]) -> bool:
    """A word token, as opposed to punctuation (which never counts as a change)."""
    return token.group()[0].isalnum() or token.group()[0] == "_"


@dataclass(frozen=True)
class Change:
    """Words of the original [start, end) the other side replaced or dropped."""

    start: int
    end: int
    replacement: str | None  # the other side's words, None when it dropped them


def changed_spans(original: str, other: str, max_changed: float = 0.6) -> list[Change] | None:
    """Word-level diff: the spans of ``original`` whose words ``other`` does not have.

    Returns None when most words changed (``max_changed``): then the whole sentence is the
    finding. Punctuation-only differences and words ``other`` merely added are ignored.
    """
    a = list(_TOKEN.finditer(original))
    b = list(_TOKEN.finditer(other))
    if not a:
        return []
    matcher = difflib.SequenceMatcher(None, [m.group().lower() for m in a], [m.group().lower() for m in b], autojunk=False)
    changes = []
    changed_words = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op not in {"replace", "delete"}:
            continue
        words = [m for m in a[i1:i2] if _is_word(m)]
        if not words:
            continue
        changed_words += len(words)
        replacement = other[b[j1].start() : b[j2 - 1].end()] if op == "replace" and j2 > j1 else None
        changes.append(Change(words[0].start(), words[-1].end(), replacement))
    total_words = sum(1 for m in a if _is_word(m))
    if total_words and changed_words / total_words > max_changed:
        return None
    return changes


def small_changes(original: str, other: str, max_words: int) -> list[Change]:
    """The changes of at most ``max_words`` words on either side, however much else changed."""
    return [
        c for c in changed_spans(original, other, max_changed=1.0) or []
        if len(original[c.start : c.end].split()) <= max_words and len((c.replacement or "").split()) <= max_words
    ]
