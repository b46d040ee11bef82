"""Training the QE cross-encoder: target and source word BAD tags, DA z and HTER, jointly.

``mtqa train qe --data ../shared/data/mlqe-pe --out runs/NAME`` (``mtqa.detector.cli``) calls
``train``; the run folder, checkpoints and resume are ``mtqa.detector.loop``'s. The same command
runs on CUDA where torch sees a GPU.
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

from mtqa.detector.model import cpu_has_bf16
from mtqa.detector.loop import Loop, log_line, settings_of, warmup_schedule
from mtqa.detector.train import make_batches
from mtqa.qe.data import DEFAULT_RECIPE, PairData, QEExample, Recipe, epoch_examples, read_pair
from mtqa.qe.model import QEModel, from_e5, to_torch
from mtqa.qe.tokens import PairBatch, Specials, assemble, pair_length, word_pieces


@dataclass
class QETrainOptions:
    data: Path
    out: Path
    encoder: Path  # the converted multilingual-e5-small folder (the ``embed`` role)
    recipe: Path = DEFAULT_RECIPE
    epochs: int = 1
    batch_size: int = 16
    lr: float = 4e-5
    head_lr: float = 5e-4
    warmup: float = 0.06
    target_weight: float = 1.0
    source_weight: float = 1.0
    da_weight: float = 1.0
    hter_weight: float = 2.0
    layers: int | None = None  # keep the encoder's first N layers
    init: Path | None = None  # start from these weights (a run's epoch-N.pt or step-N.pt)
    max_length: int = 200  # longer training pairs are skipped
    limit: int | None = None  # sentences per pair
    dev_limit: int | None = None
    max_steps: int | None = None
    checkpoint_every: int = 200
    snapshot_every: int = 0  # 0: no step-N.pt snapshots
    threads: int | None = None
    bf16: bool | None = None  # None: on CUDA, and on CPUs with bf16 instructions
    device: str | None = None  # None: cuda when available, else cpu
    model: QEModel | None = field(default=None, repr=False)  # a ready model (tests: a tiny one)


@dataclass
class Encoded:
    """An example's word pieces, computed once per run (tokenising is a fifth of a CPU step)."""

    example: QEExample
    source: list[list[int]]
    target: list[list[int]]

    @property
    def words(self) -> list[str]:
        return self.example.words


def encode_examples(tokenizer, examples: Sequence[QEExample]) -> list[Encoded]:  # noqa: ANN001
    sources = word_pieces(tokenizer, [e.source for e in examples])
    targets = word_pieces(tokenizer, [e.target for e in examples])
    return [Encoded(e, s, t) for e, s, t in zip(examples, sources, targets, strict=True)]


def _padded(rows: Sequence[Sequence[bool] | None], width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Labels (batch, width) and which of them are known."""
    labels = torch.zeros((len(rows), width))
    known = torch.zeros((len(rows), width), dtype=torch.bool)
    for i, row in enumerate(rows):
        if row is not None:
            labels[i, : len(row)] = torch.tensor(row, dtype=torch.float32)
            known[i, : len(row)] = True
    return labels, known


def loss_of(model: QEModel, specials: Specials, items: Sequence[Encoded], opts: QETrainOptions,
            device: torch.device) -> tuple[torch.Tensor, int]:
    batch = assemble(specials, [i.source for i in items], [i.target for i in items])
    inputs = [t.to(device) for t in to_torch(batch)]
    examples = [i.example for i in items]
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bool(opts.bf16)):
        tgt_logits, src_logits, sentence = model(*inputs)
    tgt_logits, src_logits, sentence = tgt_logits.float(), src_logits.float(), sentence.float()
    loss = torch.zeros((), device=device)
    for weight, logits, rows, present in (
        (opts.target_weight, tgt_logits, [e.target_bad for e in examples], batch.tgt_mask),
        (opts.source_weight, src_logits, [e.source_bad for e in examples], batch.src_mask),
    ):
        labels, known = _padded(rows, logits.shape[1])
        known &= torch.from_numpy(present)
        if known.any():
            known, labels = known.to(device), labels.to(device)
            loss = loss + weight * F.binary_cross_entropy_with_logits(logits[known], labels[known])
    for weight, values, column in ((opts.da_weight, [e.da for e in examples], 0),
                                   (opts.hter_weight, [e.hter for e in examples], 1)):
        target = torch.tensor(values, device=device)
        known = ~torch.isnan(target)
        if known.any():
            loss = loss + weight * F.mse_loss(sentence[known, column], target[known])
    return loss, int(batch.mask.sum())


def predict_batches(model: QEModel, tokenizer, sources: Sequence[list[str]], targets: Sequence[list[str]],  # noqa: ANN001
                    batch_size: int = 32, bf16: bool = False) -> list[tuple[list[float], list[float], list[float]]]:
    """Per pair: target BAD probabilities, source BAD probabilities and (DA z, HTER), in torch."""
    device = next(model.parameters()).device
    specials = Specials.of(tokenizer)
    src_pieces, tgt_pieces = word_pieces(tokenizer, sources), word_pieces(tokenizer, targets)
    order = sorted(range(len(sources)), key=lambda i: pair_length(src_pieces[i], tgt_pieces[i]))
    results: list[Any] = [None] * len(sources)
    model.eval()
    for begin in range(0, len(order), batch_size):
        rows = order[begin : begin + batch_size]
        batch: PairBatch = assemble(specials, [src_pieces[i] for i in rows], [tgt_pieces[i] for i in rows])
        with torch.inference_mode(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            tgt, src, sentence = (t.float().sigmoid() if k < 2 else t.float()
                                  for k, t in enumerate(model(*[t.to(device) for t in to_torch(batch)])))
        for j, i in enumerate(rows):
            results[i] = (tgt[j, : len(targets[i])].tolist(), src[j, : len(sources[i])].tolist(), sentence[j].tolist())
    model.train()
    return results


def dev_metrics(model: QEModel, tokenizer, dev: Sequence[PairData], bf16: bool = False) -> dict[str, Any]:  # noqa: ANN001
    """Per dev pair: target and source word MCC (at 0.5), DA and HTER Pearson."""
    from mtqa.evaluation.metrics import Confusion, mean, pearson

    figures: dict[str, Any] = {}
    for data in dev:
        examples = data.real
        scored = predict_batches(model, tokenizer, [e.source for e in examples], [e.target for e in examples], bf16=bf16)
        target, source = Confusion(), Confusion()
        for example, (tgt, src, _) in zip(examples, scored, strict=True):
            target += Confusion.of(example.target_bad, [p >= 0.5 for p in tgt])
            source += Confusion.of(example.source_bad, [p >= 0.5 for p in src])
        figures[data.pair] = {
            "target_mcc": target.mcc(), "source_mcc": source.mcc(),
            "da_pearson": pearson([s[2][0] for s in scored], [e.da for e in examples]),
            "hter_pearson": pearson([s[2][1] for s in scored], [e.hter for e in examples]),
        }
    figures["average"] = {k: mean(f[k] for f in figures.values()) for k in next(iter(figures.values()))}
    return figures


def _device(opts: QETrainOptions) -> torch.device:
    return torch.device(opts.device or ("cuda" if torch.cuda.is_available() else "cpu"))


def train(opts: QETrainOptions) -> Path:
    """Train (or resume) into ``opts.out``; returns the last epoch's weights file."""

    from mtqa.detector.tokens import load_tokenizer

    opts.out.mkdir(parents=True, exist_ok=True)
    if opts.threads:
        torch.set_num_threads(opts.threads)
    torch.manual_seed(1)
    device = _device(opts)
    if opts.bf16 is None:
        opts.bf16 = device.type == "cuda" or cpu_has_bf16()
    recipe = Recipe.load(opts.recipe)
    tokenizer = load_tokenizer(opts.encoder)
    specials = Specials.of(tokenizer)
    model = opts.model or from_e5(opts.encoder)
    if opts.layers:
        model.truncate(opts.layers)
    if opts.init:
        model.load_state_dict(torch.load(opts.init, weights_only=True, map_location="cpu"))
    model.freeze_embeddings()
    model.to(device)
    pairs = [read_pair(opts.data, pair, "train", opts.limit) for pair in recipe.pairs]
    dev = [read_pair(opts.data, pair, "dev", opts.dev_limit) for pair in recipe.pairs]

    def epoch_items(epoch: int) -> list[Encoded]:
        items = encode_examples(tokenizer, epoch_examples(pairs, recipe, epoch))
        return [i for i in items if pair_length(i.source, i.target) <= opts.max_length]

    items = epoch_items(0)
    total = math.ceil(len(items) / opts.batch_size) * opts.epochs
    if opts.max_steps:
        total = min(total, opts.max_steps)
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": [p for n, p in trainable if n.startswith("bert.")], "lr": opts.lr},
         {"params": [p for n, p in trainable if not n.startswith("bert.")], "lr": opts.head_lr}],
        weight_decay=0.01,
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_schedule(total, opts.warmup))

    def batches(epoch: int) -> list[list[Encoded]]:
        chosen = items if epoch == 0 else epoch_items(epoch)
        made = make_batches(chosen, opts.batch_size, random.Random(f"{recipe.seed}:batches:{epoch}"))
        log_line(opts.out, f"epoch {epoch + 1}: {len(chosen)} pairs, {len(made)} batches on {device}")
        return made

    loop = Loop(opts.out, model, optimizer, scheduler, opts.epochs, total, opts.checkpoint_every, opts.snapshot_every)
    return loop.run(settings_of(opts), batches, lambda batch: loss_of(model, specials, batch, opts, device),
                    lambda: dev_metrics(model, tokenizer, dev, bf16=bool(opts.bf16)))
