"""Round trips of clean English through a pivot language: real MT errors, labelled like MLQE-PE.

A sentence goes en→pivot→en (Apertium eng-spa, eng-cat, en-gl); the round trip plays the MT
output and the original its post-edit, and both are labelled as MLQE-PE's were. Measured on
MLQE-PE dev (``benchmarks/measure_round_trip_labels.py``): its word tags are a TER edit
alignment *without* shifts (a word is BAD unless the alignment matches it to an identical word:
replaced and extra words are BAD; a dropped word has no word to mark, MLQE-PE tags that gap and
the detector does not learn gaps) over words as written, and its HTER is TER *with* shifts,
case-insensitive (Tercom's default), clipped at 1. So a moved word is BAD where the
alignment cannot match it in place, and a word that only changed case is BAD but costs no
HTER. Identical round trips are clean examples, every word OK.

Both sides are split by the detector's own tokeniser (``words.WORD``). The translator is given
the sentence detokenised: on MLQE-PE's tokenised text Apertium reads "They don 't know" as
"They gift 't knows".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from mtqa.detector.data import Example
from mtqa.detector.words import WORD
from mtqa.extras import require


class Translator(Protocol):
    """What a round trip needs of a translator (``ApertiumTranslator`` and the model runners have it)."""

    def translate(self, texts: Sequence[str]) -> list[str]: ...


def detokenise(words: Sequence[str]) -> str:
    """Tokenised words as running text ("officials ." → "officials."), for a translator to read:
    sacremoses' Moses detokeniser, the inverse of the tokenisation MLQE-PE's text went through."""
    moses = require("sacremoses", "train")
    return str(moses.MosesDetokenizer(lang="en").detokenize(list(words)))


@dataclass(frozen=True)
class Labels:
    bad: list[bool]  # per MT word: not matched to an identical post-edit word
    hter: float  # TER as a fraction of the post-edit's words, at most 1


def mlqe_labels(mt: Sequence[str], post_edit: Sequence[str]) -> Labels:
    """Word tags and HTER of ``mt`` against ``post_edit``, made as MLQE-PE's were (see the module).

    Both come from sacrebleu's ``lib_ter`` (Tercom's beam edit distance and shift search): the
    tags from the edit trace without shifts, case-sensitive, ``hter`` from
    ``translation_edit_rate`` with shifts on lower-cased words, clipped at 1. On MLQE-PE dev
    this reproduces 99.3–99.9 % of the word tags and 99.9–100 % of the HTERs per pair.
    """
    ter = require("sacrebleu.metrics.lib_ter", "train")
    if not post_edit:
        return Labels([True] * len(mt), 1.0 if mt else 0.0)
    _, trace = ter.BeamEditDistance(list(post_edit))(list(mt))
    # The trace edits the MT into the post-edit: " " keeps an MT word, "s" replaces it, "d"
    # deletes it (an extra MT word) and "i" inserts a post-edit word (no MT word of its own).
    bad = [op != " " for op in trace if op != "i"]
    edits, length = ter.translation_edit_rate([w.lower() for w in mt], [w.lower() for w in post_edit])
    return Labels(bad, min(1.0, edits / length))


def edit_spans(mt: Sequence[str], post_edit: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """The stretches where ``mt`` differs from ``post_edit``, as (mt start, mt end, post-edit start,
    post-edit end), from the same edit trace as ``mlqe_labels``' word tags (no shifts)."""
    ter = require("sacrebleu.metrics.lib_ter", "train")
    if not post_edit:
        return [(0, len(mt), 0, 0)] if mt else []
    _, trace = ter.BeamEditDistance(list(post_edit))(list(mt))
    spans, m, p, start = [], 0, 0, None
    for op in [*trace, " "]:
        if op == " ":
            if start is not None:
                spans.append((start[0], m, start[1], p))
                start = None
            m, p = m + 1, p + 1
            continue
        if start is None:
            start = (m, p)
        m += op != "i"
        p += op != "d"
    return spans


def round_trip_examples(
    sentences: Sequence[Sequence[str]], there: Translator, back: Translator, pivot: str
) -> list[Example]:
    """Each sentence's round trip through ``pivot``, labelled against the sentence (see the module).

    Two translator calls for all sentences (Apertium starts once per call). A sentence or round
    trip without a word gives no example. Round-trip errors have no pattern type (``kinds`` None).
    """
    texts = [detokenise(sentence) for sentence in sentences]
    returned = back.translate(there.translate(texts))
    examples = []
    for text, trip in zip(texts, returned, strict=True):
        reference, words = WORD.findall(text), WORD.findall(trip)
        if not reference or not words:
            continue
        labels = mlqe_labels(words, reference)
        examples.append(Example(words, labels.bad, hter=labels.hter, origin=f"round-trip:{pivot}"))
    return examples
