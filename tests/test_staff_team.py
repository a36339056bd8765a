"""A store's people differ, but each role's team is as the scenario sets it: the people hired
on day 0 (a history's first day, or a run without one) are drawn with the role's spread given
that their mean is the role's level."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from journeysim.scenario import load_scenario
from journeysim.world.staff import Roster

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
SPREAD = 0.2
# Levels of 0 keep every person inside -1..1 (5 spreads away), where clipping would move a mean.
LEVELS = [
    f"staff.roles.{role}.{key}={value}"
    for role in ("cashier", "stocker", "floor_assistant", "cleaner", "security", "manager")
    for key, value in (("friendliness", 0.0), ("competence", 0.0), ("spread", SPREAD))
]


def test_each_roles_team_has_the_roles_levels_and_spread() -> None:
    """Every team's mean is the role's level to rounding, whichever seed hires it; the people
    still differ with the role's spread: the unbiased variance within teams, pooled over both
    qualities of 500 rosters (df = 2 x 500 x (6 + 4 + 4 x 2 - 6) = 12,000, relative standard
    error sqrt(2/df) = 1.3%), is spread^2 within 8% (6 standard errors)."""
    scenario = load_scenario(BASELINE, LEVELS)
    squares, df = 0.0, 0
    for seed in range(500):
        roster = Roster.hire_all(scenario, np.random.default_rng(seed))
        teams: dict[str, list[tuple[float, float]]] = {}
        for (role, _, _), member in roster.posts.items():
            teams.setdefault(role, []).append((member.friendliness, member.competence))
        for people in teams.values():
            qualities = np.array(people)
            assert np.abs(qualities.mean(axis=0)).max() < 1e-12
            squares += float((qualities**2).sum())
            df += 2 * (len(people) - 1)
    assert abs(squares / df / SPREAD**2 - 1.0) < 0.08


def test_a_newcomer_is_drawn_around_the_roles_level() -> None:
    """Turnover replaces one person, who is not centred on anyone: over 2,000 departures the
    newcomers' mean friendliness is the level within 4 standard errors (0.2 / sqrt(2,000)
    = 0.0045)."""
    scenario = load_scenario(BASELINE, LEVELS)
    roster = Roster.hire_all(scenario, np.random.default_rng(1))
    newcomers = [roster.replace("cashier", 0, day)[1].friendliness for day in range(2000)]
    assert np.std(newcomers) > 0.15
    assert abs(np.mean(newcomers)) < 4 * SPREAD / np.sqrt(2000)
