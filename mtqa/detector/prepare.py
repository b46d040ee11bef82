"""Training sources that cost minutes to make, made once into a folder the trainer reads.

``mtqa train prepare --out runs/prep …`` writes:

* ``clean.txt``: clean news sentences (the training part of the BBC corpus, ``corpora``), one a
  line, words split by spaces; the trainer adds them to the post-edits that stay clean or get
  synthetic errors.
* ``round-trips.jsonl``: round trips of clean sentences through Apertium (``round_trips``), real
  rule-based MT errors labelled as MLQE-PE's were. An acceptable paraphrase ("homes" →
  "houses") would teach false alarms, so a changed stretch that replaces content words by
  others and keeps the meaning (``judged_round_trips``) is relabelled OK. The rest are BAD and,
  for the pattern head, a ``garbled_phrase``.
* ``wrong-sense.jsonl``: dictionary wrong senses (``corruptions.wrong_sense``) that SmolLM2
  finds about as fluent as the original words and that change the meaning (``fluent_wrong_senses``):
  fluent and wrong, like "the delegation punched officials".
* ``prepare.json``: the settings and the counts, for the model card.

Everything is drawn from (seed), so the same command makes the same folder.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mtqa.detector.corruptions import AUXILIARIES, FUNCTION_WORDS, PATTERNS, Lexicon, toks, wrong_sense
from mtqa.detector.data import Example, pattern_classes
from mtqa.detector.round_trips import Translator, detokenise, edit_spans, mlqe_labels
from mtqa.detector.words import WORD

GARBLED = 1 + PATTERNS.index("garbled_phrase")
WRONG_SENSE = "wrong_sense"
Embed = Callable[[Sequence[str]], Any]  # texts → unit vectors (rows of a numpy array)
Score = Callable[[Sequence[str]], list[float]]  # texts → summed token log-probabilities


@dataclass
class PrepareOptions:
    out: Path
    seed: int = 13
    round_trip_sentences: int = 12000  # per pivot
    pivots: tuple[str, ...] = ("es", "gl")
    max_hter: float = 0.6  # round trips changed more than this are word salad, not MT
    paraphrase_cosine: float = 0.95  # of windows around a change (``judged_round_trips``)
    wrong_sense_sentences: int = 2000  # candidates scored by the LM
    fluent_margin: float = 2.0  # nats: "about as fluent" (round-trip paraphrases and wrong senses)


def encoder_embedder(encoder_dir: Path, batch_size: int = 64) -> Embed:
    """Sentence vectors from the base encoder (all-MiniLM-L6-v2: mean of the sub-tokens, unit length,
    as sentence-transformers pools it), for telling paraphrases from changes of meaning."""
    import numpy as np
    import torch

    from mtqa.detector.model import from_pretrained_encoder
    from mtqa.detector.tokens import encode, load_tokenizer

    tokenizer, encoder = load_tokenizer(encoder_dir), from_pretrained_encoder(encoder_dir).bert.eval()

    def embed(texts: Sequence[str]) -> Any:
        rows = []
        for begin in range(0, len(texts), batch_size):
            batch = encode(tokenizer, [t.split() for t in texts[begin : begin + batch_size]], 256)
            mask = torch.from_numpy(batch.mask)
            with torch.inference_mode():
                hidden = encoder(torch.from_numpy(batch.ids), mask)
            weights = mask[..., None].float()
            pooled = (hidden * weights).sum(1) / weights.sum(1)
            rows.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(rows)

    return embed


def write_examples(path: Path, examples: Sequence[Example]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for e in examples:
            handle.write(json.dumps({"words": e.words, "bad": e.bad, "hter": e.hter, "origin": e.origin,
                                     "kinds": e.kinds}) + "\n")


def read_examples(path: Path) -> list[Example]:
    """The examples of a ``*.jsonl`` file written by ``write_examples``."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            examples.append(Example(row["words"], row["bad"], hter=float(row["hter"]), origin=row["origin"],
                                    kinds=row["kinds"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a training example ({exc})") from None
    return examples


CONTEXT = 3  # words each side of a changed stretch that its meaning and fluency are judged in


def _window(words: Sequence[str], start: int, end: int, middle: Sequence[str]) -> str:
    return " ".join([*words[max(0, start - CONTEXT) : start], *middle, *words[end : end + CONTEXT]])


def _content_change(old: Sequence[str], new: Sequence[str]) -> bool:
    """Content words replaced by others: no word kept (a kept word means a reordering, which the
    sentence vector cannot see), and not only small words changed (a, in, is, ...)."""
    before, after = {w.lower() for w in old}, {w.lower() for w in new}
    if not before or not after or before & after:
        return False
    return not (before | after) <= FUNCTION_WORDS | AUXILIARIES and all(w.isalpha() for w in (*old, *new))


def _cosines(embed: Embed, before: Sequence[str], after: Sequence[str]) -> list[float]:
    if not before:
        return []
    vectors_before, vectors_after = embed(before), embed(after)
    return [float(vectors_before[i] @ vectors_after[i]) for i in range(len(before))]


def round_trip_texts(texts: Sequence[str], there: Translator, back: Translator) -> list[str | None]:
    """Each text there and back; a text the translator cannot answer for (Apertium's output for
    one of eng-cat's or gl-en's inputs does not come back aligned) is None, the others are kept:
    a failing batch is halved until the failing texts are alone."""
    from mtqa.backends.apertium import ProgramFailed

    try:
        return list(back.translate(there.translate(list(texts))))
    except ProgramFailed:
        if len(texts) == 1:
            return [None]
    middle = len(texts) // 2
    return round_trip_texts(texts[:middle], there, back) + round_trip_texts(texts[middle:], there, back)


def judged_round_trips(
    sentences: Sequence[Sequence[str]], there: Translator, back: Translator, pivot: str, embed: Embed,
    opts: PrepareOptions,
) -> tuple[list[Example], dict[str, int]]:
    """Round trips of ``sentences`` with paraphrased stretches relabelled OK (see the module).

    A stretch is a paraphrase when it replaces content words ("killed" → "murdered"; not a
    reordering, and not a change of small words such as "are" → "is", which keeps the meaning
    but breaks the grammar) and the vector of a window of ``CONTEXT`` words each side stays within
    ``paraphrase_cosine`` of the original window's (the meaning is kept).
    """
    texts = [detokenise(s) for s in sentences]
    returned = round_trip_texts(texts, there, back)
    counts = {"sentences": len(texts), "untranslatable": returned.count(None), "identical": 0, "too_changed": 0,
              "stretches": 0, "content_changes": 0, "paraphrases": 0}
    pending: list[tuple[list[str], list[str], list[tuple[int, int, int, int]]]] = []
    for text, trip in zip(texts, returned, strict=True):
        if trip is None:
            continue
        reference, words = WORD.findall(text), WORD.findall(trip)
        if not reference or not words:
            continue
        if mlqe_labels(words, reference).hter > opts.max_hter:
            counts["too_changed"] += 1
            continue
        pending.append((reference, words, edit_spans(words, reference)))
    before, after, where = [], [], []
    for n, (reference, words, spans) in enumerate(pending):
        for k, (ms, me, ps, pe) in enumerate(spans):
            counts["stretches"] += 1
            if _content_change(reference[ps:pe], words[ms:me]):
                before.append(_window(reference, ps, pe, reference[ps:pe]))
                after.append(_window(reference, ps, pe, words[ms:me]))
                where.append((n, k))
    counts["content_changes"] = len(where)
    paraphrases = {w for w, c in zip(where, _cosines(embed, before, after), strict=True) if c >= opts.paraphrase_cosine}
    counts["paraphrases"] = len(paraphrases)
    examples = []
    for n, (reference, words, spans) in enumerate(pending):
        bad = [False] * len(words)
        for k, (ms, me, _, _) in enumerate(spans):
            if (n, k) not in paraphrases:
                bad[ms:me] = [True] * (me - ms)
        counts["identical"] += not spans
        hter = mlqe_labels(words, reference).hter if any(bad) else 0.0
        examples.append(Example(words, bad, hter=hter, origin=f"round-trip:{pivot}",
                                kinds=[GARBLED if b else 0 for b in bad]))
    return examples, counts


def fluent_wrong_senses(
    sentences: Sequence[Sequence[str]], lexicon: Lexicon, score: Score, embed: Embed, opts: PrepareOptions,
    rng: random.Random,
) -> tuple[list[Example], dict[str, Any]]:
    """Wrong-sense corruptions that read as fluently as the original and mean something else.

    In a window of ``CONTEXT`` words each side, the LM finds the new words at most
    ``fluent_margin`` nats less likely than the original ones, and the window's vector is further
    than ``paraphrase_cosine`` from the original's (a synonym, "especially" → "particularly", is no
    error)."""
    made, before, after = [], [], []
    for words in sentences:
        tokens = wrong_sense(toks(" ".join(words)), rng, lexicon)
        if tokens is None:
            continue
        start = next(i for i, t in enumerate(tokens) if t.bad)
        end = start + sum(t.bad for t in tokens)
        replaced = len(tokens) - len(words)  # the new words minus the one they replaced
        made.append([t._replace(kind=WRONG_SENSE) if t.bad else t for t in tokens])
        before.append(_window(words, start, end - replaced, words[start : end - replaced]))
        after.append(_window(words, start, end - replaced, [t.text for t in tokens[start:end]]))
    totals = score(before + after) if made else []
    gains = [totals[len(made) + i] - totals[i] for i in range(len(made))]
    cosines = _cosines(embed, before, after)
    examples = []
    for tokens, gain, cos in zip(made, gains, cosines, strict=True):
        if gain >= -opts.fluent_margin and cos < opts.paraphrase_cosine:
            bad = [t.bad for t in tokens]
            examples.append(Example([t.text for t in tokens], bad, hter=sum(bad) / len(bad),
                                    origin="wrong-sense-lm", kinds=pattern_classes(tokens)))
    ordered = sorted(gains)
    return examples, {
        "candidates": len(made), "fluent": sum(g >= -opts.fluent_margin for g in gains),
        "synonyms": sum(g >= -opts.fluent_margin and c >= opts.paraphrase_cosine for g, c in zip(gains, cosines, strict=True)),
        "kept": len(examples), "gain_quartiles": [round(ordered[len(ordered) * q // 4], 2) for q in (1, 2, 3)] if ordered else [],
    }


def prepare(opts: PrepareOptions, clean: Sequence[list[str]], post_edits: Sequence[list[str]],
            translators: Callable[[str], tuple[Translator, Translator]], embed: Embed, score: Score,
            lexicon: Lexicon | None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Write the folder (see the module) from ``clean`` news and the MLQE-PE train ``post_edits``."""
    opts.out.mkdir(parents=True, exist_ok=True)
    (opts.out / "clean.txt").write_text("".join(" ".join(s) + "\n" for s in clean), encoding="utf-8")
    pool = list(clean) + list(post_edits)
    rng = random.Random(f"{opts.seed}:prepare")
    summary: dict[str, Any] = {"options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(opts).items()},
                               "clean_sentences": len(clean), "round_trips": {}}
    trips: list[Example] = []
    for pivot in opts.pivots:
        sample = rng.sample(pool, min(opts.round_trip_sentences, len(pool)))
        there, back = translators(pivot)
        examples, counts = judged_round_trips(sample, there, back, pivot, embed, opts)
        log(f"round trips through {pivot}: {json.dumps(counts)}")
        summary["round_trips"][pivot] = counts
        trips.extend(examples)
        write_examples(opts.out / "round-trips.jsonl", trips)  # after each pivot: a later failure keeps these
    if lexicon is not None:
        sample = rng.sample(pool, min(opts.wrong_sense_sentences, len(pool)))
        senses, summary["wrong_sense"] = fluent_wrong_senses(sample, lexicon, score, embed, opts, rng)
        write_examples(opts.out / "wrong-sense.jsonl", senses)
        log(f"wrong senses: {json.dumps(summary['wrong_sense'])}")
    (opts.out / "prepare.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
