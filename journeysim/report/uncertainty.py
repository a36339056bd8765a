"""Runs over parameter sets in the terminal (each KPI and difference with its band and the
parameters' share) and on disk (uncertainty.csv, replications.csv, parameter_sets.csv and each
resolved scenario)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from journeysim.files import scenario_files, write_table
from journeysim.report.comparison import ci_text
from journeysim.report.console import KPI_LABELS, MONEY_LABELS, label, render
from journeysim.report.outputs import write_scenarios
from journeysim.study.uncertainty import UncertaintyResult


def uncertainty_files(names: Iterable[str]) -> frozenset[str]:
    """Every file `--parameter-sets` may write into its folder, for scenarios of these names."""
    made = ("uncertainty.csv", "replications.csv", "parameter_sets.csv", "manifest.json")
    return frozenset({*made, *scenario_files(list(names))})


def write_uncertainty(result: UncertaintyResult, folder: Path) -> list[Path]:
    """Write the result's files into `folder`; return their paths."""
    folder = Path(folder)
    files = [folder / "uncertainty.csv", folder / "replications.csv", folder / "parameter_sets.csv"]
    for path, table in zip(files, (result.table, result.replications, result.sets)):
        write_table(path, table)
    return files + write_scenarios(result.scenarios, folder)


def uncertainty_text(table: pd.DataFrame) -> str:
    """Per KPI and money metric: each scenario's mean with its 95% band and the parameters'
    share of the band's variance; then each difference from the first scenario the same way."""
    names = list(dict.fromkeys(table["scenario"]))
    given = set(table["metric"])
    rows = []
    for metric in (m for m in (*KPI_LABELS, *MONEY_LABELS) if m in given):
        mine = table[table["metric"] == metric].set_index("scenario").reindex(names)
        row = [label(metric)]
        for name in names:
            r = mine.loc[name]
            row += [ci_text(metric, r["mean"], r["ci_low"], r["ci_high"]), _share(r["param_share"])]
        for name in names[1:]:
            r = mine.loc[name]
            mark = " *" if r["diff_ci_low"] > 0 or r["diff_ci_high"] < 0 else "  "
            mark = " ~" if r["verdict"] == "negligible" else mark
            if r["verdict"] == "not_compared":
                row += ["not compared  "]
            else:
                band = ci_text(metric, r["diff"], r["diff_ci_low"], r["diff_ci_high"], True)
                row += [f"{band}{mark}"]
            row += [_share(r["diff_param_share"])]
        rows.append(row)
    header = ["metric"]
    for name in names:
        header += [f"{name} [95% band]", "params"]
    for name in names[1:]:
        header += [f"{name} - {names[0]} [95% band]", "params"]
    return render(rows, header)


def _share(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.0%}"
