"""Touchpoints at the checkout: choosing a line, waiting, the cashier or self-checkout, and
paying at a terminal that may be down."""

from __future__ import annotations

import math

from journeysim.clock import clock, minutes_between
from journeysim.journey.shopper import Shopper
from journeysim.journey.touchpoints import meet, rapport_lift
from journeysim.psyche import kinds as kind
from journeysim.world.checkout import Line, Till
from journeysim.world.numbers import rounded
from journeysim.world.store import Store


def check_out(store: Store, shopper: Shopper):
    """Choose a line, maybe balk, wait (maybe renege), be served and pay."""
    checkout = store.settings.checkout
    shopper.items = max(
        rounded(
            (shopper.planned_items - shopper.lost_items)
            * (1.0 + store.settings.psyche.mood_basket_effect * shopper.valence)
        ),
        0,
    )
    if shopper.items == 0:
        return
    shopper.place = "checkout"
    line = _choose_line(store, shopper)
    shopper.line = line.index
    shopper.queue_seen = line.waiting()
    shopper.lanes_open = store.checkout.open_lanes()
    mood = 1.0 + store.settings.psyche.mood_patience_effect * shopper.valence
    if checkout.balking and line.waiting() / line.size >= checkout.balk_queue * max(mood, 0.2):
        shopper.touch(
            store.clock.now(),
            kind.CHECKOUT_WAIT,
            -0.8,
            1.0,
            "sees {} waiting {} and leaves the {}",
            line.waiting(),
            line.where,
            carried(shopper),
        )
        shopper.abandoned = "balk"
        return
    joined = store.clock.now()
    till = line.free_till()
    if till is None:
        till = yield from _wait_for_turn(store, shopper, line, mood)
        if till is None:
            return
    shopper.queue_time = shopper.checkout_wait = store.clock.now() - joined
    waited = shopper.checkout_wait > 0.0
    appraise_wait(
        store,
        shopper,
        shopper.checkout_wait,
        "waits in line" if waited else "no queue, a till is free",
    )
    shopper.till = till.index
    shopper.served_at = store.clock.now()
    if till.staffed:
        _meet_cashier(store, shopper, till)
        shopper.scan_min = shopper.service_time
    else:
        _scan_yourself(store, shopper, till)
        shopper.scan_min = shopper.self_service_time
    yield shopper.scan_min
    yield from _pay(store, shopper, till, line)


def _wait_for_turn(store: Store, shopper: Shopper, line: Line, mood: float):
    """Queue for a till and return it, or None if patience runs out first (reneging)."""
    checkout = store.settings.checkout
    joined = store.clock.now()
    turn = line.join()
    if line is not store.checkout.self_line:
        store.lanes.queue_grew(line)
    if not checkout.reneging:
        return (yield turn)
    patience = shopper.patience * max(mood, 0.2) / checkout.perceived_wait_factor
    till = yield store.clock.first(turn, patience)
    if till is not None:
        return till
    shopper.queue_time = store.clock.now() - joined
    appraise_wait(
        store,
        shopper,
        shopper.queue_time,
        f"gives up waiting {line.where} and leaves the {carried(shopper)}",
    )
    shopper.abandoned = "renege"
    return None


def _choose_line(store: Store, shopper: Shopper) -> Line:
    """Self-checkout for small baskets when preferred (or when no lane is open), else the
    open lane that looks shortest; regulars accept a slightly longer line to reach a familiar
    cashier. A shopper who may use either kind of till does not queue at the one preferred
    while a till of the other stands free."""
    checkout = store.checkout
    settings = store.settings.checkout
    self_line = checkout.self_line
    if self_line is None:
        return _lane(store, shopper)
    if not checkout.open_lanes():
        return self_line
    if shopper.items > settings.self_checkout_max_items:
        return _lane(store, shopper)
    if shopper.draw() < settings.self_checkout_share:
        if self_line.has_free_till():
            return self_line
        lane = _lane(store, shopper)
        return lane if lane.has_free_till() else self_line
    lane = _lane(store, shopper)
    return self_line if not lane.has_free_till() and self_line.has_free_till() else lane


def _lane(store: Store, shopper: Shopper) -> Line:
    """The open staffed lane with the smallest load less the familiarity with its cashier."""
    checkout = store.checkout
    if len(checkout.lane_lines) == 1:
        return checkout.lane_lines[0]
    now = store.clock.now()
    staff = store.settings.staff
    best, best_load = checkout.lane_lines[0], math.inf
    for line in checkout.lane_lines:
        if not line.size:
            continue  # closed or closing
        load = line.load()
        cashier = store.cashier_at(line.tills[0].index, now)
        if cashier is not None and shopper.customer.rapport:
            load -= shopper.customer.familiarity(
                cashier.id, shopper.day, staff.rapport_decay_per_day
            )
        if load < best_load:
            best, best_load = line, load
    return best


def appraise_wait(store: Store, shopper: Shopper, wait: float, what: str) -> float:
    """Perceived wait (idle waits feel about a third longer, Larson) against the ~4-minute
    tolerance (Maister 1985): quality falls steeply past it. Returns the felt emotion. A
    traced wait says when it began (its step's time is its end) and how many the shopper found
    waiting in the line (`queue_seen`)."""
    checkout = store.settings.checkout
    perceived = wait * checkout.perceived_wait_factor
    quality = 0.3 - 1.3 / (1.0 + math.exp(-(perceived - checkout.wait_tolerance_min) / 0.8))
    now = store.clock.now()
    return shopper.touch(
        now,
        kind.CHECKOUT_WAIT,
        quality,
        perceived / 2.0,
        "{} (from {}, {} waiting ahead on arrival; {:.1f} min as felt, {:.1f} min by the clock)"
        if wait > 0.0
        else "{}",
        what,
        clock(now - wait) if shopper.steps is not None else "",
        shopper.queue_seen,
        perceived,
        wait,
    )


def _meet_cashier(store: Store, shopper: Shopper, till: Till) -> None:
    cashier = store.cashier_at(till.index, store.clock.now())
    if cashier is None:
        return
    staff = store.settings.staff
    competence = cashier.competence_on(shopper.day, staff.newcomer_learning_days)
    shopper.familiarity = meet(store, shopper, cashier)
    shopper.cashier_id = cashier.id
    quality = (
        0.35 * cashier.friendliness + 0.35 * competence + rapport_lift(store, shopper.familiarity)
    )
    greeting = '"the usual?"' if shopper.familiarity > 0.5 else "served"
    shopper.touch(
        store.clock.now(),
        kind.CASHIER,
        quality,
        0.0,
        "{} by {} at lane {}",
        greeting,
        cashier.name,
        till.index + 1,
    )


def _scan_yourself(store: Store, shopper: Shopper, till: Till) -> None:
    """Scan at a self-checkout; its till is numbered after the staffed lanes (as its terminal)."""
    now = store.clock.now()
    if shopper.draw() < 0.15:
        shopper.touch(
            now,
            kind.SELF_CHECKOUT,
            -0.5,
            1.0,
            "self-checkout till {}: 'unexpected item in the bagging area'",
            till.index + 1,
        )
    else:
        shopper.touch(
            now, kind.SELF_CHECKOUT, 0.1, 0.2, "scans at self-checkout till {}", till.index + 1
        )


def _pay(store: Store, shopper: Shopper, till: Till, line: Line):
    """Pay at the end of service; a dead terminal leaves a card-only shopper three ways out."""
    env = store.env
    payment = store.settings.payment
    terminal = till.terminal
    pays_cash = shopper.has_cash and shopper.draw() < payment.cash_preference
    if pays_cash or terminal.up:
        shopper.payment = "cash" if pays_cash else "card"
        shopper.touch(
            store.clock.now(),
            kind.PAYMENT,
            0.2,
            0.0,
            "pays in cash" if pays_cash else "pays by card",
        )
        line.release(till)
        return
    shopper.met_outage = True
    shopper.touch(
        store.clock.now(),
        kind.PAYMENT,
        payment.failure_quality,
        2.0,
        "card refused: {} is down",
        terminal.name,
    )
    choice = shopper.draw()
    if shopper.has_cash:
        shopper.payment = "cash after refusal"
        shopper.touch(store.clock.now(), kind.PAYMENT, -0.1, 0.5, "pays in cash after all")
    elif choice < payment.wait_for_repair_prob:
        asked = store.clock.now()
        yield terminal.repaired | env.timeout(payment.max_repair_wait_min)
        waited = store.clock.now() - asked
        if not terminal.up:
            shopper.touch(
                store.clock.now(),
                kind.PAYMENT,
                -1.0,
                waited / 2.0,
                "waited {} min for the terminal; leaves the full {}",
                minutes_between(asked, store.clock.now()),
                carried(shopper),
            )
            shopper.abandoned = "payment"
            shopper.payment = "waited, gave up"
        else:
            shopper.payment = "waited for repair"
            shopper.touch(
                store.clock.now(),
                kind.PAYMENT,
                -0.3,
                waited / 2.0,
                "waited {} min; the terminal is back, pays by card",
                minutes_between(asked, store.clock.now()),
            )
    elif choice < payment.wait_for_repair_prob + payment.fetch_cash_prob:
        shopper.payment = "fetched cash"
        line.release(till)
        yield env.timeout(payment.fetch_cash_min)
        shopper.touch(
            store.clock.now(), kind.PAYMENT, -0.4, 4.0, "fetches cash from an ATM and pays"
        )
        return
    else:
        shopper.touch(
            store.clock.now(),
            kind.PAYMENT,
            -1.0,
            1.0,
            "no cash, no card: leaves the full {}",
            carried(shopper),
        )
        shopper.abandoned = "payment"
        shopper.payment = "left the cart"
    line.release(till)


def carried(shopper: Shopper) -> str:
    """What the shopper carries the goods in: "cart", or "basket" (too few items for a cart,
    or no cart left)."""
    return "cart" if shopper.cart else "basket"
