"""The result of a run: per-file findings or errors, a summary, and the exit code."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from mtqa import __version__
from mtqa.document import Document, Languages
from mtqa.errors import ModelUnavailable
from mtqa.findings import Finding, Severity
from mtqa.scorecard import MAX_SCORE, MODEL_NAME, REFERENCE_WORDS, Score, Scorecard, Scoring, WordCount, scorecard
from mtqa.signature import Signature

JSON_FORMAT_VERSION = "1"

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class ErrorKind(StrEnum):
    """What went wrong with a file. Any error makes the run exit 2: the gate was not fully evaluated."""

    INPUT = "input"  # missing, unreadable, binary, undecodable, malformed: nothing was checked
    CHECK_CRASHED = "check-crashed"  # one check failed on the file; the others' findings stand
    SOURCE = "source"  # --source could not be aligned: the source-aware checks did not run
    WORKER_DIED = "worker-died"  # the --jobs process checking the file died: nothing was reported


class NoteKind(StrEnum):
    """Something the user should know about how a file was checked; it never changes the exit code."""

    OVERLONG_SENTENCE = "overlong-sentence"  # a "sentence" over max_sentence_words, checked in chunks
    CHECK_NOT_APPLICABLE = "check-not-applicable"  # a selected check does not cover this file's language
    CHECK_NOTE = "check-note"  # a check's word on how it ran on this file (``CheckContext.note``)


@dataclass(frozen=True)
class FileError:
    kind: ErrorKind
    message: str


@dataclass(frozen=True)
class Note:
    kind: NoteKind
    message: str


@dataclass(frozen=True)
class NotAvailable:
    """A check the thorough run (``--select AVAILABLE``) left out: what is not here, and the command that installs it.

    Unlike a skipped check (selected by name: exit 2), it does not change the exit code.
    """

    reason: str
    command: str

    @classmethod
    def of(cls, gap: ModelUnavailable) -> NotAvailable:
        return cls(" ".join(gap.reason.split()), gap.pull_command)

    def __str__(self) -> str:
        return f"{self.reason}; run: {self.command}"


# Model signatures name their models in these fields (mtqa.signature.FIELDS).
_MODEL_FIELDS = ("model", "embed", "lm")

SOURCE_NOTE = (
    "no segment had a source, so meaning errors (mistranslation, omission) were not looked for: "
    "{codes} need the source (--source FILE --src-lang XX, or a bilingual format: XLIFF, PO, TSV, JSONL)"
)


@dataclass(frozen=True)
class ModelRun:
    """A model check that ran: the models its scores came from (id@revision) and its signature."""

    models: tuple[str, ...]
    signature: str

    @classmethod
    def of(cls, signature: str) -> ModelRun:
        """The models the signature names, each once (Apertium's one package runs a round trip both ways)."""
        fields = dict(Signature.parse(signature).fields)
        refs = (ref for key in _MODEL_FIELDS if key in fields for ref in fields[key].split("+"))
        return cls(tuple(dict.fromkeys(refs)), signature)

    def to_dict(self) -> dict[str, Any]:
        """As the JSON report (``models_ran``) and SARIF (``modelsRan``) write it."""
        return {"models": list(self.models), "signature": self.signature}


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    document: Document | None = None
    suppressed: int = 0  # hidden by inline comments or the baseline (both counted here)
    baselined: int = 0  # the part of ``suppressed`` the baseline accounted for
    signatures: dict[str, str] = field(default_factory=dict)  # model check code → signature, this file
    not_available: dict[str, NotAvailable] = field(default_factory=dict)  # AVAILABLE's checks left out here
    words: WordCount | None = None  # the scorecard's word count; None when the file was not read

    @property
    def segments(self) -> int:
        return len(self.document.segments) if self.document else 0

    @property
    def languages(self) -> Languages | None:
        """The languages the file was checked as (None when it could not be read)."""
        return self.document.languages if self.document else None

    @property
    def error(self) -> str | None:
        """Every error of the file as one line (what the formatters print), None when there is none."""
        return "; ".join(e.message for e in self.errors) or None

    @property
    def unchecked(self) -> bool:
        """Nothing of the file was checked (as opposed to a check that crashed on it)."""
        return any(e.kind in (ErrorKind.INPUT, ErrorKind.WORKER_DIED) for e in self.errors)


@dataclass
class Report:
    files: list[FileResult]
    fail_on: Severity = Severity.MAJOR
    checks: list[str] = field(default_factory=list)
    signatures: dict[str, str] = field(default_factory=dict)  # check code → model signature
    skipped: dict[str, str] = field(default_factory=dict)  # check code → why it did not run (no model)
    models_ran: dict[str, ModelRun] = field(default_factory=dict)  # the selected model checks that ran
    not_available: dict[str, NotAvailable] = field(default_factory=dict)  # AVAILABLE's checks with no model here
    without_source: list[str] = field(default_factory=list)  # selected model checks that need a source no file had
    scoring: Scoring = field(default_factory=Scoring)  # severity weights and --fail-under
    # problems of the run as a whole, one line each: a glossary that cannot be read, a run check that crashed
    run_errors: list[str] = field(default_factory=list)
    version: str = __version__

    @property
    def source_note(self) -> str | None:
        """What the run could not see for want of a source; None when a file had one or no check needs it."""
        return SOURCE_NOTE.format(codes=", ".join(self.without_source)) if self.without_source else None

    @property
    def findings(self) -> list[Finding]:
        return [f for result in self.files for f in result.findings]

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.severity >= self.fail_on]

    def scorecard(self) -> Scorecard:
        """The quality scores of the files and the run, from the findings as they stand now.

        Computed on each call (from word counts the engine made once), so findings the
        baseline hides after the run no longer cost points.
        """
        return scorecard([(r.words, r.findings) for r in self.files], self.scoring)

    def exit_code(self) -> int:
        """2 when any input or check failed, else 1 when findings reach --fail-on or the score is under --fail-under, else 0.

        A selected check that could not run (its model is not downloaded: ``skipped``) also
        gives 2: the gate was not evaluated, so it must not pass as clean.
        """
        if self.skipped or self.run_errors or any(result.errors for result in self.files):
            return EXIT_ERROR
        return EXIT_FINDINGS if self.failing() or self.scorecard().below else EXIT_CLEAN

    def summary(self, card: Scorecard | None = None) -> dict[str, Any]:
        """The run in numbers; ``card`` is ``scorecard()`` when the caller has it already."""
        findings = self.findings
        card = card or self.scorecard()
        return {
            "files": len(self.files),
            "files_with_errors": sum(1 for r in self.files if r.errors),
            "unchecked_files": sum(1 for r in self.files if r.unchecked),
            "notes": sum(len(r.notes) for r in self.files),
            "segments": sum(r.segments for r in self.files),
            "findings": len(findings),
            "suppressed": sum(r.suppressed for r in self.files),
            "baselined": sum(r.baselined for r in self.files),
            "by_severity": {str(s): sum(1 for f in findings if f.severity == s) for s in Severity},
            "by_category": dict(sorted(Counter(f.category for f in findings).items())),
            "by_code": dict(sorted(Counter(f.code for f in findings).items())),
            "fail_on": str(self.fail_on),
            "score": card.run.score,
            "fail_under": self.scoring.fail_under,
            "exit_code": self.exit_code(),
        }

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON report (see README, "JSON format")."""
        card = self.scorecard()
        files = []
        for result, file_score in zip(self.files, card.files, strict=True):
            entry: dict[str, Any] = {"path": result.path}
            if result.errors:
                entry["error"] = result.error  # one line, as in version 1 of the format
                entry["errors"] = [asdict(e) for e in result.errors]  # kind: a StrEnum, written as its value
            if result.notes:
                entry["notes"] = [asdict(n) for n in result.notes]
            if result.languages is not None:
                entry["languages"] = result.languages.to_dict()
            entry["segments"] = result.segments
            if file_score is not None:
                entry["score"] = score_dict(file_score)
            entry["findings"] = [f.to_dict() for f in result.findings]
            files.append(entry)
        return {
            "version": JSON_FORMAT_VERSION,
            "mtqa_version": self.version,
            "checks": self.checks,
            "signatures": self.signatures,
            "skipped_checks": self.skipped,
            "run_errors": self.run_errors,
            "models_ran": {code: run.to_dict() for code, run in sorted(self.models_ran.items())},
            "not_available": {code: asdict(gap) for code, gap in sorted(self.not_available.items())},
            "source_note": self.source_note,
            "scorecard": scorecard_dict(card),
            "files": files,
            "summary": self.summary(card),
        }


def score_dict(score: Score) -> dict[str, Any]:
    """A score as the JSON report writes it (each file's ``score``, the scorecard's ``run``)."""
    return {
        "score": score.score,
        "words": score.words,
        "word_basis": str(score.basis),
        "points": score.points,
        "per_1000_words": score.per_1000_words,
        "findings": score.findings,
        "by_severity": {str(sev): asdict(tally) for sev, tally in score.by_severity.items()},
        "by_category": {
            category: {str(sev): asdict(tally) for sev, tally in row.items()} for category, row in score.by_category.items()
        },
    }


def scorecard_dict(card: Scorecard) -> dict[str, Any]:
    """The JSON report's ``scorecard``: how the scores were made, the pass mark, the run's score."""
    return {
        "model": MODEL_NAME,
        "weights": {str(sev): weight for sev, weight in sorted(card.scoring.weights.items(), reverse=True)},
        "reference_words": REFERENCE_WORDS,
        "max_score": MAX_SCORE,
        "fail_under": card.scoring.fail_under,
        "passed": card.passed,
        "run": score_dict(card.run),
    }
