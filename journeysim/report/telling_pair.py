"""Which customer's pair of visits, the same visit of theirs in two scenarios, tells a comparison
best: one whose remembered score moved the way the day's shared customers moved on average, by
at least that average, and whose feelings differ where theirs differ on average rather than
where chance took the visit elsewhere (a free till in one store, another cashier)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeysim.report.monitor import Replay
from journeysim.scenario.schema import Scenario
from journeysim.words import listed

MOST = 0.5  # a second kind is named when its average difference is at least this of the first's
# The after_visit settings of how complaints are made and answered, follow-ups included.
RECOVERY = (
    "complaint_threshold",
    "complaint_base",
    "complaint_peak_slope",
    "recovery_quality",
    "recovery_delay_min",
    "recovery_wait_cost",
    "recovery_closure",
    "repeat_failure_discount",
    "follow_up_prob",
    "follow_up_quality",
)


def answered_first(pairs: pd.DataFrame, first: Scenario, last: Scenario) -> pd.Series:
    """Which of `pairs` (column recovery_quality_b) to tell first: where `last` handles
    complaints otherwise than `first` (RECOVERY), those whose visit in `last` got the store's
    answer (a complaint's recovery or a follow-up), else all."""
    mine, theirs = last.after_visit, first.after_visit
    if all(getattr(mine, name) == getattr(theirs, name) for name in RECOVERY):
        return pd.Series(True, index=pairs.index)
    return pairs["recovery_quality_b"].notna()


def felt_by_kind(rep: Replay, visit_ids: pd.Series) -> pd.DataFrame:
    """Per visit of `visit_ids` (keeping their index), the feeling each kind of touchpoint
    gave it, summed over the visit's trace (0 for a kind it did not meet)."""
    traces = rep.replication.traces
    rows = []
    for visit in visit_ids:
        felt: dict[str, float] = {}
        for step in traces.get(int(visit), ()):
            felt[step.kind] = felt.get(step.kind, 0.0) + step.felt
        rows.append(felt)
    return pd.DataFrame(rows, index=visit_ids.index, dtype=float).fillna(0.0)


def telling_pair(
    pairs: pd.DataFrame, a: Replay, b: Replay, preferred: pd.Series | None = None
) -> tuple[object, str]:
    """The index of the telling pair among `pairs` (columns remembered_a, remembered_b,
    visit_id_a, visit_id_b), and the kinds of touchpoint whose feelings differ most on
    average (one, or two when the second differs at least MOST as much: "cart and checkout
    wait"; "" where the feelings do not differ, and the pair is then the one whose score moved
    furthest the average's way).

    Of the pairs whose score moved the average's way by at least the average, the `preferred`
    ones (a mask of `pairs`; all when None or when none of them moved so), the one whose
    difference in feeling by kind lies most along the average difference, least beside it
    (its projection on the average, less what is left)."""
    change = pairs["remembered_b"] - pairs["remembered_a"]
    mean = change.mean()
    furthest = change.idxmin() if mean < 0 else change.idxmax()
    differ = felt_by_kind(b, pairs["visit_id_b"]).sub(
        felt_by_kind(a, pairs["visit_id_a"]), fill_value=0.0
    )
    average = differ.mean()
    size = float(np.sqrt((average**2).sum()))
    if size == 0.0 or mean == 0.0:
        return furthest, ""
    each = differ.to_numpy()
    along = each @ (average.to_numpy() / size)
    beside = np.sqrt(np.maximum((each**2).sum(axis=1) - along**2, 0.0))
    clear = ((change * np.sign(mean)) >= abs(mean)).to_numpy()
    if preferred is not None and (clear & preferred.to_numpy()).any():
        clear &= preferred.to_numpy()
    score = pd.Series(np.where(clear, along - beside, -np.inf), index=pairs.index)
    largest = average.abs().nlargest(2)
    kinds = [
        str(kind).replace("_", " ")
        for kind, differs in largest.items()
        if differs >= MOST * largest.iloc[0]
    ]
    return score.idxmax(), listed(kinds)
