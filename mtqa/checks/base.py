"""The contract every check follows: segment in, findings out; no printing, no I/O."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from mtqa.check_options import Option
from mtqa.document import Document, Segment
from mtqa.errors import ModelUnavailable
from mtqa.findings import Finding, Severity
from mtqa.locales import base
from mtqa.terms import DntList, Glossary


def language(code: str) -> str:
    """The base language of a language tag: "en-GB" and "en_US" → "en"."""
    return re.split(r"[-_]", code)[0].lower()


@dataclass
class CheckContext:
    """What a check may know beyond the segment, and what it leaves for the run: one per document.

    Checks keep no state of their own between documents; what they share within a document
    (``memo``) and what the report must show (``signatures``) lives here, so a check instance
    can serve any number of documents, in any process.
    """

    target_lang: str = "en"
    source_lang: str | None = None
    options: dict[str, object] = field(default_factory=dict)  # per-check settings by code: options.get(self.code, {})
    languages: frozenset[str] = frozenset()  # languages the text could plausibly be in (config `languages`)
    # progress(task, done, total): report long work (model loading, scoring); total None = unknown
    progress: Callable[[str, int, int | None], None] = lambda task, done, total: None
    # check code → the signature of the model and settings behind its scores (see ``sign``)
    signatures: dict[str, str] = field(default_factory=dict)
    # work the checks of one document share, by a key of their choosing (one detector pass for
    # MT401 and MT402)
    memo: dict[str, Any] = field(default_factory=dict)
    # what a check tells the user about how it ran on this document (see ``note``)
    notes: list[str] = field(default_factory=list)

    def sign(self, code: str, signature: str) -> None:
        """Record what produced ``code``'s scores on this document; the report lists it."""
        self.signatures[code] = signature

    def note(self, code: str, message: str) -> None:
        """Tell the user something about how ``code`` ran here (a language its model does not
        cover): one of the file's notes, which never change the exit code."""
        self.notes.append(f"{code}: {message}")


class Check:
    """Base class of all checks.

    Subclasses set the class attributes and implement ``check_segment``. The class docstring
    is the rule's documentation: it must have the sections ``What it does``, ``Why is this
    bad`` and ``Example`` (``mtqa rules`` and the SARIF rule metadata are built from it).
    Checks that need batching (models) override ``check_document``.

    ``Example`` and ``Use instead`` hold one example per line (never wrapped), in English;
    each ``Use instead`` line corrects the ``Example`` at the same position. A check that
    needs the source writes each example as two lines, ``Source: …`` (in German) then
    ``Target: …`` (``Target: (empty)`` for an empty one), and its ``Use instead`` lines are
    targets for those sources. tests/test_rule_docs.py runs every example through the
    engine: each Example must get a finding of the check on a part its Use instead corrects,
    and each Use instead none.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity]
    category: ClassVar[str]
    languages: ClassVar[frozenset[str] | None] = None  # target languages it understands
    needs_source: ClassVar[bool] = False
    # Its model comes from `mtqa models pull` (not the repository): chosen only by DEFAULT, a machine
    # without the model lists the check with the pull command instead of failing the run (exit 2).
    pulled: ClassVar[bool] = False
    aliases: ClassVar[tuple[str, ...]] = ()  # other names --select accepts (old names keep working)
    default_enabled: ClassVar[bool] = True  # False for checks that need downloaded models
    # A model check whose findings repeat, with no fix, errors a rule already flagged: the
    # engine drops its findings that overlap another check's in the same segment.
    defers_to_rules: ClassVar[bool] = False
    # What the check reads from [tool.mtqa.options.<CODE>]: the config validates the user's
    # values against it, ``option`` reads them, ``mtqa rules CODE`` documents them.
    options: ClassVar[tuple[Option, ...]] = ()
    # How many units one example of a cross-segment check holds: with 2, each example is two
    # Source/Target pairs (one file of two units) and its Use instead two target lines.
    example_units: ClassVar[int] = 1

    def applies_to(self, document: Document, ctx: CheckContext) -> bool:
        if self.needs_source and not document.bilingual:
            return False
        return self.languages is None or language(ctx.target_lang) in self.languages

    def missing(self, ctx: CheckContext) -> ModelUnavailable | None:
        """What this check needs that is not on this machine (a model check's models); rules need nothing."""
        return None

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        for segment in document.segments:
            yield from self.check_segment(document, segment, ctx)

    def check_segment(
        self, document: Document, segment: Segment, ctx: CheckContext
    ) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def doc_section(cls, title: str) -> str:
        """One ``Title:`` section of the class docstring (empty when missing)."""
        doc = cls.__doc__ or ""
        match = re.search(rf"^\s*{re.escape(title)}:\s*\n(.*?)(?=^\s*[A-Z][\w ]+:\s*$|\Z)", doc, re.M | re.S)
        if not match:
            return ""
        lines = [line.strip() for line in match.group(1).strip().splitlines()]
        return "\n".join(lines)

    @classmethod
    def options_doc(cls) -> str:
        """The Options documentation: where to set them, one paragraph per option, the docstring's own."""
        declared = [option.describe() for option in cls.options]
        if declared:
            declared.insert(0, f"Set in [tool.mtqa.options.{cls.code}] (or [options.{cls.code}] in mtqa.toml):")
        return "\n\n".join([*declared, cls.doc_section("Options")]).strip()

    def option(self, ctx: CheckContext | RunContext, name: str) -> Any:
        """The user's ``[options.<CODE>] <name>`` (validated by the config), else the declared default.

        Reading an option the check does not declare is a bug: KeyError.
        """
        declared = {option.name: option for option in self.options}[name]
        table = ctx.options.get(self.code)
        if isinstance(table, dict) and name in table:
            return declared.parse(table[name])
        return declared.default

    def finding(
        self,
        document: Document,
        segment: Segment,
        start: int,
        end: int,
        message: str,
        suggestion: str | None = None,
        severity: Severity | None = None,
        category: str | None = None,
        **details: object,
    ) -> Finding:
        """Build a finding for the absolute span [start, end) of ``document.text``.

        ``severity`` and ``category`` default to the check's own; a check that knows better for
        one finding (an addition rather than an omission, a calibrated major) passes them here,
        since a finding is never edited once built.
        """
        line, column = document.line_col(start)
        end_line, end_column = document.line_col(end)
        return Finding(
            path=document.path,
            code=self.code,
            severity=severity or self.severity,
            category=category or self.category,
            message=message,
            start=start,
            end=end,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            text=document.text[start:end],
            check_name=self.name,
            suggestion=suggestion,
            context_start=segment.start,
            context_end=segment.end,
            context=segment.text,
            details=dict(details),
        )


@dataclass
class RunContext:
    """What a run-level check sees: every document the run read, and the run's term lists.

    ``glossary`` and ``dnt`` are None when the run was given none (or could not read them:
    the run reports why); ``memo`` holds work the run's checks share (the words of a segment).
    """

    documents: list[Document]
    options: dict[str, object] = field(default_factory=dict)
    source_lang: str | None = None  # the configured source language, for files that declare none
    glossary: Glossary | None = None
    dnt: DntList | None = None
    memo: dict[Any, Any] = field(default_factory=dict)

    def languages(self, document: Document) -> tuple[str, str | None]:
        """The document's base target and source languages (``pt`` for ``pt-BR``)."""
        source = document.languages.source or self.source_lang
        return base(document.languages.target), base(source) if source else None


class RunCheck(Check):
    """A check that looks across segments and files: called once per run, after every file was read.

    The engine builds its findings into the files they point at, with the per-file checks'
    findings; a finding that concerns several places names the others in ``details["others"]``
    (see ``place``). ``needs`` names the term list a check cannot run without.
    """

    needs: ClassVar[str | None] = None  # "glossary" or "dnt"
    # The term list the examples are checked with (CSV glossary or do-not-translate lines),
    # when the check ``needs`` one; ``mtqa rules`` shows it beside the examples.
    example_terms: ClassVar[str] = ""

    def check_run(self, ctx: RunContext) -> Iterator[Finding]:
        raise NotImplementedError

    def documents(self, ctx: RunContext) -> Iterator[Document]:
        """The run's documents this check applies to (bilingual ones where it needs the source)."""
        for document in ctx.documents:
            if self.needs_source and not document.bilingual:
                continue
            if self.languages is None or ctx.languages(document)[0] in self.languages:
                yield document


def place(document: Document, start: int, end: int) -> dict[str, object]:
    """Another place a cross-segment finding concerns, as its ``details["others"]`` lists it."""
    line, column = document.line_col(start)
    end_line, end_column = document.line_col(end)
    return {
        "path": document.path, "start": start, "end": end, "line": line, "column": column,
        "end_line": end_line, "end_column": end_column, "text": document.text[start:end],
    }
