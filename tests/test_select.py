"""`select`: ranking and selection on M/M/c queues whose ranking Erlang C knows.

Four variants of scenarios/validation/mmc.yaml (2 cashiers, 2 min exponential service) differ
in the arrival rate, 24, 30, 36 and 42 an hour: W_q = 0.381, 0.667, 1.125 and 1.922 min by
Erlang C (tests/theory.py), and the visits a day are 24 x lambda. The gaps (0.29 min and more,
144 visits a day) are wider than the indifference zones used (0.1 min, 20 visits), so KN must
select the true best with probability at least 95% per run; over three seeds each, a wrong
pick has probability below 15% for a procedure that just meets its guarantee, and KN's is far
stronger here (every first-stage gap is several standard errors wide), so these do not flake.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from theory import erlang_c_wait

import journeysim
import journeysim.simulation.executors as executors
import journeysim.simulation.progress as progress
from journeysim import api
from journeysim.cli import main
from journeysim.errors import InputError
from journeysim.report.selection import (
    constraint_text,
    guarantee,
    indifference_text,
    procedures,
    screening_note,
    select_report,
    selection_rows,
    write_selection,
)
from journeysim.scenario import load_scenario
from journeysim.simulation import measure
from journeysim.simulation.executors import LocalPool
from journeysim.simulation.kpis import horizon_too_short, replication_kpis
from journeysim.simulation.lifetime import NO_LIFETIME_WHY
from journeysim.simulation.ranges import MAX_UNBOUNDED_WIDTH, resolution
from journeysim.simulation.replication import Simulation, simulate
from journeysim.study.selection import (
    FIRST_STAGE,
    InvestmentWarning,
    SelectResult,
    ci_columns,
    parse_constraint,
    select_scenarios,
    selection_table,
    warn_of_investments,
)

MMC = Path(__file__).parent.parent / "scenarios" / "validation" / "mmc.yaml"
BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
RATES = (42, 24, 36, 30)  # arrivals per hour, not in order of merit
SEEDS = (1, 2, 3)
SHORT = ["horizon.days=3", "replications=5"]  # ~2,000 checkouts a replication


def variants(seed: int) -> list:
    return [
        load_scenario(
            MMC, [*SHORT, f"seed={seed}", f"arrivals.rate_per_hour={rate}", f"name=lambda{rate}"]
        )
        for rate in RATES
    ]


def erlang_wait(rate: float) -> float:
    return erlang_c_wait(rate / 60.0, 1 / 2.0, 2)


@pytest.mark.parametrize("seed", SEEDS)
def test_select_picks_the_shortest_wait_by_erlang_c(seed):
    best = min(RATES, key=erlang_wait)  # 24 an hour
    result = select_scenarios(
        variants(seed), "mean_checkout_wait_min", indifference=0.1, executor=LocalPool(2)
    )
    assert not result.maximise  # a wait is better lower, as the KPI declares
    assert result.selected == f"lambda{best}"
    table = result.table.set_index("scenario")
    assert table.loc[f"lambda{best}", "selected"] and table["selected"].sum() == 1
    assert table.loc[f"lambda{best}", "in_subset"]  # the subset holds the best
    assert (table["replications"] >= 5).all()
    assert len(result.replications) == table["replications"].sum()
    # A scenario screened out ran exactly the replications it was judged on, its screener at
    # least those: the means differ in their replications, as the note under the table says.
    screened = table[table["status"].str.startswith("screened out by")]
    for row in screened.itertuples():
        by, after = re.fullmatch(
            r"screened out by (\w+) after (\d+) replications", row.status
        ).groups()
        assert row.replications == int(after) <= table.loc[by, "replications"]
    ran_more = table["replications"].nunique() > 1
    assert screening_note(result).startswith("Means are over") == (not screened.empty and ran_more)


def test_a_scenario_screened_out_on_the_first_stage_needs_no_note_on_its_means():
    """The note that means are over different replications was printed when every scenario
    had run the same first stage."""
    far_apart = variants(1)[:2]  # 42 and 24 an hour: Erlang C waits of 1.92 and 0.38 min
    result = select_scenarios(far_apart, "mean_checkout_wait_min", indifference=0.1)
    assert result.table["status"].str.startswith("screened out by").any()
    assert result.table["replications"].tolist() == [FIRST_STAGE] * 2
    assert screening_note(result) == ""


@pytest.mark.parametrize("seed", SEEDS)
def test_select_with_a_wait_constraint_picks_the_busiest_feasible_queue(seed):
    # Most visits a day subject to a mean wait of at most 0.9 +- 0.1 min: 36 and 42 an hour
    # wait 1.13 and 1.92 min (out), 30 an hour waits 0.67 (in) and has more visits than 24.
    constraint = parse_constraint("mean_checkout_wait_min<=0.9+-0.1")
    feasible = [rate for rate in RATES if erlang_wait(rate) <= constraint.bound]
    result = select_scenarios(
        variants(seed),
        "visits_per_day",
        constraints=[constraint],
        indifference=20.0,
        executor=LocalPool(2),
    )
    assert result.maximise
    assert result.selected == f"lambda{max(feasible)}"
    met = result.table.set_index("scenario")["met[mean_checkout_wait_min<=0.9]"]
    for rate in RATES:
        if erlang_wait(rate) > constraint.bound + constraint.tolerance:
            assert not met[f"lambda{rate}"]
    assert met[f"lambda{max(feasible)}"]


def test_without_the_constraint_the_busiest_queue_wins():
    result = select_scenarios(
        variants(1), "visits_per_day", indifference=20.0, executor=LocalPool(2)
    )
    assert result.selected == f"lambda{max(RATES)}"


def test_identical_scenarios_end_in_a_tie_for_the_first():
    # Common random numbers make copies identical: no variance of differences, so KN stops
    # after the first stage and keeps the first given.
    same = [load_scenario(MMC, ["horizon.days=2", "replications=3"])] * 2
    result = select_scenarios(same, "mean_checkout_wait_min", indifference=0.1)
    assert result.selected == "mmc"
    assert result.table["replications"].tolist() == [5, 5]  # the least first stage
    assert result.first_stage == FIRST_STAGE == 5
    assert screening_note(result) == ""  # nothing screened out
    assert result.table["status"].tolist() == ["selected", "tied with mmc after 5 replications"]


def test_identical_scenarios_tie_at_an_indifference_whose_square_is_zero():
    """1e-300 squared is 0: the bound on replications, no variance over it, was 0/0, and
    select stopped with "cannot convert float NaN to integer" (exit 1)."""
    same = [load_scenario(MMC, ["horizon.days=2", "replications=3"])] * 2
    result = select_scenarios(same, "mean_checkout_wait_min", indifference=1e-300)
    assert result.table["replications"].tolist() == [5, 5]
    assert result.table["status"].tolist() == ["selected", "tied with mmc after 5 replications"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("wait<=1", "expected KPI>=VALUE"),
        ("nps>=x", "expected KPI>=VALUE"),
        ("nps>=0+-0", "tolerance > 0"),
        ("nps>=5+-1e999", "needs a finite tolerance > 0"),  # inf: every bound looked met
        # A bound the KPI cannot have: shares are fractions, so 3 is 300%.
        ("abandonment_rate<=3", r"'abandonment_rate<=3': expected a share from 0 to 1 \(3% is"),
        ("return_rate>=-0.1", r"expected a share from 0 to 1$"),
        ("csat>=0.5+-0.1", "'csat>=0.5\\+-0.1': expected a value from 1 to 5$"),
        ("wages_per_day<=-1", "expected a value of at least 0$"),
        # a tolerance as wide as the KPI's range met anything (and printed 300 digits)
        (
            "nps>=30+-1e300",
            r"expected a tolerance below 200, the width of nps's range -100 to 100 \(got 1e\+300\)",
        ),
        ("return_rate>=0.5+-1", r"expected a tolerance below 1, the width of return_rate's"),
        # without an upper bound, a tolerance of 1e300 met anything (and printed 300 digits)
        (
            "mean_checkout_wait_min<=5+-1e300",
            r"expected a tolerance below 1,000,000,000, the most a KPI without an upper bound "
            r"tells apart \(got 1e\+300\)$",
        ),
    ],
)
def test_bad_constraints_are_named(text, message):
    with pytest.raises(ValueError, match=message):
        parse_constraint(text)


@pytest.mark.parametrize(
    "text", ["abandonment_rate<=1", "nps>=-100", "csat<=5", "nps>=baseline-200", "nps>=0+-1"]
)
def test_a_bound_at_the_end_of_a_kpis_range_is_allowed(text):
    assert parse_constraint(text).text == text.split("+-")[0]


def test_select_command_writes_selection_csv_and_prints_the_guarantee(tmp_path, capsys):
    args = ["select", str(MMC), str(MMC), "--objective", "mean_checkout_wait_min"]
    args += ["--set", "arrivals.rate_per_hour=24", "--days", "2", "--reps", "5"]
    args += ["--indifference", "0.1", "--constraint", "abandonment_rate<=0.01+-0.001"]
    args += ["--out", str(tmp_path), "--quiet", "--workers", "1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert (
        "With probability at least 95%, no feasible scenario beats it by more than 0.1 min" in out
    )
    folder = tmp_path / "select-mmc-mmc-2"
    table = pd.read_csv(folder / "selection.csv")
    assert list(table.columns[:5]) == [
        "scenario",
        "replications",
        "mean_checkout_wait_min_mean",
        "mean_checkout_wait_min_ci_low",
        "mean_checkout_wait_min_ci_high",
    ]
    assert {"abandonment_rate_mean", "met[abandonment_rate<=0.01]", "in_subset", "selected"} <= set(
        table.columns
    )
    assert table["met[abandonment_rate<=0.01]"].tolist() == [True, True]  # no balking: none
    assert (folder / "report.html").read_text().count("SMORE") >= 1
    assert (folder / "smore.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_selection_csv_says_met_as_true_false_or_empty_and_the_console_in_words(tmp_path):
    """met[...] read "yes", "no" or "undecided" beside the True/False of in_subset and
    selected: every such column is boolean in selection.csv, a check left undecided empty;
    the console and report keep yes, no and undecided, and say "undecided, CI above" where
    the whole CI lies above the limit by more than the tolerance (a review: 4.60% [4.02%,
    5.19%] against <=3%+-0.3%, shown only as "undecided"), or below it."""
    constraint = parse_constraint("abandonment_rate<=0.03+-0.003")
    csat = ci_columns("csat", 4.0, 3.9, 4.1)
    rows = [
        {"scenario": name, "replications": 5, **csat, "met[abandonment_rate<=0.03]": met}
        | ci_columns("abandonment_rate", *abandonment)
        | {"in_subset": met is True, "selected": name == "a", "status": ""}
        for name, met, abandonment in (
            ("a", True, (0.02, 0.01, 0.03)),
            ("b", False, (0.02, 0.01, 0.03)),
            ("c", None, (0.032, 0.0302, 0.034)),  # above the limit, within its tolerance
            ("d", None, (0.046, 0.0332, 0.052)),
            ("e", None, (0.01, 0.005, 0.015)),  # plainly met (a review: only "undecided")
        )
    ]
    replications = pd.DataFrame({"scenario": list("aabbccddee"), "csat": [4.0, 4.1] * 5})
    result = SelectResult(
        [], "csat", True, 0.05, 0.95, [constraint], selection_table(rows), replications
    )
    write_selection(result, tmp_path)
    table = pd.read_csv(tmp_path / "selection.csv")
    met = table["met[abandonment_rate<=0.03]"]
    assert met.iloc[:2].tolist() == [True, False] and met.iloc[2:].isna().all()
    assert table["in_subset"].tolist() == [True, False, False, False, False]
    _, shown = selection_rows(result)
    checks = [row[-3:-1] for row in shown]
    assert checks == [["yes", "yes"], ["no", "no"], ["undecided", "no"]] + [
        ["undecided, CI above", "no"],
        ["undecided, CI below", "no"],
    ]
    assert [constraint.ci_beyond(row) for _, row in table.iterrows()] == ["", "", "", "above", ""]


def test_one_worker_selects_in_this_process_with_the_numbers_of_two(tmp_path, monkeypatch):
    # --workers 1 builds no process pool (the tasks run one after another here, as in run,
    # compare and sweep); --workers 2 builds one per batch of replications. Both give the same
    # files: the executor does not change the numbers.
    pools = []
    real = executors.ProcessPoolExecutor

    def counted(*args, **kwargs):
        pools.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(executors, "ProcessPoolExecutor", counted)
    paths = []
    for rate in (24, 30):
        paths.append(tmp_path / f"lambda{rate}.yaml")
        paths[-1].write_text(
            f"extends: {MMC}\nname: lambda{rate}\narrivals: {{rate_per_hour: {rate}}}\n"
        )
    args = ["select", *map(str, paths), "--objective", "mean_checkout_wait_min", "--days", "2"]
    args += ["--reps", "5", "--indifference", "0.05", "--quiet", "--no-report"]
    built, files = {}, {}
    for workers in (1, 2):
        out = tmp_path / f"workers{workers}"
        before = len(pools)
        assert main([*args, "--out", str(out), "--workers", str(workers)]) == 0
        built[workers] = len(pools) - before
        folder = out / "select-lambda24-lambda30"
        files[workers] = [
            (folder / name).read_text() for name in ("selection.csv", "replications.csv")
        ]
    assert built[1] == 0 and built[2] >= 1
    assert files[1] == files[2]
    assert len(pd.read_csv(out / "select-lambda24-lambda30" / "replications.csv")) >= 10


def test_select_command_rejects_a_bad_constraint_with_exit_2(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["select", str(MMC), str(MMC), "--objective", "nps", "--constraint", "nps>>1"])
    assert exit.value.code == 2
    assert "expected KPI>=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            ["--objective", "return_rate", "--days", "2"],
            "scenario mmc: horizon.days is 2: expected more than loyalty.return_window_days",
        ),
        (
            ["--objective", "nps", "--constraint", "return_rate>=0.1+-0.01", "--days", "2"],
            "to measure return_rate",
        ),
    ],
)
def test_select_usage_errors_exit_2_before_simulating(tmp_path, capsys, arguments, message):
    args = ["select", str(MMC), str(MMC), *arguments, "--out", str(tmp_path), "--quiet"]
    assert main([*args, "--set", "loyalty.return_window_days=2", "--workers", "1"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("journeysim: ") and message in error and "\n" not in error
    assert not list(tmp_path.iterdir())  # nothing ran


def test_a_first_stage_below_five_is_refused_not_raised(tmp_path, capsys, monkeypatch):
    """--reps 4 (reps=4) ran 5 replications a scenario unasked: the command line and the
    Python API refuse it before anything runs."""

    def simulated(*args, **kwargs):
        raise AssertionError("simulated before refusing --reps")

    monkeypatch.setattr(measure, "simulate", simulated)
    monkeypatch.setattr(Simulation, "run", simulated)
    args = ["select", str(MMC), str(MMC), "--objective", "nps", "--reps", "4"]
    assert main([*args, "--out", str(tmp_path), "--quiet", "--workers", "1"]) == 2
    refused = "select's first stage needs at least 5 replications: with fewer, the number it may "
    refused += "add grows steeply (got 4)"
    assert capsys.readouterr().err == f"journeysim select: error: argument --reps: {refused}\n"
    assert not list(tmp_path.iterdir())
    with pytest.raises(InputError) as caught:
        journeysim.select(MMC, MMC, objective="nps", reps=4)
    assert str(caught.value) == f"reps: {refused}"


@pytest.mark.parametrize("days, defined", [(2, False), (3, True)])
def test_the_horizon_check_says_exactly_when_return_rate_is_undefined(days, defined):
    # return_rate counts a visit once its window has passed within the horizon: with a 2-day
    # window every visit of a 2-day run is censored (the store is open around the clock, so
    # the first visit comes after midnight), and a 3-day run has a day of visits that count.
    scenario = load_scenario(MMC, ["loyalty.return_window_days=2", f"horizon.days={days}"])
    problem = horizon_too_short(scenario, ["return_rate"])
    kpis = replication_kpis(simulate(scenario, 0), scenario)
    assert (problem is None) == defined == (not math.isnan(kpis["return_rate"]))
    assert horizon_too_short(scenario, ["nps"]) is None


def close_queues() -> list:
    """Two queues 0.3 arrivals an hour apart: five one-day replications do not tell them
    apart at an indifference of 0.06 min (measured: 7 replications each)."""
    return [
        load_scenario(
            MMC, ["horizon.days=1", "replications=5", f"arrivals.rate_per_hour={r}"]
        ).model_copy(update={"name": f"lambda{r}"})
        for r in (36, 36.3)
    ]


def test_an_open_first_stage_announces_kn_bound_and_no_scenario_runs_past_it():
    heard = []
    result = select_scenarios(
        close_queues(),
        "mean_checkout_wait_min",
        indifference=0.06,
        executor=LocalPool(2),
        on_bound=lambda first_stage, most, delta: heard.append((first_stage, most, delta)),
    )
    ((first_stage, most, delta),) = heard  # once, after the first stage
    assert (first_stage, delta) == (5, 0.06)
    assert 5 < result.table["replications"].max() <= most


@pytest.mark.parametrize(
    ("indifference", "constraint", "named"),
    [
        (1e-6, None, "indifference 0.000001"),  # KN's N ~ h^2 S^2 / delta^2: about 10^10
        (0.06, "mean_checkout_wait_min<=1+-1e-300", "mean_checkout_wait_min<=1+-1e-300"),
    ],
)
def test_a_selection_that_could_outrun_the_most_replications_stops_after_the_first_stage(
    indifference, constraint, named
):
    """A bound past the 10,000 replications a run takes is refused once the first stage
    leaves the selection open (it ran on, seemingly hung, or overflowed a float), naming what
    sets it; the first stage alone runs."""
    counted = []
    constraints = [parse_constraint(constraint)] if constraint else []
    with pytest.raises(InputError) as refused:
        select_scenarios(
            close_queues(),
            "mean_checkout_wait_min",
            constraints=constraints,
            indifference=indifference,
            on_done=lambda: counted.append(1),
        )
    assert f"deciding it at {named} could take more than 10,000" in str(refused.value)
    assert len(counted) == 2 * FIRST_STAGE


def test_an_indifference_as_wide_as_the_objectives_range_is_refused(tmp_path, capsys):
    """Any two scenarios were indifferent; the command printed a 300-digit indifference."""
    args = ["select", str(MMC), str(MMC), "--objective", "nps", "--indifference", "1e300"]
    args += ["--reps", "5", "--days", "1", "--workers", "1", "--quiet", "--out", str(tmp_path)]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "journeysim select: error: argument --indifference: expected an indifference below 200, "
        "the width of nps's range -100 to 100 (got 1e+300)\n"
    )
    with pytest.raises(InputError, match="^indifference: expected an indifference below 4, "):
        journeysim.select(MMC, MMC, objective="csat", indifference=4, reps=5, days=1)
    with pytest.raises(InputError, match="^indifference: expected an indifference below 1,000,"):
        journeysim.select(MMC, MMC, objective="revenue_per_day", indifference=1e300, reps=5)


def test_the_widest_indifference_decides_at_once():
    """Any difference is indifferent: the first stage picks the better mean (KN's W, written
    with the indifference squared, overflowed a float at 1e308, which is now refused)."""
    widest = math.nextafter(MAX_UNBOUNDED_WIDTH, 0.0)
    result = select_scenarios(close_queues(), "mean_checkout_wait_min", indifference=widest)
    assert result.table["replications"].tolist() == [FIRST_STAGE] * 2


def test_an_objective_that_averages_zero_has_a_default_indifference():
    """The default indifference is 1% of the first scenario's mean, at least the objective's
    resolution: an investment of 0 is decided at 1 PLN (1% of 0 left none, and optimise, which
    has no --indifference, could not go on)."""
    result = select_scenarios(close_queues(), "investment")
    assert result.indifference == resolution("investment") == 1.0
    assert result.table["replications"].tolist() == [FIRST_STAGE] * 2  # a tie: both within 1 PLN
    waits = select_scenarios(close_queues(), "mean_checkout_wait_min")
    assert waits.indifference == 0.1  # 1% of M/M/2's wait at rho 0.6 (Erlang C: 1.1 min) is less


def test_the_guarantee_names_a_scenario_as_good_as_the_selected_one():
    """ "Best plan: trial 1" said nothing of trial 3, 3 PLN a day behind with an indifference of
    100 (a consultant's review): a scenario whose mean lies within the indifference of the
    selected one's is named, one further off is not."""
    tied = select_scenarios(close_queues(), "mean_checkout_wait_min", indifference=1.0)
    means = tied.table.set_index("scenario")["mean_checkout_wait_min_mean"]
    assert tied.selected == "lambda36" and abs(means.diff().iloc[-1]) < 1.0
    assert guarantee(tied).endswith(
        ". lambda36.3 is within 1 min of it on average too: as good, for all the selection can "
        "tell."
    )
    apart = select_scenarios(close_queues(), "mean_checkout_wait_min", indifference=0.01)
    means = apart.table.set_index("scenario")["mean_checkout_wait_min_mean"]
    assert abs(means.diff().iloc[-1]) > 0.01 and "as good" not in guarantee(apart)


def test_a_constraint_reads_in_the_units_of_the_table_beside_it():
    """The guarantee said "feasible means meeting abandonment_rate<=0.03 (tolerance 0.003)"
    beside a table of abandonment in per cent (0.62%), where a client reads 0.03 as 0.03%
    (a consultant's review). It now says a constraint as the tables say its metric."""
    said = {
        "abandonment_rate<=0.03+-0.003": "abandonment <= 3.00% (tolerance 0.3 points)",
        "mean_checkout_wait_min<=0.5+-0.1": "checkout wait (min) <= 0.50 (tolerance 0.1 min)",
        "nps>=baseline-3+-1": "NPS vs baseline >= -3.00 (tolerance 1 point)",
        "contribution_per_day>=6000+-60": "contribution per day (PLN) >= 6,000 (tolerance 60 PLN a "
        "day)",
    }
    assert {text: constraint_text(parse_constraint(text)) for text in said} == said
    limit = parse_constraint("abandonment_rate<=0.5+-0.05")
    waits = select_scenarios(close_queues(), "mean_checkout_wait_min", constraints=[limit])
    assert "feasible means meeting abandonment <= 50.00% (tolerance 5 points)," in guarantee(waits)


def test_the_procedure_states_a_share_s_indifference_in_points_as_the_guarantee_does():
    """The guarantee said "0.9 points" and the procedure line "indifference 0.00901"."""
    result = select_scenarios(close_queues(), "abandonment_rate", indifference=0.009)
    assert "by more than 0.9 points" in guarantee(result)
    assert "indifference 0.9 points;" in procedures(result)
    waits = select_scenarios(close_queues(), "mean_checkout_wait_min", indifference=1.0)
    assert "by more than 1 min" in guarantee(waits)
    assert "indifference 1 min;" in procedures(waits)
    point = select_scenarios(close_queues(), "abandonment_rate", indifference=0.01)
    assert "by more than 1 point." in guarantee(point)  # "1 points"


@pytest.mark.parametrize(
    ("objective", "indifference", "said"),
    [
        ("revenue_per_day", 12_500.0, "12,500 PLN a day"),  # was 1.25e+04 PLN
        ("contribution_per_day", 41.83, "41.8 PLN a day"),  # was 41.8 PLN, read as a total
        ("investment", 12_000.0, "12,000 PLN"),
        ("nps", 1.0, "1 point"),  # was 1 points, the default for an NPS near 50
        ("return_rate", 0.01, "1 point"),
        ("nps", 2.0, "2 points"),
    ],
)
def test_an_indifference_is_written_as_a_reader_quotes_it(objective, indifference, said):
    assert indifference_text(objective, indifference) == said


def test_an_undefined_objective_says_why():
    """M/M/c's shoppers never come back: no customer lifetime can be measured, and select
    says so, not "no visits to average over?"."""
    with pytest.raises(InputError) as refused:
        select_scenarios(close_queues(), "lifetime_days", indifference=1.0)
    assert str(refused.value) == (
        "lifetime_days of lambda36 is undefined in a replication: a replication had no customer "
        "left at its end, saw fewer than 100 customers leave, or no tenure longer than the run "
        "(as without a burn-in); run more days (horizon.days, warm-up included) or more "
        "customers, with a burn-in (horizon.burn_in_days above 0); select needs it in every "
        "replication"
    )


def test_a_constraints_bound_does_not_hold_the_comparison_open():
    """Copies tie on every replication (common random numbers): KN's bound for the objective
    is its first stage. A constraint's bound (nps>=30+-0.3: thousands) kept them
    compared, one replication at a time, to its end; once both are proven feasible the tie is
    decided for the first."""
    same = [load_scenario(MMC, ["horizon.days=1", "replications=5"])] * 2
    result = select_scenarios(
        same,
        "mean_checkout_wait_min",
        constraints=[parse_constraint("nps>=30+-0.3")],
        indifference=0.5,
    )
    assert result.selected == "mmc"
    assert result.table["replications"].max() < 100


def test_a_decided_first_stage_announces_nothing():
    heard = []
    same = [load_scenario(MMC, ["horizon.days=2", "replications=3"])] * 2
    select_scenarios(
        same, "mean_checkout_wait_min", indifference=0.1, on_bound=lambda *told: heard.append(told)
    )
    assert heard == []


def test_select_command_says_how_many_replications_may_follow(tmp_path, capsys):
    files = [tmp_path / f"{name}.yaml" for name in ("a", "b")]
    for file, rate in zip(files, (36, 36.3)):
        file.write_text(f"extends: {MMC}\narrivals:\n  rate_per_hour: {rate}\n")
    args = ["select", *map(str, files), "--objective", "mean_checkout_wait_min"]
    args += ["--days", "1", "--reps", "5", "--indifference", "0.06", "--quiet", "--no-report"]
    assert main([*args, "--out", str(tmp_path), "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "journeysim: select: 5 replications do not decide yet; a scenario may need up to" in err
    assert "at indifference 0.06 min; a larger --indifference" in err


def test_select_warns_once_that_its_objective_leaves_out_different_investments(tmp_path, capsys):
    """A one-off investment is in no objective but itself: selecting on contribution among
    scenarios that invest differently says so, once, and sends the reader to the payback."""
    plain = load_scenario(MMC, [*SHORT, "name=plain"])
    costly = load_scenario(MMC, [*SHORT, "name=costly", "costs.investment=4500"])
    with pytest.warns(InvestmentWarning, match=r"\(PLN: plain 0, costly 4,500\), which "):
        warn_of_investments([plain, costly], "contribution_per_day")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_of_investments([plain, costly], "investment")
        warn_of_investments([plain, plain], "contribution_per_day")
    costly_file = tmp_path / "costly.yaml"
    costly_file.write_text(f"extends: {MMC}\nname: costly\ncosts: {{investment: 4500}}\n")
    args = ["select", str(MMC), str(costly_file), "--objective", "contribution_per_day"]
    args += ["--days", "2", "--reps", "5", "--indifference", "1000"]
    args += ["--out", str(tmp_path), "--quiet", "--workers", "1"]
    assert main(args) == 0
    assert capsys.readouterr().err.count("journeysim: warning: the scenarios invest") == 1
    (report,) = tmp_path.glob("select-*/report.html")  # which says so too
    assert report.read_text().count("<p>Warning: the scenarios invest") == 1


def _recorded_bars(monkeypatch, module) -> list:
    """The progress bars made through `module.progress_bar` (each as made, then updated)."""
    bars, made = [], progress.progress_bar

    def recording(*args, **kwargs):
        bars.append(made(*args, **kwargs))
        return bars[-1]

    monkeypatch.setattr(module, "progress_bar", recording)
    return bars


def test_the_select_command_counts_the_replications_it_runs(tmp_path, monkeypatch):
    bars = _recorded_bars(monkeypatch, progress)
    args = ["select", str(MMC), str(MMC), "--objective", "mean_checkout_wait_min", "--days", "2"]
    args += ["--reps", "5", "--out", str(tmp_path), "--no-report", "--workers", "1"]
    assert main(args) == 0
    ran = len(pd.read_csv(tmp_path / "select-mmc-mmc-2" / "replications.csv"))
    (bar,) = bars
    assert bar.n == ran and str(bar).startswith(f"select: {ran} replications [")


def test_select_counts_the_replications_it_runs(monkeypatch):
    bars = _recorded_bars(monkeypatch, api)
    result = journeysim.select(
        MMC, MMC, objective="mean_checkout_wait_min", reps=5, days=2, workers=1, progress=True
    )
    (bar,) = bars
    ran = len(result.replications)
    assert bar.n == ran and str(bar).startswith(f"select: {ran} replications [")


def _halves_runs(second_gap: float) -> pd.DataFrame:
    """Six paired replications of a selected 'lean' and a rival 'rich' whose contribution per
    day is 300 PLN below lean's over the first half of the measured days and `second_gap` from
    it over the second."""
    rng = np.random.default_rng(4)
    rows = []
    for r in range(6):
        first, second = 4_000 + rng.normal(0, 300, size=2)
        noise = rng.normal(0, 20, size=2)
        for name, gaps in (
            ("lean", (0.0, 0.0)),
            ("rich", (-300 + noise[0], second_gap + noise[1])),
        ):
            halves = {"contribution_first_half": first + gaps[0]}
            halves["contribution_second_half"] = second + gaps[1]
            rows.append({"scenario": name, "replication": r, **halves})
    return pd.DataFrame(rows)


def test_a_selection_on_money_still_moving_is_warned_of():
    """select picks by the mean of the measured days; a rival catching up (a gap of -300 PLN a
    day over the first half, +200 over the second) may overtake the selected once it settles.
    One falling further behind, or ruled out by a constraint, cannot: a consultant's review
    found select warning of an infeasible rival whose gap grew."""
    from types import SimpleNamespace

    from journeysim.study.selection import StillMovingWarning, warn_if_still_moving

    met = pd.array([True, True], dtype="boolean")
    moving = SimpleNamespace(
        selected="lean",
        objective="contribution_per_day",
        maximise=True,
        table=pd.DataFrame({"scenario": ["lean", "rich"], "met[nps>=20]": met}),
        replications=_halves_runs(200.0),
    )
    with pytest.warns(StillMovingWarning) as caught:
        warn_if_still_moving(moving)
    (warning,) = caught
    assert re.fullmatch(
        r"the selection of lean on contribution_per_day rests on the mean of the measured days, "
        r"but rich's difference from it moved from -3\d\d PLN a day over the first half of the "
        r"measured days to \+2\d\d over the second "
        r"\(95% CI of the change \[\+\d\d\d, \+\d\d\d\]\); run more days \(--days\) to see "
        r"where it settles",
        str(warning.message),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_still_moving(SimpleNamespace(**{**vars(moving), "objective": "nps"}))
        steady = SimpleNamespace(**{**vars(moving), "replications": _halves_runs(-300.0)})
        warn_if_still_moving(steady)
        behind = SimpleNamespace(**{**vars(moving), "replications": _halves_runs(-800.0)})
        warn_if_still_moving(behind)
        ruled_out = moving.table.assign(**{"met[nps>=20]": pd.array([True, False], "boolean")})
        warn_if_still_moving(SimpleNamespace(**{**vars(moving), "table": ruled_out}))
        warn_if_still_moving(SimpleNamespace(**{**vars(moving), "maximise": False}))


def test_an_objective_undefined_in_a_replication_exits_2_in_one_line(tmp_path, capsys):
    """The command caught every ValueError, InputError too, and exited 1 for this bad input."""
    args = ["select", str(MMC), str(MMC), "--objective", "lifetime_days", "--indifference", "1"]
    args += ["--reps", "5", "--days", "1", "--workers", "1", "--quiet", "--no-report"]
    assert main([*args, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"journeysim: lifetime_days of mmc is undefined in a replication: {NO_LIFETIME_WHY}; "
        "select needs it in every replication\n"
    )


def test_select_says_whose_history_every_scenario_starts_from(tmp_path, capsys):
    """compare's console says that every scenario starts from the first's history and which of
    a what-if's settings only that history reads (a smaller customer base changes nothing
    there); select, which runs the same way, said neither, in the console or the report."""
    store = tmp_path / "store.yaml"
    store.write_text(f"extends: {BASELINE}\nname: store\narrivals: {{base_customers: 600}}\n")
    smaller = tmp_path / "smaller.yaml"
    smaller.write_text("extends: store.yaml\nname: smaller\narrivals: {base_customers: 300}\n")
    args = ["select", str(store), str(smaller), "--objective", "visits_per_day"]
    args += ["--set", "horizon.burn_in_days=7", "--set", "horizon.warmup_days=2", "--days", "2"]
    args += ["--reps", "5", "--indifference", "1000", "--no-report"]
    history = (
        "history: store's 7 days before day 0 for every scenario, each changing it from day 0; "
        "only the history reads smaller's arrivals.base_customers, so it changes nothing"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a history of 7 days is too short to settle: said
        assert main([*args, "--out", str(tmp_path), "--quiet", "--workers", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == history  # under the header, as compare prints it
    overrides = ["horizon.burn_in_days=7", "horizon.warmup_days=2"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = journeysim.select(
            store,
            smaller,
            objective="visits_per_day",
            reps=5,
            days=2,
            overrides=overrides,
            indifference=1000,
            workers=1,
        )
    text = select_report(result, tmp_path).read_text()
    bottom = text[text.index('id="bottom-line"') : text.index("<h2>Scenarios")]
    assert f"<p>H{history[1:]}.</p>".replace("'", "&#x27;") in bottom  # as a sentence
    # ... and what its 95% intervals, from this one history, leave out (README's "The store's
    # history": another seed's history moved the outage's difference by twice its interval)
    seed = result.scenarios[0].seed
    assert f"from this one history (seed {seed}), not how far another history" in bottom
    assert "repeat the selection with two or three seeds (--seed)" in bottom
