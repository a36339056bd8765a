"""Run tasks on an existing Dask cluster (`pip install journeysim[dask]`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from journeysim.simulation.failures import TaskFailed, failure_reason

CONNECT_TIMEOUT = "20s"


class DaskCluster:
    """The workers of the Dask scheduler at `address`, e.g. tcp://10.0.0.5:8786."""

    def __init__(self, address: str) -> None:
        self.address = address

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        """Submit fn(*task) for every task; yield (task index, result) as each finishes."""
        try:
            from dask.distributed import Client, as_completed
        except ImportError:
            raise ImportError(
                "--scheduler needs dask.distributed: pip install journeysim[dask]"
            ) from None
        try:
            client = Client(self.address, timeout=CONNECT_TIMEOUT)
        except OSError as error:
            raise ConnectionError(
                f"cannot reach the Dask scheduler at {self.address}: {error}"
            ) from None
        with client:
            futures = {client.submit(fn, *task, pure=False): i for i, task in enumerate(tasks)}
            try:
                for future in as_completed(futures):
                    try:
                        result = future.result()
                    except Exception as error:
                        raise TaskFailed(futures[future], failure_reason(error)) from error
                    yield futures[future], result
            except BaseException:
                client.cancel(list(futures))
                raise
