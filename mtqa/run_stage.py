"""The run-level stage: the checks that look across segments and files (``RunCheck``, MT5xx).

It runs once, after every file was read and checked on its own, over all the documents of
the run. Its findings go into the files they point at, through the same markup filter,
severity overrides and inline suppression as the per-file checks'. A term list that cannot
be read, or a run check that crashes, becomes one of the run's errors (exit 2) and every
other finding is still reported.
"""

from __future__ import annotations

from dataclasses import replace

from mtqa.checks.base import RunCheck, RunContext
from mtqa.config import Config
from mtqa.findings import Finding
from mtqa.report import FileResult
from mtqa.suppression import suppress
from mtqa.terms import DntList, Glossary, TermListError, load_dnt, load_glossary


def term_lists(checks: list[RunCheck], config: Config) -> tuple[Glossary | None, DntList | None, list[str]]:
    """The glossary and do-not-translate list the selected checks need, and why one could not be read."""
    errors: list[str] = []
    needed = {check.needs for check in checks}
    glossary = dnt = None
    try:
        glossary = load_glossary(config.glossary) if config.glossary and "glossary" in needed else None
    except TermListError as exc:
        errors.append(str(exc))
    try:
        dnt = load_dnt(config.dnt) if config.dnt and "dnt" in needed else None
    except TermListError as exc:
        errors.append(str(exc))
    return glossary, dnt, errors


def check_run(files: list[FileResult], checks: list[RunCheck], config: Config) -> tuple[list[FileResult], list[str]]:
    """``files`` with the run checks' findings added, and the run's errors (one line each)."""
    glossary, dnt, errors = term_lists(checks, config)
    documents = [result.document for result in files if result.document is not None and not result.unchecked]
    ctx = RunContext(documents, config.options, config.source_lang, glossary, dnt)
    by_path: dict[str, list[Finding]] = {}
    for check in checks:
        if (check.needs == "glossary" and glossary is None) or (check.needs == "dnt" and dnt is None):
            continue
        try:
            produced = list(check.check_run(ctx))
        except Exception as exc:  # a crashing check is reported, and the others still run
            errors.append(f"check {check.code} ({check.name}) crashed: {type(exc).__name__}: {' '.join(str(exc).split())}")
            continue
        for finding in produced:
            override = config.severity.get(finding.code)
            by_path.setdefault(finding.path, []).append(finding.with_severity(override) if override else finding)
    return [_with_findings(result, by_path.get(result.path, [])) for result in files], errors


def _with_findings(result: FileResult, found: list[Finding]) -> FileResult:
    document = result.document
    if not found or document is None:
        return result
    segments = {segment.start: segment for segment in document.segments}
    kept = [
        f for f in found
        if not ((segment := segments.get(f.context_start)) and segment.about_markup(f.start, f.end))
    ]
    kept, suppressed = suppress(document.text, kept)
    findings = sorted([*result.findings, *kept], key=lambda f: (f.start, f.end, f.code))
    return replace(result, findings=findings, suppressed=result.suppressed + suppressed)
