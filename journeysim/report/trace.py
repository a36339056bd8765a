"""Trace stories: one customer's visits told step by step in plain language.

Works on a traced `Replication` (`Simulation(scenario, replication, trace=True).run()`).
Every function returns text; the `trace` command prints it.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Collection
from typing import NamedTuple

import numpy as np
import pandas as pd

from journeysim.clock import clock, end_clock, minutes_between
from journeysim.journey.shopper import Step
from journeysim.loyalty.relationship import return_chance, share_of_wallet
from journeysim.psyche.kinds import IN_STORE
from journeysim.psyche.memory import remembered_score, settled_share
from journeysim.report.console import render
from journeysim.report.monitor import down_intervals
from journeysim.scenario.schema import TOUCHPOINT_KINDS, Scenario
from journeysim.simulation.replication import Replication
from journeysim.words import plural, with_article
from journeysim.world.checkout import terminal_name

PICKS = ("worst", "best", "hurt", "helped", "outage", "regular", "lane")
CHANGED = ("hurt", "helped")  # picks that need a store told against
# Per pick that can find nothing: whether a scenario has what it looks for, and a shipped one
# that has.
PICK_NEEDS = {
    "outage": (lambda s: bool(s.payment.outages), "scenarios/terminal_outage.yaml"),
    "regular": (lambda s: bool(s.staff.turnover), "scenarios/staff_turnover.yaml"),
    "lane": (lambda s: s.checkout.policy.active, "scenarios/staffing/one_in_front.yaml"),
}
# How to read a visit's steps: "floor clean -0.13" puzzled a trainer.
READING = textwrap.fill(
    "(felt: each touchpoint against what this customer expects of it there, so a floor that "
    "looks clean but less so than they are used to feels bad; mood after: where it leaves the "
    "mood, which fades back to the day's mood between touchpoints)",
    width=100,
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # day 0 is a Monday
MOODS = (  # upper bound of valence -> word
    (-0.6, "upset"),
    (-0.25, "annoyed"),
    (-0.05, "a bit low"),
    (0.05, "neutral"),
    (0.25, "content"),
    (0.6, "pleased"),
    (math.inf, "delighted"),
)
_IN_STORE_NAMES = frozenset(TOUCHPOINT_KINDS[kind] for kind in IN_STORE)
WHAT = 58  # characters of the step table's "what happened" column (longer text wraps)
# Where an outcome line's text starts: after its 16-character label or a reasons line's "= ".
_OUTCOME_TEXT = re.compile(r" {18}= | {2}[A-Z][a-z ]{14} (?=\S)")
FULL_STORIES = 6  # a customer with more visits gets the first, worst and last told in full


def span(start: float, end: float) -> str:
    """HH:MM-HH:MM of a window (see `end_clock`)."""
    return f"{clock(start)}-{end_clock(end)}"


def day_label(day: int) -> str:
    return f"day {day} ({WEEKDAYS[day % 7]})"


def mood_word(valence: float) -> str:
    """The word of `valence` as the stories show it, to two decimals: +0.25 is "content"
    whether it was 0.2496 or 0.2504 (the second read "+0.25 pleased")."""
    shown = round(valence, 2)
    return next(word for bound, word in MOODS if shown <= bound)


def nps_group(ltr: int) -> str:
    return "promoter" if ltr >= 9 else ("passive" if ltr >= 7 else "detractor")


def pick_visits(rep: Replication, pick: str, paired: pd.Index | None = None) -> list[int]:
    """Ids of telling visits: the worst or best remembered one (of those in `paired`, the ids
    of visits with a pair in a store told against, when any is); of the visits that met a
    terminal outage, one with no cash to fall back on and the longest shopping list (the worst
    remembered of those); a regular's last visit to a staff member who left and the first
    visit to a staffed lane after the departure; or the visit that found the longest queue
    while the policy opened a lane. All but the regular's come from the measured days, as the
    KPIs do (from the warm-up when it alone has one). `rep` has visits (`tell` says why when it
    has none)."""
    if pick in ("worst", "best"):
        visits = _measured_first(rep.visits)
        if paired is not None and visits["visit_id"].isin(paired).any():
            visits = visits[visits["visit_id"].isin(paired)]
        column = visits["remembered"]
        row = column.idxmin() if pick == "worst" else column.idxmax()
        return [int(visits.loc[row, "visit_id"])]
    if pick == "outage":
        return outage_candidates(rep)[:1]
    if pick == "regular":
        return _regular_before_and_after(rep)
    if pick == "lane":
        return [_lane_opened_while_waiting(rep)]
    raise ValueError(f"--pick must be one of {', '.join(PICKS)}, not {pick!r}")


def outage_candidates(rep: Replication) -> list[int]:
    """Ids of the visits that met a terminal outage (of the measured days, else the warm-up's),
    those with no cash to fall back on first, then by longer shopping list, then by worse
    remembered."""
    met = _measured_first(rep.visits[rep.visits["met_outage"]])
    if met.empty:
        raise LookupError("no visit met a terminal outage")
    ranked = met.sort_values(
        ["has_cash", "planned_items", "remembered"], ascending=[True, False, True], kind="stable"
    )
    return [int(visit) for visit in ranked["visit_id"]]


class Traced(NamedTuple):
    """A traced replication of a scenario, with the names of its staff by id."""

    rep: Replication
    scenario: Scenario
    staff: dict[int, str]


def most_changed(rep: Replication, other: Replication, same: pd.Series, pick: str) -> int:
    """The visit of `rep` (of the measured days, else the warm-up's) remembered most below
    ("hurt") or above ("helped") the same visit in `other` (`same`: `same_visits`).
    LookupError when none pairs, or none differs that way."""
    visits = _measured_first(rep.visits[rep.visits["visit_id"].isin(same.index)])
    if visits.empty:
        raise LookupError("no visit has a pair in the store it is told against")
    there = other.visits.set_index("visit_id")["remembered"]
    change = visits["remembered"].to_numpy() - there.loc[same[visits["visit_id"]]].to_numpy()
    most = int(np.argmin(change) if pick == "hurt" else np.argmax(change))
    if (change[most] >= 0.0) if pick == "hurt" else (change[most] <= 0.0):
        worse = "worse" if pick == "hurt" else "better"
        raise LookupError(f"no visit is remembered {worse} than the same visit there")
    return int(visits["visit_id"].iloc[most])


def worse_off(candidates: list[int], rep: Replication, other: Replication, same: pd.Series) -> int:
    """The first of the `candidates` (visit ids of `rep`) after which the customer switched to
    the competitor here but not after the same visit in `other` (`same`: `same_visits`); else
    the first that left a weaker relationship than there (as the two read, to 0.01); else the
    first."""
    here = rep.visits.set_index("visit_id")
    there = other.visits.set_index("visit_id")
    weaker = []
    for visit in (visit for visit in candidates if visit in same.index):
        mine, theirs = here.loc[visit], there.loc[same[visit]]
        if mine["switched_store"] and not theirs["switched_store"]:
            return visit
        if round(mine["strength_after"], 2) < round(theirs["strength_after"], 2):
            weaker.append(visit)
    return (weaker or candidates)[0]


def told_against(against: Traced, same: pd.Series, row: pd.Series, name: str) -> str:
    """The same visit as `row` (of the scenario `name`) in `against` (`same`: `same_visits`),
    told in full, or why it is not there."""
    visit = int(row["visit_id"])
    title = f"The same visit in {against.scenario.name}"
    if visit not in same.index:
        return textwrap.fill(
            f"{title}: none to pair with it. The customer's visits up to this one went "
            f"otherwise in {against.scenario.name} than in {name}, or this is their second "
            "visit of the day (only a day's first visits are paired).",
            width=100,
        )
    there = against.rep.visits
    other = there[there["visit_id"] == same[visit]].iloc[0]
    outages = down_intervals(against.rep.terminal_log, against.scenario.total_days * 1440.0)
    return tell_visit(
        other,
        against.rep.traces.get(int(other["visit_id"]), []),
        against.scenario,
        outages,
        f"{title}, the same customer with the same draws of chance",
        against.rep.lanes_log,
        against.staff,
    )


def by_trip(visits: pd.DataFrame) -> pd.DataFrame:
    """Each customer's first visit of each day, with "trip": how many visits they made before
    it (from day 0, after a history two runs share): a visit is the same customer's same
    visit in another run of the same history when customer, day and trip agree."""
    visits = visits.sort_values("visit_id")
    visits = visits.assign(trip=visits.groupby("customer_id").cumcount())
    return visits.drop_duplicates(["customer_id", "day"])


def same_visits(here: pd.DataFrame, there: pd.DataFrame) -> pd.Series:
    """The id of each visit of `here` (by visit id) that is the same visit in `there`."""
    key = ["customer_id", "day", "trip"]
    pairs = by_trip(here)[[*key, "visit_id"]].merge(
        by_trip(there)[[*key, "visit_id"]], on=key, suffixes=("", "_there")
    )
    return pairs.set_index("visit_id")["visit_id_there"]


def _measured_first(visits: pd.DataFrame) -> pd.DataFrame:
    """The `visits` of the measured days, or the warm-up's when there are none."""
    measured = visits[~visits["warmup"]]
    return measured if len(measured) else visits


def _regular_before_and_after(rep: Replication) -> list[int]:
    """The most familiar regular of a departed staff member: their last visit served by the
    leaver and their first visit served by the newcomer (else at any staffed lane) after."""
    visits = rep.visits
    best: tuple[bool, float, int, int] | None = None
    for leave in rep.turnover_log.itertuples():
        mine = visits[visits["customer_id"].isin(leave.regulars)]
        served = mine[(mine["day"] < leave.day) & (mine["cashier_id"] == leave.leaver_id)]
        later = mine[(mine["day"] >= leave.day) & (mine["cashier_id"] >= 0)]
        for customer, before in served.groupby("customer_id"):
            after = later[later["customer_id"] == customer]
            if after.empty:
                continue
            newcomer = after[after["cashier_id"] == leave.newcomer_id]
            met = not newcomer.empty
            last = before.iloc[-1]
            score = (met, last["cashier_familiarity"])
            if best is None or score > best[:2]:
                first_after = (newcomer if met else after).iloc[0]
                best = (*score, int(last["visit_id"]), int(first_after["visit_id"]))
    if best is None:
        raise LookupError("no regular of a departed staff member came back in these days")
    return [best[2], best[3]]


def _lane_opened_while_waiting(rep: Replication) -> int:
    """The visit that found the longest queue among the served shoppers who queued and during
    whose time at the checkout (from joining the queue to leaving, the window `lane_changes`
    tells) the policy opened a lane, of the measured days when they have one (`_measured_first`);
    the first such visit when several found as long a queue."""
    visits = rep.visits
    log = rep.lanes_log
    called = log[(log["event"] == "opened") & (log["reason"] == "policy")]["time"].to_numpy()
    if called.size:
        day_start = visits["day"].to_numpy() * 1440.0
        # A served shopper's first checkout step is the start of service, after the queue.
        reached = day_start + (visits["service_start_min"] - visits["queue_time_min"]).to_numpy()
        end = day_start + (visits["arrival_min"] + visits["duration_min"]).to_numpy()
        first = np.searchsorted(called, reached)  # (NaN, for the unserved, sorts last)
        during = (first < called.size) & (called[np.minimum(first, called.size - 1)] <= end)
        waited = _measured_first(visits[during & (visits["queue_seen"] > 0).to_numpy()])
        if not waited.empty:
            return int(waited.loc[waited["queue_seen"].idxmax(), "visit_id"])
    raise LookupError("no shopper queued while the policy opened a lane")


# What each pick of the measured days looks for, as "no visit of the measured days ..."
# completes it (a regular's story spans the departure, whenever that was).
_SOUGHT = {
    "worst": "was made",
    "best": "was made",
    "hurt": "was made",
    "helped": "was made",
    "outage": "met a terminal outage",
    "lane": "queued while the policy opened a lane",
}


def warm_up_note(pick: str, scenario: Scenario) -> str:
    """Why a picked visit comes from the warm-up, which the KPIs leave out."""
    first = scenario.horizon.warmup_days
    return textwrap.fill(
        f"(No visit of the measured days, from {day_label(first)} on, {_SOUGHT[pick]}: this "
        f"one is from the {plural(first, 'warm-up day')}, which the KPIs leave out; try more "
        "--days.)",
        width=100,
    )


def pick_hint(pick: str, scenario: Scenario) -> str:
    """What to try when `pick` found nothing: more --days where the scenario has what it looks
    for, else also the shipped scenario that has (it was suggested to that one itself)."""
    if pick not in PICK_NEEDS:
        return "try more --days"
    has, example = PICK_NEEDS[pick]
    return "try more --days" if has(scenario) else f"try {example} or more --days"


def no_visits(rep: Replication, scenario: Scenario) -> str:
    """Why a replication without visits had none, and what would change that: a store that
    has nobody left to come (no customer still shopping here and no newcomers) cannot be
    helped by more days; otherwise the horizon was too short."""
    arrivals = scenario.arrivals
    nobody = (
        arrivals.mode == "customer_base"
        and arrivals.new_per_day == 0
        and not rep.customers["active"].any()
    )
    if nobody and arrivals.base_customers == 0:
        return (
            "no visits: the store has no customers (arrivals.base_customers and "
            "arrivals.new_per_day are 0), so more --days cannot help; set either above 0"
        )
    if nobody:
        return (
            f"no visits: none of the store's {arrivals.base_customers} customers "
            f"(arrivals.base_customers) still shops here and arrivals.new_per_day is 0, so "
            f"more --days cannot help; set arrivals.new_per_day above 0"
        )
    return (
        f"no visits were simulated in {plural(scenario.total_days, 'day')} "
        f"(warm-up included); try more --days"
    )


def example_visit(
    visits: pd.DataFrame,
    first_day: int,
    changed_day: int | None = None,
    newcomers: Collection[int] = (),
) -> int:
    """A telling visit of the measured days (from `first_day` on) that needs a short replay,
    of the earliest such day on which shoppers met a terminal outage or, from `changed_day`
    on (a scheduled departure's, from which the store differs), that has visits, else of the
    first such day that has visits: the worst visit that met the outage, else the worst served
    by one of `newcomers` (the staff ids who took the departures' posts), else the worst of the
    day. LookupError when there is none. Warm-up visits are never picked: the report is about
    the measured days."""
    days = visits["day"].to_numpy()  # masks, not copies of the visits (a million, say)
    measured = days >= first_day
    if not measured.any():
        raise LookupError(f"no visits from day {first_day} on")
    telling = measured & visits["met_outage"].to_numpy()
    if changed_day is not None:
        telling |= days >= max(changed_day, first_day)
    day = days[telling].min() if telling.any() else days[measured].min()
    candidates = _telling_first(visits[days == day], newcomers)
    return int(candidates.loc[candidates["remembered"].idxmin(), "visit_id"])


def _telling_first(candidates: pd.DataFrame, newcomers: Collection[int]) -> pd.DataFrame:
    """The `candidates` that met an outage, else those served by one of `newcomers`, else all."""
    met = candidates[candidates["met_outage"]]
    if met.empty and newcomers:
        met = candidates[candidates["cashier_id"].isin(list(newcomers))]
    return met if not met.empty else candidates


def tell(
    rep: Replication,
    scenario: Scenario,
    *,
    customer: int | None = None,
    visit: int | None = None,
    pick: str | None = None,
    staff: dict[int, str] | None = None,
    against: Traced | None = None,
) -> str:
    """The story of one customer: given by id, by one of their visits, or picked
    (default: the worst remembered visit); picked or given visits are told in full, each
    followed by the same visit in `against`, a traced run of the scenario whose history `rep`
    started from (as compare runs them); the outage `pick` then prefers a visit that left
    the customer worse off than the same visit did there.
    `staff` maps staff ids to names (`{m.id: m.name for m in sim.store.roster.members}`).
    LookupError when there is nothing to tell, saying why (`no_visits` when `rep` has none)."""
    visits = rep.visits
    if visits.empty:
        raise LookupError(no_visits(rep, scenario))
    picked = (pick or "worst") if visit is None and customer is None else ""
    same = None if against is None else same_visits(visits, against.rep.visits)
    if visit is not None:
        focus = [visit]
    elif customer is None:
        try:
            if picked in CHANGED:
                if against is None or same is None:
                    raise ValueError(f"--pick {picked} needs --against FIRST.yaml")
                focus = [most_changed(rep, against.rep, same, picked)]
            elif picked == "outage" and against is not None:
                focus = [worse_off(outage_candidates(rep), rep, against.rep, same)]
            else:
                focus = pick_visits(rep, picked, None if same is None else same.index)
        except LookupError as error:
            raise LookupError(f"{error}; {pick_hint(picked, scenario)}") from None
    else:
        focus = []
    if focus:
        rows = visits[visits["visit_id"] == focus[0]]
        if rows.empty:
            raise LookupError(f"no visit {focus[0]}; visit ids run from 1 to {len(visits)}")
        customer = int(rows.iloc[0]["customer_id"])
    mine = visits[visits["customer_id"] == customer].sort_values("visit_id")
    if mine.empty:
        raise LookupError(f"customer {customer} made no visit in these days")
    if not focus:
        ids = mine["visit_id"]
        focus = (
            list(ids)
            if len(mine) <= FULL_STORIES
            else [ids.iloc[0], mine.loc[mine["remembered"].idxmin(), "visit_id"], ids.iloc[-1]]
        )
    parts = [f"{textwrap.fill(customer_header(mine, scenario), width=100)}\n{READING}"]
    if picked in _SOUGHT and visits.loc[visits["visit_id"] == focus[0], "warmup"].all():
        parts.insert(0, warm_up_note(picked, scenario))
    if len(mine) > 1:
        parts.append(history(mine, rep.traces, staff or {}))
    parts.extend(departures(rep.turnover_log, customer, staff or {}))
    outages = down_intervals(rep.terminal_log, scenario.total_days * 1440.0)
    for number, (_, row) in enumerate(mine.iterrows(), start=1):
        if row["visit_id"] in focus:
            steps = rep.traces.get(int(row["visit_id"]), [])
            label = f"Visit {number} of {len(mine)}"
            parts.append(
                tell_visit(row, steps, scenario, outages, label, rep.lanes_log, staff or {})
            )
            if against is not None:
                parts.append(told_against(against, same, row, scenario.name))
    untold = len(mine) - len(set(focus))
    if untold:
        parts.append(
            f"({plural(untold, 'more visit')} not told in full; "
            f"use --visit ID with an id from the table above)"
        )
    return "\n\n".join(parts) + "\n"


def customer_header(mine: pd.DataFrame, scenario: Scenario) -> str:
    first, last = int(mine["day"].iloc[0]), int(mine["day"].iloc[-1])
    when = (
        f"1 visit on {day_label(first)}"
        if len(mine) == 1
        else f"{len(mine)} visits, {day_label(first)} to {day_label(last)}"
    )
    shopper = with_article(f"{mine['segment'].iloc[0].replace('_', ' ')} shopper")
    return f"Customer {int(mine['customer_id'].iloc[0])}, {shopper} of {scenario.name}: {when}."


def staff_name(staff: dict[int, str], staff_id: int) -> str:
    return staff.get(staff_id, f"staff #{staff_id + 1}")  # numbered as the roster names them


def departures(turnover_log: pd.DataFrame, customer: int, staff: dict[int, str]) -> list[str]:
    """Staff members this customer knew well who left, and who took over."""
    return [
        textwrap.fill(
            f"On {day_label(leave.day)} {staff_name(staff, leave.leaver_id)}, whom this customer "
            f"knew, left; {staff_name(staff, leave.newcomer_id)} took over the post and the "
            f"customer lost some trust.",
            width=100,
        )
        for leave in turnover_log.itertuples()
        if customer in leave.regulars
    ]


def history(mine: pd.DataFrame, traces: dict[int, list[Step]], staff: dict[int, str]) -> str:
    """One line per visit: how the memory, the relationship, expectations and rapport moved."""
    rows = []
    for row in mine.itertuples():
        familiar = (
            f"{staff_name(staff, row.cashier_id)} ({row.cashier_familiarity:z.2f})"
            if row.cashier_id >= 0
            else "-"
        )
        rows.append(
            [
                str(row.visit_id),
                f"{day_label(row.day)} {clock(row.arrival_min)}",
                f"{row.expectation:+z.2f}",
                f"{row.remembered:+z.2f}",
                f"{row.ces:.1f}",
                f"{row.csat:.1f}",
                f"{row.strength_before:z.2f}->{row.strength_after:z.2f}",
                "0% (left)" if row.switched_store else f"{row.return_chance:.0%}",
                str(row.ltr),
                familiar,
            ]
        )
    table = render(
        rows,
        [
            "visit",
            "when",
            "expects",
            "remembered",
            "CES",
            "CSAT",
            "relationship",
            "return chance",
            "LTR",
            "cashier (familiarity)",
        ],
    )
    lines = [
        textwrap.fill(
            "How the relationship developed (expects: mean expectation over the visit's "
            "touchpoints; LTR: likelihood to recommend, 0..10; familiarity 0 = stranger .. 1 = "
            "'the usual?')",
            width=100,
        ),
        table,
    ]
    moved = expectation_changes(
        [traces[v] for v in mine["visit_id"] if int(v) in traces and traces[int(v)]]
    )
    if moved:
        lines.append(
            textwrap.fill(
                "What this customer has come to expect, first visit -> last visit: " + moved,
                width=100,
            )
        )
    return "\n".join(lines)


def expectation_changes(stories: list[list[Step]], threshold: float = 0.02) -> str:
    """Expectations whose level moved by more than `threshold` over the visits (in-store kinds
    zone by zone, as they are expected: psyche/kinds.py)."""
    if len(stories) < 2:
        return ""
    first = {_expected(step): step.expectation for step in reversed(stories[0])}
    last = {_expected(step): step.expectation for step in stories[-1]}
    moved = [
        f"{what} {first[what]:+z.2f} -> {last[what]:+z.2f}"
        for what in first
        if what in last and abs(last[what] - first[what]) > threshold
    ]
    return ", ".join(moved)


def _expected(step: Step) -> str:
    """What a step's expectation is of, in words: its kind ("checkout wait"), and for an
    in-store kind its zone."""
    kind = step.kind.replace("_", " ")
    return f"{kind} in {step.place}" if step.kind in _IN_STORE_NAMES else kind


def tell_visit(
    row: pd.Series,
    steps: list[Step],
    scenario: Scenario,
    outages: pd.DataFrame,
    label: str = "Visit 1 of 1",
    lanes: pd.DataFrame | None = None,
    staff: dict[int, str] | None = None,
) -> str:
    """One visit step by step under its `label`, with the lanes that opened or closed while the
    shopper was at the checkout (from `lanes`, the lane log), then what the customer took
    home."""
    heading, *down = visit_heading(row, scenario, outages, label)
    columns = f"  {'time':5}  {'place':15}  {'what happened':{WHAT}}  felt   effort  mood after"
    lines = [textwrap.fill(heading, width=len(columns)), *(f"  {line}" for line in down), ""]
    lines.append(columns)
    told = [
        (step.time, step_row(step.time, step.place, step.what, "{}  {:>6}  {}".format(*numbers)))
        for step, numbers in zip(steps, step_numbers(steps))
    ]
    for time, what in lane_changes(row, steps, lanes, staff or {}):
        told.append((time, step_row(time, "checkout", what)))
    lines.extend(line for _, line in sorted(told, key=lambda pair: pair[0]))
    lines.append("")
    lines.extend(outcome_line(line) for line in outcome(row, scenario, steps))
    return "\n".join(lines)


def outcome_line(line: str) -> str:
    """An outcome line wrapped at 100 characters, its further lines under its text (an
    event's under the event)."""
    text = _OUTCOME_TEXT.match(line)
    hang = " " * (text.end() if text else 2)
    return textwrap.fill(line, width=100, subsequent_indent=hang, break_on_hyphens=False)


def step_numbers(steps: list[Step]) -> list[tuple[str, str, str]]:
    """Each step's felt, effort and mood after, as the step table prints them (and the replay's
    side panel shows them). An effort is printed as the running total to 0.1 less the one
    before it, within 0.1 of its own, so that the column adds up to the visit's effort as the
    outcome prints it (a trainer added 12.8 under "Effort 12.7")."""
    numbers, total, shown = [], 0.0, 0.0
    for step in steps:
        total += step.effort
        rounded = round(total, 1)
        effort, shown = rounded - shown, rounded
        mood = f"{step.valence:+z.2f} {mood_word(step.valence)}"
        numbers.append((f"{step.felt:+z.2f}", f"{effort:z.1f}", mood))
    return numbers


def step_row(time: float, place: str, what: str, numbers: str = "") -> str:
    """A line of the step table; what happened wraps onto further lines of its column."""
    first, *more = textwrap.wrap(what, WHAT) or [""]
    row = f"  {clock(time):5}  {place[:15]:15}  {first:{WHAT}}  {numbers}".rstrip()
    return "\n".join([row, *(f"  {'':5}  {'':15}  {line}" for line in more)])


def lane_changes(
    row: pd.Series, steps: list[Step], lanes: pd.DataFrame | None, staff: dict[int, str]
) -> list[tuple[float, str]]:
    """Lanes that opened or closed from the shopper's reaching the checkout to the end of the
    visit, in words ("a stocker opens lane 4 (stocker #7): queue too long")."""
    at_checkout = [step for step in steps if step.place == "checkout"]
    if lanes is None or lanes.empty or not at_checkout:
        return []
    queued = row["queue_time_min"]
    reached = at_checkout[0].time - (0.0 if math.isnan(queued) else queued)
    end = row["day"] * 1440.0 + row["arrival_min"] + row["duration_min"]
    during = lanes[(lanes["time"] >= reached) & (lanes["time"] <= end)]
    told = []
    for change in during.itertuples(index=False):
        role = change.role.replace("_", " ")
        if change.event == "opened":
            who = f"a {role} opens lane {change.lane} ({staff_name(staff, change.staff_id)})"
            what = f"{who}: queue too long" if change.reason == "policy" else f"{who}, as planned"
        elif change.reason == "policy":
            what = f"lane {change.lane} closes; the {role} goes back to the floor"
        else:
            what = f"lane {change.lane} closes, as planned"
        told.append((float(change.time), what))
    return told


def visit_heading(
    row: pd.Series, scenario: Scenario, outages: pd.DataFrame, label: str
) -> list[str]:
    """The visit's `label`, id, day, times, basket and wallet, then a warning line if card
    terminals (of `outages`, as `down_intervals` gives them) were down during it, saying so
    when the shopper did not try to pay at one (paid before or at another till, or left,
    perhaps from a queue a dead terminal held up)."""
    start = row["day"] * 1440.0 + row["arrival_min"]
    end = start + row["duration_min"]
    wallet = "cash in the wallet" if row["has_cash"] else "no cash, card only"
    minutes = minutes_between(start, end)
    lines = [
        f"{label} (visit id {int(row['visit_id'])}), {day_label(int(row['day']))}, "
        f"{clock(start)} to {clock(end)} ({minutes} min); "
        f"{plural(int(row['planned_items']), 'item')} planned, {wallet}"
    ]
    down = outages[(outages["start"] < end) & (outages["end"] > start)]
    if not down.empty:
        first = down.sort_values("start").iloc[0]
        lines.append(
            f"! {terminals_down(set(down['terminal']), scenario)} during this visit "
            f"({first['cause'] or 'down'} from {clock(first['start'])} to {clock(first['end'])})"
            + ("" if row["met_outage"] else "; this shopper did not try to pay at a dead terminal")
        )
    return lines


def terminals_down(names: set[str], scenario: Scenario) -> str:
    """`All 5 card terminals down`, or the ones down in till order (`Card terminal 2 down`)."""
    tills = scenario.checkout.cashiers + scenario.checkout.self_checkouts
    ordered = [terminal_name(i) for i in range(tills) if terminal_name(i) in names]
    if len(ordered) == tills > 1:
        return f"All {tills} card terminals down"
    return f"Card {', '.join(ordered)} down"


def outcome(row: pd.Series, scenario: Scenario, steps: list[Step] | None = None) -> list[str]:
    """The remembered score and why, effort, satisfaction and the three loyalty outputs."""
    loyalty = scenario.loyalty
    segment = scenario.segments[row["segment"]]
    before = row["strength_before"]
    ltr = int(row["ltr"])
    after_visit = " after the store's answer" if steps and steps[-1].kind == "after_visit" else ""
    window = f"another visit within {loyalty.return_window_days:g} days"
    chance_before = f"{return_chance(before, segment, loyalty):.0%}"
    wallet_before = f"{share_of_wallet(before, segment.competitor_pull, loyalty):.0%}"
    if row["switched_store"]:
        chance = (
            f"{chance_before} -> 0%: switched to the competitor for good (had they stayed, "
            f"{row['return_chance']:.0%} for {window})"
        )
        wallet = f"{wallet_before} -> 0% (had they stayed, {row['share_of_wallet']:.0%})"
    else:
        chance = f"{chance_before} -> {row['return_chance']:.0%} ({window})"
        wallet = f"{wallet_before} -> {row['share_of_wallet']:.0%}"
    lines = [
        f"  Remembered      {row['remembered']:+z.2f}  (peak {row['peak']:+z.2f}, end "
        f"{row['end']:+z.2f}{after_visit}: memory keeps the peak and end, hardly the length)",
        *memory_reasons(row, scenario),
        f"  Effort          {row['effort']:.1f} units -> CES {row['ces']:.1f} of 7 (1 = very easy)",
        f"  Satisfaction    CSAT {row['csat']:.1f} of 5",
        f"  Relationship    {before:z.2f} -> {row['strength_after']:z.2f} "
        f"({round(row['strength_after'], 2) - round(before, 2):+z.2f})",  # as the two read
        f"  Return chance   {chance}",
        f"  Share of wallet {wallet}",
        f"  Recommend       {ltr} of 10 ({nps_group(ltr)})",
    ]
    lines.extend(f"  {event}" for event in _events(row))
    return lines


def memory_reasons(row: pd.Series, scenario: Scenario) -> list[str]:
    """Why the remembered score differs from the peak-end mix of the printed peak and end:
    a complaint's recovery or a follow-up that softened the peak, the visit's length (when
    memory weighs it) and misremembering. The terms, as printed, add up to the remembered score
    as printed (misremembering takes what rounding the others leaves); empty when it is the
    mix."""
    psyche = scenario.psyche
    peak_w, end_w, length_w = psyche.peak_weight, psyche.end_weight, psyche.duration_weight
    peak, end, minutes = row["peak"], row["end"], row["duration_min"]
    mix = (peak_w * peak + end_w * end) / (peak_w + end_w)
    answer = row["recovery_quality"]  # a complaint's recovery or a follow-up; NaN settles none
    softened = peak * (1.0 - settled_share(answer, scenario.after_visit.recovery_closure))
    if abs(row["remembered"] - mix) < 0.005 and softened == peak:
        return []
    formula = (
        "(peak + end) / 2"
        if peak_w == end_w
        else f"({peak_w:g} x peak + {end_w:g} x end) / {peak_w + end_w:g}"
    )
    terms = {formula: mix}
    if softened != peak:
        answered = "recovery" if row["complained"] else "follow-up"
        terms[f"{answered} (peak softened to {softened:+z.2f})"] = (
            (softened - peak) * peak_w / (peak_w + end_w)
        )
    if length_w:
        terms["length"] = remembered_score(peak, end, minutes, peak_w, end_w, length_w) - mix
    shown = {name: round(value, 2) for name, value in terms.items()}
    rest = round(round(row["remembered"], 2) - sum(shown.values()), 2)
    if rest:
        shown["misremembering"] = rest
    if len(shown) == 1:  # the printed mix is the printed score
        return []
    return [f"                  = {'; '.join(f'{n}: {v:+z.2f}' for n, v in shown.items())}"]


def _events(row: pd.Series) -> list[str]:
    """What else happened: abandoned carts, complaints, reviews, word of mouth, switching."""
    events = []
    if row["abandoned"]:
        events.append(
            {
                "balk": "Left without buying: the queue looked too long.",
                "renege": "Left the queue without buying: patience ran out.",
                "payment": "Left the goods at the till: "
                + (
                    "waited for the card terminal, then gave up."
                    if row["payment"] == "waited, gave up"
                    else "could not pay."
                ),
            }.get(row["abandoned"], f"Abandoned ({row['abandoned']}).")
        )
    if row["payment"] not in ("", "card", "cash") and row["abandoned"] != "payment":
        events.append(f"Payment: {row['payment']}.")  # how a failed card was got round
    if row["complained"]:
        events.append(f"Complained; the recovery's quality was {row['recovery_quality']:+z.2f}.")
    elif not math.isnan(row["recovery_quality"]):
        events.append(
            f"The store followed up; the call's quality was {row['recovery_quality']:+z.2f}."
        )
    if row["review_stars"]:
        events.append(f"Posted a {int(row['review_stars'])}-star review online.")
    if row["told_negative"]:
        events.append(f"Warned {plural(int(row['told_negative']), 'friend')} off the store.")
    if row["told_positive"]:
        events.append(f"Recommended the store to {plural(int(row['told_positive']), 'friend')}.")
    if row["switched_store"]:
        events.append("Switched to the competitor for good.")
    return events
