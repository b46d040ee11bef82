"""The QE check's input guards: encoder languages, swapped pairs, pairs over the token limit."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtqa.qe.guards import ENCODER_LANGUAGES, covers, split_pair, swapped

WORD = re.compile(r"\S+")


def within(limit: int):  # noqa: ANN201 - a fits(source, target) callable
    """A stand-in for the caller's token count: characters of both sides, whitespace left out."""
    return lambda source, target: len(source.strip()) + len(target.strip()) <= limit


def texts(source: str, target: str, chunks: list) -> list[tuple[str, str]]:
    return [(source[a:b], target[c:d]) for (a, b), (c, d) in chunks]


def assert_tiles(source: str, target: str, chunks: list) -> None:
    """Both sides covered completely and in order: each range starts where the one before ended."""
    assert chunks
    for side, text in ((0, source), (1, target)):
        ranges = [chunk[side] for chunk in chunks]
        assert ranges[0][0] == 0 and ranges[-1][1] == len(text)
        assert all(start <= end for start, end in ranges)
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))


# --- covers ---------------------------------------------------------------------------------


def test_the_encoder_languages_are_the_xlm_r_table() -> None:
    assert len(ENCODER_LANGUAGES) == 93
    assert {"en", "de", "zh", "ja", "sw", "xh", "yi", "eo", "la"} <= ENCODER_LANGUAGES
    # CC-100 languages that XLM-R was *not* pretrained on
    assert not {"yo", "zu", "ig", "wo", "ht", "qu"} & ENCODER_LANGUAGES


@pytest.mark.parametrize(
    "tag", ["de-DE", "pt_BR", "zh-Hans", "zh_TW", "EN", "deu", "iw", "fil", "tl", "nb", "sr@latin"]
)
def test_covers_normalises_tags(tag: str) -> None:
    assert covers(tag)


@pytest.mark.parametrize("tag", ["yo", "haw", "yue-HK", "xx", "", "C", "not a tag"])
def test_covers_refuses_other_languages_and_non_tags(tag: str) -> None:
    assert not covers(tag)


# --- swapped --------------------------------------------------------------------------------

ENGLISH = "The talks between the two ministers will resume in May after a short break."
GERMAN = "Die Gespräche zwischen den beiden Ministern werden nach einer kurzen Pause im Mai fortgesetzt."
FRENCH = "Les négociations entre les deux ministres reprendront en mai après une courte pause."


def test_a_target_in_the_source_language_is_swapped() -> None:
    assert swapped(ENGLISH, ENGLISH, "en", "de")  # the untranslated source
    assert swapped(GERMAN, ENGLISH, "en-US", "de_DE")  # the pair the wrong way round


def test_a_translation_is_not_swapped() -> None:
    assert not swapped(ENGLISH, GERMAN, "en", "de")
    assert not swapped(GERMAN, ENGLISH, "de", "en")


def test_a_target_in_a_third_language_is_not_swapped() -> None:
    """That is the wrong language (MT107), not the source's."""
    assert not swapped(ENGLISH, FRENCH, "en", "de")


def test_short_targets_and_same_language_pairs_are_never_swapped() -> None:
    assert not swapped("Open the file", "Open the file", "en", "de")  # three words
    assert not swapped("Open Google Cloud Platform now", "Open Google Cloud Platform now", "en", "de")
    assert not swapped(ENGLISH, ENGLISH, "en-GB", "en-US")


def test_languages_lingua_does_not_know_are_never_swapped() -> None:
    assert not swapped(ENGLISH, ENGLISH, "en", "xx")
    assert not swapped(ENGLISH, ENGLISH, "xx", "de")


# --- split_pair -----------------------------------------------------------------------------

SOURCE = "Das ist ein Satz. Hier kommt der zweite. Und ein dritter Satz folgt. Zuletzt der vierte."
TARGET = "This is a sentence. Here comes the second. And a third sentence follows. Last, the fourth."


def test_a_pair_that_fits_is_one_chunk() -> None:
    assert split_pair(SOURCE, TARGET, within(1000)) == [((0, len(SOURCE)), (0, len(TARGET)))]
    assert split_pair("", "", within(0)) == [((0, 0), (0, 0))]


def test_equal_sentence_counts_pair_one_to_one_and_merge_neighbours() -> None:
    one_each = split_pair(SOURCE, TARGET, within(60), src_lang="de-DE", tgt_lang="en")
    assert_tiles(SOURCE, TARGET, one_each)
    assert texts(SOURCE, TARGET, one_each) == [
        ("Das ist ein Satz. ", "This is a sentence. "),
        ("Hier kommt der zweite. ", "Here comes the second. "),
        ("Und ein dritter Satz folgt. ", "And a third sentence follows. "),
        ("Zuletzt der vierte.", "Last, the fourth."),
    ]
    two_each = split_pair(SOURCE, TARGET, within(100), src_lang="de", tgt_lang="en")
    assert texts(SOURCE, TARGET, two_each) == [
        ("Das ist ein Satz. Hier kommt der zweite. ", "This is a sentence. Here comes the second. "),
        ("Und ein dritter Satz folgt. Zuletzt der vierte.", "And a third sentence follows. Last, the fourth."),
    ]


def test_unequal_sentence_counts_cut_both_sides_at_sentences_in_proportion() -> None:
    """The target joined the first two sentences: its one cut goes to the source's nearest boundary."""
    target = "This is a sentence, and here comes the second. And a third sentence follows, last the fourth."
    chunks = split_pair(SOURCE, target, within(110), src_lang="de")
    assert_tiles(SOURCE, target, chunks)
    assert texts(SOURCE, target, chunks) == [
        ("Das ist ein Satz. Hier kommt der zweite. ", "This is a sentence, and here comes the second. "),
        ("Und ein dritter Satz folgt. Zuletzt der vierte.", "And a third sentence follows, last the fourth."),
    ]


def test_a_sentence_over_the_limit_is_cut_at_words_in_proportion() -> None:
    source = " ".join(f"wort{i}" for i in range(40))
    target = " ".join(f"word{i}" for i in range(40))
    chunks = split_pair(source, target, within(120))
    assert_tiles(source, target, chunks)
    assert len(chunks) > 1
    for src_chunk, tgt_chunk in texts(source, target, chunks):
        assert within(120)(src_chunk, tgt_chunk)
        # no word is cut, and the two sides stay in step (word i beside word i, give or take two)
        assert all(re.fullmatch(r"wort\d+", w) for w in src_chunk.split())
        assert all(re.fullmatch(r"word\d+", w) for w in tgt_chunk.split())
        first_src, first_tgt = int(src_chunk.split()[0][4:]), int(tgt_chunk.split()[0][4:])
        assert abs(first_src - first_tgt) <= 2


def test_a_one_sentence_source_beside_several_target_sentences_keeps_the_target_sentences_whole() -> None:
    source = "Ein sehr langer Satz, der alles in einem sagt, was das Ziel in drei Sätzen sagt, und noch mehr"
    target = "This is the first part. This is the second part. This is the third part of it."
    chunks = split_pair(source, target, within(90), src_lang="de")
    assert_tiles(source, target, chunks)
    target_starts = {0, target.index("This is the second"), target.index("This is the third")}
    assert len(chunks) > 1 and {c for _, (c, _) in chunks} <= target_starts


def test_what_never_fits_is_cut_down_to_single_words_and_nothing_is_lost() -> None:
    chunks = split_pair("eins zwei drei", "one two", lambda s, t: False)
    assert_tiles("eins zwei drei", "one two", chunks)
    assert all(len(s.split()) <= 1 and len(t.split()) <= 1 for s, t in texts("eins zwei drei", "one two", chunks))


def test_an_empty_side_still_tiles() -> None:
    chunks = split_pair(SOURCE, "", within(40))
    assert_tiles(SOURCE, "", chunks)
    assert len(chunks) > 1
    chunks = split_pair("", TARGET, within(40))
    assert_tiles("", TARGET, chunks)


_WORDS = st.text(alphabet="abcdeéßxyz", min_size=1, max_size=12)
_SENTENCE = st.builds(
    lambda words, end: " ".join(words).capitalize() + end,
    st.lists(_WORDS, min_size=1, max_size=15),
    st.sampled_from([".", "!", "?", "", ","]),
)
_PROSE = st.builds(
    lambda sentences, gap: gap.join(sentences),
    st.lists(_SENTENCE, min_size=0, max_size=8),
    st.sampled_from([" ", "  ", "\n", " \n\t"]),
)
_TEXT = _PROSE | st.text(max_size=150)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=_TEXT, target=_TEXT, limit=st.integers(0, 200))
def test_chunks_tile_both_texts_and_fit_unless_they_cannot_be_cut(source: str, target: str, limit: int) -> None:
    fits = within(limit)
    chunks = split_pair(source, target, fits)
    assert_tiles(source, target, chunks)
    for src_chunk, tgt_chunk in texts(source, target, chunks):
        assert fits(src_chunk, tgt_chunk) or (len(WORD.findall(src_chunk)) <= 1 and len(WORD.findall(tgt_chunk)) <= 1)
