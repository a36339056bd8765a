"""Python bytecodes per visit, by function: the pure-Python build's work, which other load on
the machine does not move (pure Python only: compiled functions run no bytecode).

    JOURNEYSIM_PURE_PYTHON=1 install, then
    python benchmarks/bytecodes.py [--mode customer_base|open] [--top N]

Counts the bytecodes Python executes (sys.settrace with opcode events) while the model
simulates two runs of the sizes benchmarks/instructions.py uses, and the bare SimPy journey of
benchmarks/throughput.py for 2,000 and 6,000 visits, and prints the difference of the two
counts per visit of difference (what one more visit costs) for both, their ratio, and the
model's `--top` functions with their calls a visit. A pure-Python visit's time is close to
its bytecodes times a few nanoseconds each, so the ratio of the counts tells what a pure-Python
throughput ratio needs. About a minute a mode.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from types import FrameType
from typing import Any

import instructions
import throughput

Counts = tuple[Counter[str], Counter[str]]  # bytecodes and calls by function


def counted(run: Callable[[], int]) -> tuple[int, Counts]:
    """(visits, counts) of run() under an opcode tracer."""
    ops: Counter[str] = Counter()
    calls: Counter[str] = Counter()

    def tracer(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        code = frame.f_code
        name = f"{code.co_qualname} ({code.co_filename.rsplit('/', 1)[-1]})"
        calls[name] += 1
        frame.f_trace_opcodes = True

        def each(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
            if event == "opcode":
                ops[name] += 1
            return each

        return each

    sys.settrace(tracer)
    try:
        visits = run()
    finally:
        sys.settrace(None)
    return visits, (ops, calls)


def per_visit(mode: str) -> tuple[float, Counts]:
    """(bytecodes a visit, the counts a visit by function) of a mode, from the difference of
    its two runs."""
    from journeysim.simulation.replication import past, simulate

    runs = []
    for size in instructions.SIZES[mode]:
        if mode == "bare":
            scenario = throughput.open_scenario(1000, 240.0, 10)
            runs.append(counted(lambda s=scenario, n=size: throughput.bare_journey(s, n, 240.0)))
            continue
        if mode == "open":
            scenario = throughput.open_scenario(int(240 * 24 * size), 240.0, 10)
        else:
            scenario = throughput.base_scenario(size)
            past(scenario)
        runs.append(counted(lambda s=scenario: len(simulate(s).visits)))
    (v1, (ops1, calls1)), (v2, (ops2, calls2)) = runs
    visits = v2 - v1
    ops = Counter({k: (ops2[k] - ops1[k]) / visits for k in ops2})
    calls = Counter({k: (calls2[k] - calls1[k]) / visits for k in calls2})
    return sum(ops.values()), (ops, calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["customer_base", "open"], default="customer_base")
    parser.add_argument("--top", type=int, default=15, help="functions listed (default 15)")
    args = parser.parse_args()
    if throughput.COMPILED:
        parser.error("counts Python bytecodes: install with JOURNEYSIM_PURE_PYTHON=1")
    model, (ops, calls) = per_visit(args.mode)
    bare, _ = per_visit("bare")
    print(f"{args.mode} (pure Python): {model:,.0f} bytecodes a visit")
    print(f"bare journey: {bare:,.0f} bytecodes a visit; bare/model {bare / model:.2f}")
    for name, count in ops.most_common(args.top):
        print(f"  {count:7,.0f} {100 * count / model:5.1f}%  {calls[name]:6.2f} calls  {name}")


if __name__ == "__main__":
    main()
