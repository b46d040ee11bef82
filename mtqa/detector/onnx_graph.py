"""The encoder networks as ONNX graphs, written from their weights (no torch, no export step).

The shipped artefact stays ``model.safetensors``; this module turns the weights that
``runtime.prepare_weights`` prepares (float32, ``(in, out)`` matrices, fused query/key/value)
into the graph of the numpy forward pass, op for op, with any number of layers: the detector's
(``DETECTOR``: ``runtime.NumpyDetector``) or the QE cross-encoder's (``QE``:
``mtqa.qe.runtime.NumpyQE``). A ``Heads`` says what differs: token types, which word
positions are gathered and which linear heads read them. Weights without a word-embedding
matrix (QE's 250k rows, which stay fp16 in numpy) give a graph whose first input is the
looked-up rows (``word_vectors``) instead of ``ids``. Importing ``onnx`` costs about a second,
so this runs only when the built graph is not in mtqa's cache yet (``onnx_runtime``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17  # the first with LayerNormalization
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
TOKEN_TYPES = "bert.embeddings.token_type_embeddings.weight"


@dataclass(frozen=True)
class WordHead:
    """A linear head over the hidden states at the word positions of ``index`` (an input)."""

    index: str
    head: str
    output: str
    squeeze: bool  # one logit per word: (batch, words) instead of (batch, words, 1)


@dataclass(frozen=True)
class Heads:
    name: str
    token_types: bool  # a ``types`` input; else every token is type 0
    words: tuple[WordHead, ...]
    outputs: tuple[str, ...]  # in the numpy forward pass's order; "sentence" is the sentence head's

    @property
    def linear_heads(self) -> tuple[str, ...]:
        """The heads' MatMul node names (int8 leaves them float32)."""
        return (*(w.head for w in self.words), "sentence_head.0", "sentence_head.2")


DETECTOR = Heads("mtqa-detector", False, (WordHead("first", "word_head", "word_logits", True),
                                          WordHead("first", "pattern_head", "pattern_logits", False)),
                 ("word_logits", "sentence", "pattern_logits"))
QE = Heads("mtqa-qe", True, (WordHead("tgt_first", "target_head", "target_logits", True),
                             WordHead("src_first", "source_head", "source_logits", True)),
           ("target_logits", "source_logits", "sentence"))


class _Graph:
    """Nodes and initialisers, added in order; every tensor gets a unique name."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def constant(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, kind: str, *inputs: str, name: str | None = None, **attributes: Any) -> str:
        self._count += 1
        output = f"{kind.lower()}_{self._count}"
        self.nodes.append(helper.make_node(kind, list(inputs), [output], name=name or output, **attributes))
        return output

    def ops(self, kind: str, inputs: list[str], outputs: int, **attributes: Any) -> list[str]:
        self._count += 1
        names = [f"{kind.lower()}_{self._count}_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(kind, inputs, names, name=f"{kind.lower()}_{self._count}", **attributes))
        return names


def build(weights: dict[str, np.ndarray], encoder: dict[str, Any], heads: Heads = DETECTOR) -> onnx.ModelProto:
    """The network of the numpy forward pass over ``weights`` with ``heads``, as a checked ONNX model."""
    g = _Graph()
    w = {name: g.constant(name, value) for name, value in weights.items()
         if name != TOKEN_TYPES or heads.token_types}  # without types only row 0 is used
    attention_heads = int(encoder["num_attention_heads"])
    layers = int(encoder["num_hidden_layers"])
    eps = float(encoder.get("layer_norm_eps", 1e-12))
    hidden = weights["bert.embeddings.position_embeddings.weight"].shape[1]
    one, zero, minus = (g.constant(n, np.array(v, np.float32)) for n, v in (("one", 1), ("zero", 0), ("minus", -1e9)))
    axis1 = g.constant("axis1", np.array([1], np.int64))
    axis2 = g.constant("axis2", np.array([2], np.int64))
    last = g.constant("last", np.array([-1], np.int64))
    inputs: list[onnx.ValueInfoProto] = []

    def linear(x: str, name: str) -> str:
        return g.op("Add", g.op("MatMul", x, w[f"{name}.weight"], name=name), w[f"{name}.bias"])

    def norm(x: str, name: str) -> str:
        return g.op("LayerNormalization", x, w[f"{name}.weight"], w[f"{name}.bias"], axis=-1, epsilon=eps)

    def heads_first(x: str, perm: list[int]) -> str:
        shape = g.constant(f"split_heads_{len(g.nodes)}", np.array([0, 0, attention_heads, hidden // attention_heads], np.int64))
        return g.op("Transpose", g.op("Reshape", x, shape), perm=perm)

    def given(name: str, kind: int, shape: list[Any]) -> str:
        inputs.append(helper.make_tensor_value_info(name, kind, shape))
        return name

    if WORD_EMBEDDINGS in weights:
        ids = given("ids", TensorProto.INT64, ["batch", "tokens"])
        x, length = g.op("Gather", w[WORD_EMBEDDINGS], ids), g.op("Shape", ids, start=1, end=2)
    else:
        x = given("word_vectors", TensorProto.FLOAT, ["batch", "tokens", hidden])
        length = g.op("Shape", x, start=1, end=2)
    mask = given("mask", TensorProto.BOOL, ["batch", "tokens"])
    positions = g.op("Slice", w["bert.embeddings.position_embeddings.weight"], g.constant("start0", np.array([0], np.int64)),
                     length, g.constant("axis0", np.array([0], np.int64)))
    x = g.op("Add", x, positions)
    if heads.token_types:
        x = g.op("Add", x, g.op("Gather", w[TOKEN_TYPES], given("types", TensorProto.INT64, ["batch", "tokens"])))
    else:
        x = g.op("Add", x, g.constant("token_type0", weights[TOKEN_TYPES][0]))
    x = norm(x, "bert.embeddings.LayerNorm")
    bias = g.op("Unsqueeze", g.op("Where", mask, zero, minus), g.constant("axes12", np.array([1, 2], np.int64)))
    scale = g.constant("scale", np.array(1 / np.sqrt(hidden // attention_heads), np.float32))
    merged = g.constant("merge_heads", np.array([0, 0, hidden], np.int64))
    for i in range(layers):
        name = f"bert.encoder.layer.{i}"
        q, k, v = g.ops("Split", [linear(x, f"{name}.attention.self.qkv")], 3, axis=-1)
        scores = g.op("MatMul", g.op("Mul", heads_first(q, [0, 2, 1, 3]), scale), heads_first(k, [0, 2, 3, 1]))
        probs = g.op("Softmax", g.op("Add", scores, bias), axis=-1)
        attended = g.op("MatMul", probs, heads_first(v, [0, 2, 1, 3]))
        attended = g.op("Reshape", g.op("Transpose", attended, perm=[0, 2, 1, 3]), merged)
        x = norm(g.op("Add", linear(attended, f"{name}.attention.output.dense"), x), f"{name}.attention.output.LayerNorm")
        inner = linear(x, f"{name}.intermediate.dense")
        gelu = g.op("Mul", g.op("Mul", inner, g.constant(f"half_{i}", np.array(0.5, np.float32))),
                    g.op("Add", one, g.op("Erf", g.op("Div", inner, g.constant(f"sqrt2_{i}", np.array(np.sqrt(2), np.float32))))))
        x = norm(g.op("Add", linear(gelu, f"{name}.output.dense"), x), f"{name}.output.LayerNorm")
    produced: dict[str, str] = {}
    gathered: dict[str, str] = {}
    for word in heads.words:
        if word.index not in gathered:
            index = given(word.index, TensorProto.INT64, ["batch", word.index])
            gathered[word.index] = g.op("GatherND", x, g.op("Unsqueeze", index, axis2), batch_dims=1)
        logits = linear(gathered[word.index], word.head)
        produced[word.output] = g.op("Squeeze", logits, last) if word.squeeze else logits
    counted = g.op("Unsqueeze", g.op("Cast", mask, to=TensorProto.FLOAT), axis2)
    total = g.op("ReduceSum", g.op("Mul", x, counted), axis1, keepdims=0)
    pooled = g.op("Div", total, g.op("Max", g.op("ReduceSum", counted, axis1, keepdims=0), one))
    produced["sentence"] = linear(g.op("Tanh", linear(pooled, "sentence_head.0")), "sentence_head.2")
    shapes = {h.output: ["batch", h.index] if h.squeeze else ["batch", h.index, weights[f"{h.head}.weight"].shape[1]]
              for h in heads.words} | {"sentence": ["batch", 2]}
    for wanted in heads.outputs:
        g.nodes.append(helper.make_node("Identity", [produced[wanted]], [wanted], name=wanted))
    graph = helper.make_graph(
        g.nodes, heads.name, inputs,
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, shapes[name]) for name in heads.outputs], g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="mtqa")
    onnx.checker.check_model(model)
    return model
