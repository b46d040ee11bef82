"""Sentence splitting: boundaries, protected markup, the over-long guard, and linear time."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mtqa import segment
from mtqa.document import Block
from mtqa.segment import CHUNK_CHARS, EXTRA_ABBREVIATIONS, abbreviations, sentence_spans, split_blocks


def sentences(text: str, protected: tuple[tuple[int, int], ...] = ()) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, "en", protected)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith went home. He slept.", ["Mr. Smith went home.", "He slept."]),
        ("Bring tools, e.g. hammers and saws. Then rest.", ["Bring tools, e.g. hammers and saws.", "Then rest."]),
        ("We met at 3 p.m. on Monday. It rained.", ["We met at 3 p.m. on Monday.", "It rained."]),
        ("Wrapped\nover two lines. Another one.", ["Wrapped\nover two lines.", "Another one."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ("  \n ", []),
    ],
)
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Use any installer, e.g. the one we ship.",
        "Pick the fastest, i.e. the one with a cache.",
        "Apples, pears, etc. are fruit.",
        "It was pip vs. the rest.",
        "See the notes, cf. the FAQ for details.",
        "As Fig. 3 shows, the cache helps.",
        "The install takes approx. two minutes.",
        "The abbey was built ca. two centuries ago.",
    ],
)
def test_abbreviations_mid_sentence_do_not_split(sentence: str) -> None:
    assert sentences(f"{sentence} Then it ends.") == [sentence, "Then it ends."]


def test_abbreviations_are_pysbds_lists_plus_the_extras() -> None:
    from pysbd.lang.english import English
    from pysbd.lang.deutsch import Deutsch

    english = abbreviations("en")
    assert {a.lower() for a in English.Abbreviation.ABBREVIATIONS} < english
    assert set(EXTRA_ABBREVIATIONS["en"]) <= english
    assert abbreviations("de") == {a.lower() for a in Deutsch.Abbreviation.ABBREVIATIONS}
    assert abbreviations("xx") == english  # pysbd has no rules for it: English ones
    assert not set(EXTRA_ABBREVIATIONS["en"]) & {a.lower() for a in English.Abbreviation.ABBREVIATIONS}


def test_protected_markup_holds_no_boundary_and_stays_attached() -> None:
    text = "*Hello.* World `a. B` here. <b>Next</b> one."
    protected = ((0, 1), (7, 8), (15, 21), (28, 31), (35, 39))
    assert sentences(text, protected) == ["*Hello.*", "World `a. B` here.", "<b>Next</b> one."]


def test_markup_only_stretch_is_no_sentence() -> None:
    text = "Done. <!-- note -->"
    assert sentences(text, ((6, 19),)) == ["Done."]


def test_long_paragraph_is_chunked_without_changing_sentences() -> None:
    sentence = "Mr. Smith met the officials at 3 p.m. on Monday in the capital."
    text = " ".join([sentence] * 300)
    assert len(text) > 10 * CHUNK_CHARS
    assert sentences(text) == [sentence] * 300


def test_chunk_cuts_inside_a_sentence_are_joined_again() -> None:
    text = "Start " + "word " * 2000 + "end. Next sentence."
    assert sentences(text) == [text[: text.index(". ") + 1], "Next sentence."]


def test_overlong_sentence_is_cut_into_flagged_pieces_and_nothing_dropped() -> None:
    text = "A short one. " + " ".join(f"w{i}" for i in range(2500)) + "."
    segments = split_blocks(text, [Block(0, len(text))], "en", max_sentence_words=1000)
    assert [s.overlong for s in segments] == [False, True, True, True]
    assert [len(s.text.split()) for s in segments] == [3, 1000, 1000, 500]
    assert " ".join(s.text for s in segments) == text
    assert all(text[s.start : s.end] == s.text for s in segments)


def test_overlong_applies_to_bilingual_units_too() -> None:
    text = "x " * 30
    unit = Block(0, len(text) - 1, source="s", unit_id="u", split=False)
    segments = split_blocks(text, [unit], max_sentence_words=10)
    assert [(len(s.text.split()), s.overlong, s.unit_id) for s in segments] == [(10, True, "u")] * 3


def test_zero_length_bilingual_unit_is_kept() -> None:
    (segment,) = split_blocks('msgstr ""', [Block(8, 8, source="Hallo", split=False)])
    assert (segment.start, segment.end, segment.text, segment.source) == (8, 8, "", "Hallo")


def test_segment_protected_spans_are_those_of_its_sentence() -> None:
    text = "One `a`. Two `b`."
    (first, second) = split_blocks(text, [Block(0, len(text), protected=((4, 7), (13, 16)))])
    assert first.protected == ((4, 7),) and second.protected == ((13, 16),)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "text",
    [
        " ".join(["the cat sat on a mat"] * 1700) + ".",  # a 10,000-word sentence
        "Hi! " * 5000,  # pysbd's own char-span search takes ~10 s here (quadratic)
    ],
    ids=["10k-words", "repeated"],
)
def test_pathological_paragraphs_stay_fast(text: str) -> None:
    started = time.perf_counter()
    segments = split_blocks(text, [Block(0, len(text.rstrip()))])
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"{elapsed:.1f}s"
    assert "".join(s.text for s in segments).replace(" ", "") == text.replace(" ", "")


# Characters of plain prose, of the punctuation pysbd never splits at, and of what it splits at
# (full stops, brackets, quotes, ellipses, list numbers), so both paths of ``_boundaries`` are drawn.
_PROSE = st.text(
    alphabet=st.sampled_from(list("abcxivAIZ15 ,;:-–/%&'’.!?()\"“”…ȸᓴ\u00a0")), max_size=80
)


@settings(max_examples=400, deadline=None)
@given(text=_PROSE)
def test_plain_chunks_split_as_pysbd_splits_them(text: str) -> None:
    """The shortcut for chunks pysbd cannot split (``_unsplittable``) gives pysbd's own sentences."""
    with mock.patch.object(segment, "_unsplittable", return_value=False):
        expected = sentence_spans(text)
    assert sentence_spans(text) == expected


@pytest.mark.parametrize(
    "text",
    ["The talks, which began in May, ended on Tuesday.", "It's the country’s 15 % share of the vote",
     "Officials said nothing!", "the results of the survey: 3 in 4 agree."],
)
def test_plain_sentences_are_not_given_to_pysbd(text: str) -> None:
    class NoSegmenter:
        def processor(self, chunk: str) -> None:
            raise AssertionError(f"pysbd was asked to split {chunk!r}")

    with mock.patch.object(segment, "_segmenter", return_value=NoSegmenter()):
        assert sentences(text) == [text]


@pytest.mark.parametrize(
    "text",
    ["It was 15. Then it rained.", "He said 'no' Then he left.", "Choose a) tea or b) coffee.",
     "Wait... Then go.", "Ask (if you like) Then go.", "Привет. Пока."],
)
def test_chunks_pysbd_may_split_still_go_to_it(text: str) -> None:
    assert not segment._unsplittable(text, "en")
