"""The default calibration reproduces the stylized facts of published research listed in
docs/calibration.md.

Each test runs the model (fact 1 also checks the formula) with fixed seeds; tolerances are the
ones the facts state. Runs are shared per module, so the file costs a few model runs in all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journeysim.psyche.appraisal import Appraisal, value
from journeysim.psyche.emotion import Emotion
from journeysim.scenario import Scenario, load_scenario
from journeysim.scenario.loader import apply_overrides
from journeysim.simulation.executors import LocalPool
from journeysim.simulation.kpis import net_promoter_score, returned
from journeysim.simulation.measure import measure
from journeysim.simulation.replication import simulate
from journeysim.simulation.runner import RunResult, run_scenario
from journeysim.study.compare import CompareResult, compare_scenarios

SCENARIOS = Path(__file__).parent.parent / "scenarios"
pytestmark = pytest.mark.slow


def run(name: str, *overrides: str, reps: int = 4, reference: Scenario | None = None) -> RunResult:
    """`reps` replications of the named scenario changed by `overrides`, from the history of
    `reference` (default: the changed scenario's own)."""
    scenario = load_scenario(SCENARIOS / f"{name}.yaml", [f"replications={reps}", *overrides])
    return run_scenario(scenario, LocalPool(2), reference=reference)


def baseline_store() -> Scenario:
    """The baseline as it is today: its history is where compare starts a what-if."""
    return load_scenario(SCENARIOS / "baseline.yaml")


def measured(result: RunResult) -> pd.DataFrame:
    visits = result.visits
    return visits[visits["day"] >= result.scenario.horizon.warmup_days]


@pytest.fixture(scope="module")
def baseline() -> RunResult:
    return run("baseline")


@pytest.fixture(scope="module")
def visits(baseline: RunResult) -> pd.DataFrame:
    return measured(baseline)


def test_fact1_losses_loom_larger_than_gains() -> None:
    assert round(value(10), 3) == 7.586
    assert round(value(-10), 3) == -17.068
    # A good and a bad touchpoint of equal size, as the model feels them, leave a net loss.
    appraisal = Appraisal(curvature=0.88, loss_aversion=2.25, scale=0.4)
    emotion = Emotion(baseline=0.0, now=0.0, half_life_min=1e9)  # no decay between the two
    emotion.feel(1.0, appraisal.felt(0.3, 0.0, 1.0))
    emotion.feel(2.0, appraisal.felt(-0.3, 0.0, 1.0))
    assert emotion.valence < 0.0


def r_squared(columns: list[pd.Series], y: pd.Series) -> float:
    x = np.column_stack([np.ones(len(y)), *columns])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ coef
    return 1.0 - (residual**2).sum() / ((y - y.mean()) ** 2).sum()


def test_fact2_memory_follows_peak_and_end_not_duration(visits: pd.DataFrame) -> None:
    peak_end = r_squared([visits["peak"], visits["end"]], visits["remembered"])
    with_duration = r_squared(
        [visits["peak"], visits["end"], visits["duration_min"]], visits["remembered"]
    )
    assert peak_end >= 0.9
    assert with_duration - peak_end < 0.01


def test_fact3_high_effort_drives_disloyalty(visits: pd.DataFrame) -> None:
    fell = visits["strength_after"] < visits["strength_before"]
    effort_rank = visits["effort"].rank(pct=True)
    assert fell[effort_rank > 0.75].mean() >= 0.75
    assert fell[effort_rank <= 0.25].mean() <= 0.20


def test_fact4_service_interactions_make_disloyal_four_times_as_often(
    visits: pd.DataFrame,
) -> None:
    service = visits[visits["service_interaction"]]
    fell = (service["strength_after"] < service["strength_before"]).sum()
    rose = (service["strength_after"] > service["strength_before"]).sum()
    assert 3.0 <= fell / rose <= 5.0


def test_fact5_stockouts_responses_and_lost_sales(visits: pd.DataFrame) -> None:
    assert visits["gaps"].sum() / visits["lookups"].sum() == pytest.approx(0.08, abs=0.01)
    responses = visits[
        ["bought_elsewhere", "switched_brand", "switched_size", "delayed", "skipped"]
    ]
    shares = responses.sum() / responses.sum().sum()
    np.testing.assert_allclose(shares, [0.31, 0.26, 0.19, 0.15, 0.09], atol=0.03)
    lost = visits["lost_revenue"].sum() / (visits["revenue"] + visits["lost_revenue"]).sum()
    assert 0.03 <= lost <= 0.05


def test_fact6_idle_waits_feel_longer_and_hurt_beyond_four_minutes() -> None:
    scenario = load_scenario(
        SCENARIOS / "understaffed_checkout.yaml",
        # The appraisal of a wait, on the founding base: no history needed.
        ["horizon.days=5", "horizon.warmup_days=0", "horizon.burn_in_days=0"],
    )
    rep = simulate(scenario, trace=True)
    waited = rep.visits.dropna(subset=["checkout_wait_min"])
    waited = waited[waited["checkout_wait_min"] > 0]
    np.testing.assert_allclose(waited["perceived_wait_min"] / waited["checkout_wait_min"], 1.36)
    quality = {
        visit_id: next(s.quality for s in steps if s.kind == "checkout_wait")
        for visit_id, steps in rep.traces.items()
        if any(s.kind == "checkout_wait" for s in steps)
    }
    waited = waited.assign(quality=waited["visit_id"].map(quality))
    short = waited[waited["perceived_wait_min"].between(1.0, 3.0)]["quality"]
    long = waited[waited["perceived_wait_min"].between(5.0, 8.0)]["quality"]
    assert len(short) > 30 and len(long) > 30
    # A marked fall: more than half a quality unit (of -1..1) between 1-3 and 5-8 felt minutes.
    assert short.mean() - long.mean() > 0.5


def test_fact7_a_third_carry_no_cash_and_cannot_pay_when_terminals_fail() -> None:
    outage = '[{day: 1, start: "06:00", duration_min: 1200}]'  # past closing: all pay in it
    scenario = load_scenario(
        SCENARIOS / "baseline.yaml",
        ["horizon.days=2", "horizon.warmup_days=0", f"payment.outages={outage}"],
    )
    visits = simulate(scenario).visits
    no_cash = 1.0 - visits["has_cash"].mean()
    assert 0.30 <= no_cash <= 0.40
    at_payment = visits[(visits["day"] == 1) & (visits["payment"] != "")]
    stuck = at_payment["payment"].isin(
        ["waited for repair", "waited, gave up", "fetched cash", "left the cart"]
    )
    assert stuck.mean() == pytest.approx(1.0 - at_payment["has_cash"].mean())
    assert 0.30 <= stuck.mean() <= 0.40


@pytest.fixture(scope="module")
def recovery_pair() -> pd.DataFrame:
    """The same customers with and without two all-day terminal outages, every failing visit
    ending in a complaint and an excellent recovery: both from the history of a store whose
    terminals never failed, where common random numbers pair the visits."""
    common = ["payment.random_failures=false"]
    never_failed = load_scenario(SCENARIOS / "baseline.yaml", common)
    outages = (
        '[{day: 20, start: "06:00", duration_min: 960}, '
        '{day: 34, start: "06:00", duration_min: 960}]'
    )
    failing = [
        *common,
        f"payment.outages={outages}",
        "after_visit.complaint_base=1",
        "after_visit.recovery_quality=1",
    ]
    frames = []
    for result in (
        run("baseline", *common, reps=3, reference=never_failed),
        run("baseline", *failing, reps=3, reference=never_failed),
    ):
        visits = result.visits
        frames.append(
            visits.assign(returned=returned(visits, 14, result.scenario.total_days * 1440))
        )
    plain, failed = frames
    return failed.merge(
        plain, on=["replication", "customer_id", "day"], suffixes=("_failed", "_plain")
    )


def nps(ltr: pd.Series) -> float:
    return net_promoter_score(ltr)


def test_fact8_excellent_recovery_restores_satisfaction_not_loyalty(
    recovery_pair: pd.DataFrame,
) -> None:
    pair = recovery_pair
    first = pair[pair["met_outage_failed"] & pair["complained_failed"]]
    first = first[first["prior_failures_failed"] == 0]
    # 391 paired first failures: CSAT 0.053 above the same visits without the failure, with a
    # standard error of 0.036, well inside the fact's margin of 0.1 (a fixed seed: it cannot
    # flake).
    assert len(first) > 200
    assert first["csat_failed"].mean() >= first["csat_plain"].mean() - 0.1


def test_fact8_no_paradox_on_repurchase_or_advocacy(recovery_pair: pd.DataFrame) -> None:
    pair = recovery_pair
    first = pair[pair["met_outage_failed"] & pair["complained_failed"]]
    first = first[first["prior_failures_failed"] == 0]
    assert first["return_chance_failed"].mean() <= first["return_chance_plain"].mean()
    assert nps(first["ltr_failed"]) <= nps(first["ltr_plain"])


def test_fact8_no_paradox_after_a_second_failure(recovery_pair: pd.DataFrame) -> None:
    pair = recovery_pair
    second = pair[pair["met_outage_failed"] & (pair["prior_failures_failed"] >= 1)]
    assert len(second) > 200
    assert second["csat_failed"].mean() < second["csat_plain"].mean()


def test_fact9_few_complain_and_bad_news_travels_further(visits: pd.DataFrame) -> None:
    dissatisfied = visits[visits["dissatisfied"]]
    assert 0.02 <= dissatisfied["complained"].mean() <= 0.10
    negative = visits.loc[visits["told_negative"] > 0, "told_negative"].mean()
    positive = visits.loc[visits["told_positive"] > 0, "told_positive"].mean()
    assert 1.5 <= negative / positive <= 2.5


def test_fact10_grocery_nps_and_promoters_share_of_wallet(
    baseline: RunResult, visits: pd.DataFrame
) -> None:
    summary = baseline.summary.set_index("metric")
    assert 20.0 <= summary.loc["nps", "mean"] <= 45.0
    promoters = visits.loc[visits["ltr"] >= 9, "share_of_wallet"].mean()
    detractors = visits.loc[visits["ltr"] <= 6, "share_of_wallet"].mean()
    assert 1.4 <= promoters / detractors <= 2.1


def test_fact11_disconfirmation_matters_more_than_expectation(visits: pd.DataFrame) -> None:
    expectation = visits["expectation"].corr(visits["csat"])
    disconfirmation = visits["disconfirmation"].corr(visits["csat"])
    assert 0.1 <= expectation <= 0.45
    assert abs(disconfirmation) > expectation


def visits_in_window(result: RunResult, rep: int, first_day: int, customers: list[int]) -> float:
    """Mean visits per customer over the 28 days from first_day."""
    v = result.visits
    window = v[(v["replication"] == rep) & v["day"].between(first_day, first_day + 27)]
    return window.groupby("customer_id").size().reindex(customers, fill_value=0).mean()


def familiar_cashier_loss(standardisation: float) -> np.ndarray:
    """Per replication, the difference in differences of visits in the 4 weeks after a cashier
    leaves: her regulars against regulars of her colleagues who stay, turnover run against the
    same customers without turnover; both from the store's history, standardised from day 0."""
    setting = f"staff.standardisation={standardisation}"
    with_turnover = run("staff_turnover", setting, reference=baseline_store())
    without = run("baseline", setting, reference=baseline_store())
    losses = []
    for rep, event in with_turnover.turnover_log.groupby("replication"):
        day = int(event["day"].iloc[0])
        regulars, others = event["regulars"].iloc[0], event["others"].iloc[0]
        losses.append(
            visits_in_window(with_turnover, rep, day, regulars)
            - visits_in_window(without, rep, day, regulars)
            - visits_in_window(with_turnover, rep, day, others)
            + visits_in_window(without, rep, day, others)
        )
    return np.array(losses)


def test_fact12_a_familiar_cashier_leaving_costs_her_regulars() -> None:
    loss = familiar_cashier_loss(0.3)
    standardised = familiar_cashier_loss(0.8)
    # Significant at 95%: a one-sided t-test of the per-replication losses.
    assert stats.ttest_1samp(loss, 0.0, alternative="less").pvalue < 0.05
    assert standardised.mean() > loss.mean()


def steady_state(*overrides: str, reps: int) -> pd.DataFrame:
    """KPIs per replication of the baseline changed by `overrides` for good: the run starts
    from its own burn-in, so customers have lived with the change for 104 weeks already."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml", [f"replications={reps}", *overrides])
    tasks = [(scenario, r) for r in range(reps)]
    return pd.DataFrame([m for _, m in LocalPool(2).run(measure, tasks)])


@pytest.mark.parametrize(
    ("worse", "better", "lower", "reps"),
    [
        (
            ["staff.roles.cashier.friendliness=-0.5"],
            ["staff.roles.cashier.friendliness=0.95"],
            # Return rate per visit: unfriendly cashiers drive the marginal customers away (43%
            # fewer visits), and those who stay return almost as often (1.4 points less,
            # docs/calibration.md).
            ("csat", "nps", "visits_per_day", "active_customers"),
            6,  # the closest, NPS: -10.8 points
        ),
        (
            ["staff.roles.cleaner.count=0", "floor.spill_per_day=4"],  # as dirty_floor.yaml
            [],  # against the baseline's floor, its history the one the other tests share
            ("csat", "nps", "return_rate", "visits_per_day", "active_customers"),
            4,  # the closest, return rate: -9.2 points
        ),
    ],
    ids=["unfriendly-cashiers", "dirty-floor"],
)
def test_fact13_a_permanent_quality_level_stays_felt(
    worse: list[str], better: list[str], lower: tuple[str, ...], reps: int
) -> None:
    low, high = steady_state(*worse, reps=reps), steady_state(*better, reps=reps)
    for kpi in lower:
        # Clearly lower: the whole 95% CI of the difference (Welch) lies below zero.
        ci_high = stats.ttest_ind(low[kpi], high[kpi], equal_var=False).confidence_interval().high
        assert ci_high < 0.0, f"{kpi}: {low[kpi].mean():.3f} vs {high[kpi].mean():.3f}"


@pytest.fixture(scope="module")
def steps() -> CompareResult:
    """Three months after a permanent step of the cashiers' friendliness, from the same store as
    it is today (the baseline's history, as compare does), 18 paired replications: every
    interval the tests read ends short of 0 by at least 1.8 times its half-width (CSAT's
    asymmetry at -0.012, the visits' at -19 a day, the return rate's loss at -0.43 points),
    where 36 (the figures of docs/calibration.md) took six minutes of CI and 12 once left the
    visits' asymmetry, then about -9 a day, at -3 [-12, +6]."""
    base = load_scenario(
        SCENARIOS / "baseline.yaml",
        ["replications=18", "horizon.warmup_days=91", "horizon.days=28"],
    )
    level = base.staff.roles["cashier"].friendliness
    changed = [
        apply_overrides(base, [f"name={name}", f"staff.roles.cashier.friendliness={level + step}"])
        for name, step in (("down", -0.4), ("up", 0.4))
    ]
    return compare_scenarios([base, *changed], LocalPool(2))


def asymmetry(result: CompareResult, kpi: str) -> tuple[float, float]:
    """95% CI of the step down's change plus the step up's, paired by replication: below zero
    when the step down costs more than the step up gains."""
    table = result.replications.pivot(index="replication", columns="scenario", values=kpi)
    both = (table["down"] - table["baseline"]) + (table["up"] - table["baseline"])
    interval = stats.ttest_1samp(both, 0.0).confidence_interval()
    return interval.low, interval.high


@pytest.mark.parametrize("kpi", ["csat", "visits_per_day"])
def test_fact14_a_step_down_costs_more_than_a_step_up_gains(steps, kpi: str) -> None:
    # With the baseline's seed: CSAT loss 0.052, gain 0.033, asymmetry -0.018 [-0.025,
    # -0.012]; visits a day loss 57.2, gain 32.3, asymmetry -24.8 [-30.5, -19.2].
    assert steps.difference("down", kpi)["diff_ci_high"] < 0.0
    assert asymmetry(steps, kpi)[1] < 0.0


def test_fact14_the_step_down_costs_return_rate_clearly(steps) -> None:
    """The return rate per visit falls clearly after the step down (-0.54 points [-0.66,
    -0.43]); its asymmetry, below zero too (-0.29 points [-0.46, -0.12]), is smaller, as the step
    down drives the least attached customers away and those who stay return as often as
    before, as in fact 13 (docs/calibration.md): the test checks the loss alone."""
    assert steps.difference("down", "return_rate")["diff_ci_high"] < 0.0
