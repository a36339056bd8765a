"""Sobol' sensitivity indices of a Sobol' design's runs (SALib.analyze.sobol)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from journeysim.study.designs import Design

COLUMNS = ["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"]


def sobol_indices(
    design: Design, runs: pd.DataFrame, metrics: Sequence[str], seed: int = 0
) -> pd.DataFrame:
    """First-order (S1) and total (ST) indices with 95% confidence half-widths, per metric and
    parameter, of the metric's mean over replications at each point. NaN for a metric that is
    undefined at some point or does not vary."""
    from SALib.analyze import sobol  # only Sobol' designs need SALib

    means = runs.groupby("point")[list(metrics)].mean().reindex(range(len(design.points)))
    rows = []
    for metric in metrics:
        y = means[metric].to_numpy(dtype=float)
        indices = dict.fromkeys(COLUMNS[2:], np.full(len(design.keys), np.nan))
        if np.isfinite(y).all() and np.ptp(y) > 0:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                # A parameter that leaves the metric unchanged makes SALib warn of constant
                # values; its indices come out as 0, which is the answer.
                warnings.simplefilter("ignore", UserWarning)
                found = sobol.analyze(design.problem(), y, calc_second_order=False, seed=seed)
            indices = {column: found[column] for column in COLUMNS[2:]}
        for i, key in enumerate(design.keys):
            rows.append([metric, key, *(float(indices[c][i]) for c in COLUMNS[2:])])
    return pd.DataFrame(rows, columns=COLUMNS)


class SobolWarning(UserWarning):
    """Sobol' indices whose confidence half-widths exceed them: too few base samples."""


def imprecise(indices: pd.DataFrame) -> pd.DataFrame:
    """The rows of `indices` whose 95% half-width exceeds the index itself, S1 or ST, or whose
    index lies outside 0..1, where no index can be (an estimate the samples cannot pin down)."""
    flagged = pd.Series(False, index=indices.index)
    for index in ("S1", "ST"):
        value = indices[index]
        flagged |= (indices[f"{index}_conf"] > value.abs()) | (value < 0.0) | (value > 1.0)
    return indices[flagged]


def imprecision_warning(indices: pd.DataFrame, samples: int) -> str | None:
    """A one-line warning when some indices are narrower than their half-widths or impossible,
    else None."""
    wide = imprecise(indices)
    if wide.empty:
        return None
    first = wide.iloc[0]
    estimated = int(indices["S1"].notna().sum())
    unvaried = len(indices) - estimated
    verb = "has" if unvaried == 1 else "have"
    none = (
        f"; {unvaried} more {verb} none, their metric not varying or not known at some point"
        if unvaried
        else ""
    )
    return (
        "Sobol' indices uncertain: the 95% half-width exceeds the index or the index lies "
        f"outside 0..1 for {len(wide)} of the {estimated} metric-parameter pairs with indices "
        f"(e.g. {first['metric']}, {first['parameter']}: "
        f"S1 {first['S1']:.2f} +- {first['S1_conf']:.2f}, ST {first['ST']:.2f} +- "
        f"{first['ST_conf']:.2f}){none}; {samples} base samples are too few, use more "
        f"({samples * 4} narrow them about twofold)"
    )
