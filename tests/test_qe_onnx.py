"""The QE model on onnxruntime: the graph built from the shipped folder gives the numpy outputs
(token types, both word gathers, the QE heads), int8 stays close, MTQA_QE_RUNTIME selects it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mtqa.errors import ConfigError
from tests.model_fixtures import build_tiny_embed, build_tiny_qe

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
torch = pytest.importorskip("torch")

SOURCES = [["Die", "Katze", "sieht", "das", "rote", "Buch", "heute."], ["Der", "Hund"], ["Mein", "Freund", "malt", "qq"]]
TARGETS = [["The", "cat", "sees", "the", "red", "book", "today."], ["The", "dog", "reads", "a", "new", "letter", "zz"], ["My"]]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A shipped-style QE folder (untrained, on the 2-layer tiny encoder) and its encoder folder."""
    root = tmp_path_factory.mktemp("qe-onnx")
    embed = build_tiny_embed(root / "embed", {w for side in SOURCES + TARGETS for w in side})
    return build_tiny_qe(root / "mtqa-qe", embed, {"thresholds": {}, "score": {}}), embed


def _batch(encoder: Path):  # noqa: ANN202 - a PairBatch
    from mtqa.detector.tokens import load_tokenizer
    from mtqa.qe.tokens import encode_pairs

    return encode_pairs(load_tokenizer(encoder), SOURCES, TARGETS)


def _network(shipped: tuple[Path, Path], runtime: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # noqa: ANN202
    from mtqa.qe.runtime import load_network

    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MTQA_QE_RUNTIME", runtime)
    return load_network(*shipped)[0]


def test_onnx_fp32_gives_the_numpy_outputs(shipped: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from mtqa.qe.runtime import NumpyQE, OnnxQE

    batch = _batch(shipped[1])
    numpy_net = _network(shipped, "numpy", monkeypatch, tmp_path)
    onnx_net = _network(shipped, "onnx", monkeypatch, tmp_path)
    assert isinstance(numpy_net, NumpyQE) and isinstance(onnx_net, OnnxQE)
    assert onnx_net.graph.path.parent == tmp_path / "cache" / "qe-onnx"
    expected, got = numpy_net(batch), onnx_net(batch)
    assert [a.shape for a in got] == [e.shape for e in expected] == [(3, 7), (3, 7), (3, 2)]
    for present, a, b in ((batch.tgt_mask, got[0], expected[0]), (batch.src_mask, got[1], expected[1])):
        assert np.allclose(a[present], b[present], atol=1e-4)
    assert np.allclose(got[2], expected[2], atol=1e-4)
    swapped = _batch(shipped[1])
    swapped.types[:] = 0  # the graph reads the token types: all-source input changes its outputs
    assert not np.allclose(onnx_net(swapped)[2], got[2], atol=1e-3)
    assert np.allclose(onnx_net(swapped)[2], numpy_net(swapped)[2], atol=1e-4)


def test_onnx_int8_is_quantised_and_close(shipped: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import onnx

    batch = _batch(shipped[1])
    exact = _network(shipped, "onnx", monkeypatch, tmp_path)
    quantised = _network(shipped, "onnx-int8", monkeypatch, tmp_path)
    kinds = {node.op_type for node in onnx.load(str(quantised.graph.path)).graph.node}
    assert "MatMulInteger" in kinds and quantised.graph.path != exact.graph.path
    a, b = exact(batch), quantised(batch)
    assert not np.array_equal(a[0][batch.tgt_mask], b[0][batch.tgt_mask])
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert np.abs(sigmoid(a[0]) - sigmoid(b[0]))[batch.tgt_mask].max() < 0.05
    assert np.abs(a[2] - b[2]).max() < 0.1


def test_unknown_runtime_names_the_variable(shipped: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MTQA_QE_RUNTIME = 'tpu' is not a QE runtime"):
        _network(shipped, "tpu", monkeypatch, tmp_path)
