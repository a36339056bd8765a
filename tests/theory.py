"""Queueing theory the simulation is checked against (independent of the model's code)."""

from __future__ import annotations

import math


def erlang_c(a: float, c: int) -> float:
    """Erlang C: chance an arrival waits in an M/M/c queue with offered load a = lambda/mu."""
    rho = a / c
    if not 0.0 < rho < 1.0:
        raise ValueError(f"the queue is unstable or empty (rho = {rho:g})")
    waiting = a**c / math.factorial(c) / (1.0 - rho)
    return waiting / (sum(a**k / math.factorial(k) for k in range(c)) + waiting)


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue W_q = C(c, a) / (c*mu - lambda) of M/M/c (rates per same time unit)."""
    return erlang_c(lam / mu, c) / (c * mu - lam)
