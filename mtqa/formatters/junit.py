"""JUnit XML, for CI systems that show test reports: one suite per file, one case per finding.

A finding at or above ``--fail-on`` is a ``<failure>``; one below it is a passing case whose
``<system-out>`` describes it (it does not fail the gate, but stays visible). A file that could
not be checked is a case with an ``<error>``; a clean file is one passing case. A check that
could not run is a ``<skipped>`` case in a suite of its own. What the run covered (the models
each model check ran with, the checks not available here, the source note) is in every suite's
``<properties>``, the way JUnit suites carry the environment they ran in.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import PurePath

from rich.cells import cell_len

from mtqa.document import Document
from mtqa.findings import Finding
from mtqa.formatters._common import RunNoteKind, excerpt, fix_hint, run_notes
from mtqa.report import ErrorKind, FileResult, Report

# Characters XML 1.0 cannot hold at all; ElementTree would write them and break the file.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _describe(finding: Finding, document: Document | None) -> str:
    part = excerpt(finding, width=100, document=document)
    lines = [
        f"{finding.path}:{finding.line}:{finding.column}: {finding.code} [{finding.severity}] "
        f"{finding.category}: {finding.message}",
        f"  {part.before}{part.span}{part.after}",
        f"  {' ' * cell_len(part.before)}{'^' * max(cell_len(part.span), 1)}",
    ]
    hint = fix_hint(finding)
    if hint:
        lines.append(f"  help: {hint}")
    return _clean("\n".join(lines))


def _classname(path: str) -> str:
    """``docs/article.txt`` → ``docs.article``, so CI test views group findings by folder."""
    pure = PurePath(path)
    folders = [part for part in pure.parent.parts if part not in (pure.anchor, "..", ".")]
    return ".".join([*folders, pure.stem]) if pure.stem else path


def _case(suite: ET.Element, result: FileResult, name: str) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", name=_clean(name), classname=_clean(_classname(result.path)), file=_clean(result.path)
    )


def _run_properties(report: Report) -> list[tuple[str, str]]:
    """(name, value): the run's record, the same in every suite (JSON's models_ran, not_available, source_note)."""
    properties = []
    for code, run in sorted(report.models_ran.items()):
        properties += [(f"mtqa.models_ran.{code}", ", ".join(run.models)), (f"mtqa.signature.{code}", run.signature)]
    for note in run_notes(report):
        name = f"mtqa.not_available.{note.checks[0]}" if note.kind is RunNoteKind.NOT_AVAILABLE else "mtqa.source_note"
        properties.append((name, note.message))
    return properties


def _properties(suite: ET.Element, properties: list[tuple[str, str]]) -> None:
    if properties:
        parent = ET.SubElement(suite, "properties")
        for name, value in properties:
            ET.SubElement(parent, "property", name=_clean(name), value=_clean(value))


def _suite(result: FileResult, report: Report, run: list[tuple[str, str]]) -> ET.Element:
    suite = ET.Element("testsuite", name=_clean(result.path))
    languages = result.languages.to_dict().items() if result.languages is not None else []
    # the languages the file was checked as, then what the whole run covered
    _properties(suite, [(f"mtqa.language.{key}", value) for key, value in languages if value is not None] + run)
    failures = errors = 0
    for error in result.errors:
        errors += 1
        case = _case(suite, result, "read" if error.kind is ErrorKind.INPUT else "check")
        ET.SubElement(case, "error", message=_clean(error.message), type=f"mtqa.{error.kind}").text = _clean(error.message)
    for finding in result.findings:
        case = _case(suite, result, f"{finding.code} {finding.check_name} ({finding.severity}) at {finding.line}:{finding.column}")
        case.set("line", str(finding.line))
        if finding.severity >= report.fail_on:
            failures += 1
            failure = ET.SubElement(case, "failure", message=_clean(finding.message), type=finding.code)
            failure.text = _describe(finding, result.document)
        else:
            ET.SubElement(case, "system-out").text = _describe(finding, result.document)
    if not result.errors and not result.findings:
        _case(suite, result, "no findings")
    if result.notes:
        ET.SubElement(suite, "system-out").text = "\n".join(_clean(f"note: {n.message}") for n in result.notes)
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    return suite


def _skipped_suite(skipped: dict[str, str], run: list[tuple[str, str]]) -> ET.Element:
    """Checks that could not run (no model on this machine): one skipped case each."""
    suite = ET.Element("testsuite", name="checks that did not run", tests=str(len(skipped)),
                       failures="0", errors="0", skipped=str(len(skipped)))
    _properties(suite, run)
    for code, reason in skipped.items():
        case = ET.SubElement(suite, "testcase", name=code, classname="mtqa.checks")
        ET.SubElement(case, "skipped", message=_clean(reason))
    return suite


def render(report: Report, color: bool = False) -> str:
    root = ET.Element("testsuites", name="mtqa")
    run = _run_properties(report)
    suites = [_suite(result, report, run) for result in report.files]
    if report.skipped:
        suites.append(_skipped_suite(report.skipped, run))
    root.extend(suites)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in suites)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
