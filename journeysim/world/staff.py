"""Staff by role with two shifts a day, their qualities, and turnover."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np

from journeysim.loyalty.history import StaffState
from journeysim.scenario.schema import Scenario, StaffRole, StaffRoleSettings

FLOOR_ROLES: Final[tuple[StaffRole, ...]] = (
    "stocker",
    "floor_assistant",
    "cleaner",
    "security",
    "manager",
)
HELPFUL_ROLES: Final[tuple[StaffRole, ...]] = ("stocker", "floor_assistant", "manager")


@dataclass(slots=True)
class StaffMember:
    """One person at work; `since_day` marks when a newcomer took the post."""

    id: int
    role: StaffRole
    name: str
    friendliness: float
    competence: float
    since_day: int = 0
    learning_gap: float = 0.0

    def competence_on(self, day: int, learning_days: float) -> float:
        """Competence, lowered for a newcomer who is still learning the job."""
        learned = min((day - self.since_day) / learning_days, 1.0)
        return self.competence - self.learning_gap * (1.0 - learned)


@dataclass(slots=True)
class Roster:
    """Everyone on the payroll, by role and shift (0 = morning, 1 = evening)."""

    settings: Scenario
    rng: np.random.Generator
    posts: dict[tuple[StaffRole, int, int], StaffMember] = field(default_factory=dict)
    members: list[StaffMember] = field(default_factory=list)
    next_id: int = 0  # ids stay unique across the past and the run (customers' rapport)

    @classmethod
    def hire_all(
        cls, scenario: Scenario, rng: np.random.Generator, past: tuple[StaffState, ...] = ()
    ) -> Roster:
        """Everyone at their posts on day 0; posts the store's past names (see burn_in.py)
        keep the people who held them, with their ids, so customers meet the staff they know
        (even where a what-if adds or removes posts)."""
        roster = cls(scenario, rng, next_id=max((p.id for p in past), default=-1) + 1)
        known = {(p.role, p.shift, p.place): p for p in past}
        for role, settings in scenario.staff.roles.items():
            for shift in (0, 1):
                for index in range(roster.headcount(role)):
                    held = known.get((role, shift, index))
                    member = roster._hire(role, settings, 0, 0.0, None if held is None else held.id)
                    if held is not None:
                        member.friendliness = _quality(settings.friendliness + held.friendliness)
                        member.competence = _quality(settings.competence + held.competence)
                    roster.posts[role, shift, index] = member
        return roster

    def state(self) -> tuple[StaffState, ...]:
        """Who holds each post, for a run that starts where this one ended."""
        roles = self.settings.staff.roles
        return tuple(
            StaffState(
                role,
                shift,
                index,
                m.friendliness - roles[role].friendliness,
                m.competence - roles[role].competence,
                m.id,
            )
            for (role, shift, index), m in self.posts.items()
        )

    def headcount(self, role: StaffRole) -> int:
        """Staff of a role on each shift (cashiers: one per staffed lane)."""
        return self.settings.posts_per_shift(role)

    def _hire(
        self, role: StaffRole, s: StaffRoleSettings, day: int, gap: float, person: int | None = None
    ) -> StaffMember:
        """A new member (or, with `person`, the one the past knows by that id) of the role's
        level."""
        friendliness, competence = self.rng.normal([s.friendliness, s.competence], s.spread)
        if person is None:
            person, self.next_id = self.next_id, self.next_id + 1
        member = StaffMember(
            id=person,
            role=role,
            name=f"{role.replace('_', ' ')} #{person + 1}",
            friendliness=_quality(float(friendliness)),
            competence=_quality(float(competence)),
            since_day=day,
            learning_gap=gap,
        )
        self.members.append(member)
        return member

    def on_shift(self, role: StaffRole, shift: int, index: int) -> StaffMember | None:
        return self.posts.get((role, shift, index))

    def post_key(self, role: StaffRole, post: int) -> tuple[StaffRole, int, int]:
        """(role, shift, index) of a post numbered morning shift first, then evening."""
        shift, index = divmod(post, max(self.headcount(role), 1))
        return role, shift, index

    def shift_mates(self, role: StaffRole, post: int) -> list[StaffMember]:
        """The other members of the role on the same shift as `post`."""
        _, shift, index = self.post_key(role, post)
        return [m for (r, s, i), m in self.posts.items() if r == role and s == shift and i != index]

    def replace(self, role: StaffRole, post: int, day: int) -> tuple[StaffMember, StaffMember]:
        """The member at `post` leaves; a newcomer takes it. Returns (leaver, newcomer)."""
        key = self.post_key(role, post)
        leaver = self.posts[key]
        settings = self.settings.staff.roles.get(role, StaffRoleSettings())
        self.posts[key] = self._hire(
            role, settings, day, self.settings.staff.newcomer_competence_gap
        )
        return leaver, self.posts[key]


def _quality(level: float) -> float:
    """A person's quality, within -1..1."""
    return -1.0 if level < -1.0 else (1.0 if level > 1.0 else level)
