"""The detector's network as an ONNX graph, written from its weights (no torch, no export step).

The shipped artefact stays ``model.safetensors``; this module turns the weights that
``runtime.load_weights`` prepares (float32, ``(in, out)`` matrices, fused query/key/value)
into the graph of ``runtime.NumpyDetector``, op for op, with any number of layers. Inputs are a
``Batch``'s ``ids``, ``mask`` and ``first``; outputs are word BAD logits, sentence outputs and
pattern logits. Importing ``onnx`` costs about a second, so this runs only when the built graph
is not in mtqa's cache yet (``mtqa.detector.onnx_runtime``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17  # the first with LayerNormalization
INPUTS = ("ids", "mask", "first")
OUTPUTS = ("word_logits", "sentence", "pattern_logits")
HEADS = ("word_head", "pattern_head", "sentence_head.0", "sentence_head.2")  # MatMul nodes named after them


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


def build(weights: dict[str, np.ndarray], encoder: dict[str, Any]) -> onnx.ModelProto:
    """The network of ``NumpyDetector(weights, encoder)`` as a checked ONNX model."""
    g = _Graph()
    unused = "bert.embeddings.token_type_embeddings.weight"  # only row 0 is used (one segment)
    w = {name: g.constant(name, value) for name, value in weights.items() if name != unused}
    heads = int(encoder["num_attention_heads"])
    layers = int(encoder["num_hidden_layers"])
    eps = float(encoder.get("layer_norm_eps", 1e-12))
    hidden = weights["bert.embeddings.word_embeddings.weight"].shape[1]
    one, zero, minus = (g.constant(n, np.array(v, np.float32)) for n, v in (("one", 1), ("zero", 0), ("minus", -1e9)))
    axis1 = g.constant("axis1", np.array([1], np.int64))

    def linear(x: str, name: str) -> str:
        return g.op("Add", g.op("MatMul", x, w[f"{name}.weight"], name=name), w[f"{name}.bias"])

    def norm(x: str, name: str) -> str:
        return g.op("LayerNormalization", x, w[f"{name}.weight"], w[f"{name}.bias"], axis=-1, epsilon=eps)

    def heads_first(x: str, perm: list[int]) -> str:
        shape = g.constant(f"split_heads_{len(g.nodes)}", np.array([0, 0, heads, hidden // heads], np.int64))
        return g.op("Transpose", g.op("Reshape", x, shape), perm=perm)

    ids, mask, first = INPUTS
    length = g.op("Shape", ids, start=1, end=2)
    positions = g.op("Slice", w["bert.embeddings.position_embeddings.weight"], g.constant("start0", np.array([0], np.int64)),
                     length, g.constant("axis0", np.array([0], np.int64)))
    x = g.op("Add", g.op("Gather", w["bert.embeddings.word_embeddings.weight"], ids), positions)
    x = g.op("Add", x, g.constant("token_type0", weights[unused][0]))
    x = norm(x, "bert.embeddings.LayerNorm")
    bias = g.op("Unsqueeze", g.op("Where", mask, zero, minus), g.constant("axes12", np.array([1, 2], np.int64)))
    scale = g.constant("scale", np.array(1 / np.sqrt(hidden // heads), np.float32))
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
    words = g.op("GatherND", x, g.op("Unsqueeze", first, g.constant("axis2", np.array([2], np.int64))), batch_dims=1)
    word_logits = g.op("Squeeze", linear(words, "word_head"), g.constant("last", np.array([-1], np.int64)))
    counted = g.op("Unsqueeze", g.op("Cast", mask, to=TensorProto.FLOAT), g.constant("axis2f", np.array([2], np.int64)))
    total = g.op("ReduceSum", g.op("Mul", x, counted), axis1, keepdims=0)
    pooled = g.op("Div", total, g.op("Max", g.op("ReduceSum", counted, axis1, keepdims=0), one))
    sentence = linear(g.op("Tanh", linear(pooled, "sentence_head.0")), "sentence_head.2")
    patterns = linear(words, "pattern_head")
    for produced, wanted in zip((word_logits, sentence, patterns), OUTPUTS, strict=True):
        g.nodes.append(helper.make_node("Identity", [produced], [wanted], name=wanted))
    graph = helper.make_graph(
        g.nodes, "mtqa-detector",
        [helper.make_tensor_value_info(ids, TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info(mask, TensorProto.BOOL, ["batch", "tokens"]),
         helper.make_tensor_value_info(first, TensorProto.INT64, ["batch", "words"])],
        [helper.make_tensor_value_info(OUTPUTS[0], TensorProto.FLOAT, ["batch", "words"]),
         helper.make_tensor_value_info(OUTPUTS[1], TensorProto.FLOAT, ["batch", 2]),
         helper.make_tensor_value_info(OUTPUTS[2], TensorProto.FLOAT, ["batch", "words", "patterns"])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="mtqa")
    onnx.checker.check_model(model)
    return model
