"""DEMETR: does the checker score a deliberately broken translation worse than the original?

Layout: ``{DIR}/{split}.jsonl``, one item a line with ``src_sent`` and ``lang_tag`` (the
source and its language), ``mt_sent``, ``pert_sent``, ``eng_sent`` (the human reference),
``pert_name``, ``severity`` and ``pert_check`` (false = the item was not actually
perturbed; such items are left out). The translations are English. A line that is not a
DEMETR item is skipped and logged in ``OddRows``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtqa.errors import InputError
from mtqa.evaluation.files import read_lines
from mtqa.evaluation.odd_rows import OddRows
from mtqa.evaluation.system import System

# The perturbation that swaps in the human reference is no error: it keeps its own row
# but stays out of the severity and overall figures.
NOT_AN_ERROR = frozenset({"base_id35_reference"})
SEVERITY_ORDER = ("base", "minor", "major", "critical")
# DEMETR's lang_tag → ISO 639-1 (unknown tags give no source language)
LANG_TAGS = {
    "chinese_simple": "zh", "czech": "cs", "french": "fr", "german": "de", "hindi": "hi",
    "italian": "it", "japanese": "ja", "polish": "pl", "russian": "ru", "spanish": "es",
}
TARGET_LANG = "en"


@dataclass(frozen=True)
class DemetrItem:
    id: int | str
    source: str
    source_lang: str | None
    mt: str
    perturbed: str
    reference: str
    pert_name: str
    severity: str


TEXT_FIELDS = ("src_sent", "mt_sent", "pert_sent", "eng_sent")


def _item(raw: Any) -> tuple[DemetrItem, bool]:
    """The item and its ``pert_check``; ``ValueError`` naming what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError(f"a JSON {type(raw).__name__}, not an object")
    missing = [k for k in ("id", "lang_tag", *TEXT_FIELDS, "pert_name", "severity", "pert_check") if k not in raw]
    if missing:
        raise ValueError(f"no {', '.join(missing)}")
    if not isinstance(raw["id"], (int, str)):
        raise ValueError("id not a number or string")
    not_text = [k for k in TEXT_FIELDS if not isinstance(raw[k], str)]
    if not_text:
        raise ValueError(f"{', '.join(not_text)} not a string")
    item = DemetrItem(
        raw["id"], raw["src_sent"], LANG_TAGS.get(raw["lang_tag"]), raw["mt_sent"], raw["pert_sent"],
        raw["eng_sent"], raw["pert_name"], raw["severity"],
    )
    return item, raw["pert_check"] is True


def load(root: Path, split: str, limit: int | None = None, odd_rows: OddRows | None = None) -> list[DemetrItem]:
    """Items with ``pert_check: true`` of the first ``limit`` source sentences (ids).

    Lines that are not items go to ``odd_rows``; without one, the first is an ``InputError``.
    """
    odd = odd_rows if odd_rows is not None else OddRows(strict=True)
    path = root / f"{split}.jsonl"
    lines = read_lines(path, f" (expected {{DIR}}/{split}.jsonl)")
    items: list[DemetrItem] = []
    kept_ids: set[int | str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item, checked = _item(json.loads(line))
        except ValueError as exc:  # json.JSONDecodeError is one
            odd.skip(path, number, f"not a DEMETR item ({exc})")
            continue
        if limit is not None and item.id not in kept_ids:
            if len(kept_ids) >= limit:
                continue
            kept_ids.add(item.id)
        if checked:
            items.append(item)
    return items


def _severity_rank(severity: str) -> tuple[int, str]:
    return (SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER), severity)


def _pert_rank(name: str) -> tuple[tuple[int, str], int, str]:
    """Severity, then DEMETR's perturbation number (``minor_id12_conj_removed`` → 12)."""
    match = re.match(r"([a-z]+)_id(\d+)", name)
    if not match:
        return _severity_rank(""), 0, name
    return _severity_rank(match.group(1)), int(match.group(2)), name


def accuracy_table(items: Sequence[DemetrItem], correct: Sequence[bool]) -> dict[str, Any]:
    """Accuracy per perturbation, per severity (errors only) and overall."""
    by_pert: dict[str, list[bool]] = defaultdict(list)
    by_severity: dict[str, list[bool]] = defaultdict(list)
    overall: list[bool] = []
    for item, ok in zip(items, correct, strict=True):
        by_pert[item.pert_name].append(ok)
        if item.pert_name not in NOT_AN_ERROR:
            by_severity[item.severity].append(ok)
            overall.append(ok)

    def cell(values: list[bool]) -> dict[str, Any]:
        return {"n": len(values), "accuracy": sum(values) / len(values) if values else None}

    severities = sorted(by_severity, key=_severity_rank)
    return {
        "perturbations": {name: cell(by_pert[name]) for name in sorted(by_pert, key=_pert_rank)},
        "severity": {name: cell(by_severity[name]) for name in severities},
        "overall": cell(overall),
    }


def evaluate(items: Sequence[DemetrItem], system: System) -> dict[str, Any]:
    """Share of items whose perturbed sentence scores worse (higher) than the MT; ties fail.

    Each distinct (sentence, source) is scored once, one batch per source language.
    """
    by_lang: dict[str | None, set[tuple[str, str]]] = defaultdict(set)
    for item in items:
        by_lang[item.source_lang].update({(item.mt, item.source), (item.perturbed, item.source)})
    scores: dict[tuple[str, str], float] = {}
    for source_lang, unique in by_lang.items():
        pairs = sorted(unique)
        predictions = system.predict([p[0] for p in pairs], TARGET_LANG, [p[1] for p in pairs], source_lang)
        scores.update(zip(pairs, (p.score for p in predictions), strict=True))
    worse = [scores[item.perturbed, item.source] > scores[item.mt, item.source] for item in items]
    return accuracy_table(items, worse)


def chrf_reference(items: Sequence[DemetrItem]) -> tuple[dict[str, Any], str]:
    """The same table for sacrebleu sentence chrF against ``eng_sent``, and its signature.

    A reference-based upper bound that a target-only checker does not get to use.
    """
    from sacrebleu.metrics import CHRF

    chrf = CHRF()
    cache: dict[tuple[str, str], float] = {}

    def chrf_of(hypothesis: str, reference: str) -> float:
        key = (hypothesis, reference)
        if key not in cache:
            cache[key] = chrf.sentence_score(hypothesis, [reference]).score
        return cache[key]

    correct = [chrf_of(item.perturbed, item.reference) < chrf_of(item.mt, item.reference) for item in items]
    return accuracy_table(items, correct), str(chrf.get_signature())
