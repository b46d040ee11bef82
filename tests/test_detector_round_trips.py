"""Round-trip training examples: labelled against the original as MLQE-PE's MT was against its post-edit."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sacrebleu.metrics import TER

from mtqa.detector.round_trips import detokenise, mlqe_labels, round_trip_examples
from tests.test_apertium import _real_apertium, _translator


class Fake:
    """A translator that answers from a table and records what it was asked."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        self.asked: list[list[str]] = []

    def translate(self, texts: Sequence[str]) -> list[str]:
        self.asked.append(list(texts))
        return [self.table.get(text, text) for text in texts]


ORIGINAL = "The Russian delegation met officials in Moscow ."


def trip(round_trip: str, original: str = ORIGINAL) -> tuple[list[str], list[bool], float]:
    """The one example a fake en→xx→en round trip gives: words, BAD flags, hter."""
    there = Fake({})  # the pivot text is the original itself; ``back`` maps it to the round trip
    back = Fake({detokenise(original.split()): round_trip})
    (example,) = round_trip_examples([original.split()], there, back, "xx")
    assert example.origin == "round-trip:xx"
    return example.words, example.bad, example.hter


def bad_words(words: list[str], bad: list[bool]) -> list[str]:
    return [w for w, b in zip(words, bad, strict=True) if b]


def test_a_substituted_word_is_bad() -> None:
    words, bad, hter = trip("The Russian delegation met civil servants in Moscow.")
    assert words[-1] == "."  # split like the detector's data: the full stop is its own word
    assert bad_words(words, bad) == ["civil", "servants"]  # one substitution and one extra word
    assert hter == pytest.approx(2 / 8)


def test_a_deleted_word_leaves_no_bad_word_but_counts_in_hter() -> None:
    words, bad, hter = trip("The delegation met officials in Moscow.")
    assert not any(bad)  # MLQE-PE tags the gap, which the detector does not learn
    assert hter == pytest.approx(1 / 8)


def test_an_inserted_word_is_bad() -> None:
    words, bad, hter = trip("The Russian delegation met the officials in Moscow.")
    assert bad_words(words, bad) == ["the"]
    assert bad.index(True) == 4  # the inserted "the", not the first word
    assert hter == pytest.approx(1 / 8)


def test_a_moved_word_is_bad_where_it_landed_and_costs_one_shift() -> None:
    original = "The delegation met officials in Moscow on Monday ."
    words, bad, hter = trip("The delegation met in Moscow officials on Monday.", original)
    assert bad_words(words, bad) == ["officials"]  # the words around it stay matched in place
    assert hter == pytest.approx(1 / 9)  # TER moves it back in one edit
    ter = TER().sentence_score(" ".join(words), [original]).score / 100
    assert hter == pytest.approx(ter)  # the figure sacrebleu's TER metric gives


def test_a_change_of_case_is_a_bad_word_but_costs_no_hter() -> None:
    words, bad, hter = trip("the Russian delegation met officials in Moscow.")
    assert bad_words(words, bad) == ["the"]  # MLQE-PE's tags compare words as written
    assert hter == 0.0  # its HTER, like Tercom by default, ignores case


def test_an_identical_round_trip_is_a_clean_example() -> None:
    words, bad, hter = trip(ORIGINAL.replace(" .", "."))
    assert words == ORIGINAL.split()
    assert bad == [False] * 8
    assert hter == 0.0


def test_hter_is_clipped_at_one_and_an_empty_round_trip_gives_no_example() -> None:
    assert mlqe_labels(["a", "b", "c", "d"], ["x"]).hter == 1.0
    there, back = Fake({}), Fake({"Nothing.": ""})
    assert round_trip_examples([["Nothing", "."]], there, back, "xx") == []


def test_all_sentences_go_through_one_call_each_way_detokenised() -> None:
    sentences = [s.split() for s in ('They don \'t know , he said .', 'It said " yes " ( twice ) .')]
    there, back = Fake({}), Fake({})
    examples = round_trip_examples(sentences, there, back, "es")
    assert there.asked == [["They don't know, he said.", 'It said "yes" (twice).']]
    assert back.asked == there.asked
    assert [e.words for e in examples] == sentences
    assert all(e.hter == 0.0 and not any(e.bad) for e in examples)


@pytest.mark.slow  # two Apertium runs
def test_a_real_apertium_round_trip_is_labelled_where_it_went_wrong() -> None:
    _real_apertium()
    original = "The Russian delegation bumped fists with officials .".split()
    (example,) = round_trip_examples([original], _translator("eng-spa"), _translator("spa-eng"), "es")
    assert example.words[:3] == ["The", "Russian", "delegation"]
    assert not any(example.bad[:3])  # the words it kept are matched
    changed = bad_words(example.words, example.bad)
    assert changed and "bumped" not in example.words  # Apertium has no sense of "bumped fists"
    assert all(w not in original for w in changed)
    assert example.hter == pytest.approx(len(changed) / len(original))
