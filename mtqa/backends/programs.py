"""Translators that are system programs (Apertium): is the program there, is the pair, which version.

A registry role's offline source may name a program and a pair (``program = "apertium"``,
``pair = "eng-spa"``). Nothing here translates; it answers, cheaply, whether the pair can run
and what its exact version is, so that signatures name it. The version is the Debian
package's (``dpkg-query``, about 20 ms); without dpkg it is a hash of the pair's compiled
files, which changes whenever the data does.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROGRAMS = ("apertium",)
_QUERY_TIMEOUT_S = 10


@dataclass(frozen=True)
class InstalledPair:
    """A pair's mode file, the package that ships its data, and that package's version."""

    mode_file: Path
    package: str
    version: str


def install_command(pair: str) -> str:
    """The apt command that installs the program and the package of ``pair``."""
    return f"apt-get install apertium {guess_package(pair)}"


def guess_package(pair: str) -> str:
    """Debian names a pair's package after the pair in the order its authors chose: both directions ship together."""
    known = {"spa-eng": "eng-spa", "cat-eng": "eng-cat", "gl-en": "en-gl"}
    return "apertium-" + known.get(pair.split("_", 1)[0], pair.split("_", 1)[0])


def missing(pair: str) -> str:
    """What is missing for ``pair`` to run, for the user ("apertium is not installed")."""
    if program_path() is None:
        return "apertium is not installed"
    return f"the Apertium pair {pair} is not installed (`apertium -l` lists the installed ones)"


def data_dir() -> Path:
    """Where ``apertium`` looks for modes (its own default, unless APERTIUM_DATADIR says otherwise)."""
    return Path(os.environ.get("APERTIUM_DATADIR") or "/usr/share/apertium")


def program_path() -> str | None:
    return shutil.which("apertium")


def installed_pair(pair: str) -> InstalledPair | None:
    """The pair when the program and its mode are installed, else None."""
    if program_path() is None:
        return None
    mode_file = data_dir() / "modes" / f"{pair}.mode"
    if not mode_file.is_file():
        return None
    return _describe(mode_file, mode_file.stat().st_mtime_ns)


@cache
def _describe(mode_file: Path, _mtime: int) -> InstalledPair:
    """The package and version behind a mode file (remembered per process and file version)."""
    text = mode_file.read_text(encoding="utf-8", errors="replace")
    files = sorted({Path(m) for m in re.findall(r"'(/[^']+)'", text)})
    folders = {f.parent.name for f in files if f.parent.name.startswith("apertium-")}
    package = min(folders) if folders else guess_package(mode_file.stem)
    return InstalledPair(mode_file, package, _package_version(package) or _files_hash([mode_file, *files]))


def _package_version(package: str) -> str | None:
    if shutil.which("dpkg-query") is None:
        return None
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", package],
            capture_output=True, text=True, timeout=_QUERY_TIMEOUT_S, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def _files_hash(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return "sha256:" + digest.hexdigest()[:12]
