"""What the QE check tests before a pair reaches the model: language, direction, length.

The cross-encoder only knows the languages its encoder was pretrained on, reads the target
as a translation of the source (so a pair given the wrong way round scores as nonsense), and
sees at most 512 positions. These functions are pure (no torch, no model): the check turns
their answers into notes and findings, so bad input never becomes a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from mtqa.checks.base import CheckContext, language
from mtqa.checks.wrong_language import WrongLanguage, identifiable, other_languages, word_count
from mtqa.config import DEFAULT_LANGUAGES
from mtqa.locales import base, normalise
from mtqa.segment import sentence_spans

Range = tuple[int, int]
Chunk = tuple[Range, Range]

# The 100 CC-100 languages XLM-R was pretrained on, and so multilingual-e5 (Conneau et al.
# 2020, "Unsupervised Cross-lingual Representation Learning at Scale", Table 6; the same codes
# as multilingual-e5-small's model card). The table's romanised Bengali, Hindi, Tamil, Telugu
# and Urdu, Zawgyi Burmese and Traditional Chinese share their language's code: 93 codes.
ENCODER_LANGUAGES: frozenset[str] = frozenset(
    "af am ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy ga gd gl gu ha he"
    " hi hr hu hy id is it ja jv ka kk km kn ko ku ky la lo lt lv mg mk ml mn mr ms my ne nl no om"
    " or pa pl ps pt ro ru sa sd si sk sl so sq sr su sv sw ta te th tl tr ug uk ur uz vi xh yi zh".split()
)
# What ``locales.normalise`` writes for a language the table names otherwise: it turns "tl"
# into "fil"; Bokmål and Nynorsk are the table's Norwegian, Kurmanji its Kurdish.
_SAME_LANGUAGE = {"fil": "tl", "nb": "no", "nn": "no", "kmr": "ku", "zsm": "ms"}
_WORD_START = re.compile(r"(?<=\s)\S")
# MT107 with no options set: its defaults are the identification's conventions
_MT107, _DEFAULTS = WrongLanguage(), CheckContext()


def covers(lang: str) -> bool:
    """Whether the encoder was pretrained on ``lang`` ("de-DE", "pt_BR", "zh-Hans", "EN", "deu")."""
    tag = normalise(lang)
    if tag is None:
        return False
    code = base(tag)
    return _SAME_LANGUAGE.get(code, code) in ENCODER_LANGUAGES


def swapped(source: str, target: str, src_lang: str, tgt_lang: str) -> bool:
    """True when ``target`` is in the source language rather than the target language.

    Either the pair was given the wrong way round or the "translation" is the untranslated
    source; both tell the same from the target alone, so ``source`` is not read. The target is
    identified as MT107 (wrong-language) identifies a segment, with its defaults: at least four
    words once names, URLs and placeholders are left out (shorter strings are never swapped),
    the source language the likeliest at 0.5 or more, the target language at 0.1 or less.
    Whether the target *equals* the source is MT205's question, not this one.
    """
    src, tgt = language(src_lang), language(tgt_lang)
    if src == tgt:
        return False
    text = identifiable(target)
    if word_count(text) < _MT107.option(_DEFAULTS, "min_words"):
        return False
    min_confidence = _MT107.option(_DEFAULTS, "min_confidence")
    max_target = _MT107.option(_DEFAULTS, "max_target_confidence")
    (found,) = other_languages([text], tgt, frozenset(DEFAULT_LANGUAGES) | {src}, min_confidence, max_target)
    return found is not None and found.code == src


def _sentence_bounds(text: str, lang: str) -> list[int]:
    """0, each sentence's start after the first, len(text): whitespace goes with the sentence before."""
    starts = [start for start, _ in sentence_spans(text, language(lang))[1:]]
    return [0, *starts, len(text)]


def _nearest(candidates: Sequence[int], position: float) -> int:
    return min(candidates, key=lambda c: abs(c - position))


def _sentence_units(source_bounds: list[int], target_bounds: list[int]) -> list[Chunk]:
    """Runs of whole sentences paired in order: 1-1 when the counts agree, else by proportion.

    With unequal counts the side with fewer sentences leads: a cut at fraction f of its
    characters goes to the other side's sentence boundary nearest f; a cut that would land
    where the previous one did is dropped, so every unit has a sentence on each side.
    """
    if len(source_bounds) == len(target_bounds):
        return list(zip(zip(source_bounds, source_bounds[1:]), zip(target_bounds, target_bounds[1:])))
    target_leads = len(target_bounds) < len(source_bounds)
    lead, other = (target_bounds, source_bounds) if target_leads else (source_bounds, target_bounds)
    cuts = [(0, 0)]
    for cut in lead[1:-1]:
        mapped = _nearest(other[1:-1], cut / lead[-1] * other[-1])
        if mapped > cuts[-1][1]:
            cuts.append((cut, mapped))
    cuts.append((lead[-1], other[-1]))
    units = [((a, b), (c, d)) for (a, c), (b, d) in zip(cuts, cuts[1:])]
    return [(theirs, ours) for ours, theirs in units] if target_leads else units


def _inner_cuts(text: str, start: int, end: int, bounds: list[int]) -> list[int]:
    """Where [start, end) may be cut: its inner sentence starts, else its inner word starts."""
    sentences = [b for b in bounds if start < b < end]
    return sentences or [m.start() for m in _WORD_START.finditer(text, start, end) if m.start() > start]


def _halves(
    source: str, target: str, chunk: Chunk, bounds: tuple[list[int], list[int]], fits: Callable[[str, str], bool]
) -> list[Chunk]:
    """A unit over the limit, halved until each part fits: at sentence starts where a side has
    several, else at word starts, both sides in proportion (the side with more places to cut
    leads). A part with at most one word a side is returned as it is: it cannot be cut."""
    (s0, s1), (t0, t1) = chunk
    if fits(source[s0:s1], target[t0:t1]):
        return [chunk]
    source_cuts, target_cuts = _inner_cuts(source, s0, s1, bounds[0]), _inner_cuts(target, t0, t1, bounds[1])
    if not source_cuts and not target_cuts:
        return [chunk]
    if len(target_cuts) >= len(source_cuts):
        t = _nearest(target_cuts, (t0 + t1) / 2)
        s = _nearest([s0, *source_cuts, s1], s0 + (t - t0) / (t1 - t0) * (s1 - s0))
    else:
        s = _nearest(source_cuts, (s0 + s1) / 2)
        t = _nearest([t0, *target_cuts, t1], t0 + (s - s0) / (s1 - s0) * (t1 - t0))
    return [
        *_halves(source, target, ((s0, s), (t0, t)), bounds, fits),
        *_halves(source, target, ((s, s1), (t, t1)), bounds, fits),
    ]


def split_pair(
    source: str, target: str, fits: Callable[[str, str], bool], *, src_lang: str = "en", tgt_lang: str = "en"
) -> list[Chunk]:
    """Character ranges ((source_start, source_end), (target_start, target_end)) that tile both texts.

    The model never truncates silently: a pair over its limit (``fits`` says, counting tokens)
    is cut into chunks of whole sentences on each side, paired in order (``_sentence_units``),
    neighbours merged while the merge fits. A unit that alone does not fit is cut further
    (``_halves``), down to words, so no word is ever dropped; a chunk that still does not fit
    holds at most one word a side, and ``fits`` tells the caller so.
    """
    if fits(source, target):
        return [((0, len(source)), (0, len(target)))]
    bounds = _sentence_bounds(source, src_lang), _sentence_bounds(target, tgt_lang)
    chunks: list[Chunk] = []
    for unit in _sentence_units(*bounds):
        if chunks:
            (s0, _), (t0, _) = chunks[-1]
            (_, s1), (_, t1) = unit
            if fits(source[s0:s1], target[t0:t1]):
                chunks[-1] = ((s0, s1), (t0, t1))
                continue
        chunks.extend(_halves(source, target, unit, bounds, fits))
    return chunks
