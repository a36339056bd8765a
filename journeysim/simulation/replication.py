"""One replication: build the world and the customer base, run the days, return tidy tables."""

from __future__ import annotations

import gc
import math
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Final

import numpy as np
import pandas as pd
import simpy

from journeysim.journey.records import LEFT_REASONS, TouchTally, VisitLog, categorical
from journeysim.journey.shopper import Shopper, Step
from journeysim.journey.visit import visit
from journeysim.loyalty.aftercare import Aftercare
from journeysim.loyalty.base import CustomerBase, is_weekend, poisson_times
from journeysim.loyalty.customer import Customer
from journeysim.loyalty.history import History
from journeysim.psyche.appraisal import Appraisal
from journeysim.psyche.emotion import Moods
from journeysim.psyche.expectations import Adaptation
from journeysim.psyche.kinds import by_kind
from journeysim.scenario.schema import TOUCHPOINT_KINDS, Scenario
from journeysim.simulation import burn_in
from journeysim.simulation.overrun import MAX_VISITS_PER_DAY, OVERTIME_MIN, overgrown, overrun
from journeysim.simulation.seeding import Seeds
from journeysim.world.clock import Walk
from journeysim.world.lanes import LaneEntry
from journeysim.world.store import Store
from journeysim.world.uniforms import VisitUniforms


@dataclass
class Replication:
    """Tables of one replication (warm-up days included and flagged; KPIs cut them)."""

    visits: pd.DataFrame
    days: pd.DataFrame
    customers: pd.DataFrame
    touchpoints: pd.DataFrame
    terminal_log: pd.DataFrame
    turnover_log: pd.DataFrame
    lanes_log: pd.DataFrame  # every staffed lane opening and closing (see lanes_table)
    entered: int  # shoppers who came in; each leaves with exactly one visit record
    traces: dict[int, list[Step]] = field(default_factory=dict)


# Familiarity from which a customer counts as a staff member's regular.
REGULAR_FAMILIARITY: Final = 0.3
DEAL_AHEAD: Final = 64  # arrivals dealt their first uniforms at once (still in the cache then)


class Simulation:
    """A store and its customers over the scenario's horizon."""

    def __init__(
        self,
        scenario: Scenario,
        replication: int = 0,
        trace: bool = False,
        past: History | None = None,
        traced: frozenset[int] | None = None,
    ) -> None:
        """`trace`: keep every visit's steps (`traces`); `traced`: with `trace`, only these
        customers' visits (by id; None: every customer's)."""
        self.scenario = scenario
        self.past = past
        self.seeds = Seeds(scenario.seed, replication)
        self.streams = self.seeds.streams()
        self.env = simpy.Environment()
        self.store = Store(self.env, scenario, self.streams, past.staff if past else ())
        self.aftercare = Aftercare(scenario)
        psyche = scenario.psyche
        self.moods = Moods(
            psyche.baseline_mood,
            psyche.baseline_mood_sd,
            psyche.mood_half_life_days,
            psyche.mood_half_life_min,
        )
        self.adaptation = Adaptation(
            psyche.expectation_rise,
            psyche.expectation_fall,
            psyche.market_anchor,
            by_kind({str(kind): level for kind, level in psyche.market_standard.items()}),
            [zone.name for zone in scenario.zones],
        )
        self.appraisal = Appraisal(
            psyche.curvature, psyche.loss_aversion, psyche.felt_scale, self.adaptation.kinds
        )
        self.base = CustomerBase(
            scenario,
            self.streams["segments"],
            self.seeds.customer,
            VisitUniforms(self.seeds.visit_uniforms()),
            self.adaptation,
        )
        self.journey_map = [TouchTally() for _ in TOUCHPOINT_KINDS]  # by kind
        # The tallies a shopper adds to, by expectation slot (a kind's slots share its tally).
        self._slot_map = [self.journey_map[kind] for kind in self.adaptation.kinds]
        warmup_map = [TouchTally() for _ in TOUCHPOINT_KINDS]  # (left out of the KPIs)
        self._warmup_slot_map = [warmup_map[kind] for kind in self.adaptation.kinds]
        self.visit_log = VisitLog()
        self.day_rows: list[dict] = []
        self.turnovers: list[dict] = []
        self.trace = trace
        self._traced = traced
        self.traces: dict[int, list[Step]] = {}
        self._day_stats = {"new_customers": 0}
        self._restocks_before = 0  # refill rounds logged before the current day
        self.entered = 0
        self.inside = 0  # shoppers in the store now
        self.inside_from: Counter[int] = Counter()  # of them, by the day they came in
        self._last_out: simpy.Event | None = None
        self._arrivals: list[tuple[float, Customer]] = []  # today's, by time
        self._next_arrival = 0
        self._arrive_callback: Callable[[Any], None] = self._arrive
        self._left_callback: Callable[[Shopper], None] = self._left
        self._keeps_customers = scenario.arrivals.mode == "customer_base"
        self._clock = self.store.clock
        self._measured_from = scenario.horizon.warmup_days * 1440  # the first measured minute

    def run(self) -> Replication:
        s = self.scenario
        with _cyclic_gc_paused():
            if self.past is not None:
                self.base.restore(self.past.customers)
                self.aftercare.restore(self.past.reviews)
            elif s.arrivals.mode == "customer_base":
                for _ in range(s.arrivals.base_customers):
                    self.base.join(0, s.loyalty.initial_strength)
            self._clock.run(self.env.process(self._days()))
            if self.inside:  # the horizon is over: let the last shoppers finish and leave
                self._last_out = self.env.event()
                self._clock.run(self._last_out | self.env.timeout(OVERTIME_MIN))
                if self.inside:
                    raise overrun(s, self.seeds.replication, self.inside, None)
            return self._tables()

    def history(self) -> History:
        """What this run leaves to a run that starts where it ended (see burn_in.py)."""
        customers, leavers = self.base.steady_state(
            self.scenario.total_days, self.streams["history"]
        )
        return History(customers, self.store.roster.state(), tuple(self.aftercare.reviews), leavers)

    # -- arrivals ----------------------------------------------------------------------------

    def _days(self):
        """Process: each day plan who comes when, then let them in at their times."""
        s = self.scenario
        for day in range(s.total_days):
            self._turnover(day)
            rng = self.seeds.day(day)
            arrivals = self._plan_day(day, rng)
            arrivals.sort(key=itemgetter(0))  # by time; ties keep their order
            start = day * 1440
            self._arrivals = [(start + minute, customer) for minute, customer in arrivals]
            self._next_arrival = 0
            if arrivals:
                self.store.clock.at(self._arrivals[0][0], self._arrive_callback)
            yield self.env.timeout(max(start + 1440 - self.env.now, 0.0))
            self._close_day(day)
            if self.inside_from[day - 1]:  # in the store since yesterday: more than a day
                raise overrun(s, self.seeds.replication, self.inside_from[day - 1], day)

    def _plan_day(self, day: int, rng: np.random.Generator) -> list[tuple[float, Customer]]:
        s = self.scenario
        hours = s.hours
        if s.arrivals.mode == "open":
            times = poisson_times(
                rng, s.arrivals.rate_per_hour / 60.0, hours.open_min, hours.close_min
            )
            self._day_stats["new_customers"] = len(times)
            shoppers = self.base.one_offs(self.entered, day, self.streams["visits"], len(times))
            return list(zip(times, shoppers))
        arrivals = self.base.visitors(day, rng)
        arrivals_settings = s.arrivals
        rating_factor = max(
            1.0
            + arrivals_settings.rating_effect
            * (self.aftercare.rating - s.after_visit.initial_rating),
            0.0,
        )
        rate = arrivals_settings.new_per_day * rating_factor + self.aftercare.referrals
        rate = max(rate - self.aftercare.deterred, 0.0)
        self.aftercare.referrals = self.aftercare.deterred = 0.0
        newcomers = int(rng.poisson(rate))
        self._day_stats["new_customers"] = newcomers
        if len(arrivals) + newcomers > MAX_VISITS_PER_DAY:
            raise overgrown(s, self.seeds.replication, len(arrivals) + newcomers, day)
        for _ in range(newcomers):
            customer = self.base.join(day, s.loyalty.newcomer_strength)
            arrivals.append((customer.preferred_minute, customer))
        return arrivals

    def _arrive(self, event: Any) -> None:
        """The next shopper of the day comes in (a `Walk` through the store) and the one after
        is due; one arrival at a time waits in the event queue, which stays short."""
        arrivals = self._arrivals
        i = self._next_arrival
        self._next_arrival = i + 1
        if i + 1 < len(arrivals):
            self._clock.at(arrivals[i + 1][0], self._arrive_callback)
        now = self._clock.now()
        customer = arrivals[i][1]
        if customer.dealt is None:  # the uniforms of this and the next arrivals' visits
            self.base.deal([c for _, c in arrivals[i : i + DEAL_AHEAD]])
        shopper = Shopper(
            customer,
            now,
            self.appraisal,
            self.adaptation,
            self.moods,
            self._slot_map if now >= self._measured_from else self._warmup_slot_map,
            self.trace and (self._traced is None or customer.id in self._traced),
        )
        self.entered += 1
        self.inside += 1
        self.inside_from[shopper.day] += 1
        Walk(self._clock, visit(self.store, shopper, self._left_callback)).resume(event)

    # -- the visit ---------------------------------------------------------------------------

    def _left(self, shopper: Shopper) -> None:
        """A shopper has left: what the visit leaves behind, recorded."""
        row = self.aftercare.conclude(shopper, self._clock.now())
        if self._keeps_customers:
            self.base.changed(shopper.customer)
        self.visit_log.append(row)
        if shopper.steps is not None:
            self.traces[row[0]] = shopper.steps  # by visit_id
        self.inside -= 1
        self.inside_from[shopper.day] -= 1  # the day they came in
        if self._last_out is not None and not self.inside:
            self._last_out.succeed()

    # -- staff turnover ----------------------------------------------------------------------

    def _turnover(self, day: int) -> None:
        """Scheduled and random departures at the start of the day. Customers who knew the
        leaver lose that rapport and some trust (less where processes are standardised)."""
        staff = self.scenario.staff
        roster = self.store.roster
        departures = [(t.role, t.index) for t in staff.turnover if t.day == day]
        if staff.turnover_per_year > 0:
            rng = self.streams["turnover"]
            for role, shift, index in list(roster.posts):
                if rng.random() < staff.turnover_per_year / 365.0:
                    departures.append((role, shift * roster.headcount(role) + index))
        cost = staff.turnover_trust_cost * (1.0 - staff.standardisation)
        decay = staff.rapport_decay_per_day
        for role, post in departures:
            colleagues = {m.id for m in roster.shift_mates(role, post)}
            leaver, newcomer = self.store.replace_staff(role, post, day)
            regulars: list[int] = []
            others: list[int] = []
            for customer in self.base.customers:
                if not customer.active:  # gone already: neither a regular nor hurt
                    continue
                familiarity = customer.familiarity(leaver.id, day, decay)
                favourite, level = customer.favourite(colleagues | {leaver.id}, day, decay)
                if level >= REGULAR_FAMILIARITY:
                    (regulars if favourite == leaver.id else others).append(customer.id)
                if familiarity > 0.0:
                    customer.strength = max(customer.strength - cost * familiarity, 0.0)
                    self.base.changed(customer)
                    del customer.rapport[leaver.id]
            self.turnovers.append(
                {
                    "day": day,
                    "role": role,
                    "post": post,
                    "leaver_id": leaver.id,
                    "newcomer_id": newcomer.id,
                    "regulars": regulars,
                    "others": others,
                }
            )

    # -- tables ------------------------------------------------------------------------------

    def _close_day(self, day: int) -> None:
        s = self.scenario
        self.day_rows.append(
            {
                "day": day,
                "weekend": is_weekend(day),
                "new_customers": self._day_stats["new_customers"],
                "active_customers": self.base.active_within(day, s.loyalty.return_window_days),
                "rating": self.aftercare.rating,
                **self._restocking(day),
            }
        )

    def _restocking(self, day: int) -> dict[str, float]:
        """The day's refill rounds and the mean minutes between refills, from the night fill
        at opening to the last round (NaN without a round)."""
        restocks = self.store.restocks
        rounds = restocks[self._restocks_before :]
        self._restocks_before = len(restocks)
        opening = day * 1440.0 + self.store.open_min
        return {
            "restock_rounds": len(rounds),
            "restock_interval_min": (rounds[-1] - opening) / len(rounds) if rounds else math.nan,
        }

    def _tables(self) -> Replication:
        segments = list(self.scenario.segments)
        visits = self.visit_log.table(segments)
        days = pd.DataFrame(self.day_rows)
        warmup = self.scenario.horizon.warmup_days
        visits.insert(visits.columns.get_loc("day") + 1, "warmup", visits["day"] < warmup)
        days.insert(1, "warmup", days["day"] < warmup)
        everyone = self.base.customers
        # Typed also when empty (open mode keeps no customers), as data.md lists them.
        customers = pd.DataFrame(
            {
                "customer_id": np.array([c.id for c in everyone], dtype=np.int64),
                "segment": categorical([c.segment_name for c in everyone], segments),
                "joined_day": np.array([c.joined_day for c in everyone], dtype=np.int64),
                "visits": np.array([c.visits for c in everyone], dtype=np.int64),
                "strength": np.array([c.strength for c in everyone], dtype=np.float64),
                "active": np.array([c.active for c in everyone], dtype=np.bool_),
                "last_visit_day": np.array([c.last_visit_day for c in everyone], dtype=np.int64),
                "left_day": np.array([c.left_day for c in everyone], dtype=np.int64),
                "left_reason": categorical([c.left_reason for c in everyone], LEFT_REASONS),
                "failures": np.array([c.failures for c in everyone], dtype=np.int64),
            }
        )
        touchpoints = pd.DataFrame(
            [
                (kind, t.positive, t.negative, t.effort, t.count)
                for kind, t in zip(TOUCHPOINT_KINDS, self.journey_map)
            ],
            columns=["touchpoint", "positive", "negative", "effort", "count"],
        )
        log = [entry for t in self.store.checkout.terminals for entry in t.log]
        # Typed also when empty (no terminal went down, nobody left), as data.md lists them.
        terminal_log = (
            pd.DataFrame(log, columns=["time", "terminal", "state"])
            .astype({"time": "float64", "terminal": object, "state": object})
            .sort_values("time")
        )
        turnover_log = pd.DataFrame(
            self.turnovers,
            columns=["day", "role", "post", "leaver_id", "newcomer_id", "regulars", "others"],
        ).astype({"day": "int64", "post": "int64", "leaver_id": "int64", "newcomer_id": "int64"})
        return Replication(
            visits,
            days,
            customers,
            touchpoints,
            terminal_log,
            turnover_log,
            lanes_table(self.store.lanes.log),
            self.entered,
            self.traces,
        )


LANES_COLUMNS = ["day", "time", "lane", "event", "reason", "role", "staff_id"]


def lanes_table(log: list[LaneEntry]) -> pd.DataFrame:
    """The lane log as a table: day, time (minutes since day 0 midnight), lane (numbered
    from 1, as its till and terminal), event (opened, closed), reason (plan, policy), role
    (cashier, or the floor role of a called colleague) and staff_id."""
    rows = [
        (int(time // 1440), time, lane + 1, event, reason, role, staff)
        for time, lane, event, reason, role, staff in log
    ]
    return pd.DataFrame(rows, columns=LANES_COLUMNS).astype(  # typed also when empty
        {"day": "int64", "time": "float64", "lane": "int64", "staff_id": "int64"}
    )


@contextmanager
def _cyclic_gc_paused():
    """Pause Python's cyclic garbage collector. A replication allocates millions of objects
    but leaves only a few hundred in reference cycles, so the collector would mostly re-scan
    everything the process holds (the libraries loaded too); reference counting frees the rest
    as usual, and the collector resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def simulate(
    scenario: Scenario,
    replication: int = 0,
    trace: bool = False,
    reference: Scenario | None = None,
) -> Replication:
    """Run one replication of a scenario, starting from the burn-in of `reference` (default:
    the scenario itself; see burn_in.py). It does not warn of a history too short: call `past`
    first, once, which does (each worker would repeat it)."""
    history = past(scenario, reference, warn=False)
    return Simulation(scenario, replication, trace, history).run()


def past(
    scenario: Scenario, reference: Scenario | None = None, warn: bool = True
) -> History | None:
    """The history a run of `scenario` starts from: the burn-in of `reference` (default: the
    scenario), kept on disk once lived, with a warning (if `warn`) when it is too short for a
    steady customer base. Call it before sending replications to workers, so that they find
    it there instead of each living it again."""
    return burn_in.history(scenario, reference, _lived, warn)


def _lived(scenario: Scenario, replication: int) -> History:
    """The state a run of the scenario ends in."""
    simulation = Simulation(scenario, replication)
    simulation.run()
    return simulation.history()
