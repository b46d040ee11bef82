"""Readers: bytes of one file → a ``Document`` with exact-offset segments.

Each reader module exposes ``read(text: str) -> list[Block]`` (raising ``InputError`` on
malformed input) and is picked by file extension (or ``--input-format``).
"""

from __future__ import annotations

import codecs
import importlib
from pathlib import PurePath

from mtqa.document import Block, Document
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


def decode(data: bytes) -> str:
    """Decode file bytes: UTF-8 (BOM optional) or UTF-16/32 with a BOM; refuse binaries."""
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
    lang: str = "en",
    input_format: str | None = None,
    max_sentence_words: int = DEFAULT_MAX_SENTENCE_WORDS,
) -> Document:
    """Parse decoded text into a Document with segments; InputError on bad content.

    Sentences over ``max_sentence_words`` words are cut into pieces flagged
    ``Segment.overlong`` (see ``mtqa.segment.split_blocks``); nothing is dropped.
    """
    if not text.strip():
        raise InputError("empty file (nothing to check)")
    module_name, bilingual = format_for(path, input_format)
    module = importlib.import_module(f"{__name__}.{module_name}")
    blocks: list[Block] = module.read(text)
    document = Document(path=path, text=text, format=module_name, bilingual=bilingual)
    document.segments = split_blocks(text, blocks, lang, max_sentence_words)
    return document
