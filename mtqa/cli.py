"""The ``mtqa`` command line: parse, call the engine, pick the formatter, exit.

Heavy libraries (and even the checks and formatters) load only inside the commands that
need them, so ``mtqa --help`` starts fast.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, Optional

import typer

from mtqa import __version__
from mtqa.findings import Severity
from mtqa.formatters import FORMATTERS
from mtqa.help_format import Command, Group
from mtqa.readers import FORMAT_NAMES

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from typer._click import Command as ClickCommand  # typer 0.29 carries its own click

    from mtqa.checks.base import Check
    from mtqa.report import Report

EXIT_CODES = (
    "[b]Exit codes:[/b] 0 nothing at or above --fail-on (and the score at or above --fail-under); "
    "1 findings at or above --fail-on, or the quality score under --fail-under; "
    "2 usage error, bad configuration, an input that could not be read, or a check that could not run."
)


class Commands(Group):
    """The top-level group; ``eval``, ``models`` and ``train`` are imported only when asked for.

    ``mtqa check`` then never loads (nor builds the options of) the other commands;
    ``mtqa --help`` loads them for their one-line help.
    """

    LAZY = {  # command → (module, the Typer app or command function in it)
        "eval": ("mtqa.evaluation.command", "eval_command"),
        "models": ("mtqa.models_cli", "models_app"),
        "train": ("mtqa.detector.cli", "train_app"),
    }

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in self.LAZY if name not in self.commands)]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> ClickCommand | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            import importlib

            module, attribute = self.LAZY[cmd_name]
            target = getattr(importlib.import_module(module), attribute)
            if not isinstance(target, typer.Typer):  # a command function: a one-command app
                single = typer.Typer()
                single.command(cmd_name, cls=Command)(target)
                target = single
            command = typer.main.get_command(target)
            command.name = cmd_name
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    help=(
        "Check machine-translated text for likely mistranslations: a linter for translations "
        "with exact spans, MQM categories and suggestions.\n\n"
        "[b]Examples:[/b]\n\n"
        "  [cyan]mtqa check article.txt[/cyan]                    report in the terminal\n\n"
        "  [cyan]mtqa check docs/ --format sarif -o mtqa.sarif[/cyan]  for GitHub code scanning\n\n"
        "  [cyan]cat article.txt | mtqa check - --format json[/cyan]\n\n"
        "  [cyan]mtqa rules[/cyan]  /  [cyan]mtqa rules MT102[/cyan]      what each check catches and why\n\n"
        "Settings come from \\[tool.mtqa] in pyproject.toml or from mtqa.toml; options on the "
        "command line override them."
    ),
    epilog=EXIT_CODES,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=Commands,
)

SELECTION, INPUT, OUTPUT, GATE = "Selecting checks", "Input", "Output", "CI gate"
# config setting → the option that sets it, for error messages
OPTION_NAMES = {
    "fail_on": "--fail-on", "select": "--select", "ignore": "--ignore", "target_lang": "--target-lang",
    "source_lang": "--src-lang", "include": "--include", "exclude": "--exclude",
    "max_file_mb": "--max-file-mb", "severity": "--severity", "fail_under": "--fail-under",
    "glossary": "--glossary", "dnt": "--dnt",
}
MACHINE_FORMATS = frozenset(FORMATTERS) - {"terminal"}

# Choices as Literal types: --help lists them, the shell completes them, typer refuses others.
# They are built from the tables the formatters, readers and severities keep (one source of
# truth), which is why a static type checker cannot read them.
OutputFormat = Literal[tuple(FORMATTERS)]  # type: ignore[valid-type]
InputFormat = Literal[tuple(FORMAT_NAMES)]  # type: ignore[valid-type]
SeverityName = Literal[tuple(str(s) for s in Severity)]  # type: ignore[valid-type]
RulesFormat = Literal["text", "json", "markdown"]


def _choices(names: Any) -> str:
    """``a, b or c``: the choices of an option too long to list in the help's type column."""
    names = list(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


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


def _fail(message: str) -> NoReturn:
    typer.echo(f"mtqa: error: {message}", err=True)
    raise typer.Exit(2)


def _severity_overrides(values: list[str]) -> dict[str, str]:
    overrides = {}
    for value in values:
        code, sep, level = value.partition("=")
        if not sep or not code.strip() or not level.strip():
            _fail(f"--severity: expected CODE=LEVEL such as MT102=major, got {value!r}")
        overrides[code.strip().upper()] = level.strip()
    return overrides


class RichProgress:
    """Progress bars on stderr, shown only once a run has lasted long enough to need them.

    Implements the engine's ``progress(task, done, total)`` callback. Tasks are tracked from
    the first call, but the display starts only after ``DELAY_S`` (on a timer, so a single
    long step such as reading a big file or loading a model still gets its spinner); a
    task's bar goes away when it is done, and the display is transient, leaving nothing behind.
    """

    DELAY_S = 0.5

    def __init__(self, console: Console | None = None) -> None:
        self._console = console
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, int | None]] = {}  # unfinished tasks: done, total
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._timer: threading.Timer | None = threading.Timer(self.DELAY_S, self._start)
        self._timer.daemon = True
        self._timer.start()

    def __call__(self, task: str, done: int, total: int | None) -> None:
        finished = total is not None and done >= total
        with self._lock:
            if finished:
                self._state.pop(task, None)
            else:
                self._state[task] = (done, total)
            if self._progress is not None:
                self._show(task, done, total, finished)

    def _show(self, task: str, done: int, total: int | None, finished: bool) -> None:
        assert self._progress is not None
        if task not in self._tasks:
            if finished:
                return
            self._tasks[task] = self._progress.add_task(task, total=total)
        task_id = self._tasks[task]
        self._progress.update(task_id, completed=done, total=total)
        if finished:
            self._progress.remove_task(task_id)
            del self._tasks[task]

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._progress is not None or self._timer is None:
                return
            self._progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=self._console or Console(stderr=True), transient=True,
            )
            self._progress.start()
            for task, (done, total) in self._state.items():
                self._show(task, done, total, finished=False)

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._progress is not None:
                self._progress.stop()


def _print_problems(report: Report, notes: bool = True) -> None:
    """One line on stderr per error of a file, per check that could not run and (if ``notes``) per note."""
    for result in report.files:
        for error in result.errors:
            typer.echo(f"mtqa: error: {result.path}: {error.message}", err=True)
        for note in result.notes if notes else []:
            typer.echo(f"mtqa: note: {result.path}: {note.message}", err=True)
    for code, reason in report.skipped.items():
        typer.echo(f"mtqa: error: check {code} could not run: {reason}", err=True)
    for message in report.run_errors:
        typer.echo(f"mtqa: error: {message}", err=True)
    for code, gap in sorted(report.not_available.items()) if notes else []:
        typer.echo(f"mtqa: note: check {code} not available: {gap}", err=True)
    if notes and report.source_note:
        typer.echo(f"mtqa: note: {report.source_note}", err=True)


def _write_stdout(text: str) -> None:
    """Write the report; a reader that went away (``mtqa check … | head``) is not a crash."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _use_color(flag: bool | None, output: Path | None) -> bool:
    """Colour only for a terminal: never into a file, off with NO_COLOR, forced by --color."""
    if flag is not None:
        return flag
    return output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@app.command(epilog=EXIT_CODES, cls=Command)
def check(
    paths: Annotated[list[str], typer.Argument(help="Files, directories or globs to check; '-' reads stdin.", show_default=False)],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", metavar="FORMAT", help=f"{_choices(FORMATTERS)} (docs/report-formats.md).", rich_help_panel=OUTPUT)
    ] = "terminal",
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Write the report to this file instead of stdout.", rich_help_panel=OUTPUT)
    ] = None,
    color: Annotated[
        Optional[bool], typer.Option("--color/--no-color", help="Force colour on or off (default: on when stdout is a terminal).", rich_help_panel=OUTPUT, show_default=False)
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars or notes on stderr; errors are still printed.", rich_help_panel=OUTPUT)
    ] = False,
    select: Annotated[
        Optional[str], typer.Option("--select", "--checks", help="Comma-separated check codes, prefixes or names to run, e.g. MT1,MT301 or backtranslation,lm (DEFAULT = the out-of-the-box set, ALL = every check, AVAILABLE = DEFAULT + every model check whose models are here: the thorough run).", rich_help_panel=SELECTION)
    ] = None,
    ignore: Annotated[Optional[str], typer.Option(help="Comma-separated check codes or prefixes to skip.", rich_help_panel=SELECTION)] = None,
    severity: Annotated[
        Optional[list[str]], typer.Option("--severity", metavar="CODE=LEVEL", help="Change a check's severity, e.g. MT102=major (repeatable).", rich_help_panel=SELECTION, show_default=False)
    ] = None,
    target_lang: Annotated[Optional[str], typer.Option("--target-lang", "--lang", help="Language of the text checked, a tag such as en, de or pt-BR; overrides what each file declares \\[default: the file's own, else en]. --lang is the old spelling.", rich_help_panel=INPUT, show_default=False)] = None,
    src_lang: Annotated[Optional[str], typer.Option("--src-lang", help="Source language of bilingual files and of --source.", rich_help_panel=INPUT)] = None,
    source: Annotated[
        Optional[Path], typer.Option("--source", help="Source text of a single monolingual translation: aligns it sentence by sentence so the source-aware checks (MT2xx, MT302, MT303) run. Needs --src-lang and the embed model.", rich_help_panel=INPUT, show_default=False)
    ] = None,
    glossary: Annotated[
        Optional[Path], typer.Option(metavar="FILE", help="A glossary (CSV or TSV with a header: source, target, optional forbidden, notes, case_sensitive; or TBX): approved and forbidden terms (MT505, MT506).", rich_help_panel=INPUT, show_default=False)
    ] = None,
    dnt: Annotated[
        Optional[Path], typer.Option("--dnt", metavar="FILE", help="A do-not-translate list, one term per line: names and identifiers that stay as written (MT507, MT508).", rich_help_panel=INPUT, show_default=False)
    ] = None,
    include: Annotated[Optional[str], typer.Option(help="Comma-separated patterns of files to check inside directories and globs.", rich_help_panel=INPUT)] = None,
    exclude: Annotated[Optional[str], typer.Option(help="Comma-separated patterns of files to skip (gitignore syntax).", rich_help_panel=INPUT)] = None,
    input_format: Annotated[
        Optional[InputFormat], typer.Option(metavar="FORMAT", help=f"Read every input as {_choices(FORMAT_NAMES)} \\[default: by extension].", rich_help_panel=INPUT, show_default=False)
    ] = None,
    stdin_filename: Annotated[
        Optional[str], typer.Option(metavar="PATH", help="With '-': the path stdin stands for (for editors): the report shows it, its extension picks the input format, and --exclude applies to it.", rich_help_panel=INPUT, show_default=False)
    ] = None,
    max_file_mb: Annotated[
        Optional[float], typer.Option(help="Refuse files larger than this many MB \\[default: 20].", rich_help_panel=INPUT, show_default=False)
    ] = None,
    config_file: Annotated[
        Optional[Path], typer.Option("--config", help="Read settings from this TOML file instead of pyproject.toml / mtqa.toml.", rich_help_panel=INPUT)
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, metavar="N", help="Check files in N processes (0: one per CPU core); the report keeps the input order. Each process loads its own models.", rich_help_panel=INPUT)
    ] = 1,
    fail_on: Annotated[
        Optional[SeverityName], typer.Option(case_sensitive=False, help="Exit 1 when a finding is at least this severe \\[default: major].", rich_help_panel=GATE, show_default=False)
    ] = None,
    fail_under: Annotated[
        Optional[float], typer.Option("--fail-under", metavar="SCORE", help="Exit 1 when the run's MQM quality score (100 - penalty points per 1,000 words; see docs/report-formats.md) is below SCORE, 0-100 \\[default: not gated].", rich_help_panel=GATE, show_default=False)
    ] = None,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when findings reach --fail-on or the score is under --fail-under (errors still exit 2).", rich_help_panel=GATE)] = False,
    baseline: Annotated[
        Optional[Path], typer.Option(help="Hide the findings recorded in this baseline file; only new ones count.", rich_help_panel=GATE)
    ] = None,
    write_baseline: Annotated[
        Optional[Path], typer.Option(help="Record every current finding in this baseline file and exit 0.", rich_help_panel=GATE)
    ] = None,
) -> None:
    """Check translated text and report findings with exact spans.

    [b]Examples:[/b]

      [cyan]mtqa check article.txt[/cyan]

      [cyan]mtqa check docs/ --include '*.md' --fail-on critical[/cyan]

      [cyan]mtqa check po/ --fail-on critical --fail-under 98[/cyan]  gate on the quality score

      [cyan]mtqa check strings.po --src-lang de --format json -o report.json[/cyan]

      [cyan]mtqa check docs/ --write-baseline base.json[/cyan]  accept today's findings

      [cyan]mtqa check docs/ --baseline base.json[/cyan]        fail only on new ones

      [cyan]mtqa check locales/ -j 0 --format gitlab -o gl-code-quality-report.json[/cyan]

      [cyan]mtqa check - --stdin-filename docs/guide.md < docs/guide.md[/cyan]  an editor's buffer

      [cyan]mtqa check po/ --glossary terms.csv --dnt dnt.txt[/cyan]  terminology across every file

    Silence a passage in Markdown or HTML with [cyan]<!-- mtqa-disable MT102 -->[/cyan] …
    [cyan]<!-- mtqa-enable -->[/cyan], or one line with [cyan]<!-- mtqa-disable-next-line -->[/cyan].
    """
    from mtqa import baseline as baselines
    from mtqa.config import load_config
    from mtqa.engine import run
    from mtqa.errors import ConfigError
    from mtqa.formatters import get_formatter

    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "fail_on": fail_on, "fail_under": fail_under, "select": select, "ignore": ignore, "target_lang": target_lang,
            "source_lang": src_lang, "include": include, "exclude": exclude, "max_file_mb": max_file_mb,
            "severity": _severity_overrides(severity) if severity else None,
            "glossary": str(glossary) if glossary is not None else None, "dnt": str(dnt) if dnt is not None else None,
        }.items()
        if value is not None
    }
    if stdin_filename is not None and "-" not in paths:
        _fail("--stdin-filename: names stdin, so give '-' among the paths")
    # progress goes to stderr, and only where a person watches a terminal report being made
    show_progress = (
        not quiet and _stderr_is_terminal() and not (output is None and output_format in MACHINE_FORMATS)
    )
    formatter = get_formatter(output_format)
    progress = RichProgress() if show_progress else None
    try:
        config = load_config(explicit=config_file).merged(overrides, "command line", OPTION_NAMES)
        accepted = baselines.load(baseline) if baseline is not None and write_baseline is None else None
        try:
            report = run(
                paths, config, input_format=input_format, progress=progress,
                source=str(source) if source is not None else None, jobs=jobs, stdin_filename=stdin_filename,
            )
        except KeyboardInterrupt:
            typer.echo("mtqa: interrupted", err=True)
            raise typer.Exit(130) from None  # the shell's code for Ctrl-C, never 1 ("findings")
        finally:
            if progress is not None:
                progress.close()
        if write_baseline is not None:
            count = baselines.write(report, write_baseline)
    except ConfigError as exc:
        _fail(str(exc))
    if write_baseline is not None:
        _print_problems(report, notes=not quiet)
        if not quiet:
            typer.echo(f"mtqa: wrote {count} finding(s) to the baseline {write_baseline}", err=True)
        raise typer.Exit(2 if report.exit_code() == 2 else 0)
    if accepted is not None:
        baselines.apply(report, accepted)
    text = formatter(report, color=_use_color(color, output))
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"-o: cannot write {output}: {exc.strerror or exc}")
    else:
        _write_stdout(text if not text or text.endswith("\n") else text + "\n")
    terminal_report = output_format == "terminal" and output is None  # it shows errors and notes
    if not (terminal_report and sys.stdout.isatty()):  # errors also reach a log when stdout is piped
        _print_problems(report, notes=not quiet and not terminal_report)
    code = report.exit_code()
    raise typer.Exit(0 if exit_zero and code == 1 else code)


def _rule_dict(cls: type[Check]) -> dict[str, Any]:
    """A check's documentation as data (``mtqa rules --format json``)."""
    return {
        "code": cls.code,
        "name": cls.name,
        "summary": cls.summary,
        "severity": str(cls.severity),
        "category": cls.category,
        "default_enabled": getattr(cls, "default_enabled", True),
        "needs_source": cls.needs_source,
        "languages": sorted(cls.languages) if cls.languages is not None else None,
        "what_it_does": _prose(cls.doc_section("What it does")),
        "why_is_this_bad": _prose(cls.doc_section("Why is this bad")),
        "example": cls.doc_section("Example"),  # line breaks kept: one example per line
        "use_instead": cls.doc_section("Use instead"),
        "options": _prose(cls.options_doc()),  # the declared options, then the docstring's notes
    }


def _prose(text: str) -> str:
    """Docstring lines joined into paragraphs (blank lines still separate paragraphs)."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def rules_markdown(rules: list[dict[str, Any]]) -> str:
    """The checks as a Markdown table (the README's table is this output)."""
    lines = ["| code | name | severity | category | summary |", "| --- | --- | --- | --- | --- |"]
    for rule in rules:
        name = f"`{rule['name']}`" + ("" if rule["default_enabled"] else " (opt-in)")
        summary = rule["summary"].replace("|", "\\|")
        lines.append(f"| {rule['code']} | {name} | {rule['severity']} | {rule['category']} | {summary} |")
    return "\n".join(lines) + "\n"


def _print_rule(console: Any, rule: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.panel import Panel

    lines = [
        f"[b]{escape(rule['summary'])}[/b]",
        f"severity [b]{rule['severity']}[/b] · category [b]{escape(rule['category'])}[/b]"
        + ("" if rule["default_enabled"] else " · off by default (select it, or ALL)")
        + (" · bilingual files only" if rule["needs_source"] else ""),
    ]
    for title, key in (("What it does", "what_it_does"), ("Why is this bad", "why_is_this_bad"),
                       ("Example", "example"), ("Use instead", "use_instead"), ("Options", "options")):
        if rule[key]:
            lines.append(f"\n[b]{title}[/b]\n{escape(rule[key])}")
    console.print(Panel("\n".join(lines), title=f"[b]{rule['code']}[/b] {rule['name']}", title_align="left"))


@app.command(cls=Command)
def rules(
    code: Annotated[
        Optional[str], typer.Argument(help="One check code or name (full documentation), or a code prefix.", show_default=False)
    ] = None,
    output_format: Annotated[RulesFormat, typer.Option("--format", "-f", help="markdown is the README's table.")] = "text",
) -> None:
    """List every check: code, name, default severity, category, what it catches and why.

    [b]Examples:[/b]  [cyan]mtqa rules[/cyan]   [cyan]mtqa rules MT102[/cyan]   [cyan]mtqa rules MT1 --format json[/cyan]
    """
    import json

    from mtqa.checks import all_checks

    checks = all_checks()
    chosen = list(checks.values())
    single = False
    if code is not None:
        wanted = code.strip()
        exact = [cls for cls in chosen if cls.code == wanted.upper() or cls.name == wanted.lower()]
        single = bool(exact)
        chosen = exact or [cls for cls in chosen if cls.code.startswith(wanted.upper())]
        if not chosen:
            _fail(f"unknown check code or name {code!r} (run `mtqa rules` for the list)")
    data = [_rule_dict(cls) for cls in chosen]
    if output_format == "json":
        typer.echo(json.dumps(data[0] if single else data, ensure_ascii=False, indent=2))
        return
    if output_format == "markdown":
        typer.echo(rules_markdown(data), nl=False)
        return
    from rich.console import Console

    console = Console()
    if single:
        _print_rule(console, data[0])
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_lines=True, title="mtqa checks — `mtqa rules CODE` shows one in full", title_justify="left")
    table.add_column("code", no_wrap=True, style="bold")
    table.add_column("check: severity, category, what it catches and why")
    for rule in data:
        head = f"[b]{rule['name']}[/b] · {rule['severity']} · {escape(rule['category'])}"
        if not rule["default_enabled"]:
            head += " · [dim]off by default[/dim]"
        parts = [head, escape(rule["summary"]), f"[dim]Why:[/dim] {escape(rule['why_is_this_bad'])}"]
        if rule["example"]:
            parts.append(f"[dim]Example:[/dim] {escape(rule['example'])}")
        if rule["use_instead"]:
            parts.append(f"[dim]Use instead:[/dim] {escape(rule['use_instead'])}")
        table.add_row(rule["code"], "\n".join(parts))
    console.print(table)


def main() -> None:
    app()
