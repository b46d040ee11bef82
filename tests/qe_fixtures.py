"""A tiny QE setup written by the tests: a converted-e5-style encoder folder (random weights,
XLM-R-style tokenizer) and a fake MLQE-PE folder with sources, source tags and post-edits.

Random weights give nonsense outputs: tests built on these assert mechanics (shapes, keys,
calibration rules, runtimes agreeing), never quality.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.model_fixtures import save_unigram, sentences

PAIRS = ("ro-en", "en-de")
TINY_ENCODER = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
                "max_position_embeddings": 128, "type_vocab_size": 2, "layer_norm_eps": 1e-12}


def _sides(pair: str, n: int) -> tuple[list[str], list[str]]:
    source, target = pair.split("-")
    return sentences("de" if source != "en" else "en", n), sentences("en" if target == "en" else "de", n)


def write_mlqe(root: Path, n: int = 24, split: str = "dev", pairs: tuple[str, ...] = PAIRS) -> Path:
    """``{root}/{pair}/{split}.*``: MT with a word swapped in, tags, HTER, DA, sources, source tags, post-edits."""
    rng = random.Random(7)
    for pair in pairs:
        folder = root / pair
        folder.mkdir(parents=True, exist_ok=True)
        sources, post_edits = _sides(pair, n)
        mt, tags, hter, da, source_tags = [], [], [], [], []
        for i, (src, pe) in enumerate(zip(sources, post_edits, strict=True)):
            words = pe.split()
            changed = rng.randrange(len(words))
            words[changed] = post_edits[(i + 1) % n].split()[0]
            mt.append(" ".join(words))
            tags.append(" ".join(["OK"] + [t for j in range(len(words)) for t in ("BAD" if j == changed else "OK", "OK")]))
            hter.append(f"{1 / len(words) + rng.random() / 10:.4f}")
            da.append(f"{rng.gauss(0, 1):.4f}")
            source_tags.append(" ".join("BAD" if rng.random() < 0.2 else "OK" for _ in src.split()))
        rows = ["index\toriginal\ttranslation\tz_mean"] + [f"{i}\t{s}\t{t}\t{z}" for i, (s, t, z) in enumerate(zip(sources, mt, da))]
        for suffix, lines in (("src", sources), ("mt", mt), ("pe", post_edits), ("tags", tags), ("hter", hter),
                              ("source_tags", source_tags), ("da.tsv", rows)):
            (folder / f"{split}.{suffix}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def write_encoder(directory: Path, seed: int = 0) -> Path:
    """A converted-e5-style folder: config.json, tokenizer.json and model.safetensors (BERT names, no ``bert.``)."""
    import torch
    from safetensors.torch import save_file

    from mtqa.detector.model import EncoderConfig
    from mtqa.qe.model import QEModel

    directory.mkdir(parents=True)
    words = {w for pair in PAIRS for side in _sides(pair, 300) for s in side for w in s.split()}
    config = {"vocab_size": save_unigram(directory, words), **TINY_ENCODER}
    (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")
    torch.manual_seed(seed)
    model = QEModel(EncoderConfig.from_dict(config))
    save_file({k: v.contiguous() for k, v in model.bert.state_dict().items()}, str(directory / "model.safetensors"))
    return directory


def write_weights(path: Path, encoder_dir: Path, seed: int = 1) -> Path:
    """A run's ``step-N.pt``: a QE model on the encoder's weights with random heads, as training saves it."""
    import torch

    from mtqa.qe.model import from_e5

    torch.manual_seed(seed)
    model = from_e5(encoder_dir)
    for head in (model.target_head, model.source_head):
        torch.nn.init.normal_(head.weight, std=2.0)  # spread probabilities, so thresholds differ
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return path
