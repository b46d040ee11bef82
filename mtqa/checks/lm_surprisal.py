"""MT311 lm-surprisal: words a language model finds far more surprising, in context, than a correct word there would be."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from typing import Any

from mtqa.check_options import Option
from mtqa.checks._model_check import ModelCheck
from mtqa.checks.base import CheckContext
from mtqa.document import Document, Segment
from mtqa.extras import require
from mtqa.findings import Finding, Severity
from mtqa.signature import Signature

WORD = re.compile(r"\w+(?:['’-]\w+)*")
_BITS = 1 / math.log(2)
# Sentences are scored in runs of about this many words, each run reading the text before it
# (one model pass per run, not per sentence: context read once per run keeps MT311 over 200 words/s).
RUN_WORDS = 120
# Characters of preceding text handed to the runner, which keeps the last ``context_tokens`` of them.
CONTEXT_CHARS_PER_TOKEN = 8
# Bits by which the sentence with the suggestion must be likelier. 0 (any gain): on MLQE-PE dev no
# margin up to 16 bits made suggestions match the post-edits more often (docs/evaluation.md, MT311).
SUGGESTION_MARGIN = 0.0


@cache
def calibration() -> dict[str, Any]:
    """The normaliser's coefficients and thresholds (``lm_surprisal.json``, made by benchmarks/calibrate_lm_surprisal.py)."""
    return dict(json.loads(files("mtqa.checks").joinpath("lm_surprisal.json").read_text(encoding="utf-8")))


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


@dataclass(frozen=True)
class ScoredWord:
    """One word as the LM saw it: offsets into its sentence, surprisal and entropy in bits."""

    start: int
    end: int
    bits: float  # the summed surprisal of the word's tokens
    entropy: float  # of the model's distribution before the word's first token
    pieces: int  # tokens in the word
    initial: bool  # the sentence's first word
    likelier: tuple[str, ...]  # the model's likeliest next tokens there, as they read


def word_surprisals(text: str, tokens: Sequence[Sequence[Any]]) -> list[tuple[int, int, float]]:
    """(start, end, bits) per word of ``text``: the summed surprisal of the tokens it owns."""
    return [(w.start, w.end, w.bits) for w in scored_words(text, tokens)]


def scored_words(text: str, tokens: Sequence[Sequence[Any]]) -> list[ScoredWord]:
    """The words of ``text`` from its tokens ``(start, end, logprob[, entropy, top tokens])``.

    A token belongs to the word holding its first word character; tokens of spaces and
    punctuation alone belong to no word. Entropy and likelier tokens are the first token's.
    """
    words = [(m.start(), m.end()) for m in WORD.finditer(text)]
    owner = [-1] * len(text)
    for index, (start, end) in enumerate(words):
        owner[start:end] = [index] * (end - start)
    bits = [0.0] * len(words)
    pieces = [0] * len(words)
    first: list[Sequence[Any] | None] = [None] * len(words)
    for token in tokens:
        start, end = int(token[0]), int(token[1])
        index = next((owner[i] for i in range(start, min(end, len(text))) if owner[i] >= 0), -1)
        if index >= 0:
            bits[index] -= token[2] * _BITS
            pieces[index] += 1
            first[index] = first[index] or token
    return [
        ScoredWord(
            start, end, bits[i],
            entropy=float(first[i][3]) * _BITS if first[i] is not None and len(first[i]) > 3 else 0.0,  # type: ignore[index]
            pieces=pieces[i], initial=i == 0,
            likelier=tuple(first[i][4]) if first[i] is not None and len(first[i]) > 4 else (),  # type: ignore[index]
        )
        for i, (start, end) in enumerate(words)
    ]


FEATURES = ("one", "entropy", "unigram", "initial", "capitalised", "digit", "pieces", "entropy*initial")


def features(word: str, scored: ScoredWord, lang: str) -> list[float]:
    """What makes a correct word surprising (``FEATURES`` order): the model's uncertainty there,
    rarity, a sentence start, a name, a number, a word split into many tokens."""
    capitalised = float(word[:1].isupper() and not scored.initial)
    initial = float(scored.initial)
    return [
        1.0,
        scored.entropy,
        min(unigram_bits(word.lower(), lang), 30.0),
        initial,
        capitalised,
        float(any(c.isdigit() for c in word)),
        float(min(scored.pieces, 6) - 1),
        scored.entropy * initial,
    ]


@dataclass(frozen=True)
class Normaliser:
    """Surprisal weighed against what makes correct words surprising, as the log-odds that a word is BAD.

    ``weights`` are a logistic regression over ``FEATURES`` and surprisal × ``FEATURES`` (so
    each kind of position gets its own slope and offset: a surprising sentence start counts
    less than a surprising word mid-sentence), fit on MLQE-PE train word tags.
    ``expected_bits``, linear in ``FEATURES`` and fit on the words tagged OK, is how surprising
    a correct word at the position would be: what the finding's message compares with.
    """

    expected_bits: tuple[float, ...]
    weights: tuple[float, ...]

    @classmethod
    def shipped(cls) -> Normaliser:
        data = calibration()
        if tuple(data["features"]) != FEATURES:
            raise ValueError("lm_surprisal.json was fit on other features: rerun benchmarks/calibrate_lm_surprisal.py")
        return cls(tuple(data["expected_bits"]), tuple(data["weights"]))

    def expected(self, row: Sequence[float]) -> float:
        return sum(w * x for w, x in zip(self.expected_bits, row, strict=True))

    def score(self, bits: float, row: Sequence[float]) -> float:
        return sum(w * x for w, x in zip(self.weights, [*row, *(bits * x for x in row)], strict=True))


def runs(segments: Sequence[Segment], words_per_run: int = RUN_WORDS) -> list[list[Segment]]:
    """Consecutive sentences grouped into runs of about ``words_per_run`` words (one model pass each)."""
    grouped: list[list[Segment]] = []
    count = 0
    for segment in segments:
        words = len(WORD.findall(segment.text))
        if not grouped or count + words > words_per_run:
            grouped.append([])
            count = 0
        grouped[-1].append(segment)
        count += words
    return grouped


def document_words(
    document: Document, segments: Sequence[Segment], lm: Any, context_tokens: int, top_k: int
) -> list[tuple[Segment, list[ScoredWord]]]:
    """Every word of ``segments`` scored in document context: the preceding text within
    ``context_tokens`` tokens (a name introduced earlier is not surprising later)."""
    grouped = runs(segments)
    items = []
    for run in grouped:
        first, last = run[0].start, run[-1].end
        before = document.text[max(0, first - context_tokens * CONTEXT_CHARS_PER_TOKEN) : first]
        items.append((before if context_tokens else "", document.text[first:last]))
    scored = []
    for run, tokens in zip(grouped, lm.token_stats(items, context_tokens, top_k), strict=True):
        base = run[0].start
        for segment in run:
            offset = segment.start - base
            own = [(t[0] - offset, t[1] - offset, *t[2:]) for t in tokens if offset <= t[0] < offset + len(segment.text)]
            scored.append((segment, scored_words(segment.text, own)))
    return scored


def likelier_words(scored: ScoredWord, word: str, lang: str) -> list[str]:
    """The model's likelier tokens at the word that are whole known words (not fragments, not the word)."""
    found = []
    for piece in scored.likelier:
        candidate = piece.strip()
        if not candidate.isalpha() or candidate.lower() == word.lower() or candidate in found:
            continue
        if (piece[:1].isspace() or scored.initial) and unigram_bits(candidate.lower(), lang) < 30.0:
            found.append(candidate)
    return found


def _sentence_bits(tokens: Sequence[Sequence[Any]]) -> float:
    return -sum(t[2] for t in tokens) * _BITS


class LMSurprisal(ModelCheck):
    """Flags words a language model finds far more surprising, in context, than a correct word there would be.

    What it does:
        Scores every token with a causal language model (the `lm:<lang>` role), reading each
        sentence after the text before it (up to `context_tokens` tokens), and pools the token
        surprisals into words. Correct words are surprising too, for known reasons: a sentence
        start, a name, a number, a rare word, a position where many words could follow (the
        model's entropy). A normaliser fit on MLQE-PE train word tags weighs the surprisal
        against these (a logistic regression: the log-odds that the word is an error); a word
        above `threshold` is flagged. The finding names the model's likelier words there, and
        suggests the first of them only when the sentence with it is likelier than as written
        by more than `suggestion_margin` bits.
    Why is this bad:
        Mistranslated words are often fluent-looking but wrong in context: a wrong sense, a
        calque, a verb left at the end of the clause. A language model is surprised by them in
        a way that correct sentence starts, names and rare words are not, once those are
        accounted for. The signal is weak (see docs/evaluation.md): a finding is a place to
        look, not a verdict.
    Example:
        He said that the talks whether Moscow was a invasion of Ukraine can order continued.
    Use instead:
        He said that the talks on whether Moscow could order an invasion of Ukraine continued.
    """

    code = "MT311"
    name = "lm-surprisal"
    aliases = ("lm",)
    summary = "A word the language model finds far more surprising in context than a correct word there would be."
    severity = Severity.MINOR
    category = "fluency"
    options = (
        Option(
            "threshold", float(calibration()["threshold"]),
            "words whose normalised surprisal (log-odds of an error) is above this are flagged; "
            "the default lets 3 % of the words of MLQE-PE dev post-edits through",
        ),
        Option("context_tokens", 128, "tokens of preceding text the model reads before each run of sentences"),
        Option("top_k", 8, "next tokens the model is asked for at each word (its likelier words)"),
        Option(
            "suggestion_margin", SUGGESTION_MARGIN,
            "bits (log2 of the probability ratio) by which the sentence with a likelier word must "
            "beat the sentence as written for that word to be suggested",
        ),
    )
    libraries = ("torch", "transformers", "wordfreq")

    def roles(self, ctx: CheckContext) -> list[str]:
        return [f"lm:{ctx.target_lang}"]

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        segments = [s for s in document.segments if WORD.search(s.text)]
        if not segments:
            return
        lang = ctx.target_lang
        lm = self.models.lm(lang)
        limit = self.option(ctx, "threshold")
        context_tokens = int(self.option(ctx, "context_tokens"))
        normaliser = Normaliser.shipped()
        signature = str(
            Signature.of(
                model=lm.ref,
                freq=f"wordfreq-{version('wordfreq')}-{lang}",
                context=context_tokens,
                metric=f"surprisal-logit:{calibration()['name']}",
                thr=limit,
            )
        )
        ctx.sign(self.code, signature)
        task = f"{self.code} scoring {len(segments)} sentences"
        ctx.progress(task, 0, None)
        scored = document_words(document, segments, lm, context_tokens, int(self.option(ctx, "top_k")))
        ctx.progress(task, 1, 1)
        flagged = []  # (segment, word, normalised score, expected bits, likelier words)
        for segment, words in scored:
            for word in words:
                if word.initial and segment is segments[0]:
                    continue  # the document's first word has nothing before it: any word would be surprising
                text = segment.text[word.start : word.end]
                row = features(text, word, lang)
                score = normaliser.score(word.bits, row)
                if score > limit:
                    flagged.append((segment, word, score, normaliser.expected(row), likelier_words(word, text, lang)))
        suggestions = self._suggestions(lm, flagged, float(self.option(ctx, "suggestion_margin")))
        for (segment, word, score, expected, likelier), (suggestion, gain) in zip(flagged, suggestions, strict=True):
            text = segment.text[word.start : word.end]
            alternatives = f"; likelier: {', '.join(likelier[:3])}" if likelier else ""
            yield self.finding(
                document, segment, segment.start + word.start, segment.start + word.end,
                f"unexpected word {text!r}: {word.bits:.1f} bits of surprisal, "
                f"a correct word here would have about {expected:.1f} (score {score:.1f}){alternatives}",
                suggestion=suggestion,
                surprisal_bits=round(word.bits, 3),
                expected_bits=round(expected, 3),
                entropy_bits=round(word.entropy, 3),
                score=round(score, 3),
                likelier=likelier,
                suggestion_gain_bits=None if gain is None else round(gain, 3),
                signature=signature,
            )

    def _suggestions(self, lm: Any, flagged: list[Any], margin: float) -> list[tuple[str | None, float | None]]:
        """Per flagged word: (the first likelier word or None, how many bits likelier it makes the sentence).

        The word is suggested only when the whole sentence with it beats the sentence as written
        by more than ``margin`` bits: a word the model expects at the position can still read
        worse in the sentence. Both sentences are scored alone (no context): one short pass
        each, and each flagged sentence's original once, so suggestions cost less than the
        document's own pass. (Trying the best of the first three likelier words instead
        matched MLQE-PE post-edits less often: docs/evaluation.md, MT311, "Suggestions".)
        """
        texts: dict[str, int] = {}
        tried: list[tuple[str, str, str] | None] = []
        for segment, word, _, _, likelier in flagged:
            if not likelier:
                tried.append(None)
                continue
            candidate = likelier[0]
            if segment.text[word.start : word.end][:1].isupper():
                candidate = candidate[:1].upper() + candidate[1:]
            changed = segment.text[: word.start] + candidate + segment.text[word.end :]
            tried.append((segment.text, changed, candidate))
            texts.setdefault(segment.text, len(texts))
            texts.setdefault(changed, len(texts))
        rows = lm.token_stats([("", text) for text in texts], 0, 0) if texts else []
        bits = {text: _sentence_bits(rows[index]) for text, index in texts.items()}
        result: list[tuple[str | None, float | None]] = []
        for t in tried:
            gain = None if t is None else bits[t[0]] - bits[t[1]]
            result.append((t[2] if gain is not None and gain > margin else None, gain))
        return result
