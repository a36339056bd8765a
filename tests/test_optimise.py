"""`optimise`: the answer queueing theory gives, and a study that survives kill -9.

All runs use scenarios/validation/mmc.yaml (an M/M/c queue, open around the clock) over one or
two days without burn-in or warm-up, so a trial takes about a second.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import optuna
import pandas as pd
import pytest
import sqlalchemy
import yaml
from matplotlib.colors import to_hex
from scipy import stats
from theory import erlang_c_wait

import journeysim
from journeysim.cli import main
from journeysim.report.optimise import (
    answer,
    contribution_text,
    objective_plot,
    objective_text,
    pareto_plot,
    trial_rows,
    trials_text,
    write_plots,
)
from journeysim.report.plots import POSITIVE
from journeysim.scenario import load_scenario
from journeysim.simulation.lifetime import NO_LIFETIME_WHY
from journeysim.study import selection, trial_study
from journeysim.study.decisions import parse_decision
from journeysim.study.designs import DesignError
from journeysim.study.optimise import (
    KeptTrialsWarning,
    Optimisation,
    failures_text,
    plan_optimisation,
    ruled_out,
)
from journeysim.study.optimise_spec import OptimiseSpec, objective
from journeysim.study.trial_study import OPTUNA_TABLES, RESULTS, HeldInterrupts, TrialStudy

ROOT = Path(__file__).parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
MMC = ROOT / "scenarios" / "validation" / "mmc.yaml"
QUICK = ["--set", "horizon.warmup_days=0", "--set", "horizon.burn_in_days=0", "--workers", "2"]


def stored_study(folder: Path) -> optuna.Study:
    return optuna.load_study(study_name="journeysim", storage=f"sqlite:///{folder / 'study.db'}")


def complete_trials(folder: Path) -> list[optuna.trial.FrozenTrial]:
    return stored_study(folder).get_trials(states=(optuna.trial.TrialState.COMPLETE,))


def test_cheapest_staffing_meeting_a_wait_limit_is_the_one_erlang_c_gives(tmp_path, capsys):
    # lambda = 40 an hour, 4-minute exponential service (a = 2.67 erlangs): Erlang C gives
    # W_q = 9.6, 1.14, 0.28 and 0.07 min for 3 to 6 tills (2 are unstable). The cheapest
    # staffing with a mean wait of at most 0.5 min is 5 tills; 4 wait more than twice the
    # limit and 5 about half of it, gaps of many standard errors of a 4 x 2-day mean (about
    # 15% of the wait), so the search cannot mistake them, and select, which decides each
    # constraint up to its 0.1 min tolerance, neither.
    rate, service, bound = 40.0, 4.0, 0.5
    waits = {c: erlang_c_wait(rate / 60, 1 / service, c) for c in range(3, 8)}
    expected = min(c for c, wait in waits.items() if wait <= bound)
    assert expected == 5 and waits[expected - 1] > 2 * bound  # the test is not trivial
    code = main(
        [
            "optimise", str(MMC), "--decide", "checkout.cashiers=2:7",
            "--minimise", "wages_per_day", "--subject-to", f"mean_checkout_wait_min<={bound}+-0.1",
            "--trials", "20", "--reps", "4", "--days", "2",
            "--set", f"arrivals.rate_per_hour={rate}",
            "--set", f"checkout.service_time.mean_min={service}",
            "--out", str(tmp_path), *QUICK,
        ]
    )  # fmt: skip
    assert code == 0
    folder = tmp_path / "optimise-mmc-checkout.cashiers"
    trials = pd.read_csv(folder / "trials.csv")
    # A small discrete space: every staffing tried exactly once (brute force, 6 trials).
    assert sorted(trials["checkout.cashiers"]) == list(range(2, 8))
    assert (trials["replications"] == 4).all()
    # Wages grow with the tills (more posts), and waits fall.
    by_tills = trials.sort_values("checkout.cashiers")
    assert by_tills["wages_per_day_mean"].is_monotonic_increasing
    assert by_tills["mean_checkout_wait_min_mean"].is_monotonic_decreasing
    # trials.csv says True or False (empty where undecided); the console yes or no.
    feasible = trials.set_index("checkout.cashiers")["feasible"]
    assert [feasible[2], feasible[3], feasible[7]] == [False, False, True]
    out = capsys.readouterr().out
    assert re.search(r"^[\d, ]+ +2 .* no$", out, re.MULTILINE)
    assert re.search(r"^[\d, ]+ +7 .* yes$", out, re.MULTILINE)
    # The answer, carried by select, and best.yaml is the chosen scenario, ready to run.
    assert f"checkout.cashiers={expected}" in out
    best = load_scenario(folder / "best.yaml")
    assert best.checkout.cashiers == expected
    assert best.arrivals.rate_per_hour == rate and best.checkout.service_time.mean_min == service
    assert yaml.safe_load((folder / "best.yaml").read_text())["extends"].endswith("mmc.yaml")
    assert best.name == folder.name.removeprefix("optimise-") + "-best"  # the study's, not mmc's
    assert (folder / "objective.png").stat().st_size > 0 and (folder / "report.html").exists()
    # trials.csv can be rebuilt from the storage: the same means from the stored replications.
    stored = {t.number: t.user_attrs[RESULTS] for t in complete_trials(folder)}
    for _, row in trials.iterrows():
        wages = [r["wages_per_day"] for r in stored[row["trial"]]]
        assert sum(wages) / len(wages) == pytest.approx(row["wages_per_day_mean"])


def _command(out: Path) -> list[str]:
    # A real range: TPE (8 trials < infinitely many points), one replication set per trial;
    # two days each, so that a trial lasts long enough for the kill test to signal mid-trial.
    return [
        sys.executable, "-m", "journeysim.cli", "optimise", str(MMC),
        "--decide", "checkout.service_time.mean_min=1.0:3.0",
        "--minimise", "mean_checkout_wait_min", "--maximise", "visits_per_day",
        "--trials", "8", "--reps", "2", "--days", "2", "--quiet", "--no-report",
        "--set", "horizon.warmup_days=0", "--workers", "1", "--out", str(out),
    ]  # fmt: skip


def _count_complete(db: Path, running: bool = False) -> int:
    """Complete trials in the study `db`; with `running`, running trials with parameters."""
    query = (
        "SELECT count(*) FROM trials JOIN trial_params USING (trial_id) WHERE state = 'RUNNING'"
        if running
        else "SELECT count(*) FROM trials WHERE state = 'COMPLETE'"
    )
    try:
        with sqlite3.connect(db, timeout=1) as connection:
            return connection.execute(query).fetchone()[0]
    except sqlite3.Error:  # not created yet, or busy
        return 0


def ctrl_c_acts() -> None:
    """SIGINT as a terminal delivers it (a shell's background job, such as a CI script run
    with `&`, ignores it, and Python keeps it ignored)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


def kill_after_three_trials(
    command: list[str], folder: Path, env: dict[str, str], how: int = signal.SIGKILL
) -> tuple[int, str]:
    """Start `command` and send it `how` once its study in `folder` holds 3 complete trials and
    a running one has drawn its decisions, so that the signal lands mid-trial (or after 2
    minutes, which the callers' checks then report); its exit code and stderr."""
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_acts
    )
    deadline = time.monotonic() + 120
    while _count_complete(folder / "study.db") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    while not _count_complete(folder / "study.db", running=True) and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(how)
    _, stderr = process.communicate()
    return process.returncode, stderr


# 40 an hour at 4 minutes each offer 2.67 erlangs: 1 or 2 tills cannot keep up (utilisation
# above 1), and over 3 days their queues grow by 10 or more an hour, far past the watchdog's
# day after the horizon; 3 tills (utilisation 0.89) and more can.
OVERLOADED = ["--set", "arrivals.rate_per_hour=40", "--set", "checkout.service_time.mean_min=4"]


def test_plans_the_store_cannot_run_fail_and_the_search_goes_on(tmp_path, capsys, monkeypatch):
    args = ["optimise", str(MMC), "--decide", "checkout.cashiers=1:4", "--reps", "2", "--quiet"]
    args += ["--minimise", "wages_per_day", "--days", "3", *OVERLOADED, "--out", str(tmp_path)]
    assert main([*args, *QUICK]) == 0
    folder = tmp_path / "optimise-mmc-checkout.cashiers"
    failed = pd.read_csv(folder / "failed.csv")
    unstable = [c for c in range(1, 5) if 40 * 4 / 60 / c >= 1]
    assert sorted(failed["checkout.cashiers"]) == unstable == [1, 2]
    assert (
        failed["error"]
        .str.match(r"mmc, replication \d: [\d,]+ shoppers (still )?in the store")
        .all()
    )
    trials = pd.read_csv(folder / "trials.csv")
    assert sorted(trials["checkout.cashiers"]) == [3, 4] and list(trials["trial"]) == [0, 1]
    said = capsys.readouterr()
    warning = r"2 of 4 trials failed and are left out \(failed.csv\), the first, "
    warning += r"checkout.cashiers=[12]: mmc, replication \d: "
    assert re.search(rf"^journeysim: warning: {warning}", said.err, re.MULTILINE)
    report = (folder / "report.html").read_text()
    assert re.search(warning, report) and "4 trials (2 complete, 2 failed) (brute-force" in report
    assert re.search(r"^Best plan: trial \d, checkout.cashiers=3\.", said.out, re.MULTILINE)
    # Resumed, the study runs nothing again: failed trials count against the 4 asked for.
    monkeypatch.setattr(TrialStudy, "_replicate", lambda *args: pytest.fail("ran again"))
    assert main([*args, *QUICK]) == 0
    said = capsys.readouterr()
    assert "4 trials (4 already done)" in said.out and re.search(warning, said.err)


def test_a_single_failed_trial_is_told_as_one_with_its_settings_as_the_tables_give_them():
    failed = pd.DataFrame(
        {"checkout.service_time.mean_min": [11.922500653712868], "error": ["mmc, replication 0: x"]}
    )
    assert failures_text(failed, 3) == (
        "1 of 4 trials failed and is left out (failed.csv): "
        "checkout.service_time.mean_min=11.92: mmc, replication 0: x"
    )
    assert failures_text(failed.iloc[:0], 3) is None


def test_the_baseline_beside_the_best_plan_is_its_mean_over_the_plans_replications():
    """The plan select chose was the baseline itself (paired differences exactly 0 over 5
    replications), yet "the objective (baseline 4,835)" showed the baseline's mean over the
    3 replications of the trials, a saving of 1 PLN that did not exist."""
    wages = [4_836.0, 4_835.0, 4_834.0, 4_833.0, 4_832.0]  # the baseline's, replication order
    plan = SimpleNamespace(objectives=[SimpleNamespace(metric="wages_per_day")])
    row = pd.Series(
        {
            "replications": 5,
            "wages_per_day_mean": 4_834.0,  # the same store: the same five values
            "wages_per_day_ci_low": 4_832.0,
            "wages_per_day_ci_high": 4_836.0,
        }
    )
    trials = [{"wages_per_day": w} for w in wages[:3]]
    selected = SimpleNamespace(baseline=pd.DataFrame({"wages_per_day": wages}))
    result = SimpleNamespace(plan=plan, baseline=trials, selection=selected)
    assert objective_text(result, row).endswith("the objective (baseline 4,834)")
    # Without select, the plan's row is a trial's, over the trials' replications.
    alone = SimpleNamespace(plan=plan, baseline=trials, selection=None)
    assert objective_text(alone, row.replace(5, 3)).endswith("(baseline 4,835)")


def _chosen(first_half: list[float], second_half: list[float]) -> SimpleNamespace:
    """An optimisation that chose trial 5 (wages the objective, NPS relative to the baseline),
    whose contribution differs from the baseline's by the given halves, replication by
    replication; the baseline's first two replications are the trials', without halves."""
    reps = len(first_half)
    base = {"contribution_first_half": 6_000.0, "contribution_second_half": 6_200.0}
    baseline = pd.DataFrame(
        [{"contribution_per_day": 6_100.0, **(base if r >= 2 else {})} for r in range(reps)]
    )
    plan = pd.DataFrame(
        {
            "scenario": "trial-5",
            "replication": range(reps),
            "contribution_first_half": [6_000.0 + d for d in first_half],
            "contribution_second_half": [6_200.0 + d for d in second_half],
        }
    )
    plan["contribution_per_day"] = (
        plan["contribution_first_half"] + plan["contribution_second_half"]
    ) / 2
    plan = pd.concat([plan.assign(scenario="trial-2", contribution_per_day=0.0), plan])
    return SimpleNamespace(
        best=5,
        plan=SimpleNamespace(
            objectives=[SimpleNamespace(metric="wages_per_day")],
            relative=(SimpleNamespace(metric="nps"),),
        ),
        selection=SimpleNamespace(baseline=baseline, replications=plan),
    )


def test_the_answer_tells_the_plans_contribution_and_whether_it_is_still_moving():
    """A plan that saves wages can lose more margin, and lose it more as customers stay away:
    the answer gives its paired contribution against the baseline and, as compare does, that
    it is still moving when its second half clearly differs from its first (the staffing
    study: +15.6 [-8.7, +39.9], from +101 to -63)."""
    first = [160.0, 140.0, 90.0, 110.0, 95.0, 105.0]
    second = [-120.0, -100.0, -50.0, -65.0, -55.0, -70.0]
    text = contribution_text(_chosen(first, second))
    paired = [(a + b) / 2 for a, b in zip(first, second)]  # +20 +20 +20 +22.5 +20 +17.5
    low, high = stats.ttest_1samp(paired, 0.0).confidence_interval(0.95)
    ci = f"+20.0 [{low:+.1f}, {high:+.1f}]"
    # The halves of the replications the trials ran are unknown: the last four tell (their
    # means +100 and -60, where all six give +117 and -77).
    assert text == (
        f"Contribution per day (PLN) {ci} vs baseline, still moving: "
        "from +100 PLN a day over the first half of the measured days to -60 over the second"
    )
    assert (
        contribution_text(_chosen(paired, paired)) == f"Contribution per day (PLN) {ci} vs baseline"
    )
    chosen = _chosen(first, second)
    chosen.plan.objectives = [SimpleNamespace(metric="contribution_per_day")]
    assert contribution_text(chosen) is None  # the objective already tells it


def test_a_study_stopped_while_it_is_being_created_keeps_its_manifest(
    tmp_path, monkeypatch, capsys
):
    """A Ctrl-C 1.6 s in (while Optuna created study.db) left study.db and study.lock and no
    manifest.json: a new study's folder records what made it before the study starts."""

    def stopped(self) -> int:
        raise KeyboardInterrupt  # as it opens (creates) the study

    monkeypatch.setattr(Optimisation, "pending", stopped)
    command = _command(tmp_path)[3:]  # without the interpreter and -m journeysim.cli
    monkeypatch.setattr(sys, "argv", ["journeysim", *command])
    assert main(command) == 130
    assert "interrupted; finished trials are kept" in capsys.readouterr().err
    (folder,) = tmp_path.iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"].startswith("journeysim optimise ")
    assert manifest["seed"] == 4242
    assert manifest["overrides"] == ["horizon.warmup_days=0"]
    # An optimise file's own `set` was left out of it: the --set options alone were listed.
    study = tmp_path.parent / f"{tmp_path.name}-study.yaml"
    study.write_text(
        f"scenario: {MMC}\nset: [arrivals.rate_per_hour=30]\n"
        "decide: {checkout.cashiers: '2:4'}\nmaximise: nps\n"
    )
    given = ["--set", "horizon.warmup_days=0", "--out", str(tmp_path / "file")]
    assert main(["optimise", str(study), *given]) == 130
    (path,) = tmp_path.glob("file/*/manifest.json")
    overrides = json.loads(path.read_text())["overrides"]
    assert overrides == ["arrivals.rate_per_hour=30", "horizon.warmup_days=0"]


def test_a_trial_repeating_a_failed_ones_settings_fails_without_running(tmp_path, monkeypatch):
    spec = OptimiseSpec(
        MMC,
        decisions=(parse_decision("checkout.cashiers=1:4"),),
        objectives=(objective("wages_per_day", False),),
        trials=3,
        reps=2,
        days=3,
        overrides=("arrivals.rate_per_hour=40", "checkout.service_time.mean_min=4"),
    )
    optimisation = Optimisation(plan_optimisation(spec), tmp_path)
    with optimisation.study.opened() as study:
        for tills in (1, 1, 3):
            study.study.enqueue_trial({"checkout.cashiers": tills})
    ran = []
    replicate = TrialStudy._replicate

    def counted(self, scenario, *args):
        ran.append(scenario.checkout.cashiers)
        return replicate(self, scenario, *args)

    monkeypatch.setattr(TrialStudy, "_replicate", counted)
    with pytest.warns(UserWarning, match=r"^2 of 3 trials failed and are left out"):
        result = optimisation.run()
    assert ran == [1, 3]  # the second trial of 1 till reused the first one's failure
    assert list(result.failed["checkout.cashiers"]) == [1, 1]
    assert result.failed["error"].nunique() == 1
    assert list(result.trials["checkout.cashiers"]) == [3] and result.best == 0


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_study_killed_mid_way_resumes_keeping_every_finished_trial(tmp_path, how):
    env = {"JOURNEYSIM_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    killed = tmp_path / "killed"
    folder = killed / "optimise-mmc-checkout.service_time.mean_min"
    code, stderr = kill_after_three_trials(_command(killed), folder, env, how)
    before = {t.number: t for t in complete_trials(folder)}
    assert 3 <= len(before) < 8, f"kill the study mid-way (exit {code}: {stderr})"
    made = json.loads((folder / "manifest.json").read_text())  # written before the first trial
    assert made["command"].startswith("journeysim optimise ")
    if how == signal.SIGINT:  # Ctrl-C: journeysim's line only, no Optuna warning or traceback
        assert (code, stderr) == (
            130,
            "journeysim: interrupted; finished trials are kept; the same command resumes\n",
        )
    study = stored_study(folder)
    # The trial the signal interrupted: left running by a kill, failed and queued again by
    # Ctrl-C (a failed trial counts for no sampler).
    states = (optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.FAIL)
    running = study.get_trials(states=states)
    subprocess.run(_command(killed), env=env, cwd=ROOT, check=True, capture_output=True)
    after = complete_trials(folder)
    assert len(after) == 8
    kept = {t.number: t for t in after}
    for number, trial in before.items():  # every earlier trial kept, untouched, not re-run
        assert kept[number].params == trial.params and kept[number].values == trial.values
        assert kept[number].datetime_complete == trial.datetime_complete
    points = [t.params["checkout.service_time.mean_min"] for t in after]
    assert len(set(points)) == len(points)  # no parameter set ran twice
    for trial in running:  # the trial the kill interrupted ran again, once, and completed
        if trial.params:  # (a kill before its decisions were drawn leaves nothing to run)
            assert points.count(trial.params["checkout.service_time.mean_min"]) == 1
    # The search is a function of the stored trials: resumed, it went on exactly as an
    # uninterrupted study of the same command does.
    whole = tmp_path / "whole"
    subprocess.run(_command(whole), env=env, cwd=ROOT, check=True, capture_output=True)
    uninterrupted = complete_trials(whole / folder.name)
    assert [t.params for t in after] == [t.params for t in uninterrupted]
    assert [t.values for t in after] == [t.values for t in uninterrupted]
    trials = pd.read_csv(folder / "trials.csv")
    assert list(trials["trial"]) == list(range(8)) and trials["pareto"].any()
    # ... and numbers its trials as the uninterrupted study does (the Pareto front names them).
    pd.testing.assert_frame_equal(trials, pd.read_csv(whole / folder.name / "trials.csv"))


def check_a_stopped_extension(argv: list[str], answer: list[str], out: Path, monkeypatch) -> None:
    """Run the study `argv` (into `out`) to 2 trials, extend it to 4 stopped by Ctrl-C in its
    first replication, then resume it: `answer`, its files written at the end, are there after
    each end and none after the stop, which keeps trials.csv's 2 trials."""
    assert main([*argv, "--trials", "2"]) == 0
    (folder,) = out.glob(f"{argv[0]}-*")
    assert all((folder / name).exists() for name in answer)

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(TrialStudy, "_replicate", interrupted)
        assert main([*argv, "--trials", "4"]) == 130
    assert len(pd.read_csv(folder / "trials.csv")) == 2  # kept
    assert [name for name in answer if (folder / name).exists()] == []
    assert main([*argv, "--trials", "4"]) == 0
    assert len(pd.read_csv(folder / "trials.csv")) == 4
    assert all((folder / name).exists() for name in answer)


def test_a_study_extended_and_stopped_leaves_no_answer_of_fewer_trials(tmp_path, monkeypatch):
    """best.yaml, objective.png and report.html of the finished study of 2 trials stayed beside
    a trials.csv that an extension to 4, stopped by Ctrl-C, went on to rewrite: the answer of
    2 trials, taken for the extended study's. They are written again when it ends."""
    argv = ["optimise", str(MMC), "--decide", "checkout.cashiers=3:7", "--minimise"]
    argv += ["wages_per_day", "--reps", "2", "--days", "1", "--quiet", "--out", str(tmp_path)]
    argv += [*QUICK[:4], "--workers", "1"]
    check_a_stopped_extension(
        argv, ["best.yaml", "objective.png", "report.html"], tmp_path, monkeypatch
    )


@pytest.mark.parametrize(
    "error",
    [
        ConnectionError("lost the Dask scheduler at tcp://10.0.0.5:8786"),
        ImportError("the Dask worker tcp://10.0.0.6:40000 cannot run journeysim (...)"),
    ],
    ids=["scheduler lost", "worker without journeysim joined"],
)
def test_a_trial_stopped_by_a_lost_dask_scheduler_runs_again_when_resumed(
    error: Exception, tmp_path, monkeypatch
):
    """A Dask scheduler lost in the middle of a trial (or a worker joined that cannot run this
    journeysim, refused as a trial starts) failed it as Optuna fails a trial that raised: the
    resumed study never ran its plan again (the brute-force search of 3 to 7 tills ran 7 twice
    and never 5). It is queued again, as after Ctrl-C."""
    argv = ["optimise", str(MMC), "--decide", "checkout.cashiers=3:7", "--minimise"]
    argv += ["wages_per_day", "--reps", "2", "--days", "1", "--quiet", "--no-report"]
    argv += [*QUICK[:4], "--workers", "1"]
    assert main([*argv, "--out", str(tmp_path / "whole")]) == 0
    replicate, sets = TrialStudy._replicate, []

    def lost(self, *args):  # the scheduler goes away in the third trial
        sets.append(args)
        if len(sets) == 3:
            raise error
        return replicate(self, *args)

    out = tmp_path / "resumed"
    with monkeypatch.context() as patched, pytest.raises(SystemExit) as stopped:
        patched.setattr(TrialStudy, "_replicate", lost)
        main([*argv, "--out", str(out)])
    assert str(stopped.value) == f"journeysim: {error}"
    assert main([*argv, "--out", str(out)]) == 0
    (whole,), (resumed,) = (tmp_path / "whole").glob("optimise-*"), out.glob("optimise-*")
    pd.testing.assert_frame_equal(
        pd.read_csv(resumed / "trials.csv"), pd.read_csv(whole / "trials.csv")
    )


def test_an_interrupted_study_numbers_its_trials_and_selects_as_an_uninterrupted_one(
    tmp_path, monkeypatch
):
    # 5 tills of 3 to 7 (lambda = 40 an hour, 4-minute service) by brute force, then select
    # among the 3 feasible ones (2 replications each, topped up to its first stage of 5) with a
    # wait limit close to 5 tills' (Erlang C: 0.28 min) whose feasibility check needs some 6
    # replications more. Ctrl-C lands first in trial 2, which Optuna keeps as a failed trial
    # and runs again under its next number, then in select.
    options = dict(
        decide=["checkout.cashiers=3:7"],
        minimise="wages_per_day",
        subject_to=["mean_checkout_wait_min<=0.33+-0.05"],
        trials=5,
        reps=2,
        days=1,
        overrides=[
            "arrivals.rate_per_hour=40",
            "checkout.service_time.mean_min=4",
            "horizon.warmup_days=0",
            "horizon.burn_in_days=0",
        ],
        workers=1,  # select's replications run in this process, where `measure_halves` is counted
    )
    finished: list[tuple[str, int]] = []  # select's replications, as they finish
    measure = selection.measure_halves
    stop_after: list[int] = []  # Ctrl-C at the start of select's replication n + 1

    def counted(scenario, replication, reference):
        if stop_after and len(finished) == stop_after[0]:
            raise KeyboardInterrupt
        metrics = measure(scenario, replication, reference)
        finished.append((scenario.name, replication))
        return metrics

    monkeypatch.setattr(selection, "measure_halves", counted)
    whole = journeysim.optimise(MMC, out=tmp_path / "whole", **options)
    uninterrupted = list(finished)
    assert len(uninterrupted) > 10  # select ran well past its first stage

    replicate, sets = TrialStudy._replicate, []

    def interrupted(self, *args):  # Ctrl-C in the third trial
        sets.append(args)
        if len(sets) == 3:
            raise KeyboardInterrupt
        return replicate(self, *args)

    monkeypatch.setattr(TrialStudy, "_replicate", interrupted)
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        journeysim.optimise(MMC, out=out, **options)
    monkeypatch.setattr(TrialStudy, "_replicate", replicate)
    finished.clear()
    stop_after.append(7)
    with pytest.raises(KeyboardInterrupt):
        journeysim.optimise(MMC, out=out, **options)
    before = list(finished)
    assert len(before) == 7
    finished.clear()
    stop_after.clear()
    resumed = journeysim.optimise(MMC, out=out, **options)
    # Select ran only the replications missing, and the selection is the uninterrupted one.
    assert not set(before) & set(finished)
    assert sorted(before + finished) == sorted(uninterrupted)
    pd.testing.assert_frame_equal(resumed.selection.table, whole.selection.table)
    pd.testing.assert_frame_equal(
        resumed.selection.replications.sort_values(["scenario", "replication"]),
        whole.selection.replications.sort_values(["scenario", "replication"]),
    )
    # Optuna numbered the trial run again after Ctrl-C anew; the study's numbers do not shift.
    numbers = [t.number for t in complete_trials(resumed.folder)]
    assert numbers != list(range(5)) and resumed.best > 1
    pd.testing.assert_frame_equal(resumed.trials, whole.trials)
    assert resumed.best == whole.best and answer(resumed) == answer(whole)
    for name in ("trials.csv", "best.yaml"):
        assert (resumed.folder / name).read_text() == (whole.folder / name).read_text()


class Killed(BaseException):
    """kill -9, which Optuna cannot catch: it leaves the trial it stops RUNNING."""


@pytest.mark.parametrize(
    "decide, drawn",
    [
        (["checkout.cashiers=2:5", "checkout.service_time.mean_min=1.0:3.0"], 1),  # TPE
        (["checkout.cashiers=3:4", "checkout.service_time.mean_min=1.5,2.0"], 1),  # brute force
        (["checkout.cashiers=3:4", "checkout.service_time.mean_min=1.5,2.0"], 0),
    ],
)
def test_a_trial_killed_as_it_draws_its_decisions_runs_again_as_it_would_have(
    tmp_path, monkeypatch, decide, drawn
):
    """A study killed as its third trial drew its decisions (each stored as it is drawn),
    resumed, gave that trial its first decision and drew the other again with a sampler in
    another state (TPE: another service time than the uninterrupted study's); a brute-force
    study so killed (with some decisions or none) did not resume at all, its sampler failing
    with 'param_name mismatch'. The trial now gets the rest of the decisions it was drawing."""
    options = dict(
        decide=decide,
        minimise="wages_per_day",
        trials=4,
        reps=2,
        days=1,
        overrides=["horizon.warmup_days=0", "horizon.burn_in_days=0"],
        workers=1,
    )
    whole = journeysim.optimise(MMC, out=tmp_path / "whole", **options)
    calls = []

    def killed(trial, name, distribution):
        calls.append(name)
        if len(calls) == 2 * len(decide) + drawn + 1:  # the third trial's decision `drawn`
            raise Killed
        return suggest(trial, name, distribution)

    suggest = trial_study.suggest
    monkeypatch.setattr(trial_study, "suggest", killed)
    with pytest.raises(Killed):
        journeysim.optimise(MMC, out=tmp_path / "killed", **options)
    monkeypatch.setattr(trial_study, "suggest", suggest)
    folder = tmp_path / "killed" / whole.folder.name
    study = stored_study(folder)
    (running,) = study.get_trials(states=(optuna.trial.TrialState.RUNNING,))
    assert len(running.params) == drawn and len(complete_trials(folder)) == 2
    resumed = journeysim.optimise(MMC, out=tmp_path / "killed", **options)
    assert whole.plan.sampler == ("tpe" if "2:5" in decide[0] else "brute-force")
    pd.testing.assert_frame_equal(resumed.trials, whole.trials)
    assert (folder / "trials.csv").read_text() == (whole.folder / "trials.csv").read_text()
    # The killed trial holds every decision of the trial that ran in its place.
    killed_trial = study.trials[running.number]
    assert killed_trial.params == complete_trials(folder)[2].params


def _interrupt_telling(monkeypatch) -> None:
    """Ctrl-C as Optuna is told trial 1's values."""
    from optuna.study import _optimize

    tell = _optimize._tell_with_warning

    def interrupted(**kwargs):
        if kwargs["trial"].number == 1:
            os.kill(os.getpid(), signal.SIGINT)
        return tell(**kwargs)

    monkeypatch.setattr(_optimize, "_tell_with_warning", interrupted)


def _interrupt_storing(monkeypatch) -> None:
    """Ctrl-C as trial 1 stores its simulated results in the study database."""
    store = optuna.Trial.set_user_attr

    def interrupted(trial, key, value):
        if trial.number == 1 and key == RESULTS:
            os.kill(os.getpid(), signal.SIGINT)
        return store(trial, key, value)

    monkeypatch.setattr(optuna.Trial, "set_user_attr", interrupted)


@pytest.mark.parametrize("interrupt", [_interrupt_telling, _interrupt_storing])
@pytest.mark.parametrize(
    ("signum", "ctrl_c", "code", "said"),
    [
        (signal.SIGINT, signal.default_int_handler, 130, "interrupted"),
        (signal.SIGTERM, signal.SIG_IGN, 143, "terminated"),
    ],
    ids=["ctrl-c", "sigterm-with-ctrl-c-ignored"],
)
def test_a_stop_while_optuna_records_a_trial_waits_until_it_is_recorded(
    tmp_path, monkeypatch, capsys, interrupt, signum, ctrl_c, code, said
):
    # Ctrl-C landing inside Optuna's bookkeeping (as it is told a trial's values) used to
    # leave it half-done, and Optuna then failed with an error of its own (UnboundLocalError,
    # or AssertionError "Should not reach": a traceback, exit 1); landing in a write to the
    # study database (as a trial stores its results), it could leave the database locked, and
    # the command waited 60 s for its own lock and ended in "locked by another program" (in
    # CI; 3 times in 30 Ctrl-Cs of the killed-mid-way test above). In a shell's background
    # job Ctrl-C is ignored, and SIGTERM (`kill`, a batch system's time limit) then stopped the
    # study in the same places. Held until the trial is recorded, either ends the study
    # cleanly, and Ctrl-C's handler is left as it was.
    interrupt(monkeypatch)
    real_kill = os.kill
    monkeypatch.setattr(os, "kill", lambda pid, _: real_kill(pid, signum))
    previous = signal.signal(signal.SIGINT, ctrl_c)  # see ctrl_c_acts
    try:
        assert main(_command(tmp_path)[3:]) == code  # the command after `python -m ...cli`
        assert signal.getsignal(signal.SIGINT) is ctrl_c
    finally:
        signal.signal(signal.SIGINT, previous)
    assert capsys.readouterr().err.endswith(
        f"{said}; finished trials are kept; the same command resumes\n"
    )
    trials = stored_study(tmp_path / "optimise-mmc-checkout.service_time.mean_min").trials
    assert [t.state for t in trials] == [optuna.trial.TrialState.COMPLETE] * 2


FULL = "database or disk is full: free some space"
UNWRITABLE = (
    "cannot be written ({}): make it and its folder writable again (their permissions, or a "
    "file system mounted read-only)"
)


@pytest.mark.parametrize(
    ("said", "told"),
    [
        ("database or disk is full", FULL),
        ("attempt to write a readonly database", UNWRITABLE),
        ("unable to open database file", UNWRITABLE),
    ],
)
def test_a_study_database_that_cannot_be_written_is_one_line_and_the_study_resumes(
    tmp_path, monkeypatch, capsys, said, told
):
    """SQLite's "database or disk is full", or "attempt to write a readonly database" (study.db
    or its folder made read-only mid-study), as trial 1 stored its results ended the study in
    Optuna's traceback ("AssertionError: Should not reach.", exit 1); it is one line naming
    study.db and what to do, exit 1, and the same command, with room or writable again,
    finishes the study from the trial kept."""
    store = optuna.Trial.set_user_attr

    def failing(trial, key, value):
        if trial.number == 1 and key == RESULTS:
            try:
                raise sqlite3.OperationalError(said)
            except sqlite3.OperationalError as error:
                raise optuna.exceptions.StorageInternalError("during the commit") from error
        return store(trial, key, value)

    monkeypatch.setattr(optuna.Trial, "set_user_attr", failing)
    argv = _command(tmp_path)[3:]
    assert main(argv) == 1
    folder = tmp_path / "optimise-mmc-checkout.service_time.mean_min"
    assert capsys.readouterr().err == (
        f"journeysim: {folder / 'study.db'}: {told.format(said)} and run the same command "
        "again; finished trials are kept\n"
    )
    assert len(complete_trials(folder)) == 1
    monkeypatch.setattr(optuna.Trial, "set_user_attr", store)
    assert main(argv) == 0
    assert len(complete_trials(folder)) == 8


def _ctrl_c() -> None:
    """Ctrl-C to this process, delivered before returning."""
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)


def test_a_ctrl_c_dropped_while_simulating_stops_the_study_once_the_trial_is_stored():
    """Python reports and drops an exception that a signal handler raises inside some hooks
    (logging's, as a trial forks its workers: audit 25); the Ctrl-C is still held and raised
    at the next check, once. One that leaves the trial as it should is not raised again."""
    interrupts = HeldInterrupts()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's, as a CLI has
    try:
        with interrupts.installed():
            with interrupts.simulating(), contextlib.suppress(KeyboardInterrupt):
                _ctrl_c()  # dropped, as in the hook
            with pytest.raises(KeyboardInterrupt):
                interrupts.check()
            interrupts.check()  # raised once
            with pytest.raises(KeyboardInterrupt), interrupts.simulating():
                _ctrl_c()
            interrupts.check()  # it stopped the trial already
    finally:
        signal.signal(signal.SIGINT, previous)


class _CtrlCWhenCollected:
    def __del__(self) -> None:
        _ctrl_c()


class _FailingWhenCollected:
    def __del__(self) -> None:
        raise ValueError("not a Ctrl-C")


def test_a_ctrl_c_dropped_in_a_garbage_collector_callback_is_held_not_reported(monkeypatch):
    """Python drops an exception raised in a __del__ or weakref callback (SQLAlchemy's, as
    Optuna stores a trial: CI, stop 26) and reports it, with a traceback, as ignored. The held
    Ctrl-C stays quiet and is raised after the trial; anything else is still reported."""
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    interrupts = HeldInterrupts()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with interrupts.installed():
            with interrupts.simulating():
                _CtrlCWhenCollected()  # collected at once: its Ctrl-C is dropped
            with pytest.raises(KeyboardInterrupt):
                interrupts.check()
            _FailingWhenCollected()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert [unraisable.exc_type for unraisable in reported] == [ValueError]
    assert sys.unraisablehook == reported.append  # put back as it was


def test_a_named_decision_sets_several_keys_and_best_yaml_sets_whole_lists(tmp_path):
    # The weekday profile's hours 0 and 1 move together as one decision. (The open M/M/c
    # stream arrives at rate_per_hour whatever the profile, so the three plans tie: this test
    # is about the optimise file and best.yaml, which must set the whole list.)
    spec = tmp_path / "night.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "scenario": str(MMC),
                "decide": {
                    "night": {
                        "keys": ["hours.weekday_profile.0", "hours.weekday_profile.1"],
                        "values": [0.5, 1.0, 1.5],
                    }
                },
                "minimise": "mean_checkout_wait_min",
                "trials": 3,
                "reps": 3,
                "days": 1,
                "set": ["horizon.warmup_days=0"],
            }
        )
    )
    assert main(["optimise", str(spec), "--out", str(tmp_path), "--quiet", "--workers", "2"]) == 0
    folder = tmp_path / "optimise-night"
    trials = pd.read_csv(folder / "trials.csv")
    assert sorted(trials["night"]) == [0.5, 1.0, 1.5]
    chosen = trials.set_index("trial").loc[pd.read_csv(folder / "trials.csv")["trial"]]
    best = load_scenario(folder / "best.yaml")
    value = best.hours.weekday_profile[0]
    assert value in set(chosen["night"]) and best.hours.weekday_profile[:2] == [value, value]
    assert best.hours.weekday_profile[2:] == load_scenario(MMC).hours.weekday_profile[2:]
    assert isinstance(
        yaml.safe_load((folder / "best.yaml").read_text())["hours"]["weekday_profile"], list
    )
    made = json.loads((folder / "manifest.json").read_text())  # what made the folder
    assert made["seed"] == load_scenario(MMC).seed and made["journeysim"]


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--decide", "checkout.cashiers=3:2", "--minimise", "wages_per_day"], "LOW < HIGH"),
        (["--decide", "checkout.cashier=1:3", "--minimise", "wages_per_day"], "checkout"),
        (["--decide", "checkout.cashiers=1:3"], "one or two objectives"),
        (
            ["--decide", "checkout.cashiers=1:3", "--minimise", "speed"],
            "--minimise: expected a KPI",
        ),
        (
            ["--decide", "checkout.cashiers=1:3", "--minimise", "wage_per_day"],
            "(got 'wage_per_day'); did you mean 'wages_per_day'?",
        ),
        (
            ["--decide", "checkout.cashiers=1:3", "--minimise", "wages_per_day", "--subject-to"]
            + ["nps>=baseline-3+-0"],
            "needs a finite tolerance > 0, e.g. nps>=baseline-3+-0.01",
        ),
        (
            ["--decide", "checkout.cashiers=1:3", "--minimise", "wages_per_day", "--subject-to"]
            + ["abandonment_rate<=3"],
            "--subject-to: constraint 'abandonment_rate<=3': expected a share from 0 to 1 "
            "(3% is 0.03)",
        ),
        (
            ["--decide", "checkout.cashiers=1:3", "--minimise", "wages_per_day", "--subject-to"]
            + ["nps>=baseline-300"],
            "--subject-to: constraint 'nps>=baseline-300': expected a difference from -200 to "
            "200 (nps spans -100 to 100)",
        ),
        (
            [
                "--decide",
                "checkout.cashiers=1:3",
                "--minimise",
                "wages_per_day",
                "--subject-to",
                "wait<3",
            ],
            "--subject-to",
        ),
        (
            ["--decide", "checkout.cashiers=1:3", "--minimise", "wages_per_day", "--reps", "1"],
            "at least 2 replications",
        ),
        (
            ["--decide", "checkout.cashiers=1:3", "--maximise", "return_rate", "--days", "14"],
            "argument --days: expected more than loyalty.return_window_days (14) to measure "
            "return_rate (got 14)",
        ),
        (
            ["--decide", "loyalty.return_window_days=7:30", "--maximise", "return_rate"],
            "with loyalty.return_window_days=30.0: horizon.days is 24: expected more than",
        ),
        (  # --days set every trial's horizon over the decided one, without a word
            ["--decide", "horizon.days=1:3", "--minimise", "wages_per_day"],
            "--decide horizon.days=1:3: horizon.days is the same in every trial (set by --days)",
        ),
        (
            ["--decide", "checkout.service_time.mean_min=1:inf", "--minimise", "wages_per_day"],
            "=1:inf: expected LOW:HIGH of two finite numbers, or at least two different choices "
            "A,B (got 1:inf)",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys, arguments, expected):
    code = main(["optimise", str(MMC), *arguments, "--out", str(tmp_path)])
    error = capsys.readouterr().err.strip()
    assert code == 2 and expected in error and "\n" not in error
    assert not list(tmp_path.iterdir())  # nothing ran


@pytest.mark.parametrize(
    ("decide", "expected"),
    [
        ("2:2.5", "checkout.cashiers is a whole number: expected whole ends LOW:HIGH (got 2:2.5)"),
        ("1:1e9", "checkout.cashiers: expected a whole number from 0 to 200 (got 1000000000)"),
    ],
)
def test_a_whole_number_keys_range_is_refused_naming_its_bad_end(
    tmp_path, capsys, decide, expected
):
    """As sweep does: `2:3.0` was refused as "(got 2.0)", `0:1e9` as "(got 0.0)" (fuzz D5)."""
    argv = ["--decide", f"checkout.cashiers={decide}", "--minimise", "wages_per_day"]
    assert main(["optimise", str(MMC), *argv, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"journeysim optimise: error: argument --decide checkout.cashiers={decide}: {expected}\n"
    )
    assert not list(tmp_path.iterdir())  # nothing ran


@pytest.mark.parametrize(
    ("decide", "integer", "trials"),
    [("checkout.cashiers=2:3.0", True, 2), ("checkout.service_time.mean_min=2:3", False, 5)],
)
def test_a_range_is_of_whole_numbers_when_its_key_is_one(decide, integer, trials):
    """Whole-number-ness is the key's, as in sweep, not how the ends are spelt (fuzz D5, D6)."""
    spec = OptimiseSpec(
        MMC, decisions=(parse_decision(decide),), objectives=(objective("nps", True),), trials=5
    )
    plan = plan_optimisation(spec)
    (decision,) = plan.decisions
    assert (decision.integer, decision.extremes(), plan.trials) == (integer, [2, 3], trials)
    assert [type(end) for end in decision.extremes()] == [int if integer else float] * 2


def test_a_decision_only_the_history_reads_is_refused(tmp_path, capsys):
    """Every trial starts from the base's history, whose customers a decision on the base's
    size would not change (the trials ran and all gave the same numbers)."""
    decide = ["--decide", "arrivals.base_customers=500:3000", "--minimise", "wages_per_day"]
    assert main(["optimise", str(BASELINE), *decide, "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error == (
        "journeysim optimise: error: argument --decide arrivals.base_customers=500:3000: only the "
        "store's history before "
        "day 0 reads arrivals.base_customers, and every trial, a decision taken in the store as "
        "it is, starts from the base scenario's history, so it would change nothing; calibrate "
        "fits such settings, each trial with a history of its own\n"
    )
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "base, why", [(BASELINE, "horizon.burn_in_days 0"), (MMC, "open arrivals")]
)
def test_a_history_s_length_is_refused_as_a_decision_without_a_history(tmp_path, capsys, base, why):
    """Without a history in the base, a trial with horizon.burn_in_days 28 starts from none
    either: the trials ran and gave the same numbers."""
    decide = ["--decide", "horizon.burn_in_days=28,56", "--minimise", "wages_per_day"]
    no_history = ["--set", "horizon.burn_in_days=0"] if base == BASELINE else []
    assert main(["optimise", str(base), *no_history, *decide, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "journeysim optimise: error: argument --decide horizon.burn_in_days=28,56: only the "
        "store's history before day 0 "
        "reads horizon.burn_in_days, and every trial, a decision taken in the store as it is, "
        f"starts from the base scenario's history (none: {why}), so it would change nothing; "
        "calibrate fits such settings, each trial with a history of its own\n"
    )
    assert not list(tmp_path.iterdir())


# Two one-day trials of the M/M/c store's tills, for the checks of a stored study.
TWO_TILL_TRIALS = OptimiseSpec(
    MMC,
    decisions=(parse_decision("checkout.cashiers=2:4"),),
    objectives=(objective("wages_per_day", False),),
    trials=2,
    reps=2,
    days=1,
)


@pytest.mark.parametrize(
    "changed, reason",
    [
        ({"reps": 3}, "replications differ"),
        ({"seed": 5}, "seed differs"),
        ({"days": 2, "seed": 5}, "seed, days differ"),
        ({"overrides": ("arrivals.rate_per_hour=20",)}, "arrivals.rate_per_hour differs"),
    ],
)
def test_a_changed_study_is_refused_naming_what_changed(tmp_path, changed, reason):
    # --reps, --seed and --days are held in the scenario the study stores: named for
    # themselves, then any other key of the scenario that changed.
    Optimisation(plan_optimisation(TWO_TILL_TRIALS), tmp_path).pending()  # makes it, runs nothing
    other = Optimisation(plan_optimisation(TWO_TILL_TRIALS.updated(**changed)), tmp_path)
    with pytest.raises(DesignError, match=rf"holds a different study \({reason}\): remove"):
        other.pending()


@pytest.mark.parametrize(
    "keys, seed, shown",
    [
        # Two keys of 5,000 characters made the refusal 10,000 characters long (as a sweep's).
        (["k" * 5_000, "j" * 5_000], None, f"{'k' * 5_000}, {'j' * 5_000}"[:197] + "... (2 "),
        # Five keys and the seed, shown as the seed, two keys and "3 more scenario keys", were
        # "4 differences in all".
        (["k" * 300, "j" * 300, "a", "b", "c"], 5, f"seed, {'k' * 191}... (6 "),
    ],
)
def test_a_refused_study_quotes_at_most_200_characters_and_counts_what_differs(
    tmp_path, keys, seed, shown
):
    """The study's stored scenario, edited to hold long keys, is refused quoting the first 200
    characters of what differs, then how many keys and settings differ in all."""
    Optimisation(plan_optimisation(TWO_TILL_TRIALS), tmp_path).pending()  # makes it, runs nothing
    folder = next(tmp_path.iterdir())
    study = stored_study(folder)
    design = study.user_attrs["design"]
    design["scenario"].update(dict.fromkeys(keys, 1), **({} if seed is None else {"seed": seed}))
    study.set_user_attr("design", design)
    with pytest.raises(DesignError) as refusal:
        Optimisation(plan_optimisation(TWO_TILL_TRIALS), tmp_path).pending()
    assert str(refusal.value) == (
        f"{folder} holds a different study ({shown}differences in all) differ): remove the "
        "folder, or give the study another name"
    )


def test_a_study_run_by_other_journeysim_sources_is_not_resumed(tmp_path, monkeypatch):
    """A study resumed after journeysim changed ran its further trials with the new model
    beside those of the old one, and chose among them."""
    Optimisation(plan_optimisation(TWO_TILL_TRIALS), tmp_path).pending()  # makes it, runs nothing
    monkeypatch.setattr(trial_study, "source_digest", lambda: "0" * 64)
    with pytest.raises(DesignError, match=r"holds a study run by another journeysim \(its "):
        Optimisation(plan_optimisation(TWO_TILL_TRIALS), tmp_path).pending()


def test_a_refused_study_names_changed_sources_as_journeysims_code(tmp_path, monkeypatch):
    """With the seed changed too, the refusal named the sources "journeysim" ("journeysim, seed
    differ"), as if the program were what differs."""
    Optimisation(plan_optimisation(TWO_TILL_TRIALS), tmp_path).pending()  # makes it, runs nothing
    monkeypatch.setattr(trial_study, "source_digest", lambda: "0" * 64)
    other = Optimisation(plan_optimisation(TWO_TILL_TRIALS.updated(seed=5)), tmp_path)
    with pytest.raises(DesignError) as refusal:
        other.pending()
    assert str(refusal.value) == (
        f"{other.folder} holds a different study (journeysim's code, seed differ): remove the "
        "folder, or give the study another name"
    )


def test_a_study_asked_for_fewer_trials_than_it_holds_says_it_uses_them_all(tmp_path, capsys):
    """Run again with --trials 2, a study of 3 finished trials said "2 trials (2 already
    done)" and chose among all 3 without a word (a sweep with fewer --reps warns)."""
    options = dict(
        decide=["checkout.service_time.mean_min=1.0:3.0"],
        minimise="mean_checkout_wait_min",
        reps=2,
        days=1,
        overrides=["horizon.warmup_days=0"],
        out=tmp_path,
        workers=1,
    )
    journeysim.optimise(MMC, trials=3, **options)
    with pytest.warns(
        KeptTrialsWarning, match=r"more trials than this one asks for \(3, against 2"
    ):
        fewer = journeysim.optimise(MMC, trials=2, **options)
    assert len(fewer.trials) == 3


def test_the_study_does_not_depend_on_where_trials_run(tmp_path):
    # Two objectives (NSGA-II), one process against a Dask cluster of two: common random
    # numbers and the per-trial seeding make every trial identical.
    distributed = pytest.importorskip("dask.distributed")
    options = dict(
        decide=["checkout.service_time.mean_min=1.0:3.0"],
        minimise="mean_checkout_wait_min",
        maximise="visits_per_day",
        trials=4,
        reps=2,
        days=1,
        overrides=["horizon.warmup_days=0"],
    )
    serial = journeysim.optimise(MMC, out=tmp_path / "serial", workers=1, **options)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        dask = journeysim.optimise(
            MMC, out=tmp_path / "dask", scheduler=cluster.scheduler_address, **options
        )
    assert serial.plan.sampler == "nsga-ii"
    pd.testing.assert_frame_equal(serial.trials, dask.trials)
    front = serial.trials[serial.trials["pareto"]]
    assert len(front) >= 1
    assert len(list((tmp_path / "serial" / serial.folder.name / "pareto").glob("*.yaml"))) == len(
        front
    )


def test_the_pareto_front_is_optunas_of_the_trials_not_ruled_out(tmp_path):
    # The front was found by comparing every pair of trials by hand; it is Optuna's
    # best_trials, which leaves out the trials a constraint rules out, as the front must.
    result = journeysim.optimise(
        MMC,
        decide=["checkout.cashiers=3:7", "checkout.service_time.mean_min=2.0:4.0"],
        minimise=["wages_per_day", "mean_checkout_wait_min"],
        subject_to=["mean_checkout_wait_min<=1.0"],
        trials=10,
        reps=2,
        days=1,
        overrides=["horizon.warmup_days=0", "arrivals.rate_per_hour=40"],
        out=tmp_path,
        workers=1,
    )
    trials = result.trials
    study = optuna.load_study(
        study_name="journeysim", storage=f"sqlite:///{result.folder / 'study.db'}"
    )
    numbers = [t.number for t in complete_trials(result.folder)]
    front = {numbers.index(t.number) for t in study.best_trials}
    assert set(trials.loc[trials["pareto"], "trial"]) == front
    out = ruled_out(trials)
    assert out.any() and not (trials["pareto"] & out).any()
    means = trials[["wages_per_day_mean", "mean_checkout_wait_min_mean"]].to_numpy()
    kept = trials["feasible"] != "no"
    for i in trials.index[kept & ~trials["pareto"]]:  # each dominated by a trial on the front
        assert any((means[j] <= means[i]).all() for j in trials.index[trials["pareto"]])


@pytest.mark.parametrize("content", ["text", "folder"])
def test_a_study_db_that_is_not_a_database_is_one_line_and_exit_code_2(tmp_path, capsys, content):
    folder = tmp_path / "optimise-mmc-checkout.cashiers"
    folder.mkdir()
    db = folder / "study.db"
    db.mkdir() if content == "folder" else db.write_text("not a database, just words\n" * 10)
    args = ["--decide", "checkout.cashiers=1:3", "--minimise", "wages_per_day"]
    code = main(["optimise", str(MMC), *args, "--out", str(tmp_path), *QUICK])
    error = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in error
    assert error.startswith(f"journeysim: {db}: expected the study's SQLite database")
    assert "remove it" in error
    assert sorted(p.name for p in folder.iterdir()) == ["study.db", "study.lock"]  # nothing ran


def test_no_read_or_write_of_the_study_runs_where_ctrl_c_acts_at_once(tmp_path, monkeypatch):
    """Ctrl-C stops a trial at once while it simulates; the study looked up the trials that
    failed, and stored why a trial failed, in that stretch too, and a Ctrl-C cut one short:
    its lock held, the next write waited the 60 s of LOCK_WAIT_S and the study stopped as
    "locked by another program" (exit 1, not 130). No statement runs while simulating."""
    held = []
    made = HeldInterrupts.__init__

    def kept(self) -> None:
        made(self)
        held.append(self)

    monkeypatch.setattr(HeldInterrupts, "__init__", kept)
    storage = trial_study._storage
    statements = []

    def watched(path: Path) -> optuna.storages.RDBStorage:
        opened = storage(path)
        sqlalchemy.event.listen(
            opened.engine,
            "before_cursor_execute",
            lambda *args: statements.append(any(h.simulating_now for h in held)),
        )
        return opened

    monkeypatch.setattr(trial_study, "_storage", watched)
    args = ["optimise", str(MMC), "--decide", "checkout.cashiers=1:4", "--reps", "2", "--quiet"]
    args += ["--minimise", "wages_per_day", "--days", "3", *OVERLOADED, "--out", str(tmp_path)]
    assert main([*args, *QUICK]) == 0  # 1 and 2 tills fail: why is stored with the trial
    assert len(pd.read_csv(next(tmp_path.glob("*/failed.csv")))) == 2
    assert held and statements and not any(statements)


def test_a_study_killed_while_it_wrote_its_database_resumes(tmp_path, capsys):
    """A kill that lands while a study writes study.db leaves SQLite's rollback journal beside
    it. The resumed study read it read-only first, which SQLite refuses ("attempt to write a
    readonly database"), and it said the file was no study database and to remove it."""
    args = ["optimise", str(MMC), "--decide", "checkout.cashiers=3:5", "--reps", "2", "--days"]
    args += ["1", "--minimise", "wages_per_day", "--quiet", "--out", str(tmp_path), *QUICK]
    assert main([*args, "--trials", "2"]) == 0
    (db,) = tmp_path.glob("*/study.db")
    killed = (  # a write half done, then the process gone without a word
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        "db.execute('PRAGMA cache_size=1')\n"
        "db.execute('BEGIN')\n"
        "db.execute('CREATE TABLE half_done(x)')\n"
        "db.executemany('INSERT INTO half_done VALUES (?)', [('x' * 500,)] * 2000)\n"
        "db.execute('UPDATE trials SET state = state')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", killed, str(db)], check=True)
    assert db.with_name("study.db-journal").exists()  # the hot journal a kill leaves
    capsys.readouterr()
    assert main([*args, "--trials", "3"]) == 0, capsys.readouterr().err
    assert "3 trials (2 already done)" in capsys.readouterr().out
    assert len(complete_trials(db.parent)) == 3
    with sqlite3.connect(db) as connection:  # the half-done write rolled back
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables


def test_a_study_db_another_program_keeps_locked_stops_in_one_line_and_resumes(
    tmp_path, capsys, monkeypatch
):
    # A dashboard reading study.db holds SQLite's shared lock: a write waits LOCK_WAIT_S for
    # it, then the command stops in one line (Optuna raises an AssertionError of its own in
    # place of the lock's error; neither is shown), and the same command resumes once it is
    # closed.
    monkeypatch.setattr(trial_study, "LOCK_WAIT_S", 0.2)
    decide = ["--decide", "checkout.cashiers=1:3", "--minimise", "wages_per_day"]
    args = ["optimise", str(MMC), *decide, "--out", str(tmp_path), "--quiet", *QUICK]
    assert main([*args, "--trials", "1"]) == 0
    folder = tmp_path / "optimise-mmc-checkout.cashiers"
    db = folder / "study.db"
    with closing(sqlite3.connect(db)) as reader:
        reader.execute("BEGIN")  # a read transaction: its shared lock lasts until it ends
        reader.execute("SELECT count(*) FROM trials").fetchone()
        code = main([*args, "--trials", "2"])
    error = capsys.readouterr().err
    assert (code, error.count("\n")) == (1, 1)
    assert error.startswith(f"journeysim: {db}: locked by another program for over 0.2 s")
    assert main([*args, "--trials", "2"]) == 0
    assert len(complete_trials(folder)) == 2


def test_a_trial_whose_shoppers_cannot_leave_stops_the_study_in_one_line(tmp_path, capsys):
    """A trial whose checkout cannot keep up ended optimise with a traceback. Now such a trial
    fails and the search goes on; when every plan does (60 shoppers an hour, 5 minutes each:
    one or two tills leave hundreds waiting after a day, more than they serve in the next),
    the command ends in one line naming the first trial's decisions, the replication and the
    likely key, exit 1 as for run."""
    unstable = ["--set", "arrivals.rate_per_hour=60", "--set", "checkout.service_time.mean_min=5"]
    args = ["--decide", "checkout.cashiers=1,2", "--minimise", "wages_per_day", *unstable]
    args += ["--reps", "2", "--days", "1", "--quiet", "--no-report", "--out", str(tmp_path)]
    code = main(["optimise", str(MMC), *args, *QUICK])
    error = capsys.readouterr().err
    assert (code, error.count("\n")) == (1, 1)
    assert re.match(
        r"journeysim: every trial failed, the first, checkout.cashiers=[12]: mmc, ", error
    )
    assert ": mmc, replication " in error
    assert "still in the store 1 simulated day after the horizon" in error
    assert "checkout.service_time.mean_min (5 min" in error


def test_a_study_db_this_process_may_not_write_is_refused_before_any_trial(tmp_path, capsys):
    """SQLite read it, then failed at the first write with a traceback (sqlite3's "attempt to
    write a readonly database" inside Optuna's StorageInternalError). Root writes whatever
    the permission bits say: as root the command runs without its capabilities (setpriv)."""
    args = ["optimise", str(MMC), "--decide", "checkout.cashiers=1:3", "--minimise"]
    args += ["wages_per_day", "--out", str(tmp_path), "--quiet", "--no-report", *QUICK]
    assert main([*args, "--trials", "1"]) == 0
    db = tmp_path / "optimise-mmc-checkout.cashiers" / "study.db"
    db.chmod(0o444)
    unprivileged = ["setpriv", "--bounding-set", "-all", "--"] if os.geteuid() == 0 else []
    if unprivileged and subprocess.run(["setpriv", "--version"], capture_output=True).returncode:
        pytest.skip("running as root without setpriv to drop root's right to write anywhere")
    done = subprocess.run(
        [*unprivileged, sys.executable, "-m", "journeysim.cli", *args, "--trials", "2"],
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stderr.count("\n")) == (2, 1), done.stderr
    assert done.stderr.startswith(f"journeysim: {db}: expected a study database this process ")
    assert len(complete_trials(db.parent)) == 1


def test_a_looping_chain_of_exceptions_is_searched_once():
    """An exception re-raised from its own handler is the context of its context: looking for
    SQLite's lock error along such a chain looped for ever."""
    try:
        try:
            raise KeyError("first")
        except KeyError as first:
            try:
                raise ValueError("second") from first
            except ValueError:
                raise first from None  # first.__context__ is second, second's cause is first
    except KeyError as chained:
        assert chained.__context__.__cause__ is chained
        assert not trial_study._sqlite_said(chained, "locked")


# A setting given in an optimise file is named by the file and its key, not by the option of the
# same name; the option, given, overrides it and is named itself.

DECIDE = "decide: {checkout.cashiers: '1:3'}\n"


@pytest.mark.parametrize(
    "goal", ["maximise: return_rate\n", "minimise: wages_per_day\nsubject_to: [return_rate>=0.5]\n"]
)
def test_days_too_few_for_the_return_rate_name_the_study_files_days(tmp_path, capsys, goal):
    """An optimise file's `days: 1` with a return-rate objective or constraint was blamed on
    the scenario ("scenario mmc: horizon.days is 1: ... (set horizon.days or --days)"); the
    file's key set it, and is named."""
    study = tmp_path / "study.yaml"
    study.write_text(f"scenario: {MMC}\n{DECIDE}{goal}reps: 2\ndays: 1\n")
    assert main(["optimise", str(study), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert capsys.readouterr().err == (
        f"journeysim: {study}: days: expected more than loyalty.return_window_days (14) to "
        "measure return_rate (got 1)\n"
    )
    assert not (tmp_path / "out").exists()  # nothing ran


@pytest.mark.parametrize(
    "body, expected",
    [
        ("reps: 1\n", "reps: optimise needs at least 2 replications per trial"),
        ("reps: 0\n", "reps: replications: expected a whole number from 1"),
        ("days: -1\n", "days: horizon.days: expected a whole number from 1"),
        ("seed: -1\n", "seed: expected a whole number from 0"),
        ("set: [checkout.cashiers=-1]\n", "set: checkout.cashiers: expected a whole number"),
        ("set: [nope]\n", "set: nope: expected KEY.PATH=VALUE"),
        ("trials: 0\n", "trials: expected a whole number from 1 to 10,000 (got 0)"),
        ("trials: 100000\n", "trials: expected a whole number from 1 to 10,000 (got 100000)"),
        ("candidates: 1\n", "candidates: expected a whole number from 2 to 10,000 (got 1)"),
        ("maximise: [nps, csat]\n", "minimise, maximise: expected one or two objectives (got 3)"),
    ],
)
def test_a_bad_setting_in_an_optimise_file_names_the_file_and_key(tmp_path, capsys, body, expected):
    study = tmp_path / "study.yaml"
    study.write_text(f"scenario: {MMC}\n{DECIDE}minimise: wages_per_day\n{body}")
    code = main(["optimise", str(study), "--out", str(tmp_path / "out"), *QUICK])
    error = capsys.readouterr().err
    assert (code, error.count("\n")) == (2, 1)
    assert error.startswith(f"journeysim: {study}: {expected}")
    assert not (tmp_path / "out").exists()  # nothing ran


@pytest.mark.parametrize(
    "decide, expected",
    [
        (
            "decide: {checkout.cashier: '1:3'}\n",
            "decide.checkout.cashier: expected one of the keys",
        ),
        (
            "decide:\n  a: {keys: [checkout.cashiers], values: '1:3'}\n"
            "  b: {keys: [checkout.cashiers], values: [1, 2]}\n",
            "decide.a and {study}: decide.b: each key once (got checkout.cashiers twice)",
        ),
    ],
)
def test_a_bad_decision_in_an_optimise_file_names_the_file_and_key(
    tmp_path, capsys, decide, expected
):
    study = tmp_path / "study.yaml"
    study.write_text(f"scenario: {MMC}\n{decide}minimise: wages_per_day\n")
    code = main(["optimise", str(study), "--out", str(tmp_path / "out"), *QUICK])
    error = capsys.readouterr().err
    assert (code, error.count("\n")) == (2, 1)
    assert error.startswith(f"journeysim: {study}: {expected.format(study=study)}")


@pytest.mark.parametrize(
    "given, expected",
    [
        (
            ["--decide", "checkout.cashiers=2,3,2.0"],
            "journeysim optimise: error: argument --decide checkout.cashiers=2,3,2.0: each value "
            "once (got 2 and 2.0, the same number)",
        ),
        (
            ["--decide", "checkout.single_queue=true,false,True"],
            "journeysim optimise: error: argument --decide checkout.single_queue=true,false,True: "
            "each value once "
            "(got true and True, the same value)",
        ),
        (
            "decide: {checkout.cashiers: [2, 3, 2.0]}\n",
            "journeysim: {study}: decide.checkout.cashiers: each value once (got 2 and 2.0, the "
            "same number)",
        ),
        (
            "decide:\n  a: {keys: [checkout.single_queue], values: [true, false, True]}\n",
            "journeysim: {study}: decide.a: each value once (got true more than once)",
        ),
    ],
    ids=["option-number", "option-boolean", "file-number", "file-named-decision"],
)
def test_a_choice_given_twice_after_yaml_reads_it_is_refused(tmp_path, capsys, given, expected):
    study = tmp_path / "study.yaml"
    if isinstance(given, str):
        study.write_text(f"scenario: {MMC}\n{given}minimise: wages_per_day\n")
    argv = [str(study)] if isinstance(given, str) else [str(MMC), *given, "--minimise", "nps"]
    code = main(["optimise", *argv, "--out", str(tmp_path / "out"), *QUICK])
    assert (code, capsys.readouterr().err) == (2, f"{expected.format(study=study)}\n")
    assert not (tmp_path / "out").exists()  # nothing ran


@pytest.mark.parametrize(
    "body, options, expected",
    [
        ("reps: 3\n", ["--reps", "1"], "--reps: optimise needs at least 2 replications"),
        ("trials: 3\n", ["--trials", "0"], "--trials: expected a whole number from 1 to 10,000"),
        ("days: 1\n", ["--days", "0"], "--days: horizon.days: expected a whole number"),
        ("", ["--decide", "checkout.cashier=1:3"], "--decide checkout.cashier=1:3: checkout."),
    ],
)
def test_options_overriding_an_optimise_file_are_named_as_options(
    tmp_path, capsys, body, options, expected
):
    study = tmp_path / "study.yaml"
    study.write_text(f"scenario: {MMC}\n{DECIDE}minimise: wages_per_day\n{body}")
    try:  # refused when the options are parsed, or once the file is read
        code = main(["optimise", str(study), *options, "--out", str(tmp_path / "out"), *QUICK])
    except SystemExit as exit:
        code = exit.code
    error = capsys.readouterr().err
    assert (code, error.count("\n")) == (2, 1)
    assert error.startswith(f"journeysim optimise: error: argument {expected}")


def another_programs_database(path: Path, tables: list[str]) -> tuple[bytes, int]:
    """A SQLite database at `path` with `tables` (a row each) and an mtime in the past; its
    bytes and mtime (ns)."""
    with sqlite3.connect(path) as db:
        for table in tables:
            db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, note TEXT)")
            db.execute(f"INSERT INTO {table} (note) VALUES ('kept')")
    db.close()
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.mark.parametrize(
    "tables, shown",
    [(["receipts", "shops"], "receipts, shops"), (["studies", "notes"], "notes")],
    ids=["none-of-optunas", "one-of-optunas-and-its-own"],
)
def test_a_study_db_of_another_program_is_refused_and_left_as_it_was(
    tmp_path, capsys, tables, shown
):
    # Optuna would add its tables to it (and go on to run the study there).
    folder = tmp_path / "optimise-mmc-checkout.cashiers"
    folder.mkdir()
    db = folder / "study.db"
    content, mtime = another_programs_database(db, tables)
    args = ["--decide", "checkout.cashiers=1:3", "--minimise", "wages_per_day"]
    code = main(["optimise", str(MMC), *args, "--out", str(tmp_path), *QUICK])
    error = capsys.readouterr().err
    assert (code, error.count("\n")) == (2, 1)
    assert error.startswith(
        f"journeysim: {db}: expected the study's SQLite database (it holds tables that are "
        f"not Optuna's: {shown}): move it elsewhere, or choose another folder or name"
    )
    assert (db.read_bytes(), db.stat().st_mtime_ns) == (content, mtime)
    assert sorted(p.name for p in folder.iterdir()) == ["study.db", "study.lock"]  # nothing ran


def test_every_table_of_a_new_optuna_study_is_known_as_optunas(tmp_path):
    # Else a study.db from an earlier run would be refused as another program's after an
    # Optuna upgrade that adds a table.
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'study.db'}")
    optuna.create_study(storage=storage, study_name="journeysim")
    storage.engine.dispose()
    with closing(sqlite3.connect(tmp_path / "study.db")) as db:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    tables = {name for (name,) in rows if not name.startswith("sqlite_")}
    assert tables and tables <= OPTUNA_TABLES


def test_the_objective_chart_of_a_lone_trial_per_feasibility_draws_without_warnings():
    # A feasibility group of one trial gave errorbar a list of one-element Series, which
    # pandas deprecates (FutureWarning, a TypeError to come).
    trials = pd.DataFrame(
        {
            "trial": [0, 1, 2],
            "feasible": [True, False, True],
            "wages_per_day_mean": [4800.0, 4300.0, 5300.0],
            "wages_per_day_ci_low": [4700.0, 4250.0, 5200.0],
            "wages_per_day_ci_high": [4900.0, 4350.0, 5400.0],
        }
    )
    objective = SimpleNamespace(metric="wages_per_day", maximise=False, text="minimise wages")
    result = SimpleNamespace(
        plan=SimpleNamespace(objectives=[objective]), trials=trials, best=0, selection=None
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = objective_plot(result)
        figure.canvas.draw()
    bars = [c for c in figure.axes[0].containers if c.has_yerr]
    assert len(bars) == 2  # feasible yes and no
    assert all(tick == int(tick) for tick in figure.axes[0].get_xticks())  # trials are whole


def test_the_objective_chart_keeps_its_colours_for_feasibility():
    # The chosen plan was a red star, which reads as a bad trial, and the best-so-far line was
    # the feasible trials' colour. Both are black now; the legend lists the trials first.
    trials = pd.DataFrame(
        {
            "trial": [0, 1, 2, 3],
            "feasible": pd.array([False, True, None, True], dtype="boolean"),
            "wages_per_day_mean": [4300.0, 4800.0, 4500.0, 5300.0],
            "wages_per_day_ci_low": [4250.0, 4700.0, 4400.0, 5200.0],
            "wages_per_day_ci_high": [4350.0, 4900.0, 4600.0, 5400.0],
        }
    )
    objective = SimpleNamespace(metric="wages_per_day", maximise=False, text="minimise wages")
    result = SimpleNamespace(
        plan=SimpleNamespace(objectives=[objective]), trials=trials, best=1, selection=None
    )
    fig = objective_plot(result)
    (legend,) = fig.legends
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels == [
        "feasible: yes",
        "feasible: undecided",
        "feasible: no",
        "best so far",
        "chosen",
    ]
    # Below the plot, not over it: inside, "best" placed it over a trial's CI (a review).
    fig.canvas.draw()
    assert not legend.get_window_extent().overlaps(fig.axes[0].get_window_extent())
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert to_hex(lines["best so far"].get_color()) == "#000000"
    star = lines["chosen"]
    assert star.get_markerfacecolor() == "none" and to_hex(star.get_markeredgecolor()) == "#000000"


def test_the_objective_chart_rules_out_the_candidates_select_found_infeasible():
    """The best-so-far line ended on an undecided trial that select then found infeasible over
    more replications, below the chosen plan's star, and read as the answer."""
    trials = pd.DataFrame(
        {
            "trial": [0, 1, 2],
            "feasible": pd.array([True, None, None], dtype="boolean"),
            "wages_per_day_mean": [4800.0, 4400.0, 4300.0],
            "wages_per_day_ci_low": [4700.0, 4300.0, 4200.0],
            "wages_per_day_ci_high": [4900.0, 4500.0, 4400.0],
        }
    )
    selection = SimpleNamespace(
        table=pd.DataFrame(
            {
                "scenario": ["trial-2", "trial-1", "trial-0"],
                "status": [
                    "infeasible: misses nps_vs_baseline>=-3 after 43 replications",
                    "selected",
                    "screened out by trial-1 after 10 replications",
                ],
            }
        )
    )
    objective = SimpleNamespace(metric="wages_per_day", maximise=False, text="minimise wages")
    result = SimpleNamespace(
        plan=SimpleNamespace(objectives=[objective]), trials=trials, best=1, selection=selection
    )
    ax = objective_plot(result).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["best so far"].get_ydata()[-1] == 4400.0  # the chosen's, not trial 2's 4,300
    crossed = lines["ruled out by select"]
    assert list(crossed.get_xdata()) == [2] and crossed.get_marker() == "x"
    undecided = [bars for bars in ax.containers if to_hex(bars.lines[0].get_color()) == "#f1a340"]
    assert list(undecided[0].lines[0].get_xdata()) == [1, 2]  # as trials.csv says, both


def test_no_plan_is_said_of_what_select_found_not_of_every_trials_ci():
    """When select found every candidate infeasible the answer was "No plan meets the
    constraints: every trial's CI misses a bound", also of trials whose CI met every bound
    (trials.csv: True) or reached it (undecided)."""
    trials = pd.DataFrame(
        {"trial": [0, 1, 2, 3], "feasible": pd.array([True, None, False, None], dtype="boolean")}
    )
    infeasible = "infeasible: misses nps>=baseline-3 after {} replications"
    selection = SimpleNamespace(
        table=pd.DataFrame(
            {
                "scenario": ["trial-1", "trial-3", "trial-0"],
                "replications": [12, 5, 40],
                "status": [infeasible.format(12), infeasible.format(5), infeasible.format(40)],
            }
        )
    )
    objective = SimpleNamespace(metric="wages_per_day", maximise=False, text="minimise wages")
    result = SimpleNamespace(
        plan=SimpleNamespace(objectives=[objective]),
        trials=trials,
        best=None,
        selection=selection,
        candidates=[1, 3, 0],
    )
    assert answer(result) == (
        "No plan meets the constraints: select found the 3 plans not ruled out (trials 1, 3 and "
        "0) infeasible over 5 to 40 replications, and every other plan's CI misses a bound."
    )
    result.trials = trials[trials["trial"] != 2]  # none ruled out: no other plan to speak of
    assert answer(result).endswith("(trials 1, 3 and 0) infeasible over 5 to 40 replications.")
    # With no candidate, every trial was ruled out: then it is so.
    result.trials = trials.assign(feasible=pd.array([False] * 4, dtype="boolean"))
    result.selection, result.candidates = None, []
    assert answer(result) == "No plan meets the constraints: every trial's CI misses a bound."


@pytest.mark.parametrize("metric, maximise", [("wages_per_day", False), ("nps", True)])
def test_the_objective_chart_is_titled_with_the_objectives_label(metric, maximise):
    # It was titled with the key ("minimise wages_per_day"), where the axes use the label.
    trials = pd.DataFrame(
        {"trial": [0, 1], "feasible": [True, False]}
        | {f"{metric}_{what}": [10.0, 12.0] for what in ("mean", "ci_low", "ci_high")}
    )
    objective = SimpleNamespace(metric=metric, maximise=maximise, text=f"key {metric}")
    result = SimpleNamespace(
        plan=SimpleNamespace(objectives=[objective]), trials=trials, best=0, selection=None
    )
    figure = objective_plot(result)
    title, axis = figure.get_suptitle(), figure.axes[0].get_ylabel()
    assert title.startswith(axis) and metric not in title
    assert ("maximise" in title) == maximise and ("minimise" in title) != maximise


def _two_objectives(folder: Path | None = None) -> SimpleNamespace:
    """A result of two objectives (cheap and short waits): trials 1 and 3 on the front, trial 0
    dominated by trial 1, trial 2 ruled out."""
    trials = pd.DataFrame(
        {
            "trial": [0, 1, 2, 3],
            "feasible": pd.array([True, True, False, None], dtype="boolean"),
            "pareto": [False, True, False, True],
            "wages_per_day_mean": [8000.0, 7000.0, 6000.0, 9000.0],
            "mean_checkout_wait_min_mean": [0.5, 0.4, 3.0, 0.1],
        }
    )
    for part in ("ci_low", "ci_high"):  # as trials.csv has them
        trials[f"wages_per_day_{part}"] = trials["wages_per_day_mean"]
        trials[f"mean_checkout_wait_min_{part}"] = trials["mean_checkout_wait_min_mean"]
    objectives = [
        SimpleNamespace(metric="wages_per_day", maximise=False),
        SimpleNamespace(metric="mean_checkout_wait_min", maximise=False),
    ]
    plan = SimpleNamespace(objectives=objectives)
    return SimpleNamespace(plan=plan, trials=trials, folder=folder, best=None)


def test_two_objectives_draw_the_pareto_chart_instead_of_the_first_objectives(tmp_path):
    # objective.png showed the first objective alone with its best so far, which means nothing
    # when the answer is a front; an objective.png left from such a run goes too.
    (tmp_path / "objective.png").write_bytes(b"stale")
    plots = write_plots(_two_objectives(tmp_path))
    assert list(plots) == ["pareto.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pareto.png"]


def test_the_report_repeats_the_warnings_printed_while_the_trials_ran(tmp_path, capfd):
    """Trials from a history too short for a steady customer base: the console warned, the
    report (which gave the failed trials' warning alone) did not."""
    store = ROOT / "examples" / "store.yaml"
    args = ["optimise", str(store), "--decide", "arrivals.new_per_day=0.5:1.0", "--reps", "2"]
    args += ["--maximise", "visits_per_day", "--trials", "2", "--quiet", "--workers", "1"]
    args += ["--set", "horizon.burn_in_days=14", "--days", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    printed = re.findall(r"^journeysim: warning: (.*)$", capfd.readouterr().err, re.MULTILINE)
    assert any("started from a history too short" in text for text in printed)
    (report,) = tmp_path.glob("*/report.html")
    assert all(text in html.unescape(report.read_text()) for text in printed)


@pytest.mark.parametrize(
    ("decide", "objectives", "expected"),
    [
        ("4:6", ["--minimise", "wages_per_day", "--minimise", "mean_checkout_wait_min"], "Pareto"),
        # One trial left: 5 lanes (3 replications rule out 3 lanes, about 10 min, and 4,
        # about 1.2; on 2, the t-quantile of 1 degree of freedom left 3 lanes undecided).
        ("3:5", ["--minimise", "wages_per_day"], "did not run"),
    ],
)
def test_the_report_says_select_ran_only_where_it_did(tmp_path, decide, objectives, expected):
    """The report's search said "the best candidates left then went through select" of two
    objectives too, and where one candidate was left: neither runs select."""
    argv = ["optimise", str(MMC), "--decide", f"checkout.cashiers={decide}", *objectives]
    argv += ["--subject-to", "mean_checkout_wait_min<=0.5", "--reps", "3", "--days", "2"]
    argv += ["--set", "arrivals.rate_per_hour=40", "--set", "checkout.service_time.mean_min=4"]
    argv += [*QUICK[:4], "--workers", "1", "--out", str(tmp_path), "--quiet"]
    assert main(argv) == 0
    (report,) = tmp_path.glob("*/report.html")
    search = report.read_text().split('id="search"')[1]
    assert "went through select" not in search and expected in search


def test_the_pareto_chart_shows_the_front_in_blue_and_the_other_trials_in_grey():
    # Every trial was coloured by feasibility, so a dominated feasible trial was as blue as the
    # front, which a black line picked out.
    fig = pareto_plot(_two_objectives())
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    fig.canvas.draw()
    (legend,) = fig.legends  # below the plot: inside it could cover a trial
    assert not legend.get_window_extent().overlaps(ax.get_window_extent())
    assert [t.get_text() for t in legend.get_texts()] == [
        "dominated",
        "ruled out by a constraint",
        "Pareto front",
    ]
    front = lines["Pareto front"]
    assert to_hex(front.get_color()) == POSITIVE and front.get_linestyle() == "-"
    assert list(front.get_xdata()) == [7000.0, 9000.0] and list(front.get_ydata()) == [0.4, 0.1]
    assert [t.get_text() for t in ax.texts] == ["1", "3"]
    for name, x, marker in [("dominated", 8000.0, "o"), ("ruled out by a constraint", 6000.0, "x")]:
        line = lines[name]
        assert list(line.get_xdata()) == [x] and line.get_marker() == marker
        assert to_hex(line.get_color()) == "#999999" and line.get_linestyle() == "None"
    assert ax.get_xlabel() == "Wages per day (PLN) (minimise)"
    assert ax.get_ylabel() == "Checkout wait (min) (minimise)"


def test_a_plan_tried_again_is_one_row_of_the_trials_table_naming_every_trial(tmp_path):
    """A plan the sampler proposes again reuses its first trial's runs: the table shows it
    once, with the numbers of all its trials, and counts the trials it leaves out."""
    result = journeysim.optimise(
        MMC,
        decide=["checkout.cashiers=5:7"],
        minimise="wages_per_day",
        trials=3,
        reps=2,
        days=1,
        overrides=["horizon.warmup_days=0", "horizon.burn_in_days=0"],
        out=tmp_path,
        workers=1,
    )
    again = result.trials.iloc[[1]].assign(trial=3)  # trial 1's plan, proposed again
    result = dataclasses.replace(result, trials=pd.concat([result.trials, again]))
    header, rows = trial_rows(result)
    assert header[:2] == ["trial", "checkout.cashiers"]
    assert sorted(row[0] for row in rows) == ["0", "1, 3", "2"]
    assert "more trials" not in trials_text(result)  # all 4 trials are in its 3 rows


def test_a_final_select_refused_as_too_fine_exits_2_in_one_line(tmp_path, capsys):
    """The command caught every ValueError, InputError too, and exited 1 for this bad input."""
    args = ["--decide", "checkout.cashiers=2:3", "--minimise", "wages_per_day", "--subject-to"]
    args += ["nps<=baseline+1+-0.01", "--reps", "2", "--days", "1", "--quiet", "--no-report"]
    assert main(["optimise", str(BASELINE), *args, "--out", str(tmp_path), *QUICK]) == 2
    assert capsys.readouterr().err == (
        "journeysim: 5 replications a scenario do not decide the selection, and deciding it at "
        "nps<=baseline+1+-0.01 could take more than 10,000 (the most a run takes); give a larger "
        "indifference or tolerance (KPI>=VALUE+-TOLERANCE), or a lower confidence; the trials "
        "are kept: with a coarser tolerance the same study runs only the selection\n"
    )
    # As it says: the trials are not run again, and the selection decides.
    coarser = [a.replace("+-0.01", "+-3") for a in args]
    assert main(["optimise", str(BASELINE), *coarser, "--out", str(tmp_path), *QUICK]) == 0
    assert "2 trials (2 already done)" in capsys.readouterr().out


def test_an_objective_undefined_in_a_trial_says_why(tmp_path, capsys):
    """It said "an objective is undefined (no visits to average over?)" of M/M/c's hundreds of
    visits a day, whose shoppers never come back: no lifetime can be measured."""
    args = ["--decide", "checkout.cashiers=2:3", "--minimise", "lifetime_days", "--reps", "2"]
    args += ["--days", "1", "--quiet", "--no-report", "--out", str(tmp_path)]
    assert main(["optimise", str(MMC), *args, *QUICK]) == 2
    assert capsys.readouterr().err == (
        "journeysim: objective lifetime_days is undefined in the simulated runs: "
        f"{NO_LIFETIME_WHY}\n"
    )
    assert not list(tmp_path.glob("*/trials.csv"))


def test_a_constraint_undefined_in_a_trial_says_why_not_that_no_plan_meets_it(tmp_path, capsys):
    """A constrained KPI with no value in any trial ended in "No plan meets the constraints:
    every trial's CI misses a bound", exit 0, though no CI was ever measured."""
    args = ["--decide", "checkout.cashiers=2:3", "--minimise", "wages_per_day", "--subject-to"]
    args += ["lifetime_days>=10+-1", "--reps", "2", "--days", "1", "--quiet", "--no-report"]
    assert main(["optimise", str(MMC), *args, "--out", str(tmp_path), *QUICK]) == 2
    assert capsys.readouterr().err == (
        "journeysim: lifetime_days of constraint lifetime_days>=10 is undefined in the simulated "
        f"runs: {NO_LIFETIME_WHY}\n"
    )
    assert not list(tmp_path.glob("*/trials.csv"))
