"""Speed-up of a 16-run sweep on 2 worker processes over 1.

    python benchmarks/sweep_scaling.py [--days N] [--workers N]

Runs the same grid (4 x 2 points, 2 replications each) of scenarios/baseline.yaml with one
worker and with N (default 2), each into a fresh folder, checks that both give the same
runs.csv, and prints both wall times and their ratio. The goal on 2 cores is at least 1.8.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import journeysim

ROOT = Path(__file__).resolve().parents[1]
VARY = ["checkout.cashiers=2,3,4,5", "shelves.stockout_prob=0.05,0.1"]


def timed_sweep(out: Path, workers: int, days: int) -> tuple[float, str]:
    """Wall time of the sweep and the text of its runs.csv."""
    start = time.perf_counter()
    journeysim.sweep(
        ROOT / "scenarios" / "baseline.yaml",
        vary=VARY,
        name="scaling",
        out=out,
        reps=2,
        days=days,
        workers=workers,
    )
    return time.perf_counter() - start, (out / "sweep-scaling" / "runs.csv").read_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=21, help="measured days per run (default 21)")
    parser.add_argument("--workers", type=int, default=2, help="workers to compare with 1")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        one, serial_rows = timed_sweep(Path(folder) / "one", 1, args.days)
        many, parallel_rows = timed_sweep(Path(folder) / "many", args.workers, args.days)
    assert serial_rows == parallel_rows, "the executors must give identical rows"
    runs = len(serial_rows.splitlines()) - 1
    print(f"{runs} runs, {args.days} measured days each; load average at start {load:.2f}")
    print("(other processes on the cores distort the ratio: run it on an idle machine)")
    print(f"1 worker:  {one:7.1f} s")
    print(f"{args.workers} workers: {many:7.1f} s")
    print(f"speed-up:  {one / many:7.2f}x")


if __name__ == "__main__":
    main()
