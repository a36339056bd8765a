"""Crews: the posts of one floor role, some of whom may be away from the floor (called to a
till), and the work that slows down while they are."""

from __future__ import annotations

from collections.abc import Callable

import simpy


class Crew:
    """The `size` posts of one role on each shift; posts called away are off the floor.

    `can_leave` says whether anyone can ever be called away (a checkout policy names the
    role): work then runs at the pace of the posts on the floor; otherwise it takes its plain
    time, with exactly the events it always had.
    """

    __slots__ = ("env", "size", "away", "changed", "can_leave", "on_change")

    def __init__(self, env: simpy.Environment, size: int, can_leave: bool) -> None:
        self.env = env
        self.size = size
        self.away: set[int] = set()  # posts (index within the shift) off the floor
        self.changed = env.event()  # fires when a post leaves the floor or comes back
        self.can_leave = can_leave
        self.on_change: Callable[[], None] | None = None  # told when a post leaves or is back

    def share(self) -> float:
        """Share of the crew on the floor now."""
        return (self.size - len(self.away)) / self.size if self.size else 0.0

    def on_floor(self) -> list[int]:
        """Posts on the floor, lowest first."""
        return [post for post in range(self.size) if post not in self.away]

    def leave(self, post: int) -> None:
        self.away.add(post)
        self._changed()

    def back(self, post: int) -> None:
        self.away.discard(post)
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
        event, self.changed = self.changed, self.env.event()
        event.succeed()

    def work(self, minutes: float):
        """Process steps: `minutes` of the whole crew's work, slower in proportion while some
        of it is away and stopped while all of it is."""
        env = self.env
        if not self.can_leave:
            yield env.timeout(minutes)
            return
        left = minutes
        while left > 1e-9:
            share = self.share()
            if share <= 0.0:
                yield self.changed
                continue
            started = env.now
            yield env.timeout(left / share) | self.changed
            left -= (env.now - started) * share
