"""Bad input to the Python API: every case raises journeysim.InputError (one documented family)
with one line naming the argument, before anything runs (audit 22, B8)."""

from __future__ import annotations

import decimal
import os
import re
from pathlib import Path

import pytest

import journeysim
from journeysim.errors import InputError, InputTypeError
from journeysim.scenario import ScenarioError
from journeysim.study.designs import DesignError
from journeysim.study.sweep import Sweep
from journeysim.study.trial_study import TrialStudy

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline.yaml"
SHORT = ["horizon.days=1", "horizon.burn_in_days=0", "horizon.warmup_days=0"]


def zero_lanes() -> journeysim.Scenario:
    """A scenario edited field by field into one without any checkout lane."""
    scenario = journeysim.load_scenario(BASE, SHORT)
    scenario.checkout.cashiers = 0
    scenario.checkout.self_checkouts = 0
    return scenario


def _optimise(tmp: Path, **given):
    kwargs = {"decide": ["checkout.cashiers=2:3"], "minimise": "wages_per_day", "out": tmp}
    return journeysim.optimise(BASE, **{**kwargs, **given, "overrides": SHORT})


def _calibrate(tmp: Path, **given):
    kwargs = {"targets": ["csat=3.8"], "free": ["loyalty.ltr_center=0.2:0.4"], "out": tmp}
    return journeysim.calibrate(BASE, **{**kwargs, **given, "overrides": SHORT})


def _select(**given):
    return journeysim.select(BASE, BASE, **{"objective": "nps", **given, "overrides": SHORT})


# (argument named by the error, call given a temporary folder and a file in it)
CASES = {
    "compare without scenarios": ("scenarios", lambda d, f: journeysim.compare()),
    "compare one scenario": ("scenarios", lambda d, f: journeysim.compare(BASE)),
    "compare a list": ("scenarios", lambda d, f: journeysim.compare([BASE, BASE])),
    "select one scenario": ("scenarios", lambda d, f: journeysim.select(BASE, objective="nps")),
    "overrides None": ("overrides", lambda d, f: journeysim.run(BASE, overrides=None)),
    "overrides [3]": ("overrides[0]", lambda d, f: journeysim.run(BASE, overrides=[3])),
    "overrides a dict": (
        "overrides",
        lambda d, f: journeysim.run(BASE, overrides={"checkout.cashiers": 3}),
    ),
    "overrides a pair": (
        "overrides[0]",
        lambda d, f: journeysim.run(BASE, overrides=[("checkout.cashiers", "3")]),
    ),
    "overrides a bad value": (
        "overrides[1]: checkout.cashiers",
        lambda d, f: journeysim.run(BASE, overrides=[SHORT[0], "checkout.cashiers=-1"]),
    ),
    "overrides without zones in a sweep": (
        "overrides[0]: zones: expected at least one zone",
        lambda d, f: journeysim.sweep(
            BASE, vary="checkout.cashiers=2,3", out=d, overrides="zones=[]"
        ),
    ),
    "overrides a bad value in optimise": (
        "overrides[0]: checkout.cashiers",
        lambda d, f: journeysim.optimise(
            BASE,
            decide=["checkout.cashiers=2:3"],
            minimise="wages_per_day",
            out=d,
            overrides="checkout.cashiers=x",
        ),
    ),
    "workers text": ("workers", lambda d, f: journeysim.run(BASE, workers="2", overrides=SHORT)),
    "workers float": ("workers", lambda d, f: journeysim.run(BASE, workers=2.0, overrides=SHORT)),
    "workers 0": ("workers", lambda d, f: journeysim.run(BASE, workers=0, overrides=SHORT)),
    "scheduler garbage": (
        "scheduler",
        lambda d, f: journeysim.run(BASE, scheduler="garbage", overrides=SHORT),
    ),
    "sweep out a file": (
        "out",
        lambda d, f: journeysim.sweep(BASE, vary="checkout.cashiers=2,3", out=f, overrides=SHORT),
    ),
    "optimise out a file": ("out", lambda d, f: _optimise(f)),
    "calibrate out a file": ("out", lambda d, f: _calibrate(f)),
    "calibrate out None": ("out", lambda d, f: _calibrate(None)),
    "load_scenario 3": ("path", lambda d, f: journeysim.load_scenario(3)),
    "load_scenario a bad override": (
        "overrides[0]: checkout.cashiers",
        lambda d, f: journeysim.load_scenario(BASE, ["checkout.cashiers=-3"]),
    ),
    "select minimise yes": ("minimise", lambda d, f: _select(minimise="yes")),
    "select confidence 1.5": ("confidence", lambda d, f: _select(confidence=1.5)),
    "select indifference -1": ("indifference", lambda d, f: _select(indifference=-1)),
    "select bad constraint": ("constraints", lambda d, f: _select(constraints="nps>>3")),
    "select bad objective": ("objective", lambda d, f: _select(objective="foo")),
    "optimise bad subject_to": ("subject_to", lambda d, f: _optimise(d, subject_to=["x<3"])),
    "optimise bad minimise": ("minimise", lambda d, f: _optimise(d, minimise="foo")),
    # one text is one target (it was taken for a targets file's path)
    "calibrate one bad target text": ("targets: nps=", lambda d, f: _calibrate(d, targets="nps=")),
    "calibrate a KPI targeted twice": (
        "targets: nps=30",
        lambda d, f: _calibrate(d, targets=["nps=30", "nps=31"]),
    ),
    "calibrate bad free": ("free", lambda d, f: _calibrate(d, free=["loyalty.ltr_center"])),
    "optimise bad decide": ("decide", lambda d, f: _optimise(d, decide=["checkout.cashiers"])),
    "calibrate targets [3]": ("targets[0]", lambda d, f: _calibrate(d, targets=[3])),
    "progress a text": ("progress", lambda d, f: journeysim.run(BASE, progress="no")),
    "reps 0": ("reps", lambda d, f: journeysim.run(BASE, reps=0, overrides=SHORT)),
    "reps text": ("reps", lambda d, f: journeysim.run(BASE, reps="2", overrides=SHORT)),
    "reps too many": ("reps", lambda d, f: journeysim.run(BASE, reps=10**6, overrides=SHORT)),
    "days too many in compare": (
        "days",
        lambda d, f: journeysim.compare(BASE, BASE, days=10**6, overrides=SHORT),
    ),
    "seed -1 in select": ("seed", lambda d, f: _select(seed=-1)),
    "sweep samples text": (
        "samples",
        lambda d, f: journeysim.sweep(
            BASE, vary="checkout.cashiers=2:4", design="lhs", samples="8", out=d
        ),
    ),
    "sweep bad vary": (
        "vary: checkout",
        lambda d, f: journeysim.sweep(BASE, vary="checkout", out=d),
    ),
    "sweep a key varied twice": (
        "vary: each key once",
        lambda d, f: journeysim.sweep(
            BASE, vary=["checkout.cashiers=2,3", "checkout.cashiers=4"], out=d
        ),
    ),
    "sweep without vary": (
        "vary: expected a key to vary",
        lambda d, f: journeysim.sweep(BASE, out=d),
    ),
    "sweep bad design": (
        "design",
        lambda d, f: journeysim.sweep(BASE, vary="checkout.cashiers=2,3", design="halton", out=d),
    ),
    "sweep reps too many": (
        "reps",
        lambda d, f: journeysim.sweep(
            BASE, vary="checkout.cashiers=2,3", reps=10**6, out=d, overrides=SHORT
        ),
    ),
    "sweep lhs without samples": (
        "design: lhs needs samples",
        lambda d, f: journeysim.sweep(BASE, vary="checkout.cashiers=2:4", design="lhs", out=d),
    ),
    "sweep grid given a range": (
        "vary: checkout.cashiers=2:4: ranges need design",
        lambda d, f: journeysim.sweep(BASE, vary="checkout.cashiers=2:4", out=d),
    ),
    "calibrate bad sampler": ("sampler", lambda d, f: _calibrate(d, sampler="grid")),
    "optimise without decide": ("decide", lambda d, f: _optimise(d, decide=[])),
    "calibrate without targets": ("targets", lambda d, f: _calibrate(d, targets=[])),
    "calibrate without free": ("free", lambda d, f: _calibrate(d, free=[])),
    "optimise trials 0": ("trials", lambda d, f: _optimise(d, trials=0)),
    "optimise days too many": ("days", lambda d, f: _optimise(d, days=10**6)),
    "calibrate trials text": ("trials", lambda d, f: _calibrate(d, trials="3")),
    "edited Scenario without lanes": ("scenario", lambda d, f: journeysim.run(zero_lanes())),
    "edited Scenario in compare": (
        "scenarios[1]",
        lambda d, f: journeysim.compare(BASE, zero_lanes(), overrides=SHORT),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_an_input_error_naming_the_argument(case: str, tmp_path: Path) -> None:
    name, call = CASES[case]
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    with pytest.raises(InputError) as raised:
        call(tmp_path / "out", a_file)
    message = str(raised.value)
    assert re.match(rf"{re.escape(name)}[: ]", message), message
    assert "\n" not in message and not re.search(r"(^| )--[a-z]", message)  # no option names
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]  # nothing ran or was written


def test_the_error_family() -> None:
    """One class to catch, exported from journeysim; the older classes are kinds of it and keep
    being what they were (ValueError for select's and compare's problems, TypeError for a
    wrong type)."""
    assert journeysim.InputError is InputError and journeysim.InputTypeError is InputTypeError
    assert issubclass(InputError, ValueError)
    assert issubclass(InputTypeError, InputError) and issubclass(InputTypeError, TypeError)
    assert issubclass(ScenarioError, InputError) and issubclass(DesignError, ScenarioError)
    with pytest.raises(ScenarioError, match="^nope.yaml: file not found$"):
        journeysim.load_scenario("nope.yaml")


def test_an_argument_named_as_its_key_is_named_once(tmp_path: Path) -> None:
    """`seed=2**70` said "seed: seed: expected ...", a sweep's mapping "vary:
    vary.checkout.cashiers: expected ..." (the API's vary is no file)."""
    with pytest.raises(ScenarioError, match=r"^seed: expected a whole number from 0 to"):
        journeysim.run(BASE, seed=2**70, overrides=SHORT)
    with pytest.raises(ScenarioError, match=r"^vary\.checkout\.cashiers: expected a whole"):
        journeysim.sweep(BASE, vary={"checkout.cashiers": [2, "x"]}, out=tmp_path, overrides=SHORT)


def test_a_study_mappings_entry_is_named_once_and_by_its_argument(tmp_path: Path) -> None:
    """optimise's mapping said "decide: decide.checkout.cashiers: expected ...", and
    calibrate's named an argument it was not given: "free: decide.loyalty.ltr_center: ..."."""
    with pytest.raises(DesignError, match=r"^decide\.checkout\.cashiers: expected LOW:HIGH, "):
        journeysim.optimise(BASE, decide={"checkout.cashiers": "x"}, minimise="nps", out=tmp_path)
    with pytest.raises(DesignError, match=r"^free\.loyalty\.ltr_center: expected LOW:HIGH, "):
        _calibrate(tmp_path, free={"loyalty.ltr_center": "x"})
    assert list(tmp_path.iterdir()) == []


def test_a_choice_yaml_cannot_write_is_refused_naming_the_decision(tmp_path: Path) -> None:
    """A Decimal among a decision's or a free parameter's choices raised yaml's
    RepresenterError ('cannot represent an object'), which no `except InputError` catches."""
    expected = r"expected LOW:HIGH, \{low, high\} or a list of values \(got Decimal among them\)$"
    choices = {"checkout.cashiers": [2, decimal.Decimal(3)]}
    with pytest.raises(DesignError, match=rf"^decide\.checkout\.cashiers: {expected}"):
        _optimise(tmp_path, decide=choices)
    with pytest.raises(DesignError, match=rf"^free\.checkout\.cashiers: {expected}"):
        _calibrate(tmp_path, free=choices)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        ({"nps": (40, 5)}, r"targets\.nps: expected VALUE, 'VALUE\+-TOL' or \{value, .*\]\)"),
        ({"nps": 400}, r"targets\.nps: expected a value from -100 to 100 \(got 400\)"),
        ({}, r"targets: expected a mapping of KPIs to observed values \(got \{\}\)"),
    ],
)
def test_a_targets_mappings_entry_is_named_once(targets, expected, tmp_path: Path) -> None:
    """calibrate's targets mapping said "targets: targets.nps: expected ...", the doubled name
    sweep's vary mapping was rid of."""
    with pytest.raises(DesignError, match=f"^{expected}$"):
        _calibrate(tmp_path, targets=targets)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["runs.csv", "manifest.json", "runs.parquet", "summary.csv"])
def test_a_folder_where_a_sweep_keeps_a_file_is_refused_before_it_runs(
    name: str, tmp_path: Path, monkeypatch
) -> None:
    """journeysim.sweep checked only that its folder could be written: a folder in place of
    one of its files raised IsADirectoryError, for summary.csv once every run was done. It is
    refused as `journeysim sweep` refuses it, before any run."""
    monkeypatch.setattr(Sweep, "run", lambda *args: pytest.fail("ran before the checks"))
    folder = tmp_path / "sweep-x"
    (folder / name).mkdir(parents=True)
    expected = f"out: cannot write {folder}{os.sep}: {folder / name} is a folder; expected a file"
    with pytest.raises(InputError, match=f"^{re.escape(expected)}$"):
        journeysim.sweep(
            BASE, vary="checkout.cashiers=2,3", name="x", out=tmp_path, reps=1, overrides=SHORT
        )
    assert [p.name for p in folder.iterdir()] == [name]  # nothing written


@pytest.mark.parametrize(
    ("study", "name"),
    [("optimise", "best.yaml"), ("optimise", "trials.csv"), ("calibrate", "calibrated.yaml")],
)
def test_a_folder_where_a_study_keeps_a_file_is_refused_before_it_runs(
    study: str, name: str, tmp_path: Path, monkeypatch
) -> None:
    """journeysim.optimise and calibrate checked only that their folder could be written: a
    folder in place of one of their files raised IsADirectoryError once every trial was done."""
    monkeypatch.setattr(TrialStudy, "run", lambda *args: pytest.fail("ran before the checks"))
    folder = tmp_path / f"{study}-x"
    (folder / name).mkdir(parents=True)
    expected = f"out: cannot write {folder}{os.sep}: {folder / name} is a folder; expected a file"
    space = ["checkout.cashiers=2:3"]
    given = (
        {"decide": space, "minimise": "wages_per_day"}
        if study == "optimise"
        else {"free": space, "targets": ["nps=30"]}
    )
    with pytest.raises(InputError, match=f"^{re.escape(expected)}$"):
        getattr(journeysim, study)(BASE, **given, name="x", out=tmp_path, reps=2, overrides=SHORT)
    assert [p.name for p in folder.iterdir()] == [name]  # nothing written


def test_a_file_where_a_two_objective_study_keeps_its_front_is_refused_before_it_runs(
    tmp_path: Path, monkeypatch
) -> None:
    """A file named pareto, where a study of two objectives writes its front's scenarios, let
    every trial run and then raised NotADirectoryError."""
    monkeypatch.setattr(TrialStudy, "run", lambda *args: pytest.fail("ran before the checks"))
    folder = tmp_path / "optimise-x"
    folder.mkdir()
    pareto = folder / "pareto"
    pareto.write_text("mine\n")
    expected = f"out: cannot write {folder}{os.sep}: {pareto} is a file; expected a folder"
    with pytest.raises(InputError, match=f"^{re.escape(expected)}$"):
        journeysim.optimise(
            BASE,
            decide=["checkout.cashiers=2:3"],
            minimise="wages_per_day",
            maximise="nps",
            name="x",
            out=tmp_path,
            reps=2,
            overrides=SHORT,
        )
    assert [p.name for p in folder.iterdir()] == ["pareto"]  # nothing written
