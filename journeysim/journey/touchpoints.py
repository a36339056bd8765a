"""Touchpoints on the floor, from the door through the zones and out again (the checkout has
its own module). Each judges an experienced quality (-1..1) and an effort and passes them to
`Shopper.touch`; the ones where time passes are steps of the visit's generator (they yield
the minutes to wait, see world/clock.py's `Walk`)."""

from __future__ import annotations

from typing import Final

from journeysim.journey.shopper import Shopper
from journeysim.loyalty.relationship import basket_share
from journeysim.psyche import kinds as kind
from journeysim.world.numbers import rounded
from journeysim.world.staff import FLOOR_ROLES, StaffMember
from journeysim.world.store import Store
from journeysim.world.zones import ZoneState

# Stock-out responses, as counted in Shopper.responses.
ELSEWHERE: Final = 0
BRAND: Final = 1
SIZE: Final = 2
DELAY: Final = 3
SKIP: Final = 4
FOUND: Final = 5
LOST_RESPONSES: Final = (ELSEWHERE, DELAY, SKIP)


def plan_basket(store: Store, shopper: Shopper) -> None:
    """What the shopper means to buy and carries: planned items (and the walking time a
    basket of that size adds), cash, patience, service draws."""
    customer = shopper.customer
    segment = customer.segment
    bought_here = basket_share(customer.strength, store.settings.loyalty)
    planned = max(1, rounded(segment.basket_items * bought_here * (0.5 + shopper.draw())))
    shopper.planned_items = planned
    # Against a mean basket of at least the one item every shopper plans: a segment's mean of
    # basket_items below 1 (the schema allows down to 0) would otherwise scale the walk of its
    # 1-item baskets without bound, 500-fold at 1e-9 items, keeping shoppers in for days.
    mean = segment.basket_items
    shopper.walk_scale = (planned / (mean if mean > 1.0 else 1.0)) ** 0.3
    cash_share = segment.cash_share
    if cash_share is None:
        cash_share = store.settings.payment.cash_share
    shopper.has_cash = shopper.draw() < cash_share
    shopper.patience = segment.patience_min * (0.5 + shopper.draw())
    shopper.service_time = store.service_time.sample(shopper.draw)
    shopper.self_service_time = store.self_service_time.sample(shopper.draw)


def enter(store: Store, shopper: Shopper) -> None:
    """The doors and the guard's look."""
    now = store.clock.now()
    guards = store.floor_staff(now, ("security",))
    if guards:
        guard = guards[0]
        quality = 0.2 + 0.4 * guard.friendliness
        shopper.touch(now, kind.ENTRANCE, quality, 0.0, "greeted at the door by {}", guard.name)
    else:
        shopper.touch(now, kind.ENTRANCE, 0.1, 0.0, "walks in; no one at the door")


def take_cart(store: Store, shopper: Shopper) -> None:
    """A cart from the pool for a bigger basket: good, worn, or none left."""
    carts = store.settings.carts
    if shopper.planned_items < carts.min_items:
        return
    now = store.clock.now()
    if store.carts.level == 0:
        shopper.touch(now, kind.CART, carts.shortage_quality, 1.5, "no cart left; carries a basket")
        return
    store.carts.take()
    shopper.cart = True
    if shopper.draw() < carts.worn_share:
        shopper.touch(now, kind.CART, carts.worn_quality, 0.5, "a cart with a wobbly wheel")
    else:
        shopper.touch(now, kind.CART, carts.good_quality, 0.0, "a cart that rolls well")


def enter_zone(store: Store, shopper: Shopper, zone: ZoneState) -> float:
    """Enter a zone: ambience, crowding and floor, then the shelves; returns the minutes that
    walking and picking in it take (see `leave_zone` for their end)."""
    name = zone.name
    shopper.place = name
    zone.occupancy += 1
    zone.soil()
    now = store.clock.now()
    shopper.touch(
        now, zone.ambience_slot, zone.ambience_quality, 0.0, "{}: smell, music and light", name
    )
    crowding = zone.crowding()
    if crowding > 0.5:
        quality = max(0.1 - 1.8 * (crowding - 0.5), -1.0)
        shopper.touch(now, zone.crowding_slot, quality, crowding - 0.5, "{} is crowded", name)
    else:
        shopper.touch(now, zone.crowding_slot, 0.1, 0.0, "{} has room to move", name)
    shopper.touch(now, zone.floor_slot, zone.floor_quality(), 0.0, "{0.name} floor {0.looks}", zone)
    items = zone.items_of(shopper.planned_items)
    extra_min = _look_for_items(store, shopper, zone, items, now) if items else 0.0
    return zone.walk_min * (0.7 + 0.6 * shopper.draw()) * shopper.walk_scale + extra_min


def leave_zone(store: Store, shopper: Shopper, zone: ZoneState) -> None:
    """Done with a zone, maybe meeting one of the staff on the floor on the way out."""
    zone.occupancy -= 1
    now = store.clock.now()
    if shopper.draw() < store.encounter_prob * store.floor_share(now):
        staff = store.floor_staff(now, FLOOR_ROLES)
        if staff:
            member = staff[int(shopper.draw() * len(staff))]
            lift = rapport_lift(store, meet(store, shopper, member))
            quality = 0.1 + 0.3 * member.friendliness + lift
            shopper.touch(now, kind.STAFF, quality, 0.0, "meets {}", member.name)


def _look_for_items(
    store: Store, shopper: Shopper, zone: ZoneState, items: int, now: float
) -> float:
    """Look up the zone's `items` (one or more); gaps lead to search, asking staff,
    substitution or loss. The shelf touchpoint is felt `now`, on entering the zone, and then
    any staff help it led to; returns the extra minutes the search adds to the zone's walk."""
    shelves = store.settings.shelves
    shopper.lookups += items
    gaps = _binomial(items, store.gap_probability(zone, now), shopper.draw())
    if gaps == 0:
        shopper.touch(
            now,
            zone.shelf_slot,
            shelves.full_quality,
            0.0,
            "finds all {} items in {}"
            if items > 2
            else ("finds both items in {1}" if items == 2 else "finds its item in {1}"),
            items,
            zone.name,
        )
        return 0.0
    shopper.gaps += gaps
    minutes = 0.0
    lost = 0
    helpers: list[tuple[StaffMember, float]] = []
    for _ in range(gaps):
        minutes += shelves.search_min
        if _ask_staff(store, shopper, now, helpers):
            minutes += 1.0
            if shopper.draw() < shelves.backroom_find_prob:
                shopper.responses[FOUND] += 1
                continue
        response = _response(shelves, shopper.draw())
        shopper.responses[response] += 1
        if response in LOST_RESPONSES:
            lost += 1
    shopper.lost_items += lost
    quality = shelves.gap_quality if lost else shelves.gap_quality / 2.0
    shopper.touch(
        now,
        zone.shelf_slot,
        quality,
        shelves.search_min * gaps / 2.0,
        "{} of {} {} missing in {}, {} lost to the store"
        if lost
        else "{} of {} {} missing in {}, all replaced or found",
        gaps,
        items,
        "items" if items > 1 else "item",
        zone.name,
        lost,
    )
    for member, quality in helpers:
        shopper.touch(
            now,
            kind.STAFF,
            quality,
            shelves.ask_effort,
            "asks {} about a missing item",
            member.name,
        )
    return minutes


def _ask_staff(
    store: Store, shopper: Shopper, now: float, helpers: list[tuple[StaffMember, float]]
) -> bool:
    """Ask a stocker, assistant or manager on the floor about a missing item (harder to find
    while some of them are at a till); whether someone was there. The help is appended to
    `helpers` as (member, quality), to be felt after the gap itself."""
    if shopper.draw() >= store.settings.shelves.ask_staff_prob * store.helper_share(now):
        return False
    staff = store.floor_staff(now)
    if not staff:
        return False
    member = staff[int(shopper.draw() * len(staff))]
    competence = member.competence_on(shopper.day, store.settings.staff.newcomer_learning_days)
    lift = rapport_lift(store, meet(store, shopper, member))
    helpers.append((member, 0.3 * member.friendliness + 0.4 * competence + lift))
    shopper.asked_staff = True
    return True


def _response(shelves, u: float) -> int:
    """Stock-out response drawn from the scenario's shares (Gruen et al. 2002)."""
    for response, share in enumerate(
        (
            shelves.response_elsewhere,
            shelves.response_brand,
            shelves.response_size,
            shelves.response_delay,
        )
    ):
        if u < share:
            return response
        u -= share
    return SKIP


def _binomial(n: int, p: float, u: float) -> int:
    """Binomial(n, p) by inverting the CDF at u (one uniform, so draws stay aligned)."""
    if p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    q = 1.0 - p
    pmf = q**n
    cdf = pmf
    k = 0
    while u > cdf and k < n:
        pmf *= (n - k) / (k + 1) * p / q
        k += 1
        cdf += pmf
    return k


def meet(store: Store, shopper: Shopper, member: StaffMember) -> float:
    """A contact with one of the staff: the familiarity felt during it (which then grows)."""
    staff = store.settings.staff
    return shopper.customer.meet(
        member.id, shopper.day, staff.rapport_decay_per_day, staff.rapport_gain
    )


def rapport_lift(store: Store, familiarity: float) -> float:
    """Quality a familiar face adds ("the usual?"), damped by process standardisation."""
    staff = store.settings.staff
    return staff.rapport_lift * familiarity * (1.0 - staff.standardisation)


def leave(store: Store, shopper: Shopper):
    """The exit: a receipt and bag check (a bag check for a shopper who bought nothing), or a
    plain goodbye."""
    exit_ = store.settings.exit
    shopper.place = "exit"
    if shopper.draw() < exit_.check_prob:
        yield float(exit_.check_min)
        check = "bag check, having bought nothing" if shopper.abandoned else "receipt and bag check"
        shopper.touch(store.clock.now(), kind.EXIT, exit_.check_quality, 0.5, check)
    else:
        shopper.touch(store.clock.now(), kind.EXIT, exit_.goodbye_quality, 0.0, "leaves")
