"""Random streams: one `numpy.random.SeedSequence` per replication and stream, so that two
scenarios run with the same seed share common random numbers stream by stream."""

from __future__ import annotations

import numpy as np

STREAMS = ("arrivals", "segments", "staff", "failures", "floor", "turnover", "visits", "history")
_CUSTOMER_KEY = len(STREAMS)
_DAY_KEY = _CUSTOMER_KEY + 1
_VISIT_UNIFORMS_KEY = _DAY_KEY + 1


class Seeds:
    """Seed sequences of one replication, addressed by spawn key (independent of order of use)."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication

    def _sequence(self, *key: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, *key))

    def streams(self) -> dict[str, np.random.Generator]:
        """The named shared streams of the replication."""
        return {name: np.random.default_rng(self._sequence(i)) for i, name in enumerate(STREAMS)}

    def customer(self, customer_id: int) -> np.random.Generator:
        """A customer's own stream as they join: their draws stay aligned across compared
        scenarios."""
        return np.random.default_rng(self._sequence(_CUSTOMER_KEY, customer_id))

    def day(self, day: int) -> np.random.Generator:
        """The stream of one day's visit decisions and newcomers."""
        return np.random.default_rng(self._sequence(_DAY_KEY, day))

    def visit_uniforms(self) -> int:
        """The 64-bit key of the visits' counter-based uniforms (world/uniforms.py)."""
        return int(self._sequence(_VISIT_UNIFORMS_KEY).generate_state(1, np.uint64)[0])
