"""The shopper process: one visit, read top to bottom as the journey."""

from __future__ import annotations

from collections.abc import Callable

from journeysim.journey import checkout
from journeysim.journey import touchpoints as tp
from journeysim.journey.shopper import Shopper
from journeysim.world.store import Store


def visit(store: Store, shopper: Shopper, done: Callable[[Shopper], None]):
    """The visit's steps (run by a `Walk`, which waits the minutes they yield): enter, take a
    cart, walk the zones, check out, pay, leave; then `done` hears of the shopper."""
    store.lanes.shopper_in()
    tp.plan_basket(store, shopper)
    tp.enter(store, shopper)
    tp.take_cart(store, shopper)
    for zone in store.zones:
        yield tp.enter_zone(store, shopper, zone)  # minutes walking and picking
        tp.leave_zone(store, shopper, zone)
    yield from checkout.check_out(store, shopper)
    store.lanes.shopper_done()
    if shopper.cart:
        store.carts.give_back()
    yield from tp.leave(store, shopper)
    done(shopper)
