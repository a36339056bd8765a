"""What a sweep runs: the scenario, the varied keys and the design, with the run options; from the
command line, the Python API or a sweep file (YAML) naming the same."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from journeysim.scenario.loader import Override
from journeysim.study.designs import DesignError, Vary, vary_from_yaml
from journeysim.study.sources import (
    ScenarioSource,
    checked_keys,
    experiment_name,
    study_data,
    study_scenario,
    whole_number,
)

# The file's settings that an option of the same name overrides: errors name the file and key.
OPTIONS = ("design", "samples", "reps", "days", "seed")
FILE_KEYS = ("scenario", "name", "design", "samples", "vary", "set", "reps", "days", "seed")


@dataclass(frozen=True)
class SweepSpec:
    scenario: ScenarioSource
    vary: tuple[Vary, ...]
    design: str = "grid"
    samples: int | None = None
    name: str | None = None
    overrides: tuple[Override, ...] = field(default=())
    reps: int | None = None
    days: int | None = None
    seed: int | None = None
    # Who gave design, samples, reps, days and seed when not their option, e.g.
    # `sweep.yaml: reps`.
    origins: dict[str, str] = field(default_factory=dict)

    def updated(self, vary: tuple[Vary, ...] = (), overrides: tuple[Override, ...] = (), **options):
        """This spec with `vary` replacing entries of the same key, `overrides` applied after its
        own, and every option that is not None replacing its value."""
        keys = {v.key for v in vary}
        merged = tuple(v for v in self.vary if v.key not in keys) + tuple(vary)
        given = {name: value for name, value in options.items() if value is not None}
        origins = {name: text for name, text in self.origins.items() if name not in given}
        return replace(
            self,
            vary=merged,
            overrides=self.overrides + tuple(overrides),
            origins=origins,
            **given,
        )


def read_sweep_file(path: Path) -> SweepSpec | None:
    """A sweep file, read once (`study_data`): `scenario` (relative to the file), `vary` ({KEY:
    [values] | {low, high}}), and optionally name (default: the file's stem), design, samples,
    set, reps, days, seed; None for a scenario file (it has neither `vary` nor `scenario`)."""
    data = study_data(path, "vary")
    if data is None:
        return None
    source = str(path)
    checked_keys(source, data, FILE_KEYS, "vary", "sweep file")
    scenario = study_scenario(Path(path), data)
    if not isinstance(data["vary"], dict) or not data["vary"]:
        raise DesignError(f"{source}: vary: expected a mapping of scenario keys to values")
    overrides = data.get("set", [])
    if not isinstance(overrides, list):
        raise DesignError(f"{source}: set: expected a list of KEY=VALUE")
    wrong = [text for text in overrides if not isinstance(text, str)]
    if wrong:
        raise DesignError(f"{source}: set: expected a list of KEY=VALUE (got {wrong[0]!r})")
    given = [key for key in OPTIONS if data.get(key) is not None]
    return SweepSpec(
        scenario=scenario,
        vary=tuple(vary_from_yaml(str(k), v, source) for k, v in data["vary"].items()),
        design="grid" if data.get("design") is None else data["design"],
        samples=whole_number(data, "samples", source),
        name=experiment_name(data, path),
        overrides=tuple((f"{source}: set", text) for text in overrides),
        reps=whole_number(data, "reps", source),
        days=whole_number(data, "days", source),
        seed=whole_number(data, "seed", source),
        origins={key: f"{source}: {key}" for key in given},
    )
