"""The hot path writes some of the psyche's rules out inline, for speed; these tests hold it
equal to the rules' own statements. `Shopper.touch`, over any sequence of touchpoints: `value`
(prospect theory) times the segment's weight, `Emotion.feel` and `Adaptation.adapted`
(hypothesis, derandomised under the `ci` profile that tests/test_fuzz.py registers).
`Aftercare.conclude`: the peak-end rule of `remembered_score`."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from journeysim.journey.records import TouchTally
from journeysim.journey.shopper import Shopper
from journeysim.loyalty.customer import Customer
from journeysim.psyche.appraisal import Appraisal, value
from journeysim.psyche.emotion import Emotion, Moods
from journeysim.psyche.expectations import Adaptation
from journeysim.psyche.kinds import KINDS
from journeysim.psyche.memory import remembered_score
from journeysim.scenario import load_scenario
from journeysim.scenario.schema import TOUCHPOINT_KINDS, Scenario
from journeysim.simulation.replication import simulate
from journeysim.world.uniforms import VisitUniforms

SEGMENT_NAME, SEGMENT = next(iter(Scenario().segments.items()))
quality = st.floats(-1.0, 1.0)
touchpoint = st.tuples(st.floats(0.0, 30.0), st.integers(0, KINDS - 1), quality, st.floats(0, 3))


def customer(disposition: float, expectations: list[float]) -> Customer:
    return Customer(
        id=1,
        segment_name=SEGMENT_NAME,
        segment=SEGMENT,
        uniforms=VisitUniforms(7),
        strength=0.5,
        expectations=list(expectations),
        preferred_minute=600.0,
        baseline_mood=0.1,
        disposition=disposition,
        joined_day=0,
        attrition_day=10_000,
    )


@given(
    disposition=st.floats(-0.3, 0.3),
    expectations=st.lists(quality, min_size=KINDS, max_size=KINDS),
    sensitivity=st.dictionaries(st.sampled_from(TOUCHPOINT_KINDS), st.floats(0.0, 3.0)),
    touches=st.lists(touchpoint, min_size=1, max_size=30),
)
def test_touch_is_the_psyches_appraisal_emotion_and_adaptation(
    disposition: float,
    expectations: list[float],
    sensitivity: dict[str, float],
    touches: list[tuple[float, int, float, float]],
) -> None:
    appraisal = Appraisal(curvature=0.88, loss_aversion=2.25, scale=0.4)
    standard = [0.1 * k - 0.5 for k in range(KINDS)]
    adaptation = Adaptation(rise=0.3, fall=0.02, anchor=0.4, standard=standard)
    moods = Moods(mean=0.1, sd=0.0, half_life_days=30.0, half_life_min=6.0)
    shopper = Shopper(
        customer(disposition, expectations),
        0.0,
        appraisal,
        adaptation,
        moods,
        [TouchTally() for _ in range(KINDS)],
        tracing=False,
    )
    shopper.weights = appraisal.weights(sensitivity)
    emotion = Emotion(shopper.emotion.baseline, 0.0, moods.half_life_min)
    expected = list(expectations)
    now = 0.0
    for gap, kind, q, effort in touches:
        now += gap
        perceived = q + disposition
        felt = shopper.touch(now, kind, q, effort, "a touchpoint")
        weight = appraisal.scale * sensitivity.get(TOUCHPOINT_KINDS[kind], 1.0)
        reference = value(perceived - expected[kind], 0.88, 2.25) * weight
        assert felt == reference
        assert shopper.valence == emotion.feel(now, reference)
        assert shopper.emotion.peak() == emotion.peak()
        assert shopper.emotion.mean() == emotion.mean()
        expected[kind] = adaptation.adapted(expected[kind], perceived, kind, disposition)
        assert shopper.expectations == expected
    assert shopper.touchpoints == len(touches)


def test_a_visit_is_remembered_by_the_peak_end_rule() -> None:
    """Without misremembering, complaints or follow-up calls, every visit's remembered score
    is `remembered_score` of its peak, end and length (to rounding: 1e-12), here with duration
    weighing too."""
    scenario = load_scenario(
        Path(__file__).parent.parent / "scenarios" / "baseline.yaml",
        [
            "horizon.days=2",
            "horizon.warmup_days=0",
            "horizon.burn_in_days=0",
            "psyche.memory_noise=0",
            "psyche.duration_weight=0.1",
            "after_visit.complaint_base=0",
            "after_visit.complaint_peak_slope=0",
            "after_visit.follow_up_prob=0",
        ],
    )
    visits = simulate(scenario).visits
    psyche = scenario.psyche
    assert len(visits) > 500 and not visits["complained"].any()
    for row in visits.itertuples():
        expected = remembered_score(
            row.peak,
            row.end,
            row.duration_min,
            psyche.peak_weight,
            psyche.end_weight,
            psyche.duration_weight,
        )
        assert abs(row.remembered - expected) <= 1e-12
