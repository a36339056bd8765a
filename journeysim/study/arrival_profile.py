"""The hourly profile (`hours.weekday_profile`, `weekend_profile`) that makes the model arrive
as observed.

In a customer base (loyalty/base.py) a customer's usual time of day is drawn once, from the
profile: an hour with the profile's probability and a uniform minute in it; each visit then
arrives within an hour either side of it, uniformly, clipped to the opening hours. The hour of
arrival is therefore the profile's hour plus an offset U1 + 2 U2 - 1 (U uniform), which falls
in the hour before with probability 1/4, the same hour 1/2 and the hour after 1/4 (the first
and last hour keep what would fall outside). Observed arrivals per hour are this smoothing of
the profile; the profile is recovered by non-negative least squares (scipy.optimize.nnls) with
a small penalty on its second differences, as the smoothing all but erases a zig-zag.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

SMOOTHNESS = 0.02  # penalty weight on second differences, relative to the hourly shares


def hour_counts(minutes: np.ndarray, open_min: int, hours: int) -> np.ndarray:
    """Arrivals per opening hour from minutes since midnight (those outside go to the nearest
    opening hour, as the model clips its arrival times)."""
    hour = np.floor((np.asarray(minutes, dtype=float) - open_min) / 60.0)
    return np.bincount(np.clip(hour, 0, hours - 1).astype(int), minlength=hours).astype(float)


def smoothing(hours: int) -> np.ndarray:
    """M with M[h, k] the chance that a customer whose usual hour is k arrives in hour h."""
    matrix = np.zeros((hours, hours))
    for k in range(hours):
        for offset, weight in ((-1, 0.25), (0, 0.5), (1, 0.25)):
            matrix[min(max(k + offset, 0), hours - 1), k] += weight
    return matrix


def preferred_profile(counts: np.ndarray) -> np.ndarray:
    """The profile whose smoothing best matches the arrivals per hour, as shares summing to 1."""
    observed = np.asarray(counts, dtype=float)
    shares = observed / observed.sum()
    hours = len(shares)
    if hours < 3:
        return shares
    second = np.diff(np.eye(hours), n=2, axis=0)
    design = np.vstack([smoothing(hours), np.sqrt(SMOOTHNESS) * second])
    target = np.concatenate([shares, np.zeros(hours - 2)])
    profile, _ = nnls(design, target)
    return profile / profile.sum()


def as_weights(shares: np.ndarray) -> list[float]:
    """Shares as the scenario's relative weights: mean 1, two decimals."""
    weights = np.asarray(shares) * len(shares)
    return [round(float(w), 2) for w in weights]
