"""How long customers stay: their survival as the simulation shows it, and the expected discounted
remaining lifetime that customer lifetime value rests on.

A customer's tenure runs from the day they joined to the day they left for good (`left_day`).
A run sees each customer from the later of joining and day 0: customers it starts with (joined
in the burn-in, `joined_day` < 0) enter its view already `-joined_day` days old (left
truncation), and customers still here at the end are censored there. Leaving happens some time
during `left_day`, taken as its middle, so S(t) is the share still a customer at the start of
their day t. Within the observed tenures the survival curve is the Breslow-Fleming-Harrington
(Nelson-Aalen) estimate with
delayed entry (lifelines); beyond the longest tenure it falls at a constant hazard fitted on the
last `TAIL_SHARE` of the observed tenures, widened back until it holds `TAIL_DEPARTURES`
departures (departures over exposure, the maximum-likelihood estimate of an exponential tail).

The lifetime is not identified, and `base_lifetime_days` gives NaN, when no customer is here at
the end (none at all, or all gone: the mean over nobody), when the run saw fewer than
`MIN_DEPARTURES` customers leave (the hazard, and the lifetime that goes as its inverse, would
carry a relative error above 1/sqrt(100) = 10%, and short windows also bias it) or when more
than `MAX_EXTRAPOLATED` of it lies beyond the longest observed tenure (no burn-in: the tail
hazard of the first weeks' tenures would stand for years).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Why the last quarter: a customer's hazard is not constant. In the model it rises over the
# first months as bad experiences wear the relationship down, and falls later as the least
# attached have gone; the longest tenures are the best guide to what follows them.
TAIL_SHARE = 0.25
# A hazard from n departures has a relative standard error of 1/sqrt(n): at least 30 keep it
# within about 18% when a short run has few departures among its longest tenures.
TAIL_DEPARTURES = 30
# Below this many departures in a replication its lifetime is not reported. A hazard from n
# departures has a relative standard error of 1/sqrt(n), and so has the lifetime (about its
# inverse): 100 keep it near 10%. Measured on the baseline (2 replications, with its burn-in):
# windows of 3, 7 and 14 days (31, 86 and 186 departures) gave 406, 366 and 291 days against
# 329 from 56 days (about 670 departures).
MIN_DEPARTURES = 100
# The most of a lifetime that may lie beyond the longest observed tenure, extrapolated at the
# tail hazard. Without burn-in the tenures end with the run and 99.2-99.98% of it does (baseline,
# 14 and 42 days); synthetic exponential lifetimes seen for 456 days put about half there and
# are estimated within 5% (tests/test_money.py).
MAX_EXTRAPOLATED = 0.9
NO_LIFETIME_WHY = (
    f"a replication had no customer left at its end, saw fewer than {MIN_DEPARTURES} customers "
    "leave, or no tenure longer than the run (as without a burn-in); run more days (horizon.days, "
    "warm-up included) or more customers, with a burn-in (horizon.burn_in_days above 0)"
)


def not_identified(scenarios: str = "", every: bool = False) -> str:
    """The warning that some replication (of `scenarios`, when named), or `every` one, has no
    lifetime."""
    of = f" of {scenarios}" if scenarios else ""
    which = (
        f"every replication{of}"
        if every
        else f"at least one replication{of} (a figure shown is the mean of the others)"
    )
    return f"customer lifetime and lifetime margin are n/a in {which}: {NO_LIFETIME_WHY}"


@dataclass(frozen=True)
class Survival:
    """S(t), the share of customers still here t days after joining: estimated steps up to
    `span` (S = `probabilities`[i] from `times`[i] on), then
    S(span) exp(-tail_hazard (t - span))."""

    times: np.ndarray
    probabilities: np.ndarray
    span: float
    tail_hazard: float

    @classmethod
    def fit(
        cls,
        durations: np.ndarray,
        left: np.ndarray,
        entry: np.ndarray | None = None,
        tail_share: float = TAIL_SHARE,
        min_departures: int = TAIL_DEPARTURES,
    ) -> Survival:
        """From tenures in days, whether each ended with leaving (else censored) and the tenure
        at which each customer came into view (default 0: seen from joining); the tail hazard
        from the last `tail_share` of the tenures, widened to `min_departures` departures."""
        # Breslow-Fleming-Harrington: exp(-Nelson-Aalen hazard), the Kaplan-Meier estimate's
        # twin that stays above 0 when delayed entry leaves a risk set of one at some tenure.
        # Not lifelines' BreslowFlemingHarringtonFitter: its Nelson-Aalen smooths tied
        # departures, and that smoothing adds a hazard of about ln(n) wherever a customer
        # enters a risk set that had emptied (lifelines 0.30), so S fell towards 0 at the
        # longest tenures, where nobody left. Unsmoothed, each step is the textbook d/n:
        # departures over the customers at risk.
        from lifelines import NelsonAalenFitter  # imported here: a second to load

        durations = np.asarray(durations, dtype=float)
        left = np.asarray(left, dtype=bool)
        entry = np.zeros_like(durations) if entry is None else np.asarray(entry, dtype=float)
        if len(durations) == 0:
            raise ValueError("no customers to estimate survival from")
        fitter = NelsonAalenFitter(nelson_aalen_smoothing=False)
        curve = np.exp(-fitter.fit(durations, left, entry=entry).cumulative_hazard_)
        span = float(durations.max())
        departed = np.sort(durations[left])
        start = span * (1.0 - tail_share)
        if len(departed) < min_departures:
            start = 0.0
        elif min_departures > 0:
            start = min(start, float(departed[-min_departures]))
        exposure = float(np.clip(durations - np.maximum(entry, start), 0.0, None).sum())
        departures = int((left & (durations >= start)).sum())
        hazard = departures / exposure if exposure > 0 else math.nan
        return cls(curve.index.to_numpy(float), curve.iloc[:, 0].to_numpy(float), span, hazard)

    def __call__(self, t: np.ndarray | float) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        step = np.searchsorted(self.times, np.minimum(t, self.span), side="right") - 1
        inside = np.where(step >= 0, self.probabilities[np.maximum(step, 0)], 1.0)
        return inside * np.exp(-self.tail_hazard * np.maximum(t - self.span, 0.0))

    def remaining(self, tenure: np.ndarray | float, daily_discount: float) -> np.ndarray:
        """Expected discounted remaining lifetime in days of a customer here for `tenure` days:
        integral over u >= tenure of S(u) / S(tenure) e^(-d (u - tenure)) du, with the discount
        rate d per day. The estimated steps integrate one by one, the tail in closed form:
        S(span) e^(-d (span - tenure)) / (tail_hazard + d)."""
        d = daily_discount
        a = np.minimum(np.asarray(tenure, dtype=float), self.span)
        edges = np.concatenate([[0.0], self.times[self.times < self.span], [self.span]])
        levels = self(edges[:-1])
        # G(x) = integral of S(u) e^(-d u) from 0 to x, at the edges and at the tenures
        pieces = levels * _discounted(edges[:-1], np.diff(edges), d)
        at_edges = np.concatenate([[0.0], np.cumsum(pieces)])
        step = np.clip(np.searchsorted(edges, a, side="right") - 1, 0, len(levels) - 1)
        at_tenure = at_edges[step] + levels[step] * _discounted(edges[step], a - edges[step], d)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.exp(d * a) * (at_edges[-1] - at_tenure) / self(a) + self.beyond(tenure, d)

    def beyond(self, tenure: np.ndarray | float, daily_discount: float) -> np.ndarray:
        """The part of `remaining` past the longest observed tenure `span`, the extrapolated
        tail: e^(d a) S(span) e^(-d span) / ((tail_hazard + d) S(a))."""
        d = daily_discount
        a = np.minimum(np.asarray(tenure, dtype=float), self.span)
        rate = self.tail_hazard + d
        tail = math.inf if rate == 0 else self(self.span) * math.exp(-d * self.span) / rate
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.exp(d * a) * tail / self(a)


def _discounted(start: np.ndarray, length: np.ndarray, d: float) -> np.ndarray:
    """Integral of e^(-d u) du from start to start + length."""
    if d == 0:
        return np.asarray(length, dtype=float)
    return np.exp(-d * start) * -np.expm1(-d * length) / d


def tenures(customers: pd.DataFrame, end_day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(durations, left, entry) in days of a replication's customer table: tenure at leaving
    (the middle of `left_day`) or at `end_day` (the end of the run) for those still here, and
    tenure on day 0, when the run first sees them."""
    joined = customers["joined_day"].to_numpy(dtype=float)
    left_day = customers["left_day"].to_numpy(dtype=float)
    left = left_day >= 0
    durations = np.where(left, left_day + 0.5, end_day) - joined
    return durations, left, np.maximum(-joined, 0.0)


def daily_discount(annual_discount: float) -> float:
    """Continuous discount rate per day equivalent to `annual_discount` a year."""
    return math.log1p(annual_discount) / 365.0


def base_lifetime_days(customers: pd.DataFrame, end_day: int, annual_discount: float) -> float:
    """Mean expected discounted remaining lifetime of the customers still here at `end_day`,
    each given their tenure, from the survival of all the replication's customers; NaN where
    it is not identified (see the module's docstring)."""
    durations, left, entry = tenures(customers, end_day)
    if left.all() or left.sum() < MIN_DEPARTURES:  # nobody here (none at all): no mean
        return math.nan
    survival = Survival.fit(durations, left, entry)
    d, here = daily_discount(annual_discount), durations[~left]
    lifetime = float(survival.remaining(here, d).mean())
    if float(survival.beyond(here, d).mean()) > MAX_EXTRAPOLATED * lifetime:
        return math.nan
    return lifetime


def without_lifetime(lifetimes: pd.Series, groups: pd.Series) -> tuple[list, bool]:
    """The groups (scenarios, sweep points: `groups`, beside each replication's lifetime) that
    have a replication without a lifetime, in the order they first come, and whether none of
    theirs has one: what `not_identified` names."""
    unknown = lifetimes.isna().groupby(groups, sort=False).agg(["any", "all"])
    names = unknown.index[unknown["any"]]
    return list(names), bool(unknown.loc[names, "all"].all())


def lifetime_warning(table: pd.DataFrame, one_off: Collection[str] = ()) -> str | None:
    """`not_identified`'s warning if a scenario of a summary or comparison table (summary.csv,
    comparison.csv: metric, n, ...) has fewer lifetimes than replications, naming the
    scenarios of a comparison that do; else None (the investment, known in every
    replication, counts them). Scenarios named in `one_off` (arrivals.mode open: one-off
    shoppers, who have no lifetime) are left out; a table without a scenario column is one
    scenario's, left out whenever `one_off` names any."""
    if "scenario" in table:
        table = table[~table["scenario"].isin(one_off)]
    elif one_off:
        return None
    lifetimes = table.loc[table["metric"] == "lifetime_days", "n"].to_numpy()
    replications = table.loc[table["metric"] == "investment", "n"].to_numpy()
    short = lifetimes < replications
    if not (len(lifetimes) and short.any()):
        return None
    every = bool((lifetimes[short] == 0).all())
    if "scenario" not in table or table["scenario"].nunique() < 2:
        return not_identified(every=every)
    names = table.loc[table["metric"] == "lifetime_days", "scenario"].to_numpy()
    return not_identified(", ".join(names[short]), every)
