"""A sqlite cache of model outputs, so re-checking unchanged text does no model work.

Keys are (model id, revision, settings, text) hashed together; values are JSON. The
database runs in WAL mode with a busy timeout, so two mtqa processes can read and write it
at once. Location: ``MTQA_CACHE_DIR``, else ``$XDG_CACHE_HOME/mtqa`` (``~/.cache/mtqa``).
Set ``MTQA_CACHE_DIR=off`` to disable it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


def cache_dir() -> Path | None:
    configured = os.environ.get("MTQA_CACHE_DIR")
    if configured:
        return None if configured.lower() in {"off", "none", "0"} else Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "mtqa"


class OutputCache:
    """Model outputs by key; ``hits``/``misses`` count lookups for reports and tests."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=60, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=60000")
        self._db.execute("CREATE TABLE IF NOT EXISTS outputs (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    @staticmethod
    def key(model: str, revision: str, settings: dict[str, Any], text: str) -> str:
        payload = json.dumps([SCHEMA_VERSION, model, revision, settings, text], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for i in range(0, len(unique), 500):
                chunk = unique[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in self._db.execute(f"SELECT key, value FROM outputs WHERE key IN ({marks})", chunk):
                    found[key] = json.loads(value)
        return found

    def put_many(self, items: dict[str, Any]) -> None:
        rows = [(key, json.dumps(value, ensure_ascii=False)) for key, value in items.items()]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR REPLACE INTO outputs (key, value) VALUES (?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def cached_map(
        self,
        model: str,
        revision: str,
        settings: dict[str, Any],
        texts: Sequence[str],
        compute: Callable[[list[str]], list[Any]],
    ) -> list[Any]:
        """``compute(texts)`` with each distinct uncached text computed once and stored."""
        keys = [self.key(model, revision, settings, text) for text in texts]
        found = self.get_many(keys)
        missing = list(dict.fromkeys(text for text, key in zip(texts, keys, strict=True) if key not in found))
        misses = sum(1 for key in keys if key not in found)
        self.hits += len(texts) - misses
        self.misses += misses
        if missing:
            computed = compute(missing)
            fresh = {self.key(model, revision, settings, t): v for t, v in zip(missing, computed, strict=True)}
            self.put_many(fresh)
            found.update(fresh)
        return [found[key] for key in keys]

    def close(self) -> None:
        self._db.close()


_OPEN: dict[Path, OutputCache] = {}


def open_cache() -> OutputCache | None:
    """The process's cache (one connection per database file), or None when disabled."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / "outputs.sqlite3"
    if path not in _OPEN:
        _OPEN[path] = OutputCache(path)
    return _OPEN[path]
