"""A selection in the terminal (the table and the guarantee in words) and on disk
(selection.csv, replications.csv, each resolved scenario, smore.png, report.html)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

import pandas as pd

from journeysim.files import scenario_files, write_bytes, write_table, write_text
from journeysim.report.comparison import ci_text, metric_text, signed
from journeysim.report.console import in_a_sentence, label, render, unit
from journeysim.report.history_text import compare_history_text, history_sentences
from journeysim.report.html_blocks import image, page, paragraph, section, table, warning_notes
from journeysim.report.outputs import write_scenarios
from journeysim.report.plots import png
from journeysim.report.selection_plot import smore_plot
from journeysim.simulation.kpis import SHARES
from journeysim.study.selection import Constraint, SelectResult, ci_of, relative_constraints
from journeysim.words import amount, figure, listed


def indifference_text(objective: str, indifference: float) -> str:
    """An indifference in the `objective`'s unit (shares in points): "12,500 PLN a day" (not
    1.25e+04 PLN), "1 point", "0.9 points"."""
    if objective in SHARES:
        return amount(figure(100.0 * indifference, 2), "points")
    return amount(figure(indifference), unit(objective))


def procedures(result: SelectResult) -> str:
    """The published procedures the selection ran, with its indifference as the guarantee
    states it."""
    names = [
        f"Kim & Nelson (2001) KN, first stage {result.first_stage}, indifference "
        + indifference_text(result.objective, result.indifference),
        "Nelson, Swann, Goldsman & Song (2001) subset on the first stage",
    ]
    if result.constraints:
        names.append("Batur & Kim (2010) feasibility check within Andradottir & Kim (2010)")
    return "; ".join(names)


def guarantee(result: SelectResult) -> str:
    """The selected scenario and what the procedure promises about it, in words."""
    name = in_a_sentence(label(result.objective))
    way = "higher" if result.maximise else "lower"
    level = f"{result.confidence:.0%}"
    if result.selected is None:
        return (
            f"No scenario meets the constraints: with probability at least {level}, each was "
            "found to miss one by more than its tolerance."
        )
    delta = indifference_text(result.objective, result.indifference)
    text = (
        f"Selected: {result.selected} ({way} {name} is better). With probability at least "
        f"{level}, no feasible scenario beats it by more than {delta}"
    )
    if result.constraints:
        limits = ", ".join(constraint_text(c) for c in result.constraints)
        text += f"; feasible means meeting {limits}, each decided up to its tolerance"
    if tied := _as_good(result):
        text += (
            f". {listed(tied)} {'is' if len(tied) == 1 else 'are'} within {delta} of it on "
            "average too: as good, for all the selection can tell"
        )
    return text + "."


def constraint_text(constraint: Constraint) -> str:
    """A constraint in the units of the tables beside it: "abandonment <= 3.00% (tolerance 0.3
    points)" for `abandonment_rate<=0.03`, "NPS vs baseline >= -3.00 (tolerance 1 point)"."""
    metric = constraint.metric
    way = ">=" if constraint.sense > 0 else "<="
    if constraint.relative:
        limit = f"vs baseline {way} {signed(metric, constraint.bound)}"
    else:
        limit = f"{way} {metric_text(metric, constraint.bound)}"
    tolerance = indifference_text(metric, constraint.tolerance)
    return f"{in_a_sentence(label(metric))} {limit} (tolerance {tolerance})"


def _as_good(result: SelectResult) -> list[str]:
    """The scenarios not found infeasible, other than the selected, whose mean objective is
    within the indifference of the selected's (a practical tie a reader should hear of)."""
    table = result.table.set_index("scenario")
    means = table[f"{result.objective}_mean"]
    best = means[result.selected]
    close = (means - best).abs() <= result.indifference
    feasible = ~table["status"].str.startswith("infeasible")
    return [name for name in table.index[close & feasible] if name != result.selected]


def subset_text(result: SelectResult) -> str:
    subset = result.table.loc[result.table["in_subset"], "scenario"].tolist()
    return (
        f"Could be the best (subset, {result.confidence:.0%}, first {result.first_stage} "
        f"replications): {', '.join(subset) or 'none'}."
    )


def screening_note(result: SelectResult) -> str:
    """Why a screened-out scenario's mean can look as good as that of the one that screened
    it out (means over different replications); "" when none was screened out or every
    scenario ran as many replications."""
    table = result.table
    if not table["status"].str.startswith("screened out by").any():
        return ""
    if table["replications"].nunique() == 1:
        return ""
    return (
        "Means are over the replications each scenario ran: a scenario screened out fell "
        "behind, paired, on the replications both had run then, and the one that screened it "
        "out may end lower over its further replications; the guarantee above still holds."
    )


def selection_rows(result: SelectResult) -> tuple[list[str], list[list[str]]]:
    """Header and rows per scenario: replications used, the objective and each constrained
    metric's mean [95% CI], whether each constraint is met, the subset and what became of it."""
    metrics = list(dict.fromkeys([result.objective, *(c.metric for c in result.constraints)]))
    relative = relative_constraints(result.constraints)
    rows = []
    for _, r in result.table.iterrows():
        row = [r["scenario"], str(r["replications"])]
        row += [ci_text(metric, *ci_of(r, metric)) for metric in metrics]
        row += [ci_text(c.metric, *ci_of(r, c.column), difference=True) for c in relative]
        row += [check_text(r[f"met[{c.text}]"], c.ci_side(r)) for c in result.constraints]
        row += ["yes" if r["in_subset"] else "no", r["status"]]
        rows.append(row)
    header = ["scenario", "replications", *(f"{label(m)} [95% CI]" for m in metrics)]
    header += [f"{label(c.metric)} vs baseline [95% CI]" for c in relative]
    return header + [c.text for c in result.constraints] + ["in subset", "status"], rows


def check_text(met: object, side: str = "") -> str:
    """A constraint's check as selection.csv's `met[...]` and trials.csv's `feasible` hold it
    (True, False, or NA: undecided) in words: yes, no or undecided; "undecided, CI above" (or
    below) where the scenario's whole 95% CI lies on that `side` of the limit
    (`Constraint.ci_side`), whether that meets it or misses it."""
    if pd.isna(met):
        return f"undecided, CI {side}" if side else "undecided"
    return "yes" if met else "no"


def selection_text(result: SelectResult) -> str:
    header, rows = selection_rows(result)
    return render(rows, header)


def smore_png(result: SelectResult) -> bytes:
    return png(
        smore_plot(
            result.replications,
            result.table,
            result.objective,
            result.indifference,
            result.constraints,
        )
    )


def selection_files(names: Iterable[str]) -> frozenset[str]:
    """Every file `select` may write into its folder, for scenarios of these names: a new
    selection replaces them all (any other file there is kept)."""
    made = ("selection.csv", "replications.csv", "smore.png", "report.html", "manifest.json")
    return frozenset({*made, *scenario_files(list(names))})


def write_selection(result: SelectResult, folder: Path) -> list[Path]:
    """Write the selection's files into `folder`; return their paths."""
    folder = Path(folder)
    files = [folder / "selection.csv", folder / "replications.csv", folder / "smore.png"]
    write_table(files[0], result.table)
    write_table(files[1], result.replications)
    write_bytes(files[2], smore_png(result))
    return files + write_scenarios(result.scenarios, folder)


def select_report(result: SelectResult, folder: Path, warnings: Sequence[str] = ()) -> Path:
    """Write `folder`/report.html: the guarantee, the table, the SMORE plot and the procedures;
    `warnings`, the command's (a difference still moving, an investment left out), under the
    bottom line."""
    header, rows = selection_rows(result)
    history = compare_history_text(result.scenarios)  # the console's line under the header
    if history:
        seed = result.scenarios[0].seed
        history = "".join(map(paragraph, history_sentences(history, seed, "selection")))
    sections = [
        section(
            "Bottom line",
            history,
            f'<p class="verdict">{escape(guarantee(result))}</p>',
            paragraph(subset_text(result)),
            warning_notes(warnings),
            id="bottom-line",
        ),
        section(
            "Scenarios",
            table(header, rows, id="selection-table"),
            *([paragraph(note)] if (note := screening_note(result)) else []),
        ),
        section(
            "SMORE plot",
            image(smore_png(result), "SMORE plot of the objective per scenario"),
            id="smore",
        ),
        section(
            "Procedures",
            paragraph(procedures(result) + ". See docs/experiments.md."),
        ),
    ]
    path = Path(folder) / "report.html"
    title = f"journeysim: select on {result.objective}"
    write_text(path, page(title, f"Selection among {', '.join(result.names)}", sections))
    return path
