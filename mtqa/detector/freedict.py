"""A small reader for dictd dictionaries (FreeDict, as Debian packages them) and the German
round trip the wrong-sense corruption needs.

The dictd format is two files per dictionary:

* ``NAME.index`` — one line per entry, ``headword<TAB>offset<TAB>length``; offset and length
  are numbers written in base 64 with the alphabet ``A-Z a-z 0-9 + /`` (most significant digit
  first, e.g. ``B4`` = 1·64 + 56 = 120). Headwords are lower-cased; a headword may have many
  lines (one per sense).
* ``NAME.dict.dz`` — the entries' text, concatenated, UTF-8, compressed with dictzip, which is
  gzip with an extra header field for random access: any gzip reader decompresses it whole.
  A plain ``NAME.dict`` is read as is.

A FreeDict entry is a header line ``headword /ipa/ <pos>``, then the translations on the next
line separated by commas, each optionally followed by ``<grammar>`` and ``[domain]`` notes, then
indented example, synonym and "see" lines, which are ignored here.

Debian: ``apt-get install dict-freedict-eng-deu dict-freedict-deu-eng`` puts them in
``/usr/share/dictd/freedict-{eng-deu,deu-eng}.{index,dict.dz}``.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEBIAN_DIR = Path("/usr/share/dictd")
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def b64_number(text: str) -> int:
    value = 0
    for char in text:
        value = value * 64 + _B64[char]
    return value


@dataclass(frozen=True)
class Sense:
    """One entry: its part of speech (``v``, ``n``, ``adj`` or ``""``) and its translations."""

    pos: str
    translations: tuple[str, ...]


_TAG = re.compile(r"<([^>]*)>")
_NOTE = re.compile(r"\[[^\]]*\]|<[^>]*>")
_PLACEHOLDERS = ("sth", "sb.", "etw.", "jdn", "jdm", "jds", "/", "(", ")", "...")


def _pos(tags: list[str]) -> str:
    parts = {p.strip() for tag in tags for p in tag.split(",")}
    if "v" in parts:
        return "v"
    if parts & {"n", "fem", "masc", "neut", "pl"}:
        return "n"
    if parts & {"adj", "adv"}:
        return "adj"
    return ""


def parse_entry(text: str) -> Sense:
    lines = text.split("\n")
    header = lines[0]
    body = lines[1] if len(lines) > 1 else ""
    pos = _pos(_TAG.findall(header) + _TAG.findall(body))
    words = []
    for item in _NOTE.sub("", body).split(","):
        item = " ".join(item.split())
        if item and not any(p in item for p in _PLACEHOLDERS):
            words.append(item)
    return Sense(pos, tuple(words))


class Dictd:
    """Random access to one dictd dictionary, whole file in memory (FreeDict eng-deu: 80 MB)."""

    def __init__(self, base: Path) -> None:
        index = base.with_name(base.name + ".index")
        data = base.with_name(base.name + ".dict.dz")
        self._data = gzip.decompress(data.read_bytes()) if data.exists() else base.with_name(
            base.name + ".dict"
        ).read_bytes()
        self._index: dict[str, list[tuple[int, int]]] = {}
        with index.open(encoding="utf-8") as handle:
            for line in handle:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 3 and parts[0]:
                    self._index.setdefault(parts[0], []).append((b64_number(parts[1]), b64_number(parts[2])))

    def __contains__(self, word: str) -> bool:
        return word.lower() in self._index

    def senses(self, word: str) -> list[Sense]:
        return [
            parse_entry(self._data[offset : offset + length].decode("utf-8", "replace"))
            for offset, length in self._index.get(word.lower(), [])
        ]


class RoundTrip:
    """English → German → English through two dictionaries; the ``Lexicon`` of corruptions.

    ``vocabulary`` (lower-cased English words) keeps the round trip to words that occur in
    real text, so the corruption picks plausible wrong senses rather than dictionary oddities.
    """

    def __init__(self, eng_deu: Dictd, deu_eng: Dictd, vocabulary: Collection[str] | None = None,
                 max_senses: int = 6) -> None:
        self.eng_deu, self.deu_eng = eng_deu, deu_eng
        self.vocabulary = vocabulary
        self.max_senses = max_senses
        self.translate = cache(self._translate)
        self.round_trip = cache(self._round_trip)

    def _german(self, word: str) -> list[tuple[str, str]]:
        pairs = []
        for sense in self.eng_deu.senses(word)[: self.max_senses]:
            pairs.extend((sense.pos, t) for t in sense.translations if " " not in t)
        return pairs

    def _translate(self, word: str) -> list[str]:
        return sorted({german for _, german in self._german(word)})

    def _round_trip(self, word: str) -> list[str]:
        found = set()
        for pos, german in self._german(word):
            for sense in self.deu_eng.senses(german)[: self.max_senses]:
                if sense.pos != pos:
                    continue
                for english in sense.translations:
                    e = english.lower()
                    if " " in e or not e.isalpha() or e[:4] == word[:4]:
                        continue
                    if self.vocabulary is None or e in self.vocabulary:
                        found.add(english)
        return sorted(found)


def load_round_trip(directory: Path = DEBIAN_DIR, vocabulary: Collection[str] | None = None) -> RoundTrip:
    """The FreeDict English–German pair from ``directory`` (Debian's location by default)."""
    return RoundTrip(
        Dictd(directory / "freedict-eng-deu"), Dictd(directory / "freedict-deu-eng"), vocabulary
    )


def round_trip_if_installed(directory: Path | None, sentences: Iterable[Sequence[str]]) -> RoundTrip | None:
    """The round trip limited to the words of ``sentences``, or None without the dictionaries
    (then the corruptions that need them are left out)."""
    if directory is None or not (directory / "freedict-eng-deu.index").is_file():
        return None
    return load_round_trip(directory, {w.lower() for words in sentences for w in words})
