"""Visits per second of the model against a bare SimPy journey of the same shape, in both
arrival modes.

    python benchmarks/throughput.py [--visits N] [--rate R] [--cashiers C] [--repeat K]
                                    [--mode open|customer_base|both] [--profile]
                                    [--without-touch | --psyche-only]

Open mode runs scenarios/validation/mmc.yaml (one-off shoppers, one FIFO checkout queue,
exponential service, open around the clock) scaled to R arrivals per hour and C cashiers, for
enough days to reach N visits. Customer-base mode runs scenarios/baseline.yaml (the mode users
run) for enough days to reach N visits, from its history (lived once before the timings); its
horizon is found by a short warm-up run. Each runs one replication without warm-up days; its
time is that of `simulate`. The reference is plain SimPy in the same process: Poisson arrivals
at the same mean rate, a cart from a Container, the same zones as timeouts with scalar random
draws, one Resource of as many servers as the store has tills with exponential service of the
same mean, the cart back. After a warm-up run of the model, each is timed K times (default 7),
alternately, and its best time counts (as with timeit: slower runs measure other load on the
machine; with K = 3 the ratio wandered by 0.3 to 0.4 between runs on a virtual machine, with 7
by 0.1 to 0.15); times are the process's CPU time, which other processes on a loaded machine
inflate less than the wall clock. Prints visits/s of both, their ratio and whether it meets
its goal: compiled, at least 1.0 in open mode and 0.8 in customer-base mode; pure Python
(JOURNEYSIM_PURE_PYTHON=1), at least 0.5. `--profile` instead runs the model once under
cProfile, which sees SimPy and the other Python code but not the compiled hot path.
`--without-touch` (pure Python) times a model whose touchpoints move nothing: what the
journey costs without its psychology. `--psyche-only` (pure Python) times, instead of the model,
the bare journey with the model's psychology and nothing else: each of its visits replays one
model visit's touchpoints (recorded in the warm-up run: times, kinds, qualities, efforts)
through `Shopper.touch`, so that its ratio is the most any model whose touchpoints do what the
model's do could reach.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import time
from collections.abc import Callable, Iterator
from itertools import cycle
from pathlib import Path

import numpy as np
import simpy

from journeysim.compiled import runs_compiled
from journeysim.journey import shopper
from journeysim.scenario import load_scenario
from journeysim.scenario.schema import Scenario
from journeysim.simulation.replication import past, simulate

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
MMC = SCENARIOS / "validation" / "mmc.yaml"
BASELINE = SCENARIOS / "baseline.yaml"
COMPILED = runs_compiled()
GOALS = {"open": 1.0, "customer_base": 0.8} if COMPILED else {"open": 0.5, "customer_base": 0.5}
PROBE_DAYS = 14  # the customer-base warm-up run, which also finds the visits per day


def open_scenario(visits: int, rate: float, cashiers: int) -> Scenario:
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


def base_scenario(days: int) -> Scenario:
    """The baseline for `days` measured days, without warm-up days."""
    return load_scenario(
        BASELINE, [f"horizon.days={days}", "horizon.warmup_days=0", "replications=1"]
    )


def bare_journey(
    scenario: Scenario,
    visits: int,
    rate: float,
    seed: int = 1,
    psyche: Callable[[], object] | None = None,
) -> int:
    """Plain SimPy: `visits` Poisson arrivals at `rate` per hour take a cart, walk the zones,
    queue for one of the store's tills, return the cart (and, given `psyche`, call it once
    each). Returns the visits completed."""
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    pool = max(scenario.carts.pool, 1000)  # never empty
    carts = simpy.Container(env, capacity=pool, init=pool)
    checkout = scenario.checkout
    tills = simpy.Resource(env, capacity=checkout.cashiers + checkout.self_checkouts)
    walks = [zone.walk_min for zone in scenario.zones]
    service = checkout.service_time.mean_min
    gap = 60.0 / rate
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
        if psyche is not None:
            psyche()
        done += 1

    def arrivals():
        for _ in range(visits):
            yield env.timeout(rng.exponential(gap))
            env.process(shopper())

    env.process(arrivals())
    env.run()
    return done


def timed(run: Callable[[], int]) -> tuple[int, float]:
    """(visits, CPU seconds) of run()."""
    start = time.process_time()
    visits = run()
    return visits, time.process_time() - start


def best_of(
    repeat: int, model: Callable[[], int], bare: Callable[[], int]
) -> tuple[tuple[int, float], tuple[int, float]]:
    """The fastest of `repeat` alternating timings of model() and bare()."""
    model_runs, bare_runs = [], []
    for _ in range(repeat):
        model_runs.append(timed(model))
        bare_runs.append(timed(bare))
    return min(model_runs, key=lambda run: run[1]), min(bare_runs, key=lambda run: run[1])


def visits_of(scenario: Scenario) -> Callable[[], int]:
    return lambda: len(simulate(scenario).visits)


Touch = tuple[float, int, float, float]  # minutes since the shopper's last, slot, quality, effort


def recorded_visits(scenario: Scenario) -> tuple[shopper.Shopper, list[list[Touch]]]:
    """Run the model once (pure Python), keeping each visit's touchpoints as `Touch`es in the
    order lived, and one of its shoppers."""
    visits: dict[int, tuple[shopper.Shopper, list[Touch]]] = {}
    touch = shopper.Shopper.touch

    def recording(
        self: shopper.Shopper, now: float, slot: int, quality: float, effort: float, *words
    ) -> float:
        lived = visits.setdefault(id(self), (self, []))[1]
        lived.append((now - self.emotion.last_t, slot, quality, effort))
        return touch(self, now, slot, quality, effort, *words)

    shopper.Shopper.touch = recording  # type: ignore[method-assign]
    try:
        simulate(scenario)
    finally:
        shopper.Shopper.touch = touch  # type: ignore[method-assign]
    one = next(iter(visits.values()))[0]
    return one, [lived for _, lived in visits.values()]


def replay(one: shopper.Shopper, visits: list[list[Touch]]) -> Callable[[], object]:
    """A call that lives the next recorded visit's touchpoints through `one.touch` (the
    recorded visits in turn, again and again), its clock moving as the visit's did."""
    turns: Iterator[list[Touch]] = cycle(visits)
    clock = [one.emotion.last_t]

    def next_visit() -> None:
        now = clock[0]
        for minutes, slot, quality, effort in next(turns):
            now += minutes
            one.touch(now, slot, quality, effort, "")
        clock[0] = now

    return next_visit


def compare(
    mode: str, scenario: Scenario, rate: float, repeat: int, psyche_only: bool, model_as_is: bool
) -> bool:
    """Time the model (or, `psyche_only`, the bare journey with the model's touchpoints) and
    the bare journey; print both and the ratio (and, `model_as_is`, whether it meets the goal);
    True if it meets the goal."""
    if psyche_only:
        one, lived = recorded_visits(scenario)  # also the warm-up
        visits = len(lived)
        touches = sum(map(len, lived)) / visits
        label = f"bare journey with the model's {touches:.1f} touchpoints a visit"

        def model() -> int:
            return bare_journey(scenario, visits, rate, psyche=replay(one, lived))
    else:
        model, label = visits_of(scenario), "model"
        visits = model()  # warm-up
    (model_visits, model_s), (bare_visits, bare_s) = best_of(
        repeat, model, lambda: bare_journey(scenario, visits, rate)
    )
    model_rate, bare_rate = model_visits / model_s, bare_visits / bare_s
    ratio, goal = model_rate / bare_rate, GOALS[mode]
    print(f"{mode} mode ({scenario.name}, {'compiled' if COMPILED else 'pure Python'}):")
    print(f"  {label}: {model_visits} visits in {model_s:.1f} s = {model_rate:.0f} visits/s")
    print(f"  bare journey: {bare_visits} visits in {bare_s:.1f} s = {bare_rate:.0f} visits/s")
    met = ratio >= goal
    verdict = f"goal >= {goal}: {'met' if met else 'NOT met'}" if model_as_is else "no goal"
    print(f"  ratio: {ratio:.2f} ({verdict})")
    return met


def customer_base(visits: int) -> tuple[Scenario, float]:
    """The baseline long enough for about `visits` visits, and its arrivals per open hour
    (from a short run, which also lives the history the timed runs start from)."""
    probe = base_scenario(PROBE_DAYS)
    past(probe)
    per_day = len(simulate(probe).visits) / PROBE_DAYS
    scenario = base_scenario(math.ceil(visits / per_day))
    open_hours = (scenario.hours.close_min - scenario.hours.open_min) / 60.0
    return scenario, per_day / open_hours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000, help="visits (default 100000)")
    parser.add_argument("--rate", type=float, default=240.0, help="open mode arrivals/hour")
    parser.add_argument("--cashiers", type=int, default=10, help="open mode servers")
    parser.add_argument("--repeat", type=int, default=7, help="timings of each (default 7)")
    parser.add_argument("--mode", choices=["open", "customer_base", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="cProfile one model run instead")
    alone = parser.add_mutually_exclusive_group()
    alone.add_argument(
        "--without-touch",
        action="store_true",
        help="pure Python only: every touchpoint's appraisal, emotion and expectation a no-op "
        "(Shopper.touch), to see what the rest of the model costs",
    )
    alone.add_argument(
        "--psyche-only",
        action="store_true",
        help="pure Python only: time the bare journey with the model's touchpoints (replayed "
        "through Shopper.touch) instead of the model: the most a model with them can reach",
    )
    args = parser.parse_args()
    if COMPILED and (args.without_touch or args.psyche_only):
        flag = "--without-touch" if args.without_touch else "--psyche-only"
        parser.error(f"{flag} needs the pure-Python build (JOURNEYSIM_PURE_PYTHON=1)")
    altered = args.without_touch or args.psyche_only
    if args.without_touch:
        shopper.Shopper.touch = lambda self, *args: 0.0  # type: ignore[method-assign]
    runs = []
    if args.mode in ("open", "both"):
        runs.append(("open", open_scenario(args.visits, args.rate, args.cashiers), args.rate))
    if args.mode in ("customer_base", "both"):
        runs.append(("customer_base", *customer_base(args.visits)))

    if args.profile:
        for _, scenario, _ in runs:
            profiler = cProfile.Profile()
            profiler.runcall(simulate, scenario)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    met = [
        compare(mode, scenario, rate, args.repeat, args.psyche_only, not altered)
        for mode, scenario, rate in runs
    ]
    if not altered:
        print("all goals met" if all(met) else "goals NOT all met")


if __name__ == "__main__":
    main()
