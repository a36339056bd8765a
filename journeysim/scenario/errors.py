"""Scenario errors in plain English: one line per problem, naming the source and the key path."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cache
from typing import Any

from pydantic import ValidationError

from journeysim.errors import InputError, Problem, did_you_mean, option_of
from journeysim.scenario.fields import LINE_PATTERN
from journeysim.scenario.schema import CLOCK_PATTERN, Scenario

KeyPath = tuple[str | int, ...]

_CLOCK_PATTERN = CLOCK_PATTERN
_LEADING_KEY = re.compile(r"[a-z_]+(?:\.[A-Za-z0-9_]+)*")  # of a problem's text
# The keys a check between keys opens with: `hours.open, hours.close: expected ...`.
_LEADING_KEYS = re.compile(rf"{_LEADING_KEY.pattern}(?:, {_LEADING_KEY.pattern})*(?=: )")


class ScenarioError(InputError):
    """A scenario that cannot be loaded: one problem per line, each naming its file (or `--set`)."""


class ScenarioWarning(UserWarning):
    """A scenario that loads but likely not as meant (e.g. an empty file)."""


def problem(source: str, path: KeyPath, text: str) -> str:
    """One problem line: `SOURCE: KEY.PATH: text` (the key is left out for the whole scenario,
    and where the source names it already: `--set checkout.cashiers: expected ...`, the API's
    `seed: expected ...`, a sweep file's `vary.checkout.cashiers: expected ...`)."""
    key = dotted(path)
    if not path or source == key or source.endswith((f" {key}", f".{key}")):
        return f"{source}: {text}"
    return f"{source}: {key}: {text}"


def dotted(path: KeyPath) -> str:
    """A key path as written on the command line, e.g. `zones.1.walk_min`."""
    return ".".join(str(part) for part in path)


def shown(value: Any) -> str:
    """A short, YAML-like rendering of a value given by the user."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (list, dict)):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def from_validation_error(
    error: ValidationError,
    data: Mapping[str, Any],
    source_of: Callable[[KeyPath], str],
    overrides: Collection[str] = (),
    set_by: Callable[[KeyPath], str | None] = lambda _: None,
    files: Sequence[str] = (),
) -> ScenarioError:
    """Turn pydantic's errors on `data` into one ScenarioError; `source_of` names who set a key.

    Errors of the alternatives of one union (same key, same value) are joined with "or". A
    check between keys names them first (`hours.open, hours.close: expected ...`; a section's
    check names its own keys, `open, close: ...`, which become full key paths), and is blamed
    on the first of `overrides` (the sources of overrides) that set one of them, else on the
    source of the first that the last file of `files` (the extends chain, root first) to set
    one of them set; blamed on an override, it also names the file that set another of them
    (`set_by`: who set a key, None for a default), which of several scenarios it is.
    """
    grouped: dict[tuple[str, str | None, str], list[str]] = {}
    for detail in error.errors():
        path = _key_path(detail["loc"], data)
        expected, got = _describe(detail, path)
        if got is None and path and (full := _section_keys(expected, path)):
            expected, path = full, ()
        source, blamed, other_file = source_of(path), path, ""
        if not path:  # a whole-scenario check names its keys
            named = [(source_of(key), key) for key in _named_keys(expected, data)]
            named.sort(key=lambda pair: -_depth(set_by(pair[1]), files))  # nearest the leaf first
            by_override = [pair for pair in named if _overridden(pair[0], overrides)]
            if by_override or named:
                source, blamed = (by_override or named)[0]
            set_in = [
                who for _, key in named if (who := set_by(key)) and not _overridden(who, overrides)
            ]
            if by_override and set_in:
                other_file = f"{set_in[0]}: "
        if not path and blamed and source.endswith(f" {dotted(blamed)}"):  # `--set KEY` names it
            expected = expected.removeprefix(f"{dotted(blamed)}: ")
        head = problem(source, path, "") + other_file
        grouped.setdefault((head, got, option_of(source)), []).append(expected)
    problems = []
    for (head, got, option), texts in grouped.items():
        said = "; ".join(texts) if got is None else f"expected {' or '.join(texts)} (got {got})"
        problems.append(Problem(head + said, option))
    return ScenarioError.joined(problems)


def _depth(source: str | None, files: Sequence[str]) -> int:
    """Where `source` is in the extends chain `files` (root first); -1 for none of them."""
    return files.index(source) if source in files else -1


def _overridden(source: str, overrides: Collection[str]) -> bool:
    """Whether `source` is one of `overrides`, or options (`Options`) that all are."""
    return all(one in overrides for one in getattr(source, "given", (source,)))


def _named_keys(text: str, data: Any) -> list[KeyPath]:
    """The key paths a whole-scenario problem opens with ("payment.outages.0: it never
    happens", "checkout.lanes.weekday needs ...", "hours.open, hours.close: expected ..."), as
    far as the data has them."""
    match = _LEADING_KEYS.match(text) or _LEADING_KEY.match(text)
    if not match:
        return []
    return [_key_path(_parts(key), data) for key in match[0].split(", ")]


def _parts(key: str) -> KeyPath:
    return tuple(int(p) if p.isdigit() else p for p in key.split("."))


def _section_keys(text: str, path: KeyPath) -> str | None:
    """A section's problem that opens with keys of the section (`open, close: expected ...`
    at `hours`) with those keys as full paths (`hours.open, hours.close: expected ...`), or
    None when it opens with none."""
    match = _LEADING_KEYS.match(text)
    keys = match[0].split(", ") if match else []
    fields = _schema_at(path).get("properties", {})
    if not keys or any(key not in fields for key in keys):
        return None
    return ", ".join(dotted((*path, key)) for key in keys) + text[match.end() :]


def _key_path(loc: tuple[str | int, ...], data: Any) -> KeyPath:
    """The keys of `loc` found in the data; pydantic's union-member tags and `[key]` are dropped."""
    path: list[str | int] = []
    node = data
    for part in loc:
        found = (isinstance(node, Mapping) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if found:
            node = node[part]
            path.append(part)
    return tuple(path)


def _describe(detail: Mapping[str, Any], path: KeyPath) -> tuple[str, str | None]:
    """What was expected and what was given (None when the problem is a sentence of its own)."""
    kind, value, ctx = detail["type"], detail["input"], detail.get("ctx", {})
    is_key = detail["loc"][-1:] == ("[key]",) or kind == "invalid_key"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", detail["msg"])), None
    if kind == "extra_forbidden":
        keys = list(_schema_at(path[:-1]).get("properties", {}))
        hint = _elsewhere(str(path[-1]), path[:-1]) or did_you_mean(str(path[-1]), keys)
        if (bracket := re.fullmatch(r"(\w+)\[(\d+)\]", str(path[-1]))) and bracket[1] in keys:
            hint = f"; in --set, item {bracket[2]} of a list is {bracket[1]}.{bracket[2]}"
        return f"one of the keys {', '.join(keys)}", f"unknown key {shown(path[-1])}{hint}"
    if kind == "literal_error":
        choices = ctx["expected"]
        what = "a key that is one of" if is_key else "one of"
        named = re.findall(r"'([^']*)'", choices)  # 'a', 'b' or 'c'
        hint = did_you_mean(value, named) if isinstance(value, str) else ""
        return (f"{what} {choices}" if " or " in choices else choices), shown(value) + hint
    if is_key:
        return "a text key", shown(value)
    node = _schema_at(path)
    if kind == "finite_number":
        return _number(node).replace("a number", "a finite number", 1), shown(value)
    if kind.startswith(("int_", "float_", "greater_than", "less_than")):
        return _number(node), shown(value) + _percent_hint(node, value)
    if kind.startswith("bool_"):
        return "true or false", shown(value)
    if kind in ("string_type", "string_pattern_mismatch") and node.get("pattern") == _CLOCK_PATTERN:
        return 'a time of day as "HH:MM"', shown(value)
    if kind == "string_pattern_mismatch" and node.get("pattern") == LINE_PATTERN:
        return "one line of text", shown(value)
    if kind == "string_type":
        return "text", shown(value)
    if kind in ("string_too_short", "string_too_long"):
        least, most = ctx.get("min_length"), ctx.get("max_length")
        length = f"at least {least}" if least is not None else f"at most {most}"
        return f"text of {length} character{'' if (least or most) == 1 else 's'}", shown(value)
    if kind == "list_type":
        return "a list", shown(value)
    if kind in ("too_short", "too_long"):  # a list's or mapping's items (`value` is the input)
        bound = ctx["min_length"] if kind == "too_short" else ctx["max_length"]
        length = f"{'at least' if kind == 'too_short' else 'at most'} {bound}"
        what, items = ("a list", "items") if isinstance(value, list) else ("a mapping", "keys")
        return f"{what} of {length} {items}", f"{len(value)} {items}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "a mapping of keys to values", shown(value)
    return detail["msg"].removeprefix("Input should be "), shown(value)


def _percent_hint(node: Mapping[str, Any], value: object) -> str:
    """`; 22% is 0.22` for a share (a number from 0 to 1) given as a whole percentage."""
    share = node.get("type") == "number" and (node.get("minimum"), node.get("maximum")) == (0, 1)
    if share and isinstance(value, (int, float)) and 1 < value <= 100 and value == int(value):
        return f"; {value:g}% is {value / 100:g}"
    return ""


def _number(node: Mapping[str, Any]) -> str:
    """E.g. `a number from 0 to 1`, `a whole number of at least 1`, `a number above 0`."""
    numeric = [o for o in node.get("anyOf", [node]) if o.get("type") in ("integer", "number")]
    node = numeric[0] if numeric else node
    integer = node.get("type") == "integer"
    kind = "a whole number" if integer else "a number"

    def bound(value: float) -> str:  # 10,000 as the command line's bounds read
        return f"{int(value):,}" if integer or value == int(value) else f"{value:g}"

    if "minimum" in node and "maximum" in node:
        return f"{kind} from {bound(node['minimum'])} to {bound(node['maximum'])}"
    words = {
        "minimum": "of at least",
        "exclusiveMinimum": "above",
        "maximum": "at most",
        "exclusiveMaximum": "below",
    }
    bounds = [f"{text} {bound(node[key])}" for key, text in words.items() if key in node]
    return " ".join([kind, " and ".join(bounds)]).strip()


@cache
def _json_schema() -> dict[str, Any]:
    return Scenario.model_json_schema()


def _elsewhere(name: str, section: KeyPath) -> str:
    """ "; per_outage is a key of costs (costs.per_outage)" for a key given in the wrong
    section that another top-level section has, else ""."""
    tops = [
        top
        for top in _schema_at(()).get("properties", {})
        if (top,) != section[:1] and name in _schema_at((top,)).get("properties", {})
    ]
    if not tops:
        return ""
    keys = ", ".join(f"{top}.{name}" for top in tops)
    return f"; {name} is a key of {' and '.join(tops)} ({keys})"


def _schema_at(path: KeyPath) -> dict[str, Any]:
    """The JSON Schema of the value at `path` ({} when the path leaves the schema)."""
    node = _resolve(_json_schema())
    for part in path:
        for option in map(_resolve, node.get("anyOf", [node])):
            extra = option.get("additionalProperties")
            if isinstance(part, int) and "items" in option:
                node = _resolve(option["items"])
                break
            if isinstance(part, str) and part in option.get("properties", {}):
                node = _resolve(option["properties"][part])
                break
            if isinstance(part, str) and isinstance(extra, dict):
                node = _resolve(extra)
                break
        else:
            return {}
    return node


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = _json_schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node
