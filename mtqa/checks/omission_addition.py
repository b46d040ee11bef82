"""MT303 omission-addition: source sentences with no translation, translated sentences with no source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from mtqa.backends.align import align, costs_for
from mtqa.checks._model_check import ModelCheck
from mtqa.check_options import Option
from mtqa.checks.base import CheckContext
from mtqa.checks.source_divergence import source_language
from mtqa.document import Document
from mtqa.findings import Finding, Severity
from mtqa.segment import sentence_spans
from mtqa.signature import Signature


class OmissionAddition(ModelCheck):
    """Flags source sentences left out of the translation and translated sentences with no source.

    What it does:
        Splits each bilingual unit's source and target into sentences and aligns them
        (1-1, 1-2 and 2-1, by sentence-embedding similarity and length). A source sentence
        nothing aligns to is an omission (reported on the unit); a target sentence nothing
        aligns to is an addition (reported on that sentence). The costs depend on the embed
        model: multilingual-e5 scores unrelated sentences about 0.76, so that shared part is
        removed before sentences are compared, and the skip cost is set on dev data (see Options).
    Why is this bad:
        MT systems silently drop sentences of long segments and sometimes invent or repeat
        them; both change what the reader is told, and neither shows in the target alone.

        What it can and cannot catch (MLQE-PE dev, e5, groups of three sentences): about two
        in three whole sentences dropped from or added to a translation, at 2 % false alarms
        per correct unit. It compares whole sentences: a dropped clause or word (DEMETR's
        ``*_removed``, ``critical_id6_addition``) is not what it looks for. In an
        article, whose sentences share a topic, a dropped or added sentence is more often
        merged into its neighbour's bead than in that dev test. A one-sentence unit whose
        source–target cosine is below about 0.785 is reported as an omission and an
        addition: on MLQE-PE dev that flags ro-en's unrelated MT output (word MCC 0.46) and
        little else (0.02 elsewhere); on MQM zh→en TED its spans are as precise as flagging
        every segment (0.096 against 0.095), the floor being set on the pooled MLQE-PE pairs.
    Example:
        Source: Die Pumpe ist aus. Öffnen Sie das Ventil nicht.
        Target: The pump is off.
    Use instead:
        The pump is off. Do not open the valve.
    Options:
        ``skip_cost``: by default per embed model, from ``mtqa.backends.align.CALIBRATION``:
        0.45 with the cosine floor 0.761 for multilingual-e5-small (the lowest skip cost
        keeping false alarms within 3 % per unit on MLQE-PE dev,
        ``benchmarks/calibrate_omission_addition.py``); 0.8 with no floor for any other
        embedder (set by hand for all-MiniLM-L6-v2). The signature's ``metric`` names the
        floor and ``skip`` the cost that applied.
    """

    code = "MT303"
    name = "omission-addition"
    summary = "A source sentence is missing from the translation, or a translated sentence has no source."
    severity = Severity.MAJOR
    category = "accuracy/omission"
    needs_source = True
    options = (
        Option("skip_cost", None, "the alignment cost of leaving a sentence unaligned (lower finds more; "
               "default: calibrated per embed model)", kind=float),
    )

    def roles(self, ctx: CheckContext) -> list[str]:
        source_language(ctx, self.code)
        return ["embed"]

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        units = [s for s in document.segments if s.source and s.source.strip() and s.text.strip()]
        if not units:
            return
        src = source_language(ctx, self.code)
        embedder = self.models.embedder()
        costs = costs_for(embedder.model_id)
        if (skip_cost := self.option(ctx, "skip_cost")) is not None:
            costs = replace(costs, skip_cost=skip_cost)
        metric = f"align-cos(floor={costs.floor:g})+len" if costs.floor else "align-cos+len"
        signature = str(Signature.of(embed=embedder.ref, src=src, metric=metric, skip=costs.skip_cost))
        ctx.sign(self.code, signature)
        split = []
        for unit in units:
            source = unit.source or ""
            split.append(([source[a:b] for a, b in sentence_spans(source, src)], sentence_spans(unit.text, ctx.target_lang)))
        texts = [t for sources, spans in split for t in sources] + [
            unit.text[a:b] for unit, (_, spans) in zip(units, split, strict=True) for a, b in spans
        ]
        vectors = iter(embedder.embed(texts))
        source_vectors = [[next(vectors) for _ in sources] for sources, _ in split]
        target_vectors = [[next(vectors) for _ in spans] for _, spans in split]
        for unit, (sources, spans), src_vecs, tgt_vecs in zip(units, split, source_vectors, target_vectors, strict=True):
            targets = [unit.text[a:b] for a, b in spans]
            for bead in align(sources, targets, src_vecs, tgt_vecs, costs):
                if bead.source and not bead.target:
                    missing = " ".join(sources[i] for i in bead.source)
                    yield self.finding(
                        document, unit, unit.start, unit.end,
                        f"source sentence {missing!r} has no counterpart in the translation",
                        omitted=missing,
                        signature=signature,
                    )
                elif bead.target and not bead.source:
                    a, b = spans[bead.target[0]]
                    yield self.finding(
                        document, unit, unit.start + a, unit.start + b,
                        "this sentence has no counterpart in the source",
                        category="accuracy/addition",
                        signature=signature,
                    )
