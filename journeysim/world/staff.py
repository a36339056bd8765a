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
            posts = [
                (role, shift, index) for shift in (0, 1) for index in range(roster.headcount(role))
            ]
            for post, person in zip(posts, roster._team(settings, len(posts))):
                held = known.get(post)
                if held is not None:
                    person = (held.friendliness, held.competence)
                roster.posts[post] = roster._hire(
                    role, settings, person, 0, 0.0, None if held is None else held.id
                )
        return roster

    def _team(self, s: StaffRoleSettings, people: int) -> list[tuple[float, float]]:
        """How each of a role's `people` differs from its levels (friendliness, competence):
        drawn with the role's spread given that their mean is the level (the draws less their
        mean), so that the people differ as much as ever but the team is as the scenario sets
        it. Drawn independently, a store's few people of a role made a team friendlier or
        unfriendlier than its role by chance (four cashiers: by 0.07 or more half the time), and
        its customers' loyalty moved with that from seed to seed."""
        draws = self.rng.normal(0.0, s.spread, size=(people, 2))
        if people:
            draws -= draws.mean(axis=0)
        return [(float(f), float(c)) for f, c in draws]

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
        self,
        role: StaffRole,
        s: StaffRoleSettings,
        differs: tuple[float, float],
        day: int,
        gap: float,
        person: int | None = None,
    ) -> StaffMember:
        """A new member (or, with `person`, the one the past knows by that id) who `differs`
        from the role's levels by (friendliness, competence)."""
        if person is None:
            person, self.next_id = self.next_id, self.next_id + 1
        member = StaffMember(
            id=person,
            role=role,
            name=f"{role.replace('_', ' ')} #{person + 1}",
            friendliness=_quality(s.friendliness + differs[0]),
            competence=_quality(s.competence + differs[1]),
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
        differs = self.rng.normal(0.0, settings.spread, size=2)
        self.posts[key] = self._hire(
            role,
            settings,
            (float(differs[0]), float(differs[1])),
            day,
            self.settings.staff.newcomer_competence_gap,
        )
        return leaver, self.posts[key]


def _quality(level: float) -> float:
    """A person's quality, within -1..1."""
    return -1.0 if level < -1.0 else (1.0 if level > 1.0 else level)
