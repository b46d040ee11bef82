"""MT505 glossary-term and MT506 forbidden-term: the glossary's approved and forbidden target terms."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from mtqa.checks.base import RunCheck, RunContext
from mtqa.document import Document, Segment
from mtqa.findings import Finding, Severity
from mtqa.terms import Glossary, Term
from mtqa.checks._cross import segment_words
from mtqa.terms.matching import WORD, TermIndex, VariantIndex, stemmer, stems

LOCATE_MIN_SCORE = 80  # how like the approved term a stretch of the target must be to be called its misspelling


@dataclass
class _Terms:
    """One language pair's glossary entries, indexed for matching."""

    sources: TermIndex[Term]  # source terms, by source-language stems
    forbidden: TermIndex[tuple[Term, str]]  # forbidden target terms, by target-language stems
    variants: VariantIndex[Term]  # approved target terms, by spelling key
    target_stems: dict[int, tuple[str, ...]]  # id(term) → the approved target term's stems


def _terms(glossary: Glossary, target_lang: str, source_lang: str | None, memo: dict[object, object]) -> _Terms:
    key = ("glossary", target_lang, source_lang)
    if key not in memo:
        terms = _Terms(TermIndex(source_lang), TermIndex(target_lang), VariantIndex(), {})
        for term in glossary.terms_for(target_lang, source_lang):
            if term.source and term.target:
                terms.sources.add(term.source, term)
                terms.target_stems[id(term)] = stems(term.target, target_lang)
            for forbidden in term.forbidden:
                terms.forbidden.add(forbidden, (term, forbidden))
            if term.target:
                terms.variants.add(term.target, term)
        memo[key] = terms
    found = memo[key]
    assert isinstance(found, _Terms)
    return found


def _where(glossary: Glossary, term: Term) -> str:
    return f"{glossary.path} row {term.row}" + (f"; {term.notes}" if term.notes else "")


@cache
def _term_tokens(term: str) -> list[str]:
    return WORD.findall(term)


def _case_fits(found: list[str], term: str, strict: bool) -> bool:
    """Whether the words' capitals fit the term's: a capitalised term word matches only a
    capitalised word (German "Speicher" is not the verb "speichern"); a case-sensitive
    entry's words must start with the very letters the term's do."""
    for word, written in zip(found, _term_tokens(term), strict=False):
        first, wanted = word[:1], written[:1]
        if (strict and first != wanted) or (wanted.isupper() and first.islower()):
            return False
    return True


def _contains(haystack: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == needle for i in range(len(haystack) - n + 1))


class GlossaryTerm(RunCheck):
    """Flags a glossary term in the source whose approved translation the target does not use.

    What it does:
        With a glossary (``--glossary FILE`` or ``glossary = "…"`` in the config), finds each
        source term in the unit's source, inflected forms included (Snowball stemmer of the
        source language: "Speichers" is "Speicher"), and flags the unit when its target does
        not hold the approved target term in any inflection. Where the target has a
        misspelling of the approved term, that stretch is flagged and the approved term
        suggested; else the whole target, and the message names the approved term. (A
        target with one of the entry's forbidden terms is MT506's finding.) A capitalised
        term matches capitalised words only, so the German noun "Speicher" is not the verb
        "speichern"; an entry marked case-sensitive matches its own capitals only.
    Why is this bad:
        Glossaries fix how a client's products, parts and legal terms are translated; a
        term translated another way breaks the client's style, and searches and help texts
        that use the approved term stop finding it.
    Example:
        Source: Der Speicher ist voll.
        Target: The storage is full.
        Source: Leeren Sie den Speicher.
        Target: Clear the memroy.
    Use instead:
        The memory is full.
        Clear the memory.
    Options:
        The examples are checked with the glossary "source,target" / "Speicher,memory".
    """

    code = "MT505"
    name = "glossary-term"
    summary = "A glossary term in the source is not translated as the glossary says."
    severity = Severity.MAJOR
    category = "terminology/wrong-term"
    needs_source = True
    needs = "glossary"
    example_terms = "source,target\nSpeicher,memory\n"

    def check_run(self, ctx: RunContext) -> Iterator[Finding]:
        assert ctx.glossary is not None
        for document in self.documents(ctx):
            target_lang, source_lang = ctx.languages(document)
            terms = _terms(ctx.glossary, target_lang, source_lang, ctx.memo)
            if not terms.sources:
                continue
            for segment in document.segments:
                if not segment.source or not segment.text.strip():
                    continue
                target_stems: list[str] | None = None
                reported: set[int] = set()
                source_words = segment_words(ctx, segment, "source")
                for match in terms.sources.find(source_words):
                    term = match.item
                    if id(term) in reported:
                        continue
                    inside = source_words.tokens[match.index : match.index + match.length]
                    if not _case_fits(inside, term.source, term.case_sensitive):
                        continue
                    if target_stems is None:  # once per segment, when a term is found
                        target_stems = stemmer(target_lang).many(segment_words(ctx, segment).tokens)
                    if _contains(target_stems, terms.target_stems[id(term)]) and (
                        not term.case_sensitive or term.target in segment.text
                    ):
                        continue
                    reported.add(id(term))
                    if any(m.item[0] is term for m in terms.forbidden.find(segment_words(ctx, segment))):
                        continue  # a forbidden term of the entry: MT506 flags it, with the approved one
                    yield self._finding(document, segment, term, ctx)

    def _finding(self, document: Document, segment: Segment, term: Term, ctx: RunContext) -> Finding:
        assert ctx.glossary is not None
        where = _where(ctx.glossary, term)
        message = f"the glossary ({where}) translates {term.source!r} as {term.target!r}"
        located = _locate(term.target, segment.text)
        if located is not None:
            start, end = segment.start + located[0], segment.start + located[1]
            return self.finding(
                document, segment, start, end, f"{message}: {segment.text[located[0]:located[1]]!r} is not it",
                suggestion=term.target, term=term.source, approved=term.target, glossary=where,
            )
        return self.finding(
            document, segment, segment.start, segment.end, f"{message}; the target does not use it",
            term=term.source, approved=term.target, glossary=where,
        )


def _locate(term: str, text: str) -> tuple[int, int] | None:
    """The words of ``text`` most like ``term`` (rapidfuzz), when they are close enough to be a misspelling."""
    from rapidfuzz import fuzz

    alignment = fuzz.partial_ratio_alignment(term.lower(), text.lower(), score_cutoff=LOCATE_MIN_SCORE)
    if alignment is None:
        return None
    start, end = alignment.dest_start, alignment.dest_end
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    if start == end or text[start:end].lower() == term.lower():
        return None
    return start, end


class ForbiddenTerm(RunCheck):
    """Flags a target term the glossary forbids, or an approved term written another way.

    What it does:
        With a glossary, finds in any text (no source needed) the terms of its ``forbidden``
        column (inflected forms included) and the approved target terms written with other
        hyphens, spaces or case ("e-mail" where the glossary says "email"; case only for
        entries marked case-sensitive), and suggests the approved term.
    Why is this bad:
        Forbidden terms are there because they were wrong before: a competitor's product
        name, an outdated or offensive word, a term legal asked to drop. Variant spellings
        of an approved term defeat search and look careless.
    Example:
        Contact us by electronic mail.
        Send an e-mail to the desk.
    Use instead:
        Contact us by email.
        Send an email to the desk.
    Options:
        The examples are checked with the glossary "source,target,forbidden" /
        "E-Mail,email,electronic mail".
    """

    code = "MT506"
    name = "forbidden-term"
    summary = "The target uses a term the glossary forbids, or spells an approved term another way."
    severity = Severity.MAJOR
    category = "terminology/wrong-term"
    needs = "glossary"
    example_terms = "source,target,forbidden\nE-Mail,email,electronic mail\n"

    def check_run(self, ctx: RunContext) -> Iterator[Finding]:
        assert ctx.glossary is not None
        for document in self.documents(ctx):
            target_lang, source_lang = ctx.languages(document)
            terms = _terms(ctx.glossary, target_lang, source_lang, ctx.memo)
            for segment in document.segments:
                found = segment_words(ctx, segment)
                flagged: list[tuple[int, int]] = []
                for match in terms.forbidden.find(found):
                    term, forbidden = match.item
                    written = segment.text[match.start : match.end]
                    inside = found.tokens[match.index : match.index + match.length]
                    if not _case_fits(inside, forbidden, term.case_sensitive):
                        continue
                    flagged.append((match.start, match.end))
                    yield self.finding(
                        document, segment, segment.start + match.start, segment.start + match.end,
                        f"{written!r} is not to be used (glossary {_where(ctx.glossary, term)})"
                        + (f"; use {term.target!r}" if term.target else ""),
                        suggestion=term.target or None, forbidden=forbidden, approved=term.target,
                    )
                for match in terms.variants.find(found):
                    term = match.item
                    written = segment.text[match.start : match.end]
                    if any(match.start < e and s < match.end for s, e in flagged):
                        continue
                    if written.lower() == term.target.lower() and not term.case_sensitive:
                        continue
                    if term.case_sensitive and match.start == 0 and written == term.target[:1].upper() + term.target[1:]:
                        continue  # capitalised at the start of a sentence
                    yield self.finding(
                        document, segment, segment.start + match.start, segment.start + match.end,
                        f"{written!r} is written {term.target!r} in the glossary ({_where(ctx.glossary, term)})",
                        suggestion=term.target, approved=term.target,
                    )
