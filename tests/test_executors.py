"""Executors: the serial loop, a local process pool and a Dask cluster on loopback give the same
runs, row for row."""

from __future__ import annotations

import operator
import signal
import sys
from pathlib import Path

import pytest

import journeysim
from journeysim.cli import main
from journeysim.simulation.dask_executor import DaskCluster
from journeysim.simulation.executors import LocalPool, Serial
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
