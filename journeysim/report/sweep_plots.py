"""Sweep charts: a KPI against one swept parameter, and a heatmap over two.

A grid's values each get their own cell or point; an lhs or sobol design's values spread over
ranges, so they are binned, and no line joins its points as if a trend.
"""

from __future__ import annotations

import dataclasses
import math
import textwrap
from collections.abc import Collection, Sequence

import matplotlib.colors
import numpy as np
import pandas as pd
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator, PercentFormatter

from journeysim.report.console import LABELS, fmt, label
from journeysim.report.plots import (
    NEGATIVE,
    NEUTRAL,
    SCENARIO_COLOURS,
    TITLE,
    TickFormatter,
    axis_label,
    figure,
    label_axis,
    mean_band,
    styled,
    tick_text,
)
from journeysim.simulation.kpis import SHARES
from journeysim.simulation.ranges import metric_range
from journeysim.simulation.summary import mean_ci

BINS = 8  # cells per axis of a continuous (lhs, sobol) design's charts
LABEL_SIZES = (14, 9)  # a heatmap cell's number: its largest and smallest type, points
FAILED = "all runs failed"  # the legend of the crosses that mark such points
PARTIAL = "some runs failed: mean of the rest"  # the legend of the rings that mark such points
RING = {"facecolors": "none", "edgecolors": NEGATIVE, "linewidths": 3, "label": PARTIAL}


def _continuous(runs: pd.DataFrame, keys: Sequence[str], design: str | None = None) -> bool:
    """Whether a sweep's values spread over ranges (an lhs or sobol design: binned) rather than
    being a grid's listed values (each its own cell). `design` is the design's kind where the
    caller knows it; otherwise the runs tell: a grid runs every combination of its keys'
    values, a sampled design few of them (an lhs design of 8 points 8 of 8 x 8). One key alone
    cannot tell: then more than 12 values count as a range."""
    if design is not None:
        return design != "grid"
    keys = [key for key in dict.fromkeys(keys) if key in runs]
    if len(keys) >= 2:
        combinations = len(runs[keys].drop_duplicates())
        return 2 * combinations <= math.prod(runs[key].nunique() for key in keys)
    return bool(keys) and runs[keys[0]].nunique() > 12


@dataclasses.dataclass(frozen=True)
class _Cells:
    """One axis of a sweep chart: each run's cell (its centre), the cells' centres and edges,
    and where its ticks go (the centres, or a binned range's edges) with their labels."""

    at: pd.Series
    centres: np.ndarray
    edges: np.ndarray
    ticks: np.ndarray
    labels: list[str]
    binned: bool = False
    even: bool = False


def _cells(values: pd.Series, continuous: bool, bins: int = BINS, even: bool = False) -> _Cells:
    """A grid's values each get a cell reaching halfway to their neighbours (uneven values,
    uneven cells), or with `even` a cell of the same width each, in their order. A continuous
    design's values fall in at most `bins` equal cells with round edges (`_round_edges`),
    ticked at those edges; whole numbers (cashiers), at most `bins` of them from the least to
    the greatest, get a cell per number instead."""
    numbers = values.astype(float)
    low, high = numbers.min(), numbers.max()
    whole = bool((numbers % 1 == 0).all())
    if continuous and high > low and not (whole and high - low < bins):
        edges = _round_edges(low, high, bins)
        centres = (edges[1:] + edges[:-1]) / 2.0
        index = pd.cut(numbers, edges, labels=False, include_lowest=True).astype(int)
        at = pd.Series(centres[index], index=values.index)
        return _Cells(at, centres, edges, edges, _tick_labels(edges), binned=True)
    shown = np.arange(low, high + 1.0) if continuous else np.sort(numbers.unique())
    if even:
        centres = np.arange(len(shown), dtype=float)
        at = pd.Series(np.searchsorted(shown, numbers).astype(float), index=values.index)
        edges = np.arange(len(shown) + 1.0) - 0.5
        return _Cells(at, centres, edges, centres, _tick_labels(shown), even=True)
    if len(shown) == 1:
        edges = shown + np.array([-0.5, 0.5])
    else:
        middles = (shown[1:] + shown[:-1]) / 2.0
        first, last = 2.0 * shown[0] - middles[0], 2.0 * shown[-1] - middles[-1]
        edges = np.concatenate([[first], middles, [last]])
    return _Cells(numbers, shown, edges, shown, _tick_labels(shown))


def _named(cells: _Cells, names: list[str]) -> _Cells:
    """`cells` of text values at their places (`_texts`: `names`) ticked with the texts."""
    if not names:
        return cells
    return dataclasses.replace(cells, labels=[names[int(tick)] for tick in cells.ticks])


def _round_edges(low: float, high: float, bins: int) -> np.ndarray:
    """Equal cells' edges at round numbers (steps of 1, 1.25, 2, 2.5 or 5 times a power of
    10), at most `bins` of them, from the last at or below `low` to the first at or above
    `high`: 0.02, 0.04, ..., 0.16 for values from 0.0258 to 0.143."""
    steps = [1.0, 1.25, 2.0, 2.5, 5.0, 10.0]
    ticks = MaxNLocator(nbins=bins, steps=steps).tick_values(low, high)
    first = max(int(np.searchsorted(ticks, low, side="right")) - 1, 0)
    last = min(int(np.searchsorted(ticks, high, side="left")), len(ticks) - 1)
    edges = ticks[first : last + 1].copy()
    edges[0], edges[-1] = min(edges[0], low), max(edges[-1], high)  # against rounding
    return edges


def _tick_labels(values: np.ndarray) -> list[str]:
    """The values as `tick_text` writes them, to 3 significant digits or as many more as
    tell them apart."""
    for digits in range(3, 10):
        texts = [tick_text(float(v), digits) for v in values]
        if len(set(texts)) == len(texts):
            break
    return texts


GAP = 6.0  # pixels at least between two tick labels


def _unclutter(fig: Figure, axis: Axis) -> None:
    """Leave blank the fewest tick labels that keep the rest GAP pixels apart, from the
    first on (labels wider than their cells ran together as "0.09770.102")."""
    for _ in range(3):  # blanking labels can move the axes a little
        fig.draw_without_rendering()
        if not _overlap(axis):
            return
        ticks, labels = axis.get_ticklocs(), axis.get_ticklabels()
        kept, end = [], -math.inf
        for text in labels:
            span = _span(axis, text)
            keep = bool(text.get_text()) and span[0] >= end + GAP
            kept.append(text.get_text() if keep else "")
            end = span[1] if keep else end
        axis.set_ticks(ticks, kept)


def _span(axis: Axis, text: Text) -> tuple[float, float]:
    """Where a tick label lies along its axis, in pixels."""
    box = text.get_window_extent()
    return (box.x0, box.x1) if axis.axis_name == "x" else (box.y0, box.y1)


def _overlap(axis: Axis) -> bool:
    """Whether two of an axis's tick labels come within GAP pixels of each other."""
    spans = sorted(_span(axis, t) for t in axis.get_ticklabels() if t.get_text())
    return any(after[0] < before[1] + GAP for before, after in zip(spans, spans[1:]))


def text_colour(background) -> str:
    """Black or white, whichever reads better on `background` (a matplotlib colour): the one
    of greater contrast with its relative luminance (WCAG)."""
    channels = np.asarray(matplotlib.colors.to_rgb(background))
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ [0.2126, 0.7152, 0.0722])
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


def _fit_labels(fig: Figure, ax, labels: Sequence[tuple[Text, tuple]], pad: float = 3.0) -> None:
    """Set the cells' numbers in the largest type (LABEL_SIZES) at which all of them lie
    inside their cells (x0, y0, x1, y1), `pad` pixels in; one that does not fit at the
    smallest is left out rather than spilling over its neighbours (a white "+" outside its
    cell read as "-")."""
    fig.draw_without_rendering()

    def fits(text: Text, corners: tuple) -> bool:
        (x0, y0), (x1, y1) = np.sort(ax.transData.transform([corners[:2], corners[2:]]), axis=0)
        box = text.get_window_extent()
        inside = box.x0 >= x0 + pad and box.x1 <= x1 - pad
        return bool(inside and box.y0 >= y0 + pad and box.y1 <= y1 - pad)

    largest, smallest = LABEL_SIZES
    for size in range(largest, smallest - 1, -1):
        for text, _ in labels:
            text.set_fontsize(size)
        if all(fits(text, corners) for text, corners in labels):
            return
    for text, corners in labels:
        if not fits(text, corners):
            text.remove()


@styled
def sweep_line(
    runs: pd.DataFrame,
    parameter: str,
    kpi: str,
    others: Sequence[str] = (),
    design: str | None = None,
    failed: pd.DataFrame | None = None,
    partial: Collection[int] = (),
) -> Figure:
    """A KPI against one swept parameter.

    A grid (`design` "grid"): the mean over all runs at each value, with its 95% CI over the
    runs when nothing else varies; where `others` (further varied keys) vary too, their effect
    is not noise, so each point of the design is drawn as a dot instead of a band. A
    continuous design (lhs, sobol) has one point at each value, the others' values differing
    from point to point: each point is a dot (with its 95% CI over its runs when nothing else
    varies), and with 12 points or more a bar spans each bin of the range at the mean of its
    points; no line joins them into a trend. `design` None: told from the runs (`_continuous`).

    `runs`: tidy rows (`point`, parameter columns, replication, KPI columns); `failed`: the
    points whose runs all failed (their parameter columns), a cross each at the axis' foot;
    `partial`: the points some of whose runs failed, a ring each about its mean.
    """
    keys = [parameter, *others]
    lost = pd.Series(dtype=float) if failed is None else failed[parameter]
    names = _texts(pd.concat([runs[parameter], lost]))
    if names:  # each text value (a distribution, a mapping) at its place 0, 1, ..., named
        runs, lost = _placed(runs, parameter, names), lost.map(_places(names))
    if _continuous(runs, keys, design):
        shown = [k for k in others if k in runs]
        return _sampled_line(runs, parameter, kpi, shown, lost, partial)
    table = runs.assign(**{parameter: runs[parameter].astype(float)})
    band = mean_band(table, parameter, kpi).sort_values(parameter)
    pooled = any(runs[key].nunique() > 1 for key in others if key in runs)
    fig = figure()
    ax = fig.add_subplot()
    colour = SCENARIO_COLOURS[0]
    ax.plot(band[parameter], band["mean"], color=colour, marker="o", markersize=10)
    if pooled:
        points = runs.groupby("point")[[parameter, kpi]].mean()
        ax.scatter(points[parameter], points[kpi], color=colour, alpha=0.35, s=30)
        what = f"mean over runs; dots: each point, with {', '.join(others)} varied too"
    else:
        ax.fill_between(band[parameter], band["low"], band["high"], color=colour, alpha=0.2)
        what = "mean, 95% CI over runs"
        bars = _paired_bars(table, parameter, kpi, band).dropna()  # none where a KPI is n/a
        if not bars.empty:
            yerr, bounds = _within_range(bars, kpi)
            ax.errorbar(
                bars[parameter],
                bars["mean"],
                yerr=yerr,
                fmt="none",
                ecolor=NEUTRAL,
                elinewidth=3,
                capsize=6,
            )
            ax.axhline(band["mean"].iloc[0], color=NEUTRAL, linestyle="--", linewidth=1)
            first = band[parameter].iloc[0]
            first = names[int(first)] if names else f"{first:g}"
            what += (
                f"; bars: paired 95% CI of the difference from {first}, clear where a bar "
                "misses the dashed line"
            )
            if bounds:
                ends = " and ".join(fmt(kpi, bound) for bound in bounds)
                what += f", cut at {ends}, the KPI's {'bounds' if len(bounds) > 1 else 'bound'}"
    _ring(ax, runs, parameter, kpi, partial)
    _finish_line(ax, band[parameter], parameter, kpi, what, lost)
    if names:
        ax.set_xticks(range(len(names)), names)
    return fig


def _texts(values: pd.Series) -> list[str]:
    """A swept key's values in their order of first appearance where they are text (a
    distribution, a mapping, a name), which a chart places at 0, 1, ...; [] for numbers and
    true/false, which it places at their value."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return []
    return [str(value) for value in dict.fromkeys(values.dropna())]


def _places(names: list[str]) -> dict[str, int]:
    return {name: place for place, name in enumerate(names)}


def _placed(runs: pd.DataFrame, key: str, names: list[str]) -> pd.DataFrame:
    """`runs` with the text values of `key` (`_texts`: `names`) as their places."""
    return runs.assign(**{key: runs[key].astype(str).map(_places(names))})


def _ring(ax, runs: pd.DataFrame, parameter: str, kpi: str, partial: Collection[int]) -> None:
    """Ring the mean of each point of `partial`, some of whose runs failed: it is the mean of
    the rest, which may be the luckier runs."""
    if not partial:
        return
    means = runs[runs["point"].isin(partial)].groupby("point")[[parameter, kpi]].mean()
    ax.scatter(means[parameter], means[kpi], s=420, zorder=4, **RING)


def _paired_bars(table: pd.DataFrame, parameter: str, kpi: str, band: pd.DataFrame) -> pd.DataFrame:
    """For each value after the first (`band`'s order), its mean and how far below and above
    it the 95% CI of its paired difference from the first value reaches: the points share
    random numbers replication by replication, so a difference is often far surer than the
    two bands' overlap suggests."""
    by_run = table.pivot_table(index="replication", columns=parameter, values=kpi, dropna=False)
    first, rows = band[parameter].iloc[0], []
    for value, mean in zip(band[parameter].iloc[1:], band["mean"].iloc[1:]):
        diff, low, high, _ = mean_ci((by_run[value] - by_run[first]).dropna().to_numpy())
        rows.append((value, mean, diff - low, high - diff))
    return pd.DataFrame(rows, columns=[parameter, "mean", "below", "above"])


def _within_range(bars: pd.DataFrame, kpi: str) -> tuple[np.ndarray, list[float]]:
    """`_paired_bars`' lengths below and above each mean (2 x n, as errorbar's yerr) cut to
    what `kpi` can be, and the bounds they were cut at. A difference's CI drawn about a mean
    can pass the range (a return rate above 100%); cut, a bar still crosses the dashed line,
    a mean within the range, exactly when it did."""
    low, high = metric_range(kpi)
    bottom, top = bars["mean"] - bars["below"], bars["mean"] + bars["above"]
    bounds = [bound for bound, out in ((low, bottom < low), (high, top > high)) if out.any()]
    below, above = bars["mean"] - bottom.clip(lower=low), top.clip(upper=high) - bars["mean"]
    return np.vstack([below.to_numpy(), above.to_numpy()]), bounds


def _sampled_line(
    runs: pd.DataFrame,
    parameter: str,
    kpi: str,
    others: list[str],
    lost: pd.Series,
    partial: Collection[int],
) -> Figure:
    """`sweep_line` of a continuous design: a dot per point, bars of the binned means."""
    by = "point" if "point" in runs else [parameter, *others]
    points = runs.groupby(by)[[parameter, kpi]].mean().dropna()
    varied = [key for key in others if runs[key].nunique() > 1]
    fig = figure()
    ax = fig.add_subplot()
    colour = SCENARIO_COLOURS[0]
    if varied:
        ax.scatter(points[parameter], points[kpi], color=colour, s=90, zorder=3)
        what = f"each dot a point of the design, mean over its runs, {', '.join(varied)} varied too"
    else:
        band = mean_band(runs, parameter, kpi)
        ax.errorbar(
            band[parameter],
            band["mean"],
            yerr=[band["mean"] - band["low"], band["high"] - band["mean"]],
            fmt="o",
            color=colour,
            markersize=9,
            elinewidth=2,
            capsize=4,
            zorder=3,
        )
        what = "each dot a point of the design: mean, 95% CI over its runs"
    bins = min(BINS, len(points) // 4)  # a bin's mean of fewer than 4 points says little
    if bins >= 3:
        cells = _cells(points[parameter], True, bins)
        means = points[kpi].groupby(cells.at.to_numpy()).mean()
        bin_of = np.searchsorted(cells.centres, means.index.to_numpy())
        starts, ends = cells.edges[bin_of], cells.edges[bin_of + 1]
        ax.hlines(means.to_numpy(), starts, ends, color=NEUTRAL, linewidth=4)
        what += "; bars: the mean of the points in each bin"
    _ring(ax, runs, parameter, kpi, partial)
    _finish_line(ax, points[parameter], parameter, kpi, what, lost)
    return fig


def _finish_line(
    ax, values: pd.Series, parameter: str, kpi: str, what: str, lost: pd.Series
) -> None:
    """Cross the values of `lost`, points whose runs all failed, at the axis' foot (they have
    no KPI), give the marks a legend, tick a count in whole numbers and every value as
    `tick_text` writes it (2,500), label the axes and title the chart."""
    if len(lost):
        ax.plot(
            lost,
            np.zeros(len(lost)),
            "x",
            transform=ax.get_xaxis_transform(),  # x in data, y on the axes (0: the foot)
            clip_on=False,
            color=NEGATIVE,
            markersize=16,
            mew=4,
            label=FAILED,
        )
    handles, labels = ax.get_legend_handles_labels()
    if handles:  # below the plot: inside, it could hide a point
        ax.figure.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3))
    shown = np.concatenate([values.to_numpy(float), lost.to_numpy(float)])
    if (shown % 1 == 0).all():  # a count (cashiers, carts): whole-number ticks, also of one
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.xaxis.set_major_formatter(TickFormatter())
    ax.set_xlabel(parameter)
    label_axis(ax.yaxis, kpi)
    ax.set_title(textwrap.fill(f"{label(kpi)} against {parameter} ({what})", TITLE))


def _noise(table: pd.DataFrame, cells: list[str], kpi: str) -> float:
    """Half the median width of the cells' 95% CIs of their mean (0 when no cell has two
    runs): a heatmap's colours span at least that much either side, so that cells which
    differ by their runs' luck alone do not look far apart."""
    widths = []
    for _, group in table.groupby(cells)[kpi]:
        _, low, high, _ = mean_ci(group.to_numpy())
        if np.isfinite(high - low):
            widths.append(high - low)
    return float(np.median(widths)) / 2.0 if widths else 0.0


@styled
def sweep_heatmap(
    runs: pd.DataFrame,
    x: str,
    y: str,
    kpi: str,
    design: str | None = None,
    failed: pd.DataFrame | None = None,
    partial: Collection[int] = (),
) -> Figure:
    """Mean KPI over a grid of two swept parameters, each cell where its values lie (a grid's
    values each their own cell; a continuous design's binned, `_cells`; `design` None: told
    from the runs, `_continuous`); combinations the design did not run are left blank, and
    the cells of `failed`, points whose runs all failed, crossed, and those holding a point of
    `partial`, some of whose runs failed, ringed. A grid's values too close
    together for their tick labels get cells of even width instead. The colours span at least
    the median cell's 95% CI (`_noise`). Each cell's number lies inside it, black or white as
    reads better on its colour, and tick labels never meet."""
    lost = 0 if failed is None else len(failed)
    if lost:  # a failed point keeps its cell, without a KPI: the last rows
        runs = pd.concat([runs, failed[[x, y]]], ignore_index=True)
    names = {key: _texts(runs[key]) for key in (x, y)}
    for key in (key for key in names if names[key]):  # text values, at places 0, 1, ...
        runs = _placed(runs, key, names[key])
    continuous = _continuous(runs, [x, y], design)
    cells = [_named(_cells(runs[key], continuous), names[key]) for key in (x, y)]
    fig, ax, grid = _heatmap(runs, x, y, kpi, *cells)
    crowded = [
        not axis_cells.binned and _overlap(axis)
        for axis_cells, axis in zip(cells, (ax.xaxis, ax.yaxis))
    ]
    if any(crowded):
        cells = [
            _named(_cells(runs[key], continuous, even=True), names[key]) if tight else axis_cells
            for key, axis_cells, tight in zip((x, y), cells, crowded)
        ]
        fig, ax, grid = _heatmap(runs, x, y, kpi, *cells)
    _unclutter(fig, ax.xaxis)
    _unclutter(fig, ax.yaxis)
    columns, rows = cells
    (mesh,) = ax.collections
    if np.isfinite(grid).sum() <= 100:
        labels = []
        for (row, col), value in np.ndenumerate(grid):
            if not np.isfinite(value):
                continue
            corners = (columns.edges[col], rows.edges[row], columns.edges[col + 1])
            corners += (rows.edges[row + 1],)
            text = ax.text(
                (corners[0] + corners[2]) / 2.0,
                (corners[1] + corners[3]) / 2.0,
                fmt(kpi, value) if kpi in LABELS else tick_text(value, 3),
                ha="center",
                va="center",
                color=text_colour(mesh.cmap(mesh.norm(value))),
            )
            labels.append((text, corners))
        _fit_labels(fig, ax, labels)
    if lost:
        ax.plot(
            columns.at.iloc[-lost:],
            rows.at.iloc[-lost:],
            "x",
            color=NEGATIVE,
            markersize=16,
            mew=4,
            label=FAILED,
        )
    if partial:
        ringed = np.flatnonzero(runs["point"].isin(partial))
        centres = pd.DataFrame({"x": columns.at.iloc[ringed], "y": rows.at.iloc[ringed]})
        centres = centres.drop_duplicates()
        ax.scatter(centres["x"], centres["y"], s=900, **RING)  # about the cell's number
    if lost or partial:
        fig.legend(loc="outside lower left")
    return fig


def _heatmap(
    runs: pd.DataFrame, x: str, y: str, kpi: str, columns: _Cells, rows: _Cells
) -> tuple[Figure, object, np.ndarray]:
    """`sweep_heatmap`'s figure, its axes and the cells' means (rows of y, columns of x),
    before the cells' numbers are written."""
    table = runs.assign(**{x: columns.at, y: rows.at})
    pivot = table.pivot_table(index=y, columns=x, values=kpi, aggfunc="mean")
    values = pivot.reindex(index=rows.centres, columns=columns.centres).to_numpy(dtype=float)
    low, high = np.nanmin(values), np.nanmax(values)
    middle = (low + high) / 2.0
    half = max((high - low) / 2.0, _noise(table, [x, y], kpi))
    fig = figure()
    ax = fig.add_subplot()
    ax.grid(False)
    mesh = ax.pcolormesh(
        columns.edges,
        rows.edges,
        np.ma.masked_invalid(values),
        cmap="viridis",
        vmin=middle - half,
        vmax=middle + half,
    )
    ax.set_xticks(columns.ticks, columns.labels)
    ax.set_yticks(rows.ticks, rows.labels)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    binned = " in each bin" if columns.binned or rows.binned else ""
    title = (
        f"{label(kpi)} by {x} and {y} (mean over the runs{binned}; colours span at least a "
        "cell's 95% CI)"
    )
    ax.set_title(textwrap.fill(title, TITLE))
    ticks = PercentFormatter(1.0) if kpi in SHARES else TickFormatter()
    fig.colorbar(mesh, ax=ax, label=axis_label(kpi), format=ticks)
    fig.draw_without_rendering()
    return fig, ax, values
