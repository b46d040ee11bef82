"""Benchmark MT301's round trip through Apertium on real English sentences.

    python benchmarks/bench_apertium.py [--data /work/shared/data/mlqe-pe] [--pairs et-en ro-en] [--sentences 1000]

Reads the English post-edits of MLQE-PE dev (``<pair>/dev.pe``), translates them en→es and
back through the runner MT301 uses (one ``apertium`` process per direction, null-flush
batching), and prints:
  1. the round-trip throughput in sentences/second (goal: ≥ 30, batched), and words/second;
  2. that every output came back aligned with its input (the runner raises otherwise), and
     how many sentences came back unchanged;
  3. the start-up cost: one short sentence through a fresh process;
  4. a 2,000-word sentence, passed whole;
  5. what the round trip sees, per pair: its mean sentence chrF on the MT output (dev.mt) and
     on the post-edit (dev.pe), and the Pearson r of the MT output's chrF with HTER.
Nothing is cached: the runner is called directly, not through the output cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def english(data: Path, pairs: list[str], count: int) -> list[str]:
    """The first ``count`` sentences, an equal share from each pair."""
    lines: list[str] = []
    for pair in pairs:
        pe = [line for line in (data / pair / "dev.pe").read_text(encoding="utf-8").splitlines() if line.strip()]
        lines += pe[: count // len(pairs)]
    return lines


def signal(data: Path, pair: str, forward, backward) -> dict:  # noqa: ANN001 - the two runners
    """Round-trip chrF of MT output vs post-edit, and its correlation with HTER (higher HTER: lower chrF?)."""
    import numpy as np

    from mtqa.backends.round_trip import sentence_scores

    folder = data / pair
    mt, pe = (folder / "dev.mt").read_text(encoding="utf-8").splitlines(), (folder / "dev.pe").read_text(encoding="utf-8").splitlines()
    hter = [float(x) for x in (folder / "dev.hter").read_text(encoding="utf-8").split()]
    chrf = {}
    for name, texts in (("mt", mt), ("pe", pe)):
        back = backward.translate(forward.translate(texts))
        chrf[name] = [sentence_scores(b, t)["chrf"] for b, t in zip(back, texts, strict=True)]
    r = float(np.corrcoef(chrf["mt"], hter)[0, 1])
    return {"pair": pair, "sentences": len(mt), "chrf_mt": round(float(np.mean(chrf["mt"])), 1),
            "chrf_pe": round(float(np.mean(chrf["pe"])), 1), "r_chrf_hter": round(r, 3)}


def runner(src: str, tgt: str):  # noqa: ANN201 - an ApertiumTranslator
    """The Apertium runner of the role, even where OPUS-MT is pulled; ModelUnavailable (with the apt command) without it."""
    from mtqa.backends.loader import load
    from mtqa.backends.registry import load_registry
    from mtqa.backends.store import resolve_offline
    from mtqa.errors import ModelUnavailable

    spec = load_registry().translate(src, tgt)
    resolved = resolve_offline(spec)
    if resolved is None or resolved.program is None:
        command = spec.offline.install_command(spec.role) if spec.offline else spec.pull_command
        raise ModelUnavailable(f"Apertium {src}-{tgt} is not installed", command)
    return load(resolved)


def round_trip(forward, backward, texts: list[str]) -> tuple[dict, list[str]]:  # noqa: ANN001 - the two runners
    """The batched round trip's throughput (``texts`` en→es, then back, one process per direction), and what came back."""
    words = sum(len(t.split()) for t in texts)
    started = time.perf_counter()
    spanish = forward.translate(texts)
    forward_s = time.perf_counter() - started
    back = backward.translate(spanish)
    seconds = time.perf_counter() - started
    figures = {"sentences": len(texts), "words": words, "ref": forward.ref, "en_es_s": round(forward_s, 2),
               "round_trip_s": round(seconds, 2), "sentences_per_s": round(len(texts) / seconds, 1),
               "words_per_s": round(words / seconds)}
    return figures, back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/mlqe-pe"))
    parser.add_argument("--pairs", nargs="+", default=["et-en", "ro-en"], help="MLQE-PE pairs whose dev.pe is English")
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    texts = english(args.data, args.pairs, args.sentences)
    from mtqa.errors import ModelUnavailable

    try:
        forward, backward = runner("en", "es"), runner("es", "en")
    except ModelUnavailable as exc:
        raise SystemExit(str(exc)) from None
    measured, back = round_trip(forward, backward, texts)
    words, seconds, forward_s = measured["words"], measured["round_trip_s"], measured["en_es_s"]
    unchanged = sum(a.split() == b.split() for a, b in zip(texts, back, strict=True))
    started = time.perf_counter()
    forward.translate(["Hello world."])
    startup = time.perf_counter() - started
    long = " ".join(" ".join(texts).split()[:2000])
    started = time.perf_counter()
    [long_out] = forward.translate([long])
    long_s = time.perf_counter() - started
    results = {
        **measured, "pairs": args.pairs, "unchanged": unchanged, "startup_s": round(startup, 2),
        "long_words": len(long.split()), "long_s": round(long_s, 2), "long_out_words": len(long_out.split()),
        "load_average": os.getloadavg(),
    }
    print(f"Apertium round trip en→es→en ({forward.ref}), {len(texts)} MLQE-PE dev sentences "
          f"({', '.join(args.pairs)} post-edits, {words} words), one process per direction:")
    print(f"  {results['sentences_per_s']:8.1f} sentences/s  ({results['words_per_s']} words/s, {seconds:.2f} s, en→es {forward_s:.2f} s; goal ≥ 30 sentences/s)")
    print(f"  aligned: {len(back)} of {len(texts)} outputs; {unchanged} came back word for word")
    print(f"  start-up: {startup:.2f} s for one sentence in a fresh process")
    print(f"  a {results['long_words']}-word sentence, whole: {long_s:.2f} s ({results['long_out_words']} words out)")
    results["signal"] = [signal(args.data, pair, forward, backward) for pair in args.pairs]
    print("what the round trip sees (sentence chrF of the round trip; all dev sentences):")
    for row in results["signal"]:
        print(f"  {row['pair']}: MT output {row['chrf_mt']}, post-edit {row['chrf_pe']}; "
              f"Pearson r of the MT output's chrF with HTER {row['r_chrf_hter']} ({row['sentences']} sentences)")
    print(f"load average (1, 5, 15 min): {results['load_average']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
