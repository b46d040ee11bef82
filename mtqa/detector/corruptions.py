"""Synthetic MT-style errors for clean English sentences, each labelling the words it breaks.

Every corruption is a small pure function ``(tokens, rng[, resource]) -> tokens | None``: it
takes a tokenised sentence as ``Tok`` (text, bad) pairs and returns a new list where the words
it broke carry ``bad=True``, or ``None`` when the sentence offers no place for that error (so
the caller can try another). Moved words keep their labels, so corruptions compose. Tokens are
space-separated words as in MLQE-PE (punctuation is its own token).

Labelling follows MLQE-PE's word tags where the error is a word: the wrong, moved or doubled
word is BAD. A deleted word has no token of its own (MLQE-PE tags the gap), so the word after
the gap is labelled BAD instead: the detector marks where something is missing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple, Protocol


class Tok(NamedTuple):
    text: str
    bad: bool = False
    kind: str = ""  # the corruption that broke it (set by ``data.Corruptor``; "" = none recorded)


Corruption = Callable[[Sequence[Tok], random.Random], "list[Tok] | None"]


class Lexicon(Protocol):
    """What the dictionary corruptions need (``freedict.RoundTrip`` provides it)."""

    def round_trip(self, word: str) -> list[str]: ...

    def translate(self, word: str) -> list[str]: ...


def toks(sentence: str) -> list[Tok]:
    """Whitespace-tokenised sentence, all words OK."""
    return [Tok(word) for word in sentence.split()]


def _is_word(text: str) -> bool:
    return text.isalpha()


_VOWEL_SOUND_EXCEPTIONS = ("uni", "use", "usu", "eu", "one", "once", "ur")
_SILENT_H = ("hour", "honest", "honou", "heir")


def _takes_an(word: str) -> bool:
    """Rough English rule: "an" before a vowel sound."""
    w = word.lower()
    if w.startswith(_SILENT_H):
        return True
    if w.startswith(_VOWEL_SOUND_EXCEPTIONS):
        return False
    return w[:1] in set("aeiou")


def wrong_article(tokens: Sequence[Tok], rng: random.Random) -> list[Tok] | None:
    """a ↔ an before the next word ("a invasion", "an country")."""
    places = [
        i for i, t in enumerate(tokens[:-1])
        if t.text.lower() in {"a", "an"} and _is_word(tokens[i + 1].text)
        and (t.text.lower() == "an") == _takes_an(tokens[i + 1].text)
    ]
    if not places:
        return None
    i = rng.choice(places)
    old = tokens[i].text
    new = {"a": "an", "an": "a", "A": "An", "An": "A"}.get(old, "a")
    out = list(tokens)
    out[i] = Tok(new, True)
    return out


SUBORDINATORS = frozenset(
    "whether that because if when although though since while which who whom where after before "
    "unless until once so".split()
)
AUXILIARIES = frozenset(
    "can could will would shall should may might must has have had is are was were do does did "
    "be been".split()
)
MODALS = frozenset("can could will would shall should may might must".split())
_CLAUSE_END = frozenset(", . ; : ! ? ) ( \" -- –".split())


def verb_final(tokens: Sequence[Tok], rng: random.Random) -> list[Tok] | None:
    """German/Dutch subordinate-clause order: the verb group moves to the end of the clause.

    "whether Moscow can order an invasion of Ukraine" → "whether Moscow an invasion of
    Ukraine can order"; in a main clause only the infinitive moves ("Moscow can an invasion of
    Ukraine order"). The moved words are BAD.
    """
    places = []
    for i, t in enumerate(tokens):
        if t.text.lower() not in SUBORDINATORS:
            continue
        for j in range(i + 2, min(i + 6, len(tokens))):  # a subject of 1-4 words, then the verb group
            if tokens[j].text in _CLAUSE_END:
                break
            if tokens[j].text.lower() in AUXILIARIES:
                k = j + 1  # the verb group: auxiliaries plus one main verb
                while k < len(tokens) and tokens[k].text.lower() in AUXILIARIES:
                    k += 1
                if k < len(tokens) and _is_word(tokens[k].text):
                    k += 1
                end = k
                while end < len(tokens) and tokens[end].text not in _CLAUSE_END:
                    end += 1
                if end - k >= 2:
                    places.append((j, k, end))
                break
    for j, t in enumerate(tokens[:-3]):  # main clause with a modal: only the infinitive moves
        if t.text.lower() in MODALS and _is_word(tokens[j + 1].text) and tokens[j + 1].text.islower():
            end = j + 2
            while end < len(tokens) and tokens[end].text not in _CLAUSE_END:
                end += 1
            if end - (j + 2) >= 2:
                places.append((j + 1, j + 2, end))
    if not places:
        return None
    start, stop, end = rng.choice(places)
    verbs = [Tok(t.text, True) for t in tokens[start:stop]]
    return [*tokens[:start], *tokens[stop:end], *verbs, *tokens[end:]]


ADVERBS = frozenset(
    "also always never often only already still just even usually sometimes soon again then "
    "really almost quickly recently finally mostly nearly particularly".split()
)


def misplaced_adverb(tokens: Sequence[Tok], rng: random.Random) -> list[Tok] | None:
    """Move an adverb two to four words away ("he also visited Paris" → "he visited Paris also")."""
    places = [
        i for i, t in enumerate(tokens)
        if t.text.lower() in ADVERBS or (t.text.endswith("ly") and len(t.text) > 5 and t.text.islower())
    ]
    rng.shuffle(places)
    for i in places:
        targets = [
            i + shift for shift in (-4, -3, -2, 2, 3, 4)
            if 0 <= i + shift < len(tokens)
            and all(_is_word(t.text) for t in tokens[min(i, i + shift) : max(i, i + shift) + 1])
        ]
        if not targets:
            continue
        j = rng.choice(targets)
        out = list(tokens)
        adverb = out.pop(i)
        out.insert(j, Tok(adverb.text, True))
        return out
    return None


def adjacent_swap(tokens: Sequence[Tok], rng: random.Random) -> list[Tok] | None:
    """Swap two neighbouring words; both are BAD."""
    places = [
        i for i in range(len(tokens) - 1)
        if _is_word(tokens[i].text) and _is_word(tokens[i + 1].text)
        and tokens[i].text.lower() != tokens[i + 1].text.lower()
    ]
    if not places:
        return None
    i = rng.choice(places)
    out = list(tokens)
    out[i], out[i + 1] = Tok(tokens[i + 1].text, True), Tok(tokens[i].text, True)
    return out


FUNCTION_WORDS = frozenset(
    "the a an of to in on at for with by from and or but is are was were be been has have had "
    "that this it its their his her as not".split()
)


def dropped_function_word(tokens: Sequence[Tok], rng: random.Random) -> list[Tok] | None:
    """Delete a function word; the word after the gap is BAD (MLQE-PE tags the gap itself)."""
    places = [
        i for i in range(len(tokens) - 1)
        if tokens[i].text.lower() in FUNCTION_WORDS and _is_word(tokens[i + 1].text)
    ]
    if not places:
        return None
    i = rng.choice(places)
    out = list(tokens)
    del out[i]
    out[i] = Tok(out[i].text, True)
    return out


def doubled_function_word(tokens: Sequence[Tok], rng: random.Random) -> list[Tok] | None:
    """Write a function word twice ("of of"); the second copy is BAD."""
    places = [i for i, t in enumerate(tokens) if t.text.lower() in FUNCTION_WORDS]
    if not places:
        return None
    i = rng.choice(places)
    return [*tokens[: i + 1], Tok(tokens[i].text, True), *tokens[i + 1 :]]


PREPOSITIONS = ("in", "on", "at", "of", "for", "to", "with", "by", "from", "about", "into", "over")


def wrong_preposition(tokens: Sequence[Tok], rng: random.Random) -> list[Tok] | None:
    """Replace a preposition by another one ("interested of", "on the morning")."""
    places = [i for i, t in enumerate(tokens) if t.text in PREPOSITIONS]
    if not places:
        return None
    i = rng.choice(places)
    new = rng.choice([p for p in PREPOSITIONS if p != tokens[i].text])
    out = list(tokens)
    out[i] = Tok(new, True)
    return out


def _content_places(tokens: Sequence[Tok]) -> list[int]:
    return [
        i for i, t in enumerate(tokens)
        if _is_word(t.text) and len(t.text) > 3 and (t.text.islower() or i == 0)
        and t.text.lower() not in FUNCTION_WORDS
    ]


def _match_case(new: str, old: str) -> str:
    return new[:1].upper() + new[1:] if old[:1].isupper() else new


def wrong_sense(tokens: Sequence[Tok], rng: random.Random, lexicon: Lexicon) -> list[Tok] | None:
    """Wrong word sense by a round trip through German: bump → stoßen → push.

    The replacement is another English translation of one of the word's German translations,
    the classic error of a system that picked the wrong sense. Multi-word results are BAD
    on every word.
    """
    places = _content_places(tokens)
    rng.shuffle(places)
    for i in places[:8]:
        old = tokens[i].text
        candidates = lexicon.round_trip(old.lower())
        if candidates:
            new = _match_case(rng.choice(candidates), old).split()
            return [*tokens[:i], *(Tok(w, True) for w in new), *tokens[i + 1 :]]
    return None


def untranslated_word(tokens: Sequence[Tok], rng: random.Random, lexicon: Lexicon) -> list[Tok] | None:
    """Leave a word in German: the word is replaced by one of its German translations."""
    places = _content_places(tokens)
    rng.shuffle(places)
    for i in places[:8]:
        candidates = lexicon.translate(tokens[i].text.lower())
        if candidates:
            new = rng.choice(candidates).split()
            return [*tokens[:i], *(Tok(w, True) for w in new), *tokens[i + 1 :]]
    return None


def literal_compound(
    tokens: Sequence[Tok], rng: random.Random, compounds: Mapping[str, str]
) -> list[Tok] | None:
    """A compound rendered piece by piece from German ("hospital" → "sick house").

    ``compounds`` maps an English word or phrase (lowercase, space-separated) to its literal
    rendering; the rendered words are BAD. Without a table entry, an English noun-noun compound
    "X Y" is rendered Romance-style as "Y of X" when Y is a common compound head.
    """
    lowered = [t.text.lower() for t in tokens]
    places: list[tuple[int, int, list[str]]] = []
    for phrase, literal in compounds.items():
        words = phrase.split()
        for i in range(len(tokens) - len(words) + 1):
            if lowered[i : i + len(words)] == words:
                places.append((i, i + len(words), literal.split()))
    for i in range(len(tokens) - 1):
        if lowered[i + 1] in COMPOUND_HEADS and _is_word(tokens[i].text) and tokens[i].text.islower() \
                and lowered[i] not in FUNCTION_WORDS and len(tokens[i].text) > 3:
            places.append((i, i + 2, [tokens[i + 1].text, "of", tokens[i].text]))
    if not places:
        return None
    start, stop, new = rng.choice(places)
    new = [_match_case(new[0], tokens[start].text), *new[1:]]
    return [*tokens[:start], *(Tok(w, True) for w in new), *tokens[stop:]]


COMPOUND_HEADS = frozenset(
    "station office system company team market policy minister director department building "
    "house center centre school club party council committee service industry festival "
    "program programme project area unit officer".split()
)

_PUNCT = (",", ".", ";", ":")


# Words after which no punctuation mark can stand ("the , house"). A stray mark elsewhere
# between two words is often correct ("a collaboration : partners in ..."): teaching the model
# that colons between words are errors made it flag correct ones.
_NO_MARK_AFTER = frozenset(
    "the a an of to in on at for with by from into its their his her this these those my our your".split()
)


def broken_punctuation(tokens: Sequence[Tok], rng: random.Random) -> list[Tok] | None:
    """A doubled or stray punctuation mark ("said , , that", "the , house").

    The detector's WordPiece tokeniser drops whitespace, so only errors visible as tokens are
    made here; spacing around punctuation ("word ,next") is a rule's job, not the model's.
    """
    kind = rng.choice(["double", "stray"])
    out = list(tokens)
    if kind == "double":
        places = [i for i, t in enumerate(tokens) if t.text in _PUNCT]
        if places:
            i = rng.choice(places)
            out.insert(i + 1, Tok(tokens[i].text, True))
            return out
    places = [i for i in range(1, len(tokens))
              if tokens[i - 1].text.lower() in _NO_MARK_AFTER and _is_word(tokens[i].text)]
    if not places:
        return None
    i = rng.choice(places)
    out.insert(i, Tok(rng.choice(_PUNCT), True))
    return out


_NUMBER = re.compile(r"^\d[\d,.]*$")


def corrupted_number(tokens: Sequence[Tok], rng: random.Random) -> list[Tok] | None:
    """Change a number: a digit dropped, doubled, or two digits swapped (1990 → 1909)."""
    places = [i for i, t in enumerate(tokens) if _NUMBER.match(t.text)]
    if not places:
        return None
    i = rng.choice(places)
    old = tokens[i].text
    digits = [k for k, c in enumerate(old) if c.isdigit()]
    k = rng.choice(digits)
    choice = rng.choice(["drop", "double", "swap", "change"])
    if choice == "drop" and len(digits) > 1:
        new = old[:k] + old[k + 1 :]
    elif choice == "double":
        new = old[: k + 1] + old[k:]
    elif choice == "swap" and len(digits) > 1 and k + 1 in digits and old[k] != old[k + 1]:
        new = old[:k] + old[k + 1] + old[k] + old[k + 2 :]
    else:
        new = old[:k] + rng.choice([d for d in "0123456789" if d != old[k]]) + old[k + 1 :]
    out = list(tokens)
    out[i] = Tok(new, True)
    return out


def corrupted_name(tokens: Sequence[Tok], rng: random.Random) -> list[Tok] | None:
    """Garble a name (a capitalised word inside the sentence): letters swapped or dropped."""
    places = [
        i for i in range(1, len(tokens))
        if tokens[i].text[:1].isupper() and _is_word(tokens[i].text) and len(tokens[i].text) > 3
    ]
    if not places:
        return None
    i = rng.choice(places)
    old = tokens[i].text
    k = rng.randrange(1, len(old) - 1)
    if rng.random() < 0.5 and old[k] != old[k + 1]:
        new = old[:k] + old[k + 1] + old[k] + old[k + 2 :]
    else:
        new = old[:k] + old[k + 1 :]
    out = list(tokens)
    out[i] = Tok(new, True)
    return out


CORRUPTIONS: dict[str, Callable[..., list[Tok] | None]] = {
    "wrong_article": wrong_article,
    "verb_final": verb_final,
    "misplaced_adverb": misplaced_adverb,
    "adjacent_swap": adjacent_swap,
    "dropped_function_word": dropped_function_word,
    "doubled_function_word": doubled_function_word,
    "wrong_preposition": wrong_preposition,
    "wrong_sense": wrong_sense,
    "untranslated_word": untranslated_word,
    "literal_compound": literal_compound,
    "broken_punctuation": broken_punctuation,
    "corrupted_number": corrupted_number,
    "corrupted_name": corrupted_name,
}
# The detector's error-type classes, in its pattern head's order after class 0 (no error): the
# synthetic corruptions, then the types of the prepared real-MT sources (``mtqa.detector.prepare``):
# a stretch a rule-based MT round trip garbled.
PATTERNS: tuple[str, ...] = (*CORRUPTIONS, "garbled_phrase")
