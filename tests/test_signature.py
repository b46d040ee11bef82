"""Signatures: one order for every builder, the mtqa version last, readable back as a dict."""

from __future__ import annotations

import pytest

from mtqa import __version__
from mtqa.signature import FIELDS, Signature


def test_fields_come_in_the_fixed_order_whatever_order_they_are_given() -> None:
    given = Signature.of(thr=0.45, metric="chrF2", pivot="de", model="Helsinki-NLP/opus-mt-en-de@abc", embed=None)
    assert str(given) == f"model:Helsinki-NLP/opus-mt-en-de@abc|pivot:de|metric:chrF2|thr:0.45|mtqa:{__version__}"
    assert str(given) == str(Signature.of(model="Helsinki-NLP/opus-mt-en-de@abc", pivot="de", metric="chrF2", thr=0.45))


def test_values_are_written_one_way() -> None:
    sig = Signature.of(checks="MT101,MT102", source=False, thr=(0.68, 0.85), skip=0.8000000001, context=128)
    assert str(sig) == f"checks:MT101,MT102|source:no|context:128|thr:0.68/0.85|skip:0.8|mtqa:{__version__}"


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown signature field.*threshold"):
        Signature.of(model="m@r", threshold=0.5)
    assert "mtqa" not in FIELDS  # the version is always added, never given


def test_a_signature_reads_back_as_a_dict() -> None:
    sig = Signature.of(model="org/m@sha256:0123456789ab", score="detector-penalty-v1", thr=(0.68, 0.85))
    assert Signature.parse(str(sig)) == sig
    assert sig.as_dict() == {
        "model": "org/m@sha256:0123456789ab", "score": "detector-penalty-v1", "thr": "0.68/0.85", "mtqa": __version__,
    }
    assert list(sig.as_dict()) == ["model", "score", "thr", "mtqa"]
    with pytest.raises(ValueError, match="not a signature field"):
        Signature.parse("model:x|nonsense")


def test_the_shipped_detector_signs_its_weights_and_thresholds() -> None:
    from mtqa.detector import shipped_dir
    from mtqa.detector.infer import load_detector

    detector = load_detector(shipped_dir())
    fields = detector.signature().as_dict()
    assert fields["model"] == f"mtqa-detector-en@sha256:{detector.weights_sha256[:12]}"
    assert fields["thr"] == f"{detector.minor:g}/{detector.major:g}"
    assert fields["patterns"] == f"{detector.pattern_minor:g}/{detector.pattern_major:g}"
    assert fields["backend"] == detector.runtime
    assert list(fields) == ["model", "score", "thr", "patterns", "backend", "mtqa"]
