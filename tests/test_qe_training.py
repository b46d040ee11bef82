"""The QE model's data, batches, training loop and numpy runtime, on tiny models and data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mtqa.detector.tokens import load_tokenizer  # noqa: E402
from mtqa.errors import InputError  # noqa: E402
from mtqa.qe.data import PairData, QEExample, Recipe, read_pair, source_tags, synthetic  # noqa: E402
from mtqa.qe.tokens import encode_pairs  # noqa: E402
from tests.model_fixtures import build_tiny_embed, build_tiny_qe, write_tiny_mlqe  # noqa: E402

PAIR = "de-en"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("qe")
    words = write_tiny_mlqe(root / "mlqe", PAIR)
    embed = build_tiny_embed(root / "embed", words | {"banana", "Hallo", "Welt"})
    recipe = root / "recipe.toml"
    recipe.write_text(f'pairs = ["{PAIR}"]\nseed = 3\n[synthetic]\npost_edit = 0.25\nmismatch = 0.25\nomission = 0.25\n',
                      encoding="utf-8")
    return {"data": root / "mlqe", "embed": embed, "recipe": recipe, "root": root}


def test_pair_batch_marks_sides_and_first_pieces(tiny: dict[str, Path]) -> None:
    tokenizer = load_tokenizer(tiny["embed"])
    batch = encode_pairs(tokenizer, [["Hallo", "Welt"], ["Hallo"]], [["The", "cat", "."], ["The"]])
    assert batch.ids[0, 0] == tokenizer.token_to_id("<s>")
    width = int(batch.mask[0].sum())
    assert batch.ids[0, width - 1] == tokenizer.token_to_id("</s>")
    assert batch.mask[1].sum() < width and (batch.ids[1, ~batch.mask[1]] == tokenizer.token_to_id("<pad>")).all()
    # every word's first piece is on its own side, in order
    for first, present, side in ((batch.src_first, batch.src_mask, 0), (batch.tgt_first, batch.tgt_mask, 1)):
        positions = first[0][present[0]]
        assert list(positions) == sorted(positions) and (batch.types[0, positions] == side).all()
    assert batch.tgt_mask.tolist() == [[True, True, True], [True, False, False]]
    decoded = tokenizer.id_to_token(int(batch.ids[0, batch.tgt_first[0, 1]]))
    assert decoded.startswith("▁c")


def test_source_tags_must_match_the_words() -> None:
    assert source_tags("OK BAD OK", 3) == [False, True, False]
    with pytest.raises(ValueError, match="2 source tags for 3"):
        source_tags("OK BAD", 3)
    with pytest.raises(ValueError):
        source_tags("OK GOOD OK", 3)


def test_read_pair_names_a_malformed_source_tag_line(tiny: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    shutil.copytree(tiny["data"], tmp_path / "m")
    tags = tmp_path / "m" / PAIR / "train.source_tags"
    lines = tags.read_text(encoding="utf-8").splitlines()
    lines[4] = "OK"
    tags.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"train\.source_tags:5"):
        read_pair(tmp_path / "m", PAIR, "train")


def test_recipe_refuses_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('pairs = ["de-en"]\n[synthetic]\nomision = 0.1\n', encoding="utf-8")
    with pytest.raises(InputError, match="omision"):
        Recipe.load(path)


def test_synthetic_pairs_are_labelled_by_construction() -> None:
    real = [QEExample(f"q{i} w{i} x{i} y{i} z{i} .".split(), f"a{i} b{i} c{i} .".split(), [False] * 4, [False] * 6,
                      float(i), 0.0) for i in range(40)]
    data = PairData("de-en", real, [e.target for e in real])
    recipe = Recipe(pairs=["de-en"], synthetic={"post_edit": 0.1, "mismatch": 0.1, "omission": 0.2})
    made = synthetic(data, recipe, epoch=0)
    assert [e.origin for e in made].count("omission") == 8
    for example in made:
        if example.origin == "mismatch":
            assert example.hter == 1.0 and all(example.target_bad) and all(example.source_bad)
            index = int(example.target[0][1:])
            assert example.source != real[index].source  # another sentence's source
        elif example.origin == "post_edit":
            assert example.hter == 0.0 and not any(example.target_bad) and math.isnan(example.da)
        else:
            index = int(example.target[0][1:])
            added = [w for w, bad in zip(example.source, example.source_bad, strict=True) if bad]
            assert added and all(w not in real[index].source for w in added)
            assert [w for w, bad in zip(example.source, example.source_bad, strict=True) if not bad] == \
                real[index].source[:-1] + [","] + real[index].source[-1:]
            assert not any(example.target_bad) and 0 < example.hter < 1
    assert synthetic(data, recipe, epoch=0) == made and synthetic(data, recipe, epoch=1) != made


def _options(tiny: dict[str, Path], out: Path, **extra: object):  # noqa: ANN202
    from mtqa.qe.train import QETrainOptions

    return QETrainOptions(data=tiny["data"], out=out, encoder=tiny["embed"], recipe=tiny["recipe"], batch_size=4,
                          checkpoint_every=2, bf16=False, threads=1, **extra)


def test_training_resumes_where_it_stopped(tiny: dict[str, Path], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from mtqa.qe import train as training

    whole = training.train(_options(tiny, tmp_path / "whole", max_steps=6))
    calls = []
    real_loss = training.loss_of

    def interrupted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 5:  # killed during step 5: the checkpoint of step 4 is on disk
            raise KeyboardInterrupt
        return real_loss(*args, **kwargs)

    monkeypatch.setattr(training, "loss_of", interrupted)
    with pytest.raises(KeyboardInterrupt):
        training.train(_options(tiny, tmp_path / "part", max_steps=6))
    monkeypatch.setattr(training, "loss_of", real_loss)
    resumed = training.train(_options(tiny, tmp_path / "part", max_steps=6))
    a, b = torch.load(whole, weights_only=True), torch.load(resumed, weights_only=True)
    assert "bert.embeddings.word_embeddings.weight" in a
    for key in a:
        assert torch.allclose(a[key], b[key], atol=1e-6), key
    log = (tmp_path / "part" / "train.log").read_text(encoding="utf-8")
    assert "resumed from" in log and "epoch 1 dev:" in log


def test_numpy_runtime_matches_torch(tiny: dict[str, Path], tmp_path: Path) -> None:
    from mtqa.qe.model import from_e5, to_torch
    from mtqa.qe.runtime import NumpyQE

    folder = build_tiny_qe(tmp_path / "qe", tiny["embed"])
    model = from_e5(tiny["embed"])
    state = {k: v.float() for k, v in __import__("safetensors.torch", fromlist=["x"]).load_file(
        str(folder / "model.safetensors")).items()}
    model.load_state_dict(state, strict=False)  # the word embeddings come from the embed folder
    model.eval()
    tokenizer = load_tokenizer(tiny["embed"])
    batch = encode_pairs(tokenizer, [["Hallo", "Welt", "."], ["Hallo"]], [["The", "cat", "sees", "."], ["banana"]])
    runtime, config = NumpyQE.load(folder, tiny["embed"])
    assert config["architecture"] == "mtqa-qe"
    with torch.inference_mode():
        expected = model(*to_torch(batch))
    for got, want in zip(runtime(batch), expected, strict=True):
        np.testing.assert_allclose(got, want.numpy(), atol=2e-3)


def test_runtime_refuses_other_embeddings(tiny: dict[str, Path], tmp_path: Path) -> None:
    from mtqa.qe.runtime import NumpyQE

    folder = build_tiny_qe(tmp_path / "qe", tiny["embed"])
    other = build_tiny_embed(tmp_path / "other", {"Hallo", "Welt"}, seed=5)
    with pytest.raises(InputError, match="mtqa models pull embed"):
        NumpyQE.load(folder, other)
