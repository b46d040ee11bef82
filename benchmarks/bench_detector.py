"""Speed of the default check with the shipped MT-error detector (MT402; MT401) on this machine.

    python benchmarks/bench_detector.py                 # both measures
    python benchmarks/bench_detector.py --sentences 500 # warm throughput on 500 sentences

Prints:
  1. warm sentences/second inside one process, the model already loaded, of the rules alone,
     of the default checks (rules + the detector's MT402; goal: ≥ 300 sentences/s on 2 cores),
     of the default checks with MT401 too, and of the detector alone;
  2. wall time of ``mtqa check`` on a generated 1,000-word article, process start to report
     (goal: < 3 s), median of three runs: rules alone, the default checks, the default checks
     and MT401; then the default checks again, answered from a primed output cache.

The model measures run with the output cache off (``MTQA_CACHE_DIR=off``), else a second run
would time cache lookups. Inputs and the primed cache live in a temporary directory; nothing is
written to the repository or to the user's cache.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUBJECTS = ["The delegation", "The minister", "Officials", "The committee", "Observers", "The company",
            "Researchers", "The mayor", "Local residents", "The central bank", "Negotiators", "The court"]
VERBS = ["met", "criticised", "announced", "rejected", "approved", "discussed", "postponed", "welcomed"]
OBJECTS = ["the new agreement", "a proposal on energy prices", "the budget for next year",
           "an inquiry into the accident", "the plan to expand the airport", "a report on air quality",
           "the terms of the ceasefire", "a draft law on housing", "the results of the survey"]
TAILS = ["on Tuesday", "after a long debate", "in Brussels", "without giving details",
         "despite strong opposition", "for the second time this year", "whether Moscow can order an invasion"]


def sentences(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}."
            for _ in range(n)]


def article(words: int) -> str:
    paragraphs, count, paragraph = [], 0, []
    for sentence in sentences(words // 8 + 10, seed=11):
        paragraph.append(sentence)
        count += len(sentence.split())
        if len(paragraph) == 5:
            paragraphs.append(" ".join(paragraph))
            paragraph = []
        if count >= words:
            break
    paragraphs.append(" ".join(paragraph))
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def warm_throughput(n: int) -> None:
    from mtqa.config import Config
    from mtqa.engine import check_document, prepare
    from mtqa.evaluation.system import sentences_document

    document = sentences_document(sentences(n))
    for label, select, ignore in (("rules alone", ["DEFAULT"], ["MT402"]), ("default (rules + MT402)", ["DEFAULT"], []),
                          ("default + MT401", ["DEFAULT", "MT401"], []), ("detector alone", ["MT401", "MT402"], [])):
        config, checks = prepare(Config(select=select, ignore=ignore))
        # Warm up on another document of the same size: loads the model and lingua's lazily
        # loaded language models (results are cached per document, so the measured one is new).
        check_document(sentences_document(sentences(n, seed=1)), checks, config)
        started = time.perf_counter()
        findings, _ = check_document(document, checks, config)
        elapsed = time.perf_counter() - started
        print(f"{label:26s} {n / elapsed:8.1f} sentences/s  ({n} sentences, {len(findings)} findings)")


def end_to_end(words: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "article.txt"
        path.write_text(article(words), encoding="utf-8")
        primed = {**os.environ, "MTQA_CACHE_DIR": str(Path(tmp) / "cache")}
        runs = [("DEFAULT", "MT402", "", os.environ), ("DEFAULT", "", "", os.environ),
                ("DEFAULT,MT401", "", "", os.environ), ("DEFAULT", "", ", re-checked from the output cache", primed)]
        check(path, "DEFAULT", "", primed)  # fills the cache
        for select, ignore, note, env in runs:
            times = [check(path, select, ignore, env) for _ in range(3)]
            options = f"--select {select}" + (f" --ignore {ignore}" if ignore else "")
            print(f"mtqa check {options}, {words}-word article, end to end{note}: "
                  f"{statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})")


def check(path: Path, select: str, ignore: str, env: dict[str, str]) -> float:
    """Seconds from process start to report of one ``mtqa check``."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from mtqa.cli import main; main()", "check", str(path), "--select", select,
                    *(["--ignore", ignore] if ignore else []),
                    "--format", "json", "--exit-zero", "-o", str(path.with_suffix(".json"))], check=True, env=env)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=300)
    parser.add_argument("--words", type=int, default=1000)
    args = parser.parse_args()
    os.environ["MTQA_CACHE_DIR"] = "off"
    warm_throughput(args.sentences)
    end_to_end(args.words)


if __name__ == "__main__":
    main()
