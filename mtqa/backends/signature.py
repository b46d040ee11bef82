"""Signatures: the settings that produced a model-based score, as one reproducible string.

In the spirit of sacrebleu: ``model:Helsinki-NLP/opus-mt-en-de@<commit>|pivot:de|metric:chrF2|
thr:0.45|mtqa:0.1.0``. Built from an explicit, ordered dict, never from an object's fields.
"""

from __future__ import annotations

from mtqa import __version__


def signature(fields: dict[str, object]) -> str:
    """``key:value`` pairs joined by ``|``, in the given order, ending with the mtqa version."""
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = f"{value:g}"
        parts.append(f"{key}:{value}")
    parts.append(f"mtqa:{__version__}")
    return "|".join(parts)
