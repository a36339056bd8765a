"""The bottom line of a comparison: per scenario, one sentence saying whether it is better or worse
than the first and in what, from the verdicts of comparison.csv.

Money counts once, as contribution: its parts (gross margin, wages, outage, recovery and fixed cost,
and their sum) are not counted as better or worse, so that a wage rise is not one worse metric three
times; nor is the customer base's lifetime margin (that gross margin over the customers' lifetime,
before costs), nor the one-off investment, a number the user sets: the sentence ends with it and its
payback instead. Where the contribution does not clearly differ, the sentence still says so, with
the parts that do (a plan that pays 1,500 PLN a day more in wages and earns it back is not free). A
clear change in visits per day is told beside the list it may explain, when that list holds a metric
that crowding may have moved (study.compare.crowding_explains; complaints a day only as far as the
visits explain them in proportion): a shorter wait "with 72 fewer visits a day" comes from shoppers
lost, not from a better checkout (while a loss of money "with 46 more visits a day" would wrongly
blame the shoppers). A clear difference too small to matter (the verdict `negligible`:
kpis.MATERIAL) is not counted either way; the sentence names it last, so that nothing clear goes
unsaid."""

from __future__ import annotations

import math

import pandas as pd

from journeysim.report.comparison import LABELS, signed, signed_interval
from journeysim.report.console import item_name, unit
from journeysim.simulation.kpis import SHARES
from journeysim.simulation.money import CONTRIBUTION_PARTS, SET
from journeysim.study.compare import (
    DILUTED,
    PROVISIONAL,
    SINGLE,
    crowding_explains,
    has_differences,
    how_it_moved,
    significant,
)
from journeysim.words import listed, plural, signed_number

# What a reader asks first; the other metrics follow in the table's order.
FIRST = (
    "return_rate",
    "nps",
    "contribution_per_day",
    "csat",
    "ces",
    "abandonment_rate",
    "mean_checkout_wait_min",
    "customer_value",
)
SHOWN = 3  # differences named per side; the rest are counted
PARTS = CONTRIBUTION_PARTS[:-1]  # the sum, cost, repeats wages, outage, recovery and fixed cost


def bottom_line(table: pd.DataFrame, moving: pd.DataFrame | None = None) -> list[str]:
    """One sentence per scenario after the first of a comparison table (comparison.csv), e.g.
    "outage is worse than baseline: return rate -1.80 points [-1.90, -1.70], ...; nothing is
    better"; for the scenarios of `moving` (whose difference in contribution or in customer
    lifetime is still moving: study.compare.moving), a last clause says how, and that the
    figures it bears on are provisional."""
    names = list(dict.fromkeys(table["scenario"]))
    still = pd.DataFrame(columns=["scenario", "metric"]) if moving is None else moving
    lines = []
    for name in names[1:]:
        rows = table[table["scenario"] == name]
        sentence = _sentence(rows, name, names[0])
        lines.append(_ending(sentence, rows, still[still["scenario"] == name]))
    return lines


def _ending(sentence: str, rows: pd.DataFrame, still: pd.DataFrame) -> str:
    """The sentence and its last clauses: for a change within the measured days, its payback
    note's own end as a clause ("; diluted: 14 of the 42 measured days precede its change on
    day 28"), as for a single outage ("; a single outage (day 25): contribution -4,032 PLN
    [-5,334, -2,688] in all ..."); for the differences `still` moving, how they moved (a
    payback note's own "(provisional)", the sentence's end, is left to that clause, which says
    it of the payback)."""
    if "contribution_per_day" in set(still["metric"]):
        sentence = sentence.removesuffix(PROVISIONAL)
    note = rows.loc[rows["metric"] == "payback_days", "note"]
    note = note.iloc[0] if len(note) and isinstance(note.iloc[0], str) else ""
    if DILUTED in note:
        end = note[note.index(DILUTED) :]
        sentence = sentence.removesuffix(end) + "; " + end.strip()[1:-1]
    if SINGLE in note:
        sentence += note[note.index(SINGLE) :]
    invested = rows.loc[rows["metric"] == "investment", "diff"]
    return sentence + provisional(still, payback=bool(len(invested) and invested.iloc[0] > 0))


# What a difference still moving is named, and what it leaves provisional, per metric (the
# contribution's payback only where the scenario invests more, so that it has one).
_MOVED = {
    "contribution_per_day": (
        "its contribution difference",
        "the yearly figures, at the measured days' mean,{} do not yet show where that difference "
        "settles",
    ),
    "lifetime_days": (
        "its customer lifetime difference",
        "the lifetime and the lifetime margin are not yet where they settle",
    ),
}
_BOTH = "the yearly figures,{} lifetime and lifetime margin are not yet where they settle"
_PAYBACK = {
    "contribution_per_day": " and the payback, after the run at their second half's rate,",
    "both": " payback,",
}


def provisional(still: pd.DataFrame, payback: bool = False) -> str:
    """The bottom line's last clause for a scenario's differences still moving (its rows of
    study.compare.moving: contribution per day, customer lifetime), or ""; `payback`: whether
    the scenario has one (it invests more than the first), which is then provisional too."""
    if still.empty:
        return ""
    moved = [
        f"{_MOVED[r.metric][0]} moved {how_it_moved(r.metric, r.first, r.second)}"
        for r in still.itertuples()
    ]
    which = still["metric"].iloc[0] if len(still) == 1 else "both"
    settles = _MOVED[which][1] if which in _MOVED else _BOTH
    return f"; provisional: {', and '.join(moved)}, so " + settles.format(
        _PAYBACK.get(which, "") if payback else ""
    )


def _sentence(rows: pd.DataFrame, name: str, reference: str) -> str:
    by_metric = rows.set_index("metric")
    if not has_differences(rows):  # one replication: no difference, nor its CI
        return (
            f"{name} cannot be judged against {reference}: no paired difference has a 95% CI, "
            "which takes 2 or more replications (--reps)"
        )
    if not rows["verdict"].isin(["better", "worse"]).any():
        if (rows["verdict"] == "negligible").any():
            head = f"{name} is no different from {reference} in anything that matters"
        else:
            head = f"{name} is no different from {reference}: every judged metric's 95% CI of a "
            head += "paired difference includes 0"
        money = _unclear_money(by_metric) if _moved_parts(by_metric) else ""
        return head + money + _negligible(rows) + _investment(by_metric)
    verdicts = _verdicts(rows, name, reference)
    return verdicts + _unclear_money(by_metric) + _negligible(rows) + _investment(by_metric)


def _verdicts(rows: pd.DataFrame, name: str, reference: str) -> str:
    rows = _in_order(rows)
    better = rows[rows["verdict"] == "better"]
    worse = rows[rows["verdict"] == "worse"]
    items = {"better": _items(better), "worse": _items(worse)}
    if explained := crowding_explains(rows):
        change = _volume(rows)
        side = "better" if change < 0 else "worse"  # where fewer or more shoppers put them
        fewer = f"with {abs(change):,.0f} {'fewer' if change < 0 else 'more'} visits a day"
        listed_side = better if side == "better" else worse
        named = [m for m in listed_side["metric"] if (name, m) in explained]
        if len(named) < len(listed_side):  # not all: say which ("and 1 more" may be another)
            fewer = f"{listed([item_name(m) for m in named])} {fewer}"
        items[side] += f" ({fewer})"
    if worse.empty:
        return f"{name} is better than {reference}: {items['better']}; nothing is worse"
    if better.empty:
        return f"{name} is worse than {reference}: {items['worse']}; nothing is better"
    money = rows.loc[rows["metric"] == "contribution_per_day", "verdict"]
    earns = {"better": "earns more", "worse": "earns less"}.get(money.iloc[0] if len(money) else "")
    if len(better) == len(worse):
        head = f"{name} is mixed against {reference} ({len(better)} better, {len(worse)} worse)"
        head += f" and {earns}" if earns else ""
    else:
        word = "better" if len(better) > len(worse) else "worse"
        head = (
            f"{name} is mostly {word} than {reference} ({len(better)} better, "
            f"{plural(len(worse), 'worse metric')})"
        )
        head += f" but {earns}" if earns and money.iloc[0] != word else ""
    words = ("better", "worse") if len(better) >= len(worse) else ("worse", "better")
    return f"{head}: {words[0]} {items[words[0]]}; {words[1]} {items[words[1]]}"


def _volume(rows: pd.DataFrame) -> float:
    """The difference in visits per day when its CI excludes 0, else 0: shorter queues and
    fewer complaints a day may come from fewer shoppers, and the sentence says how many."""
    visits = rows[rows["metric"] == "visits_per_day"]
    if visits.empty or not significant(visits["significant"].iloc[0]):
        return 0.0
    return float(visits["diff"].iloc[0])


def _unclear_money(rows: pd.DataFrame) -> str:
    """ "; contribution no different: ..." (written as the table writes it) with the money
    parts that clearly moved, when the contribution's CI includes 0; "" otherwise. `rows` are
    one scenario's, indexed by metric."""
    if rows["verdict"].get("contribution_per_day") != "no_difference":
        return ""
    c = rows.loc["contribution_per_day"]
    diff, low, high = (
        signed("contribution_per_day", c[key], like=c["diff"])
        for key in ("diff", "diff_ci_low", "diff_ci_high")
    )
    parts = _moved_parts(rows)
    # The parts named need not add up to the contribution: say so where others moved unclearly.
    rest = len(parts) < sum(rows.at[m, "diff"] != 0 for m in PARTS if m in rows.index)
    return f"; contribution no different: {diff} PLN a day [{low}, {high}]" + (
        f" ({', '.join(parts)} PLN a day{'; other parts unclear' if rest else ''})" if parts else ""
    )


def _moved_parts(rows: pd.DataFrame) -> list[str]:
    """The contribution's parts that clearly moved, as "wages +30": their CI excludes 0, or,
    set by the scenario (SET), they differ. `rows` are one scenario's, indexed by metric."""
    return [
        f"{item_name(metric)} {signed(metric, rows.at[metric, 'diff'])}"
        for metric in PARTS
        if metric in rows.index
        and (
            significant(rows.at[metric, "significant"])
            or (metric in SET and rows.at[metric, "diff"] != 0)
        )
    ]


def _negligible(rows: pd.DataFrame) -> str:
    """ "; negligible: CES +0.006 [+0.002, +0.009]" for the differences whose CI excludes 0 but
    lies within what matters (kpis.MATERIAL), in the order of FIRST; "" where there are none."""
    small = _in_order(rows[rows["verdict"] == "negligible"])
    return f"; negligible: {_items(small)}" if len(small) else ""


def _in_order(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with the metrics of FIRST first, then the rest in the table's order."""
    order = {metric: i for i, metric in enumerate(dict.fromkeys([*FIRST, *rows["metric"]]))}
    return rows.assign(order=rows["metric"].map(order)).sort_values("order", kind="stable")


def _investment(rows: pd.DataFrame) -> str:
    """ "; 4,500 PLN more invested: never pays back ..." (the payback note) when the scenario
    invests more or less than the first; "" otherwise. `rows` are one scenario's, indexed by
    metric."""
    extra = rows["diff"].get("investment", 0.0)
    if not extra or "payback_days" not in rows.index:  # none, or a table without money
        return ""
    note = rows.at["payback_days", "note"]
    return f"; {extra:,.0f} PLN more invested: {note}" if extra > 0 else f"; {note}"


def _items(rows: pd.DataFrame) -> str:
    items = [_item(row) for _, row in rows.head(SHOWN).iterrows()]
    if len(rows) > SHOWN:
        items.append(f"and {len(rows) - SHOWN} more")
    return ", ".join(items)


def _item(row: pd.Series) -> str:
    """`name difference unit [CI]` in words: shares in points, money per day also per year,
    the rest in the unit of its label (`unit`: min, stars, ...)."""
    metric = row["metric"]
    money = "(PLN)" in LABELS.get(metric, (metric,))[0]
    per_day = money and metric.endswith("_per_day")
    name = item_name(metric)
    low, high = row["diff_ci_low"], row["diff_ci_high"]
    if metric in SHARES:
        values = [signed_number(100.0 * v, 2) for v in (row["diff"], low, high)]  # as the table
        return f"{name} {values[0]} points [{values[1]}, {values[2]}]"
    if money:
        places = 2 if abs(row["diff"]) < 10 else 0  # not "wages -0 PLN a day [-1, -0]"
        values = [signed_number(v, places) for v in (row["diff"], low, high)]
        text = f"{name} {values[0]} {unit(metric)} [{values[1]}, {values[2]}]"  # PLN (a day)
        per_year = row["diff_per_year"] if per_day else math.nan  # none for a single outage
        yearly = "" if math.isnan(per_year) else f" ({signed_number(per_year, 0)} PLN a year)"
        return text + yearly
    return f"{name} {signed_interval(metric, row['diff'], low, high, unit(metric))}"
