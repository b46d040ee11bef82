"""The base of checks that need models: opt-in, and skipped (not crashed) when a model or library is missing."""

from __future__ import annotations

from typing import Any, ClassVar

from mtqa.checks.base import Check, CheckContext
from mtqa.extras import require_installed


class ModelCheck(Check):
    """Checks that run models override ``check_document`` (one batched pass per document).

    No ``code``: the registry lists only its subclasses. Before a model is looked up, the
    check's ``libraries`` must be installed (found, not imported: a re-check the output cache
    answers never imports torch), so a light install skips the check with "torch is not
    installed; run: pip install 'mtqa[models]'". A missing model raises ``ModelUnavailable``
    from ``self.models``; the engine records the check as skipped with the ``mtqa models
    pull`` command and runs the others. ``signature`` holds the settings behind the check's
    scores (``mtqa.signature``); the engine copies it into the report.
    """

    default_enabled: ClassVar[bool] = False
    defaults: ClassVar[dict[str, Any]] = {}  # option → default; users set [options.<CODE>] <option>
    libraries: ClassVar[tuple[str, ...]] = ("torch", "transformers")  # of the `models` extra

    def __init__(self) -> None:
        self.signature: str | None = None
        self._models: Any = None

    @property
    def models(self) -> Any:
        if self._models is None:
            require_installed(self.libraries, "models")
            from mtqa.backends import Models

            self._models = Models()
        return self._models

    def option(self, ctx: CheckContext, name: str) -> Any:
        """The user's ``options.<CODE>.<name>``, converted to the default's type."""
        own = ctx.options.get(self.code, {})
        default = self.defaults[name]
        value = own.get(name, default) if isinstance(own, dict) else default
        return value if default is None or value is None else type(default)(value)
