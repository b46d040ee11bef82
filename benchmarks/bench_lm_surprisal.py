"""Benchmark MT311 on real text: words/second of the whole check on MLQE-PE dev sentences.

    MTQA_REGISTRY=reg.toml python benchmarks/bench_lm_surprisal.py --data ../shared/data/mlqe-pe \
        [--pairs ro-en,et-en] [--sentences 100] [--threads 2]

The ``lm:en`` role of the registry is the model measured (SmolLM2-135M for the published
figures), in the registry's dtype (auto: bf16 on CPUs with native bf16). The check runs as
``mtqa check`` runs it, with the output cache off so that every word is scored: the sentences
of each pair are one document (runs of sentences read with their context). Prints the load
time, words/second, findings and peak RSS. ``measure`` is the figure itself, for
``bench_real_models.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PAIRS = "ro-en,et-en,ne-en,ru-en,si-en"


def measure(data: Path, pairs: str, sentences: int, threads: int) -> dict[str, Any]:
    """MT311's words/second over ``sentences`` dev sentences per pair, after a warm-up sentence.

    The model is resolved before the data is read, so a missing model raises ModelUnavailable
    (with its pull command) at once. Sets ``MTQA_CACHE_DIR=off`` and ``MTQA_THREADS``.
    """
    os.environ["MTQA_CACHE_DIR"] = "off"
    os.environ["MTQA_THREADS"] = str(threads)

    from mtqa.checks import CheckContext
    from mtqa.checks.lm_surprisal import WORD, LMSurprisal
    from mtqa.evaluation.mlqe import load_pair
    from mtqa.evaluation.system import sentences_document

    check = LMSurprisal()
    model = check.models.lm("en")
    started = time.perf_counter()
    runner = model.runner
    load_s = time.perf_counter() - started
    documents = [sentences_document(load_pair(data, pair, "dev", sentences).texts) for pair in pairs.split(",")]
    list(check.check_document(sentences_document(["A warm-up sentence is scored first."]), CheckContext()))
    words = sum(len(WORD.findall(d.text)) for d in documents)
    started, cpu = time.perf_counter(), time.process_time()
    findings = sum(len(list(check.check_document(d, CheckContext()))) for d in documents)
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    return {"sentences": sum(len(d.segments) for d in documents), "pairs": pairs, "words": words,
            "ref": model.ref, "dtype": str(runner.net.dtype), "threads": threads, "load_s": round(load_s, 2),
            "seconds": round(seconds, 2), "cpu_s": round(cpu_s, 1), "words_per_s": round(words / seconds, 1), "findings": findings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--pairs", default=PAIRS)
    parser.add_argument("--sentences", type=int, default=100, help="dev sentences per pair")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    row = measure(args.data, args.pairs, args.sentences, args.threads)
    print(f"MT311 on {row['sentences']} MLQE-PE dev sentences ({args.pairs}), "
          f"{row['words']} words, model {row['ref']}, dtype {row['dtype']}, {args.threads} threads:")
    print(f"  load {row['load_s']:.2f} s")
    print(f"  {row['words_per_s']:.0f} words/s ({row['seconds']:.1f} s, {row['cpu_s']} s CPU), {row['findings']} findings")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"  load average (1, 5, 15 min) at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
