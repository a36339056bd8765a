"""What the shopper takes home: the remembered experience and the effort score."""

from __future__ import annotations

import math


def remembered_score(
    peak: float,
    end: float,
    duration_min: float,
    peak_weight: float,
    end_weight: float,
    duration_weight: float,
) -> float:
    """Peak-end rule with (mostly neglected) duration (Kahneman et al. 1993).

    Duration enters as the log of visit length relative to 30 minutes: longer visits
    are remembered slightly worse only when duration_weight > 0.
    """
    core = (peak_weight * peak + end_weight * end) / (peak_weight + end_weight)
    return core - duration_weight * math.log(max(duration_min, 1.0) / 30.0)


def settled_share(recovery: float, recovery_closure: float) -> float:
    """How much of a failure the store's answer of quality `recovery` settles, on the remembered
    peak and the visit's end (none unless the answer is good, nor without one, NaN; model.md
    7.12)."""
    return (recovery if recovery > 0.0 else 0.0) * recovery_closure


def effort_score(effort: float, expected: float) -> float:
    """Customer Effort Score 1 (very easy) .. 7 (very hard) from effort units."""
    excess = max(effort - expected, 0.0)
    return 1.0 + 6.0 * (1.0 - math.exp(-excess / 6.0))
