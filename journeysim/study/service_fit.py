"""A service-time distribution fitted to observed durations: each family the scenario offers is
fitted by maximum likelihood (scipy.stats, location fixed at 0) and the one with the lowest
Akaike information criterion, AIC = 2k - 2 log L with k fitted parameters, is chosen."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

# The scenario's families (schema `Distribution.dist`) with their scipy distribution and the
# number of parameters fitted (the location is fixed at 0).
FAMILIES = {
    "exponential": (stats.expon, 1),
    "gamma": (stats.gamma, 2),
    "lognormal": (stats.lognorm, 2),
}


@dataclass(frozen=True)
class ServiceFit:
    """The chosen family with the mean and standard deviation of its fitted distribution (the
    scenario's `{dist, mean_min, sd_min}`), the AIC of every family and the durations used."""

    dist: str
    mean_min: float
    sd_min: float
    aic: dict[str, float]
    n: int

    def scenario_value(self) -> dict[str, float | str]:
        sd = 0.0 if self.dist == "exponential" else round(self.sd_min, 3)
        return {"dist": self.dist, "mean_min": round(self.mean_min, 3), "sd_min": sd}


def fit_service_time(minutes: np.ndarray) -> ServiceFit:
    """The family of lowest AIC fitted to positive durations in minutes (at least two distinct)."""
    x = np.asarray(minutes, dtype=float)
    if len(x) < 2 or np.any(x <= 0) or np.ptp(x) == 0:
        raise ValueError("need at least two distinct positive durations")
    aic, fitted = {}, {}
    for name, (family, k) in FAMILIES.items():
        params = family.fit(x, floc=0)
        frozen = family(*params)
        aic[name] = 2 * k - 2 * float(np.sum(frozen.logpdf(x)))
        fitted[name] = frozen
    best = min(aic, key=aic.__getitem__)
    mean, sd = fitted[best].mean(), fitted[best].std()
    return ServiceFit(best, float(mean), float(sd), aic, len(x))
