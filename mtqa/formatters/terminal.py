"""Terminal: each finding with its sentence, the span underlined (ruff/rustc style), and a summary.

Document text only ever enters Rich as ``Text`` (never as markup), so ``[bold]`` in an
article prints literally; control characters are replaced before they reach the terminal.
"""

from __future__ import annotations

from io import StringIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from mtqa.findings import Finding, Severity
from mtqa.formatters._common import excerpt, fix_hint, flatten, summary_sentence
from mtqa.report import Report

WIDTH = 100
GUTTER = "  | "
SEVERITY_STYLE = {Severity.MINOR: "cyan", Severity.MAJOR: "yellow", Severity.CRITICAL: "bold red"}


def _finding(finding: Finding) -> list[Text]:
    style = SEVERITY_STYLE[finding.severity]
    head = Text()
    head.append(f"{flatten(finding.path)}:{finding.line}:{finding.column}:", style="bold")
    head.append(" ")
    head.append(finding.code, style="bold")
    head.append(" ")
    head.append(f"[{finding.severity}]", style=style)
    head.append(f" {finding.category}: ", style="dim")
    head.append(flatten(finding.message))

    part = excerpt(finding, width=WIDTH - len(GUTTER) - 2)
    sentence = Text(no_wrap=True, overflow="ellipsis")
    sentence.append(GUTTER, style="blue")
    sentence.append(part.before)
    sentence.append(part.span, style=f"{style} underline")
    sentence.append(part.after)
    carets = Text(no_wrap=True, overflow="ellipsis")
    carets.append(GUTTER, style="blue")
    carets.append(" " * cell_len(part.before))
    carets.append("^" * max(cell_len(part.span), 1), style=style)

    lines = [head, Text(GUTTER.rstrip(), style="blue"), sentence, carets]
    hint = fix_hint(finding)
    if hint:
        help_line = Text()
        help_line.append("  = ", style="blue")
        help_line.append("help: ", style="bold")
        help_line.append(hint)
        lines.append(help_line)
    return lines


def _error(path: str, error: str) -> Text:
    line = Text()
    line.append(f"{flatten(path)}:", style="bold")
    line.append(" error: ", style="bold red")
    line.append(flatten(error))
    return line


def render(report: Report, color: bool = False) -> str:
    out = StringIO()
    console = Console(
        file=out,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=WIDTH,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,  # long messages wrap in the terminal itself; excerpts are sized to fit
    )
    for result in report.files:
        if result.error:
            console.print(_error(result.path, result.error))
            console.print()
        for finding in result.findings:
            for line in _finding(finding):
                console.print(line)
            console.print()
    for code, reason in report.skipped.items():
        note = Text()
        note.append(f"{code} skipped: ", style="bold yellow")
        note.append(flatten(reason))
        console.print(note)
    console.print(Text(summary_sentence(report), style="bold red" if report.exit_code() else "bold green"))
    return out.getvalue()
