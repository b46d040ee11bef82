"""Benchmark MT311 on real text: words/second of the whole check on MLQE-PE dev sentences.

    MTQA_REGISTRY=reg.toml python benchmarks/bench_lm_surprisal.py --data ../shared/data/mlqe-pe \
        [--pairs ro-en,et-en] [--sentences 100] [--threads 2]

The ``lm:en`` role of the registry is the model measured (SmolLM2-135M for the published
figures), in the registry's dtype (auto: bf16 on CPUs with native bf16). The check runs as
``mtqa check`` runs it, with the output cache off so that every word is scored: the sentences
of each pair are one document (runs of sentences read with their context). Prints the load
time, words/second, findings and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--pairs", default="ro-en,et-en,ne-en,ru-en,si-en")
    parser.add_argument("--sentences", type=int, default=100, help="dev sentences per pair")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    os.environ["MTQA_CACHE_DIR"] = "off"
    os.environ["MTQA_THREADS"] = str(args.threads)

    from mtqa.checks import CheckContext
    from mtqa.checks.lm_surprisal import WORD, LMSurprisal
    from mtqa.evaluation.mlqe import load_pair
    from mtqa.evaluation.system import sentences_document

    documents = [
        sentences_document(load_pair(args.data, pair, "dev", args.sentences).texts) for pair in args.pairs.split(",")
    ]
    check = LMSurprisal()
    started = time.perf_counter()
    runner = check.models.lm("en").runner
    load_s = time.perf_counter() - started
    list(check.check_document(sentences_document(["A warm-up sentence is scored first."]), CheckContext()))
    words = sum(len(WORD.findall(d.text)) for d in documents)
    started = time.perf_counter()
    findings = sum(len(list(check.check_document(d, CheckContext()))) for d in documents)
    seconds = time.perf_counter() - started
    print(f"MT311 on {sum(len(d.segments) for d in documents)} MLQE-PE dev sentences ({args.pairs}), "
          f"{words} words, model {check.models.lm('en').ref}, dtype {runner.net.dtype}, {args.threads} threads:")
    print(f"  load {load_s:.2f} s")
    print(f"  {words / seconds:.0f} words/s ({seconds:.1f} s), {findings} findings")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"  load average (1, 5, 15 min) at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
