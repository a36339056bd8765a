"""The memory a run's gathered visits take, and a warning when they may not fit."""

from __future__ import annotations

import psutil

from journeysim.caller import warn_at_caller
from journeysim.machine import MachineWarning
from journeysim.scenario.schema import Scenario
from journeysim.words import plural

# The peak of a run's process per visit gathered (every replication's visits in typed
# columns, then the tables and charts of its results), as /usr/bin/time -v's maximum resident
# set size of `journeysim run scenarios/baseline.yaml --quiet`: --days 1375 --reps 1,
# 1,023,696 visits, 856,104 KB, and 942,752 KB when the run first lives the store's history
# (0.84 and 0.92 KB a visit); --days 365 --reps 4, 1,091,207 visits, 864,972 KB, 0.79 KB a visit;
# --days 365 --reps 1, 273,478 visits, 567,544 KB (528,172 KB with --no-report: the
# libraries' fixed 0.15 GB or so weighs more in a small run, which is far from any machine's
# limit). A little above the largest per visit.
PEAK_BYTES_PER_VISIT = 1_100


class MemoryWarning(MachineWarning):
    """A run whose visits may need more memory than the machine has available."""


def available_memory() -> int:
    """Bytes of memory available to a process now, without swapping."""
    return int(psutil.virtual_memory().available)


def warn_if_too_big(scenario: Scenario, visits: int) -> None:
    """Warn when the scenario's replications, of about `visits` visits each (the first to
    finish), would need more memory at the run's peak than is available."""
    replications = scenario.replications
    need = replications * visits * PEAK_BYTES_PER_VISIT
    available = available_memory()
    if need > available:
        warn_at_caller(
            MemoryWarning(
                f"{scenario.name}: {plural(replications, 'replication')} of about "
                f"{plural(visits, 'visit')}{_in_all(replications, visits)} "
                f"{'needs' if replications == 1 else 'need'} about {_size(need)} of memory at "
                f"the run's peak, more than the {_size(available)} available now, and the run may "
                "be stopped for lack of it; give fewer replications (replications or --reps) "
                "or days (horizon.days or --days)"
            )
        )


def _in_all(replications: int, visits: int) -> str:
    return "" if replications == 1 else f" ({replications * visits:,} in all)"


def _size(size: int) -> str:
    """Bytes in GB (MB below one GB)."""
    return f"{size / 1e9:,.1f} GB" if size >= 1e9 else f"{size / 1e6:,.0f} MB"
