"""The watchdogs on simulated time and size: a replication whose shoppers stay in the store for
more than a day, or are still there a day after its horizon, or whose customer base grows past
any store's, ends with a clear error naming the scenario keys that likely cause it (rather than
running on while the queue or the memory grows)."""

from __future__ import annotations

from pydantic import BaseModel

from journeysim.scenario.schema import Distribution, Scenario
from journeysim.simulation.burn_in import BURN_IN_REPLICATION
from journeysim.simulation.failures import ReplicationFailed

SERVICE = "checkout.service_time.mean_min"
# Simulated minutes the last shoppers get to leave after the horizon before the run stops.
OVERTIME_MIN = 1440.0
# Visits a day no store sees: the largest customer base a scenario may start with (200,000)
# makes about 40,000 (the baseline's customers come every fifth day), open mode's busiest
# day (2,000 an hour, all day) 48,000. Word of mouth that brings each customer more than one
# newcomer grows the base without end (about 90,000 visits by its third day at promoter_reach
# 1000, conversion and tell_prob 1, and 4.6 GB), which this stops.
MAX_VISITS_PER_DAY = 100_000
_GROWTH = (
    "word_of_mouth.promoter_reach",
    "word_of_mouth.conversion",
    "word_of_mouth.tell_prob",
    "arrivals.new_per_day",
)
# Minutes that are not spent in the store by a shopper (they cannot keep one inside).
_NOT_IN_STORE = {
    "round_min",
    "terminal_mttr_min",
    "duration_min",
    "mood_half_life_min",
    "wait_tolerance_min",
    "recovery_delay_min",
    "sd_min",
}


class Overrun(ReplicationFailed):
    """Shoppers still in the store OVERTIME_MIN after the horizon."""


def overrun(scenario: Scenario, replication: int, inside: int, day: int | None) -> Overrun:
    """The error for `inside` shoppers in the store for more than a day at the end of `day`,
    or (`day` None) still in the store OVERTIME_MIN after the horizon. It names the duration
    furthest above its default, or, where the one-off shoppers of open mode arrive faster than
    the tills can serve them all (`overload`), the tills first and their service time."""
    minutes = {key: (value, default) for key, value, default in _visit_minutes(scenario)}
    when = (
        f"in the store for more than a day at the end of day {day}"
        if day is not None
        else f"still in the store {OVERTIME_MIN / 1440:g} simulated day after the horizon"
    )
    head = f"{inside:,} shoppers {when}: "
    run = scenario.name, None if replication == BURN_IN_REPLICATION else replication
    if too_many := overload(scenario):
        value, default = minutes[SERVICE]
        return Overrun(
            f"{head}the checkout cannot keep up: {too_many}; check checkout.cashiers, "
            f"checkout.self_checkouts and {SERVICE} ({value:g} min, default {default:g}) "
            "against the traffic, and checkout.reneging",
            *run,
        )
    key = max(minutes, key=lambda k: minutes[k][0] / minutes[k][1])
    value, default = minutes[key]
    return Overrun(
        f"{head}visits take too long or the checkout cannot keep up; check {key} ({value:g} "
        f"min, default {default:g}), checkout.cashiers and checkout.self_checkouts against the "
        "traffic, and checkout.reneging",
        *run,
    )


class Overgrown(ReplicationFailed):
    """More than MAX_VISITS_PER_DAY visits planned for one day."""


def overgrown(scenario: Scenario, replication: int, visits: int, day: int) -> Overgrown:
    """The error for `visits` planned on `day`, more than MAX_VISITS_PER_DAY: it names the
    keys that bring newcomers, with their values and the default scenario's."""
    default = Scenario()
    keys = ", ".join(
        f"{key} ({_at(scenario, key):g}, default {_at(default, key):g})" for key in _GROWTH
    )
    return Overgrown(
        f"{visits:,} visits planned on day {day}, more than any store has (at most "
        f"{MAX_VISITS_PER_DAY:,}): the customer base grows without end, as when word of mouth "
        f"brings each customer more than one newcomer; check {keys}",
        scenario.name,
        None if replication == BURN_IN_REPLICATION else replication,
    )


def _at(model: BaseModel, key: str) -> float:
    section, name = key.split(".")
    return float(getattr(getattr(model, section), name))


def overload(scenario: Scenario) -> str | None:
    """In open mode, where shoppers arrive faster than every till together serves them at
    their mean service times: that, in words (e.g. "40 shoppers arrive an hour
    (arrivals.rate_per_hour), more than its tills serve: at most 15 an hour"); else None."""
    arrivals, checkout = scenario.arrivals, scenario.checkout
    if arrivals.mode != "open":
        return None
    served = 60.0 * (
        checkout.cashiers / checkout.service_time.mean_min
        + checkout.self_checkouts / checkout.self_service_time.mean_min
    )
    if arrivals.rate_per_hour < served:
        return None
    return (
        f"{arrivals.rate_per_hour:g} shoppers arrive an hour (arrivals.rate_per_hour), more "
        f"than its tills serve: at most {served:.3g} an hour"
    )


def _visit_minutes(model: BaseModel, prefix: str = "", default: BaseModel | None = None):
    """(key, value, default) of every duration in minutes a shopper spends inside. The default
    is the default scenario's value at the key: a zone or segment it has not (by name) takes
    the schema field's. A lognormal or gamma duration's sd_min counts too, as its long tail
    keeps a shopper inside as a long mean does."""
    if default is None and isinstance(model, Scenario):
        default = Scenario()
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        usual = getattr(default, name, None)
        children = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else ()
        )
        if isinstance(value, BaseModel):
            yield from _visit_minutes(value, f"{prefix}{name}.", usual)
        for index, child in children:
            if isinstance(child, BaseModel):
                yield from _visit_minutes(
                    child, f"{prefix}{name}.{index}.", _alike(index, child, usual)
                )
        if not name.endswith("_min") or not isinstance(value, float):
            continue
        if name == "sd_min":
            if not (isinstance(model, Distribution) and model.dist in ("lognormal", "gamma")):
                continue
        elif name in _NOT_IN_STORE:
            continue
        if not isinstance(usual, float):
            usual = info.default if isinstance(info.default, float) else 0.0
        if usual > 0:
            yield prefix + name, value, usual


def _alike(key: object, child: BaseModel, usual: object) -> BaseModel | None:
    """The default scenario's item of a mapping (`usual`) under the same `key`, or of a list
    with the same name as `child`."""
    if isinstance(usual, dict):
        found = usual.get(key)
        return found if isinstance(found, BaseModel) else None
    name = getattr(child, "name", None)
    items = usual if isinstance(usual, list) else []
    return next((item for item in items if name and getattr(item, "name", None) == name), None)
