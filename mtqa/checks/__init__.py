"""The check registry: every module in this package that defines a ``Check`` subclass.

Adding a check is one new module here (plus its tests); third-party packages can add checks
through the ``mtqa.checks`` entry-point group. Modules must import heavy libraries lazily.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from importlib.metadata import entry_points

from mtqa.checks.base import Check, CheckContext

__all__ = ["Check", "CheckContext", "all_checks", "if_available", "select_checks"]

# The thorough run: DEFAULT plus every model check whose models and libraries are on this
# machine; one that is not is listed as "not available", not an error (``if_available``).
AVAILABLE = "AVAILABLE"
SELECTORS = frozenset({"ALL", "DEFAULT", AVAILABLE})


@cache
def all_checks() -> dict[str, type[Check]]:
    """Every known check class by code, sorted by code."""
    found: dict[str, type[Check]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name != "base":
            importlib.import_module(f"{__name__}.{info.name}")
    for cls in _subclasses(Check):
        if getattr(cls, "code", None):
            found[cls.code] = cls
    for ep in entry_points(group="mtqa.checks"):
        cls = ep.load()
        found[cls.code] = cls
    return dict(sorted(found.items()))


def _subclasses(cls: type) -> list[type]:
    result = []
    for sub in cls.__subclasses__():
        result.append(sub)
        result.extend(_subclasses(sub))
    return result


def _specificity(pattern: str, cls: type[Check]) -> int:
    """Length of the matching selector (-1 when it does not match); ALL, AVAILABLE and DEFAULT match weakest.

    DEFAULT means every check that runs out of the box (``default_enabled``); ALL adds the
    checks that need models downloaded with ``mtqa models pull``; so does AVAILABLE, whose
    model checks run only where their models are here (``if_available``).
    """
    code = cls.code
    if pattern in ("ALL", AVAILABLE):
        return 0
    if pattern == "DEFAULT":
        return 0 if cls.default_enabled else -1
    if pattern.lower() in _names(cls):
        return len(code)  # a name is as specific as the full code
    return len(pattern) if code.startswith(pattern) else -1


def _names(cls: type[Check]) -> set[str]:
    return {cls.name.lower(), *(alias.lower() for alias in cls.aliases)}


def select_checks(select: list[str], ignore: list[str]) -> list[type[Check]]:
    """Resolve select/ignore selectors (code, prefix, name or alias, DEFAULT or ALL); the most specific wins.

    Codes and prefixes are upper case; ``config.resolve_codes`` has checked that each selector names a check.
    """
    chosen = []
    for cls in all_checks().values():
        best_select = max((_specificity(p, cls) for p in select), default=-1)
        best_ignore = max((_specificity(p, cls) for p in ignore), default=-1)
        if best_select >= 0 and best_select > best_ignore:
            chosen.append(cls)
    return chosen


def if_available(select: list[str], cls: type[Check]) -> bool:
    """Whether ``cls`` was chosen only by AVAILABLE (or, for a default check whose model comes
    from ``mtqa models pull``, only by DEFAULT): it runs where its models are here, else is listed.

    A check that another selector names (``MT301``, ``MT3``, ``ALL``, a name) was asked for
    explicitly, so a missing model stays an error (exit 2) for it. A rule-only install that has
    not pulled the default QE model's embeddings still checks, and says what it left out.
    """
    pulled = getattr(cls, "pulled", False)  # plug-in checks may predate it
    weak = {AVAILABLE, "DEFAULT"} if cls.default_enabled and pulled else {AVAILABLE}
    if cls.default_enabled and not pulled:
        return False
    if not weak & set(select):
        return False
    return all(_specificity(p, cls) < 0 for p in select if p not in weak)
