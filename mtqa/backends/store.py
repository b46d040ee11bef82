"""Where model files live on disk: local directories, offline packages, the Hugging Face cache.

Nothing here downloads unless ``pull`` is called: checks look models up with ``resolve``
(files only) and get ``ModelUnavailable`` with the exact ``mtqa models pull`` command when
the files are missing. The hub cache layout (``models--org--name/refs|snapshots|blobs``) is
read directly so that a lookup never touches the network and ``verify`` can compare every
file with the hash its blob is named after.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from mtqa import extras
from mtqa.backends.programs import installed_pair, missing
from mtqa.backends.registry import ModelSpec
from mtqa.errors import ModelUnavailable

# What `pull` fetches: weights as safetensors, configs and tokenizer files; never pickles.
ALLOW_PATTERNS = ["*.safetensors", "*.json", "*.spm", "*.model", "*.txt"]
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class ResolvedModel:
    """A spec whose files are on disk; ``revision`` is exact (a commit or a content hash)."""

    spec: ModelSpec
    path: Path
    revision: str

    @property
    def ref(self) -> str:
        """``id@revision``, the form signatures use."""
        return f"{self.spec.id}@{self.revision}"


def hub_cache_dir() -> Path:
    """``MTQA_MODELS_DIR`` when set, else the standard Hugging Face hub cache."""
    if os.environ.get("MTQA_MODELS_DIR"):
        return Path(os.environ["MTQA_MODELS_DIR"]).expanduser()
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    hf_home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface"
    )
    return Path(hf_home).expanduser() / "hub"


def _repo_dir(model_id: str) -> Path:
    return hub_cache_dir() / ("models--" + model_id.replace("/", "--"))


def _snapshot(spec: ModelSpec) -> tuple[Path, str] | None:
    repo = _repo_dir(spec.id)
    commit = spec.revision
    if not _COMMIT.match(commit):
        ref = repo / "refs" / commit
        if not ref.is_file():
            return None
        commit = ref.read_text(encoding="utf-8").strip()
    snapshot = repo / "snapshots" / commit
    if snapshot.is_dir() and any(snapshot.glob("*.safetensors")):
        return snapshot, commit
    return None


def _package_dir(package: str) -> Path | None:
    try:
        module = importlib.import_module(package)
    except ImportError:
        return None
    folder = getattr(module, "MODEL_DIR", None) or Path(module.__file__ or "").parent / "model"
    folder = Path(folder)
    return folder if (folder / "config.json").is_file() else None


@cache
def _content_hash(folder: Path, stamp: tuple[tuple[str, int, int], ...]) -> str:
    """Hash of a directory's model files, remembered in the output cache by (name, size, mtime)."""
    from mtqa.backends.cache import OutputCache, open_cache

    cache = open_cache()
    key = OutputCache.key("local-revision", str(folder), {}, repr(stamp))
    if cache is not None and (known := cache.get_many([key])):
        return str(known[key])
    digest = hashlib.sha256()
    for name, _, _ in stamp:
        digest.update(name.encode() + b"\0" + _file_sha256(folder / name).encode())
    value = digest.hexdigest()[:12]
    if cache is not None:
        cache.put_many({key: value})
    return value


def _model_files(folder: Path) -> list[Path]:
    return sorted(
        p for pattern in ALLOW_PATTERNS for p in folder.glob(pattern) if p.is_file()
    )


def local_revision(folder: Path) -> str:
    """``sha256:<12 hex>`` over a local model's files, so local models get exact signatures."""
    stamp = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in _model_files(folder))
    return "sha256:" + _content_hash(folder, stamp)


def resolve(spec: ModelSpec) -> ResolvedModel | None:
    """The model's files on disk, or None when they are not there (nothing is downloaded).

    A program source resolves to its pair's mode file, named ``package@version``.
    """
    if spec.program:
        pair = installed_pair(str(spec.pair))
        return ResolvedModel(replace(spec, id=pair.package), pair.mode_file, pair.version) if pair else None
    if spec.is_local:
        folder = Path(spec.id).expanduser()
        if (folder / "config.json").is_file():
            return ResolvedModel(spec, folder, local_revision(folder))
        return None
    if spec.package:
        folder = _package_dir(spec.package)
        if folder is not None:
            return ResolvedModel(spec, folder, local_revision(folder))
    found = _snapshot(spec)
    if found:
        return ResolvedModel(spec, found[0], found[1])
    return None


def resolve_or_pull(spec: ModelSpec, auto_download: bool = False) -> ResolvedModel:
    """``resolve``, downloading first only when allowed, then the offline source; else ModelUnavailable."""
    resolved = resolve(spec)
    if resolved is None and auto_download and not spec.is_local and not spec.program:
        try:
            pull(spec)
            resolved = resolve(spec)
        except ModelUnavailable:
            if spec.offline is None:
                raise
    if resolved is None and spec.offline is not None:
        resolved = resolve(spec.offline)
        if resolved is None:
            offline = missing(str(spec.offline.pair)) if spec.offline.program else f"its offline source {spec.offline.id} is not installed"
            raise ModelUnavailable(
                f"model for {spec.role}: {spec.id}@{spec.revision} is not downloaded and {offline}",
                f"{spec.pull_command} (or: {spec.offline.pull_command})",
            )
    if resolved is None and spec.program:
        raise ModelUnavailable(f"model for {spec.role}: {missing(str(spec.pair))}", spec.pull_command)
    if resolved is None:
        where = f"directory {spec.id} has no config.json" if spec.is_local else f"{spec.id}@{spec.revision} is not downloaded"
        raise ModelUnavailable(f"model for {spec.role}: {where}", spec.pull_command)
    return resolved


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}


def pull(spec: ModelSpec, progress: bool = True) -> ResolvedModel:
    """Download safetensors weights, configs and tokenizer files into the hub cache.

    A program cannot be installed from here: its source says which apt command installs it.
    """
    if spec.program:
        resolved = resolve(spec)
        if resolved is None:
            raise ModelUnavailable(f"{missing(str(spec.pair))} (mtqa cannot install system programs)", spec.pull_command)
        return resolved
    if spec.is_local:
        resolved = resolve(spec)
        if resolved is None:
            raise ModelUnavailable(f"local model directory {spec.id} has no config.json", spec.pull_command)
        return resolved
    hub = extras.require("huggingface_hub", "models")
    hub_utils = extras.require("huggingface_hub.utils", "models")
    if hub_offline():
        raise ModelUnavailable(
            f"cannot download {spec.id}: HF_HUB_OFFLINE is set", f"HF_HUB_OFFLINE=0 {spec.pull_command}"
        )
    (hub_utils.enable_progress_bars if progress else hub_utils.disable_progress_bars)()
    try:
        hub.snapshot_download(
            repo_id=spec.id, revision=spec.revision, cache_dir=str(hub_cache_dir()), allow_patterns=ALLOW_PATTERNS
        )
    except Exception as exc:  # network, auth, missing repo: one clear line for the user
        raise ModelUnavailable(f"cannot download {spec.id}@{spec.revision}: {exc}", spec.pull_command) from None
    resolved = resolve(spec)
    if resolved is None:
        raise ModelUnavailable(
            f"{spec.id}@{spec.revision} has no safetensors weights (mtqa never loads pickled weights)",
            spec.pull_command,
        )
    return resolved


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git_blob_sha1(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def verify(resolved: ResolvedModel) -> list[tuple[str, str]]:
    """(file, problem) pairs; empty when every file is present and matches its hash.

    Hub snapshots link each file to a blob named after its hash (sha256 for LFS files, the
    git blob sha1 otherwise), so every file is checked. Local directories and packages have
    no recorded hashes: they are checked for the files a model needs.
    """
    problems: list[tuple[str, str]] = []
    folder = resolved.path
    if not (folder / "config.json").is_file():
        problems.append(("config.json", "missing"))
    if not any(folder.glob("*.safetensors")):
        problems.append(("*.safetensors", "missing (safetensors weights are required)"))
    tokenizer_files = ("tokenizer.json", "vocab.json", "vocab.txt", "source.spm", "sentencepiece.bpe.model")
    if not any((folder / name).is_file() for name in tokenizer_files):
        problems.append(("tokenizer", "no tokenizer files"))
    for path in sorted(folder.iterdir()):
        if not path.is_symlink():
            continue
        target = path.resolve()
        if not target.is_file():
            problems.append((path.name, "broken link (blob missing)"))
            continue
        expected = target.name
        actual = _file_sha256(target) if len(expected) == 64 else _git_blob_sha1(target)
        if actual != expected:
            problems.append((path.name, f"hash mismatch: expected {expected[:12]}…, got {actual[:12]}…"))
    return problems


def size_bytes(folder: Path) -> int:
    return sum(p.resolve().stat().st_size for p in folder.iterdir() if p.resolve().is_file())
