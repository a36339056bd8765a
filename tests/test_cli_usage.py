"""The command line's smaller promises: usage errors exit 2 in every command, result files
follow the umask, every results folder has a manifest, a run with --set does not overwrite
other results without --force, an empty scenario file warns, outages stay in the horizon and
repeat on weekdays."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from journeysim.cli import main
from journeysim.compiled import runs_compiled
from journeysim.files import write_text
from journeysim.loyalty.base import is_weekend
from journeysim.scenario import ScenarioError, load_scenario
from journeysim.scenario.store_schema import WEEKDAYS
from journeysim.simulation.measure import METRICS
from journeysim.study.compare import NOT_JUDGED
from journeysim.version import source_digest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
SMALL = [
    *("--set", "arrivals.base_customers=200", "--set", "horizon.burn_in_days=0"),
    *("--set", "horizon.warmup_days=0", "--reps", "2", "--days", "2"),
]
# What --precision sizes: every metric but the two the scenario sets, the same in every run.
MEASURED = [metric for metric in METRICS if metric not in ("fixed_cost_per_day", "investment")]
JUDGED = [metric for metric in METRICS if metric not in NOT_JUDGED]


def exit_code(argv: list[str]) -> int:
    """The exit code of `journeysim ARGV`, whether main returns it or argparse exits."""
    try:
        return main(argv)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 1


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["run"],
        ["run", BASELINE, "--no-such-option"],
        ["run", "missing.yaml"],
        ["run", BASELINE, "--days", "0"],
        ["run", BASELINE, "--reps", "-1"],
        ["run", BASELINE, "--set", "checkout.cashiers=many"],
        ["run", BASELINE, "--precision", "nope=1"],
        ["run", BASELINE, "--precision", "nps=inf"],
        ["run", BASELINE, "--precision", "investment=1"],  # set by the scenario: nothing to size
        ["compare", BASELINE],
        ["compare", BASELINE, "missing.yaml"],
        ["select", BASELINE, "--objective", "csat"],
        ["select", BASELINE, BASELINE, "--objective", "nope"],
        ["sweep", BASELINE, "--vary", "checkout.cashiers"],
        ["sweep", BASELINE, "--vary", "checkout.cashiers=2,3", "--design", "nope"],
        ["sweep", BASELINE, "--vary", "checkout.cashiers=2,3", "--name", ""],  # was ignored
        ["sweep", BASELINE, "--vary", "checkout.cashiers=2,3", "--name", "x" * 300],  # OSError
        ["sweep", BASELINE, "--vary", "checkout.cashiers=2,3", "--name", ".."],  # sweep-
        ["optimise", BASELINE, "--decide", "checkout.cashiers=2:3", "--name", "two\nlines"],
        ["trace", BASELINE, "--pick", "nope"],
        ["trace", BASELINE, "--seed", "-1"],
        ["trace", BASELINE, "--replication", "-1"],
        ["run", BASELINE, "--workers", "0"],
        ["run", BASELINE, "--workers", "100000", "--reps", "2"],  # 10,000 reps forked 10,000
        ["animate", BASELINE, "--day", "9999"],
        ["animate", BASELINE, "--day", "1", "--frames", "0"],
        ["replay", BASELINE, "--day", "9999"],
        ["replay", BASELINE, "--day", "1", "--from", "10:99"],  # was read as 11:39
        ["animate", BASELINE, "--day", "1", "--to", "24:01"],
        ["validate", "missing.yaml"],
        ["schema", "--markdown", "--out", BASELINE],
    ],
    ids=lambda argv: " ".join(Path(a).name for a in argv) or "no command",
)
def test_usage_errors_exit_2_with_one_line(argv: list[str], capsys) -> None:
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err  # no usage block, no traceback


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["trace", BASELINE, "--pick", "wrost"], "; did you mean 'worst'?"),
        (["runn", BASELINE], "; did you mean 'run'?"),
        (
            ["select", BASELINE, BASELINE, "--objective", "contributon_per_day"],
            "; did you mean 'contribution_per_day'?",
        ),
        (
            ["run", BASELINE, "--precision", "retrun_rate=0.002"],
            "did you mean 'return_rate=0.002'?",
        ),
        (
            ["trace", BASELINE, "--pick", "xyzzy"],
            "expected one of worst, best, hurt, helped, outage, regular, lane (got 'xyzzy')",
        ),
        (
            ["run", BASELINE, "--dyas", "30"],
            "journeysim run: error: unrecognized arguments: --dyas 30; did you mean '--days'?",
        ),
        (
            ["compare", BASELINE, BASELINE, "--wrokers=2"],
            "compare: error: unrecognized arguments: --wrokers=2; did you mean '--workers'?",
        ),
        (
            ["trace", BASELINE, "other.yaml"],
            "trace: error: unrecognized arguments: other.yaml",
        ),
        (  # the dashes every option has do not make --out the closest (they were compared)
            ["schema", "--bogus"],
            "journeysim schema: error: unrecognized arguments: --bogus",
        ),
    ],
)
def test_a_mistyped_choice_is_answered_with_the_closest(argv: list[str], said: str, capsys) -> None:
    """A mistyped choice, command or option gets the closest one; arguments a command does
    not know are named with it."""
    assert exit_code(argv) == 2
    assert capsys.readouterr().err.rstrip("\n").endswith(said)


# Every usage error reads as argparse says its own: the command, the option, what was expected and
# what was given ('x' and 0 alike), whether argparse finds it while parsing or journeysim after
# (B is the baseline scenario).
ONE_VOICE = [
    # whole numbers in a range
    ("run B --reps x", "--reps: replications: expected a whole number from 1 to 10,000 (got 'x')"),
    ("run B --reps 0", "--reps: replications: expected a whole number from 1 to 10,000 (got '0')"),
    (
        "compare B B --days 0",
        "--days: horizon.days: expected a whole number from 1 to 3,650 (got '0')",
    ),
    ("sweep B --samples many", "--samples: expected a whole number of at least 1 (got 'many')"),
    ("optimise B --trials 0", "--trials: expected a whole number from 1 to 10,000 (got '0')"),
    ("calibrate B --trials 1", "--trials: expected a whole number from 2 to 10,000 (got '1')"),
    (
        "trace B --seed -1",
        "--seed: expected a whole number from 0 to 9,223,372,036,854,775,807 (got '-1')",
    ),
    ("animate B --day x", "--day: expected a whole number of at least 0 (got 'x')"),
    (
        "animate B --day 1000",
        "--day: expected a whole number from 0 to 55, the last day simulated (got '1000')",
    ),
    # numbers
    (
        "select B B --objective nps --confidence 2",
        "--confidence: expected a probability of at least 0.5 and below 1 (got '2')",
    ),
    (
        "select B B --objective nps --indifference x",
        "--indifference: expected a finite number above 0 (got 'x')",
    ),
    # METRIC=VALUE options: the metric named where its value is at fault, values as typed
    ("run B --precision nps=0", "--precision: nps: expected a finite HALFWIDTH above 0 (got '0')"),
    (
        "run B --precision nps=-1",
        "--precision: nps: expected a finite HALFWIDTH above 0 (got '-1')",
    ),
    (
        "run B --precision nps=nan",
        "--precision: nps: expected a finite HALFWIDTH above 0 (got 'nan')",
    ),
    (
        "run B --precision nps=inf",
        "--precision: nps: expected a finite HALFWIDTH above 0 (got 'inf')",
    ),
    ("run B --precision nps=", "--precision: nps: expected a finite HALFWIDTH above 0 (got '')"),
    ("run B --precision nps", "--precision: expected METRIC=HALFWIDTH, e.g. nps=0.5 (got 'nps')"),
    (
        "run B --precision npss=1",
        f"--precision: expected a METRIC of {', '.join(MEASURED)} (got 'npss'); did you mean "
        "'nps=1'?",
    ),
    # choices
    (
        "sweep B --design gird",
        "--design: expected one of grid, lhs, sobol (got 'gird'); did you mean 'grid'?",
    ),
    (
        "trace B --pick wrost",
        "--pick: expected one of worst, best, hurt, helped, outage, regular, lane (got 'wrost'); "
        "did you mean 'worst'?",
    ),
    # paths
    ("run B --out=", "--out: expected a path (got '')"),
    ("schema --out=", "--out: expected a path (got '')"),
    (
        "animate B --day 1 --out floor.png",
        "--out: expected a file name ending in .gif (got 'floor.png')",
    ),
    # times of day, and a window that ends before it starts
    (
        "replay B --day 1 --from 25:00",
        "--from: expected a time HH:MM from 00:00 to 24:00 (got '25:00')",
    ),
    (
        "replay B --day 1 --from 10:00 --to 09:00",
        "--to: expected a time later than --from 10:00 (got '09:00')",
    ),
    (
        "animate B --day 1 --to 00:00",
        "--to: expected a time later than 00:00, where the window starts without --from (got "
        "'00:00')",
    ),
    # found once the scenario is read: --set, and the scenarios a command needs
    (
        "run B --set checkout.cashiers=-1",
        "--set checkout.cashiers: expected a whole number from 0 to 200 (got -1)",
    ),
    ("compare B", f"SCENARIO.yaml: expected two or more scenario files (got '{BASELINE}')"),
    # the smallest difference that matters, checked before anything runs
    ("compare B B --negligible nps", "--negligible: expected METRIC=SIZE, e.g. nps=2 (got 'nps')"),
    (
        "compare B B --negligible nps=-1",
        "--negligible: nps: expected a finite number of 0 or more (got '-1')",
    ),
    (
        "compare B B --negligible nps=inf",
        "--negligible: nps: expected a finite number of 0 or more (got 'inf')",
    ),
    # as wide as the metric's range: every difference negligible, as select refuses
    (
        "compare B B --negligible nps=500",
        "--negligible: nps: expected a size below 200, the width of nps's range -100 to 100 "
        "(got 500)",
    ),
    (
        "compare B B --negligible return_rate=100",
        "--negligible: return_rate: expected fewer than 100 percentage points (got 100)",
    ),
    (
        "compare B B --negligible npss=1",
        f"--negligible: expected one of {', '.join(JUDGED)} (got 'npss'); did you mean 'nps'?",
    ),
    (
        "compare B B --negligible wages_per_day=50",
        "--negligible: wages_per_day is not judged better or worse (money counts once, as "
        "contribution_per_day, and an investment by its payback): give a floor for "
        "contribution_per_day",
    ),
    # a metric given twice, as calibrate refuses a KPI targeted twice (the last one was taken)
    (
        "compare B B --negligible nps=1 --negligible return_rate=0.5 --negligible nps=2",
        "--negligible nps=1 and --negligible nps=2: expected one size per metric (nps is given "
        "twice)",
    ),
    (
        "run B --precision nps=1 --precision nps=2",
        "--precision nps=1 and --precision nps=2: expected one half-width per metric (nps is "
        "given twice)",
    ),
    (
        "calibrate B --free checkout.cashiers=2:4 --target nps=1 --target nps=2",
        "--target nps=1 and --target nps=2: expected one target per KPI (nps is targeted twice)",
    ),
    (
        "calibrate B --free checkout.cashiers=2:4 --target nps",
        "--target nps: expected KPI=VALUE or KPI=VALUE+-TOLERANCE (got 'nps')",
    ),
    # a misspelt KPI, named with the one it may mean as --objective's and --minimise's are
    (
        "calibrate B --free checkout.cashiers=2:4 --target np=40+-5",
        f"--target np=40+-5: expected a KPI of {', '.join(METRICS)}, or receipts_weekday_hHHMM "
        "/ receipts_weekend_hHHMM (got 'np'; did you mean 'nps'?)",
    ),
    (
        "optimise B --decide checkout.cashiers=1:3 --subject-to np>=30",
        "--subject-to: expected KPI>=VALUE, KPI<=VALUE or relative KPI>=baseline-DIFF, "
        f"KPI<=baseline+DIFF, optionally +-TOLERANCE, with a KPI of {', '.join(METRICS)} (got "
        "'np>=30'; did you mean 'nps'?)",
    ),
    (
        "select B B --objective nps --constraint np>=30",
        "--constraint: expected KPI>=VALUE or KPI<=VALUE, optionally +-TOLERANCE, with a KPI of "
        f"{', '.join(METRICS)} (got 'np>=30'; did you mean 'nps'?)",
    ),
    (
        "calibrate B --free checkout.cashiers=2:4 --target nps=3+-0",
        "--target nps=3+-0: expected a finite tolerance above 0 (got 0)",
    ),
    # what a study needs (a sweep without --vary said "journeysim: a sweep needs ...")
    ("sweep B", "--vary: expected a key to vary (KEY=V1,V2,... or KEY=LOW:HIGH)"),
    ("optimise B", "--decide: optimise needs at least one decision (KEY=LOW:HIGH)"),
]


@pytest.mark.parametrize(("line", "said"), ONE_VOICE, ids=[line for line, _ in ONE_VOICE])
def test_every_usage_error_reads_in_one_voice(line: str, said: str, capsys) -> None:
    argv = [BASELINE if word == "B" else word for word in line.split()]
    assert exit_code(argv) == 2
    assert capsys.readouterr().err == f"journeysim {argv[0]}: error: argument {said}\n"


def test_a_mistyped_command_reads_in_the_same_voice(capsys) -> None:
    assert exit_code(["runn", BASELINE]) == 2
    assert capsys.readouterr().err == (
        "journeysim: error: argument COMMAND: expected one of run, compare, select, sweep, "
        "optimise, calibrate, validate, schema, trace, animate, replay, fit-receipts (got 'runn')"
        "; did you mean 'run'?\n"
    )


def test_no_option_is_left_to_argparse_s_own_numbers() -> None:
    """argparse's int and float said "invalid int value: 'x'" in a voice of their own."""
    from journeysim.cli import build_parser

    (commands,) = (a for a in build_parser()._actions if a.dest == "command")
    typed = {
        f"{name} {action.option_strings or action.dest}": action.type
        for name, command in commands.choices.items()
        for action in command._actions
    }
    assert not {option for option, kind in typed.items() if kind in (int, float)}


def test_an_option_s_problem_in_validate_reads_as_a_usage_error(capsys) -> None:
    """validate prints a file's problems as they are, and --set's as a usage error."""
    assert exit_code(["validate", BASELINE, "--set", "checkout.cashiers=-1"]) == 2
    assert capsys.readouterr().err == (
        "journeysim validate: error: argument --set checkout.cashiers: expected a whole number "
        "from 0 to 200 (got -1)\n"
    )


def test_an_option_s_problem_shared_by_every_file_is_said_once(capsys) -> None:
    """validate of three files printed --set's problem three times, once per file."""
    argv = ["validate", BASELINE, BASELINE, BASELINE, "--set", "checkout.cashiers=-1"]
    assert exit_code(argv) == 2
    assert capsys.readouterr().err == (
        "journeysim validate: error: argument --set checkout.cashiers: expected a whole number "
        "from 0 to 200 (got -1)\n"
    )


def test_an_option_that_conflicts_with_some_files_names_each_of_them(capsys) -> None:
    """`validate scenarios/*.yaml --set horizon.days=1 --set horizon.warmup_days=0` refused two
    of the seven files without saying which: a departure and an outage outside the one day. A
    problem between an option and a file's key names the file after the option."""
    turnover, outage = (
        str(ROOT / "scenarios" / f"{n}.yaml") for n in ("staff_turnover", "terminal_outage")
    )
    argv = ["validate", BASELINE, turnover, outage, "--set", "horizon.days=1"]
    assert exit_code([*argv, "--set", "horizon.warmup_days=0"]) == 2
    out, err = capsys.readouterr()
    assert out == f"ok  {BASELINE} (baseline)\n"
    first, second = err.splitlines()
    assert first.startswith(
        f"journeysim validate: error: argument --set horizon.warmup_days: {turnover}: "
        "staff.turnover.0.day, horizon.warmup_days, horizon.days: expected a simulated day 0..0"
    )
    assert second.startswith(
        f"journeysim validate: error: argument --set horizon.warmup_days: {outage}: "
        "payment.outages.0, horizon.warmup_days, horizon.days: it never happens"
    )


def test_an_option_inside_a_file_s_list_is_blamed_in_every_command(tmp_path: Path, capsys) -> None:
    """`validate scenarios/terminal_outage.yaml --set payment.outages.0.day=500` blamed the file
    (which set the whole list) for an outage past the horizon, not the option that moved it;
    run and compare did the same. An item the option left alone stays the file's."""
    outage = str(ROOT / "scenarios" / "terminal_outage.yaml")
    one = tmp_path / "one.yaml"
    one.write_text(f"extends: {BASELINE}\npayment:\n  outages: [{{day: 4}}]\n", encoding="utf-8")
    late = ["--set", "payment.outages.0.day=500"]
    for command, files in (
        ("validate", [outage]),
        ("run", [outage]),
        ("compare", [str(one), outage]),
    ):
        out = ["--out", str(tmp_path / command)] if command != "validate" else []
        assert exit_code([command, *files, *late, *out]) == 2
        assert capsys.readouterr().err.startswith(
            f"journeysim {command}: error: argument --set payment.outages.0.day: {BASELINE}: "
            "payment.outages.0, horizon.warmup_days, horizon.days: it never happens within"
        )
    two = tmp_path / "two.yaml"
    two.write_text(
        f"extends: {BASELINE}\npayment:\n  outages: [{{day: 500}}, {{day: 4}}]\n", encoding="utf-8"
    )
    assert exit_code(["validate", str(two), "--set", "payment.outages.1.day=3"]) == 2
    assert capsys.readouterr().err.startswith(
        f"{two}: payment.outages.0, horizon.warmup_days, horizon.days: it never happens within"
    )  # the option changed outage 1 only: outage 0 is the file's


def test_options_inside_a_file_s_list_are_blamed_together(capsys) -> None:
    """`validate scenarios/terminal_outage.yaml --set payment.outages.0.day=500 --set
    payment.outages.0.start=17:30` blamed the file (`scenarios/terminal_outage.yaml:
    payment.outages.0, ...: it never happens ...`), where the day's option alone was blamed:
    the item the two options changed is theirs, both named as the usage error's argument."""
    outage = str(ROOT / "scenarios" / "terminal_outage.yaml")
    moved = ["--set", "payment.outages.0.day=500", "--set", "payment.outages.0.start=17:30"]
    assert exit_code(["validate", outage, *moved]) == 2
    assert capsys.readouterr().err.startswith(
        "journeysim validate: error: argument --set payment.outages.0.day and --set "
        f"payment.outages.0.start: {BASELINE}: payment.outages.0, horizon.warmup_days, "
        "horizon.days: it never happens within the simulated days 0..55"
    )


def test_an_override_placed_beyond_a_scenario_s_list_names_that_scenario(
    tmp_path: Path, capsys
) -> None:
    """`compare baseline.yaml two.yaml --set zones.3.walk_min=2` said "expected a list index
    from 0 to 1" without saying that two.yaml was the scenario with two zones."""
    two = tmp_path / "two.yaml"
    two.write_text(
        "zones:\n  - {name: fresh, walk_min: 5, item_share: 0.5}\n"
        "  - {name: dry, walk_min: 5, item_share: 0.5}\n",
        encoding="utf-8",
    )
    argv = ["compare", BASELINE, str(two), "--set", "zones.3.walk_min=2", "--out", str(tmp_path)]
    assert exit_code(argv) == 2
    assert capsys.readouterr().err == (
        "journeysim compare: error: argument --set zones.3.walk_min: zones: expected a list "
        f"index from 0 to 1, as {two} has 2 (got '3')\n"
    )
    assert exit_code(["validate", BASELINE, str(two), "--set", "segments.x.share=0.1"]) == 2
    said = capsys.readouterr().err.splitlines()
    assert [line.split(", one of")[0] for line in said] == [
        "journeysim validate: error: argument --set segments.x.share: segments: expected a "
        f"segment of {name}"
        for name in (BASELINE, two)
    ]


def test_a_file_whose_name_looks_like_an_option_is_no_usage_error(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """Whether a problem is an option's is carried by the error, not read from its text: a file
    named like an option (`--store x.yaml`) keeps its problems as a file's."""
    monkeypatch.chdir(tmp_path)
    Path("--store x.yaml").write_text("checkout:\n  cashiers: -1\n", encoding="utf-8")
    assert exit_code(["validate", "--", "--store x.yaml"]) == 2
    assert capsys.readouterr().err == (
        "--store x.yaml: checkout.cashiers: expected a whole number from 0 to 200 (got -1)\n"
    )


def test_the_days_message_names_days(capsys) -> None:
    assert exit_code(["run", BASELINE, "--days", "0"]) == 2
    assert capsys.readouterr().err.startswith(
        "journeysim run: error: argument --days: horizon.days: expected"
    )


def test_a_scenario_with_several_problems_says_each_on_a_line_of_its_own(
    tmp_path: Path, capsys
) -> None:
    """Every line starts with the program's name (the second and later ones did not)."""
    path = tmp_path / "bad.yaml"
    path.write_text("checkout:\n  cashiers: -1\narrivals:\n  rate_per_hour: x\n")
    assert exit_code(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"journeysim: {path}: arrivals.rate_per_hour: expected a number above 0 and at most 2,000 "
        "(got 'x')",
        f"journeysim: {path}: checkout.cashiers: expected a whole number from 0 to 200 (got -1)",
    ]
    assert not (tmp_path / "out").exists()


def test_results_follow_the_umask_and_have_a_manifest(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "argv", ["journeysim", "run", "baseline.yaml"])
    previous = os.umask(0o027)
    try:
        code = main(["run", BASELINE, *SMALL, "--out", str(tmp_path), "--quiet", "--no-report"])
    finally:
        os.umask(previous)
    assert code == 0
    folder = tmp_path / "baseline"
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert set(modes.values()) == {0o640}, modes  # 0666 less the umask, not mkstemp's 0600
    made = json.loads((folder / "manifest.json").read_text())
    assert made["command"] == "journeysim run baseline.yaml"
    assert made["seed"] == 20261125
    assert made["overrides"] == SMALL[1:6:2]
    assert made["python"] == ".".join(map(str, sys.version_info[:3]))
    assert made["packages"]["numpy"] == __import__("numpy").__version__
    assert made["journeysim"]
    # One version number covers many states of the sources: the digest tells them apart.
    assert made["source"] == source_digest() and len(made["source"]) == 64
    assert made["build"] == ("compiled" if runs_compiled() else "pure Python")


def test_a_run_written_from_python_has_a_manifest_of_the_call(tmp_path: Path, recwarn) -> None:
    """write_run, the API's way to write a run's tables, left out manifest.json, though every
    results folder has one; it records the call (the script's command line is not it)."""
    import journeysim
    from journeysim.report.outputs import write_run

    overrides = list(SMALL[1:6:2])
    result = journeysim.run(BASELINE, reps=1, days=2, overrides=overrides)
    paths = write_run(result, tmp_path, overrides)
    made = json.loads((tmp_path / "manifest.json").read_text())
    assert tmp_path / "manifest.json" in paths
    assert made["command"] == (
        f"journeysim.report.outputs.write_run(<Scenario 'baseline'>, {str(tmp_path)!r})"
    )
    assert made["seed"] == 20261125 and made["overrides"] == overrides


def test_write_text_follows_the_umask(tmp_path: Path) -> None:
    for mask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        previous = os.umask(mask)
        try:
            write_text(tmp_path / f"{mask}.txt", "x")
        finally:
            os.umask(previous)
        assert stat.S_IMODE((tmp_path / f"{mask}.txt").stat().st_mode) == mode


def test_a_run_with_other_overrides_needs_force(tmp_path: Path, capsys) -> None:
    run = ["run", BASELINE, *SMALL, "--out", str(tmp_path), "--quiet", "--no-report"]
    assert main(run) == 0
    assert main(run) == 0  # the same run again overwrites its own results
    other = [*run, "--set", "checkout.cashiers=4"]
    before = (tmp_path / "baseline" / "summary.csv").read_text()
    assert exit_code(other) == 2
    assert "holds results made with --set arrivals.base_customers=200" in capsys.readouterr().err
    assert (tmp_path / "baseline" / "summary.csv").read_text() == before
    assert main([*other, "--force"]) == 0
    assert (tmp_path / "baseline" / "summary.csv").read_text() != before


def test_a_refusal_quotes_at_most_200_characters_of_a_folders_overrides(
    tmp_path: Path, capsys
) -> None:
    """A manifest.json of 100,000 overrides made the refusal one line of 2.5 MB; it quotes the
    first 200 characters, then how many there are."""
    folder = tmp_path / "baseline"
    folder.mkdir()
    (folder / "summary.csv").write_text("kpi\n")
    made = [f"checkout.cashiers={n}" for n in range(100_000)]
    (folder / "manifest.json").write_text(json.dumps({"overrides": made}))
    run = ["run", BASELINE, *SMALL, "--out", str(tmp_path), "--quiet", "--no-report"]
    assert main(run) == 2
    shown = " ".join(f"--set {o}" for o in made)[:197]
    assert capsys.readouterr().err == (
        f"journeysim run: error: {folder} holds results made with {shown}... (100,000 "
        "overrides in all); give another --out for this run, or --force to overwrite them\n"
    )


def test_an_empty_scenario_file_warns(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    assert main(["validate", str(empty)]) == 0
    assert capsys.readouterr().err == (
        f"journeysim: warning: {empty}: the file sets no keys; every default applies\n"
    )
    with pytest.warns(UserWarning, match="sets no keys"):
        load_scenario(empty)


def test_a_warning_is_shown_once_a_command(tmp_path: Path, capsys) -> None:
    """optimise loads its scenario several times (the check, the plan, the study): an empty
    file's warning came four times. Each is said once a command."""
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    small = ["horizon.warmup_days=0", "horizon.burn_in_days=0", "arrivals.base_customers=200"]
    argv = ["optimise", str(empty), "--decide", "checkout.cashiers=2:3", "--minimise"]
    argv += ["wages_per_day", "--days", "1", "--reps", "2", "--trials", "2", "--candidates", "2"]
    argv += [*(f"--set={s}" for s in small), "--out", str(tmp_path / "out"), "--quiet"]
    assert main(argv) == 0
    assert capsys.readouterr().err.count("the file sets no keys") == 1


@pytest.mark.parametrize(
    "outage",
    ["{day: 500}", "{day: 70}", "{day: 65, weekdays: [mon]}"],
)
def test_outages_outside_the_horizon_are_errors(outage: str) -> None:
    """The baseline simulates days 0..69 (14 warm-up + 56): day 70 is one too far; from day 65
    (a Saturday) no Monday comes before the end."""
    with pytest.raises(ScenarioError, match="never happens within the simulated days 0..69"):
        load_scenario(BASELINE, [f"payment.outages=[{outage}]", "horizon.days=56"])


def test_an_outage_of_a_terminal_the_store_has_not_names_the_entry_and_the_index() -> None:
    """The baseline has 3 lanes and 2 self-checkouts: terminals 0..4. The error named neither
    the outage nor the index given (audit 26)."""
    outages = "payment.outages=[{day: 1}, {day: 2, terminals: [1, 7, 4, 5]}]"
    expected = r"payment\.outages\.1\.terminals: expected terminal indices 0\.\.4, .* got 7, 5\)"
    with pytest.raises(ScenarioError, match=expected):
        load_scenario(BASELINE, [outages])
    load_scenario(BASELINE, ["payment.outages=[{day: 2, terminals: [0, 4]}]"])


@pytest.mark.parametrize(
    ("start", "minutes", "refused"),
    [
        ("23:30", 60, True),  # after closing (22:00), before the next opening (06:00)
        ("04:00", 120, True),  # ends at opening
        ("21:30", 60, False),  # runs past closing
        ("23:30", 420, False),  # into the next morning's opening
        ("04:00", 121, False),
    ],
)
def test_outages_when_the_store_is_closed_are_errors(
    start: str, minutes: int, refused: bool
) -> None:
    outage = f"payment.outages=[{{day: 1, start: '{start}', duration_min: {minutes}}}]"
    if refused:
        with pytest.raises(ScenarioError, match=r"outages\.0: expected a time when the store"):
            load_scenario(BASELINE, [outage])
    else:
        load_scenario(BASELINE, [outage])


def test_outages_repeat_on_weekdays_and_day_0_is_a_monday() -> None:
    scenario = load_scenario(BASELINE, ["payment.outages=[{day: 3, weekdays: [sat, sun]}]"])
    (outage,) = scenario.payment.outages
    days = outage.days_in(scenario.total_days)
    assert days == [d for d in range(3, scenario.total_days) if is_weekend(d)]
    assert days[:4] == [5, 6, 12, 13] and WEEKDAYS[0] == "mon"
    with pytest.raises(
        ScenarioError,
        match=r"^--set payment\.outages: payment\.outages\.0\.every_day, "
        r"payment\.outages\.0\.weekdays: expected one of them, not both \(got true and \[sat\]\)$",
    ):
        load_scenario(BASELINE, ["payment.outages=[{every_day: true, weekdays: [sat]}]"])


def test_a_weekday_outage_takes_the_terminals_down_on_those_days(tmp_path: Path) -> None:
    from journeysim.simulation.replication import simulate

    scenario = load_scenario(
        BASELINE,
        [
            "payment.outages=[{day: 0, start: '10:00', duration_min: 30, weekdays: [tue]}]",
            "payment.random_failures=false",
            *SMALL[1:6:2],
            "horizon.days=15",
        ],
    )
    log = simulate(scenario).terminal_log
    down = log[log["state"] == "down:outage"]
    assert sorted(set((down["time"] // 1440).astype(int))) == [1, 8]
    assert set(down["time"] % 1440) == {600.0}


def test_a_reader_that_stops_early_gets_no_error() -> None:
    """`journeysim schema | head -1`: the closed pipe ends the command quietly (exit 1), not
    with "journeysim: Broken pipe" on stderr."""
    command = subprocess.Popen(
        [sys.executable, "-m", "journeysim.cli", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    command.stdout.close()  # before the command writes
    stderr = command.stderr.read()
    assert (command.wait(timeout=60), stderr) == (1, b"")


@pytest.mark.parametrize("command", ["sweep", "optimise", "calibrate"])
def test_a_study_file_that_is_not_valid_yaml_is_named_with_its_line(
    command: str, tmp_path: Path, capsys
) -> None:
    """Not read as a study file, it was taken for a scenario, and the command asked for
    options it lacked (calibrate: "needs at least one target") instead of naming the error."""
    study = tmp_path / "study.yaml"
    study.write_text(f"scenario: {BASELINE}\nset: &a {{x: *a}}\n")
    assert exit_code([command, str(study), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"journeysim: {study}: line 2, column 13: not valid YAML: the alias *a is inside the &a "
        "it refers to\n"
    )


@pytest.mark.parametrize(
    ("command", "key", "kind", "its_command"),
    [
        ("sweep", "decide", "an optimise file", "optimise"),
        ("optimise", "vary", "a sweep file", "sweep"),
        ("calibrate", "vary", "a sweep file", "sweep"),
        ("sweep", "free", "a calibration file", "calibrate"),
    ],
)
def test_a_study_file_given_to_another_study_is_named_as_what_it_is(
    command: str, key: str, kind: str, its_command: str, tmp_path: Path, capsys
) -> None:
    """`sweep optimise.yaml` said "unknown key 'candidates' (expected scenario, ...)"."""
    study = tmp_path / "study.yaml"
    study.write_text(f"scenario: {BASELINE}\n{key}: {{checkout.cashiers: 2:4}}\n")
    assert exit_code([command, str(study), "--out", str(tmp_path / "out")]) == 2
    expected = {"sweep": "a sweep file", "optimise": "an optimise file"}.get(
        command, "a calibration file"
    )
    assert capsys.readouterr().err == (
        f"journeysim: {study}: expected {expected}, not {kind} (it has `{key}`): run it with "
        f"journeysim {its_command}\n"
    )
    assert not (tmp_path / "out").exists()
