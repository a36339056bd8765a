"""The Python API's inputs: texts given alone, wrong scenario types, worker counts; and a run
whose tables are empty in some replications."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeysim
from journeysim.scenario import load_scenario
from journeysim.simulation.executors import LocalPool, Serial
from journeysim.simulation.runner import run_scenario
from journeysim.study import selection
from journeysim.study.sources import resolve_scenario

MMC = Path(__file__).resolve().parents[1] / "scenarios" / "validation" / "mmc.yaml"


def test_one_override_given_as_a_text_is_a_list_of_one() -> None:
    alone = resolve_scenario(MMC, "checkout.cashiers=3")
    listed = resolve_scenario(MMC, ["checkout.cashiers=3"])
    assert alone == listed and alone.checkout.cashiers == 3


def test_one_decision_given_as_a_text_is_a_list_of_one(tmp_path: Path) -> None:
    result = journeysim.optimise(
        MMC,
        decide="checkout.cashiers=1:2",
        minimise="wages_per_day",
        out=tmp_path,
        reps=2,
        days=1,
        overrides="horizon.warmup_days=0",
    )
    assert sorted(result.trials["checkout.cashiers"]) == [1, 2]


@pytest.mark.parametrize("source", [None, {"checkout": {"cashiers": 2}}, 3])
@pytest.mark.parametrize("function", [journeysim.run, journeysim.sweep, journeysim.optimise])
def test_a_scenario_that_is_neither_a_path_nor_a_scenario_is_named(function, source) -> None:
    with pytest.raises(TypeError, match=r"^scenario: expected a file path or a Scenario \(got "):
        function(source)


def test_numpy_numbers_are_numbers() -> None:
    """Counts from a numpy array (a researcher's design) are whole numbers: the same run as
    with Python ints (np.int64(2) was refused as 'expected a whole number, got int64')."""
    short = ["horizon.warmup_days=0"]
    given = journeysim.run(
        MMC, reps=np.int64(2), days=np.int32(1), seed=np.uint8(7), overrides=short
    )
    plain = journeysim.run(MMC, reps=2, days=1, seed=7, overrides=short)
    assert given.summary.equals(plain.summary)
    chosen = journeysim.select(
        MMC, MMC, objective="csat", reps=5, days=1, overrides=short, confidence=np.float32(0.9)
    )
    assert chosen.table["replications"].tolist() == [5, 5]


def test_numpy_numbers_in_a_study_mapping_are_numbers(tmp_path: Path) -> None:
    """A sweep's values or a calibration's range from numpy (np.int64) were refused (YAML
    cannot write them; 'expected numbers for low and high'): they are the numbers they hold."""
    cashiers = np.arange(2, 4)
    swept = journeysim.sweep(
        MMC, vary={"checkout.cashiers": list(cashiers)}, reps=1, days=1, out=tmp_path / "a"
    )
    assert sorted(swept["checkout.cashiers"].unique()) == [2, 3]
    fitted = journeysim.calibrate(
        MMC,
        free={"checkout.cashiers": {"low": cashiers[0], "high": cashiers[1]}},
        targets={"mean_checkout_wait_min": np.float64(1.0)},
        reps=2,
        days=1,
        trials=2,
        out=tmp_path / "b",
    )
    assert fitted.best_params["checkout.cashiers"] in (2, 3)


@pytest.mark.parametrize(
    ("values", "kind"),
    [(range(2, 4), "range"), (pd.Series([2, 3]), "Series"), ([2, object()], "object")],
)
def test_sweep_values_yaml_cannot_write_are_refused_as_input(values, kind, tmp_path) -> None:
    """A range (a researcher's natural list of counts) raised yaml's RepresenterError, not an
    InputError naming the key, as optimise's and calibrate's do for it."""
    expected = r"^vary\.checkout\.cashiers: expected a list of values or \{low, high\} \(got "
    with pytest.raises(journeysim.InputError, match=f"{expected}{kind}\\)$"):
        journeysim.sweep(MMC, vary={"checkout.cashiers": values}, out=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", "one line of 1 to 100"),
        ("x" * 300, "one line of 1 to 100"),
        ("two\nlines", "one line of 1 to 100"),
        ("..", r"a name with a letter or digit for its folder \(got '\.\.'\)$"),
    ],
)
def test_a_name_that_cannot_name_a_folder_is_refused_before_running(
    name: str, expected: str, tmp_path
) -> None:
    """300 characters raised OSError (file name too long) once the sweep was planned; an empty
    name was ignored; '.' and '..' both named the folder sweep-."""
    with pytest.raises(journeysim.InputError, match=f"^name: expected {expected}"):
        journeysim.sweep(MMC, vary=["checkout.cashiers=2,3"], name=name, out=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_load_scenario_takes_one_override_text_and_refuses_other_types() -> None:
    """One text was read letter by letter ("--set c: expected KEY.PATH=VALUE"); a number
    raised TypeError. The API's load_scenario names the argument as its other functions do."""
    for load in (load_scenario, journeysim.load_scenario):
        assert load(MMC, "checkout.cashiers=3").checkout.cashiers == 3
        for bad in ([5], {"checkout.cashiers": 3}, b"checkout.cashiers=3", 5):
            with pytest.raises(journeysim.InputTypeError, match=r"^overrides(\[0\])?: expected"):
                load(MMC, bad)


def test_a_comparisons_difference_names_a_mistyped_metric() -> None:
    compared = journeysim.compare(MMC, MMC, reps=2, days=1)
    assert compared.difference("mmc-2", "csat")["metric"] == "csat"
    with pytest.raises(journeysim.InputError, match="got 'csatt'; did you mean 'csat'"):
        compared.difference("mmc-2", "csatt")  # was an IndexError


def test_a_comparison_takes_the_smallest_difference_that_matters() -> None:
    """`negligible` is `--negligible`: by metric, in the unit the tables print (points for a
    share), a numpy number as good as any; comparison.csv records each floor."""
    floors = {"nps": np.int64(3), "return_rate": 0.5}
    compared = journeysim.compare(MMC, MMC, reps=2, days=1, negligible=floors)
    assert compared.difference("mmc-2", "nps")["negligible_within"] == 3.0
    assert compared.difference("mmc-2", "return_rate")["negligible_within"] == 0.005
    assert compared.difference("mmc-2", "csat")["negligible_within"] == 0.02  # the default


def test_an_infinite_indifference_is_refused_before_anything_runs(monkeypatch) -> None:
    monkeypatch.setattr(selection, "_Runs", lambda *args: pytest.fail("ran before refusing"))
    with pytest.raises(journeysim.InputError, match="^indifference: expected a finite number"):
        journeysim.select(MMC, MMC, objective="csat", indifference=float("inf"))


@pytest.mark.parametrize("workers", [0, -1])
def test_fewer_than_one_worker_is_refused(workers: int) -> None:
    with pytest.raises(
        ValueError, match=rf"^workers: expected at least 1 process \(got {workers}\)$"
    ):
        LocalPool(workers)


def test_more_workers_than_four_a_core_are_refused(monkeypatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert LocalPool(8).workers == 8
    with pytest.raises(
        ValueError,
        match=r"^workers: expected at most 8 processes, 4 per core of this machine "
        r"\(got 9\)$",
    ):
        LocalPool(9)


def test_a_log_empty_in_some_replications_stacks_without_warnings() -> None:
    # Random terminal failures every 100 hours on one day: replications 0 and 2 log a failure
    # and its repair, 1 and 3 none. The stacked log keeps its numeric time column.
    scenario = load_scenario(
        MMC,
        [
            "horizon.days=1",
            "horizon.warmup_days=0",
            "replications=4",
            "payment.random_failures=true",
            "payment.terminal_mtbf_hours=100",
        ],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run_scenario(scenario, Serial())
    assert sorted(set(result.terminal_log["replication"])) == [0, 2]
    assert result.terminal_log["time"].dtype == float


@pytest.mark.parametrize(
    ("objective", "got"), [(None, "None"), (5, "int 5"), (["nps"], "list \\['nps'\\]")]
)
def test_an_objective_that_is_no_text_is_a_type_error(objective: object, got: str) -> None:
    """select(objective=None) raised a plain InputError, "objective None is not one of ...",
    where a wrong type is an InputTypeError, as optimise's minimise=[5] is."""
    with pytest.raises(
        journeysim.InputTypeError, match=rf"^objective: expected a text .* \(got {got}\)$"
    ):
        journeysim.select(MMC, MMC, objective=objective)
    with pytest.raises(
        journeysim.InputError, match=r"^objective: expected one of .*\(got 'np'; did"
    ):
        journeysim.select(MMC, MMC, objective="np")


@pytest.mark.parametrize(
    ("command", "arguments", "got", "meant"),
    [
        ("calibrate", {"targets": ["np=40"], "free": ["checkout.cashiers=1:3"]}, "np", "nps"),
        ("calibrate", {"targets": {"np": 40}, "free": ["checkout.cashiers=1:3"]}, "np", "nps"),
        (
            "optimise",
            {"subject_to": ["np>=30"], "decide": ["checkout.cashiers=1:3"]},
            "np>=30",
            "nps",
        ),
        ("select", {"constraints": ["np>=30"], "objective": "nps"}, "np>=30", "nps"),
        (
            "calibrate",
            {"targets": {"receipts_weekdy_h0700": 4}, "free": ["checkout.cashiers=1:3"]},
            "receipts_weekdy_h0700",
            "receipts_weekday_h0700",
        ),
    ],
)
def test_a_misspelt_kpi_is_named_with_the_one_it_may_mean(
    command: str, arguments: dict, got: str, meant: str
) -> None:
    """As a misspelt objective is: a target or constraint listed every KPI, without it (and a
    misspelt hourly target every KPI and the pattern, without the hourly KPI it may mean)."""
    scenarios = (MMC, MMC) if command == "select" else (MMC,)
    argument = next(iter(arguments))  # the one at fault, which the error opens with
    with pytest.raises(
        journeysim.InputError, match=rf"^{argument}.*\(got '{got}'; did you mean '{meant}'\?\)$"
    ):
        getattr(journeysim, command)(*scenarios, **arguments)


def test_two_results_of_the_same_run_compare_without_an_error() -> None:
    """a == b raised "The truth value of a DataFrame is ambiguous" for two results (dataclasses
    holding tables); a result is now equal only to itself, and its tables compare as tables."""
    a, b = (journeysim.run(MMC, reps=2, days=1, seed=7) for _ in range(2))
    assert a == a and a != b
    pd.testing.assert_frame_equal(a.summary, b.summary)  # the same numbers, as reproducible
