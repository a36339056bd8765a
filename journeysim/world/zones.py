"""Zones of the store: live occupancy, floor dirt, shelf gaps, and the processes restoring them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from journeysim.psyche.kinds import zone_slots
from journeysim.scenario.schema import Floor, Zone
from journeysim.world.crews import Crew
from journeysim.world.numbers import rounded


@dataclass(slots=True)
class ZoneState:
    """Shared state of one zone, with the settings every visit reads (copied once from the
    scenario's zone and floor, as plain fields are quicker to read at every visit)."""

    settings: Zone
    floor: Floor
    index: int  # the zone's place in the scenario's zones
    share_before: float  # the basket's share picked in the zones before this one
    occupancy: int = 0
    dirt: float = 0.0  # 0 clean .. 1 filthy
    last_restock: float = 0.0
    name: str = field(init=False)
    walk_min: float = field(init=False)
    share_through: float = field(init=False)  # share_before and this zone's item share
    capacity: int = field(init=False)
    ambience_quality: float = field(init=False)  # mean of smell, music and light
    soil_per_visit: float = field(init=False)
    clean_quality: float = field(init=False)
    dirty_quality: float = field(init=False)
    # The shopper's expectation slots of this zone's touchpoints (psyche/kinds.py).
    ambience_slot: int = field(init=False)
    crowding_slot: int = field(init=False)
    floor_slot: int = field(init=False)
    shelf_slot: int = field(init=False)

    def __post_init__(self) -> None:
        zone, floor = self.settings, self.floor
        self.name, self.walk_min = zone.name, zone.walk_min
        self.share_through = self.share_before + zone.item_share
        self.capacity = zone.capacity
        ambience = zone.ambience
        self.ambience_quality = (ambience.smell + ambience.music + ambience.light) / 3.0
        self.soil_per_visit = floor.soil_per_visit
        self.clean_quality, self.dirty_quality = floor.clean_quality, floor.dirty_quality
        slots = zone_slots(self.index)
        self.ambience_slot, self.crowding_slot, self.floor_slot, self.shelf_slot = slots

    def items_of(self, planned: int) -> int:
        """The planned items looked for here: rounding the running total of the shares, so the
        zones together look for the whole basket."""
        return rounded(planned * self.share_through) - rounded(planned * self.share_before)

    def crowding(self) -> float:
        """Occupancy over comfortable capacity (felt above 0.5)."""
        return self.occupancy / self.capacity

    def soil(self) -> None:
        """One more shopper's tread."""
        self.dirt = min(1.0, self.dirt + self.soil_per_visit)

    @property
    def looks(self) -> str:
        """The floor's dirt in words (for trace stories)."""
        return "clean" if self.dirt < 0.2 else ("a bit dirty" if self.dirt < 0.6 else "dirty")

    def floor_quality(self) -> float:
        """How the floor looks: from clean to dirty with the dirt."""
        return self.clean_quality + (self.dirty_quality - self.clean_quality) * self.dirt


def cleaning_rounds(
    crew: Crew,
    zones: list[ZoneState],
    floor: Floor,
    open_min: int,
    close_min: int,
    cleaners: int,
):
    """Process: the night crew leaves every floor clean at opening; during the day cleaners
    on shift sweep every zone each round (a round takes longer while a cleaner is at a till)."""
    env = crew.env
    interval = floor.round_min / cleaners if cleaners else math.inf
    keep = 1.0 - floor.clean_effect
    while True:
        minute = env.now % 1440
        if minute < open_min or minute + interval >= close_min:
            yield env.timeout((open_min - minute) % 1440 or 1440)
            for zone in zones:
                zone.dirt = 0.0
            continue
        yield from crew.work(interval)
        for zone in zones:
            zone.dirt *= keep


def spills(env: simpy.Environment, zones: list[ZoneState], floor: Floor, rng: np.random.Generator):
    """Process: random spills turn a zone's floor filthy until a cleaner comes."""
    if floor.spill_per_day <= 0:
        return
    while True:
        yield env.timeout(rng.exponential(1440.0 / floor.spill_per_day))
        zones[int(rng.integers(len(zones)))].dirt = 1.0


def restocking(
    crew: Crew,
    zones: list[ZoneState],
    open_min: int,
    close_min: int,
    rounds: float,
    interval: float,
    log: list[float],
):
    """Process: shelves are full at opening (night fill) and refilled by the stockers'
    `rounds`, `interval` minutes of work apart (logged in `log`). While a stocker is at a
    till the work goes slower, so rounds come later and the last ones of the day may be
    left to the night fill."""
    env = crew.env
    while True:
        minute = env.now % 1440
        if minute < open_min:
            yield env.timeout(open_min - minute)
        elif minute >= open_min + rounds * interval:
            yield env.timeout(1440 - minute + open_min)
        else:
            day = env.now // 1440
            yield from crew.work(interval)
            if env.now // 1440 != day or env.now % 1440 >= close_min:
                continue  # the doors closed first: the night fill does it
            log.append(env.now)
        for zone in zones:
            zone.last_restock = env.now
