"""What the `embed` role's source–target cosine says about translation quality (MT302 without MT).

On MLQE-PE dev: Pearson r of the cosine with DA ``z_mean`` and HTER per pair, and the
threshold with the best pooled MCC against "bad" (``z_mean`` < -1), which is MT302's
``similarity_threshold``. On DEMETR dev: how often the perturbed translation scores below the
good one, and what the threshold flags. The figures are in docs/models.md.

    python benchmarks/measure_e5_similarity.py --data ../shared/data

The embed role comes from the registry (``MTQA_REGISTRY`` may point it at a converted folder);
embeddings go through the output cache, so a second run is quick.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import math
import random
from pathlib import Path

import numpy as np

from mtqa.backends import Models
from mtqa.checks.source_divergence import SIMILARITY_THRESHOLD

PAIRS = ("en-de", "et-en", "ne-en", "ro-en", "ru-en", "si-en")


def cosines(embedder, sources: list[str], targets: list[str]) -> np.ndarray:  # noqa: ANN001
    vectors = np.array(embedder.embed(sources + targets))
    return (vectors[: len(sources)] * vectors[len(sources) :]).sum(1)


def mcc(predicted: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    """(MCC, precision, recall) of ``predicted`` against ``gold``."""
    tp, fp = np.sum(predicted & gold), np.sum(predicted & ~gold)
    fn, tn = np.sum(~predicted & gold), np.sum(~predicted & ~gold)
    scale = math.sqrt(max(float((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)), 1.0))
    return float(tp * tn - fp * fn) / scale, float(tp / max(tp + fp, 1)), float(tp / max(tp + fn, 1))


def mlqe(embedder, root: Path) -> None:  # noqa: ANN001
    csv.field_size_limit(1 << 30)
    scores, z, hter, pairs = [], [], [], []
    for pair in PAIRS:
        with (root / pair / "dev.da.tsv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        scores += list(cosines(embedder, [r["original"] for r in rows], [r["translation"] for r in rows]))
        z += [float(r["z_mean"]) for r in rows]
        hter += [float(x) for x in (root / pair / "dev.hter").read_text().split()]
        pairs += [pair] * len(rows)
    c, zs, hs, ps = np.array(scores), np.array(z), np.array(hter), np.array(pairs)
    bad = zs < -1
    best_mcc, best = max((mcc(c < t, bad)[0], round(float(t), 3)) for t in np.arange(0.70, 0.95, 0.005))
    print(f"MLQE-PE dev, {len(c)} units, bad (z_mean < -1) {bad.mean():.1%}; best pooled MCC {best_mcc:.3f} at {best}")
    for label, t in (("shipped", SIMILARITY_THRESHOLD), ("best", best)):
        m, p, r = mcc(c < t, bad)
        print(f"  {label} threshold {t}: MCC {m:.3f}, precision {p:.2f}, recall {r:.2f}, flagged {np.mean(c < t):.1%}")
    print("| pair | r with DA | r with HTER | flagged | bad | precision | recall | MCC |")
    for pair in PAIRS:
        k = ps == pair
        m, p, r = mcc(c[k] < SIMILARITY_THRESHOLD, bad[k])
        print(
            f"| {pair} | {np.corrcoef(c[k], zs[k])[0, 1]:.2f} | {np.corrcoef(c[k], hs[k])[0, 1]:.2f} "
            f"| {np.mean(c[k] < SIMILARITY_THRESHOLD):.1%} | {bad[k].mean():.1%} | {p:.2f} | {r:.2f} | {m:.2f} |"
        )


def demetr(embedder, path: Path, sample: int) -> None:  # noqa: ANN001
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [item for item in items if item.get("pert_check")]
    random.Random(0).shuffle(items)
    items = items[:sample]
    sources = [item["src_sent"] for item in items]
    good = cosines(embedder, sources, [item["mt_sent"] for item in items])
    perturbed = cosines(embedder, sources, [item["pert_sent"] for item in items])
    t = SIMILARITY_THRESHOLD
    print(f"DEMETR dev, {len(items)} items: perturbed below good {np.mean(perturbed < good):.1%}; flagged at "
          f"{t}: good {np.mean(good < t):.1%}, perturbed {np.mean(perturbed < t):.1%}")
    by_type = collections.defaultdict(list)
    for item, a, b in zip(items, good, perturbed, strict=True):
        by_type[item["pert_name"]].append((b < a, a - b, b < SIMILARITY_THRESHOLD))
    for name, rows in sorted(by_type.items()):
        below, drop, flagged = (np.mean([row[i] for row in rows]) for i in range(3))
        print(f"  {name}: below good {below:.2f}, mean drop {drop:.3f}, flagged {flagged:.2f} (n={len(rows)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared dev data folder")
    parser.add_argument("--demetr-sample", type=int, default=3000, help="DEMETR items (a fixed random sample)")
    args = parser.parse_args()
    embedder = Models().embedder()
    print("embed model:", embedder.ref)
    mlqe(embedder, args.data / "mlqe-pe")
    demetr(embedder, args.data / "demetr" / "dev.jsonl", args.demetr_sample)


if __name__ == "__main__":
    main()
