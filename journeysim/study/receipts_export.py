"""Simulated visits as a till would print them: one receipt per visit that bought something,
in the columns `read_receipts` reads (for examples and for round-trip tests of the fit)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from journeysim.scenario.schema import Scenario

CASH_PAYMENTS = frozenset({"cash", "cash after refusal", "fetched cash"})
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def receipts_from_visits(
    visits: pd.DataFrame,
    scenario: Scenario,
    first_monday: dt.date,
    card_share: float = 0.6,
    seed: int = 0,
) -> pd.DataFrame:
    """The receipts of `visits` (a replication's visit table; warm-up days are left out).

    Day 0 of the simulation is `first_monday`; a receipt is printed when scanning ends (paying
    takes no time in the model). Staffed lanes are L1, L2, ..., self-checkouts S1, S2, ...
    A customer holds a loyalty card with probability `card_share` (drawn once per customer
    from `seed`), and the card's visits carry the customer's id.
    """
    if first_monday.weekday() != 0:
        raise ValueError(f"first_monday must be a Monday, not {first_monday:%A}")
    bought = visits[
        (~visits["warmup"]) & (visits["items"] > 0) & (visits["abandoned"] == "")
    ].sort_values(["day", "service_start_min"])
    midnight = pd.Timestamp(first_monday) + pd.to_timedelta(bought["day"], unit="D")
    start = midnight + pd.to_timedelta(bought["service_start_min"], unit="min")
    end = start + pd.to_timedelta(bought["service_min"], unit="min")
    cashiers = scenario.checkout.cashiers
    till = bought["till"].to_numpy()
    lane = np.where(
        till < cashiers, "L" + (till + 1).astype(str), "S" + (till - cashiers + 1).astype(str)
    )
    ids = bought["customer_id"].to_numpy()
    rng = np.random.default_rng(seed)
    holds_card = rng.random(int(ids.max()) + 1 if len(ids) else 0) < card_share
    card = np.where(holds_card[ids], pd.Series(ids).map("C{:05d}".format).to_numpy(), "")
    receipts = pd.DataFrame(
        {
            "timestamp": end.dt.strftime(TIME_FORMAT).to_numpy(),
            "items": bought["items"].to_numpy(),
            "amount": bought["revenue"].round(2).to_numpy(),
            "payment": np.where(bought["payment"].isin(CASH_PAYMENTS), "cash", "card"),
            "lane": lane,
            "customer_id": card,
            "scan_start": start.dt.strftime(TIME_FORMAT).to_numpy(),
            "scan_end": end.dt.strftime(TIME_FORMAT).to_numpy(),
        }
    )
    return receipts.sort_values("timestamp", kind="stable").reset_index(drop=True)
