"""The detector's dev table: every `mtqa eval` measure for the rules, the detector and both.

    python benchmarks/detector_dev_table.py --data ../shared/data [--model models/mtqa-detector-en] \
        [--systems rules,MT402,MT401,DEFAULT,DEFAULT+MT401] [--json table.json]

Runs, for each system (a `--checks` selection), target only (`--no-source`), on all of each dev set:

    mtqa eval mlqe-pe --data DATA/mlqe-pe --split dev --pairs ro-en,et-en,ne-en,ru-en,si-en --no-source --checks X
    mtqa eval demetr  --data DATA/demetr  --split dev --no-source --checks X
    mtqa eval mqm     --data DATA/mqm     --split dev --no-source --checks X

and prints one Markdown table (rows: measures; columns: systems), with the per-pair DA Pearson
beside OpenKiwi's test figures + .05 (the issue's goal). `--model` points the checks at a detector
folder (``MTQA_DETECTOR_DIR``). Each run's JSON is kept beside `--json` when given.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PAIRS = ("ro-en", "et-en", "ne-en", "ru-en", "si-en")
OPENKIWI = {"ro-en": 0.685, "et-en": 0.477, "ne-en": 0.386, "si-en": 0.374, "ru-en": 0.548}
# DEMETR's perturbations a reader of the English alone can see (the model card's footnote).
ENGLISH_VISIBLE = {"repeat2", "repeat4", "word_swap", "shuffled", "shuffle_trans", "function_word", "verb_removed",
                   "subj_removed", "codemix", "final_punc_removed", "punc_addition", "case", "full_lower",
                   "first_lower"}
SELECTIONS = {"rules": "MT1,MT2", "MT402": "MT402", "MT401": "MT401", "DEFAULT": "DEFAULT",
              "DEFAULT+MT401": "DEFAULT,MT401"}


def run_eval(benchmark: str, data: Path, checks: str, out: Path, env: dict[str, str]) -> dict:
    command = [sys.executable, "-m", "mtqa", "eval", benchmark, "--data", str(data), "--split", "dev",
               "--no-source", "--checks", checks, "--json", str(out)]
    if benchmark == "mlqe-pe":
        command += ["--pairs", ",".join(PAIRS)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return json.loads(out.read_text(encoding="utf-8"))


def measures(mlqe: dict, demetr: dict, mqm: dict) -> dict[str, float]:
    average, pairs = mlqe["results"]["average"], mlqe["results"]["pairs"]
    row = {"MLQE-PE word MCC (mean)": average["word_mcc"], "MLQE-PE DA r (mean)": average["da_pearson"],
           "MLQE-PE HTER r (mean)": average["hter_pearson"]}
    row |= {f"MLQE-PE DA r {pair}": pairs[pair]["da_pearson"] for pair in PAIRS}
    row |= {f"MLQE-PE word MCC {pair}": pairs[pair]["word_mcc"] for pair in PAIRS}
    results = demetr["results"]
    row["DEMETR overall"] = results["overall"]["accuracy"]
    visible = [v for k, v in results["perturbations"].items() if k.split("_", 2)[-1] in ENGLISH_VISIBLE]
    n = sum(v["n"] for v in visible)
    row["DEMETR English-visible"] = sum(v["accuracy"] * v["n"] for v in visible) / n if n else float("nan")
    spans = mqm["results"]
    row |= {f"MQM span {k}": spans["span"][k] for k in ("precision", "recall", "f1")}
    row["MQM Kendall tau"] = spans["kendall_tau"]
    return {k: float("nan") if v is None else v for k, v in row.items()}  # None: nothing flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="the folder holding mlqe-pe/, demetr/ and mqm/")
    parser.add_argument("--model", type=Path, help="a detector folder (default: the shipped one)")
    parser.add_argument("--systems", default=",".join(SELECTIONS), help=f"comma-separated, of {', '.join(SELECTIONS)}")
    parser.add_argument("--json", type=Path, help="write the table (and each run's JSON beside it)")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.model:
        env["MTQA_DETECTOR_DIR"] = str(args.model.resolve())
    keep = args.json.parent if args.json else Path(tempfile.mkdtemp(prefix="mtqa-dev-table-"))
    table: dict[str, dict[str, float]] = {}
    signatures: dict[str, dict[str, str]] = {}
    for system in [s.strip() for s in args.systems.split(",") if s.strip()]:
        runs = {b: run_eval(b, args.data / b, SELECTIONS[system], keep / f"{b}.{system}.json", env)
                for b in ("mlqe-pe", "demetr", "mqm")}
        table[system] = measures(runs["mlqe-pe"], runs["demetr"], runs["mqm"])
        signatures[system] = runs["mlqe-pe"]["signatures"]
        print(f"done: {system}", file=sys.stderr, flush=True)
    systems = list(table)
    print("| measure | " + " | ".join(systems) + " | goal |")
    print("|---" * (len(systems) + 2) + "|")
    for measure in table[systems[0]]:
        pair = measure.rsplit(" ", 1)[-1]
        goal = f"≥ {OPENKIWI[pair] + 0.05:.3f}" if measure.startswith("MLQE-PE DA r ") and pair in OPENKIWI else ""
        cells = " | ".join(f"{table[s].get(measure, float('nan')):.3f}" for s in systems)
        print(f"| {measure} | {cells} | {goal} |")
    for system, signature in signatures.items():
        print(f"\n{system}: " + "; ".join(f"{k} `{v}`" for k, v in signature.items()))
    if args.json:
        args.json.write_text(json.dumps({"table": table, "signatures": signatures}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
