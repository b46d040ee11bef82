"""The engine over the fixture articles: every planted error the rules can see found at its
exact offsets, nothing else flagged, and the clean article gives no findings at all.

The rules are held to exact findings here; the detector (MT401/MT402) is not. Which words a
model flags in one fixture article says nothing about whether it is the better model (that is
the dev figures' job, models/mtqa-detector-en/MODEL_CARD.md), so the detector's part is only
that it runs in the default check and that its findings are well-formed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtqa.config import Config
from mtqa.engine import run

ARTICLES = Path(__file__).parent.parent / "fixtures" / "articles"

# (code, flagged text, suggestion, a phrase around it that occurs once in the article)
PLANTED = [
    ("MT101", "a invasion", "an invasion", "whether Moscow was a invasion of Ukraine can order"),
    ("MT102", "the the", "the", "present at the the meeting"),
    ("MT103", " ,", ",", "on Tuesday , that"),
    ("MT105", ", ”Butler", ",” Butler", "our positions, ”Butler said"),
    ("MT104", "late.Next", "late. Next", "The summit ran late.Next week"),
    ("MT101", "a hour", "an hour", "to last a hour and"),
    ("MT106", "-European", "European", "session. -European nations agreed"),
    ("MT106", "observers", "Observers", "officials. observers said"),
]


PATHS = [str(ARTICLES / "summit-mt.txt"), str(ARTICLES / "clean.txt")]


@pytest.fixture(scope="module")
def report():  # noqa: ANN201 - mtqa.report.Report
    return run(PATHS, Config(select=["MT1", "MT2"]))


def test_the_default_check_runs_the_detector_with_well_formed_findings() -> None:
    result = run(PATHS[:1], Config()).files[0]
    assert result.signatures["MT402"].startswith("model:mtqa-detector-en@")
    text = result.document.text
    for finding in result.findings:
        assert finding.text == text[finding.start : finding.end] and finding.category and finding.message


def test_every_planted_error_is_flagged_at_its_exact_offsets(report) -> None:  # noqa: ANN001
    result = next(f for f in report.files if f.path.endswith("summit-mt.txt"))
    assert result.error is None
    text = result.document.text
    expected = []
    for code, flagged, suggestion, phrase in PLANTED:
        assert text.count(phrase) == 1, phrase
        start = text.index(phrase) + phrase.index(flagged)
        expected.append((code, start, start + len(flagged), flagged, suggestion))
    found = [(f.code, f.start, f.end, f.text, f.suggestion) for f in result.findings]
    assert sorted(found, key=lambda f: f[1]) == sorted(expected, key=lambda f: f[1])
    for finding in result.findings:
        assert finding.text == text[finding.start : finding.end]
        assert (finding.line, finding.column) == result.document.line_col(finding.start)


def test_wrong_sense_is_left_to_model_checks(report) -> None:  # noqa: ANN001
    """"punched officials" is a mistranslation no rule can see; it must not be mis-flagged."""
    result = next(f for f in report.files if f.path.endswith("summit-mt.txt"))
    start = result.document.text.index("punched officials")
    assert not [f for f in result.findings if f.start <= start < f.end]


def test_clean_article_has_no_findings(report) -> None:  # noqa: ANN001
    result = next(f for f in report.files if f.path.endswith("clean.txt"))
    assert result.error is None
    assert [(f.code, f.text, f.message) for f in result.findings] == []
