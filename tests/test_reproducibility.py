"""Reproducibility through the command line: a seed fixes every number, whoever runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
RUNS = {
    "first": ["--workers", "1"],
    "again": ["--workers", "1"],
    "two_workers": ["--workers", "2"],
    "other_seed": ["--workers", "1", "--seed", "7"],
}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, Path]:
    """Result folder of each run: the baseline, 2 replications of 3 days after 2 warm-up days,
    from a history of 4 weeks (a seed's own: the full 91 weeks would cost most of the test)."""
    folders = {}
    for name, options in RUNS.items():
        out = tmp_path_factory.mktemp(name)
        command = [sys.executable, "-m", "journeysim.cli", "run", str(BASELINE)]
        command += ["--reps", "2", "--days", "3", "--set", "horizon.warmup_days=2"]
        command += ["--set", "horizon.burn_in_days=28"]
        command += ["--out", str(out), "--quiet", "--no-report", *options]
        subprocess.run(command, check=True, capture_output=True, cwd=out)
        folders[name] = out / "baseline"
    return folders


@pytest.mark.parametrize("table", ["summary.csv", "replications.csv", "days.csv"])
def test_same_seed_same_bytes(results, table):
    first = (results["first"] / table).read_bytes()
    assert (results["again"] / table).read_bytes() == first


@pytest.mark.parametrize("table", ["summary.csv", "replications.csv"])
def test_workers_do_not_change_numbers(results, table):
    first = (results["first"] / table).read_bytes()
    assert (results["two_workers"] / table).read_bytes() == first


def test_other_seed_other_numbers(results):
    first = pd.read_csv(results["first"] / "replications.csv")
    other = pd.read_csv(results["other_seed"] / "replications.csv")
    # Continuous KPIs of independent streams coincide with probability zero.
    for kpi in ("csat", "share_of_wallet", "revenue_per_day", "mean_checkout_wait_min"):
        assert (first[kpi] != other[kpi]).all(), kpi
