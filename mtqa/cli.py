"""The ``mtqa`` command line. Heavy libraries load only inside the commands that need them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from mtqa import __version__

app = typer.Typer(
    help=(
        "Check machine-translated text for likely mistranslations.\n\n"
        "Examples:\n\n"
        "  mtqa check article.txt\n\n"
        "  mtqa check docs/ --format sarif -o mtqa.sarif --fail-on major\n\n"
        "  cat article.txt | mtqa check - --format json\n\n"
        "  mtqa rules"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mtqa {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = None,
) -> None:
    """Check machine-translated text for likely mistranslations."""


def _fail(message: str) -> None:
    typer.echo(f"mtqa: error: {message}", err=True)
    raise typer.Exit(2)


@app.command()
def check(
    paths: Annotated[list[str], typer.Argument(help="Files, directories or globs to check; '-' reads stdin.")],
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="terminal, json, markdown, sarif, junit, github, csv or html.")
    ] = "terminal",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to this file.")] = None,
    fail_on: Annotated[
        Optional[str], typer.Option(help="Exit 1 when a finding is at least this severe: minor, major, critical.")
    ] = None,
    select: Annotated[Optional[str], typer.Option(help="Comma-separated check codes or prefixes to run (DEFAULT = the out-of-the-box set, ALL = every check).")] = None,
    ignore: Annotated[Optional[str], typer.Option(help="Comma-separated check codes or prefixes to skip.")] = None,
    lang: Annotated[Optional[str], typer.Option("--lang", help="Expected target language (ISO 639-1), default en.")] = None,
    src_lang: Annotated[Optional[str], typer.Option("--src-lang", help="Source language of bilingual files.")] = None,
    include: Annotated[Optional[str], typer.Option(help="Comma-separated patterns of files to check inside directories.")] = None,
    exclude: Annotated[Optional[str], typer.Option(help="Comma-separated patterns of files to skip (gitignore syntax).")] = None,
    input_format: Annotated[
        Optional[str], typer.Option(help="Read every input as this format (plaintext, markdown, html, po, xliff, tabular, jsonl).")
    ] = None,
    max_file_mb: Annotated[Optional[float], typer.Option(help="Refuse files larger than this many MB (default 20).")] = None,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="Read settings from this TOML file only.")] = None,
    exit_zero: Annotated[bool, typer.Option(help="Exit 0 even when findings reach --fail-on (errors still exit 2).")] = False,
    color: Annotated[Optional[bool], typer.Option("--color/--no-color", help="Force colour on or off (default: on a TTY).")] = None,
) -> None:
    """Check translated text and report findings. Exit 0 clean, 1 findings at/above --fail-on, 2 error."""
    from mtqa.config import load_config
    from mtqa.engine import run
    from mtqa.errors import ConfigError
    from mtqa.formatters import get_formatter

    overrides = {
        key: value
        for key, value in {
            "fail_on": fail_on, "select": select, "ignore": ignore, "target_lang": lang,
            "source_lang": src_lang, "include": include, "exclude": exclude, "max_file_mb": max_file_mb,
        }.items()
        if value is not None
    }
    try:
        config = load_config(explicit=config_file).merged(overrides, "command line")
        formatter = get_formatter(output_format)
        report = run(paths, config, input_format=input_format)
    except (ConfigError, ValueError) as exc:
        _fail(str(exc))
    use_color = color if color is not None else (output is None and sys.stdout.isatty())
    text = formatter(report, color=use_color)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)
    for result in report.files:
        if result.error:
            typer.echo(f"mtqa: {result.path}: {result.error}", err=True)
    code = report.exit_code()
    raise typer.Exit(0 if exit_zero and code == 1 else code)


@app.command()
def rules() -> None:
    """List every check: code, name, default severity, category, what it catches and why."""
    from rich.console import Console
    from rich.table import Table

    from mtqa.checks import all_checks

    table = Table(show_lines=True)
    for column in ("code", "name", "severity", "category", "what it catches and why"):
        table.add_column(column)
    for code, cls in all_checks().items():
        why = cls.doc_section("Why is this bad")
        table.add_row(code, cls.name, str(cls.severity), cls.category, f"{cls.summary}\n{why}")
    Console().print(table)


def main() -> None:
    app()
