"""The journey map per measured visit: the one table behind the console, touchpoints.csv, the
chart and the report."""

from __future__ import annotations

import pandas as pd

COLUMNS = [
    "touchpoint",
    "visits",  # measured visits (after the warm-up) the tallies come from
    "touches",  # touchpoints of this kind over those visits
    "touches_per_visit",
    "positive",  # felt valence of the good moments per measured visit
    "negative",  # and of the bad ones
    "net",
    "effort",  # effort per measured visit
    "effort_share",  # of all the measured visits' effort
]


def journey_map(tallies: pd.DataFrame, visits: int) -> pd.DataFrame:
    """Feeling and effort per measured visit by touchpoint kind, worst net feeling first.

    `tallies`: one row per touchpoint kind with the totals touchpoint, positive, negative,
    effort, count over the measured visits (summed over replications); `visits`: how many
    measured visits that is.
    """
    per = max(visits, 1)  # no visits: every tally is 0, and so is every value per visit
    total_effort = float(tallies["effort"].sum())
    table = pd.DataFrame(
        {
            "touchpoint": tallies["touchpoint"],
            "visits": visits,
            "touches": tallies["count"],
            "touches_per_visit": tallies["count"] / per,
            "positive": tallies["positive"] / per,
            "negative": tallies["negative"] / per,
            "net": (tallies["positive"] + tallies["negative"]) / per,
            "effort": tallies["effort"] / per,
            "effort_share": tallies["effort"] / total_effort if total_effort else 0.0,
        },
        columns=COLUMNS,
    )
    return table.sort_values("net", kind="stable").reset_index(drop=True)


def touched(table: pd.DataFrame) -> pd.DataFrame:
    """The kinds of touchpoint the measured visits met at all (what the console and the
    chart show)."""
    return table[table["touches"] > 0]
