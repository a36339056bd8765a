"""Mean and Student-t confidence interval of each KPI over replications, cut to what the KPI
can be."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # what scipy.stats.t.ppf calls; scipy.stats is slow to import

from journeysim.simulation.ranges import cut, metric_range


def t_quantile(level: float, freedom: int) -> float:
    """The quantile of Student's t with `freedom` degrees of freedom that bounds a two-sided
    `level` interval (0.95: the 97.5% quantile)."""
    return float(stdtrit(freedom, 0.5 + level / 2.0))


def mean_ci(
    values: np.ndarray, level: float = 0.95, metric: str | None = None
) -> tuple[float, float, float, int]:
    """(mean, ci_low, ci_high, n) of the finite values, the interval cut to what `metric` can
    be (simulation/ranges.py; a difference of two levels is not a metric: pass none); a single
    value has no interval."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return (np.nan, np.nan, np.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return (mean, np.nan, np.nan, 1)
    half = float(t_quantile(level, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return (mean, *cut(mean - half, mean + half, metric_range(metric)), n)


def summarize(replications: pd.DataFrame, metrics: tuple[str, ...]) -> pd.DataFrame:
    """summary.csv: one row per metric with columns metric, mean, ci_low, ci_high, n."""
    rows = [
        (metric, *mean_ci(replications[metric].to_numpy(), metric=metric)) for metric in metrics
    ]
    return pd.DataFrame(rows, columns=["metric", "mean", "ci_low", "ci_high", "n"])
