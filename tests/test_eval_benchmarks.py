"""Loaders and measures of each benchmark on small hand-written files (tests/data/eval).

A fixed system stands in for the checker so every figure can be worked out by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from mtqa.errors import InputError
from mtqa.evaluation import demetr, mlqe, mqm
from mtqa.evaluation.odd_rows import OddRows
from mtqa.evaluation.system import ConstantSystem, Prediction

DATA = Path(__file__).parent / "data" / "eval"


class FixedSystem:
    """Answers from a table: sentence → prediction (unknown sentences: nothing flagged)."""

    def __init__(self, table: dict[str, Prediction]) -> None:
        self.table = table
        self.calls: list[tuple[list[str], str, list[str] | None, str | None]] = []

    def predict(
        self,
        sentences: Sequence[str],
        lang: str,
        sources: Sequence[str] | None = None,
        source_lang: str | None = None,
    ) -> list[Prediction]:
        self.calls.append((list(sentences), lang, None if sources is None else list(sources), source_lang))
        return [self.table.get(s, Prediction()) for s in sentences]


# --- MLQE-PE -------------------------------------------------------------------------------

MLQE_SYSTEM = {
    "It isn't here.": Prediction(spans=[(3, 8)], score=5.0),  # "isn't" = tokens "is", "n't"
    "The cat sat.": Prediction(spans=[(4, 7)], score=1.0),  # "cat" (an OK word)
}


def test_mlqe_loader_reads_word_tags_without_gaps() -> None:
    (pair,) = mlqe.load(DATA / "mlqe", "dev", None, None)
    assert pair.pair == "xx-en" and pair.source_lang == "xx" and pair.target_lang == "en"
    assert pair.sources == ["Nu e aici.", "Pisica a stat.", "Un câine a alergat."]
    assert pair.word_bad == [
        [False, True, True, False, False],
        [False, False, False, False],
        [False, True, False, False],
    ]
    assert pair.hter == [0.6, 0.1, 0.3]
    assert pair.da_z == [-1.0, 0.5, 0.2]


def test_mlqe_checks_the_untokenised_translation_when_it_matches() -> None:
    (pair,) = mlqe.load(DATA / "mlqe", "dev", ["xx-en"], None)
    # the third .da.tsv translation lost its full stop, so the tokenised line is used
    assert pair.texts == ["It isn't here.", "The cat sat.", "A dog ran ."]


def test_mlqe_limit() -> None:
    (pair,) = mlqe.load(DATA / "mlqe", "dev", None, 2)
    assert len(pair.sentences) == len(pair.word_bad) == len(pair.hter) == len(pair.da_z) == 2


def test_bad_tokens_projects_spans_onto_tokens() -> None:
    assert mlqe.bad_tokens("It isn't here.", "It is n't here .", [(3, 8)]) == [False, True, True, False, False]
    assert mlqe.bad_tokens("It isn't here.", "It is n't here .", [(13, 14)]) == [False] * 4 + [True]
    # a zero-width span marks the word at its position; one on a space marks nothing
    assert mlqe.bad_tokens("a bc", "a bc", [(3, 3)]) == [False, True]
    assert mlqe.bad_tokens("a bc", "a bc", [(1, 1)]) == [False, False]


def test_mlqe_figures_by_hand() -> None:
    (pair,) = mlqe.load(DATA / "mlqe", "dev", None, None)
    system = FixedSystem(MLQE_SYSTEM)
    results = mlqe.evaluate([pair], system)
    assert system.calls == [(pair.texts, "en", pair.sources, "xx")]
    row = results["pairs"]["xx-en"]
    # words: TP 2 (is, n't), FP 1 (cat), FN 1 (dog), TN 9
    assert row["n"] == 3
    assert row["word_mcc"] == pytest.approx(17 / 30)
    assert row["word_f1_bad"] == pytest.approx(4 / 6)
    # scores (5, 1, 0) against HTER (.6, .1, .3)
    assert row["hter_pearson"] == pytest.approx(1.1 / (14 * 0.38 / 3) ** 0.5)
    assert row["hter_spearman"] == pytest.approx(0.5)
    # -scores (-5, -1, 0) against z_mean (-1, .5, .2): 3.9 / sqrt(14 * 1.26)
    assert row["da_pearson"] == pytest.approx(3.9 / 4.2)
    assert row["da_spearman"] == pytest.approx(0.5)
    assert results["average"] == row


def test_mlqe_average_over_pairs() -> None:
    (pair,) = mlqe.load(DATA / "mlqe", "dev", None, None)
    twin = mlqe.MlqePair("yy-en", pair.sentences, pair.texts, pair.sources, pair.word_bad, pair.hter, pair.da_z)
    nothing = mlqe.evaluate([pair, twin], ConstantSystem(flag=False))
    assert nothing["average"]["n"] == 6
    assert nothing["average"]["word_mcc"] == 0.0 and nothing["average"]["word_f1_bad"] == 0.0
    assert nothing["average"]["hter_pearson"] is None
    everything = mlqe.evaluate([pair], ConstantSystem(flag=True))
    # 3 BAD words out of 13: F1 = 2*3 / (2*3 + 10)
    assert everything["average"]["word_f1_bad"] == pytest.approx(6 / 16)


def test_mlqe_tag_count_must_match_the_words(tmp_path: Path) -> None:
    folder = tmp_path / "xx-en"
    folder.mkdir()
    for suffix in ("mt", "hter", "da.tsv"):
        (folder / f"dev.{suffix}").write_bytes((DATA / "mlqe" / "xx-en" / f"dev.{suffix}").read_bytes())
    (folder / "dev.tags").write_text("OK OK OK\nOK\nOK\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"dev.tags:1: 3 tags for 5 MT words \(expected 11\)"):
        mlqe.load(tmp_path, "dev", None, None)


def _mlqe_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "xx-en"
    folder.mkdir()
    for suffix in ("mt", "tags", "hter", "da.tsv"):
        (folder / f"dev.{suffix}").write_bytes((DATA / "mlqe" / "xx-en" / f"dev.{suffix}").read_bytes())
    return folder


def _replace_line(path: Path, index: int, line: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[index] = line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_mlqe_malformed_lines_skip_their_sentence_in_every_file(tmp_path: Path) -> None:
    folder = _mlqe_copy(tmp_path)
    _replace_line(folder / "dev.tags", 0, "OK OK OK")  # sentence 1: 3 tags for 5 words
    _replace_line(folder / "dev.hter", 2, "n/a")  # sentence 3: no number
    odd = OddRows()
    (pair,) = mlqe.load(tmp_path, "dev", None, None, odd)
    (clean,) = mlqe.load(DATA / "mlqe", "dev", None, None)
    assert pair.sentences == clean.sentences[1:2] and pair.texts == clean.texts[1:2]
    assert (pair.sources, pair.word_bad, pair.hter, pair.da_z) == (
        clean.sources[1:2], clean.word_bad[1:2], clean.hter[1:2], clean.da_z[1:2]
    )
    assert [(r.path.name, r.line, r.skipped) for r in odd.rows] == [("dev.tags", 1, True), ("dev.hter", 3, True)]
    assert "could not convert string to float: 'n/a'" in odd.rows[1].problem


def test_mlqe_short_da_row_is_skipped(tmp_path: Path) -> None:
    folder = _mlqe_copy(tmp_path)
    row = (folder / "dev.da.tsv").read_text(encoding="utf-8").splitlines()[2].split("\t")
    _replace_line(folder / "dev.da.tsv", 2, "\t".join(row[:-1]))  # sentence 2 loses its last field
    odd = OddRows()
    (pair,) = mlqe.load(tmp_path, "dev", None, None, odd)
    assert len(pair.sentences) == 2 and pair.hter == [0.6, 0.3]
    (skipped,) = odd.rows
    assert (skipped.path.name, skipped.line) == ("dev.da.tsv", 3)
    assert skipped.problem.endswith("fields, the header has %d" % len(row))


def test_mlqe_missing_split_names_the_file() -> None:
    with pytest.raises(InputError, match=r"test.mt: cannot read \(No such file or directory\) \(is --data"):
        mlqe.load(DATA / "mlqe", "test", ["xx-en"], None)
    with pytest.raises(InputError, match="no pair folder"):
        mlqe.load(DATA / "mlqe", "test", None, None)


# --- DEMETR --------------------------------------------------------------------------------

DEMETR_SCORES = {"The cat cat sat.": Prediction(score=1.0)}  # everything else scores 0


def test_demetr_loader_skips_unchecked_items() -> None:
    items = demetr.load(DATA / "demetr", "dev")
    assert [i.pert_name for i in items] == [
        "minor_id1_repeat2", "critical_id8_negation", "base_id35_reference", "minor_id1_repeat2",
    ]
    assert demetr.load(DATA / "demetr", "dev", limit=1) == items[:3]  # the first source sentence


def test_demetr_accuracy_by_hand() -> None:
    items = demetr.load(DATA / "demetr", "dev")
    system = FixedSystem(DEMETR_SCORES)
    results = demetr.evaluate(items, system)
    # each distinct sentence is scored once, with its source, in one batch per source language
    ((sentences, lang, sources, source_lang),) = system.calls
    assert sorted(sentences) == sorted({"The cat sat.", "The cat cat sat.", "The cat did not sit.",
                                        "A cat sat.", "Dogs bark.", "Dogs bark bark."})
    assert (lang, source_lang) == ("en", "de")
    assert dict(zip(sentences, sources))["Dogs bark bark."] == "Hunde bellen."
    assert results["perturbations"] == {
        "base_id35_reference": {"n": 1, "accuracy": 0.0},
        "minor_id1_repeat2": {"n": 2, "accuracy": 0.5},  # "Dogs bark bark." ties: a failure
        "critical_id8_negation": {"n": 1, "accuracy": 0.0},
    }
    assert list(results["perturbations"]) == ["base_id35_reference", "minor_id1_repeat2", "critical_id8_negation"]
    # the reference "perturbation" is no error: not in the severity and overall figures
    assert results["severity"] == {"minor": {"n": 2, "accuracy": 0.5}, "critical": {"n": 1, "accuracy": 0.0}}
    assert results["overall"]["n"] == 3
    assert results["overall"]["accuracy"] == pytest.approx(1 / 3)


def test_demetr_chrf_reference_row() -> None:
    from sacrebleu.metrics import CHRF

    items = demetr.load(DATA / "demetr", "dev")
    table, signature = demetr.chrf_reference(items)
    chrf = CHRF()
    expected = [
        chrf.sentence_score(i.perturbed, [i.reference]).score < chrf.sentence_score(i.mt, [i.reference]).score
        for i in items
    ]
    assert table == demetr.accuracy_table(items, expected)
    assert table["perturbations"]["base_id35_reference"]["accuracy"] == 0.0  # the reference itself wins
    assert signature.startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:")


def test_demetr_bad_line_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "dev.jsonl").write_text('{"id": 1, "mt_sent": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="dev.jsonl:1: not a DEMETR item"):
        demetr.load(tmp_path, "dev")


def test_demetr_odd_lines_are_skipped_and_logged(tmp_path: Path) -> None:
    good = (DATA / "demetr" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    odd_lines = ['{"id": 1, "mt_sent": "x"', '["a list"]', good[0].replace('"mt_sent": "', '"mt_sent": 3, "x": "')]
    (tmp_path / "dev.jsonl").write_text("\n".join(odd_lines + good) + "\n", encoding="utf-8")
    odd = OddRows()
    assert demetr.load(tmp_path, "dev", odd_rows=odd) == demetr.load(DATA / "demetr", "dev")
    assert [(r.line, r.skipped) for r in odd.rows] == [(1, True), (2, True), (3, True)]
    assert "a JSON list, not an object" in odd.rows[1].problem
    assert "mt_sent not a string" in odd.rows[2].problem


# --- MQM -----------------------------------------------------------------------------------

MQM_SYSTEM = {
    "The cat sat on the mat.": Prediction(spans=[(4, 11)], score=5.0),  # "cat sat"
    "A dog sat on a mat.": Prediction(spans=[(0, 1)], score=1.0),  # "A"
    "Cats sitting mat.": Prediction(spans=[(5, 16)], score=2.0),  # "sitting mat"
}


def test_strip_marks() -> None:
    marked = "The <v>cat</v> sat on <v>the</v> mat."
    assert mqm.strip_marks(marked) == mqm.Marked("The cat sat on the mat.", [(4, 7), (15, 18)], unclosed=False)
    assert mqm.strip_marks("Cats<v></v>.") == mqm.Marked("Cats.", [(4, 4)], unclosed=False)
    # a <v> that never closes runs to the end of the text
    assert mqm.strip_marks("The <v>cat</v> sat <v>on it.") == mqm.Marked("The cat sat on it.", [(4, 7), (12, 18)], True)
    for broken, problem in (("a</v>", "</v> without <v>"), ("<v><v>a</v></v>", "nested <v>")):
        with pytest.raises(mqm.MarkError, match=problem):
            mqm.strip_marks(broken)


def test_mqm_loader_groups_rows_into_segments() -> None:
    segments = mqm.load(DATA / "mqm", "dev")
    by_system = {s.key[1]: s for s in segments}
    assert list(by_system) == ["sysA", "sysB", "sysC", "sysD"]
    a = by_system["sysA"]
    assert a.text == "The cat sat on the mat." and a.source == "猫坐在垫子上。"
    assert a.langs == ("zh", "en")
    assert a.spans == {"rater1": [(4, 7), (15, 18)]}  # the omission has no target span
    assert a.penalties == {"rater1": 6.0} and a.penalty == 6.0
    assert by_system["sysB"].spans == {"rater2": []} and by_system["sysB"].penalty == 0.0
    c = by_system["sysC"]
    assert c.spans == {"rater1": [(13, 16)], "rater2": [(5, 12)]}
    assert c.penalty == 3.0  # (minor 1 + major 5) / 2 raters
    assert by_system["sysD"].penalty == 0.0  # a source error is not the translation's fault
    assert mqm.load(DATA / "mqm", "dev", limit=2) == segments[:2]


def test_mqm_figures_by_hand() -> None:
    segments = mqm.load(DATA / "mqm", "dev")
    system = FixedSystem(MQM_SYSTEM)
    results = mqm.evaluate(segments, system)
    assert [(c[1], c[3]) for c in system.calls] == [("en", "zh")]
    # non-space characters: overlap 3+0+3+7 = 13, predicted 6+1+10+10 = 27, gold 6+0+3+7 = 16
    assert results["n_segments"] == 4
    assert results["span"]["precision"] == pytest.approx(13 / 27)
    assert results["span"]["recall"] == pytest.approx(13 / 16)
    assert results["span"]["f1"] == pytest.approx(26 / 43)
    # scores (5, 1, 2, 0) against penalties (6, 0, 3, 0)
    assert results["kendall_tau"] == pytest.approx(5 / 30**0.5)


def test_mqm_reference_rows() -> None:
    segments = mqm.load(DATA / "mqm", "dev")
    nothing = mqm.evaluate(segments, ConstantSystem(flag=False))
    assert nothing["span"] == {"precision": None, "recall": 0.0, "f1": 0.0}
    assert nothing["kendall_tau"] is None
    everything = mqm.evaluate(segments, ConstantSystem(flag=True))
    # every non-space character is flagged once per rater comparison: 18 + 14 + 2*15 + 14
    assert everything["span"]["precision"] == pytest.approx(16 / 76)
    assert everything["span"]["recall"] == 1.0


def test_mqm_languages_from_the_file_name() -> None:
    assert mqm.languages(Path("ted_zhen.dev.tsv"), "dev") == ("zh", "en")
    assert mqm.languages(Path("news_ende.test.tsv"), "test") == ("en", "de")
    assert mqm.languages(Path("talks.dev.tsv"), "dev") == (None, "en")


def test_mqm_unknown_severity(tmp_path: Path) -> None:
    lines = (DATA / "mqm" / "talks_zhen.dev.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "x.dev.tsv").write_text(lines[0] + "\n" + lines[1].replace("Major", "Huge") + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="x.dev.tsv:2: unknown severity 'Huge'"):
        mqm.load(tmp_path, "dev")
    with pytest.raises(InputError, match=r"no \*\.test\.tsv file"):
        mqm.load(tmp_path, "test")


def test_mlqe_misaligned_da_rows_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "xx-en"
    folder.mkdir()
    for suffix in ("mt", "tags", "hter"):
        (folder / f"dev.{suffix}").write_bytes((DATA / "mlqe" / "xx-en" / f"dev.{suffix}").read_bytes())
    header, *rows = (DATA / "mlqe" / "xx-en" / "dev.da.tsv").read_text(encoding="utf-8").splitlines()
    (folder / "dev.da.tsv").write_text("\n".join([header, *rows[1:], rows[0]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"do not match the .mt lines \(only 0 of 3\)"):
        mlqe.load(tmp_path, "dev", None, None)


# --- MQM as the public files have it ---------------------------------------------------------

def test_mqm_reads_both_layouts_and_logs_odd_rows() -> None:
    odd = OddRows()
    segments = mqm.load(DATA / "mqm-quirks", "dev", odd_rows=odd)
    by_key = {s.key[1:]: s for s in segments}
    # WMT 2023+: docSegId and globalSegId name the segment; a metadata field may be missing
    new = by_key["sysA", "news.3", "1", "7"]
    assert new.text == "The cat sits on the mat." and new.langs == ("zh", "en")
    # the unclosed <v> runs to the end; the HOTW-test row (another target) is no annotation
    assert new.spans == {"rater1": [(20, 23), (13, 24)]} and new.penalty == 6.0
    assert by_key["sysA", "news.3", "2", "8"].spans == {"rater1": [(6, 11)]}
    # WMT 2020-22: seg_id
    old = by_key["sysA", "talk.1", "1"]
    assert old.text == "The cat sat on the mat."
    assert old.spans == {"rater1": [(15, 23)], "rater2": [(4, 7)]}  # rater2's broken row is not read
    assert old.penalties == {"rater1": 1.0, "rater2": 5.0}
    assert by_key["sysB", "talk.1", "1"].spans == {"rater1": []}
    assert list(by_key) == [("sysA", "news.3", "1", "7"), ("sysA", "news.3", "2", "8"),
                            ("sysA", "talk.1", "1"), ("sysB", "talk.1", "1")]
    log = [(r.path.name, r.line, r.skipped, r.problem) for r in odd.rows]
    assert log == [
        ("general2023_zhen.dev.tsv", 3, False, "<v> without </v> in the target: read as running to its end"),
        ("talks_zhen.dev.tsv", 2, False, "<v> without </v> in the target: read as running to its end"),
        ("talks_zhen.dev.tsv", 4, True, "7 fields, the header has 9"),
        ("talks_zhen.dev.tsv", 5, True, "3 fields, the header has 9"),
        ("talks_zhen.dev.tsv", 6, True, "</v> without <v> in the target"),
        ("talks_zhen.dev.tsv", 8, True, "the target differs from line 7 of the same segment"),
        ("talks_zhen.dev.tsv", 9, True, "unknown severity 'Severe'"),
    ]
    assert odd.to_dict()["skipped"] == 5 and odd.to_dict()["repaired"] == 2
    assert odd.summary() == [
        f"skipped rows: 5 (first: {DATA / 'mqm-quirks' / 'talks_zhen.dev.tsv'}:4: 7 fields, the header has 9)",
        f"repaired rows: 2 (first: {DATA / 'mqm-quirks' / 'general2023_zhen.dev.tsv'}:3: "
        "<v> without </v> in the target: read as running to its end)",
    ]


def test_mqm_strict_load_stops_at_the_first_skipped_row() -> None:
    with pytest.raises(InputError, match=r"talks_zhen.dev.tsv:4: 7 fields, the header has 9"):
        mqm.load(DATA / "mqm-quirks", "dev")


def test_mqm_header_without_a_segment_column(tmp_path: Path) -> None:
    (tmp_path / "x.dev.tsv").write_text("system\tdoc\trater\tsource\ttarget\tcategory\tseverity\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"x.dev.tsv: missing column\(s\) seg_id \(or docSegId and globalSegId\)"):
        mqm.load(tmp_path, "dev")
