"""MLQE-PE: word-level OK/BAD tags, HTER and DA scores of MT sentences.

Layout: ``{DIR}/{pair}/{split}.mt`` (tokenised MT, space-separated), ``.tags`` (2N+1 tags a
line: gap, word, gap, …; the words are the odd positions), ``.hter`` (a float a line) and
``.da.tsv`` (a header, then one row per MT line in the same order, with ``original`` (the
source), ``translation`` and ``z_mean`` columns).

The checker sees the MT as it was produced, the untokenised ``translation`` of the .da.tsv
(tokenised text would trip every punctuation-spacing rule); its spans are mapped onto the
.mt tokens through the non-space characters, which both share. Where they differ (a few
en-de lines lost their quotes in the .da.tsv) the tokenised line is checked instead.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtqa.errors import InputError
from mtqa.evaluation.files import read_lines
from mtqa.evaluation.metrics import Confusion, Span, mean, pearson, spearman
from mtqa.evaluation.system import System

# Least share of .da.tsv translations equal to their .mt line up to spaces (dev: 99.3-100%).
ALIGNED_SHARE = 0.5
METRICS = ("word_mcc", "word_f1_bad", "hter_pearson", "hter_spearman", "da_pearson", "da_spearman")


@dataclass
class MlqePair:
    pair: str
    sentences: list[str]  # tokenised MT (the tags' words)
    texts: list[str]  # what the checker sees: the same MT, untokenised where possible
    sources: list[str]  # the untokenised source sentences
    word_bad: list[list[bool]]  # per sentence, per MT token: True = BAD
    hter: list[float]
    da_z: list[float]

    @property
    def source_lang(self) -> str:
        return self.pair.split("-")[0]

    @property
    def target_lang(self) -> str:
        return self.pair.split("-")[-1]


def word_tags(line: str, n_words: int, where: str) -> list[bool]:
    """BAD flags of the N words from a 2N+1 gap/word tag line (gap tags are ignored)."""
    tags = line.split()
    if len(tags) != 2 * n_words + 1:
        raise InputError(f"{where}: {len(tags)} tags for {n_words} MT words (expected {2 * n_words + 1})")
    words = tags[1::2]
    unknown = set(words) - {"OK", "BAD"}
    if unknown:
        raise InputError(f"{where}: unknown tag {sorted(unknown)[0]!r} (expected OK or BAD)")
    return [tag == "BAD" for tag in words]


def _non_space(text: str) -> str:
    return "".join(text.split())


def bad_tokens(text: str, tokenised: str, spans: Sequence[Span]) -> list[bool]:
    """BAD flags of the tokens of ``tokenised`` given spans flagged in ``text``.

    ``text`` and ``tokenised`` must have the same non-space characters. A token is BAD when
    a span covers one of its characters; a zero-width span covers the character at its start.
    """
    token_of: list[int] = []  # token index of each non-space character of ``tokenised``
    for index, token in enumerate(tokenised.split()):
        token_of.extend([index] * len(token))
    char_token: dict[int, int] = {}  # offset in ``text`` → token index
    for offset, char in enumerate(text):
        if not char.isspace():
            char_token[offset] = token_of[len(char_token)]
    bad = [False] * len(tokenised.split())
    for start, end in spans:
        for offset in range(start, max(end, start + 1)):
            if offset in char_token:
                bad[char_token[offset]] = True
    return bad


def _read_da(path: Path, expected: int) -> tuple[list[str], list[str], list[float]]:
    """The ``original``, ``translation`` and ``z_mean`` columns, one row per MT line."""
    rows = list(csv.reader(read_lines(path), delimiter="\t", quoting=csv.QUOTE_NONE))
    header = rows[0] if rows else []
    missing = [c for c in ("original", "translation", "z_mean") if c not in header]
    if missing:
        raise InputError(f"{path}: no {' or '.join(repr(c) for c in missing)} column in the header")
    body = rows[1:]
    if len(body) != expected:
        raise InputError(f"{path}: {len(body)} rows for {expected} MT lines")
    original, translation, z_mean = (header.index(c) for c in ("original", "translation", "z_mean"))
    try:
        return [row[original] for row in body], [row[translation] for row in body], [float(row[z_mean]) for row in body]
    except (ValueError, IndexError) as exc:
        raise InputError(f"{path}: bad row ({exc})") from None


def _floats(path: Path) -> list[float]:
    try:
        return [float(line) for line in read_lines(path)]
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None


def available_pairs(root: Path, split: str) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / f"{split}.mt").is_file()) if root.is_dir() else []


def load_pair(root: Path, pair: str, split: str, limit: int | None = None) -> MlqePair:
    base = root / pair / split
    sentences = read_lines(Path(f"{base}.mt"), " (is --data the MLQE-PE folder and --split right?)")
    tags = read_lines(Path(f"{base}.tags"))
    hter = _floats(Path(f"{base}.hter"))
    sources, translations, da_z = _read_da(Path(f"{base}.da.tsv"), len(sentences))
    for name, values in (("tags", tags), ("hter", hter)):
        if len(values) != len(sentences):
            raise InputError(f"{base}.{name}: {len(values)} lines for {len(sentences)} MT lines")
    n = len(sentences) if limit is None else min(limit, len(sentences))
    word_bad = [word_tags(tags[i], len(sentences[i].split()), f"{base}.tags line {i + 1}") for i in range(n)]
    same = [_non_space(detok) == _non_space(tok) for tok, detok in zip(sentences, translations)]
    if sum(same) < ALIGNED_SHARE * len(sentences):  # shuffled or foreign rows: z_mean would be wrong too
        raise InputError(
            f"{base}.da.tsv: its translations do not match the .mt lines (only {sum(same)} of {len(same)})"
        )
    texts = [detok if ok else tok for tok, detok, ok in zip(sentences[:n], translations[:n], same)]
    return MlqePair(pair, sentences[:n], texts, sources[:n], word_bad, hter[:n], da_z[:n])


def evaluate_pair(data: MlqePair, system: System) -> dict[str, Any]:
    """The pair's figures; ``da_*`` correlate z_mean with the negated score (see docs)."""
    predictions = system.predict(data.texts, data.target_lang, data.sources, data.source_lang)
    confusion = Confusion()
    for text, tokenised, gold, prediction in zip(data.texts, data.sentences, data.word_bad, predictions, strict=True):
        confusion += Confusion.of(gold, bad_tokens(text, tokenised, prediction.spans))
    scores = [p.score for p in predictions]
    quality = [-s for s in scores]
    return {
        "n": len(data.sentences),
        "word_mcc": confusion.mcc(),
        "word_f1_bad": confusion.f1(),
        "hter_pearson": pearson(scores, data.hter),
        "hter_spearman": spearman(scores, data.hter),
        "da_pearson": pearson(quality, data.da_z),
        "da_spearman": spearman(quality, data.da_z),
    }


def evaluate(pairs: Sequence[MlqePair], system: System) -> dict[str, Any]:
    """``{"pairs": {pair: figures}, "average": figures}`` (average = mean over pairs)."""
    per_pair = {data.pair: evaluate_pair(data, system) for data in pairs}
    average: dict[str, Any] = {"n": sum(r["n"] for r in per_pair.values())}
    for key in METRICS:
        average[key] = mean(r[key] for r in per_pair.values())
    return {"pairs": per_pair, "average": average}


def load(root: Path, split: str, pairs: Sequence[str] | None, limit: int | None) -> list[MlqePair]:
    """The requested pairs (default: every pair folder with ``{split}.mt``)."""
    names = list(pairs) if pairs else available_pairs(root, split)
    if not names:
        raise InputError(f"{root}: no pair folder with {split}.mt (expected {{DIR}}/{{pair}}/{split}.mt)")
    return [load_pair(root, name, split, limit) for name in names]
