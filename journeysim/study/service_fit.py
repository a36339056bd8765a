"""A service-time distribution fitted to observed durations: each family the scenario offers is
fitted by maximum likelihood (scipy.stats, location fixed at 0) and the one with the lowest
Akaike information criterion, AIC = 2k - 2 log L with k fitted parameters, is chosen among
those whose fit a scenario can take."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

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
    scenario's `{dist, mean_min, sd_min}`), the AIC of every family, the durations used, and
    the families of lower AIC passed over (their fit no scenario takes)."""

    dist: str
    mean_min: float
    sd_min: float
    aic: dict[str, float]
    n: int
    passed_over: tuple[str, ...] = ()

    def scenario_value(self) -> dict[str, float | str]:
        sd = 0.0 if self.dist == "exponential" else round(self.sd_min, 3)
        return {"dist": self.dist, "mean_min": round(self.mean_min, 3), "sd_min": sd}


def fit_service_time(
    minutes: np.ndarray, takes: Callable[[dict[str, float | str]], bool] = lambda value: True
) -> ServiceFit:
    """The family of lowest AIC fitted to positive durations in minutes (at least two distinct)
    among those whose scenario value `takes` accepts (the scenario's bounds: a heavy tail's
    lognormal may have a mean past any step of a visit), else the lowest of all."""
    x = np.asarray(minutes, dtype=float)
    if len(x) < 2 or np.any(x <= 0) or np.ptp(x) == 0:
        raise ValueError("need at least two distinct positive durations")
    aic, fits = {}, []
    for name, (family, k) in FAMILIES.items():
        frozen = family(*family.fit(x, floc=0))
        aic[name] = 2 * k - 2 * float(np.sum(frozen.logpdf(x)))
        fits.append(ServiceFit(name, float(frozen.mean()), float(frozen.std()), aic, len(x)))
    fits.sort(key=lambda fit: aic[fit.dist])
    chosen = next((fit for fit in fits if takes(fit.scenario_value())), fits[0])
    return replace(chosen, passed_over=tuple(fit.dist for fit in fits[: fits.index(chosen)]))
