"""Calibrate MT303's aligner for the embed model on MLQE-PE dev: its cosine floor and skip cost.

    python benchmarks/calibrate_omission_addition.py --data ../shared/data/mlqe-pe \
        [--group 3] [--false-alarm 0.03] [--json out.json]

MLQE-PE dev holds single sentences, so consecutive units are joined into groups of
``--group`` (source: the ``.da.tsv`` originals; target: the post-edits, correct text), each
split into sentences as MT303 splits them. Three cases per group:
  * unchanged: every false alarm here is one (MT303 reports one finding per unaligned bead);
  * omission: the target of one unit (which one rotates) is dropped;
  * addition: the post-edit of a unit from elsewhere in the pair is inserted (position rotates).
The floor is the mean cosine of unrelated (source sentence, post-edit sentence) pairs: unit i's
source against unit i + 500's post-edit (mod n). Then, for a grid of skip costs, the false
alarms per unit on the unchanged groups, and the share of omissions and additions found
(an unaligned bead holding the dropped unit's source, or the inserted sentence). The skip
cost shipped is the lowest whose false alarms stay within ``--false-alarm``; the uncalibrated
setting (floor 0, skip 0.8) is printed for comparison. Test splits are never read; embeddings
go through the output cache (``MTQA_CACHE_DIR``), so a second run is quick.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PAIRS = ("ro-en", "et-en", "ne-en", "ru-en", "si-en", "en-de")
SKIPS = tuple(round(x, 2) for x in np.arange(0.20, 0.81, 0.025))
OFFSET = 500  # the unit an unrelated sentence comes from: far from the group


def units(data: Path, pair: str) -> list[tuple[str, str]]:
    """(source, post-edit) of every dev unit of the pair, in order."""
    csv.field_size_limit(1 << 30)
    with (data / pair / "dev.da.tsv").open(encoding="utf-8") as handle:
        sources = [row["original"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    post_edits = (data / pair / "dev.pe").read_text(encoding="utf-8").splitlines()
    if len(sources) != len(post_edits):
        raise SystemExit(f"{pair}: {len(sources)} .da.tsv rows but {len(post_edits)} post-edits")
    return list(zip(sources, post_edits, strict=True))


def split(texts: list[str], lang: str) -> list[list[str]]:
    from mtqa.segment import sentence_spans

    return [[t[a:b] for a, b in sentence_spans(t, lang)] or [t] for t in texts]


def cases(src: list[list[str]], tgt: list[list[str]], group: int) -> dict[str, list[dict]]:
    """Per case kind, per group: source sentences, target sentences (unit ids) and what was changed."""
    n = len(src) - len(src) % group
    out: dict[str, list[dict]] = {"unchanged": [], "omission": [], "addition": []}
    for g, first in enumerate(range(0, n, group)):
        ids = list(range(first, first + group))
        source = [(u, s) for u in ids for s in src[u]]
        target = [(u, t) for u in ids for t in tgt[u]]
        out["unchanged"].append({"source": source, "target": target, "units": group})
        dropped = ids[g % group]
        out["omission"].append({"source": source, "target": [x for x in target if x[0] != dropped], "dropped": dropped})
        stranger = (first + OFFSET) % len(src)
        at = sum(len(tgt[u]) for u in ids[: g % (group + 1)])
        added = [(-1, t) for t in tgt[stranger]]
        out["addition"].append({"source": source, "target": target[:at] + added + target[at:]})
    return out


def run_aligner(kind: str, items: list[dict], vectors: dict[str, list[float]], costs) -> list[int]:  # noqa: ANN001
    """Per item: the number of unaligned beads (unchanged), or 1 if the change was found, else 0."""
    from mtqa.backends.align import align

    results = []
    for item in items:
        sources, targets = [s for _, s in item["source"]], [t for _, t in item["target"]]
        beads = align(sources, targets, [vectors[s] for s in sources], [vectors[t] for t in targets], costs)
        gaps = [b for b in beads if not b.source or not b.target]
        if kind == "unchanged":
            results.append(len(gaps))
        elif kind == "omission":
            results.append(int(any(item["source"][i][0] == item["dropped"] for b in gaps for i in b.source)))
        else:
            results.append(int(any(item["target"][j][0] == -1 for b in gaps for j in b.target)))
    return results


def main() -> None:
    from mtqa.backends import Models
    from mtqa.backends.align import Costs, costs_for

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/mlqe-pe"))
    parser.add_argument("--group", type=int, default=3, help="consecutive units per group")
    parser.add_argument("--false-alarm", type=float, default=0.03, help="false alarms per unchanged unit")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    embedder = Models().embedder()
    all_cases: dict[str, list[dict]] = {"unchanged": [], "omission": [], "addition": []}
    vectors: dict[str, list[float]] = {}
    unrelated, related = [], []
    for pair in PAIRS:
        src_lang, tgt_lang = pair.split("-")
        rows = units(args.data, pair)
        src, tgt = split([s for s, _ in rows], src_lang), split([t for _, t in rows], tgt_lang)
        texts = sorted({s for sents in src + tgt for s in sents} - vectors.keys())
        vectors.update(zip(texts, embedder.embed(texts), strict=True))
        for u in range(len(rows)):
            related.append(float(np.dot(vectors[src[u][0]], vectors[tgt[u][0]])))
            unrelated.append(float(np.dot(vectors[src[u][0]], vectors[tgt[(u + OFFSET) % len(rows)][0]])))
        for kind, items in cases(src, tgt, args.group).items():
            all_cases[kind] += items
    floor = round(float(np.mean(unrelated)), 3)
    print(f"embed {embedder.ref} ({embedder.model_id}); MLQE-PE dev, {len(PAIRS)} pairs, groups of {args.group} units: "
          f"{len(all_cases['unchanged'])} per case")
    print(f"cosine of a source sentence and its post-edit: mean {np.mean(related):.3f}; of an unrelated post-edit: "
          f"mean {floor:.3f} (5th-95th percentile {np.quantile(unrelated, 0.05):.3f}-{np.quantile(unrelated, 0.95):.3f})")
    n_units = len(all_cases["unchanged"]) * args.group

    def measure(costs: Costs) -> dict[str, float]:
        found = {kind: run_aligner(kind, items, vectors, costs) for kind, items in all_cases.items()}
        return {"false_alarms_per_unit": sum(found["unchanged"]) / n_units,
                "omissions_found": float(np.mean(found["omission"])), "additions_found": float(np.mean(found["addition"]))}

    def show(label: str, row: dict[str, float]) -> None:
        print(f"  {label}: false alarms per unit {row['false_alarms_per_unit']:.2%}, omissions found "
              f"{row['omissions_found']:.1%}, additions found {row['additions_found']:.1%}")

    show("uncalibrated (floor 0, skip 0.8)", measure(Costs(floor=0.0, skip_cost=0.8)))
    shipped = costs_for(embedder.model_id)
    show(f"shipped for {embedder.model_id} (floor {shipped.floor:g}, skip {shipped.skip_cost:g})", measure(shipped))
    print(f"floor {floor}, by skip cost:")
    grid = []
    for skip in SKIPS:
        row = {"skip_cost": skip, **measure(Costs(floor=floor, skip_cost=skip))}
        grid.append(row)
        show(f"skip {skip:.3f}", row)
    within = [row for row in grid if row["false_alarms_per_unit"] <= args.false_alarm]
    chosen = min(within, key=lambda row: row["skip_cost"]) if within else None
    if chosen:
        print(f"lowest skip cost within {args.false_alarm:.0%} false alarms per unit: {chosen['skip_cost']}")
    else:
        print(f"no skip cost in the grid keeps false alarms within {args.false_alarm:.0%}")
    if args.json:
        args.json.write_text(json.dumps({"embed": embedder.ref, "floor": floor, "group": args.group, "grid": grid,
                                         "chosen": chosen}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
