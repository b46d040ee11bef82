"""Speed of the shipped QE model's forward pass on real MLQE-PE dev pairs (source + target).

    python benchmarks/bench_qe.py --data ../shared/data/mlqe-pe --model models/mtqa-qe \\
        [--pairs 2000] [--runtime numpy|onnx|onnx-int8] [--embed DIR] [--json FILE]

Pairs are the dev (source, MT) pairs of the recipe's six language pairs as the check sees
them (untokenised, from the .da.tsv), taken in turn from each (so every batch mixes languages
as a multilingual file would), and scored by ``LoadedQE.score``, the check's own path: words,
sub-tokens, batches of 32 sorted by length, pairs over 512 sub-tokens split. Printed
separately: process start (a fresh ``python`` importing the runtime, median of three), load
(weights, the 96M word embeddings from the ``embed`` role and their sha256 check, the
tokenizer; for onnx also the first build of the graph, into a temporary folder, and a load
from the built one) and the warm speed in pairs/s of wall time and per CPU second, against
the goal of 50 pairs/s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

GOAL = 50.0  # pairs/s on 2 cores


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def process_start_seconds() -> float:
    """A fresh interpreter importing what the QE runtime needs (median of three)."""
    code = "import mtqa.qe.infer, mtqa.detector.tokens, tokenizers"
    runs = []
    for _ in range(3):
        begin = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=120)
        runs.append(time.perf_counter() - begin)
    return statistics.median(runs)


def mixed_pairs(data: Path, count: int) -> list[tuple[str, str]]:
    """``count`` dev (source, MT) pairs as the check sees them, taken from each language pair in turn."""
    from mtqa.evaluation.mlqe import load_pair
    from mtqa.qe.data import DEFAULT_RECIPE, Recipe

    per_pair = [load_pair(data, pair, "dev") for pair in Recipe.load(DEFAULT_RECIPE).pairs]
    mixed = [pair for row in zip(*(zip(p.sources, p.texts, strict=True) for p in per_pair), strict=False) for pair in row]
    if len(mixed) < count:
        raise SystemExit(f"{data}: only {len(mixed)} dev pairs (asked for {count})")
    return mixed[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="MLQE-PE folder")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "mtqa-qe", help="an exported QE folder")
    parser.add_argument("--embed", type=Path, default=None, help="the converted e5 folder (default: the pulled embed role)")
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--runtime", choices=("numpy", "onnx", "onnx-int8"), default="numpy")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = parser.parse_args()

    from mtqa.errors import ModelUnavailable
    from mtqa.qe.infer import LoadedQE, embed_role
    from mtqa.qe.runtime import RUNTIME_VARIABLE

    embed = args.embed
    if embed is None:
        try:
            embed = embed_role()[0]
        except ModelUnavailable as exc:
            raise SystemExit(f"{exc} (or give --embed)") from None
    os.environ[RUNTIME_VARIABLE] = args.runtime
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    figures: dict[str, object] = {"runtime": args.runtime, "threads": threads, "goal_pairs_per_s": GOAL}
    figures["process_start_s"] = process_start_seconds()
    pairs = mixed_pairs(args.data, args.pairs)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["MTQA_CACHE_DIR"] = cache  # a first onnx load builds the graph here, never in the user's cache
        begin = time.perf_counter()
        qe = LoadedQE(args.model, embed, "bench")
        qe.score(pairs[:1])  # loads the weights, the embeddings (sha256-checked) and the tokenizer
        figures["load_s"] = time.perf_counter() - begin
        if args.runtime != "numpy":
            begin = time.perf_counter()
            LoadedQE(args.model, embed, "bench").score(pairs[:1])
            figures["load_built_graph_s"] = time.perf_counter() - begin
        begin, cpu = time.perf_counter(), cpu_seconds()
        results = qe.score(pairs)
        wall, used = time.perf_counter() - begin, cpu_seconds() - cpu
    split = sum(r.parts > 1 for r in results)
    figures |= {"pairs": len(pairs), "split": split, "seconds": wall,
                "pairs_per_s": len(pairs) / wall, "pairs_per_cpu_s": len(pairs) / used}
    print(f"runtime {args.runtime}, {threads} threads, model {args.model}")
    print(f"process start (python + imports): {figures['process_start_s']:.2f} s")
    print(f"load: {figures['load_s']:.2f} s" + (f" (graph built); from the built graph {figures['load_built_graph_s']:.2f} s"
                                                if "load_built_graph_s" in figures else ""))
    verdict = "meets" if figures["pairs_per_s"] >= GOAL else "misses"
    print(f"{len(pairs)} pairs ({split} over the token limit, scored in parts) in {wall:.1f} s: "
          f"{figures['pairs_per_s']:.1f} pairs/s ({verdict} the goal of {GOAL:.0f} pairs/s on 2 cores), "
          f"{figures['pairs_per_cpu_s']:.1f} pairs per CPU second")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
