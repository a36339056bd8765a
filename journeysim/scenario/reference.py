"""The parameter reference: every scenario key with its default, unit, range, meaning and
source, as markdown generated from the schema (docs/model.md holds it between two markers)."""

from __future__ import annotations

import json
import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from journeysim.scenario.fields import CLOCK_PATTERN, TouchpointKind
from journeysim.scenario.loader import yaml_data
from journeysim.scenario.parameter_notes import SOURCES, UNITS
from journeysim.scenario.schema import Scenario, StaffRole

REFRESH = "journeysim schema --markdown --out docs/model.md"

# Placeholders for the keys of mappings and lists of sections.
_PLACEHOLDERS = {TouchpointKind: "<kind>", StaffRole: "<role>", str: "<name>"}


@dataclass(frozen=True)
class Parameter:
    """One row of the reference: a key path as `--set` takes it (with placeholders such as
    `<name>` for the entries of mappings and `<i>` for list positions)."""

    key: str
    default: Any
    unit: str
    range: str
    meaning: str
    source: str


def parameters() -> list[Parameter]:
    """Every leaf key of the scenario schema, in schema order, with the baseline defaults."""
    return list(_walk(Scenario, Scenario(), ""))


def _walk(model: type[BaseModel], instance: BaseModel, prefix: str):
    for name, info in model.model_fields.items():
        key = prefix + name
        value = getattr(instance, name)
        annotation = info.annotation
        section = _section(annotation)
        if section is not None:
            yield from _walk(section, value, key + ".")
            continue
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is dict:
            placeholder = _PLACEHOLDERS.get(args[0], "<name>")
            entry = _section(args[1])
            if entry is not None:
                yield from _walk(entry, entry(), f"{key}.{placeholder}.")
            else:
                yield _parameter(f"{key}.{placeholder}", value, args[1], info)
            continue
        if origin is list and _section(args[0]) is not None:
            entry = _section(args[0])
            yield from _walk(entry, entry(), f"{key}.<i>.")
            continue
        yield _parameter(key, value, annotation, info)


def _section(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _parameter(key: str, value: Any, annotation: Any, info: FieldInfo) -> Parameter:
    meaning = info.description or ""
    domain = _domain(annotation, info.metadata)
    return Parameter(
        key=key,
        default=value,
        unit=_unit(key, domain, meaning),
        range=domain,
        meaning=meaning,
        source=SOURCES.get(key, ""),
    )


# -- range ------------------------------------------------------------------------------------


def _domain(annotation: Any, metadata: list[Any]) -> str:
    """The values a key takes, from its type and constraints: `[0, 1]`, `> 0`, `HH:MM`..."""
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        inner = [m for e in extra for m in (e.metadata if isinstance(e, FieldInfo) else [e])]
        return _domain(base, [*metadata, *inner])
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        parts = [_domain(arg, metadata) for arg in args if arg is not type(None)]
        return " or ".join(parts) + (" or null" if type(None) in args else "")
    if origin is Literal:
        return " / ".join(str(arg) for arg in args)
    if origin is list:
        return "list of " + _domain(args[0], metadata)
    if annotation is bool:
        return "true / false"
    if annotation is str:
        pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)
        return "HH:MM" if pattern == CLOCK_PATTERN else "text"
    bounds = _bounds(metadata)
    if annotation is int:
        step = next((m.multiple_of for m in metadata if hasattr(m, "multiple_of")), None)
        text = ("integer " + bounds) if bounds else "integer"
        return f"{text}, multiple of {step}" if step else text
    return bounds or "any number"


def _bounds(metadata: list[Any]) -> str:
    low = next(((m.ge, "[") for m in metadata if hasattr(m, "ge")), None)
    low = low or next(((m.gt, "(") for m in metadata if hasattr(m, "gt")), None)
    high = next(((m.le, "]") for m in metadata if hasattr(m, "le")), None)
    high = high or next(((m.lt, ")") for m in metadata if hasattr(m, "lt")), None)
    if low and high:
        return f"{low[1]}{_number(low[0])}, {_number(high[0])}{high[1]}"
    if low:
        return ("≥ " if low[1] == "[" else "> ") + _number(low[0])
    if high:
        return ("≤ " if high[1] == "]" else "< ") + _number(high[0])
    return ""


# -- unit -------------------------------------------------------------------------------------


def unit_of(key: str) -> str:
    """The unit of a dotted key as `--set` takes it (`costs.wage_per_hour.cashier`: PLN/h), or
    "" for none or an unknown key."""
    for parameter in parameters():
        if re.fullmatch(re.sub(r"<\w+>", r"[^.]+", re.escape(parameter.key)), key):
            return parameter.unit
    return ""


_SUFFIX_UNITS = (
    ("_per_hour", "1/h"),
    ("_per_day", "1/day"),
    ("_per_year", "1/year"),
    ("_min", "min"),
    ("_hours", "h"),
    ("_days", "days"),
)


def _unit(key: str, domain: str, meaning: str) -> str:
    """The unit: an explicit one, else read from the name, the description or the range."""
    if key in UNITS:
        return UNITS[key]
    name = key.rsplit(".", 1)[-1]
    if "(PLN)" in meaning:
        if "hourly" in meaning.lower():
            return "PLN/h"
        return "PLN/day" if name.endswith("_per_day") else "PLN"
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit
    if name in ("day", "days"):
        return name
    if re.match(r"(mean )?minutes", meaning, re.IGNORECASE) or "in minutes" in meaning:
        return "min"
    if domain in ("[0, 1]", "[0, 1] or null"):
        if re.search(r"\bchance\b", meaning, re.IGNORECASE):
            return "probability"
        return "share" if re.match("(Share|Part)", meaning) or "share" in name else ""
    if domain == "[-1, 1]":
        valence = "mood" in name or re.search("valence|remembered", meaning, re.IGNORECASE)
        return "valence" if valence else "quality"
    if "stars" in meaning:
        return "stars"
    return ""


# -- markdown ---------------------------------------------------------------------------------


def _number(value: float) -> str:
    """Short when exact (2.5, 1e-06), else every digit."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def _value(value: Any) -> str:
    """A default as it would be written in a scenario file."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return value if value and yaml_data(value) == value else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def parameter_table() -> str:
    """The markdown reference: the table of every key, then the default entries of the
    mappings and lists of sections (segments, zones, staff roles) and what placeholders mean."""
    lines = [
        "| key | default | unit | range | meaning | source |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for p in parameters():
        cells = (f"`{p.key}`", _value(p.default), p.unit, p.range, p.meaning, p.source)
        lines.append("| " + " | ".join(_cell(c or "—") for c in cells) + " |")
    lines += ["", _placeholder_note()]
    for title, key, entries in _default_entries():
        lines += ["", f"{title} (`{key}`):", "", *entries]
    return "\n".join(lines) + "\n"


def _placeholder_note() -> str:
    kinds = ", ".join(get_args(TouchpointKind))
    roles = ", ".join(get_args(StaffRole))
    return (
        f"`<kind>` is a touchpoint kind ({kinds}); `<role>` a staff role ({roles}); `<name>` "
        "a segment's name; `<i>` a position in a list, from 0. Rows with a placeholder give "
        "the value an entry takes when it leaves the key out; the baseline's own entries follow."
    )


def _default_entries():
    """For each mapping or list of sections with a non-empty default: a table with a column
    per entry and a row per key."""
    scenario = Scenario()
    for name, info in Scenario.model_fields.items():
        yield from _entries_in(name, info, getattr(scenario, name))
    staff = scenario.staff
    yield from _entries_in("staff.roles", type(staff).model_fields["roles"], staff.roles)


def _entries_in(key: str, info: FieldInfo, value: Any):
    origin, args = get_origin(info.annotation), get_args(info.annotation)
    if origin is dict and _section(args[1]) is not None and value:
        heads, entries = list(value), list(value.values())
        placeholder = _PLACEHOLDERS.get(args[0], "<name>")
        title = f"Baseline {key.replace('.', ' ').replace('_', ' ')}"
    elif origin is list and _section(args[0]) is not None and value:
        heads = [f"{i}: {getattr(e, 'name', '')}".rstrip(": ") for i, e in enumerate(value)]
        entries, placeholder = value, "<i>"
        title = f"Baseline {key}"
    else:
        return
    rows = [
        "| key | " + " | ".join(_cell(h) for h in heads) + " |",
        "| --- |" + " --- |" * len(heads),
    ]
    for leaf in _leaves(entries[0]):
        values = [_value(_get(entry, leaf)) for entry in entries]
        rows.append(f"| `{leaf}` | " + " | ".join(_cell(v) for v in values) + " |")
    yield title, f"{key}.{placeholder}", rows


def _leaves(model: BaseModel, prefix: str = "") -> list[str]:
    keys = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            keys += _leaves(value, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def _get(model: BaseModel, dotted: str) -> Any:
    for part in dotted.split("."):
        model = getattr(model, part)
    return model
