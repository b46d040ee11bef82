"""The one finding type every check produces and every formatter reads."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field, fields, replace
from typing import Any


class Severity(enum.IntEnum):
    """MQM-style severities, ordered so that ``>=`` means "at least as bad"."""

    MINOR = 1
    MAJOR = 2
    CRITICAL = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            choices = ", ".join(str(s) for s in cls)
            raise ValueError(f"unknown severity {value!r} (choose from {choices})") from None


@dataclass(frozen=True)
class Finding:
    """One flagged span, built once by its check (``Check.finding``) and never edited afterwards.

    A severity override from the configuration makes a new finding (``with_severity``).
    """

    path: str
    code: str
    severity: Severity
    category: str
    message: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    check_name: str  # the check's name ("doubled-word"); the JSON report calls it "check"
    suggestion: str | None = None
    context_start: int = 0
    context_end: int = 0
    context: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def with_severity(self, severity: Severity) -> Finding:
        """The same finding at another severity (the user's ``severity`` setting)."""
        return replace(self, severity=severity)

    def fingerprint(self) -> str:
        """Identity that survives moved lines: code, flagged text and its sentence, not offsets."""
        key = "\x1f".join((self.path, self.code, self.text, " ".join(self.context.split())))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """The JSON report's object. Not ``dataclasses.asdict``: that deep-copies ``details``, whose
        lists of other places made it a fifth of a large cross-file run; the nested values are the
        finding's own, for serialising, not for editing."""
        data = {("check" if f.name == "check_name" else f.name): getattr(self, f.name) for f in fields(self)}
        data["details"] = dict(self.details)
        data["severity"] = str(self.severity)
        data["fingerprint"] = self.fingerprint()
        return data
