"""The one data path: inputs → documents → checks → findings → Report.

Nothing here prints or exits: every problem with an input, and every crash of a check,
becomes one of the file's ``errors`` and the run goes on with the next check and the next file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mtqa.checks import Check, CheckContext, all_checks, if_available, select_checks
from mtqa.config import Config, resolve_codes
from mtqa.document import Document, Languages, Segment
from mtqa.errors import ConfigError, InputError, ModelUnavailable
from mtqa.findings import Finding
from mtqa.locales import base
from mtqa.readers import declared_charset, decode, format_for, read_document
from mtqa.report import ErrorKind, FileError, FileResult, ModelRun, NotAvailable, Note, NoteKind, Report
from mtqa.scorecard import Scoring, word_count
from mtqa.suppression import suppress
from mtqa.walk import expand_paths

STDIN = "-"

ProgressCallback = Callable[[str, int, int | None], None]
"""``progress(task, done, total)``: ``task`` names a bar, ``total`` None when unknown.

The engine reports files and, for large documents, segments; model checks report loading
and scoring through ``CheckContext.progress``. A bar is finished when ``done == total``.
"""

# Below this many segments a document finishes too fast for a per-document bar to help.
SEGMENT_PROGRESS_MIN = 500


def _no_progress(task: str, done: int, total: int | None) -> None:
    """The default: nobody is watching."""


@dataclass
class Input:
    """One thing to check: a path on disk, stdin or given text; ``error`` when it could not be found.

    ``name`` is the path the report shows (and the reader picks a format by) instead of
    ``path``: ``--stdin-filename`` for stdin, the Python API's ``path`` for ``text``.
    """

    path: str
    error: str | None = None
    name: str | None = None
    text: str | None = None

    @property
    def display(self) -> str:
        return self.name or ("<stdin>" if self.path == STDIN else self.path)


def prepare(config: Config) -> tuple[Config, list[Check]]:
    """Validate the codes and options the config names and build its checks; ConfigError names the setting."""
    config = resolve_codes(config, all_checks())
    return config, [cls() for cls in select_checks(config.select, config.ignore)]


def read_input(item: Input, config: Config, input_format: str | None = None) -> Document:
    """Read, decode and parse one input; InputError says what is wrong with it.

    The languages the user set (command line or config) win over what the file declares.
    """
    display, text = read_text(item, config, input_format)
    return read_document(
        display, text,
        lang=config.target_lang if config.is_set("target_lang") else None,
        source_lang=config.source_lang if config.is_set("source_lang") else None,
        input_format=input_format,
        max_sentence_words=config.max_sentence_words,
    )


def read_text(item: Input, config: Config, input_format: str | None = None) -> tuple[str, str]:
    """The display name and decoded text of one input, in the encoding the file declares.

    The size limit is checked on the file's metadata before reading, so an oversized file
    is refused without being loaded; the raw bytes are dropped as soon as they are decoded.
    """
    limit = int(config.max_file_mb * 1024 * 1024)
    too_big = "over the max_file_mb limit of {limit:g} MB (raise it with --max-file-mb or max_file_mb in the config)"
    if item.text is not None:
        return item.display, item.text
    if item.path == STDIN:
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise InputError("input is " + too_big.format(limit=config.max_file_mb))
    else:
        path = Path(item.path)
        try:
            size = path.stat().st_size
            if size > limit:
                shown = f"{size / 1048576:.1f} MB" if size >= 104858 else f"{size} bytes"
                raise InputError(f"file is {shown}, " + too_big.format(limit=config.max_file_mb))
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror or exc}") from None
    text = decode(data, declared_charset(data, format_for(item.display, input_format)[0]))
    del data
    return item.display, text


def _one_line(message: str) -> str:
    return " ".join(message.split())


def overlong_sentences(document: Document, max_words: int) -> list[str]:
    """One message per sentence the splitter had to cut for being over ``max_words``.

    The splitter marks each piece ``overlong``; every piece but a sentence's last holds
    exactly ``max_words`` words, which is how consecutive pieces are told apart.
    """
    messages = []
    words = 0
    first: int | None = None
    previous_full = False
    for segment in [*document.segments, None]:
        continues = segment is not None and segment.overlong and previous_full and first is not None
        if first is not None and not continues:
            line, _ = document.line_col(first)
            messages.append(
                f"line {line}: a sentence of {words} words (over max_sentence_words = {max_words}); checked in chunks"
            )
            first, words = None, 0
        if segment is None or not segment.overlong:
            previous_full = False
            continue
        count = len(segment.text.split())
        first = segment.start if first is None else first
        words += count
        previous_full = count >= max_words
    return messages


def check_context(
    config: Config, progress: ProgressCallback = _no_progress, languages: Languages | None = None
) -> CheckContext:
    """What the checks may know of a document: its languages, and the run's per-check options.

    ``languages`` are the document's (``Document.languages``); without them, the config's.
    The checks get base languages (``pt`` for ``pt-BR``), and language identification may
    answer the document's own languages whatever the config's ``languages`` list.
    """
    if languages is None:
        target, source = config.target_lang, config.source_lang
    else:
        target = base(languages.target)
        source = base(languages.source) if languages.source else None
    return CheckContext(
        target_lang=target,
        source_lang=source,
        languages=frozenset(config.languages) | {target} | ({source} if source else set()),
        options=config.options,
        progress=progress,
    )


def not_applicable(checks: list[Check], document: Document, ctx: CheckContext) -> Note | None:
    """One note naming the selected checks that do not cover the document's target language."""
    by_languages: dict[frozenset[str], list[str]] = {}
    for check in checks:
        if check.languages is not None and ctx.target_lang not in check.languages:
            by_languages.setdefault(check.languages, []).append(check.code)
    if not by_languages:
        return None
    parts = [f"{', '.join(codes)} check {', '.join(sorted(langs))} only" for langs, codes in by_languages.items()]
    return Note(NoteKind.CHECK_NOT_APPLICABLE, f"{'; '.join(parts)}; not run on this {document.languages.target} file")


def check_document(
    document: Document,
    checks: list[Check],
    config: Config,
    progress: ProgressCallback = _no_progress,
    skipped: dict[str, str] | None = None,
    ctx: CheckContext | None = None,
    not_available: dict[str, NotAvailable] | None = None,
) -> tuple[list[Finding], list[FileError]]:
    """Run every applicable check: the findings, and one error per check that crashed.

    Findings on protected markup are dropped (``Segment.about_markup``), and so are model findings that
    repeat a rule's (``Check.defers_to_rules``); severity overrides are applied. A check
    whose model is not on this machine (``ModelUnavailable``) is recorded in ``skipped``
    (code → reason) and not tried again in this run, unless only ``AVAILABLE`` chose it: then
    it is asked first what it lacks (``Check.missing``: nothing is loaded) and, lacking
    something, recorded in ``not_available`` for this document. ``ctx`` is the document's
    context (a new one by default): after the run it holds the model checks' signatures.
    """
    skipped = {} if skipped is None else skipped
    not_available = {} if not_available is None else not_available
    ctx = ctx if ctx is not None else check_context(config, progress)
    segments_by_start = {s.start: s for s in document.segments}
    applicable = []
    for check in checks:
        if check.code in skipped or not check.applies_to(document, ctx):
            continue
        optional = if_available(config.select, type(check))
        gap = check.missing(ctx) if optional else None
        if gap is not None:
            not_available[check.code] = NotAvailable.of(gap)
        else:
            applicable.append(check)
    task = f"Checking {document.path}"
    show = len(document.segments) >= SEGMENT_PROGRESS_MIN
    total = len(document.segments) * len(applicable)
    findings: list[Finding] = []
    crashes: list[FileError] = []
    for done, check in enumerate(applicable):
        if show:
            progress(task, done * len(document.segments), total)
        produced: list[Finding] = []
        try:
            produced.extend(check.check_document(document, ctx))
        except ModelUnavailable as exc:
            if if_available(config.select, type(check)):
                not_available[check.code] = NotAvailable.of(exc)
            else:
                skipped[check.code] = _one_line(str(exc))
            continue
        except Exception as exc:  # a crashing check is reported, and the other checks still run
            message = f"check {check.code} ({check.name}) crashed: {type(exc).__name__}: {_one_line(str(exc))}"
            crashes.append(FileError(ErrorKind.CHECK_CRASHED, message))
            continue
        for finding in produced:
            segment = segments_by_start.get(finding.context_start)
            if segment and segment.about_markup(finding.start, finding.end):
                continue
            override = config.severity.get(finding.code)
            findings.append(finding.with_severity(override) if override is not None else finding)
    if show:
        progress(task, total, total)
    deferring = {c.code for c in applicable if c.defers_to_rules}
    if deferring:
        findings = _without_repeats(findings, deferring)
    findings.sort(key=lambda f: (f.start, f.end, f.code))
    return findings, crashes


def _without_repeats(findings: list[Finding], deferring: set[str]) -> list[Finding]:
    """Drop findings of the ``deferring`` checks that overlap another check's in their segment."""
    flagged: dict[int, list[tuple[int, int]]] = {}
    for finding in findings:
        if finding.code not in deferring:
            flagged.setdefault(finding.context_start, []).append((finding.start, finding.end))
    return [
        f for f in findings
        if f.code not in deferring
        or not any(start < f.end and f.start < end for start, end in flagged.get(f.context_start, ()))
    ]


def check_input(
    item: Input,
    checks: list[Check],
    config: Config,
    input_format: str | None = None,
    progress: ProgressCallback = _no_progress,
    skipped: dict[str, str] | None = None,
    source_text: str | None = None,
) -> FileResult:
    """Check one input; any problem becomes one of the result's errors, never an exception.

    ``source_text`` (from ``--source``) turns a monolingual translation into bilingual units.
    """
    display = item.display
    if item.error:
        return FileResult(path=display, errors=[FileError(ErrorKind.INPUT, item.error)])
    task = f"Reading {display}"
    progress(task, 0, None)
    try:
        document = read_input(item, config, input_format)
    except InputError as exc:
        return FileResult(path=display, errors=[FileError(ErrorKind.INPUT, _one_line(str(exc)))])
    except Exception as exc:  # a reader bug must not end the run either
        message = f"cannot read: {type(exc).__name__}: {_one_line(str(exc))}"
        return FileResult(path=display, errors=[FileError(ErrorKind.INPUT, message)])
    finally:
        progress(task, 1, 1)
    notes = [Note(NoteKind.OVERLONG_SENTENCE, m) for m in overlong_sentences(document, config.max_sentence_words)]
    if len(notes) > 3:
        notes[3:] = [Note(NoteKind.OVERLONG_SENTENCE, f"and {len(notes) - 3} more over-long sentences")]
    errors = []
    if source_text is not None:
        try:
            document = with_source(document, source_text, config)
        except ModelUnavailable as exc:
            errors.append(FileError(ErrorKind.SOURCE, f"--source: cannot align with the source: {_one_line(str(exc))}"))
    ctx = check_context(config, progress, document.languages)
    skipped_here = not_applicable(checks, document, ctx)
    notes += [skipped_here] if skipped_here else []
    not_available: dict[str, NotAvailable] = {}
    findings, crashes = check_document(document, checks, config, progress, skipped, ctx, not_available)
    notes += [Note(NoteKind.CHECK_NOTE, message) for message in ctx.notes]
    kept, suppressed = suppress(document.text, findings)
    return FileResult(
        path=document.path, document=document, findings=kept, suppressed=suppressed,
        errors=errors + crashes, notes=notes, signatures=dict(ctx.signatures), not_available=not_available,
        words=word_count(document),
    )


def with_source(document: Document, source_text: str, config: Config) -> Document:
    """Source-aware mode for a separate source file: align its sentences with the document's."""
    from mtqa.backends import Models
    from mtqa.backends.align import attach_source

    return attach_source(document, source_text, config.source_lang or "en", Models().embedder())


def _read_source(source: str, inputs: list[Input], config: Config) -> str:
    """The text of ``--source``; ConfigError when it cannot serve the inputs."""
    if len(inputs) != 1 or inputs[0].error:
        raise ConfigError("--source: give exactly one translated file to check against the source")
    if not config.source_lang:
        raise ConfigError("--source: also give the source language with --src-lang")
    try:
        return read_text(Input(source), config)[1]
    except InputError as exc:
        raise ConfigError(f"--source: {source}: {_one_line(str(exc))}") from None


def run(
    paths: list[str],
    config: Config,
    input_format: str | None = None,
    progress: ProgressCallback | None = None,
    source: str | None = None,
    *,
    jobs: int = 1,
    stdin_filename: str | None = None,
) -> Report:
    """Check every input named by ``paths``; raises only ConfigError (a bad setting).

    ``source`` is the path of the source text of a single monolingual translation;
    ``stdin_filename`` is the path stdin (``-``) stands for; ``jobs`` as in ``check_inputs``.
    """
    config, checks = prepare(config)
    expanded = expand_paths(paths, config.include, config.exclude, stdin_name=stdin_filename)
    inputs = [Input(p, err, name=stdin_filename if p == STDIN else None) for p, err in expanded]
    source_text = _read_source(source, inputs, config) if source is not None else None
    return check_inputs(inputs, checks, config, input_format, progress, source_text, jobs)


def check_inputs(
    inputs: list[Input],
    checks: list[Check],
    config: Config,
    input_format: str | None = None,
    progress: ProgressCallback | None = None,
    source_text: str | None = None,
    jobs: int = 1,
) -> Report:
    """Check ``inputs`` with ``checks`` (from ``prepare(config)``) into a Report, in input order.

    With ``jobs`` other than 1 (0: one per CPU core) the files are checked in that many
    processes (``mtqa.parallel``); stdin is read here, so an input list holding it is
    checked in this process.
    """
    from mtqa.checks.base import RunCheck
    from mtqa.run_stage import check_run

    progress = progress or _no_progress
    skipped: dict[str, str] = {}
    run_checks = [c for c in checks if isinstance(c, RunCheck)]
    all_selected, checks = checks, [c for c in checks if not isinstance(c, RunCheck)]
    if jobs != 1 and len(inputs) > 1 and all(item.path != STDIN for item in inputs):
        files = _check_in_processes(inputs, checks, config, input_format, progress, skipped, source_text, jobs)
    else:
        files = []
        for done, item in enumerate(inputs):
            if len(inputs) > 1:
                progress("Checking files", done, len(inputs))
            files.append(check_input(item, checks, config, input_format, progress, skipped, source_text))
    if len(inputs) > 1:
        progress("Checking files", len(inputs), len(inputs))
    run_errors: list[str] = []
    if run_checks:
        progress("Checking across files", 0, None)
        files, run_errors = check_run(files, run_checks, config)
        progress("Checking across files", 1, 1)
    signatures = {code: sig for result in files for code, sig in result.signatures.items()}
    not_available: dict[str, NotAvailable] = {}
    for result in files:  # one file's gap is enough to list: it names the role (``lm:de``), so a check may be in both
        for code, gap in result.not_available.items():
            not_available.setdefault(code, gap)
    model_checks = {c.code for c in checks if not c.default_enabled}  # the shipped detector signs too: not one
    return Report(
        files=files, fail_on=config.fail_on, checks=[c.code for c in all_selected], skipped=skipped,
        signatures=signatures, run_errors=run_errors,
        models_ran={code: ModelRun.of(sig) for code, sig in signatures.items() if code in model_checks},
        not_available=not_available, without_source=without_source(checks, files),
        scoring=Scoring(config.severity_weights, config.fail_under),
    )


def without_source(checks: list[Check], files: list[FileResult]) -> list[str]:
    """The selected model checks that need a source (meaning errors), when files were read and no segment had one.

    The source-comparing rules (numbers, placeholders: MT2xx) are left out: they are default
    checks, and a plain run on monolingual text should not be told what it did not ask for.
    """
    documents = [result.document for result in files if result.document is not None]
    if not documents or any(segment.source for document in documents for segment in document.segments):
        return []
    return [check.code for check in checks if check.needs_source and not check.default_enabled]


def _check_in_processes(
    inputs: list[Input],
    checks: list[Check],
    config: Config,
    input_format: str | None,
    progress: ProgressCallback,
    skipped: dict[str, str],
    source_text: str | None,
    jobs: int,
) -> list[FileResult]:
    """``check_input`` of each input in worker processes; a worker that died is that file's error."""
    from mtqa.parallel import ordered_map

    def done(count: int) -> None:
        progress("Checking files", count, len(inputs))

    progress("Checking files", 0, len(inputs))
    initargs = ([type(c) for c in checks], config, input_format, source_text)
    outcomes = ordered_map(_check_in_worker, inputs, jobs, initializer=_start_worker, initargs=initargs, done=done)
    files: list[FileResult] = []
    for item, outcome in zip(inputs, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            reason = f"{type(outcome).__name__}: {_one_line(str(outcome))}".rstrip(": ")
            error = FileError(ErrorKind.WORKER_DIED, f"the worker process checking it failed ({reason})")
            files.append(FileResult(path=item.display, errors=[error]))
            continue
        result, worker_skipped = outcome
        files.append(result)
        for code, reason in worker_skipped.items():
            skipped.setdefault(code, reason)
    return files


# A --jobs worker process checks files for one run only, so its checks (and the models they
# load, one copy per process) live here from ``_start_worker`` to the end of the process.
_worker: tuple[list[Check], Config, str | None, str | None, dict[str, str]] | None = None


def _start_worker(
    classes: list[type[Check]], config: Config, input_format: str | None, source_text: str | None
) -> None:
    global _worker
    _worker = ([cls() for cls in classes], config, input_format, source_text, {})


def _check_in_worker(item: Input) -> tuple[FileResult, dict[str, str]]:
    """One file's result (its model signatures included) and the checks this worker could not run."""
    assert _worker is not None, "_start_worker runs first in every worker process"
    checks, config, input_format, source_text, skipped = _worker
    result = check_input(item, checks, config, input_format, skipped=skipped, source_text=source_text)
    return result, dict(skipped)
