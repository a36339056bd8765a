"""Peak memory of one replication with many visits.

    python benchmarks/memory.py [--visits N] [--mode customer_base|open] [--rate R] [--command]

Customer-base mode (default) runs scenarios/baseline.yaml for enough days to reach N visits
(default 1,000,000), from its history; open mode runs scenarios/validation/mmc.yaml at R
arrivals per hour (as benchmarks/throughput.py does). The replication runs in a fresh Python
process, so its peak resident set size (ru_maxrss) is the replication's alone: the history is
lived (or found on disk) here first. A run that falls short of N visits (the baseline's visits
a day drift down over the years) is run again, longer by the shortfall. Prints the visits, the
peak RSS, the peak before simulating (Python, the libraries, the scenario and its history), the
KB per visit of both the peak and the growth, and whether the peak meets the goal (under 1 GB).
`--command` measures the whole `journeysim run` of that scenario instead (one replication, the
tables, the report and its replay written to a temporary folder), as a user runs it.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from throughput import customer_base, open_scenario

from journeysim.cli import main as journeysim
from journeysim.scenario.loader import resolved_yaml
from journeysim.scenario.schema import Scenario
from journeysim.simulation.replication import past, simulate

GOAL_MB = 1024


def scenario_for(mode: str, visits: int, rate: float) -> Scenario:
    if mode == "open":
        return open_scenario(visits, rate, math.ceil(rate / 24.0))  # utilisation about 0.4
    return customer_base(visits)[0]


def child(scenario_json: str) -> None:
    """Simulate one replication; print its visits and this process's RSS before and at peak."""
    scenario = Scenario.model_validate_json(scenario_json)
    past(scenario)  # from the disk cache
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    visits = len(simulate(scenario).visits)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"visits": visits, "before_kb": before, "peak_kb": peak}))


def command_child(scenario_json: str) -> None:
    """`journeysim run` of one replication of the scenario (written to a temporary folder);
    print its visits and this process's RSS before and at peak."""
    import pandas as pd

    scenario = Scenario.model_validate_json(scenario_json)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{scenario.name}.yaml"
        path.write_text(resolved_yaml(scenario), encoding="utf-8")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        journeysim(["run", str(path), "--reps", "1", "--quiet", "--out", str(Path(folder) / "out")])
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        written = Path(folder) / "out" / scenario.name / "visits.parquet"
        visits = len(pd.read_parquet(written, columns=["visit_id"]))
    print(json.dumps({"visits": visits, "before_kb": before, "peak_kb": peak}))


def measured(scenario: Scenario, command: bool) -> dict[str, int]:
    """The child's visits and RSS before and at peak, for one replication of `scenario` (with
    `command`, of `journeysim run`)."""
    past(scenario)  # lived here, so the child only reads it
    role = "--command-child" if command else "--child"
    out = subprocess.run(
        [sys.executable, __file__, role, scenario.model_dump_json()],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1_000_000, help="visits (default 1e6)")
    parser.add_argument("--mode", choices=["customer_base", "open"], default="customer_base")
    parser.add_argument("--rate", type=float, default=240.0, help="open mode arrivals/hour")
    parser.add_argument(
        "--command", action="store_true", help="the whole `journeysim run`, not simulate()"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--command-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.command_child:
        command_child(args.command_child)
        return
    scenario = scenario_for(args.mode, args.visits, args.rate)
    result = measured(scenario, args.command)
    while result["visits"] < args.visits:
        days = math.ceil(scenario.horizon.days * 1.01 * args.visits / result["visits"])
        horizon = scenario.horizon.model_copy(update={"days": days})
        scenario = scenario.model_copy(update={"horizon": horizon})
        result = measured(scenario, args.command)
    visits, before, peak = result["visits"], result["before_kb"], result["peak_kb"]
    what = "journeysim run" if args.command else "one replication"
    print(
        f"{args.mode} mode, {what} ({scenario.name}, {scenario.horizon.days} days): {visits} visits"
    )
    print(f"  peak RSS {peak / 1024:7.0f} MB = {peak / visits:.2f} KB a visit")
    start = "the command" if args.command else "simulating"
    print(
        f"  peak before {start} {before / 1024:7.0f} MB; growth "
        f"{(peak - before) / visits:.2f} KB a visit"
    )
    met = peak / 1024 < GOAL_MB
    print(f"  goal: peak under {GOAL_MB} MB: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
