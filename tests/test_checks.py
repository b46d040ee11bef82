"""Every deterministic check against its cases in tests/cases/<CODE>.toml.

A case file has ``[[fail]]`` tables (``text``, the flagged ``span`` or ``spans`` in order,
optionally the first finding's ``suggestion``) and ``[[pass]]`` tables (``text`` that must
give no finding of that check). Any case may set ``lang`` (target language, default "en"),
``file`` (its name picks the reader, default "case.txt"), ``source`` (makes it a bilingual
unit), ``source_lang``, ``languages`` and ``options``. The cross-segment checks (MT5xx) see
the case's document as the whole run; their cases may set ``glossary`` (CSV text, or TBX
with ``glossary_file = "g.tbx"``) and ``dnt`` (one term per line), and a bilingual case of
several units is a TSV file (``file = "case.tsv"``, ``text`` the whole file).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtqa.checks import Check, CheckContext, all_checks
from mtqa.checks.base import RunCheck, RunContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity
from mtqa.readers import read_document
from mtqa.terms import parse_dnt, parse_glossary

CASES = Path(__file__).parent / "cases"


def make_document(text: str, lang: str = "en", source: str | None = None, file: str = "case.txt") -> Document:
    """A document read from ``file``'s format, or (with ``source``) one bilingual unit.

    The unit is laid out as a TSV line "source<TAB>target", so offsets point into real text.
    """
    if source is None:
        return read_document(file, text, lang=lang)
    line = f"{source}\t{text}\n"
    start = len(source) + 1
    segment = Segment(start=start, end=start + len(text), text=text, index=0, source=source)
    return Document(path="case.tsv", text=line, format="tabular", segments=[segment], bilingual=True)


def run_check(code: str, case: dict[str, Any]) -> tuple[Document, list[Finding]]:
    check: Check = all_checks()[code]()
    document = make_document(case["text"], case.get("lang", "en"), case.get("source"), case.get("file", "case.txt"))
    if isinstance(check, RunCheck):  # a cross-segment check: the document is the whole run
        ctx = RunContext(
            [document], {code: case.get("options", {})}, case.get("source_lang"),
            parse_glossary(case["glossary"], case.get("glossary_file", "glossary.csv")) if "glossary" in case else None,
            parse_dnt(case["dnt"], "dnt.txt") if "dnt" in case else None,
        )
        return document, list(check.check_run(ctx))
    ctx = CheckContext(
        target_lang=case.get("lang", "en"),
        source_lang=case.get("source_lang"),
        options={code: case.get("options", {})},
        languages=frozenset(case.get("languages", ())),
    )
    if not check.applies_to(document, ctx):
        return document, []
    return document, list(check.check_document(document, ctx))


def load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("MT*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for kind in ("fail", "pass"):
            for number, case in enumerate(data.get(kind, []), 1):
                params.append(pytest.param(path.stem, kind, case, id=f"{path.stem}-{kind}-{number}"))
    return params


@pytest.mark.parametrize(("code", "kind", "case"), load_cases())
def test_case(code: str, kind: str, case: dict[str, Any]) -> None:
    document, findings = run_check(code, case)
    for finding in findings:
        assert finding.code == code
        assert finding.text == document.text[finding.start : finding.end]
        assert finding.context_start <= finding.start <= finding.end <= finding.context_end
    flagged = [f.text for f in findings]
    if kind == "pass":
        assert flagged == [], [f.message for f in findings]
        return
    assert flagged == case.get("spans", [case.get("span")]), [f.message for f in findings]
    if "suggestion" in case:
        assert findings[0].suggestion == case["suggestion"]


def test_every_deterministic_check_has_passing_and_failing_cases() -> None:
    for code in all_checks():
        if re.fullmatch(r"MT[125]\d\d", code):
            data = tomllib.loads((CASES / f"{code}.toml").read_text(encoding="utf-8"))
            assert data.get("fail") and data.get("pass"), code


def _coded_subclasses(cls: type) -> list[type[Check]]:
    found = []
    for sub in cls.__subclasses__():
        if getattr(sub, "code", None):
            found.append(sub)
        found.extend(_coded_subclasses(sub))
    return found


def test_check_codes_and_names_are_unique() -> None:
    all_checks()  # imports every check module
    classes = _coded_subclasses(Check)
    codes = [cls.code for cls in classes]
    names = [cls.name for cls in classes]
    assert len(codes) == len(set(codes)), codes
    assert len(names) == len(set(names)), names


@pytest.mark.parametrize("code", list(all_checks()))
def test_check_is_documented(code: str) -> None:
    """The "docs test": ``mtqa rules`` and SARIF rule metadata are built from these."""
    cls = all_checks()[code]
    assert re.fullmatch(r"MT\d{3}", cls.code)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", cls.name)
    assert cls.summary.strip() and "\n" not in cls.summary
    assert isinstance(cls.severity, Severity)
    mqm = r"(accuracy|fluency|terminology|style|locale|verity|design)(/[a-z-]+)*"
    assert re.fullmatch(mqm, cls.category), f"{code}: category {cls.category!r} is not MQM-style (accuracy/…)"
    for section in ("What it does", "Why is this bad", "Example", "Use instead"):
        assert cls.doc_section(section), f"{code} docstring lacks a {section!r} section"


_ALPHABET = "aAnNeEhHuU18 ,.;:!?-–()[]{}\"'“”‘’„«»%$@/<>\n\t0e.gU.S.wwwhttps"


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=_ALPHABET, min_size=1, max_size=80).filter(str.strip),
    source=st.none() | st.text(alphabet=_ALPHABET, max_size=60),
)
def test_checks_never_crash_and_spans_slice_the_text(text: str, source: str | None) -> None:
    """On arbitrary punctuation soup every check keeps ``text == document.text[start:end]``."""
    document = make_document(text, source=source)
    ctx = CheckContext(source_lang="de")
    for code, cls in all_checks().items():
        if not re.fullmatch(r"MT[12]\d\d", code) or not cls().applies_to(document, ctx):
            continue
        for finding in cls().check_document(document, ctx):
            assert finding.text == document.text[finding.start : finding.end], code
            assert 0 <= finding.start <= finding.end <= len(document.text), code


def test_length_ratio_names_additions_and_omissions() -> None:
    source = "Die Gespräche werden im Mai fortgesetzt."
    _, [longer] = run_check("MT207", {"source": source, "text": source * 3})
    _, [shorter] = run_check("MT207", {"source": source, "text": "Talks."})
    assert (longer.category, shorter.category) == ("accuracy/addition", "accuracy/omission")


def test_missing_items_are_named_in_the_message() -> None:
    _, findings = run_check("MT204", {"source": "Seite {0} von {1}", "text": "Seite von"})
    assert findings[0].details["missing"] == ["{0}", "{1}"] and "'{0}', '{1}'" in findings[0].message


def test_bilingual_checks_skip_monolingual_documents() -> None:
    document = make_document("Die Gespräche werden im Mai fortgesetzt.")
    for code, cls in all_checks().items():
        if code.startswith("MT2"):
            assert cls.needs_source and not cls().applies_to(document, CheckContext()), code


@pytest.mark.parametrize(("code", "kind", "case"), [p for p in load_cases() if "suggestion" in p.values[2]])
def test_applying_the_suggestions_fixes_the_text(code: str, kind: str, case: dict[str, Any]) -> None:
    """Every suggestion of a failing case, applied, leaves nothing for the check to suggest."""
    document, findings = run_check(code, case)
    fixes = [f for f in findings if f.suggestion is not None]
    assert fixes
    text = document.text
    for finding in sorted(fixes, key=lambda f: f.start, reverse=True):
        text = text[: finding.start] + finding.suggestion + text[finding.end :]
    fixed_case = dict(case, text=text if case.get("source") is None else text[len(case["source"]) + 1 : -1])
    _, remaining = run_check(code, fixed_case)
    assert [f.text for f in remaining if f.suggestion is not None] == []


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("abAB1 ,;.!?:/é_")), max_size=60))
def test_mt104_possessive_word_finds_what_backtracking_found(text: str) -> None:
    """MT104's word before the mark is possessive; letting it give letters back finds the same."""
    from mtqa.checks.missing_space_after_punctuation import _MISSING

    backtracking = re.compile(_MISSING.pattern.replace("++)", "+)", 1))
    assert backtracking.pattern != _MISSING.pattern
    assert [m.groupdict() for m in _MISSING.finditer(text)] == [m.groupdict() for m in backtracking.finditer(text)]
