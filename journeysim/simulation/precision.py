"""Run length: is a KPI's confidence interval as narrow as asked, and how many replications
would make it so."""

from __future__ import annotations

import math

import pandas as pd


def replications_needed(half_width: float, n: int, target: float) -> int:
    """Replications for a CI half-width of `target`: the half-width shrinks as 1/sqrt(n), so
    about n (half_width / target)^2, rounded up (the t quantile also shrinks: this errs high)."""
    return max(math.ceil(n * (half_width / target) ** 2), n)


def precision_notes(summary: pd.DataFrame, targets: dict[str, float]) -> list[str]:
    """One line per KPI with a target half-width: reached, or how many replications would."""
    notes = []
    for metric, target in targets.items():
        row = summary[summary["metric"] == metric].iloc[0]
        half, n = (row["ci_high"] - row["ci_low"]) / 2.0, int(row["n"])
        if not math.isfinite(half):
            notes.append(
                f"{metric}: no confidence interval from {n} replication(s); run at least 2"
            )
        elif half <= target:
            notes.append(f"{metric}: 95% CI half-width {half:.4g} <= {target:g}, reached")
        else:
            needed = replications_needed(half, n, target)
            notes.append(
                f"{metric}: 95% CI half-width {half:.4g} > {target:g} with {n} replications; "
                f"about {needed} would reach it (--reps {needed})"
            )
    return notes
