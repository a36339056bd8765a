"""Compare scenarios with common random numbers: every scenario runs the same replications with
the same seeds, so replication r of B is paired with replication r of A and the noise the two
share cancels out of their difference."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from journeysim.errors import InputError, did_you_mean
from journeysim.files import distinct_names
from journeysim.scenario.loader import flat
from journeysim.scenario.reference import unit_of
from journeysim.scenario.schema import Scenario
from journeysim.scenario.store_schema import Outage
from journeysim.simulation.executors import Executor, LocalPool, run_replications
from journeysim.simulation.kpis import CROWDED, MATERIAL, SHARES, WINDOWED
from journeysim.simulation.measure import BETTER, HALVES_METRICS, METRICS, measure_halves
from journeysim.simulation.money import (
    DAYS_PER_YEAR,
    HALVES,
    LIFETIME_MIDDLE,
    NOT_JUDGED,
    PER_DAY,
    SET,
    middle_day,
)
from journeysim.simulation.payback import Periods, payback, payback_text, running_totals
from journeysim.simulation.ranges import too_wide
from journeysim.simulation.replication import past
from journeysim.simulation.summary import mean_ci
from journeysim.words import plural, signed_number

LEVEL = 0.95
PROVISIONAL = " (provisional)"  # ends the payback note of a difference still moving
DILUTED = " (diluted: "  # begins the end of the payback note of a change within the measured days
SINGLE = "; a single outage "  # begins the end of the payback note of a change that happens once
COLUMNS = (
    "scenario",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "n",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "p_value",
    "significant",
    "verdict",
    "negligible_within",
    "unpaired_ci_low",
    "unpaired_ci_high",
    "diff_per_year",
    "note",
)


@dataclass(eq=False)  # == of its tables has no truth value
class CompareResult:
    """A comparison as pandas tables.

    `table` (comparison.csv) has one row per scenario and metric: the scenario's mean and 95% CI,
    and for every scenario after the first its paired difference from the first (`diff`, its
    95% t-interval, the paired t-test p-value, `significant` when the interval excludes 0 (NA
    where there is no interval: the first scenario, one replication, `not_compared`, payback,
    or nothing to test: the fixed cost and investment, which the scenario sets),
    `verdict`: `better` or `worse` when it excludes 0, by the way the metric is better
    (measure.BETTER), `negligible` when it excludes 0 but lies within what matters
    (`negligible_within`: kpis.MATERIAL or the floors the compare was given), else
    `no_difference`; `not_measured` without a CI; `not_compared` for the return rate and
    active customers of a scenario with another return window) and,
    for reference, the unpaired Welch interval of the same difference. Money per day also has
    its difference per year (`diff_per_year`, 365 x `diff`). The metric `payback_days` has only
    the difference columns: the days from the change (day 0 of the run) until its extra
    contribution has repaid an extra investment (simulation/payback.py), inf where it never
    does, and `note` says in words what the change is worth.
    `replications` holds every metric of every replication (columns scenario, replication,
    METRICS, money.PERIODS, money.LIFETIME_MIDDLE). `moving` holds the rows of
    `difference_growth` whose difference is still moving at the end of the run (`moving`); the
    payback notes of those in contribution end "(provisional)".
    """

    scenarios: list[Scenario]
    table: pd.DataFrame
    replications: pd.DataFrame
    moving: pd.DataFrame

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def difference(self, scenario: str, metric: str) -> pd.Series:
        """The row of `table` for one scenario and metric (InputError for names it has not)."""
        for given, column in ((scenario, "scenario"), (metric, "metric")):
            names = self.table[column].unique().tolist()
            if given not in names:
                raise InputError(
                    f"{column}: expected one of {', '.join(map(str, names))} (got {given!r}"
                    f"{did_you_mean(str(given), map(str, names))})"
                )
        rows = self.table[(self.table["scenario"] == scenario) & (self.table["metric"] == metric)]
        return rows.iloc[0]


def common_random_numbers(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The scenarios with the first one's seed and replication count, and distinct names."""
    first = scenarios[0]
    names = distinct_names([scenario.name for scenario in scenarios])
    return [
        scenario.model_copy(
            update={"seed": first.seed, "replications": first.replications, "name": name}
        )
        for scenario, name in zip(scenarios, names)
    ]


def compare_scenarios(
    scenarios: Sequence[Scenario],
    executor: Executor | None = None,
    on_done: Callable[[], None] | None = None,
    floors: Mapping[str, float] = MATERIAL,
) -> CompareResult:
    """Run every scenario with the seed and replication count of the first; compare each with
    it, a clear difference within `floors` (`negligible_floors`) judged negligible."""
    if len(scenarios) < 2:
        raise InputError("compare needs at least two scenarios")
    scenarios = common_random_numbers(scenarios)
    reps = scenarios[0].replications
    reference = scenarios[0]  # every scenario starts from the same store as it is today
    for scenario in scenarios:
        past(scenario, reference)  # lived once here, then read by every worker
    tasks = [(scenario, r, reference) for scenario in scenarios for r in range(reps)]
    rows: list[dict] = [{}] * len(tasks)
    for index, metrics in run_replications(executor or LocalPool(), measure_halves, tasks):
        scenario, replication, _ = tasks[index]
        rows[index] = {"scenario": scenario.name, "replication": replication, **metrics}
        if on_done:
            on_done()
    replications = pd.DataFrame(rows, columns=["scenario", "replication", *HALVES_METRICS])
    periods = {scenario.name: run_periods(scenario) for scenario in scenarios}
    table = without_unlike_windows(comparison_table(replications, periods, floors), scenarios)
    still = moving(difference_growth(replications))
    late, once = late_changes(scenarios), single_outages(scenarios)
    still = still[~still["scenario"].isin([*late, *once])]  # the halves cannot tell
    table = diluted_notes(provisional_notes(table, still), scenarios, late)
    return CompareResult(
        scenarios, single_outage_notes(table, scenarios, once), replications, still
    )


def late_changes(scenarios: Sequence[Scenario]) -> dict[str, int]:
    """The first day of each scenario's dated change against the first (a scheduled staff
    departure or outage that one of the two has and the other has not), by name, where it
    falls within the measured days, the two differ in nothing else, and it is no single outage
    (`single_outages`): they then average days before the change with days after it, and their
    halves part at a difference that is only the change beginning."""
    late = {}
    for scenario in scenarios[1:]:
        events = _dated_changes(scenarios[0], scenario)
        if events and not _single(events) and events[0][0] > scenario.horizon.warmup_days:
            late[scenario.name] = events[0][0]
    return late


def single_outages(scenarios: Sequence[Scenario]) -> dict[str, int]:
    """The day of each scenario's change against the first, by name, where that change is one
    outage that happens once (neither every day nor on weekdays) and the two differ in nothing
    else: a day of such a scenario is no rate that a year repeats. (Several dated outages are a
    schedule, "twice a month", which a year repeats at its rate.)"""
    once = {}
    for scenario in scenarios[1:]:
        events = _dated_changes(scenarios[0], scenario)
        if events and _single(events):
            once[scenario.name] = events[0][0]
    return once


def _dated_changes(first: Scenario, scenario: Scenario) -> list[tuple[int, object]]:
    """(first day, event) of the scheduled departures and outages that one of `first` and
    `scenario` has and the other has not, by day, where the two differ in nothing else."""
    if _undated(scenario) != _undated(first):
        return []
    return sorted(_differing(first, scenario), key=lambda change: change[0])


def _differing(first: Scenario, scenario: Scenario) -> list[tuple[int, object]]:
    """(first day, event) of the scheduled departures and outages that one of `first` and
    `scenario` has and the other has not, whatever else they differ in."""
    mine, theirs = _dated(scenario), _dated(first)
    return [c for c in mine if c not in theirs] + [c for c in theirs if c not in mine]


def _single(changes: list[tuple[int, object]]) -> bool:
    """Whether the changes are one outage that happens once."""
    if len(changes) != 1:
        return False
    event = changes[0][1]
    return isinstance(event, Outage) and not event.every_day and not event.weekdays


def first_changed_day(scenarios: Sequence[Scenario]) -> int:
    """The first measured day on which a scheduled outage of one scenario and not of the first
    happens (or of the first and not of the other), or a scheduled departure has happened
    (one in the warm-up is felt from the first measured day); else the first measured day:
    the day a comparison's report tells and replays."""
    first = scenarios[0]
    warmup, total = first.horizon.warmup_days, first.total_days
    days = [total]
    for scenario in scenarios[1:]:
        for _, event in _differing(first, scenario):
            if isinstance(event, Outage):
                days += [day for day in event.days_in(total) if day >= warmup][:1]
            else:
                days.append(max(event.day, warmup))
    found = min(days)
    return found if found < total else warmup


def paired_with_first(scenarios: Sequence[Scenario]) -> int:
    """The index of the scenario a comparison's report tells beside the first on the day
    `first_changed_day` gives: the last whose change shows by that day (a departure of the last
    scenario on a later day would leave the two visits alike)."""
    day, first = first_changed_day(scenarios), scenarios[0]
    shown = [i for i, other in enumerate(scenarios) if first_changed_day([first, other]) <= day]
    return shown[-1]


def _dated(scenario: Scenario) -> list[tuple[int, object]]:
    """(first day, event) of `scenario`'s scheduled departures and outages."""
    return [(event.day, event) for event in (*scenario.staff.turnover, *scenario.payment.outages)]


def _undated(scenario: Scenario) -> dict:
    """`scenario`'s settings but its scheduled departures and outages and what only names or
    runs it (a change in them begins on day 0)."""
    settings = scenario.model_dump(exclude={"name", "description", "seed", "replications"})
    settings["staff"]["turnover"] = settings["payment"]["outages"] = []
    return settings


def late_change_warnings(scenarios: Sequence[Scenario]) -> list[str]:
    """A warning per scenario whose change begins within the measured days (`late_changes`):
    what its figures average, that whether they still move is not known, and how to measure
    the change alone."""
    by_name = {scenario.name: scenario for scenario in scenarios}
    texts = []
    for name, day in late_changes(scenarios).items():
        warmup, days = by_name[name].horizon.warmup_days, by_name[name].horizon.days
        before, after = day - warmup, warmup + days - day
        texts.append(
            f"{name}: its change begins on day {day}, {plural(before, 'day')} into the {days} "
            f"measured days (from day {warmup}), so its differences a day, and a year, average "
            f"{plural(before, 'day')} before the change with {after} after it, and the halves "
            "of the measured days cannot tell whether a difference still moves; to measure the "
            f"change alone, begin measuring on its day (--set horizon.warmup_days={day})"
        )
    return texts


def single_outage_notes(
    table: pd.DataFrame, scenarios: Sequence[Scenario], once: dict[str, int]
) -> pd.DataFrame:
    """`table` (comparison.csv) without a difference a year for each scenario of `once` (as
    `single_outages` gives it), whose payback note says instead what its outage changed in all:
    "no extra investment; a single outage (day 25): contribution -4,032 PLN [-5,334, -2,688] in
    all over the 42 measured days, not a rate a year repeats"."""
    by_name = {scenario.name: scenario for scenario in scenarios}
    for name, day in once.items():
        mine = table["scenario"] == name
        table.loc[mine, "diff_per_year"] = np.nan
        money = table[mine & (table["metric"] == "contribution_per_day")].iloc[0]
        if not math.isfinite(money["diff"]):  # one replication: no difference ("-")
            continue
        days = by_name[name].horizon.days
        total, low, high = (
            signed_number(days * money[key], 0) for key in ("diff", "diff_ci_low", "diff_ci_high")
        )
        table.loc[mine & (table["metric"] == "payback_days"), "note"] = (
            f"no extra investment{SINGLE}(day {day}): contribution {total} PLN [{low}, {high}] in "
            f"all over the {days} measured days, not a rate a year repeats"
        )
    return table


def run_periods(scenario: Scenario) -> Periods:
    """The warm-up and the halves of the measured days of `scenario`'s run."""
    return Periods(scenario.horizon.warmup_days, middle_day(scenario), scenario.total_days)


def provisional_notes(table: pd.DataFrame, still: pd.DataFrame) -> pd.DataFrame:
    """`table` (comparison.csv) with the payback note of each scenario whose contribution is in
    `still` (the rows of `moving`) ending "(provisional)": what it is worth a year, at the
    measured days' mean, is not yet where it settles."""
    contribution = still.loc[still["metric"] == "contribution_per_day", "scenario"]
    notes = (table["metric"] == "payback_days") & table["scenario"].isin(contribution)
    table.loc[notes, "note"] += PROVISIONAL
    return table


def diluted_notes(
    table: pd.DataFrame, scenarios: Sequence[Scenario], late: dict[str, int]
) -> pd.DataFrame:
    """`table` (comparison.csv) with the payback note of each scenario whose change begins
    within the measured days (`late`, as `late_changes` gives it) ending "(diluted: 14 of the
    42 measured days precede its change on day 28)": what it is worth a day and a year
    averages those days."""
    by_name = {scenario.name: scenario for scenario in scenarios}
    for name, day in late.items():
        horizon = by_name[name].horizon
        notes = (table["metric"] == "payback_days") & (table["scenario"] == name)
        table.loc[notes, "note"] += (
            f"{DILUTED}{day - horizon.warmup_days} of the {horizon.days} measured days precede "
            f"its change on day {day})"
        )
    return table


# The differences whose change during the measured days tells one not yet settled, with the
# columns of replications.csv holding each early and late: the contribution per day over the
# first and the second half of the measured days, the customer lifetime at their middle and
# at their end.
GROWING = {
    "contribution_per_day": HALVES,
    "lifetime_days": (LIFETIME_MIDDLE, "lifetime_days"),
}
GROWTH_COLUMNS = ["scenario", "metric", "first", "second", "growth", "low", "high"]
# How each of GROWING's differences is told: its unit, and when it is taken early and late.
_MOVED_WORDS = {
    "contribution_per_day": (
        "PLN a day",
        "over the first half of the measured days",
        "over the second",
    ),
    "lifetime_days": ("days", "at the middle of the measured days", "at their end"),
}
# What `growth_warnings` calls each of GROWING's differences, and what its moving leaves unsure.
_STILL_MOVING = {
    "contribution_per_day": (
        "contribution per day",
        "its yearly figures, taken at the mean of the measured days,{} are not yet where it "
        "settles",
    ),
    "lifetime_days": (
        "customer lifetime",
        "it and the lifetime margin, which rest on the customers seen to leave so far, are not "
        "yet where they settle",
    ),
}
_ITS_PAYBACK = " and its payback, after the run at their second half's rate,"  # if it has one


def how_it_moved(metric: str, first: float, second: float) -> str:
    """How a difference of GROWING moved, from `first` to `second`: "from -1,067 PLN a day over
    the first half of the measured days to -1,464 over the second"."""
    unit, early, late = _MOVED_WORDS[metric]
    return f"from {signed_number(first, 0)} {unit} {early} to {signed_number(second, 0)} {late}"


def change_interval(low: float, high: float) -> str:
    """The 95% CI of how much a difference moved: "95% CI of the change [-14, -0.3]", each end
    to whole numbers or as many decimals as its first digit needs (not "-0")."""
    return f"95% CI of the change [{signed_number(low, 0)}, {signed_number(high, 0)}]"


def difference_growth(replications: pd.DataFrame) -> pd.DataFrame:
    """Per scenario after the first and metric of GROWING (of those in `replications`): its
    paired difference early and late in the measured days (`first`, `second`), and how much
    the second exceeds the first (`growth`, with its 95% t-interval `low`, `high`): a
    difference still moving at the end of the run is not, in a year, what its mean says."""
    from scipy import stats  # slow to import, and every report imports this module

    names = list(dict.fromkeys(replications["scenario"]))
    rows = []
    for metric, (early, late) in GROWING.items():
        if early not in replications:
            continue
        wide = replications.set_index(["scenario", "replication"])[[early, late]]
        for name in names[1:]:
            paired = (wide.loc[name] - wide.loc[names[0]]).dropna()
            growth = paired[late] - paired[early]
            low = high = math.nan
            if len(growth) > 1 and growth.std() > 0:
                low, high = stats.ttest_1samp(growth, 0.0).confidence_interval(LEVEL)
            first, second = paired[early].mean(), paired[late].mean()
            rows.append([name, metric, first, second, growth.mean(), low, high])
    return pd.DataFrame(rows, columns=GROWTH_COLUMNS)


def moving(growth: pd.DataFrame) -> pd.DataFrame:
    """The rows of `difference_growth` whose difference clearly changes from early to late in
    the measured days (the 95% CI of the change excludes 0), either way: a loss still growing
    is larger in a year than its mean says, and one shrinking (or a gain overtaking costs) may
    turn the sign of the yearly figure."""
    return growth[(growth["low"] > 0) | (growth["high"] < 0)]


def growth_warnings(still: pd.DataFrame, scenarios: Sequence[Scenario] = ()) -> list[str]:
    """A warning per scenario and metric whose difference is still moving (`still`, the rows
    of `moving`): in contribution per day, the yearly figures, which take the mean of the
    measured days, and for a scenario that invests more than the first of `scenarios` (the
    compared, in order) its payback, after the run at their second half's rate, are not where
    it settles; in customer lifetime, it and the lifetime margin, which rest on the customers
    seen to leave so far, are not either."""
    investing = {
        s.name for s in scenarios[1:] if s.costs.investment > scenarios[0].costs.investment
    }
    texts = []
    for r in still.itertuples():
        what, settles = _STILL_MOVING[r.metric]
        texts.append(
            f"{r.scenario}: its difference in {what} is still moving: it moved "
            f"{how_it_moved(r.metric, r.first, r.second)} ({change_interval(r.low, r.high)}), "
            f"so {settles.format(_ITS_PAYBACK if r.scenario in investing else '')}; run more "
            "days (--days) to see where"
        )
    return texts


def horizon_warnings(scenarios: Sequence[Scenario]) -> list[str]:
    """A warning when `scenarios` measure different days (their horizon.days or
    horizon.warmup_days differ): their differences then count the change of the days measured
    as well as the change of the store."""
    horizons = [(s.horizon.days, s.horizon.warmup_days) for s in scenarios]
    if len(set(horizons)) < 2:
        return []
    each = ", ".join(
        f"{s.name} {days} after {warmup}" for s, (days, warmup) in zip(scenarios, horizons)
    )
    return [
        f"the scenarios measure different days (horizon.days after horizon.warmup_days: {each}): "
        "the differences count the change of the days measured as well as the change of the "
        "store; give them the same horizon"
    ]


# What an option itself costs (its investment, its running costs, what its answers to complaints
# give away), which a what-if is expected to set otherwise than the first.
OPTION_COSTS = frozenset(
    {"costs.investment", "costs.fixed_per_day", "costs.per_complaint", "costs.per_follow_up"}
)


def cost_warnings(scenarios: Sequence[Scenario]) -> list[str]:
    """A warning per price (a cost setting but the option's own, OPTION_COSTS) that differs
    between `scenarios` (a what-if that sets `costs.per_outage` leaves the first's outages
    free): their money differences then count a change of price as well as the change of the
    store."""
    costs = [flat(s.costs.model_dump(), "costs.") for s in scenarios]
    texts = []
    for key in costs[0]:
        values = [c[key] for c in costs]
        if key not in OPTION_COSTS and len(set(values)) > 1:
            each = ", ".join(f"{s.name} {value:,g}" for s, value in zip(scenarios, values))
            texts.append(
                f"{key} differs between scenarios ({f'{each} {unit_of(key)}'.rstrip()}): the "
                "money differences count the change of cost as well as the change of the store"
            )
    return texts


def comparison_table(
    replications: pd.DataFrame,
    periods: dict[str, Periods] | None = None,
    floors: Mapping[str, float] = MATERIAL,
) -> pd.DataFrame:
    """comparison.csv from the per-replication metrics of scenarios in their order of
    appearance; the payback counted from day 0 through each scenario's `periods` (without
    them, at the measured days' mean from day 0); a clear difference within `floors` is
    negligible (`verdict`)."""
    names = list(dict.fromkeys(replications["scenario"]))
    wide = {
        name: replications[replications["scenario"] == name].set_index("replication").sort_index()
        for name in names
    }
    reference = wide[names[0]]
    rows = []
    for name in names:
        table = wide[name]
        for metric in METRICS:
            mean, low, high, n = mean_ci(table[metric].to_numpy(), metric=metric)
            row = {"scenario": name, "metric": metric, "mean": mean, "ci_low": low}
            row |= {"ci_high": high, "n": n}
            if name != names[0]:
                row |= paired_difference(table[metric], reference[metric])
                row |= judged(metric, row["diff_ci_low"], row["diff_ci_high"], floors)
                if metric in SET:  # the same in every replication: nothing to test
                    row |= {"p_value": np.nan, "significant": np.nan}
                if metric in PER_DAY:
                    row["diff_per_year"] = row["diff"] * DAYS_PER_YEAR
            rows.append(row)
        if name != names[0]:
            pair = (periods[name], periods[names[0]]) if periods else None
            rows.append(_payback_row(name, rows, table, reference, pair))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["significant"] = table["significant"].astype("boolean")
    return table


def crowding_explains(table: pd.DataFrame) -> set[tuple[str, str]]:
    """(scenario, metric) of the verdicts a clear change in visits per day may explain: a
    metric that crowding moves (kpis.CROWDED) judged better with fewer visits, or worse with
    more. Complaints a day are a count, which visits explain only in proportion: where the
    rows hold the scenarios' `mean`s, a change in complaints whose whole CI lies beyond what
    the change in visits gives at the first scenario's complaints a visit (complaints a visit
    clearly moved too) is not explained (a review: service recovery's complaints rose 36% with
    10% more visits, and were put down to them). `table`: comparison.csv's rows, or any with
    scenario, metric, verdict, diff and its CI (diff_ci_low, diff_ci_high)."""
    by = table.set_index(["scenario", "metric"])
    explained = set()
    for scenario in dict.fromkeys(table["scenario"]):
        if (scenario, "visits_per_day") not in by.index:
            continue
        visits = by.loc[(scenario, "visits_per_day")]
        if visits["verdict"] not in ("better", "worse"):  # no clear change in visits
            continue
        change = visits["diff"]
        side = "better" if change < 0 else "worse"
        for metric in CROWDED:
            row = by.loc[(scenario, metric)] if (scenario, metric) in by.index else None
            if row is None or row["verdict"] != side:
                continue
            if metric == "complaints_per_day" and "mean" in by.columns:
                before = (row["mean"] - row["diff"]) / (visits["mean"] - change)  # a visit
                given = before * change  # the change in complaints the visits give
                beyond = row["diff_ci_low"] > given if change > 0 else row["diff_ci_high"] < given
                if beyond:  # complaints a visit clearly moved too
                    continue
            explained.add((scenario, metric))
    return explained


def significant(flag: object) -> bool:
    """A `significant` cell of comparison.csv as a truth value: NA (no paired difference to
    judge) is not significant."""
    return bool(pd.notna(flag) and flag)


def has_differences(rows: pd.DataFrame) -> bool:
    """Whether `rows` of comparison.csv hold a paired difference: with one replication none
    does (a difference takes two finite pairs)."""
    return bool(rows["diff"].notna().any())


def without_unlike_windows(table: pd.DataFrame, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """`table` (comparison.csv or uncertainty.csv) with no difference, and the verdict
    `not_compared`, for the `WINDOWED` KPIs of each scenario whose return window is not the
    first's: they count a return differently (`window_warning`)."""
    first = scenarios[0].loyalty.return_window_days
    other = [s.name for s in scenarios[1:] if s.loyalty.return_window_days != first]
    rows = table["scenario"].isin(other) & table["metric"].isin(WINDOWED)
    prefixes = ("diff", "unpaired", "p_value", "significant")
    differences = [c for c in table.columns if c.startswith(prefixes)]
    table.loc[rows, differences] = np.nan  # NA in the nullable boolean `significant`
    table["verdict"] = table["verdict"].astype(object)  # a float column when all NaN
    table.loc[rows, "verdict"] = "not_compared"
    return table


def judged(
    metric: str, low: float, high: float, floors: Mapping[str, float]
) -> dict[str, str | float]:
    """A difference's `verdict` and, for a metric the bottom line judges, the
    `negligible_within` it was judged by: the columns comparison.csv and uncertainty.csv give."""
    columns: dict[str, str | float] = {"verdict": verdict(metric, low, high, floors)}
    if metric not in NOT_JUDGED:
        columns["negligible_within"] = floors.get(metric, 0.0)
    return columns


def negligible_floors(
    given: Mapping[str, float] | None = None, given_by: str = "negligible"
) -> dict[str, float]:
    """The smallest difference that matters, by metric: kpis.MATERIAL with the sizes `given`
    (by metric, in the unit the tables print: percentage points for a share) in their place.
    InputError, opening with `given_by`, for a metric the bottom line does not judge or a size
    that is not a finite number of 0 or more, or as wide as the metric's range (where every
    difference would be negligible)."""
    judged = [metric for metric in METRICS if metric not in NOT_JUDGED]
    if given is not None and not isinstance(given, Mapping):
        raise InputError(
            f"{given_by}: expected a mapping of metric to size, e.g. {{'nps': 2}} (got {given!r})",
            given_by,
        )
    floors = dict(MATERIAL)
    for metric, size in (given or {}).items():
        if metric in NOT_JUDGED:
            raise InputError(
                f"{given_by}: {metric} is not judged better or worse (money counts once, as "
                "contribution_per_day, and an investment by its payback): give a floor for "
                "contribution_per_day",
                given_by,
            )
        if metric not in judged:
            raise InputError(
                f"{given_by}: expected one of {', '.join(judged)} (got {metric!r})"
                f"{did_you_mean(str(metric), judged)}",
                given_by,
            )
        if isinstance(size, bool) or not isinstance(size, Real) or not 0 <= size < math.inf:
            raise InputError(
                f"{given_by}: {metric}: expected a finite number of 0 or more (got {size!r})",
                given_by,
            )
        floor = size / 100.0 if metric in SHARES else float(size)
        problem = too_wide(metric, floor, "a size")  # every difference negligible
        if problem and metric in SHARES:  # 0 to 1, sized in percentage points
            problem = f"expected fewer than 100 percentage points (got {size:g})"
        if problem:
            raise InputError(f"{given_by}: {metric}: {problem}", given_by)
        floors[metric] = floor
    return floors


def table_floors(table: pd.DataFrame) -> pd.Series:
    """The floors a comparison table was judged by (its negligible_within), by metric in the
    table's order."""
    given = table.dropna(subset="negligible_within")
    return given.groupby("metric", sort=False)["negligible_within"].first()


def verdict(metric: str, low: float, high: float, floors: Mapping[str, float] = MATERIAL) -> str:
    """`better`, `worse` or `no_difference` for a difference whose 95% CI is [low, high];
    `negligible` where it excludes 0 but lies within the smallest difference that matters
    (`floors`, by metric: CES +0.006 [+0.002, +0.009] is clear, and nothing to act on);
    `not_measured` when the CI is unknown (fewer than two finite pairs, e.g. a return rate
    the horizon cannot measure); `not_judged` for the money that counts only through the
    contribution and the payback (money.NOT_JUDGED: its parts and the investment)."""
    if math.isnan(low) or math.isnan(high):
        return "not_measured"
    if metric in NOT_JUDGED:
        return "not_judged"
    if low > 0 or high < 0:
        if max(abs(low), abs(high)) < floors.get(metric, 0.0):
            return "negligible"
        return "better" if (1 if low > 0 else -1) == BETTER[metric] else "worse"
    return "no_difference"


def paired_difference(b: pd.Series, a: pd.Series) -> dict[str, float]:
    """Mean of b - a over the replications both have finite, with its paired t-interval and
    p-value, and the Welch interval that ignores the pairing."""
    from scipy import stats  # (as in difference_growth)

    pairs = pd.concat([b, a], axis=1, join="inner").to_numpy(dtype=float)
    pairs = pairs[np.isfinite(pairs).all(axis=1)]
    x, y = pairs[:, 0], pairs[:, 1]
    result = dict.fromkeys(COLUMNS[6:], np.nan)
    if len(pairs) < 2:
        return result
    with warnings.catch_warnings():  # identical pairs: scipy warns, yet gets the interval right
        warnings.simplefilter("ignore", RuntimeWarning)
        paired = stats.ttest_rel(x, y)
        low, high = paired.confidence_interval(LEVEL)
        welch = stats.ttest_ind(x, y, equal_var=False).confidence_interval(LEVEL)
    return result | {
        "diff": float(np.mean(x - y)),
        "diff_ci_low": float(low),
        "diff_ci_high": float(high),
        "p_value": _p_value(paired.pvalue, x - y),
        "significant": bool(low > 0 or high < 0),
        "unpaired_ci_low": float(welch.low),
        "unpaired_ci_high": float(welch.high),
    }


def _p_value(p: float, differences: np.ndarray) -> float:
    """The paired t-test's p-value; where every replication differs by the same amount (no
    spread, so no t), 0 for a difference and 1 for none, as its CI says."""
    if np.ptp(differences) > 0:
        return float(p)
    return 0.0 if differences[0] != 0 else 1.0


def _payback_row(
    name: str,
    rows: list[dict],
    runs: pd.DataFrame,
    reference: pd.DataFrame,
    periods: tuple[Periods, Periods] | None,
) -> dict:
    """payback_days of `name` against the first scenario, from its investment and contribution
    rows and the running totals of the contribution of its `runs` and of the first's
    (`reference`), paired by replication, through the `periods` of each (None: at the measured
    days' mean from day 0)."""
    mine = {row["metric"]: row for row in rows if row["scenario"] == name}
    investment = mine["investment"]["diff"]
    gain = mine["contribution_per_day"]
    paired = runs.index.intersection(reference.index)
    finite = (
        runs.loc[paired, "contribution_per_day"].notna()
        & reference.loc[paired, "contribution_per_day"].notna()
    )
    paired = paired[finite.to_numpy()]
    mine_periods, first_periods = periods or (None, None)

    def extra(days: np.ndarray) -> np.ndarray:
        return running_totals(runs.loc[paired], mine_periods, days) - running_totals(
            reference.loc[paired], first_periods, days
        )

    run_end = max(mine_periods.end, first_periods.end) if periods else 0
    days, low, high = payback(investment, extra, run_end)
    row = dict.fromkeys(COLUMNS, np.nan) | {"scenario": name, "metric": "payback_days"}
    known_end = run_end if periods else math.inf  # without periods, no day is after the run
    last_days = mine_periods.end - mine_periods.middle if mine_periods else 0
    note = payback_text(
        investment,
        gain["diff"],
        gain["diff_ci_low"],
        gain["diff_ci_high"],
        days,
        known_end,
        last_days,
    )
    return row | {
        "n": gain["n"],
        "diff": days,
        "diff_ci_low": low,
        "diff_ci_high": high,
        "note": note,
    }
