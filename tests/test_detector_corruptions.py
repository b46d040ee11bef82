"""Each synthetic corruption makes its error and labels exactly the words it broke."""

from __future__ import annotations

import gzip
import random
import shutil
from pathlib import Path

import pytest

from mtqa.detector import corruptions as c
from mtqa.detector.corruptions import Tok, toks
from mtqa.detector.data import DEFAULT_SYNTHETIC, Corruptor, SyntheticConfig, synthetic_examples
from mtqa.detector.freedict import Dictd, RoundTrip, b64_number, parse_entry

DICTS = Path(__file__).parent / "data" / "detector"


def text(tokens: list[Tok]) -> str:
    return " ".join(t.text for t in tokens)


def bad(tokens: list[Tok]) -> list[str]:
    return [t.text for t in tokens if t.bad]


def rng(seed: int = 0) -> random.Random:
    return random.Random(seed)


@pytest.fixture(scope="module")
def lexicon() -> RoundTrip:
    return RoundTrip(Dictd(DICTS / "freedict-eng-deu"), Dictd(DICTS / "freedict-deu-eng"))


def test_wrong_article_swaps_a_and_an() -> None:
    out = c.wrong_article(toks("They planned an invasion of a country ."), rng())
    assert text(out) in {"They planned a invasion of a country .", "They planned an invasion of an country ."}
    assert len(bad(out)) == 1 and bad(out)[0] in {"a", "an"}
    assert c.wrong_article(toks("No article here ."), rng()) is None


def test_verb_final_moves_the_verb_group_to_the_clause_end() -> None:
    sentence = "It is unclear whether Moscow can order an invasion of Ukraine ."
    outputs = {text(c.verb_final(toks(sentence), rng(seed))) for seed in range(20)}
    assert "It is unclear whether Moscow an invasion of Ukraine can order ." in outputs
    out = c.verb_final(toks("They said that Moscow can order an invasion ."), rng(1))
    assert text(out) in {"They said that Moscow an invasion can order .", "They said that Moscow can an invasion order ."}
    assert set(bad(out)) <= {"can", "order"} and "order" in bad(out)


def test_verb_final_needs_a_clause_to_move_over() -> None:
    assert c.verb_final(toks("He can go ."), rng()) is None


def test_misplaced_adverb_moves_it_and_marks_it() -> None:
    out = c.misplaced_adverb(toks("She also visited the old city walls today ."), rng(3))
    assert out is not None and bad(out) == ["also"]
    assert text(out) != "She also visited the old city walls today ."
    assert sorted(t.text for t in out) == sorted("She also visited the old city walls today .".split())


def test_adjacent_swap_marks_both_words() -> None:
    out = c.adjacent_swap(toks("red car"), rng())
    assert text(out) == "car red" and bad(out) == ["car", "red"]


def test_dropped_function_word_marks_the_word_after_the_gap() -> None:
    out = c.dropped_function_word(toks("I saw the house"), rng())
    assert text(out) == "I saw house" and bad(out) == ["house"]


def test_doubled_function_word_marks_the_copy() -> None:
    out = c.doubled_function_word(toks("the house"), rng())
    assert [(t.text, t.bad) for t in out] == [("the", False), ("the", True), ("house", False)]


def test_wrong_preposition_replaces_it() -> None:
    out = c.wrong_preposition(toks("interested in art"), rng())
    assert out[1].bad and out[1].text in c.PREPOSITIONS and out[1].text != "in"
    assert text(out).startswith("interested ") and out[2] == Tok("art")


def test_wrong_sense_goes_through_german(lexicon: RoundTrip) -> None:
    assert lexicon.round_trip("bump") == ["dent", "lump", "nudge", "punch", "push"]
    out = c.wrong_sense(toks("a bump"), rng(), lexicon)
    assert out[0] == Tok("a") and out[1].bad and out[1].text in {"dent", "lump", "nudge", "punch", "push"}
    assert c.wrong_sense(toks("a cat"), rng(), lexicon) is None


def test_round_trip_keeps_the_part_of_speech(lexicon: RoundTrip) -> None:
    # "order" <v> → anordnen <v> → arrange; the noun "pounding" never comes back for a verb.
    assert lexicon.round_trip("order") == ["arrange"]
    assert "gender" in lexicon.round_trip("house")


def test_untranslated_word_leaves_german(lexicon: RoundTrip) -> None:
    out = c.untranslated_word(toks("the house"), rng(), lexicon)
    assert out[1].bad and out[1].text in {"Haus", "Geschlecht"}


def test_literal_compound_from_table_and_heads() -> None:
    out = c.literal_compound(toks("He went to the hospital ."), rng(), {"hospital": "sick house"})
    assert text(out) == "He went to the sick house ." and bad(out) == ["sick", "house"]
    out = c.literal_compound(toks("the police station"), rng(), {})
    assert text(out) == "the station of police" and bad(out) == ["station", "of", "police"]


def test_broken_punctuation_adds_a_visible_mark() -> None:
    outputs = [c.broken_punctuation(toks("He said , that the house was fine"), rng(s)) for s in range(10)]
    for out in outputs:
        assert len(out) == 9 and len(bad(out)) == 1 and bad(out)[0] in c._PUNCT
    strays = [" ".join(t.text for t in out) for out in outputs if out[2].text == "," and not out[3].bad]
    assert strays and all(s.startswith("He said , that the ") for s in strays)  # only after "the"
    assert all(c.broken_punctuation(toks("Partners came quickly"), rng(s)) is None for s in range(5))


def test_corrupted_number_changes_the_digits() -> None:
    for seed in range(10):
        out = c.corrupted_number(toks("in 1990 ."), rng(seed))
        assert out[1].bad and out[1].text != "1990" and out[1].text.isdigit()


def test_corrupted_name_garbles_a_capitalised_word() -> None:
    out = c.corrupted_name(toks("He lives in Moscow ."), rng())
    assert out[3].bad and out[3].text != "Moscow" and out[3].text[0] == "M"
    assert c.corrupted_name(toks("nothing to garble"), rng()) is None


def test_corruptions_compose_and_keep_labels() -> None:
    once = c.doubled_function_word(toks("the house"), rng())
    twice = c.adjacent_swap(once, random.Random(5))
    assert sum(t.bad for t in twice) >= 1 and len(twice) == 3


def test_dictd_reader(tmp_path: Path) -> None:
    assert b64_number("B4") == 120 and b64_number("A") == 0
    assert parse_entry("x /x/ <v>\nstoßen, auf/gegen etw. prallen <v, intr> [auto]\n").translations == ("stoßen",)
    shutil.copy(DICTS / "freedict-eng-deu.index", tmp_path / "d.index")
    (tmp_path / "d.dict.dz").write_bytes(gzip.compress((DICTS / "freedict-eng-deu.dict").read_bytes()))
    senses = Dictd(tmp_path / "d").senses("bump")
    assert [s.pos for s in senses] == ["v", "n"]
    assert senses[0].translations == ("stoßen", "anstoßen") and senses[1].translations == ("Beule",)


def test_synthetic_examples_are_deterministic(lexicon: RoundTrip) -> None:
    config = SyntheticConfig.load(DEFAULT_SYNTHETIC)
    corruptor = Corruptor(config, lexicon)
    sentences = [s.split() for s in (
        "It is unclear whether Moscow can order an invasion of Ukraine .",
        "The house was built in 1990 by a local family .",
        "She also visited the old hospital in Berlin .",
    )] * 4
    first = synthetic_examples(sentences, corruptor, random.Random(1), 2, 10)
    second = synthetic_examples(sentences, corruptor, random.Random(1), 2, 10)
    assert [(e.words, e.bad) for e in first] == [(e.words, e.bad) for e in second]
    assert first[0].origin == "clean" and not any(first[0].bad)
    corrupted = [e for e in first if e.origin.startswith("synthetic")]
    assert corrupted and all(any(e.bad) and e.hter == sum(e.bad) / len(e.bad) for e in corrupted)


def test_corruptor_names_the_type_of_every_broken_word() -> None:
    """The pattern head's labels: each broken word carries the corruption that broke it."""
    from mtqa.detector.corruptions import PATTERNS
    from mtqa.detector.data import pattern_classes

    config = SyntheticConfig(weights={"verb_final": 1.0, "doubled_function_word": 1.0}, mix={"second_error": 1.0})
    tokens, applied = Corruptor(config, None).corrupt(
        "It is unclear whether Moscow can order an invasion of the country .".split(), rng(2))
    assert sorted(applied) == ["doubled_function_word", "verb_final"]
    assert {t.kind for t in tokens if t.bad} == set(applied)
    assert [t.text for t in tokens if t.kind == "verb_final"] == ["can", "order"]
    classes = pattern_classes(tokens)
    assert [PATTERNS[k - 1] for k in classes if k] == [t.kind for t in tokens if t.bad]
    assert all(k == 0 for k, t in zip(classes, tokens, strict=True) if not t.bad)


def test_clean_and_synthetic_examples_carry_types_real_ones_do_not(lexicon: RoundTrip) -> None:
    corruptor = Corruptor(SyntheticConfig.load(DEFAULT_SYNTHETIC), lexicon)
    sentences = [s.split() for s in ("She also visited the old hospital in Berlin .",
                                     "The house was built in 1990 by a local family .")] * 3
    examples = synthetic_examples(sentences, corruptor, random.Random(4), 2, 4)
    for example in examples:
        assert example.kinds is not None and len(example.kinds) == len(example.words)
        assert [k > 0 for k in example.kinds] == example.bad
    from mtqa.detector.data import Example

    assert Example(["x"], [True]).kinds is None  # MLQE-PE tags say BAD, not which error


@pytest.mark.parametrize("name", ["ro-en/dev.pe", "../elsewhere/train.src", "en-de/test.src"])
def test_extra_english_must_be_a_train_file_under_the_data_root(tmp_path: Path, name: str) -> None:
    config = tmp_path / "mix.toml"
    config.write_text(f'english = ["{name}"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not a train file"):
        SyntheticConfig.load(config)
    config.write_text('english = ["en-de/train.src"]\n', encoding="utf-8")
    assert SyntheticConfig.load(config).english == ["en-de/train.src"]
