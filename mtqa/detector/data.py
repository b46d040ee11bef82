"""The detector's training examples: real MLQE-PE tags, clean post-edits, synthetic errors.

Only ``train`` splits are read for training; ``dev`` is read for measuring. Every example is a
list of words (MLQE-PE's space-separated tokens) with a BAD flag per word and two sentence
targets, DA z-score and HTER, either of which may be unknown (NaN): clean and synthetic
sentences have no DA score, so only their HTER (0, or the share of BAD words) is trained on.
Clean and synthetic sentences also name the error type of every word (``kinds``, the pattern
head's classes); real MT sentences have human tags but no types.
"""

from __future__ import annotations

import math
import random
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from mtqa.detector.corruptions import CORRUPTIONS, PATTERNS, Lexicon, Tok, toks
from mtqa.resources import package_path

TRAIN_PAIRS = ("ro-en", "et-en", "ne-en", "ru-en", "si-en")
DEFAULT_SYNTHETIC = package_path("mtqa.detector", "configs", "synthetic.toml")  # the shipped model's recipe
NAN = float("nan")


@dataclass
class Example:
    words: list[str]
    bad: list[bool]
    da: float = NAN
    hter: float = NAN
    origin: str = "real"
    kinds: list[int] | None = None  # per word: 0 = no error, i = PATTERNS[i - 1]; None = unknown


def pattern_classes(tokens: Sequence[Tok]) -> list[int]:
    """The pattern head's class of each token: 0 for intact words, else 1 + its corruption's index."""
    return [1 + PATTERNS.index(t.kind) if t.bad and t.kind in PATTERNS else 0 for t in tokens]


@dataclass
class SyntheticConfig:
    seed: int = 13
    mix: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    compounds: dict[str, str] = field(default_factory=dict)
    english: list[str] = field(default_factory=list)  # more clean English: train files under the data root

    @classmethod
    def load(cls, path: Path) -> SyntheticConfig:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        unknown = set(data.get("weights", {})) - set(CORRUPTIONS)
        if unknown:
            raise ValueError(f"{path}: unknown corruption {sorted(unknown)[0]!r} in [weights]")
        english = [str(name) for name in data.get("english", [])]
        for name in english:
            if not Path(name).name.startswith("train.") or ".." in Path(name).parts:
                raise ValueError(f"{path}: english = {name!r} is not a train file under the data root")
        return cls(
            seed=int(data.get("seed", 13)),
            mix={k: float(v) for k, v in data.get("mix", {}).items()},
            weights={k: float(v) for k, v in data.get("weights", {}).items()},
            compounds={str(k).lower(): str(v) for k, v in data.get("compounds", {}).items()},
            english=english,
        )


def read_real(root: Path, pairs: Sequence[str], split: str, limit: int | None = None) -> list[Example]:
    """MT sentences with their human word tags, DA z-score and HTER."""
    from mtqa.evaluation.mlqe import load_pair

    examples = []
    for pair in pairs:
        data = load_pair(root, pair, split, limit)
        for sentence, bad, hter, da in zip(data.sentences, data.word_bad, data.hter, data.da_z, strict=True):
            examples.append(Example(sentence.split(), bad, da, hter, f"real:{pair}"))
    return examples


def read_post_edits(root: Path, pairs: Sequence[str], split: str, limit: int | None = None) -> list[list[str]]:
    """The post-edited sentences (tokenised), the clean English the corruptions start from."""
    return read_english(root, [f"{pair}/{split}.pe" for pair in pairs], limit)


def read_english(root: Path, files: Sequence[str], limit: int | None = None) -> list[list[str]]:
    """Tokenised clean English sentences, one a line, from files under the data root."""
    sentences = []
    for name in files:
        lines = (root / name).read_text(encoding="utf-8").splitlines()
        sentences.extend(line.split() for line in lines[:limit] if line.strip())
    return sentences


class Corruptor:
    """Draws corruptions by the configured weights and applies one to three of them."""

    def __init__(self, config: SyntheticConfig, lexicon: Lexicon | None) -> None:
        self.config = config
        self.functions = {}
        for name, weight in config.weights.items():
            if weight <= 0:
                continue
            function = CORRUPTIONS[name]
            if name in {"wrong_sense", "untranslated_word"}:
                if lexicon is None:
                    continue
                function = partial(function, lexicon=lexicon)
            elif name == "literal_compound":
                function = partial(function, compounds=config.compounds)
            self.functions[name] = (function, weight)

    def corrupt(self, words: list[str], rng: random.Random) -> tuple[list[Tok], list[str]]:
        """The corrupted sentence and the names of the corruptions applied (maybe none)."""
        tokens: list[Tok] = toks(" ".join(words))
        wanted = 1 + (rng.random() < self.config.mix.get("second_error", 0.0)) + (
            rng.random() < self.config.mix.get("third_error", 0.0)
        )
        names = list(self.functions)
        weights = [self.functions[n][1] for n in names]
        applied: list[str] = []
        for _ in range(12):
            if len(applied) == wanted:
                break
            name = rng.choices(names, weights)[0]
            if name in applied:
                continue
            result = self.functions[name][0](tokens, rng)
            if result is not None:
                tokens = [t._replace(kind=name) if t.bad and not t.kind else t for t in result]
                applied.append(name)
        return tokens, applied


def synthetic_examples(
    post_edits: Sequence[list[str]], corruptor: Corruptor, rng: random.Random, n_clean: int, n_synthetic: int
) -> list[Example]:
    """``n_clean`` post-edits kept clean and ``n_synthetic`` others corrupted (drawn by ``rng``)."""
    order = list(range(len(post_edits)))
    rng.shuffle(order)
    examples = [
        Example(list(post_edits[i]), [False] * len(post_edits[i]), NAN, 0.0, "clean", [0] * len(post_edits[i]))
        for i in order[:n_clean]
    ]
    for i in order[n_clean : n_clean + n_synthetic]:
        tokens, applied = corruptor.corrupt(post_edits[i], rng)
        if not applied:
            continue
        bad = [t.bad for t in tokens]
        examples.append(
            Example([t.text for t in tokens], bad, NAN, sum(bad) / len(bad), "synthetic:" + "+".join(applied),
                    pattern_classes(tokens))
        )
    return examples


def _share(examples: Sequence[Example], share: float, rng: random.Random) -> list[Example]:
    n = round(share * len(examples))
    return list(examples) if n >= len(examples) else rng.sample(list(examples), n)


def epoch_examples(
    real: Sequence[Example], post_edits: Sequence[list[str]], corruptor: Corruptor, epoch: int,
    prepared: Sequence[Example] = (),
) -> list[Example]:
    """One epoch's training set: fresh synthetic errors each epoch, from (seed, epoch), and a
    share of the ``prepared`` examples (round trips, fluent wrong senses: ``mtqa.detector.prepare``)."""
    mix = corruptor.config.mix
    rng = random.Random(f"{corruptor.config.seed}:{epoch}")
    chosen = _share(real, mix.get("real", 1.0), rng)
    n_clean = round(mix.get("clean", 0.0) * len(post_edits))
    n_synthetic = round(mix.get("synthetic", 0.0) * len(post_edits))
    made = synthetic_examples(post_edits, corruptor, rng, n_clean, n_synthetic)
    return chosen + made + _share(prepared, mix.get("prepared", 1.0), rng)


def bad_rate(examples: Sequence[Example]) -> float:
    words = sum(len(e.bad) for e in examples)
    return sum(sum(e.bad) for e in examples) / words if words else math.nan
