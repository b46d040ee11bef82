"""Measure MT311's suggestions on MLQE-PE dev: how often one is offered, and how often the post-editor wrote it.

    MTQA_MODELS_DIR=... python benchmarks/measure_lm_suggestions.py --data ../shared/data/mlqe-pe \
        [--pairs ro-en,et-en] [--dev 200] [--margins 0,1,2,4,8]

Each pair's first ``--dev`` dev MT sentences are one document, checked by MT311 as ``mtqa eval``
checks them, with ``suggestion_margin`` below every margin measured, so that every flagged word
with a likelier word carries it as the suggestion, with its gain (bits); at each margin
a suggestion is offered where the gain exceeds it. The flagged word's MT tokens are aligned to
the post-edit's (difflib over lower-cased tokens): the post-editor *kept* the word (an equal
block), *dropped* it, or *replaced* it, and the suggestion *matches* when the post-edit tokens
replacing it contain it. The post-editor's word is one correct choice among several, so the
match rate is a rough floor on how often a suggestion is right, not a precision.

Run under a checkout whose MT311 records no gain, it reports that checkout's suggestions as
they are (one row, "as shipped"). Test splits are never read.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PAIRS = ("ro-en", "et-en", "ne-en", "ru-en", "si-en")
BELOW_EVERY_MARGIN = -1e9


def fate(mt_tokens: list[str], pe_tokens: list[str], covered: list[bool]) -> tuple[str, set[str]]:
    """What the post-editor did with the covered MT tokens: kept, dropped or replaced (and by which tokens)."""
    matcher = difflib.SequenceMatcher(None, [t.lower() for t in mt_tokens], [t.lower() for t in pe_tokens], autojunk=False)
    tags, written = set(), set()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if any(covered[i1:i2]):
            tags.add(tag)
            written.update(t.lower() for t in pe_tokens[j1:j2] if tag == "replace")
    if "replace" in tags:
        return "replaced", written
    return ("kept", written) if "equal" in tags else ("dropped", written)


def flagged_words(args: argparse.Namespace) -> list[tuple[str | None, float | None, str, set[str]]]:
    """(suggestion, gain bits or None, the post-editor's fate of the word, the tokens written instead) per finding."""
    from mtqa.checks import CheckContext
    from mtqa.checks.lm_surprisal import LMSurprisal
    from mtqa.evaluation.files import read_lines
    from mtqa.evaluation.mlqe import bad_tokens, load_pair
    from mtqa.evaluation.system import sentences_document

    check = LMSurprisal()
    ctx_options = {check.code: {"suggestion_margin": BELOW_EVERY_MARGIN}}
    rows = []
    for pair in args.pairs.split(","):
        data = load_pair(args.data, pair, "dev", args.dev)
        post_edit = dict(zip(read_lines(args.data / pair / "dev.mt"), read_lines(args.data / pair / "dev.pe"), strict=True))
        document = sentences_document(data.texts)
        for finding in check.check_document(document, CheckContext(options=ctx_options)):
            index = next(i for i, s in enumerate(document.segments) if s.start <= finding.start < s.end)
            segment, tokenised = document.segments[index], data.sentences[index]
            span = (finding.start - segment.start, finding.end - segment.start)
            covered = bad_tokens(data.texts[index], tokenised, [span])
            what, written = fate(tokenised.split(), post_edit[tokenised].split(), covered)
            rows.append((finding.suggestion, finding.details.get("suggestion_gain_bits"), what, written))
        print(f"{pair}: {len(rows)} flagged words so far", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--pairs", default=",".join(PAIRS))
    parser.add_argument("--dev", type=int, default=200, help="dev sentences per pair")
    parser.add_argument("--margins", default="0,1,2,4,8", help="suggestion margins in bits, comma-separated")
    args = parser.parse_args()

    rows = flagged_words(args)
    fates = Counter(what for _, _, what, _ in rows)
    print(f"{len(rows)} flagged words; the post-editor kept {fates['kept']}, replaced {fates['replaced']}, "
          f"dropped {fates['dropped']}")
    policies = [("as shipped", None)] if all(gain is None for _, gain, _, _ in rows) else [
        (f"margin {m:g}", m) for m in map(float, args.margins.split(","))
    ]
    print("| policy | offered | share of flagged | on words kept | on words replaced | matches the post-edit | share of offered | share of offered on replaced words |")
    print("|---|---|---|---|---|---|---|---|")
    for name, margin in policies:
        offered = [r for r in rows if r[0] is not None and (margin is None or r[1] > margin)]
        replaced = [r for r in offered if r[2] == "replaced"]
        matched = [r for r in replaced if r[0].lower() in r[3]]
        kept = sum(r[2] == "kept" for r in offered)
        print(f"| {name} | {len(offered)} | {len(offered) / max(len(rows), 1):.1%} | {kept} | {len(replaced)} | "
              f"{len(matched)} | {len(matched) / max(len(offered), 1):.1%} | {len(matched) / max(len(replaced), 1):.1%} |")


if __name__ == "__main__":
    main()
