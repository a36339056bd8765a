"""No input hangs or crashes: every number is bounded, a run whose shoppers never leave stops
with a clear error, and a failing replication or a dying worker ends the command in one line."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from journeysim.errors import InputError
from journeysim.psyche.memory import remembered_score
from journeysim.scenario import ScenarioError, load_scenario, scenario_json_schema
from journeysim.simulation.executors import LocalPool, Serial, run_replications
from journeysim.simulation.failures import ReplicationFailed, TaskFailed
from journeysim.simulation.overrun import (
    MAX_VISITS_PER_DAY,
    OVERTIME_MIN,
    Overgrown,
    Overrun,
    overrun,
)
from journeysim.simulation.replication import simulate
from journeysim.study.calibrate_spec import read_targets_file, targets_from_yaml
from journeysim.study.csv_rows import read_rows
from journeysim.study.decisions import decision_from_yaml
from journeysim.study.designs import DesignError, parse_vary, vary_from_yaml
from journeysim.study.sensitivity import SobolWarning, imprecise, imprecision_warning
from journeysim.study.sweep import Sweep, plan_sweep
from journeysim.study.sweep_spec import SweepSpec

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = ("arrivals.base_customers=300", "horizon.burn_in_days=0", "horizon.warmup_days=0")
SEGMENTS = ("time_pressed", "bargain_hunter", "family", "loyal_regular")

# One cashier serving for 4 hours each, nobody balks or reneges: shoppers pile up and are
# still queueing a day after the one-day horizon.
STUCK = """\
name: stuck
replications: 2
horizon: {days: 1, warmup_days: 0, burn_in_days: 0}
arrivals: {mode: open, rate_per_hour: 100}
checkout:
  cashiers: 1
  self_checkouts: 0
  balking: false
  reneging: false
  service_time: {dist: fixed, mean_min: 240}
"""


def _numbers(node: Any, path: str = ""):
    """(path, schema) of every number or integer in a JSON Schema, $refs resolved."""
    defs = scenario_json_schema()["$defs"]
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    if node.get("type") in ("number", "integer"):
        yield path, node
    for option in node.get("anyOf", []):
        yield from _numbers(option, path)
    for key, child in node.get("properties", {}).items():
        yield from _numbers(child, f"{path}.{key}")
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from _numbers(node[key], f"{path}.{key}")


def test_every_number_has_a_lower_and_an_upper_bound() -> None:
    numbers = list(_numbers(scenario_json_schema()))
    assert len(numbers) > 150  # the walk reaches the whole schema
    for path, node in numbers:
        assert {"minimum", "exclusiveMinimum"} & set(node), path
        assert {"maximum", "exclusiveMaximum"} & set(node), path


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("checkout.service_time.mean_min=.inf", "expected a finite number above 0 and at most"),
        ("checkout.service_time.mean_min=.nan", "expected a finite number"),
        ("checkout.service_time.mean_min=1.0e300", "at most 240"),
        ("checkout.cashiers=100000000", "expected a whole number from 0 to 200"),
        ("staff.roles.stocker.count=1000000000000", "from 0 to 200"),
        ("hours.weekday_profile.0=.inf", "finite"),
        ("psyche.market_standard.cart=.nan", "finite"),
        ("costs.wage_per_hour.cashier=-1", "from 0 to 10,000"),
        ("arrivals.base_customers=1000000000", "from 0 to 200,000"),
    ],
)
def test_extreme_values_are_refused_with_the_key(override: str, expected: str) -> None:
    key = override.partition("=")[0]
    with pytest.raises(ScenarioError) as error:
        load_scenario(BASELINE, [override])
    assert str(error.value).startswith(f"--set {key}: expected ")
    assert expected in str(error.value)


def test_a_run_whose_shoppers_never_leave_stops_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "stuck.yaml"
    path.write_text(STUCK)
    with pytest.raises(Overrun) as error:
        simulate(load_scenario(path), replication=1)
    message = str(error.value)
    assert message.startswith("stuck, replication 1: ")
    # Open mode: 100 an hour against one till serving one in 4 hours names the load and the
    # tills first (utilisation 400), with the service time.
    assert (
        ": the checkout cannot keep up: 100 shoppers arrive an hour (arrivals.rate_per_hour), "
        "more than its tills serve: at most 0.25 an hour; check checkout.cashiers, "
        "checkout.self_checkouts and checkout.service_time.mean_min (240 min, default 2.5) "
        "against the traffic, and checkout.reneging"
    ) in message
    # The day after the horizon is simulated time: 100 shoppers an hour for 16 hours, one
    # served every 4 hours, so nearly all of the ~1,600 are still there.
    inside = int(message.split(" shoppers")[0].rsplit(" ", 1)[1].replace(",", ""))
    assert 1400 < inside < 1800
    assert OVERTIME_MIN == 1440.0


@pytest.mark.parametrize(
    ("override", "named"),
    [
        # A long tail keeps a shopper in as a long mean does (a gamma of mean 2.5 and sd 240
        # kept one in for a day; the message named zones.2.walk_min, the aisles' usual 7 min).
        ("checkout.service_time.sd_min=240", "checkout.service_time.sd_min (240 min, default 1.2)"),
        # Defaults are the default scenario's: self-service takes 3.5 min there, not the 2.5
        # of a bare distribution, and the aisles' 7 min are their default, not 4 min over 1.75.
        (
            "checkout.self_service_time.mean_min=240",
            "checkout.self_service_time.mean_min (240 min, default 3.5)",
        ),
        ("shelves.search_min=2.5", "shelves.search_min (2.5 min, default 1.5)"),
    ],
)
def test_the_watchdog_names_the_duration_furthest_above_the_default_scenario(
    override: str, named: str
) -> None:
    message = str(overrun(load_scenario(BASELINE, [override]), 0, 1, None))
    assert f"; check {named}, checkout.cashiers and " in message


def test_a_long_run_stops_when_shoppers_stay_over_a_day(tmp_path: Path) -> None:
    """Within the horizon too: the queue would grow day after day; the run stops at the end of
    day 1, when the shoppers who came on day 0 have been inside for more than a day."""
    path = tmp_path / "stuck.yaml"
    path.write_text(STUCK)
    with pytest.raises(
        Overrun,
        match=r"^stuck, replication 0: [\d,]+ shoppers in the store for "
        r"more than a day at the end of day 1: ",
    ):
        simulate(load_scenario(path, ["horizon.days=30"]))


def test_the_same_store_with_quick_service_finishes(tmp_path: Path) -> None:
    """The watchdog does not fire on a busy store that empties: the control of the test above."""
    path = tmp_path / "stuck.yaml"
    path.write_text(STUCK)
    scenario = load_scenario(path, ["checkout.service_time.mean_min=0.5"])
    rep = simulate(scenario)
    assert len(rep.visits) == rep.entered > 1000


# A store its customers hardly choose (a steep wallet curve, competitors that pull with full
# force, customers who start with no attachment): every store choice after a visit is e^-x
# with x near 1,000, past the float's range. Fuzzing found it; it was an OverflowError.
UNCHOSEN = (
    "loyalty.wallet_slope=1000",
    "loyalty.initial_strength=0",
    "loyalty.newcomer_strength=0",
    *(f"segments.{name}.competitor_pull=1" for name in SEGMENTS),
)
# Nobody recommends: likelihood to recommend far below its centre (the same overflow).
SILENT = ("loyalty.ltr_slope=1000", "loyalty.ltr_center=1", "loyalty.initial_strength=0")


def test_a_store_nobody_chooses_runs_with_choices_of_zero() -> None:
    scenario = load_scenario(BASELINE, [*SMALL, "horizon.days=3", *UNCHOSEN])
    visits = simulate(scenario).visits
    assert len(visits) > 20  # a few customers of day 0 still come (34 here)
    # Their strength stays below 0.1 (gain_rate), so a trip comes here with a chance of
    # 1 / (1 + e^900): none, and nobody is expected back.
    assert visits["strength_after"].max() < 0.1
    assert visits["share_of_wallet"].max() == 0.0
    assert visits["return_chance"].max() == 0.0


def test_likelihood_to_recommend_far_below_its_centre_is_zero() -> None:
    scenario = load_scenario(BASELINE, [*SMALL, "horizon.days=3", *SILENT])
    visits = simulate(scenario).visits
    assert len(visits) > 20
    assert (visits["ltr"] == 0).all()


def test_memory_without_peak_or_end_weight_is_refused_with_both_keys() -> None:
    with pytest.raises(ScenarioError) as error:
        load_scenario(BASELINE, ["psyche.peak_weight=0", "psyche.end_weight=0"])
    assert str(error.value) == (
        "--set psyche.peak_weight: psyche.peak_weight, psyche.end_weight: expected at least one "
        "above 0, as the remembered visit weighs its peak and its end by them (got 0 and 0)"
    )
    # Either alone is fine: the memory is then the end, or the peak.
    for key in ("peak_weight", "end_weight"):
        assert getattr(load_scenario(BASELINE, [f"psyche.{key}=0"]).psyche, key) == 0.0


def test_the_command_ends_in_one_line_naming_scenario_and_replication(tmp_path: Path) -> None:
    path = tmp_path / "stuck.yaml"
    path.write_text(STUCK)
    done = subprocess.run(
        [sys.executable, "-m", "journeysim.cli", "run", str(path), "--out", str(tmp_path)]
        + ["--workers", "2", "--quiet", "--no-report"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("journeysim: stuck, replication ")
    assert "checkout.service_time.mean_min" in lines[0]


def test_a_burn_in_that_never_ends_is_told_of_the_scenario(tmp_path: Path) -> None:
    """A history whose shoppers never leave ended "journeysim: burn-in, the burn-in: ...",
    naming the scenario the burn-in simulates, not the one the user ran."""
    path = tmp_path / "stuck.yaml"
    stuck = STUCK.replace("burn_in_days: 0", "burn_in_days: 7")
    path.write_text(stuck.replace("mode: open, rate_per_hour: 100", "base_customers: 3000"))
    with pytest.raises(Overrun) as error:
        simulate(load_scenario(path), 0)
    assert str(error.value).startswith("stuck, the burn-in: ")


def _die(code: int) -> int:
    os._exit(code)


def _fail_on_three(i: int) -> int:
    if i == 3:
        raise ValueError("three is\nbad")
    return i


@pytest.mark.parametrize("executor", [Serial(), LocalPool(2)], ids=["serial", "pool"])
def test_a_raising_task_is_named_by_its_index(executor) -> None:
    with pytest.raises(TaskFailed) as error:
        list(executor.run(_fail_on_three, [(i,) for i in range(6)]))
    assert (error.value.index, error.value.reason) == (3, "ValueError: three is")


def _fail_on_one_slowly_and_three(i: int) -> int:
    if i == 1:
        time.sleep(1.0)  # fails long after task 3 has
        raise ValueError("one")
    if i == 3:
        raise ValueError("three")
    return i


@pytest.mark.parametrize("executor", [Serial(), LocalPool(2)], ids=["serial", "pool"])
def test_the_failure_named_is_the_lowest_task_that_fails_whatever_the_timing(executor) -> None:
    # Two workers: task 3 fails while task 1 is still running. Naming the first failure seen
    # made a study's failed.csv (which replication failed, and how) depend on timing; the
    # run waits for the tasks below a failure and names the lowest.
    tasks = [(i,) for i in range(6)]
    finished = []
    with pytest.raises(TaskFailed) as error:
        for index, _ in executor.run(_fail_on_one_slowly_and_three, tasks):
            finished.append(index)
    assert (error.value.index, error.value.reason) == (1, "ValueError: one")
    assert 0 in finished and not {1, 3} & set(finished)


def test_a_dying_worker_ends_the_run_without_hanging() -> None:
    with pytest.raises(TaskFailed) as error:
        list(LocalPool(2).run(_die, [(1,), (1,), (1,)]))
    assert error.value.reason == "its worker process died (out of memory?)"


def test_replication_failures_name_the_scenario_and_replication() -> None:
    scenario = load_scenario(BASELINE, ["name=mine"])
    tasks = [(scenario, r) for r in range(3)]

    def fail_on_two(scenario, replication: int) -> int:
        if replication == 2:
            raise MemoryError
        return replication

    with pytest.raises(ReplicationFailed, match=r"^mine, replication 2: out of memory$"):
        list(run_replications(Serial(), fail_on_two, tasks))


def test_a_sweep_records_failed_runs_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "stuck.yaml"
    path.write_text(STUCK)
    vary = (parse_vary("checkout.service_time.mean_min=0.5,240"),)
    sweep = Sweep(plan_sweep(SweepSpec(path, vary)), tmp_path)
    runs = sweep.run(LocalPool(2))
    assert runs["status"].tolist() == ["ok", "ok", "failed", "failed"]
    assert runs["error"].iloc[2].startswith("stuck, replication 0: ")
    assert runs["return_rate"].iloc[2:].isna().all() and runs["csat"].iloc[:2].notna().all()
    summary = (sweep.folder / "summary.csv").read_text().splitlines()
    assert [line.split(",")[2] for line in summary[1:]] == ["2", "0"]  # n: finished runs
    # Failed runs are not done: the sweep run again retries them (and fails them again).
    assert sweep.pending() == [(1, 0), (1, 1)]


def test_sobol_indices_narrower_than_their_half_widths_are_flagged() -> None:
    indices = pd.DataFrame(
        [
            ["nps", "a", 0.74, 1.06, 0.80, 0.20],  # the S1 0.74 +- 1.06
            ["nps", "b", 0.50, 0.10, 0.60, 0.10],  # precise
            ["nps", "c", 0.10, 0.05, -0.30, 0.40],  # ST's half-width exceeds |ST|
            ["csat", "a", math.nan, math.nan, math.nan, math.nan],  # undefined: not flagged
            ["abandonment_rate", "a", 1.265, 0.2, 1.265, 0.1],  # above 1: impossible (audit 28)
            ["ces", "a", 0.5, 0.1, -0.2, 0.1],  # below 0: impossible
            ["ces", "b", 1.0, 0.1, 0.0, 0.0],  # at the ends of 0..1: possible
            # Near 0 and known to be small (a researcher's review: "S1 0.01 +- 0.02" was
            # flagged at every sample size), the interval reaching below 0 or not
            ["ces", "c", 0.01, 0.02, 0.01, 0.005],
            ["csat", "b", -0.023, 0.098, 0.03, 0.05],
            ["nps", "d", 0.05, 0.3, 0.06, 0.04],  # but +- 0.3 says little: flagged
        ],
        columns=["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
    )
    assert imprecise(indices).index.tolist() == [0, 2, 4, 5, 9]
    text = imprecision_warning(indices, 8)
    assert text is not None and "S1 0.74 +- 1.06" in text  # the widest is the example
    assert " for 5 of the 9 metric-parameter pairs with indices (widest: nps, a: " in text
    assert "ST 0.80 +- 0.20); 1 more has none, their metric not varying or not known at " in text
    assert text.endswith("8 base samples are too few, use more (32 narrow them about twofold)")
    assert imprecision_warning(indices.iloc[[1, 3, 6, 7, 8]], 8) is None
    widest = imprecision_warning(indices.iloc[[2, 9]], 8)
    assert widest is not None and "(widest: nps, c: " in widest  # ST +- 0.40 against 0.30


def test_a_small_sobol_design_warns(tmp_path: Path) -> None:
    vary = (parse_vary("shelves.stockout_prob=0.02:0.3"),)
    spec = SweepSpec(BASELINE, vary, design="sobol", samples=2, overrides=SMALL, reps=1, days=2)
    with pytest.warns(SobolWarning, match="2 base samples are too few"):
        Sweep(plan_sweep(spec), tmp_path).run(LocalPool(2))


def test_a_segment_with_a_mean_basket_below_one_item_shops_like_one_of_one_item(
    tmp_path: Path,
) -> None:
    """Every shopper plans at least one item, so a mean basket below one (the schema allows
    down to 0) plans the one item of a mean basket of one, and walks the store as long. The
    walk used to scale with planned / mean items: 500-fold at 1e-9 items, minutes of walking
    became days, and the watchdog blamed a zone's walk_min."""
    runs = {}
    for items in ("1.0", "1.0e-9"):
        path = tmp_path / "few.yaml"
        path.write_text(
            f"extends: {BASELINE}\nsegments:\n  few: {{share: 1, basket_items: {items}}}\n"
        )
        scenario = load_scenario(path, [*SMALL, "horizon.days=2"])
        assert list(scenario.segments) == ["few"]
        runs[items] = simulate(scenario).visits
    one, tiny = runs["1.0"], runs["1.0e-9"]
    assert len(one) >= 50 and (one["planned_items"] == 1).all()
    pd.testing.assert_series_equal(one["duration_min"], tiny["duration_min"])
    assert one["duration_min"].max() < 120  # minutes, as the zones' walks add up


def test_a_whole_number_too_long_to_read_is_refused_with_its_line(tmp_path: Path) -> None:
    """Python reads no integer of over 4,300 digits from text (a ValueError, not a YAML
    error): the loader refuses one of over 1,000 with the line it is on, in a file or --set."""
    digits = "9" * 5000
    path = tmp_path / "long.yaml"
    path.write_text(f"extends: {BASELINE}\nseed: {digits}\n")
    with pytest.raises(
        ScenarioError,
        match=r"long.yaml: line 2, column 7: expected a number of at most 1,000 digits "
        r"\(got 5,000\)$",
    ):
        load_scenario(path)
    with pytest.raises(
        ScenarioError,
        match=r"^--set checkout.cashiers: line 1, column 1: expected a number of at most 1,000",
    ):
        load_scenario(BASELINE, [f"checkout.cashiers={digits}"])


@pytest.mark.parametrize(
    ("parse", "expected"),
    [
        (
            lambda huge: vary_from_yaml("payment.cash_share", {"low": 0, "high": huge}, "s.yaml"),
            "s.yaml: vary.payment.cash_share: expected finite numbers LOW < HIGH (got 0:inf)",
        ),
        (
            lambda huge: decision_from_yaml(
                "checkout.cashiers", {"low": 2, "high": huge}, "o.yaml"
            ),
            "o.yaml: decide.checkout.cashiers: expected finite numbers LOW < HIGH (got 2:inf)",
        ),
        (
            lambda huge: targets_from_yaml({"nps": -huge}, "t.yaml"),
            "t.yaml: targets.nps: expected a finite value (got -inf)",
        ),
        (
            lambda huge: targets_from_yaml({"nps": {"value": 30, "tolerance": huge}}, "t.yaml"),
            "t.yaml: targets.nps: expected a finite tolerance above 0 (got inf)",
        ),
    ],
)
def test_a_study_files_number_beyond_the_floats_is_refused_as_infinite(parse, expected) -> None:
    """A whole number of 500 digits is a number YAML reads but no float holds (float() raises
    OverflowError): study files refuse it as they refuse .inf."""
    with pytest.raises(DesignError) as error:
        parse(10**500)
    assert str(error.value) == expected


@pytest.mark.parametrize(
    "read",
    [load_scenario, read_targets_file, lambda path: read_rows(path, "a header", InputError)],
    ids=["scenario", "targets file", "CSV file"],
)
def test_a_file_that_is_not_utf8_is_refused_naming_its_line(read, tmp_path: Path) -> None:
    """A file saved as Latin-1 or Windows-1250 was refused with Python's words and a byte
    position ("cannot read the file ('utf-8' codec can't decode byte 0xe9 in position 12:
    invalid continuation byte)"), for a CSV file a position within the part then read."""
    path = tmp_path / "latin-1"
    path.write_bytes("key: 1\nname: café\n".encode("latin-1"))
    with pytest.raises(InputError) as error:
        read(path)
    said = f"{path}: line 2: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    assert str(error.value) == said


def test_the_largest_duration_weight_moves_a_memory_by_about_one_at_most() -> None:
    """At psyche.duration_weight 100 (the old bound) a 3-minute visit was remembered at +90;
    the bound 0.3 keeps the duration term of visits from 1 minute to 4 hours within about 1."""
    top = load_scenario(BASELINE, ["psyche.duration_weight=0.3"]).psyche.duration_weight
    with pytest.raises(ScenarioError, match="duration_weight: expected a number from 0 to 0.3"):
        load_scenario(BASELINE, ["psyche.duration_weight=0.31"])
    for minutes in (0.5, 1.0, 3.0, 240.0):
        term = remembered_score(0.0, 0.0, minutes, 0.5, 0.5, top)
        assert abs(term) <= 1.05, (minutes, term)


def test_a_customer_base_that_grows_without_end_stops_naming_word_of_mouth() -> None:
    """Word of mouth at the schema's largest values (each promoter tells 1,000, all come)
    grew the base to 790,000 customers and 4.6 GB in three days before memory ran out; the
    watchdog stops the replication at the first day planned beyond any store's visits (from
    300 customers it stalls at 77,000, so crowded that nobody recommends it)."""
    growing = [
        "arrivals.base_customers=3000",  # fewer visit too few to tell enough: crowding stops it
        "horizon.burn_in_days=0",
        "horizon.warmup_days=0",
        "word_of_mouth.promoter_reach=1000",
        "word_of_mouth.conversion=1",
        "word_of_mouth.tell_prob=1",
    ]
    with pytest.raises(Overgrown) as error:
        simulate(load_scenario(BASELINE, [*growing, "horizon.days=7"]), replication=1)
    message = str(error.value)
    assert message.startswith("baseline, replication 1: ") and "visits planned on day " in message
    visits = int(message.split(": ")[1].split(" visits")[0].replace(",", ""))
    assert visits > MAX_VISITS_PER_DAY
    assert "word_of_mouth.promoter_reach (1000, default 9)" in message
    assert "word_of_mouth.conversion (1, default 0.03)" in message
