"""Readers: bytes of one file → a ``Document`` with exact-offset segments.

Each reader module exposes ``read(text: str) -> list[Block]`` (raising ``InputError`` on
malformed input) and is picked by file extension (or ``--input-format``). A format whose
files say their languages adds ``declared(text) -> Declared``, and one whose files say their
encoding ``charset(data: bytes) -> str`` (PO); XML formats declare it in ``<?xml ... ?>``.
"""

from __future__ import annotations

import codecs
import importlib
import re
from pathlib import PurePath

from mtqa import locales
from mtqa.document import Block, Declared, Document
from mtqa.errors import InputError
from mtqa.segment import DEFAULT_MAX_SENTENCE_WORDS, split_blocks

# extension → (reader module, bilingual)
FORMATS: dict[str, tuple[str, bool]] = {
    ".txt": ("plaintext", False),
    ".text": ("plaintext", False),
    ".md": ("markdown", False),
    ".markdown": ("markdown", False),
    ".html": ("html", False),
    ".htm": ("html", False),
    ".po": ("po", True),
    ".pot": ("po", True),
    ".xlf": ("xliff", True),
    ".xliff": ("xliff", True),
    ".tsv": ("tabular", True),
    ".csv": ("tabular", True),
    ".jsonl": ("jsonl", True),
}
FORMAT_NAMES = sorted({module for module, _ in FORMATS.values()})
XML_FORMATS = frozenset({"xliff"})
_XML_ENCODING = re.compile(rb"""\A<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")


def declared_charset(data: bytes, format_name: str) -> str | None:
    """The encoding a file of this format declares in its bytes; None when it declares none.

    An encoding Python does not know counts as none (the file is then read as UTF-8).
    """
    found: str | None = None
    if format_name in XML_FORMATS:
        match = _XML_ENCODING.match(data)
        found = match.group(1).decode("ascii") if match else None
    else:
        module = importlib.import_module(f"{__name__}.{format_name}")
        found = module.charset(data) if hasattr(module, "charset") else None
    try:
        return found if found and codecs.lookup(found) else None
    except LookupError:
        return None


def decode(data: bytes, charset: str | None = None) -> str:
    """Decode file bytes: a BOM's UTF-8/16/32, else the ``charset`` the file declares, else UTF-8.

    Refuses binaries; an invalid byte is an InputError naming the encoding and the offset.
    """
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(f"invalid {encoding.upper()} at byte {exc.start}") from None
    if b"\x00" in data[:8192]:
        raise InputError("binary file (contains NUL bytes), not text")
    if charset and codecs.lookup(charset).name != "utf-8":
        try:
            return data.decode(charset)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"not valid {charset} as the file declares (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "fix the byte or the declared charset"
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8"
        ) from None


def format_for(path: str, explicit: str | None = None) -> tuple[str, bool]:
    """Reader module name and bilingual flag for a path (plain text when unknown)."""
    if explicit:
        if explicit not in FORMAT_NAMES:
            raise InputError(f"unknown input format {explicit!r} (choose from {', '.join(FORMAT_NAMES)})")
        return explicit, any(m == explicit and bi for m, bi in FORMATS.values())
    return FORMATS.get(PurePath(path).suffix.lower(), ("plaintext", False))


def read_document(
    path: str,
    text: str,
    lang: str | None = None,
    input_format: str | None = None,
    max_sentence_words: int = DEFAULT_MAX_SENTENCE_WORDS,
    source_lang: str | None = None,
) -> Document:
    """Parse decoded text into a Document with segments; InputError on bad content.

    ``lang`` and ``source_lang`` are the languages the settings impose; where they are None
    the file's own declaration, then a locale in ``path``, decides (``mtqa.locales``), and
    the text is split into sentences as that language.
    Sentences over ``max_sentence_words`` words are cut into pieces flagged
    ``Segment.overlong`` (see ``mtqa.segment.split_blocks``); nothing is dropped.
    """
    if not text.strip():
        raise InputError("empty file (nothing to check)")
    module_name, bilingual = format_for(path, input_format)
    module = importlib.import_module(f"{__name__}.{module_name}")
    blocks: list[Block] = module.read(text)
    raw = module.declared(text) if hasattr(module, "declared") else Declared()
    declared = Declared(
        source=locales.normalise(raw.source) if raw.source else None,
        target=locales.normalise(raw.target) if raw.target else None,
    )
    languages = locales.resolve(lang, source_lang, declared.target, declared.source, path)
    document = Document(
        path=path, text=text, format=module_name, bilingual=bilingual, languages=languages, declared=declared
    )
    document.segments = split_blocks(text, blocks, locales.base(languages.target), max_sentence_words)
    return document
