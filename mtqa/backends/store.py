"""Where model files live on disk: local directories, offline packages, the Hugging Face cache,
and a role's offline source when the hub model is not there: a model converted from a PyPI
wheel, or a system program's pair (Apertium).

Nothing here downloads unless ``pull`` is called: checks look models up with ``resolve``
(files only) and get ``ModelUnavailable`` with the exact ``mtqa models pull`` command when
the files are missing. The hub cache layout (``models--org--name/refs|snapshots|blobs``) is
read directly so that a lookup never touches the network and ``verify`` can compare every
file with the hash its blob is named after.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mtqa import extras
from mtqa.backends import offline
from mtqa.backends.programs import installed_pair, missing
from mtqa.backends.registry import ModelSpec, ProgramSource, PypiSource
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
    source: str = "hub"  # one of ModelSpec.sources: local, package, hub, pypi, program
    name: str | None = None  # what the ref names when not spec.id (the PyPI or Debian package)

    @property
    def ref(self) -> str:
        """``id@revision``, the form signatures use."""
        return f"{self.name or self.spec.id}@{self.revision}"

    @property
    def program(self) -> ProgramSource | None:
        """The system program that runs this role, when it resolved to one (``path`` is its mode file)."""
        return self.spec.offline if self.source == "program" and isinstance(self.spec.offline, ProgramSource) else None

    @property
    def backend(self) -> str:
        return self.program.program if self.program else self.spec.backend


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
    """The model on disk, else its offline source when that is here, else None (nothing is downloaded)."""
    return _resolve_files(spec) or resolve_offline(spec)


def _resolve_files(spec: ModelSpec) -> ResolvedModel | None:
    """The local, package or hub model's files."""
    if spec.is_local:
        folder = Path(spec.id).expanduser()
        if (folder / "config.json").is_file():
            return ResolvedModel(spec, folder, local_revision(folder), "local")
        return None
    if spec.package:
        folder = _package_dir(spec.package)
        if folder is not None:
            return ResolvedModel(spec, folder, local_revision(folder), "package")
    found = _snapshot(spec)
    if found:
        return ResolvedModel(spec, found[0], found[1])
    return None


def resolve_offline(spec: ModelSpec) -> ResolvedModel | None:
    """The offline source when it is on this machine: the converted wheel, or the program's pair.

    A program source resolves to its pair's mode file, named after the Debian package and its version.
    """
    source = spec.offline
    if isinstance(source, PypiSource) and (converted := offline.installed(source)):
        return ResolvedModel(spec, converted.path, converted.revision, "pypi", converted.ref_id)
    if isinstance(source, ProgramSource) and (pair := installed_pair(source.pair)):
        return ResolvedModel(spec, pair.mode_file, pair.version, "program", pair.package)
    return None


def _offline_missing(source: PypiSource | ProgramSource) -> str:
    """Why an offline source cannot run, for the user."""
    return missing(source.pair) if isinstance(source, ProgramSource) else f"{source.label} is not pulled"


def resolve_or_pull(spec: ModelSpec, auto_download: bool = False) -> ResolvedModel:
    """The hub (or local) model, downloaded first when allowed, else the offline source; else ModelUnavailable.

    A download comes before an offline source already here, so the hub stays first where it answers.
    """
    resolved = _resolve_files(spec)
    if resolved is None and auto_download and not spec.is_local:
        try:
            return pull(spec)  # falls back to the offline source itself
        except ModelUnavailable:
            if spec.offline is None:
                raise
    resolved = resolved or resolve_offline(spec)
    if resolved is not None:
        return resolved
    if spec.is_local:
        raise ModelUnavailable(f"model for {spec.role}: directory {spec.id} has no config.json", spec.pull_command)
    where = f"{spec.id}@{spec.revision} is not downloaded"
    if spec.offline is None:
        raise ModelUnavailable(f"model for {spec.role}: {where}", spec.pull_command)
    command = spec.offline.install_command(spec.role)
    raise ModelUnavailable(
        f"model for {spec.role}: {where} and {_offline_missing(spec.offline)}",
        spec.pull_command if command == spec.pull_command else f"{spec.pull_command} (or: {command})",
    )


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}


def _pull_offline(spec: ModelSpec, say: Callable[[str], None]) -> ResolvedModel:
    """Fetch and convert a PyPI source; a program source cannot be installed from here, so its apt command is the error."""
    source = spec.offline
    if isinstance(source, ProgramSource):
        resolved = resolve_offline(spec)
        if resolved is None:
            raise ModelUnavailable(f"{missing(source.pair)} (mtqa cannot install system programs)", source.install_command(spec.role))
        return resolved
    assert source is not None
    converted, made = offline.pull(source, spec.pull_command)
    say(f"converted {converted.manifest['file']} into {converted.path}" if made else f"already pulled in {converted.path}")
    return ResolvedModel(spec, converted.path, converted.revision, "pypi", converted.ref_id)


def _hub_failure(exc: Exception, spec: ModelSpec) -> str:
    """Whether the hub did not answer or answered no (a missing repository, a gated model)."""
    errors = extras.require("huggingface_hub.errors", "models")
    name = type(exc).__name__
    if isinstance(exc, errors.LocalEntryNotFoundError | errors.OfflineModeIsEnabled) or "Connect" in name or "Timeout" in name:
        return "the hub is not reachable"
    return f"the hub did not serve {spec.id}@{spec.revision}"


def pull(spec: ModelSpec, progress: bool = True, say: Callable[[str], None] = lambda _: None) -> ResolvedModel:
    """Download safetensors weights, configs and tokenizer files into the hub cache.

    A role with an offline source falls back to it when the hub does not answer (or
    ``HF_HUB_OFFLINE`` is set), and ``say`` is told so: the user should know which weights ran.
    """
    if spec.is_local:
        resolved = resolve(spec)
        if resolved is None:
            raise ModelUnavailable(f"local model directory {spec.id} has no config.json", spec.pull_command)
        return resolved
    hub = extras.require("huggingface_hub", "models")
    hub_utils = extras.require("huggingface_hub.utils", "models")
    if hub_offline():
        if spec.offline:
            say(f"HF_HUB_OFFLINE is set; using the offline source {spec.offline.label}")
            return _pull_offline(spec, say)
        raise ModelUnavailable(
            f"cannot download {spec.id}: HF_HUB_OFFLINE is set", f"HF_HUB_OFFLINE=0 {spec.pull_command}"
        )
    (hub_utils.enable_progress_bars if progress else hub_utils.disable_progress_bars)()
    try:
        hub.snapshot_download(
            repo_id=spec.id, revision=spec.revision, cache_dir=str(hub_cache_dir()), allow_patterns=ALLOW_PATTERNS
        )
    except Exception as exc:  # network, auth, missing repo: one clear line for the user
        if spec.offline:
            say(f"{_hub_failure(exc, spec)} ({type(exc).__name__}); using the offline source {spec.offline.label}")
            return _pull_offline(spec, say)
        raise ModelUnavailable(f"cannot download {spec.id}@{spec.revision}: {exc}", spec.pull_command) from None
    resolved = _resolve_files(spec)
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
    git blob sha1 otherwise), so every file is checked; a model converted from PyPI is checked
    against the weights' sha256 in its manifest. Local directories and packages have no
    recorded hashes: they are checked for the files a model needs. A program's pair is
    checked by the package manager that installed it, not here.
    """
    if resolved.program:
        return []
    problems: list[tuple[str, str]] = []
    folder = resolved.path
    if not (folder / "config.json").is_file():
        problems.append(("config.json", "missing"))
    if not any(folder.glob("*.safetensors")):
        problems.append(("*.safetensors", "missing (safetensors weights are required)"))
    tokenizer_files = ("tokenizer.json", "vocab.json", "vocab.txt", "source.spm", "sentencepiece.bpe.model")
    if not any((folder / name).is_file() for name in tokenizer_files):
        problems.append(("tokenizer", "no tokenizer files"))
    if resolved.source == "pypi":  # converted here: the manifest holds what was written
        recorded = json.loads((folder / offline.MANIFEST).read_text(encoding="utf-8"))["weights_sha256"]
        actual = _file_sha256(folder / offline.WEIGHTS)
        if actual != recorded:
            problems.append((offline.WEIGHTS, f"hash mismatch: expected {recorded[:12]}…, got {actual[:12]}…"))
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
