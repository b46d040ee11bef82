"""The model backends: registry, files on disk, runners, output cache, `mtqa models`."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mtqa.backends import Models
from mtqa.backends.batching import by_length, split_long
from mtqa.backends.cache import OutputCache
from mtqa.backends.registry import ModelSpec, load_registry
from mtqa.backends.store import pull, resolve, resolve_or_pull, verify
from mtqa.errors import ConfigError, ModelUnavailable
from tests.model_fixtures import models_env, tiny_models, write_registry  # noqa: F401 - fixtures

# Registry


def test_shipped_registry_has_every_role_the_checks_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MTQA_REGISTRY", raising=False)
    registry = load_registry()
    for lang in ("de", "fr", "es", "nl", "ru", "zh"):
        assert registry.get(f"translate:en-{lang}").id == f"Helsinki-NLP/opus-mt-en-{lang}"
        assert registry.get(f"translate:{lang}-en").id == f"Helsinki-NLP/opus-mt-{lang}-en"
    assert registry.get("lm:en").kind == "lm"
    embed = registry.get("embed")  # multilingual, so a German source aligns with an English target
    assert (embed.id, embed.settings["prefix"]) == ("intfloat/multilingual-e5-small", "passage: ")
    assert all(spec.revision for spec in registry.roles.values())


def test_unregistered_pair_falls_back_to_the_multilingual_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MTQA_REGISTRY", raising=False)
    spec = load_registry().translate("it", "pt")
    assert (spec.id, spec.multilingual, spec.src_lang, spec.tgt_lang) == ("facebook/m2m100_418M", "m2m100", "it", "pt")
    assert spec.pull_command == "mtqa models pull translate:it-pt"


def test_overlay_replaces_roles_and_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlay = write_registry(tmp_path / "r.toml", {"lm:en": tmp_path / "my-lm"}, batch_size=2)
    monkeypatch.setenv("MTQA_REGISTRY", str(overlay))
    registry = load_registry()
    spec = registry.get("lm:en")
    assert spec.id == str(tmp_path / "my-lm") and spec.is_local
    assert spec.settings["batch_size"] == 2 and registry.get("embed").settings["batch_size"] == 2


def test_bad_registry_entries_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[roles."speak:en"]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml.*speak:en"):
        load_registry(bad)
    with pytest.raises(ConfigError, match="no model registered for role 'lm:xx'"):
        load_registry().get("lm:xx")


# Files on disk


def _fake_hub_snapshot(hub: Path, model_id: str, files: dict[str, bytes], commit: str = "a" * 40) -> Path:
    """The Hugging Face cache layout: blobs named by hash, snapshot links, refs/main."""
    repo = hub / ("models--" + model_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit, encoding="utf-8")
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "blobs").mkdir()
    for name, data in files.items():
        if name.endswith(".safetensors"):
            etag = hashlib.sha256(data).hexdigest()
        else:
            etag = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        (repo / "blobs" / etag).write_bytes(data)
        (snapshot / name).symlink_to(Path("../../blobs") / etag)
    return repo


def test_hub_cache_snapshot_is_found_offline_and_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path))
    files = {"config.json": b"{}", "model.safetensors": b"weights", "tokenizer.json": b"{}"}
    repo = _fake_hub_snapshot(tmp_path, "org/model", files)
    resolved = resolve(ModelSpec(role="lm:en", id="org/model"))
    assert resolved is not None and resolved.revision == "a" * 40 and resolved.ref == f"org/model@{'a' * 40}"
    assert verify(resolved) == []
    blob = next(p for p in (repo / "blobs").iterdir() if len(p.name) == 64)
    blob.write_bytes(b"tampered")
    [(name, problem)] = verify(resolved)
    assert name == "model.safetensors" and problem.startswith("hash mismatch")


def test_missing_model_raises_with_the_pull_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path))
    spec = ModelSpec(role="translate:en-de", id="Helsinki-NLP/opus-mt-en-de")
    assert resolve(spec) is None
    with pytest.raises(ModelUnavailable) as caught:
        resolve_or_pull(spec)
    assert caught.value.pull_command == "mtqa models pull translate:en-de"
    assert "mtqa models pull translate:en-de" in str(caught.value)


def test_pull_respects_hf_hub_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable, match="HF_HUB_OFFLINE"):
        pull(ModelSpec(role="lm:en", id="distilgpt2"), progress=False)
    assert not any(tmp_path.iterdir())  # nothing was written


def test_local_directory_revision_is_a_content_hash(tiny_models: dict[str, Path]) -> None:
    resolved = resolve(ModelSpec(role="lm:en", id=str(tiny_models["lm:en"])))
    assert resolved is not None and resolved.revision.startswith("sha256:") and len(resolved.revision) == 19
    assert verify(resolved) == []


# Batching and the over-long guard


def test_split_long_cuts_at_clauses_then_words_and_loses_nothing() -> None:
    text = "alpha beta gamma, delta epsilon zeta; eta theta iota kappa lambda mu"
    pieces = split_long(text, lambda t: len(t.split()), 3)
    assert all(len(p.split()) <= 3 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert pieces[0] == "alpha beta gamma,"
    assert split_long("你好世界你好世界", len, 3) == ["你好", "世界", "你好", "世界"]


def test_by_length_batches_similar_lengths_and_keeps_order() -> None:
    seen = []
    texts = ["a", "aaaa", "aa", "aaaaa", "aaa"]
    result = by_length(texts, 2, lambda batch: seen.append(batch) or [t.upper() for t in batch])
    assert result == [t.upper() for t in texts]
    assert seen == [["aaaaa", "aaaa"], ["aaa", "aa"], ["a"]]


# Runners on the tiny models


def test_translator_guard_splits_an_over_long_sentence(models_env: Path) -> None:
    translator = Models().translator("en", "de")
    long_sentence = ", ".join(["the cat sees the red book today"] * 12) + "."
    assert translator.runner.count_tokens(long_sentence) > translator.runner.max_tokens
    before = translator.runner.calls
    [output] = translator.runner.translate([long_sentence])
    assert translator.runner.calls - before >= 2  # translated in pieces, not truncated
    assert isinstance(output, str) and output


def test_lm_logprobs_are_the_same_alone_and_left_padded_in_a_batch(models_env: Path) -> None:
    lm = Models().lm("en").runner
    short, long = "The cat sees a book.", "My friend likes the old car in the garden every morning."
    [alone] = lm.token_logprobs([short])
    batched = lm.token_logprobs([short, long])
    assert [t[:2] for t in alone] == [t[:2] for t in batched[0]]
    assert all(abs(a[2] - b[2]) < 1e-4 for a, b in zip(alone, batched[0], strict=True))
    assert all(lp < 0 for _, _, lp in alone)
    assert short[alone[0][0] : alone[0][1]] == "The"


def test_embeddings_are_unit_vectors(models_env: Path) -> None:
    vectors = Models().embedder().embed(["The cat sees a book.", "Der Hund mag das Auto."])
    assert len(vectors) == 2
    assert all(abs(sum(x * x for x in v) - 1) < 1e-5 for v in vectors)


# The output cache


def test_cache_answers_repeated_texts_without_the_model(tmp_path: Path) -> None:
    cache = OutputCache(tmp_path / "c.sqlite3")
    calls = []

    def compute(texts: list[str]) -> list[str]:
        calls.append(list(texts))
        return [t[::-1] for t in texts]

    assert cache.cached_map("m", "r", {"beams": 1}, ["ab", "cd", "ab"], compute) == ["ba", "dc", "ba"]
    assert calls == [["ab", "cd"]]
    assert cache.cached_map("m", "r", {"beams": 1}, ["cd", "ab"], compute) == ["dc", "ba"]
    assert calls == [["ab", "cd"]] and (cache.hits, cache.misses) == (2, 3)
    cache.cached_map("m", "r2", {"beams": 1}, ["ab"], compute)  # another revision is another key
    cache.cached_map("m", "r", {"beams": 4}, ["ab"], compute)  # and so are other settings
    assert len(calls) == 3


def _write_many(path: str, prefix: str) -> None:
    cache = OutputCache(Path(path))
    for i in range(40):
        cache.cached_map("m", "r", {}, [f"{prefix}{i}", "shared"], lambda texts: [t.upper() for t in texts])


def test_cache_is_safe_with_two_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")
    OutputCache(Path(path)).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(path, prefix)) for prefix in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    cache = OutputCache(Path(path))
    texts = [f"{p}{i}" for p in "ab" for i in range(40)] + ["shared"]
    assert cache.cached_map("m", "r", {}, texts, lambda t: pytest.fail(f"recomputed {t}")) == [t.upper() for t in texts]
    assert cache._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# `mtqa models`


def test_models_list_shows_the_registry_and_what_is_installed(cli, models_env: Path, tiny_models) -> None:  # noqa: ANN001
    result = cli("models", "list")
    assert result.exit_code == 0
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") > 5}
    assert f"pulled (local) in {tiny_models['lm:en']}" in rows["lm:en"] and "sha256:" in rows["lm:en"]
    assert "Helsinki-NLP/opus-mt-en-fr" in rows["translate:en-fr"] and " not pulled " in rows["translate:en-fr"]
    assert "│ hub " in rows["translate:en-fr"]  # its one source


def test_models_path_verify_and_pull(cli, models_env: Path, tiny_models) -> None:  # noqa: ANN001
    assert cli("models", "path", "lm:en").stdout.strip() == str(tiny_models["lm:en"])
    missing = cli("models", "path", "translate:en-fr")
    assert missing.exit_code == 1 and "mtqa models pull translate:en-fr" in missing.stderr
    verified = cli("models", "verify", "embed", "lm:en")
    assert verified.exit_code == 0 and "embed: ok" in verified.stdout
    offline = cli("models", "pull", "translate:en-fr", "-q")
    assert offline.exit_code == 2 and "HF_HUB_OFFLINE" in offline.stderr


def test_importing_the_backends_loads_no_torch() -> None:
    code = "import sys, mtqa.backends, mtqa.models_cli, mtqa.checks; mtqa.checks.all_checks(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ})
    assert out.stdout.strip() == "False"


# The CTranslate2 backend


def test_ctranslate2_backend_converts_on_pull_once_and_translates(tiny_models, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from mtqa.backends.ct2 import convert, converted_dir
    from mtqa.cli import app

    registry = write_registry(
        tmp_path / "r.toml", {"translate:en-de": tiny_models["translate:en-de"]}, backend="ctranslate2", max_tokens=16
    )
    monkeypatch.setenv("MTQA_REGISTRY", str(registry))
    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path / "cache"))
    pulled = CliRunner().invoke(app, ["models", "pull", "translate:en-de", "-q"])  # converts on pull
    assert pulled.exit_code == 0, pulled.stderr
    assert list((tmp_path / "cache" / "ct2").glob("*-int8/model.bin"))
    translator = Models().translator("en", "de")
    assert translator.backend == "ctranslate2"
    assert translator.runner.compute_type == "int8"
    folder = converted_dir(translator.resolved, "int8")
    assert (folder / "model.bin").is_file() and str(folder).startswith(str(tmp_path / "cache"))
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert convert(translator.resolved) == folder and (folder / "model.bin").stat().st_mtime_ns == stamp
    long_sentence = ", ".join(["the cat sees the red book today"] * 6) + "."
    outputs = translator.translate(["The cat sees the red book today.", long_sentence])
    assert len(outputs) == 2 and all(isinstance(o, str) and o for o in outputs)
    assert translator.runner.calls >= 3  # the long sentence went in pieces
    calls = translator.runner.calls
    assert translator.translate(["The cat sees the red book today."]) == outputs[:1]  # from the cache
    assert translator.runner.calls == calls


@pytest.mark.slow  # builds an M2M100 model
def test_multilingual_fallback_is_told_the_languages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.model_fixtures import build_m2m100

    folder = build_m2m100(tmp_path / "m2m", seed=5)
    registry = tmp_path / "r.toml"
    registry.write_text(f'[roles."translate:*"]\nid = "{folder}"\nmultilingual = "m2m100"\n', encoding="utf-8")
    monkeypatch.setenv("MTQA_REGISTRY", str(registry))
    monkeypatch.setenv("MTQA_CACHE_DIR", "off")
    translator = Models().translator("it", "pt")
    runner = translator.runner
    assert (runner.model.spec.src_lang, runner.model.spec.tgt_lang) == ("it", "pt")
    assert runner.tokenizer.src_lang == "it"
    assert runner.net.generation_config.forced_bos_token_id == runner.tokenizer.get_lang_id("pt")
    [output] = translator.translate(["Il gatto vede il libro rosso."])
    assert isinstance(output, str)


def test_lm_scores_an_over_long_text_window_by_window(models_env: Path) -> None:
    lm = Models().lm("en").runner
    text = " ".join(["The cat sees the red book today."] * 12)
    before = lm.calls
    [tokens] = lm.token_logprobs([text])
    assert lm.calls - before >= 2  # more than one window, nothing cut off
    assert tokens[-1][1] == len(text) and len(tokens) > lm.max_tokens


def test_dtype_auto_is_bf16_only_where_the_cpu_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from mtqa.backends import runtime

    monkeypatch.setattr(runtime, "cpu_has_bf16", lambda: True)
    assert runtime.select_dtype("auto", "cpu") is torch.bfloat16
    assert runtime.select_dtype("float32", "cpu") is torch.float32
    monkeypatch.setattr(runtime, "cpu_has_bf16", lambda: False)
    assert runtime.select_dtype("auto", "cpu") is torch.float32
    assert runtime.select_device("cpu") == "cpu"
    assert runtime.select_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


def test_pull_fetches_safetensors_and_tokenizers_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fnmatch

    import huggingface_hub

    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    asked = {}
    repository = ["config.json", "model.safetensors", "pytorch_model.bin", "tf_model.h5", "source.spm", "vocab.json"]

    def fake_download(repo_id: str, revision: str, cache_dir: str, allow_patterns: list[str]) -> str:
        asked.update(repo_id=repo_id, revision=revision, cache_dir=cache_dir)
        wanted = [f for f in repository if any(fnmatch.fnmatch(f, p) for p in allow_patterns)]
        repo = _fake_hub_snapshot(Path(cache_dir), repo_id, {name: name.encode() for name in wanted}, "b" * 40)
        return str(repo / "snapshots" / ("b" * 40))

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    resolved = pull(ModelSpec(role="translate:en-de", id="Helsinki-NLP/opus-mt-en-de", revision="main"), progress=False)
    assert asked == {"repo_id": "Helsinki-NLP/opus-mt-en-de", "revision": "main", "cache_dir": str(tmp_path)}
    assert resolved.revision == "b" * 40
    assert sorted(p.name for p in resolved.path.iterdir()) == ["config.json", "model.safetensors", "source.spm", "vocab.json"]
    repository[:] = ["config.json", "pytorch_model.bin", "vocab.json"]  # pickled weights only
    with pytest.raises(ModelUnavailable, match="no safetensors weights"):
        pull(ModelSpec(role="lm:en", id="org/pickled-only"), progress=False)


def test_a_half_precision_embedder_keeps_its_vocabulary_in_half_and_gives_float32_vectors(
    tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    """The vocabulary matrix, most of a multilingual encoder, stays fp16; every number matches all-float32."""
    import shutil

    import torch
    from transformers import AutoModel

    from mtqa.backends.hf import HFEmbedder

    folder = tmp_path / "bert-fp16"
    shutil.copytree(tiny_models["embed"], folder)
    AutoModel.from_pretrained(folder).half().save_pretrained(folder)  # as the converted E5S1 model is stored
    embedder = HFEmbedder(resolve(ModelSpec(role="embed", id=str(folder), settings={"threads": 1})))
    vocabulary = embedder.net.get_input_embeddings()
    assert vocabulary.weight.dtype == torch.float16
    assert {p.dtype for p in embedder.net.parameters() if p is not vocabulary.weight} == {torch.float32}
    texts = ["The cat sees the red book today.", "A dog."]
    vectors = embedder.embed(texts)
    embedder.net.float()  # the all-float32 model, from the same fp16 numbers
    assert vectors == embedder.embed(texts)
