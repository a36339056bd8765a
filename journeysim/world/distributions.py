"""Duration distributions from the scenario, sampled from uniforms on [0, 1) (a visit's block,
see `Shopper.draw`) rather than by calls into numpy, which cost more than the sampling."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final, final

from journeysim.scenario.schema import Distribution

FIXED: Final = 0
EXPONENTIAL: Final = 1
LOGNORMAL: Final = 2
GAMMA: Final = 3
_FAMILIES: Final = {
    "fixed": FIXED,
    "exponential": EXPONENTIAL,
    "lognormal": LOGNORMAL,
    "gamma": GAMMA,
}


def standard_normal(u1: float, u2: float) -> float:
    """Box-Muller: a standard normal from two uniforms on [0, 1)."""
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@final
class Duration:
    """A duration in minutes with the distribution's mean and sd: fixed, exponential (inverse
    CDF), lognormal (exp of a Box-Muller normal) or gamma (Marsaglia & Tsang 2000)."""

    __slots__ = ("family", "mean", "mu", "sigma", "scale", "_d", "_c", "_boost")

    def __init__(self, dist: Distribution) -> None:
        mean, sd = dist.mean_min, dist.sd_min
        self.family: int = _FAMILIES[dist.dist]
        self.mean: float = mean
        self.mu = self.sigma = self.scale = self._d = self._c = self._boost = 0.0
        if self.family == LOGNORMAL:
            sigma2 = math.log(1.0 + (sd / mean) ** 2)
            self.mu = math.log(mean) - sigma2 / 2.0
            self.sigma = math.sqrt(sigma2)
        elif self.family == GAMMA:
            shape = (mean / sd) ** 2
            self.scale = sd**2 / mean
            # Shapes below 1: Gamma(shape + 1) times U ** (1 / shape).
            self._boost = 1.0 / shape if shape < 1.0 else 0.0
            self._d = (shape + 1.0 if shape < 1.0 else shape) - 1.0 / 3.0
            self._c = 1.0 / math.sqrt(9.0 * self._d)

    def sample(self, draw: Callable[[], float]) -> float:
        """One duration from the uniforms `draw()` returns (none when fixed, one when
        exponential, two when lognormal, three a try for gamma, which accepts over 95% of its
        tries, plus one below shape 1)."""
        family = self.family
        if family == FIXED:
            return self.mean
        if family == EXPONENTIAL:
            return -self.mean * math.log(1.0 - draw())
        if family == LOGNORMAL:
            return math.exp(self.mu + self.sigma * standard_normal(draw(), draw()))
        d, c = self._d, self._c
        while True:
            z = standard_normal(draw(), draw())
            v = 1.0 + c * z
            if v <= 0.0:
                continue
            v = v * v * v
            u = 1.0 - draw()  # in (0, 1]
            if u < 1.0 - 0.0331 * z**4 or math.log(u) < 0.5 * z * z + d * (1.0 - v + math.log(v)):
                break
        x = d * v * self.scale
        if self._boost:
            x *= (1.0 - draw()) ** self._boost
        return x
