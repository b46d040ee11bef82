"""Sentence splitting with exact offsets (pysbd, rule-based, many languages)."""

from __future__ import annotations

from functools import cache

from mtqa.document import Block, Segment

# Languages pysbd has rules for; others fall back to English rules.
_PYSBD_LANGS = frozenset(
    "en hi mr zh es am ar el ru hy bg ur it pl nl da fr my fa ja de kk sk".split()
)


@cache
def _segmenter(lang: str):  # noqa: ANN202 - pysbd has no type hints
    import pysbd

    return pysbd.Segmenter(language=lang if lang in _PYSBD_LANGS else "en", clean=False, char_span=True)


def sentence_spans(text: str, lang: str = "en") -> list[tuple[int, int]]:
    """Sentence [start, end) spans of ``text``, trimmed of surrounding whitespace."""
    spans = []
    cursor = 0
    for piece in _segmenter(lang).segment(text):
        sent = piece.sent
        # pysbd's spans are usually right; re-anchor on the text itself when they are not.
        start = piece.start if text.startswith(sent, piece.start) else text.find(sent, cursor)
        if start < 0:
            continue
        end = start + len(sent)
        cursor = end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def split_blocks(text: str, blocks: list[Block], lang: str = "en") -> list[Segment]:
    """Turn reader blocks into segments: sentences for prose, whole units for bilingual files."""
    segments: list[Segment] = []
    for block in blocks:
        if block.split:
            spans = [
                (block.start + s, block.start + e)
                for s, e in sentence_spans(text[block.start : block.end], lang)
            ]
        else:
            spans = [(block.start, block.end)]
        for start, end in spans:
            protected = tuple(p for p in block.protected if p[0] < end and start < p[1])
            segments.append(
                Segment(
                    start=start,
                    end=end,
                    text=text[start:end],
                    index=len(segments),
                    protected=protected,
                    source=block.source,
                    unit_id=block.unit_id,
                )
            )
    return segments
