"""Expand command-line paths: files, directories (walked with include/exclude) and globs."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pathspec


def expand_paths(paths: list[str], include: list[str], exclude: list[str]) -> list[tuple[str, str | None]]:
    """(path, error) pairs in a stable order; error is set for missing or empty inputs.

    Files named explicitly are always checked; ``include`` filters what directory walks and
    globs find, and ``exclude`` (gitignore syntax) removes matches everywhere.
    """
    inc = pathspec.PathSpec.from_lines("gitwildmatch", include)
    exc = pathspec.PathSpec.from_lines("gitwildmatch", exclude)
    results: list[tuple[str, str | None]] = []
    for raw in paths:
        if raw == "-":
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
    return results
