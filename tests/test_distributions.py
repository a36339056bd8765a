"""Durations sampled from uniforms (world/distributions.py) follow their distributions: a
Kolmogorov-Smirnov test against scipy's, with a fixed seed."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from journeysim.scenario.schema import Distribution
from journeysim.world.distributions import Duration, standard_normal

N = 20_000


def samples(dist: Distribution, seed: int = 7) -> np.ndarray:
    uniforms = iter(np.random.default_rng(seed).random(10 * N).tolist())
    duration = Duration(dist)
    return np.array([duration.sample(uniforms.__next__) for _ in range(N)])


@pytest.mark.parametrize(
    "dist, reference",
    [
        (Distribution(dist="exponential", mean_min=2.0), stats.expon(scale=2.0)),
        # the baseline's lanes (shape 4.3) and a shape below 1 (the boosted branch)
        (Distribution(dist="gamma", mean_min=2.5, sd_min=1.2), stats.gamma(4.34, scale=0.576)),
        (Distribution(dist="gamma", mean_min=1.0, sd_min=2.0), stats.gamma(0.25, scale=4.0)),
        (
            Distribution(dist="lognormal", mean_min=3.0, sd_min=1.5),
            stats.lognorm(np.sqrt(np.log(1.25)), scale=3.0 / np.sqrt(1.25)),
        ),
    ],
)
def test_durations_follow_their_distribution(dist: Distribution, reference) -> None:
    """KS at N = 20,000 detects a shift of about 1.4% of the CDF (p < 0.001 in a run that
    passes by chance 999 times in 1000); a wrong shape or scale moves it by far more."""
    x = samples(dist)
    assert stats.kstest(x, reference.cdf).pvalue > 0.001
    assert x.mean() == pytest.approx(dist.mean_min, rel=0.03)


@pytest.mark.parametrize("mean", [1e-300, 2.4, 240.0])
@pytest.mark.parametrize("family", ["lognormal", "gamma"])
@pytest.mark.parametrize("spread", [1e-6, 100.0])
def test_durations_at_the_widest_and_narrowest_spread_are_finite(
    family: str, mean: float, spread: float
) -> None:
    dist = Distribution(dist=family, mean_min=mean, sd_min=min(spread * mean, 240.0))
    x = samples(dist)[:1000]
    assert np.isfinite(x).all() and (x >= 0).all()


def test_fixed_durations_use_no_uniform() -> None:
    def no_draw() -> float:
        raise AssertionError("drew a uniform")

    assert Duration(Distribution(dist="fixed", mean_min=1.5)).sample(no_draw) == 1.5


def test_box_muller_gives_a_standard_normal() -> None:
    u = np.random.default_rng(3).random((N, 2)).tolist()
    z = np.array([standard_normal(a, b) for a, b in u])
    assert stats.kstest(z, "norm").pvalue > 0.001


def test_rounded_is_python_round() -> None:
    from journeysim.world.numbers import rounded

    values = [k / 4 for k in range(-40, 41)] + [2.5000000001, 1e15 + 0.5, -0.49999999999999994]
    values += np.random.default_rng(5).normal(0.0, 30.0, 1000).tolist()
    for x in values:
        assert rounded(x) == round(x), x
