"""Expand command-line paths: files, directories (walked with include/exclude) and globs."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pathspec


def expand_paths(
    paths: list[str], include: list[str], exclude: list[str], stdin_name: str | None = None
) -> list[tuple[str, str | None]]:
    """(path, error) pairs in a stable order; error is set for missing or empty inputs.

    Files named explicitly are always checked; ``include`` filters what directory walks and
    globs find, and ``exclude`` (gitignore syntax) removes matches everywhere. Paths are
    normalised (``./docs//a.md`` → ``docs/a.md``) and each file is listed once, so a
    finding's path, and with it its baseline fingerprint, does not depend on how it was named.
    Stdin (``-``) named ``stdin_name`` (``--stdin-filename``) is excluded like that file.
    """
    inc = pathspec.GitIgnoreSpec.from_lines(include)
    exc = pathspec.GitIgnoreSpec.from_lines(exclude)
    results: list[tuple[str, str | None]] = []
    for raw in paths:
        if raw == "-":
            if stdin_name is None or not exc.match_file(stdin_name):
                results.append((raw, None))
            continue
        path = Path(raw)
        if path.is_file():
            if not exc.match_file(raw):
                results.append((raw, None))
        elif path.is_dir():
            found = []
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    rel = os.path.relpath(full, path)
                    if inc.match_file(rel) and not exc.match_file(rel):
                        found.append(full)
            if found:
                results.extend((f, None) for f in found)
            else:
                results.append((raw, "directory has no files matching the include patterns"))
        elif glob.has_magic(raw):
            found = [
                p for p in sorted(glob.glob(raw, recursive=True))
                if Path(p).is_file() and inc.match_file(p) and not exc.match_file(p)
            ]
            if found:
                results.extend((f, None) for f in found)
            else:
                results.append((raw, "no files match this pattern"))
        else:
            results.append((raw, "no such file or directory"))
    seen: set[str] = set()
    unique = []
    for path, error in results:
        if not error and path != "-":
            path = _normal(path)
            if path in seen:
                continue
            seen.add(path)
        unique.append((path, error))
    return unique


def _normal(path: str) -> str:
    """``path`` without ``./`` or doubled slashes; absolute ones under the working directory become relative."""
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        return os.path.normpath(path) if relative.startswith(os.pardir) else relative
    return os.path.normpath(path)
