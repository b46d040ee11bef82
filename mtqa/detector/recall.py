"""What the detector catches of each synthetic error type, on corrupted dev post-edits.

MLQE-PE's word tags measure the detector on Wikipedia MT; they do not say whether it learned
the errors the synthetic recipe teaches (German word order, wrong senses, ...). This applies each
corruption alone to the dev post-edits (never trained on) and reports, per corruption, how many
corrupted sentences get a flag on a broken word at the word head's minor threshold (MT401) and
the mean BAD probability of the broken words; then the same for the pattern head (MT402), with
how often it names the right type.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from mtqa.detector.corruptions import Lexicon
from mtqa.detector.data import Corruptor, Example, SyntheticConfig
from mtqa.detector.infer import LoadedDetector


@dataclass
class Recall:
    corruption: str
    sentences: int  # corrupted sentences (those where the corruption found a place)
    recall: float  # share of them with a broken word at or above the minor threshold
    mean_bad: float  # mean BAD probability of the broken words
    pattern_recall: float  # share with a broken word at or above the pattern head's minor threshold
    right_type: float  # of those flagged words, the share given this corruption's type


def synthetic_recall(
    detector: LoadedDetector, sentences: Sequence[list[str]], config: SyntheticConfig,
    lexicon: Lexicon | None, seed: int = 3,
) -> list[Recall]:
    """One ``Recall`` per corruption of ``config`` (those needing a lexicon only with one)."""
    results = []
    for name in config.weights:
        corruptor = Corruptor(replace(config, weights={name: 1.0}, mix={}), lexicon)
        if name not in corruptor.functions:
            continue
        rng = random.Random(f"{seed}:{name}")
        corrupted = [tokens for tokens, applied in (corruptor.corrupt(s, rng) for s in sentences) if applied]
        if not corrupted:
            results.append(Recall(name, 0, *[float("nan")] * 4))
            continue
        scored = detector.score([[t.text for t in tokens] for tokens in corrupted])
        broken = [[(p, e, k) for p, e, k, t in zip(r.bad, r.error, r.kind, tokens, strict=True) if t.bad]
                  for r, tokens in zip(scored, corrupted, strict=True)]
        hits = sum(any(p >= detector.minor for p, _, _ in words) for words in broken)
        pattern_hits = sum(any(e >= detector.pattern_minor for _, e, _ in words) for words in broken)
        flat = [p for words in broken for p, _, _ in words]
        typed = [detector.patterns[k] == name
                 for words in broken for _, e, k in words if e >= detector.pattern_minor]
        results.append(Recall(name, len(corrupted), hits / len(corrupted), sum(flat) / len(flat),
                              pattern_hits / len(corrupted), sum(typed) / len(typed) if typed else float("nan")))
    return results


def example_recall(detector: LoadedDetector, name: str, examples: Sequence[Example]) -> Recall:
    """``Recall`` on ready examples with errors marked (judged round trips of held-out sentences):
    the examples with a BAD word count, and the right type is the pattern of their BAD words."""
    flawed = [e for e in examples if any(e.bad)]
    if not flawed:
        return Recall(name, 0, *[float("nan")] * 4)
    scored = detector.score([e.words for e in flawed])
    broken = [[(p, err, k, kind) for p, err, k, b, kind in zip(r.bad, r.error, r.kind, e.bad, e.kinds or [], strict=True) if b]
              for r, e in zip(scored, flawed, strict=True)]
    hits = sum(any(p >= detector.minor for p, _, _, _ in words) for words in broken)
    pattern_hits = sum(any(err >= detector.pattern_minor for _, err, _, _ in words) for words in broken)
    flat = [p for words in broken for p, _, _, _ in words]
    typed = [k + 1 == kind for words in broken for _, err, k, kind in words if err >= detector.pattern_minor]
    return Recall(name, len(flawed), hits / len(flawed), sum(flat) / len(flat), pattern_hits / len(flawed),
                  sum(typed) / len(typed) if typed else float("nan"))
