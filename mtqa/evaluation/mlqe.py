"""MLQE-PE: word-level OK/BAD tags, HTER and DA scores of MT sentences.

Layout: ``{DIR}/{pair}/{split}.mt`` (tokenised MT, space-separated), ``.tags`` (2N+1 tags a
line: gap, word, gap, …; the words are the odd positions), ``.hter`` (a float a line) and
``.da.tsv`` (a header, then one row per MT line in the same order, with ``original`` (the
source), ``translation`` and ``z_mean`` columns).

The checker sees the MT as it was produced, the untokenised ``translation`` of the .da.tsv
(tokenised text would trip every punctuation-spacing rule); its spans are mapped onto the
.mt tokens through the non-space characters, which both share. Where they differ (a few
en-de lines lost their quotes in the .da.tsv) the tokenised line is checked instead.

The files are parallel, so a sentence with a malformed line in any of them (a tag count
that does not fit its words, an HTER or ``z_mean`` that is not a number, a short .da.tsv
row) is skipped in all of them and logged in ``OddRows``; files whose line counts differ
cannot be aligned at all and are an ``InputError``.
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
from mtqa.evaluation.odd_rows import OddRows
from mtqa.evaluation.system import System

# Least share of .da.tsv translations equal to their .mt line up to spaces (dev: 99.3-100%).
ALIGNED_SHARE = 0.5
DA_COLUMNS = ("original", "translation", "z_mean")
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


def word_tags(line: str, n_words: int) -> list[bool]:
    """BAD flags of the N words from a 2N+1 gap/word tag line (gap tags are ignored); ValueError if malformed."""
    tags = line.split()
    if len(tags) != 2 * n_words + 1:
        raise ValueError(f"{len(tags)} tags for {n_words} MT words (expected {2 * n_words + 1})")
    words = tags[1::2]
    unknown = set(words) - {"OK", "BAD"}
    if unknown:
        raise ValueError(f"unknown tag {sorted(unknown)[0]!r} (expected OK or BAD)")
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


def _read_da(path: Path, expected: int) -> tuple[list[str], list[list[str]]]:
    """The header and the rows (one per MT line) of a .da.tsv."""
    rows = list(csv.reader(read_lines(path), delimiter="\t", quoting=csv.QUOTE_NONE))
    header = rows[0] if rows else []
    missing = [c for c in DA_COLUMNS if c not in header]
    if missing:
        raise InputError(f"{path}: no {' or '.join(repr(c) for c in missing)} column in the header")
    if len(rows) - 1 != expected:
        raise InputError(f"{path}: {len(rows) - 1} rows for {expected} MT lines")
    return header, rows[1:]


def available_pairs(root: Path, split: str) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / f"{split}.mt").is_file()) if root.is_dir() else []


def load_pair(
    root: Path, pair: str, split: str, limit: int | None = None, odd_rows: OddRows | None = None
) -> MlqePair:
    """The first ``limit`` sentences of one pair, less those with a malformed line (see the module).

    Odd lines go to ``odd_rows``; without one, the first is an ``InputError``.
    """
    odd = odd_rows if odd_rows is not None else OddRows(strict=True)
    base = root / pair / split
    paths = {suffix: Path(f"{base}.{suffix}") for suffix in ("mt", "tags", "hter", "da.tsv")}
    sentences = read_lines(paths["mt"], " (is --data the MLQE-PE folder and --split right?)")
    tags = read_lines(paths["tags"])
    hter = read_lines(paths["hter"])
    header, da_rows = _read_da(paths["da.tsv"], len(sentences))
    for suffix, values in (("tags", tags), ("hter", hter)):
        if len(values) != len(sentences):
            raise InputError(f"{paths[suffix]}: {len(values)} lines for {len(sentences)} MT lines")
    original, translation, z_mean = (header.index(c) for c in DA_COLUMNS)
    same = [
        len(row) > translation and _non_space(row[translation]) == _non_space(tok)
        for tok, row in zip(sentences, da_rows)
    ]
    if sum(same) < ALIGNED_SHARE * len(sentences):  # shuffled or foreign rows: z_mean would be wrong too
        raise InputError(
            f"{paths['da.tsv']}: its translations do not match the .mt lines (only {sum(same)} of {len(same)})"
        )
    data = MlqePair(pair, [], [], [], [], [], [])
    n = len(sentences) if limit is None else min(limit, len(sentences))
    for i in range(n):
        row = da_rows[i]
        try:
            where, line = paths["tags"], i + 1
            bad = word_tags(tags[i], len(sentences[i].split()))
            where = paths["hter"]
            hter_value = float(hter[i])
            where, line = paths["da.tsv"], i + 2
            if len(row) != len(header):
                raise ValueError(f"{len(row)} fields, the header has {len(header)}")
            z = float(row[z_mean])
        except ValueError as exc:
            odd.skip(where, line, str(exc))
            continue
        data.sentences.append(sentences[i])
        data.texts.append(row[translation] if same[i] else sentences[i])
        data.sources.append(row[original])
        data.word_bad.append(bad)
        data.hter.append(hter_value)
        data.da_z.append(z)
    return data


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


def load(
    root: Path, split: str, pairs: Sequence[str] | None, limit: int | None, odd_rows: OddRows | None = None
) -> list[MlqePair]:
    """The requested pairs (default: every pair folder with ``{split}.mt``); odd lines as in ``load_pair``."""
    names = list(pairs) if pairs else available_pairs(root, split)
    if not names:
        raise InputError(f"{root}: no pair folder with {split}.mt (expected {{DIR}}/{{pair}}/{split}.mt)")
    return [load_pair(root, name, split, limit, odd_rows) for name in names]
