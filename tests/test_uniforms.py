"""The visits' counter-based uniforms (world/uniforms.py): SplitMix64's published outputs,
the addressing by customer, visit and place in the visit, independence of how a day's visits
are batched, a shopper's draws (dealt or not, past the first block), and the distribution of
the numbers."""

from __future__ import annotations

import numpy as np
from scipy import stats

from journeysim.journey.records import TouchTally
from journeysim.journey.shopper import Shopper
from journeysim.loyalty.customer import Customer
from journeysim.psyche.appraisal import Appraisal
from journeysim.psyche.emotion import Moods
from journeysim.psyche.expectations import Adaptation
from journeysim.psyche.kinds import KINDS
from journeysim.scenario.schema import Scenario
from journeysim.world.uniforms import AFTER_VISIT, BLOCK, VisitUniforms, _mixed

MASK = 2**64 - 1
GAMMA = 0x9E3779B97F4A7C15


def mix(z: int) -> int:
    """SplitMix64's output function in Python integers (an independent statement of it)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def reference(key: int, customer: int, visit: int, j: int) -> float:
    """Uniform j of a visit: SplitMix64 seeded with the mix of (key, customer, visit)."""
    seed = mix((key + ((customer << 24 | visit) + 1) * GAMMA) & MASK)
    return (mix((seed + (j + 1) * GAMMA) & MASK) >> 11) * 2.0**-53


def test_the_mix_gives_splitmix64s_published_outputs() -> None:
    # The first five outputs of splitmix64.c (Vigna) seeded with 1234567.
    expected = [
        6457827717110365317,
        3203168211198807973,
        9817491932198370423,
        4593380528125082431,
        16408922859458223821,
    ]
    counters = np.array([(1234567 + k * GAMMA) & MASK for k in range(1, 6)], dtype=np.uint64)
    assert _mixed(counters).tolist() == expected


def test_each_visit_has_its_own_sequence_whatever_the_batch() -> None:
    uniforms = VisitUniforms(2026)
    customers, visits = [0, 5, 5, 123_456], [0, 0, 7, 3]
    together = uniforms.blocks(customers, visits)
    for row, customer, visit in zip(together, customers, visits):
        assert row == uniforms.blocks([customer], [visit])[0]  # alone, the same numbers
        assert row == [reference(2026, customer, visit, j) for j in range(BLOCK)]
    # The visit's further uniforms continue the same sequence.
    further = uniforms.blocks([5], [7], start=BLOCK)[0]
    assert further == [reference(2026, 5, 7, BLOCK + j) for j in range(BLOCK)]
    assert len({row[0] for row in together}) == len(together)
    assert VisitUniforms(2027).blocks([0], [0]) != uniforms.blocks([0], [0])


def test_a_shoppers_draws_are_its_visits_sequence_dealt_or_not() -> None:
    # Two visits of customer 5: the first dealt with others, the second drawn alone; each
    # draws 2.5 blocks, so it runs past its first block twice.
    uniforms = VisitUniforms(31)
    name, segment = next(iter(Scenario().segments.items()))
    customer = Customer(5, name, segment, uniforms, 0.5, [0.0] * KINDS, 600.0, 0.0, 0.0, 0, 9)
    other = Customer(6, name, segment, uniforms, 0.5, [0.0] * KINDS, 600.0, 0.0, 0.0, 0, 9)
    customer.dealt, other.dealt = uniforms.blocks([5, 6], [0, 0])
    for visit in (0, 1):
        shopper = Shopper(
            customer,
            600.0,
            Appraisal(0.88, 2.25, 0.4),
            Adaptation(0.3, 0.1, 0.3, [0.0] * KINDS),
            Moods(0.1, 0.2, 60.0, 20.0),
            [TouchTally() for _ in range(KINDS)],
            tracing=False,
        )
        # The first AFTER_VISIT are kept for the decisions after the visit, 2 went to the mood.
        drawn = [shopper.draw() for _ in range(BLOCK * 5 // 2 - AFTER_VISIT - 2)]
        sequence = [reference(31, 5, visit, j) for j in range(BLOCK * 5 // 2)]
        assert drawn == sequence[AFTER_VISIT + 2 :]
        assert [shopper.after(slot) for slot in range(AFTER_VISIT)] == sequence[:AFTER_VISIT]
    assert customer.trips == 2 and customer.dealt is None


def test_the_uniforms_are_uniform_and_uncorrelated() -> None:
    # 2,000 visits of BLOCK (52): Kolmogorov-Smirnov on all 104,000 and on the first draw of each
    # visit (visits side by side), and the lag-1 correlation within visits. With a fixed key
    # the numbers are fixed; a sound generator passes at these levels (p > 0.01, and
    # |r| < 4 standard errors of 1/sqrt(n)), a broken mix or a shared seed does not.
    rows = np.array(VisitUniforms(99).blocks(list(range(1000)) * 2, [0] * 1000 + [1] * 1000))
    assert rows.min() >= 0.0 and rows.max() < 1.0
    assert stats.kstest(rows.ravel(), "uniform").pvalue > 0.01
    assert stats.kstest(rows[:, 0], "uniform").pvalue > 0.01
    lag = np.corrcoef(rows[:, :-1].ravel(), rows[:, 1:].ravel())[0, 1]
    assert abs(lag) < 4.0 / np.sqrt(rows[:, 1:].size)
