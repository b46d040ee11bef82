"""The detector on onnxruntime: the graph built from safetensors gives the numpy outputs,
is cached by weights and setting, and a missing onnxruntime falls back to numpy.

The tiny detectors here are random weights written as a shipped folder would be (no torch):
``test_detector_training`` holds the numpy runtime to the torch model, this file holds the
ONNX graph to the numpy runtime.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from mtqa.detector.infer import LoadedDetector
from mtqa.detector.runtime import NumpyDetector
from mtqa.detector.tokens import encode, load_tokenizer
from mtqa.errors import ConfigError
from tests.model_fixtures import save_wordpiece

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

SENTENCES = [
    "The government appoints a prefect in every county .",
    "It is unclear whether Moscow can order an invasion of Ukraine .",
    "The house was built in 1990 by a local family .",
    "She also visited the old hospital in Berlin .",
]
PATTERNS = ["wrong_article", "verb_final", "adjacent_swap"]


def write_detector(directory: Path, layers: int = 2, seed: int = 0) -> Path:
    """A shipped-style folder: WordPiece tokenizer, fp16 safetensors of random weights, config.json."""
    from safetensors.numpy import save_file

    directory.mkdir(parents=True)
    size = save_wordpiece(directory, {w.lower() for s in SENTENCES for w in s.split()})
    h, inner = 32, 64
    encoder = {"vocab_size": size, "hidden_size": h, "num_hidden_layers": layers, "num_attention_heads": 4,
               "intermediate_size": inner, "max_position_embeddings": 64, "type_vocab_size": 2, "layer_norm_eps": 1e-12}
    rng = np.random.default_rng(seed)
    shapes = {"bert.embeddings.word_embeddings.weight": (size, h), "bert.embeddings.position_embeddings.weight": (64, h),
              "bert.embeddings.token_type_embeddings.weight": (2, h), "word_head": (1, h),
              "pattern_head": (1 + len(PATTERNS), h), "sentence_head.0": (h, h), "sentence_head.2": (2, h)}
    for i in range(layers):
        name = f"bert.encoder.layer.{i}"
        shapes |= {f"{name}.attention.self.{p}": (h, h) for p in ("query", "key", "value")}
        shapes |= {f"{name}.attention.output.dense": (h, h), f"{name}.intermediate.dense": (inner, h),
                   f"{name}.output.dense": (h, inner)}
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes |= {f"{name}.{norm}.weight": (h,), f"{name}.{norm}.bias": (h,)}
    shapes |= {"bert.embeddings.LayerNorm.weight": (h,), "bert.embeddings.LayerNorm.bias": (h,)}
    weights = {}
    for name, shape in shapes.items():
        if name.endswith(("LayerNorm.weight", "LayerNorm.bias")) or name.startswith("bert.embeddings."):
            weights[name] = rng.normal(1.0 if name.endswith("LayerNorm.weight") else 0.0, 0.3, shape)
        else:  # a linear layer: weight (out, in) and bias
            weights[f"{name}.weight"] = rng.normal(0, 1 / np.sqrt(shape[1]), shape)
            weights[f"{name}.bias"] = rng.normal(0, 0.1, shape[0])
    save_file({k: v.astype(np.float16) for k, v in weights.items()}, str(directory / "model.safetensors"))
    config = {"architecture": "mtqa-detector", "encoder": encoder, "patterns": PATTERNS,
              "thresholds": {"minor": 0.5, "major": 0.9, "pattern_minor": 0.6, "pattern_major": 0.9},
              "score": {"name": "detector-penalty-v1", "hter_mean": 0.3, "hter_std": 0.2, "da_mean": 0.0, "da_std": 1.0,
                        "hter_weight": 0.25}}
    (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return directory


WORDS = [SENTENCES[0].split(), SENTENCES[1].split()[:3], ["house"], SENTENCES[3].split()]  # of different lengths


def batch_of(directory: Path):  # noqa: ANN201 - a tokens.Batch
    return encode(load_tokenizer(directory), WORDS, 32)


def onnx_detector(directory: Path, int8: bool = False):  # noqa: ANN201
    from mtqa.detector.onnx_runtime import OnnxDetector

    return OnnxDetector.load(directory, LoadedDetector(directory).weights_sha256, int8=int8)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("layers", [1, 3])
def test_onnx_graph_gives_the_numpy_outputs(tmp_path: Path, layers: int) -> None:
    directory = write_detector(tmp_path / "m", layers=layers)
    batch = batch_of(directory)
    expected = NumpyDetector.load(directory)[0](batch)
    got = onnx_detector(directory)(batch)
    assert [a.shape for a in got] == [e.shape for e in expected] == [(4, 9), (4, 2), (4, 9, 4)]
    words, sentence, patterns = got
    assert np.allclose(words[batch.word_mask], expected[0][batch.word_mask], atol=1e-4)
    assert np.allclose(sentence, expected[1], atol=1e-4)
    assert np.allclose(patterns[batch.word_mask], expected[2][batch.word_mask], atol=1e-4)


def test_int8_is_quantised_and_close_to_fp32(tmp_path: Path) -> None:
    import onnx

    directory = write_detector(tmp_path / "m")
    batch = batch_of(directory)
    fp32, int8 = onnx_detector(directory), onnx_detector(directory, int8=True)
    kinds = {node.op_type for node in onnx.load(str(int8.path)).graph.node}
    assert "MatMulInteger" in kinds and "MatMulInteger" not in {n.op_type for n in onnx.load(str(fp32.path)).graph.node}
    exact, quantised = fp32(batch), int8(batch)
    mask = batch.word_mask
    assert not np.array_equal(exact[0][mask], quantised[0][mask])
    assert np.abs(sigmoid(exact[0]) - sigmoid(quantised[0]))[mask].max() < 0.05
    assert np.abs(exact[1] - quantised[1]).max() < 0.1


def test_the_built_graph_is_cached_by_weights_and_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mtqa.detector import onnx_runtime

    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path / "cache"))
    directory = write_detector(tmp_path / "m")
    first = onnx_detector(directory)
    assert first.path.parent == tmp_path / "cache" / "detector-onnx" and first.path.is_file()

    def no_build(*args: object) -> None:
        raise AssertionError("the cached graph was built again")

    monkeypatch.setattr(onnx_runtime, "build_graph", no_build)
    again = onnx_detector(directory)
    assert again.path == first.path
    batch = batch_of(directory)
    assert np.array_equal(again(batch)[1], first(batch)[1])
    monkeypatch.undo()
    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path / "cache"))
    other = onnx_detector(write_detector(tmp_path / "other", seed=1))
    quantised = onnx_detector(directory, int8=True)
    assert len({first.path, other.path, quantised.path}) == 3
    assert sorted(p.name for p in (tmp_path / "cache" / "detector-onnx").iterdir()) == sorted(
        p.name for p in (first.path, other.path, quantised.path))  # no staging files left


def test_without_the_cache_the_graph_goes_to_the_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setenv("MTQA_CACHE_DIR", "off")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    assert onnx_detector(write_detector(tmp_path / "m")).path.parent == tmp_path / "tmp" / "mtqa" / "detector-onnx"


def test_the_check_scores_alike_on_every_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through ``LoadedDetector.score`` (two threads sharing one session) as through numpy."""
    directory = write_detector(tmp_path / "m")
    sentences = [s.split() for s in SENTENCES] * 40  # more than two batches of 64
    results = {}
    for runtime in ("numpy", "onnx"):
        monkeypatch.setenv("MTQA_DETECTOR_RUNTIME", runtime)
        detector = LoadedDetector(directory)
        assert detector.runtime == runtime and detector.signature().as_dict()["backend"] == runtime
        results[runtime] = detector.score(sentences, workers=2)
    for a, b in zip(results["numpy"], results["onnx"], strict=True):
        assert np.allclose(a.bad, b.bad, atol=1e-5) and np.allclose(a.error, b.error, atol=1e-5)
        assert a.da == pytest.approx(b.da, abs=1e-4) and a.kind == b.kind


def test_runtime_comes_from_the_environment_then_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = write_detector(tmp_path / "m")
    config = json.loads((directory / "config.json").read_text())
    (directory / "config.json").write_text(json.dumps({**config, "runtime": "onnx-int8"}))
    monkeypatch.delenv("MTQA_DETECTOR_RUNTIME", raising=False)
    assert LoadedDetector(directory).runtime == "onnx-int8"
    monkeypatch.setenv("MTQA_DETECTOR_RUNTIME", "numpy")
    assert LoadedDetector(directory).runtime == "numpy"
    monkeypatch.setenv("MTQA_DETECTOR_RUNTIME", "tensorrt")
    with pytest.raises(ConfigError, match="MTQA_DETECTOR_RUNTIME = 'tensorrt' is not a detector runtime"):
        LoadedDetector(directory)
    monkeypatch.delenv("MTQA_DETECTOR_RUNTIME")
    (directory / "config.json").write_text(json.dumps({**config, "runtime": "gpu"}))
    with pytest.raises(ConfigError, match=r"config.json: runtime = 'gpu'"):
        LoadedDetector(directory)


@pytest.mark.parametrize("missing", ["onnxruntime", "onnx"])
def test_without_onnxruntime_the_check_runs_on_numpy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    directory = write_detector(tmp_path / "m")
    monkeypatch.setenv("MTQA_DETECTOR_RUNTIME", "onnx")
    monkeypatch.setitem(sys.modules, missing, None)  # None there blocks the import
    detector = LoadedDetector(directory)
    assert detector.runtime == "numpy"
    scored = detector.score(WORDS)
    batch = batch_of(directory)
    expected = sigmoid(NumpyDetector.load(directory)[0](batch)[0])
    got = [p for r in scored for p in r.bad]
    assert got == pytest.approx(expected[batch.word_mask].tolist(), abs=1e-6)
