"""Sobol' sensitivity indices of a Sobol' design's runs (SALib.analyze.sobol)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from journeysim.study.designs import Design

COLUMNS = ["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf", "noise_share"]
INDICES = COLUMNS[2:6]
# A half-width under this pins an index near 0 to "small" (under about a tenth of the
# variance), which tells a parameter that matters from one that does not.
SETTLED = 0.1
NOISY = 0.1  # a noise share above this is warned of


def sobol_indices(
    design: Design, runs: pd.DataFrame, metrics: Sequence[str], seed: int = 0
) -> pd.DataFrame:
    """First-order (S1) and total (ST) indices with 95% confidence half-widths, per metric and
    parameter, of the metric's mean over replications at each point, and the metric's
    `noise_share` of those means' variance (see `noise_share`). NaN for a metric that is
    undefined at some point or does not vary."""
    from SALib.analyze import sobol  # only Sobol' designs need SALib

    means = runs.groupby("point")[list(metrics)].mean().reindex(range(len(design.points)))
    rows = []
    for metric in metrics:
        y = means[metric].to_numpy(dtype=float)
        indices = dict.fromkeys(INDICES, np.full(len(design.keys), np.nan))
        share = np.nan
        if np.isfinite(y).all() and np.ptp(y) > 0:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                # A parameter that leaves the metric unchanged makes SALib warn of constant
                # values; its indices come out as 0, which is the answer.
                warnings.simplefilter("ignore", UserWarning)
                found = sobol.analyze(design.problem(), y, calc_second_order=False, seed=seed)
            indices = {column: found[column] for column in INDICES}
            by_run = runs.pivot(index="point", columns="replication", values=metric)
            share = noise_share(by_run.reindex(means.index).to_numpy(dtype=float))
        for i, key in enumerate(design.keys):
            rows.append([metric, key, *(float(indices[c][i]) for c in INDICES), share])
    return pd.DataFrame(rows, columns=COLUMNS)


def noise_share(runs: np.ndarray) -> float:
    """The share of the variance of a metric's per-point means that is the runs' own
    randomness, from `runs` (points x replications; the replications every point has). A
    stochastic model adds that randomness to every point as if it were one more input (Iooss
    & Ribatet 2009), and Saltelli's and Jansen's estimators count it in the parameters'
    indices, in the total indices ST most. Common random numbers give every point of a
    replication the same draws, and the part of the randomness they share moves every point
    alike, which no index sees: the share is that of the rest, the residual variance of a
    two-way analysis of variance (points, replications) over the number of replications,
    over the variance of the means. NaN with fewer than two replications at every point."""
    runs = runs[:, np.isfinite(runs).all(axis=0)]
    points, replications = runs.shape
    if replications < 2:
        return np.nan
    residuals = (
        runs - runs.mean(axis=1, keepdims=True) - runs.mean(axis=0, keepdims=True) + runs.mean()
    )
    noise = (residuals**2).sum() / ((points - 1) * (replications - 1))
    return float(noise / replications / runs.mean(axis=1).var(ddof=1))


class SobolWarning(UserWarning):
    """Sobol' indices the design cannot pin down (too few base samples), or that the runs' own
    randomness weighs in (too few replications a point)."""


def imprecise(indices: pd.DataFrame) -> pd.DataFrame:
    """The rows of `indices` whose 95% half-width exceeds the index itself, S1 or ST, and
    SETTLED (an index of 0.01 +- 0.02 is known to be small), or whose interval lies wholly
    outside 0..1, where no index can be (estimates the samples cannot pin down)."""
    flagged = pd.Series(False, index=indices.index)
    for index in ("S1", "ST"):
        value, conf = indices[index], indices[f"{index}_conf"]
        wide = conf > np.maximum(value.abs(), SETTLED)
        flagged |= wide | (value + conf < 0.0) | (value - conf > 1.0)
    return indices[flagged]


def imprecision_warning(indices: pd.DataFrame, samples: int) -> str | None:
    """A one-line warning when some indices are narrower than their half-widths or impossible,
    else None."""
    wide = imprecise(indices)
    if wide.empty:
        return None
    first = wide.loc[wide[["S1_conf", "ST_conf"]].max(axis=1).idxmax()]  # the widest
    estimated = int(indices["S1"].notna().sum())
    unvaried = len(indices) - estimated
    verb = "has" if unvaried == 1 else "have"
    none = (
        f"; {unvaried} more {verb} none, their metric not varying or not known at some point"
        if unvaried
        else ""
    )
    return (
        "Sobol' indices uncertain: the 95% half-width exceeds the index (and 0.1) or the "
        f"interval lies outside 0..1 for {len(wide)} of the {estimated} metric-parameter pairs "
        f"with indices (widest: {first['metric']}, {first['parameter']}: "
        f"S1 {first['S1']:.2f} +- {first['S1_conf']:.2f}, ST {first['ST']:.2f} +- "
        f"{first['ST_conf']:.2f}){none}; {samples} base samples are too few, use more "
        f"({samples * 4} narrow them about twofold)"
    )


def sobol_warnings(indices: pd.DataFrame, samples: int) -> list[str]:
    """The warnings `indices` of `samples` base samples call for (the sweep and its report say
    the same): imprecise indices, then the runs' own randomness in them."""
    texts = (imprecision_warning(indices, samples), noise_warning(indices))
    return [text for text in texts if text]


def noise_warning(indices: pd.DataFrame) -> str | None:
    """A one-line warning when the runs' own randomness weighs in the indices: unmeasured with
    one run a point, or more than NOISY of some metric's per-point means' variance; else
    None."""
    shares = indices.dropna(subset=["S1"]).groupby("metric", sort=False)["noise_share"].first()
    if shares.empty:
        return None
    if shares.isna().all():
        return (
            "Sobol' indices of one run a point: each run's own randomness, which nothing "
            "measures, counts in the indices as the parameters' effect (in the total indices ST "
            "most); two or more replications at every point (--reps) measure its share "
            "(noise_share in sobol_indices.csv)"
        )
    noisy = shares[shares > NOISY]
    if noisy.empty:
        return None
    worst = noisy.idxmax()
    return (
        f"Sobol' indices include the runs' own randomness: it is more than a tenth of the "
        f"variance of the per-point means for {len(noisy)} of the {len(shares)} metrics with "
        f"indices (most: {worst}, {noisy[worst]:.0%}; noise_share in sobol_indices.csv), which "
        "the indices count as the parameters' effect, the total indices ST most; more "
        "replications a point (--reps) shrink it"
    )
