"""MT301 back-translation: a sentence that does not survive a round trip through a pivot language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mtqa.backends.round_trip import CHRF_NAME, Change, changed_spans, sentence_scores, small_changes
from mtqa.backends.vectors import cosine
from mtqa.checks._model_check import ModelCheck
from mtqa.check_options import Option
from mtqa.checks.base import CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity
from mtqa.signature import Signature

# Pivots tried, in order, after the first choice (German; English for German text) when its
# models are not on this machine: the languages with offline translators (Apertium) first.
PIVOTS = ("es", "ca", "gl", "fr", "nl", "ru", "zh")
# A pivot that drops subject pronouns or has one possessive for his/her/its/their (Spanish
# "su") returns "She added that her government" as "It added that his government": a
# pronoun that comes back as another pronoun, or not at all, is the pivot's loss, not an error.
_PRONOUNS_EN = frozenset(
    "i me my mine you your yours he him his she her hers it its we us our ours they them their theirs".split()
)


def preferred_pivot(target: str) -> str:
    return "en" if target == "de" else "de"


def default_pivot(target: str, models: Any) -> str:
    """German (English for German text) where its models are here or may be downloaded, else
    the first pivot whose translators both ways are on this machine (hub or offline source)."""
    first = preferred_pivot(target)
    candidates = [first] + [p for p in PIVOTS if p not in (first, target)]
    if models.downloads_allowed:
        return first
    for pivot in candidates:
        if models.installed(f"translate:{target}-{pivot}") and models.installed(f"translate:{pivot}-{target}"):
            return pivot
    return first  # nothing installed: the skip names the pull command of the first choice


# The sentence-score threshold per translator backend; None: no sentence is flagged for its
# score alone. Neural: set for OPUS-MT. Apertium: on MLQE-PE dev its round trip scores MT output
# and post-edits alike (MT output lower in 49.5 % of pairs; at 3 % of the post-edits, 3.2 % of the
# MT outputs), so the score is no evidence there and only repairs are flagged
# (benchmarks/calibrate_back_translation.py; docs/evaluation.md, MT301).
DEFAULT_THRESHOLDS: dict[str, float | None] = {"apertium": None}
NEURAL_THRESHOLD = 0.45
# A repair: a change of at most REPAIR_WORDS words (a replacement or a drop) that makes the
# sentence likelier to the language model by REPAIR_MARGIN nats or more. The margin is where
# 3 % of the first 200 MLQE-PE dev post-edits per X→en pair get a repair through Apertium; at
# it 8.2 % of the MT outputs do, and the flagged MT words are BAD 63 % of the time (mean word
# MCC .038, the best of the kinds of change measured: benchmarks/calibrate_back_translation.py
# --repairs; docs/evaluation.md, MT301).
REPAIR_MARGIN = 10.7
REPAIR_WORDS = 3


def default_threshold(backend: str) -> float | None:
    return DEFAULT_THRESHOLDS.get(backend, NEURAL_THRESHOLD)


def repair_gains(lm: Any, texts: list[str], round_trips: list[str], lang: str) -> list[list[tuple[Change, float]]]:
    """Per text, each small change its round trip made and how many nats likelier the language
    model finds the text with that change applied (summed token log-probabilities, no context).

    In English a pronoun-only change is left out: the pivot's loss, not a repair.
    """
    candidates = []
    for text, round_trip in zip(texts, round_trips, strict=True):
        changes = small_changes(text, round_trip, REPAIR_WORDS)
        if lang == "en":
            changes = [c for c in changes if not _pronoun_only(text, c)]
        candidates.append(changes)
    variants = [_apply(t, c) for t, changes in zip(texts, candidates, strict=True) for c in changes]
    totals = iter(sum(tok[2] for tok in row) for row in lm.token_logprobs(list(texts) + variants))
    bases = [next(totals) for _ in texts]
    return [[(c, next(totals) - base) for c in changes] for base, changes in zip(bases, candidates, strict=True)]


def combined(chrf: float, cos: float, weight: float) -> float:
    """The round-trip score on 0–1: ``weight``·chrF/100 + (1 − weight)·embedding cosine."""
    return weight * chrf / 100 + (1 - weight) * cos


class BackTranslation(ModelCheck):
    """Flags sentences whose back-translation through a pivot language comes back different.

    What it does:
        Translates each sentence into a pivot language and back, then scores the round trip
        against the original with sentence chrF and sentence-embedding cosine similarity
        (BLEU and TER are in the details). Below the threshold, the words that changed are
        flagged, and the round trip is the suggestion only where the language model (the lm
        role of the text's language) finds it reads better than the original. Above it, a
        change of at most three words that the language model finds likelier than the
        original by ``repair_margin`` nats is flagged as a repair (minor), with the round
        trip's words as the suggestion: what the pivot could only carry across by fixing
        it (Apertium returns "last a hour" as "last an hour"). In English, a pronoun that
        comes back as another pronoun or not at all is not flagged: Spanish drops subject
        pronouns and has one possessive for his, her, its and their.
    Why is this bad:
        A sentence the models cannot carry across and back usually says something other than
        intended: a wrong word sense, a garbled clause, a mistranslated term. chrF alone
        punishes harmless paraphrase, so the embedding similarity is weighed in. Text copied
        untranslated round-trips perfectly; such sentences are flagged when the language
        check says they are not in the target language.

        Its blind spots. A round trip can repair an error and still score well; only the
        repairs the language model prefers by the margin are flagged. A
        sentence copied from the source comes back perfect (the copy guard above catches it
        only where the language check sees the wrong language). Rule-based MT (Apertium)
        garbles idioms ("He kicked the bucket" returns as "It kicked the cube"), so it flags
        correct sentences that a neural pivot would carry across; on MLQE-PE dev its round
        trip scores MT output and post-edit alike (chrF 79.5 vs 79.0 for et-en, r with HTER
        −0.08). Its default threshold is therefore set per translator backend on dev data:
        through Apertium no sentence is flagged for its score, only repairs, which MT
        output gets almost three times as often as its post-edit on MLQE-PE dev (8.2 % of
        sentences against 3 %); its findings are leads, not a gate.
    Example:
        They arrived to the airport late at the night.
    Use instead:
        They arrived at the airport late at night.
    Options:
        ``pivot``: the pivot language. By default German (English for German text) through
        the hub's OPUS-MT models when they are pulled or may be downloaded; offline, the
        first of es, ca, gl, fr, nl, ru, zh whose translators both ways are installed, so
        with ``apt-get install apertium apertium-eng-spa`` English text goes through Spanish.
        Set ``[options.MT301] pivot = "es"`` to choose. ``threshold``: by default 0.45 for
        a neural translator (OPUS-MT) and off for Apertium; the signature's ``thr`` says
        which applied. ``repair_margin``: the nats a repair needs (calibrated through
        Apertium; not measured through OPUS-MT).
    """

    code = "MT301"
    name = "back-translation"
    aliases = ("backtranslation",)
    summary = "The sentence changes meaning when translated to a pivot language and back."
    severity = Severity.MAJOR
    category = "accuracy/mistranslation"
    options = (
        Option("pivot", None, "the pivot language (default: German, English for German text; offline: "
               "the first of es, ca, gl, … installed both ways)", kind=str),
        Option("threshold", None, "round trips scoring below this are flagged (0–1; default: per translator "
               f"backend, {NEURAL_THRESHOLD:g} neural, off for Apertium)", kind=float),
        Option("repair_margin", REPAIR_MARGIN, "the log-probability gain (nats) of a change of at most "
               f"{REPAIR_WORDS} words that flags it as a repair"),
        Option("chrf_weight", 0.5, "the weight of chrF in the score; the embedding cosine gets the rest"),
        Option("copy_guard", 0.9, "round trips scoring this or more are checked for text copied untranslated"),
    )
    libraries = ("torch", "transformers", "sentencepiece", "sacrebleu")

    def roles(self, ctx: CheckContext) -> list[str]:
        """Both translators of the pivot this run would use, the embedder, and the LM that judges the round trip."""
        target = ctx.target_lang
        pivot = self._pivot(ctx)
        return [f"translate:{target}-{pivot}", f"translate:{pivot}-{target}", "embed", f"lm:{target}"]

    def _pivot(self, ctx: CheckContext) -> str:
        return self.option(ctx, "pivot") or default_pivot(ctx.target_lang, self.models)

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        segments = [s for s in document.segments if any(c.isalpha() for c in s.text)]
        if not segments:
            return
        target = ctx.target_lang
        pivot = self._pivot(ctx)
        weight = self.option(ctx, "chrf_weight")
        forward = self.models.translator(target, pivot)
        backward = self.models.translator(pivot, target)
        threshold = self.option(ctx, "threshold")
        if threshold is None:
            threshold = default_threshold(forward.backend)
        embedder = self.models.embedder()
        lm = self.models.lm(target)
        margin = self.option(ctx, "repair_margin")
        signature = str(
            Signature.of(
                model=f"{forward.ref}+{backward.ref}",
                embed=embedder.ref,
                lm=lm.ref,
                pivot=pivot,
                metric=f"{CHRF_NAME}*{weight:g}+cos*{1 - weight:g}",
                thr="off" if threshold is None else threshold,
                repair=margin,
                backend=forward.backend,
            )
        )
        ctx.sign(self.code, signature)
        texts = [s.text for s in segments]
        task = f"{self.code} round trips of {len(texts)} sentences"
        ctx.progress(task, 0, None)
        pivots = forward.translate(texts)
        round_trips = backward.translate(pivots)
        round_trip_of = dict(zip(texts, round_trips, strict=True))

        def score(batch: list[str]) -> list[dict]:
            vectors = embedder.embed(batch + [round_trip_of[t] for t in batch])
            return [
                {**sentence_scores(round_trip_of[t], t), "cosine": round(cosine(vectors[i], vectors[len(batch) + i]), 4)}
                for i, t in enumerate(batch)
            ]

        all_scores = self.models.memo(signature, texts, score)
        ctx.progress(task, 1, 1)
        flagged: list[tuple[Segment, dict, list[Change] | None]] = []
        kept: list[tuple[Segment, dict]] = []  # scored above the threshold: only repairs can flag them
        for i, (segment, scores) in enumerate(zip(segments, all_scores, strict=True)):
            score = combined(scores["chrf"], scores["cosine"], weight)
            details = {
                **scores,
                "score": round(score, 4),
                "round_trip": round_trips[i],
                "pivot_text": pivots[i],
                "signature": signature,
            }
            if threshold is not None and score < threshold:
                changes = changed_spans(segment.text, round_trips[i])
                if changes and target == "en":
                    changes = [c for c in changes if not _pronoun_only(segment.text, c)]
                    if not changes:  # nothing but pronouns moved: what the pivot cannot carry
                        continue
                flagged.append((segment, details, changes))
                continue
            if score >= self.option(ctx, "copy_guard"):
                yield from self._copied(document, segment, ctx, details)
            kept.append((segment, details))
        better = self._reads_better(lm, [_edits(segment.text, details["round_trip"], changes) for segment, details, changes in flagged])
        for (segment, details, changes), judged in zip(flagged, better, strict=True):
            yield from self._divergence(document, segment, details, changes, judged)
        gains = repair_gains(lm, [s.text for s, _ in kept], [d["round_trip"] for _, d in kept], target)
        for (segment, details), repairs in zip(kept, gains, strict=True):
            for change, gain in repairs:
                if gain >= margin:
                    yield self._repair(document, segment, details, change, gain)

    @staticmethod
    def _reads_better(lm: Any, variants: list[tuple[str, list[str]]]) -> list[list[bool]]:
        """Per flagged sentence, whether each edit reads better than the original (mean token log-prob)."""
        texts = [t for original, edits in variants for t in (original, *edits)]
        scored = iter(lm.token_logprobs(texts))
        judged = []
        for _, edits in variants:
            base = _mean_logprob(next(scored))
            judged.append([_mean_logprob(next(scored)) > base for _ in edits])
        return judged

    def _divergence(
        self, document: Document, segment: Segment, details: dict, changes: list[Change] | None, better: list[bool]
    ) -> Iterator[Finding]:
        score = details["score"]
        round_trip = details["round_trip"]
        if not changes:  # most words changed (or none did, yet the scores are low): the sentence
            yield self.finding(
                document, segment, segment.start, segment.end,
                f"sentence does not survive back-translation (score {score:.2f}); round trip: {round_trip!r}",
                suggestion=round_trip if better[0] else None,
                **details,
            )
            return
        for k, change in enumerate(changes):
            start, end = segment.start + change.start, segment.start + change.end
            lost = "dropped" if change.replacement is None else f"came back as {change.replacement!r}"
            yield self.finding(
                document, segment, start, end,
                f"{document.text[start:end]!r} {lost} in the back-translation (sentence score {score:.2f})",
                suggestion=change.replacement if better[k] else None,
                **details,
            )

    def _repair(self, document: Document, segment: Segment, details: dict, change: Change, gain: float) -> Finding:
        """A change the round trip made that the language model prefers: the pivot fixed something."""
        start, end = segment.start + change.start, segment.start + change.end
        words = document.text[start:end]
        if change.replacement is None:
            message = f"{words!r} was dropped in the back-translation, and the sentence reads likelier without it"
        else:
            message = f"{words!r} came back as {change.replacement!r} in the back-translation, which reads likelier"
        return self.finding(
            document, segment, start, end,
            f"{message} (+{gain:.1f} nats to the language model)",
            suggestion=change.replacement,
            severity=Severity.MINOR,
            **details,
            repair_gain=round(gain, 2),
        )

    def _copied(self, document: Document, segment: Segment, ctx: CheckContext, details: dict) -> Iterator[Finding]:
        """The round trip's blind spot: untranslated text comes back unchanged."""
        from mtqa.checks.wrong_language import WrongLanguage

        for hit in WrongLanguage().check_segment(document, segment, ctx):
            yield self.finding(
                document, segment, segment.start, segment.end,
                f"round trip is near-perfect (score {details['score']:.2f}) only because the text is not in "
                f"{ctx.target_lang!r} ({hit.message}); it was probably left untranslated",
                **details,
                detected=hit.details.get("detected"),
            )


def _apply(text: str, change: Change) -> str:
    """The text with the change made; a dropped word takes one side's space with it."""
    before, after = text[: change.start], text[change.end :]
    if change.replacement is not None:
        return before + change.replacement + after
    if not before or before[-1].isspace():
        after = after.lstrip()
    return before + after


def _edits(original: str, round_trip: str, changes: list[Change] | None) -> tuple[str, list[str]]:
    """The original and what each suggestion would make of it: the round trip, or one change applied."""
    if not changes:
        return original, [round_trip]
    return original, [_apply(original, c) for c in changes]


def _mean_logprob(tokens: list[tuple[int, int, float]]) -> float:
    return sum(t[2] for t in tokens) / len(tokens) if tokens else float("-inf")


def _pronoun_only(text: str, change: Change) -> bool:
    """Whether the change swaps or drops English pronouns and nothing else."""
    words = text[change.start : change.end].lower().split()
    swapped = (change.replacement or "").lower().split()
    return all(w in _PRONOUNS_EN for w in words + swapped)
