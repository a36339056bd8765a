"""Ranking and selection: pick the best of several scenarios with a stated confidence.

Every scenario runs with common random numbers (the first one's seed and history), and three
published procedures share the replications:

- the best: the fully sequential procedure KN of Kim & Nelson (2001) with c = 1. After a first
  stage of n0 replications, it estimates the variance S2_il of every pairwise difference, and
  adds one replication at a time to the scenarios still in contention; scenario i leaves when
  its mean falls below another's by more than W_il(r) = max(0, delta / (2 r) (h2 S2_il /
  delta^2 - r)), with h2 = 2 eta (n0 - 1) and eta = ((2 alpha / (k - 1))^(-2 / (n0 - 1)) - 1)
  / 2. With probability at least 1 - alpha it keeps a scenario within delta (the indifference
  zone) of the best.
- constraints: the fully sequential feasibility check of Batur & Kim (2010), run together with
  KN as in Andradottir & Kim (2010): a constraint `mean >= q` with tolerance eps is met once
  sum_j (Y_j - q) >= R(r) and missed once it is <= -R(r), R(r) = max(0, h2 S2 / (2 eps) -
  eps r / 2), with the error split over scenarios and constraints (Bonferroni); a scenario
  may only be screened out by one already declared feasible. The confidence is split evenly
  between feasibility and selection. A constraint relative to a baseline scenario
  (`nps>=baseline-3`) is the same check on the paired differences Y_j - B_j, the baseline
  run alongside with the same random numbers (replication j of both shares its seed).
- the subset that could be the best: the screening procedure of Nelson, Swann, Goldsman & Song
  (2001) on the first stage: i stays if its mean is at least every other's minus
  t S_il / sqrt(n0), t the (1 - alpha)^(1 / (k - 1)) quantile of Student's t with n0 - 1
  degrees of freedom. With probability at least 1 - alpha the subset holds the best.

Batches of replications run on the executors; the numbers do not depend on which one.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from journeysim.caller import warn_at_caller
from journeysim.errors import InputError, did_you_mean
from journeysim.limits import MAX_REPLICATIONS
from journeysim.scenario.schema import Scenario
from journeysim.simulation.executors import Executor, LocalPool, run_replications
from journeysim.simulation.kpis import HIGHER, horizon_too_short
from journeysim.simulation.measure import (
    BETTER,
    HALVES_METRICS,
    METRICS,
    measure_halves,
    why_undefined,
)
from journeysim.simulation.ranges import out_of_range, resolution, too_wide
from journeysim.simulation.replication import past
from journeysim.simulation.summary import mean_ci
from journeysim.study.compare import (
    GROWING,
    change_interval,
    common_random_numbers,
    difference_growth,
    how_it_moved,
    moving,
)
from journeysim.study.designs import DesignError
from journeysim.words import figure

DEFAULT_TOLERANCE = 0.01  # of the bound when a constraint gives none, at least the KPI's
# resolution (ranges.RESOLUTION): 1% of nps>=3 (0.03 points) took the final selection up to
# hundreds of thousands of replications, and a bound of 0 had none
DEFAULT_INDIFFERENCE = 0.01  # of the first scenario's first-stage objective mean, at least
# the objective's resolution (ranges.RESOLUTION), so that a mean of 0 has one
# The least first stage: KN's bound grows as (2 alpha / (k - 1))^(-2 / (n0 - 1)), so with 8
# candidates a first stage of 2 replications can need some 20,000 where 5 need a few dozen.
FIRST_STAGE = 5
_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_CONSTRAINT = re.compile(
    rf"^\s*(?P<kpi>\w+)\s*(?P<sense>>=|<=)\s*"
    rf"(?:(?P<baseline>baseline)(?:\s*(?P<sign>[-+])\s*(?P<offset>{_NUMBER}))?"
    rf"|(?P<value>[-+]?{_NUMBER}))"
    rf"\s*(?:(?:\+-|±)\s*(?P<tolerance>{_NUMBER}))?\s*$"
)
BASELINE = "baseline"  # the name of the baseline scenario a relative constraint refers to
PARTS = ("mean", "ci_low", "ci_high")  # a mean and its 95% CI as table columns COLUMN_PART
Metrics = dict[str, float]


@dataclass(frozen=True)
class Constraint:
    """`metric >= bound` (sense +1) or `metric <= bound` (sense -1) on the mean, decided up to
    `tolerance`: met for sure if the mean clears the bound by the tolerance, missed for sure
    if it misses by the tolerance, either way in between. When `relative`, the constraint is on
    the mean paired difference from the baseline (`nps>=baseline-3`: bound -3)."""

    metric: str
    sense: int
    bound: float
    tolerance: float
    relative: bool = False

    @property
    def text(self) -> str:
        limit = f"{self.bound:.12g}"
        if self.relative:
            limit = BASELINE + (f"{self.bound:+.12g}" if self.bound else "")
        return f"{self.metric}{'>=' if self.sense > 0 else '<='}{limit}"

    @property
    def column(self) -> str:
        """What it constrains in tables: the metric, or its difference from the baseline."""
        return f"{self.metric}_vs_{BASELINE}" if self.relative else self.metric

    def met(self, mean: float) -> bool:
        return (operator.ge if self.sense > 0 else operator.le)(mean, self.bound)

    def ci_side(self, row: pd.Series) -> str:
        """ "above" ("below") where a table row's whole 95% CI of what this constrains lies
        above (below) the bound by more than the tolerance, else "": a check left undecided
        (the scenario out of the running first) may still be plainly met or missed."""
        _, low, high = ci_of(row, self.column)
        if low > self.bound + self.tolerance:
            return "above"
        return "below" if high < self.bound - self.tolerance else ""

    def ci_beyond(self, row: pd.Series) -> str:
        """`ci_side` where that side misses the bound: below a `>=` bound, above a `<=` one."""
        side = self.ci_side(row)
        return side if side == ("below" if self.sense > 0 else "above") else ""


def check_horizon(
    scenario: Scenario, metrics: Iterable[str], case: str = "", days_by: str = ""
) -> None:
    """Raise DesignError if the scenario's horizon (`case`: the variant checked) is too short
    to measure one of `metrics`, naming `days_by`, who set its days (e.g. `study.yaml: days`),
    else the scenario."""
    problem = horizon_too_short(scenario, list(metrics), days_by)
    if problem and days_by:
        raise DesignError(problem, days_by)
    if problem:
        raise DesignError(f"scenario {scenario.name}{case}: {problem}")


def parse_constraint(text: str, baseline: bool = True) -> Constraint:
    """`KPI>=VALUE` or `KPI<=VALUE`, or (where there is a `baseline`) relative to it
    `KPI>=baseline-DIFF` or `KPI<=baseline+DIFF` (DIFF optional), each optionally
    `+-TOLERANCE` (default: 1% of |VALUE| or |DIFF|, at least the KPI's resolution); a VALUE
    the KPI cannot have, or a DIFF beyond its range's width, is refused."""
    match = _CONSTRAINT.match(text)
    forms = "KPI>=VALUE or KPI<=VALUE"
    if baseline:
        forms = "KPI>=VALUE, KPI<=VALUE or relative KPI>=baseline-DIFF, KPI<=baseline+DIFF"
    expected = f"expected {forms}, optionally +-TOLERANCE, with a KPI of {', '.join(METRICS)}"
    if not match or match["kpi"] not in METRICS:
        meant = did_you_mean(match["kpi"], METRICS) if match else ""
        raise InputError(f"{expected} (got {text!r}{meant})")
    kpi, relative = match["kpi"], match["baseline"] is not None
    if relative and not baseline:
        raise InputError(
            f"expected {forms}, as there is no baseline to compare with (got {text!r})"
        )
    if relative:
        bound = float(match["offset"] or 0.0) * (-1.0 if match["sign"] == "-" else 1.0)
    else:
        bound = float(match["value"])
    problem = out_of_range(kpi, bound, relative)
    if problem:
        raise InputError(f"constraint {text!r}: {problem}")
    given = match["tolerance"]
    tolerance = float(given) if given else max(DEFAULT_TOLERANCE * abs(bound), resolution(kpi))
    if not 0 < tolerance < math.inf:
        without = text.split("+-")[0]
        raise InputError(f"constraint {text!r} needs a finite tolerance > 0, e.g. {without}+-0.01")
    problem = too_wide(kpi, tolerance)
    if problem:
        raise InputError(f"constraint {text!r}: {problem}")
    return Constraint(kpi, 1 if match["sense"] == ">=" else -1, bound, tolerance, relative)


def relative_constraints(constraints: Iterable[Constraint]) -> tuple[Constraint, ...]:
    """One constraint relative to the baseline per KPI: the differences a table shows."""
    return tuple({c.column: c for c in constraints if c.relative}.values())


def ci_columns(column: str, mean: float, low: float, high: float) -> dict[str, float]:
    """A mean and its 95% CI as a table row's COLUMN_mean, COLUMN_ci_low and COLUMN_ci_high."""
    return {f"{column}_{part}": value for part, value in zip(PARTS, (mean, low, high))}


def ci_of(row: pd.Series, column: str) -> tuple[float, float, float]:
    """A table row's mean and 95% CI of `column` (see `ci_columns`)."""
    mean, low, high = (row[f"{column}_{part}"] for part in PARTS)
    return mean, low, high


@dataclass(eq=False)  # == of its tables has no truth value
class SelectResult:
    """A selection as pandas tables: `table` (selection.csv) has one row per scenario,
    `replications` every metric of every replication run (scenario, replication, METRICS),
    `baseline` the baseline's in replication order (relative constraints only; else None)."""

    scenarios: list[Scenario]
    objective: str
    maximise: bool
    indifference: float
    confidence: float
    constraints: list[Constraint]
    table: pd.DataFrame
    replications: pd.DataFrame
    selected: str | None = None
    first_stage: int = 0
    baseline: pd.DataFrame | None = None

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]


class TooFine(InputError):
    """A selection its first stage leaves undecided and whose bounds on the replications still
    needed exceed the most a run takes."""


class InvestmentWarning(UserWarning):
    """Scenarios that invest different one-off amounts, selected on a metric that leaves the
    investment out."""


def check_selection(
    scenarios: Sequence[Scenario],
    objective: str,
    constraints: Sequence[Constraint] = (),
    confidence: float = 0.95,
    baseline: Scenario | None = None,
    indifference: float | None = None,
) -> None:
    """Refuse, before anything runs, a selection `select_scenarios` cannot make: fewer than two
    scenarios, an unknown objective, a confidence outside [0.5, 1), an indifference that is
    not a finite number > 0 below the width of the objective's range, a relative constraint
    without a baseline, or a horizon too short to measure the objective or a constraint."""
    check_indifference(objective, indifference, "indifference")
    if len(scenarios) < 2:
        raise InputError("select needs at least two scenarios")
    relative = [c.text for c in constraints if c.relative]
    if relative and baseline is None:
        raise InputError(f"{relative[0]} needs a baseline to compare with (optimise gives one)")
    if objective not in METRICS:
        raise InputError(
            f"objective: expected one of {', '.join(METRICS)} (got {objective!r}"
            f"{did_you_mean(objective, METRICS)})"
        )
    if not 0.5 <= confidence < 1.0:
        raise InputError(f"confidence must be in [0.5, 1) (got {confidence})")
    aligned = common_random_numbers(scenarios)
    for scenario in aligned:
        check_horizon(scenario, [objective, *(c.metric for c in constraints)])


def check_indifference(objective: str, indifference: float | None, given_by: str) -> None:
    """Refuse an `indifference` (None: the default) that is not a finite number > 0 below the
    width of the objective's range, where it would tell no two scenarios apart; `given_by`
    names the option or argument."""
    if indifference is None:
        return
    if not 0 < indifference < math.inf:
        raise InputError(f"{given_by}: expected a finite number > 0 (got {indifference})", given_by)
    problem = too_wide(objective, indifference, "an indifference")
    if problem:
        raise InputError(f"{given_by}: {problem}", given_by)


def check_first_stage(reps: int | None, given_by: str) -> None:
    """Refuse first-stage replications `reps` (None: the scenarios' own) below FIRST_STAGE,
    which select would raise to FIRST_STAGE unasked; `given_by` names the option or argument."""
    if reps is not None and reps < FIRST_STAGE:
        raise InputError(
            f"{given_by}: select's first stage needs at least {FIRST_STAGE} replications: with "
            f"fewer, the number it may add grows steeply (got {reps})",
            given_by,
        )


def warn_of_investments(scenarios: Sequence[Scenario], objective: str) -> None:
    """Warn, before a selection runs, when its scenarios invest different one-off amounts,
    which no objective but the investment itself counts."""
    invested = {s.name: s.costs.investment for s in scenarios}
    if objective != "investment" and len(set(invested.values())) > 1:
        amounts = ", ".join(f"{name} {value:,.0f}" for name, value in invested.items())
        warn_at_caller(
            f"the scenarios invest different one-off amounts (PLN: {amounts}), which "
            f"{objective} leaves out: weigh them against the selection with compare's payback",
            InvestmentWarning,
        )


class StillMovingWarning(UserWarning):
    """A selection on contribution or lifetime whose difference is still moving at the end of
    the run."""


def warn_if_still_moving(result: SelectResult) -> None:
    """Warn when a rival that no constraint ruled out closes in on the selected scenario in the
    objective (contribution per day or customer lifetime: study.compare.GROWING): its paired
    difference clearly changes towards the selected from early to late in the measured days,
    so the selection, made on their mean, may not hold once it settles. Replications run
    before their halves were kept (an older study) are left out."""
    if result.selected is None or result.objective not in GROWING:
        return
    runs = result.replications
    ordered = pd.concat([runs[runs["scenario"] == result.selected], runs])
    still = moving(difference_growth(ordered.drop_duplicates(["scenario", "replication"])))
    met = result.table.filter(like="met[")
    ruled_out = set(result.table.loc[met.eq(False).any(axis=1), "scenario"])
    towards = 1.0 if result.maximise else -1.0  # the way a rival's difference closes in
    for r in still[still["metric"] == result.objective].itertuples():
        if r.scenario in ruled_out or towards * (r.second - r.first) <= 0.0:
            continue  # out of the running, or falling further behind: the selection holds
        warn_at_caller(
            f"the selection of {result.selected} on {result.objective} rests on the mean of the "
            f"measured days, but {r.scenario}'s difference from it moved "
            f"{how_it_moved(r.metric, r.first, r.second)} ({change_interval(r.low, r.high)}); "
            "run more days (--days) to see where it settles",
            StillMovingWarning,
        )


def select_scenarios(
    scenarios: Sequence[Scenario],
    objective: str,
    maximise: bool | None = None,
    constraints: Sequence[Constraint] = (),
    indifference: float | None = None,
    confidence: float = 0.95,
    executor: Executor | None = None,
    on_done: Callable[[], None] | None = None,
    reference: Scenario | None = None,
    known: Sequence[Sequence[dict[str, float]]] = (),
    baseline: Scenario | None = None,
    baseline_known: Sequence[dict[str, float]] = (),
    done: Mapping[tuple[str, int], Metrics] | None = None,
    keep: Callable[[str, int, Metrics], None] | None = None,
    on_bound: Callable[[int, int, float], None] | None = None,
) -> SelectResult:
    """Select the best scenario by the mean of `objective` (better way: the metric's own unless
    `maximise` says), among those meeting `constraints`. The first stage is the first
    scenario's replication count, at least FIRST_STAGE; `on_done()` follows every replication.
    Every scenario starts from the history of `reference` (default: the first scenario);
    `known` may hold, per
    scenario, the metrics of its first replications, already run with that seed and history.
    Constraints relative to the baseline need `baseline`, run with the same random numbers
    as far as the scenarios run (`baseline_known`: its first replications, already run). A
    selection resumed after an interruption reads the replications it ran from `done` (by
    scenario name, "baseline" for the baseline, and replication) instead of running them
    again; `keep(name, replication, metrics)` follows every replication run, to keep it.
    `on_bound(first_stage, most, indifference)` hears, when the first stage leaves the
    selection open, the most replications a scenario can need (KN's bound, which the
    indifference sets)."""
    check_selection(scenarios, objective, constraints, confidence, baseline, indifference)
    relative = [c.text for c in constraints if c.relative]
    scenarios = common_random_numbers(scenarios)
    n0 = max(scenarios[0].replications, FIRST_STAGE)
    maximise = BETTER[objective] == HIGHER if maximise is None else maximise
    if baseline is not None and relative:
        update = {"seed": scenarios[0].seed, "replications": n0, "name": BASELINE}
        baseline = baseline.model_copy(update=update)
    else:
        baseline = None
    run = _Runs(
        scenarios,
        executor or LocalPool(),
        on_done,
        reference or scenarios[0],
        known,
        baseline,
        baseline_known,
        done or {},
        keep,
    )
    run.fill(n0)
    delta = indifference
    if delta is None:  # values() refused an undefined (NaN) objective
        mean = float(np.mean(run.values(0, objective)))
        delta = max(DEFAULT_INDIFFERENCE * abs(mean), resolution(objective))
    procedure = _Procedure(run, objective, maximise, list(constraints), delta, confidence, n0)
    decided = procedure.step()
    too_fine = [what for what, count in procedure.bounds if not count < MAX_REPLICATIONS]
    if not decided and too_fine:
        raise TooFine(
            f"{n0} replications a scenario do not decide the selection, and deciding it at "
            f"{' and '.join(too_fine)} could take more than {MAX_REPLICATIONS:,} (the most a "
            "run takes); give a larger indifference or tolerance (KPI>=VALUE+-TOLERANCE), or a "
            "lower confidence"
        )
    if on_bound and not decided:
        on_bound(n0, procedure.last, delta)
    while not decided:
        run.add(sorted(procedure.alive), 1)
        decided = procedure.step()
    result = procedure.result()
    warn_if_still_moving(result)
    return result


class _Runs:
    """The replications run so far, per scenario in replication order, and those of the
    baseline (when given) as far as any scenario's."""

    def __init__(
        self,
        scenarios: list[Scenario],
        executor: Executor,
        on_done: Callable[[], None] | None,
        reference: Scenario,
        known: Sequence[Sequence[dict[str, float]]] = (),
        baseline: Scenario | None = None,
        baseline_known: Sequence[dict[str, float]] = (),
        done: Mapping[tuple[str, int], Metrics] | None = None,
        keep: Callable[[str, int, Metrics], None] | None = None,
    ) -> None:
        self.scenarios = scenarios
        self.done = done or {}
        self.keep = keep
        self.executor = executor
        self.on_done = on_done
        self.rows: list[list[dict[str, float]]] = [[] for _ in scenarios]
        for rows, given in zip(self.rows, known):
            rows.extend(given)
        self.baseline = baseline
        self.baseline_rows: list[dict[str, float]] = list(baseline_known)
        self.reference = reference  # every scenario starts from the same store as it is today
        for scenario in [*scenarios, *([baseline] if baseline else [])]:
            past(scenario, reference)  # lived once here, then read by every worker

    def fill(self, n: int) -> None:
        """Replications up to the `n`-th of every scenario, run as one batch."""
        self._run(
            [(i, len(rows) + r) for i, rows in enumerate(self.rows) for r in range(n - len(rows))]
        )

    def add(self, which: list[int], count: int) -> None:
        """`count` more replications of each scenario in `which`, run as one batch."""
        self._run([(i, len(self.rows[i]) + r) for i in which for r in range(count)])

    def _run(self, tasks: list[tuple[int, int]]) -> None:
        """Run (scenario index, replication) `tasks`, with the baseline's replications they
        reach that it has not run yet (index -1); those already `done` are read instead."""
        if self.baseline is not None:
            reach = max([len(rows) for rows in self.rows] + [rep + 1 for _, rep in tasks])
            tasks = [*tasks, *((-1, rep) for rep in range(len(self.baseline_rows), reach))]
        keys = [(self._scenario(i).name, rep) for i, rep in tasks]
        results = [self.done.get(key) for key in keys]
        missing = [k for k, metrics in enumerate(results) if metrics is None]
        work = [(self._scenario(tasks[k][0]), tasks[k][1], self.reference) for k in missing]
        for index, metrics in run_replications(self.executor, measure_halves, work):
            results[missing[index]] = metrics
            if self.keep:
                self.keep(*keys[missing[index]], metrics)
            if self.on_done:
                self.on_done()
        for (i, _), metrics in zip(tasks, results):
            (self.baseline_rows if i < 0 else self.rows[i]).append(metrics)

    def _scenario(self, i: int) -> Scenario:
        return self.baseline if i < 0 and self.baseline is not None else self.scenarios[i]

    def values(self, i: int, metric: str, n: int | None = None) -> np.ndarray:
        rows = self.baseline_rows if i < 0 else self.rows[i]
        values = np.array([row[metric] for row in rows[:n]], dtype=float)
        if not np.isfinite(values).all():
            raise InputError(
                f"{metric} of {self._scenario(i).name} is undefined in a replication: "
                f"{why_undefined(metric)}; select needs it in every replication"
            )
        return values

    def constrained(self, i: int, constraint: Constraint, n: int | None = None) -> np.ndarray:
        """What `constraint` judges of scenario i: its metric, or the paired differences from
        the baseline's."""
        values = self.values(i, constraint.metric, n)
        if constraint.relative:
            values = values - self.values(-1, constraint.metric, len(values))
        return values

    def table(self) -> pd.DataFrame:
        rows = [
            {"scenario": scenario.name, "replication": r, **metrics}
            for scenario, runs in zip(self.scenarios, self.rows)
            for r, metrics in enumerate(runs)
        ]
        return pd.DataFrame(rows, columns=["scenario", "replication", *HALVES_METRICS])


def _count(top: float, tolerance: float) -> float:
    """`top` / `tolerance`^2, a bound's count of replications: inf where it is beyond floats,
    0 where nothing varies (`top` 0), also for a tolerance whose square is 0 (1e-300)."""
    if top == 0:
        return 0.0
    with np.errstate(over="ignore", divide="ignore"):
        return top / np.square(tolerance)


class _Procedure:
    """KN with the feasibility check, one stage at a time (see the module's docstring)."""

    def __init__(
        self,
        runs: _Runs,
        objective: str,
        maximise: bool,
        constraints: list[Constraint],
        delta: float,
        confidence: float,
        n0: int,
    ) -> None:
        k = len(runs.scenarios)
        alpha = 1.0 - confidence
        self.alpha_select = alpha / 2 if constraints else alpha
        alpha_feasible = alpha / 2
        self.runs, self.objective, self.maximise = runs, objective, maximise
        self.constraints, self.delta, self.confidence, self.n0 = constraints, delta, confidence, n0
        self.sign = 1.0 if maximise else -1.0
        first = np.array([self.sign * runs.values(i, objective, n0) for i in range(k)])
        self.h2 = 2.0 * _eta(self.alpha_select / (k - 1), n0) * (n0 - 1)
        self.s2 = np.array(
            [[np.var(first[i] - first[j], ddof=1) for j in range(k)] for i in range(k)]
        )
        beta = alpha_feasible / (k * max(len(constraints), 1))
        self.h2_feasible = 2.0 * _eta(beta, n0) * (n0 - 1)
        self.s2_feasible = np.array(
            [[np.var(runs.constrained(i, c, n0), ddof=1) for c in constraints] for i in range(k)]
        ).reshape(k, len(constraints))
        self.feasible: list[list[bool | None]] = [[None] * len(constraints) for _ in range(k)]
        self.alive = set(range(k))
        self.left: dict[int, str] = {}
        self.selected: int | None = None
        self.first = first
        self.bounds = self._bounds()
        self.last = self.most(self.bounds)
        self.last_compared = self.most(self.bounds[:1])  # KN's N + 1: then the best mean wins

    def _bounds(self) -> list[tuple[str, float]]:
        """What caps the replications a scenario can need, and the count it allows: the
        objective's indifference (KN's N) and each constraint's tolerance (the feasibility
        check's count past which it always decides); inf where the count is beyond floats."""
        top = self.h2 * self.s2.max()
        found = [(f"indifference {figure(self.delta)}", _count(top, self.delta))]
        for c, constraint in enumerate(self.constraints):
            top = self.h2_feasible * self.s2_feasible[:, c].max()
            found.append(
                (
                    f"{constraint.text}+-{figure(constraint.tolerance)}",
                    _count(top, constraint.tolerance),
                )
            )
        return found

    def most(self, bounds: list[tuple[str, float]]) -> int:
        """The most replications a scenario can need by `bounds` (at most
        MAX_REPLICATIONS + 1)."""
        n = max(count for _, count in bounds)
        return int(max(min(np.floor(n), MAX_REPLICATIONS) + 1, self.n0))

    def step(self) -> bool:
        """Decide what the replications so far decide; True when the selection is done."""
        r = len(self.runs.rows[min(self.alive)]) if self.alive else 0
        self._check_feasibility(r)
        means = {i: self.sign * self.runs.values(i, self.objective).mean() for i in self.alive}
        proven = [i for i in self.alive if all(self.feasible[i])]
        out = {}
        for i in self.alive:
            for j in proven:
                if j != i and means[i] < means[j] - self._w(i, j, r):
                    out[i] = f"screened out by {self.runs.scenarios[j].name} after {r} replications"
                    break
        for i, why in out.items():
            self.alive.discard(i)
            self.left[i] = why
        undecided = any(None in self.feasible[i] for i in self.alive)
        if r >= self.last_compared and not undecided and len(self.alive) > 1:  # no indifference
            best = max(sorted(self.alive), key=lambda i: means[i])  # a tie: the first given
            for i in self.alive - {best}:
                place = "tied with" if means[i] == means[best] else "below"
                self.left[i] = f"{place} {self.runs.scenarios[best].name} after {r} replications"
            self.alive = {best}
        if not undecided and len(self.alive) <= 1:
            self.selected = min(self.alive) if self.alive else None
            return True
        return False

    def _check_feasibility(self, r: int) -> None:
        for i in sorted(self.alive):
            for c, constraint in enumerate(self.constraints):
                if self.feasible[i][c] is not None:
                    continue
                y = self.runs.constrained(i, constraint)[:r]
                total = float(np.sum(constraint.sense * (y - constraint.bound)))
                eps = constraint.tolerance
                region = max(
                    0.0, self.h2_feasible * self.s2_feasible[i, c] / (2 * eps) - eps * r / 2
                )
                if total >= region:
                    self.feasible[i][c] = True
                elif total <= -region:
                    self.feasible[i][c] = False
            if False in self.feasible[i]:
                self.alive.discard(i)
                missed = [
                    c.text for c, ok in zip(self.constraints, self.feasible[i]) if ok is False
                ]
                self.left[i] = f"infeasible: misses {', '.join(missed)} after {r} replications"

    def _w(self, i: int, j: int, r: int) -> float:
        """KN's W(r) = max(0, delta / 2r (h^2 S^2 / delta^2 - r)), written without delta^2,
        which overflows for a huge indifference."""
        return max(0.0, self.h2 * self.s2[i, j] / (2 * r * self.delta) - self.delta / 2)

    def _subset(self, candidates: list[int]) -> set[int]:
        """Nelson et al. (2001) screening of the first stage: the candidates (scenarios not
        declared infeasible) that could be the best."""
        k, n0 = self.first.shape
        t = stats.t.ppf((1.0 - self.alpha_select) ** (1.0 / (k - 1)), n0 - 1)
        means = self.first.mean(axis=1)
        return {
            i
            for i in candidates
            if all(
                means[i] >= means[j] - t * math.sqrt(self.s2[i, j] / n0)
                for j in candidates
                if j != i
            )
        }

    def result(self) -> SelectResult:
        runs, objective = self.runs, self.objective
        metrics = list(dict.fromkeys(c.metric for c in self.constraints))
        relative = relative_constraints(self.constraints)
        feasible = [i for i in range(len(runs.scenarios)) if False not in self.feasible[i]]
        subset = self._subset(feasible)
        rows = []
        for i, scenario in enumerate(runs.scenarios):
            row: dict[str, object] = {"scenario": scenario.name, "replications": len(runs.rows[i])}
            for metric in dict.fromkeys([objective, *metrics]):
                row |= ci_columns(metric, *mean_ci(runs.values(i, metric), metric=metric)[:3])
            for constraint in relative:
                row |= ci_columns(constraint.column, *mean_ci(runs.constrained(i, constraint))[:3])
            for c, constraint in enumerate(self.constraints):
                row[f"met[{constraint.text}]"] = self.feasible[i][c]
            row["in_subset"] = i in subset
            row["selected"] = i == self.selected
            row["status"] = "selected" if i == self.selected else self.left.get(i, "")
            rows.append(row)
        return SelectResult(
            scenarios=runs.scenarios,
            objective=objective,
            maximise=self.maximise,
            indifference=self.delta,
            confidence=self.confidence,
            constraints=self.constraints,
            table=selection_table(rows),
            replications=runs.table(),
            selected=None if self.selected is None else runs.scenarios[self.selected].name,
            first_stage=self.n0,
            baseline=None if runs.baseline is None else pd.DataFrame(runs.baseline_rows),
        )


def selection_table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """selection.csv from its rows: each `met[<constraint>]` column True or False, NA where
    the check is undecided (None)."""
    table = pd.DataFrame(rows)
    met = [column for column in table.columns if column.startswith("met[")]
    table[met] = table[met].astype("boolean")
    return table


def _eta(alpha: float, n0: int) -> float:
    """eta of KN with c = 1 for an error `alpha` per comparison: ((2 alpha)^(-2/(n0-1)) - 1) / 2."""
    return 0.5 * ((2.0 * alpha) ** (-2.0 / (n0 - 1)) - 1.0)
