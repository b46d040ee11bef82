"""Set MT301's threshold for a translator backend on MLQE-PE dev: a false-alarm rate on the post-edits.

    python benchmarks/calibrate_back_translation.py --data ../shared/data/mlqe-pe \
        [--pivot es] [--dev 1000] [--false-alarm 0.03] [--json out.json]

Round-trips the first ``--dev`` MT outputs (``dev.mt``) and post-edits (``dev.pe``) of each
X→en pair en→pivot→en through the translators and embedder MT301 gets (the registry's roles;
offline, Apertium and multilingual-e5), scores each as MT301 does (chrF and embedding cosine),
and prints, for a few chrF weights:
  1. the Pearson r of the MT output's score with HTER per pair (negative = agrees: a worse
     sentence round-trips worse);
  2. the share of (MT, post-edit) sentence pairs from the same pair folder where the MT
     output scores lower (0.5 = no separation);
  3. the threshold below which ``--false-alarm`` of the post-edits (correct text, as for MT402
     and MT311) fall, and the share of MT outputs below it.
With ``--repairs``, it measures instead what MT301 flags above the threshold: the changes of at
most three words a round trip makes that the ``lm:en`` model prefers by a margin (nats). On the
first ``--dev`` sentences per pair (the untokenised MT output, as ``mtqa eval`` reads it, and the
post-edit detokenised with sacremoses, from the ``train`` extra: ``pip install 'mtqa[train]'``), for each kind of change (any; replacements only;
replacements of as many words as they replace) and false-alarm budget, it prints the margin at
which that share of post-edits gets a repair, the share of MT outputs that do, the precision of the
flagged MT words against the BAD tags, and the mean word MCC over the pairs.

Test splits are never read. The output cache (``MTQA_CACHE_DIR``) makes a second run quick.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PAIRS = ("ro-en", "et-en", "ne-en", "ru-en", "si-en")
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def round_trip_scores(texts: list[str], forward, backward, embedder) -> list[tuple[float, float]]:  # noqa: ANN001
    """(chrF, cosine) of each text's round trip, as MT301 computes them."""
    from mtqa.backends.round_trip import sentence_scores
    from mtqa.backends.vectors import cosine

    back = backward.translate(forward.translate(texts))
    vectors = embedder.embed(texts + back)
    return [(sentence_scores(b, t)["chrf"], cosine(vectors[i], vectors[len(texts) + i]))
            for i, (t, b) in enumerate(zip(texts, back, strict=True))]


def dev(data: Path, pair: str, kind: str, count: int) -> list[str]:
    return (data / pair / f"dev.{kind}").read_text(encoding="utf-8").splitlines()[:count]


# Which of a round trip's small changes count as repairs: each kind is measured by --repairs.
REPAIR_KINDS = {
    "any": lambda text, change: True,
    "replaced": lambda text, change: change.replacement is not None,
    "same-length": lambda text, change: change.replacement is not None
    and len(change.replacement.split()) == len(text[change.start : change.end].split()),
}
BUDGETS = (0.10, 0.05, 0.03, 0.02, 0.01)


def repairs(data: Path, count: int, forward, backward, lm) -> dict[str, dict]:  # noqa: ANN001
    """Per pair, the MT outputs (with their tags) and post-edits with every small change and its gain."""
    try:
        from sacremoses import MosesDetokenizer
    except ImportError:
        sys.exit("calibrate_back_translation.py --repairs detokenises the post-edits with sacremoses: pip install 'mtqa[train]'")

    from mtqa.checks.back_translation import repair_gains
    from mtqa.evaluation.mlqe import load_pair

    detokenize = MosesDetokenizer("en").detokenize
    out = {}
    for pair in PAIRS:
        mt = load_pair(data, pair, "dev", limit=count)
        pe = [detokenize(line.split()) for line in dev(data, pair, "pe", count)]
        out[pair] = {"mt": mt, "pe": pe}
        for kind, texts in (("mt", mt.texts), ("pe", pe)):
            trips = backward.translate(forward.translate(texts))
            out[pair][f"{kind}_gains"] = repair_gains(lm, texts, trips, "en")
        print(f"  {pair}: {len(mt.texts)} MT outputs and post-edits round-tripped and judged", file=sys.stderr)
    return out


def repair_rows(measured: dict[str, dict]) -> list[dict]:
    """Per kind of change and false-alarm budget: the margin, the MT and post-edit shares, precision, MCC."""
    from mtqa.evaluation.metrics import Confusion
    from mtqa.evaluation.mlqe import bad_tokens

    rows = []
    for kind, keep in REPAIR_KINDS.items():
        def best(texts: list[str], gains: list) -> list[float]:  # noqa: ANN001
            return [max((g for c, g in row if keep(t, c)), default=float("-inf")) for t, row in zip(texts, gains)]

        pe_best = np.array([v for m in measured.values() for v in best(m["pe"], m["pe_gains"])])
        mt_best = np.array([v for m in measured.values() for v in best(m["mt"].texts, m["mt_gains"])])
        for budget in BUDGETS:
            margin = float(np.quantile(pe_best, 1 - budget))
            mccs, flagged, hits = [], 0, 0
            for m in measured.values():
                gold, predicted = [], []
                for text, tokenised, bad, row in zip(m["mt"].texts, m["mt"].sentences, m["mt"].word_bad, m["mt_gains"]):
                    spans = [(c.start, c.end) for c, g in row if keep(text, c) and g >= margin]
                    words = bad_tokens(text, tokenised, spans)
                    gold += bad
                    predicted += words
                    flagged += sum(words)
                    hits += sum(w and b for w, b in zip(words, bad))
                mccs.append(Confusion.of(gold, predicted).mcc())
            rows.append({"kind": kind, "budget": budget, "margin": round(margin, 2),
                         "pe_flagged": round(float((pe_best >= margin).mean()), 4),
                         "mt_flagged": round(float((mt_best >= margin).mean()), 4),
                         "word_precision": round(hits / flagged, 3) if flagged else None, "words_flagged": flagged,
                         "word_mcc": {p: round(v, 3) for p, v in zip(measured, mccs)},
                         "word_mcc_mean": round(float(np.mean(mccs)), 3)})
    return rows


def main() -> None:
    from mtqa.backends import Models
    from mtqa.checks.back_translation import combined

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/mlqe-pe"))
    parser.add_argument("--pivot", default="es")
    parser.add_argument("--dev", type=int, default=1000, help="sentences per pair")
    parser.add_argument("--false-alarm", type=float, default=0.03)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--repairs", action="store_true", help="measure the repairs MT301 flags (needs lm:en)")
    args = parser.parse_args()
    models = Models()
    forward, backward = models.translator("en", args.pivot), models.translator(args.pivot, "en")
    if args.repairs:
        lm = models.lm("en")
        print(f"MT301 repairs en→{args.pivot}→en: {forward.ref} + {backward.ref}, lm {lm.ref}; "
              f"{args.dev} dev sentences per pair")
        rows = repair_rows(repairs(args.data, args.dev, forward, backward, lm))
        for row in rows:
            print(f"{row['kind']:<12} post-edits {row['budget']:>4.0%}: margin {row['margin']:6.2f} | MT outputs "
                  f"{row['mt_flagged']:.1%} | MT words flagged {row['words_flagged']}, precision "
                  f"{row['word_precision']} | word MCC {' '.join(f'{p} {v:+.3f}' for p, v in row['word_mcc'].items())} "
                  f"mean {row['word_mcc_mean']:+.3f}")
        if args.json:
            args.json.write_text(json.dumps({"ref": f"{forward.ref}+{backward.ref}", "lm": lm.ref, "dev": args.dev,
                                             "repairs": rows}, indent=2) + "\n", encoding="utf-8")
        return
    embedder = models.embedder()
    scores: dict[str, dict[str, list]] = {}
    for pair in PAIRS:
        scores[pair] = {kind: round_trip_scores(dev(args.data, pair, kind, args.dev), forward, backward, embedder)
                        for kind in ("mt", "pe")}
        scores[pair]["hter"] = [float(x) for x in dev(args.data, pair, "hter", args.dev)]
    print(f"MT301 round trip en→{args.pivot}→en: {forward.ref} + {backward.ref} (backend {forward.backend}), "
          f"embed {embedder.ref}; {args.dev} dev sentences per pair, MT output and post-edit")
    results = []
    for weight in WEIGHTS:
        mt = {p: np.array([combined(c, s, weight) for c, s in scores[p]["mt"]]) for p in PAIRS}
        pe = {p: np.array([combined(c, s, weight) for c, s in scores[p]["pe"]]) for p in PAIRS}
        r = {p: float(np.corrcoef(mt[p], scores[p]["hter"])[0, 1]) for p in PAIRS}
        lower = float(np.mean([(mt[p][:, None] < pe[p][None, :]).mean() for p in PAIRS]))
        every_pe, every_mt = np.concatenate(list(pe.values())), np.concatenate(list(mt.values()))
        threshold = round(float(np.quantile(every_pe, args.false_alarm)), 3)
        row = {"chrf_weight": weight, "r_hter": {p: round(v, 3) for p, v in r.items()},
               "r_hter_mean": round(float(np.mean(list(r.values()))), 3), "mt_lower": round(lower, 3),
               "threshold": threshold, "pe_flagged": round(float((every_pe < threshold).mean()), 4),
               "mt_flagged": round(float((every_mt < threshold).mean()), 4)}
        results.append(row)
        print(f"chrf_weight {weight:<4g} r(score, HTER) {' '.join(f'{p} {v:+.3f}' for p, v in r.items())} "
              f"mean {row['r_hter_mean']:+.3f} | MT lower than post-edit {lower:.3f} | threshold at "
              f"{args.false_alarm:.0%} of post-edits {threshold:.3f} (MT outputs below it: {row['mt_flagged']:.1%})")
    if args.json:
        args.json.write_text(json.dumps({"ref": f"{forward.ref}+{backward.ref}", "embed": embedder.ref,
                                         "dev": args.dev, "rows": results}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
