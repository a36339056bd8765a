"""Parameter sets: the values of uncertain scenario keys that a calibration kept, one set per row.

The file is a CSV with a header line. Every column is a scenario key, dotted as for `--set`
(`loyalty.ltr_center`, `zones.1.walk_min`), and every cell a YAML value as after `--set KEY=`;
an optional column `set` names the rows, each its own name (default: 0, 1, 2, ...). Each row
is one set of values, all equally likely (as the trials a calibration accepts). A calibration
writes it with `write_parameter_sets`; `run` and `compare` read it with `--parameter-sets`.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from journeysim.errors import Option
from journeysim.files import write_text
from journeysim.scenario.errors import ScenarioError
from journeysim.scenario.loader import Override, apply_overrides, value_at, yaml_data
from journeysim.scenario.schema import Scenario
from journeysim.study.csv_rows import read_rows
from journeysim.study.designs import RUN_KEYS

LABEL = "set"
# What the first line of a parameter-sets file holds.
HEADER = (
    "one column per scenario key, dotted as for --set (e.g. loyalty.ltr_center), and an "
    f"optional column {LABEL!r}"
)


class ParameterSetsError(ScenarioError):
    """A parameter-sets file that cannot be used: file, line, column and what was expected."""


@dataclass(frozen=True)
class ParameterSets:
    """The rows of a parameter-sets file: `keys` (scenario keys), `values` (YAML texts per row
    and key), `labels` (row names) and `lines` (the file line of each row)."""

    source: str
    keys: tuple[str, ...]
    values: tuple[tuple[str, ...], ...]
    labels: tuple[str, ...]
    lines: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.values)

    def overrides(self, index: int, keep: Collection[str] = ()) -> list[str]:
        """Row `index` as `--set` texts, but for the keys in `keep`."""
        return [f"{key}={value}" for key, value in self._row(index, keep)]

    def check_overrides(self, overrides: Sequence[Override]) -> None:
        """Refuse an override of a key a column sets too (or of one within or around it): each
        set's value would replace it, while the run's record kept the override's."""
        for override in overrides:
            option, text = (None, override) if isinstance(override, str) else override
            key = text.partition("=")[0].strip()
            for column in (column for column in self.keys if _overlap(key, column)):
                raise ParameterSetsError(
                    f"{option or f'--set {key}'}: expected a key the parameter sets leave alone "
                    f"({self.source} has the column {column}, whose values would replace it in "
                    "every set)",
                    option or Option(f"--set {key}"),
                )

    def own_keys(self, scenario: Scenario, reference: Scenario) -> list[str]:
        """The keys of the sets that `scenario` sets otherwise than `reference`: a what-if's
        own change, which the sets must not overwrite. (A key neither has is left to `apply`,
        which names it.)"""
        return [key for key in self.keys if _differ(scenario, reference, key)]

    def table(self) -> pd.DataFrame:
        """The sets as a table: column `set`, then one column per key, of numbers where every
        value of the key is one (else the values as given)."""
        columns = {LABEL: list(self.labels)}
        for i, key in enumerate(self.keys):
            columns[key] = _column([values[i] for values in self.values])
        return pd.DataFrame(columns, columns=[LABEL, *self.keys])

    def apply(self, scenario: Scenario, index: int, keep: Collection[str] = ()) -> Scenario:
        """`scenario` with row `index`, but for the keys in `keep`; errors name the file, line
        and column (the line alone where a check across keys fails on a key the row leaves)."""
        line = f"{self.source}: line {self.lines[index]}"
        cells = [
            (f"{line}, column {key}", f"{key}={value}") for key, value in self._row(index, keep)
        ]
        try:
            return apply_overrides(scenario, cells, source=line)
        except ScenarioError as error:
            raise ParameterSetsError(str(error).splitlines()[0]) from None

    def _row(self, index: int, keep: Collection[str]) -> list[tuple[str, str]]:
        """Row `index` as (key, YAML text) pairs, but for the keys in `keep`."""
        return [(k, v) for k, v in zip(self.keys, self.values[index]) if k not in keep]


def _overlap(key: str, other: str) -> bool:
    """Whether the dotted keys are the same, or one lies within the other."""
    return key == other or key.startswith(f"{other}.") or other.startswith(f"{key}.")


def _column(texts: list[str]) -> list[Any]:
    """A key's values as numbers when each reads as one (YAML, as `--set` reads it), else the
    texts as given."""
    try:
        values = [yaml_data(text) for text in texts]
    except yaml.YAMLError:
        return texts
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    return values if numbers else texts


def _differ(scenario: Scenario, reference: Scenario, key: str) -> bool:
    try:
        return value_at(scenario, key) != value_at(reference, key)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        return False


def read_parameter_sets(path: str | os.PathLike[str]) -> ParameterSets:
    """The sets of a CSV file; raises ParameterSetsError at the first problem."""
    source = str(path)
    header, rows, lines = read_rows(path, HEADER, ParameterSetsError)
    rows = [[cell.strip() for cell in row] for row in rows]
    keys = [name for name in header if name != LABEL]
    if not keys or any("" in key.split(".") for key in keys):
        raise _header_error(source, ",".join(header))
    if len(set(header)) != len(header):
        raise ParameterSetsError(f"{source}: line 1: a column appears twice")
    for key in (key for key in keys if key in RUN_KEYS):
        raise ParameterSetsError(
            f"{source}: line 1, column {key}: the same in every set (set by {RUN_KEYS[key]}), "
            "not a parameter"
        )
    if len(rows) < 2:
        raise ParameterSetsError(
            f"{source}: expected at least two parameter sets, one per line (got {len(rows)})"
        )
    position = {name: i for i, name in enumerate(header)}
    for row, line in zip(rows, lines):
        for key in keys:
            if not row[position[key]]:
                raise ParameterSetsError(f"{source}: line {line}, column {key}: expected a value")
    labels = [row[position[LABEL]] if LABEL in position else str(i) for i, row in enumerate(rows)]
    first: dict[str, int] = {}
    for label, line in zip(labels, lines):
        if not label:
            raise ParameterSetsError(f"{source}: line {line}, column {LABEL}: expected a name")
        if label in first:
            raise ParameterSetsError(
                f"{source}: line {line}, column {LABEL}: expected a name of its own "
                f"({label!r} is also on line {first[label]})"
            )
        first[label] = line
    values = tuple(tuple(row[position[key]] for key in keys) for row in rows)
    return ParameterSets(source, tuple(keys), values, tuple(labels), tuple(lines))


def _header_error(source: str, got: str) -> ParameterSetsError:
    return ParameterSetsError(f"{source}: line 1: expected {HEADER} (got {got})")


def write_parameter_sets(path: str | os.PathLike[str], table: pd.DataFrame) -> None:
    """Write kept sets (one row each, one column per scenario key, an optional column `set`)
    as a parameter-sets file, atomically; numbers as repr, so they read back exactly."""
    keys = [column for column in table.columns if column != LABEL]
    labels = table[LABEL] if LABEL in table else pd.Series(range(len(table)), index=table.index)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([LABEL, *keys])
    for label, row in zip(labels, table[keys].itertuples(index=False)):
        writer.writerow([label, *(_yaml_value(value) for value in row)])
    write_text(Path(path), buffer.getvalue())


def _yaml_value(value: object) -> str:
    """A cell as `--set` reads it: floats as repr, everything else as one line of flow YAML."""
    if isinstance(value, float):
        return repr(value)
    return (
        yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("\n...")
    )
