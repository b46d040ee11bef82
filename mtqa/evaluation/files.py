"""Reading benchmark files: only ``\\n`` ends a line.

``str.splitlines`` would also break at U+2028, U+0085 and friends, which occur inside
sentences (and unescaped inside JSON strings).
"""

from __future__ import annotations

from pathlib import Path

from mtqa.errors import InputError


def read_lines(path: Path, hint: str = "") -> list[str]:
    """The file's lines without their ``\\n`` (a final newline is optional); InputError if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"{path}: cannot read ({reason}){hint}") from None
    if text.endswith("\n"):
        text = text[:-1]
    return [line.removesuffix("\r") for line in text.split("\n")] if text else []
