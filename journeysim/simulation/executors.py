"""Executors run independent tasks and yield (index, result) as each finishes.
The model does not know which executor runs it; results do not depend on it."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Final, Protocol

from journeysim.limits import WORKERS_PER_CORE, most_workers
from journeysim.simulation.failures import (
    ReplicationFailed,
    TaskFailed,
    failure_reason,
    first_failure_in_order,
)

# The signals a worker takes only once it is prepared for them (`_signals_held`).
HELD_WHILE_FORKING: Final = {signal.SIGINT, signal.SIGTERM}


class Executor(Protocol):
    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        """Call fn(*task) for every task; yield (task index, result) in completion order.
        A task that raises, or whose worker dies, ends the run with TaskFailed: of the lowest
        index that failed, whatever the timing."""
        ...

    def record(self) -> dict[str, Any]:
        """How it runs tasks, as manifest.json records it (`executor`)."""
        ...


def run_replications(
    executor: Executor, fn: Callable[..., Any], tasks: Sequence[tuple]
) -> Iterator[tuple[int, Any]]:
    """`executor.run(fn, tasks)` for tasks that start with (scenario, replication); a failed
    task ends it with ReplicationFailed naming both."""
    try:
        yield from executor.run(fn, tasks)
    except TaskFailed as failed:
        if isinstance(failed.__cause__, ReplicationFailed):
            raise failed.__cause__ from None
        scenario, replication = tasks[failed.index][:2]
        raise ReplicationFailed(failed.reason, scenario.name, replication) from failed


class Serial:
    """In this process, one task after another."""

    def run(self, fn, tasks):
        for i, task in enumerate(tasks):
            try:
                result = fn(*task)
            except Exception as error:
                raise TaskFailed(i, failure_reason(error)) from error
            yield i, result

    def record(self) -> dict[str, Any]:
        return {"kind": "serial"}


class LocalPool:
    """A pool of worker processes on this machine."""

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers: expected at least 1 process (got {workers})")
        if workers is not None and workers > (most := most_workers(os.cpu_count())):
            raise ValueError(
                f"workers: expected at most {most} processes, {WORKERS_PER_CORE} per core of "
                f"this machine (got {workers})"
            )
        self.workers = workers or os.cpu_count() or 1

    def record(self) -> dict[str, Any]:
        return {"kind": "processes", "workers": self.workers}

    def run(self, fn, tasks):
        if self.workers == 1 or len(tasks) <= 1:
            yield from Serial().run(fn, tasks)
            return
        workers = min(self.workers, len(tasks))
        # On Linux the workers are forks of this process (Python's default there up to 3.13,
        # chosen on every version): they start at once, the model imported, and end with the
        # command (`_prepare_worker`). Elsewhere they start as the platform does by default.
        forks = multiprocessing.get_context("fork") if sys.platform == "linux" else None
        pool = ProcessPoolExecutor(workers, mp_context=forks, initializer=_prepare_worker)
        try:
            with warnings.catch_warnings(), _signals_held():  # (all forked at the first submit)
                # Python warns from 3.12 on that a fork of a process running threads may
                # deadlock. This one's threads are its libraries' (numpy's BLAS, pyarrow's,
                # tqdm's), whose locks the workers never take.
                warnings.filterwarnings("ignore", ".* is multi-threaded", DeprecationWarning)
                futures = {_submit(pool, fn, task): i for i, task in enumerate(tasks)}

            def cancel_above(index: int) -> None:
                for future, i in futures.items():
                    if i > index:
                        future.cancel()

            finished = ((futures[f], f.result) for f in as_completed(futures))
            yield from first_failure_in_order(finished, cancel_above)
        except BaseException:
            _stop(pool)  # the other tasks' results would be thrown away: do not wait for them
            raise
        pool.shutdown()


def _submit(pool: ProcessPoolExecutor, fn: Callable[..., Any], task: tuple) -> Future:
    """`pool.submit(fn, *task)`, or a future failed as the pool is broken: a worker that died
    while tasks were being submitted fails them as it fails those submitted before."""
    try:
        return pool.submit(fn, *task)
    except BrokenProcessPool as broken:
        future: Future = Future()
        future.set_exception(broken)
        return future


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now.

    A worker ended halfway through sending a result (a run's tables take megabytes) leaves
    the pool's manager thread waiting for the rest, and Python joins that thread at exit: the
    command hung after "interrupted". Closing this process's end for writing to the result
    pipe, the last one once the workers are gone, ends that wait.

    The manager thread is then joined here, not at exit: Python's exit hook wakes it through a
    pipe that the thread closes as it ends, and printed "Exception ignored ... send_bytes" when
    the two met (a CI run failed on it)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)  # shutdown lets go of both
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()
    if results is not None:
        results._writer.close()
    if manager is not None:
        manager.join()


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back from this thread while inside, and so from the workers
    forked here until `_prepare_worker` has set what they do: a worker forked with the
    command's handlers, signalled before its start-up replaced them (stopped by `_stop`, or a
    Ctrl-C at the terminal reaching every process), ran them and printed a traceback. A signal
    sent to the command meanwhile reaches it on leaving."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no such signals, no forks
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, HELD_WHILE_FORKING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_WHILE_FORKING)


def _prepare_worker() -> None:
    """In a worker: leave Ctrl-C to the parent, which stops the workers (`_stop`; a worker
    that took it too would print its own traceback), end at SIGTERM (which `_stop` sends;
    a forked worker inherits the command's handler of it), then take both (held back until
    here, `_signals_held`), and on Linux end when the parent dies (a killed sweep leaves no
    orphans)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_WHILE_FORKING)
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for --workers / --scheduler."""
    if scheduler:
        from journeysim.simulation.dask_executor import DaskCluster

        return DaskCluster(scheduler)
    return LocalPool(workers)
