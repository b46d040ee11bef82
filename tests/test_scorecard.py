"""The quality scorecard (mtqa.scorecard): MQM's score per word, per file and for the run, and --fail-under."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from mtqa.config import Config
from mtqa.document import Document, Segment
from mtqa.engine import run
from mtqa.findings import Finding, Severity
from mtqa.formatters import html, json_format, markdown, terminal
from mtqa.readers import read_document
from mtqa.report import ErrorKind, FileError, FileResult, Report
from mtqa.scorecard import (
    DEFAULT_WEIGHTS, Scoring, Tally, WordBasis, WordCount, combined, count_words, score, scorecard, word_count,
)

pytestmark = pytest.mark.usefixtures("rule_checks_only")

# 20 words, one doubled word (MT102, minor): 1 point in 20 words is 50 per 1,000, a score of 95.
TWENTY = "The delegation met the the officials in the capital on Monday, and they spoke about trade and the long border.\n"
CLEAN = "The delegation met the officials.\n"


def _finding(severity: Severity, category: str = "fluency/grammar", path: str = "a.txt") -> Finding:
    return Finding(path=path, code="MT102", severity=severity, category=category, message="m", start=0, end=1,
                   line=1, column=1, end_line=1, end_column=2, text="x", check_name="doubled-word")


# --- the formula -------------------------------------------------------------------------


def test_score_is_100_minus_penalty_points_per_1000_words() -> None:
    findings = [_finding(Severity.MINOR), _finding(Severity.MAJOR), _finding(Severity.CRITICAL, "accuracy/omission")]
    result = score(WordCount(200, WordBasis.TARGET), findings)
    assert result.points == 16  # 1 + 5 + 10
    assert result.per_1000_words == 80.0  # 16 / 200 × 1,000
    assert result.score == 92.0  # (1 - 16 / 200) × 100
    assert result.findings == 3
    assert result.by_severity[Severity.MAJOR] == Tally(1, 5.0)
    assert result.by_category["accuracy/omission"][Severity.CRITICAL] == Tally(1, 10.0)
    assert result.by_category["fluency/grammar"][Severity.CRITICAL] == Tally()
    assert list(result.by_category) == ["accuracy/omission", "fluency/grammar"]


def test_weights_come_from_the_scoring_settings() -> None:
    weights = {**DEFAULT_WEIGHTS, Severity.CRITICAL: 25.0}
    result = score(WordCount(100, WordBasis.SOURCE), [_finding(Severity.CRITICAL)], weights)
    assert (result.points, result.score, result.per_1000_words) == (25.0, 75.0, 250.0)


def test_the_score_is_not_clamped_and_is_rounded_to_two_decimals() -> None:
    assert score(WordCount(10, WordBasis.TARGET), [_finding(Severity.CRITICAL)] * 3).score == -200.0
    assert score(WordCount(3, WordBasis.TARGET), [_finding(Severity.MINOR)]).score == 66.67


def test_no_words_means_no_score() -> None:
    result = score(WordCount(0, WordBasis.TARGET), [_finding(Severity.MINOR)])
    assert result.score is None and result.per_1000_words is None and result.points == 1


# --- word counts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The delegation met the officials.", 5),
        ("Don't e-mail the 1,000.5 files", 5),  # joined across ' - , .
        ("snake_case — done!", 3),
        ("東京は大きい", 6),  # written without spaces: a word per character
        ("… — !?", 0),
        ("", 0),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


def test_target_words_leave_out_protected_markup() -> None:
    document = read_document("a.md", "Run `pip install mtqa` now, <b>please</b>.\n")
    assert document.segments[0].protected  # the code span and the tags
    assert word_count(document) == WordCount(3, WordBasis.TARGET)  # Run, now, please


def test_bilingual_documents_count_source_words() -> None:
    document = read_document("a.tsv", "source\ttarget\nHello big world\tHallo Welt\nOne more\t\n")
    assert word_count(document) == WordCount(5, WordBasis.SOURCE)  # the empty target's source counts too


def test_units_without_a_source_count_their_target() -> None:
    segments = [Segment(0, 5, "Hallo", 0, source="Hello there"), Segment(6, 15, "Noch mehr", 1)]
    document = Document(path="a.tsv", text="Hallo\nNoch mehr", format="tsv", segments=segments)
    assert word_count(document) == WordCount(4, WordBasis.SOURCE)


# --- files and the run ---------------------------------------------------------------------


def test_the_run_is_one_evaluation_not_the_mean_of_the_files() -> None:
    card = scorecard([
        (WordCount(100, WordBasis.TARGET), [_finding(Severity.MAJOR)]),  # 95
        (WordCount(900, WordBasis.TARGET), []),  # 100
        (None, [_finding(Severity.CRITICAL)]),  # not checked: no score, not in the run
    ])
    assert [s.score if s else None for s in card.files] == [95.0, 100.0, None]
    assert card.run.words == 1000 and card.run.points == 5
    assert card.run.score == 99.5  # the mean of the files would be 97.5
    assert card.run.basis is WordBasis.TARGET


def test_a_run_of_files_with_and_without_a_source_is_mixed() -> None:
    scores = [score(WordCount(10, WordBasis.SOURCE), []), score(WordCount(10, WordBasis.TARGET), [])]
    assert combined(scores).basis is WordBasis.MIXED
    assert combined([]).score is None


def test_fail_under_compares_the_rounded_score() -> None:
    files = [(WordCount(20, WordBasis.TARGET), [_finding(Severity.MINOR)])]  # 95.0
    assert scorecard(files, Scoring(fail_under=95)).passed is True
    assert scorecard(files, Scoring(fail_under=95.01)).below
    assert scorecard(files).passed is None  # no pass mark
    assert scorecard([(WordCount(0, WordBasis.TARGET), [])], Scoring(fail_under=99)).passed is None


def test_engine_counts_words_and_scores_each_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TWENTY, encoding="utf-8")
    (tmp_path / "b.txt").write_text(CLEAN, encoding="utf-8")
    report = run([str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), str(tmp_path / "missing.txt")], Config())
    card = report.scorecard()
    assert [s.score if s else None for s in card.files] == [95.0, 100.0, None]
    assert card.run.words == 25 and card.run.score == 96.0


def test_a_source_file_scores_per_source_word(write, tmp_path: Path) -> None:
    write("a.po", 'msgid ""\nmsgstr "Language: de\\n"\n\nmsgid "Open the file now"\nmsgstr "Datei Datei öffnen"\n')
    report = run([str(tmp_path / "a.po")], Config())
    file_score = report.scorecard().files[0]
    assert file_score is not None
    assert (file_score.words, file_score.basis) == (4, WordBasis.SOURCE)
    assert file_score.score == round(100 * (1 - file_score.points / 4), 2) and file_score.points > 0


def test_parallel_workers_count_the_same_words(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(TWENTY, encoding="utf-8")
    paths = [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    serial, parallel = run(paths, Config()).scorecard(), run(paths, Config(), jobs=2).scorecard()
    assert parallel == serial and parallel.run.words == 40


# --- the gate on the command line ------------------------------------------------------------


def test_fail_under_exit_codes(cli, write) -> None:
    write("a.txt", TWENTY)  # 95.00, and nothing at --fail-on major
    assert cli("check", "a.txt").exit_code == 0
    assert cli("check", "a.txt", "--fail-under", "95").exit_code == 0  # equal passes
    failing = cli("check", "a.txt", "--fail-under", "95.5")
    assert failing.exit_code == 1
    assert "Quality score 95.00: 1 point in 20 target words, 50.00 per 1,000; under --fail-under 95.5." in failing.stdout
    assert cli("check", "a.txt", "--fail-under", "95.5", "--exit-zero").exit_code == 0
    assert cli("check", "a.txt", "missing.txt", "--fail-under", "10").exit_code == 2  # errors stay 2


def test_fail_under_and_weights_from_the_config(cli, write) -> None:
    write("a.txt", TWENTY)
    write("mtqa.toml", "fail-under = 96\n")
    assert cli("check", "a.txt").exit_code == 1
    assert cli("check", "a.txt", "--fail-under", "90").exit_code == 0  # the command line wins
    write("mtqa.toml", "fail-under = 96\n[severity-weights]\nminor = 0.5\n")  # 0.5 point in 20 words: 97.5
    result = cli("check", "a.txt", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["scorecard"]["weights"] == {"critical": 10.0, "major": 5.0, "minor": 0.5}
    assert data["summary"]["score"] == 97.5 and data["scorecard"]["passed"] is True


def test_baselined_findings_cost_no_points(cli, write) -> None:
    write("a.txt", TWENTY)
    assert cli("check", "a.txt", "--write-baseline", "base.json").exit_code == 0
    result = cli("check", "a.txt", "--baseline", "base.json", "--fail-under", "100")
    assert result.exit_code == 0 and "Quality score 100.00" in result.stdout


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("fail-undr = 90\n", "mtqa.toml: unknown setting 'fail-undr' (did you mean 'fail-under'?)"),
        ("fail-under = 120\n", "mtqa.toml: invalid value for 'fail-under': expected a quality score from 0 to 100, got 120"),
        ('fail-under = "high"\n', "mtqa.toml: invalid value for 'fail-under': expected a quality score from 0 to 100, got 'high'"),
        ("[severity-weights]\nmajr = 3\n", "mtqa.toml [severity-weights]: unknown severity 'majr' (did you mean 'major'?)"),
        ("[severity-weights]\nminor = -1\n",
         "mtqa.toml [severity-weights]: invalid value for 'minor': expected a number of penalty points, 0 or more, got -1"),
        ('[severity-weights]\nminor = "one"\n',
         "mtqa.toml [severity-weights]: invalid value for 'minor': expected a number of penalty points, 0 or more, got 'one'"),
        ("severity-weights = 5\n", "mtqa.toml: invalid value for 'severity-weights': expected a table of severity = weight, got 5"),
    ],
)
def test_bad_scorecard_settings_are_one_line_and_exit_2(cli, write, toml: str, message: str) -> None:
    write("a.txt", TWENTY)
    write("mtqa.toml", toml)
    result = cli("check", "a.txt")
    assert result.exit_code == 2 and result.exception is None
    assert result.stderr == f"mtqa: error: {message}\n"


def test_bad_fail_under_on_the_command_line(cli, write) -> None:
    write("a.txt", TWENTY)
    result = cli("check", "a.txt", "--fail-under", "-5")
    assert result.exit_code == 2
    assert result.stderr == "mtqa: error: --fail-under: expected a quality score from 0 to 100, got -5.0\n"


def test_pyproject_names_its_table(write, tmp_path: Path) -> None:
    from mtqa.config import load_config
    from mtqa.errors import ConfigError

    write("pyproject.toml", "[tool.mtqa.severity-weights]\ncritcal = 25\n")
    with pytest.raises(ConfigError, match=re.escape(
            "pyproject.toml [tool.mtqa.severity-weights]: unknown severity 'critcal' (did you mean 'critical'?)")):
        load_config(tmp_path)
    write("pyproject.toml", "[tool.mtqa.severity-weights]\ncritical = 25\n")
    assert load_config(tmp_path).severity_weights[Severity.CRITICAL] == 25.0


# --- every format shows it -------------------------------------------------------------------


@pytest.fixture
def report(tmp_path: Path) -> Report:
    (tmp_path / "a.txt").write_text(TWENTY, encoding="utf-8")
    (tmp_path / "b.txt").write_text(CLEAN, encoding="utf-8")
    return run([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], Config(fail_under=99.0))


def test_json_has_the_scorecard_and_each_files_score(report: Report) -> None:
    data = json.loads(json_format.render(report))
    card = data["scorecard"]
    assert card["model"] == "mqm-linear" and card["reference_words"] == 1000 and card["max_score"] == 100
    assert card["fail_under"] == 99.0 and card["passed"] is False
    assert card["run"]["score"] == 96.0 and card["run"]["words"] == 25 and card["run"]["word_basis"] == "target"
    assert card["run"]["by_category"]["fluency/grammar"]["minor"] == {"findings": 1, "points": 1.0}
    first, second = data["files"]
    assert first["score"]["score"] == 95.0 and first["score"]["per_1000_words"] == 50.0
    assert first["score"]["by_severity"]["minor"] == {"findings": 1, "points": 1.0}
    assert second["score"]["score"] == 100.0 and second["score"]["points"] == 0
    assert data["summary"]["score"] == 96.0 and data["summary"]["fail_under"] == 99.0
    assert data["summary"]["exit_code"] == 1


def test_json_leaves_the_score_out_for_an_unchecked_file(tmp_path: Path) -> None:
    data = json.loads(json_format.render(run([str(tmp_path / "missing.txt")], Config())))
    assert "score" not in data["files"][0]
    assert data["scorecard"]["run"]["score"] is None and data["scorecard"]["passed"] is None


def test_terminal_lists_the_files_that_lost_points_and_the_run(report: Report) -> None:
    lines = terminal.render(report).splitlines()
    start = lines.index("Quality scores (100 - penalty points per 1,000 words; minor 1, major 5, critical 10):")
    assert re.fullmatch(r"\s+95\.00\s+\S*a\.txt\s+\(1 point in 20 target words, 50\.00 per 1,000\)", lines[start + 1])
    assert re.fullmatch(r"\s+100\.00\s+the other 1 file", lines[start + 2])
    assert "Quality score 96.00: 1 point in 25 target words, 40.00 per 1,000; under --fail-under 99." in lines[-1]


def test_terminal_of_one_file_has_the_score_in_its_summary(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TWENTY, encoding="utf-8")
    output = terminal.render(run([str(tmp_path / "a.txt")], Config()))
    assert "Quality scores" not in output
    assert output.rstrip().endswith("Quality score 95.00: 1 point in 20 target words, 50.00 per 1,000.")


def test_markdown_has_a_score_column_and_the_error_count_table(report: Report) -> None:
    text = markdown.render(report)
    assert "quality score 96.00 under 99" in text.splitlines()[1]
    assert "| **All 2 files** | **0** | **0** | **1** | **96.00** | |" in text
    assert re.search(r"\| <code>\S*a&#46;txt</code> \| 0 \| 0 \| 1 \| 95\.00 \| passes \|", text)
    assert "points per finding: minor 1, major 5, critical 10" in text
    assert "| fluency/grammar | 0 | 0 | 1 | 1 |" in text


def test_html_shows_the_score_everywhere(report: Report) -> None:
    page = html.render(report)
    assert '<div class="verdict fail">Quality score 96.00, under --fail-under 99</div>' in page
    assert "<dt>Quality score</dt>" in page and ">96.00</dd>" in page
    assert re.search(r'<tr><th scope="row">fluency/grammar</th><td class="num">0</td><td class="num">0</td>'
                     r'<td class="num">1</td><td class="num">1</td></tr>', page)
    assert page.count('class="file-score"') == 2  # each file's header
    assert '<th scope="col" class="num">Score</th>' in page  # the index of files
    assert "quality score 95.00" in page and "quality score 100.00" in page


def _hostile_report() -> Report:
    """A file whose path and a category hold markup: the scorecard must show them as text."""
    text = "Some words here.\n"
    document = read_document("<img src=x onerror=alert(1)>.txt", text)
    finding = Finding(path=document.path, code="MT102", severity=Severity.MAJOR, category="<b>bold</b>|pipe",
                      message="m", start=0, end=4, line=1, column=1, end_line=1, end_column=5, text="Some",
                      check_name="doubled-word", context_start=0, context_end=16, context=text.strip())
    result = FileResult(path=document.path, findings=[finding], document=document, words=word_count(document))
    second = FileResult(path="other.txt", errors=[FileError(ErrorKind.INPUT, "cannot read")])
    return Report(files=[result, second])


def test_html_escapes_the_scorecard() -> None:
    page = html.render(_hostile_report())
    assert "<img src=x" not in page and "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;|pipe</th>" in page
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page


def test_markdown_escapes_the_scorecard() -> None:
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown.render(_hostile_report()))
    assert "<img" not in rendered and "<b>bold" not in rendered
    scorecard_table = re.findall(r"<table>(.*?)</table>", rendered, re.S)[1]
    for row in re.findall(r"<tr>(.*?)</tr>", scorecard_table, re.S):
        assert len(re.findall(r"<t[hd][ >]", row)) == 5, row  # the "|" in the category adds no cell
