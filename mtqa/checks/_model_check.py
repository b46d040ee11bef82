"""The base of checks that need models: opt-in, and skipped (not crashed) when a model or library is missing."""

from __future__ import annotations

from typing import Any, ClassVar

from mtqa.checks.base import Check
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
