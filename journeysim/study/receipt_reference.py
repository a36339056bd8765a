"""What the base scenario itself prints on its till, measured on a short run: the ratios that
turn observed receipts into scenario values (a basket of `basket_items` planned items comes
out as fewer items bought, the base's traffic, the time from the door to the receipt)."""

from __future__ import annotations

from dataclasses import dataclass

from journeysim.scenario.loader import apply_overrides
from journeysim.scenario.schema import Scenario
from journeysim.simulation.replication import past, simulate
from journeysim.study.receipts_export import CASH_PAYMENTS

REFERENCE_DAYS = 28  # four whole weeks: every weekday as often


class SellsNothing(ValueError):
    """The scenario's reference run has no receipt to measure."""


@dataclass(frozen=True)
class Reference:
    """The base scenario's receipts over `days` measured days of one replication."""

    days: int
    receipts_per_day: float
    dwell_min: float  # mean minutes from arriving to the end of scanning
    items: float  # mean items per receipt
    price: float  # revenue per item
    cash: float  # share of receipts paid in cash
    segment_items: dict[str, float]  # mean items per receipt of each segment
    segment_customers: dict[str, float]  # share of the customers seen at the till, per segment


def reference_scenario(base: Scenario, days: int = REFERENCE_DAYS) -> Scenario:
    """`base` as its reference run runs it: one replication of `days` measured days."""
    return apply_overrides(base, [f"horizon.days={days}", "replications=1"])


def reference_run(base: Scenario, days: int = REFERENCE_DAYS, warn: bool = True) -> Reference:
    """One replication of `base` (from its history, after its warm-up) reduced to a Reference;
    `warn`: whether to warn when its history is too short (`past`)."""
    scenario = reference_scenario(base, days)
    past(scenario, warn=warn)
    visits = simulate(scenario, 0).visits
    bought = visits[(~visits["warmup"]) & (visits["items"] > 0) & (visits["abandoned"] == "")]
    if bought.empty:
        raise SellsNothing(f"{base.name} sells nothing in a {days}-day run")
    receipt_end = bought["service_start_min"] + bought["service_min"]
    by_segment = bought.groupby("segment", observed=True)
    customers = by_segment["customer_id"].nunique()
    return Reference(
        days=days,
        receipts_per_day=len(bought) / days,
        dwell_min=float((receipt_end - bought["arrival_min"]).mean()),
        items=float(bought["items"].mean()),
        price=float(bought["revenue"].sum() / bought["items"].sum()),
        cash=float(bought["payment"].isin(CASH_PAYMENTS).mean()),
        segment_items={str(k): float(v) for k, v in by_segment["items"].mean().items()},
        segment_customers={str(k): float(v) for k, v in (customers / customers.sum()).items()},
    )
