"""Designs: the parameter points of a sweep, each a list of `KEY=VALUE` overrides.

A grid crosses lists of values; a Latin hypercube (SALib.sample.latin) or a Sobol' design for
Saltelli's estimator (SALib.sample.sobol, first-order and total indices) samples numeric ranges.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from journeysim.scenario.errors import ScenarioError

KINDS = ("grid", "lhs", "sobol")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*$")


class DesignError(ScenarioError):
    """A sweep design that cannot be built (bad --vary, design or samples)."""


@dataclass(frozen=True)
class Vary:
    """One varied scenario key: values (YAML texts) for a grid, or (low, high) to sample."""

    key: str
    values: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None


def parse_vary(text: str) -> Vary:
    """`KEY=V1,V2,...` (grid values, YAML each) or `KEY=LOW:HIGH` (a range to sample)."""
    key, equals, raw = text.partition("=")
    key = key.strip()
    if not equals or not key or not raw.strip():
        raise DesignError(f"--vary {text}: expected KEY=V1,V2,... or KEY=LOW:HIGH")
    match = _RANGE.match(raw)
    if match:
        return _ranged(key, float(match[1]), float(match[2]), f"--vary {text}")
    return Vary(key, tuple(value.strip() for value in raw.split(",")))


def vary_from_yaml(key: str, value: Any, source: str) -> Vary:
    """A sweep file's `vary` entry: a list of values, {low: L, high: H}, "L:H", or one value."""
    if isinstance(value, dict):
        if set(value) != {"low", "high"}:
            raise DesignError(f"{source}: vary.{key}: expected a list of values or {{low, high}}")
        return _ranged(key, _number(value["low"], key, source), _number(value["high"], key, source))
    if isinstance(value, str) and (match := _RANGE.match(value)):
        return _ranged(key, float(match[1]), float(match[2]), source)
    values = value if isinstance(value, list) else [value]
    return Vary(key, tuple(yaml_text(v) for v in values))


def _number(value: Any, key: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DesignError(f"{source}: vary.{key}: expected numbers for low and high")
    return float(value)


def _ranged(key: str, low: float, high: float, source: str = "") -> Vary:
    if not low < high:
        raise DesignError(f"{source}: {key}: expected LOW < HIGH (got {low:g}:{high:g})")
    return Vary(key, bounds=(low, high))


def yaml_text(value: Any) -> str:
    """A value as one line of YAML that loads back to the same value (floats exactly)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=math.inf)
    return text.removesuffix("\n...\n").strip()


@dataclass(frozen=True)
class Design:
    """Points (one YAML text per key) in a fixed order; `bounds` are the sampled ranges."""

    kind: str
    keys: tuple[str, ...]
    points: tuple[tuple[str, ...], ...]
    bounds: tuple[tuple[float, float], ...] = ()

    def overrides(self, point: int) -> list[str]:
        return [f"{key}={value}" for key, value in zip(self.keys, self.points[point])]

    def problem(self) -> dict[str, Any]:
        """The SALib problem the design was sampled from."""
        return {
            "num_vars": len(self.keys),
            "names": list(self.keys),
            "bounds": [list(b) for b in self.bounds],
        }


def make_design(
    varies: Sequence[Vary],
    kind: str = "grid",
    samples: int | None = None,
    seed: int = 0,
    integer_keys: Iterable[str] = (),
) -> Design:
    """The points of a grid (all values crossed) or of `samples` base samples of a Latin
    hypercube (`samples` points) or Sobol' design (samples x (parameters + 2) points).

    Keys in `integer_keys` are sampled on [low - 0.5, high + 0.5] and rounded, so that every
    integer in the range is equally likely.
    """
    if kind not in KINDS:
        raise DesignError(f"--design: expected one of {', '.join(KINDS)} (got {kind!r})")
    if not varies:
        raise DesignError("a sweep needs at least one --vary KEY=...")
    keys = tuple(v.key for v in varies)
    if len(set(keys)) < len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise DesignError(f"--vary: each key once (got {', '.join(twice)} more than once)")
    if kind == "grid":
        if samples is not None:
            raise DesignError("--samples: only for --design lhs or sobol")
        ranged = [v.key for v in varies if v.bounds]
        if ranged:
            raise DesignError(
                f"--vary {ranged[0]}=LOW:HIGH: ranges need --design lhs or sobol "
                "(a grid takes a list of values)"
            )
        return Design(kind, keys, tuple(itertools.product(*(v.values for v in varies))))
    return _sampled(varies, kind, samples, seed, set(integer_keys))


def _sampled(
    varies: Sequence[Vary], kind: str, samples: int | None, seed: int, integer_keys: set[str]
) -> Design:
    listed = [v.key for v in varies if v.bounds is None]
    if listed:
        raise DesignError(f"--vary {listed[0]}: --design {kind} needs a range KEY=LOW:HIGH")
    if samples is None or samples < 1:
        raise DesignError(f"--design {kind} needs --samples N (N >= 1)")
    if kind == "sobol" and samples & (samples - 1):
        raise DesignError(f"--samples: Sobol' designs need a power of 2 (got {samples})")
    bounds = tuple(
        (low - 0.5, high + 0.5) if v.key in integer_keys else (low, high)
        for v in varies
        for low, high in [v.bounds]
    )
    problem = {"num_vars": len(varies), "names": [v.key for v in varies], "bounds": bounds}
    from SALib.sample import latin, sobol  # only sampled designs need SALib

    if kind == "lhs":
        matrix = latin.sample(problem, samples, seed=seed)
    else:
        matrix = sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    columns = []
    for v, column in zip(varies, matrix.T):
        if v.key in integer_keys:
            low, high = v.bounds
            column = np.clip(np.rint(column), low, high).astype(int)
        columns.append([yaml_text(value.item()) for value in column])
    return Design(kind, tuple(v.key for v in varies), tuple(zip(*columns)), bounds)
