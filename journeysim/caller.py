"""Warnings told at the caller's line: the first line outside journeysim that led to them.

A fixed `stacklevel` names the caller's line only for the one path it was counted on: a
warning of the burn-in, a study or a selection is reached from several API functions (and
from the command line) at different depths, and a compiled module has no frame to count.
`warn_at_caller` skips journeysim's frames whatever their number, as Python 3.12's
`skip_file_prefixes` does.
"""

from __future__ import annotations

import os
import sys
import warnings

PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_at_caller(message: Warning | str, category: type[Warning] | None = None) -> None:
    """`warnings.warn(message, category)` attributed to the first frame outside journeysim:
    the line of a script, notebook or test that called the API."""
    level, frame = 2, sys._getframe(1)  # level 2: the line that called warn_at_caller
    while frame is not None and frame.f_code.co_filename.startswith(PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
