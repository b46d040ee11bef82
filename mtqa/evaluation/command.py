"""``mtqa eval``: the Typer command. Imports stay inside the function so ``mtqa`` starts fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

from mtqa.evaluation import BENCHMARKS

Benchmark = Literal[BENCHMARKS]  # type: ignore[valid-type]  # --help lists them, the shell completes them

WARNED_ROWS = 10  # odd data rows named on stderr one by one; the rest are counted


def _fail(message: str) -> None:
    typer.echo(f"mtqa: error: {message}", err=True)
    raise typer.Exit(2)


def eval_command(
    benchmark: Annotated[Benchmark, typer.Argument(help="The benchmark the data folder holds.", show_default=False)],
    data: Annotated[Path, typer.Option("--data", help="The benchmark's data folder (read in place, never copied).")],
    split: Annotated[str, typer.Option("--split", help="Split name: mlqe-pe {DIR}/{pair}/{split}.*, demetr {DIR}/{split}.jsonl, mqm {DIR}/*.{split}.tsv.")] = "dev",
    pairs: Annotated[Optional[str], typer.Option("--pairs", help="mlqe-pe only: comma-separated language pairs (default: every pair folder).")] = None,
    checks: Annotated[Optional[str], typer.Option("--checks", help="Comma-separated check codes or prefixes to run (default: the configured selection).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Only the first N sentences per pair / source sentences / segments.")] = None,
    use_source: Annotated[bool, typer.Option("--source/--no-source", help="Give the checker the benchmark's source text (default) or the target only.")] = True,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the figures as JSON to this file.")] = None,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="Read settings from this TOML file only.")] = None,
) -> None:
    """Measure the checker on human-annotated data (MLQE-PE, DEMETR, WMT MQM).

    Prints a table of the figures with reference rows, the signatures, the speed and the
    count of odd data rows skipped or repaired (each named on stderr); --json writes them
    for comparing runs. Exit 0 on success, 2 on an error.

    Example: mtqa eval mlqe-pe --data ../shared/data/mlqe-pe --split dev --pairs ro-en
    """
    import json

    from rich.console import Console

    from mtqa.config import load_config
    from mtqa.errors import ConfigError, InputError
    from mtqa.evaluation.runner import run_eval
    from mtqa.evaluation.system import CheckFailed
    from mtqa.evaluation.table import render
    from mtqa.extras import MissingExtra, require

    try:
        for module in ("scipy", "sacrebleu"):  # mtqa[eval]: the metrics and DEMETR's chrF row
            require(module, "eval")
    except MissingExtra as exc:
        _fail(str(exc))

    if pairs is not None and benchmark != "mlqe-pe":
        _fail("--pairs applies to mlqe-pe only")
    pair_list = [p.strip() for p in pairs.split(",") if p.strip()] if pairs else None
    try:
        config = load_config(explicit=config_file)
        if checks is not None:
            config = config.merged({"select": checks}, "--checks")
        run = run_eval(benchmark, data, split, config, pairs=pair_list, limit=limit, use_source=use_source)
    except (CheckFailed, ConfigError, InputError, ValueError) as exc:
        _fail(str(exc))
    for row in run.odd_rows.rows[:WARNED_ROWS]:
        typer.echo(f"mtqa: warning: {row}" + ("; skipped" if row.skipped else ""), err=True)
    if len(run.odd_rows.rows) > WARNED_ROWS:
        more = len(run.odd_rows.rows) - WARNED_ROWS
        typer.echo(f"mtqa: warning: {more} more odd row(s); --json lists them all", err=True)
    console = Console()
    console.print(render(run))
    for name, signature in run.signatures.items():
        console.print(f"signature {name}: {signature}", highlight=False, soft_wrap=True)
    console.print(
        f"checked {run.items} sentences in {run.seconds:.2f} s ({run.items_per_second:,.0f} items/s; "
        f"{run.cpu_seconds:.2f} s CPU)",
        highlight=False,
    )
    for line in run.odd_rows.summary():
        console.print(line, highlight=False, soft_wrap=True)
    if json_out is not None:
        try:
            json_out.write_text(json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {json_out}: {exc.strerror or exc}")
