"""The detector's training loop, export and check on a tiny random model (no download)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import torch

from mtqa.detector.model import Detector, EncoderConfig
from mtqa.detector.tokens import encode, load_tokenizer
from tests.model_fixtures import save_wordpiece

pytestmark = pytest.mark.slow  # trains and exports torch models

SENTENCES = [
    "The government appoints a prefect in every county .",
    "It is unclear whether Moscow can order an invasion of Ukraine .",
    "The house was built in 1990 by a local family .",
    "She also visited the old hospital in Berlin .",
    "Only 200 metres later , we arrive at the station .",
    "The blood vessels are wide and thick .",
    "He went to the police station with his brother .",
    "The war ended with the victory of the allied forces .",
]


def build_tokenizer(directory: Path) -> None:
    """A WordPiece tokenizer over the test sentences, saved as the base model's would be."""
    size = save_wordpiece(directory, {w.lower() for s in SENTENCES for w in s.split()} | {"a", "an", "was", "mocsow"})
    config = {"vocab_size": size, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
              "intermediate_size": 64, "max_position_embeddings": 128}
    (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")


def write_mlqe(root: Path, pairs: tuple[str, ...] = ("ro-en", "et-en")) -> None:
    rng = random.Random(0)
    for pair in pairs:
        folder = root / pair
        folder.mkdir(parents=True)
        for split in ("train", "dev"):
            mt, tags, hter, da = [], [], [], ["index\toriginal\ttranslation\tscores\tmean\tz_scores\tz_mean"]
            for i, sentence in enumerate(SENTENCES):
                words = sentence.split()
                bad = [rng.random() < 0.3 for _ in words]
                mt.append(sentence)
                tags.append(" ".join(["OK"] + [t for b in bad for t in ("BAD" if b else "OK", "OK")]))
                hter.append(f"{sum(bad) / len(words):.4f}")
                da.append(f"{i}\tx\t{sentence}\t[]\t50\t[]\t{-sum(bad) / len(words):.4f}")
            (folder / f"{split}.mt").write_text("\n".join(mt) + "\n", encoding="utf-8")
            (folder / f"{split}.pe").write_text("\n".join(mt) + "\n", encoding="utf-8")
            (folder / f"{split}.tags").write_text("\n".join(tags) + "\n", encoding="utf-8")
            (folder / f"{split}.hter").write_text("\n".join(hter) + "\n", encoding="utf-8")
            (folder / f"{split}.da.tsv").write_text("\n".join(da) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("detector")
    (root / "encoder").mkdir()
    build_tokenizer(root / "encoder")
    write_mlqe(root / "mlqe")
    return root


def tiny_model(encoder: Path) -> Detector:
    torch.manual_seed(0)
    return Detector(EncoderConfig.from_dict(json.loads((encoder / "config.json").read_text())))


def options(tiny: Path, out: Path, max_steps: int):  # noqa: ANN201
    from mtqa.detector.train import TrainOptions

    return TrainOptions(
        data=tiny / "mlqe", out=out, pairs=("ro-en", "et-en"), encoder=tiny / "encoder",
        dict_dir=Path(__file__).parent / "data" / "detector", epochs=2, batch_size=4, max_steps=max_steps,
        checkpoint_every=1, bf16=False, model=tiny_model(tiny / "encoder"),
    )


def test_encode_maps_words_to_first_sub_tokens(tiny: Path) -> None:
    tokenizer = load_tokenizer(tiny / "encoder")
    batch = encode(tokenizer, [["The", "house", "."], ["house"]], 16)
    assert batch.ids.shape == (2, 5)
    assert batch.first.tolist() == [[1, 2, 3], [1, 0, 0]]
    assert batch.word_mask.tolist() == [[True, True, True], [True, False, False]]
    cut = encode(tokenizer, [["the"] * 20], 8)
    assert cut.ids.shape == (1, 8) and cut.word_mask.sum() == 6 and cut.ids[0, -1] == 3


def test_training_steps_checkpoint_and_resume(tiny: Path, tmp_path: Path) -> None:
    from mtqa.detector.train import train

    out = tmp_path / "run"
    train(options(tiny, out, max_steps=2))
    saved = torch.load(out / "checkpoint.pt", weights_only=True)
    assert saved["state"]["global_step"] == 2
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert set(metrics[0]["dev"]) == {"ro-en", "et-en", "average"}
    assert -1 <= metrics[0]["dev"]["average"]["word_mcc"] <= 1

    train(options(tiny, out, max_steps=4))  # same folder: resumes at step 2
    assert torch.load(out / "checkpoint.pt", weights_only=True)["state"]["global_step"] == 4
    assert "resumed from" in (out / "train.log").read_text()


def test_training_is_deterministic(tiny: Path, tmp_path: Path) -> None:
    from mtqa.detector.train import train

    first = torch.load(train(options(tiny, tmp_path / "a", max_steps=3)), weights_only=True)
    second = torch.load(train(options(tiny, tmp_path / "b", max_steps=3)), weights_only=True)
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not torch.equal(first["word_head.weight"], tiny_model(tiny / "encoder").state_dict()["word_head.weight"])


def test_export_writes_fp16_and_the_check_uses_it(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from safetensors.torch import load_file

    from mtqa.checks.base import CheckContext
    from mtqa.checks.mt_error_detector import MTErrorDetector
    from mtqa.detector.export import export
    from mtqa.evaluation.system import sentences_document

    weights = tmp_path / "w.pt"
    torch.save(tiny_model(tiny / "encoder").state_dict(), weights)
    out = tmp_path / "shipped"
    settings = export(weights, tiny / "mlqe", out, ("ro-en",), tiny / "encoder")
    assert 0.05 <= settings["thresholds"]["minor"] <= settings["thresholds"]["major"] <= 0.99
    assert all(v.dtype == torch.float16 for v in load_file(str(out / "model.safetensors")).values())
    assert (out / "tokenizer.json").is_file()

    monkeypatch.setenv("MTQA_DETECTOR_DIR", str(out))
    check = MTErrorDetector()
    document = sentences_document(["The house was built in 1990 .", "She visited the station ."])
    ctx = CheckContext()
    findings = list(check.check_document(document, ctx))
    for finding in findings:
        assert finding.text == document.text[finding.start : finding.end] and finding.code == "MT401"
    scores = check.segment_scores(document, CheckContext())
    assert len(scores) == 2 and all(0 <= s <= 10 for s in scores)
    assert ctx.signatures["MT401"].startswith("model:mtqa-detector-en@")
    assert 0.5 <= settings["thresholds"]["pattern_minor"] <= settings["thresholds"]["pattern_major"] <= 0.999
    assert json.loads((out / "config.json").read_text())["patterns"][0] == "wrong_article"


def test_pattern_thresholds_hold_false_alarms_on_clean_text() -> None:
    from mtqa.detector.export import CLEAN_PATTERN_MINOR, calibrate
    from mtqa.detector.infer import Scored
    from mtqa.evaluation.mlqe import load_pair

    spread = [0.9 * ((i * 7919) % 10_000) / 10_000 for i in range(10_000)]  # 0 … 0.8999, shuffled
    clean = [Scored([0.1] * 10, 0.0, 0.0, spread[k : k + 10], [0] * 10) for k in range(0, 10_000, 10)]
    errors = [p for r in clean for p in r.error]
    dev = load_pair(Path(__file__).parent / "data" / "eval" / "mlqe", "xx-en", "dev")
    scored = [[Scored([0.5] * len(s.split()), 0.0, 0.0, [0.0] * len(s.split()), [0] * len(s.split()))
               for s in dev.sentences]]
    thresholds = calibrate([dev], scored, clean)["thresholds"]
    assert sum(p >= thresholds["pattern_minor"] for p in errors) <= CLEAN_PATTERN_MINOR * len(errors)
    assert sum(p >= thresholds["pattern_minor"] - 0.001 for p in errors) > CLEAN_PATTERN_MINOR * len(errors)
    assert thresholds["pattern_minor"] <= thresholds["pattern_major"]


def use_tiny_detector(tiny: Path, directory: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """Make the checks use a tiny detector whose pattern head calls every word ``kind``."""
    from mtqa.detector.corruptions import PATTERNS
    from mtqa.detector.model import save

    model = tiny_model(tiny / "encoder")
    with torch.no_grad():
        model.pattern_head.weight.zero_()
        model.pattern_head.bias.zero_()
        model.pattern_head.bias[1 + PATTERNS.index(kind)] = 12.0
    score = {"name": "test", "hter_mean": 0.0, "hter_std": 1.0, "da_mean": 0.0, "da_std": 1.0, "hter_weight": 0.5}
    thresholds = {"minor": 0.5, "major": 0.9, "pattern_minor": 0.5, "pattern_major": 0.99}
    save(model, directory, tiny / "encoder", {"thresholds": thresholds, "score": score})
    monkeypatch.setenv("MTQA_DETECTOR_DIR", str(directory))


def test_pattern_check_names_the_error_type(tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mtqa.checks.base import CheckContext
    from mtqa.checks.mt_error_pattern import MTErrorPattern
    from mtqa.evaluation.system import sentences_document
    from mtqa.findings import Severity

    use_tiny_detector(tiny, tmp_path / "m", monkeypatch, "verb_final")
    document = sentences_document(["Moscow an invasion can order.", "The house was built."])
    findings = list(MTErrorPattern().check_document(document, CheckContext()))
    assert [f.text for f in findings] == ["Moscow an invasion can order.", "The house was built."]  # one run each
    assert {(f.code, f.category, f.severity, f.details["error_type"]) for f in findings} == {
        ("MT402", "fluency/word-order", Severity.MAJOR, "verb_final")}
    assert "German-style word order" in findings[0].message


def test_rules_findings_win_over_the_detector_on_the_same_words(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word MT102 flags (with a fix) is not flagged again by MT402; other words still are."""
    from mtqa.checks.doubled_word import DoubledWord
    from mtqa.checks.mt_error_pattern import MTErrorPattern
    from mtqa.config import Config
    from mtqa.engine import check_document
    from mtqa.evaluation.system import sentences_document

    use_tiny_detector(tiny, tmp_path / "m", monkeypatch, "doubled_function_word")
    document = sentences_document(["It was the the end.", "It was the end."])
    findings, crashes = check_document(document, [DoubledWord(), MTErrorPattern()], Config())
    assert not crashes
    assert [(f.code, f.text) for f in findings] == [("MT102", "the the"), ("MT402", "It was the end.")]


def test_runs_group_equal_neighbours() -> None:
    from mtqa.checks._detector_outputs import runs

    assert list(runs(["a", "a", None, "b", "a", "a"])) == [(0, 1), (3, 3), (4, 5)]
    assert list(runs([None, None])) == []


def test_two_detector_checks_add_the_sentence_score_once(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtqa.checks.base import CheckContext
    from mtqa.checks.mt_error_detector import MTErrorDetector
    from mtqa.checks.mt_error_pattern import MTErrorPattern
    from mtqa.evaluation.system import sentences_document
    from mtqa.scoring import segment_penalties

    use_tiny_detector(tiny, tmp_path / "m", monkeypatch, "wrong_sense")
    document = sentences_document(["The house was built.", "She visited the station."])
    one = segment_penalties(document, [], [MTErrorDetector()], CheckContext())
    both = segment_penalties(document, [], [MTErrorDetector(), MTErrorPattern()], CheckContext())
    assert both == one and all(0 < x < 10 for x in one)


def test_missing_model_is_reported_not_crashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mtqa.checks.base import CheckContext
    from mtqa.checks.mt_error_detector import MTErrorDetector
    from mtqa.errors import ModelUnavailable
    from mtqa.evaluation.system import sentences_document

    monkeypatch.setenv("MTQA_DETECTOR_DIR", str(tmp_path / "nothing"))
    with pytest.raises(ModelUnavailable, match="MTQA_DETECTOR_DIR"):
        list(MTErrorDetector().check_document(sentences_document(["Fine ."]), CheckContext()))


def test_numpy_runtime_matches_the_torch_model(tiny: Path, tmp_path: Path) -> None:
    """The check's numpy forward pass gives the trained torch model's outputs."""
    import numpy as np

    from mtqa.detector.model import save, torch_forward
    from mtqa.detector.runtime import NumpyDetector

    model = tiny_model(tiny / "encoder")
    with torch.no_grad():  # non-zero biases and norms, so that every parameter counts
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.05)
    save(model, tmp_path / "m", tiny / "encoder", {})
    runtime, config = NumpyDetector.load(tmp_path / "m")
    assert config["encoder"]["num_hidden_layers"] == model.config.num_hidden_layers
    model.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})  # as saved (fp16)
    batch = encode(load_tokenizer(tiny / "encoder"), [SENTENCES[0].split(), SENTENCES[1].split()[:3], ["house"]], 32)
    expected_words, expected_sentence, expected_patterns = torch_forward(model, bf16=False)(batch)
    words, sentence, patterns = runtime(batch)
    assert words.shape == expected_words.shape and sentence.shape == (3, 2)
    assert patterns.shape == expected_patterns.shape == (*words.shape, 1 + len(config["patterns"]))
    assert np.allclose(words[batch.word_mask], expected_words[batch.word_mask], atol=1e-4)
    assert np.allclose(sentence, expected_sentence, atol=1e-4)
    assert np.allclose(patterns[batch.word_mask], expected_patterns[batch.word_mask], atol=1e-4)


def test_synthetic_recall_counts_flags_on_the_broken_words(tiny: Path, tmp_path: Path) -> None:
    from mtqa.detector.data import SyntheticConfig
    from mtqa.detector.infer import LoadedDetector
    from mtqa.detector.model import save
    from mtqa.detector.recall import synthetic_recall

    save(tiny_model(tiny / "encoder"), tmp_path / "m", tiny / "encoder",
         {"thresholds": {"minor": 0.5, "major": 0.9}, "score": {}})
    detector = LoadedDetector(tmp_path / "m")
    config = SyntheticConfig(weights={"doubled_function_word": 1.0, "adjacent_swap": 1.0, "wrong_sense": 1.0})
    sentences = [s.split() for s in SENTENCES]
    rows = synthetic_recall(detector, sentences, config, lexicon=None)
    assert [r.corruption for r in rows] == ["doubled_function_word", "adjacent_swap"]  # wrong_sense needs a lexicon
    assert all(r.sentences > 0 and 0 <= r.mean_bad <= 1 for r in rows)
    detector.minor = detector.pattern_minor = 0.0
    rows = synthetic_recall(detector, sentences, config, None)
    assert all(r.recall == 1.0 and r.pattern_recall == 1.0 and 0 <= r.right_type <= 1 for r in rows)
    detector.minor = detector.pattern_minor = 1.01
    assert all(r.recall == 0.0 == r.pattern_recall for r in synthetic_recall(detector, sentences, config, None))


def test_example_recall_counts_flags_on_the_marked_words(tiny: Path, tmp_path: Path) -> None:
    from mtqa.detector.corruptions import PATTERNS
    from mtqa.detector.data import Example
    from mtqa.detector.infer import LoadedDetector
    from mtqa.detector.model import save
    from mtqa.detector.recall import example_recall

    save(tiny_model(tiny / "encoder"), tmp_path / "m", tiny / "encoder",
         {"thresholds": {"minor": 0.5, "major": 0.9}, "score": {}})
    detector = LoadedDetector(tmp_path / "m")
    garbled = 1 + PATTERNS.index("garbled_phrase")
    words = SENTENCES[0].split()
    examples = [Example(words, [i == 2 for i in range(len(words))], hter=0.1, kinds=[garbled if i == 2 else 0 for i in range(len(words))]),
                Example(words, [False] * len(words), hter=0.0, kinds=[0] * len(words))]  # no error: not counted
    detector.minor = detector.pattern_minor = 0.0
    row = example_recall(detector, "round_trip:xx", examples)
    assert (row.corruption, row.sentences, row.recall, row.pattern_recall) == ("round_trip:xx", 1, 1.0, 1.0)
    assert 0 <= row.right_type <= 1
    detector.minor = detector.pattern_minor = 1.01
    row = example_recall(detector, "round_trip:xx", examples)
    assert row.recall == 0.0 == row.pattern_recall
    assert example_recall(detector, "none", examples[1:]).sentences == 0
