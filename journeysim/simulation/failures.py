"""Failed tasks: a task that raised or whose worker process died, told in one line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


class TaskFailed(Exception):
    """A task raised or its worker process died: the task's index and why, in one line."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"task {index}: {reason}")
        self.index = index
        self.reason = reason


class ReplicationFailed(Exception):
    """A replication raised or its worker died: why (`reason`), after the scenario (`name`) and
    the `replication` it failed in, where known (None: the burn-in), e.g. `baseline, replication
    2: out of memory` or `baseline, the burn-in: ...`."""

    def __init__(self, reason: str, name: str = "", replication: int | None = None) -> None:
        super().__init__(reason, name, replication)  # each part, so that it pickles whole
        self.reason, self.name, self.replication = reason, name, replication

    def __str__(self) -> str:
        return f"{self.name}, {self._which()}: {self.reason}" if self.name else self.reason

    def told_after(self, name: str, replication: int) -> str:
        """Why, told after a line that names the scenario `name` and its `replication`: without
        what the line says already (`the burn-in: ...` where the burn-in failed)."""
        if self.name != name:
            return str(self)
        return self.reason if self.replication == replication else f"{self._which()}: {self.reason}"

    def _which(self) -> str:
        return "the burn-in" if self.replication is None else f"replication {self.replication}"


def first_failure_in_order(
    finished: Iterator[tuple[int, Callable[[], Any]]], cancel_above: Callable[[int], None]
) -> Iterator[tuple[int, Any]]:
    """(index, result) of tasks as they finish (`finished`: each one's index and a call that
    returns its result or raises). When some fail, TaskFailed names the one of lowest index,
    raised once every task below it has finished (`cancel_above(index)` drops those above),
    so that which failure a parallel run reports does not depend on which ran faster."""
    done: set[int] = set()
    failure: tuple[int, Exception] | None = None
    for index, result_of in finished:
        done.add(index)
        if failure is None or index < failure[0]:
            try:
                result = result_of()
            except Exception as error:
                failure = (index, error)
                cancel_above(index)
            else:
                yield index, result
        if failure is not None and done.issuperset(range(failure[0])):
            break
    if failure is not None:
        index, error = failure
        raise TaskFailed(index, failure_reason(error)) from error


def failure_reason(error: BaseException) -> str:
    """Why a task failed, in one line (no traceback)."""
    from concurrent.futures.process import BrokenProcessPool  # not at every command's start

    if isinstance(error, BrokenProcessPool):
        return "its worker process died (out of memory?)"
    if isinstance(error, ReplicationFailed):  # it names its scenario and replication
        return str(error)
    if isinstance(error, MemoryError):
        return "out of memory"
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
