"""The one data path: inputs → documents → checks → findings → Report."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mtqa.checks import Check, CheckContext, select_checks
from mtqa.config import Config
from mtqa.document import Document
from mtqa.errors import InputError
from mtqa.findings import Finding
from mtqa.readers import decode, read_document
from mtqa.report import FileResult, Report
from mtqa.walk import expand_paths

STDIN = "-"


@dataclass
class Input:
    """One thing to check: a path on disk, or stdin; ``error`` when it could not be found."""

    path: str
    error: str | None = None


def load_checks(config: Config) -> list[Check]:
    return [cls() for cls in select_checks(config.select, config.ignore)]


def read_input(item: Input, config: Config, input_format: str | None = None) -> Document:
    limit = int(config.max_file_mb * 1024 * 1024)
    if item.path == STDIN:
        data = sys.stdin.buffer.read(limit + 1)
        display = "<stdin>"
    else:
        path = Path(item.path)
        try:
            size = path.stat().st_size
            if size > limit:
                raise InputError(
                    f"file is {size / 1048576:.1f} MB, over the {config.max_file_mb:g} MB limit "
                    "(raise it with --max-file-mb or max_file_mb in the config)"
                )
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror or exc}") from None
        display = item.path
    if len(data) > limit:
        raise InputError(f"input is over the {config.max_file_mb:g} MB limit (raise it with --max-file-mb)")
    text = decode(data)
    del data
    return read_document(display, text, lang=config.target_lang, input_format=input_format)


def check_document(document: Document, checks: Iterable[Check], config: Config) -> list[Finding]:
    """Run every applicable check; findings in markup, or of suppressed codes, are dropped."""
    ctx = CheckContext(
        target_lang=config.target_lang, source_lang=config.source_lang, options=config.options
    )
    segments_by_start = {s.start: s for s in document.segments}
    findings: list[Finding] = []
    for check in checks:
        if not check.applies_to(document, ctx):
            continue
        for finding in check.check_document(document, ctx):
            segment = segments_by_start.get(finding.context_start)
            if segment and segment.is_protected(finding.start, max(finding.end, finding.start + 1)):
                continue
            if finding.code in config.severity:
                finding.severity = config.severity[finding.code]
            findings.append(finding)
    findings.sort(key=lambda f: (f.start, f.end, f.code))
    return findings


def check_input(item: Input, checks: list[Check], config: Config, input_format: str | None = None) -> FileResult:
    """Check one input; any problem becomes the result's error, never an exception."""
    display = "<stdin>" if item.path == STDIN else item.path
    if item.error:
        return FileResult(path=display, error=item.error)
    try:
        document = read_input(item, config, input_format)
    except InputError as exc:
        return FileResult(path=display, error=str(exc))
    result = FileResult(path=document.path, document=document)
    try:
        result.findings = check_document(document, checks, config)
    except Exception as exc:  # a crashing check is reported, and the run goes on
        result.error = f"internal error while checking: {type(exc).__name__}: {exc}"
    return result


def run(paths: list[str], config: Config, input_format: str | None = None) -> Report:
    checks = load_checks(config)
    inputs = [Input(p, err) for p, err in expand_paths(paths, config.include, config.exclude)]
    files = [check_input(item, checks, config, input_format) for item in inputs]
    return Report(files=files, fail_on=config.fail_on, checks=[c.code for c in checks])
