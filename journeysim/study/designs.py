"""Designs: the parameter points of a sweep, each a list of `KEY=VALUE` overrides.

A grid crosses lists of values; a Latin hypercube (SALib.sample.latin) or a Sobol' design for
Saltelli's estimator (SALib.sample.sobol, first-order and total indices) samples numeric ranges.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from journeysim.errors import Option, given_with
from journeysim.scenario.errors import ScenarioError
from journeysim.scenario.loader import Override, yaml_data
from journeysim.scenario.reference import parameters
from journeysim.scenario.schema import Scenario
from journeysim.words import capped

KINDS = ("grid", "lhs", "sobol")
MAX_RUNS = 1_000_000  # runs (points x replications) a sweep may have
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*$")  # LOW:HIGH

# Keys every trial or parameter set shares, set by the run's options (which would silently
# replace a value decided, fitted or kept for them).
RUN_KEYS = {"horizon.days": "--days", "replications": "--reps", "seed": "--seed"}


class DesignError(ScenarioError):
    """A sweep design that cannot be built (bad --vary, design or samples)."""


# The key of a sweep's or study's design that holds the digest of the journeysim sources that
# ran it (version.source_digest), so that results of two models are never mixed; and how a
# refusal names it among other differences (not "journeysim", which read as the program).
JOURNEYSIM = "journeysim"
JOURNEYSIM_CODE = "journeysim's code"


def other_journeysim(folder: Path, kind: str, results: str) -> str:
    """Why a sweep or study `folder` whose design matches was run by other journeysim sources
    (version.source_digest) is not resumed: its `results` would mix two models."""
    return (
        f"{folder} holds a {kind} run by another journeysim (its sources differ: a newer or "
        f"edited version), whose {results} would mix with this one's: remove the folder, or "
        f"give the {kind} another name"
    )


def different(
    folder: Path, kind: str, results: str, differs: Sequence[str], count: int, verb: str
) -> DesignError:
    """The refusal of a sweep or study `folder` that holds another `kind` (`differs`, `count`
    in all, which `verb`): one run by other journeysim sources alone (`other_journeysim`), or
    what differs, at most SHOWN_CHARS characters of it (`capped`)."""
    if list(differs) == [JOURNEYSIM_CODE]:
        return DesignError(other_journeysim(folder, kind, results))
    return DesignError(
        f"{folder} holds a different {kind} ({capped(differs, 'difference', count=count)} "
        f"{verb}): remove the folder, or give the {kind} another name"
    )


@dataclass(frozen=True)
class Vary:
    """One varied scenario key: values (YAML texts) for a grid, or (low, high) to sample."""

    key: str
    values: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None
    where: str = ""  # who gave it, for errors: `--vary ...` or a file and key

    @property
    def origin(self) -> str:
        return self.where or Option(f"--vary {self.key}")


def parse_vary(text: str, option: str = Option("--vary")) -> Vary:
    """`KEY=V1,V2,...` (grid values, YAML each) or `KEY=LOW:HIGH` (a range to sample); errors
    name the `option` (or argument) that gave it."""
    key, equals, raw = text.partition("=")
    key, where = key.strip(), given_with(option, text)
    if not equals or not key or not raw.strip():
        raise DesignError(f"{where}: expected KEY=V1,V2,... or KEY=LOW:HIGH", where)
    match = RANGE.match(raw)
    if match and not takes_clock_time(key):
        return _ranged(key, float(match[1]), float(match[2]), where)
    values = tuple(split_values(raw))
    check_once(values, where)
    return Vary(key, values, where=given_with(option, key))


def takes_clock_time(key: str) -> bool:
    """Whether the scenario key `key` (list items by index) is a time of day, HH:MM: its
    "22:00" is one value, not the range 22 to 0."""
    return re.sub(r"\.\d+(?=\.|$)", ".<i>", key) in _clock_keys()


@cache
def _clock_keys() -> frozenset[str]:
    return frozenset(p.key for p in parameters() if p.range == "HH:MM")


def split_values(raw: str) -> list[str]:
    """The YAML texts of comma-separated values, as given: a comma inside a value's [...],
    {...} or quotes does not split it (`{dist: gamma, mean_min: 3},{...}` is two values).
    Read as a YAML flow sequence, each value is cut from `raw` where YAML found it; text YAML
    cannot read so, or that ends in a comma, is split at every comma (each value's own error
    then says why)."""
    try:
        sequence = yaml.compose(f"[{raw}]", Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        sequence = None
    if sequence is None or raw.rstrip().endswith(","):  # YAML would drop a last empty value
        return [value.strip() for value in raw.split(",")]
    return [raw[node.start_mark.index - 1 : node.end_mark.index - 1] for node in sequence.value]


def vary_from_yaml(key: str, value: Any, source: str | None) -> Vary:
    """A sweep file's `vary` entry: a list of values, {low: L, high: H}, "L:H", or one value;
    errors name `vary.KEY` in the `source` file (None: the API's `vary` mapping)."""
    where = f"vary.{key}" if source is None else f"{source}: vary.{key}"
    if isinstance(value, dict):
        if set(value) != {"low", "high"}:
            raise DesignError(f"{where}: expected a list of values or {{low, high}}")
        return _ranged(key, _number(value["low"], where), _number(value["high"], where), where)
    if isinstance(value, str) and (match := RANGE.match(value)) and not takes_clock_time(key):
        return _ranged(key, float(match[1]), float(match[2]), where)
    values = value if isinstance(value, list) else [value]
    if not values:
        raise DesignError(f"{where}: expected at least one value (got an empty list)")
    texts = yaml_texts(values, where, "expected a list of values or {low, high}")
    check_once(texts, where)
    return Vary(key, tuple(texts), where=where)


def yaml_texts(values: Sequence[Any], where: str, expected: str, among: str = "") -> list[str]:
    """The YAML texts of `values` given at `where`; a DesignError, `expected` and the type
    (`among` after it), for one that YAML cannot write (a range, a Decimal, a pandas Series)."""
    texts = []
    for value in values:
        try:
            texts.append(yaml_text(value))
        except yaml.YAMLError:
            raise DesignError(f"{where}: {expected} (got {type(value).__name__}{among})") from None
    return texts


def check_once(values: Sequence[str], where: str) -> None:
    """Refuse values (YAML texts) given more than once, also spelt another way (0.1 and 0.10,
    true and True): they would run, or be tried, twice."""
    spellings: dict[tuple[str, object], list[str]] = {}
    for text in values:
        spellings.setdefault(_read_as(text), []).append(text)
    twice = [_repeated(texts, kind) for (kind, _), texts in spellings.items() if len(texts) > 1]
    if twice:
        raise DesignError(f"{where}: each value once (got {'; '.join(twice)})", where)


def _repeated(texts: list[str], kind: str) -> str:
    if len(set(texts)) == 1:
        return f"{texts[0]} more than once"
    return f"{' and '.join(texts)}, the same {kind}"


def _read_as(text: str) -> tuple[str, object]:
    """What a value's YAML text reads as, to compare: a number by its value (2 is 2.0; a
    boolean is no number), anything else by its YAML (True is true, 'a' is a)."""
    try:
        value = yaml_data(text)
    except yaml.YAMLError:
        return "value", text
    return ("number", value) if is_number(value) else ("value", yaml_text(value))


def is_number(value: Any) -> bool:
    """A YAML number: an int or float, not a boolean."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: Any) -> float:
    """A YAML number as a float: a whole number beyond the floats' range (over 308 digits) is
    infinite, which the checks refuse as they refuse .inf."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _number(value: Any, where: str) -> float:
    if not is_number(value):
        raise DesignError(f"{where}: expected numbers for low and high")
    return number(value)


def check_range(low: float, high: float, where: str) -> None:
    """Refuse a range LOW:HIGH that is not finite numbers LOW < HIGH (`where` gave it)."""
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise DesignError(
            f"{where}: expected finite numbers LOW < HIGH (got {low:g}:{high:g})", where
        )


def _ranged(key: str, low: float, high: float, where: str) -> Vary:
    """A range to sample; `where` (the --vary option or the file and key) names errors."""
    check_range(low, high, where)
    return Vary(key, bounds=(low, high), where=where)


def whole_number_keys(scenario: Scenario, keys: Iterable[str]) -> list[str]:
    """Those of `keys` whose value in `scenario` is a whole number: their ranges are of whole
    numbers (the others' of reals, even between whole ends)."""
    data = scenario.model_dump(mode="json")
    return [key for key in keys if type(_lookup(data, key)) is int]


def check_whole_ends(key: str, bounds: tuple[float, float], where: str) -> None:
    """Refuse a range of the whole-number `key` with a fractional end (`where` gave it)."""
    if not all(float(end).is_integer() for end in bounds):
        low, high = bounds
        raise DesignError(
            f"{where}: {key} is a whole number: expected whole ends LOW:HIGH "
            f"(got {low:g}:{high:g})",
            where,
        )


def _lookup(data: Any, key: str) -> Any:
    """The value at a dotted key path (list items by index); None where there is none."""
    for part in key.split("."):
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict):
            data = data.get(part)
        else:
            return None
    return data


def yaml_text(value: Any) -> str:
    """A value as one line of YAML that loads back to the same value (floats exactly)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=math.inf)
    return text.removesuffix("\n...\n").strip()


@dataclass(frozen=True)
class Design:
    """Points (one YAML text per key) in a fixed order; `bounds` are the sampled ranges;
    `origins` who gave each key (errors in a point's values name them)."""

    kind: str
    keys: tuple[str, ...]
    origins: tuple[str, ...]
    points: tuple[tuple[str, ...], ...]
    bounds: tuple[tuple[float, float], ...] = ()

    def overrides(self, point: int) -> list[Override]:
        return [
            (origin, f"{key}={value}")
            for origin, key, value in zip(self.origins, self.keys, self.points[point])
        ]

    @property
    def base_samples(self) -> int:
        """A Sobol' design's base samples N: its points are N x (keys + 2)."""
        return len(self.points) // (len(self.keys) + 2)

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
    replications: int = 1,
    origins: Mapping[str, str] | None = None,
) -> Design:
    """The points of a grid (all values crossed) or of `samples` base samples of a Latin
    hypercube (`samples` points) or Sobol' design (samples x (parameters + 2) points).

    Keys in `integer_keys` are sampled on [low - 0.5, high + 0.5] and rounded, so that every
    integer in the range is equally likely. A design of more than MAX_RUNS runs (points x
    `replications`) is refused before it is built. Errors name who gave `kind`, `samples` and
    the `varies`: `origins["design"]`, `origins["samples"]` and `origins["vary"]` (a sweep file
    and its key, or an argument of the Python API), else the option.
    """
    given = _Given(origins or {})
    if kind not in KINDS:
        by = given.by("design")
        raise DesignError(f"{by}: expected one of {', '.join(KINDS)} (got {kind!r})", by)
    if not varies:
        by = given.by("vary")
        raise DesignError(f"{by}: expected a key to vary (KEY=V1,V2,... or KEY=LOW:HIGH)", by)
    keys = tuple(v.key for v in varies)
    if len(set(keys)) < len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        by = given.by("vary")
        raise DesignError(f"{by}: each key once (got {', '.join(twice)} more than once)", by)
    if kind == "grid":
        if samples is not None:
            by = given.by("samples")
            raise DesignError(f"{by}: only for {given.name('design')} lhs or sobol", by)
        ranged = [v.origin for v in varies if v.bounds]
        if ranged:
            raise DesignError(
                f"{ranged[0]}: ranges need {given.name('design')} lhs or sobol "
                "(a grid takes a list of values)",
                ranged[0],
            )
        _check_runs(math.prod(len(v.values) for v in varies), replications)
        points = tuple(itertools.product(*(v.values for v in varies)))
        return Design(kind, keys, tuple(v.origin for v in varies), points)
    return _sampled(varies, kind, samples, seed, set(integer_keys), replications, given)


@dataclass(frozen=True)
class _Given:
    """Who gave a design's settings: `origins[key]` (a sweep file and its key), else its
    option `--key`."""

    origins: Mapping[str, str]

    def by(self, key: str) -> str:
        """Who gave `key`, to open an error about its value."""
        return self.origins.get(key, Option(f"--{key}"))

    def name(self, key: str) -> str:
        """How to refer to `key` in an error about another setting: as the sweep file's key
        when it gave it, else as the option."""
        return key if key in self.origins else f"--{key}"


def _check_runs(points: int, replications: int) -> None:
    """Refuse a sweep of more than MAX_RUNS runs, saying how many it would have."""
    runs = points * replications
    if runs > MAX_RUNS:
        raise DesignError(
            f"the sweep would have {points:,} points x {replications:,} replications = "
            f"{runs:,} runs; the limit is {MAX_RUNS:,} runs (give fewer values, samples or "
            "replications)"
        )


def _check_seen(vary: Vary, column: np.ndarray, keys: int, samples: int, by: str) -> None:
    """Refuse a Sobol' design whose whole-number key `vary` (its rounded `column`) takes the
    same value in the two samples, A and B, of every base sample: no point then changes it
    from its base sample alone, and every index of it comes out 0 +- 0, sure and wrong (SALib
    lays a base sample out as A, one row per key, then B)."""
    blocks = column.reshape(samples, keys + 2)
    if (blocks[:, 0] == blocks[:, -1]).all():
        raise DesignError(
            f"{by}: the whole-number key {vary.key} takes the same value in both samples of "
            f"each of the {samples} base samples, so the Sobol' design never sees it change "
            f"and its indices would read 0 +- 0; use more base samples ({samples * 4})",
            by,
        )


def _sampled(
    varies: Sequence[Vary],
    kind: str,
    samples: int | None,
    seed: int,
    integer_keys: set[str],
    replications: int,
    given: _Given,
) -> Design:
    listed = [v for v in varies if v.bounds is None]
    if listed:
        raise DesignError(
            f"{listed[0].origin}: {given.name('design')} {kind} needs a range LOW:HIGH of finite "
            f"numbers (got {','.join(listed[0].values)})",
            listed[0].origin,
        )
    if samples is None:
        by = given.by("design")
        raise DesignError(f"{by}: {kind} needs {given.name('samples')} N (N >= 1)", by)
    by = given.by("samples")
    if samples < 1:
        raise DesignError(f"{by}: expected a whole number >= 1 (got {samples})", by)
    if kind == "sobol" and (samples < 2 or samples & (samples - 1)):
        # N = 1 gave every index a confidence half-width of exactly 0 (one resample).
        raise DesignError(f"{by}: Sobol' designs need a power of 2 from 2 on (got {samples})", by)
    _check_runs(samples * (len(varies) + 2) if kind == "sobol" else samples, replications)
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
            if kind == "sobol":
                _check_seen(v, column, len(varies), samples, by)
        columns.append([yaml_text(value.item()) for value in column])
    keys, origins = tuple(v.key for v in varies), tuple(v.origin for v in varies)
    return Design(kind, keys, origins, tuple(zip(*columns)), bounds)
