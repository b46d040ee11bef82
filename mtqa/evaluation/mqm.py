"""WMT MQM: error spans marked by professional raters, with Major/Minor severities.

Layout: ``{DIR}/*.{split}.tsv`` (e.g. ``ted_zhen.dev.tsv``), tab-separated with a header
naming at least ``system``, ``doc``, ``seg_id``, ``rater``, ``source``, ``target``,
``category`` and ``severity``. Each row is one error; its span is marked ``<v>…</v>`` inside
``target`` (omissions mark the source instead, so they have no target span). ``No-error``
rows mark segments a rater found clean. The file name ends in the language pair (``_zhen``:
Chinese to English); without one the target is taken to be English, the source unknown.
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
from mtqa.evaluation.system import Prediction, System

# MQM weights per error (Freitag et al., 2021, without the punctuation/non-translation cases).
SEVERITY_PENALTY = {"no-error": 0.0, "neutral": 0.0, "minor": 1.0, "major": 5.0, "critical": 10.0}
# Errors in the source text are not the translation's fault.
IGNORED_CATEGORIES = frozenset({"source error", "no-error"})
COLUMNS = ("system", "doc", "seg_id", "rater", "source", "target", "category", "severity")
_MARK = re.compile(r"(</?v>)")
_PAIR = re.compile(r"_([a-z]{2})([a-z]{2})$")


@dataclass
class MqmSegment:
    key: tuple[str, ...]  # (file, system, doc, seg_id)
    text: str  # the target without <v> marks
    source: str  # the source without <v> marks
    langs: tuple[str | None, str]  # (source language, target language)
    spans: dict[str, list[Span]] = field(default_factory=dict)  # rater → error spans in text
    penalties: dict[str, float] = field(default_factory=dict)  # rater → MQM penalty

    @property
    def penalty(self) -> float:
        """The MQM penalty averaged over this segment's raters."""
        return sum(self.penalties.values()) / len(self.penalties)


def strip_marks(target: str, where: str) -> tuple[str, list[Span]]:
    """The text (target or source) without ``<v>``/``</v>``, and the spans they marked in it."""
    text: list[str] = []
    spans: list[Span] = []
    length = 0
    opened: int | None = None
    for piece in _MARK.split(target):
        if piece == "<v>":
            if opened is not None:
                raise InputError(f"{where}: nested <v>")
            opened = length
        elif piece == "</v>":
            if opened is None:
                raise InputError(f"{where}: </v> without <v>")
            spans.append((opened, length))
            opened = None
        else:
            text.append(piece)
            length += len(piece)
    if opened is not None:
        raise InputError(f"{where}: <v> without </v>")
    return "".join(text), spans


def languages(path: Path, split: str) -> tuple[str | None, str]:
    """(source, target) language from a name like ``ted_zhen.dev.tsv``; else (None, "en")."""
    match = _PAIR.search(path.name.removesuffix(f".{split}.tsv"))
    return (match.group(1), match.group(2)) if match else (None, "en")


def _read_file(path: Path, split: str, segments: dict[tuple[str, ...], MqmSegment]) -> None:
    rows = csv.reader(read_lines(path), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(rows, [])
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    col = {name: header.index(name) for name in COLUMNS}
    langs = languages(path, split)
    for number, row in enumerate(rows, 2):
        if not row:
            continue
        where = f"{path} line {number}"
        if len(row) != len(header):
            raise InputError(f"{where}: {len(row)} fields, the header has {len(header)}")
        text, marked = strip_marks(row[col["target"]], where)
        key = (path.name, row[col["system"]], row[col["doc"]], row[col["seg_id"]])
        source, _ = strip_marks(row[col["source"]], where)
        segment = segments.setdefault(key, MqmSegment(key, text, source, langs))
        if segment.text != text:
            raise InputError(f"{where}: the target differs from an earlier row of the same segment")
        severity = row[col["severity"]].strip().lower()
        if severity not in SEVERITY_PENALTY:
            raise InputError(f"{where}: unknown severity {row[col['severity']]!r}")
        rater = row[col["rater"]]
        spans = segment.spans.setdefault(rater, [])
        segment.penalties.setdefault(rater, 0.0)
        if row[col["category"]].strip().lower() in IGNORED_CATEGORIES:
            continue
        spans.extend(marked)
        segment.penalties[rater] += SEVERITY_PENALTY[severity]


def load(root: Path, split: str, limit: int | None = None) -> list[MqmSegment]:
    """Segments of every ``*.{split}.tsv`` file in ``root``, in file order."""
    paths = sorted(root.glob(f"*.{split}.tsv"))
    if not paths:
        raise InputError(f"{root}: no *.{split}.tsv file (expected e.g. {{DIR}}/ted_zhen.{split}.tsv)")
    segments: dict[tuple[str, ...], MqmSegment] = {}
    for path in paths:
        _read_file(path, split, segments)
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
