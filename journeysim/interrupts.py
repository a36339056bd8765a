"""Telling a Ctrl-C behind an error that Python raised in its place."""

from __future__ import annotations


def caused_by_ctrl_c(error: BaseException) -> bool:
    """Whether a Ctrl-C raised `error`: Python turns one that lands while a module is being
    imported into an ImportError or a RuntimeError whose cause (or context) it is."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False
