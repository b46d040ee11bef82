"""The settings a check declares for ``[tool.mtqa.options.<CODE>]``: name, default, meaning.

One declaration serves three readers: the configuration validates what the user wrote
against it (a misspelt option or a value of the wrong type stops the run instead of being
ignored), the check reads its value through ``Check.option``, and ``mtqa rules CODE``
documents it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OptionValue = float | int | str | None

_TYPE_NAMES: dict[type, str] = {float: "number", int: "whole number", str: "string"}


@dataclass(frozen=True)
class Option:
    """One per-check setting; users may write its name with ``-`` or ``_``."""

    name: str  # snake_case, as the check reads it
    default: OptionValue
    meaning: str  # one line for ``mtqa rules CODE``
    kind: type | None = None  # float, int or str; by default the default's type

    @property
    def value_type(self) -> type:
        return self.kind or type(self.default)

    @property
    def type_name(self) -> str:
        return _TYPE_NAMES[self.value_type]

    def parse(self, value: Any) -> float | int | str:
        """``value`` as the declared type; ValueError names the type expected.

        A whole number is a number (``max_ratio = 3``), but a number is not a whole number
        (``min_words = 2.5``) and a boolean is neither.
        """
        kind = self.value_type
        if not isinstance(value, bool):
            if kind is float and isinstance(value, int):
                return float(value)
            if isinstance(value, kind):
                return value
        article = "an" if self.type_name[0] in "aeiou" else "a"
        raise ValueError(f"expected {article} {self.type_name}, got {value!r}")

    def describe(self) -> str:
        """``max_ratio`` (number, default 2.5): what it sets."""
        default = "" if self.default is None else f", default {self.default!r}"
        return f"``{self.name}`` ({self.type_name}{default}): {self.meaning}"
