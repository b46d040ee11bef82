"""MT507 do-not-translate and MT508 do-not-translate-spelling: terms that stay as written."""

from __future__ import annotations

from collections.abc import Iterator

from mtqa.checks.base import RunCheck, RunContext
from mtqa.findings import Finding, Severity
from mtqa.terms import DntList, DntTerm
from mtqa.checks._cross import segment_words
from mtqa.terms.matching import WORD, VariantIndex, Words


def _verbatim(found: Words, by_first: dict[str, list[DntTerm]]) -> Iterator[DntTerm]:
    """Each listed term written exactly as listed in the text, at a word boundary."""
    text = found.text
    for i, token in enumerate(found.tokens):
        for term in by_first.get(token, ()):
            start = found.spans[i][0]
            end = start + len(term.term)
            if text.startswith(term.term, start) and not (end < len(text) and text[end].isalnum()):
                yield term


def _by_first(dnt: DntList, memo: dict[object, object]) -> dict[str, list[DntTerm]]:
    """The listed terms by their first word (a term that does not start with a word is left out)."""
    if "dnt-first" not in memo:
        index: dict[str, list[DntTerm]] = {}
        for term in dnt.terms:
            first = WORD.match(term.term)
            if first:
                index.setdefault(first.group(), []).append(term)
        memo["dnt-first"] = index
    found = memo["dnt-first"]
    assert isinstance(found, dict)
    return found


def _variants(dnt: DntList, memo: dict[object, object]) -> VariantIndex[DntTerm]:
    if "dnt-variants" not in memo:
        index: VariantIndex[DntTerm] = VariantIndex()
        for term in dnt.terms:
            index.add(term.term, term)
        memo["dnt-variants"] = index
    found = memo["dnt-variants"]
    assert isinstance(found, VariantIndex)
    return found


class DoNotTranslate(RunCheck):
    """Flags a do-not-translate term in the source that the target does not keep as written.

    What it does:
        With a do-not-translate list (``--dnt FILE`` or ``dnt = "…"`` in the config: one
        term per line), finds each listed term written exactly as listed in a unit's source
        and flags the unit when its target does not have it, exactly as listed, too. (A
        target that has it in another case or spelling is MT508's finding.)
    Why is this bad:
        Product names, trademarks and code identifiers must reach the reader unchanged:
        "Outlook" translated as "Ausblick", or a setting's name translated, sends the user
        looking for something that does not exist.
    Example:
        Source: Öffnen Sie Outlook und klicken Sie auf Senden.
        Target: Open Perspective and click Send.
    Use instead:
        Open Outlook and click Send.
    Options:
        The examples are checked with the list "Outlook".
    """

    code = "MT507"
    name = "do-not-translate"
    summary = "A do-not-translate term in the source is missing from the target."
    severity = Severity.MAJOR
    category = "terminology/wrong-term"
    needs_source = True
    needs = "dnt"
    example_terms = "Outlook\n"

    def check_run(self, ctx: RunContext) -> Iterator[Finding]:
        assert ctx.dnt is not None
        by_first = _by_first(ctx.dnt, ctx.memo)
        variants = _variants(ctx.dnt, ctx.memo)
        for document in self.documents(ctx):
            for segment in document.segments:
                if not segment.source or not segment.text.strip():
                    continue
                wanted = {term.term: term for term in _verbatim(segment_words(ctx, segment, "source"), by_first)}
                if not wanted:
                    continue
                found = segment_words(ctx, segment)
                kept = {term.term for term in _verbatim(found, by_first)}
                altered = {match.item.term for match in variants.find(found)}
                for text, term in wanted.items():
                    if text in kept or text in altered:
                        continue  # kept, or written another way (MT508 says so)
                    yield self.finding(
                        document, segment, segment.start, segment.end,
                        f"{text!r} is in the source and on the do-not-translate list ({ctx.dnt.path} row {term.line}),"
                        " but the target does not have it as written",
                        term=text,
                    )


class DoNotTranslateSpelling(RunCheck):
    """Flags a do-not-translate term written in another case or spelling.

    What it does:
        With a do-not-translate list, finds in any text (no source needed) the listed terms
        written with other capitals, hyphens or spaces ("Github", "Git Hub", "i-Phone") and
        suggests the term as listed.
    Why is this bad:
        A product or company name has one spelling, its owner's; a code identifier in
        another case names nothing at all.
    Example:
        Publish the page on Github today.
    Use instead:
        Publish the page on GitHub today.
    Options:
        The examples are checked with the list "GitHub".
    """

    code = "MT508"
    name = "do-not-translate-spelling"
    summary = "A do-not-translate term is written in another case or spelling."
    severity = Severity.MINOR
    category = "terminology/wrong-term"
    needs = "dnt"
    example_terms = "GitHub\n"

    def check_run(self, ctx: RunContext) -> Iterator[Finding]:
        assert ctx.dnt is not None
        variants = _variants(ctx.dnt, ctx.memo)
        for document in self.documents(ctx):
            for segment in document.segments:
                for match in variants.find(segment_words(ctx, segment)):
                    written = segment.text[match.start : match.end]
                    yield self.finding(
                        document, segment, segment.start + match.start, segment.start + match.end,
                        f"{written!r} is on the do-not-translate list as {match.item.term!r}"
                        f" ({ctx.dnt.path} row {match.item.line})",
                        suggestion=match.item.term, term=match.item.term,
                    )
