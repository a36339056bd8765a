"""Which customer's pair of visits, the same visit of theirs in two scenarios, tells a comparison
best: one whose remembered score moved the way the day's shared customers moved on average, by
at least that average, and whose feelings differ where theirs differ on average rather than
where chance took the visit elsewhere (a free till in one store, another cashier)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeysim.report.monitor import Replay
from journeysim.words import listed

MOST = 0.5  # a second kind is named when its average difference is at least this of the first's


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


def telling_pair(pairs: pd.DataFrame, a: Replay, b: Replay) -> tuple[object, str]:
    """The index of the telling pair among `pairs` (columns remembered_a, remembered_b,
    visit_id_a, visit_id_b), and the kinds of touchpoint whose feelings differ most on
    average (one, or two when the second differs at least MOST as much: "cart and checkout
    wait"; "" where the feelings do not differ, and the pair is then the one whose score moved
    furthest the average's way).

    Of the pairs whose score moved the average's way by at least the average, the one whose
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
    score = pd.Series(np.where(clear, along - beside, -np.inf), index=pairs.index)
    largest = average.abs().nlargest(2)
    kinds = [
        str(kind).replace("_", " ")
        for kind, differs in largest.items()
        if differs >= MOST * largest.iloc[0]
    ]
    return score.idxmax(), listed(kinds)
