"""Appraisal: a touchpoint's quality judged against the shopper's expectation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from journeysim.psyche.kinds import KINDS
from journeysim.scenario.schema import TOUCHPOINT_KINDS


def value(x: float, curvature: float = 0.88, loss_aversion: float = 2.25) -> float:
    """Prospect-theory value of a gain or loss x (Tversky & Kahneman 1992).

    >>> round(value(10), 3), round(value(-10), 3)
    (7.586, -17.068)
    """
    if x >= 0.0:
        return math.pow(x, curvature)
    return -loss_aversion * math.pow(-x, curvature)


class Appraisal:
    """Turns (quality, expectation) into felt emotion with a segment's sensitivities."""

    __slots__ = ("curvature", "loss_aversion", "scale", "kinds", "_weights")

    def __init__(
        self,
        curvature: float,
        loss_aversion: float,
        scale: float,
        kinds: Sequence[int] = range(KINDS),
    ) -> None:
        """`kinds` is the touchpoint kind of each expectation slot (psyche/kinds.py)."""
        self.curvature = curvature
        self.loss_aversion = loss_aversion
        self.scale = scale
        self.kinds = kinds
        self._weights: dict[int, tuple[Mapping[Any, float], list[float]]] = {}

    def weights(self, sensitivity: Mapping[Any, float]) -> list[float]:
        """Scale times a segment's sensitivity (1 where it names none) to each slot's kind,
        indexed by slot: the factor `felt` applies, worked out once per segment instead of at
        every touchpoint."""
        cached = self._weights.get(id(sensitivity))
        if cached is None or cached[0] is not sensitivity:
            weights = [
                self.scale * sensitivity.get(TOUCHPOINT_KINDS[kind], 1.0) for kind in self.kinds
            ]
            cached = self._weights[id(sensitivity)] = (sensitivity, weights)
        return cached[1]

    def felt(self, quality: float, expectation: float, sensitivity: float) -> float:
        """Felt emotion: v(q - e), scaled by the shopper's sensitivity to this touchpoint kind."""
        v = value(quality - expectation, self.curvature, self.loss_aversion)
        return self.scale * sensitivity * v
