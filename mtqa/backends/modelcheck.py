"""The base of checks that need models: opt-in, skipped (not crashed) when a model is missing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from mtqa.checks.base import Check, CheckContext
from mtqa.document import Document
from mtqa.errors import ModelUnavailable
from mtqa.findings import Finding


class ModelCheck(Check):
    """Checks that run models implement ``check_with_models`` over a whole document (batching).

    ``skipped`` holds why the check could not run (with the ``mtqa models pull`` command) and
    ``signature`` the settings of its scores; the engine copies both into the report.
    """

    default_enabled: ClassVar[bool] = False
    defaults: ClassVar[dict[str, Any]] = {}  # option → default; users set options.<CODE>.<option>

    def __init__(self) -> None:
        self.skipped: str | None = None
        self.signature: str | None = None
        self._models: Any = None

    @property
    def models(self) -> Any:
        from mtqa.backends import Models

        if self._models is None:
            self._models = Models()
        return self._models

    def option(self, ctx: CheckContext, name: str) -> Any:
        own = ctx.options.get(self.code, {})
        value = own.get(name, self.defaults[name]) if isinstance(own, dict) else self.defaults[name]
        return type(self.defaults[name])(value) if self.defaults[name] is not None else value

    def check_document(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        if self.skipped:
            return
        try:
            yield from self.check_with_models(document, ctx)
        except ModelUnavailable as exc:
            self.skipped = str(exc)

    def check_with_models(self, document: Document, ctx: CheckContext) -> Iterator[Finding]:
        raise NotImplementedError
