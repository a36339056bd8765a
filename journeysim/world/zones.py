"""Zones of the store: live occupancy, floor dirt, shelf gaps, and the processes restoring them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from journeysim.scenario.schema import Floor, Zone


@dataclass(slots=True)
class ZoneState:
    """Shared state of one zone."""

    settings: Zone
    occupancy: int = 0
    dirt: float = 0.0  # 0 clean .. 1 filthy
    last_restock: float = 0.0
    ambience_quality: float = 0.0  # mean of smell, music and light

    def __post_init__(self) -> None:
        ambience = self.settings.ambience
        self.ambience_quality = (ambience.smell + ambience.music + ambience.light) / 3.0

    def crowding(self) -> float:
        """Occupancy over comfortable capacity (felt above 0.5)."""
        return self.occupancy / self.settings.capacity

    def soil(self, amount: float) -> None:
        self.dirt = min(1.0, self.dirt + amount)


def cleaning_rounds(
    env: simpy.Environment,
    zones: list[ZoneState],
    floor: Floor,
    open_min: int,
    close_min: int,
    cleaners: int,
):
    """Process: the night crew leaves every floor clean at opening; during the day cleaners
    on shift sweep every zone each round."""
    interval = floor.round_min / cleaners if cleaners else math.inf
    keep = 1.0 - floor.clean_effect
    while True:
        minute = env.now % 1440
        if minute < open_min or minute + interval >= close_min:
            yield env.timeout((open_min - minute) % 1440 or 1440)
            for zone in zones:
                zone.dirt = 0.0
            continue
        yield env.timeout(interval)
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
    env: simpy.Environment, zones: list[ZoneState], open_min: int, rounds: float, interval: float
):
    """Process: shelves are full at opening (night fill) and refilled by stockers' `rounds`,
    `interval` minutes apart."""
    while True:
        minute = env.now % 1440
        if minute < open_min:
            yield env.timeout(open_min - minute)
        elif minute >= open_min + rounds * interval:
            yield env.timeout(1440 - minute + open_min)
        else:
            yield env.timeout(interval)
        for zone in zones:
            zone.last_restock = env.now
