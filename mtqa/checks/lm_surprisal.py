"""MT311 lm-surprisal: words a language model finds far more surprising than their frequency predicts."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from importlib.metadata import version

from mtqa.checks._model_check import ModelCheck
from mtqa.check_options import Option
from mtqa.checks.base import CheckContext
from mtqa.document import Document
from mtqa.extras import require
from mtqa.findings import Finding, Severity
from mtqa.signature import Signature

WORD = re.compile(r"\w+(?:['’-]\w+)*")
_BITS = 1 / math.log(2)


def unigram_bits(word: str, lang: str) -> float:
    """Surprisal of a word from its frequency alone: -log2 p(word), from wordfreq's Zipf scale.

    Zipf z means z - 9 = log10 of the frequency per word; unknown words get Zipf 0 (30 bits).
    Languages wordfreq lacks give 0 for every word, so only the model's own surprisal counts.
    """
    zipf_frequency = require("wordfreq", "models").zipf_frequency
    try:
        zipf = zipf_frequency(word, lang)
    except (LookupError, ValueError):
        return 0.0
    return (9.0 - zipf) * math.log2(10)


def word_surprisals(text: str, tokens: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """(start, end, bits) per word of ``text``: the summed surprisal of the tokens it owns.

    A token belongs to the word holding its first word character; tokens of spaces and
    punctuation alone belong to no word.
    """
    words = [(m.start(), m.end()) for m in WORD.finditer(text)]
    owner = [-1] * len(text)
    for index, (start, end) in enumerate(words):
        owner[start:end] = [index] * (end - start)
    bits = [0.0] * len(words)
    for start, end, logprob in tokens:
        index = next((owner[i] for i in range(start, min(end, len(text))) if owner[i] >= 0), -1)
        if index >= 0:
            bits[index] -= logprob * _BITS
    return [(start, end, b) for (start, end), b in zip(words, bits, strict=True)]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares line y = a + b·x; slope 0 when x does not vary."""
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    var_x = sum((x - mean_x) ** 2 for x in xs)
    if var_x < 1e-9:
        return mean_y, 0.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var_x
    return mean_y - slope * mean_x, slope


class LMSurprisal(ModelCheck):
    """Flags words a language model finds far more surprising than their frequency predicts.

    What it does:
        Scores every token with a causal language model (the `lm:<lang>` role), pools the
        token surprisals into words and compares each word with what its corpus frequency
        predicts (wordfreq). Words whose surprisal is far above the document's trend
        (robust z-score over the document) are flagged; each sentence's perplexity is in
        the details.
    Why is this bad:
        Mistranslated words are often fluent-looking but wrong in context: a wrong sense, a
        calque, a word from the wrong register. A language model is surprised by them in a way
        that rare but correct words (names, terms) are not, once frequency is accounted for.
    Example:
        The minister gave a speech about the budget of the cattle.
    Use instead:
        The minister gave a speech about the budget of the country.
    """

    code = "MT311"
    name = "lm-surprisal"
    aliases = ("lm",)
    summary = "A word the language model finds far more surprising than its frequency predicts."
    severity = Severity.MINOR
    category = "fluency"
    options = (
        Option("z", 3.5, "words whose robust z-score is above this are flagged"),
        Option("min_excess_bits", 4.0, "and whose surprisal is at least this many bits above the trend"),
        Option("min_words", 8, "documents with fewer words are not scored (too few for a trend)"),
    )
    libraries = ("torch", "transformers", "wordfreq")

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        segments = [s for s in document.segments if WORD.search(s.text)]
        if not segments:
            return
        lang = ctx.target_lang
        lm = self.models.lm(lang)
        z_limit = self.option(ctx, "z")
        min_excess = self.option(ctx, "min_excess_bits")
        signature = str(
            Signature.of(
                model=lm.ref,
                freq=f"wordfreq-{version('wordfreq')}-{lang}",
                metric="surprisal-bits-robust-z",
                thr=z_limit,
                excess=min_excess,
            )
        )
        ctx.sign(self.code, signature)
        task = f"{self.code} scoring {len(segments)} sentences"
        ctx.progress(task, 0, None)
        rows = lm.token_logprobs([s.text for s in segments])
        ctx.progress(task, 1, 1)
        scored = []  # (segment, start, end, bits, unigram bits, perplexity)
        for segment, tokens in zip(segments, rows, strict=True):
            perplexity = math.exp(-sum(t[2] for t in tokens) / len(tokens)) if tokens else float("nan")
            for start, end, bits in word_surprisals(segment.text, tokens):
                unigram = unigram_bits(segment.text[start:end].lower(), lang)
                scored.append((segment, start, end, bits, unigram, perplexity))
        if len(scored) < self.option(ctx, "min_words"):
            return
        intercept, slope = _fit([s[4] for s in scored], [s[3] for s in scored])
        residuals = [s[3] - (intercept + slope * s[4]) for s in scored]
        centre = _median(residuals)
        spread = 1.4826 * _median([abs(r - centre) for r in residuals]) or 1.0
        for (segment, start, end, bits, unigram, perplexity), residual in zip(scored, residuals, strict=True):
            z = (residual - centre) / spread
            if z < z_limit or residual - centre < min_excess:
                continue
            word = segment.text[start:end]
            yield self.finding(
                document, segment, segment.start + start, segment.start + end,
                f"unexpected word {word!r}: {bits:.1f} bits of surprisal, "
                f"{residual - centre:.1f} more than its frequency predicts (z={z:.1f})",
                surprisal_bits=round(bits, 3),
                expected_bits=round(intercept + slope * unigram + centre, 3),
                z=round(z, 3),
                sentence_perplexity=round(perplexity, 3),
                signature=signature,
            )
