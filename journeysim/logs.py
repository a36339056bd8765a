"""Another library's log, held at a level of journeysim's choosing for a while."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def log_at(name: str, level: int) -> Iterator[None]:
    """The logger `name` shows only records of `level` and above in the block, and its own
    level again after it (for a process, such as a notebook, that goes on)."""
    log = logging.getLogger(name)
    kept = log.level
    log.setLevel(level)
    try:
        yield
    finally:
        log.setLevel(kept)
