"""Duration distributions from the scenario, sampled from a passed-in generator."""

from __future__ import annotations

import math

from journeysim.scenario.schema import Distribution


def sampler(dist: Distribution):
    """A function rng -> one duration in minutes with the distribution's mean and sd."""
    mean, sd = dist.mean_min, dist.sd_min
    if dist.dist == "fixed":
        return lambda rng: mean
    if dist.dist == "exponential":
        return lambda rng: rng.exponential(mean)
    if dist.dist == "gamma":
        shape = (mean / sd) ** 2
        scale = sd**2 / mean
        return lambda rng: rng.gamma(shape, scale)
    sigma2 = math.log(1.0 + (sd / mean) ** 2)
    mu = math.log(mean) - sigma2 / 2.0
    sigma = math.sqrt(sigma2)
    return lambda rng: rng.lognormal(mu, sigma)
