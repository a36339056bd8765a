"""Sweeps: design sizes, Sobol' indices, validation before running, and resuming after SIGKILL
with exactly the rows of an uninterrupted sweep."""

from __future__ import annotations

import csv
import html
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest.mock import ANY

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

import journeysim
from journeysim.errors import InputError
from journeysim.simulation.failures import ReplicationFailed
from journeysim.simulation.kpis import part_week_warning
from journeysim.simulation.measure import METRICS
from journeysim.study import sweep as sweep_module
from journeysim.study.calibrate_spec import read_calibration_file
from journeysim.study.decisions import parse_decision
from journeysim.study.designs import DesignError, check_once, parse_vary, vary_from_yaml
from journeysim.study.optimise_spec import read_optimise_file
from journeysim.study.sensitivity import COLUMNS as SOBOL_COLUMNS
from journeysim.study.sensitivity import SobolWarning, noise_share, noise_warning
from journeysim.study.sweep import FailedRunsWarning, KeptRunsWarning, Sweep, plan_sweep
from journeysim.study.sweep_spec import SweepSpec, read_sweep_file

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = (
    "arrivals.base_customers=300",
    "horizon.burn_in_days=0",
)


def plan(*vary: str, design: str = "grid", samples: int | None = None, **options):
    spec = SweepSpec(BASELINE, tuple(map(parse_vary, vary)), design, samples, overrides=SMALL)
    return plan_sweep(spec.updated(**options))


# Designs


def test_grid_crosses_every_value_in_order():
    p = plan("checkout.cashiers=2,3,4", "shelves.stockout_prob=0.05,0.1")
    assert p.values == [[c, s] for c in (2, 3, 4) for s in (0.05, 0.1)]
    assert [p.point(i).checkout.cashiers for i in range(6)] == [2, 2, 3, 3, 4, 4]


def test_latin_hypercube_has_samples_points_one_per_stratum():
    p = plan("shelves.stockout_prob=0.0:0.2", "checkout.cashiers=2:5", design="lhs", samples=8)
    assert len(p.values) == 8
    stockout = sorted(v[0] for v in p.values)
    # Latin hypercube: exactly one of the 8 samples in each eighth of the range.
    assert [int(v / 0.025) for v in stockout] == list(range(8))
    assert {v[1] for v in p.values} <= {2, 3, 4, 5}  # an integer key gets integers in range
    assert all(isinstance(v[1], int) for v in p.values)


def test_sobol_design_has_samples_times_parameters_plus_two_points():
    vary = ("shelves.stockout_prob=0.02:0.2", "carts.worn_share=0:0.5", "checkout.cashiers=2:4")
    p = plan(*vary, design="sobol", samples=4)
    assert len(p.values) == 4 * (3 + 2)  # Saltelli without second-order terms
    assert all(0.02 <= v[0] <= 0.2 and 0 <= v[1] <= 0.5 and v[2] in (2, 3, 4) for v in p.values)


def test_grid_values_that_hold_commas_are_whole_values():
    """`--vary 'checkout.service_time={dist: lognormal, mean_min: 3, sd_min: 1},{...}'` was cut
    at every comma and refused ("got mean_min: 3 more than once"), though the values are YAML
    and a sweep file takes them: a comma inside a value's braces, brackets or quotes is the
    value's own."""
    times = "{dist: lognormal, mean_min: 3, sd_min: 1},{dist: gamma, mean_min: 3, sd_min: 1}"
    p = plan(f"checkout.service_time={times}", "payment.cash_share=0.1, 0.2")
    points = [p.point(i) for i in (0, 3)]
    shapes = [(point.checkout.service_time.dist, point.payment.cash_share) for point in points]
    assert len(p.values) == 4 and shapes == [("lognormal", 0.1), ("gamma", 0.2)]
    assert parse_vary('name="a,b",c').values == ('"a,b"', "c")
    assert parse_vary("x.y=[3, 4],[2, 5]").values == ("[3, 4]", "[2, 5]")
    assert parse_decision("x.y={active: false},{active: true, open_above: 1}").choices == (
        "{active: false}",
        "{active: true, open_above: 1}",
    )
    with pytest.raises(DesignError, match=r"each value once \(got 2 more than once\)"):
        parse_vary("x.y=2,{a: 1},2")


def test_one_time_of_day_is_one_value_not_a_range():
    """`--vary hours.close=22:00` was read as the range 22 to 0 and refused ("expected finite
    numbers LOW < HIGH (got 22:0)"), where a list of times was taken: a key that holds a time
    of day takes one as a value, from the command line and a sweep file; a number's LOW:HIGH
    is still a range."""
    p = plan("hours.close=22:00", "checkout.cashiers=2,3")
    assert p.values == [["22:00", 2], ["22:00", 3]] and p.point(1).hours.close == "22:00"
    start = vary_from_yaml("payment.outages.1.start", "09:30", "s.yaml")
    assert (start.values, start.bounds) == (("09:30",), None)
    assert parse_vary("checkout.service_time.mean_min=2:10").bounds == (2.0, 10.0)


@pytest.mark.parametrize(
    ("vary", "design", "samples", "message"),
    [
        (("checkout.cashiers=2:4",), "grid", None, "need --design lhs or sobol"),
        (("checkout.cashiers=2,3",), "lhs", 4, "needs a range"),
        (("shelves.stockout_prob=0:0.1",), "sobol", 6, "power of 2"),
        (("shelves.stockout_prob=0:0.1",), "sobol", 1, "power of 2 from 2 on"),  # no CI
        (("shelves.stockout_prob=0:0.1",), "lhs", None, "needs --samples"),
        (("checkout.cashiers=2,3", "checkout.cashiers=4"), "grid", None, "each key once"),
    ],
)
def test_design_errors_say_what_to_do(vary, design, samples, message):
    with pytest.raises(DesignError, match=message):
        plan(*vary, design=design, samples=samples)


def test_a_sobol_design_that_never_changes_a_whole_number_key_is_refused():
    """--samples 2 of cashiers 2:4 drew 3 in both samples (A, B) of the first base sample and 2
    in both of the second: every point from one base sample had the same cashiers, and every
    index of cashiers read 0.000 +- 0.000, sure and wrong (its one key moved NPS by 8)."""
    with pytest.raises(DesignError) as caught:
        plan("checkout.cashiers=2:4", design="sobol", samples=2)
    assert str(caught.value) == (
        "--samples: the whole-number key checkout.cashiers takes the same value in both samples "
        "of each of the 2 base samples, so the Sobol' design never sees it change and its "
        "indices would read 0 +- 0; use more base samples (8)"
    )
    design = plan("checkout.cashiers=2:4", design="sobol", samples=8).design
    blocks = np.array([int(p[0]) for p in design.points]).reshape(8, 3)
    assert (blocks[:, 0] != blocks[:, -1]).any()  # what was refused: A equal to B throughout
    assert all((block == block[0]).all() for block in blocks[blocks[:, 0] == blocks[:, -1]])


@pytest.mark.parametrize("bounds", ["2.5:5", "2:3.5"])
def test_a_whole_number_key_is_refused_a_range_with_fractional_ends(bounds):
    """Points were rounded, then cut at the ends: 2.5:5 gave 2 cashiers, outside the range, and
    2:3.5 gave 3 more often than 2."""
    expected = r"--vary checkout.cashiers=.*: checkout.cashiers is a whole number: expected whole "
    expected += rf"ends LOW:HIGH \(got {bounds}\)"
    with pytest.raises(DesignError, match=expected):
        plan(f"checkout.cashiers={bounds}", design="lhs", samples=8)


def test_every_point_is_validated_before_anything_runs(tmp_path):
    with pytest.raises(journeysim.ScenarioError, match="checkout.cashiers"):
        journeysim.sweep(BASELINE, vary=["checkout.cashiers=3,-1"], out=tmp_path, overrides=SMALL)
    assert not list(tmp_path.iterdir())


def test_sweep_file_names_the_same_as_the_options(tmp_path):
    (tmp_path / "staffing.yaml").write_text(
        f"scenario: {BASELINE}\n"
        "design: lhs\nsamples: 3\nreps: 2\n"
        "set: ['arrivals.base_customers=300', 'horizon.burn_in_days=0']\n"
        "vary:\n  shelves.stockout_prob: {low: 0.02, high: 0.2}\n  checkout.cashiers: '2:4'\n"
    )
    spec = read_sweep_file(tmp_path / "staffing.yaml")
    assert spec.name == "staffing"
    p = plan_sweep(spec)
    same = plan(
        "shelves.stockout_prob=0.02:0.2", "checkout.cashiers=2:4", design="lhs", samples=3, reps=2
    )
    assert p.values == same.values
    assert p.design.points == same.design.points and p.base == same.base


@pytest.mark.parametrize(
    ("command", "body", "error"),
    [
        (
            "sweep",
            "vary: {checkout.cashiers: []}",
            "vary.checkout.cashiers: expected at least one value (got an empty list)",
        ),
        (
            "optimise",
            "decide: {checkout.cashiers: []}\nmaximise: nps",
            "decide.checkout.cashiers: expected LOW:HIGH, {low, high} or a list of values",
        ),
        (
            "calibrate",
            "free: {checkout.cashiers: []}\ntargets: {nps: 30}",
            "free.checkout.cashiers: expected LOW:HIGH, {low, high} or a list of values",
        ),
    ],
)
def test_a_study_file_is_read_once(tmp_path, capsys, monkeypatch, command, body, error):
    """is_sweep_file (is_optimise_file, is_calibration_file) read it (bounded) to tell it from a
    scenario, then read_sweep_file (read_optimise_file, read_calibration_file) read it again; it
    is read once, and its errors read as before."""
    from journeysim.cli import main

    path = tmp_path / "staffing.yaml"
    path.write_text(f"scenario: {BASELINE}\n{body}\n")
    opened = []
    open_path = Path.open

    def counted(self, *args, **kwargs):
        opened.append(self)
        return open_path(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counted)
    assert main([command, str(path), "--out", str(tmp_path), "--quiet"]) == 2
    assert capsys.readouterr().err == f"journeysim: {path}: {error}\n"
    assert opened.count(path) == 1


STUDY_FILES = pytest.mark.parametrize(
    ("read", "body"),
    [
        (read_sweep_file, "vary: {checkout.cashiers: '2:4'}"),
        (read_optimise_file, "decide: {checkout.cashiers: '2:4'}\nmaximise: nps"),
        (read_calibration_file, "free: {loyalty.ltr_center: '0.2:0.4'}\ntargets: {nps: 30}"),
    ],
)
NO_FOLDER = "expected a name with a letter or digit for its folder"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("n" * 101, "expected one line of 1 to 100 characters (got 101 characters)"),
        ("two\nlines", "expected one line of 1 to 100 characters (got 'two\\nlines')"),
        ("  ", "expected one line of 1 to 100 characters (got '  ')"),
        # Each named the folder sweep- (optimise-, calibrate-): '.' and '..' ran into one
        (".", f"{NO_FOLDER} (got '.')"),
        ("..", f"{NO_FOLDER} (got '..')"),
        ("_-_", f"{NO_FOLDER} (got '_-_')"),
    ],
)
@STUDY_FILES
def test_a_study_files_name_names_a_folder(tmp_path, read, body, name, problem) -> None:
    """A name that cannot name the results folder is refused before anything runs, as --name
    is (a name of 300 characters failed at the folder with 'File name too long')."""
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump({"scenario": str(BASELINE), "name": name}) + body + "\n")
    with pytest.raises(DesignError) as caught:
        read(path)
    assert str(caught.value) == f"{path}: name: {problem}"


@STUDY_FILES
def test_a_study_files_null_name_is_no_name(tmp_path, read, body) -> None:
    """`name: null` takes the file's name, as a missing name and the other null keys do (it
    named the folder sweep-None)."""
    path = tmp_path / "staffing.yaml"
    path.write_text(f"scenario: {BASELINE}\nname: null\n{body}\n")
    assert read(path).name == "staffing"


def test_a_name_without_a_letter_or_digit_is_refused_as_an_option(tmp_path, capsys) -> None:
    from journeysim.cli import main

    argv = ["sweep", str(BASELINE), "--vary", "checkout.cashiers=2,3", "--name", "."]
    with pytest.raises(SystemExit) as exit:
        main([*argv, "--out", str(tmp_path)])
    assert exit.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == USAGE + f"--name: {NO_FOLDER} (got '.')"
    assert list(tmp_path.iterdir()) == []


# Sobol' indices


def test_sobol_indices_are_written_and_zero_for_a_parameter_the_model_ignores(tmp_path):
    # costs.investment changes no simulated number: with common seeds its runs are identical,
    # so its first-order and total indices for any KPI are exactly 0; and it alone moves the
    # `investment` metric, so there the stock-out rate's indices are exactly 0. (Nonzero
    # estimates from 4 base samples are too noisy to pin down.)
    # One run a point cannot measure the runs' own randomness in the indices: said, and
    # noise_share left empty.
    with pytest.warns(SobolWarning, match="of one run a point: each run's own randomness"):
        runs = journeysim.sweep(
            BASELINE,
            vary=["shelves.stockout_prob=0.02:0.3", "costs.investment=0:10000"],
            design="sobol",
            samples=4,
            out=tmp_path,
            reps=1,
            days=7,
            overrides=SMALL,
            workers=2,
        )
    assert len(runs) == 4 * (2 + 2)
    folder = next(tmp_path.iterdir())
    indices = pd.read_csv(folder / "sobol_indices.csv")
    assert list(indices.columns) == [
        "metric",
        "parameter",
        "S1",
        "S1_conf",
        "ST",
        "ST_conf",
        "noise_share",
    ]
    assert indices["noise_share"].isna().all()
    assert len(indices) == len(METRICS) * 2
    by = indices.set_index(["metric", "parameter"])
    assert by.loc[("revenue_per_day", "costs.investment"), ["S1", "ST"]].tolist() == [0.0, 0.0]
    assert by.loc[("investment", "shelves.stockout_prob"), ["S1", "ST"]].tolist() == [0.0, 0.0]
    assert by.loc[("investment", "costs.investment"), "ST"] > 0
    assert by.loc[("revenue_per_day", "shelves.stockout_prob"), "ST"] > 0


def test_the_noise_share_is_the_runs_randomness_share_of_the_point_means_variance():
    """A researcher's review found ST of worn carts 0.40 +- 0.10 with one run a point and 0.17
    +- 0.06 with two, on the same points: the runs' own randomness counted as an effect.
    noise_share measures it from the replications: for y = x + N(0, 0.5^2), x uniform on
    0..1, at 512 points of 4 runs, a mean's noise variance is 0.25 / 4 = 1/16 against the x's
    1/12: a share of (1/16) / (1/12 + 1/16) = 3/7. The estimate's standard error is about
    0.03 (the variance of 512 means: relative error sqrt(2 / 511), 6%), so 0.1 is 3 of them.
    A shock common to every point of a replication (common random numbers) moves no index and
    leaves the share as it was; a metric of pure noise has a share of 1 (standard error 0.06;
    0.2 is 3 of them), one whose runs agree has none, and points of one run cannot tell."""
    rng = np.random.default_rng(7)
    x = rng.random(512)
    y = x[:, None] + rng.normal(0.0, 0.5, size=(512, 4))
    assert noise_share(y) == pytest.approx(3 / 7, abs=0.1)
    shared = y + rng.normal(0.0, 5.0, size=4)  # each replication's own shock, at every point
    assert noise_share(shared) == pytest.approx(noise_share(y), rel=1e-9)
    assert noise_share(rng.normal(size=(512, 4))) == pytest.approx(1.0, abs=0.2)
    assert noise_share(np.repeat(x[:, None], 4, axis=1)) == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(noise_share(x[:, None]))
    # Only the replications every point has count (an earlier sweep may have run more).
    ragged = np.hstack([y, np.full((512, 1), np.nan)])
    ragged[:10, 4] = 1.0
    assert noise_share(ragged) == pytest.approx(noise_share(y), rel=1e-12)


def test_noise_in_the_indices_is_warned_of_above_a_tenth():
    rows = [
        ["nps", "a", 0.5, 0.1, 0.6, 0.1, 0.08],
        ["nps", "b", 0.2, 0.1, 0.3, 0.1, 0.08],  # a metric's share on each of its rows
        ["abandonment_rate", "a", 0.1, 0.1, 0.4, 0.1, 0.39],
        ["csat", "a", 0.3, 0.1, 0.5, 0.1, 0.12],
        ["revenue_per_day", "a", math.nan, math.nan, math.nan, math.nan, math.nan],  # no indices
    ]
    indices = pd.DataFrame(rows, columns=SOBOL_COLUMNS)
    text = noise_warning(indices)
    assert text is not None
    assert "for 2 of the 3 metrics with indices (most: abandonment_rate, 39%;" in text
    assert noise_warning(indices.iloc[[0, 1, 4]]) is None  # 8%: no more than a tenth
    single = indices.assign(noise_share=math.nan)
    assert "of one run a point" in noise_warning(single)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Sobol' indices of few points and runs
def test_a_sobol_sweep_with_a_failed_run_keeps_no_indices_of_earlier_runs(tmp_path, monkeypatch):
    """A finished Sobol' sweep, extended by a replication in which a run failed, kept the
    indices of the first replication beside the runs and summary of both."""
    mmc = ROOT / "scenarios" / "validation" / "mmc.yaml"
    vary = ["checkout.cashiers=2:4", "arrivals.rate_per_hour=15:30"]
    options = dict(vary=vary, design="sobol", samples=2, days=1, out=tmp_path, workers=1)
    journeysim.sweep(mmc, reps=1, **options)
    (folder,) = tmp_path.iterdir()
    assert (folder / "sobol_indices.csv").exists()
    measured = sweep_module._measured

    def failing(scenario, replication, reference):
        if replication:
            return "it broke", "it broke"
        return measured(scenario, replication, reference)

    monkeypatch.setattr(sweep_module, "_measured", failing)
    runs = journeysim.sweep(mmc, reps=2, **options)
    assert (runs["status"] == "failed").sum() == 8
    assert not (folder / "sobol_indices.csv").exists()


def test_the_docs_name_every_column_of_sobol_indices_csv():
    """docs/experiments.md told of "first-order `S1` and total `ST` indices with their 95%
    confidence half-widths", leaving the half-widths' columns (S1_conf, ST_conf) and the
    metric and parameter columns unnamed; it now names each, in the file's order."""
    text = (ROOT / "docs" / "experiments.md").read_text(encoding="utf-8")
    entry = text.split("\n- `sobol_indices.csv`", 1)[1].split("\n- ", 1)[0]
    named = [word for word in re.findall(r"`([^`]+)`", entry) if word in SOBOL_COLUMNS]
    assert named == SOBOL_COLUMNS  # the file's columns (the test above reads them)


# Resuming


VARY = ["checkout.cashiers=2,3", "shelves.stockout_prob=0.04,0.12"]
SWEEP_ARGS = [str(BASELINE), *(f"--vary={v}" for v in VARY), "--reps=4", "--days=14"]
SWEEP_ARGS += [*(f"--set={s}" for s in SMALL), "--name=resume", "--quiet"]
RUNS = 2 * 2 * 4


def data_rows(path: Path) -> list[str]:
    return path.read_text().splitlines()[1:] if path.exists() else []


def start_sweep(out: Path, workers: int, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "journeysim.cli", "sweep", *SWEEP_ARGS, *options]
    command += ["--out", str(out), "--workers", str(workers)]
    return subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def test_sweep_killed_and_run_again_ends_with_the_rows_of_an_uninterrupted_sweep(tmp_path):
    runs = tmp_path / "killed" / "sweep-resume" / "runs.csv"
    sweep = start_sweep(tmp_path / "killed", 2, "--no-report")
    deadline = time.monotonic() + 60
    while len(data_rows(runs)) < 3 and sweep.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(sweep.pid, signal.SIGKILL)  # the sweep and its worker processes, at once
    sweep.wait()
    written = data_rows(runs)
    assert 3 <= len(written) < RUNS, "the kill should land mid-way"
    with runs.open("a") as handle:  # and a torn line, as if killed in the middle of a write
        handle.write(written[0][: len(written[0]) // 2])

    again = start_sweep(tmp_path / "killed", 2)
    assert again.wait(timeout=120) == 0, again.stderr.read().decode()
    assert (runs.parent / "report.html").exists()

    whole = tmp_path / "whole"
    journeysim.sweep(
        BASELINE, vary=VARY, name="resume", out=whole, reps=4, days=14, overrides=SMALL, workers=1
    )
    expected = (whole / "sweep-resume" / "runs.csv").read_text()
    assert runs.read_text() == expected
    keys = [(row["point"], row["replication"]) for row in csv.DictReader(expected.splitlines())]
    assert len(keys) == len(set(keys)) == RUNS
    stored = pd.read_parquet(runs.with_suffix(".parquet"))
    assert stored["status"].cat.categories.tolist() == ["ok", "failed"]  # a dictionary column
    texts = stored.astype({"status": object})
    assert texts.equals(pd.read_csv(runs).fillna({"error": "", "reason": ""}))  # CSV: NaN


def test_a_folder_holding_another_sweep_is_refused(tmp_path):
    first = plan("checkout.cashiers=2,3", reps=1, days=7, name="same")
    Sweep(first, tmp_path).pending()
    other = plan("checkout.cashiers=2,4", reps=1, days=7, name="same")
    with pytest.raises(DesignError, match="holds a different sweep"):
        Sweep(other, tmp_path).pending()
    more_reps = plan("checkout.cashiers=2,3", reps=3, days=7, name="same")
    assert len(Sweep(more_reps, tmp_path).pending()) == 2 * 3  # extending reps is allowed


@pytest.mark.parametrize(("name", "named"), [("design.yaml", "design"), ("points.csv", "points")])
def test_a_folder_whose_sweep_file_is_not_utf8_holds_a_different_sweep(tmp_path, name, named):
    """Reading it back raised a UnicodeDecodeError's traceback."""
    same = plan("checkout.cashiers=2,3", reps=1, days=7, name="same")
    Sweep(same, tmp_path).pending()
    (tmp_path / "sweep-same" / name).write_bytes(b"\xff\xfe")
    with pytest.raises(DesignError, match=rf"holds a different sweep \({named} differs?\)"):
        Sweep(same, tmp_path).pending()


def test_a_sweep_run_by_other_journeysim_sources_is_not_resumed(tmp_path, monkeypatch):
    """A sweep extended after journeysim changed (a new version, an edited model) added runs of
    the new model to those of the old one, in one table, without a word."""
    first = plan("checkout.cashiers=2,3", reps=1, days=7, name="same")
    Sweep(first, tmp_path).pending()
    monkeypatch.setattr(sweep_module, "source_digest", lambda: "0" * 64)
    more_reps = plan("checkout.cashiers=2,3", reps=3, days=7, name="same")
    with pytest.raises(DesignError) as refusal:
        Sweep(more_reps, tmp_path).pending()
    assert str(refusal.value) == (
        f"{tmp_path / 'sweep-same'} holds a sweep run by another journeysim (its sources "
        "differ: a newer or edited version), whose runs would mix with this one's: remove the "
        "folder, or give the sweep another name"
    )


@pytest.mark.parametrize(
    "vary, seed, named",
    [
        ("checkout.cashiers=2,3", 5, "journeysim's code, seed"),
        # The design changed as well was named "design" alone, where a study names both.
        ("checkout.single_queue=true,false", 20261125, "design, journeysim's code, points"),
    ],
)
def test_a_refused_sweep_names_changed_sources_as_journeysims_code(
    tmp_path, monkeypatch, vary, seed, named
):
    """With the seed changed too, the refusal named the sources "journeysim" ("journeysim, seed
    differ"), as if the program were what differs."""
    Sweep(plan("checkout.cashiers=2,3", reps=1, days=7, name="same"), tmp_path).pending()
    monkeypatch.setattr(sweep_module, "source_digest", lambda: "0" * 64)
    with pytest.raises(DesignError) as refusal:
        Sweep(plan(vary, reps=1, days=7, seed=seed, name="same"), tmp_path).pending()
    assert str(refusal.value) == (
        f"{tmp_path / 'sweep-same'} holds a different sweep ({named} differ): remove the "
        "folder, or give the sweep another name"
    )


@pytest.mark.parametrize(
    "options, named",
    [
        ({"days": 8}, "(days differ)"),
        ({"seed": 7}, "(seed differs)"),
        ({"days": 8, "seed": 7}, "(days, seed differ)"),
        ({"overrides": ("arrivals.base_customers=301",)}, "(arrivals.base_customers differs)"),
        (
            {"overrides": tuple(f"{k}=0.3" for k in ("payment.cash_share", "carts.worn_share"))},
            "(carts.worn_share, payment.cash_share differ)",
        ),
        ({"vary": "checkout.cashiers=2,4"}, "(points differ)"),
        ({"vary": "checkout.single_queue=true,false"}, "(design, points differ)"),
    ],
)
def test_a_refused_sweep_names_what_differs(tmp_path, options, named):
    """Another --days, --seed or --set is named as such, not as "scenario.yaml differs"; so
    are other points, or another design (more replications are no difference)."""
    Sweep(plan("checkout.cashiers=2,3", reps=1, days=7, name="same"), tmp_path).pending()
    vary = options.pop("vary", "checkout.cashiers=2,3")
    other = plan(vary, reps=2, days=options.pop("days", 7), name="same", **options)
    with pytest.raises(DesignError) as refusal:
        Sweep(other, tmp_path).pending()
    assert f"holds a different sweep {named}: remove the folder" in str(refusal.value)


@pytest.mark.parametrize(
    "keys, shown",
    [
        # Two keys of 500,000 characters made the refusal a megabyte long.
        (["k" * 500_000, "j" * 500_000], f"{'k' * 500_000}, {'j' * 500_000}"[:197] + "... (2 "),
        # Five keys, shown as two and "3 more scenario keys", were "3 differences in all".
        (["k" * 300, "j" * 300, "a", "b", "c"], f"{'k' * 197}... (5 "),
    ],
)
def test_a_refused_sweep_quotes_at_most_200_characters_and_counts_what_differs(
    tmp_path, keys, shown
):
    """The folder's scenario.yaml, edited to hold long keys, is refused quoting the first 200
    characters of what differs, then how many keys differ in all."""
    same = plan("checkout.cashiers=2,3", reps=1, days=7, name="same")
    Sweep(same, tmp_path).pending()
    stored = tmp_path / "sweep-same" / "scenario.yaml"
    stored.write_text(stored.read_text() + "".join(f"? {key}\n: 1\n" for key in keys))
    with pytest.raises(DesignError) as refusal:
        Sweep(same, tmp_path).pending()
    assert str(refusal.value) == (
        f"{tmp_path / 'sweep-same'} holds a different sweep ({shown}differences in all) "
        "differ): remove the folder, or give the sweep another name"
    )


@pytest.mark.filterwarnings("ignore::journeysim.study.sweep.ShortRunWarning")  # 1 day, meant
def test_runs_whose_scenario_file_was_removed_are_not_taken_for_another_sweeps(tmp_path):
    """With scenario.yaml gone, an edited scenario's sweep resumed the old runs as its own
    (8 runs of one store and 1 of another in runs.csv, exit 0): such a folder is refused."""
    from journeysim.simulation.executors import Serial

    Sweep(plan("checkout.cashiers=2", reps=1, days=1, name="same"), tmp_path).run(Serial())
    folder = tmp_path / "sweep-same"
    (folder / "scenario.yaml").unlink()
    edited = ("arrivals.base_customers=301",)
    other = plan("checkout.cashiers=2", reps=2, days=1, name="same", overrides=edited)
    with pytest.raises(DesignError, match=r"sweep-same holds runs but not the scenario.yaml"):
        Sweep(other, tmp_path).pending()
    (folder / "runs.csv").unlink()  # no runs: nothing to mix up, the folder is claimed afresh
    assert len(Sweep(other, tmp_path).pending()) == 2


@pytest.mark.parametrize("name", ["runs.csv", "scenario.yaml"])
def test_a_folder_where_a_sweep_keeps_a_file_is_refused_before_it_runs(tmp_path, capsys, name):
    """A folder in place of runs.csv or scenario.yaml failed only when written ("Is a
    directory", exit 1, after simulating); it is a usage error, exit 2, before any run."""
    from journeysim.cli import main

    (tmp_path / "sweep-x" / name).mkdir(parents=True)
    argv = [str(BASELINE), "--vary", "checkout.cashiers=2,3", "--reps", "1", "--days", "1"]
    argv += ["--name", "x", "--out", str(tmp_path), "--quiet", "--no-report", "--workers", "1"]
    assert main(["sweep", *argv]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"{tmp_path / 'sweep-x' / name} is a folder; expected a file" in error
    assert not (tmp_path / "sweep-x" / "points.csv").exists()  # nothing ran


@pytest.mark.parametrize(
    ("vary", "chart"),
    [
        (["checkout.cashiers=2,3"], "nps_by_checkout.cashiers.png"),
        (["checkout.cashiers=2,3", "checkout.self_checkouts=1,2"], "csat_heatmap.png"),
    ],
)
def test_a_folder_where_the_report_puts_a_chart_is_refused_before_the_sweep_runs(
    tmp_path, capsys, monkeypatch, vary, chart
):
    """A folder in place of one of report.html's charts failed once every run was done ("Is a
    directory", exit 1); it is a usage error, exit 2, before any run."""
    from journeysim.cli import main

    monkeypatch.setattr(Sweep, "run", lambda *args: pytest.fail("ran before the checks"))
    (tmp_path / "sweep-x" / chart).mkdir(parents=True)
    argv = [str(BASELINE), *(f"--vary={v}" for v in vary), "--reps", "1", "--days", "1"]
    argv += ["--name", "x", "--out", str(tmp_path), "--quiet", "--workers", "1"]
    assert main(["sweep", *argv]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.endswith(f": {tmp_path / 'sweep-x' / chart} is a folder; expected a file\n")


@pytest.mark.filterwarnings("ignore::journeysim.study.sweep.ShortRunWarning")  # 1 day, meant
def test_a_sweep_refused_for_one_running_leaves_its_folder_alone(tmp_path, capsys):
    """A second sweep into the folder of one still running rewrote manifest.json (naming itself
    as what made the folder, kept so when the first was killed) and printed its header before
    the refusal: it is refused in one line, before it writes anything."""
    from journeysim.cli import main
    from journeysim.study.runs_file import RunsFile

    argv = [str(BASELINE), "--vary", "checkout.cashiers=2", "--days", "1", "--name", "x"]
    argv += ["--out", str(tmp_path), "--quiet", "--no-report", "--workers", "1"]
    argv += [*(f"--set={s}" for s in SMALL), "--set=horizon.warmup_days=0"]
    assert main(["sweep", *argv, "--reps", "1"]) == 0
    folder = tmp_path / "sweep-x"
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    capsys.readouterr()
    with RunsFile(folder / "runs.csv", ["point", "replication"]).appending():  # one running
        assert main(["sweep", *argv, "--reps", "2"]) == 2
    out, error = capsys.readouterr()
    assert out == ""
    assert error == f"journeysim: {folder / 'runs.csv'}: another sweep is writing to it\n"
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


@pytest.mark.filterwarnings("ignore::journeysim.study.sweep.ShortRunWarning")  # 1 day, meant
def test_a_second_sweep_is_refused_until_the_first_writes_its_last_file(
    tmp_path, capsys, monkeypatch
):
    """The lock was runs.csv's own, and its final rewrite replaced the file: a second sweep
    started then took the new file's lock and ran (runs_added of the manifest wrong). It is
    refused from the first run to the last file written (report.html)."""
    from journeysim.cli import main
    from journeysim.report import html as report_html
    from journeysim.study import runs_file
    from journeysim.study.runs_file import RunsFile

    folder = tmp_path / "sweep-x"
    tried = []

    def second(when: str) -> None:
        try:
            with RunsFile(folder / "runs.csv", ["point", "replication"]).appending():
                tried.append(f"ran {when}")
        except DesignError as error:
            tried.append(f"{when}: {error}")

    write_text = runs_file.write_text
    monkeypatch.setattr(
        runs_file, "write_text", lambda *args: (write_text(*args), second("rewriting runs.csv"))
    )
    monkeypatch.setattr(report_html, "sweep_report", lambda *args, **kw: second("reporting"))
    argv = [str(BASELINE), "--vary", "checkout.cashiers=2", "--days", "1", "--name", "x"]
    argv += ["--out", str(tmp_path), "--quiet", "--workers", "1", "--reps", "1"]
    assert main(["sweep", *argv, *(f"--set={s}" for s in SMALL)]) == 0
    busy = f"{folder / 'runs.csv'}: another sweep is writing to it"
    assert tried == [f"rewriting runs.csv: {busy}", f"reporting: {busy}"]
    assert json.loads((folder / "manifest.json").read_text())["invocations"][-1]["runs_added"] == 1


@pytest.mark.filterwarnings("ignore::journeysim.study.sweep.ShortRunWarning")  # 1 day, meant
def test_a_sweep_of_one_run_says_so_in_the_singular(tmp_path, capsys):
    """It said "grid design, 1 points, 1 runs"."""
    from journeysim.cli import main

    argv = [str(BASELINE), "--vary", "checkout.cashiers=2", "--days", "1", "--name", "x"]
    argv += ["--out", str(tmp_path), "--quiet", "--no-report", "--workers", "1", "--reps", "1"]
    argv += [*(f"--set={s}" for s in SMALL), "--set=horizon.warmup_days=0"]
    assert main(["sweep", *argv]) == 0
    out = capsys.readouterr().out
    assert out.startswith("x: grid design, 1 point, 1 run (0 already done)\n")
    assert "Means of each point's runs" not in out  # one point: no difference to quote


@pytest.mark.filterwarnings("ignore::journeysim.study.sweep.ShortRunWarning")  # 1 day, meant
@pytest.mark.parametrize(
    "report, reps, where",
    [
        ([], 2, "their 95% CIs: report.html"),
        (["--no-report"], 2, "every run: runs.csv"),
        ([], 1, "one run a point, so no CI: --reps 2 or more gives them"),
    ],
)
def test_the_point_table_says_its_means_are_not_yet_differences_to_quote(
    tmp_path, capsys, report, reps, where
):
    """A consultant read 4,423 against 4,227 PLN a day as two tills earning more than three,
    where the paired 95% CI of that difference crossed 0: the table gave means only. With one
    run a point it sent a researcher to report.html for CIs that are not there."""
    from journeysim.cli import main

    argv = [str(BASELINE), "--vary", "checkout.cashiers=2,3", "--days", "1", "--name", "x"]
    argv += ["--out", str(tmp_path), "--quiet", *report, "--workers", "1", "--reps", str(reps)]
    argv += [*(f"--set={s}" for s in SMALL), "--set=horizon.warmup_days=0"]
    assert main(["sweep", *argv]) == 0
    table, note, results = capsys.readouterr().out.split("\n\n")[1:]
    assert table.splitlines()[-1].startswith("1 ")  # point 1, the table's last row
    assert " ".join(note.splitlines()) == (
        f"Means only, not how sure they are ({where}). To quote a difference between two "
        "points, compare them (journeysim compare) for its paired 95% CI."
    )
    assert max(len(line) for line in note.splitlines()) <= 100  # one run a point: 118 before
    assert results.startswith("Results in ")
    if reps == 2:  # --reps 1 keeps the 2 runs a point made before, and the table means them
        assert main(["sweep", *argv, "--reps", "1"]) == 0
        printed = capsys.readouterr()
        assert "up to 2 a point, against 1" in printed.err and f"({where})" in printed.out


def test_many_changed_scenario_keys_are_counted_after_the_first_ones(tmp_path):
    Sweep(plan("checkout.cashiers=2,3", reps=1, days=7, name="same"), tmp_path).pending()
    keys = ("payment.cash_share", "carts.worn_share", "shelves.stockout_prob")
    overrides = (*(f"{key}=0.1" for key in keys), "arrivals.base_customers=301")
    other = plan("checkout.cashiers=2,3", reps=1, days=5, seed=7, name="same", overrides=overrides)
    with pytest.raises(DesignError) as refusal:
        Sweep(other, tmp_path).pending()
    # the run options first, then the scenario's keys in its order
    named = "days, seed, arrivals.base_customers, carts.worn_share, 2 more scenario keys differ"
    assert f"({named})" in str(refusal.value)


def test_the_command_line_is_told_which_option_differs(tmp_path, capsys):
    """exit 2 and one line naming --days as days (the command did not edit scenario.yaml)."""
    from journeysim.cli import main

    argv = [str(BASELINE), "--vary", "checkout.cashiers=2,3", "--reps", "1", "--out", str(tmp_path)]
    argv += ["--quiet", "--no-report", "--workers", "1", *(f"--set={s}" for s in SMALL)]
    argv += ["--set=horizon.warmup_days=0"]
    assert main(["sweep", *argv, "--days", "1"]) == 0
    capsys.readouterr()
    error = refused([*argv, "--days", "2"], capsys)
    assert error.endswith(
        "holds a different sweep (days differ): remove the folder, or give the sweep another name"
    )


# Bad input: one line naming where it came from, exit code 2, before anything runs


ONE_SEED = (
    "seed is the same at every point (set by --seed, for common random numbers), not a value "
    "to vary"
)


def sweep_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(f"scenario: {BASELINE}\n{body}")
    return path


# How sweep begins an error of its options.
USAGE = "journeysim sweep: error: argument "


def refused(argv: list[str], capsys) -> str:
    """The one-line error of `journeysim sweep ARGV`, checked to exit 2 (from argparse too)."""
    from journeysim.cli import main

    try:
        code = main(["sweep", *argv])
    except SystemExit as exit:
        code = exit.code
    assert code == 2
    error = capsys.readouterr().err.strip()
    assert error and "\n" not in error and "Traceback" not in error
    return error


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "vary: {checkout.cashiers: []}\n",
            "study.yaml: vary.checkout.cashiers: expected at least",
        ),
        ("vary: {checkout.cashiers: [2, 3]}\nreps: -1\n", "study.yaml: reps: replications:"),
        ("vary: {checkout.cashiers: [2, 3]}\nset: [5]\n", "study.yaml: set: expected a list"),
        ("vary: {checkout.cashiers: [2, 3]}\nset: [nope]\n", "study.yaml: set: nope: expected"),
        (
            "vary: {checkout.cashiers: [2, 3]}\nset: [checkout.cashiers=-1]\n",
            "study.yaml: set: checkout.cashiers: expected",
        ),
        ("vary: {checkout.cashiers: [3, -1]}\n", "study.yaml: vary.checkout.cashiers: expected"),
        (
            "design: lhs\nsamples: 4\nvary: {checkout.cashiers: {low: .nan, high: 5}}\n",
            "study.yaml: vary.checkout.cashiers: expected finite numbers LOW < HIGH",
        ),
        (
            "design: lhs\nsamples: 4\nvary: {shelves.stockout_prob: {low: 0, high: 2}}\n",
            "study.yaml: vary.shelves.stockout_prob: expected a number",
        ),
        # The design's settings, named by the file's key rather than --design or --samples
        (
            "vary: {checkout.cashiers: [2, 3]}\ndesign: foo\n",
            "study.yaml: design: expected one of grid, lhs, sobol (got 'foo')",
        ),
        (
            "vary: {checkout.cashiers: [2, 3]}\nsamples: 4\n",
            "study.yaml: samples: only for --design lhs or sobol",
        ),
        (
            "vary: {checkout.cashiers: '2:4'}\n",
            "study.yaml: vary.checkout.cashiers: ranges need --design lhs or sobol",
        ),
        (  # unquoted: YAML 1.1 would read the base-60 number 123 (audit 25)
            "vary:\n  checkout.cashiers: 2:4\n",
            "study.yaml: vary.checkout.cashiers: ranges need --design lhs or sobol",
        ),
        (
            "design: lhs\nsamples: 4\nvary: {checkout.cashiers: [2, 3]}\n",
            "study.yaml: vary.checkout.cashiers: design lhs needs a range LOW:HIGH",
        ),
        (
            "design: lhs\nsamples: 4\nvary: {checkout.service_time.mean_min: '1:.inf'}\n",
            "study.yaml: vary.checkout.service_time.mean_min: design lhs needs a range LOW:HIGH "
            "of finite numbers (got 1:.inf)",
        ),
        ("design: lhs\nvary: {checkout.cashiers: '2:4'}\n", "study.yaml: design: lhs needs"),
        (
            "design: lhs\nsamples: 0\nvary: {checkout.cashiers: '2:4'}\n",
            "study.yaml: samples: expected a whole number >= 1 (got 0)",
        ),
        (
            "design: sobol\nsamples: 3\nvary: {checkout.cashiers: '2:4'}\n",
            "study.yaml: samples: Sobol' designs need a power of 2 from 2 on (got 3)",
        ),
        (
            "vary: {checkout.cashiers: [2, 3, 2]}\n",
            "study.yaml: vary.checkout.cashiers: each value once (got 2 more than once)",
        ),
        (
            "vary: {seed: [1, 2]}\n",
            f"study.yaml: vary.seed: {ONE_SEED}",
        ),
        (  # read as a scenario: one error for each sweep key, none suggesting vary
            "design: grid\nvarry: {checkout.cashiers: [2, 3]}\n",
            "study.yaml: unknown key 'varry'; did you mean 'vary'? (expected scenario, name, ",
        ),
        ("design: grid\n", "study.yaml: vary: missing (sweep files need `scenario` and `vary`)"),
    ],
)
def test_a_sweep_file_error_names_the_file_and_key(tmp_path, capsys, body, expected):
    error = refused([str(sweep_file(tmp_path, body)), "--out", str(tmp_path / "out")], capsys)
    assert error.startswith(f"journeysim: {tmp_path / expected}")
    assert not (tmp_path / "out").exists()


def test_a_grid_value_given_twice_is_refused_naming_the_key_and_value(tmp_path, capsys):
    argv = [str(BASELINE), "--vary", "checkout.cashiers=2,3,2", "--out", str(tmp_path / "out")]
    error = refused(argv, capsys)
    assert error == (
        USAGE + "--vary checkout.cashiers=2,3,2: each value once (got 2 more than once)"
    )
    assert not (tmp_path / "out").exists()


def test_a_number_given_twice_in_two_spellings_is_refused_too(tmp_path, capsys):
    """As a sweep file's values are, read as YAML: there 0x2 is already 2."""
    argv = [str(BASELINE), "--vary", "payment.cash_share=0.1,0.3,0.10", "--out", str(tmp_path)]
    assert refused(argv, capsys) == (
        USAGE + "--vary payment.cash_share=0.1,0.3,0.10: each value once "
        "(got 0.1 and 0.10, the same number)"
    )
    argv = [str(BASELINE), "--vary", "checkout.cashiers=2,0x2,3,3.0", "--out", str(tmp_path)]
    assert refused(argv, capsys).endswith(
        "(got 2 and 0x2, the same number; 3 and 3.0, the same number)"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_vary_value_nested_too_deeply_is_refused(tmp_path, capsys) -> None:
    """Splitting the values at their commas raised a RecursionError's traceback."""
    deep = "[" * 5000 + "]" * 5000
    argv = [str(BASELINE), "--vary", f"description={deep},a", "--out", str(tmp_path)]
    assert refused(argv, capsys) == USAGE + "--vary description: expected YAML nested less deeply"


@pytest.mark.parametrize(
    "given, expected",
    [
        (  # a boolean's spellings, read as YAML (they were two points of the same scenario)
            ["--vary", "checkout.single_queue=true,True"],
            "journeysim sweep: error: argument --vary checkout.single_queue=true,True: each "
            "value once (got true and True, the same value)",
        ),
        (  # an exponent is a number as the override reads it, not a text
            ["--vary", "payment.cash_share=0.1,1e-1"],
            "journeysim sweep: error: argument --vary payment.cash_share=0.1,1e-1: each value "
            "once (got 0.1 and 1e-1, the same number)",
        ),
        (
            "vary: {checkout.single_queue: [true, false, True]}\n",
            "journeysim: {file}: vary.checkout.single_queue: each value once (got true more "
            "than once)",
        ),
        (
            "vary: {payment.cash_share: [0.1, 0.10, 1e-1]}\n",
            "journeysim: {file}: vary.payment.cash_share: each value once (got 0.1 more than once)",
        ),
    ],
    ids=["option-boolean", "option-exponent", "file-boolean", "file-number"],
)
def test_a_value_given_twice_after_yaml_reads_it_is_refused(tmp_path, capsys, given, expected):
    file = sweep_file(tmp_path, given) if isinstance(given, str) else None
    argv = [str(file)] if file else [str(BASELINE), *given]
    assert refused([*argv, "--out", str(tmp_path / "out")], capsys) == expected.format(file=file)
    assert not (tmp_path / "out").exists()


def test_a_boolean_and_a_number_are_different_values():
    """True == 1 in Python, but not as a scenario's value; 1 and 1.0 are the same number."""
    with pytest.raises(DesignError) as refusal:
        check_once(["true", "1", "yes", "1.0"], "--vary k=true,1,yes,1.0")
    assert str(refusal.value) == (
        "--vary k=true,1,yes,1.0: each value once "
        "(got true and yes, the same value; 1 and 1.0, the same number)"
    )
    check_once(["true", "1", "'1'", "'true'"], "--vary k=true,1,'1','true'")


@pytest.mark.parametrize(
    "vary",
    [
        "arrivals.base_customers=300,1000",
        "horizon.burn_in_days=28:56",
        "loyalty.initial_strength=0.2,0.8",
    ],
)
def test_a_setting_only_the_history_reads_is_refused_as_varied(tmp_path, capsys, vary):
    """Every point starts from the base's history: the customers it starts with, their first
    strength and its length would change nothing (the points ran and gave the same numbers)."""
    error = refused([str(BASELINE), "--vary", vary, "--out", str(tmp_path)], capsys)
    assert error.startswith(USAGE + "--vary " + vary.split("=")[0])
    assert "only the store's history before day 0 reads it" in error and "--set" in error
    assert list(tmp_path.iterdir()) == []


def test_without_a_history_its_length_is_refused_as_varied(tmp_path, capsys):
    """SMALL has no burn-in, so no point has one either, whatever its horizon.burn_in_days."""
    small = [f"--set={override}" for override in SMALL]
    vary = ["--vary", "horizon.burn_in_days=28,56"]
    error = refused([str(BASELINE), *small, *vary, "--out", str(tmp_path)], capsys)
    assert error == (
        USAGE + "--vary horizon.burn_in_days: only the store's history before day 0 reads "
        "it, and every point starts from the base scenario's history (none: horizon.burn_in_days "
        "0), so it would change nothing; give it with --set for the whole sweep, or run each "
        "value on its own (journeysim run --set)"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_seed_is_refused_as_varied_and_the_days_and_replications_are_not(tmp_path, capsys):
    """Points of other seeds share no random numbers, and their differences are luck (it ran,
    charting the KPIs by seed); a point's own days or replications are a design's."""
    argv = [str(BASELINE), "--vary", "seed=1,2", "--out", str(tmp_path)]
    assert refused(argv, capsys) == USAGE + f"--vary seed: {ONE_SEED}"
    with pytest.raises(DesignError) as caught:
        journeysim.sweep(BASELINE, vary={"seed": "1:9"}, design="lhs", samples=2, out=tmp_path)
    assert str(caught.value) == f"vary.seed: {ONE_SEED}"
    assert list(tmp_path.iterdir()) == []
    p = plan("horizon.days=7,15", "replications=2,3")
    assert [(p.point(i).horizon.days, p.point(i).replications) for i in range(4)] == [
        (7, 2),
        (7, 3),
        (15, 2),
        (15, 3),
    ]


@pytest.mark.parametrize(
    "vary, option, by",
    [
        ("replications=2,3", ["--reps", "4"], "--reps (4)"),
        ("horizon.days=2,3", ["--days", "5"], "--days (5)"),
    ],
)
def test_a_varied_run_setting_is_refused_with_its_option(tmp_path, capsys, vary, option, by):
    """The option was ignored at every point (a point's own value won), so raising --reps did
    not extend a sweep of varied replications."""
    argv = [str(BASELINE), "--vary", vary, *option, "--out", str(tmp_path)]
    key = vary.split("=")[0]
    assert refused(argv, capsys) == (
        USAGE + f"--vary {key}: varied, and also set for every point by {by}; give one or the other"
    )
    study = tmp_path / "sweep.yaml"
    study.write_text(f"scenario: {BASELINE}\nvary: {{{key}: [2, 3]}}\n{option[0][2:]}: 4\n")
    assert refused([str(study), "--out", str(tmp_path / "out")], capsys) == (
        f"journeysim: {study}: vary.{key}: varied, and also set for every point by "
        f"{option[0][2:]} (4); give one or the other"
    )
    assert list(tmp_path.iterdir()) == [study]
    with pytest.raises(DesignError) as caught:
        journeysim.sweep(BASELINE, vary=[vary], **{option[0][2:]: 4}, out=tmp_path / "api")
    assert str(caught.value) == (
        f"vary: {key}: varied, and also set for every point by {option[0][2:]} (4); give one "
        "or the other"
    )


def test_without_a_history_the_customers_it_would_start_with_can_be_varied():
    """SMALL has no burn-in: each run starts from arrivals.base_customers founders of its own."""
    p = plan("arrivals.base_customers=300,600")
    assert [point.arrivals.base_customers for point in map(p.point, range(2))] == [300, 600]


def test_options_overriding_a_sweep_file_are_named_as_options(tmp_path, capsys):
    path = sweep_file(tmp_path, "vary: {checkout.cashiers: [2, 3]}\nreps: 2\n")
    error = refused([str(path), "--reps", "0", "--out", str(tmp_path)], capsys)
    assert error == (
        USAGE + "--reps: replications: expected a whole number from 1 to 10,000 (got '0')"
    )
    path = sweep_file(tmp_path, "vary: {checkout.cashiers: '2:4'}\ndesign: sobol\nsamples: 4\n")
    error = refused([str(path), "--samples", "3", "--out", str(tmp_path)], capsys)
    assert error.startswith(USAGE + "--samples: Sobol' designs need a power of 2 from 2 on (got 3)")
    error = refused([str(path), "--design", "grid", "--out", str(tmp_path)], capsys)
    assert error.startswith(f"journeysim: {path}: samples: only for --design lhs or sobol")
    error = refused([str(BASELINE), "--vary", "checkout.cashiers=3,-1"], capsys)
    assert error.startswith(USAGE + "--vary checkout.cashiers: expected")
    # a range's end that is out of range is named, not a point sampled near it (audit 25)
    lhs = ["--vary", "payment.cash_share=0.2:1.5", "--design", "lhs", "--samples", "4"]
    error = refused([str(BASELINE), *lhs, "--out", str(tmp_path)], capsys)
    assert error.endswith("payment.cash_share: expected a number from 0 to 1 (got 1.5)")


GRID = [
    *("--vary", "checkout.cashiers=" + ",".join(map(str, range(201)))),
    *("--vary", "shelves.stockout_prob=" + ",".join(f"{i / 10000:g}" for i in range(1001))),
]


@pytest.mark.parametrize(
    ("options", "runs"),
    [
        # Sobol': N (D + 2) points; the audit's 2^30 base samples ate 23 GB before this check.
        (
            ["--vary", "checkout.cashiers=2:5", "--design", "sobol", "--samples", "1073741824"],
            "3,221,225,472 points x 10 replications = 32,212,254,720 runs",
        ),
        (
            ["--vary", "checkout.cashiers=2:5", "--design", "lhs", "--samples", "100000000"],
            "100,000,000 points x 10 replications = 1,000,000,000 runs",
        ),
        # A grid: the product of its levels.
        (GRID, "201,201 points x 10 replications = 2,012,010 runs"),
        # One run over the limit.
        (
            ["--vary", "checkout.cashiers=2:5", "--design", "lhs", "--samples", "1000001"]
            + ["--reps", "1"],
            "1,000,001 points x 1 replications = 1,000,001 runs",
        ),
    ],
    ids=["sobol", "lhs", "grid", "one-over"],
)
def test_a_design_over_the_limit_is_refused_at_once_saying_its_size(tmp_path, options, runs):
    # In a subprocess with a deadline: before the check these ran for minutes or ran out of
    # memory.
    command = [sys.executable, "-m", "journeysim.cli", "sweep", str(BASELINE), *options]
    done = subprocess.run(
        [*command, "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    limit = "the limit is 1,000,000 runs (give fewer values, samples or replications)"
    assert (done.returncode, done.stderr) == (
        2,
        f"journeysim: the sweep would have {runs}; {limit}\n",
    )
    assert not list(tmp_path.iterdir())


def test_a_varied_replication_count_counts_each_points_runs():
    cashiers = "checkout.cashiers=" + ",".join(map(str, range(1, 101)))
    assert plan("replications=1,9999", cashiers).runs == 100 * 1 + 100 * 9999  # 999,000: allowed
    with pytest.raises(DesignError) as refused:
        plan("replications=1,10000", cashiers)
    assert str(refused.value) == (
        "the sweep would have 200 points and 1,000,100 runs in all; the limit is 1,000,000 runs "
        "(give fewer values or replications)"
    )


def test_planning_reads_the_scenario_once_and_keeps_no_scenario_per_point(monkeypatch):
    import tracemalloc

    from journeysim.scenario import loader

    reads = []
    read = loader._read
    monkeypatch.setattr(loader, "_read", lambda path: reads.append(path) or read(path))
    values = ",".join(f"{i / 1000:g}" for i in range(500))
    tracemalloc.start()
    p = plan("checkout.cashiers=2,3,4,5", f"shelves.stockout_prob={values}", reps=1)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(p.values) == p.runs == 2000
    assert reads == [BASELINE]  # not once per point (4 ms each)
    # A scenario object takes about 36 kB: 2000 of them would be 72 MB; the plan keeps the
    # points' values only (a few hundred bytes each).
    assert held < 2000 * 2_000
    assert p.point(1999).shelves.stockout_prob == 0.499 and p.point(1999).checkout.cashiers == 5


# A runs.csv that cannot be read


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (b"somebody else's,line\n", "line 2 is not a row of this sweep"),
        (b"0,2,x" + b",0" * (1 + len(METRICS)) + b"\n", "line 2 is not a row"),
        (b"\xff\xfe not text\n", "line 2 is not UTF-8 text"),
        # Rows of the right shape that are not rows of this sweep (points 0 and 1, 2 and 3
        # cashiers), refused before anything runs rather than kept or failing later
        (
            b"2,2,0" + b",0" * len(METRICS) + b",ok,\n",
            "line 2 is not a row of this sweep (expected a point of the design, 0 to 1, it has 2)",
        ),
        (
            b"0,7,0" + b",0" * len(METRICS) + b",ok,\n",
            "line 2 is not a row of this sweep (expected checkout.cashiers 2 at point 0, "
            "it has '7')",
        ),
        (
            b"1,3,0,abc" + b",0" * (len(METRICS) - 1) + b",ok,\n",
            f"line 2 is not a row of this sweep (expected a number or nothing for {METRICS[0]}, "
            "it has 'abc')",
        ),
        (
            b"1,3,0" + b",0" * len(METRICS) + b",done,\n",
            "line 2 is not a row of this sweep (expected status ok or failed, it has 'done')",
        ),
    ],
)
def test_a_runs_file_that_cannot_be_read_is_named_with_what_to_do(tmp_path, capsys, tail, expected):
    options = ["--vary", "checkout.cashiers=2,3", "--name", "mine", "--out", str(tmp_path)]
    options += ["--reps", "1", "--days", "1", "--set", "horizon.warmup_days=0"]
    p = plan("checkout.cashiers=2,3")
    runs = tmp_path / "sweep-mine" / "runs.csv"
    runs.parent.mkdir()
    runs.write_bytes(",".join(p.columns).encode() + b"\n" + tail)
    error = refused([str(BASELINE), *options, *[a for s in SMALL for a in ("--set", s)]], capsys)
    assert error.startswith(f"journeysim: {runs}: cannot read the finished runs: {expected}")
    assert error.endswith("mend or remove that line, or remove the folder to run the sweep afresh")
    assert runs.read_bytes().endswith(tail)  # left as it was


@pytest.mark.filterwarnings("ignore::journeysim.study.sweep.ShortRunWarning")  # 1 day, meant
def test_the_error_and_reason_columns_are_text_and_empty_where_no_run_failed(tmp_path):
    """data.md: a text column's missing value is "", which runs.parquet keeps apart from NaN
    (`reason` was NaN, a float column, where no run failed)."""
    from journeysim.simulation.executors import Serial

    p = plan("checkout.cashiers=2", reps=1, days=1, overrides=("horizon.warmup_days=0",))
    runs = Sweep(p, tmp_path).run(Serial())
    stored = pd.read_parquet(next(tmp_path.glob("sweep-*/runs.parquet")))
    for table in (runs, stored):
        assert table["status"].tolist() == ["ok"] and table["error"].tolist() == [""]
        assert table["reason"].tolist() == [""]


def test_the_sweep_marks_points_whose_runs_all_or_partly_failed(tmp_path, monkeypatch, capsys):
    """One till cannot serve 40 shoppers an hour at 4 min each: every run of that point fails,
    and its charts and table got only the points that ran, so the point was silently left out.
    Two tills fail in one replication of two: the point's means, of the run that finished,
    were shown as any other's (the best contribution of the table)."""
    from journeysim.cli import main
    from journeysim.report import html as report_html

    drawn = []

    def sweep_line(runs, parameter, kpi, others, design, failed, partial):
        drawn.append((failed[parameter].tolist(), set(partial)))
        return Figure()

    monkeypatch.setattr(report_html, "sweep_line", sweep_line)
    monkeypatch.setattr(report_html.plots, "png", lambda figure: b"")
    mmc = ROOT / "scenarios" / "validation" / "mmc.yaml"
    argv = ["sweep", str(mmc), "--vary", "checkout.cashiers=1,2,3", "--reps", "2", "--days", "3"]
    argv += ["--set", "horizon.warmup_days=0", "--set", "arrivals.rate_per_hour=40"]
    argv += ["--set", "checkout.service_time.mean_min=4", "--workers", "1", "--quiet"]
    assert main([*argv, "--out", str(tmp_path)]) == 1  # some runs failed
    runs = pd.read_csv(next(tmp_path.glob("sweep-*/runs.csv")))
    finished = runs[runs["status"] == "ok"].groupby("point").size().reindex(range(3), fill_value=0)
    assert finished.tolist() == [0, 1, 2]  # the case this test is about
    assert drawn and all(charted == ([1], {1}) for charted in drawn)  # crossed, ringed
    (report,) = tmp_path.glob("sweep-*/report.html")
    rows = re.findall(r"<tr><td>(\d)</td><td>(\d)</td><td>([^<]*)</td>", report.read_text())
    assert rows == [("0", "1", "0 of 2"), ("1", "2", "1 of 2"), ("2", "3", "2 of 2")]
    out, err = capsys.readouterr()
    table = [line.split()[:3] for line in out.splitlines() if re.match(r"\d  ", line)]
    assert table == [["0", "1", "0"], ["1", "2", "1"], ["2", "3", "2"]]  # "0 of 2", ...
    assert "the means of the rest" in err
    # The Python API warns of them (it returned the failed rows without a word).
    with pytest.warns(
        FailedRunsWarning, match=r"^3 of 6 runs failed \(status and error in "
    ) as caught:
        journeysim.sweep(
            mmc, vary=["checkout.cashiers=1,2,3"], reps=2, days=3, out=tmp_path, workers=1,
            overrides=["horizon.warmup_days=0", "arrivals.rate_per_hour=40",
                       "checkout.service_time.mean_min=4"],
        )  # fmt: skip
    (failed,) = [w for w in caught if issubclass(w.category, FailedRunsWarning)]
    assert str(failed.message) in err and failed.filename == __file__


def test_a_base_scenario_that_cannot_run_leaves_the_sweep_and_its_report_whole(tmp_path, capsys):
    """The report traces a day of the base scenario, which need not be a point: two tills
    (the base) cannot serve 40 shoppers an hour at 4 min each, three and four (the points) can.
    The base's overrun stopped the command after every run had finished: exit 1 with the
    base's error, no report.html and no table."""
    from journeysim.cli import main

    mmc = ROOT / "scenarios" / "validation" / "mmc.yaml"
    load = ["arrivals.rate_per_hour=40", "checkout.service_time.mean_min=4"]
    with pytest.raises(ReplicationFailed, match="cannot keep up"):  # the case of this test
        journeysim.run(mmc, reps=1, days=3, overrides=load, workers=1)
    argv = ["sweep", str(mmc), "--vary", "checkout.cashiers=3,4", "--reps", "1", "--days", "3"]
    argv += [f"--set={override}" for override in load]
    assert main([*argv, "--workers", "1", "--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^1 +4 ", out, re.MULTILINE)  # the point table
    (runs,) = tmp_path.glob("sweep-*/runs.csv")
    assert (pd.read_csv(runs)["status"] == "ok").all()
    report = html.unescape((runs.parent / "report.html").read_text())
    assert "The base scenario could not be run to trace a visit of day 1 (Tue): mmc" in report


@pytest.mark.filterwarnings("ignore::journeysim.study.sweep.ShortRunWarning")  # 1 day, meant
def test_a_failed_run_is_named_once_and_keeps_its_reason_apart(tmp_path, capsys):
    """The line named the run twice: "e.g. point 0, replication 0: mmc, replication 0: 200
    shoppers still in the store ...". runs.csv holds a failed run's error whole and, in
    `reason`, without the scenario and the replication that its row names: what the line says."""
    from journeysim.cli import main

    mmc = ROOT / "scenarios" / "validation" / "mmc.yaml"
    argv = ["sweep", str(mmc), "--vary", "checkout.cashiers=1,3", "--reps", "1", "--days", "1"]
    argv += ["--set", "horizon.warmup_days=0", "--set", "arrivals.rate_per_hour=40"]
    argv += ["--set", "checkout.service_time.mean_min=4", "--workers", "1", "--quiet"]
    assert main([*argv, "--no-report", "--out", str(tmp_path)]) == 1
    line = capsys.readouterr().err.splitlines()[-1]
    assert re.search(r"e\.g\. point 0, replication 0: \d+ shoppers still in the store", line)
    assert line.count("replication") == 1 and "mmc" not in line
    (runs,) = tmp_path.glob("sweep-*/runs.csv")  # the file keeps the whole error
    assert pd.read_csv(runs)["error"].dropna().str.startswith("mmc, replication 0: ").all()
    failed = pd.read_csv(runs).query("status == 'failed'")
    assert failed["error"].tolist() == [f"mmc, replication 0: {failed['reason'].iloc[0]}"]
    assert line.endswith(f"e.g. point 0, replication 0: {failed['reason'].iloc[0]}")


@pytest.mark.filterwarnings("ignore::UserWarning")  # runs too short
def test_a_folder_made_before_the_reason_column_resumes(tmp_path):
    """A runs.csv without `reason` (made by an earlier journeysim) is resumed: its rows take
    their `error` for it, and the finished file is that of a sweep run whole."""
    sweep = {"vary": ["checkout.cashiers=2,3"], "days": 1, "workers": 1, "overrides": SMALL}
    journeysim.sweep(BASELINE, out=tmp_path / "whole", reps=2, **sweep)
    (whole,) = (tmp_path / "whole").glob("sweep-*/runs.csv")
    rows = list(csv.reader(whole.read_text().splitlines()))
    assert rows[0][-2:] == ["error", "reason"]
    older = tmp_path / "older" / whole.parent.name / "runs.csv"
    shutil.copytree(whole.parent, older.parent)
    with older.open("w", newline="") as handle:  # two runs of four missing, one failed
        csv.writer(handle, lineterminator="\n").writerows(
            [row[:-1] for row in rows[:2]] + [[*rows[2][:-3], "failed", "it broke"]]
        )
    journeysim.sweep(BASELINE, out=tmp_path / "older", reps=2, **sweep)
    assert older.read_text() == whole.read_text()


def test_an_interrupted_sweep_folder_has_its_manifest(tmp_path, monkeypatch):
    """The manifest is written before the runs, so a sweep stopped by Ctrl-C says what made
    it, from the command line and from the Python API alike."""
    from journeysim.cli import main

    def interrupted(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(Sweep, "run", interrupted)
    # The command line the manifest records is this process's (sys.argv), here pytest's own or
    # an xdist worker's: set the one a shell would give.
    vary = "checkout.cashiers=2,3"
    monkeypatch.setattr(sys, "argv", ["journeysim", "sweep", "baseline.yaml", "--vary", vary])
    assert main(["sweep", str(BASELINE), "--vary", vary, "--out", str(tmp_path / "cli")]) == 130
    with pytest.raises(KeyboardInterrupt):
        journeysim.sweep(BASELINE, vary=[vary], out=tmp_path / "api", overrides=["seed=7"])
    (made,) = (json.loads(m.read_text()) for m in tmp_path.glob("cli/sweep-*/manifest.json"))
    assert made["command"] == f"journeysim sweep baseline.yaml --vary {vary}"
    assert made["overrides"] == []
    (made,) = (json.loads(m.read_text()) for m in tmp_path.glob("api/sweep-*/manifest.json"))
    assert made["command"].startswith("journeysim.sweep(") and made["overrides"] == ["seed=7"]
    # A sweep file's own `set` was left out: the manifest listed the --set options alone.
    study = tmp_path / "study.yaml"
    study.write_text(
        f"scenario: {BASELINE}\nset: [payment.random_failures=false]\n"
        "vary: {checkout.cashiers: [2, 3]}\n"
    )
    given = ["--set", "checkout.single_queue=true", "--out", str(tmp_path / "file")]
    assert main(["sweep", str(study), *given]) == 130
    with pytest.raises(KeyboardInterrupt):
        journeysim.sweep(study, out=tmp_path / "file-api", overrides=["seed=7"])
    for folder, last in (("file", "checkout.single_queue=true"), ("file-api", "seed=7")):
        (path,) = tmp_path.glob(f"{folder}/sweep-*/manifest.json")
        assert json.loads(path.read_text())["overrides"] == ["payment.random_failures=false", last]


def made(folder: Path) -> dict:
    (path,) = folder.glob("sweep-*/manifest.json")
    return json.loads(path.read_text())


@pytest.mark.filterwarnings("ignore::UserWarning")  # runs too short, replications kept
def test_a_resumed_sweep_manifest_lists_every_invocation_and_the_runs_it_holds(tmp_path):
    """Run with 2 replications, again with 1, then with 3: the latest command alone does not
    describe the folder, so the manifest lists every invocation with the runs it added, and the
    replications a point the folder holds."""
    sweep = {"vary": ["checkout.cashiers=2,3"], "out": tmp_path, "days": 1, "workers": 1}
    sweep["overrides"] = [*SMALL, "horizon.warmup_days=0"]
    for reps in (2, 1, 3):
        journeysim.sweep(BASELINE, reps=reps, **sweep)
    manifest = made(tmp_path)
    invocations = manifest["invocations"]
    assert [entry["runs_added"] for entry in invocations] == [4, 0, 2]
    assert [entry["command"] for entry in invocations] == [
        f"journeysim.sweep('{BASELINE}', vary=['checkout.cashiers=2,3'], out='{tmp_path}', "
        f"reps={reps}, days=1, overrides={sweep['overrides']!r})"
        for reps in (2, 1, 3)
    ]
    assert all(entry["created"] and entry["journeysim"] for entry in invocations)
    assert manifest["command"] == invocations[-1]["command"]  # the latest, as before
    assert manifest["runs"] == 6 and manifest["replications"] == {"min": 3, "max": 3}


@pytest.mark.filterwarnings("ignore::journeysim.study.sweep.ShortRunWarning")  # 1 day, meant
@pytest.mark.parametrize("damage", ['{"invocations": [', "[" * 100_000])
def test_the_python_api_refuses_a_sweep_whose_manifest_cannot_be_read(tmp_path, damage):
    """A damaged manifest was written afresh with a warning, losing the commands it listed,
    where `journeysim sweep` refuses the folder: refused as the command refuses it (JSON nested
    too deeply to read raised a RecursionError), nothing written; once the manifest is deleted
    the sweep resumes, its runs kept."""
    sweep = {"vary": ["checkout.cashiers=2"], "out": tmp_path, "days": 1, "workers": 1}
    sweep["overrides"] = [*SMALL, "horizon.warmup_days=0"]
    journeysim.sweep(BASELINE, reps=1, **sweep)
    (path,) = tmp_path.glob("sweep-*/manifest.json")
    path.write_text(damage)  # cut short
    before = {p: p.read_bytes() for p in path.parent.iterdir()}
    with pytest.raises(InputError, match=rf"^out: cannot read {re.escape(str(path))}: not JSON"):
        journeysim.sweep(BASELINE, reps=2, **sweep)
    assert {p: p.read_bytes() for p in path.parent.iterdir()} == before
    path.unlink()
    journeysim.sweep(BASELINE, reps=2, **sweep)
    manifest = made(tmp_path)
    assert manifest["runs"] == 2
    assert [entry["runs_added"] for entry in manifest["invocations"]] == [None, 1]


@pytest.mark.filterwarnings("ignore::journeysim.study.sweep.ShortRunWarning")  # 1 day, meant
def test_the_sweep_command_refuses_a_folder_whose_manifest_cannot_be_read(tmp_path, capsys):
    """`journeysim sweep` wrote its own manifest over a damaged one (with only a warning, as the
    Python API did): refused as run refuses it, one line, exit 2, nothing written; once the
    manifest is deleted the sweep resumes."""
    from journeysim.cli import main

    argv = ["sweep", str(BASELINE), "--vary", "checkout.cashiers=2,3", "--reps", "1"]
    argv += ["--days", "1", "--no-report", "--quiet", "--workers", "1", "--out", str(tmp_path)]
    argv += [f"--set={s}" for s in (*SMALL, "horizon.warmup_days=0")]
    assert main(argv) == 0
    (path,) = tmp_path.glob("sweep-*/manifest.json")
    path.write_text("garbage\n")
    before = {p: p.read_bytes() for p in path.parent.iterdir()}
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == (
        f"journeysim sweep: error: cannot read {path}: not JSON (Expecting value: line 1 "
        "column 1 (char 0)); delete the manifest, or give another --out\n"
    )
    assert {p: p.read_bytes() for p in path.parent.iterdir()} == before
    path.unlink()
    assert main([*argv, "--reps", "2"]) == 0
    assert made(tmp_path)["runs"] == 4


def test_a_sweep_stopped_by_ctrl_c_notes_the_runs_it_added(tmp_path):
    from journeysim.simulation.executors import Serial

    class Interrupted(Serial):
        """Serial, with a Ctrl-C after the first run."""

        def run(self, fn, tasks):
            yield next(iter(super().run(fn, tasks)))
            raise KeyboardInterrupt

    sweep = Sweep(plan("checkout.cashiers=2,3", reps=2, days=1), tmp_path)
    sweep.pending()
    sweep.write_manifest(SMALL, "a call")
    assert made(tmp_path)["invocations"] == [
        {
            "command": "a call",
            "created": made(tmp_path)["created"],
            "journeysim": ANY,
            "runs_added": None,
        }
    ]  # until it ends: a sweep killed outright leaves it unknown
    with pytest.raises(KeyboardInterrupt):
        sweep.run(Interrupted())
    manifest = made(tmp_path)
    assert [entry["runs_added"] for entry in manifest["invocations"]] == [1]
    assert manifest["runs"] == 1 and manifest["replications"] == {"min": 0, "max": 1}


@pytest.mark.filterwarnings("ignore::UserWarning")  # runs too short
def test_a_sweep_extended_and_stopped_leaves_no_tables_of_fewer_runs_than_runs_csv(tmp_path):
    """runs.parquet, summary.csv and report.html of the finished sweep of one replication
    stayed beside a runs.csv that an extension to two, stopped by Ctrl-C, had added to:
    runs.parquet held 2 runs and runs.csv 3, summary.csv's n said 1 a point."""
    from journeysim.simulation.executors import Serial

    class Interrupted(Serial):
        """Serial, with a Ctrl-C after the first run."""

        def run(self, fn, tasks):
            yield next(iter(super().run(fn, tasks)))
            raise KeyboardInterrupt

    options = {"days": 1, "overrides": ("horizon.warmup_days=0",)}
    Sweep(plan("checkout.cashiers=2,3", reps=1, **options), tmp_path).run(Serial())
    (folder,) = tmp_path.glob("sweep-*")
    (folder / "report.html").write_text("the report of 2 runs")  # as the command writes it
    finished = ["runs.parquet", "summary.csv", "report.html"]
    assert all((folder / name).exists() for name in finished)
    extended = Sweep(plan("checkout.cashiers=2,3", reps=2, **options), tmp_path)
    with pytest.raises(KeyboardInterrupt):
        extended.run(Interrupted())
    assert len(pd.read_csv(folder / "runs.csv")) == 3
    assert [name for name in finished if (folder / name).exists()] == []
    runs = extended.run(Serial())  # resumed: written again, of every run
    assert len(runs) == len(pd.read_parquet(folder / "runs.parquet")) == 4
    assert pd.read_csv(folder / "summary.csv")["n"].tolist() == [2, 2]


@pytest.mark.filterwarnings("ignore::UserWarning")  # runs too short
def test_a_manifest_of_one_command_becomes_the_first_invocation(tmp_path):
    """A folder from before invocations were listed: its command is kept, the runs it added
    unknown; a folder with runs and no manifest gets an unknown first invocation."""
    from journeysim.manifest import write_manifest
    from journeysim.simulation.executors import Serial

    p = plan("checkout.cashiers=2,3", reps=1, days=1, overrides=("horizon.warmup_days=0",))
    Sweep(p, tmp_path / "old").run(Serial())
    (folder,) = (tmp_path / "old").glob("sweep-*")
    write_manifest(folder, p.base.seed, SMALL, "the old call")
    Sweep(p, tmp_path / "none").run(Serial())  # no manifest at all
    for out in ("old", "none"):
        sweep = Sweep(p, tmp_path / out)
        sweep.pending()
        sweep.write_manifest(SMALL, "the new call")
        sweep.run(Serial())
    old, none = made(tmp_path / "old")["invocations"], made(tmp_path / "none")["invocations"]
    assert [(e["command"], e["runs_added"]) for e in old] == [
        ("the old call", None),
        ("the new call", 0),
    ]
    assert none[0] == {"command": None, "created": None, "journeysim": None, "runs_added": None}
    assert made(tmp_path / "none")["runs"] == 2


def test_runs_handed_to_the_executor_in_chunks_give_the_same_rows(tmp_path, monkeypatch):
    from journeysim.simulation.executors import Serial
    from journeysim.study import sweep as sweep_module

    class Counting(Serial):
        """Serial, noting how many tasks each call is handed."""

        def __init__(self) -> None:
            self.handed: list[int] = []

        def run(self, fn, tasks):
            self.handed.append(len(tasks))
            yield from super().run(fn, tasks)

    p = plan("checkout.cashiers=2,3,4", reps=2, days=2)
    whole = Sweep(p, tmp_path / "whole").run(Serial())
    monkeypatch.setattr(sweep_module, "CHUNK", 4)
    executor = Counting()
    chunked = Sweep(p, tmp_path / "chunked").run(executor)
    assert executor.handed == [4, 2]  # 6 runs, at most 4 scenarios held at once
    pd.testing.assert_frame_equal(chunked, whole)


def test_a_sweep_warns_where_its_runs_are_too_short_to_see_returns(tmp_path):
    """Return windows of 14 days: the 7-day point can see no return and is named; the 15-day
    point can; both runs are too small to tell lifetimes (300 customers, no burn-in)."""
    with pytest.warns(UserWarning) as caught:
        runs = journeysim.sweep(
            BASELINE,
            vary=["horizon.days=7,15"],
            out=tmp_path,
            reps=2,
            overrides=["horizon.burn_in_days=0", "arrivals.base_customers=300"],
            workers=1,
        )
    rates = runs.groupby("horizon.days")["return_rate"].count()
    assert rates[7] == 0 and rates[15] == 2
    with open(next(tmp_path.glob("sweep-*/runs.csv")), newline="") as table:
        rows = list(csv.DictReader(table))  # data.md: NaN is an empty field, in every CSV
    assert [r["return_rate"] for r in rows if float(r["horizon.days"]) == 7] == ["", ""]
    assert not [v for r in rows for v in r.values() if v.lower() == "nan"]
    (manifest,) = tmp_path.glob("sweep-*/manifest.json")  # the API's folders say what made them
    made = json.loads(manifest.read_text())
    assert made["command"] == (
        f"journeysim.sweep('{BASELINE}', vary=['horizon.days=7,15'], out='{tmp_path}', reps=2, "
        "overrides=['horizon.burn_in_days=0', 'arrivals.base_customers=300'])"
    )
    assert made["overrides"] == ["horizon.burn_in_days=0", "arrivals.base_customers=300"]
    texts = [str(w.message) for w in caught]
    returns = [t for t in texts if "return rate is n/a" in t]
    assert returns == [t for t in returns if t.startswith("1 of 2 points (e.g. point 0): ")]
    assert len(returns) == 1 and "the 7 measured days" in returns[0]
    assert sum("lifetime margin are n/a" in t for t in texts) == 1


def test_a_sweep_whose_return_rate_counts_less_than_a_week_says_so():
    """As `run` does: with --days 15 and the window of 14 every point's return rate counts its
    first measured day's visits alone; with 21 days, a week of them, nothing is said."""
    from journeysim.study.sweep import short_run_warnings

    runs = pd.DataFrame({"point": [0, 0, 1, 1], "return_rate": 0.9, "lifetime_days": float("nan")})
    short = plan("checkout.cashiers=2,3", days=15)
    (part,) = [t for t in short_run_warnings(short, runs) if "counts the visits" in t]
    assert part == f"every point (e.g. point 0): {part_week_warning(short.point(0))}"
    assert "first measured day only" in part
    week = plan("checkout.cashiers=2,3", days=21)
    assert not [t for t in short_run_warnings(week, runs) if "counts the visits" in t]


def test_a_sweep_run_again_with_fewer_replications_says_it_keeps_the_earlier_ones(tmp_path):
    """The finished runs stay (a sweep only adds runs), and summary.csv's n counts them: the
    second command is told, since its own --reps does not describe the folder."""
    p = plan("checkout.cashiers=2,3", reps=2, days=1)
    Sweep(p, tmp_path).run()
    fewer = plan("checkout.cashiers=2,3", reps=1, days=1)
    with pytest.warns(KeptRunsWarning, match=r"up to 2 a point, against 1"):
        Sweep(fewer, tmp_path).run()
    summary = pd.read_csv(next(tmp_path.glob("sweep-*/summary.csv")))
    assert summary["n"].tolist() == [2, 2]


def test_a_resumed_sweep_report_gives_the_replications_its_table_holds(tmp_path, capsys):
    """Run with --reps 2, then again with --reps 1: the report's base scenario read "1 x 1"
    over a table of 2 runs a point, kept from the first. It reads "2 x 1", and says why."""
    from journeysim.cli import main

    argv = [str(BASELINE), "--vary", "checkout.cashiers=2,3", "--days", "1", "--quiet"]
    argv += ["--out", str(tmp_path), "--workers", "1", *(f"--set={s}" for s in SMALL)]
    assert main(["sweep", *argv, "--reps", "2"]) == 0
    assert main(["sweep", *argv, "--reps", "1"]) == 0
    assert "left more replications than this one asks for" in capsys.readouterr().err
    text = next(tmp_path.glob("sweep-*/report.html")).read_text()
    assert "<td>Replications x days</td><td>2 x 1 (after " in text
    assert text.count("<td>2</td>") >= 2  # the KPI table's runs column: 2 at each point
    assert "Replications: 2 a point, the runs the KPI table holds, where this sweep asked " in text
    assert "for 1: a sweep run again keeps the runs already done, and an earlier run" in text


def test_the_sweep_report_carries_the_warnings_of_its_dash_columns(tmp_path, capsys):
    """Windows of 1 and 2 days over 2 measured days: point 1 has no return rate and the small
    store no lifetime; report.html says why beside its "-", with the console's texts, and
    charts the contribution beside the revenue, as the console's table shows it."""
    from journeysim.cli import main
    from journeysim.study.sweep import short_run_warnings

    argv = [str(BASELINE), "--vary", "loyalty.return_window_days=1,2", "--reps", "2"]
    argv += ["--days", "2", "--out", str(tmp_path), "--quiet", "--workers", "1"]
    argv += [f"--set={s}" for s in (*SMALL, "horizon.warmup_days=0")]
    assert main(["sweep", *argv]) == 0
    printed = capsys.readouterr().err
    folder = next(tmp_path.glob("sweep-*"))
    runs = pd.read_csv(folder / "runs.csv")
    assert runs.groupby("point")["return_rate"].count().to_dict() == {0: 2, 1: 0}
    spec = SweepSpec(BASELINE, (parse_vary("loyalty.return_window_days=1,2"),), "grid", None)
    overrides = (*SMALL, "horizon.warmup_days=0", "horizon.days=2", "replications=2")
    texts = short_run_warnings(plan_sweep(spec.updated(overrides=overrides)), runs)
    assert texts[0].startswith("1 of 2 points (e.g. point 1): return rate is n/a")
    # Point 0's window of 1 day leaves the first of its 2 measured days to count.
    assert texts[1].startswith(
        "1 of 2 points (e.g. point 0): return rate counts the visits of the first measured day "
        "only, whose return window (loyalty.return_window_days, 1) ends within the run"
    )
    assert texts[2].startswith(
        "customer lifetime and lifetime margin are n/a in every replication of every point "
        "(e.g. point 0): "
    )
    report = (folder / "report.html").read_text()
    for text in texts:
        assert text in printed and f"Warning: {html.escape(text)}." in report
    # Point 1 failed: "every point" was said of point 0's runs alone (a researcher's review).
    only_0 = runs[runs["point"] == 0]
    _, lifetime = short_run_warnings(plan_sweep(spec.updated(overrides=overrides)), only_0)
    assert lifetime.startswith(
        "customer lifetime and lifetime margin are n/a in every replication of every point run "
        "(e.g. point 0): "
    )
    charts = {path.name for path in folder.glob("*.png")}
    drawn = ("return_rate", "nps", "csat", "revenue_per_day", "contribution_per_day")
    assert charts == {f"{kpi}_by_loyalty.return_window_days.png" for kpi in drawn}


def test_the_sobol_table_shows_a_dash_where_a_metric_has_no_indices(tmp_path, capsys):
    """One measured day cannot show a return: its indices are NaN, printed "-" in the console
    and in report.html (both printed nan)."""
    from journeysim.cli import main

    small = [f"--set={s}" for s in (*SMALL, "horizon.warmup_days=0")]
    # 4 base samples: with 2, cashiers took one value in both samples of each (refused).
    argv = ["sweep", str(BASELINE), "--design", "sobol", "--samples", "4"]
    argv += ["--vary", "checkout.cashiers=2:4", "--reps", "2", "--days", "1", *small]
    assert main([*argv, "--workers", "1", "--quiet", "--out", str(tmp_path)]) == 0
    table = capsys.readouterr().out.split("Sobol' indices")[1]
    (returns,) = [line.split() for line in table.splitlines() if line.startswith("return_rate")]
    assert returns == ["return_rate", "checkout.cashiers", "-", "-", "-", "-", "-"]
    assert "nan" not in table
    report = next(tmp_path.glob("sweep-*/report.html")).read_text()
    section = report.split("<h2>Sobol&#x27; indices</h2>")[1].split("</section>")[0]
    row = "<td>Return rate</td><td>checkout.cashiers</td>" + "<td>-</td>" * 4
    assert row in section.replace("\n", "") and "nan" not in section
