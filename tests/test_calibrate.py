"""`calibrate`: it finds the parameters that made the observed KPIs, keeps the sets consistent
with them for --parameter-sets, survives kill -9, and says what the targets cannot tell.

The store is examples/store.yaml without history or warm-up over 7 days (about 0.2 s a
replication); the kill test uses scenarios/validation/mmc.yaml over a day.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from test_optimise import (
    another_programs_database,
    check_a_stopped_extension,
    complete_trials,
    kill_after_three_trials,
)

import journeysim
from journeysim.cli import main
from journeysim.loyalty.base import is_weekend
from journeysim.report.calibrate import fit_plot, parameter_rows
from journeysim.scenario import load_scenario
from journeysim.simulation.hourly import hourly_name, hourly_names, hourly_receipts
from journeysim.simulation.lifetime import NO_LIFETIME_WHY
from journeysim.simulation.measure import measure, measure_hourly
from journeysim.simulation.replication import simulate
from journeysim.study.calibrate import Calibration, CalibrationWarning, plan_calibration
from journeysim.study.calibrate_checks import calibration_warnings, precision_warning
from journeysim.study.calibrate_spec import (
    CalibrateSpec,
    Target,
    parse_target,
    parse_targets,
    read_calibration_file,
)
from journeysim.study.decisions import parse_decision
from journeysim.study.designs import DesignError
from journeysim.study.parameter_sets import read_parameter_sets

ROOT = Path(__file__).resolve().parents[1]
STORE = ROOT / "examples" / "store.yaml"
MMC = ROOT / "scenarios" / "validation" / "mmc.yaml"
SMALL = ["horizon.burn_in_days=0", "horizon.warmup_days=0", "horizon.days=7"]
TRUTH = {"loyalty.ltr_center": 0.34, "shelves.stockout_prob": 0.11}  # defaults 0.20, 0.08


def observed(changes: dict[str, float], reps: int) -> dict[str, float]:
    """Mean KPIs of the store with `changes`, over replications 0..reps-1 of its seed."""
    store = load_scenario(STORE, [*SMALL, *(f"{k}={v}" for k, v in changes.items())])
    runs = pd.DataFrame([measure(store, r) for r in range(reps)])
    return runs.mean().to_dict()


def test_calibration_recovers_the_parameters_that_made_the_targets(tmp_path):
    # The "observed" store has a higher likelihood-to-recommend threshold (NPS falls by about
    # 3 points per 0.01) and more gaps on the shelves (CES rises by about 0.08 per 0.01);
    # stockouts also lower NPS a little, so both targets together identify both parameters.
    # A twin experiment: the observed KPIs come from the replications the trials run (common
    # random numbers), so the search, not the noise, is under test. Tolerances NPS +-6 and CES
    # +-0.04 allow about +-0.02 in ltr_center and +-0.005 in stockout_prob around the truth;
    # the test allows 0.025 and 0.01, for the search's resolution in 30 trials.
    seen = observed(TRUTH, reps=3)
    nps, ces = round(seen["nps"], 3), round(seen["ces"], 4)
    start = time.perf_counter()
    result = journeysim.calibrate(
        STORE,
        targets=[f"nps={nps}+-6", f"ces={ces}+-0.04"],
        free=["loyalty.ltr_center=0.2:0.45", "shelves.stockout_prob=0.02:0.2"],
        trials=30,
        reps=3,
        overrides=SMALL,
        out=tmp_path,
        workers=1,
    )
    took = time.perf_counter() - start
    fitted = result.best_params
    print(f"recovered {fitted} (truth {TRUTH}) in {took:.0f} s, {len(result.kept)} kept")
    assert fitted["loyalty.ltr_center"] == pytest.approx(TRUTH["loyalty.ltr_center"], abs=0.025)
    assert fitted["shelves.stockout_prob"] == pytest.approx(
        TRUTH["shelves.stockout_prob"], abs=0.01
    )
    # Nothing unreached, unidentified or at a range's end. 3 replications may leave CIs wider
    # than the tolerances (which the search, judging means with common random numbers, may
    # allow): then one warning counts them, else there is none.
    half = (result.fit["ci_high"] - result.fit["ci_low"]) / 2.0
    wide = int((half > result.fit["tolerance"]).sum())
    assert len(result.warnings) == (1 if wide else 0), result.warnings
    for warning in result.warnings:
        assert re.match(f"{wide} of 2 targets ha(s|ve) a 95% CI at the fitted trial wider", warning)
    assert result.fit["within"].all(), result.fit
    # The sensitivity the trials show: NPS falls with both, CES rises with stockouts only.
    effect = result.sensitivity.set_index(["parameter", "target"])["effect"]
    assert effect["loyalty.ltr_center", "nps"] < -1 and effect["shelves.stockout_prob", "ces"] > 1
    assert abs(effect["loyalty.ltr_center", "ces"]) < 1
    # calibrated.yaml extends the store, sets the fitted values and runs.
    folder = result.folder
    written = yaml.safe_load((folder / "calibrated.yaml").read_text())
    assert written["extends"].endswith("store.yaml")
    calibrated = load_scenario(folder / "calibrated.yaml")
    assert calibrated.loyalty.ltr_center == fitted["loyalty.ltr_center"]
    assert calibrated.shelves.stockout_prob == fitted["shelves.stockout_prob"]
    run = ["run", str(folder / "calibrated.yaml"), "--reps", "1", "--days", "1", "--quiet"]
    assert main([*run, "--workers", "1", "--out", str(tmp_path / "runs")]) == 0
    # ... named after its calibration, as the folder is: another calibration's runs elsewhere.
    assert calibrated.name == folder.name.removeprefix("calibrate-") + "-calibrated"
    assert (tmp_path / "runs" / calibrated.name / "summary.csv").exists()
    # fit.csv is the best trial's; trials.csv marks as kept exactly the trials within every
    # tolerance, and parameter_sets.csv holds them.
    fit = pd.read_csv(folder / "fit.csv").set_index("target")
    trials = pd.read_csv(folder / "trials.csv")
    best = trials.set_index("trial").loc[result.best]
    assert fit.loc["nps", "simulated_mean"] == pytest.approx(best["nps_mean"])
    within = ((trials["nps_mean"] - nps).abs() <= 6) & ((trials["ces_mean"] - ces).abs() <= 0.04)
    assert list(trials["kept"]) == list(within)
    if within.sum() >= 2:
        assert len(read_parameter_sets(folder / "parameter_sets.csv")) == within.sum()


def test_kept_sets_feed_run_and_widen_its_interval(tmp_path, capsys):
    # A calibration file reading fit-receipts' targets.yaml format, with tolerances wide
    # enough (NPS +-15, CES +-0.2: about 40% of the ranges' area) that a random search over
    # the ranges keeps several sets; their NPS spans some 30 points and their CES 0.4, against a
    # 95% CI of a few points and 0.05 in a plain run.
    seen = observed(TRUTH, reps=2)
    targets = tmp_path / "targets.yaml"
    tolerances = {"nps": 15.0, "ces": 0.2}
    aims = {m: {"value": round(seen[m], 4), "tolerance": t} for m, t in tolerances.items()}
    targets.write_text(yaml.safe_dump({"targets": aims, "observed": {"inter_visit_days": {}}}))
    spec = tmp_path / "fit.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "scenario": str(STORE),
                "targets": "targets.yaml",
                "free": {"loyalty.ltr_center": "0.28:0.40", "shelves.stockout_prob": "0.06:0.16"},
                "trials": 16,
                "sampler": "random",
                "reps": 2,
                "set": SMALL,
            }
        )
    )
    assert main(["calibrate", str(spec), "--out", str(tmp_path), "--quiet", "--workers", "2"]) == 0
    folder = tmp_path / "calibrate-fit"
    hint = f"journeysim run {folder / 'calibrated.yaml'} --parameter-sets "
    hint += f"{folder / 'parameter_sets.csv'} --reps 2\n"  # the calibration's runs (its reps)
    assert hint in capsys.readouterr().out
    sets = read_parameter_sets(folder / "parameter_sets.csv")
    made = json.loads((folder / "manifest.json").read_text())  # what made the folder
    assert made["seed"] == load_scenario(STORE).seed and made["packages"]["optuna"]
    kept = pd.read_csv(folder / "trials.csv").query("kept")
    assert len(sets) == len(kept) >= 3 and set(sets.keys) == set(TRUTH)
    options = dict(reps=3, overrides=SMALL, workers=2)
    plain = journeysim.run(folder / "calibrated.yaml", **options).summary.set_index("metric")
    with pytest.warns(UserWarning, match="keep 20 or more sets"):
        uncertain = journeysim.run(
            folder / "calibrated.yaml", parameter_sets=sets.source, **options
        )
    for metric in ("nps", "ces"):
        row = uncertain.row(uncertain.names[0], metric)
        ci = plain.loc[metric]
        assert row["ci_high"] - row["ci_low"] > ci["ci_high"] - ci["ci_low"], metric
        assert 0 <= row["param_share"] <= 1
    # docs/calibration.md: the sets applied to the calibrated scenario with the calibration's
    # --set run exactly what they do applied to calibrated.yaml (each set replaces its values).
    with pytest.warns(UserWarning, match="keep 20 or more sets"):
        direct = journeysim.run(STORE, parameter_sets=sets.source, **options)
    columns = [c for c in uncertain.table.columns if c != "scenario"]
    pd.testing.assert_frame_equal(direct.table[columns], uncertain.table[columns])


def test_warns_of_a_parameter_no_target_moves_and_a_target_none_reaches(tmp_path, capsys):
    # ltr_center moves NPS only, and the targets are CES and CSAT: not identifiable. CSAT 4.9
    # is above anything the store reaches with stockouts down to 0.02 (about 4.1). CES 1.7
    # +-0.3 is reached: CES rises by about 0.08 per 0.01 of stockouts, so the window is 0.075
    # of the range's 0.18, and 8 random trials all miss it with chance 0.58^8 = 1.3% (with
    # +-0.05, 56%: it failed when the draws changed).
    code = main(
        [
            "calibrate", str(STORE),
            "--free", "loyalty.ltr_center=0.2:0.45", "--free", "shelves.stockout_prob=0.02:0.2",
            "--target", "ces=1.7+-0.3", "--target", "csat=4.9+-0.05",
            "--trials", "8", "--reps", "2", "--sampler", "random",
            "--out", str(tmp_path), "--quiet", "--workers", "2", "--no-report",
            *(text for s in SMALL for text in ("--set", s)),
        ]
    )  # fmt: skip
    assert code == 0
    said = capsys.readouterr()
    out = said.err  # warnings go to stderr with journeysim's name, as every command's (stdout)
    assert all(line.startswith("journeysim: warning: ") for line in out.splitlines())
    assert "warning" not in said.out
    assert "loyalty.ltr_center is not identifiable" in out
    assert "shelves.stockout_prob is not identifiable" not in out
    assert "target csat=4.9+-0.05 is not reached by any trial: the closest" in out
    assert "target ces" not in out
    folder = tmp_path / "calibrate-example_store-loyalty.ltr_center-shelves.stockout_prob"
    assert not (folder / "parameter_sets.csv").exists()  # nothing meets both targets
    fit = pd.read_csv(folder / "fit.csv").set_index("target")
    assert fit["within"].dtype == bool and not fit.at["csat", "within"]  # not "yes"/"no"
    # The Python API warns of the same (it kept them in result.warnings without a word).
    with warnings.catch_warnings(record=True) as caught:  # every trial is in the study already
        warnings.simplefilter("always")
        result = journeysim.calibrate(
            STORE,
            targets=["ces=1.7+-0.3", "csat=4.9+-0.05"],
            free=["loyalty.ltr_center=0.2:0.45", "shelves.stockout_prob=0.02:0.2"],
            trials=8,
            reps=2,
            sampler="random",
            out=tmp_path,
            overrides=SMALL,
            workers=2,
        )
    warned = [str(w.message) for w in caught if w.category is CalibrationWarning]
    assert warned == result.warnings and len(warned) >= 2
    assert all(f"journeysim: warning: {text}" in out.splitlines() for text in warned)


def _command(out: Path) -> list[str]:
    # M/M/c: fit the service time so that the mean wait is 1 minute (TPE, 8 trials).
    return [
        sys.executable, "-m", "journeysim.cli", "calibrate", str(MMC),
        "--free", "checkout.service_time.mean_min=1.0:5.0",
        "--target", "mean_checkout_wait_min=1.0+-0.2",
        "--trials", "8", "--reps", "2", "--days", "1", "--quiet", "--no-report",
        "--set", "horizon.warmup_days=0", "--workers", "1", "--out", str(out),
    ]  # fmt: skip


def test_a_calibration_killed_mid_way_resumes_as_if_never_stopped(tmp_path):
    env = {"JOURNEYSIM_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    killed = tmp_path / "killed"
    folder = killed / "calibrate-mmc-checkout.service_time.mean_min"
    kill_after_three_trials(_command(killed), folder, env)
    before = {t.number: t for t in complete_trials(folder)}
    assert 3 <= len(before) < 8, "kill the calibration mid-way"
    assert not (folder / "fit.csv").exists()
    assert (folder / "manifest.json").exists()  # what made the folder, from the start
    resumed = subprocess.run(
        _command(killed), env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    after = complete_trials(folder)
    kept = {t.number: t for t in after}
    assert len(after) == 8
    for number, trial in before.items():  # finished trials kept, not run again
        assert kept[number].datetime_complete == trial.datetime_complete
    whole = tmp_path / "whole"
    complete = subprocess.run(
        _command(whole), env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    uninterrupted = complete_trials(whole / folder.name)
    assert [t.params for t in after] == [t.params for t in uninterrupted]
    assert [t.values for t in after] == [t.values for t in uninterrupted]
    for name in ("fit.csv", "trials.csv"):  # the trials numbered as if never stopped
        pd.testing.assert_frame_equal(
            pd.read_csv(folder / name), pd.read_csv(whole / folder.name / name)
        )
    fitted = [
        [line for line in run.stdout.splitlines() if line.startswith("Fitted: trial")]
        for run in (resumed, complete)
    ]
    assert fitted[0] == fitted[1] and len(fitted[0]) == 1


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--free", "loyalty.ltr_center=0.2:0.4"], "at least one target"),
        (["--target", "nps=30+-3"], "at least one free parameter"),
        (["--target", "nps=30+-3", "--free", "loyalty.ltr_centre=0.2:0.4"], "ltr_centre"),
        (["--target", "promoters=30", "--free", "loyalty.ltr_center=0.2:0.4"], "expected a KPI"),
        (["--target", "nps=0+-0", "--free", "loyalty.ltr_center=0.2:0.4"], "tolerance above 0"),
        (
            ["--target", "return_rate=90", "--free", "loyalty.ltr_center=0.2:0.4"],
            "--target return_rate=90: expected a share from 0 to 1 (90% is 0.9)",
        ),
        (
            ["--target", "nps=500", "--free", "loyalty.ltr_center=0.2:0.4"],
            "--target nps=500: expected a value from -100 to 100",
        ),
        (
            ["--target", "csat=0.2", "--free", "loyalty.ltr_center=0.2:0.4"],
            "--target csat=0.2: expected a value from 1 to 5",
        ),
        (
            ["--target", "nps=30", "--target", "nps=31+-2", "--free", "loyalty.ltr_center=0:1"],
            "--target nps=30 and --target nps=31+-2: expected one target per KPI",
        ),
        (["--target", "nps=30+-3", "--free", "loyalty.ltr_center=0.4:0.2"], "LOW < HIGH"),
        (  # calibrate's users free parameters; they make no decision (optimise's word)
            ["--target", "nps=30+-3", "--free", "seed=1:9"],
            "--free seed=1:9: seed is the same in every trial (set by --seed), not a value to fit",
        ),
        (
            ["--target", "nps=30+-3", *("--free", "loyalty.ltr_center=0:1") * 2],
            "each free parameter once (got loyalty.ltr_center twice)",
        ),
        (["--targets", "missing.yaml", "--free", "loyalty.ltr_center=0.2:0.4"], "not found"),
        (
            ["--target", "return_rate=0.5", "--free", "loyalty.ltr_center=0.2:0.4", "--days", "7"],
            "argument --days: expected more than loyalty.return_window_days",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys, arguments, expected):
    code = main(["calibrate", str(STORE), *arguments, "--reps", "2", "--out", str(tmp_path)])
    error = capsys.readouterr().err.strip()
    assert code == 2 and expected in error and "\n" not in error
    assert not list(tmp_path.iterdir())  # nothing ran


HOURLY_TRUTH = {"arrivals.base_customers": 1100, "hours.weekend_factor": 1.0}  # store: 900, 1.4


def test_hourly_receipts_alone_recover_traffic_and_weekend_level(tmp_path):
    # The "observed" store has more customers (every hour busier) and weekends as busy as
    # weekdays; its receipts per opening hour, written as fit-receipts' targets.yaml, are the
    # only targets. Weekday hours identify base_customers, weekend hours then weekend_factor.
    # A twin experiment (common random numbers). Tolerance per hour: 10% of the count, at least
    # one receipt; base_customers moves weekday hours by about 1% per 10 customers, so the
    # kept set spans about +-100 customers and +-0.1 in the weekend factor, which the test
    # allows for the search's resolution in 24 trials.
    store = load_scenario(STORE, [*SMALL, *(f"{k}={v}" for k, v in HOURLY_TRUTH.items())])
    runs = pd.DataFrame([measure_hourly(store, r) for r in range(2)]).mean()
    hourly: dict[str, object] = {"open": store.hours.open}
    for kind in ("weekday", "weekend"):
        values = [float(runs[name]) for name in hourly_names(store) if kind in name]
        hourly[kind] = values
        hourly[f"{kind}_tolerance"] = [max(0.1 * v, 1.0) for v in values]
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump({"targets": {}, "hourly_receipts": hourly}))
    result = journeysim.calibrate(
        STORE,
        targets=targets,
        free=["arrivals.base_customers=600:1400", "hours.weekend_factor=0.8:1.8"],
        trials=24,
        reps=2,
        overrides=SMALL,
        out=tmp_path,
        workers=1,
    )
    fitted = result.best_params
    print(f"recovered {fitted} (truth {HOURLY_TRUTH}), {len(result.kept)} kept")
    assert len(result.fit) == 2 * store.opening_hours
    assert fitted["arrivals.base_customers"] == pytest.approx(1100, abs=100)
    assert fitted["hours.weekend_factor"] == pytest.approx(1.0, abs=0.1)
    # Root mean square over the 32 hours within a tolerance; single hours may stray by noise.
    assert result.trials["distance"].min() <= 1.0
    assert result.fit["within"].mean() >= 0.9
    assert not [w for w in result.warnings if "identifiable" in w or "reached" in w]
    effect = result.sensitivity.set_index(["parameter", "target"])["effect"]
    evening = hourly_name("weekday", store.hours.open_min + 60 * 12)
    weekend = hourly_name("weekend", store.hours.open_min + 60 * 12)
    assert effect["arrivals.base_customers", evening] > 1
    # Busier weekends draw visits from the weekdays: weekend hours move most.
    factor = effect["hours.weekend_factor"]
    assert factor[weekend] > 1 and factor[weekend] > abs(factor[evening])


def test_hourly_receipts_add_up_to_the_receipts_of_a_replication():
    # Conservation: receipts per hour times the days of each kind is every visit that bought.
    store = load_scenario(STORE, SMALL)
    rep = simulate(store, 0)
    counts = hourly_receipts(rep, store)
    weekdays = sum(not is_weekend(day) for day in range(store.horizon.days))
    total = sum(v * (weekdays if "weekday" in k else 7 - weekdays) for k, v in counts.items())
    bought = rep.visits[(rep.visits["items"] > 0) & (rep.visits["abandoned"] == "")]
    assert total == pytest.approx(len(bought))
    assert set(counts) == set(hourly_names(store))


def calibrate_with_targets_file(tmp_path: Path, data: dict) -> tuple[Path, int]:
    """A targets file written from `data`, and calibrate's exit code with it."""
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump(data))
    args = ["--targets", str(targets), "--free", "loyalty.ltr_center=0.2:0.4", "--reps", "2"]
    return targets, main(["calibrate", str(STORE), *args, "--out", str(tmp_path / "o")])


@pytest.mark.parametrize(
    "hourly, expected",
    [
        (
            {"weekday": [3.0]},
            "hourly_receipts: expected a mapping with `open` (HH:MM) and hourly lists (got a "
            "mapping without `open`)",
        ),
        ({"open": "7am", "weekday": [3.0]}, "open: expected HH:MM from 00:00 to 23:59 (got '7am')"),
        ({"open": "25:00", "weekday": [3.0]}, "open: expected HH:MM from 00:00 to 23:59"),
        ({"open": "07:75", "weekday": [3.0]}, "open: expected HH:MM from 00:00 to 23:59"),
        ({"open": 7, "weekday": [3.0]}, "open: expected HH:MM from 00:00 to 23:59 (got 7)"),
        (
            {"open": "07:00", "weekday": [3.0], "weekday_tolerance": []},
            "hourly_receipts.weekday_tolerance: expected a list of numbers, one per opening hour "
            "from open (got an empty list)",
        ),
        (
            {"open": "07:00", "weekday": [3.0], "weekday_tolerance": [1.0, 2.0]},
            "hourly_receipts.weekday_tolerance: expected as many tolerances as weekday has hours, "
            "1 (got 2)",
        ),
        (
            {"open": "07:00", "weekday": ["x"]},
            "hourly_receipts.weekday[0]: expected a number (got 'x')",
        ),
        (
            {"open": "07:00", "weekday": 5},
            "hourly_receipts.weekday: expected a list of numbers, one per opening hour from open "
            "(got 5)",
        ),
        (
            {"open": "07:00", "weekday": [3.0], "weekday_tolerance": ["a"]},
            "weekday_tolerance[0]: expected a number (got 'a')",
        ),
        (
            {"open": "07:00", "weekday": [3.0], "weekday_tolerance": [True]},
            "weekday_tolerance[0]: expected a number (got true)",
        ),
        (
            {"open": "07:00", "weekday": ["1.5"]},
            "weekday[0]: expected a number (got '1.5')",
        ),  # text
        (  # NaN was read as no tolerance, and so the default
            {"open": "07:00", "weekday": [3.0], "weekday_tolerance": [np.nan]},
            "hourly_receipts.weekday[0]: expected a finite tolerance above 0 (got nan)",
        ),
        (
            {"open": "07:00", "weekday": [3.0, np.nan]},
            "hourly_receipts.weekday[1]: expected a finite value (got nan)",
        ),
        (  # no value was said
            {"open": "07:00", "weekday": [3.0, -1]},
            "hourly_receipts.weekday[1]: expected a value of at least 0 (got -1)",
        ),
        (
            {"open": "07:00", "weekday": []},
            "weekday: expected a list of numbers, one per opening hour from open (got an empty "
            "list)",
        ),
        (  # no target
            {"open": "07:00"},
            "hourly_receipts: expected `weekday` and/or `weekend`, receipts per opening hour (got "
            "neither)",
        ),
        ({"open": "07:00", "weekday": None}, "receipts per opening hour (got weekday: null)"),
        (0, "expected a mapping with `open` (HH:MM) and hourly lists (got 0)"),  # was none
        ([], "expected a mapping with `open` (HH:MM) and hourly lists (got [])"),
        (  # a typo left the hours at the default tolerance
            {"open": "07:00", "weekday": [3.0], "weekday_tolerances": [1.0]},
            "hourly_receipts.weekday_tolerances: expected one of the keys open, weekday, weekend, "
            "weekday_tolerance, weekend_tolerance (got unknown key 'weekday_tolerances'; did you "
            "mean 'weekday_tolerance'?)",
        ),
        (  # the store opens 06:00-22:00: its last hour 21:00-22:00 is weekday[14] from 07:00
            {"open": "07:00", "weekday": [3.0] * 16},
            "hourly_receipts.weekday[15]: expected an opening hour of example_store, from 06:00 "
            "to 22:00 (got 22:00-23:00)",
        ),
    ],
)
def test_bad_hourly_receipts_are_one_line_and_exit_code_2(tmp_path, capsys, hourly, expected):
    targets, code = calibrate_with_targets_file(tmp_path, {"hourly_receipts": hourly})
    error = capsys.readouterr().err.strip()
    assert code == 2 and expected in error and "\n" not in error
    assert error.startswith(f"journeysim: {targets}: hourly_receipts")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "given, expected",
    [
        ("abc", "targets.nps: expected VALUE, 'VALUE+-TOL' or {value, tolerance} (got 'abc')"),
        ("30+-0", "targets.nps: expected a finite tolerance above 0 (got 0)"),
        ("500+-5", "targets.nps: expected a value from -100 to 100"),
        (
            "30+-1e300",
            "targets.nps: expected a tolerance below 200, the width of nps's range -100 to 100 "
            "(got 1e+300)",
        ),
        (None, "targets.nps: expected VALUE, 'VALUE+-TOL' or {value, tolerance} (got nothing)"),
        (
            {"value": None},
            "targets.nps: expected VALUE, 'VALUE+-TOL' or {value, tolerance} (got "
            '{"value": null})',
        ),
        (
            {"value": 5, "tolerance": True},
            "targets.nps: expected VALUE, 'VALUE+-TOL' or {value, tolerance} (got "
            '{"tolerance": true, "value": 5})',
        ),
        ("-5e3", "targets.nps: expected a value from -100 to 100 (got -5000)"),
    ],
)
def test_a_bad_target_in_a_file_names_the_file_and_key(tmp_path, capsys, given, expected):
    targets, code = calibrate_with_targets_file(tmp_path, {"targets": {"nps": given}})
    error = capsys.readouterr().err
    assert code == 2 and error.startswith(f"journeysim: {targets}: {expected}")
    assert error.count("\n") == 1


def test_a_kpi_targeted_twice_in_a_targets_file_is_refused(tmp_path, capsys):
    hourly = {"open": "06:00", "weekday": [3.0, 4.0]}
    data = {"targets": {"receipts_weekday_h0600": 9}, "hourly_receipts": hourly}
    targets, code = calibrate_with_targets_file(tmp_path, data)
    assert code == 2
    assert capsys.readouterr().err == (
        f"journeysim: {targets}: targets.receipts_weekday_h0600: expected one target per KPI "
        "(receipts_weekday_h0600 is also targeted by hourly_receipts)\n"
    )


def test_a_targets_file_nested_too_deeply_is_refused(tmp_path, capsys):
    """A RecursionError's traceback, where a scenario so nested is refused in a line."""
    targets = tmp_path / "targets.yaml"
    targets.write_text(f"targets: {{nps: {'[' * 5000}{']' * 5000}}}\n")
    args = ["--targets", str(targets), "--free", "loyalty.ltr_center=0.2:0.4", "--reps", "2"]
    assert main(["calibrate", str(STORE), *args, "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == f"journeysim: {targets}: expected YAML nested less deeply\n"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "targets:\n  nps: 40\n   csat: 3\n",
            "line 3, column 8: not valid YAML: mapping values are not allowed here (a line "
            "indented too far, a key without ':' above it, or a value with ': ' in it that needs "
            "quotes?)",
        ),
        ("targets: [1, 2\n", "line 2, column 1: not valid YAML: expected ',' or ']', but got"),
    ],
)
def test_a_targets_file_that_is_not_valid_yaml_names_the_line(tmp_path, capsys, text, expected):
    """As a scenario's or a study file's: it gave only PyYAML's problem (`cannot read the
    targets file (mapping values are not allowed here)`), without the line or column."""
    targets = tmp_path / "targets.yaml"
    targets.write_text(text)
    args = ["--targets", str(targets), "--free", "loyalty.ltr_center=0.2:0.4", "--reps", "2"]
    assert main(["calibrate", str(STORE), *args, "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"journeysim: {targets}: {expected}") and error.count("\n") == 1


def test_a_targets_file_larger_than_a_scenario_may_be_is_refused_unread(tmp_path, capsys):
    """A scenario or study file is refused past 1 MB; a targets file was read whole and parsed
    (7.8 MB took 6 s to be refused)."""
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  nps: 40\n" + "# padding\n" * 120_000)
    args = ["--targets", str(targets), "--free", "loyalty.ltr_center=0.2:0.4", "--reps", "2"]
    assert main(["calibrate", str(STORE), *args, "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == (
        f"journeysim: {targets}: expected a targets file of at most 1 MB (it is larger)\n"
    )


def test_targets_that_are_no_mapping_are_refused_even_when_falsy(tmp_path, capsys):
    """`targets: 0` was read as no targets (only null and {} are none)."""
    data = {"targets": 0, "hourly_receipts": {"open": "06:00", "weekday": [3.0]}}
    targets, code = calibrate_with_targets_file(tmp_path, data)
    assert code == 2 and capsys.readouterr().err == (
        f"journeysim: {targets}: targets: expected a mapping of KPIs to observed values (got 0)\n"
    )


@pytest.mark.parametrize(
    "data, keys",
    [
        ({"targets": None}, "targets"),
        ({"targets": {}}, "targets"),
        ({"targets": None, "hourly_receipts": None}, "targets, hourly_receipts"),
    ],
)
def test_a_targets_file_without_a_target_is_named_with_its_keys(tmp_path, capsys, data, keys):
    """Blamed on --target, which was never given."""
    targets, code = calibrate_with_targets_file(tmp_path, data)
    assert code == 2 and capsys.readouterr().err == (
        f"journeysim: {targets}: {keys}: expected at least one target (got none)\n"
    )


def test_an_unknown_key_in_a_targets_file_is_refused(tmp_path, capsys):
    data = {"targets": {"nps": "30+-3"}, "taregts": {"csat": 4}}
    targets, code = calibrate_with_targets_file(tmp_path, data)
    assert code == 2
    assert capsys.readouterr().err == (
        f"journeysim: {targets}: taregts: expected one of the keys targets, hourly_receipts, "
        "source, scenario, observed (got unknown key 'taregts'; did you mean 'targets'?)\n"
    )


def test_an_hourly_target_outside_the_opening_hours_is_refused(tmp_path, capsys):
    args = ["--target", "receipts_weekday_h0300=4+-1", "--free", "loyalty.ltr_center=0.2:0.4"]
    code = main(["calibrate", str(STORE), *args, "--reps", "2", "--out", str(tmp_path)])
    assert code == 2 and capsys.readouterr().err == (
        "journeysim calibrate: error: argument --target receipts_weekday_h0300=4+-1: expected an "
        "opening hour of example_store, from 06:00 to 22:00 (got 03:00-04:00)\n"
    )


@pytest.mark.parametrize(
    "target, options, days",
    [
        ("receipts_weekend_h0800", ["--days", "3"], "0 to 2"),  # no warm-up: Monday to Wednesday
        ("receipts_weekday_h0800", ["--days", "2", "--set", "horizon.warmup_days=5"], "5 to 6"),
    ],
)
def test_an_hourly_target_of_days_the_run_does_not_measure_is_refused(
    tmp_path, capsys, target, options, days
):
    """Refused before the first trial (every trial failed on a NaN mean, and stayed in the
    study as a failed trial), as a problem of the --target option that gave it, as an hour
    the store does not open is."""
    args = ["--target", f"{target}=4+-1", "--free", "loyalty.ltr_center=0.2:0.4", *options]
    code = main(["calibrate", str(STORE), *args, "--reps", "2", "--out", str(tmp_path / "o")])
    day = "weekday" if "weekday" in target else "weekend day"
    assert code == 2 and capsys.readouterr().err == (
        f"journeysim calibrate: error: argument --target {target}=4+-1: the run measures days "
        f"{days} (day 0 is a Monday), none a {day}; give --days 7 or more\n"
    )
    assert not (tmp_path / "o").exists()


def test_an_hourly_target_of_days_the_run_does_not_measure_names_its_file_and_key(tmp_path, capsys):
    """A calibration file's target, or a targets file's hour, of a kind of day the run does
    not measure was named as `target receipts_weekend_h0800: the run measures days 0 to 2
    ...`, not by the file and key that gave it, as the module's other errors are; and it asked
    for `--days 7` where the file's own `days:` had set the run's days."""
    spec = tmp_path / "calibrate.yaml"
    spec.write_text(
        f"scenario: {STORE}\ntargets:\n  nps: 36\n  receipts_weekend_h0800: 4+-1\n"
        "free:\n  loyalty.ltr_center: 0.2:0.4\nreps: 2\ndays: 3\n"
    )
    code = main(["calibrate", str(spec), "--out", str(tmp_path / "o")])
    assert code == 2 and capsys.readouterr().err == (
        f"journeysim: {spec}: targets.receipts_weekend_h0800: the run measures days 0 to 2 (day "
        f"0 is a Monday), none a weekend day; set days: 7 or more in {spec} (or give --days 7 "
        "or more)\n"
    )
    targets = tmp_path / "targets.yaml"
    targets.write_text("hourly_receipts: {open: '08:00', weekday: [3], weekend: [4, 5]}\n")
    spec.write_text(
        f"scenario: {STORE}\ntargets: targets.yaml\nfree:\n  loyalty.ltr_center: 0.2:0.4\n"
    )
    code = main(["calibrate", str(spec), "--reps", "2", "--days", "3", "--out", str(tmp_path)])
    assert code == 2 and capsys.readouterr().err == (
        f"journeysim: {targets}: hourly_receipts.weekend[0]: the run measures days 0 to 2 (day 0 "
        "is a Monday), none a weekend day; give --days 7 or more\n"
    )


@pytest.mark.parametrize(
    "text, tolerance",
    [
        ("nps=0", 1.0),  # a target of 0 is legitimate: the KPI's floor, a point of NPS
        ("nps=36", 1.8),  # 5% of the value where that is above the floor
        ("return_rate=0", 0.005),
        ("mean_checkout_wait_min=0", 0.1),
        ("complaints_per_day=0", 1.0),  # other KPIs: one unit
        ("receipts_weekday_h0800=3", 1.0),  # receipts in an hour: one receipt, as before
        ("nps=0+-0.5", 0.5),  # a given tolerance is kept
    ],
)
def test_the_default_tolerance_has_a_floor_per_kpi(text, tolerance):
    assert parse_target(text).tolerance == pytest.approx(tolerance)


@pytest.mark.parametrize("text", ["return_rate=1", "return_rate=0", "nps=-100", "csat=5"])
def test_a_target_at_the_end_of_a_kpis_range_is_allowed(text):
    assert parse_target(text).text.startswith(f"{text}+-")


def test_a_target_given_on_the_command_line_replaces_the_files(tmp_path):
    # One target per KPI: --target nps replaces targets.yaml's nps (documented), while the
    # same KPI twice on the command line is refused (test_bad_input_is_one_line...).
    targets = tmp_path / "targets.yaml"
    targets.write_text("targets:\n  nps: {value: 30, tolerance: 3}\n  csat: 4.1\n")
    code = main(
        [
            "calibrate", str(STORE), "--targets", str(targets), "--target", "nps=0",
            "--free", "loyalty.ltr_center=0.2:0.4", "--trials", "2", "--reps", "2",
            "--out", str(tmp_path), "--quiet", "--no-report", "--workers", "1",
            *(x for item in SMALL for x in ("--set", item)),
        ]
    )  # fmt: skip
    assert code == 0
    (folder,) = tmp_path.glob("calibrate-*")
    fit = pd.read_csv(folder / "fit.csv").set_index("target")
    assert sorted(fit.index) == ["csat", "nps"]
    assert (fit.loc["nps", "observed"], fit.loc["nps", "tolerance"]) == (0.0, 1.0)
    assert parse_targets(["nps=0", "csat=4"]) == (parse_target("nps=0"), parse_target("csat=4"))


FREE = "free: {checkout.service_time.mean_min: '1.0:3.0'}\n"
TARGETS = "targets: {mean_checkout_wait_min: 1.0}\n"
QUICK = ["--set", "horizon.warmup_days=0", "--set", "horizon.burn_in_days=0", "--days", "1"]


def test_a_calibration_extended_and_stopped_leaves_no_fit_of_fewer_trials(tmp_path, monkeypatch):
    """fit.csv, calibrated.yaml, parameter_sets.csv, sensitivity.csv, fit.png and report.html
    of the finished calibration of 2 trials stayed beside a trials.csv that an extension to 4,
    stopped by Ctrl-C, went on to rewrite: the fit and kept sets of 2 trials, taken for the
    extended one's. They are written again when it ends."""
    argv = ["calibrate", str(MMC), "--free", "checkout.service_time.mean_min=1.8:2.2"]
    argv += ["--target", "mean_checkout_wait_min=0.7+-1", "--reps", "2", *QUICK, "--quiet"]
    argv += ["--workers", "1", "--out", str(tmp_path)]
    fit = ["fit.csv", "calibrated.yaml", "parameter_sets.csv", "sensitivity.csv", "fit.png"]
    check_a_stopped_extension(argv, [*fit, "report.html"], tmp_path, monkeypatch)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("reps: 1\n", "reps: calibrate needs at least 2 replications per trial"),
        ("days: 0\n", "days: horizon.days: expected a whole number from 1"),
        (  # was blamed on the scenario's horizon.days
            "targets: {return_rate: 0.5}\nreps: 2\ndays: 1\n",
            "days: expected more than loyalty.return_window_days (14) to measure return_rate "
            "(got 1)\n",
        ),
        ("seed: -2\n", "seed: expected a whole number from 0"),
        ("set: checkout.cashiers=-1\n", "set: checkout.cashiers: expected a whole number"),
        ("trials: 0\n", "trials: expected a whole number from 2 to 10,000 (got 0)"),
        ("trials: 10001\n", "trials: expected a whole number from 2 to 10,000 (got 10001)"),
        ("sampler: grid\n", "sampler: expected one of tpe, random (got 'grid')"),
        ("sampler: [tpe]\n", "sampler: expected one of tpe, random (got ['tpe'])"),
        (
            "free: {checkout.service_time.mean: '1:3'}\n",
            "free.checkout.service_time.mean: expected one of",
        ),
        ("free: {checkout.service_time.mean_min: '3:1'}\n", "free.checkout.service_time.mean_min"),
    ],
)
def test_a_bad_setting_in_a_calibration_file_names_the_file_and_key(
    tmp_path, capsys, body, expected
):
    # A setting the file gives is named by the file and its key, not by the option of the same
    # name.
    study = tmp_path / "calibration.yaml"
    free = "" if body.startswith("free:") else FREE
    targets = "" if body.startswith("targets:") else TARGETS
    study.write_text(f"scenario: {MMC}\n{targets}{free}{body}")
    code = main(["calibrate", str(study), "--out", str(tmp_path / "out")])
    error = capsys.readouterr().err
    assert (code, error.count("\n")) == (2, 1)
    assert error.startswith(f"journeysim: {study}: {expected}")
    assert not (tmp_path / "out").exists()  # nothing ran


@pytest.mark.parametrize(
    "given, expected",
    [
        (
            ["--free", "payment.cash_share=0.1,0.10,1e-1"],
            "journeysim calibrate: error: argument --free payment.cash_share=0.1,0.10,1e-1: each "
            "value once "
            "(got 0.1 and 0.10 and 1e-1, the same number)",
        ),
        (
            ["--free", "checkout.single_queue=true,false,True"],
            "journeysim calibrate: error: argument --free checkout.single_queue=true,false,True: "
            "each value once "
            "(got true and True, the same value)",
        ),
        (
            "free: {checkout.single_queue: [true, false, True]}\n",
            "journeysim: {study}: free.checkout.single_queue: each value once (got true more than "
            "once)",
        ),
    ],
    ids=["option-number", "option-boolean", "file"],
)
def test_a_choice_given_twice_after_yaml_reads_it_is_refused(tmp_path, capsys, given, expected):
    study = tmp_path / "calibration.yaml"
    if isinstance(given, str):
        study.write_text(f"scenario: {MMC}\n{TARGETS}{given}")
    argv = [str(study)] if isinstance(given, str) else [str(MMC), "--target", "nps=30", *given]
    code = main(["calibrate", *argv, "--out", str(tmp_path / "out")])
    assert (code, capsys.readouterr().err) == (2, f"{expected.format(study=study)}\n")
    assert not (tmp_path / "out").exists()  # nothing ran


@pytest.mark.parametrize("targets", ["targets: {}\n", "targets:\n"])
def test_a_calibration_file_without_a_target_is_named_with_its_key(tmp_path, capsys, targets):
    """Blamed on --target, which was never given."""
    study = tmp_path / "calibration.yaml"
    study.write_text(f"scenario: {MMC}\n{targets}{FREE}")
    assert main(["calibrate", str(study), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"journeysim: {study}: targets: calibrate needs at least one target (KPI=VALUE+-TOL)\n"
    )


def test_a_calibration_files_sampler_null_is_the_default(tmp_path):
    """`sampler: null` read as the sampler 'None', refused as --sampler's; a file's null is
    the default, as for trials, reps, days and seed."""
    study = tmp_path / "calibration.yaml"
    study.write_text(f"scenario: {MMC}\n{TARGETS}{FREE}sampler: null\n")
    assert read_calibration_file(study).sampler == "tpe"


def test_options_overriding_a_calibration_file_are_named_as_options(tmp_path, capsys):
    study = tmp_path / "calibration.yaml"
    study.write_text(f"scenario: {MMC}\n{TARGETS}{FREE}reps: 3\nsampler: random\n")
    out = ["--out", str(tmp_path / "out")]
    assert main(["calibrate", str(study), "--reps", "1", *out]) == 2
    refused = "journeysim calibrate: error: argument --reps: calibrate needs at least 2"
    assert capsys.readouterr().err.startswith(refused)
    assert main(["calibrate", str(study), "--sampler", "grid", *out]) == 2
    refused = "journeysim calibrate: error: argument --sampler: expected one of tpe"
    assert capsys.readouterr().err.startswith(refused)


def test_a_study_db_of_another_program_is_refused_and_left_as_it_was(tmp_path, capsys):
    folder = tmp_path / "calibrate-mmc-checkout.service_time.mean_min"
    folder.mkdir()
    db = folder / "study.db"
    content, mtime = another_programs_database(db, ["receipts"])
    args = [
        "--free",
        "checkout.service_time.mean_min=1.0:3.0",
        "--target",
        "mean_checkout_wait_min=1",
    ]
    code = main(["calibrate", str(MMC), *args, "--reps", "2", "--out", str(tmp_path), *QUICK])
    error = capsys.readouterr().err
    assert (code, error.count("\n")) == (2, 1)
    assert error.startswith(f"journeysim: {db}: expected the study's SQLite database (it holds")
    assert (db.read_bytes(), db.stat().st_mtime_ns) == (content, mtime)
    assert sorted(p.name for p in folder.iterdir()) == ["study.db", "study.lock"]  # nothing ran


def test_the_fit_chart_writes_a_share_in_percent_in_every_panel_of_its_row():
    """The return rate's first panel read 94.00% and the others 0.94 (audit 28)."""
    targets = [parse_target("return_rate=0.94+-0.02"), parse_target("nps=30+-5")]
    free = [parse_decision(text) for text in ("loyalty.ltr_center=0.2:0.4", "x.y=1:3")]
    trials = pd.DataFrame(
        {
            "trial": [0, 1],
            "loyalty.ltr_center": [0.25, 0.35],
            "x.y": [1, 2],
            "return_rate_mean": [0.93, 0.95],
            "nps_mean": [28.0, 33.0],
            "kept": [False, True],
        }
    )
    result = SimpleNamespace(
        plan=SimpleNamespace(targets=targets, free=free), trials=trials, best=1
    )
    axes = fit_plot(result).axes
    for ax in axes[:2]:  # the return rate's row
        ax.figure.canvas.draw()
        ticks = [tick.get_text() for tick in ax.get_yticklabels() if tick.get_text()]
        assert ticks and all(text.endswith("%") for text in ticks), ticks
    assert [ax.get_ylabel() for ax in axes[:2]] == ["Return rate (%)", ""]


def test_the_fitted_star_is_drawn_whole_where_it_is_the_lowest_point():
    """The example calibration's fitted trial had the lowest return rate (89.8% against trials
    of 92.1 to 94.0%): its star sat on the panel's lower edge, cut in half by the axes."""
    targets = [parse_target("return_rate=0.9293+-0.0134")]
    free = [parse_decision("loyalty.routine_value=0.1:0.5")]
    trials = pd.DataFrame(
        {
            "trial": [0, 1, 2, 3],
            "loyalty.routine_value": [0.234, 0.474, 0.481, 0.25],
            "return_rate_mean": [0.8977, 0.9335, 0.9398, 0.9212],
            "kept": [False, False, False, False],
        }
    )
    result = SimpleNamespace(
        plan=SimpleNamespace(targets=targets, free=free), trials=trials, best=0
    )
    (ax,) = fit_plot(result).axes
    ax.figure.canvas.draw()
    (star,) = [line for line in ax.get_lines() if line.get_label() == "fitted"]
    radius = star.get_markersize() / 2 * ax.figure.dpi / 72
    _, y = ax.transData.transform((0.234, 0.8977))
    inside = ax.bbox.y0 + radius <= y <= ax.bbox.y1 - radius
    assert inside or not star.get_clip_on()


@pytest.mark.parametrize(
    ("mean", "said", "tolerance"),
    [
        (5.7, "1.01", 0.942),
        (5.6921, "1.01", 0.942),
        (6.634, "2.00", 0.942),
        (7.24818, "2.65", 0.942),
        (5.0, "2.5e+299", 1e-300),
    ],
)
def test_a_target_not_reached_never_reads_as_within_its_tolerance(mean, said, tolerance):
    """5.7 against 4.75 +- 0.942 is 1.008 tolerances off: said 1.01; 1.0001 off is 1.01 too,
    never 1.00, which would read as reached; otherwise two decimals as the fit table gives
    them, 2 off (1.884 / 0.942) 2.00 and 2.652 off 2.65; a tolerance of 1e-300 is missed by
    some 10^300 tolerances, said in three figures (not in 301 digits)."""
    target = Target("nps", 4.75, tolerance)
    trials = pd.DataFrame({"trial": [4, 5], "nps_mean": [mean, 9.0], "kept": [False, False]})
    (*_, found) = calibration_warnings(trials, pd.DataFrame(), [], [target])
    assert f"the closest, trial 4, gives {mean:.3g} ({said} tolerances off)" in found


def test_a_real_key_ranged_between_whole_numbers_is_searched_over_reals(tmp_path):
    """`--free payment.cash_share=0:1` searched the integers {0, 1}: 2 trials for --trials 4
    (fuzz D6); a probability's range is of reals, as in sweep."""
    args = ["--free", "payment.cash_share=0:1", "--trials", "4", "--quiet", "--no-report"]
    args += ["--target", "mean_checkout_wait_min=1+-0.5", "--reps", "2", *QUICK]
    assert main(["calibrate", str(MMC), *args, "--out", str(tmp_path)]) == 0
    (folder,) = tmp_path.iterdir()
    values = pd.read_csv(folder / "trials.csv")["payment.cash_share"]
    assert len(values) == 4 and not set(values) <= {0, 1}


@pytest.mark.parametrize(
    ("free", "expected"),
    [
        ("2:3.5", "checkout.cashiers is a whole number: expected whole ends LOW:HIGH (got 2:3.5)"),
        ("1:1e9", "checkout.cashiers: expected a whole number from 0 to 200 (got 1000000000)"),
    ],
)
def test_a_whole_number_keys_range_is_refused_naming_its_bad_end(tmp_path, capsys, free, expected):
    """`--free checkout.cashiers=2:3.0` was refused as "(got 2.0)" (fuzz D5)."""
    args = ["--free", f"checkout.cashiers={free}", "--target", "nps=30+-3", "--reps", "2"]
    assert main(["calibrate", str(MMC), *args, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"journeysim calibrate: error: argument --free checkout.cashiers={free}: {expected}\n"
    )
    assert not list(tmp_path.iterdir())  # nothing ran


def test_a_target_far_narrower_than_any_trial_is_missed_not_an_overflow(tmp_path, capsys):
    """A tolerance of 1e-300 puts every trial some 10^300 tolerances off: the fit's distance
    stays finite (its square overflowed, first into a traceback, then to inf, which left the
    fitted trial to chance), the fitted trial is the closest, and the table and the warning
    give its tolerances off in three figures (not in 301 digits)."""
    args = ["--free", "checkout.service_time.mean_min=1.0:3.0", "--trials", "3", "--quiet"]
    args += ["--target", "mean_checkout_wait_min=1+-1e-300", "--reps", "2", *QUICK]
    assert main(["calibrate", str(MMC), *args, "--out", str(tmp_path)]) == 0
    (folder,) = tmp_path.iterdir()
    trials = pd.read_csv(folder / "trials.csv")
    off = (trials["mean_checkout_wait_min_mean"] - 1).abs() / 1e-300
    assert np.isfinite(trials["distance"]).all() and off.nunique() == 3
    assert trials["distance"].to_numpy() == pytest.approx(off.to_numpy(), rel=1e-12)
    closest = trials.loc[off.idxmin()]
    fitted = yaml.safe_load((folder / "calibrated.yaml").read_text())["checkout"]
    assert fitted["service_time"]["mean_min"] == closest["checkout.service_time.mean_min"]
    said = "".join(capsys.readouterr())
    closest_off = f"{off.min():.3g}"
    assert f"trial {int(closest['trial'])}, gives" in said
    assert f"({closest_off} tolerances off)" in said
    assert re.search(rf"\s{re.escape(closest_off)}\s+no\s", said)  # the fit table's row


def test_a_target_changed_past_its_third_figure_is_refused(tmp_path):
    """A study stored its targets as their text, whose tolerance has three figures: resumed
    with revenue_per_day's tolerance 418.4 instead of 418 (receipts fitted again), it went on
    with trials scored on the old one."""
    spec = CalibrateSpec(
        MMC,
        free=(parse_decision("checkout.service_time.mean_min=1.0:3.0"),),
        targets=(parse_target("revenue_per_day=20000+-418"),),
        trials=2,
        reps=2,
        days=1,
    )
    Calibration(plan_calibration(spec), tmp_path).pending()  # makes it, runs nothing
    changed = spec.updated(targets=(parse_target("revenue_per_day=20000+-418.4"),))
    with pytest.raises(DesignError, match=r"holds a different study \(targets differ\): remove"):
        Calibration(plan_calibration(changed), tmp_path).pending()


def test_more_trials_extend_a_study_even_once_they_cover_every_combination(tmp_path, capsys):
    """3 trials of 4 tills' counts run TPE; --trials 4 covers the space, so the rest run
    brute force, and the study was refused as another ("sampler differs") though only the
    count of trials had grown. It stores the sampler asked for, and goes on."""
    args = ["calibrate", str(MMC), "--free", "checkout.cashiers=3:6", "--reps", "2", "--quiet"]
    args += ["--target", "mean_checkout_wait_min=1+-0.5", *QUICK, "--out", str(tmp_path)]
    assert main([*args, "--trials", "3"]) == 0
    assert "3 trials (0 already done), tpe sampler" in capsys.readouterr().out
    assert main([*args, "--trials", "4"]) == 0
    assert "4 trials (3 already done), brute-force sampler" in capsys.readouterr().out
    (folder,) = tmp_path.iterdir()
    assert len(pd.read_csv(folder / "trials.csv")) == 4


def test_trials_whose_histories_are_too_short_are_warned_of_once(tmp_path, capfd):
    """The docs' calibration printed its four-line warning of a history too short once per
    trial, 16 times, each with its own count of leavers, and then once per worker of each
    trial; a study now says it once, with how many of its trials it concerns (capfd: the
    workers' output too)."""
    args = ["calibrate", str(STORE), "--free", "arrivals.new_per_day=0.5:1.0", "--reps", "2"]
    args += ["--target", "visits_per_day=100+-50", "--trials", "3", "--quiet", "--workers", "2"]
    args += ["--set", "horizon.burn_in_days=14", "--days", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    err = capfd.readouterr().err
    assert "days of history (horizon.burn_in_days) saw" not in err
    assert err.count("started from a history too short") == 1
    said = "3 trials started from a history too short for a steady customer base"
    assert said in err
    # The report repeats it, as it repeats every warning printed about its results: it gave
    # the fit's own warnings alone.
    (report,) = tmp_path.glob("*/report.html")
    assert said in html.unescape(report.read_text())


def test_an_interrupted_trial_is_not_counted_as_run_from_a_short_history(
    tmp_path, capfd, monkeypatch
):
    """Stopped during its 5th trial, a study said "5 trials run here started from a history
    too short", where 4 had run: the trial was counted as it began. Resumed, it counted only
    the trials of the resumed run, so its warning and report depended on where it stopped."""
    from journeysim.study import trial_study

    started = []

    def run_replications(*args):
        started.append(True)
        if len(started) == 2:
            raise KeyboardInterrupt  # the second trial, as it begins
        yield from original(*args)

    original = trial_study.run_replications
    monkeypatch.setattr(trial_study, "run_replications", run_replications)
    args = ["calibrate", str(STORE), "--free", "arrivals.new_per_day=0.5:1.0", "--reps", "2"]
    args += ["--target", "visits_per_day=100+-50", "--trials", "3", "--quiet", "--workers", "1"]
    args += ["--set", "horizon.burn_in_days=14", "--days", "1", "--out", str(tmp_path)]
    assert main(args) == 130
    assert "1 trial started from a history too short" in capfd.readouterr().err
    monkeypatch.setattr(trial_study, "run_replications", original)
    for _ in range(2):  # resumed, and then with every trial done: the whole study's count
        assert main(args) == 0
        assert "3 trials started from a history too short" in capfd.readouterr().err
        (report,) = tmp_path.glob("*/report.html")
        assert "3 trials started from a history too short" in html.unescape(report.read_text())


@pytest.mark.parametrize(
    ("free", "values", "best", "kept", "said"),
    [
        # TPE drawn towards a fit beyond the range: 0.5039 is 0.8% of the range from its end.
        ("arrivals.new_per_day=0.5:1.0", [0.5039, 0.7, 0.9], 0, [0, 1], ["fitted lower"]),
        ("arrivals.new_per_day=0.5:1.0", [0.5039, 0.7, 0.9], 1, [0, 1], ["kept lower"]),
        ("arrivals.new_per_day=0.5:1.0", [0.5039, 0.7, 0.9], 1, [0], []),  # one kept: no set
        ("arrivals.new_per_day=0.5:1.0", [0.52, 0.7, 0.995], 1, [1], []),  # 4% in; not kept
        ("checkout.cashiers=3:6", [6, 5, 4], 0, [], ["fitted upper"]),
        ("checkout.cashiers=3:6", [6, 5, 4], 1, [], []),  # whole numbers: only on the end
        ("checkout.cashiers=3,4,6", ["6", "4", "3"], 0, [], []),  # choices have no ends
    ],
)
def test_a_fit_or_kept_set_at_the_end_of_a_range_is_warned_about(free, values, best, kept, said):
    decision = parse_decision(free)
    trials = pd.DataFrame({"trial": [0, 1, 2], decision.name: values, "nps_mean": [5.0] * 3})
    trials["kept"] = trials["trial"].isin(kept)
    target = Target("nps", 5.0, 1.0)
    effects = pd.DataFrame(columns=["parameter", "target", "effect"])  # none known
    found = calibration_warnings(trials, effects, [decision], [target], best)
    edges = [text for text in found if " end of " in text]
    expected = []
    for what in said:
        whose, end = what.split()
        if whose == "fitted":
            value = f"{values[best]:.4g}"
            expected.append(
                f"the fitted {decision.name}={value} is at the {end} end of its range "
                f"({decision.low:.4g} .. {decision.high:.4g}): the best fit may lie beyond it; "
                "widen the range if values there are plausible"
            )
        else:
            expected.append(
                f"the kept sets reach the {end} end of {decision.name}'s range "
                f"({decision.low:.4g} .. {decision.high:.4g}): the set may go on beyond it; "
                "widen the range if values there are plausible"
            )
    assert edges == expected


def test_a_fit_its_replications_cannot_tell_within_tolerance_is_warned_about():
    # Revenue 14,746 [12,726, 16,766] against 14,791 +- 496 is "within" by its mean, yet its
    # CI is four tolerances wide on each side; visits 162 [157, 166] against +-5 is not wide.
    fit = pd.DataFrame(
        {
            "target": ["visits_per_day", "revenue_per_day", "return_rate"],
            "tolerance": [5.0, 496.0, 0.0137],
            "simulated_mean": [161.5, 14_746.0, 0.9205],
            "ci_low": [157.0, 12_726.0, 0.882],
            "ci_high": [166.0, 16_766.0, 0.959],
        }
    )
    assert precision_warning(fit) == (
        "2 of 3 targets have a 95% CI at the fitted trial wider than their tolerance (most: "
        "revenue_per_day +-2,020 against +-496), so its replications cannot tell whether they "
        "are within; more replications (--reps) narrow it"
    )
    assert precision_warning(fit.iloc[[0, 2]]) == (
        "1 of 2 targets has a 95% CI at the fitted trial wider than its tolerance ("
        "return_rate +-0.0385 against +-0.0137), so its replications cannot tell whether it "
        "is within; more replications (--reps) narrow it"
    )
    assert precision_warning(fit.iloc[1:2]).startswith(
        "the target has a 95% CI at the fitted trial wider than its tolerance (revenue_per_day"
    )
    assert precision_warning(fit.iloc[:1]) is None
    one_replication = fit.assign(ci_low=np.nan, ci_high=np.nan)  # no CI: nothing to tell
    assert precision_warning(one_replication) is None


def test_a_precision_warning_measures_a_ci_cut_at_zero_by_its_whole_side():
    """Receipts 9.3 [0, 20.7] (the t-interval's lower end, -2.1, cut at 0 receipts) read
    "+-10.4", half the cut interval, where the interval reaches 11.4 either side."""
    fit = pd.DataFrame(
        {
            "target": ["receipts_weekday_h1400"],
            "tolerance": [0.667],
            "simulated_mean": [9.3],
            "ci_low": [0.0],
            "ci_high": [20.74],
        }
    )
    assert "(receipts_weekday_h1400 +-11.4 against +-0.667)" in precision_warning(fit)


def test_the_parameter_table_lists_choices_rather_than_spanning_them():
    # "--free checkout.reneging=true,false" read "range: true .. false", "kept: true .. true".
    choice, span = parse_decision("checkout.reneging=true,false"), parse_decision("x.y=1:3")
    trials = pd.DataFrame(
        {"trial": [0, 1, 2], choice.name: ["true", "false", "true"], span.name: [1.5, 2.5, 2.0]}
    )
    trials["kept"] = [True, False, True]
    result = SimpleNamespace(
        plan=SimpleNamespace(free=[choice, span]),
        trials=trials,
        kept=trials[trials["kept"]],
        best_params={choice.name: "true", span.name: 1.5},
    )
    header, rows = parameter_rows(result)
    assert rows == [
        ["checkout.reneging", "true, false", "true", "true"],
        ["x.y", "1.0 .. 3.0", "1.5", "1.5 .. 2"],  # real: x.y is in no scenario
    ]
    assert header[-1] == "kept (2 sets)"


def test_a_target_undefined_in_a_trial_says_why(tmp_path, capsys):
    args = ["--target", "lifetime_days=100", "--free", "checkout.cashiers=2:3", "--reps", "2"]
    args += ["--quiet", "--no-report", "--workers", "1", "--out", str(tmp_path)]
    assert main(["calibrate", str(MMC), *args, *QUICK]) == 2
    assert capsys.readouterr().err == (
        f"journeysim: target lifetime_days is undefined in the simulated runs: {NO_LIFETIME_WHY}\n"
    )
