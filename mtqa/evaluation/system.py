"""What is measured: a ``System`` turns sentences into flagged spans and a sentence score.

The checker is one such system; training code (and the reference rows) can pass any other
object with the same ``predict`` method to the benchmark functions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from mtqa.config import Config
from mtqa.document import Document, Segment
from mtqa.scoring import SCORE_NAME, SegmentScorer, segment_index, segment_penalties
from mtqa.signature import Signature

Span = tuple[int, int]
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


class CheckFailed(Exception):
    """A selected check crashed or could not run (no model), so the figures would be wrong."""


@dataclass
class Prediction:
    """One sentence's result: flagged spans (offsets into the sentence) and its score."""

    spans: list[Span] = field(default_factory=list)
    score: float = 0.0  # higher = worse (see mtqa.scoring)


class System(Protocol):
    def predict(
        self,
        sentences: Sequence[str],
        lang: str,
        sources: Sequence[str] | None = None,
        source_lang: str | None = None,
    ) -> list[Prediction]:
        """One prediction per sentence, in order; ``lang`` is the target language.

        ``sources`` (one per sentence) and ``source_lang`` are given when the benchmark has
        the source text; a system may ignore them.
        """
        ...


def sentences_document(
    sentences: Sequence[str], sources: Sequence[str] | None = None, path: str = "<eval>"
) -> Document:
    """One document, one line and one unsplit segment per sentence (so models can batch).

    Line breaks inside a sentence become spaces, which keeps every offset unchanged. With
    ``sources`` the document is bilingual and each segment carries its source.
    """
    if sources is not None and len(sources) != len(sentences):
        raise ValueError(f"{len(sources)} sources for {len(sentences)} sentences")
    lines = [_LINE_BREAKS.sub(" ", s) for s in sentences]
    text = "\n".join(lines)
    document = Document(path=path, text=text, format="plaintext", bilingual=sources is not None)
    start = 0
    for index, line in enumerate(lines):
        end = start + len(line)
        source = None if sources is None else sources[index]
        document.segments.append(Segment(start=start, end=end, text=line, index=index, source=source))
        start = end + 1
    return document


class CheckerSystem:
    """The mtqa checker (the checks ``config`` selects) as a ``System``.

    With ``use_source`` (the default) it reads the benchmark's source text as a bilingual
    file would give it, so the source-aware checks run; without, it sees the target only.

    It counts the sentences it scored and the time it took (``items``, ``seconds``); CPU
    seconds of this process too, which on a busy machine say more about the checker's
    speed than wall-clock seconds do.
    """

    def __init__(self, config: Config, use_source: bool = True) -> None:
        """Raises ``ConfigError`` when the selection names an unknown check."""
        from mtqa.checks.base import RunCheck
        from mtqa.engine import prepare

        self.config, checks = prepare(config)
        # The cross-segment checks (MT5xx) compare a run's segments with each other; a benchmark's
        # items are scored one at a time, and its sentences are unrelated (or the same sentence by
        # several systems), so those checks would measure nothing here.
        self.checks = [check for check in checks if not isinstance(check, RunCheck)]
        self.use_source = use_source
        self.items = 0
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self._signatures: dict[str, str] = {}  # model checks' signatures, as their contexts record them

    @property
    def codes(self) -> list[str]:
        return [check.code for check in self.checks]

    def signatures(self) -> dict[str, str]:
        """``checker`` → the rule set, source mode and score; plus each model check's own signature.

        Model checks record theirs in each document's context (``CheckContext.sign``).
        """
        checker = Signature.of(checks=",".join(self.codes) or "none", source=self.use_source, score=SCORE_NAME)
        result = {"checker": str(checker)}
        result.update(self._signatures)
        return result

    def predict(
        self,
        sentences: Sequence[str],
        lang: str,
        sources: Sequence[str] | None = None,
        source_lang: str | None = None,
    ) -> list[Prediction]:
        from mtqa.engine import check_context, check_document

        if not sentences:
            return []
        began, began_cpu = time.perf_counter(), time.process_time()
        if not self.use_source:
            sources, source_lang = None, None
        config = replace(self.config, target_lang=lang, source_lang=source_lang)
        document = sentences_document(sentences, sources)
        skipped: dict[str, str] = {}
        ctx = check_context(config)
        findings, crashes = check_document(document, self.checks, config, skipped=skipped, ctx=ctx)
        self._signatures.update(ctx.signatures)
        # figures without a selected check would be reported under its name
        problems = [c.message for c in crashes] + [f"check {code} could not run: {reason}" for code, reason in skipped.items()]
        if problems:
            raise CheckFailed("; ".join(problems))
        scorers = [c for c in self.checks if isinstance(c, SegmentScorer) and c.applies_to(document, ctx)]
        scores = segment_penalties(document, findings, scorers, ctx)
        predictions = [Prediction(score=score) for score in scores]
        segments = document.segments
        starts = [s.start for s in segments]
        for finding in findings:
            i = segment_index(segments, starts, finding)
            if i is None:
                continue
            segment = segments[i]
            start, end = max(finding.start, segment.start), min(finding.end, segment.end)
            if end >= start:  # zero-width findings (a missing word) keep their position
                predictions[i].spans.append((start - segment.start, end - segment.start))
        self.seconds += time.perf_counter() - began
        self.cpu_seconds += time.process_time() - began_cpu
        self.items += len(sentences)
        return predictions


class ConstantSystem:
    """A reference row: flags every sentence whole (``flag=True``) or nothing at all."""

    def __init__(self, flag: bool) -> None:
        self.flag = flag

    def predict(
        self,
        sentences: Sequence[str],
        lang: str,
        sources: Sequence[str] | None = None,
        source_lang: str | None = None,
    ) -> list[Prediction]:
        if not self.flag:
            return [Prediction() for _ in sentences]
        return [Prediction(spans=[(0, len(s))], score=1.0) for s in sentences]
