"""What a calibration fits: the scenario, the free parameters (decisions, as in optimise), the
targets (observed KPIs with their tolerance) and the run options; from the command line, the
Python API, a calibration file (YAML) or the targets.yaml that fit-receipts writes."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from journeysim.clock import minutes_of_day
from journeysim.errors import Option, did_you_mean, given_twice, given_with
from journeysim.files import capped_text, not_regular, unread
from journeysim.limits import MAX_TRIALS, MIN_CALIBRATION_TRIALS
from journeysim.scenario.errors import shown
from journeysim.scenario.loader import MAX_YAML_BYTES, Override, parse_yaml
from journeysim.simulation.hourly import KINDS, hourly_name, is_hourly
from journeysim.simulation.measure import METRICS
from journeysim.simulation.ranges import out_of_range, resolution, too_wide
from journeysim.study.decisions import Decision, decision_from_yaml
from journeysim.study.designs import DesignError, is_number, number
from journeysim.study.sources import (
    ScenarioSource,
    checked_keys,
    experiment_name,
    given_by,
    study_data,
    study_scenario,
    whole_number,
)
from journeysim.words import figure

# The file's settings that an option of the same name overrides: errors name the file and key.
OPTIONS = ("trials", "sampler", "reps", "days", "seed")
FILE_KEYS = (
    "scenario",
    "name",
    "targets",
    "free",
    "trials",
    "sampler",
    "set",
    "reps",
    "days",
    "seed",
)
SAMPLERS = ("tpe", "random")
DEFAULT_TRIALS = 40
DEFAULT_TOLERANCE = 0.05  # of |VALUE| when a target gives none, at least its KPI's resolution
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TARGET = re.compile(rf"^\s*(\w+)\s*=\s*({_NUMBER})\s*(?:\+-\s*({_NUMBER}))?\s*$")


@dataclass(frozen=True)
class Target:
    """An observed KPI of the run summary, or receipts in an opening hour
    (simulation.hourly), and how far a simulated mean may be from it."""

    metric: str
    value: float
    tolerance: float
    # Who gave it, as errors name it (`targets.yaml: hourly_receipts.weekday[3]`); "": the
    # target's own text.
    where: str = field(default="", compare=False)

    @property
    def text(self) -> str:
        return f"{self.metric}={self.value:.12g}+-{figure(self.tolerance)}"

    def off(self, simulated: float) -> float:
        """How many tolerances the simulated mean is from the observed value."""
        return abs(simulated - self.value) / self.tolerance


def _kpis_near(metric: str) -> list[str]:
    """The KPIs a misspelt `metric` may mean: the summary's, and the hourly ones at the time it
    ends with, if any (receipts_weekdy_h0700 meant receipts_weekday_h0700)."""
    time = re.search(r"\d{4}$", metric)
    return [*METRICS, *(f"receipts_{kind}_h{time[0]}" for kind in KINDS)] if time else METRICS


def target(metric: str, value: float, tolerance: float | None, where: str) -> Target:
    """A checked target (a value the KPI can have); tolerance None is 5% of |value|,
    at least the KPI's resolution (ranges.RESOLUTION; other KPIs, receipts in an hour among
    them, one unit)."""
    if metric not in METRICS and not is_hourly(metric):
        raise DesignError(
            f"{where}: expected a KPI of {', '.join(METRICS)}, or receipts_weekday_hHHMM / "
            f"receipts_weekend_hHHMM (got {metric!r}{did_you_mean(metric, _kpis_near(metric))})",
            where,
        )
    if tolerance is None:
        tolerance = max(DEFAULT_TOLERANCE * abs(value), resolution(metric))
    if not math.isfinite(value):
        raise DesignError(f"{where}: expected a finite value (got {value:g})", where)
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise DesignError(
            f"{where}: expected a finite tolerance above 0 (got {tolerance:g})", where
        )
    problem = out_of_range(metric, value, shown=True) or too_wide(metric, tolerance)
    if problem:
        raise DesignError(f"{where}: {problem}", where)
    return Target(metric, float(value), float(tolerance), where)


def parse_targets(texts: Iterable[str], option: str = Option("--target")) -> tuple[Target, ...]:
    """`--target` texts, refusing a KPI targeted twice; errors name the `option` (or
    argument) that gave them."""
    given = [(text, parse_target(text, option)) for text in texts]
    twice = given_twice(
        option, ((aim.metric, text) for text, aim in given), "one target per KPI", "targeted"
    )
    if twice:
        raise DesignError(twice, option)
    return tuple(aim for _, aim in given)


def parse_target(text: str, option: str = Option("--target")) -> Target:
    """`KPI=VALUE` or `KPI=VALUE+-TOLERANCE` (default tolerance: see `target`)."""
    match, where = _TARGET.match(text), given_with(option, text)
    if not match:
        raise DesignError(
            f"{where}: expected KPI=VALUE or KPI=VALUE+-TOLERANCE (got {text!r})", where
        )
    tolerance = float(match[3]) if match[3] else None
    return target(match[1], float(match[2]), tolerance, where)


def targets_from_yaml(data: Any, source: str | None) -> tuple[Target, ...]:
    """A `targets` mapping: {KPI: VALUE, "VALUE+-TOL" or {value, tolerance}}; errors name
    `targets` in the `source` file (None: the API's argument of that name)."""
    within = "" if source is None else f"{source}: "
    if not isinstance(data, dict) or not data:
        raise DesignError(
            f"{within}targets: expected a mapping of KPIs to observed values (got {shown(data)})"
        )
    found = []
    for metric, given in data.items():
        where = f"{within}targets.{metric}"
        expected = "expected VALUE, 'VALUE+-TOL' or {value, tolerance}"
        if isinstance(given, str):
            match = _TARGET.match(f"{metric}={given}")
            if not match:
                raise DesignError(f"{where}: {expected} (got {given!r})")
            value, tolerance = float(match[2]), _float(match[3])
        elif isinstance(given, dict) and "value" in given and set(given) <= {"value", "tolerance"}:
            value, tolerance = given["value"], given.get("tolerance")
        else:
            value, tolerance = given, None
        if not (is_number(value) and (tolerance is None or is_number(tolerance))):
            raise DesignError(f"{where}: {expected} (got {shown(given)})")
        found.append(target(str(metric), number(value), _float(tolerance), where))
    return tuple(found)


def hourly_targets(data: Any, source: str) -> tuple[Target, ...]:
    """The targets of an `hourly_receipts` mapping as fit-receipts writes it: `open` (HH:MM),
    `weekday` and/or `weekend` (mean receipts per opening hour from `open`) and optionally
    `weekday_tolerance` / `weekend_tolerance` (one per hour)."""
    where = f"{source}: hourly_receipts"
    if not isinstance(data, dict) or "open" not in data:
        got = "a mapping without `open`" if isinstance(data, dict) else shown(data)
        raise DesignError(
            f"{where}: expected a mapping with `open` (HH:MM) and hourly lists (got {got})"
        )
    keys = ("open", *KINDS, *(f"{kind}_tolerance" for kind in KINDS))
    unknown = [key for key in data if key not in keys]
    if unknown:
        raise DesignError(
            f"{where}.{unknown[0]}: expected one of the keys {', '.join(keys)} (got unknown key "
            f"{unknown[0]!r}{did_you_mean(str(unknown[0]), keys)})"
        )
    given = data["open"]
    open_min = minutes_of_day(given) if isinstance(given, str) else None
    if open_min is None or open_min >= 1440:
        raise DesignError(f"{where}.open: expected HH:MM from 00:00 to 23:59 (got {shown(given)})")
    found = []
    for kind in KINDS:
        values = data.get(kind)
        if values is None:
            continue
        values = _numbers(values, f"{where}.{kind}")
        tolerances = data.get(f"{kind}_tolerance")
        if tolerances is None:
            tolerances = [None] * len(values)
        else:
            tolerances = _numbers(tolerances, f"{where}.{kind}_tolerance")
            if len(tolerances) != len(values):
                raise DesignError(
                    f"{where}.{kind}_tolerance: expected as many tolerances as {kind} has "
                    f"hours, {len(values)} (got {len(tolerances)})"
                )
        for i, (value, tolerance) in enumerate(zip(values, tolerances)):
            name = hourly_name(kind, open_min + 60 * i)
            found.append(target(name, value, tolerance, f"{where}.{kind}[{i}]"))
    if not found:
        raise DesignError(
            f"{where}: expected `weekday` and/or `weekend`, receipts per opening hour (got "
            f"{' and '.join(f'{k}: null' for k in KINDS if k in data) or 'neither'})"
        )
    return tuple(found)


def _numbers(given: Any, where: str) -> list[float]:
    """A list of numbers, one per opening hour from `open`."""
    if not isinstance(given, list) or not given:
        got = "an empty list" if given == [] else shown(given)
        raise DesignError(
            f"{where}: expected a list of numbers, one per opening hour from open (got {got})"
        )
    for i, value in enumerate(given):
        if not is_number(value):
            raise DesignError(f"{where}[{i}]: expected a number (got {shown(value)})")
    return [number(value) for value in given]


# A targets file's keys: what calibrate reads, and what fit-receipts writes beside it.
TARGETS_FILE_KEYS = ("targets", "hourly_receipts", "source", "scenario", "observed")


def read_targets_file(path: Path) -> tuple[Target, ...]:
    """The `targets` of a YAML file such as fit-receipts' targets.yaml, and the receipts per
    opening hour of its `hourly_receipts`."""
    data = _load(path, "targets file")
    if not isinstance(data, dict) or not ({"targets", "hourly_receipts"} & set(data)):
        raise DesignError(f"{path}: expected a YAML file with `targets` or `hourly_receipts`")
    unknown = [key for key in data if key not in TARGETS_FILE_KEYS]
    if unknown:
        raise DesignError(
            f"{path}: {unknown[0]}: expected one of the keys {', '.join(TARGETS_FILE_KEYS)} "
            f"(got unknown key {unknown[0]!r}{did_you_mean(str(unknown[0]), TARGETS_FILE_KEYS)})"
        )
    kpis, hourly = data.get("targets"), data.get("hourly_receipts")
    kpis = () if _none(kpis) else targets_from_yaml(kpis, str(path))
    hours = () if _none(hourly) else hourly_targets(hourly, str(path))
    if not kpis + hours:  # `targets:` with nothing after it
        given = ", ".join(key for key in ("targets", "hourly_receipts") if key in data)
        raise DesignError(f"{path}: {given}: expected at least one target (got none)")
    twice = sorted({t.metric for t in kpis} & {t.metric for t in hours})
    if twice:
        raise DesignError(
            f"{path}: targets.{twice[0]}: expected one target per KPI ({twice[0]} is also "
            "targeted by hourly_receipts)"
        )
    return kpis + hours


@dataclass(frozen=True)
class CalibrateSpec:
    scenario: ScenarioSource
    free: tuple[Decision, ...] = ()
    targets: tuple[Target, ...] = ()
    trials: int = DEFAULT_TRIALS
    sampler: str = "tpe"
    name: str | None = None
    overrides: tuple[Override, ...] = field(default=())
    reps: int | None = None
    days: int | None = None
    seed: int | None = None
    # Who gave the OPTIONS and the targets (`target`) when not their option, e.g.
    # `calibration.yaml: reps`.
    origins: dict[str, str] = field(default_factory=dict)

    def updated(
        self,
        free: tuple[Decision, ...] = (),
        targets: tuple[Target, ...] = (),
        overrides: tuple[Override, ...] = (),
        **options: Any,
    ) -> CalibrateSpec:
        """This spec with `free` and `targets` replacing those of the same name, `overrides`
        added, and every option that is not None replacing its value."""
        names = {d.name for d in free}
        merged = tuple(d for d in self.free if d.name not in names) + tuple(free)
        metrics = {t.metric for t in targets}
        aims = tuple(t for t in self.targets if t.metric not in metrics) + tuple(targets)
        given = {name: value for name, value in options.items() if value is not None}
        origins = {name: text for name, text in self.origins.items() if name not in given}
        return replace(
            self,
            free=merged,
            targets=aims,
            overrides=self.overrides + tuple(overrides),
            origins=origins,
            **given,
        )

    def check(self) -> None:
        if not self.targets:
            by = given_by(self.origins, "target")
            raise DesignError(f"{by}: calibrate needs at least one target (KPI=VALUE+-TOL)", by)
        if not self.free:
            by = given_by(self.origins, "free")
            raise DesignError(
                f"{by}: calibrate needs at least one free parameter (KEY=LOW:HIGH)", by
            )
        if not MIN_CALIBRATION_TRIALS <= self.trials <= MAX_TRIALS:
            by = given_by(self.origins, "trials")
            raise DesignError(
                f"{by}: expected a whole number from {MIN_CALIBRATION_TRIALS} to "
                f"{MAX_TRIALS:,} (got {self.trials})",
                by,
            )
        if self.sampler not in SAMPLERS:
            by = given_by(self.origins, "sampler")
            raise DesignError(
                f"{by}: expected one of {', '.join(SAMPLERS)} (got {self.sampler!r})", by
            )


def read_calibration_file(path: Path) -> CalibrateSpec | None:
    """A calibration file, read once (`study_data`): `scenario` (relative to the file), `free`
    ({KEY: LOW:HIGH, ...} as optimise's `decide`), `targets` (a mapping as targets.yaml's, or
    the path of such a file relative to this one), and optionally trials, sampler, name
    (default: the file's stem), set, reps, days, seed; None for a scenario file (it has neither
    `free` nor `scenario`)."""
    data = study_data(path, "free")
    if data is None:
        return None
    source = str(path)
    checked_keys(source, data, FILE_KEYS, "free", "calibration file")
    scenario = study_scenario(Path(path), data)
    if not isinstance(data["free"], dict) or not data["free"]:
        raise DesignError(f"{source}: free: expected a mapping of scenario keys to LOW:HIGH")
    given = data.get("targets")
    if isinstance(given, str):
        targets = read_targets_file(path.parent / given)
    else:
        targets = () if _none(given) else targets_from_yaml(given, source)
    overrides = data.get("set", [])
    overrides = overrides if isinstance(overrides, list) else [overrides]
    if not all(isinstance(text, str) for text in overrides):
        raise DesignError(f"{source}: set: expected a text or a list of texts")
    return CalibrateSpec(
        scenario=scenario,
        free=tuple(decision_from_yaml(str(k), v, source, "free") for k, v in data["free"].items()),
        targets=targets,
        trials=whole_number(data, "trials", source, DEFAULT_TRIALS),
        sampler="tpe" if data.get("sampler") is None else data["sampler"],
        name=experiment_name(data, path),
        overrides=tuple((f"{source}: set", text) for text in overrides),
        reps=whole_number(data, "reps", source),
        days=whole_number(data, "days", source),
        seed=whole_number(data, "seed", source),
        origins={key: f"{source}: {key}" for key in OPTIONS if data.get(key) is not None}
        | ({"target": f"{source}: targets"} if "targets" in data else {}),
    )


def _load(path: Path, what: str) -> Any:
    """The data of the YAML `what` file `path`; errors name it (and, for YAML it cannot parse,
    the line and column, as a scenario's: `parse_yaml`)."""
    kind = not_regular(path)
    if kind:
        raise DesignError(f"{path}: expected a {what} (it is {kind})")
    try:
        text = capped_text(Path(path), MAX_YAML_BYTES)
    except FileNotFoundError:
        raise DesignError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DesignError(unread(path, error, f"the {what}")) from None
    if text is None:
        raise DesignError(f"{path}: expected a {what} of at most 1 MB (it is larger)")
    return parse_yaml(text, str(path))


def _none(value: Any) -> bool:
    """Whether a file's value gives nothing: null or an empty mapping (0 or [] are mistakes)."""
    return value is None or value == {}


def _float(value: Any) -> float | None:
    return None if value is None else number(value)
