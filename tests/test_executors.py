"""Executors: the serial loop, a local process pool and a Dask cluster on loopback give the same
runs, row for row."""

from __future__ import annotations

import contextlib
import json
import logging
import operator
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool, _threads_wakeups
from pathlib import Path

import pytest

import journeysim
from journeysim.cli import main
from journeysim.simulation import dask_executor
from journeysim.simulation.dask_executor import DaskCluster
from journeysim.simulation.executors import LocalPool, Serial
from journeysim.simulation.failures import TaskFailed
from journeysim.study.designs import parse_vary
from journeysim.study.sweep import Sweep, plan_sweep
from journeysim.study.sweep_spec import SweepSpec

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def dask_address():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address


def test_local_pool_yields_each_task_once_with_its_index():
    tasks = [(i, i + 1) for i in range(12)]
    assert dict(LocalPool(2).run(operator.mul, tasks)) == {i: i * (i + 1) for i in range(12)}


SEEN_BY_WORKERS = {"value": "as imported"}


def _seen(_: int) -> str:
    return SEEN_BY_WORKERS["value"]


@pytest.mark.skipif(sys.platform != "linux", reason="the workers are forks on Linux only")
def test_local_workers_are_forks_of_the_command(monkeypatch):
    # They start with what the command has loaded, at once, and end with it (Python 3.14's own
    # default starts them from a server process, which imports everything again).
    monkeypatch.setitem(SEEN_BY_WORKERS, "value", "set by the command")
    seen = dict(LocalPool(2).run(_seen, [(0,), (1,)]))
    assert seen == {0: "set by the command", 1: "set by the command"}


@pytest.mark.skipif(sys.platform != "linux", reason="the workers are forks on Linux only")
def test_forking_beside_a_thread_is_not_warned_of():
    # Python 3.12 on warns of it, on stderr under pytest: five tests that read it failed there.
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            products = dict(LocalPool(2).run(operator.mul, [(2, 3), (4, 5)]))
    finally:
        stop.set()
        thread.join()
    assert products == {0: 6, 1: 20}
    assert [str(warning.message) for warning in warned] == []


SIGNALLED_WHILE_FORKING = """
import operator, os, signal, sys
from journeysim.simulation.executors import LocalPool
from journeysim.simulation.failures import TaskFailed

command = os.getpid()
signalled = signal.Signals[sys.argv[1]]

def commands_handler(signum, frame):
    if os.getpid() != command:
        os.write(2, b"a worker ran the command's handler\\n")

signal.signal(signalled, commands_handler)
# The signal reaches each worker as soon as it is forked, before its start-up has run.
os.register_at_fork(after_in_child=lambda: os.kill(os.getpid(), signalled))
try:  # (the results come in the order the workers finish: sorted by task)
    print(dict(sorted(LocalPool(2).run(operator.mul, [(2, 3), (4, 5)]))))
except TaskFailed as failed:
    print(failed.reason)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the workers are forks on Linux only")
@pytest.mark.parametrize(
    "signalled, outcome",
    [
        ("SIGTERM", "its worker process died (out of memory?)"),  # it ends the worker
        ("SIGINT", "{0: 6, 1: 20}"),  # Ctrl-C is the command's to take: the worker goes on
    ],
)
def test_a_worker_signalled_as_it_forks_does_not_run_the_commands_handler(signalled, outcome):
    # `_stop` terminates the workers, and a Ctrl-C at a terminal reaches every process: a
    # worker still starting ran the handler it inherited from the command, which printed a
    # KeyboardInterrupt traceback (a CI run failed on it).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", SIGNALLED_WHILE_FORKING, signalled]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert (done.stderr, done.stdout) == ("", f"{outcome}\n")


# The Ctrl-C is a SIGINT, which the command holds back while it forks its workers: a SIGALRM
# raising KeyboardInterrupt (as this once sent) could land inside ProcessPoolExecutor.submit
# while the second worker was forked, where no Ctrl-C reaches, and leave that worker untracked
# to sleep on (CI hung once so, under load). Python's handler is put in place first, as a
# terminal has it: a shell's background job (a CI script run with `&`) ignores SIGINT, and its
# processes keep it ignored.
STOPPED_HALFWAY_THROUGH_A_RESULT = """
import os, signal, struct, sys, time
from journeysim.simulation.executors import LocalPool

signal.signal(signal.SIGINT, signal.default_int_handler)

def task(kind):
    if kind == "half":  # the start of a 10 MB result, as a worker stopped while sending it
        frame = sys._getframe(1)
        while "result_queue" not in frame.f_locals:
            frame = frame.f_back
        pipe = frame.f_locals["result_queue"]._writer.fileno()
        os.write(pipe, struct.pack("!i", 10_000_000) + bytes(1000))
        os.kill(os.getppid(), signal.SIGINT)  # Ctrl-C now
    time.sleep(600)

try:
    dict(LocalPool(2).run(task, [("half",), ("whole",)]))
except KeyboardInterrupt:
    print("interrupted")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the workers are forks on Linux only")
def test_a_worker_stopped_while_sending_its_result_does_not_hang_the_command():
    # `run` hung after "interrupted; nothing written": a worker stopped halfway through
    # sending a replication's tables left the pool's manager thread waiting for the rest, and
    # Python joins that thread at exit.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", STOPPED_HALFWAY_THROUGH_A_RESULT]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert (done.returncode, done.stdout) == (0, "interrupted\n")


def _killed(_: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.skipif(sys.platform != "linux", reason="the workers are forks on Linux only")
def test_a_pool_whose_workers_died_has_let_its_manager_thread_end_when_the_failure_is_raised():
    # The manager thread of a broken pool closes its wake-up pipe as it ends; Python's exit hook
    # writes to that pipe, and a command that left the thread running printed "Exception
    # ignored ... send_bytes" at exit when the two met (a CI run failed on it). Before the fix
    # the thread was still running after about two in three of these failures.
    for _ in range(30):
        with pytest.raises(TaskFailed, match="its worker process died"):
            dict(LocalPool(2).run(_killed, [(0,), (1,)]))
        assert [thread for thread in _threads_wakeups if thread.is_alive()] == []


def test_a_pool_broken_while_tasks_are_submitted_fails_them_in_order(monkeypatch):
    # A worker that died (out of memory) before every task was submitted made the next submit
    # raise BrokenProcessPool, which ended the command in a traceback.
    submit = ProcessPoolExecutor.submit
    submitted = []

    def break_after_the_first(pool, *args):
        submitted.append(args)
        if len(submitted) > 1:
            raise BrokenProcessPool("A child process terminated abruptly")
        return submit(pool, *args)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", break_after_the_first)
    with pytest.raises(TaskFailed) as failed:
        dict(LocalPool(2).run(operator.mul, [(2, 3), (4, 5), (6, 7)]))
    assert (failed.value.index, failed.value.reason) == (
        1,
        "its worker process died (out of memory?)",
    )


def test_serial_local_pool_and_dask_give_identical_runs_csv(tmp_path, request):
    vary = (parse_vary("checkout.cashiers=2,3"), parse_vary("shelves.stockout_prob=0.04,0.12"))
    spec = SweepSpec(
        BASELINE,
        vary,
        overrides=(
            "arrivals.base_customers=300",
            "horizon.burn_in_days=0",
        ),
        reps=2,
        days=7,
    )
    plan = plan_sweep(spec)
    executors = {"serial": Serial, "pool": lambda: LocalPool(2)}
    # The cluster starts last: its scheduler runs in threads of this process, which the local
    # pool should not fork.
    executors["dask"] = lambda: DaskCluster(request.getfixturevalue("dask_address"))
    files = {}
    for name, executor in executors.items():
        runs = Sweep(plan, tmp_path / name).run(executor())
        assert len(runs) == 4 * 2
        files[name] = (tmp_path / name / f"sweep-{plan.name}" / "runs.csv").read_text()
    assert files["serial"] == files["pool"] == files["dask"]


SMALL_RUN = ["--reps", "2", "--days", "1", "--quiet", "--no-report"]
SMALL_RUN += [f"--set={s}" for s in ("arrivals.base_customers=200", "horizon.burn_in_days=0")]


def test_the_manifest_records_the_executor_and_nothing_else_differs(tmp_path, request):
    """manifest.json did not say whether a run or sweep ran on this machine's processes or on
    a Dask cluster; it records the executor, and every other file is the same bytes."""
    address = request.getfixturevalue("dask_address")
    given = {"one": ["--workers", "1"], "two": ["--workers", "2"], "dask": ["--scheduler", address]}
    made = {
        "one": {"kind": "processes", "workers": 1},
        "two": {"kind": "processes", "workers": 2},
        "dask": {"kind": "dask", "scheduler": address},
    }
    commands = {
        "run": ["run", str(BASELINE)],
        "sweep": ["sweep", str(BASELINE), "--vary", "checkout.cashiers=2,3"],
    }
    for command, argv in commands.items():
        folders = {}
        for name, options in given.items():
            out = tmp_path / command / name
            assert main([*argv, *SMALL_RUN, "--out", str(out), *options]) == 0
            (folders[name],) = [p for p in out.iterdir() if p.is_dir()]  # not the lock
            manifest = json.loads((folders[name] / "manifest.json").read_text())
            assert manifest["executor"] == made[name], (command, name)

        def files(folder: Path) -> dict[str, bytes]:
            return {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "manifest.json"}

        assert files(folders["one"]) == files(folders["two"]) == files(folders["dask"]), command


def test_dask_yields_each_task_once_with_its_index(dask_address):
    tasks = [(i, i + 1) for i in range(12)]
    results = dict(DaskCluster(dask_address).run(operator.mul, tasks))
    assert results == {i: i * (i + 1) for i in range(12)}


def test_without_dask_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ImportError, match=r"pip install journeysim\[dask\]"):
        next(DaskCluster("tcp://127.0.0.1:1").run(operator.mul, [(1, 2)]))


@pytest.mark.parametrize("address", ["garbage", "http://x", "tcp://", "tcp://:abc", "h:99999"])
def test_a_scheduler_address_of_the_wrong_form_is_a_usage_error(address, capsys):
    pytest.importorskip("dask.distributed")
    with pytest.raises(SystemExit) as stopped:  # argparse, before anything is loaded or run
        main(["run", str(BASELINE), "--scheduler", address])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error == (
        "journeysim run: error: argument --scheduler: expected a Dask scheduler address "
        f"[tcp://]HOST:PORT, e.g. tcp://10.0.0.5:8786 (got {address!r})"
    )
    with pytest.raises(ValueError, match=r"^scheduler: expected a Dask scheduler address"):
        journeysim.run(BASELINE, scheduler=address)


@contextlib.contextmanager
def listener(greeting: bytes | None):
    """A loopback port whose listener accepts and sends `greeting` (None: says nothing)."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        with contextlib.suppress(OSError):  # the server closed at the end of the test
            while True:
                connection = server.accept()[0]
                accepted.append(connection)
                if greeting is not None:
                    connection.sendall(greeting)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()
        for connection in accepted:
            connection.close()


@pytest.mark.parametrize(
    ("greeting", "said"),
    [
        # Dask's handshake waited for ever on a listener that never answers.
        (None, "does not answer: something listens there but said nothing in 1 s"),
        # An SSH banner read as a frame length: "Unable to allocate 2.82 EiB", a traceback.
        (
            b"SSH-2.0-OpenSSH_9.2p1\r\n",
            "does not answer as a Dask scheduler (another service on that port?)",
        ),
        (
            b"HTTP/1.0 400 Bad request\r\n\r\n",
            "does not answer as a Dask scheduler (another service on that port?)",
        ),
    ],
)
def test_a_port_without_a_dask_scheduler_ends_the_command_in_one_line(
    greeting, said, monkeypatch, capsys, tmp_path
):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(dask_executor, "CONNECT_SECONDS", 0.5)
    # (--out: the default results/baseline of a checkout may hold a run with other --set)
    options = ["--reps", "1", "--days", "1", "--out", str(tmp_path)]
    with listener(greeting) as address, pytest.raises(SystemExit) as stopped:
        main(["run", str(BASELINE), *options, "--scheduler", address])
    assert str(stopped.value) == f"journeysim: the Dask scheduler at {address} {said}"
    assert "Traceback" not in capsys.readouterr().err


def test_a_port_nobody_listens_on_cannot_be_reached(monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(dask_executor, "CONNECT_SECONDS", 0.5)
    with listener(None) as address:
        pass  # closed again: nothing listens there now
    with pytest.raises(ConnectionError, match=f"^cannot reach the Dask scheduler at {address}"):
        next(DaskCluster(address).run(operator.mul, [(1, 2)]))


@contextlib.contextmanager
def dask_processes(folder: Path, workers: int = 1, prelude: str = ""):
    """A Dask scheduler and `workers` workers (1 thread, no nanny, which run `prelude` first),
    each a process of its own; its address and the processes, the scheduler's first. They end
    with the block."""
    Client = pytest.importorskip("dask.distributed").Client
    file = folder / "scheduler.json"
    started = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
    started += ["--port", "0", "--no-dashboard", "--scheduler-file", str(file)]
    processes = [subprocess.Popen(started, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(600):  # up to a minute
            if file.exists() and file.read_text():
                break
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        worker = f"{prelude}\nfrom distributed.cli.dask_worker import main\nmain()"
        options = [address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
        for _ in range(workers):
            command = [sys.executable, "-c", worker, *options]
            processes.append(subprocess.Popen(command, stderr=subprocess.DEVNULL))
        if workers:
            with warnings.catch_warnings(), Client(address, timeout="60s") as client:
                warnings.simplefilter("ignore")  # (Dask's check of the workers' versions)
                client.wait_for_workers(workers, timeout=60)
        yield address, processes
    finally:
        for process in processes:
            process.kill()
            process.wait()


def within_two_minutes(address: str, fn, tasks: list[tuple]) -> list:
    """[`DaskCluster(address).run(fn, tasks)` as a dict], or [the text of the ConnectionError or
    ImportError with which it refused the cluster]; [] if it has not ended within two minutes
    (where the old code waited for ever)."""
    ended: list = []

    def run() -> None:
        try:
            ended.append(dict(DaskCluster(address).run(fn, tasks)))
        except (ConnectionError, ImportError) as error:
            ended.append(str(error))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(120)
    return ended


def killed_mid_task(folder: Path, which: int, before=lambda: None) -> tuple[str, list]:
    """Run a task that starts and waits on a cluster of one worker (dask_processes), killing
    its process `which` (0 the scheduler, 1 the worker), after calling `before`, once the task
    has started; the cluster's address and what the run ended with (within_two_minutes)."""
    started = folder / "started"

    def started_then_waits(marker: str) -> None:  # sent by value: the worker cannot import it
        Path(marker).touch()
        time.sleep(600)

    with dask_processes(folder) as (address, processes):

        def kill() -> None:
            wait_for(started)
            before()
            processes[which].kill()

        threading.Thread(target=kill, daemon=True).start()
        return address, within_two_minutes(address, started_then_waits, [(str(started),)])


def test_a_scheduler_lost_mid_run_ends_the_run_in_one_line_and_fails_no_task(tmp_path, capfd):
    """A scheduler that stopped while its workers ran the tasks failed them one by one as
    FutureCancelledError ('..._measured-8a2d... cancelled for reason: scheduler-connection-lost'),
    which a sweep recorded in runs.csv as failed runs and optimise as failed trials, and Dask
    printed the traceback of its client's reconnection: ConnectionError, said once."""
    logged: list[bool] = []  # whether Dask's client would log its errors meanwhile
    client_log = logging.getLogger("distributed.client")
    address, ended = killed_mid_task(
        tmp_path, 0, lambda: logged.append(client_log.isEnabledFor(logging.ERROR))
    )
    assert ended == [
        f"lost the Dask scheduler at {address} (it stopped, or the network to it failed)"
    ]
    assert logged == [False]
    assert "Traceback" not in capfd.readouterr().err


def test_a_cluster_that_lost_its_workers_ends_the_run_in_one_line(tmp_path, monkeypatch):
    # The tasks waited for ever for a worker (a sweep hung after kill -9 of both dask workers).
    monkeypatch.setattr(dask_executor, "WORKERLESS_SECONDS", 1.0)
    address, ended = killed_mid_task(tmp_path, 1)
    assert ended == [
        f"the Dask cluster at {address} lost its workers: none has been there for 1 s (start "
        f"some: dask worker {address})"
    ]


@pytest.mark.parametrize(
    ("prelude", "said"),
    [
        (
            "import sys; sys.modules['journeysim'] = None",
            r"cannot run journeysim \(.*No module named 'journeysim.*\): install this "
            r"journeysim on every worker",
        ),
        (
            "import journeysim.version; journeysim.version.source_digest = lambda: 'edited'",
            r"runs another journeysim \(its sources differ: a newer or edited version\), whose "
            r"numbers would differ: install this journeysim on every worker",
        ),
    ],
)
def test_a_worker_without_this_journeysim_is_refused_in_one_line(prelude, said, tmp_path):
    """A worker without journeysim dropped out of the cluster at its first run (it could not
    read the task), and the sweep waited for ever for another; one with other sources ran the
    tasks, its numbers mixed with this journeysim's. Neither is given a task."""
    with dask_processes(tmp_path, prelude=prelude) as (address, _):
        refused = within_two_minutes(address, operator.mul, [(2, 3)])
    assert len(refused) == 1 and isinstance(refused[0], str)  # (not the run's {0: 6})
    assert re.fullmatch(rf"the Dask worker tcp://127\.0\.0\.1:\d+ {said}", refused[0])


def test_packages_of_other_versions_on_the_workers_are_told_in_one_line(tmp_path):
    # Dask's warning is a table over lines, shown as Python shows a warning, with its source.
    prelude = "import distributed.worker as w; found = w.get_versions(); "
    prelude += "found['packages']['numpy'] = '0.0'; w.get_versions = lambda: found"
    shown = warnings.catch_warnings(record=True)
    with dask_processes(tmp_path, prelude=prelude) as (address, _), shown as warned:
        warnings.simplefilter("always")
        assert dict(DaskCluster(address).run(operator.mul, [(2, 3)])) == {0: 6}
    assert [(w.category, str(w.message)) for w in warned] == [
        (
            dask_executor.ClusterVersionsWarning,
            f"the Dask cluster at {address} has other versions of numpy than this process (as "
            "Dask's version check found)",
        )
    ]


def test_a_cluster_without_workers_is_refused_in_one_line(tmp_path, monkeypatch):
    # The tasks waited for ever for a worker.
    monkeypatch.setattr(dask_executor, "WORKERLESS_SECONDS", 1.0)
    with dask_processes(tmp_path, workers=0) as (address, _):
        ended = within_two_minutes(address, operator.mul, [(2, 3)])
    assert ended == [
        f"the Dask scheduler at {address} has no workers: none joined in 1 s (start some: dask "
        f"worker {address})"
    ]


def test_a_worker_paused_near_its_memory_limit_mid_task_is_not_a_lost_one(tmp_path, monkeypatch):
    """Dask pauses a worker near its memory limit, which goes on with the tasks it runs: a run
    whose workers were all paused so was cancelled after 2 x WORKERLESS_SECONDS as one on a
    cluster that lost its workers ('the Dask cluster at ... lost its workers')."""
    from distributed.core import Status

    monkeypatch.setattr(dask_executor, "WORKERLESS_SECONDS", 1.0)
    started = tmp_path / "started"

    def started_then_ends(marker: str) -> int:  # sent by value: the worker cannot import it
        Path(marker).touch()
        time.sleep(10)  # 10 x WORKERLESS_SECONDS paused
        return 6

    # (paused by the test alone, not by the worker's memory, which would resume it)
    prelude = "import dask; dask.config.set({'distributed.worker.memory.pause': False})"
    Client = pytest.importorskip("dask.distributed").Client
    done = []

    def run() -> None:
        try:
            done.append(dict(DaskCluster(address).run(started_then_ends, [(str(started),)])))
        except ConnectionError as error:
            done.append(str(error))

    with dask_processes(tmp_path, prelude=prelude) as (address, _), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (Dask's check of the workers' versions)
        with Client(address, timeout="60s") as client:
            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            wait_for(started)
            client.run(lambda dask_worker: setattr(dask_worker, "status", Status.paused))
            thread.join(120)
    assert done == [{0: 6}]


def wait_for(path: Path) -> None:
    """Return once `path` exists (a task has started), waiting up to a minute."""
    for _ in range(600):
        if path.exists():
            return
        time.sleep(0.1)


def test_a_host_without_an_address_is_said_to_be_one(monkeypatch):
    # Dask tried it for 20 s and said "Timed out trying to connect to tcp://...invalid:8786".
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(dask_executor, "CONNECT_SECONDS", 0.5)
    address = "tcp://no-such-host.invalid:8786"  # (.invalid never resolves: RFC 6761)
    with pytest.raises(ConnectionError) as unreached:
        next(DaskCluster(address).run(operator.mul, [(1, 2)]))
    said = f"cannot reach the Dask scheduler at {address}: no-such-host.invalid: "
    assert str(unreached.value).startswith(said)
    assert "Timed out" not in str(unreached.value)


def test_scheduler_addresses_of_the_right_form_pass(capsys):
    pytest.importorskip("dask.distributed")
    for address in ("tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://host:8786", "[::1]:8786"):
        assert DaskCluster(address).address == address


def test_workers_leave_ctrl_c_to_the_parent():
    """Ctrl-C reaches every process of the terminal's group: a worker that took it printed
    its own traceback beside the command's one line. The parent stops the workers itself."""
    tasks = [(signal.SIGINT,)] * 2
    handlers = [handler for _, handler in LocalPool(2).run(signal.getsignal, tasks)]
    assert handlers == [signal.SIG_IGN, signal.SIG_IGN]
