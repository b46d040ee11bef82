"""Tiny models built by the tests: Marian en↔de, GPT-2 and a BERT embedder, random weights.

They are saved with ``save_pretrained(safe_serialization=True)`` into a temporary directory
and registered in a registry file (``MTQA_REGISTRY``) by directory, so the tests load them
through exactly the code that loads hub models. Random weights give nonsense outputs: tests
assert mechanics (spans, signatures, cache, skips), never linguistic quality.

Import the fixtures into a test module: ``from tests.model_fixtures import tiny_models, models_env``.
"""

from __future__ import annotations

import io
import itertools
import json
import random
import warnings
from pathlib import Path

import pytest

_SUBJECTS_EN = ["The cat", "The dog", "My friend", "The teacher", "Our neighbour", "The child", "The doctor", "A farmer"]
_VERBS_EN = ["sees", "likes", "finds", "buys", "reads", "opens", "paints", "carries"]
_OBJECTS_EN = ["the red book", "a small house", "the old car", "a green apple", "the big window", "a new letter"]
_ENDINGS_EN = ["today.", "every morning.", "in the garden.", "after school.", "with great care."]

_SUBJECTS_DE = ["Die Katze", "Der Hund", "Mein Freund", "Der Lehrer", "Unser Nachbar", "Das Kind", "Der Arzt", "Ein Bauer"]
_VERBS_DE = ["sieht", "mag", "findet", "kauft", "liest", "öffnet", "malt", "trägt"]
_OBJECTS_DE = ["das rote Buch", "ein kleines Haus", "das alte Auto", "einen grünen Apfel", "das große Fenster", "einen neuen Brief"]
_ENDINGS_DE = ["heute.", "jeden Morgen.", "im Garten.", "nach der Schule.", "mit großer Sorgfalt."]


def sentences(lang: str, count: int = 300) -> list[str]:
    """Parallel toy sentences: the same index is the same sentence in en and de."""
    parts = (
        (_SUBJECTS_EN, _VERBS_EN, _OBJECTS_EN, _ENDINGS_EN)
        if lang == "en"
        else (_SUBJECTS_DE, _VERBS_DE, _OBJECTS_DE, _ENDINGS_DE)
    )
    combos = list(itertools.product(*parts))
    picked = random.Random(0).sample(range(len(combos)), count)  # same indices for every language
    return [" ".join(combos[i]) for i in picked]


def _spm(text_lines: list[str], vocab_size: int) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text_lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return model.getvalue()


TINY_MARIAN = {
    "d_model": 16,
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 32,
    "decoder_ffn_dim": 32,
    "max_position_embeddings": 256,
}


def build_marian(
    folder: Path,
    src: str,
    tgt: str,
    seed: int,
    dims: dict[str, object] = TINY_MARIAN,
    vocab_size: int = 0,
    generation: dict[str, object] | None = None,
) -> Path:
    """A Marian whose tokenizer covers the toy corpus; ``dims`` go to ``MarianConfig``.

    ``vocab_size`` pads the vocabulary with unused pieces (a real model's embedding size);
    ``generation`` overrides the generation config (default: greedy, at most 64 tokens).
    """
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    src_model, tgt_model = _spm(sentences(src), 120), _spm(sentences(tgt), 120)
    (folder / "source.spm").write_bytes(src_model)
    (folder / "target.spm").write_bytes(tgt_model)
    vocab = {"</s>": 0, "<unk>": 1}
    for blob in (src_model, tgt_model):
        processor = spm.SentencePieceProcessor(model_proto=blob)
        for i in range(processor.get_piece_size()):
            vocab.setdefault(processor.id_to_piece(i), len(vocab))
    while len(vocab) < vocab_size - 1:
        vocab[f"▁x{len(vocab)}"] = len(vocab)
    pad = vocab["<pad>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    with warnings.catch_warnings():  # "Recommended: pip install sacremoses"
        warnings.simplefilter("ignore")
        tokenizer = MarianTokenizer(
            source_spm=str(folder / "source.spm"),
            target_spm=str(folder / "target.spm"),
            vocab=str(folder / "vocab.json"),
            source_lang=src,
            target_lang=tgt,
        )
    tokenizer.save_pretrained(str(folder))
    config = MarianConfig(
        vocab_size=len(vocab), pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad, forced_eos_token_id=0,
        **dims,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    settings = {"max_length": 64, "num_beams": 1} if generation is None else generation
    for key, value in {**settings, "pad_token_id": pad, "eos_token_id": 0, "decoder_start_token_id": pad}.items():
        setattr(model.generation_config, key, value)
    model.save_pretrained(str(folder), safe_serialization=True)
    return folder


def build_gpt2(folder: Path, seed: int) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    folder.mkdir(parents=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=True)
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(sentences("en"), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<|endoftext|>", eos_token="<|endoftext|>", unk_token="<|endoftext|>"
    )
    tokenizer.save_pretrained(str(folder))
    config = GPT2Config(
        vocab_size=bpe.get_vocab_size(), n_positions=128, n_embd=16, n_layer=1, n_head=2,
        bos_token_id=0, eos_token_id=0,
    )
    torch.manual_seed(seed)
    GPT2LMHeadModel(config).save_pretrained(str(folder), safe_serialization=True)
    return folder


def build_bert(folder: Path, seed: int) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    folder.mkdir(parents=True)
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wordpiece.decoder = decoders.WordPiece()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    trainer = trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials)
    wordpiece.train_from_iterator(sentences("en") + sentences("de"), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=wordpiece, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]",
    )
    tokenizer.save_pretrained(str(folder))
    config = BertConfig(
        vocab_size=wordpiece.get_vocab_size(), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=128, pad_token_id=0,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(str(folder), safe_serialization=True)
    return folder


def write_registry(path: Path, roles: dict[str, str], **settings: object) -> Path:
    """A registry overlay (the MTQA_REGISTRY format) pointing roles at directories."""
    lines = ["[settings]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    for role, folder in roles.items():
        lines += ["", f'[roles."{role}"]', f"id = {json.dumps(str(folder))}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Role → directory of a freshly built tiny model (built once per test session)."""
    root = tmp_path_factory.mktemp("tiny-models")
    return {
        "translate:en-de": build_marian(root / "marian-en-de", "en", "de", seed=1),
        "translate:de-en": build_marian(root / "marian-de-en", "de", "en", seed=2),
        "lm:en": build_gpt2(root / "gpt2-en", seed=3),
        "embed": build_bert(root / "bert-embed", seed=4),
    }


@pytest.fixture
def models_env(tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A registry of the tiny models, a fresh output cache and an empty hub cache for one test."""
    registry = write_registry(
        tmp_path / "registry.toml", tiny_models, max_tokens=48, batch_size=8, threads=1, dtype="float32"
    )  # float32 everywhere: CPUs with native bf16 would otherwise change the numbers
    monkeypatch.setenv("MTQA_REGISTRY", str(registry))
    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return registry


def build_m2m100(folder: Path, seed: int) -> Path:
    """A tiny M2M100 (the multilingual fallback): one sentencepiece model for all languages."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    folder.mkdir(parents=True)
    blob = _spm(sentences("en") + sentences("de"), 150)
    (folder / "sentencepiece.bpe.model").write_bytes(blob)
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=blob)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for i in range(processor.get_piece_size()):
        vocab.setdefault(processor.id_to_piece(i), len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = M2M100Tokenizer(str(folder / "vocab.json"), str(folder / "sentencepiece.bpe.model"))
    tokenizer.save_pretrained(str(folder))
    config = M2M100Config(
        vocab_size=max(tokenizer.lang_code_to_id.values()) + 9, d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=128,
        pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
    )
    torch.manual_seed(seed)
    model = M2M100ForConditionalGeneration(config)
    model.generation_config.max_length = 32
    model.save_pretrained(str(folder), safe_serialization=True)
    return folder


def save_wordpiece(directory: Path, words: set[str]) -> int:
    """A lower-casing BERT WordPiece tokenizer over ``words`` saved as ``tokenizer.json`` in
    ``directory`` (the detector's tokenizer files); returns its vocabulary size."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(words)])}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer.save(str(directory / "tokenizer.json"))
    return len(vocab)


TINY_QE_ENCODER = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
                   "max_position_embeddings": 128, "type_vocab_size": 2}


def build_tiny_embed(folder: Path, words: set[str], seed: int = 0) -> Path:
    """A tiny stand-in for the converted multilingual-e5 (the ``embed`` role) as the QE model reads
    it: an XLM-R-style Unigram tokenizer (``<s>`` 0, ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3, then
    ``▁word`` pieces and single characters), config.json and a BERT checkpoint (safetensors)."""
    import torch
    from safetensors.torch import save_file
    from tokenizers import Tokenizer, models, pre_tokenizers

    from mtqa.detector.model import Encoder, EncoderConfig

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    pieces = sorted({f"▁{w}" for w in words} | {c for w in words for c in w} | {"▁"})
    vocab = [(p, 0.0) for p in specials] + [(p, -len(p) / 10) for p in pieces]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.add_special_tokens(specials)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {**TINY_QE_ENCODER, "model_type": "bert", "vocab_size": len(vocab), "pad_token_id": 1}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    torch.manual_seed(seed)
    encoder = Encoder(EncoderConfig.from_dict(config))
    save_file({k: v.detach().to(torch.float16).contiguous() for k, v in encoder.state_dict().items()},
              str(folder / "model.safetensors"), metadata={"format": "pt"})
    return folder


def build_tiny_qe(folder: Path, embed_dir: Path, settings: dict | None = None, seed: int = 1) -> Path:
    """An untrained QE model on ``embed_dir``'s encoder, saved as the check loads it (``mtqa.qe.model.save``)."""
    import torch

    from mtqa.qe.model import from_e5, save

    torch.manual_seed(seed)
    save(from_e5(embed_dir).eval(), folder, settings or {})
    return folder


def write_tiny_mlqe(root: Path, pair: str, splits: tuple[str, ...] = ("train", "dev"), count: int = 24) -> set[str]:
    """A small MLQE-PE pair folder (source German-like, target English) with every file the QE
    model reads: .src .mt .pe .tags .source_tags .hter .da.tsv; returns the words used."""
    rng = random.Random(pair)
    words: set[str] = set()
    folder = root / pair
    folder.mkdir(parents=True, exist_ok=True)
    for split in splits:
        rows: dict[str, list[str]] = {k: [] for k in ("src", "mt", "pe", "tags", "source_tags", "hter")}
        da = ["index\toriginal\ttranslation\tscores\tmean\tz_scores\tz_mean\tmodel_scores"]
        for i, (de, en) in enumerate(zip(sentences("de", count), sentences("en", count), strict=True)):
            src, pe = de.replace(".", " .").split(), en.replace(".", " .").split()
            mt = list(pe)
            bad = [False] * len(mt)
            if i % 3 == 0:  # a wrong word, tagged BAD on both sides
                mt[1], bad[1] = "banana", True
            src_bad = [j == 1 and i % 3 == 0 for j in range(len(src))]
            words.update(src + pe + mt)
            rows["src"].append(" ".join(src))
            rows["mt"].append(" ".join(mt))
            rows["pe"].append(" ".join(pe))
            rows["tags"].append(" ".join(["OK"] + [t for b in bad for t in ("BAD" if b else "OK", "OK")]))
            rows["source_tags"].append(" ".join("BAD" if b else "OK" for b in src_bad))
            rows["hter"].append(f"{sum(bad) / len(mt):.4f}")
            z = rng.uniform(-1, 1) - sum(bad)
            da.append(f"{i}\t{' '.join(src)}\t{' '.join(mt)}\t[50]\t50\t[{z}]\t{z}\t0")
        for suffix, lines in rows.items():
            (folder / f"{split}.{suffix}").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (folder / f"{split}.da.tsv").write_text("\n".join(da) + "\n", encoding="utf-8")
    return words
