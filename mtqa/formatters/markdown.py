"""Markdown for a pull-request comment: a summary table, then each file's findings folded away.

All text that comes from documents (paths, spans, sentences, messages, errors) goes through
``escape``: ASCII punctuation becomes numeric character references, which CommonMark, GFM
tables and HTML all show as the literal character but never read as syntax. Spans and
sentences sit inside ``<code>`` so GitHub does not turn ``@name`` or ``#12`` into links.
The comment is cut to stay under GitHub's 65,536-character limit, with a note saying how many
findings were left out.
"""

from __future__ import annotations

import string

from mtqa.document import Document
from mtqa.findings import Finding, Severity
from mtqa.formatters._common import (
    ELLIPSIS, excerpt, fix, flatten, languages_line, number, plural, score_text,
    severity_counts, summary_sentence, weights_phrase,
)
from mtqa.report import FileResult, Report
from mtqa.scorecard import Scorecard

LIMIT = 65_536  # GitHub's maximum comment body
_RESERVE = 1_000  # room kept for the truncation note and closing tags
MAX_TABLE_ROWS = 50
MAX_ERRORS = 20
MAX_FIELD = 200  # characters of a path, message or error shown
MARKER = "<!-- mtqa-report -->"  # lets a CI job find and update its own earlier comment

_SAFE_PUNCTUATION = frozenset(",;?/%")
_ESCAPES = {ord(c): f"&#{ord(c)};" for c in string.punctuation if c not in _SAFE_PUNCTUATION}
_SEVERITIES = sorted(Severity, reverse=True)


def escape(text: str, limit: int | None = None) -> str:
    """Document text made inert in Markdown and HTML, on one line, optionally clipped."""
    text = flatten(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + ELLIPSIS
    return text.translate(_ESCAPES)


def _size(text: str) -> int:
    """Conservative length: UTF-8 bytes are never fewer than GitHub's characters."""
    return len(text.encode("utf-8"))


def _code(text: str, limit: int | None = MAX_FIELD) -> str:
    return f"<code>{escape(text, limit)}</code>"


def _counts(findings: list[Finding]) -> str:
    counts = ", ".join(f"{n} {sev}" for sev, n in severity_counts(findings).items() if n)
    return f"{plural(len(findings), 'finding')} ({counts})" if findings else "no findings"


def _status(result: FileResult, fail_on: Severity) -> str:
    if result.error:
        return "error"
    return "fails" if any(f.severity >= fail_on for f in result.findings) else "passes"


def _table(report: Report, card: Scorecard) -> list[str]:
    rows = ["| File | " + " | ".join(str(s).capitalize() for s in _SEVERITIES) + " | Score | Status |",
            "| :--- | " + " | ".join("---:" for _ in _SEVERITIES) + " | ---: | :--- |"]
    flagged = [(r, score) for r, score in zip(report.files, card.files) if r.findings or r.error]
    for result, score in flagged[:MAX_TABLE_ROWS]:
        counts = severity_counts(result.findings)
        cells = " | ".join(str(counts[s]) for s in _SEVERITIES)
        rows.append(f"| {_code(result.path, 100)} | {cells} | {score_text(score)} | {_status(result, report.fail_on)} |")
    if len(flagged) > MAX_TABLE_ROWS:
        rows.append(f"| {ELLIPSIS} {plural(len(flagged) - MAX_TABLE_ROWS, 'more file')} | "
                    + " | ".join("" for _ in _SEVERITIES) + " | | |")
    totals = severity_counts(report.findings)
    rows.append(f"| **All {plural(len(report.files), 'file')}** | "
                + " | ".join(f"**{totals[s]}**" for s in _SEVERITIES) + f" | **{score_text(card.run)}** | |")
    return rows


def _scorecard(card: Scorecard) -> list[str]:
    """The run's MQM error count table: a row per category, a column per severity, the points."""
    run = card.run
    if not run.findings or run.score is None:
        return []
    lines = [f"**Scorecard** (MQM: score = 100 - penalty points per 1,000 words; points per finding: "
             f"{weights_phrase(card)}):", "",
             "| Category | " + " | ".join(str(s).capitalize() for s in _SEVERITIES) + " | Points |",
             "| :--- | " + " | ".join("---:" for _ in _SEVERITIES) + " | ---: |"]
    for category, row in run.by_category.items():
        lines.append(f"| {escape(category)} | " + " | ".join(str(row[s].findings) for s in _SEVERITIES)
                     + f" | {number(sum(t.points for t in row.values()))} |")
    lines.append("| **All** | " + " | ".join(f"**{run.by_severity[s].findings}**" for s in _SEVERITIES)
                 + f" | **{number(run.points)}** |")
    return [*lines, ""]


def _problems(report: Report, title: str, notes: bool) -> list[str]:
    """The files' errors (could not be checked, a check failed) or their notes, a line each."""
    listed = [(r, p) for r in report.files for p in (r.notes if notes else r.errors)]
    if not listed:
        return []
    lines = [f"**{title}:**", ""]
    lines += [f"- {_code(r.path, 100)}: {escape(p.message, MAX_FIELD)}" for r, p in listed[:MAX_ERRORS]]
    if len(listed) > MAX_ERRORS:
        lines.append(f"- {ELLIPSIS} and {len(listed) - MAX_ERRORS} more")
    return [*lines, ""]


def _skipped(report: Report) -> list[str]:
    if not report.skipped:
        return []
    lines = ["**Checks that did not run:**", ""]
    lines += [f"- **{escape(code)}**: {escape(reason, MAX_FIELD)}" for code, reason in report.skipped.items()]
    return [*lines, ""]


def _models(report: Report) -> list[str]:
    """The thorough run's record: the models each model check ran with, the checks not available, the source note."""
    lines = [f"- **{escape(code)}** ran with {', '.join(_code(m, None) for m in run.models)} "
             f"(signature {_code(run.signature, None)})" for code, run in sorted(report.models_ran.items())]
    lines += [f"- **{escape(code)}** not available: {escape(gap.reason, MAX_FIELD)}; run {_code(gap.command, None)}"
              for code, gap in sorted(report.not_available.items())]
    if report.source_note:
        lines.append(f"- **Not seen without a source:** {escape(report.source_note)}")
    return ["**Models:**", "", *lines, ""] if lines else []


def _item(finding: Finding, document: Document | None) -> str:
    part = excerpt(finding, width=100, document=document)
    span = escape(part.span) or "‸"  # an empty span marks an insertion point
    quote = f"<code>{escape(part.before)}<b>{span}</b>{escape(part.after)}</code>"
    item = (f"- **{escape(finding.code)}** {escape(finding.check_name)} · {finding.severity} · "
            f"{escape(finding.category)} · line {finding.line}, column {finding.column}: "
            f"{escape(finding.message, MAX_FIELD)}<br>\n  {quote}")
    action = fix(finding)
    if action is not None:
        item += f"<br>\n  Suggestion: {action[0]} {_code(action[1], 100)}"
    return item + "\n"


def render(report: Report, color: bool = False) -> str:
    total = len(report.findings)
    errors = sum(1 for r in report.files if r.unchecked)
    card = report.scorecard()
    verdict = "❌" if report.exit_code() else "✅"
    headline = f"{verdict} mtqa: {plural(len(report.failing()), 'finding')} at or above {report.fail_on}"
    if errors:
        headline += f", {plural(errors, 'file')} not checked"
    if report.skipped:
        headline += f", {plural(len(report.skipped), 'check')} did not run"
    if card.run.score is not None:
        headline += f", quality score {card.run.score:.2f}"
        if card.below:
            headline += f" under {number(card.scoring.fail_under or 0)}"
    head = [MARKER, f"### {headline}", "", *_table(report, card), "", summary_sentence(report, card), "",
            *_scorecard(card)]
    checked_as = languages_line(report)
    if checked_as:
        head += [escape(checked_as), ""]
    head += [*_problems(report, "Errors", notes=False), *_skipped(report), *_models(report),
             *_problems(report, "Notes", notes=True)]
    parts = ["\n".join(head) + "\n"]
    used = _size(parts[0])
    budget = LIMIT - _RESERVE
    shown = 0
    for result in report.files:
        if not result.findings:
            continue
        opening = f"<details>\n<summary>{_code(result.path, 100)}: {_counts(result.findings)}</summary>\n\n"
        closing = "\n</details>\n\n"
        items: list[str] = []
        used += _size(opening) + _size(closing)
        for finding in result.findings:
            item = _item(finding, result.document)
            if used + _size(item) > budget:
                break
            items.append(item)
            used += _size(item)
        if items:
            parts.append(opening + "".join(items) + closing)
            shown += len(items)
        if len(items) < len(result.findings):
            break  # out of room: later findings would be shown out of order
    if shown < total:
        parts.append(
            f"> **Truncated:** {total - shown} of {plural(total, 'finding')} are not shown, to stay "
            f"under GitHub's {LIMIT:,}-character comment limit. Run mtqa with `--format json` or "
            "`--format html` for the full report.\n"
        )
    return "".join(parts)
