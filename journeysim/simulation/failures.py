"""Failed tasks: a task that raised or whose worker process died, told in one line."""

from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool


class TaskFailed(Exception):
    """A task raised or its worker process died: the task's index and why, in one line."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"task {index}: {reason}")
        self.index = index
        self.reason = reason


class ReplicationFailed(Exception):
    """A replication raised or its worker died; the message names the scenario and replication."""


def failure_reason(error: BaseException) -> str:
    """Why a task failed, in one line (no traceback)."""
    if isinstance(error, BrokenProcessPool):
        return "its worker process died (out of memory?)"
    if isinstance(error, ReplicationFailed):  # it names its scenario and replication
        return str(error)
    if isinstance(error, MemoryError):
        return "out of memory"
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
