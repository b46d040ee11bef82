"""The base of checks that need models: opt-in, and skipped (not crashed) when a model is missing."""

from __future__ import annotations

from typing import Any, ClassVar

from mtqa.checks.base import Check, CheckContext


class ModelCheck(Check):
    """Checks that run models override ``check_document`` (one batched pass per document).

    A missing model raises ``ModelUnavailable`` from ``self.models``; the engine records the
    check as skipped with the ``mtqa models pull`` command and runs the others. ``signature``
    holds the settings behind the check's scores; the engine copies it into the report.
    """

    default_enabled: ClassVar[bool] = False
    defaults: ClassVar[dict[str, Any]] = {}  # option → default; users set [options.<CODE>] <option>

    def __init__(self) -> None:
        self.signature: str | None = None
        self._models: Any = None

    @property
    def models(self) -> Any:
        from mtqa.backends import Models

        if self._models is None:
            self._models = Models()
        return self._models

    def option(self, ctx: CheckContext, name: str) -> Any:
        """The user's ``options.<CODE>.<name>``, converted to the default's type."""
        own = ctx.options.get(self.code, {})
        default = self.defaults[name]
        value = own.get(name, default) if isinstance(own, dict) else default
        return value if default is None or value is None else type(default)(value)
