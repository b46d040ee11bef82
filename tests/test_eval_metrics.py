"""The plain measures, against values worked out by hand."""

from __future__ import annotations

import pytest

from mtqa.evaluation.metrics import Confusion, Overlap, char_set, kendall_tau, mean, pearson, spearman


def test_confusion_counts_bad_as_positive() -> None:
    gold = [True, True, False, False, True]
    predicted = [True, False, True, False, True]
    assert Confusion.of(gold, predicted) == Confusion(tp=2, fp=1, fn=1, tn=1)


def test_mcc_and_f1_by_hand() -> None:
    c = Confusion(tp=2, fp=1, fn=1, tn=9)
    # (2*9 - 1*1) / sqrt(3 * 3 * 10 * 10) = 17 / 30
    assert c.mcc() == pytest.approx(17 / 30)
    assert c.f1() == pytest.approx(4 / 6)


def test_mcc_is_zero_for_a_constant_prediction() -> None:
    assert Confusion(tp=0, fp=0, fn=3, tn=7).mcc() == 0.0
    assert Confusion(tp=3, fp=7, fn=0, tn=0).mcc() == 0.0
    assert Confusion(tp=3, fp=7, fn=0, tn=0).f1() == pytest.approx(6 / 13)


def test_confusions_add_up() -> None:
    assert Confusion(1, 2, 3, 4) + Confusion(10, 20, 30, 40) == Confusion(11, 22, 33, 44)


def test_correlations_by_hand() -> None:
    x, y = [5.0, 1.0, 0.0], [0.6, 0.1, 0.3]
    # deviations (3, -1, -2) and (.2667, -.2333, -.0333): 1.1 / sqrt(14 * 0.12667)
    assert pearson(x, y) == pytest.approx(1.1 / (14 * 0.38 / 3) ** 0.5)
    assert spearman(x, y) == pytest.approx(0.5)


def test_correlation_with_a_constant_is_undefined() -> None:
    assert pearson([1.0, 1.0, 1.0], [0.1, 0.2, 0.3]) is None
    assert spearman([0.1, 0.2, 0.3], [2.0, 2.0, 2.0]) is None
    assert kendall_tau([1.0], [1.0]) is None


def test_kendall_tau_b_with_ties() -> None:
    # 5 concordant pairs, 0 discordant, one pair tied in y only: 5 / sqrt(6 * 5)
    assert kendall_tau([5, 1, 2, 0], [6, 0, 3, 0]) == pytest.approx(5 / 30**0.5)


def test_char_set_skips_spaces_and_clips() -> None:
    text = "ab cd"
    assert char_set(text, [(1, 4)]) == {1, 3}
    assert char_set(text, [(3, 99), (-2, 1)]) == {0, 3, 4}


def test_overlap_micro_average() -> None:
    total = Overlap.of("The cat sat", [(4, 7)], [(4, 11)]) + Overlap.of("Dogs", [], [(0, 4)])
    assert total == Overlap(overlap=3, predicted=10, gold=3)
    scores = total.scores()
    assert scores["precision"] == pytest.approx(0.3)
    assert scores["recall"] == pytest.approx(1.0)
    assert scores["f1"] == pytest.approx(2 * 0.3 / 1.3)


def test_overlap_with_nothing_flagged() -> None:
    assert Overlap(0, 0, 5).scores() == {"precision": None, "recall": 0.0, "f1": 0.0}
    assert Overlap(0, 0, 0).scores() == {"precision": None, "recall": None, "f1": None}


def test_mean_ignores_undefined_values() -> None:
    assert mean([1.0, None, 3.0]) == 2.0
    assert mean([None]) is None
