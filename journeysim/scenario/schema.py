"""The scenario schema: every parameter with its default and a one-line description.

Defaults describe a mid-size Polish supermarket and reproduce the stylized facts in
docs/calibration.md. Probabilities are in [0, 1]; qualities on the touchpoint scale -1..1;
times in minutes unless the name says otherwise.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, model_validator

from journeysim.files import MAX_NAME, name_problem
from journeysim.limits import MAX_REPLICATIONS, MAX_SEED
from journeysim.scenario.behaviour_schema import AfterVisit, Costs, Loyalty, Psyche, WordOfMouth
from journeysim.scenario.fields import (
    CLOCK_PATTERN,
    LINE_PATTERN,
    MAX_LABEL,
    TOUCHPOINT_KINDS,
    ClockTime,
    Distribution,
    FloorRole,
    NonNegativeInt,
    Section,
    StaffRole,
    TouchpointKind,
    field,
)
from journeysim.scenario.people_schema import (
    Arrivals,
    Segment,
    Staff,
    StaffRoleSettings,
    Turnover,
    _default_segments,
)
from journeysim.scenario.store_schema import (
    Ambience,
    Carts,
    Checkout,
    Exit,
    Floor,
    Horizon,
    Hours,
    LanePlan,
    LanePolicy,
    Outage,
    Payment,
    Shelves,
    Zone,
    _default_zones,
)

__all__ = [
    "CLOCK_PATTERN",
    "TOUCHPOINT_KINDS",
    "AfterVisit",
    "Ambience",
    "Arrivals",
    "Carts",
    "Checkout",
    "ClockTime",
    "Costs",
    "Distribution",
    "Exit",
    "Floor",
    "FloorRole",
    "Horizon",
    "Hours",
    "LanePlan",
    "LanePolicy",
    "Loyalty",
    "Outage",
    "Payment",
    "Psyche",
    "Scenario",
    "Segment",
    "Shelves",
    "Staff",
    "StaffRole",
    "StaffRoleSettings",
    "TouchpointKind",
    "Turnover",
    "WordOfMouth",
    "Zone",
]

# The keys that make the simulated days: a check against them names them, so that a --days or
# --set that shortens the run is blamed for a dated event it leaves out.
HORIZON_KEYS = "horizon.warmup_days, horizon.days"


class Scenario(Section):
    """A complete store scenario."""

    name: str = field(
        "baseline",
        "Scenario name (defaults to the file name).",
        min_length=1,
        max_length=MAX_NAME,  # it names the results folder, as an experiment's name does
        pattern=LINE_PATTERN,
    )
    description: str = field(
        "", "What the scenario shows (the file's own: not inherited through extends)."
    )
    seed: NonNegativeInt = field(
        20261125, "Root seed; replications spawn their streams from it.", le=MAX_SEED
    )
    replications: Annotated[int, Field(ge=1)] = field(
        10, "Independent replications.", le=MAX_REPLICATIONS
    )
    horizon: Horizon = field(Horizon, "Simulated days and warm-up.")
    hours: Hours = field(Hours, "Opening hours and hourly arrival profiles.")
    arrivals: Arrivals = field(Arrivals, "Where shoppers come from.")
    segments: dict[str, Segment] = field(
        _default_segments,
        "Shopper segments by name (one line of at most 60 characters) and their mix.",
        max_length=50,
    )
    zones: list[Zone] = field(
        _default_zones, "Zones walked in order before the checkout.", max_length=50
    )
    carts: Carts = field(Carts, "Cart pool.")
    floor: Floor = field(Floor, "Floor cleanliness and cleaning.")
    shelves: Shelves = field(Shelves, "Stock-outs and how shoppers respond.")
    staff: Staff = field(Staff, "Staff by role, rapport and turnover.")
    checkout: Checkout = field(Checkout, "Lanes, self-checkouts and queue behaviour.")
    payment: Payment = field(Payment, "Cash, card terminals and outages.")
    exit: Exit = field(Exit, "Procedures at the exit.")
    psyche: Psyche = field(Psyche, "Appraisal, emotion and memory.")
    loyalty: Loyalty = field(Loyalty, "Relationship, return and share of wallet.")
    after_visit: AfterVisit = field(AfterVisit, "Complaints, recovery, follow-ups and reviews.")
    word_of_mouth: WordOfMouth = field(WordOfMouth, "Referrals and warnings among friends.")
    costs: Costs = field(Costs, "Wages, investments and margin for money comparisons.")

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if problem := name_problem(self.name):  # blank or "..." named the folder "scenario"
            raise ValueError(f"name: {problem}")
        cashier = self.staff.roles.get("cashier")
        if cashier is not None and cashier.count != self.checkout.cashiers:
            cashier.count = self.checkout.cashiers  # a post per staffed lane, as the run staffs
        if self.checkout.cashiers + self.checkout.self_checkouts == 0:
            raise ValueError(
                "checkout.cashiers, checkout.self_checkouts: expected at least one staffed lane "
                "or self-checkout (got 0 of each)"
            )
        if not self.segments:
            raise ValueError("segments: expected at least one segment (got none)")
        if sum(s.share for s in self.segments.values()) <= 0:
            keys = ", ".join(f"segments.{name}.share" for name in self.segments)
            shares = ", ".join(f"{s.share:g}" for s in self.segments.values())
            raise ValueError(f"{keys}: expected at least one positive share (got {shares})")
        for name in self.segments:
            if not (1 <= len(name) <= MAX_LABEL and re.fullmatch(LINE_PATTERN, name)):
                raise ValueError(
                    f"segments: expected names of one line of 1 to {MAX_LABEL} characters "
                    f"(got {name!r})"
                )
        if not self.zones:
            raise ValueError("zones: expected at least one zone (got none)")
        names = [zone.name for zone in self.zones]
        for i, name in enumerate(names):
            if name in names[:i]:
                unnamed = "; a zone without a name is 'aisles'" if name == "aisles" else ""
                raise ValueError(
                    f"zones.{i}.name: expected a name no other zone has (got {name!r}, as "
                    f"zones.{names.index(name)}{unnamed})"
                )
        _add_up_to_one(
            {f"zones.{i}.item_share": zone.item_share for i, zone in enumerate(self.zones)}
        )
        tills = self.checkout.cashiers + self.checkout.self_checkouts
        last = self.total_days - 1
        for i, outage in enumerate(self.payment.outages):
            if not outage.days_in(self.total_days):
                first = outage.days_in(outage.day + 7)[0]  # of every_day, weekdays or once
                raise ValueError(
                    f"payment.outages.{i}, {HORIZON_KEYS}: it never happens within the simulated "
                    f"days 0..{last}, the warm-up's and the measured ones (day {outage.day} "
                    f"given{self._reaching(first)})"
                )
            if not self.hours.overlaps(outage.start_min, outage.duration_min):
                raise ValueError(
                    f"payment.outages.{i}: expected a time when the store is open "
                    f"({self.hours.open}-{self.hours.close}; got {outage.start} for "
                    f"{outage.duration_min:g} min, which no shopper would meet)"
                )
            beyond = (
                [t for t in outage.terminals if t >= tills] if outage.terminals != "all" else []
            )
            if beyond:
                raise ValueError(
                    f"payment.outages.{i}.terminals: expected terminal indices 0..{tills - 1}, "
                    f"cashier lanes first, then self-checkouts (index k is 'terminal k+1' in "
                    f"traces and logs; got {', '.join(map(str, beyond))})"
                )
        first_of: dict[tuple[StaffRole, int, int], int] = {}  # post and day: first departure
        for i, departure in enumerate(self.staff.turnover):
            if departure.day > last:
                raise ValueError(
                    f"staff.turnover.{i}.day, {HORIZON_KEYS}: expected a simulated day "
                    f"0..{last}, the warm-up's or a measured one (got "
                    f"{departure.day}{self._reaching(departure.day)})"
                )
            role = departure.role
            count = self.posts_per_shift(role)
            if departure.index >= 2 * count:
                posts = (
                    f"a {role} post 0..{2 * count - 1} (morning 0..{count - 1}, evening "
                    f"{count}..{2 * count - 1}; got {departure.index})"
                    if count
                    else f"a role the store staffs (got {role}, of whom there are none)"
                )
                raise ValueError(f"staff.turnover.{i}.index: expected {posts}")
            first = first_of.setdefault((role, departure.index, departure.day), i)
            if first != i:  # the second would take the newcomer of the first away the same day
                raise ValueError(
                    f"staff.turnover.{first}, staff.turnover.{i}: expected one departure per post "
                    f"and day (got {role} post {departure.index} leaving on day {departure.day} "
                    "in both)"
                )
        self._lanes_fit()
        _add_up_to_one(
            {
                f"shelves.{key}": getattr(self.shelves, key)
                for key in (
                    "response_elsewhere",
                    "response_brand",
                    "response_size",
                    "response_delay",
                    "response_skip",
                )
            }
        )
        return self

    def _lanes_fit(self) -> None:
        """The lane plan has one count per opening hour, within the lanes the store has, and
        the policy calls a colleague from a role the store employs."""
        checkout = self.checkout
        hours = self.opening_hours
        for name in ("weekday", "weekend"):
            plan = getattr(checkout.lanes, name)
            if not plan:
                continue
            if len(plan) != hours:
                raise ValueError(
                    f"checkout.lanes.{name} needs one lane count per opening hour "
                    f"({hours} here, as hours.{name}_profile); got {len(plan)}"
                )
            for hour, lanes in enumerate(plan):
                if lanes > checkout.cashiers:
                    raise ValueError(
                        f"checkout.lanes.{name}.{hour}: {lanes} lanes planned, but the store "
                        f"has {checkout.cashiers} (checkout.cashiers)"
                    )
                if lanes == 0 and checkout.self_checkouts == 0:
                    raise ValueError(
                        f"checkout.lanes.{name}.{hour}: no lane open and no self-checkout; "
                        "plan at least 1 lane"
                    )
        policy = checkout.policy
        if not policy.active:
            return
        if checkout.cashiers == 0:
            raise ValueError(
                "checkout.policy.active, checkout.cashiers: the store has no staffed lane to open "
                "(checkout.cashiers is 0)"
            )
        if policy.max_lanes is not None and policy.max_lanes > checkout.cashiers:
            raise ValueError(
                f"checkout.policy.max_lanes, checkout.cashiers: {policy.max_lanes} lanes, but the "
                f"store has {checkout.cashiers} (checkout.cashiers)"
            )
        if self.posts_per_shift(policy.from_role) == 0:
            raise ValueError(
                f"checkout.policy.from_role, staff.roles.{policy.from_role}.count: the store has "
                f"no {policy.from_role} to call to the till (staff.roles.{policy.from_role}.count "
                "is 0)"
            )

    @property
    def opening_hours(self) -> int:
        """Opening hours a day, a started hour counting as one (entries of hourly profiles)."""
        return -(-(self.hours.close_min - self.hours.open_min) // 60)

    def lanes_per_hour(self, weekend: bool) -> list[int]:
        """Staffed lanes open in each opening hour: the lane plan, else all lanes all day."""
        plan = self.checkout.lanes.weekend if weekend else self.checkout.lanes.weekday
        return list(plan) if plan else [self.checkout.cashiers] * self.opening_hours

    def posts_per_shift(self, role: StaffRole) -> int:
        """Staff of a role on each of the two shifts (cashiers: one per staffed lane)."""
        if role == "cashier":
            return self.checkout.cashiers
        settings = self.staff.roles.get(role)
        return settings.count if settings else 0

    @property
    def total_days(self) -> int:
        return self.horizon.warmup_days + self.horizon.days

    def _reaching(self, day: int) -> str:
        """ "; horizon.days of at least N reaches it": the measured days a run needs to simulate
        `day`, after its warm-up (or "" when the warm-up alone would)."""
        needed = day - self.horizon.warmup_days + 1
        return f"; horizon.days of at least {needed} reaches it" if needed > 0 else ""


def _add_up_to_one(shares: dict[str, float]) -> None:
    """Refuse shares (by key) whose sum is not 1, naming every key and value."""
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        values = " + ".join(f"{share:g}" for share in shares.values())
        raise ValueError(
            f"{', '.join(shares)}: expected shares that add up to 1 (got {values} = {total:g})"
        )
