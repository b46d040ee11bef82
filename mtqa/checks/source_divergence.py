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
from mtqa.document import Document, Segment
from mtqa.errors import ModelUnavailable
from mtqa.findings import Finding, Severity
from mtqa.signature import Signature


def source_language(ctx: CheckContext, code: str) -> str:
    """The source language, or a skip that says how to give it."""
    if not ctx.source_lang:
        raise ModelUnavailable(f"{code} compares with the source and needs its language", "mtqa check --src-lang XX …")
    return ctx.source_lang


# Without a translation model: the source–target cosine of multilingual-e5-small below which a
# unit is flagged. The best MCC against DA z_mean < -1 on MLQE-PE dev (6 pairs, 6,000 units):
# 0.25, flagging 3.2% of units at precision 0.62, recall 0.14; per pair in docs/models.md.
SIMILARITY_THRESHOLD = 0.83


class SourceDivergence(ModelCheck):
    """Flags translations that diverge from their source, with the words that differ.

    What it does:
        For bilingual input (PO, XLIFF, TSV, JSONL units with a source), back-translates
        the target into the source language and scores it against the real source (chrF),
        and translates the source into the target language and scores that against the
        target (chrF and sentence-embedding cosine). Below the threshold, the target words
        the machine translation of the source does not have are flagged, with its wording
        as the suggestion. Without a translation model for the pair, it falls back to the
        source–target cosine of the multilingual ``embed`` model (multilingual-e5-small) and
        flags whole units below ``similarity_threshold``; that finds unrelated or badly
        garbled translations, not a changed word (negation, numbers, names score alike).
    Why is this bad:
        The source is the reference for meaning: a translation that neither comes back to
        the source nor resembles an independent translation of it has probably changed
        what the source says.

        What the similarity fallback can and cannot catch (``mtqa eval`` on dev, the first
        300 MLQE-PE sentences per pair; docs/evaluation.md): MT output that lost the source's
        meaning, as in ro-en (word MCC 0.53, HTER r 0.71), little where the errors are a few
        words in a fluent sentence (et-en, ne-en, ru-en, si-en: word MCC 0.01–0.07), and
        nothing in en-de (no unit flagged). On MQM zh→en TED it flags few spans (recall
        0.07) and its unit score does not rank the segments (Kendall τ −0.04).
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
        Option(
            "similarity_threshold", SIMILARITY_THRESHOLD,
            "without a translation model: units whose source–target embedding cosine is below this are flagged",
        ),
    )
    libraries = BackTranslation.libraries

    def roles(self, ctx: CheckContext) -> list[str]:
        """The source language and the embedder: without the translators it scores by similarity."""
        source_language(ctx, self.code)
        return ["embed"]

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        segments = [s for s in document.segments if s.source and any(c.isalpha() for c in s.text)]
        if not segments:
            return
        src, tgt = source_language(ctx, self.code), ctx.target_lang
        threshold, weight = self.option(ctx, "threshold"), self.option(ctx, "chrf_weight")
        try:
            backward, forward = self.models.translator(tgt, src), self.models.translator(src, tgt)
        except ModelUnavailable as missing:
            yield from self._by_similarity(document, segments, src, ctx, missing)
            return
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

    def _by_similarity(
        self, document: Document, segments: list[Segment], src: str, ctx: CheckContext, missing: ModelUnavailable
    ) -> Iterator[Finding]:
        """No translation model: flag units whose source and target embed far apart.

        Without the embed model either, the check is skipped with the translator's pull
        command (the one that gives the whole check).
        """
        try:
            embedder = self.models.embedder()
        except ModelUnavailable:
            raise missing from None
        threshold = self.option(ctx, "similarity_threshold")
        signature = str(Signature.of(embed=embedder.ref, src=src, metric="cos(src,tgt)", thr=threshold))
        ctx.sign(self.code, signature)
        pairs = [json.dumps([s.text, s.source], ensure_ascii=False) for s in segments]

        def score(batch: list[str]) -> list[float]:
            texts = [json.loads(pair) for pair in batch]
            vectors = embedder.embed([t for t, _ in texts] + [source for _, source in texts])
            return [round(cosine(vectors[k], vectors[len(texts) + k]), 4) for k in range(len(texts))]

        for segment, cos in zip(segments, self.models.memo(signature, pairs, score), strict=True):
            if cos < threshold:
                yield self.finding(
                    document, segment, segment.start, segment.end,
                    f"the translation may not say what the source says (source–target similarity {cos:.2f}, "
                    f"below {threshold:g}); a translation model would show which words: {missing.pull_command}",
                    cosine=cos,
                    signature=signature,
                )
