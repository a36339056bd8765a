"""Emotion during a visit: valence that moves at touchpoints and decays toward a baseline mood."""

from __future__ import annotations

import math


class Emotion:
    """The shopper's valence over one visit, with its whole trajectory kept."""

    __slots__ = ("baseline", "valence", "last_t", "decay_per_min", "trajectory")

    def __init__(self, baseline: float, now: float, half_life_min: float) -> None:
        self.baseline = baseline
        self.valence = baseline
        self.last_t = now
        self.decay_per_min = math.log(2.0) / half_life_min
        self.trajectory: list[tuple[float, float]] = [(now, baseline)]

    def feel(self, now: float, felt: float) -> float:
        """Decay toward the baseline since the last moment, add `felt`, return the new valence."""
        decay = math.exp(-(now - self.last_t) * self.decay_per_min)
        v = self.baseline + (self.valence - self.baseline) * decay + felt
        v = -1.0 if v < -1.0 else (1.0 if v > 1.0 else v)
        self.valence = v
        self.last_t = now
        self.trajectory.append((now, v))
        return v

    def peak(self) -> float:
        """The most intense moment (signed valence of largest magnitude) after the start."""
        return max((v for _, v in self.trajectory[1:]), key=abs, default=self.baseline)

    def end(self) -> float:
        return self.trajectory[-1][1]

    def mean(self) -> float:
        """Time-weighted mean valence (what duration-sensitive memory would use)."""
        points = self.trajectory
        span = points[-1][0] - points[0][0]
        if span <= 0.0:
            return points[-1][1]
        area = sum((t1 - t0) * v0 for (t0, v0), (t1, _) in zip(points, points[1:]))
        return area / span
