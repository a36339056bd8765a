"""Visits per second of the model against a bare SimPy journey of the same shape.

    python benchmarks/throughput.py [--visits N] [--rate R] [--cashiers C] [--repeat K] [--profile]

The model runs scenarios/validation/mmc.yaml (open mode, one FIFO checkout queue, exponential
service, open around the clock) scaled to R arrivals per hour and C cashiers, for enough days
to reach N visits, in one replication without warm-up; its time is that of `simulate`. The
reference is plain SimPy in the same process: Poisson arrivals, a cart from a Container, the
same zones as timeouts with scalar random draws, one Resource of C cashiers with exponential
service, the cart back. After a warm-up run of the model, each is timed K times, alternately,
and its best time counts (as with timeit: slower runs measure other load on the machine).
Prints visits/s of both and their ratio (goal: at least 0.5). `--profile` instead runs the
model once under cProfile, which sees SimPy and the other Python code but not the compiled
hot path.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import time
from pathlib import Path

import numpy as np
import simpy

from journeysim.scenario import load_scenario
from journeysim.scenario.schema import Scenario
from journeysim.simulation.replication import simulate

MMC = Path(__file__).resolve().parents[1] / "scenarios" / "validation" / "mmc.yaml"


def scenario_for(visits: int, rate: float, cashiers: int) -> Scenario:
    """The M/M/c scenario at `rate` per hour, run long enough for about `visits` visits."""
    days = math.ceil(visits / (rate * 24.0))
    return load_scenario(
        MMC,
        [
            f"arrivals.rate_per_hour={rate}",
            f"checkout.cashiers={cashiers}",
            f"horizon.days={days}",
            "horizon.warmup_days=0",
            "replications=1",
            "carts.pool=1000",  # never empty, as in the reference
        ],
    )


def bare_journey(scenario: Scenario, visits: int, seed: int = 1) -> int:
    """Plain SimPy: `visits` Poisson arrivals take a cart, walk the zones, queue for one of
    c servers, return the cart. Returns the visits completed."""
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    carts = simpy.Container(env, capacity=scenario.carts.pool, init=scenario.carts.pool)
    tills = simpy.Resource(env, capacity=scenario.checkout.cashiers)
    walks = [zone.walk_min for zone in scenario.zones]
    service = scenario.checkout.service_time.mean_min
    gap = 60.0 / scenario.arrivals.rate_per_hour
    done = 0

    def shopper():
        nonlocal done
        yield carts.get(1)
        for walk in walks:
            yield env.timeout(walk * (0.7 + 0.6 * rng.random()))
        with tills.request() as turn:
            yield turn
            yield env.timeout(rng.exponential(service))
        yield carts.put(1)
        done += 1

    def arrivals():
        for _ in range(visits):
            yield env.timeout(rng.exponential(gap))
            env.process(shopper())

    env.process(arrivals())
    env.run()
    return done


def timed(run) -> tuple[int, float]:
    """(visits, seconds) of run()."""
    start = time.perf_counter()
    visits = run()
    return visits, time.perf_counter() - start


def best_of(repeat: int, model, bare) -> tuple[tuple[int, float], tuple[int, float]]:
    """The fastest of `repeat` alternating timings of model() and bare()."""
    model_runs, bare_runs = [], []
    for _ in range(repeat):
        model_runs.append(timed(model))
        bare_runs.append(timed(bare))
    return min(model_runs, key=lambda run: run[1]), min(bare_runs, key=lambda run: run[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000, help="visits (default 100000)")
    parser.add_argument("--rate", type=float, default=240.0, help="arrivals/hour (default 240)")
    parser.add_argument("--cashiers", type=int, default=10, help="servers (default 10)")
    parser.add_argument("--repeat", type=int, default=3, help="timings of each (default 3)")
    parser.add_argument("--profile", action="store_true", help="cProfile one model run instead")
    args = parser.parse_args()
    scenario = scenario_for(args.visits, args.rate, args.cashiers)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(simulate, scenario)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    visits = len(simulate(scenario).visits)
    (model_visits, model_s), (bare_visits, bare_s) = best_of(
        args.repeat,
        lambda: len(simulate(scenario).visits),
        lambda: bare_journey(scenario, visits),
    )

    model_rate, bare_rate = model_visits / model_s, bare_visits / bare_s
    print(f"model: {model_visits:8d} visits in {model_s:6.1f} s = {model_rate:8.0f} visits/s")
    print(f"bare:  {bare_visits:8d} visits in {bare_s:6.1f} s = {bare_rate:8.0f} visits/s")
    print(f"ratio model/bare: {model_rate / bare_rate:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
