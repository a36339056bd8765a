"""`--parameter-sets` of run and compare: every scenario over every kept parameter set, printed
and written with bands that cover the parameters' uncertainty (study/uncertainty.py)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from journeysim.cli.options import execute, writable_folder, writing
from journeysim.files import folder_name
from journeysim.report.uncertainty import uncertainty_text, write_uncertainty
from journeysim.scenario.schema import Scenario
from journeysim.study.parameter_sets import read_parameter_sets
from journeysim.study.uncertainty import run_parameter_sets


def run_with_parameter_sets(
    args: argparse.Namespace, scenarios: Sequence[Scenario], stem: str
) -> int:
    """Run, print and write to DIR/<stem>/ (the sets are checked before any run)."""
    folder = args.out / folder_name(stem)
    writable_folder(args.command, folder)
    sets = read_parameter_sets(args.parameter_sets)
    reps = scenarios[0].replications
    total = len(scenarios) * len(sets) * reps
    result = execute(
        args,
        total,
        stem,
        lambda executor, done: run_parameter_sets(scenarios, sets, executor, done),
    )
    with writing(folder):
        write_uncertainty(result, folder)
    print(
        f"\n{' vs '.join(result.names)}: {len(sets)} parameter sets of {args.parameter_sets} "
        f"x {reps} replications each, seed {result.scenarios[0].seed}\n"
    )
    print(uncertainty_text(result.table))
    for warning in result.warnings:
        print(f"\nwarning: {warning}")
    print(
        "\n95% band: where the mean of a store with parameters like the kept sets falls, "
        "simulation noise included; params: the parameters' share of the band's variance (the "
        "rest shrinks with more replications); * the band of a difference excludes 0"
    )
    print(f"\nResults in {folder}{os.sep}")
    return 0
