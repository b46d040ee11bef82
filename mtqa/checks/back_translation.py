"""MT301 back-translation: a sentence that does not survive a round trip through a pivot language."""

from __future__ import annotations

from collections.abc import Iterator

from mtqa.backends.round_trip import CHRF_NAME, changed_spans, sentence_scores
from mtqa.backends.vectors import cosine
from mtqa.checks._model_check import ModelCheck
from mtqa.check_options import Option
from mtqa.checks.base import CheckContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity
from mtqa.signature import Signature


def default_pivot(target: str) -> str:
    return "en" if target == "de" else "de"


def combined(chrf: float, cos: float, weight: float) -> float:
    """The round-trip score on 0–1: ``weight``·chrF/100 + (1 − weight)·embedding cosine."""
    return weight * chrf / 100 + (1 - weight) * cos


class BackTranslation(ModelCheck):
    """Flags sentences whose back-translation through a pivot language comes back different.

    What it does:
        Translates each sentence into a pivot language (default German; English for German
        text) and back, then scores the round trip against the original with sentence chrF
        and sentence-embedding cosine similarity (BLEU and TER are in the details). Below the
        threshold, the words that changed are flagged and the round trip is the suggestion.
    Why is this bad:
        A sentence the models cannot carry across and back usually says something other than
        intended: a wrong word sense, a garbled clause, a mistranslated term. chrF alone
        punishes harmless paraphrase, so the embedding similarity is weighed in. Text copied
        untranslated round-trips perfectly; such sentences are flagged when the language
        check says they are not in the target language.
    Example:
        The committee will table the motion until the next session.
    Use instead:
        The committee will postpone the motion until the next session.
    """

    code = "MT301"
    name = "back-translation"
    aliases = ("backtranslation",)
    summary = "The sentence changes meaning when translated to a pivot language and back."
    severity = Severity.MAJOR
    category = "accuracy/mistranslation"
    options = (
        Option("pivot", None, "the pivot language (by default German; English for German text)", kind=str),
        Option("threshold", 0.45, "round trips scoring below this are flagged (0–1)"),
        Option("chrf_weight", 0.5, "the weight of chrF in the score; the embedding cosine gets the rest"),
        Option("copy_guard", 0.9, "round trips scoring this or more are checked for text copied untranslated"),
    )
    libraries = ("torch", "transformers", "sentencepiece", "sacrebleu")

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        segments = [s for s in document.segments if any(c.isalpha() for c in s.text)]
        if not segments:
            return
        target = ctx.target_lang
        pivot = self.option(ctx, "pivot") or default_pivot(target)
        threshold = self.option(ctx, "threshold")
        weight = self.option(ctx, "chrf_weight")
        forward = self.models.translator(target, pivot)
        backward = self.models.translator(pivot, target)
        embedder = self.models.embedder()
        signature = str(
            Signature.of(
                model=f"{forward.ref}+{backward.ref}",
                embed=embedder.ref,
                pivot=pivot,
                metric=f"{CHRF_NAME}*{weight:g}+cos*{1 - weight:g}",
                thr=threshold,
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
        for i, (segment, scores) in enumerate(zip(segments, all_scores, strict=True)):
            score = combined(scores["chrf"], scores["cosine"], weight)
            details = {
                **scores,
                "score": round(score, 4),
                "round_trip": round_trips[i],
                "pivot_text": pivots[i],
                "signature": signature,
            }
            if score < threshold:
                yield from self._divergence(document, segment, round_trips[i], details)
            elif score >= self.option(ctx, "copy_guard"):
                yield from self._copied(document, segment, ctx, details)

    def _divergence(self, document: Document, segment: Segment, round_trip: str, details: dict) -> Iterator[Finding]:
        score = details["score"]
        changes = changed_spans(segment.text, round_trip)
        if not changes:  # most words changed (or none did, yet the scores are low): the sentence
            yield self.finding(
                document, segment, segment.start, segment.end,
                f"sentence does not survive back-translation (score {score:.2f}); round trip: {round_trip!r}",
                suggestion=round_trip,
                **details,
            )
            return
        for change in changes:
            start, end = segment.start + change.start, segment.start + change.end
            lost = "dropped" if change.replacement is None else f"came back as {change.replacement!r}"
            yield self.finding(
                document, segment, start, end,
                f"{document.text[start:end]!r} {lost} in the back-translation (sentence score {score:.2f})",
                suggestion=change.replacement,
                **details,
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
