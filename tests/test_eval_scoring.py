"""The sentence score (mtqa.scoring) and the checker as an evaluation system."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from mtqa import __version__
from mtqa.checks import Check, CheckContext
from mtqa.checks.doubled_word import DoubledWord
from mtqa.config import Config
from mtqa.document import Document, Segment
from mtqa.errors import ModelUnavailable
from mtqa.evaluation.system import CheckerSystem, CheckFailed, sentences_document
from mtqa.findings import Finding, Severity
from mtqa.scorecard import DEFAULT_WEIGHTS
from mtqa.scoring import SCORE_NAME, SegmentScorer, finding_penalty, segment_penalties


class _Probe(Check):
    """Not registered (no code): builds findings for the tests.

    What it does:
        Nothing.
    Why is this bad:
        It is not.
    Example:
        None.
    """

    name = "probe"
    summary = "test helper"
    severity = Severity.MINOR
    category = "test"

    def __init__(self, code: str = "T1") -> None:
        self.code = code

    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        return iter(())


class _Scorer(_Probe):
    """A model-like check that scores every segment itself."""

    def __init__(self, scores: Sequence[float | None], code: str = "T9") -> None:
        super().__init__(code)
        self.scores = list(scores)
        self.segment_score_name = code

    def segment_scores(self, document: Document, ctx: CheckContext) -> Sequence[float | None]:
        return self.scores


def _finding(document: Document, index: int, severity: Severity, code: str = "T1", **details: object) -> Finding:
    segment = document.segments[index]
    return _Probe(code).finding(document, segment, segment.start, segment.start + 1, "x", severity=severity, **details)


def test_weights_are_mqm_style() -> None:
    assert DEFAULT_WEIGHTS == {Severity.MINOR: 1.0, Severity.MAJOR: 5.0, Severity.CRITICAL: 10.0}
    assert SCORE_NAME == "mqm-penalty-v1"


def test_segment_penalty_sums_severity_weights_per_segment() -> None:
    document = sentences_document(["One.", "Two.", "Three."])
    findings = [
        _finding(document, 0, Severity.MINOR),
        _finding(document, 0, Severity.MAJOR),
        _finding(document, 2, Severity.CRITICAL),
    ]
    assert segment_penalties(document, findings) == [6.0, 0.0, 10.0]


def test_a_finding_may_carry_its_own_penalty() -> None:
    document = sentences_document(["One."])
    finding = _finding(document, 0, Severity.MAJOR, penalty=0.25)
    assert finding_penalty(finding) == 0.25
    assert finding_penalty(_finding(document, 0, Severity.MAJOR, penalty="high")) == 5.0
    assert segment_penalties(document, [finding]) == [0.25]


def test_a_segment_scorer_replaces_its_own_findings() -> None:
    document = sentences_document(["One.", "Two."])
    scorer = _Scorer([0.5, 2.0])
    assert isinstance(scorer, SegmentScorer)
    assert not isinstance(_Probe(), SegmentScorer)
    findings = [_finding(document, 0, Severity.MINOR), _finding(document, 1, Severity.CRITICAL, code="T9")]
    # T1's minor finding counts 1; T9's critical finding is covered by T9's own scores
    assert segment_penalties(document, findings, [scorer]) == [1.5, 2.0]
    with pytest.raises(ValueError, match="T9: segment_scores returned 1 scores for 2 segments"):
        segment_penalties(document, [], [_Scorer([1.0])])


def test_a_superseding_scorer_replaces_another_where_it_scores() -> None:
    """The QE model's score replaces the detector's on the units it read (None: not read)."""
    document = sentences_document(["One.", "Two.", "Three."])
    target_only = _Scorer([1.0, 2.0, 3.0], code="T8")
    with_source = _Scorer([5.0, None, 7.0])
    with_source.segment_score_supersedes = ("T8",)
    assert segment_penalties(document, [], [target_only, with_source]) == [5.0, 2.0, 7.0]
    assert segment_penalties(document, [], [with_source]) == [5.0, 0.0, 7.0]
    assert segment_penalties(document, [], [target_only, _Scorer([5.0, None, 7.0])]) == [6.0, 2.0, 10.0]


def test_sentences_document_one_segment_per_sentence() -> None:
    document = sentences_document(["A b.", "", "C\nd."])
    assert document.text == "A b.\n\nC d."
    assert [(s.start, s.end, s.text, s.index) for s in document.segments] == [
        (0, 4, "A b.", 0), (5, 5, "", 1), (6, 10, "C d.", 2),
    ]


def test_checker_system_maps_findings_back_to_sentences() -> None:
    system = CheckerSystem(Config(select=["MT102"]))
    assert system.codes == ["MT102"]
    predictions = system.predict(["Fine here.", "It was the the end.", "No no no."], "en")
    assert predictions[0].spans == [] and predictions[0].score == 0.0
    assert predictions[1].spans == [(7, 14)]  # "the the", offsets into the sentence
    assert predictions[1].score == DEFAULT_WEIGHTS[DoubledWord.severity]
    assert predictions[2].score == 0.0  # "no no" is allowed English


def test_checker_signature_names_checks_and_score() -> None:
    system = CheckerSystem(Config(select=["MT102"]))
    assert system.signatures() == {"checker": f"checks:MT102|source:yes|score:{SCORE_NAME}|mtqa:{__version__}"}
    target_only = CheckerSystem(Config(select=["MT102"]), use_source=False)
    assert target_only.signatures()["checker"] == f"checks:MT102|source:no|score:{SCORE_NAME}|mtqa:{__version__}"


def test_sources_make_the_bilingual_checks_run() -> None:
    sentences, sources = ["He has 3 cats.", "She has 2 dogs."], ["Er hat 4 Katzen.", "Sie hat 2 Hunde."]
    with_source = CheckerSystem(Config(select=["MT201"])).predict(sentences, "en", sources, "de")
    assert with_source[0].spans and with_source[0].score > 0
    assert not with_source[1].spans and with_source[1].score == 0
    target_only = CheckerSystem(Config(select=["MT201"]), use_source=False).predict(sentences, "en", sources, "de")
    assert all(not p.spans and p.score == 0 for p in target_only)
    document = sentences_document(sentences, sources)
    assert document.bilingual and [s.source for s in document.segments] == sources


class _Crashing(_Probe):
    def check_segment(self, document: Document, segment: Segment, ctx: CheckContext) -> Iterator[Finding]:
        raise RuntimeError("boom")


class _NoModel(_Probe):
    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        raise ModelUnavailable("model x is not installed", "mtqa models pull x")


def test_a_check_that_fails_stops_the_evaluation() -> None:
    system = CheckerSystem(Config(select=["MT102"]))
    system.checks.append(_Crashing("T2"))
    with pytest.raises(CheckFailed, match="T2.*crashed: RuntimeError: boom"):
        system.predict(["A sentence."], "en")
    system.checks[-1] = _NoModel("T3")
    with pytest.raises(CheckFailed, match="T3 could not run: .*mtqa models pull x"):
        system.predict(["A sentence."], "en")


def test_the_default_selection_scores_items_without_the_cross_segment_checks() -> None:
    """MT5xx compare a run's segments; `mtqa eval` scores unrelated items one at a time."""
    from mtqa.checks.base import RunCheck
    from mtqa.engine import prepare

    system = CheckerSystem(Config())
    assert any(isinstance(c, RunCheck) for c in prepare(Config())[1])
    assert not any(isinstance(c, RunCheck) for c in system.checks) and "MT102" in system.codes
    predictions = system.predict(["They met met the press.", "They met the press."], "en")  # no crash
    assert (5, 12) in predictions[0].spans and len(predictions) == 2
