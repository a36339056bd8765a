"""Expectations: what a customer expects at each touchpoint kind, zone by zone for the in-store
kinds (a list indexed by slot, see psyche/kinds.py), and how that adapts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from journeysim.psyche.kinds import slot_kinds, slot_names


class Adaptation:
    """Expectations move toward a target that blends what this store delivered with the market
    standard (what the customer gets elsewhere), rising faster than they fall: people get used
    to improvements sooner than to deteriorations (Frederick & Loewenstein 1999), and the anchor
    keeps a permanently poor touchpoint felt as poor (Helson 1964's adaptation level against
    the customer's whole market, not this store alone)."""

    __slots__ = ("rise", "fall", "anchor", "kinds", "names", "standard")

    def __init__(
        self,
        rise: float,
        fall: float,
        anchor: float,
        standard: list[float],
        zone_names: Sequence[str] = ("store",),
    ) -> None:
        """`standard` is the market standard by kind; the expectations have a slot per kind
        and in-store kinds of further `zone_names`."""
        self.rise = rise
        self.fall = fall
        self.anchor = anchor
        self.kinds = slot_kinds(len(zone_names))  # the touchpoint kind of each slot
        self.names = slot_names(zone_names)
        self.standard = [standard[kind] for kind in self.kinds]  # by slot

    def first(self, disposition: float) -> list[float]:
        """A newcomer's expectations: what they get elsewhere, seen through their disposition."""
        return [level + disposition for level in self.standard]

    def restored(self, levels: Mapping[str, float], disposition: float) -> list[float]:
        """Expectations kept by slot name, a newcomer's where they name none (a zone the
        store's past did not have)."""
        return [
            levels.get(name, level + disposition) for name, level in zip(self.names, self.standard)
        ]

    def named(self, expectations: list[float]) -> dict[str, float]:
        """Expectations by slot name (as a history keeps them)."""
        return dict(zip(self.names, expectations))

    def adapted(self, expectation: float, quality: float, slot: int, disposition: float) -> float:
        """The expectation after a touchpoint of perceived `quality` (disposition included)."""
        target = quality + self.anchor * (self.standard[slot] + disposition - quality)
        step = self.rise if target > expectation else self.fall
        return expectation + step * (target - expectation)
