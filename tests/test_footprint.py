"""A run whose visits may not fit in memory says so once its first replication is in, before
it gathers them all (the memory available is set here, so that the test never depends on the
machine's)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from journeysim.scenario import load_scenario
from journeysim.simulation import footprint
from journeysim.simulation.executors import LocalPool
from journeysim.simulation.footprint import PEAK_BYTES_PER_VISIT, MemoryWarning
from journeysim.simulation.runner import run_scenario

MMC = Path(__file__).parent.parent / "scenarios" / "validation" / "mmc.yaml"


def small_run(reps: int):
    scenario = load_scenario(
        MMC, ["horizon.days=1", "horizon.warmup_days=0", f"replications={reps}"]
    )
    return scenario, lambda: run_scenario(scenario, LocalPool(workers=1))


def test_a_run_that_needs_more_memory_than_is_available_warns_with_its_size(monkeypatch):
    scenario, run = small_run(3)
    monkeypatch.setattr(footprint, "available_memory", lambda: 1_000_000)
    with pytest.warns(MemoryWarning) as caught:
        result = run()
    (warning,) = caught
    text = str(warning.message)
    # The size is the first replication's to finish, one of the three.
    each = int(text.split("of about ")[1].split(" visits")[0].replace(",", ""))
    assert each in result.visits.groupby("replication").size().tolist()
    need = 3 * each * PEAK_BYTES_PER_VISIT
    assert text.startswith(
        f"{scenario.name}: 3 replications of about {each:,} visits ({3 * each:,} in all) need "
        f"about {need / 1e6:,.0f} MB of memory at the run's peak, "
    )
    assert str(warning.message).endswith(
        "more than the 1 MB available now, and the run may be stopped for lack of it; give "
        "fewer replications (replications or --reps) or days (horizon.days or --days)"
    )


def test_a_run_that_fits_says_nothing(monkeypatch):
    _, run = small_run(3)
    monkeypatch.setattr(footprint, "available_memory", lambda: 10**12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run()


def test_the_memory_available_is_the_machines():
    assert 0 < footprint.available_memory() < 2**60
