"""Helpers shared by the human-readable formatters: excerpts, fix hints, the summary sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rich.cells import cell_len

from mtqa.document import Document, LanguageFrom, Languages
from mtqa.findings import Finding, Severity
from mtqa.report import Report
from mtqa.scorecard import REFERENCE_WORDS, Score, Scorecard

ELLIPSIS = "…"
# Whitespace, C0/C1 control characters, and bidirectional overrides and isolates (shown raw
# they reorder the line around them).
_UNSAFE = re.compile(r"[^\S ]|[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def flatten(text: str) -> str:
    """One display line: whitespace becomes a space and control characters become U+FFFD.

    The replacement is one code point for one, so offsets into ``text`` stay valid; it also
    keeps escape sequences in a document from reaching the user's terminal.
    """
    return _UNSAFE.sub(_replacement, text)


def _replacement(match: re.Match[str]) -> str:
    return " " if match.group().isspace() else "\ufffd"


def _clip_right(text: str, room: int) -> str:
    """``text`` cut to ``room`` terminal cells, with an ellipsis when something was cut."""
    if cell_len(text) <= room:
        return text
    kept, used = [], 1
    for char in text:
        used += cell_len(char)
        if used > room:
            break
        kept.append(char)
    return ("".join(kept) + ELLIPSIS) if room > 0 else ""


def _clip_left(text: str, room: int) -> str:
    return _clip_right(text[::-1], room)[::-1]


@dataclass(frozen=True)
class Excerpt:
    """The flagged span inside (a window of) its sentence, flattened to one line."""

    before: str
    span: str
    after: str


def _context(finding: Finding, document: Document | None) -> tuple[str, int, int]:
    """The text to show the span in, and the span's offsets in it.

    The finding's sentence when it holds the span; else the document's lines around the span
    (an empty target in a bilingual file has no sentence); else the span alone.
    """
    start, end = finding.start - finding.context_start, finding.end - finding.context_start
    if finding.context and 0 <= start <= end <= len(finding.context) and finding.context[start:end] == finding.text:
        return finding.context, start, end
    if document is not None and document.text[finding.start : finding.end] == finding.text:
        first, last = document.line_span(finding.line)[0], document.line_span(finding.end_line)[1]
        return document.text[first:last], finding.start - first, finding.end - first
    return finding.text, 0, len(finding.text)


def excerpt(finding: Finding, width: int = 80, span_width: int = 60, document: Document | None = None) -> Excerpt:
    """A window of at most about ``width`` terminal cells around the span.

    Long spans are clipped to ``span_width`` cells; the rest of the room is shared between the
    text before and after the span, so short sentences are shown whole. ``document`` (the
    finding's) supplies the surrounding line when the finding has no sentence.
    """
    context, start, end = _context(finding, document)
    # Cut first (generously: a character takes at most two cells) so a finding in a
    # 10,000-word sentence costs no more than one in a short one.
    lo, hi = max(0, start - 2 * width), min(len(context), end + 2 * width)
    before = (ELLIPSIS if lo else "") + flatten(context[lo:start])
    after = flatten(context[end:hi]) + (ELLIPSIS if hi < len(context) else "")
    span = _clip_right(flatten(context[start : min(end, start + 2 * span_width + 1)]), span_width)
    room = max(width - cell_len(span), 0)
    before_room = min(cell_len(before), max(room // 2, room - cell_len(after)))
    return Excerpt(_clip_left(before, before_room), span, _clip_right(after, room - before_room))


def fix(finding: Finding) -> tuple[str, str] | None:
    """The suggestion as (verb, text): ("replace with", "an invasion"), ("delete", "the "), …"""
    if finding.suggestion is None:
        return None
    if finding.suggestion == "":
        return "delete", finding.text
    if finding.start == finding.end:
        return "insert", finding.suggestion
    return "replace with", finding.suggestion


def fix_hint(finding: Finding) -> str | None:
    """The suggestion as one instruction ("replace with 'an invasion'"), or None."""
    action = fix(finding)
    return None if action is None else f"{action[0]} '{flatten(action[1])}'"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def severity_counts(findings: list[Finding]) -> dict[Severity, int]:
    """Counts by severity, worst first (all three keys present)."""
    return {sev: sum(1 for f in findings if f.severity == sev) for sev in sorted(Severity, reverse=True)}


def language_label(languages: Languages) -> str:
    """``en → de`` (source → target), or ``de`` when the source language is not known."""
    return f"{languages.source} → {languages.target}" if languages.source else languages.target


def languages_line(report: Report) -> str | None:
    """``Checked as de (2 files), en → es (1 file).``; None when every file was English by default."""
    checked = [r.languages for r in report.files if r.languages is not None]
    if all(lang.target_from is LanguageFrom.DEFAULT and lang.source is None for lang in checked):
        return None
    counts: dict[str, int] = {}
    for languages in checked:
        label = language_label(languages)
        counts[label] = counts.get(label, 0) + 1
    return "Checked as " + ", ".join(f"{label} ({plural(n, 'file')})" for label, n in sorted(counts.items())) + "."


def number(value: float) -> str:
    """A weight, a threshold or a count of points as people write it: 5, 2.5."""
    return f"{value:g}"


def score_text(score: Score | None) -> str:
    """``83.33``, or ``—`` for a file that was not checked or has no words to score."""
    return "—" if score is None or score.score is None else f"{score.score:.2f}"


def points_phrase(score: Score) -> str:
    """``12 points in 480 source words, 25.00 per 1,000``: what the score was made of."""
    text = f"{number(score.points)} point{'' if score.points == 1 else 's'} in {score.words:,} {score.basis} word"
    text += "" if score.words == 1 else "s"
    return text + (f", {score.per_1000_words:.2f} per {REFERENCE_WORDS:,}" if score.per_1000_words is not None else "")


def weights_phrase(card: Scorecard) -> str:
    """``minor 1, major 5, critical 10``: the penalty points of one finding of each severity."""
    return ", ".join(f"{sev} {number(weight)}" for sev, weight in sorted(card.scoring.weights.items()))


def gate_phrase(card: Scorecard) -> str | None:
    """``under --fail-under 95`` or ``at or above --fail-under 95``; None when the score is not gated."""
    threshold = card.scoring.fail_under
    if threshold is None or card.run.score is None:
        return None
    return f"{'under' if card.below else 'at or above'} --fail-under {number(threshold)}"


def score_sentence(card: Scorecard) -> str | None:
    """``Quality score 83.33: 2 points in 12 target words, 166.67 per 1,000; under --fail-under 90.``

    None when there was nothing to score and no pass mark to say so about.
    """
    threshold = card.scoring.fail_under
    if card.run.score is None:
        return None if threshold is None else f"No words to score: --fail-under {number(threshold)} was not applied."
    gate = gate_phrase(card)
    return f"Quality score {card.run.score:.2f}: {points_phrase(card.run)}" + (f"; {gate}." if gate else ".")


def summary_sentence(report: Report, card: Scorecard | None = None) -> str:
    """One line for the end of a human report: counts, files, the gates, errors.

    ``card`` is ``report.scorecard()`` when the caller has it already.
    """
    findings = report.findings
    files = len(report.files)
    if findings:
        counts = ", ".join(f"{n} {sev}" for sev, n in severity_counts(findings).items() if n)
        text = f"Found {plural(len(findings), 'finding')} ({counts}) in {plural(files, 'file')}"
    else:
        text = f"No findings in {plural(files, 'file')}"
    failing = len(report.failing())
    text += f"; {failing} at or above --fail-on {report.fail_on}."
    scored = score_sentence(card or report.scorecard())
    text += f" {scored}" if scored else ""
    suppressed = sum(r.suppressed for r in report.files)
    if suppressed:
        text += f" {suppressed} suppressed."
    unchecked = sum(1 for r in report.files if r.unchecked)
    if unchecked:
        text += f" {plural(unchecked, 'file')} could not be checked."
    partly = sum(1 for r in report.files if r.errors and not r.unchecked)
    if partly:
        text += f" {plural(partly, 'file')} checked only in part (a check failed)."
    notes = sum(len(r.notes) for r in report.files)
    if notes:
        text += f" {plural(notes, 'note')}."
    if report.skipped:
        text += f" {plural(len(report.skipped), 'check')} did not run."
    if report.run_errors:
        text += f" {plural(len(report.run_errors), 'run error')}."
    return text


class RunNoteKind(StrEnum):
    """The kind of a note about the whole run, as the formats that list notes by kind write it (SARIF, CSV)."""

    NOT_AVAILABLE = "not-available"  # a check --select AVAILABLE left out: no model or library here
    WITHOUT_SOURCE = "without-source"  # no segment had a source: the source-aware checks saw nothing


@dataclass(frozen=True)
class RunNote:
    """One of the thorough run's notes (they never change the exit code): the checks it is about, a title, its text."""

    kind: RunNoteKind
    checks: tuple[str, ...]
    title: str  # "MT301 not available", "not seen without a source"
    message: str


def run_notes(report: Report) -> list[RunNote]:
    """The checks not available here (by code), then the source note: what the run did not look at."""
    notes = [RunNote(RunNoteKind.NOT_AVAILABLE, (code,), f"{code} not available", str(gap))
             for code, gap in sorted(report.not_available.items())]
    if report.source_note:
        notes.append(RunNote(RunNoteKind.WITHOUT_SOURCE, tuple(report.without_source), "not seen without a source",
                             report.source_note))
    return notes


def coverage_lines(report: Report) -> list[tuple[str, str]]:
    """(label, text): the models each model check ran with, the checks not available here, the source note.

    What a thorough run (``--select AVAILABLE``) did and did not look at, one line each.
    """
    lines = [(f"{code} ran with", ", ".join(run.models)) for code, run in sorted(report.models_ran.items())]
    lines += [("note" if note.kind is RunNoteKind.WITHOUT_SOURCE else note.title, note.message)
              for note in run_notes(report)]
    return lines
