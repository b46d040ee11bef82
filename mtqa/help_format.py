"""Command classes whose help shows a type only beside options that take a value.

typer 0.29 prints ``<bool>`` beside every flag (``--quiet <bool>``, even ``--help``), which
reads as if the flag wanted a value. Every mtqa command and group uses these classes
(``cls=Command`` / ``cls=Group``), so flags show no type while choices still list theirs.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand, TyperGroup, TyperOption


def _without_flag_types(params: list[Any]) -> list[Any]:
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""  # the help's type column shows the metavar when one is set
    return params


class Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _without_flag_types(super().get_params(ctx))


class Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _without_flag_types(super().get_params(ctx))
