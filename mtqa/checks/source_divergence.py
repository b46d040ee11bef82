"""MT302 source-divergence: the translation and the source say different things."""

from __future__ import annotations

import json
from collections.abc import Iterator

from mtqa.backends.round_trip import CHRF_NAME, changed_spans, sentence_scores
from mtqa.backends.vectors import cosine
from mtqa.checks._model_check import ModelCheck
from mtqa.checks.back_translation import BackTranslation, combined
from mtqa.check_options import Option
from mtqa.checks.base import CheckContext
from mtqa.document import Document
from mtqa.errors import ModelUnavailable
from mtqa.findings import Finding, Severity
from mtqa.signature import Signature


def source_language(ctx: CheckContext, code: str) -> str:
    """The source language, or a skip that says how to give it."""
    if not ctx.source_lang:
        raise ModelUnavailable(f"{code} compares with the source and needs its language", "mtqa check --src-lang XX …")
    return ctx.source_lang


class SourceDivergence(ModelCheck):
    """Flags translations that diverge from their source, with the words that differ.

    What it does:
        For bilingual input (PO, XLIFF, TSV, JSONL units with a source), back-translates
        the target into the source language and scores it against the real source (chrF),
        and translates the source into the target language and scores that against the
        target (chrF and sentence-embedding cosine). Below the threshold, the target words
        the machine translation of the source does not have are flagged, with its wording
        as the suggestion.
    Why is this bad:
        The source is the reference for meaning: a translation that neither comes back to
        the source nor resembles an independent translation of it has probably changed
        what the source says.
    Example:
        Source: Schließen Sie das Ventil, bevor Sie die Pumpe starten.
        Target: Open the valve before starting the pump.
    Use instead:
        Close the valve before starting the pump.
    """

    code = "MT302"
    name = "source-divergence"
    summary = "The translation diverges from its source (round trip and independent translation)."
    severity = Severity.MAJOR
    category = "accuracy/mistranslation"
    needs_source = True
    options = (
        Option("threshold", 0.45, "translations scoring below this are flagged (0–1)"),
        Option("chrf_weight", 0.5, "the weight of chrF in the forward score; the embedding cosine gets the rest"),
    )
    libraries = BackTranslation.libraries

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        segments = [s for s in document.segments if s.source and any(c.isalpha() for c in s.text)]
        if not segments:
            return
        src, tgt = source_language(ctx, self.code), ctx.target_lang
        threshold, weight = self.option(ctx, "threshold"), self.option(ctx, "chrf_weight")
        backward, forward = self.models.translator(tgt, src), self.models.translator(src, tgt)
        embedder = self.models.embedder()
        signature = str(
            Signature.of(
                model=f"{forward.ref}+{backward.ref}",
                embed=embedder.ref,
                src=src,
                metric=f"({CHRF_NAME}[back]+{CHRF_NAME}[fwd]*{weight:g}+cos*{1 - weight:g})/2",
                thr=threshold,
                backend=forward.backend,
            )
        )
        ctx.sign(self.code, signature)
        targets = [s.text for s in segments]
        sources = [s.source or "" for s in segments]
        task = f"{self.code} translating {len(targets)} units both ways"
        ctx.progress(task, 0, None)
        back_texts = backward.translate(targets)
        forward_texts = forward.translate(sources)
        pairs = [json.dumps([t, s], ensure_ascii=False) for t, s in zip(targets, sources, strict=True)]
        index = {pair: i for i, pair in enumerate(pairs)}

        def score(batch: list[str]) -> list[dict]:
            rows = [index[pair] for pair in batch]
            vectors = embedder.embed([targets[i] for i in rows] + [forward_texts[i] for i in rows])
            return [
                {
                    "back": sentence_scores(back_texts[i], sources[i]),
                    "forward": sentence_scores(forward_texts[i], targets[i]),
                    "cosine": round(cosine(vectors[k], vectors[len(rows) + k]), 4),
                }
                for k, i in enumerate(rows)
            ]

        all_scores = self.models.memo(signature, pairs, score)
        ctx.progress(task, 1, 1)
        for i, segment in enumerate(segments):
            back_scores, forward_scores = all_scores[i]["back"], all_scores[i]["forward"]
            cos = all_scores[i]["cosine"]
            score = (back_scores["chrf"] / 100 + combined(forward_scores["chrf"], cos, weight)) / 2
            if score >= threshold:
                continue
            details = {
                "chrf_back": back_scores["chrf"],
                "chrf_forward": forward_scores["chrf"],
                "bleu_forward": forward_scores["bleu"],
                "ter_forward": forward_scores["ter"],
                "cosine": round(cos, 4),
                "score": round(score, 4),
                "back_translation": back_texts[i],
                "source_translation": forward_texts[i],
                "signature": signature,
            }
            changes = changed_spans(segment.text, forward_texts[i])
            if not changes:
                yield self.finding(
                    document, segment, segment.start, segment.end,
                    f"translation diverges from the source (score {score:.2f}); "
                    f"the source translates as {forward_texts[i]!r}",
                    suggestion=forward_texts[i],
                    **details,
                )
                continue
            for change in changes:
                start, end = segment.start + change.start, segment.start + change.end
                yield self.finding(
                    document, segment, start, end,
                    f"{document.text[start:end]!r} is not in the translation of the source (score {score:.2f})",
                    suggestion=change.replacement,
                    **details,
                )
