"""The Python API's arguments, checked where it is entered: each problem is an InputError of one
line naming the argument and what was expected (an InputTypeError for a wrong type)."""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from journeysim.errors import InputError, InputTypeError
from journeysim.files import name_problem, unwritable
from journeysim.manifest import ManifestUnreadable, overrides_of
from journeysim.scenario.errors import from_validation_error
from journeysim.scenario.schema import Scenario

ScenarioSource = str | os.PathLike[str] | Scenario


def path(value: object, name: str) -> str | os.PathLike[str]:
    """A file path: a text or an os.PathLike."""
    if not isinstance(value, (str, os.PathLike)):
        raise InputTypeError(f"{name}: expected a file path (got {_kind(value)})")
    return value


def source_type(value: object, name: str = "scenario") -> ScenarioSource:
    """A scenario: a file path or a Scenario."""
    if not isinstance(value, (str, os.PathLike, Scenario)):
        raise InputTypeError(f"{name}: expected a file path or a Scenario (got {_kind(value)})")
    return value


def source(value: object, name: str = "scenario") -> ScenarioSource:
    """A scenario (as `source_type`); a Scenario is checked as a whole again, as its fields
    may have been changed one by one since it was made."""
    source_type(value, name)
    if isinstance(value, Scenario):
        data = value.model_dump(mode="json")
        try:
            Scenario.model_validate(data)
        except ValidationError as error:
            raise from_validation_error(error, data, lambda _: name) from None
    return value


def sources(values: Sequence[object], command: str) -> list[ScenarioSource]:
    """The scenarios of compare or select: at least two, each given as its own argument."""
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        raise InputTypeError(
            f"scenarios: give each scenario as its own argument, {command}(a, b), or unpack "
            f"the list, {command}(*scenarios); got one {_kind(values[0])}"
        )
    if len(values) < 2:
        raise InputError(f"scenarios: {command} needs at least two scenarios (got {len(values)})")
    return [source(value, f"scenarios[{i}]") for i, value in enumerate(values)]


def texts(value: object, name: str, example: str) -> list[str]:
    """A list of texts such as overrides or constraints; one text stands for a list of one
    (rather than being read one character at a time)."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Sequence) or isinstance(value, (bytes, bytearray)):
        raise InputTypeError(
            f"{name}: expected a list of texts such as {example!r} (got {_kind(value)})"
        )
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise InputTypeError(
                f"{name}[{i}]: expected a text such as {example!r} (got {_kind(item)} {item!r})"
            )
    return list(value)


def override_texts(value: object) -> list[str]:
    """The API's `overrides`: a list of `KEY=VALUE` texts (as `texts`)."""
    return texts(value, "overrides", "checkout.cashiers=4")


def overrides(value: object) -> list[tuple[str, str]]:
    """The API's `overrides` texts, each labelled `overrides[i]` for the errors it causes."""
    return [(f"overrides[{i}]", text) for i, text in enumerate(override_texts(value))]


def texts_or_mapping(value: object, name: str, example: str) -> list[str] | Mapping[str, Any]:
    """A list of texts (as `texts`) or a mapping as in a study file (`plain`)."""
    return plain(value) if isinstance(value, Mapping) else texts(value, name, example)


def plain(value: Any) -> Any:
    """`value` with numpy's numbers and arrays as Python's, as a study file would hold them."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return value


def flag(value: object, name: str) -> bool | None:
    """True, False or None (the default)."""
    if value is not None and not isinstance(value, bool):
        raise InputTypeError(f"{name}: expected True, False or None (got {_kind(value)} {value!r})")
    return value


def whole_number(value: object, name: str, minimum: int) -> int | None:
    """None, or a whole number of at least `minimum` (numpy's too), as an int."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputTypeError(
            f"{name}: expected a whole number of at least {minimum} (got {_kind(value)} {value!r})"
        )
    if value < minimum:
        raise InputError(f"{name}: expected a whole number of at least {minimum} (got {value})")
    return int(value)


def number(value: object, name: str, low: float, high: float | None = None) -> float | None:
    """None, or a number above `low` (and below `high`), numpy's too."""
    if value is None:
        return None
    wanted = f"a number above {low:g}" if high is None else f"a number in [{low:g}, {high:g})"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name}: expected {wanted} (got {_kind(value)} {value!r})")
    inside = low < value if high is None else low <= value < high
    if not inside:
        raise InputError(f"{name}: expected {wanted} (got {value})")
    return float(value)


def required_text(value: object, name: str, example: str) -> str:
    """A text that must be given, such as `example`."""
    if not isinstance(value, str):
        got = _kind(value) if value is None else f"{_kind(value)} {value!r}"
        raise InputTypeError(f"{name}: expected a text such as {example!r} (got {got})")
    return value


def text(value: object, name: str) -> str | None:
    """None, or a text."""
    if value is not None and not isinstance(value, str):
        raise InputTypeError(f"{name}: expected a text (got {_kind(value)} {value!r})")
    return value


def name(value: object, what: str = "name") -> str | None:
    """None, or an experiment's name (`name_problem`)."""
    if text(value, what) is not None and (problem := name_problem(value)):
        raise InputError(f"{what}: {problem}")
    return value


def out_folder(value: object, folder: Path | None = None, files: Sequence[str] = ()) -> Path:
    """`out`, a folder for results; when `folder` (in `out`) is given, it can be made or written,
    none of `files` in it is a folder, and a manifest.json it holds can be read: sweep, optimise
    and calibrate add to the folder, and writing over it would lose what made the folder (as
    the commands refuse it: cli.options.readable_manifest)."""
    out = Path(path(value, "out"))
    if folder is not None:
        reason = unwritable(folder, files)
        if reason:
            raise InputError(f"out: cannot write {folder}{os.sep}: {reason}")
        try:
            overrides_of(folder)
        except ManifestUnreadable as error:
            raise InputError(
                f"out: {error}; delete the manifest, or choose another folder"
            ) from None
    return out


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__
