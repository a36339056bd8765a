"""The watchdog on simulated time: a replication whose shoppers are still in the store long
after its horizon ends with a clear error naming the scenario keys that likely cause it."""

from __future__ import annotations

from pydantic import BaseModel

from journeysim.scenario.schema import Scenario
from journeysim.simulation.failures import ReplicationFailed

# Simulated minutes the last shoppers get to leave after the horizon before the run stops.
OVERTIME_MIN = 1440.0
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


def overrun(scenario: Scenario, replication: int, inside: int) -> Overrun:
    """The error for `inside` shoppers still in the store after the overtime."""
    key, value, default = max(_visit_minutes(scenario), key=lambda k: k[1] / k[2])
    return Overrun(
        f"{scenario.name}, replication {replication}: {inside:,} shoppers still in the store "
        f"{OVERTIME_MIN / 1440:g} simulated day after the horizon: visits take too long or the "
        f"checkout cannot keep up; check {key} ({value:g} min, default {default:g}), "
        "checkout.cashiers and checkout.self_checkouts against the traffic, and "
        "checkout.reneging"
    )


def _visit_minutes(model: BaseModel, prefix: str = ""):
    """(key, value, schema default) of every duration in minutes a shopper spends inside."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        children = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value)
            if isinstance(value, list)
            else ()
        )
        if isinstance(value, BaseModel):
            yield from _visit_minutes(value, f"{prefix}{name}.")
        for index, child in children:
            if isinstance(child, BaseModel):
                yield from _visit_minutes(child, f"{prefix}{name}.{index}.")
        if name.endswith("_min") and name not in _NOT_IN_STORE and isinstance(value, float):
            default = info.default if isinstance(info.default, float) else 0.0
            if default > 0:
                yield prefix + name, value, default
