"""Sentence splitting with exact offsets (pysbd, rule-based, many languages).

pysbd sees a *view* of each block that has the same length as the block: line breaks and
tabs become spaces (a sentence wrapped over a single newline stays one sentence) and
protected markup becomes spaces (a tag or a code span never starts or ends a sentence).
Offsets found in the view are offsets into the real text.

Two guards keep long inputs linear. pysbd's own time grows faster than the input (its
char-span search and some of its rules are quadratic), so a long block is fed to it in
chunks of about ``CHUNK_CHARS``, cut at a likely sentence end; where a chunk has to be cut
mid-sentence the two halves are joined again afterwards, so chunking never adds a
sentence boundary. A sentence of more than ``max_sentence_words`` words is cut into pieces
of at most that many words at whitespace, and each piece has ``Segment.overlong`` set, so
nothing is dropped and the caller can report the file.

Most paragraphs of MT output are one sentence, and pysbd takes a millisecond on each. A chunk
in English rules that has no character pysbd could split at (``_unsplittable``) is never
given to it.

Abbreviations come from pysbd's per-language lists, plus the few English ones it lacks
(``EXTRA_ABBREVIATIONS``); ``abbreviations(lang)`` gives the same list to the checks that
must know whether a full stop ends a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from mtqa.document import Block, Segment, Span

# Languages pysbd has rules for; others fall back to English rules.
_PYSBD_LANGS = frozenset(
    "en hi mr zh es am ar el ru hy bg ur it pl nl da fr my fa ja de kk sk".split()
)
# Missing from pysbd 0.3.4's English list: it split "cf. the FAQ", "approx. two minutes" and
# "ca. two centuries".
EXTRA_ABBREVIATIONS = {"en": ("approx", "ca", "cf")}
CHUNK_CHARS = 1000
DEFAULT_MAX_SENTENCE_WORDS = 1000

_TO_SPACE = str.maketrans("\n\r\t\x0b\x0c\x85\u2028\u2029", " " * 8)
_SENTENCE_END = re.compile(r"[.!?][\"'”’»)\]]*(?=\s)|[。！？]+")
_WORD = re.compile(r"\S+")
# Text pysbd's English rules return whole: letters, digits, spaces and punctuation that none of
# its rules splits at, and at most one sentence-final mark. Every boundary pysbd finds needs one of
# the characters left out: a full stop, ! or ? inside (sentence ends, abbreviations, numbered and
# lettered lists), a bracket (list items "a)", asides before a capital), a double quote or an
# opening single one (quotations), an ellipsis, or one of the letters pysbd writes into the text
# as its own markers (``_MARKERS``); or a straight apostrophe before a space and a capital (the
# end of a 'quotation' Then the next sentence), which ``_QUOTE_END`` finds.
_MARKERS = "ǃƪȸȹᓰᓱᓳᓴᓷᓸ"
_PLAIN = re.compile(rf"(?:[^\W{_MARKERS}]|[\s,;:/%&$€£'’–—-])*[.!?]?\s*")
_QUOTE_END = re.compile(r"'\s[A-Z]")


@cache
def _language_module(lang: str):  # noqa: ANN202 - pysbd has no type hints
    """pysbd's rules for ``lang`` (English for languages it lacks), with ``EXTRA_ABBREVIATIONS``."""
    from pysbd.languages import LANGUAGE_CODES

    lang = lang if lang in _PYSBD_LANGS else "en"
    module = LANGUAGE_CODES[lang]
    extra = EXTRA_ABBREVIATIONS.get(lang)
    if not extra:
        return module
    listed = [*module.Abbreviation.ABBREVIATIONS, *extra]
    abbreviation = type("Abbreviation", (module.Abbreviation,), {"ABBREVIATIONS": listed})
    return type(module.__name__, (module,), {"Abbreviation": abbreviation})


@cache
def abbreviations(lang: str) -> frozenset[str]:
    """Lower-case abbreviations (without their final full stop) that end no sentence in ``lang``."""
    return frozenset(a.lower() for a in _language_module(lang).Abbreviation.ABBREVIATIONS)


@cache
def _segmenter(lang: str):  # noqa: ANN202 - pysbd has no type hints
    import pysbd

    segmenter = pysbd.Segmenter(language=lang if lang in _PYSBD_LANGS else "en", clean=False)
    segmenter.language_module = _language_module(lang)  # pysbd reads its rules from here
    return segmenter


def _view(text: str, protected: tuple[Span, ...] = ()) -> str:
    """``text`` with line breaks and protected spans (relative offsets) blanked, same length."""
    view = text.translate(_TO_SPACE)
    if not protected:
        return view
    pieces, cursor = [], 0
    for start, end in sorted(protected):
        start, end = max(start, cursor), min(end, len(view))
        if start >= end:
            continue
        pieces += [view[cursor:start], " " * (end - start)]
        cursor = end
    pieces.append(view[cursor:])
    return "".join(pieces)


def _likely_sentence_end(view: str, match: re.Match[str]) -> bool:
    """A cheap, conservative test used only to choose chunk cuts (not abbreviations)."""
    if view[match.start()] in "。！？":
        return True
    before = view[max(0, match.start() - 2) : match.start()]
    after = view[match.end() : match.end() + 3].lstrip()
    return len(before) == 2 and before.isalpha() and before.islower() and after[:1].isupper()


def _chunks(view: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, hard) pieces of at most CHUNK_CHARS; ``hard`` when the cut is a sentence end."""
    start = 0
    while len(view) - start > CHUNK_CHARS:
        limit = start + CHUNK_CHARS
        cut, hard = -1, True
        for match in _SENTENCE_END.finditer(view, start + CHUNK_CHARS // 2, limit):
            if _likely_sentence_end(view, match):
                cut = match.end()
        if cut < 0:
            hard = False
            space = view.rfind(" ", start + 1, limit)
            cut = space if space > start else limit
        yield start, cut, hard
        start = cut
    yield start, len(view), True


def _unsplittable(chunk: str, lang: str) -> bool:
    """True when pysbd would find no boundary inside ``chunk`` (``_PLAIN``, English rules only)."""
    english = lang == "en" or lang not in _PYSBD_LANGS
    return english and _PLAIN.fullmatch(chunk) is not None and _QUOTE_END.search(chunk) is None


def _boundaries(view: str, lang: str) -> list[int]:
    """Offsets in ``view`` where a new sentence starts (excluding 0, including len(view))."""
    segmenter = _segmenter(lang)
    cuts: list[int] = []
    for start, end, hard in _chunks(view):
        chunk = view[start:end]
        if _unsplittable(chunk, lang):
            if hard:
                cuts.append(end)
            continue
        cursor, last = 0, len(chunk.rstrip())
        for sentence in segmenter.processor(chunk).process():
            sentence = sentence.strip()
            found = chunk.find(sentence, cursor) if sentence else -1
            if found < 0:  # pysbd rewrote this piece; it joins the next sentence instead
                continue
            cursor = found + len(sentence)
            if cursor < last:
                cuts.append(start + cursor)
        if hard:  # the last chunk is always hard, so len(view) is always the last cut
            cuts.append(end)
    return cuts


def sentence_spans(text: str, lang: str = "en", protected: tuple[Span, ...] = ()) -> list[Span]:
    """Sentence [start, end) spans of ``text``, trimmed of surrounding whitespace.

    ``protected`` spans (relative to ``text``) are markup that cannot hold a sentence
    boundary. Markup right after a sentence's last character stays with it (``*Hello.*``);
    markup before a sentence's first word belongs to it (a leading code span or tag);
    markup after the last sentence, and a stretch of nothing but markup, is no sentence.
    """
    view = _view(text, protected)
    markup_end: dict[int, int] = {}
    for start, end in protected:
        markup_end[start] = max(markup_end.get(start, start), end)

    def attached(position: int, limit: int) -> int:
        """``position`` moved past markup that starts exactly there."""
        while markup_end.get(position, position) > position:
            position = markup_end[position]
        return min(position, limit)

    spans: list[Span] = []
    start = 0
    for end in _boundaries(view, lang):
        end = attached(end, len(view))
        if start >= end:
            continue
        if not view[start:end].isspace():
            s, e = start, end
            while text[s].isspace():
                s += 1
            while view[e - 1].isspace():
                e -= 1
            spans.append((s, attached(e, end)))
        start = end
    return spans


def _word_pieces(text: str, start: int, end: int, max_words: int) -> list[Span]:
    """[start, end) cut into pieces of at most ``max_words`` words, at whitespace."""
    words = [m.span() for m in _WORD.finditer(text, start, end)]
    return [
        (words[i][0], words[min(i + max_words, len(words)) - 1][1])
        for i in range(0, len(words), max_words)
    ]


def split_blocks(
    text: str,
    blocks: list[Block],
    lang: str = "en",
    max_sentence_words: int = DEFAULT_MAX_SENTENCE_WORDS,
) -> list[Segment]:
    """Turn reader blocks into segments: sentences for prose, whole units for bilingual files.

    A sentence (or unit) over ``max_sentence_words`` words becomes several segments with
    ``overlong=True``; ``any(s.overlong for s in segments)`` tells the caller to report it.
    """
    segments: list[Segment] = []
    for block in blocks:
        if block.split:
            relative = tuple((s - block.start, e - block.start) for s, e in block.protected)
            spans = [
                (block.start + s, block.start + e)
                for s, e in sentence_spans(text[block.start : block.end], lang, relative)
            ]
        else:
            spans = [(block.start, block.end)]
        for start, end in spans:
            # a sentence of k words has at least 2k-1 characters: short ones need no count
            pieces = [(start, end)]
            if (end - start + 1) // 2 > max_sentence_words:
                pieces = _word_pieces(text, start, end, max_sentence_words)
            overlong = len(pieces) > 1
            for p_start, p_end in pieces:
                protected = tuple(p for p in block.protected if p[0] < p_end and p_start < p[1])
                segments.append(
                    Segment(
                        start=p_start,
                        end=p_end,
                        text=text[p_start:p_end],
                        index=len(segments),
                        protected=protected,
                        source=block.source,
                        unit_id=block.unit_id,
                        overlong=overlong,
                    )
                )
    return segments
