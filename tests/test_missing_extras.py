"""A light install (no `mtqa[models]`): a selected model check is skipped with the pip command.

Each test runs mtqa in a fresh process where the libraries are blocked
(``sys.modules[name] = None`` makes ``import name`` fail, as if it were not installed). The
model folder is empty: a check that looked its model up before its libraries would say
"mtqa models pull", which is the wrong advice while the libraries are missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.model_fixtures import tiny_models, write_registry  # noqa: F401 - fixtures

PIP = "run: pip install 'mtqa[models]'"
BILINGUAL = "source\ttarget\nThe cat sees the red book. The dog sleeps.\tDie Katze sieht das rote Buch.\n"


def _mtqa(
    tmp_path: Path, blocked: list[str], code: str, registry: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter with ``blocked`` libraries missing and no models on disk
    (unless ``registry`` names some)."""
    script = f"import sys\nfor name in {blocked!r}: sys.modules[name] = None\n{code}"
    env = {**os.environ, "MTQA_MODELS_DIR": str(tmp_path / "no-models"), "MTQA_CACHE_DIR": "off", "HF_HUB_OFFLINE": "1"}
    env.pop("MTQA_REGISTRY", None)
    if registry is not None:
        env["MTQA_REGISTRY"] = str(registry)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)


def _cli(tmp_path: Path, blocked: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return _mtqa(tmp_path, blocked, f"from mtqa.cli import app\napp({list(args)!r}, prog_name='mtqa')\n")


def test_mtqa_check_skips_a_model_check_without_torch_and_runs_the_rest(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text("The the cat sees the red book today.\n", encoding="utf-8")
    result = _cli(tmp_path, ["torch"], "check", "article.txt", "--select", "MT301,MT102", "--format", "json")
    assert result.returncode == 2, result.stderr  # a selected check could not run
    report = json.loads(result.stdout)
    assert report["skipped_checks"] == {"MT301": f"torch is not installed; {PIP}"}
    assert [f["code"] for f in report["files"][0]["findings"]] == ["MT102"]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("blocked", "skipped"),
    [
        (["torch"], {code: "torch" for code in ("MT301", "MT302", "MT303", "MT311")}),
        (["transformers"], {code: "transformers" for code in ("MT301", "MT302", "MT303", "MT311")}),
        (["sacrebleu"], {"MT301": "sacrebleu", "MT302": "sacrebleu"}),
        (["sentencepiece"], {"MT301": "sentencepiece", "MT302": "sentencepiece"}),
        (["wordfreq"], {"MT311": "wordfreq"}),
    ],
)
def test_every_model_check_names_the_library_it_lacks(tmp_path: Path, blocked: list[str], skipped: dict[str, str]) -> None:
    (tmp_path / "units.tsv").write_text(BILINGUAL, encoding="utf-8")
    code = (
        "import json\nfrom mtqa.config import Config\nfrom mtqa.engine import run\n"
        f"config = Config(select={sorted(skipped)!r}, target_lang='de', source_lang='en')\n"
        "print(json.dumps(run(['units.tsv'], config).skipped))\n"
    )
    result = _mtqa(tmp_path, blocked, code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {code: f"{module} is not installed; {PIP}" for code, module in skipped.items()}


def test_a_backend_library_is_asked_for_when_the_model_runs(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    """Which backend translates is the registry's choice: ctranslate2 is looked for when its runner loads."""
    registry = write_registry(tmp_path / "r.toml", tiny_models, backend="ctranslate2")
    (tmp_path / "article.txt").write_text("The cat sees the red book today.\n", encoding="utf-8")
    code = (
        "import json\nfrom mtqa.config import Config\nfrom mtqa.engine import run\n"
        "print(json.dumps(run(['article.txt'], Config(select=['MT301'])).skipped))\n"
    )
    result = _mtqa(tmp_path, ["ctranslate2"], code, registry)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"MT301": f"ctranslate2 is not installed; {PIP}"}


def test_models_pull_without_the_hub_library_says_so_once(tmp_path: Path) -> None:
    result = _cli(tmp_path, ["huggingface_hub"], "models", "pull", "translate:en-de", "lm:en", "-q")
    assert result.returncode == 2
    assert result.stderr.strip() == f"mtqa: error: huggingface_hub is not installed; {PIP}"  # before HF_HUB_OFFLINE


def test_models_list_needs_none_of_the_model_libraries(tmp_path: Path) -> None:
    blocked = ["torch", "transformers", "ctranslate2", "sentencepiece", "huggingface_hub", "sacrebleu", "wordfreq"]
    result = _cli(tmp_path, blocked, "models", "list")
    assert result.returncode == 0, result.stderr
    assert "translate:en-de" in result.stdout and "Helsinki-NLP/opus-mt-en-de" in result.stdout
