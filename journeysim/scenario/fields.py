"""Building blocks of the scenario schema: value types, touchpoint kinds, sections, fields."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from journeysim.clock import CLOCK_PATTERN

# Sane ranges. Every number of a scenario is finite and bounded on both sides, so that no
# input makes a run endless or a worker run out of memory; the bounds show in the schema
# (those of the run's settings in journeysim.limits, which the command line reads too).
MAX_STEP_MIN = 240.0  # one step of a visit (walking a zone, service, patience...) in minutes
MAX_OUTAGE_MIN = 10_080.0  # a terminal outage, a repair or a complaint's answer: a week
MAX_LANES = 200  # checkout lanes or self-checkouts of one store
MAX_STAFF = 200  # staff of one role on a shift
MAX_CUSTOMERS = 200_000  # customers in the starting base
MAX_NEW_PER_DAY = 5000.0  # new customers a day
MAX_RATE_PER_HOUR = 2000.0  # shoppers an hour in open mode
MAX_ITEMS = 500  # items in a basket
MAX_ITEM_PRICE = 100_000.0  # a segment's mean price of an item (PLN)
MAX_WEEKEND_FACTOR = 100.0  # a weekend day's traffic over a weekday's
MAX_LABEL = 60  # characters of a zone's or segment's name, which labels tables and charts
# Least and most sd_min over mean_min of a lognormal or gamma duration: spreads far outside
# overflow their parameters (sd_min 240 of mean_min 1e-300, a gamma's sd_min 1e-200 of 2.5).
MIN_SPREAD = 1e-6
MAX_SPREAD = 100.0

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Quality = Annotated[float, Field(ge=-1.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Weight = Annotated[float, Field(ge=0.0, le=1000.0)]  # a relative weight
Multiplier = Annotated[float, Field(ge=0.0, le=100.0)]


LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"  # one line: no newline or other control character
Label = Annotated[str, Field(min_length=1, max_length=MAX_LABEL, pattern=LINE_PATTERN)]
ClockTime = Annotated[str, Field(pattern=CLOCK_PATTERN)]

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
TOUCHPOINT_KINDS: tuple[str, ...] = get_args(TouchpointKind)
StaffRole = Literal["cashier", "stocker", "floor_assistant", "cleaner", "security", "manager"]
FloorRole = Literal["stocker", "floor_assistant", "cleaner", "security", "manager"]


class Section(BaseModel):
    """A scenario section: unknown keys are errors, numbers must be finite, values are checked
    on assignment."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, allow_inf_nan=False, strict=True
    )


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
    mean_min: PositiveFloat = field(2.5, "Mean in minutes.", le=MAX_STEP_MIN)
    sd_min: NonNegativeFloat = field(
        0.0,
        "Standard deviation in minutes (lognormal and gamma, 1e-6 to 100 times mean_min; "
        "ignored otherwise).",
        le=MAX_STEP_MIN,
    )

    @model_validator(mode="after")
    def _spread_given(self) -> Distribution:
        if self.dist in ("lognormal", "gamma") and self.sd_min <= 0:
            raise ValueError(
                f"dist, sd_min: expected an sd_min above 0 for a {self.dist} distribution "
                f"(got {self.dist} and {self.sd_min:g})"
            )
        if self.dist in ("lognormal", "gamma") and not (
            MIN_SPREAD * self.mean_min <= self.sd_min <= MAX_SPREAD * self.mean_min
        ):
            raise ValueError(
                f"mean_min, sd_min: expected an sd_min from {MIN_SPREAD:g} to {MAX_SPREAD:g} "
                f"times mean_min for a {self.dist} distribution (got {self.mean_min:g} and "
                f"{self.sd_min:g})"
            )
        return self
