"""Emotion during a visit: valence that moves at touchpoints and decays toward a baseline mood."""

from __future__ import annotations

import math
from typing import Final, final

LN2: Final = math.log(2.0)


@final
class Moods:
    """The psyche's mood settings a visit reads, once per replication rather than per visit:
    how customers' baseline moods wander between visits (`Customer.mood_today`) and the
    half-life of a visit's emotion."""

    __slots__ = ("mean", "sd", "keep_per_day", "half_life_min")

    def __init__(self, mean: float, sd: float, half_life_days: float, half_life_min: float) -> None:
        self.mean = mean
        self.sd = sd
        self.keep_per_day = 0.5 ** (1.0 / half_life_days)
        self.half_life_min = half_life_min


class Emotion:
    """The shopper's valence over one visit: where it is now, its peak and its time mean.

    Between touchpoints valence decays exponentially toward the baseline mood; at a touchpoint
    it moves by the felt value and is bounded to -1..1. (The moves themselves are not kept:
    a traced visit records them in its steps.)
    """

    __slots__ = (
        "baseline",
        "valence",
        "last_t",
        "decay_per_min",
        "moves",
        "strongest",
        "area",
        "_start",
    )

    def __init__(self, baseline: float, now: float, half_life_min: float) -> None:
        self.baseline = baseline
        self.valence = baseline
        self.last_t = now
        self.decay_per_min = LN2 / half_life_min
        self.moves = 0  # touchpoints felt so far
        self.strongest = 0.0  # the valence of largest magnitude so far (the peak)
        self.area = 0.0  # valence times minutes, so far
        self._start = now

    def feel(self, now: float, felt: float) -> float:
        """Decay toward the baseline since the last moment, add `felt`, return the new valence.
        (`Shopper.touch` writes this out.)"""
        dt = now - self.last_t
        v = self.valence
        if dt > 0.0:
            self.area += dt * v
            v = self.baseline + (v - self.baseline) * math.exp(-dt * self.decay_per_min)
        v += felt
        v = -1.0 if v < -1.0 else (1.0 if v > 1.0 else v)
        if (v if v >= 0.0 else -v) > (self.strongest if self.strongest >= 0.0 else -self.strongest):
            self.strongest = v
        self.valence = v
        self.last_t = now
        self.moves += 1
        return v

    def settle(self, fraction: float) -> None:
        """Take `fraction` of a bad end away, toward the baseline mood, with no time passing
        (a recovery that settles the failure the visit ended on)."""
        if self.valence < self.baseline:
            self.valence += fraction * (self.baseline - self.valence)

    def peak(self) -> float:
        """The most intense moment: the signed valence of largest magnitude after the start."""
        return self.strongest if self.moves else self.baseline

    def mean(self) -> float:
        """Time-weighted mean valence up to the last moment (what duration-sensitive memory
        would use)."""
        span = self.last_t - self._start
        return self.area / span if span > 0.0 else self.valence
