"""WMT MQM: error spans marked by professional raters, with Major/Minor severities.

Layout: ``{DIR}/*.{split}.tsv`` (e.g. ``ted_zhen.dev.tsv``), tab-separated with a header
naming ``system``, ``doc``, the segment, ``rater``, ``source``, ``target``, ``category`` and
``severity``. The segment is ``seg_id`` in the WMT 2020-22 files (beside ``doc_id``) and
``docSegId`` + ``globalSegId`` in the WMT 2023+ ones, which add a ``metadata`` column. Each
row is one error; its span is marked ``<v>…</v>`` inside ``target`` (omissions mark the
source instead, so they have no target span). ``No-error`` rows mark segments a rater found
clean; ``HOTW-test`` rows are the raters' attention checks (an altered target), not
annotations, and are left out. The file name ends in the language pair (``_zhen``: Chinese
to English); without one the target is taken to be English, the source unknown.

Real files have odd rows. A ``<v>`` that never closes is read as running to the end of the
target (the raters' tool dropped the closing mark, not the span); rows with too few fields,
a stray ``</v>``, an unknown severity or a target that disagrees with the segment's other
rows are skipped. Both kinds go to an ``OddRows`` log with file and line.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtqa.errors import InputError
from mtqa.evaluation.files import read_lines
from mtqa.evaluation.metrics import Overlap, Span, kendall_tau
from mtqa.evaluation.odd_rows import OddRows
from mtqa.evaluation.system import Prediction, System

# MQM weights per error (Freitag et al., 2021, without the punctuation/non-translation cases).
SEVERITY_PENALTY = {"no-error": 0.0, "neutral": 0.0, "minor": 1.0, "major": 5.0, "critical": 10.0}
# Errors in the source text are not the translation's fault.
IGNORED_CATEGORIES = frozenset({"source error", "no-error"})
ATTENTION_CHECK = "hotw-test"  # a rater's quality-control probe, not an annotation
COLUMNS = ("system", "doc", "rater", "source", "target", "category", "severity")
# The segment's column(s): WMT 2020-22 files, then WMT 2023+ files.
SEGMENT_COLUMNS = (("seg_id",), ("docSegId", "globalSegId"))
_MARK = re.compile(r"(</?v>)")
_PAIR = re.compile(r"_([a-z]{2})([a-z]{2})$")


@dataclass
class MqmSegment:
    key: tuple[str, ...]  # (file, system, doc, segment column value(s))
    text: str  # the target without <v> marks
    source: str  # the source without <v> marks
    langs: tuple[str | None, str]  # (source language, target language)
    spans: dict[str, list[Span]] = field(default_factory=dict)  # rater → error spans in text
    penalties: dict[str, float] = field(default_factory=dict)  # rater → MQM penalty

    @property
    def penalty(self) -> float:
        """The MQM penalty averaged over this segment's raters."""
        return sum(self.penalties.values()) / len(self.penalties)


class MarkError(ValueError):
    """``<v>`` marks that cannot be read as spans (nested, or a ``</v>`` that closes nothing)."""


@dataclass(frozen=True)
class Marked:
    text: str  # without the marks
    spans: list[Span]
    unclosed: bool  # a final <v> never closed: its span runs to the end of the text


def strip_marks(marked: str) -> Marked:
    """The text without ``<v>``/``</v>`` and the spans they mark; ``MarkError`` if they nest or stray."""
    text: list[str] = []
    spans: list[Span] = []
    length = 0
    opened: int | None = None
    for piece in _MARK.split(marked):
        if piece == "<v>":
            if opened is not None:
                raise MarkError("nested <v>")
            opened = length
        elif piece == "</v>":
            if opened is None:
                raise MarkError("</v> without <v>")
            spans.append((opened, length))
            opened = None
        else:
            text.append(piece)
            length += len(piece)
    if opened is not None:
        spans.append((opened, length))
    return Marked("".join(text), spans, unclosed=opened is not None)


def languages(path: Path, split: str) -> tuple[str | None, str]:
    """(source, target) language from a name like ``ted_zhen.dev.tsv``; else (None, "en")."""
    match = _PAIR.search(path.name.removesuffix(f".{split}.tsv"))
    return (match.group(1), match.group(2)) if match else (None, "en")


def _columns(path: Path, header: list[str]) -> tuple[dict[str, int], list[int]]:
    """Index of each needed column, and of the segment column(s) of whichever layout the header has."""
    missing = [c for c in COLUMNS if c not in header]
    segment = next((names for names in SEGMENT_COLUMNS if all(n in header for n in names)), None)
    if segment is None:
        missing.append(" and ".join(SEGMENT_COLUMNS[0]) + " (or " + " and ".join(SEGMENT_COLUMNS[1]) + ")")
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return {name: header.index(name) for name in COLUMNS}, [header.index(n) for n in segment]


def _read_file(path: Path, split: str, segments: dict[tuple[str, ...], MqmSegment], odd: OddRows) -> None:
    rows = csv.reader(read_lines(path), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(rows, [])
    col, segment_cols = _columns(path, header)
    needed = max(*col.values(), *segment_cols) + 1  # a missing trailing metadata field is harmless
    langs = languages(path, split)
    first_line: dict[tuple[str, ...], int] = {}
    for number, row in enumerate(rows, 2):
        if not row:
            continue
        if not needed <= len(row) <= len(header):
            odd.skip(path, number, f"{len(row)} fields, the header has {len(header)}")
            continue
        severity = row[col["severity"]].strip().lower()
        if severity == ATTENTION_CHECK:
            continue
        if severity not in SEVERITY_PENALTY:
            odd.skip(path, number, f"unknown severity {row[col['severity']]!r}")
            continue
        try:
            target = strip_marks(row[col["target"]])
        except MarkError as exc:
            odd.skip(path, number, f"{exc} in the target")
            continue
        key = (path.name, row[col["system"]], row[col["doc"]], *(row[i] for i in segment_cols))
        segment = segments.get(key)
        if segment is not None and segment.text != target.text:
            odd.skip(path, number, f"the target differs from line {first_line[key]} of the same segment")
            continue
        if target.unclosed:
            odd.repair(path, number, "<v> without </v> in the target: read as running to its end")
        if segment is None:
            source = _MARK.sub("", row[col["source"]])
            segment = segments[key] = MqmSegment(key, target.text, source, langs)
            first_line[key] = number
        rater = row[col["rater"]]
        spans = segment.spans.setdefault(rater, [])
        segment.penalties.setdefault(rater, 0.0)
        if row[col["category"]].strip().lower() in IGNORED_CATEGORIES:
            continue
        spans.extend(target.spans)
        segment.penalties[rater] += SEVERITY_PENALTY[severity]


def load(root: Path, split: str, limit: int | None = None, odd_rows: OddRows | None = None) -> list[MqmSegment]:
    """Segments of every ``*.{split}.tsv`` file in ``root``, in file order.

    Odd rows go to ``odd_rows``; without one, the first row that has to be skipped is an
    ``InputError``.
    """
    paths = sorted(root.glob(f"*.{split}.tsv"))
    if not paths:
        raise InputError(f"{root}: no *.{split}.tsv file (expected e.g. {{DIR}}/ted_zhen.{split}.tsv)")
    odd = odd_rows if odd_rows is not None else OddRows(strict=True)
    segments: dict[tuple[str, ...], MqmSegment] = {}
    for path in paths:
        _read_file(path, split, segments, odd)
    result = list(segments.values())
    return result if limit is None else result[:limit]


def evaluate(segments: list[MqmSegment], system: System) -> dict[str, Any]:
    """Micro-averaged character-overlap span P/R/F1 (per rater) and segment Kendall tau-b."""
    predictions: dict[int, Prediction] = {}
    by_langs: dict[tuple[str | None, str], list[int]] = defaultdict(list)
    for i, segment in enumerate(segments):
        by_langs[segment.langs].append(i)
    for (source_lang, target_lang), indices in by_langs.items():
        batch = system.predict(
            [segments[i].text for i in indices], target_lang, [segments[i].source for i in indices], source_lang
        )
        for i, prediction in zip(indices, batch, strict=True):
            predictions[i] = prediction
    overlap = Overlap()
    ordered = [predictions[i] for i in range(len(segments))]
    for segment, prediction in zip(segments, ordered, strict=True):
        for spans in segment.spans.values():
            overlap += Overlap.of(segment.text, spans, prediction.spans)
    return {
        "n_segments": len(segments),
        "span": overlap.scores(),
        "kendall_tau": kendall_tau([p.score for p in ordered], [s.penalty for s in segments]),
    }
