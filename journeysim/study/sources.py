"""Scenarios given as a file or as a Scenario object, with `KEY=VALUE` overrides applied, then the
run options --reps, --days and --seed (or a study file's reps, days and seed, errors naming the
file and key); reading a study file's settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from journeysim import arguments
from journeysim.errors import Option, did_you_mean
from journeysim.files import name_problem, no_file
from journeysim.scenario import loader
from journeysim.scenario.schema import Scenario
from journeysim.study.designs import DesignError
from journeysim.words import with_article

ScenarioSource = arguments.ScenarioSource


def run_overrides(
    reps: int | None,
    days: int | None,
    seed: int | None,
    origins: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """--reps, --days and --seed as overrides labelled with their option (errors name it), or
    with `origins[name]` (e.g. `sweep.yaml: reps`) for those a study file gave."""
    origins = origins or {}
    options = (
        ("reps", "replications", reps),
        ("days", "horizon.days", days),
        ("seed", "seed", seed),
    )
    return [
        (given_by(origins, name), f"{key}={value}")
        for name, key, value in options
        if value is not None
    ]


def given_by(origins: Mapping[str, str], name: str) -> str:
    """Who gave the setting `name`, for errors: `origins[name]` (a study file and its key, e.g.
    `study.yaml: reps`), else its option `--name`."""
    return origins.get(name, Option(f"--{name}"))


def resolve_scenario(
    source: ScenarioSource,
    overrides: Sequence[loader.Override] = (),
    reps: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    origins: Mapping[str, str] | None = None,
) -> Scenario:
    """The validated scenario; raises ScenarioError naming the file or `--set` at fault (and
    `reps`, `days`, `seed` as `run_overrides` does)."""
    check_source(source)
    overrides = [*listed(overrides), *run_overrides(reps, days, seed, origins)]
    if not isinstance(source, Scenario):
        return loader.load_scenario(source, overrides)
    return loader.apply_overrides(source, overrides)


def check_source(source: object) -> None:
    """Raise InputTypeError (a TypeError) unless `source` is a file path or a Scenario."""
    arguments.source_type(source)


def listed(texts: str | Sequence[str]) -> list[str]:
    """The API's lists of texts (overrides, constraints, ...): one text stands for a list of
    one, rather than being read one character at a time."""
    return [texts] if isinstance(texts, str) else list(texts)


def whole_number(
    data: Mapping[str, Any], key: str, source: str, default: int | None = None
) -> int | None:
    """A study file's whole number at `key`, `default` when it has none (0 is a value); errors
    name the file `source` and the key."""
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise DesignError(f"{source}: {key}: expected a whole number (got {value!r})")
    return value


def experiment_name(data: Mapping[str, Any], path: Path) -> str:
    """A study file's `name` (default, also for `name: null`: the file's stem); errors name the
    file and the key."""
    name = str(path.stem if data.get("name") is None else data["name"])
    problem = name_problem(name)
    if problem:
        raise DesignError(f"{path}: name: {problem}")
    return name


def study_data(path: Path, key: str) -> dict[str, Any] | None:
    """The data of `path` when it is a YAML file with a top-level `key`, a sweep's (`vary`),
    optimise's (`decide`) or calibration's (`free`), or a `scenario` to start from: a study
    file rather than a scenario, which has none of them (so that a study file with `key`
    misspelt is told so, not read as a scenario with unknown keys); else None. A path that is
    no file (missing, a folder) or a file that cannot be read as YAML is refused here, as the
    scenario's loader refuses it (a ScenarioError naming it), whichever it was meant to be:
    before the study's checks, which would blame the options it would have given
    (`--decide`)."""
    data = loader.yaml_file(Path(path))
    return data if isinstance(data, dict) and (key in data or "scenario" in data) else None


def checked_keys(source: str, data: object, keys: Sequence[str], key: str, what: str) -> None:
    """DesignError unless `data`, read from the `what` file `source`, is a mapping of `keys`
    alone that has `scenario` and `key`; an unknown key is named with the key it may mean."""
    if not isinstance(data, dict):
        raise DesignError(f"{source}: expected {with_article(what)} with `scenario` and `{key}`")
    for other, (kind, command) in loader.STUDY_FILES.items():
        if other in data and key not in data:
            raise DesignError(
                f"{source}: expected {with_article(what)}, not {kind} (it has `{other}`): run "
                f"it with journeysim {command}"
            )
    unknown = sorted(map(str, set(data) - set(keys)))
    if unknown:
        raise DesignError(
            f"{source}: unknown key {unknown[0]!r}{did_you_mean(unknown[0], keys)} (expected "
            f"{', '.join(keys)})"
        )
    missing = [name for name in ("scenario", key) if name not in data]
    if missing:
        raise DesignError(f"{source}: {missing[0]}: missing ({what}s need `scenario` and `{key}`)")


def study_scenario(source: Path, data: Mapping[str, Any]) -> Path:
    """The scenario file a study file `source` names in `scenario`, relative to it; errors name
    the study file and the key (the scenario's own loader would name only the missing file)."""
    given = data.get("scenario")
    if not isinstance(given, str):
        raise DesignError(f"{source}: scenario: expected the path of a scenario file")
    path = source.parent / given
    why = no_file(path)
    if why:
        raise DesignError(
            f"{source}: scenario: expected an existing scenario file (got {given!r}, but "
            f"{path} {why})"
        )
    return path
