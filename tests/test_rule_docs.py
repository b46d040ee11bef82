"""Every check's documented Example is flagged by that check, and its "Use instead" is not.

The docstring sections are the rule's documentation (``mtqa rules CODE``, SARIF), so they are
run here through the real pipeline: each example is written to a file (plain text, or one
TSV unit when the check needs the source) and checked with ``select=[code]``. A finding must
also cover something the Use instead changes, so that an example flagged for the wrong
reason (MT402 once flagged "Moscow", not the misplaced verb) fails. The format of the
sections is described in ``mtqa.checks.base.Check``.

The checks built on ``ModelCheck`` (MT3xx) need models that ``mtqa models pull`` downloads
from the Hugging Face hub; where they are not installed (this suite never downloads one) the
engine skips them, and ``test_hub_model_check_examples`` asserts that this, and nothing
else, is why their examples were not run. MT401 and MT402 run with the shipped model. MT403
reads the shipped QE model and the word embeddings of the pulled ``embed`` role: like the hub
checks, its examples run where the role is pulled, and elsewhere it must say how to pull it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from mtqa.checks import Check, all_checks
from mtqa.config import Config
from mtqa.engine import run
from mtqa.report import EXIT_ERROR, Report

EMPTY_TARGET = "(empty)"
SOURCE_LANG = "de"  # the examples' sources are German, their targets English (the default)
# Why a check that needs downloaded models did not run: not pulled, or the extra not installed.
MODELS_MISSING = re.compile(r"mtqa models pull|pip install 'mtqa\[models\]'")
# MT403 in a checkout that does not hold the exported models/mtqa-qe yet (nowhere else).
QE_MISSING = re.compile(r"the QE model is not in .*MTQA_QE_DIR")
QE_SHIPPED = (Path(__file__).resolve().parents[1] / "models" / "mtqa-qe" / "model.safetensors").is_file()


@dataclass(frozen=True)
class Example:
    target: str
    source: str | None = None  # set for the checks that need the source
    more: tuple[tuple[str, str], ...] = ()  # the further (source, target) units of a cross-segment check's example


def needs_hub_models(cls: type[Check]) -> bool:
    """A ``ModelCheck`` (found by name: the class is moving between packages)."""
    return any(base.__name__ == "ModelCheck" for base in cls.__mro__)


def documented(cls: type[Check]) -> tuple[list[Example], list[Example]]:
    """The check's Example and Use instead sections as examples, paired by position."""
    lines = cls.doc_section("Example").splitlines()
    fixed = cls.doc_section("Use instead").splitlines()
    if not cls.needs_source:
        assert not any(line.startswith(("Source:", "Target:")) for line in lines + fixed), (
            f"{cls.code} checks target text alone: its examples need no Source:/Target: lines"
        )
        return [Example(line) for line in lines], [Example(line) for line in fixed]
    assert len(lines) % 2 == 0, f"{cls.code}: Example must be pairs of 'Source: …' and 'Target: …' lines"
    units = []
    for source, target in zip(lines[::2], lines[1::2], strict=True):
        assert source.startswith("Source: ") and target.startswith("Target: "), (
            f"{cls.code}: expected a 'Source: …' line then a 'Target: …' line, got {source!r}, {target!r}"
        )
        target = target.removeprefix("Target: ")
        units.append((source.removeprefix("Source: "), "" if target == EMPTY_TARGET else target))
    assert not any(line.startswith(("Source:", "Target:")) for line in fixed), (
        f"{cls.code}: Use instead holds the corrected targets only (the sources are the Example's)"
    )
    n = cls.example_units
    assert len(units) % n == 0 and len(fixed) % n == 0, f"{cls.code}: examples of {n} units each"
    examples, instead = [], []
    for i in range(0, len(units), n):
        group = units[i : i + n]
        examples.append(Example(group[0][1], group[0][0], tuple(group[1:])))
        corrected = fixed[i : i + n]
        if len(corrected) == n:
            rest = tuple((source, target) for (source, _), target in zip(group[1:], corrected[1:], strict=True))
            instead.append(Example(corrected[0], group[0][0], rest))
    return examples, instead


def example_text(example: Example) -> tuple[str, int]:
    """The file text of an example, and where its first target starts in it."""
    if example.source is None:
        return example.target + "\n", 0
    head = f"source\ttarget\n{example.source}\t"
    rest = "".join(f"{source}\t{target}\n" for source, target in example.more)
    return head + example.target + "\n" + rest, len(head)


def check_example(code: str, example: Example, folder: Path) -> tuple[Report, int]:
    """The report of ``code`` on the example, and where the example's first target starts in its file.

    A check that ``needs`` a term list gets its ``example_terms`` as that list.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("example.txt" if example.source is None else "example.tsv")
    text, offset = example_text(example)
    path.write_text(text, encoding="utf-8")
    cls = all_checks()[code]
    lists = {}
    if getattr(cls, "needs", None):
        terms = folder / ("glossary.csv" if cls.needs == "glossary" else "dnt.txt")
        terms.write_text(cls.example_terms, encoding="utf-8")
        lists[cls.needs] = str(terms)
    config = Config(select=[code], source_lang=None if example.source is None else SOURCE_LANG, **lists)
    return run([str(path)], config), offset


def corrected_spans(example: str, fixed: str) -> list[tuple[int, int]]:
    """The spans of ``example`` that its Use instead changes (start == end: an insertion point)."""
    matcher = difflib.SequenceMatcher(None, example, fixed, autojunk=False)
    return [(i1, i2) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"]


def touches(start: int, end: int, change: tuple[int, int]) -> bool:
    """Whether the finding [start, end) covers part of a change (or the change is at it, if empty)."""
    first, last = change
    if start == end:
        return first <= start <= last
    if first == last:
        return start < first < end
    return start < last and first < end


def assert_examples_hold(code: str, folder: Path) -> None:
    """Each Example gives a finding of ``code`` on what its Use instead corrects; each Use
    instead gives none; and every run worked (no skipped check, no file error)."""
    examples, fixed = documented(all_checks()[code])
    for number, (example, instead) in enumerate(zip(examples, fixed, strict=True), 1):
        report, _ = check_example(code, example, folder / f"example-{number}")
        assert report.exit_code() != EXIT_ERROR, (code, report.skipped, [r.error for r in report.files])
        found = [f for f in report.findings if f.code == code]
        assert found, f"{code}'s Example {example} gives no {code} finding"
        changes = corrected_spans(example_text(example)[0], example_text(instead)[0])
        assert any(touches(f.start, f.end, c) for f in found for c in changes), (
            f"{code}'s Example is flagged at {[f.text for f in found]}, none of which its Use instead corrects"
        )
        report, _ = check_example(code, instead, folder / f"use-instead-{number}")
        assert report.exit_code() != EXIT_ERROR, (code, report.skipped, [r.error for r in report.files])
        assert [f.message for f in report.findings if f.code == code] == [], f"{code}'s Use instead {instead} is flagged"


HUB_MODEL_CHECKS = [code for code, cls in all_checks().items() if needs_hub_models(cls)]
PULLED_ROLE_CHECKS = ["MT403"]  # shipped weights, but the embed role's word embeddings are pulled
RUN_HERE = [code for code in all_checks() if code not in HUB_MODEL_CHECKS + PULLED_ROLE_CHECKS]


@pytest.mark.parametrize("code", list(all_checks()))
def test_examples_are_documented_in_the_parsable_form(code: str) -> None:
    examples, fixed = documented(all_checks()[code])
    assert examples, f"{code} has no Example"
    assert len(fixed) == len(examples), f"{code}: one Use instead line for each Example"
    assert all(example.target.strip() for example in fixed), f"{code}: an empty Use instead line"


@pytest.mark.parametrize("code", RUN_HERE)
def test_example_is_flagged_and_use_instead_is_not(code: str, tmp_path: Path) -> None:
    assert_examples_hold(code, tmp_path)


@pytest.mark.parametrize("code", HUB_MODEL_CHECKS + PULLED_ROLE_CHECKS)
def test_hub_model_check_examples(code: str, tmp_path: Path) -> None:
    """Run where the models are installed; elsewhere the engine must say that they are missing."""
    example = documented(all_checks()[code])[0][0]
    report, _ = check_example(code, example, tmp_path / "probe")
    if code in report.skipped:
        reason = report.skipped[code]
        assert MODELS_MISSING.search(reason) or (not QE_SHIPPED and QE_MISSING.search(reason)), reason
        return
    assert_examples_hold(code, tmp_path)


def test_the_shipped_model_checks_are_run_not_excluded() -> None:
    """MT401 and MT402 need no download: their examples are held to the shipped model."""
    assert {"MT401", "MT402"} <= set(RUN_HERE)
    assert set(HUB_MODEL_CHECKS) == {code for code in all_checks() if code.startswith("MT3")}
