"""Terminal: each finding with its sentence, the span underlined (ruff/rustc style), and a summary.

Document text only ever enters Rich as ``Text`` (never as markup), so ``[bold]`` in an
article prints literally; control characters are replaced before they reach the terminal.
"""

from __future__ import annotations

from io import StringIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from mtqa.document import Document
from mtqa.findings import Finding, Severity
from mtqa.formatters._common import (
    coverage_lines, excerpt, fix_hint, flatten, languages_line, points_phrase, score_text, summary_sentence,
    weights_phrase,
)
from mtqa.report import Report
from mtqa.scorecard import Scorecard

WIDTH = 100
GUTTER = "  | "
COVERAGE_STYLE = {"with": "bold green", "available": "bold yellow", "note": "bold cyan"}
SEVERITY_STYLE = {Severity.MINOR: "cyan", Severity.MAJOR: "yellow", Severity.CRITICAL: "bold red"}


def _finding(out: Text, finding: Finding, document: Document | None) -> None:
    style = SEVERITY_STYLE[finding.severity]
    out.append(f"{flatten(finding.path)}:{finding.line}:{finding.column}:", style="bold")
    out.append(" ")
    out.append(finding.code, style="bold")
    out.append(" ")
    out.append(f"[{finding.severity}]", style=style)
    out.append(f" {finding.category}: ", style="dim")
    out.append(flatten(finding.message) + "\n")

    part = excerpt(finding, width=WIDTH - len(GUTTER) - 2, document=document)
    out.append(GUTTER.rstrip() + "\n" + GUTTER, style="blue")
    out.append(part.before)
    out.append(part.span, style=f"{style} underline")
    out.append(part.after + "\n")
    out.append(GUTTER, style="blue")
    out.append(" " * cell_len(part.before))
    out.append("^" * max(cell_len(part.span), 1), style=style)
    out.append("\n")
    hint = fix_hint(finding)
    if hint:
        out.append("  = ", style="blue")
        out.append("help: ", style="bold")
        out.append(hint + "\n")


def _scores(out: Text, report: Report, card: Scorecard) -> None:
    """Each file's score, when the run has more than one: those that lost points, then how many did not.

    The run's score is in the summary sentence.
    """
    scored = [(result, score) for result, score in zip(report.files, card.files) if score and score.score is not None]
    if len(scored) < 2:
        return
    out.append(f"Quality scores (100 - penalty points per 1,000 words; {weights_phrase(card)}):\n", style="bold")
    for result, score in scored:
        if score.points:
            out.append(f"  {score_text(score):>7}  ", style="bold")
            out.append(f"{flatten(result.path)}  ({points_phrase(score)})\n")
    perfect = sum(1 for _, score in scored if not score.points)
    if perfect:
        out.append(f"  {'100.00':>7}  ", style="bold")
        out.append(f"{'the other' if perfect < len(scored) else 'all'} {perfect} file{'' if perfect == 1 else 's'}\n")


def render(report: Report, color: bool = False) -> str:
    """The whole report is one ``Text``, printed once: Rich's per-print overhead dominates otherwise."""
    text = Text()
    for result in report.files:
        for error in result.errors:
            text.append(f"{flatten(result.path)}:", style="bold")
            text.append(" error: ", style="bold red")
            text.append(flatten(error.message) + "\n\n")
        for note in result.notes:
            text.append(f"{flatten(result.path)}:", style="bold")
            text.append(" note: ", style="bold cyan")
            text.append(flatten(note.message) + "\n\n")
        for finding in result.findings:
            _finding(text, finding, result.document)
            text.append("\n")
    for code, reason in report.skipped.items():
        text.append(f"{code} skipped: ", style="bold yellow")
        text.append(flatten(reason) + "\n")
    for message in report.run_errors:
        text.append("error: ", style="bold red")
        text.append(flatten(message) + "\n")
    for label, line in coverage_lines(report):
        text.append(f"{label}: ", style=COVERAGE_STYLE.get(label.rsplit(" ", 1)[-1], "bold"))
        text.append(flatten(line) + "\n")
    card = report.scorecard()
    _scores(text, report, card)
    checked_as = languages_line(report)
    if checked_as:
        text.append(checked_as + "\n", style="dim")
    text.append(summary_sentence(report, card), style="bold red" if report.exit_code() else "bold green")
    if not color:  # what Console would write without colour, at a third of the cost
        return text.plain + "\n"
    out = StringIO()
    console = Console(
        file=out,
        force_terminal=True,
        legacy_windows=False,
        no_color=False,
        color_system="standard",
        width=WIDTH,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,  # long messages wrap in the terminal itself; excerpts are sized to fit
    )
    console.print(text)
    return out.getvalue()
