"""Run tasks on an existing Dask cluster (`pip install journeysim[dask]`)."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from typing import Any

from journeysim.caller import warn_at_caller
from journeysim.errors import InputError
from journeysim.logs import log_at
from journeysim.machine import MachineWarning
from journeysim.simulation.failures import first_failure_in_order
from journeysim.version import source_digest

CONNECT_SECONDS = 20.0  # to reach the scheduler; as long again for it to answer
WORKERLESS_SECONDS = 60.0  # a cluster may be without workers (one may be on its way)
LOST = "scheduler-connection-lost"  # why Dask cancels the tasks of a client that lost it
UNSTAFFED = "no-workers"  # why run cancels its tasks on a cluster left without workers


class ClusterVersionsWarning(MachineWarning):
    """The Dask cluster has other versions of some packages than this process."""


class DaskCluster:
    """The workers of the Dask scheduler at `address`, e.g. tcp://10.0.0.5:8786."""

    def __init__(self, address: str) -> None:
        try:
            self.address = checked_address(address)
        except ValueError as error:
            raise InputError(f"scheduler: {error}") from None

    def record(self) -> dict[str, Any]:
        return {"kind": "dask", "scheduler": self.address}

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        """Submit fn(*task) for every task; yield (task index, result) as each finishes."""
        try:
            from dask.distributed import Client, as_completed
        except ImportError:
            raise ImportError(
                "--scheduler needs dask.distributed: pip install journeysim[dask]"
            ) from None
        scheduler_answers(self.address)
        # (Dask's client logs the traceback of its failed reconnection to a lost scheduler,
        # which `finished` tells in one line)
        with (
            log_at("distributed.client", logging.CRITICAL),
            _connected(Client, self.address) as client,
        ):
            workers_run_this_journeysim(client, self.address)
            futures = {client.submit(fn, *task, pure=False): i for i, task in enumerate(tasks)}

            def finished() -> Iterator[tuple[int, Callable[[], Any]]]:
                for future in as_completed(futures):
                    why = cancelled_for(future)
                    if why == LOST:  # no task's failure: the cluster's
                        raise ConnectionError(
                            f"lost the Dask scheduler at {self.address} (it stopped, or the "
                            "network to it failed)"
                        )
                    if why == UNSTAFFED:
                        raise ConnectionError(
                            f"the Dask cluster at {self.address} lost its workers: none has "
                            f"been there for {WORKERLESS_SECONDS:.0f} s (start some: dask worker "
                            f"{self.address})"
                        )
                    yield futures[future], future.result

            stop = threading.Event()
            watch = (client, list(futures), stop)
            threading.Thread(target=_cancel_when_unstaffed, args=watch, daemon=True).start()
            try:
                yield from first_failure_in_order(
                    finished(),
                    lambda index: client.cancel([f for f, i in futures.items() if i > index]),
                )
            except BaseException:
                client.cancel(list(futures))
                raise
            finally:
                stop.set()


def workers_run_this_journeysim(client: Any, address: str) -> None:
    """Return once the cluster at `address` has workers (ConnectionError if none joins in
    WORKERLESS_SECONDS) and each imports journeysim with these sources (ImportError if not): a
    worker without it dropped out at its first task and the command waited for ever for
    another; one with other sources would give other numbers."""
    try:
        client.wait_for_workers(1, timeout=WORKERLESS_SECONDS)
    except TimeoutError:
        raise ConnectionError(
            f"the Dask scheduler at {address} has no workers: none joined in "
            f"{WORKERLESS_SECONDS:.0f} s (start some: dask worker {address})"
        ) from None
    for worker, digest in sorted(client.run(source_digest, on_error="return").items()):
        if isinstance(digest, BaseException):  # (Dask wraps what the worker raised)
            raise ImportError(
                f"the Dask worker {worker} cannot run journeysim ({digest}): install this "
                "journeysim on every worker"
            )
        if digest != source_digest():
            raise ImportError(
                f"the Dask worker {worker} runs another journeysim (its sources differ: a "
                "newer or edited version), whose numbers would differ: install this journeysim "
                "on every worker"
            )


def _connected(client: Callable[..., Any], address: str) -> Any:
    """`client(address)`, a Dask Client, with Dask's table of the packages whose versions
    differ between this process, the scheduler and the workers told in one line."""
    from distributed.versions import VersionMismatchWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        connected = client(address, timeout=f"{CONNECT_SECONDS}s")
    for shown in caught:
        if not issubclass(shown.category, VersionMismatchWarning):
            warnings.warn_explicit(shown.message, shown.category, shown.filename, shown.lineno)
            continue
        packages = re.findall(r"^\| (\S+) +\|", str(shown.message), re.MULTILINE)[1:]
        warn_at_caller(
            ClusterVersionsWarning(
                f"the Dask cluster at {address} has other versions of {', '.join(packages)} "
                "than this process (as Dask's version check found)"
            )
        )
    return connected


def _cancel_when_unstaffed(client: Any, futures: list[Any], stop: threading.Event) -> None:
    """Until `stop`, check every WORKERLESS_SECONDS that the cluster has workers; once it has
    had none for WORKERLESS_SECONDS, cancel `futures` (UNSTAFFED), which would wait for ever."""
    while not stop.wait(WORKERLESS_SECONDS):
        try:
            if not _staffed(client, WORKERLESS_SECONDS):
                client.cancel(futures, reason=UNSTAFFED)
                return
        except Exception:  # the scheduler lost, or the client closed: `run` tells why
            return


def _staffed(client: Any, seconds: float) -> bool:
    """Whether the cluster has, within `seconds`, a worker that runs tasks: one running, or
    one paused (Dask pauses a worker near its memory limit) that goes on with those it has,
    which wait_for_workers does not count."""
    try:
        client.wait_for_workers(1, timeout=seconds)
    except TimeoutError:
        return any(client.processing().values())
    return True


def cancelled_for(future: Any) -> str | None:
    """Why Dask cancelled `future` (e.g. LOST), or None if it was not cancelled."""
    if not future.cancelled():
        return None
    try:
        future.result()
    except CancelledError as cancelled:
        return getattr(cancelled, "reason", "unknown")
    return None


def scheduler_answers(address: str) -> None:
    """Return once a Dask scheduler at `address` answers who it is; ConnectionError, within
    2 x CONNECT_SECONDS, where nothing listens, a listener never answers (Dask's own
    handshake waits for ever) or another service answers (whose bytes Dask read as a frame
    of exabytes), and at once where its host has no address (Dask tried it for
    CONNECT_SECONDS and said only that it timed out)."""
    from distributed.comm import connect
    from distributed.comm.addressing import get_address_host_port

    host, port = get_address_host_port(address)
    try:
        socket.getaddrinfo(host, port)
    except socket.gaierror as error:
        raise ConnectionError(
            f"cannot reach the Dask scheduler at {address}: {host}: {error.strerror}"
        ) from None

    async def identity() -> object:
        comm = await connect(address, timeout=CONNECT_SECONDS)
        try:
            await comm.write({"op": "identity"})
            return await comm.read()
        finally:
            comm.abort()

    async def answer() -> object:
        return await asyncio.wait_for(identity(), 2 * CONNECT_SECONDS)

    outcome: list[object] = []  # the reply, or what stopped it

    def ask() -> None:
        try:
            outcome.append(asyncio.run(answer()))
        except BaseException as error:  # handed to the caller's thread
            outcome.append(error)

    # In a thread of its own, which may start an event loop where the caller runs one; a
    # daemon, so that a Ctrl-C meanwhile is not held up by the wait.
    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join()
    there = f"the Dask scheduler at {address}"
    try:
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        reply = outcome[0]
    except TimeoutError:  # (an OSError: caught first)
        raise ConnectionError(
            f"{there} does not answer: something listens there but said nothing in "
            f"{2 * CONNECT_SECONDS:.0f} s"
        ) from None
    except OSError as error:
        raise ConnectionError(f"cannot reach {there}: {error}") from None
    except Exception:  # whatever Dask makes of another protocol's bytes
        reply = None
    if not (isinstance(reply, dict) and reply.get("type") == "Scheduler"):
        raise ConnectionError(
            f"{there} does not answer as a Dask scheduler (another service on that port?)"
        )


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
