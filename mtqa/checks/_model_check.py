"""The base of checks that need models: opt-in, and skipped (not crashed) when a model or library is missing."""

from __future__ import annotations

from typing import Any, ClassVar

from mtqa.checks.base import Check, CheckContext
from mtqa.errors import ModelUnavailable
from mtqa.extras import require_installed


class ModelCheck(Check):
    """Checks that run models override ``check_document`` (one batched pass per document).

    No ``code``: the registry lists only its subclasses. Before a model is looked up, the
    check's ``libraries`` must be installed (found, not imported: a re-check the output cache
    answers never imports torch), so a light install skips the check with "torch is not
    installed; run: pip install 'mtqa[models]'". A missing model raises ``ModelUnavailable``
    from ``self.models``; the engine records the check as skipped with the ``mtqa models
    pull`` command and runs the others. A check records the settings behind its scores on each
    document with ``ctx.sign`` (a ``mtqa.signature.Signature``); the report lists them.
    """

    default_enabled: ClassVar[bool] = False
    libraries: ClassVar[tuple[str, ...]] = ("torch", "transformers")  # of the `models` extra

    def __init__(self) -> None:
        self._models: Any = None  # the loaded models are kept for the run: loading is the slow part

    @property
    def models(self) -> Any:
        if self._models is None:
            require_installed(self.libraries, "models")
            from mtqa.backends import Models

            self._models = Models()
        return self._models

    def roles(self, ctx: CheckContext) -> list[str]:
        """The registry roles this check needs for a document in ``ctx``'s languages."""
        raise NotImplementedError

    def missing(self, ctx: CheckContext) -> ModelUnavailable | None:
        """The first library or role of this check that is not here; libraries are found, not imported.

        The thorough run (``--select AVAILABLE``) asks this before running the check, so a
        model that is not here is listed with its pull command, never downloaded or loaded.
        """
        try:
            require_installed(self.libraries, "models")
            roles = self.roles(ctx)
        except ModelUnavailable as exc:
            return exc
        return next((gap for role in roles if (gap := self.models.missing(role)) is not None), None)
