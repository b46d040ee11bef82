"""The QE model's training pairs: MLQE-PE with sources, and the recipe's synthetic pairs.

Every example holds source and target words (MLQE-PE's space-separated tokens), a BAD flag per
word on each side (``None``: unknown, not trained on) and the two sentence targets, DA z-score
and HTER (NaN: unknown). Only ``train`` splits are read for training.
"""

from __future__ import annotations

import math
import random
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtqa.errors import InputError
from mtqa.evaluation.files import read_lines
from mtqa.evaluation.mlqe import load_pair
from mtqa.resources import package_path

DEFAULT_RECIPE = package_path("mtqa.qe", "configs", "recipe.toml")
NAN = float("nan")
_SYNTHETIC_KINDS = ("post_edit", "mismatch", "omission")


@dataclass
class QEExample:
    source: list[str]
    target: list[str]
    target_bad: list[bool] | None
    source_bad: list[bool] | None
    da: float = NAN
    hter: float = NAN
    origin: str = "real"

    @property
    def words(self) -> list[str]:
        """Both sides' words (batches are grouped by their count)."""
        return self.source + self.target


@dataclass
class Recipe:
    pairs: list[str]
    seed: int = 13
    mismatch_da_percentile: float = 2.0
    synthetic: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Recipe:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        known = {"pairs", "seed", "mismatch_da_percentile", "synthetic"}
        unknown = sorted(set(data) - known) or sorted(set(data.get("synthetic", {})) - set(_SYNTHETIC_KINDS))
        if unknown:
            raise InputError(f"{path}: unknown key {unknown[0]!r}")
        return cls(**data)


@dataclass
class PairData:
    """One pair's train sentences as read: the real examples and the post-edits."""

    pair: str
    real: list[QEExample]
    post_edits: list[list[str]]


def source_tags(line: str, n_words: int) -> list[bool]:
    """BAD flags of a ``.source_tags`` line (one tag per source word); ValueError if malformed."""
    tags = line.split()
    if len(tags) != n_words or set(tags) - {"OK", "BAD"}:
        raise ValueError(f"{len(tags)} source tags for {n_words} source words")
    return [tag == "BAD" for tag in tags]


def read_pair(root: Path, pair: str, split: str, limit: int | None = None) -> PairData:
    """A pair's sentences with sources (tokenised ``.src``), source tags and post-edits."""
    base = root / pair / split
    data = load_pair(root, pair, split)  # target tags, HTER, DA; malformed rows are an InputError
    src, tags, pe = (read_lines(Path(f"{base}.{suffix}")) for suffix in ("src", "source_tags", "pe"))
    if not len(src) == len(tags) == len(pe) == len(data.sentences):
        raise InputError(f"{base}.src/.source_tags/.pe: line counts differ from the {len(data.sentences)} MT lines")
    real, post_edits = [], []
    for i in range(len(src) if limit is None else min(limit, len(src))):
        source = src[i].split()
        try:
            bad = source_tags(tags[i], len(source))
        except ValueError as exc:
            raise InputError(f"{base}.source_tags:{i + 1}: {exc}") from None
        real.append(QEExample(source, data.sentences[i].split(), data.word_bad[i], bad, data.da_z[i], data.hter[i]))
        post_edits.append(pe[i].split())
    return PairData(pair, real, post_edits)


def _percentile(values: Sequence[float], percent: float) -> float:
    ordered = sorted(v for v in values if not math.isnan(v))
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


def synthetic(data: PairData, recipe: Recipe, epoch: int) -> list[QEExample]:
    """The recipe's synthetic pairs for one pair and epoch (see configs/recipe.toml)."""
    rng = random.Random(f"{recipe.seed}:{data.pair}:{epoch}")
    n = len(data.real)
    low_da = _percentile([e.da for e in data.real], recipe.mismatch_da_percentile)
    out: list[QEExample] = []
    for kind in _SYNTHETIC_KINDS:
        for i in rng.sample(range(n), round(n * recipe.synthetic.get(kind, 0.0))):
            source, post_edit = data.real[i].source, data.post_edits[i]
            if kind == "post_edit":
                out.append(QEExample(source, post_edit, [False] * len(post_edit), [False] * len(source), NAN, 0.0, kind))
            elif kind == "mismatch":
                other = data.real[(i + rng.randrange(1, n)) % n].source
                target = post_edit if rng.random() < 0.5 else data.real[i].target
                out.append(QEExample(other, target, [True] * len(target), [True] * len(other), low_da, 1.0, kind))
            else:
                out.append(_omission(source, post_edit, data.real[(i + rng.randrange(1, n)) % n].source, rng))
    return out


def _omission(source: list[str], post_edit: list[str], donor: list[str], rng: random.Random) -> QEExample:
    """``source`` with a stretch of ``donor`` added before its final punctuation: those words are BAD."""
    words = [w for w in donor if any(c.isalnum() for c in w)]
    size = min(len(words), rng.randint(3, 8))
    begin = rng.randrange(0, len(words) - size + 1)
    stretch = words[begin : begin + size]
    cut = len(source) - 1 if source and not any(c.isalnum() for c in source[-1]) else len(source)
    added = [","] + stretch
    new_source = source[:cut] + added + source[cut:]
    bad = [False] * cut + [False] + [True] * len(stretch) + [False] * (len(source) - cut)
    hter = len(stretch) / max(1, len(post_edit) + len(stretch))
    return QEExample(new_source, post_edit, [False] * len(post_edit), bad, NAN, hter, "omission")


def epoch_examples(pairs: Sequence[PairData], recipe: Recipe, epoch: int) -> list[QEExample]:
    """Every real example and this epoch's synthetic ones."""
    out: list[QEExample] = []
    for data in pairs:
        out += data.real
        out += synthetic(data, recipe, epoch)
    return out
