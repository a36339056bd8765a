"""Scenario sections of the store: horizon, hours, zones, carts, floor, shelves, checkout,
payment and exit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, model_validator

from journeysim.limits import MAX_DAYS
from journeysim.scenario.fields import (
    MAX_ITEMS,
    MAX_LANES,
    MAX_OUTAGE_MIN,
    MAX_STEP_MIN,
    MAX_WEEKEND_FACTOR,
    ClockTime,
    Distribution,
    FloorRole,
    Label,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    Probability,
    Quality,
    Section,
    Weight,
    field,
)


class Horizon(Section):
    days: Annotated[int, Field(ge=1)] = field(42, "Simulated days after warm-up.", le=MAX_DAYS)
    warmup_days: NonNegativeInt = field(
        14, "Days simulated first and excluded from KPIs (customer base settles).", le=MAX_DAYS
    )
    burn_in_days: NonNegativeInt = field(
        728,
        "Days of the store's history simulated before day 0 (whole weeks), without the "
        "scenario's dated events: customers start from the relationship, expectations and "
        "rapport that history leaves. Shared by every scenario of a comparison; 0 for none.",
        multiple_of=7,
        le=MAX_DAYS // 7 * 7,
    )


# Relative arrivals per opening hour, 06:00-22:00; a morning and an evening peak.
_WEEKDAY_PROFILE = [0.3, 0.6, 0.8, 0.9, 1.0, 1.0, 1.1, 1.1, 1.0, 1.1, 1.4, 1.8, 2.0, 1.6, 1.0, 0.6]
_WEEKEND_PROFILE = [0.2, 0.5, 1.0, 1.4, 1.7, 1.8, 1.7, 1.5, 1.3, 1.2, 1.2, 1.2, 1.1, 0.9, 0.6, 0.4]


class Hours(Section):
    open: ClockTime = field("06:00", "Opening time (HH:MM).")
    close: ClockTime = field("22:00", "Closing time (HH:MM); doors close, shoppers inside finish.")
    weekday_profile: list[Weight] = field(
        _WEEKDAY_PROFILE, "Relative arrival intensity per opening hour on weekdays."
    )
    weekend_profile: list[Weight] = field(
        _WEEKEND_PROFILE, "Relative arrival intensity per opening hour on Saturday and Sunday."
    )
    weekend_factor: PositiveFloat = field(
        1.25, "Weekend day traffic relative to a weekday.", le=MAX_WEEKEND_FACTOR
    )

    @property
    def open_min(self) -> int:
        return _minutes(self.open)

    @property
    def close_min(self) -> int:
        return _minutes(self.close)

    def overlaps(self, start_min: float, duration_min: float) -> bool:
        """Whether minutes `start_min` to `start_min + duration_min` of a day (running on past
        midnight) meet the opening hours of that day or a later one."""
        end = start_min + duration_min
        return any(
            max(start_min, self.open_min + day) < min(end, self.close_min + day)
            for day in range(0, int(end) + 1440, 1440)
        )

    @model_validator(mode="after")
    def _profiles_fit(self) -> Hours:
        hours = (self.close_min - self.open_min) / 60
        if hours <= 0:
            raise ValueError(
                "open, close: expected a closing time later than the opening time "
                f"(got {self.open} and {self.close})"
            )
        needed = int(-(-hours // 1))
        for name, default in (
            ("weekday_profile", _WEEKDAY_PROFILE),
            ("weekend_profile", _WEEKEND_PROFILE),
        ):
            profile = getattr(self, name)
            if len(profile) != needed:
                whose = (
                    " (the default, for 06:00-22:00: give both profiles for your hours)"
                    if profile == default
                    else ""
                )
                raise ValueError(  # its keys first: an override of the hours is blamed
                    f"open, close, {name}: {name} needs one weight per opening hour ({needed} "
                    f"for {self.open}-{self.close}); got {len(profile)}{whose}"
                )
            if sum(profile) <= 0:
                raise ValueError(f"{name}: needs a positive weight in some hour (got all zero)")
        return self


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class Ambience(Section):
    smell: Quality = field(0.3, "Experienced quality of the smell (-1 foul .. 1 inviting).")
    music: Quality = field(0.1, "Experienced quality of the music.")
    light: Quality = field(0.3, "Experienced quality of the light.")


class Zone(Section):
    name: Label = field(
        "aisles", "Zone name, one no other zone has (it labels the zone's rows, charts and replay)."
    )
    walk_min: PositiveFloat = field(
        4.0, "Mean minutes spent walking and picking in the zone.", le=MAX_STEP_MIN
    )
    item_share: Probability = field(0.0, "Share of the basket picked in this zone.")
    capacity: Annotated[int, Field(ge=1)] = field(
        80, "Shoppers the zone holds comfortably; crowding is felt above half of it.", le=100_000
    )
    ambience: Ambience = field(Ambience, "Smell, music and light of the zone.")


def _default_zones() -> list[Zone]:
    return [
        Zone(name="entrance", walk_min=1.0, item_share=0.0, capacity=30),
        Zone(
            name="fresh",
            walk_min=5.0,
            item_share=0.35,
            capacity=50,
            ambience=Ambience(smell=0.6, music=0.1, light=0.4),
        ),
        Zone(name="aisles", walk_min=7.0, item_share=0.5, capacity=90),
        Zone(
            name="chilled",
            walk_min=3.0,
            item_share=0.15,
            capacity=40,
            ambience=Ambience(smell=0.2, music=0.1, light=0.2),
        ),
    ]


class Carts(Section):
    pool: NonNegativeInt = field(
        90, "Carts in the pool; an empty pool means a basket or a wait.", le=100_000
    )
    worn_share: Probability = field(0.15, "Share of carts with a wobbly wheel or a sticky handle.")
    worn_quality: Quality = field(-0.3, "Felt quality of pushing a worn cart.")
    good_quality: Quality = field(0.1, "Felt quality of pushing a good cart.")
    shortage_quality: Quality = field(-0.4, "Felt quality of finding no cart.")
    min_items: NonNegativeInt = field(
        6, "Planned basket from which a shopper wants a cart.", le=MAX_ITEMS
    )


class Floor(Section):
    soil_per_visit: NonNegativeFloat = field(
        0.0012, "Dirt added to a zone per shopper passing (0 clean .. 1 filthy).", le=1.0
    )
    clean_quality: Quality = field(0.2, "Felt quality of a clean floor.")
    dirty_quality: Quality = field(-0.6, "Felt quality of a filthy floor.")
    round_min: Annotated[float, Field(ge=1.0, le=1440.0)] = field(
        60.0, "Minutes for a cleaner's round over all zones."
    )
    clean_effect: Probability = field(0.9, "Share of dirt a cleaner removes on a round.")
    spill_per_day: NonNegativeFloat = field(
        2.0, "Random spills per day (a zone turns filthy).", le=1000.0
    )


class Shelves(Section):
    stockout_prob: Probability = field(0.08, "Chance an item looked for is off the shelf.")
    ask_staff_prob: Probability = field(
        0.35, "Chance a shopper facing a gap asks staff, when staff are on the floor."
    )
    backroom_find_prob: Probability = field(
        0.2, "Chance staff find an asked-for item in the warehouse."
    )
    search_min: NonNegativeFloat = field(
        1.5, "Minutes spent searching for a missing item.", le=MAX_STEP_MIN
    )
    ask_effort: NonNegativeFloat = field(
        1.7, "Effort of finding someone and asking about a missing item.", le=100.0
    )
    # Gruen, Corsten & Bharadwaj 2002: 31% buy elsewhere, 26% switch brand, 19% switch size,
    # 15% delay, 9% do not buy.
    response_elsewhere: Probability = field(0.31, "Share who buy a missing item at another store.")
    response_brand: Probability = field(0.26, "Share who substitute another brand.")
    response_size: Probability = field(0.19, "Share who substitute another size or variant.")
    response_delay: Probability = field(0.15, "Share who delay the purchase.")
    response_skip: Probability = field(0.09, "Share who do not buy the item at all.")
    restock_rounds_per_stocker: NonNegativeFloat = field(
        2.0, "Refill rounds per stocker on shift per day; gaps grow between rounds.", le=100.0
    )
    gap_quality: Quality = field(-0.35, "Felt quality of an empty shelf at the item's place.")
    full_quality: Quality = field(0.15, "Felt quality of finding everything on the list.")


LaneCount = Annotated[int, Field(ge=0, le=MAX_LANES)]


class LanePlan(Section):
    weekday: list[LaneCount] = field(
        list,
        "Staffed lanes open per opening hour on weekdays (one entry per hour, as "
        "hours.weekday_profile); empty: all checkout.cashiers lanes every hour.",
    )
    weekend: list[LaneCount] = field(
        list,
        "Staffed lanes open per opening hour on Saturday and Sunday; empty: all "
        "checkout.cashiers lanes every hour.",
    )


class LanePolicy(Section):
    active: bool = field(
        False,
        "Open one more lane when the queue grows (Tesco's 'one in front'), with a colleague "
        "called from the floor.",
    )
    open_above: NonNegativeInt = field(
        1,
        "Open a lane when more than this many shoppers wait in the shortest open lane's queue "
        "(in the snake with checkout.single_queue).",
        le=10_000,
    )
    quiet_min: Annotated[int, Field(ge=1)] = field(
        5,
        "Close a lane the policy opened after this many minutes with nobody waiting in its queue.",
        le=1440,
    )
    max_lanes: LaneCount | None = field(
        None, "Most staffed lanes open at once, planned and called (default: checkout.cashiers)."
    )
    from_role: FloorRole = field(
        "stocker",
        "Floor role the called colleague comes from; missing on the floor while at the till.",
    )
    walk_min: NonNegativeFloat = field(
        1.0,
        "Minutes to walk from the floor to the till, and back after the lane closes.",
        le=MAX_STEP_MIN,
    )


class Checkout(Section):
    cashiers: NonNegativeInt = field(
        3,
        "Staffed checkout lanes (a till with a cashier's post each); all open all day unless "
        "`lanes` plans them by the hour.",
        le=MAX_LANES,
    )
    lanes: LanePlan = field(LanePlan, "Staffed lanes open per opening hour (the lane plan).")
    policy: LanePolicy = field(
        LanePolicy, "Opening extra lanes when the queue grows, staffed from the floor."
    )
    self_checkouts: NonNegativeInt = field(2, "Self-checkout stations.", le=MAX_LANES)
    service_time: Distribution = field(
        lambda: Distribution(dist="gamma", mean_min=2.5, sd_min=1.2),
        "Cashier service time per shopper (scan and pack) before payment.",
    )
    self_service_time: Distribution = field(
        lambda: Distribution(dist="gamma", mean_min=3.5, sd_min=1.6),
        "Self-checkout service time per shopper.",
    )
    single_queue: bool = field(
        False, "One snake queue for all staffed lanes instead of a queue per lane."
    )
    self_checkout_max_items: NonNegativeInt = field(
        15, "Largest basket taken to self-checkout.", le=MAX_ITEMS
    )
    self_checkout_share: Probability = field(
        0.5, "Share of eligible shoppers who prefer self-checkout."
    )
    balking: bool = field(True, "Shoppers may leave on seeing a long queue.")
    balk_queue: Annotated[int, Field(ge=1)] = field(
        8, "Queue length (per lane) a calm shopper balks at; lower for bad moods.", le=1000
    )
    reneging: bool = field(True, "Shoppers may leave the queue when their patience runs out.")
    perceived_wait_factor: PositiveFloat = field(
        1.36, "Perceived over actual idle wait (Larson 2012: about a third more).", le=10.0
    )
    wait_tolerance_min: PositiveFloat = field(
        4.0,
        "Perceived wait after which satisfaction with the queue drops (Maister 1985).",
        le=MAX_STEP_MIN,
    )


# Day 0, the first simulated day (warm-up included), is a Monday; the burn-in before it lasts
# whole weeks, so every day keeps its weekday.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Outage(Section):
    day: NonNegativeInt = field(
        0,
        "Day of the outage (0 = first simulated day, warm-up included; day 0 is a Monday).",
        le=2 * MAX_DAYS,
    )
    start: ClockTime = field("17:00", "Start time (HH:MM).")
    duration_min: PositiveFloat = field(90.0, "Duration in minutes.", le=MAX_OUTAGE_MIN)
    terminals: list[Annotated[int, Field(ge=0, lt=2 * MAX_LANES)]] | Literal["all"] = field(
        "all",
        "Terminal indices that fail (at least one, each once; cashier lanes first, then "
        "self-checkouts), or all.",
    )
    every_day: bool = field(False, "Repeat the outage every day from `day` on.")
    weekdays: list[Weekday] = field(
        list,
        "Repeat the outage on these weekdays, each given once, from `day` on, e.g. [sat, sun] "
        "(day 0 is a Monday).",
    )

    @model_validator(mode="after")
    def _one_repeat(self) -> Outage:
        if self.every_day and self.weekdays:
            raise ValueError(
                "every_day, weekdays: expected one of them, not both (got true and ["
                f"{', '.join(self.weekdays)}])"
            )
        return self

    @model_validator(mode="after")
    def _some_terminal(self) -> Outage:
        if self.terminals == []:  # an outage of no terminal would change nothing
            raise ValueError(
                "terminals: expected a list of at least one terminal index, or 'all' (got [])"
            )
        return self

    @model_validator(mode="after")
    def _given_once(self) -> Outage:
        weekdays = _repeated(self.weekdays)
        if weekdays:
            raise ValueError(f"weekdays: expected distinct weekdays (got {weekdays})")
        terminals = _repeated(self.terminals) if self.terminals != "all" else ""
        if terminals:
            raise ValueError(f"terminals: expected distinct terminal indices (got {terminals})")
        return self

    @property
    def start_min(self) -> int:
        return _minutes(self.start)

    def days_in(self, total_days: int) -> list[int]:
        """The days (0 .. total_days - 1) the outage happens on."""
        if self.every_day:
            return list(range(self.day, total_days))
        if self.weekdays:
            return [d for d in range(self.day, total_days) if WEEKDAYS[d % 7] in self.weekdays]
        return [self.day] if self.day < total_days else []


class Payment(Section):
    cash_share: Probability = field(
        0.7, "Share of shoppers with cash on hand, for segments that set none of their own."
    )
    cash_preference: Probability = field(
        0.55, "Share of shoppers with cash who choose to pay in cash."
    )
    card_time_min: PositiveFloat = field(0.4, "Minutes to pay by card.", le=MAX_STEP_MIN)
    cash_time_min: PositiveFloat = field(0.8, "Minutes to pay in cash.", le=MAX_STEP_MIN)
    terminal_mtbf_hours: Annotated[float, Field(ge=0.1)] = field(
        400.0, "Mean hours between random terminal failures.", le=1e6
    )
    terminal_mttr_min: PositiveFloat = field(
        25.0, "Mean minutes to repair a failed terminal.", le=MAX_OUTAGE_MIN
    )
    random_failures: bool = field(True, "Terminals fail at random (MTBF/MTTR).")
    outages: list[Outage] = field(list, "Scheduled outages.", max_length=1000)
    wait_for_repair_prob: Probability = field(
        0.3, "Chance a shopper without cash waits for the terminal to come back."
    )
    fetch_cash_prob: Probability = field(
        0.45, "Chance a shopper without cash goes to an ATM and comes back."
    )
    fetch_cash_min: PositiveFloat = field(8.0, "Minutes to fetch cash.", le=MAX_STEP_MIN)
    max_repair_wait_min: PositiveFloat = field(
        15.0, "Longest a shopper waits for a repair.", le=MAX_STEP_MIN
    )
    failure_quality: Quality = field(-1.0, "Felt quality of a card refused by a dead terminal.")


class Exit(Section):
    check_prob: Probability = field(0.05, "Chance of a receipt or bag check at the exit.")
    check_min: NonNegativeFloat = field(1.0, "Minutes a check takes.", le=MAX_STEP_MIN)
    check_quality: Quality = field(-0.3, "Felt quality of being checked.")
    goodbye_quality: Quality = field(0.1, "Felt quality of leaving without a check.")


def _repeated(values: Sequence[object]) -> str:
    """The values given more than once and how often, e.g. "sun given 3 times, sat given twice"."""
    return ", ".join(
        f"{value} given {'twice' if times == 2 else f'{times} times'}"
        for value in dict.fromkeys(values)
        if (times := values.count(value)) > 1
    )
