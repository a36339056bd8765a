"""Run tasks on an existing Dask cluster (`pip install journeysim[dask]`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from journeysim.errors import InputError
from journeysim.simulation.failures import first_failure_in_order

CONNECT_TIMEOUT = "20s"


class DaskCluster:
    """The workers of the Dask scheduler at `address`, e.g. tcp://10.0.0.5:8786."""

    def __init__(self, address: str) -> None:
        try:
            self.address = checked_address(address)
        except ValueError as error:
            raise InputError(f"scheduler: {error}") from None

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
                finished = ((futures[f], f.result) for f in as_completed(futures))
                yield from first_failure_in_order(
                    finished,
                    lambda index: client.cancel([f for f, i in futures.items() if i > index]),
                )
            except BaseException:
                client.cancel(list(futures))
                raise


def checked_address(address: str) -> str:
    """`address` if it has the form of a scheduler address, [SCHEME://]HOST:PORT (scheme tcp,
    tls, ws, wss or ucx); ValueError saying so if not. Without Dask it is left to `run`, which
    says how to install it."""
    try:
        from distributed.comm.addressing import get_address_host_port
    except ImportError:
        return address
    try:
        host, port = get_address_host_port(address)
    except ValueError:
        host, port = "", 0
    if not host or not 0 < port < 65536:
        raise ValueError(
            f"expected a Dask scheduler address [tcp://]HOST:PORT, e.g. tcp://10.0.0.5:8786 "
            f"(got {address!r})"
        )
    return address
