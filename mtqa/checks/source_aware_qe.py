"""MT403 source-aware-qe: mtqa's QE model reads source and target together."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mtqa.checks._detector_outputs import runs
from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document, Segment
from mtqa.errors import ModelUnavailable
from mtqa.findings import Finding, Severity

if TYPE_CHECKING:
    from mtqa.qe.infer import LoadedQE, QEScored

SWAPPED_PENALTY = 10.0  # the segment score of a unit whose target is in the source language: the worst
_LISTED = 3  # units named in a note before "and N more"


@dataclass
class _Outputs:
    """The model's view of one document, computed once for the findings and the segment scores."""

    qe: LoadedQE | None = None  # None: the model was not needed (and not loaded)
    scored: dict[int, QEScored] = field(default_factory=dict)  # segment index → outputs
    swapped: set[int] = field(default_factory=set)  # segment indices whose target is in the source language


class SourceAwareQE(Check):
    """Flags mistranslated target words, lost source words and unrelated translations, from a QE model that reads the source.

    What it does:
        Runs mtqa's quality-estimation model ``models/mtqa-qe`` (multilingual-e5-small
        fine-tuned on MLQE-PE with sources) over every unit that has a source: a PO or
        XLIFF entry, a TSV row, or a sentence aligned with ``--source``. It reads source and
        target together and rates each target word (mistranslated, or not in the source),
        each source word (lost or mistranslated in the target), and the whole unit (DA and
        HTER). Target words above the calibrated threshold are flagged where they are
        (accuracy/mistranslation); source words above theirs are reported on the unit, with
        the source words quoted (accuracy/omission); a unit whose predicted DA is below what
        almost no correct translation gets is reported whole as not a translation of its
        source, and then only that. A unit whose target is in the source language
        (swapped, or left untranslated) is reported instead of scored. The unit's DA and
        HTER give its segment score (``qe-penalty-v1``), which replaces the target-only
        detector's in ``mtqa eval`` wherever a source is given.
    Why is this bad:
        Target-only checks cannot see what the translation says against what the source
        says: a fluent sentence with the wrong city, a dropped clause, a negation lost. The
        source is the reference for meaning.

        The unrelated-translation finding is major, not critical: its threshold lets through
        about one correct translation in two hundred (the dev post-edits), too many false
        alarms for a severity that fails a release on its own.
    Example:
        Source: Die Delegation traf die Beamten in der Hauptstadt.
        Target: The delegation punched officials in the capital.
    Use instead:
        The delegation met officials in the capital.
    Options:
        None. Thresholds are calibrated on MLQE-PE dev so that few words of the post-edited
        (correct) translations are flagged; see ``models/mtqa-qe/MODEL_CARD.md``. It needs
        the multilingual-e5-small word embeddings of the ``embed`` role (``mtqa models pull
        embed``) and runs on numpy; outputs go to mtqa's output cache. Units with an empty
        target are left to MT206; units with an empty source, and files whose source or
        target language the encoder was not trained on, get a note instead. A unit over the
        model's 512 tokens is scored in sentence-aligned parts, never truncated.
    """

    code = "MT403"
    name = "source-aware-qe"
    aliases = ("qe",)
    summary = "Target words, source words and whole units that a QE model reading the source rates as mistranslated."
    severity = Severity.MINOR
    category = "accuracy/mistranslation"
    needs_source = True
    pulled = True  # the embeddings come from `mtqa models pull embed`
    segment_score_name = "mtqa-qe:sentence"
    segment_score_supersedes = ("mtqa-detector-en:sentence",)  # the detector reads the target alone

    def missing(self, ctx: CheckContext) -> ModelUnavailable | None:  # noqa: ARG002 - one model for every file
        from mtqa.qe.infer import missing_model

        return missing_model()

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        outputs = self._outputs(document, ctx)
        for index in sorted(outputs.swapped):
            segment = document.segments[index]
            yield self.finding(
                document, segment, segment.start, segment.end,
                f"the target is in the source language ({ctx.source_lang}), not {ctx.target_lang}: "
                "swapped, or left untranslated", severity=Severity.MAJOR, category="accuracy/untranslated",
            )
        if outputs.qe is not None:
            for index, result in sorted(outputs.scored.items()):
                yield from self._findings(document, document.segments[index], outputs.qe, result)

    def _findings(self, document: Document, segment: Segment, qe: LoadedQE, result: QEScored) -> Iterator[Finding]:
        from mtqa.qe.infer import word_spans

        t = qe.thresholds
        if result.da < t["mismatch_da"]:
            yield self.finding(
                document, segment, segment.start, segment.end,
                f"does not read as a translation of its source (QE: predicted DA z {result.da:.2f})",
                severity=Severity.MAJOR, da=round(result.da, 4), hter=round(result.hter, 4),
            )
            return
        spans = word_spans(segment.text)
        for first, last in runs([True if p >= t["target_minor"] else None for p in result.target]):
            probability = max(result.target[first : last + 1])
            start, end = segment.start + spans[first][0], segment.start + spans[last][1]
            yield self.finding(
                document, segment, start, end,
                f"«{document.text[start:end]}» may not translate the source (QE: {probability:.0%})",
                severity=Severity.MAJOR if probability >= t["target_major"] else Severity.MINOR,
                probability=round(probability, 4),
            )
        source = segment.source or ""
        source_spans = word_spans(source)
        for first, last in runs([True if p >= t["source_minor"] else None for p in result.source]):
            probability = max(result.source[first : last + 1])
            words = source[source_spans[first][0] : source_spans[last][1]]
            yield self.finding(
                document, segment, segment.start, segment.end,
                f"the translation may have lost or mistranslated «{words}» (QE: {probability:.0%})",
                severity=Severity.MAJOR if probability >= t["source_major"] else Severity.MINOR,
                category="accuracy/omission", probability=round(probability, 4), source_words=words,
            )

    def segment_scores(self, document: Document, ctx: CheckContext) -> Sequence[float | None]:
        """The QE model's sentence score of each unit it read (0–10, higher = worse); None elsewhere."""
        outputs = self._outputs(document, ctx)
        scores: list[float | None] = [None] * len(document.segments)
        if outputs.qe is not None:
            for index, result in outputs.scored.items():
                scores[index] = outputs.qe.penalty(result)
        for index in outputs.swapped:
            scores[index] = SWAPPED_PENALTY
        return scores

    def _outputs(self, document: Document, ctx: CheckContext) -> _Outputs:
        """The model's outputs on the units with a source, once per document (``ctx.memo``)."""
        key = f"{self.code}:outputs"
        if key not in ctx.memo:
            ctx.memo[key] = self._compute(document, ctx)
        return ctx.memo[key]

    def _compute(self, document: Document, ctx: CheckContext) -> _Outputs:
        from mtqa.qe.infer import guards

        units = [(i, s) for i, s in enumerate(document.segments) if s.source is not None and s.text.strip()]
        if not units:
            return _Outputs()  # no source anywhere: silent, and nothing is loaded
        uncovered = [lang for lang in (ctx.source_lang, ctx.target_lang) if lang and not guards().covers(lang)]
        if uncovered:
            ctx.note(self.code, f"the QE model's encoder (multilingual-e5-small) was not trained on "
                                f"{' or '.join(dict.fromkeys(uncovered))}; not run on this file")
            return _Outputs()
        empty_source = [s for _, s in units if not (s.source or "").strip()]
        if empty_source:
            ctx.note(self.code, f"{_lines(document, empty_source)}: the source is empty, so the unit was not scored")
        outputs = _Outputs()
        to_score: list[tuple[int, Segment]] = []
        for index, segment in units:
            source = segment.source or ""
            if not source.strip():
                continue
            if ctx.source_lang and guards().swapped(source, segment.text, ctx.source_lang, ctx.target_lang):
                outputs.swapped.add(index)
            else:
                to_score.append((index, segment))
        if not to_score:
            return outputs  # nothing for the model: it is not loaded
        from mtqa.backends.cache import open_cache
        from mtqa.qe.infer import load_shipped

        qe = outputs.qe = load_shipped()  # ModelUnavailable: the engine skips the check with the pull command
        ctx.sign(self.code, str(qe.signature()))
        task = f"{self.code} QE model"
        ctx.progress(task, 0, len(to_score))
        results = qe.score_cached([(s.source or "", s.text) for _, s in to_score], open_cache())
        ctx.progress(task, len(to_score), len(to_score))
        outputs.scored = {index: r for (index, _), r in zip(to_score, results, strict=True)}
        split = [(s, r.parts) for (_, s), r in zip(to_score, results, strict=True) if r.parts > 1]
        if split:
            ctx.note(self.code, f"{_lines(document, [s for s, _ in split], [f'{n} parts' for _, n in split])}: "
                                f"over the model's {qe.max_tokens} tokens, scored in sentence-aligned parts")
        return outputs


def _lines(document: Document, segments: Sequence[Segment], what: Sequence[str] = ()) -> str:
    """"line 3 (2 parts), line 9 and 4 more": where the units a note is about are."""
    named = [f"line {document.line_col(s.start)[0]}" + (f" ({what[i]})" if what else "")
             for i, s in enumerate(segments[:_LISTED])]
    more = f" and {len(segments) - _LISTED} more" if len(segments) > _LISTED else ""
    return ", ".join(named) + more
