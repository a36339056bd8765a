"""Executors run independent tasks and yield (index, result) as each finishes.
The model does not know which executor runs it; results do not depend on it."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol


class Executor(Protocol):
    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        """Call fn(*task) for every task; yield (task index, result) in completion order."""
        ...


class Serial:
    """In this process, one task after another."""

    def run(self, fn, tasks):
        for i, task in enumerate(tasks):
            yield i, fn(*task)


class LocalPool:
    """A pool of worker processes on this machine."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def run(self, fn, tasks):
        if self.workers == 1 or len(tasks) <= 1:
            yield from Serial().run(fn, tasks)
            return
        workers = min(self.workers, len(tasks))
        with ProcessPoolExecutor(max_workers=workers, initializer=_end_with_parent) as pool:
            futures = {pool.submit(fn, *task): i for i, task in enumerate(tasks)}
            try:
                for future in as_completed(futures):
                    yield futures[future], future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise


def _end_with_parent() -> None:
    """In a worker: on Linux, end when the parent dies (a killed sweep leaves no orphans)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for --workers / --scheduler."""
    if scheduler:
        from journeysim.simulation.dask_executor import DaskCluster

        return DaskCluster(scheduler)
    return LocalPool(workers)
