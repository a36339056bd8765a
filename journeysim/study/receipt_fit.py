"""Fit a scenario to a store's receipts: what the receipts determine becomes scenario values over
a base scenario, what they only observe becomes calibration targets, and what they cannot
tell is said with the reason.

Arrivals. With a customer base (`arrivals.mode: customer_base`) traffic is not a rate: it is the
customers the store holds times how often they come. The base settles where the newcomers
(`arrivals.new_per_day`) balance those who leave, so traffic scales with `new_per_day`; the fit
scales it, and `arrivals.base_customers` (where the history starts), by the observed receipts
per day over the base's own. Visit frequencies (`segments.*.visit_interval_days`) mix with the
store choice, which the relationship drives, so they are left to calibration against
`return_rate`. In `open` mode traffic is `arrivals.rate_per_hour`.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy import stats

from journeysim.scenario.fields import (
    MAX_CUSTOMERS,
    MAX_ITEM_PRICE,
    MAX_ITEMS,
    MAX_NEW_PER_DAY,
    MAX_RATE_PER_HOUR,
    MAX_SPREAD,
    MAX_STEP_MIN,
    MIN_SPREAD,
    Distribution,
)
from journeysim.scenario.loader import apply_overrides
from journeysim.scenario.schema import Scenario
from journeysim.study import receipt_targets as observe
from journeysim.study.arrival_profile import as_weights, hour_counts, preferred_profile
from journeysim.study.receipt_reference import Reference
from journeysim.study.receipts import (
    Receipts,
    ReceiptsError,
    lane_counts,
    self_lanes,
    weekend_factor,
)
from journeysim.study.service_fit import fit_service_time
from journeysim.words import figure, listed, plural

# Per segment, which receipts are its card holders' (None: segments are not told apart).
Groups = dict[str, np.ndarray] | None
MIN_CUSTOMERS_PER_SEGMENT = 20  # card holders per segment to fit segments apart
MIN_DURATIONS = 30  # scan times to fit a service-time distribution
HOMOGENEITY_P = 0.001  # below: weekday and weekend receipts have different hourly shapes


@dataclass
class ReceiptsFit:
    """`settings`: scenario values by dotted key; `fitted`: (key, how) lines; `not_fitted`:
    (what, why) lines; `targets`: KPI -> {value, tolerance}; `hourly` and `observed`: what else
    the receipts show; `facts`: counts of the data; `source`: the receipts file."""

    settings: dict[str, Any] = field(default_factory=dict)
    fitted: list[tuple[str, str]] = field(default_factory=list)
    not_fitted: list[tuple[str, str]] = field(default_factory=list)
    targets: dict[str, dict[str, float]] = field(default_factory=dict)
    hourly: dict[str, Any] = field(default_factory=dict)
    observed: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, int] = field(default_factory=dict)
    source: str = ""

    def set(self, key: str, value: Any, how: str) -> None:
        self.settings[key] = value
        self.fitted.append((key, how))

    def skip(self, what: str, why: str) -> None:
        self.not_fitted.append((what, why))


def fit_receipts(
    receipts: Receipts,
    base: Scenario,
    reference: Reference,
    services: list[tuple[str, dict[str, Any] | None, str]] | None = None,
) -> ReceiptsFit:
    """The scenario values, targets and notes the receipts give over `base`, whose own till is
    `reference`; `services` are the receipts' `service_times` (default: fitted here)."""
    fit = ReceiptsFit(source=receipts.source)
    table = receipts.table
    days = observe.daily(receipts)
    fit.facts = {
        "receipts": len(table),
        "days": len(days),
        "weekend_days": int(days["weekend"].sum()),
        "card_receipts": int(table["customer_id"].notna().sum()) if "customer_id" in table else 0,
        "customers": int(table["customer_id"].nunique()) if "customer_id" in table else 0,
    }
    _traffic(fit, receipts.source, base, reference, days)
    _hours(fit, receipts, base, reference)
    groups = _segment_groups(fit, receipts, base, reference)
    _baskets(fit, receipts, base, reference, groups)
    _cash(fit, receipts, base, reference, groups)
    _service(fit, service_times(receipts) if services is None else services)
    _lanes(fit, receipts)
    _targets(fit, receipts, base, days)
    fit.skip(
        "psyche, loyalty, after_visit, word_of_mouth",
        "receipts show what customers did, not how they felt; calibrate them against the targets",
    )
    fit.skip(
        "staff, costs",
        "receipts do not show who works or what they cost: kept from the base, as are the wages "
        "and margin behind contribution; set the store's own (staff.roles, costs.*)",
    )
    return fit


def _traffic(
    fit: ReceiptsFit, source: str, base: Scenario, reference: Reference, days: pd.DataFrame
) -> None:
    per_day, _ = observe.weekly_mean(days["receipts"], days["weekend"])
    fitted = weekend_factor(days["receipts"], days["weekend"])
    if fitted is not None:
        factor, weekend_day, weekday = fitted
        weekend_days = int(days["weekend"].sum())
        fit.set(
            "hours.weekend_factor",
            factor,
            f"receipts per weekend day / per weekday ({weekend_day:,.0f} / {weekday:,.0f} over "
            f"{weekend_days} and {len(days) - weekend_days} days)",
        )
    else:
        fit.skip("hours.weekend_factor", "needs receipts on weekdays and on weekend days")
    if base.arrivals.mode == "open":
        hours = (base.hours.close_min - base.hours.open_min) / 60.0
        if per_day > MAX_RATE_PER_HOUR * hours:
            raise _too_busy(source, per_day, MAX_RATE_PER_HOUR * hours, "arrivals.rate_per_hour")
        fit.set(
            "arrivals.rate_per_hour",
            round(per_day / hours, 2),
            f"{per_day:,.1f} receipts a day over {hours:g} opening hours",
        )
        return
    scale = per_day / reference.receipts_per_day
    arrivals = base.arrivals
    limits = {  # receipts a day at which a value scaled in proportion reaches its bound
        key: reference.receipts_per_day * TRAFFIC_BOUNDS[key] / value
        for key, value in (
            ("arrivals.new_per_day", arrivals.new_per_day),
            ("arrivals.base_customers", arrivals.base_customers),
        )
        if value > 0
    }
    if limits and per_day > min(limits.values()):
        key = min(limits, key=limits.__getitem__)
        raise _too_busy(source, per_day, limits[key], key)
    how = (
        f"x {scale:.3f}: {per_day:,.1f} receipts a day (a week's mean) against the base's "
        f"{reference.receipts_per_day:,.1f} ({reference.days}-day reference run); the base "
        "settles in proportion to its newcomers"
    )
    fit.set("arrivals.new_per_day", round(arrivals.new_per_day * scale, 3), how)
    fit.set(
        "arrivals.base_customers",
        int(round(arrivals.base_customers * scale)),
        f"x {scale:.3f}, so the history starts near where it settles",
    )


# The traffic's fitted values and their bounds in the scenario.
TRAFFIC_BOUNDS = {
    "arrivals.new_per_day": MAX_NEW_PER_DAY,
    "arrivals.base_customers": MAX_CUSTOMERS,
    "arrivals.rate_per_hour": MAX_RATE_PER_HOUR,
}


def _too_busy(source: str, per_day: float, most: float, key: str) -> ReceiptsError:
    """Receipts a day (a week's mean) beyond the `most` the store sells with `key` at its
    bound, named in the receipts rather than as the value fitted from them."""
    return ReceiptsError(
        f"{source}: column timestamp: expected at most about {math.floor(most):,} receipts a "
        f"day (a week's mean), as many as the store sells with {key} at its most, "
        f"{TRAFFIC_BOUNDS[key]:,g} (got {per_day:,.1f})"
    )


def _hours(fit: ReceiptsFit, receipts: Receipts, base: Scenario, reference: Reference) -> None:
    hours = base.hours
    count = int(-(-(hours.close_min - hours.open_min) // 60))
    days = observe.calendar(receipts)
    arrival = days["minute"].to_numpy() - reference.dwell_min
    outside = (arrival < hours.open_min - 30) | (arrival > hours.close_min + 30)
    first, last = (int(f(days["minute"])) for f in (np.min, np.max))
    if outside.mean() > 0.01:
        fit.skip(
            "hours.open, hours.close",
            f"kept {hours.open}-{hours.close} from the base, yet {outside.mean():.1%} of the "
            "receipts fall more than half an hour outside them: set the store's hours in the base",
        )
    elif first > hours.open_min + 60 or last < hours.close_min - 60:
        fit.skip(
            "hours.open, hours.close",
            f"kept {hours.open}-{hours.close} from the base, yet the receipts run from "
            f"{first // 60:02d}:{first % 60:02d} to {last // 60:02d}:{last % 60:02d}: set the "
            "store's hours in the base (its shoppers and staff come in the hours it is open)",
        )
    if base.arrivals.mode == "open":
        fit.skip(
            "hours.weekday_profile, hours.weekend_profile",
            "open mode arrives evenly over the opening hours",
        )
        return
    weekend = days["weekend"].to_numpy()
    counts = {flag: hour_counts(arrival[weekend == flag], hours.open_min, count) for flag in (0, 1)}
    profile = as_weights(preferred_profile(counts[0] + counts[1]))
    how = (
        f"arrivals per hour (receipt time less {reference.dwell_min:.1f} min from the door to "
        "the receipt in the base), unsmoothed of the model's hour either side of a customer's "
        "usual time"
    )
    fit.set("hours.weekday_profile", profile, how)
    fit.set(
        "hours.weekend_profile",
        profile,
        "the same: a customer keeps one usual time of day, whatever the day",
    )
    both = np.vstack([counts[0], counts[1]])
    both = both[:, both.sum(axis=0) > 0]
    if counts[0].sum() and counts[1].sum() and both.shape[1] > 1:
        p_value = stats.chi2_contingency(both).pvalue
        if p_value < HOMOGENEITY_P:
            fit.skip(
                "hours.weekend_profile as its own shape",
                f"weekday and weekend receipts differ by hour (chi-square p = {p_value:.1g}), but "
                "a customer keeps one usual time of day, drawn when they first come, so the "
                "model has one hourly shape for all days; the pooled shape is written",
            )


def _segment_groups(
    fit: ReceiptsFit, receipts: Receipts, base: Scenario, reference: Reference
) -> Groups:
    """Per segment, a mask of the receipts of the card holders assigned to it: card holders
    ranked by their mean basket and cut at the base's shares of customers at the till, the
    segments ordered by their mean basket in the base. None when the cards are too few."""
    names = [n for n in base.segments if n in reference.segment_items]
    table = receipts.table
    customers = fit.facts["customers"]
    if "customer_id" not in table or customers == 0:
        fit.skip("segments apart", "no customer_id column: every segment is scaled alike")
        return None
    if len(names) < 2 or customers < MIN_CUSTOMERS_PER_SEGMENT * len(names):
        fit.skip(
            "segments apart",
            f"{customers} card holders, fewer than {MIN_CUSTOMERS_PER_SEGMENT} per segment: "
            "every segment is scaled alike",
        )
        return None
    means = table.groupby("customer_id")["items"].mean().sort_values(kind="stable")
    ordered = sorted(names, key=reference.segment_items.__getitem__)
    shares = np.array([reference.segment_customers[n] for n in ordered])
    cuts = np.round(np.cumsum(shares / shares.sum()) * len(means)).astype(int)
    groups, start = {}, 0
    for name, end in zip(ordered, cuts):
        members = set(means.index[start:end])
        groups[name] = table["customer_id"].isin(members).to_numpy()
        start = end
    fit.observed["segments"] = {
        name: int(len(means.iloc[a:b])) for name, a, b in zip(ordered, [0, *cuts[:-1]], cuts)
    }
    return groups


def _baskets(
    fit: ReceiptsFit, receipts: Receipts, base: Scenario, reference: Reference, groups: Groups
) -> None:
    table = receipts.table
    source = receipts.source
    if groups is None:
        mean, per_item = table["items"].mean(), table["amount"].sum() / table["items"].sum()
        items, price = float(mean) / reference.items, float(per_item) / reference.price
        for name, segment in _largest_first(base, "basket_items"):
            if round(segment.basket_items * items, 2) > MAX_ITEMS:
                most = MAX_ITEMS * reference.items / segment.basket_items
                raise _too_many_items(source, "", float(mean), most, name)
        for name, segment in _largest_first(base, "item_price"):
            if round(segment.item_price * price, 2) > MAX_ITEM_PRICE:
                most = MAX_ITEM_PRICE * reference.price / segment.item_price
                raise _too_dear(source, "", float(per_item), most, name)
        for name, segment in base.segments.items():
            fit.settings[f"segments.{name}.basket_items"] = round(segment.basket_items * items, 2)
        fit.fitted.append(
            ("segments.*.basket_items", f"x {items:.3f}: mean items per receipt against the base's")
        )
        prices = {name: segment.item_price * price for name, segment in base.segments.items()}
        _prices(fit, base, prices, f"x {price:.3f}: amount per item against the base's")
        return
    prices = {}
    for name, mask in groups.items():
        mine = table[mask]
        segment = base.segments[name]
        ratio = float(mine["items"].mean()) / reference.segment_items[name]
        if round(segment.basket_items * ratio, 2) > MAX_ITEMS:
            most = MAX_ITEMS * reference.segment_items[name] / segment.basket_items
            cards = f" of segment {name}'s card holders"
            raise _too_many_items(source, cards, float(mine["items"].mean()), most, name)
        fit.settings[f"segments.{name}.basket_items"] = round(segment.basket_items * ratio, 2)
        prices[name] = float(mine["amount"].sum() / mine["items"].sum())
        if round(prices[name], 2) > MAX_ITEM_PRICE:
            cards = f" on the receipts of segment {name}'s card holders"
            raise _too_dear(source, cards, prices[name], MAX_ITEM_PRICE, name)
    fit.fitted.append(
        (
            "segments.*.basket_items",
            "per segment of card holders: mean items per receipt against the segment's in the base",
        )
    )
    _prices(fit, base, prices, "per segment of card holders: amount per item")


def _largest_first(base: Scenario, key: str) -> list[tuple[str, Any]]:
    """The base's segments, that of the largest `key` first: the first a scale takes past
    its bound."""
    return sorted(base.segments.items(), key=lambda item: -getattr(item[1], key))


def _too_many_items(source: str, whose: str, mean: float, most: float, name: str) -> ReceiptsError:
    """Items per receipt (the mean of the receipts `whose`, "": all) beyond the `most` the
    store's receipts hold with segment `name`'s basket_items at its bound, named in the
    receipts."""
    return ReceiptsError(
        f"{source}: column items: expected at most about {math.floor(most):,} items per "
        f"receipt{whose} (the mean), as many as the store's receipts hold with "
        f"segments.{name}.basket_items at its most, {MAX_ITEMS:,} (got {mean:,.1f})"
    )


def _too_dear(source: str, whose: str, price: float, most: float, name: str) -> ReceiptsError:
    """An amount per item (over the receipts `whose`, "": all) beyond the `most` the store
    charges with segment `name`'s item_price at its bound, named in the receipts."""
    return ReceiptsError(
        f"{source}: column amount: expected at most about {most:,.2f} PLN an item{whose} "
        "(amount over items), as the store charges with "
        f"segments.{name}.item_price at its most, {MAX_ITEM_PRICE:,g} (got {price:,.2f})"
    )


def _prices(fit: ReceiptsFit, base: Scenario, prices: dict[str, float], how: str) -> None:
    """Each segment's `item_price` from `prices` (PLN an item), fitted as `how`; one that rounds
    to 0.00, which no scenario takes (receipts of amount 0), is not fitted: the base's stays."""
    for name, price in prices.items():
        if round(price, 2) > 0:
            fit.settings[f"segments.{name}.item_price"] = round(price, 2)
        else:
            fit.skip(
                f"segments.{name}.item_price",
                f"{figure(price)} PLN an item rounds to 0.00, and a price must be above 0: kept "
                f"the base's {figure(base.segments[name].item_price)}",
            )
    if any(round(price, 2) > 0 for price in prices.values()):
        fit.fitted.append(("segments.*.item_price", how))


def _cash(
    fit: ReceiptsFit, receipts: Receipts, base: Scenario, reference: Reference, groups: Groups
) -> None:
    """The share with cash on hand: the model pays cash with `payment.cash_preference` when a
    shopper has cash, so cash receipts / preference (the preference rises when it must)."""
    cash = receipts.table["payment"] == "cash"
    in_cash = float(cash.mean())  # the share of receipts paid in cash
    payment = base.payment
    if groups is None:
        scale = in_cash / reference.cash
        on_hand = {
            name: (s.cash_share if s.cash_share is not None else payment.cash_share) * scale
            for name, s in base.segments.items()
        }
        how = f"x {scale:.3f}: cash receipts {in_cash:.1%} against the base's {reference.cash:.1%}"
    else:
        on_hand = {
            name: float(cash[mask].mean()) / payment.cash_preference
            for name, mask in groups.items()
        }
        how = (
            "per segment of card holders: cash receipts / cash_preference "
            f"{payment.cash_preference:g}"
        )
    highest = max(on_hand.values())
    if highest > 1.0:
        preference = min(round(payment.cash_preference * highest, 3), 1.0)  # all cash: 1
        fit.set(
            "payment.cash_preference",
            preference,
            "raised: even with cash on every shopper, the base's preference pays too little cash",
        )
        on_hand = {name: share / highest for name, share in on_hand.items()}
    for name, share in on_hand.items():
        fit.settings[f"segments.{name}.cash_share"] = round(min(share, 1.0), 3)
    fit.fitted.append(("segments.*.cash_share", how))
    preference = fit.settings.get("payment.cash_preference", payment.cash_preference)
    fit.set(
        "payment.cash_share",
        round(min(in_cash / preference, 1.0), 3),
        f"all receipts: {in_cash:.1%} paid in cash / cash_preference {preference:g}",
    )


def _service(fit: ReceiptsFit, services: list[tuple[str, dict[str, Any] | None, str]]) -> None:
    """The `service_times` as fitted, or not fitted and why."""
    for key, value, note in services:
        if value is None:
            fit.skip(key, note)
        else:
            fit.set(key, value, note)


# The scans each service time is fitted to, as errors name them.
SCANS = {
    "checkout.service_time": "of staffed lanes",
    "checkout.self_service_time": "of self-checkouts (lanes S...)",
}


def service_times(receipts: Receipts) -> list[tuple[str, dict[str, Any] | None, str]]:
    """The service times the scan times give, needing no run of a store: (key, the scenario's
    value, how it was fitted) or (key, None, why not); a fit the scenario cannot take raises
    ReceiptsError, naming the scan columns."""
    table = receipts.table
    if not receipts.has("scan_start"):
        return [("checkout.service_time", None, "no scan_start and scan_end columns")]
    scanned = table[table["scan_start"].notna()]
    minutes = ((scanned["scan_end"] - scanned["scan_start"]).dt.total_seconds() / 60.0).to_numpy()
    lane = scanned.get("lane")
    self_lane = self_lanes(lane) if lane is not None else np.zeros(len(scanned), dtype=bool)
    services: list[tuple[str, dict[str, Any] | None, str]] = []
    for key, mask in (
        ("checkout.service_time", ~self_lane),
        ("checkout.self_service_time", self_lane),
    ):
        durations = minutes[mask & (minutes > 0) & (minutes <= MAX_STEP_MIN)]
        zero = int((mask & (minutes <= 0)).sum())
        # (a till left open: longer than any step of a visit, which the fit would stretch)
        long = int((mask & (minutes > MAX_STEP_MIN)).sum())
        if len(durations) < MIN_DURATIONS:
            if mask.any():
                services.append(
                    (
                        key,
                        None,
                        f"{plural(len(durations), 'positive scan time')}, fewer than "
                        f"{MIN_DURATIONS}",
                    )
                )
            continue
        if np.ptp(durations) == 0:  # as from a till that stamps a fixed time: no spread to fit
            services.append(
                (
                    key,
                    None,
                    f"all {plural(len(durations), 'positive scan time')} last "
                    f"{figure(durations[0])} min: a distribution needs them to vary",
                )
            )
            continue
        chosen = fit_service_time(durations, takes=_takes)
        ranking = ", ".join(
            f"{d} {a:,.0f}" for d, a in sorted(chosen.aic.items(), key=lambda x: x[1])
        )
        left_out = [plural(zero, "zero-length scan")] if zero else []
        left_out += [f"{plural(long, 'scan')} over {MAX_STEP_MIN:g} min"] if long else []
        note = f"; left out: {' and '.join(left_out)}" if left_out else ""
        if passed := chosen.passed_over:
            note += f"; passed over: {listed(list(passed))}, whose fit no scenario takes"
        value = chosen.scenario_value()
        _check_service(receipts, key, value, chosen.n, lane is not None)
        services.append((key, value, f"lowest AIC over {chosen.n:,} scans ({ranking}){note}"))
    return services


def _takes(value: dict[str, Any]) -> bool:
    """Whether a scenario takes `value` as a service time."""
    try:
        Distribution.model_validate(value)
    except ValidationError:
        return False
    return True


def _check_service(
    receipts: Receipts, key: str, value: dict[str, Any], scans: int, lanes: bool
) -> None:
    """Refuse a fitted service time the scenario cannot take (no family's fit: scans of a few
    milliseconds, whose mean rounds to 0), named in the scan columns."""
    if not _takes(value):
        which = f" {SCANS[key]}" if lanes or key != "checkout.service_time" else ""
        raise ReceiptsError(
            f"{receipts.source}: columns scan_start, scan_end: expected scan times{which} that "
            f"fit a distribution {key} can take: mean_min above 0 and at most {MAX_STEP_MIN:g}, "
            f"sd_min at most {MAX_STEP_MIN:g} and from {MIN_SPREAD:g} to {MAX_SPREAD:g} times "
            f"mean_min (got {value['dist']} of mean_min {figure(value['mean_min'])} and sd_min "
            f"{figure(value['sd_min'])}, the lowest AIC over {plural(scans, 'scan')})"
        )


def _lanes(fit: ReceiptsFit, receipts: Receipts) -> None:
    """The staffed lanes and self-checkouts seen on the receipts, with scan times or without."""
    lane = receipts.table.get("lane")
    if lane is None or not lane.notna().any():
        fit.skip("checkout.cashiers, self_checkouts", "no lane column")
        return
    staffed, self_checkouts = lane_counts(lane)  # at most MAX_LANES each (read_receipts)
    fit.set("checkout.cashiers", staffed, "staffed lanes seen on receipts")
    fit.set("checkout.self_checkouts", self_checkouts, "self-checkouts (lanes S...) seen")


def _targets(fit: ReceiptsFit, receipts: Receipts, base: Scenario, days: pd.DataFrame) -> None:
    for kpi, column in (("visits_per_day", "receipts"), ("revenue_per_day", "revenue")):
        value, half = observe.weekly_mean(days[column], days["weekend"])
        fit.targets[kpi] = {"value": round(value, 2), "tolerance": _rounded(half)}
        if not np.isfinite(half):
            fit.skip(
                f"{kpi} tolerance",
                "needs two weekdays and two weekend days (calibrate uses its default tolerance)",
            )
    hours = base.hours
    count = int(-(-(hours.close_min - hours.open_min) // 60))
    fit.hourly = {"open": hours.open, **observe.hourly_receipts(receipts, hours.open_min, count)}
    for kind in ("weekday", "weekend"):
        if kind in fit.hourly and f"{kind}_tolerance" not in fit.hourly:
            fit.skip(
                f"hourly_receipts.{kind}_tolerance",
                f"one {kind} date only: its spread across dates needs two (calibrate uses its "
                "default tolerance)",
            )
    if fit.facts["customers"] < 2:
        fit.skip("return_rate, inter-visit times", "needs customer_id of at least two card holders")
        return
    window = base.loyalty.return_window_days
    rate, half, n = observe.return_rate(receipts, window)
    if n:
        fit.targets["return_rate"] = {"value": round(rate, 4), "tolerance": _rounded(half)}
        fit.observed["return_rate_visits"] = n
    else:
        fit.skip("return_rate", f"no card visit is followed by {window:g} days of receipts")
    fit.observed["inter_visit_days"] = observe.inter_visit_days(receipts)


def _rounded(value: float) -> float | None:
    return None if not np.isfinite(value) else float(f"{value:.3g}")


# The fitted store's own till may differ from the receipts a day by this share before the
# traffic is corrected again; a 28-day run of one replication carries about 2% of noise.
TRAFFIC_TOLERANCE = 0.03
TRAFFIC_RUNS = 4  # runs of the fitted store at most, each a reference run
ELASTICITY_RANGE = (0.5, 2.0)  # the secant's elasticity, kept to a plausible range


class TrafficWarning(UserWarning):
    """No run of the fitted store sold the receipts a day within TRAFFIC_TOLERANCE."""


def refine_traffic(
    fit: ReceiptsFit, receipts: Receipts, till: Callable[[], Reference]
) -> Reference:
    """Correct the traffic until the fitted store's own till (`till()`, a reference run of the
    store as `fit` now sets it) sells the receipts a day within TRAFFIC_TOLERANCE, in at most
    TRAFFIC_RUNS runs; returns the last run. Newcomers are only part of the inflow: word of
    mouth and the rating add the rest, and a store of another size and crowding earns another
    number of them per customer, so the first, proportional guess misses (0.90x the receipts a
    day for the shipped example over the baseline). The first correction takes the same ratio
    on the fitted store's till; the next ones the secant of the last two runs on a log scale
    (receipts a day against newcomers), where the ratio alone misses again, the other way.
    When no run gets within the tolerance (one run of one history is noisy), a TrafficWarning
    says so."""
    fitted = till()
    if "arrivals.new_per_day" not in fit.settings:
        return fitted
    days = observe.daily(receipts)
    per_day, _ = observe.weekly_mean(days["receipts"], days["weekend"])
    scales: list[float] = []
    runs: list[tuple[float, float]] = []  # (newcomers a day, receipts a day) of each run
    while True:
        sold = fitted.receipts_per_day
        runs.append((fit.settings["arrivals.new_per_day"], sold))
        if abs(sold / per_day - 1.0) <= TRAFFIC_TOLERANCE or len(runs) == TRAFFIC_RUNS:
            break
        elasticity = 1.0
        if len(runs) > 1:
            (x0, y0), (x1, y1) = runs[-2:]
            if x1 != x0:
                secant = math.log(y1 / y0) / math.log(x1 / x0)
                elasticity = min(max(secant, ELASTICITY_RANGE[0]), ELASTICITY_RANGE[1])
        scale = float((per_day / sold) ** (1.0 / elasticity))
        scales.append(scale)
        for key, places in (("arrivals.new_per_day", 3), ("arrivals.base_customers", 0)):
            value = round(fit.settings[key] * scale, places)
            if value > TRAFFIC_BOUNDS[key]:  # the store sold too little even so
                most = sold * (TRAFFIC_BOUNDS[key] / fit.settings[key]) ** elasticity
                raise _too_busy(receipts.source, per_day, most, key)
            fit.settings[key] = int(value) if places == 0 else value
        fitted = till()
    if abs(sold / per_day - 1.0) > TRAFFIC_TOLERANCE:
        warnings.warn(
            f"no run of the fitted store sold the receipts' {per_day:,.1f} a day within "
            f"{TRAFFIC_TOLERANCE:.0%} ({', '.join(f'{y:,.1f}' for _, y in runs)} in "
            f"{len(runs)} runs of one history each, which vary by about that much): it keeps "
            f"the last run's traffic, {sold / per_day - 1.0:+.0%}; calibrate fits the traffic "
            "to targets.yaml on more replications (docs/calibration.md)",
            TrafficWarning,
            stacklevel=2,
        )
    if scales:
        sold_text = ", then ".join(f"{sold:,.1f}" for _, sold in runs[:-1])
        step = (
            f"; then {' and '.join(f'x {c:.3f}' for c in scales)} on the fitted store's own till "
            f"({sold_text} receipts a day against {per_day:,.1f}: word of mouth and the rating "
            "bring newcomers too, more or fewer than in proportion)"
        )
        keys = ("arrivals.new_per_day", "arrivals.base_customers")
        fit.fitted = [(k, how + step if k in keys else how) for k, how in fit.fitted]
    return fitted


def till_check(receipts: Receipts, fitted: Reference) -> list[tuple[str, float, float]]:
    """What the receipts show against what the fitted store's own till prints (`fitted`): rows
    of (what, observed, simulated); per day as a week's mean, as the traffic is fitted."""
    table = receipts.table
    days = observe.daily(receipts)
    per_day, _ = observe.weekly_mean(days["receipts"], days["weekend"])
    revenue, _ = observe.weekly_mean(days["revenue"], days["weekend"])
    amount = fitted.price * fitted.items
    return [
        ("receipts a day", per_day, fitted.receipts_per_day),
        ("revenue a day (PLN)", revenue, fitted.receipts_per_day * amount),
        ("items per receipt", float(table["items"].mean()), fitted.items),
        ("amount per receipt (PLN)", float(table["amount"].mean()), amount),
        ("paid in cash", float((table["payment"] == "cash").mean()), fitted.cash),
    ]


def fitted_scenario(base: Scenario, fit: ReceiptsFit, name: str | None = None) -> Scenario:
    """`base` with the fitted settings applied and checked (raises ScenarioError, naming a
    value the receipts gave that the scenario cannot take by the receipts file and the columns
    it was fitted from, `r.csv: column items: fitted segments.family.basket_items: ...`, where
    the fit has not refused the receipts already), named `name` (default: the base's), so
    that its runs' warnings name the store fitted."""
    overrides = [
        (
            f"{fit.source}: {_columns(key)}: fitted {key}"
            if fit.source
            else f"fitted from the receipts {key}",
            f"{key}={json.dumps(value)}",
        )
        for key, value in fit.settings.items()
    ]
    fitted = apply_overrides(base, overrides)
    return fitted if name is None else fitted.model_copy(update={"name": name})


# The receipts' columns each fitted key comes from (by its last part), as errors name them.
FITTED_FROM = {
    "weekend_factor": "column timestamp",
    "weekday_profile": "column timestamp",
    "weekend_profile": "column timestamp",
    "new_per_day": "column timestamp",
    "base_customers": "column timestamp",
    "rate_per_hour": "column timestamp",
    "basket_items": "column items",
    "item_price": "columns amount, items",
    "cash_share": "column payment",
    "cash_preference": "column payment",
    "service_time": "columns scan_start, scan_end",
    "self_service_time": "columns scan_start, scan_end",
    "cashiers": "column lane",
    "self_checkouts": "column lane",
}


def _columns(key: str) -> str:
    return FITTED_FROM.get(key.rsplit(".", 1)[-1], "the receipts")


def scenario_layer(fitted: Scenario, fit: ReceiptsFit) -> dict[str, Any]:
    """The fitted settings as a scenario file's mappings over its base. Segments are written
    whole, every segment with every key, as a file that names segments names all of them."""
    layer: dict[str, Any] = {}
    for key, value in fit.settings.items():
        section, *rest = key.split(".")
        if section == "segments":
            continue
        node = layer.setdefault(section, {})
        for part in rest[:-1]:
            node = node.setdefault(part, {})
        node[rest[-1]] = value
    if any(key.startswith("segments.") for key in fit.settings):
        layer["segments"] = {
            name: segment.model_dump(mode="json") for name, segment in fitted.segments.items()
        }
    return layer
