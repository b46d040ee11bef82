"""HTML: one self-contained page an editor reads, with every flagged span highlighted.

The page is built from Jinja2 templates in ``mtqa/templates`` with auto-escaping on, so
document text is always shown as text. CSS and JS are inlined (no network, no CDN); the
findings reach the script as JSON in a ``<script type="application/json">`` block, escaped
by Jinja's ``tojson`` (``<``, ``>``, ``&`` and ``'`` become ``\\u003c`` and so on).

Highlights must survive overlapping findings, so the text is cut at every finding and
segment boundary into pieces; each piece carries the ids of all findings that cover it.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import jinja2
import markupsafe

from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity
from mtqa.formatters._common import gate_phrase, language_label, number, points_phrase, score_text, weights_phrase
from mtqa.report import FileResult, Report
from mtqa.scorecard import Score, Scorecard

# Longer documents are shown up to here (cut at a line end); their findings stay in the list.
MAX_TEXT_CHARS = 2_000_000
SEVERITIES = [str(s) for s in Severity]


@dataclass
class Piece:
    """A run of text covered by the same findings (``ids`` empty when clean)."""

    text: str
    ids: tuple[int, ...] = ()
    severity: str = ""
    title: str = ""
    anchor: int | None = None  # set on the first piece of a finding, for links to it


@dataclass
class Chunk:
    """A segment of the document, or the text between segments (``segment`` is None)."""

    pieces: list[Piece]
    segment: Segment | None = None
    risk: str = ""  # worst severity of the findings in it


@dataclass
class FileView:
    """One file as the template shows it."""

    index: int
    result: FileResult
    counts: dict[str, int]
    rows: list[tuple[int, Finding]] = field(default_factory=list)  # (finding id, finding)
    chunks: list[Chunk] = field(default_factory=list)
    paragraphs: list[list[Chunk]] = field(default_factory=list)  # chunks cut after line ends
    table: bool = False  # bilingual: one row per unit with its source
    shown_chars: int = 0
    total_chars: int = 0
    hidden_findings: int = 0  # findings past the shown text (listed, not highlighted)
    anchors: dict[int, int] = field(default_factory=dict)  # finding id → anchor id
    # finding id → (label, href) of each other place a cross-segment finding (MT5xx) names
    links: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    language: str = ""  # what the file was checked as: "en → de"
    score: str = "—"  # its quality score, "83.33"
    score_detail: str = ""  # what the score was made of: "2 points in 12 target words, 166.67 per 1,000"


def render(report: Report, color: bool = False) -> str:
    """The report as one HTML page (``color`` is ignored: the page always uses colour)."""
    findings = report.findings
    ids = {id(f): n for n, f in enumerate(findings)}
    file_of = {id(f): i for i, result in enumerate(report.files) for f in result.findings}
    card = report.scorecard()
    views = [_file_view(i, result, ids, score) for i, (result, score) in enumerate(zip(report.files, card.files))]
    _link_places(views)
    summary = report.summary(card)
    codes = _code_rows(findings)
    env = _environment()
    script = env.loader.get_source(env, "report.js")[0]
    style = env.loader.get_source(env, "report.css")[0]
    # The page's Content-Security-Policy allows this one script and no inline handlers.
    script_hash = "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return env.get_template("report.html.j2").render(
        report=report,
        script=markupsafe.Markup(script),  # our own package files, inlined verbatim
        style=markupsafe.Markup(style),
        script_hash=script_hash,
        summary=summary,
        views=views,
        severities=SEVERITIES,
        codes=codes,
        severity_chart=_severity_chart(summary["by_severity"]),
        category_chart=_category_chart(findings),
        data={"findings": [_finding_data(n, f, file_of[id(f)]) for n, f in enumerate(findings)]},
        failing=len(report.failing()),
        scorecard=_scorecard_view(card),
    ) + "\n"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mtqa", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False, "default": str}
    return env


def _scorecard_view(card: Scorecard) -> dict[str, Any]:
    """The run's score and its MQM error count table (a row per category, a column per severity) as text."""
    run = card.run
    rows = [{"label": category, "counts": {str(sev): tally.findings for sev, tally in row.items()},
             "points": number(sum(t.points for t in row.values()))} for category, row in run.by_category.items()]
    return {
        "score": score_text(run),
        "detail": points_phrase(run) if run.score is not None else "no words to score",
        "weights": weights_phrase(card),
        "gate": gate_phrase(card),
        "below": card.below,
        "rows": rows,
        "total": {"counts": {str(sev): t.findings for sev, t in run.by_severity.items()}, "points": number(run.points)},
    }


def _file_view(index: int, result: FileResult, ids: dict[int, int], score: Score | None = None) -> FileView:
    counts = Counter(str(f.severity) for f in result.findings)
    numbered = [(ids[id(f)], f) for f in result.findings]
    view = FileView(index=index, result=result, counts={s: counts[s] for s in SEVERITIES}, rows=numbered,
                    score=score_text(score), score_detail=points_phrase(score) if score and score.words else "")
    document = result.document
    if document is None:
        return view
    view.language = language_label(document.languages)
    limit = _shown_limit(document.text)
    view.total_chars, view.shown_chars = len(document.text), limit
    view.hidden_findings = sum(1 for _, f in numbered if _beyond(f, limit))
    view.chunks = _chunks(document, numbered, limit)
    view.table = document.bilingual and _all_in_segments(view.chunks)
    view.paragraphs = _paragraphs(view.chunks)
    for chunk in view.chunks:
        for piece in chunk.pieces:
            if piece.anchor is not None:
                for n in piece.ids:
                    view.anchors.setdefault(n, piece.anchor)
    return view


def _link_places(views: list[FileView]) -> None:
    """Link each place a cross-segment finding names: to the highlight of a finding that starts
    there (the other spelling, the other translation), else to the place's file."""
    anchor_at: dict[tuple[str, int], int] = {}
    file_of: dict[str, int] = {}
    for view in views:
        file_of.setdefault(view.result.path, view.index)
        for n, finding in view.rows:
            if n in view.anchors:
                anchor_at.setdefault((finding.path, finding.start), view.anchors[n])
    for view in views:
        for n, finding in view.rows:
            links = []
            for other in finding.details.get("others") or ():
                anchor = anchor_at.get((other["path"], other["start"]))
                href = f"#finding-{anchor}" if anchor is not None else f"#file-{file_of.get(other['path'], view.index)}"
                links.append((f"{other['path']}:{other['line']}", href))
            if links:
                view.links[n] = links


def _shown_limit(text: str) -> int:
    if len(text) <= MAX_TEXT_CHARS:
        return len(text)
    cut = text.rfind("\n", 0, MAX_TEXT_CHARS)
    return cut if cut > MAX_TEXT_CHARS // 2 else MAX_TEXT_CHARS


def _beyond(f: Finding, limit: int) -> bool:
    """True for a finding wholly past the shown text."""
    return f.start > limit or (f.start == limit and f.end > limit)


def _chunks(document: Document, numbered: list[tuple[int, Finding]], limit: int) -> list[Chunk]:
    """Segments and the gaps between them, covering ``text[:limit]``, cut into pieces."""
    text = document.text
    bounds: list[tuple[int, int, Segment | None]] = []
    cursor = 0
    for segment in document.segments:
        start, end = max(segment.start, cursor), min(segment.end, limit)
        if segment.start > limit or end < start or (end == start and segment.end > segment.start):
            continue  # past the shown text, or overlapping the previous segment
        if start > cursor:
            bounds.append((cursor, start, None))
        bounds.append((start, end, segment))
        cursor = end
    if cursor < limit or not bounds:
        bounds.append((cursor, limit, None))

    starts = [b[0] for b in bounds]
    per_chunk: list[list[tuple[int, Finding]]] = [[] for _ in bounds]
    for n, finding in numbered:
        if _beyond(finding, limit):
            continue
        if finding.end > finding.start:
            first = bisect.bisect_right(starts, finding.start) - 1
            last = bisect.bisect_left(starts, min(finding.end, limit)) - 1
            for k in range(max(first, 0), last + 1):
                per_chunk[k].append((n, finding))
        else:  # an insertion point: with its own segment where it touches it (an empty target)
            k = max(bisect.bisect_right(starts, finding.start) - 1, 0)
            for j in (k - 1, k - 2):
                start, end, segment = bounds[j] if j >= 0 else (0, 0, None)
                if segment and segment.start == finding.context_start and start <= finding.start <= end:
                    k = j
                    break
            per_chunk[k].append((n, finding))

    anchored: set[int] = set()
    chunks = []
    for (start, end, segment), members in zip(bounds, per_chunk):
        pieces = _pieces(text, start, end, members, anchored)
        risk = max((f.severity for _, f in members), default=None)
        chunks.append(Chunk(pieces=pieces, segment=segment, risk=str(risk) if risk else ""))
    return chunks


def _pieces(text: str, start: int, end: int, members: list[tuple[int, Finding]], anchored: set[int]) -> list[Piece]:
    """Cut ``text[start:end]`` at every finding boundary; insertion points become empty pieces."""
    cuts = {start, end}
    for _, f in members:
        cuts.update(min(max(p, start), end) for p in (f.start, f.end))
    ordered = sorted(cuts)
    pieces: list[Piece] = []
    for i, a in enumerate(ordered):
        inserts = [(n, f) for n, f in members if f.start == f.end == a]
        if inserts:
            pieces.append(_piece("", inserts, anchored))
        if i + 1 < len(ordered):
            b = ordered[i + 1]
            covering = [(n, f) for n, f in members if f.start <= a and f.end >= b and f.end > f.start]
            pieces.append(_piece(text[a:b], covering, anchored))
    return pieces


def _piece(text: str, covering: list[tuple[int, Finding]], anchored: set[int]) -> Piece:
    if not covering:
        return Piece(text)
    fresh = [n for n, _ in covering if n not in anchored]
    anchored.update(fresh)
    worst = max(f.severity for _, f in covering)
    title = "\n".join(_title(f) for _, f in covering)
    return Piece(text, tuple(n for n, _ in covering), str(worst), title, min(fresh) if fresh else None)


def _title(f: Finding) -> str:
    """The no-JavaScript tooltip of a highlight."""
    line = f"{f.severity} {f.code} ({f.category}): {f.message}"
    if f.suggestion is not None:
        line += f" → {f.suggestion!r}" if f.suggestion else " → delete"
    return line


def _paragraphs(chunks: list[Chunk]) -> list[list[Chunk]]:
    """Group chunks into blocks that end where text between segments has a line end.

    Browsers lay out one huge pre-wrapped block very slowly (seconds for a book); many
    small blocks with the same text render at once and look the same.
    """
    paragraphs: list[list[Chunk]] = [[]]
    for chunk in chunks:
        last = max((i for i, p in enumerate(chunk.pieces) if "\n" in p.text), default=None)
        if chunk.segment is not None or last is None:
            paragraphs[-1].append(chunk)
            continue
        # The block ends at the gap's last line end; what follows it starts the next one.
        piece = chunk.pieces[last]
        cut = piece.text.rindex("\n") + 1
        head = replace(piece, text=piece.text[:cut])
        tail = replace(piece, text=piece.text[cut:], anchor=None)
        paragraphs[-1].append(Chunk(chunk.pieces[:last] + [head], risk=chunk.risk))
        rest = ([tail] if tail.text else []) + chunk.pieces[last + 1 :]
        paragraphs.append([Chunk(rest, risk=chunk.risk)] if rest else [])
    return [p for p in paragraphs if p]


def _all_in_segments(chunks: list[Chunk]) -> bool:
    return any(c.segment for c in chunks) and all(
        c.segment or not any(p.ids for p in c.pieces) for c in chunks
    )


def _finding_data(n: int, f: Finding, file_index: int) -> dict[str, Any]:
    """What the popover shows; the script builds it with textContent, never as HTML."""
    return {
        "id": n,
        "file": file_index,
        "path": f.path,
        "code": f.code,
        "check": f.check_name,
        "severity": str(f.severity),
        "category": f.category,
        "message": f.message,
        "text": f.text,
        "suggestion": f.suggestion,
        "line": f.line,
        "column": f.column,
        "details": _jsonable(f.details),
    }


def _jsonable(value: Any) -> Any:
    """Details hold model outputs; anything JSON cannot carry (NaN too) is shown as its text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _jsonable(value.tolist())
    return str(value)


def _code_rows(findings: list[Finding]) -> list[dict[str, Any]]:
    counts = Counter(f.code for f in findings)
    names = {f.code: f.check_name for f in findings}
    return [{"code": code, "name": names[code], "count": counts[code]} for code in sorted(counts)]


def _severity_chart(by_severity: dict[str, int]) -> list[dict[str, Any]]:
    top = max(by_severity.values(), default=0) or 1
    return [
        {"label": sev, "count": by_severity.get(sev, 0), "width": round(100 * by_severity.get(sev, 0) / top, 2)}
        for sev in reversed(SEVERITIES)
    ]


def _category_chart(findings: list[Finding]) -> list[dict[str, Any]]:
    """One bar per category, stacked by severity, widths in percent of the longest bar."""
    by_category: dict[str, Counter[str]] = {}
    for f in findings:
        by_category.setdefault(f.category, Counter())[str(f.severity)] += 1
    top = max((sum(c.values()) for c in by_category.values()), default=0) or 1
    rows = []
    for category, counts in sorted(by_category.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        x, parts = 0.0, []
        for sev in reversed(SEVERITIES):
            if counts[sev]:
                width = 100 * counts[sev] / top
                parts.append({"severity": sev, "x": round(x, 2), "width": round(width, 2), "count": counts[sev]})
                x += width
        rows.append({"label": category, "count": sum(counts.values()), "parts": parts})
    return rows
