"""The payback of an extra one-off investment, counted day by day from the change's first day.

A scenario is changed on day 0 of its run (its history is the store as it is today), so its
extra contribution starts then, warm-up days included, and may grow as customers learn of the
change. Each replication's contribution is known per day over the warm-up and over each half of
the measured days; between those it is taken as even, and after the run at its second half's
rate. The paired difference of two scenarios' running totals, replication by replication, gives
a mean curve and a pointwise 95% t-band: the payback is the first day by whose end the mean
has reached the investment, its interval the first days the band's upper and lower edges have.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journeysim.simulation.money import DAYS_PER_YEAR, HALVES, WARMUP
from journeysim.words import plural, signed_number

# A payback further than this many days after the run is never (some thousand years).
LONGEST = 1e6


@dataclass(frozen=True)
class Periods:
    """The days of one scenario's run: warm-up from day 0 to `warmup`, the halves of the
    measured days to `middle` and to `end`."""

    warmup: int
    middle: int
    end: int


def running_totals(runs: pd.DataFrame, periods: Periods | None, days: np.ndarray) -> np.ndarray:
    """Contribution (PLN) from day 0 to each of `days`, per replication (rows of `runs`): at
    its warm-up's rate (WARMUP) to `periods.warmup`, at each half's (HALVES) to the middle and
    the end, and at the second half's after it. Where a period's rate is unknown (no warm-up
    days; halves of fewer than two measured days) the measured days' mean
    (contribution_per_day) stands for it; with no `periods` it runs from day 0 on."""
    mean = runs["contribution_per_day"].to_numpy(dtype=float)[:, None]
    if periods is None:
        return mean * days
    unknown = np.full_like(mean, np.nan)
    rate = {
        column: runs[column].to_numpy(dtype=float)[:, None] if column in runs else unknown
        for column in (WARMUP, *HALVES)
    }
    split = not np.isnan(rate[HALVES[0]]).all()
    segments = [(0, periods.warmup, rate[WARMUP])] if periods.warmup > 0 else []
    if split:
        segments += [
            (periods.warmup, periods.middle, rate[HALVES[0]]),
            (periods.middle, periods.end, rate[HALVES[1]]),
        ]
    else:
        segments.append((periods.warmup, periods.end, mean))
    totals = sum(r * np.clip(days - start, 0.0, end - start) for start, end, r in segments)
    return totals + segments[-1][2] * np.maximum(days - periods.end, 0.0)


def payback(
    investment: float,
    extra: Callable[[np.ndarray], np.ndarray],
    run_end: int,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """(payback, low, high) in whole days of an extra one-off `investment` repaid by the extra
    contribution `extra(days)` (replications by days, from day 0): the first day by whose end
    its mean has reached the investment, and the first days the upper and lower edge of its
    pointwise t-band have (NaN with fewer than two replications); inf for never. NaN
    throughout where nothing extra is invested (`payback_text` says what the change is worth
    instead) or no replication is paired."""
    from scipy import optimize, stats  # slow to import, and every report imports this module

    n = len(extra(np.zeros(1)))
    if not investment > 0 or n == 0:
        return (math.nan, math.nan, math.nan)
    spread = stats.t.ppf(0.5 + level / 2, n - 1) / math.sqrt(n) if n > 1 else math.nan

    def curves(days: np.ndarray) -> np.ndarray:
        """Mean, upper and lower edge of the extra contribution at `days`, less the investment."""
        totals = extra(days)
        mean = totals.mean(axis=0)
        half = spread * totals.std(axis=0, ddof=1) if n > 1 else np.full_like(mean, np.nan)
        return np.stack([mean, mean + half, mean - half]) - investment

    # Day by day to the run's end; after it the mean grows evenly and each edge by as much and
    # the square root of a quadratic in the days, whose first reaching of the investment steps
    # growing by 3.5% find.
    days = np.concatenate([np.arange(run_end + 1.0), run_end + np.geomspace(1.0, LONGEST, 400)])
    values = curves(days)
    found = []
    for row, value in enumerate(values):
        reached = np.flatnonzero(value >= 0.0)
        if np.isnan(value).all() or not len(reached):
            found.append(math.nan if np.isnan(value).all() else math.inf)
            continue
        after = reached[0]  # > 0: nothing is repaid on day 0
        crossing = optimize.brentq(
            lambda t, row=row: curves(np.array([t]))[row, 0], days[after - 1], days[after]
        )
        found.append(float(math.ceil(crossing - 1e-9)))  # the day by whose end it is repaid
    return found[0], found[1], found[2]


def _pays_back(days: float, run_end: float, last_days: int) -> str:
    """ "pays back in 12 days", "in 1 day"; one after the run (day `run_end`) says it is
    reckoned at the rate of the run's `last_days`."""
    text = f"pays back in {plural(math.ceil(days), 'day')}"
    if days > run_end:
        text += f", beyond the {run_end} days simulated, at the rate of their last {last_days}"
    return text


def payback_text(
    investment: float,
    contribution: float,
    low: float,
    high: float,
    days: float,
    run_end: float,
    last_days: int = 0,
) -> str:
    """What a change is worth, in words, from its extra `investment` (PLN), its extra
    `contribution` per measured day with 95% CI [low, high], and its payback in `days` (from
    `payback`; the run ends on day `run_end`, inf where no day is after it, and after it the
    rate of its `last_days` goes on): "pays back in N days", "never pays back", or, without
    extra investment, what the change earns or saves a year. A contribution whose CI includes
    0 is said to be no clear difference, with its interval a year (and a payback or its
    absence only "if the gain (loss) is real")."""
    if math.isnan(investment) or math.isnan(contribution):
        return "-"
    per_year = abs(contribution) * DAYS_PER_YEAR
    clear = not low <= 0.0 <= high  # an unknown CI (one replication) is taken as it comes
    unclear = "no clear difference: {} PLN a year [{}, {}]".format(
        *(signed_number(DAYS_PER_YEAR * v, 0) for v in (contribution, low, high))
    )
    if investment > 0:
        if math.isnan(days):
            return "-"
        if math.isfinite(days):
            text = _pays_back(days, run_end, last_days)
            if contribution < 0 and clear:  # a loss over the measured days, a gain by their end
                return f"{text}; over the measured days it earns {per_year:,.0f} PLN a year less"
            if clear and contribution > 0:
                return text
            if contribution < 0:  # an unclear loss over the measured days, a gain at their end
                return f"{text} if their last days' gain is real (over the measured days {unclear})"
            return f"{text} if the gain is real ({unclear})"
        if contribution > 0:  # a gain over the measured days, gone by their second half
            return (
                f"never pays back (earns {per_year:,.0f} PLN a year more over the measured days, "
                "nothing more over their second half)"
            )
        if contribution < 0:
            less = f"never pays back (earns {per_year:,.0f} PLN a year less)"
            return less if clear else f"never pays back if the loss is real ({unclear})"
        return "never pays back (earns no more)"
    head = "no extra investment" if investment == 0 else f"{-investment:,.0f} PLN less invested"
    if not clear:
        return f"{head}; earns the same" if contribution == 0 else f"{head}; {unclear}"
    if contribution > 0:
        return f"{head}; earns {per_year:,.0f} PLN a year more"
    return f"{head}; earns {per_year:,.0f} PLN a year less"
