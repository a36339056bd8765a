"""Expectations: what a customer expects at each touchpoint kind (a list indexed by kind, see
psyche/kinds.py), and how that adapts."""

from __future__ import annotations


class Adaptation:
    """Expectations move toward a target that blends what this store delivered with the market
    standard (what the customer gets elsewhere), rising faster than they fall: people get used
    to improvements sooner than to deteriorations (Frederick & Loewenstein 1999), and the anchor
    keeps a permanently poor touchpoint felt as poor (Helson 1964's adaptation level against
    the customer's whole market, not this store alone)."""

    __slots__ = ("rise", "fall", "anchor", "standard")

    def __init__(self, rise: float, fall: float, anchor: float, standard: list[float]) -> None:
        self.rise = rise
        self.fall = fall
        self.anchor = anchor
        self.standard = standard

    def first(self, disposition: float) -> list[float]:
        """A newcomer's expectations: what they get elsewhere, seen through their disposition."""
        return [level + disposition for level in self.standard]

    def adapted(self, expectation: float, quality: float, kind: int, disposition: float) -> float:
        """The expectation after a touchpoint of perceived `quality` (disposition included)."""
        target = quality + self.anchor * (self.standard[kind] + disposition - quality)
        step = self.rise if target > expectation else self.fall
        return expectation + step * (target - expectation)
