"""What an optimisation searches: the scenario, the decisions, one or two objectives and the
constraints, with the run options; from the command line, the Python API or an optimise file
(YAML) naming the same."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from journeysim.errors import did_you_mean
from journeysim.limits import MAX_TRIALS, MIN_CANDIDATES, MIN_TRIALS
from journeysim.scenario.loader import Override
from journeysim.simulation.measure import METRICS
from journeysim.study.decisions import Decision, decision_from_yaml
from journeysim.study.designs import DesignError
from journeysim.study.selection import Constraint, parse_constraint
from journeysim.study.sources import (
    ScenarioSource,
    checked_keys,
    experiment_name,
    given_by,
    study_data,
    study_scenario,
    whole_number,
)

# The file's settings that an option of the same name overrides: errors name the file and key.
OPTIONS = ("trials", "candidates", "reps", "days", "seed")
FILE_KEYS = (
    "scenario",
    "name",
    "decide",
    "minimise",
    "maximise",
    "subject_to",
    "trials",
    "candidates",
    "set",
    "reps",
    "days",
    "seed",
)
DEFAULT_TRIALS = 30
DEFAULT_CANDIDATES = 5


@dataclass(frozen=True)
class Objective:
    metric: str
    maximise: bool

    @property
    def text(self) -> str:
        return f"{'maximise' if self.maximise else 'minimise'} {self.metric}"


def objective(metric: str, maximise: bool, source: str = "") -> Objective:
    if metric not in METRICS:
        where = f"{source}: " if source else ""
        raise DesignError(
            f"{where}expected a KPI of {', '.join(METRICS)} to optimise (got {metric!r})"
            + did_you_mean(metric, METRICS),
            source,
        )
    return Objective(metric, maximise)


@dataclass(frozen=True)
class OptimiseSpec:
    scenario: ScenarioSource
    decisions: tuple[Decision, ...] = ()
    objectives: tuple[Objective, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    trials: int = DEFAULT_TRIALS
    candidates: int = DEFAULT_CANDIDATES
    name: str | None = None
    overrides: tuple[Override, ...] = field(default=())
    reps: int | None = None
    days: int | None = None
    seed: int | None = None
    # Who gave the OPTIONS and the objectives when not their option, e.g. `optimise.yaml: reps`.
    origins: dict[str, str] = field(default_factory=dict)

    def updated(
        self,
        decisions: tuple[Decision, ...] = (),
        objectives: tuple[Objective, ...] = (),
        constraints: tuple[Constraint, ...] = (),
        overrides: tuple[Override, ...] = (),
        objectives_by: str = "",
        **options: Any,
    ) -> OptimiseSpec:
        """This spec with `decisions` replacing those of the same name, `objectives` replacing
        its objectives when given, `constraints` and `overrides` added, and every option that
        is not None replacing its value. Errors about the objectives name `objectives_by` where
        the spec's file does not give them (the command line's options; the API names none)."""
        names = {d.name for d in decisions}
        merged = tuple(d for d in self.decisions if d.name not in names) + tuple(decisions)
        given = {name: value for name, value in options.items() if value is not None}
        replaced = {*given, *(["objectives"] if objectives else [])}
        origins = {name: text for name, text in self.origins.items() if name not in replaced}
        if objectives_by:
            origins.setdefault("objectives", objectives_by)
        return replace(
            self,
            decisions=merged,
            objectives=tuple(objectives) or self.objectives,
            constraints=self.constraints + tuple(constraints),
            overrides=self.overrides + tuple(overrides),
            origins=origins,
            **given,
        )

    def check(self) -> None:
        """Decisions, objectives and counts that an optimisation can run with."""
        if not self.decisions:
            by = given_by(self.origins, "decide")
            raise DesignError(f"{by}: optimise needs at least one decision (KEY=LOW:HIGH)", by)
        where = self.origins.get("objectives")
        count = len(self.objectives)
        if not 1 <= count <= 2:
            if where:
                raise DesignError(f"{where}: expected one or two objectives (got {count})", where)
            raise DesignError(
                f"optimise needs one or two objectives, KPIs to minimise or maximise (got {count})"
            )
        if len({o.metric for o in self.objectives}) < count:
            by = where or "optimise"
            raise DesignError(f"{by}: the two objectives must be different KPIs", by)
        for option, least in (("trials", MIN_TRIALS), ("candidates", MIN_CANDIDATES)):
            value = getattr(self, option)
            if not least <= value <= MAX_TRIALS:
                by = given_by(self.origins, option)
                raise DesignError(
                    f"{by}: expected a whole number from {least} to {MAX_TRIALS:,} (got {value})",
                    by,
                )


def read_optimise_file(path: Path) -> OptimiseSpec | None:
    """An optimise file, read once (`study_data`): `scenario` (relative to the file), `decide`
    ({NAME: range, choices or {keys, values}}), `minimise` and/or `maximise` (a KPI or a list),
    and optionally subject_to (a list of "KPI<=VALUE[+-TOL]" or "KPI>=baseline-DIFF[+-TOL]"),
    trials, candidates, name (default: the file's stem), set, reps, days, seed; None for a
    scenario file (it has neither `decide` nor `scenario`)."""
    data = study_data(path, "decide")
    if data is None:
        return None
    source = str(path)
    checked_keys(source, data, FILE_KEYS, "decide", "optimise file")
    scenario = study_scenario(Path(path), data)
    if not isinstance(data["decide"], dict) or not data["decide"]:
        raise DesignError(f"{source}: decide: expected a mapping of decisions to their values")
    objectives = []
    ways = [way for way in ("minimise", "maximise") if way in data]
    for way in ("minimise", "maximise"):
        for metric in _texts(data, way, source):
            objectives.append(objective(metric, way == "maximise", f"{source}: {way}"))
    constraints = []
    for text in _texts(data, "subject_to", source):
        try:
            constraints.append(parse_constraint(text))
        except ValueError as error:
            raise DesignError(f"{source}: subject_to: {error}") from None
    return OptimiseSpec(
        scenario=scenario,
        decisions=tuple(decision_from_yaml(str(k), v, source) for k, v in data["decide"].items()),
        objectives=tuple(objectives),
        constraints=tuple(constraints),
        trials=whole_number(data, "trials", source, DEFAULT_TRIALS),
        candidates=whole_number(data, "candidates", source, DEFAULT_CANDIDATES),
        name=experiment_name(data, path),
        overrides=tuple((f"{source}: set", text) for text in _texts(data, "set", source)),
        reps=whole_number(data, "reps", source),
        days=whole_number(data, "days", source),
        seed=whole_number(data, "seed", source),
        origins={key: f"{source}: {key}" for key in OPTIONS if data.get(key) is not None}
        | ({"objectives": f"{source}: {', '.join(ways)}"} if ways else {}),
    )


def _texts(data: dict[str, Any], key: str, source: str) -> list[str]:
    value = data.get(key, [])
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise DesignError(f"{source}: {key}: expected a text or a list of texts")
    return values
