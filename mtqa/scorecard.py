"""The quality scorecard: a delivery judged as MQM does, by error points per word and a pass mark.

The findings of a file are weighed by severity and set against its word count with the
linear scoring model of MQM ("The MQM Scoring Models", https://themqm.org/error-types-2/the-mqm-scoring-models/;
Lommel et al. 2024, "The Multi-Range Theory of Translation Quality Measurement: MQM scoring
models and Statistical Quality Control", arXiv:2405.16969), with its usual parameters: a
reference word count of 1,000 and a maximum score of 100. In MQM's terms:

    APT  (absolute penalty total)      = Σ weight(severity) of the findings
    EWC  (evaluation word count)       = words of the source where there is one, else of the target
    PWPT (per-word penalty total)      = APT / EWC
    ONPT (overall normed penalty total) = PWPT × 1,000          penalty points per 1,000 words
    OQS  (overall quality score)       = (1 − PWPT) × 100 = 100 − ONPT / 10

A run is scored as one evaluation: its points over its words, not the mean of the files'
scores, so a short file does not weigh as much as a long one. The score has no lower bound
(MQM's is not clamped either: 30 points in 10 words is −200). It is rounded to two decimals,
and that rounded number is the one reports show and ``--fail-under`` compares.

This module only computes; the report holds the result and the formatters render it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity

MODEL_NAME = "mqm-linear"
REFERENCE_WORDS = 1000  # MQM's RWC: penalties are shown per this many words
MAX_SCORE = 100.0  # MQM's MSV: a text without errors scores this
# The severity multipliers of the issue (minor 1, major 5, critical 10); ``severity-weights``
# in the config changes them. ``mtqa eval``'s sentence score uses these defaults.
DEFAULT_WEIGHTS: Mapping[Severity, float] = MappingProxyType(
    {Severity.MINOR: 1.0, Severity.MAJOR: 5.0, Severity.CRITICAL: 10.0}
)

# Scripts written without spaces count one word per character, as CAT tools count them.
_NO_SPACES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A word: letters and digits, joined across an apostrophe, hyphen or number separator
# ("don't", "e-mail", "1,000.5" are one word each).
_WORD = re.compile(rf"[{_NO_SPACES}]|[^\W_{_NO_SPACES}]+(?:['’.,\-][^\W_{_NO_SPACES}]+)*")


class WordBasis(StrEnum):
    """Whose words a score is per: MQM counts the source's where there is one."""

    SOURCE = "source"
    TARGET = "target"
    MIXED = "mixed"  # a run of files with a source and files without


@dataclass(frozen=True)
class WordCount:
    """The evaluation word count of one document."""

    words: int
    basis: WordBasis


@dataclass(frozen=True)
class Scoring:
    """The settings of the scorecard: severity weights and the pass mark (None: not gated)."""

    weights: Mapping[Severity, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    fail_under: float | None = None


@dataclass(frozen=True)
class Tally:
    """How many findings, and how many penalty points they weigh."""

    findings: int = 0
    points: float = 0.0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.findings + other.findings, self.points + other.points)


@dataclass(frozen=True)
class Score:
    """The scorecard of one file or of the run: words, points and the breakdown of the points."""

    words: int
    basis: WordBasis
    by_severity: dict[Severity, Tally]  # every severity, worst first
    by_category: dict[str, dict[Severity, Tally]]  # category → every severity, worst first; sorted

    @property
    def points(self) -> float:
        """MQM's absolute penalty total."""
        return sum(t.points for t in self.by_severity.values())

    @property
    def findings(self) -> int:
        return sum(t.findings for t in self.by_severity.values())

    @property
    def per_1000_words(self) -> float | None:
        """MQM's overall normed penalty total; None when there are no words to score."""
        return round(self.points / self.words * REFERENCE_WORDS, 2) if self.words else None

    @property
    def score(self) -> float | None:
        """MQM's overall quality score, rounded to two decimals; None when there are no words."""
        return round(MAX_SCORE * (1 - self.points / self.words), 2) if self.words else None


@dataclass(frozen=True)
class Scorecard:
    """Every file's score (None for a file that was not checked) and the run's."""

    files: list[Score | None]
    run: Score
    scoring: Scoring = field(default_factory=Scoring)

    @property
    def below(self) -> bool:
        """The run's score is under ``fail_under`` (a run with no words to score never is)."""
        threshold, score = self.scoring.fail_under, self.run.score
        return threshold is not None and score is not None and score < threshold

    @property
    def passed(self) -> bool | None:
        """Whether the run reached the pass mark; None when there is no pass mark or nothing to score."""
        if self.scoring.fail_under is None or self.run.score is None:
            return None
        return not self.below


def count_words(text: str) -> int:
    """The words in ``text`` (see ``_WORD``)."""
    return sum(1 for _ in _WORD.finditer(text))


def _target_words(segment: Segment) -> int:
    """The words of a segment's text outside its protected markup (tags, code, placeholders)."""
    if not segment.protected:
        return count_words(segment.text)
    words, cursor = 0, 0
    for start, end in sorted(segment.protected):
        start, end = max(start - segment.start, cursor), max(end - segment.start, cursor)
        words += count_words(segment.text[cursor:start])
        cursor = end
    return words + count_words(segment.text[cursor:])


def word_count(document: Document) -> WordCount:
    """The document's evaluation word count: the source's words where it has a source.

    In a bilingual document every unit with a source counts its source's words (an empty
    target too: its words were to be translated); a unit without one counts its target's.
    """
    if not any(segment.source is not None for segment in document.segments):
        return WordCount(sum(_target_words(s) for s in document.segments), WordBasis.TARGET)
    words = sum(count_words(s.source) if s.source is not None else _target_words(s) for s in document.segments)
    return WordCount(words, WordBasis.SOURCE)


def _empty() -> dict[Severity, Tally]:
    return {severity: Tally() for severity in sorted(Severity, reverse=True)}


def score(words: WordCount, findings: Iterable[Finding], weights: Mapping[Severity, float] = DEFAULT_WEIGHTS) -> Score:
    """One document's score: its findings weighed by severity, per its words."""
    by_severity = _empty()
    by_category: dict[str, dict[Severity, Tally]] = {}
    for finding in findings:
        one = Tally(1, weights[finding.severity])
        by_severity[finding.severity] += one
        row = by_category.setdefault(finding.category, _empty())
        row[finding.severity] += one
    return Score(words.words, words.basis, by_severity, dict(sorted(by_category.items())))


def combined(scores: Sequence[Score]) -> Score:
    """The scores of several documents as one evaluation: their points over their words."""
    by_severity = _empty()
    by_category: dict[str, dict[Severity, Tally]] = {}
    for one in scores:
        for severity, tally in one.by_severity.items():
            by_severity[severity] += tally
        for category, row in one.by_category.items():
            total = by_category.setdefault(category, _empty())
            for severity, tally in row.items():
                total[severity] += tally
    bases = {one.basis for one in scores}
    basis = bases.pop() if len(bases) == 1 else (WordBasis.MIXED if bases else WordBasis.TARGET)
    return Score(sum(one.words for one in scores), basis, by_severity, dict(sorted(by_category.items())))


def scorecard(files: Sequence[tuple[WordCount | None, Iterable[Finding]]], scoring: Scoring = Scoring()) -> Scorecard:
    """The scorecard of a run: ``files`` are each file's word count (None: not checked) and findings."""
    scores = [None if words is None else score(words, findings, scoring.weights) for words, findings in files]
    return Scorecard(scores, combined([s for s in scores if s is not None]), scoring)
