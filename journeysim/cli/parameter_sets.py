"""`--parameter-sets` of run and compare: every scenario over every kept parameter set, printed
and written with bands that cover the parameters' uncertainty (study/uncertainty.py)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Collection, Mapping, Sequence

from journeysim.cli.options import execute, executor_record, replacing_results
from journeysim.files import folder_name
from journeysim.manifest import write_manifest
from journeysim.report.console import unset_costs_text
from journeysim.report.uncertainty import uncertainty_text, write_uncertainty
from journeysim.scenario.schema import Scenario
from journeysim.simulation.kpis import MATERIAL
from journeysim.study.parameter_sets import read_parameter_sets
from journeysim.study.uncertainty import run_parameter_sets
from journeysim.words import plural


def run_with_parameter_sets(
    args: argparse.Namespace,
    scenarios: Sequence[Scenario],
    stem: str,
    made: Collection[str],
    floors: Mapping[str, float] = MATERIAL,
) -> int:
    """Run, print and write to DIR/<stem>/, replacing the files of `made` there as `run` does
    (`replacing_results`; the sets and the folder are checked before any run); a difference
    within `floors` is negligible."""
    folder = args.out / folder_name(stem)
    sets = read_parameter_sets(args.parameter_sets)
    sets.check_overrides(args.overrides)
    reps = scenarios[0].replications
    total = len(scenarios) * len(sets) * reps
    with replacing_results(args, folder, made) as staging:
        result = execute(
            args,
            total,
            stem,
            lambda executor, done: run_parameter_sets(scenarios, sets, executor, done, floors),
        )
        write_uncertainty(result, staging)
        write_manifest(
            staging, result.scenarios[0].seed, args.overrides, executor=executor_record(args)
        )
    print(
        f"{' vs '.join(result.names)}: {len(sets)} parameter sets of {args.parameter_sets} "
        f"x {plural(reps, 'replication')} each, seed {result.scenarios[0].seed}\n"
    )
    print(uncertainty_text(result.table))
    differences = (
        "; * the band of a difference excludes 0, ~ it does but lies within the smallest "
        "difference that matters (negligible)"
        if len(result.names) > 1
        else ""
    )
    print(
        "\n95% band: where the mean of a store with parameters like the kept sets falls, "
        "simulation noise included; params: the parameters' share of the band's variance (the "
        f"rest shrinks with more replications){differences}"
    )
    if unset := unset_costs_text(result.scenarios):  # a 0 is not an outage that cost nothing
        print(unset)
    print(f"\nResults in {folder}{os.sep}")
    if result.warnings:  # on stderr after the results, as run and compare give theirs
        sys.stdout.flush()
        print(
            "\n".join(f"journeysim: warning: {text}" for text in result.warnings), file=sys.stderr
        )
    return 0
