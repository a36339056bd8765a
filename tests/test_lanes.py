"""Lane plans and the one-in-front policy: the plan's simple form is `checkout.cashiers`, lanes
follow the plan hour by hour, a called colleague shortens waits and is missed on the floor,
the lane log is consistent and pays the hours worked, and bad plans are refused."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeysim.cli import main
from journeysim.report import plots
from journeysim.report.monitor import Monitor
from journeysim.report.trace import tell
from journeysim.scenario.errors import ScenarioError
from journeysim.scenario.loader import load_scenario
from journeysim.simulation.measure import replication_metrics
from journeysim.simulation.money import wages_per_day
from journeysim.simulation.replication import Simulation

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
ONE_IN_FRONT = ROOT / "scenarios" / "staffing" / "one_in_front.yaml"
MMC = ROOT / "scenarios" / "validation" / "mmc.yaml"
SHORT = ["horizon.burn_in_days=0", "horizon.warmup_days=0"]
HOURS = 16  # the baseline opens 06:00-22:00


def every_hour(lanes: int) -> list[str]:
    plan = [lanes] * HOURS
    return [f"checkout.lanes.weekday={plan}", f"checkout.lanes.weekend={plan}"]


def lean(active: bool) -> list[str]:
    """One planned lane all day in a store of three; the policy calls stockers."""
    return [
        *SHORT,
        "horizon.days=14",
        *every_hour(1),
        f"checkout.policy.active={str(active).lower()}",
        "checkout.policy.open_above=1",
        "checkout.policy.quiet_min=5",
        "checkout.policy.max_lanes=3",
        "checkout.policy.from_role=stocker",
        "checkout.policy.walk_min=1.5",
    ]


# The plan's simple form


@pytest.mark.parametrize("snake", [False, True], ids=["lane-queues", "snake"])
def test_a_plan_of_three_lanes_every_hour_is_checkout_cashiers_3(snake):
    common = [*SHORT, "horizon.days=7", f"checkout.single_queue={str(snake).lower()}"]
    simple = load_scenario(BASELINE, common)
    planned = load_scenario(BASELINE, [*common, *every_hour(3)])
    assert simple.checkout.cashiers == 3 and not simple.checkout.lanes.weekday
    one, other = Simulation(simple, 1).run(), Simulation(planned, 1).run()
    a, b = replication_metrics(one, simple), replication_metrics(other, planned)
    assert pd.Series(a).equals(pd.Series(b))  # NaN (no lifetime in 7 days) equals NaN
    pd.testing.assert_frame_equal(one.visits, other.visits)
    pd.testing.assert_frame_equal(one.days, other.days)
    pd.testing.assert_frame_equal(one.lanes_log, other.lanes_log)


def test_lanes_follow_the_plan_hour_by_hour():
    """Sampled in the middle of each opening hour, the open lanes are the plan's; lanes
    open on the hour; and an hour with one lane queues longer than one with three."""
    weekday = [1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 3, 2, 1, 1, 2, 3]
    weekend = [3 - (hour % 3) for hour in range(HOURS)]
    scenario = load_scenario(
        BASELINE,
        [
            *SHORT,
            "horizon.days=6",
            f"checkout.lanes.weekday={weekday}",
            f"checkout.lanes.weekend={weekend}",
        ],
    )
    sim = Simulation(scenario, 0)
    opening = scenario.hours.open_min
    monitor = Monitor(sim, every=60.0, start=opening + 30.0)
    rep = sim.run()
    samples = monitor.table()
    minute = samples["time"] % 1440
    inside = samples[(minute > opening) & (minute < scenario.hours.close_min)]
    for time, lanes in zip(inside["time"], inside["lanes"]):
        day, hour = int(time // 1440), int((time % 1440 - opening) // 60)
        assert lanes == (weekend if day % 7 >= 5 else weekday)[hour], (day, hour)
    opened = rep.lanes_log[rep.lanes_log["event"] == "opened"]
    assert ((opened["time"] % 1440 - opening) % 60 == 0).all()
    assert set(rep.lanes_log["reason"]) == {"plan"} and set(rep.lanes_log["role"]) == {"cashier"}
    # Queues seen on reaching the checkout: longer in one-lane hours than in three-lane hours
    # (tens of shoppers each way: the effect is several times the spread).
    visits = rep.visits[(rep.visits["day"] < 5) & (rep.visits["queue_seen"] >= 0)]
    hour = ((visits["arrival_min"] - opening) // 60).astype(int)
    lanes = hour.map(dict(enumerate(weekday)))
    assert visits["lanes_open"].between(1, 3).all()
    assert visits.loc[lanes == 1, "checkout_wait_min"].mean() > 2 * (
        visits.loc[lanes == 3, "checkout_wait_min"].mean()
    )


# The policy


@pytest.fixture(scope="module")
def policy_runs() -> dict[bool, list]:
    """Three replications of 14 days of a one-lane plan, without and with the policy (the
    same seeds, so the pairs share their random numbers)."""
    runs: dict[bool, list] = {}
    for active in (False, True):
        scenario = load_scenario(BASELINE, lean(active))
        runs[active] = [(scenario, Simulation(scenario, r).run()) for r in range(3)]
    return runs


def test_the_policy_shortens_waits_and_leaves_shelves_emptier(policy_runs):
    """Paired by replication (common random numbers): calling stockers to the tills cuts the
    mean wait by at least a tenth (measured: about a fifth), while shoppers meet more gaps
    per item looked up (slower refill rounds; measured +6%, asserted > +2%), the refill
    rounds come further apart, and fewer shoppers facing a gap find someone to ask. Each
    replication holds some 70,000 lookups, so the gap rate's sampling error (about 1.3% of it)
    is well below the asserted effect."""
    for (scenario, without), (_, with_policy) in zip(policy_runs[False], policy_runs[True]):
        wait = [
            replication_metrics(r, scenario)["mean_checkout_wait_min"]
            for r in (without, with_policy)
        ]
        assert wait[1] < 0.9 * wait[0]
        gaps = [r.visits["gaps"].sum() / r.visits["lookups"].sum() for r in (without, with_policy)]
        assert gaps[1] > 1.02 * gaps[0]
        interval = [r.days["restock_interval_min"].mean() for r in (without, with_policy)]
        assert interval[1] > interval[0]
        asked = [
            r.visits["asked_staff"].sum() / r.visits["gaps"].sum() for r in (without, with_policy)
        ]
        assert asked[1] < asked[0]
        assert (with_policy.lanes_log["reason"] == "policy").any()
        assert not (without.lanes_log["reason"] == "policy").any()


def open_spans(log: pd.DataFrame) -> list[tuple[int, float, float, str, str]]:
    """(lane, opened, closed, reason, role) from the log; a lane still open closes at inf."""
    spans, opened = [], {}
    for entry in log.sort_values("time", kind="stable").itertuples():
        if entry.event == "opened":
            assert entry.lane not in opened, f"lane {entry.lane} opened twice"
            opened[entry.lane] = entry
        else:
            start = opened.pop(entry.lane)  # a lane closes only once it was opened
            assert (start.reason, start.role) == (entry.reason, entry.role)
            spans.append((entry.lane, start.time, entry.time, entry.reason, entry.role))
    spans += [(lane, e.time, math.inf, e.reason, e.role) for lane, e in opened.items()]
    return spans


def test_the_lane_log_is_consistent_and_pays_the_hours_worked(policy_runs):
    """Every lane that opens closes (or is open when the run ends); lanes are numbered 1 to
    checkout.cashiers; no more than max_lanes are open at once; called colleagues are of the
    policy's role and never more than that role's posts; lanes close for the night once the
    doors are shut; and the wage bill is the cashiers' hours in the log plus the floor posts."""
    for scenario, rep in policy_runs[True]:
        log = rep.lanes_log
        assert log["lane"].between(1, scenario.checkout.cashiers).all()
        assert (log["day"] == log["time"] // 1440).all()
        spans = open_spans(log)
        assert all(math.isfinite(end) for _, _, end, _, _ in spans)
        # Lanes open at once, and called colleagues at once, from the spans' ends.
        changes = sorted(
            [(start, 1, reason) for _, start, _, reason, _ in spans]
            + [(end, -1, reason) for _, _, end, reason, _ in spans]
        )
        open_now = called = 0
        for _, step, reason in changes:
            open_now += step
            called += step if reason == "policy" else 0
            assert open_now <= scenario.checkout.policy.max_lanes
            assert called <= scenario.posts_per_shift("stocker")
        assert {role for *_, reason, role in spans if reason == "policy"} == {"stocker"}
        # Every day's lanes are closed after the doors close, none in opening hours.
        closing = scenario.hours.close_min
        nightly = log[(log["event"] == "closed") & (log["reason"] == "plan")]
        assert (nightly["time"] % 1440 >= closing).all()
        # Wages: the cashiers' spans, clipped to the measured days, at the cashier's wage.
        cashier = sum(end - start for _, start, end, _, role in spans if role == "cashier")
        wage = scenario.costs.wage_per_hour
        open_hours = (closing - scenario.hours.open_min) / 60.0
        floor = sum(
            wage[role] * scenario.posts_per_shift(role) * open_hours
            for role in scenario.staff.roles
            if role != "cashier"
        )
        expected = wage["cashier"] * cashier / 60.0 / scenario.horizon.days + floor
        assert wages_per_day(scenario, log) == pytest.approx(expected, rel=1e-12)
        assert replication_metrics(rep, scenario)["wages_per_day"] == pytest.approx(expected)


def test_a_called_colleague_is_missing_on_the_floor():
    """Sampled every minute: the stockers on the floor and those away (walking or at a
    till) make up the shift's stockers, and every lane a stocker staffs has one away."""
    scenario = load_scenario(BASELINE, [*lean(True), "horizon.days=2"])
    sim = Simulation(scenario, 0)
    store = sim.store
    seen: list[tuple[int, int, int]] = []

    def watch():
        while True:
            yield sim.env.timeout(1.0)
            on_floor = len(store.floor_staff(sim.env.now, ("stocker",)))
            away = len(store.crews["stocker"].away)
            staffing = sum(till.server_role == "stocker" for till in store.checkout.tills)
            seen.append((on_floor, away, staffing))

    sim.env.process(watch())
    sim.run()
    seen_array = np.array(seen)
    stockers = scenario.posts_per_shift("stocker")
    assert (seen_array[:, 0] + seen_array[:, 1] == stockers).all()
    assert (seen_array[:, 2] <= seen_array[:, 1]).all()
    assert seen_array[:, 2].max() >= 1  # the policy did call someone


def test_the_trace_and_the_queue_plot_tell_the_lanes(policy_runs):
    scenario, rep = policy_runs[True][0]
    traced = Simulation(scenario, 0, trace=True)
    story = tell(traced.run(), scenario, pick="lane")
    assert "a stocker opens lane " in story and "queue too long" in story
    sim = Simulation(scenario, 0)
    monitor = Monitor(sim, every=1.0, start=1440.0, end=2880.0)
    run = sim.run()
    samples = monitor.table()
    fig = plots.queue_and_terminals(samples, run.terminal_log, 1, (360.0, 1320.0))
    line = next(ln for ln in fig.axes[0].get_lines() if ln.get_label() == "lanes open")
    shown = samples[(samples["time"] >= 1800.0) & (samples["time"] <= 2760.0)]
    assert list(line.get_ydata()) == list(shown["lanes"])
    assert shown["lanes"].max() > 1 and shown["lanes"].min() == 1


# The queue a shopper saw


def test_the_queue_seen_on_reaching_the_checkout_obeys_littles_law():
    """In the M/M/c scenario shoppers reach the checkout as a Poisson stream, so the queue
    they see is the time-average queue (PASTA), which by Little's law is the arrival rate
    times the mean wait. 12 days (~8,600 checkouts) pin both to within a few per cent at
    rho = 0.5; 10% tolerance."""
    scenario = load_scenario(MMC, ["horizon.days=12", "horizon.warmup_days=1"])
    rep = Simulation(scenario, 0).run()
    visits = rep.visits[~rep.visits["warmup"]]
    assert (visits["queue_seen"] >= 0).all() and (visits["lanes_open"] == 2).all()
    rate = len(visits) / (scenario.horizon.days * 1440.0)
    little = rate * visits["checkout_wait_min"].mean()
    assert visits["queue_seen"].mean() == pytest.approx(little, rel=0.10)


def test_balkers_saw_a_long_queue():
    """Shoppers balk only at a line of at least balk_queue x 0.2 (the worst mood) per open
    till. One staffed lane all day and shoppers who balk at 3 waiting give a few dozen
    balkers."""
    scenario = load_scenario(BASELINE, [*lean(False), "checkout.balk_queue=3"])
    visits = Simulation(scenario, 0).run().visits
    balked = visits[visits["abandoned"] == "balk"]
    assert len(balked) >= 20
    assert (balked["queue_seen"] >= scenario.checkout.balk_queue * 0.2).all()
    # the one staffed lane, or the line of the two self-checkouts (lines: docs/data.md)
    assert set(balked["line"]) <= {0, scenario.checkout.cashiers}
    # A shopper who reached the checkout chose a line and saw it; the others (nothing left
    # to buy) have none of the three.
    reached = visits["line"] >= 0
    assert (visits.loc[reached, ["queue_seen", "lanes_open"]] >= 0).all(axis=None)
    assert (visits.loc[~reached, ["queue_seen", "lanes_open"]] == -1).all(axis=None)
    assert (visits.loc[~reached, "items"] == 0).all()


# Bad plans


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("checkout.lanes.weekday=[3, 3]", "checkout.lanes.weekday needs one lane count"),
        (f"checkout.lanes.weekend={[2] * 15 + [5]}", "checkout.lanes.weekend.15: 5 lanes"),
        ("checkout.policy.from_role=cashier", "checkout.policy.from_role"),
        ("checkout.policy.from_role=baker", "checkout.policy.from_role"),
        ("checkout.policy.max_lanes=9", "checkout.cashiers: 9 lanes, but the store has 3"),
        ("checkout.cashiers=0", "checkout.cashiers: the store has no staffed lane"),
    ],
)
def test_bad_plans_and_roles_are_one_line_errors_naming_the_key(override, key, capsys):
    sets = [override, "checkout.policy.active=true"]
    with pytest.raises(ScenarioError) as error:
        load_scenario(BASELINE, sets)
    assert key in str(error.value) and "\n" not in str(error.value)
    code = main(["run", str(BASELINE), "--set", override, "--set", sets[1], "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and key in err and len(err.splitlines()) == 1


def test_a_policy_needs_someone_to_call():
    with pytest.raises(
        ScenarioError, match=r"staff.roles.floor_assistant.count: the store has no "
    ):
        load_scenario(
            BASELINE,
            [
                "checkout.policy.active=true",
                "staff.roles.floor_assistant.count=0",
                "checkout.policy.from_role=floor_assistant",
            ],
        )


def test_the_shipped_one_in_front_scenario_loads_and_keeps_the_plan_optimisable():
    scenario = load_scenario(ONE_IN_FRONT, ["checkout.lanes.weekday.10=4"])
    assert scenario.checkout.policy.active and scenario.checkout.lanes.weekday[10] == 4
    assert len(scenario.checkout.lanes.weekend) == HOURS


# The line chosen


@pytest.mark.parametrize("single_queue", [True, False], ids=["snake", "lane-queues"])
def test_nobody_queues_while_a_till_they_may_use_stands_free(single_queue: bool) -> None:
    """Shoppers who preferred the self-checkout joined its queue while staffed lanes stood
    idle (and gave up there: 91% of the baseline's give-ups, at an idle lane 92% of the
    time), so an extra cashier hardly cut the walk-outs. Every basket here may go to either
    kind of till and half the shoppers prefer each; reconstructed from when each till served
    whom (payment adds no time), every shopper who waited found each till busy on arrival."""
    scenario = load_scenario(
        MMC,
        [
            "horizon.days=3",
            f"checkout.single_queue={str(single_queue).lower()}",
            "checkout.self_checkouts=2",
            "checkout.self_checkout_share=0.5",
            "checkout.self_checkout_max_items=500",
            "checkout.self_service_time={dist: exponential, mean_min: 3.0}",
            "arrivals.rate_per_hour=60",
        ],
    )
    visits = Simulation(scenario, 0).run().visits
    served = visits[visits["till"] >= 0]
    # service_start_min counts from the midnight before the service, maybe the day after arrival
    after_midnight = served["service_start_min"] < served["arrival_min"]
    start = (served["day"] + after_midnight) * 1440.0 + served["service_start_min"]
    arrived = start - served["checkout_wait_min"]
    # a visit still going on at the end is in no row: a till may look free in its last hour
    ends = (scenario.horizon.warmup_days + scenario.horizon.days) * 1440.0 - 60.0
    waited = arrived[(served["checkout_wait_min"] > 0) & (arrived < ends)].to_numpy()
    assert len(waited) > 500  # of about 5,700 checkouts: a busy store
    for till, at_till in start.groupby(served["till"]):
        begin = at_till.sort_values()
        end = (begin + served.loc[begin.index, "service_min"]).to_numpy()
        last = np.searchsorted(begin.to_numpy(), waited, side="right") - 1
        busy = (last >= 0) & (end[np.maximum(last, 0)] > waited)
        assert busy.all(), f"{(~busy).sum()} shoppers waited while till {till} stood free"
