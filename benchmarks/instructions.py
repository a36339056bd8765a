"""Instructions per visit, counted by valgrind's callgrind: a measure of the model's work that
other load on the machine does not move (timings on a shared machine move by 10-20%).

    python benchmarks/instructions.py [--mode customer_base|open|bare] [--cache-sim]

Runs the model (or the bare SimPy journey of benchmarks/throughput.py) twice under callgrind,
a short and a longer run, counting instructions only while it simulates (set-up, imports and
the history are not counted), and prints the difference of the two counts per visit of
difference: what one more visit costs, the days' fixed work spread over their visits.
Customer-base mode runs scenarios/baseline.yaml for 2 and 9 days from its history (lived
first, outside valgrind); open mode scenarios/validation/mmc.yaml at 240 arrivals an hour for
1 and 2 days; bare the reference journey for 2,000 and 6,000 visits. Counts differ by about
1% between runs (valgrind's own scheduling); about 2 minutes for each mode. `--cache-sim` also
simulates the caches (callgrind's model of this machine's) and prints the first-level misses a
visit: instruction fetches, data reads and data writes (about twice as slow).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import throughput

SIZES = {"customer_base": (2, 9), "open": (1, 2), "bare": (2000, 6000)}


def child(mode: str, size: int, counted: bool) -> None:
    """Simulate under callgrind (or, not counted, only live the history) and print the visits."""
    from journeysim.simulation.replication import past, simulate

    if mode == "bare":
        scenario = throughput.open_scenario(1000, 240.0, 10)
    elif mode == "open":
        scenario = throughput.open_scenario(int(240 * 24 * size), 240.0, 10)
    else:
        scenario = throughput.base_scenario(size)
        past(scenario)
    if not counted:
        return
    control = ["callgrind_control", "--instr={}", str(os.getpid())]
    subprocess.run([part.format("on") for part in control], capture_output=True, check=True)
    if mode == "bare":
        visits = throughput.bare_journey(scenario, size, 240.0)
    else:
        visits = len(simulate(scenario).visits)
    subprocess.run([part.format("off") for part in control], capture_output=True, check=True)
    print(f"visits {visits}")


MISSES = ("I1mr", "D1mr", "D1mw")  # callgrind's names of the first-level misses


def counted(mode: str, size: int, cache_sim: bool) -> tuple[int, dict[str, int]]:
    """(visits, callgrind's totals by event: instructions "Ir", and with `cache_sim` the
    misses) of one run under callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--cache-sim={'yes' if cache_sim else 'no'}",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--child",
                mode,
                str(size),
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"},
        )
        visits = int(re.search(r"visits (\d+)", run.stdout).group(1))
        text = out.read_text()
        events = re.search(r"^events: (.*)$", text, re.MULTILINE).group(1).split()
        totals = re.search(r"^totals: (.*)$", text, re.MULTILINE).group(1).split()
        return visits, dict(zip(events, map(int, totals)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=list(SIZES), default="customer_base")
    parser.add_argument("--cache-sim", action="store_true", help="also count first-level misses")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--uncounted", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), not args.uncounted)
        return
    short, long = SIZES[args.mode]
    if args.mode == "customer_base":  # its history, lived outside valgrind
        command = [sys.executable, __file__, "--child", args.mode, str(short), "--uncounted"]
        subprocess.run(command, check=True)
    (v1, c1), (v2, c2) = (counted(args.mode, size, args.cache_sim) for size in (short, long))
    build = "compiled" if throughput.COMPILED else "pure Python"

    def per_visit(event: str) -> float:
        return (c2[event] - c1[event]) / (v2 - v1)

    print(
        f"{args.mode} ({build}): {v1} and {v2} visits, {per_visit('Ir'):,.0f} instructions a visit"
    )
    if args.cache_sim:
        i1, d1r, d1w = (per_visit(event) for event in MISSES)
        print(
            f"  first-level misses a visit: {i1:,.0f} instruction, {d1r:,.0f} data read, "
            f"{d1w:,.0f} data write"
        )


if __name__ == "__main__":
    main()
