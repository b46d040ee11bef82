"""How round trips are labelled: ``mlqe_labels`` against MLQE-PE's own tags, and what Apertium makes.

First, on MLQE-PE dev (MT against post-edit): the share of MT words whose tag
``round_trips.mlqe_labels`` reproduces, of sentences whose every tag it reproduces, and of
sentences whose HTER it gives (within .001). Then, with ``--round-trips N``, N dev
post-edits per pair through each pivot: the share of identical round trips, the BAD rate and
mean HTER, and a few labelled examples.

    python benchmarks/measure_round_trip_labels.py --data ../shared/data
    MTQA_MODELS_DIR=... HF_HUB_OFFLINE=1 python benchmarks/measure_round_trip_labels.py \\
        --data ../shared/data --round-trips 200
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from mtqa.backends import Models
from mtqa.backends.apertium import ProgramFailed
from mtqa.detector.data import TRAIN_PAIRS, bad_rate, read_post_edits
from mtqa.detector.round_trips import mlqe_labels, round_trip_examples

PIVOTS = ("es", "ca", "gl")


def agreement(root: Path) -> None:
    print("pair   words   sentences  hter")
    for pair in TRAIN_PAIRS:
        folder = root / "mlqe-pe" / pair
        mt, pe, tags, hter = (
            (folder / f"dev.{ext}").read_text(encoding="utf-8").splitlines() for ext in ("mt", "pe", "tags", "hter")
        )
        words = same_words = same_sentences = same_hter = 0
        for m, p, t, h in zip(mt, pe, tags, hter, strict=True):
            gold = [tag == "BAD" for tag in t.split()[1::2]]
            labels = mlqe_labels(m.split(), p.split())
            words += len(gold)
            same_words += sum(a == b for a, b in zip(labels.bad, gold, strict=True))
            same_sentences += labels.bad == gold
            same_hter += abs(labels.hter - float(h)) < 1e-3
        n = len(mt)
        print(f"{pair}  {same_words / words:.4f}  {same_sentences / n:.3f}      {same_hter / n:.3f}")


def round_trips(root: Path, n: int) -> None:
    sentences = read_post_edits(root / "mlqe-pe", TRAIN_PAIRS, "dev", n)
    models = Models()
    for pivot in PIVOTS:
        there, back = models.translator("en", pivot), models.translator(pivot, "en")
        try:
            examples = round_trip_examples(sentences, there, back, pivot)
        except ProgramFailed as exc:  # eng-cat returns nothing for "Russia is heavily getting up off its knees"
            print(f"pivot {pivot}: {exc}")
            continue
        identical = sum(e.hter == 0 for e in examples) / len(examples)
        print(f"pivot {pivot}: {len(examples)} round trips, identical {identical:.3f}, "
              f"BAD rate {bad_rate(examples):.3f}, mean hter {statistics.fmean(e.hter for e in examples):.3f}")
        for example in examples[:3]:
            print("   ", " ".join(w + ("*" if b else "") for w, b in zip(example.words, example.bad, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the data root (holds mlqe-pe/)")
    parser.add_argument("--round-trips", type=int, default=0, help="dev post-edits per pair to round-trip")
    args = parser.parse_args()
    agreement(args.data)
    if args.round_trips:
        round_trips(args.data, args.round_trips)


if __name__ == "__main__":
    main()
