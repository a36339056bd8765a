"""MSER-5: where the initial transient of a simulation output series ends.

The Marginal Standard Error Rule (White 1997; White, Cobb & Spratt 2000) deletes the first d
observations that minimise MSER(d) = S^2(d) / (n - d)^2, the squared standard error of the mean
of what is kept; MSER-5 applies it to means of batches of 5 observations. Only truncations in
the first half of the series are accepted (Franklin & White 2008): near the end a few kept
values make the statistic spuriously small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import stdtrit  # Student's t quantile

BATCH = 5
MIN_BATCHES = 4  # fewer batch means leave no first half to search
# The fewest replications whose means give the KPI's half-width: the sample deviation of two
# (one degree of freedom) is near 0 often enough to flag a stationary baseline (two runs of
# the baseline agreeing on daily visits to 0.1 gave a half-width of 0.6 against a shift of 1.5)
MIN_REPLICATIONS = 3


@dataclass(frozen=True)
class Truncation:
    """MSER-5 of one series."""

    observations: int | None  # to delete from the start; None: still changing at mid-series
    statistic: np.ndarray  # MSER(d) for d = 0, 1, ... batches deleted, over the first half


def mser(series: ArrayLike, batch: int = BATCH) -> Truncation:
    """MSER-`batch` truncation of a series (observations left over after the last full batch
    are dropped). The statistic is searched over the first half of the batches; a minimum on
    the last point searched means the series is still settling: `observations` is None."""
    x = np.asarray(series, dtype=float)
    k = len(x) // batch
    if k < MIN_BATCHES:
        raise ValueError(f"MSER-{batch} needs at least {MIN_BATCHES * batch} observations")
    z = x[: k * batch].reshape(k, batch).mean(axis=1)
    z = z - z.mean()  # centred: no cancellation in the sums of squares below
    kept = k - np.arange(k)
    tail_sum = np.cumsum(z[::-1])[::-1]
    tail_squares = np.cumsum((z * z)[::-1])[::-1]
    statistic = (tail_squares - tail_sum**2 / kept) / kept**2
    half = statistic[: k // 2 + 1]
    d = int(np.argmin(half))
    return Truncation(d * batch if d < k // 2 else None, half)


def weekly_adjusted(runs: np.ndarray, weekend: np.ndarray) -> np.ndarray:
    """Runs (replications x days) less the weekend-over-weekday difference of their mean,
    estimated on the second half; MSER assumes no periodic component."""
    mean = runs.mean(axis=0)
    late = np.arange(len(mean)) >= len(mean) // 2
    if not (late & weekend).any() or not (late & ~weekend).any():
        return runs
    effect = mean[late & weekend].mean() - mean[late & ~weekend].mean()
    return runs - effect * weekend


def warmup_bias(runs: np.ndarray, warmup: int, settled: int) -> tuple[float, float]:
    """(bias, half_width): how far the mean over days `warmup`.. of the replication-mean
    series lies from its mean over days `settled`..; and the 95% CI half-width of the former
    over replications (over batch means of 5 days of the replication-mean series when there
    are fewer than MIN_REPLICATIONS)."""
    mean = runs.mean(axis=0)
    bias = float(mean[warmup:].mean() - mean[settled:].mean())
    if len(runs) >= MIN_REPLICATIONS:
        units = runs[:, warmup:].mean(axis=1)
    else:
        kept = mean[warmup:]
        k = len(kept) // BATCH
        units = kept[: k * BATCH].reshape(k, BATCH).mean(axis=1)
    n = len(units)
    if n < 2:
        return bias, float("nan")
    half_width = stdtrit(n - 1, 0.975) * units.std(ddof=1) / np.sqrt(n)
    return bias, float(half_width)
