"""The `journeysim` command's entry point: loads the command line inside a Ctrl-C handler, so
that an interrupt while it loads (its first tenth of a second) ends it as one at any later
moment does, not with Python's traceback."""

from __future__ import annotations

import sys

from journeysim.interrupts import caused_by_ctrl_c

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
