"""Run length: is a KPI's confidence interval as narrow as asked, and how many replications
would make it so."""

from __future__ import annotations

import math

import pandas as pd

from journeysim.limits import MAX_REPLICATIONS
from journeysim.simulation.kpis import SHARES
from journeysim.simulation.measure import why_undefined
from journeysim.simulation.summary import mean_ci, t_quantile
from journeysim.words import plural


def replications_needed(
    half_width: float, n: int, target: float, level: float = 0.95, most: int = MAX_REPLICATIONS
) -> int | None:
    """The fewest replications (at least n) whose CI half-width t(m-1) s / sqrt(m) reaches
    `target`, with the standard deviation s that gave `half_width` from n replications and the
    t quantile at the new count m (with few replications the quantile shrinks a lot too); None
    when more than `most` would be needed."""
    spread = half_width * math.sqrt(n) / t_quantile(level, n - 1)

    def reached(m: int) -> bool:
        return t_quantile(level, m - 1) * spread / math.sqrt(m) <= target

    low, high = n - 1, max(n, most)  # low never reaches; high is the answer once it does
    if not reached(high):
        return None
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reached(middle) else (middle, high)
    return high


def half_width(values: pd.Series, level: float = 0.95) -> tuple[float, int]:
    """(half-width t(n-1) s / sqrt(n) of the CI of the mean, n) over the finite values; NaN
    below two. The interval as measured, not cut to the metric's range as summary.csv's is:
    a cut end is not a measured one."""
    _, low, high, n = mean_ci(values.to_numpy(dtype=float), level)
    return (high - low) / 2.0, n


def _shown(metric: str, value: float) -> str:
    """`value` as `--precision` takes it, a share with its percentage points beside it (as
    the tables show it)."""
    text = f"{value:.4g}"
    return f"{text} ({100.0 * value:.2g} points)" if metric in SHARES else text


def precision_notes(replications: pd.DataFrame, targets: dict[str, float]) -> list[str]:
    """One line per KPI with a target half-width (from its column of per-replication values):
    reached, or how many replications would reach it."""
    notes = []
    for metric, target in targets.items():
        half, n = half_width(replications[metric])
        missing = len(replications) - n
        if missing and n < 2:
            notes.append(
                f"{metric}: no confidence interval, as it has no value in {missing} of "
                f"{len(replications)} replications: {why_undefined(metric)}"
            )
        elif not math.isfinite(half):
            notes.append(
                f"{metric}: no confidence interval from {plural(n, 'replication')}; run at least 2"
            )
        elif half <= target:
            notes.append(
                f"{metric}: 95% CI half-width {_shown(metric, half)} <= "
                f"{_shown(metric, target)}, reached"
            )
        else:
            needed = replications_needed(half, n, target)
            would = (
                f"more than {MAX_REPLICATIONS:,} (the most a run takes) would be needed"
                if needed is None
                else f"about {needed} would reach it (--reps {needed})"
            )
            notes.append(
                f"{metric}: 95% CI half-width {_shown(metric, half)} > {_shown(metric, target)} "
                f"with {n} replications; " + would
            )
    return notes
