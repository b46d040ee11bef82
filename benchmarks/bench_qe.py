"""Speed of the shipped QE model's forward pass on real MLQE-PE dev pairs (source + target).

    python benchmarks/bench_qe.py --data ../shared/data/mlqe-pe --model models/mtqa-qe \\
        [--pairs 2000] [--runtime numpy|onnx|onnx-int8] [--embed DIR] [--json FILE]

Pairs are the dev (source, MT) pairs of the recipe's six language pairs, taken in turn from
each (so every batch mixes languages as a multilingual file would), tokenised, sorted by length
and run in batches of 32 (``word_pieces``, ``assemble``, the runtime's forward pass), as the
check will run them; pairs over the model's 512 sub-tokens are left out and counted. Printed
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
BATCH = 32


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def process_start_seconds() -> float:
    """A fresh interpreter importing what the QE runtime needs (median of three)."""
    code = "import mtqa.qe.runtime, mtqa.qe.tokens, mtqa.detector.tokens, tokenizers"
    runs = []
    for _ in range(3):
        begin = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=120)
        runs.append(time.perf_counter() - begin)
    return statistics.median(runs)


def mixed_pairs(data: Path, count: int) -> list[tuple[list[str], list[str]]]:
    """``count`` dev (source, MT) pairs, taken from each language pair in turn."""
    from mtqa.qe.data import DEFAULT_RECIPE, Recipe, read_pair

    per_pair = [read_pair(data, pair, "dev").real for pair in Recipe.load(DEFAULT_RECIPE).pairs]
    mixed = [e for row in zip(*per_pair, strict=False) for e in row]
    if len(mixed) < count:
        raise SystemExit(f"{data}: only {len(mixed)} dev pairs (asked for {count})")
    return [(e.source, e.target) for e in mixed[:count]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="MLQE-PE folder")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "mtqa-qe", help="an exported QE folder")
    parser.add_argument("--embed", type=Path, default=None, help="the converted e5 folder (default: the pulled embed role)")
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--runtime", choices=("numpy", "onnx", "onnx-int8"), default="numpy")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = parser.parse_args()

    from mtqa.backends.registry import load_registry
    from mtqa.backends.store import resolve
    from mtqa.detector.tokens import load_tokenizer
    from mtqa.qe.runtime import RUNTIME_VARIABLE, load_network
    from mtqa.qe.tokens import Specials, assemble, pair_length, word_pieces

    embed = args.embed
    if embed is None:
        resolved = resolve(load_registry().get("embed"))
        if resolved is None:
            raise SystemExit("the embed role is not pulled: run mtqa models pull embed (or give --embed)")
        embed = resolved.path
    os.environ[RUNTIME_VARIABLE] = args.runtime
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    figures: dict[str, object] = {"runtime": args.runtime, "threads": threads, "goal_pairs_per_s": GOAL}
    figures["process_start_s"] = process_start_seconds()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["MTQA_CACHE_DIR"] = cache  # a first onnx load builds the graph here, never in the user's cache
        begin = time.perf_counter()
        network, config = load_network(args.model, embed, threads=threads)
        tokenizer = load_tokenizer(embed)
        figures["load_s"] = time.perf_counter() - begin
        if args.runtime != "numpy":
            begin = time.perf_counter()
            network, config = load_network(args.model, embed, threads=threads)
            figures["load_built_graph_s"] = time.perf_counter() - begin
        pairs = mixed_pairs(args.data, args.pairs)
        limit = int(config.get("max_tokens", 512))
        begin, cpu = time.perf_counter(), cpu_seconds()
        sources = word_pieces(tokenizer, [s for s, _ in pairs])
        targets = word_pieces(tokenizer, [t for _, t in pairs])
        kept = [i for i in range(len(pairs)) if pair_length(sources[i], targets[i]) <= limit]
        kept.sort(key=lambda i: pair_length(sources[i], targets[i]))
        specials = Specials.of(tokenizer)
        for start in range(0, len(kept), BATCH):
            rows = kept[start : start + BATCH]
            network(assemble(specials, [sources[i] for i in rows], [targets[i] for i in rows]))
        wall, used = time.perf_counter() - begin, cpu_seconds() - cpu
    figures |= {"pairs": len(kept), "over_limit": len(pairs) - len(kept), "seconds": wall,
                "pairs_per_s": len(kept) / wall, "pairs_per_cpu_s": len(kept) / used}
    print(f"runtime {args.runtime}, {threads} threads, model {args.model}")
    print(f"process start (python + imports): {figures['process_start_s']:.2f} s")
    print(f"load: {figures['load_s']:.2f} s" + (f" (graph built); from the built graph {figures['load_built_graph_s']:.2f} s"
                                                if "load_built_graph_s" in figures else ""))
    verdict = "meets" if figures["pairs_per_s"] >= GOAL else "misses"
    print(f"{len(kept)} pairs ({figures['over_limit']} over {limit} sub-tokens left out) in {wall:.1f} s: "
          f"{figures['pairs_per_s']:.1f} pairs/s ({verdict} the goal of {GOAL:.0f} pairs/s on 2 cores), "
          f"{figures['pairs_per_cpu_s']:.1f} pairs per CPU second")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
