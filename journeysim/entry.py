"""The `journeysim` command's entry point: loads the command line inside a Ctrl-C handler, so
that an interrupt while it loads (its first tenth of a second) ends it as one at any later
moment does, not with Python's traceback."""

from __future__ import annotations

import sys

INTERRUPTED = 130  # the shell's exit code of a command ended by SIGINT


def main() -> int:
    try:
        from journeysim.cli import main as command

        return command()
    except KeyboardInterrupt:
        pass
    except Exception as error:
        if not caused_by_ctrl_c(error):
            raise
    print("journeysim: interrupted; nothing written", file=sys.stderr)
    return INTERRUPTED


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
