"""The scenario schema: every parameter with its default and a one-line description.

Defaults describe a mid-size Polish supermarket and reproduce the stylized facts in
docs/calibration.md. Probabilities are in [0, 1]; qualities on the touchpoint scale -1..1;
times in minutes unless the name says otherwise.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Quality = Annotated[float, Field(ge=-1.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]
NonNegativeInt = Annotated[int, Field(ge=0)]


def _sexagesimal(value):
    """YAML 1.1 reads an unquoted 22:00 as 1320 (base 60); turn it back into a clock time."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value // 60}:{value % 60:02d}"
    return value


CLOCK_PATTERN = r"^(([01]?\d|2[0-3]):[0-5]\d|24:00)$"
ClockTime = Annotated[str, Field(pattern=CLOCK_PATTERN), BeforeValidator(_sexagesimal)]

TOUCHPOINT_KINDS = (
    "entrance",
    "ambience",
    "crowding",
    "cart",
    "floor",
    "shelf",
    "staff",
    "checkout_wait",
    "cashier",
    "self_checkout",
    "payment",
    "exit",
    "after_visit",
)
TouchpointKind = Literal[
    "entrance",
    "ambience",
    "crowding",
    "cart",
    "floor",
    "shelf",
    "staff",
    "checkout_wait",
    "cashier",
    "self_checkout",
    "payment",
    "exit",
    "after_visit",
]
StaffRole = Literal["cashier", "stocker", "floor_assistant", "cleaner", "security", "manager"]


class Section(BaseModel):
    """A scenario section: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def field(default, description: str, **constraints):
    """A schema field with its default and one-line description."""
    if isinstance(default, (list, dict, BaseModel)) or callable(default):
        factory = default if callable(default) else (lambda d=default: _copy(d))
        return Field(default_factory=factory, description=description, **constraints)
    return Field(default, description=description, **constraints)


def _copy(value):
    return value.model_copy(deep=True) if isinstance(value, BaseModel) else type(value)(value)


class Distribution(Section):
    """A positive duration distribution in minutes."""

    dist: Literal["exponential", "lognormal", "gamma", "fixed"] = field(
        "exponential", "Distribution family."
    )
    mean_min: PositiveFloat = field(2.5, "Mean in minutes.")
    sd_min: NonNegativeFloat = field(
        0.0, "Standard deviation in minutes (lognormal and gamma; ignored otherwise)."
    )

    @model_validator(mode="after")
    def _spread_given(self) -> Distribution:
        if self.dist in ("lognormal", "gamma") and self.sd_min <= 0:
            raise ValueError(f"sd_min must be > 0 for a {self.dist} distribution")
        return self


class Horizon(Section):
    days: Annotated[int, Field(ge=1)] = field(56, "Simulated days after warm-up.")
    warmup_days: NonNegativeInt = field(
        14, "Days simulated first and excluded from KPIs (customer base settles)."
    )


# Relative arrivals per opening hour, 06:00-22:00; a morning and an evening peak.
_WEEKDAY_PROFILE = [0.3, 0.6, 0.8, 0.9, 1.0, 1.0, 1.1, 1.1, 1.0, 1.1, 1.4, 1.8, 2.0, 1.6, 1.0, 0.6]
_WEEKEND_PROFILE = [0.2, 0.5, 1.0, 1.4, 1.7, 1.8, 1.7, 1.5, 1.3, 1.2, 1.2, 1.2, 1.1, 0.9, 0.6, 0.4]


class Hours(Section):
    open: ClockTime = field("06:00", "Opening time (HH:MM).")
    close: ClockTime = field("22:00", "Closing time (HH:MM); doors close, shoppers inside finish.")
    weekday_profile: list[NonNegativeFloat] = field(
        _WEEKDAY_PROFILE, "Relative arrival intensity per opening hour on weekdays."
    )
    weekend_profile: list[NonNegativeFloat] = field(
        _WEEKEND_PROFILE, "Relative arrival intensity per opening hour on Saturday and Sunday."
    )
    weekend_factor: PositiveFloat = field(1.25, "Weekend day traffic relative to a weekday.")

    @property
    def open_min(self) -> int:
        return _minutes(self.open)

    @property
    def close_min(self) -> int:
        return _minutes(self.close)

    @model_validator(mode="after")
    def _profiles_fit(self) -> Hours:
        hours = (self.close_min - self.open_min) / 60
        if hours <= 0:
            raise ValueError("close must be later than open")
        for name in ("weekday_profile", "weekend_profile"):
            profile = getattr(self, name)
            if len(profile) != int(-(-hours // 1)) or sum(profile) <= 0:
                raise ValueError(
                    f"{name} needs one non-negative weight per opening hour "
                    f"({int(-(-hours // 1))} here), not all zero; got {len(profile)}"
                )
        return self


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class Arrivals(Section):
    mode: Literal["customer_base", "open"] = field(
        "customer_base",
        "customer_base: persistent customers decide daily to visit; "
        "open: Poisson one-off shoppers.",
    )
    rate_per_hour: PositiveFloat = field(
        60.0, "Open mode: Poisson arrival rate per hour (constant over opening hours)."
    )
    base_customers: NonNegativeInt = field(
        1500, "Customers in the store's base at the start (customer_base mode)."
    )
    new_per_day: NonNegativeFloat = field(
        6.0, "New customers per day trying the store, before word of mouth and rating."
    )
    rating_effect: NonNegativeFloat = field(
        0.6, "Relative change in new customers per rating star away from the initial rating."
    )


class Segment(Section):
    share: NonNegativeFloat = field(0.25, "Relative share of the customer base and of newcomers.")
    visit_interval_days: PositiveFloat = field(
        4.0, "Mean days between category shopping trips (to any store)."
    )
    basket_items: PositiveFloat = field(14.0, "Mean items planned per visit.")
    item_price: PositiveFloat = field(9.0, "Mean price per item (PLN).")
    patience_min: PositiveFloat = field(8.0, "Mean perceived queue wait tolerated before reneging.")
    cash_share: Probability | None = field(
        None, "Share of this segment's visits with cash on hand (default: payment.cash_share)."
    )
    competitor_pull: Probability = field(
        0.35, "Attractiveness of the nearest competitor (relationship units, 0..1)."
    )
    sensitivity: dict[TouchpointKind, NonNegativeFloat] = field(
        dict, "Multiplier of felt emotion per touchpoint kind (1 when missing)."
    )


def _default_segments() -> dict[str, Segment]:
    return {
        "time_pressed": Segment(
            share=0.25,
            visit_interval_days=3.0,
            basket_items=8.0,
            patience_min=5.0,
            cash_share=0.55,
            competitor_pull=0.40,
            sensitivity={"checkout_wait": 1.6, "crowding": 1.3, "payment": 1.4, "ambience": 0.6},
        ),
        "bargain_hunter": Segment(
            share=0.25,
            visit_interval_days=4.0,
            basket_items=16.0,
            item_price=7.0,
            patience_min=10.0,
            cash_share=0.75,
            competitor_pull=0.45,
            sensitivity={"shelf": 1.5, "ambience": 0.6, "staff": 0.8},
        ),
        "family": Segment(
            share=0.25,
            visit_interval_days=5.0,
            basket_items=26.0,
            patience_min=7.0,
            competitor_pull=0.35,
            sensitivity={"cart": 1.5, "floor": 1.3, "crowding": 1.2, "shelf": 1.2},
        ),
        "loyal_regular": Segment(
            share=0.25,
            visit_interval_days=2.5,
            basket_items=10.0,
            patience_min=9.0,
            competitor_pull=0.25,
            sensitivity={"cashier": 1.6, "staff": 1.4, "checkout_wait": 0.9},
        ),
    }


class Ambience(Section):
    smell: Quality = field(0.3, "Experienced quality of the smell (-1 foul .. 1 inviting).")
    music: Quality = field(0.1, "Experienced quality of the music.")
    light: Quality = field(0.3, "Experienced quality of the light.")


class Zone(Section):
    name: str = field("aisles", "Zone name.")
    walk_min: PositiveFloat = field(4.0, "Mean minutes spent walking and picking in the zone.")
    item_share: Probability = field(0.0, "Share of the basket picked in this zone.")
    capacity: Annotated[int, Field(ge=1)] = field(
        80, "Shoppers the zone holds comfortably; crowding is felt above half of it."
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
    pool: NonNegativeInt = field(90, "Carts in the pool; an empty pool means a basket or a wait.")
    worn_share: Probability = field(0.15, "Share of carts with a wobbly wheel or a sticky handle.")
    worn_quality: Quality = field(-0.3, "Felt quality of pushing a worn cart.")
    good_quality: Quality = field(0.1, "Felt quality of pushing a good cart.")
    shortage_quality: Quality = field(-0.4, "Felt quality of finding no cart.")
    min_items: NonNegativeInt = field(6, "Planned basket from which a shopper wants a cart.")


class Floor(Section):
    soil_per_visit: NonNegativeFloat = field(
        0.0012, "Dirt added to a zone per shopper passing (0 clean .. 1 filthy)."
    )
    clean_quality: Quality = field(0.2, "Felt quality of a clean floor.")
    dirty_quality: Quality = field(-0.6, "Felt quality of a filthy floor.")
    round_min: PositiveFloat = field(60.0, "Minutes for a cleaner's round over all zones.")
    clean_effect: Probability = field(0.9, "Share of dirt a cleaner removes on a round.")
    spill_per_day: NonNegativeFloat = field(2.0, "Random spills per day (a zone turns filthy).")


class Shelves(Section):
    stockout_prob: Probability = field(0.08, "Chance an item looked for is off the shelf.")
    ask_staff_prob: Probability = field(
        0.35, "Chance a shopper facing a gap asks staff, when staff are on the floor."
    )
    backroom_find_prob: Probability = field(
        0.2, "Chance staff find an asked-for item in the warehouse."
    )
    search_min: NonNegativeFloat = field(1.5, "Minutes spent searching for a missing item.")
    ask_effort: NonNegativeFloat = field(
        2.0, "Effort of finding someone and asking about a missing item."
    )
    # Gruen, Corsten & Bharadwaj 2002: 31% buy elsewhere, 26% switch brand, 19% switch size,
    # 15% delay, 9% do not buy.
    response_elsewhere: Probability = field(0.31, "Share who buy a missing item at another store.")
    response_brand: Probability = field(0.26, "Share who substitute another brand.")
    response_size: Probability = field(0.19, "Share who substitute another size or variant.")
    response_delay: Probability = field(0.15, "Share who delay the purchase.")
    response_skip: Probability = field(0.09, "Share who do not buy the item at all.")
    restock_rounds_per_stocker: NonNegativeFloat = field(
        2.0, "Refill rounds per stocker on shift per day; gaps grow between rounds."
    )
    gap_quality: Quality = field(-0.35, "Felt quality of an empty shelf at the item's place.")
    full_quality: Quality = field(0.15, "Felt quality of finding everything on the list.")


class StaffRoleSettings(Section):
    count: NonNegativeInt = field(
        1, "Staff of this role on each of two shifts (cashiers: checkout.cashiers instead)."
    )
    friendliness: Quality = field(0.4, "Mean friendliness (-1 .. 1).")
    competence: Quality = field(0.4, "Mean competence (-1 .. 1).")
    spread: NonNegativeFloat = field(0.2, "Standard deviation of friendliness and competence.")


def _default_roles() -> dict[StaffRole, StaffRoleSettings]:
    return {
        "cashier": StaffRoleSettings(count=4, friendliness=0.45, competence=0.5),
        "stocker": StaffRoleSettings(count=2, friendliness=0.2, competence=0.4),
        "floor_assistant": StaffRoleSettings(count=1, friendliness=0.5, competence=0.5),
        "cleaner": StaffRoleSettings(count=1, friendliness=0.3, competence=0.4),
        "security": StaffRoleSettings(count=1, friendliness=-0.1, competence=0.3),
        "manager": StaffRoleSettings(count=1, friendliness=0.3, competence=0.6),
    }


class Turnover(Section):
    role: StaffRole = field("cashier", "Role of the staff member who leaves.")
    index: NonNegativeInt = field(
        0, "Which post of the role: morning shift first (0..count-1), then evening."
    )
    day: NonNegativeInt = field(0, "Day the member leaves and a newcomer takes the post.")


class Staff(Section):
    roles: dict[StaffRole, StaffRoleSettings] = field(
        _default_roles, "Staff per role with friendliness and competence."
    )
    encounter_prob: Probability = field(
        0.25, "Chance per zone to meet a floor staff member (stocker, assistant, security...)."
    )
    rapport_gain: Probability = field(
        0.15, "Growth of customer-staff familiarity per contact (towards 1)."
    )
    rapport_decay_per_day: Probability = field(0.01, "Daily fading of familiarity without contact.")
    rapport_lift: NonNegativeFloat = field(
        0.5, 'Quality added to a staff touchpoint by full familiarity ("the usual?").'
    )
    turnover_per_year: NonNegativeFloat = field(
        0.0, "Random departures per staff member per year (newcomer replaces)."
    )
    turnover: list[Turnover] = field(list, "Scheduled departures.")
    turnover_trust_cost: NonNegativeFloat = field(
        0.08, "Relationship strength lost by a customer when a familiar staff member leaves."
    )
    newcomer_competence_gap: NonNegativeFloat = field(
        0.3, "Competence a newcomer lacks at first; learned over newcomer_learning_days."
    )
    newcomer_learning_days: PositiveFloat = field(30.0, "Days for a newcomer to learn the job.")
    standardisation: Probability = field(
        0.3, "Process standardisation: damps both rapport effects and turnover losses."
    )


class Checkout(Section):
    cashiers: NonNegativeInt = field(4, "Staffed checkout lanes.")
    self_checkouts: NonNegativeInt = field(2, "Self-checkout stations.")
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
    self_checkout_max_items: NonNegativeInt = field(15, "Largest basket taken to self-checkout.")
    self_checkout_share: Probability = field(
        0.5, "Share of eligible shoppers who prefer self-checkout."
    )
    balking: bool = field(True, "Shoppers may leave on seeing a long queue.")
    balk_queue: Annotated[int, Field(ge=1)] = field(
        8, "Queue length (per lane) a calm shopper balks at; lower for bad moods."
    )
    reneging: bool = field(True, "Shoppers may leave the queue when their patience runs out.")
    perceived_wait_factor: PositiveFloat = field(
        1.36, "Perceived over actual idle wait (Larson 2012: about a third more)."
    )
    wait_tolerance_min: PositiveFloat = field(
        4.0, "Perceived wait after which satisfaction with the queue drops (Maister 1985)."
    )


class Outage(Section):
    day: NonNegativeInt = field(0, "Day of the outage (0 = first simulated day, warm-up included).")
    start: ClockTime = field("17:00", "Start time (HH:MM).")
    duration_min: PositiveFloat = field(90.0, "Duration in minutes.")
    terminals: list[NonNegativeInt] | Literal["all"] = field(
        "all", "Terminal indices that fail, or all."
    )
    every_day: bool = field(False, "Repeat the outage every day from `day` on.")


class Payment(Section):
    cash_share: Probability = field(
        0.65, "Share of shoppers with cash on hand, for segments that set none of their own."
    )
    cash_preference: Probability = field(
        0.55, "Share of shoppers with cash who choose to pay in cash."
    )
    card_time_min: PositiveFloat = field(0.4, "Minutes to pay by card.")
    cash_time_min: PositiveFloat = field(0.8, "Minutes to pay in cash.")
    terminal_mtbf_hours: PositiveFloat = field(
        400.0, "Mean hours between random terminal failures."
    )
    terminal_mttr_min: PositiveFloat = field(25.0, "Mean minutes to repair a failed terminal.")
    random_failures: bool = field(True, "Terminals fail at random (MTBF/MTTR).")
    outages: list[Outage] = field(list, "Scheduled outages.")
    wait_for_repair_prob: Probability = field(
        0.3, "Chance a shopper without cash waits for the terminal to come back."
    )
    fetch_cash_prob: Probability = field(
        0.45, "Chance a shopper without cash goes to an ATM and comes back."
    )
    fetch_cash_min: PositiveFloat = field(8.0, "Minutes to fetch cash.")
    max_repair_wait_min: PositiveFloat = field(15.0, "Longest a shopper waits for a repair.")
    failure_quality: Quality = field(-1.0, "Felt quality of a card refused by a dead terminal.")


class Exit(Section):
    check_prob: Probability = field(0.05, "Chance of a receipt or bag check at the exit.")
    check_min: NonNegativeFloat = field(1.0, "Minutes a check takes.")
    check_quality: Quality = field(-0.3, "Felt quality of being checked.")
    goodbye_quality: Quality = field(0.1, "Felt quality of leaving without a check.")


class Psyche(Section):
    # Tversky & Kahneman 1992, J. Risk and Uncertainty 5:297-323.
    curvature: Annotated[float, Field(gt=0.0, le=1.0)] = field(
        0.88, "Prospect-theory curvature a of v(x) = x^a."
    )
    loss_aversion: PositiveFloat = field(2.25, "Prospect-theory loss aversion lambda.")
    felt_scale: PositiveFloat = field(
        0.4, "Valence moved by one unit of prospect-theory value at a touchpoint."
    )
    mood_half_life_min: PositiveFloat = field(
        6.0, "Minutes for emotion to decay halfway back to the baseline mood."
    )
    baseline_mood: Quality = field(0.15, "Mean baseline mood (valence) shoppers arrive with.")
    baseline_mood_sd: NonNegativeFloat = field(0.15, "Spread of shoppers' baseline mood.")
    disposition_sd: NonNegativeFloat = field(
        0.15, "Spread of shoppers' disposition: how rosy they see and expect everything."
    )
    memory_noise: NonNegativeFloat = field(
        0.05, "Spread of misremembering around the peak-end score."
    )
    # Kahneman et al. 1993; Redelmeier & Kahneman 1996.
    peak_weight: NonNegativeFloat = field(0.5, "Weight of the most intense moment in memory.")
    end_weight: NonNegativeFloat = field(0.5, "Weight of the final moment in memory.")
    duration_weight: NonNegativeFloat = field(
        0.0, "Weight of visit length in memory (duration neglect: near 0)."
    )
    expectation_adapt: Probability = field(
        0.25, "Step by which expectations move toward what was received."
    )
    newcomer_expectation: Quality = field(0.0, "A newcomer's expectation for every touchpoint.")
    mood_basket_effect: NonNegativeFloat = field(
        0.25, "Relative basket change per unit of valence (impulse buys or fewer items)."
    )
    mood_patience_effect: NonNegativeFloat = field(
        0.5, "Relative patience change per unit of valence."
    )


class Loyalty(Section):
    return_window_days: PositiveFloat = field(
        14.0, "A visit counts as returned when the customer visits again within this window."
    )
    gain_rate: Probability = field(0.10, "Step toward the visit's outcome when it is better.")
    loss_rate: Probability = field(0.30, "Step toward the visit's outcome when it is worse.")
    effort_weight: NonNegativeFloat = field(
        1.5, "Weight of excess effort against remembered emotion in a visit's outcome."
    )
    expected_effort: NonNegativeFloat = field(
        1.0, "Effort units a customer takes for granted on a visit."
    )
    initial_strength: Probability = field(0.6, "Relationship strength of the starting base (0..1).")
    newcomer_strength: Probability = field(0.45, "Relationship strength of a newcomer (0..1).")
    basket_floor: Probability = field(
        0.6, "Part of the shopping list bought here by a customer with no attachment at all."
    )
    wallet_slope: PositiveFloat = field(
        6.0, "Steepness of share of wallet in relationship strength minus competitor pull."
    )
    defect_threshold: Quality = field(
        0.2, "Relationship strength below which a customer may switch to a competitor."
    )
    defect_prob: Probability = field(0.5, "Chance to switch after a visit below the threshold.")
    routine_value: float = field(
        0.3, "Outcome of an uneventful visit that met expectations (the store's convenience)."
    )
    csat_scale: PositiveFloat = field(2.5, "CSAT points per unit of remembered score.")
    csat_expectation: NonNegativeFloat = field(
        1.5, "CSAT points per unit of expected quality (assimilation, Oliver 1980)."
    )
    ltr_center: Quality = field(0.3, "Relationship strength at which recommending is a toss-up.")
    ltr_slope: PositiveFloat = field(7.0, "Steepness of likelihood to recommend in strength.")
    ltr_memory: NonNegativeFloat = field(
        2.0, "Weight of the last visit's remembered score in likelihood to recommend."
    )


class AfterVisit(Section):
    complaint_threshold: Quality = field(
        -0.4, "Remembered score below which a customer considers complaining."
    )
    complaint_base: Probability = field(0.01, "Complaint chance of a dissatisfying visit.")
    complaint_peak_slope: NonNegativeFloat = field(
        0.05, "Added complaint chance per unit of negative peak (the worst moment)."
    )
    recovery_quality: Quality = field(
        0.3, "Quality of the store's service recovery (-1 dismissive .. 1 excellent)."
    )
    recovery_delay_min: NonNegativeFloat = field(
        30.0, "Minutes from the end of the visit to the store's answer to a complaint."
    )
    recovery_closure: Probability = field(
        1.0, "How far an excellent recovery softens the remembered failure (peak)."
    )
    repeat_failure_discount: NonNegativeFloat = field(
        2.0, "Recovery quality is divided by 1 + this x earlier failures."
    )
    follow_up_prob: Probability = field(0.0, "Chance the store follows up after a bad visit.")
    follow_up_quality: Quality = field(0.3, "Felt quality of a follow-up contact.")
    review_prob: Probability = field(0.03, "Chance a customer posts a review after a visit.")
    negative_review_boost: NonNegativeFloat = field(
        2.0, "Review chance multiplier after a bad visit."
    )
    initial_rating: Annotated[float, Field(ge=1.0, le=5.0)] = field(
        4.0, "Store rating (stars) at the start."
    )
    rating_memory: Annotated[int, Field(ge=1)] = field(
        200, "Reviews the displayed rating averages over (most recent)."
    )


class WordOfMouth(Section):
    # TARP / American Express: bad experiences told to about 16 people, good ones to 9.
    promoter_reach: NonNegativeFloat = field(9.0, "People a promoter tells about the store.")
    detractor_reach: NonNegativeFloat = field(16.0, "People a detractor tells.")
    tell_prob: Probability = field(0.05, "Chance a visit leads the customer to tell friends.")
    conversion: Probability = field(0.03, "Chance a friend told by a promoter tries the store.")
    deterrence: Probability = field(
        0.01, "Chance a friend told by a detractor stops a planned first visit."
    )


class Costs(Section):
    wage_per_hour: dict[StaffRole, NonNegativeFloat] = field(
        lambda: {
            "cashier": 32.0,
            "stocker": 30.0,
            "floor_assistant": 31.0,
            "cleaner": 28.0,
            "security": 30.0,
            "manager": 55.0,
        },
        "Hourly wage per role (PLN).",
    )
    investment: NonNegativeFloat = field(0.0, "One-off investment of the scenario (PLN).")
    per_outage: NonNegativeFloat = field(0.0, "Cost per terminal outage or failure (PLN).")
    margin: Probability = field(0.22, "Gross margin on revenue.")
    annual_discount: Probability = field(0.08, "Discount rate for customer lifetime value.")


class Scenario(Section):
    """A complete store scenario."""

    name: str = field("baseline", "Scenario name (defaults to the file name).")
    description: str = field("", "What the scenario shows.")
    seed: NonNegativeInt = field(20261125, "Root seed; replications spawn their streams from it.")
    replications: Annotated[int, Field(ge=1)] = field(10, "Independent replications.")
    horizon: Horizon = field(Horizon, "Simulated days and warm-up.")
    hours: Hours = field(Hours, "Opening hours and hourly arrival profiles.")
    arrivals: Arrivals = field(Arrivals, "Where shoppers come from.")
    segments: dict[str, Segment] = field(_default_segments, "Shopper segments and their mix.")
    zones: list[Zone] = field(_default_zones, "Zones walked in order before the checkout.")
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
        if self.checkout.cashiers + self.checkout.self_checkouts == 0:
            raise ValueError("checkout needs at least one cashier lane or self-checkout")
        if not self.segments or sum(s.share for s in self.segments.values()) <= 0:
            raise ValueError("segments need at least one segment with a positive share")
        if not self.zones:
            raise ValueError("zones need at least one zone")
        picked = sum(zone.item_share for zone in self.zones)
        if abs(picked - 1.0) > 1e-6:
            raise ValueError(f"zones' item_share must add up to 1, not {picked:g}")
        tills = self.checkout.cashiers + self.checkout.self_checkouts
        for outage in self.payment.outages:
            if outage.terminals != "all" and any(i >= tills for i in outage.terminals):
                raise ValueError(
                    f"payment.outages: terminal indices must be below {tills} "
                    f"(cashier lanes first, then self-checkouts)"
                )
        for departure in self.staff.turnover:
            role = departure.role
            settings = self.staff.roles.get(role, StaffRoleSettings(count=0))
            count = self.checkout.cashiers if role == "cashier" else settings.count
            if departure.index >= 2 * count:
                raise ValueError(
                    f"staff.turnover: {role} post {departure.index} does not exist; there are "
                    f"{2 * count} posts (morning 0..{count - 1}, evening {count}..{2 * count - 1})"
                )
        shelves = self.shelves
        responses = (
            shelves.response_elsewhere
            + shelves.response_brand
            + shelves.response_size
            + shelves.response_delay
            + shelves.response_skip
        )
        if abs(responses - 1.0) > 1e-6:
            raise ValueError(f"shelves.response_* shares must add up to 1, not {responses:g}")
        return self

    @property
    def total_days(self) -> int:
        return self.horizon.warmup_days + self.horizon.days
