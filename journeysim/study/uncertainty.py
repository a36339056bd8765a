"""Second-order Monte Carlo: KPIs and differences with a band that covers both the simulation's
noise and the uncertainty of the parameters.

The outer loop takes every kept parameter set, the inner loop runs the scenario's replications
with it (replications r*m .. r*m + r-1 of the root seed for set m, so sets draw independent
streams; the scenarios of a comparison share them, common random numbers). A KPI's value in
replication j of set i is Y_ij = mu + A_i + E_ij: A_i the effect of the parameters (variance
s2_param), E_ij the simulation's noise (variance s2_noise). By the law of total variance a set's
mean over its r replications varies by s2_param + s2_noise / r; the one-way random-effects
ANOVA estimates both from the mean squares between and within sets (Searle, Casella &
McCulloch 1992, ch. 3; as Ankenman & Nelson 2012 do for input uncertainty). The band is the 95%
prediction interval of the mean of a set drawn like the kept ones, mean +- t(m-1) *
sqrt(V (1 + 1/m)) with V the variance between set means, and `param_share` =
s2_param / (s2_param + s2_noise / r), the part of V (the band's squared width) the parameters
make; the rest would shrink with more replications per set.

The t band assumes set means spread normally; with few sets t(m-1) is large (4.3 for three)
and the band can run past what the KPI can be. A band is therefore cut at the KPI's possible
range (simulation/ranges.py, as every CI; a difference at the widths of that range),
and with 39 sets or more it is distribution-free instead: the order statistics X(k) and
X(m+1-k) of the set means, k = floor((m+1)(1-level)/2), cover a new set's mean with probability
(m+1-2k)/(m+1) >= level whatever the spread (Wilks 1941). Fewer than RECOMMENDED_SETS sets
earn a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from journeysim.scenario.loader import value_at
from journeysim.scenario.schema import Scenario
from journeysim.simulation.burn_in import histories_too_short, too_short
from journeysim.simulation.executors import Executor, LocalPool
from journeysim.simulation.kpis import MATERIAL, one_off, return_rate_warning, window_warning
from journeysim.simulation.lifetime import not_identified, without_lifetime
from journeysim.simulation.measure import METRICS, measure
from journeysim.simulation.ranges import metric_range
from journeysim.simulation.replication import past
from journeysim.simulation.summary import t_quantile
from journeysim.study.compare import (
    common_random_numbers,
    cost_warnings,
    horizon_warnings,
    judged,
    late_change_warnings,
    verdict,
    without_unlike_windows,
)
from journeysim.study.parameter_sets import ParameterSets

LEVEL = 0.95
RECOMMENDED_SETS = 20  # fewer: t(m-1) above 2.09, a band wider than it need be
ORDER_STATISTICS_SETS = 39  # the fewest for a distribution-free 95% band
COLUMNS = (
    "scenario",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "param_share",
    "param_sd",
    "noise_sd",
    "sets",
    "reps",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "diff_param_share",
    "verdict",
    "negligible_within",
    "band",
)


def band(
    values: np.ndarray,
    level: float = LEVEL,
    bounds: tuple[float, float] = (-np.inf, np.inf),
) -> dict[str, Any]:
    """The band of a (sets x replications) array (NaN cells left out): mean, its prediction
    interval within `bounds` and how it was made (`method`), the parameters' share of its
    variance and the two standard deviations."""
    sets = [row[np.isfinite(row)] for row in np.asarray(values, dtype=float)]
    sets = [row for row in sets if len(row)]
    result: dict[str, Any] = dict.fromkeys(
        ("mean", "low", "high", "param_share", "param_sd", "noise_sd"), np.nan
    )
    result["method"] = ""
    if len(sets) < 2:
        return result
    means = np.array([row.mean() for row in sets])
    counts = np.array([len(row) for row in sets])
    m = len(sets)
    between = float(means.var(ddof=1))  # variance of a set's mean
    k = int(np.floor((m + 1) * (1 - level) / 2))
    if k >= 1:
        ordered = np.sort(means)
        low, high, method = float(ordered[k - 1]), float(ordered[m - k]), "order statistics"
    else:
        half = float(t_quantile(level, m - 1) * np.sqrt(between * (1 + 1 / m)))
        low, high, method = means.mean() - half, means.mean() + half, f"t({m - 1})"
    if low < bounds[0] or high > bounds[1]:
        low, high, method = max(low, bounds[0]), min(high, bounds[1]), f"{method}, cut at range"
    result |= {"mean": float(means.mean()), "low": low, "high": high, "method": method}
    freedom = int((counts - 1).sum())
    if freedom == 0:
        return result
    noise = float(sum(((row - row.mean()) ** 2).sum() for row in sets) / freedom)
    noise_of_mean = noise * float(np.mean(1.0 / counts))
    param = max(between - noise_of_mean, 0.0)
    # When the sets agree none of the spread is theirs; a value that never varies has none.
    share = min(param / between, 1.0) if between > 0 else 0.0 if noise > 0 else np.nan
    return result | {
        "param_share": share,
        "param_sd": float(np.sqrt(param)),
        "noise_sd": float(np.sqrt(noise)),
    }


@dataclass(eq=False)  # == of its tables has no truth value
class UncertaintyResult:
    """Runs over parameter sets. `table` (uncertainty.csv) has per scenario and metric the mean,
    the 95% band (`ci_low`, `ci_high`), `param_share` of its variance, the standard deviations
    between sets from the parameters (`param_sd`) and within a set from the simulation
    (`noise_sd`), and for every scenario after the first the same for its difference from the
    first (`diff`, `diff_ci_low`, `diff_ci_high`, `diff_param_share`, `verdict`), and how the
    band was made (`band`: t(m-1) or order statistics, possibly cut at the KPI's range).
    `replications` has every metric per scenario, set and replication; `sets` the sets;
    `warnings` says when the sets are too few, the runs too short for the return rate or the
    customers' lifetime, or a cost setting differs between the scenarios (`cost_warnings`)."""

    scenarios: list[Scenario]
    table: pd.DataFrame
    replications: pd.DataFrame
    sets: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def row(self, scenario: str, metric: str) -> pd.Series:
        rows = self.table[(self.table["scenario"] == scenario) & (self.table["metric"] == metric)]
        return rows.iloc[0]


def run_parameter_sets(
    scenarios: Sequence[Scenario],
    parameter_sets: ParameterSets,
    executor: Executor | None = None,
    on_done: Callable[[], None] | None = None,
    floors: Mapping[str, float] = MATERIAL,
) -> UncertaintyResult:
    """Every scenario with every parameter set, `replications` each; a band per KPI and per
    difference from the first scenario, one within `floors` negligible (compare.verdict). All
    sets are applied and checked before any run."""
    aligned = common_random_numbers(scenarios)
    reps = aligned[0].replications
    own = [parameter_sets.own_keys(s, aligned[0]) for s in aligned]
    per_set = [
        [parameter_sets.apply(s, i, keep) for s, keep in zip(aligned, own)]
        for i in range(len(parameter_sets))
    ]
    tasks = []
    short_histories = 0  # sets whose history is too short: one warning for all
    for index, variants in enumerate(per_set):
        reference = variants[0]  # the sets' own store as it is today, shared by the scenarios
        histories = [past(scenario, reference, warn=False) for scenario in variants]
        short_histories += any(too_short(history) for history in histories)
        tasks += [(s, index * reps + j, reference) for s in variants for j in range(reps)]
    rows: list[dict] = [{}] * len(tasks)
    for index, metrics in (executor or LocalPool()).run(measure, tasks):
        scenario, replication, _ = tasks[index]
        rows[index] = {
            "scenario": scenario.name,
            "set": parameter_sets.labels[replication // reps],
            "replication": replication,  # of the root seed, as `run --reps` numbers them
            **metrics,
        }
        if on_done:
            on_done()
    replications = pd.DataFrame(rows, columns=["scenario", "set", "replication", *METRICS])
    blind = unmeasured_return_rate(per_set, parameter_sets.labels)
    table = without_return_rate(uncertainty_table(replications, floors), blind)
    for variants in per_set:
        table = without_unlike_windows(table, variants)
    short = return_rate_warnings(per_set, parameter_sets.labels)
    short += [text for variants in per_set if (text := window_warning(variants))][:1]
    lifetimes = replications[~replications["scenario"].isin(one_off(aligned))]
    names, every = without_lifetime(lifetimes["lifetime_days"], lifetimes["scenario"])
    if names:
        short.append(not_identified(", ".join(names), every))
    if short_histories:
        short.append(histories_too_short(short_histories, "parameter set"))
    warnings = few_sets_warning(len(parameter_sets)) + one_replication_warning(reps)
    warnings += list(dict.fromkeys(short)) + horizon_warnings(aligned) + cost_warnings(aligned)
    warnings += late_change_warnings(aligned)
    warnings += own_change_notes(aligned, own, parameter_sets.source)
    return UncertaintyResult(aligned, table, replications, parameter_sets.table(), warnings)


def unmeasured_return_rate(
    per_set: Sequence[Sequence[Scenario]], labels: Sequence[str]
) -> dict[str, list[str]]:
    """Per scenario (by its name in the first set), the labels of the parameter sets whose
    variant of it cannot measure the return rate (`return_rate_warning`: its measured days
    are not longer than its return window); only scenarios with such sets."""
    blind = {}
    for index, scenario in enumerate(per_set[0]):
        found = [label for label, variants in zip(labels, per_set) if _short(variants[index])]
        if found:
            blind[scenario.name] = found
    return blind


def _short(scenario: Scenario) -> bool:
    return return_rate_warning(scenario) is not None


def without_return_rate(table: pd.DataFrame, blind: dict[str, list[str]]) -> pd.DataFrame:
    """`table` (uncertainty.csv) with the return rate n/a (NaN; band and verdict as for no
    values) for each scenario of `blind` and for every difference that involves one: a mean
    and band over only the sets that can measure it would stand for all of them."""
    table = table.copy()
    first = table["scenario"].iloc[0]
    rate = table["metric"] == "return_rate"
    level = rate & table["scenario"].isin(blind)
    table.loc[level, ["mean", "ci_low", "ci_high", "param_share", "param_sd", "noise_sd"]] = np.nan
    table.loc[level, "band"] = ""
    diff = rate & (table["scenario"] != first) & (level | (first in blind))
    if diff.any():
        table.loc[diff, ["diff", "diff_ci_low", "diff_ci_high", "diff_param_share"]] = np.nan
        table.loc[diff, "verdict"] = verdict("return_rate", np.nan, np.nan)
    return table


def return_rate_warnings(per_set: Sequence[Sequence[Scenario]], labels: Sequence[str]) -> list[str]:
    """One warning per scenario whose return rate some parameter sets cannot measure, naming
    those sets (or every set, where their windows or horizons differ) and the scenario (unless
    all share the warning), each text once."""
    blind = unmeasured_return_rate(per_set, labels)
    sets = len(labels)
    found: dict[str, list[str]] = {}
    for index, scenario in enumerate(per_set[0]):
        if scenario.name not in blind:
            continue
        named = blind[scenario.name]
        first = per_set[labels.index(named[0])][index]
        texts = {return_rate_warning(variants[index]) for variants in per_set}
        if len(texts) == 1:  # every set alike: as a plain run says it
            text = str(return_rate_warning(first))
        elif len(named) == sets:
            text = f"every parameter set (e.g. set {named[0]}): {return_rate_warning(first)}"
        else:
            which = f"parameter set{'s' if len(named) > 1 else ''} {', '.join(named)} of {sets}"
            others = sets - len(named)
            text = (
                f"{which}: {return_rate_warning(first)}; so the return rate's mean and band are "
                f"n/a, not taken from the other {others} set{'s' if others > 1 else ''} alone"
            )
        found.setdefault(text, []).append(scenario.name)
    everyone = len(per_set[0])
    return [
        text if len(names) == everyone else f"{', '.join(names)}: {text}"
        for text, names in found.items()
    ]


def own_change_notes(
    scenarios: Sequence[Scenario], own: Sequence[Sequence[str]], source: str
) -> list[str]:
    """One line per scenario that keeps its own value of keys the sets vary."""
    return [
        f"{s.name} keeps its own {', '.join(f'{k}={value_at(s, k)}' for k in keys)} in every "
        f"set of {source}: the sets vary {'it' if len(keys) == 1 else 'them'} in "
        f"{scenarios[0].name} only"
        for s, keys in zip(scenarios, own)
        if keys
    ]


def few_sets_warning(sets: int, level: float = LEVEL) -> list[str]:
    """A warning when too few sets make the band wide."""
    if sets >= RECOMMENDED_SETS:
        return []
    t = t_quantile(level, sets - 1)
    return [
        f"only {sets} parameter sets: the band rests on t({sets - 1}) = {t:.2f} and is wide "
        f"(cut at each KPI's range); keep {RECOMMENDED_SETS} or more sets, "
        f"{ORDER_STATISTICS_SETS} or more for a band from the sets' own spread"
    ]


def one_replication_warning(reps: int) -> list[str]:
    """A warning when one replication per set leaves the band's split unknown: its `params`
    would read "-", as for a value that never varies."""
    if reps >= 2:
        return []
    return [
        "1 replication per parameter set: the band holds, but splitting it between the "
        "parameters and the simulation's noise (params; param_share, param_sd and noise_sd in "
        "uncertainty.csv) needs 2 replications or more"
    ]


def uncertainty_table(
    replications: pd.DataFrame, floors: Mapping[str, float] = MATERIAL
) -> pd.DataFrame:
    """uncertainty.csv from the per-replication metrics (columns scenario, set, replication:
    each set's own replications, in the same order for every scenario); a difference whose band
    excludes 0 but lies within `floors` is negligible (compare.verdict)."""
    names = list(dict.fromkeys(replications["scenario"]))
    replications = replications.sort_values("replication", kind="stable")
    draws = replications.assign(draw=replications.groupby(["scenario", "set"]).cumcount())
    grids = {name: draws[draws["scenario"] == name].set_index(["set", "draw"]) for name in names}
    reference = grids[names[0]]
    sets = list(dict.fromkeys(replications["set"]))
    rows = []
    for name in names:
        grid = grids[name]
        for metric in METRICS:
            values = grid[metric].unstack("draw").reindex(sets).to_numpy()
            b = band(values, bounds=metric_range(metric))
            row = {"scenario": name, "metric": metric, "mean": b["mean"], "ci_low": b["low"]}
            row |= {"ci_high": b["high"], "param_share": b["param_share"]}
            row |= {"param_sd": b["param_sd"], "noise_sd": b["noise_sd"]}
            row |= {"sets": len(sets), "reps": values.shape[1], "band": b["method"]}
            if name != names[0]:
                paired = (grid[metric] - reference[metric]).unstack("draw").reindex(sets)
                d = band(paired.to_numpy(), bounds=metric_range(metric, difference=True))
                row |= {"diff": d["mean"], "diff_ci_low": d["low"], "diff_ci_high": d["high"]}
                row["diff_param_share"] = d["param_share"]
                row |= judged(metric, d["low"], d["high"], floors)
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)
