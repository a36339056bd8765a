"""What a calibration's trials say about the fit itself: how much each target moves with each
free parameter, the parameters no target moves (not identifiable) and the targets no trial
reaches.

Sensitivity is read off the trials by least squares: each target's trial means regressed on
all free parameters at once, each scaled to 0..1 over its range (a choice by its position in
the list), so a coefficient is the change of the target over the parameter's whole range, other
parameters held; divided by the target's tolerance. A parameter whose effect on every target is
below one tolerance is not identifiable from these targets: anywhere in its range it fits them
equally well, and a kept set only reflects its range.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from journeysim.study.calibrate_spec import Target
from journeysim.study.decisions import Decision
from journeysim.words import figure

IDENTIFIABLE = 1.0  # tolerances a parameter must move some target by over its range
# A value within this share of its range from an end is at the end: TPE, drawn towards a fit
# that lies beyond, gives values such as 0.5039 in 0.5 .. 1.0.
EDGE = 0.02


def scaled(decision: Decision, values: pd.Series) -> np.ndarray:
    """A parameter's trial values scaled to 0..1 over its range (a choice by its position)."""
    if decision.choices:
        position = {choice: i for i, choice in enumerate(decision.choices)}
        return np.array([position[str(v)] for v in values], float) / (len(decision.choices) - 1)
    return (values.to_numpy(dtype=float) - decision.low) / (decision.high - decision.low)


def sensitivity(
    trials: pd.DataFrame, free: Sequence[Decision], targets: Sequence[Target]
) -> pd.DataFrame:
    """Per parameter and target: `effect`, the target's change over the parameter's range in
    tolerances (empty with fewer trials than parameters + 2, too few to tell)."""
    columns = ["parameter", "target", "effect"]
    if len(trials) < len(free) + 2:
        return pd.DataFrame(columns=columns)
    x = np.column_stack([np.ones(len(trials)), *(scaled(d, trials[d.name]) for d in free)])
    rows = []
    for t in targets:
        y = trials[f"{t.metric}_mean"].to_numpy(dtype=float)
        coefficients = np.linalg.lstsq(x, y, rcond=None)[0][1:]
        for decision, coefficient in zip(free, coefficients):
            rows.append([decision.name, t.metric, float(coefficient) / t.tolerance])
    return pd.DataFrame(rows, columns=columns)


def calibration_warnings(
    trials: pd.DataFrame,
    effects: pd.DataFrame,
    free: Sequence[Decision],
    targets: Sequence[Target],
    best: int | None = None,
) -> list[str]:
    """Parameters no target moves, the fitted trial (`best`) or the kept set at an end of a
    range, targets no trial reaches (with the closest trial), and no trial meeting every target
    at once."""
    found = []
    if effects.empty:
        found.append(
            f"{len(trials)} trials are too few to tell which parameters the targets identify "
            f"(need {len(free) + 2} or more)"
        )
    for decision in free:
        mine = effects[effects["parameter"] == decision.name]
        if len(mine) and (mine["effect"].abs() < IDENTIFIABLE).all():
            strongest = mine.loc[mine["effect"].abs().idxmax()]
            found.append(
                f"{decision.name} is not identifiable from these targets: over its range it "
                f"moves no target by a tolerance (most: {strongest['target']}, "
                f"{abs(strongest['effect']):.2f} tolerances); its fitted value is arbitrary"
            )
    found += edge_warnings(trials, free, best)
    for t in targets:
        offs = (trials[f"{t.metric}_mean"] - t.value).abs() / t.tolerance
        if (offs > 1.0).all():
            closest = trials.loc[offs.idxmin()]
            mean = closest[f"{t.metric}_mean"]
            gives = figure(mean)  # not 1.064e+04
            found.append(
                f"target {t.text} is not reached by any trial: the closest, trial "
                f"{int(closest['trial'])}, gives {gives} "
                f"({tolerances_off_text(offs.min())} tolerances off); widen a range, free another "
                "parameter, or check the target"
            )
    if not trials["kept"].any() and len(targets) > 1:
        found.append(
            "no trial meets every target at once: no parameter set is kept (more trials, wider "
            "ranges or wider tolerances may find some)"
        )
    return found


def precision_warning(fit: pd.DataFrame) -> str | None:
    """A warning when the fitted trial's 95% CI of some targets (fit.csv) is wider than their
    tolerance: "within" is then a matter of luck in its few replications; else None. The
    half-width is the CI's wider side: an end cut at the metric's range (no fewer than 0
    receipts) is not where the interval ends."""
    mean = fit["simulated_mean"]
    half = np.maximum(fit["ci_high"] - mean, mean - fit["ci_low"])
    wide = half > fit["tolerance"]
    if not wide.any():
        return None
    worst = (half / fit["tolerance"]).idxmax()
    target, tolerance = fit.at[worst, "target"], fit.at[worst, "tolerance"]
    one = wide.sum() == 1
    have, their, they = ("has", "its", "it is") if one else ("have", "their", "they are")
    most = f"{target} +-{figure(half[worst])} against +-{figure(tolerance)}"
    most = most if one else f"most: {most}"
    which = "the target" if len(fit) == 1 else f"{wide.sum()} of {len(fit)} targets"
    return (
        f"{which} {have} a 95% CI at the fitted trial wider than "
        f"{their} tolerance ({most}), so its replications cannot tell whether {they} "
        "within; more replications (--reps) narrow it"
    )


def edge_warnings(trials: pd.DataFrame, free: Sequence[Decision], best: int | None) -> list[str]:
    """Per range (not choices) whose fitted value, or the kept set, reaches an end (within
    EDGE of it, or on it for whole numbers): the fit, or the set, may go on beyond it."""
    found = []
    fitted = trials["trial"] == best
    for decision in (d for d in free if not d.choices):
        position = pd.Series(scaled(decision, trials[decision.name]), index=trials.index)
        near = EDGE if not decision.integer else 0.0
        ends = {"lower": position <= near, "upper": position >= 1.0 - near}
        span = f"{decision.low:.4g} .. {decision.high:.4g}"
        for end, at in ends.items():
            if (at & fitted).any():
                value = f"{trials.loc[at & fitted, decision.name].iloc[0]:.4g}"
                found.append(
                    f"the fitted {decision.name}={value} is at the {end} end of its range "
                    f"({span}): the best fit may lie beyond it; widen the range if values "
                    "there are plausible"
                )
            elif (at & trials["kept"]).any() and trials["kept"].sum() >= 2:
                found.append(
                    f"the kept sets reach the {end} end of {decision.name}'s range ({span}): "
                    "the set may go on beyond it; widen the range if values there are plausible"
                )
    return found


def tolerances_off_text(off: float) -> str:
    """Tolerances off to two decimals, except that a target missed (more than 1 off) never
    reads 1.00, which would look reached: 1.0001 and 1.004 read 1.01 (as the fit table's
    `within` says no); from a million on, three figures (1.23e+08)."""
    if off >= 1e6:
        return f"{off:.3g}"
    return "1.01" if 1.0 < off < 1.01 else f"{off:.2f}"
