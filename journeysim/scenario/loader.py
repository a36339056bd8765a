"""Load scenario files: `extends` chains, deep merge, `--set` overrides, errors naming their source.

A file may say `extends: other.yaml` (relative to itself) to start from another scenario:
mappings merge key by key, lists and single values replace. `--set KEY.PATH=VALUE` overrides
apply last, merged the same way into the resolved scenario (defaults included), so they can
reach any key and list items by index.
"""

from __future__ import annotations

import copy
import math
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from journeysim import arguments
from journeysim.caller import warn_at_caller
from journeysim.clock import end_clock
from journeysim.errors import InputTypeError, Option, Options, closest, did_you_mean
from journeysim.files import capped_text, no_file, not_regular, real_path, unread
from journeysim.scenario.errors import (
    KeyPath,
    ScenarioError,
    ScenarioWarning,
    from_validation_error,
    problem,
    shown,
)
from journeysim.scenario.schema import Scenario

# An override: `KEY.PATH=VALUE`, or (option, `KEY.PATH=VALUE`) for one set by an option such
# as `--days`, which errors then name.
Override = str | tuple[str, str]
# The top-level key of each kind of study file, which no scenario has: (what, its command).
STUDY_FILES = {
    "vary": ("a sweep file", "sweep"),
    "decide": ("an optimise file", "optimise"),
    "free": ("a calibration file", "calibrate"),
}
# Who set each value: key path -> file name or `--set KEY.PATH`. Only values that are not
# mappings are recorded; a key's source is the most specific recorded path at, below or above it.
Origins = dict[KeyPath, str]


def load_scenario(path: str | os.PathLike[str], overrides: Sequence[Override] = ()) -> Scenario:
    """Load a scenario file with its extends chain, then apply `KEY.PATH=VALUE` overrides.

    Files merge over the schema defaults, so a partial section keeps the other defaults of
    that section; `segments` is the exception: a file that names segments names all of them
    (see `_named_segments`). `name` defaults to the file's stem unless the file itself sets
    it, and `description` to none: neither is inherited through `extends`. A file refused alone
    is validated again with its overrides, which may settle a rule between keys (an outage
    past the file's `horizon.days` that `--days` reaches). An outage that runs on into a later
    day's opening hours is warned of (`_warn_of_outages_overnight`). Raises ScenarioError
    (InputTypeError for a `path` that is not a file path).
    """
    path = Path(arguments.path(path, "path"))
    origins: Origins = {}
    chain = _chain(path)
    data = Scenario().model_dump(mode="json")
    for depth, (source, layer) in enumerate(chain):
        _named_segments(data, layer, origins, chain[depth - 1][0] if depth else None, source)
        data = _merge(data, layer, source, origins)
    if "name" not in chain[-1][1]:
        data["name"] = path.stem
        origins[("name",)] = str(path)
    if "description" not in chain[-1][1]:  # a what-if is not the store it extends
        data["description"] = ""
    overrides, files = _listed(overrides), [source for source, _ in chain]
    try:
        scenario = _validate(data, origins, str(path), files=files)
    except ScenarioError as file_error:
        scenario = _validate_with(data, overrides, origins, files, file_error)
    else:
        if overrides:
            data = scenario.model_dump(mode="json")
            applied = _apply(data, overrides, origins, str(path))
            scenario = _validate(data, origins, str(path), applied, files)
    _warn_of_outages_overnight(scenario, origins, str(path))
    return scenario


def _warn_of_outages_overnight(scenario: Scenario, origins: Origins, leaf: str) -> None:
    """Warn of each outage that runs on after closing time into a later day's opening hours: it
    lasts its whole duration_min, whatever the opening hours, so the store opens with its
    terminals down."""
    hours = scenario.hours
    for i, outage in enumerate(scenario.payment.outages):
        end = outage.start_min + outage.duration_min
        if end <= hours.open_min + 1440:
            continue
        days = math.ceil(end / 1440) - 1
        later = "the next day" if days == 1 else f"{days} days later"
        key = ("payment", "outages", i)
        text = (
            f"from {outage.start} for {outage.duration_min:g} min, it runs on after closing "
            f"({hours.close}) until {end_clock(end)} {later}: an outage lasts its duration_min "
            "whatever the opening hours, so its terminals are still down when the store opens "
            f"at {hours.open}"
        )
        warn_at_caller(ScenarioWarning(problem(_source(origins, key, leaf), key, text)))


def apply_overrides(
    scenario: Scenario,
    overrides: Sequence[Override],
    origins: Origins | None = None,
    source: str | None = None,
) -> Scenario:
    """The scenario with `KEY.PATH=VALUE` overrides applied and validated again.

    `origins` and `source` say who set which key, for error messages (default: the scenario's
    name). Raises ScenarioError.
    """
    overrides = _listed(overrides)
    if not overrides:
        return scenario
    origins = {} if origins is None else origins
    data = scenario.model_dump(mode="json")
    applied = _apply(data, overrides, origins, scenario.name)
    return _validate(data, origins, source or scenario.name, applied)


def _validate_with(
    data: dict[str, Any],
    overrides: list[Override],
    origins: Origins,
    files: list[str],
    file_error: ScenarioError,
) -> Scenario:
    """A file (the last of `files`, its extends chain) that is refused alone, validated with
    its overrides, which may settle a rule between keys; `file_error` stands where an override
    cannot even be placed in the file."""
    try:
        applied = _apply(data, overrides, origins, files[-1])
    except ScenarioError:
        raise file_error from None
    return _validate(data, origins, files[-1], applied, files)


def _apply(
    data: dict[str, Any], overrides: list[Override], origins: Origins, scenario: str
) -> set[str]:
    """Apply `overrides` to the data of `scenario` (its file or name, for errors about what it
    has) in place, in order; the sources they are named by."""
    sources = set()
    for override in overrides:
        option, text = (None, override) if isinstance(override, str) else override
        sources.add(_override(data, text, origins, option, scenario))
    return sources


def _listed(overrides: object) -> list[Override]:
    """Overrides as a list: one text stands for a list of one (not read letter by letter); a
    value that is no text is refused (InputTypeError)."""
    given = [overrides] if isinstance(overrides, str) else overrides
    if isinstance(given, (Mapping, bytes)) or not isinstance(given, Iterable):
        raise InputTypeError(f"overrides: expected a list of KEY.PATH=VALUE texts (got {given!r})")
    listed = list(given)
    for item in listed:
        if not isinstance(item, (str, tuple)):
            raise InputTypeError(
                f"overrides: expected KEY.PATH=VALUE texts (got {type(item).__name__} {item!r})"
            )
    return listed


def value_at(scenario: Scenario, key: str) -> Any:
    """The value at a dotted key path (`--set` syntax) of a validated scenario, as plain data
    (as in `scenario.model_dump(mode="json")`, without dumping the whole scenario)."""
    node: Any = scenario
    for part in key.split("."):
        if isinstance(node, BaseModel):
            node = getattr(node, part)
        else:
            node = node[int(part)] if isinstance(node, (list, tuple)) else node[part]
    return to_jsonable_python(node)


def flat(data: dict, prefix: str = "") -> dict[str, object]:
    """Nested settings by dotted key, as `--set` takes them (`floor.spill_per_day`); lists
    stay whole."""
    keys: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            keys.update(flat(value, f"{prefix}{key}."))
        else:
            keys[f"{prefix}{key}"] = value
    return keys


_MISSING = object()


def changed_keys(
    before: dict, after: dict, named: dict[str, str], ignored: tuple[str, ...] = (), shown: int = 3
) -> tuple[list[str], int]:
    """What differs between two scenario dumps, for a refusal to mix their runs: the `named`
    keys that changed by their names (`horizon.days` as "days"), then the other changed dotted
    keys, at most `shown` entries of them, the last "N more scenario keys" when there are more;
    and how many keys changed in all; `ignored` keys may differ."""
    old, new = flat(before), flat(after)
    keys = [
        key
        for key in {**new, **old}
        if key not in ignored and old.get(key, _MISSING) != new.get(key, _MISSING)
    ]
    names = [name for key, name in named.items() if key in keys]
    rest = [key for key in keys if key not in named]
    if len(rest) > shown:
        rest = [*rest[: shown - 1], f"{len(rest) - shown + 1} more scenario keys"]
    return names + rest, len(keys)


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (with `extends`), for editor completion and checks."""
    schema = Scenario.model_json_schema()
    extends = {
        "type": "string",
        "title": "Extends",
        "description": "Scenario file this one starts from (path relative to this file).",
    }
    schema["properties"] = {"extends": extends, **schema["properties"]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def resolved_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML, every default spelled out; loads back unchanged."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _named_segments(
    data: dict[str, Any],
    layer: dict[str, Any],
    origins: Origins,
    parent: str | None,
    source: str,
) -> None:
    """A layer that names segments names the store's segments: the segments below it (the
    parent's or the defaults) that it leaves out are dropped from `data`; one it names keeps
    its values from below unless it gives them (a new name starts from a segment's defaults).
    Dropping a `parent` file's segments is said in a warning. A new name close to one it
    drops is refused as a misspelling (raises ScenarioError): it would swap the segment for one
    of the defaults, and the store's other segments with it."""
    named = layer.get("segments")
    if not isinstance(named, dict) or not isinstance(data.get("segments"), dict):
        return  # (not a mapping: validation says so)
    gone = [name for name in data["segments"] if name not in named]
    for name in (str(name) for name in named if name not in data["segments"]):
        meant = closest(name, gone)
        if meant is not None:
            below = parent or "the defaults"
            raise ScenarioError(
                problem(
                    source,
                    ("segments",),
                    f"expected a segment of {below}, one of {', '.join(data['segments'])} "
                    f"(got {shown(name)}; did you mean '{meant}'?); a new segment needs a "
                    "name not this close to one of them",
                ),
                source,
            )
    if parent is not None and gone:
        warn_at_caller(
            ScenarioWarning(
                f"{source}: segments: the file names the store's segments, so those of "
                f"{parent} it leaves out are dropped: {', '.join(gone)}"
            )
        )
    data["segments"] = {k: v for k, v in data["segments"].items() if k in named}
    dropped = [k for k in origins if k[:1] == ("segments",) and len(k) > 1 and k[1] not in named]
    for key in dropped:
        del origins[key]


def extends_chain(path: Path) -> list[Path]:
    """The files `path` extends, nearest first, as the loader finds them (raises ScenarioError
    for a file that does not load as a layer, a missing parent or a cycle)."""
    return [Path(name) for name, _ in _chain(path)[-2::-1]]


def _chain(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """The files of the extends chain as (name, data without `extends`), root first."""
    chain: list[tuple[str, dict[str, Any]]] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        layer = _read(current)
        seen.append(real_path(current))
        chain.append((str(current), layer))
        current = _parent(current, layer.pop("extends", None), seen)
    return chain[::-1]


def _parent(path: Path, ref: Any, seen: list[Path]) -> Path | None:
    """The file `path` extends (None for none), checked to exist and not to close a cycle."""
    if ref is None:
        return None
    if not isinstance(ref, str) or not ref.strip():
        raise ScenarioError(
            problem(str(path), ("extends",), f"expected a file name (got {shown(ref)})")
        )
    parent = path.parent / ref
    why = no_file(parent)
    if why:
        got = f"{shown(ref)}, but {parent} {why}"
        raise ScenarioError(
            problem(str(path), ("extends",), f"expected an existing file (got {got})")
        )
    if real_path(parent) in seen:
        cycle = " -> ".join(p.name for p in [*seen, real_path(parent)])
        raise ScenarioError(
            problem(str(path), ("extends",), f"expected a chain without cycles (got {cycle})")
        )
    return parent


MAX_YAML_BYTES = 1_000_000  # a scenario or study file is a few KB; /dev/zero never ends


def yaml_file(path: Path) -> Any:
    """A YAML file's data (`yaml_data`); a file that is missing, unreadable, not a regular file
    (a folder; a named pipe would wait for a writer for ever), larger than MAX_YAML_BYTES or not
    valid YAML raises a ScenarioError naming it (and the line)."""
    kind = not_regular(path)
    if kind:
        raise ScenarioError(f"{path}: expected a YAML file (it is {kind})")
    try:
        text = capped_text(path, MAX_YAML_BYTES)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(unread(path, error, "the file")) from None
    if text is None:
        raise ScenarioError(f"{path}: expected a YAML file of at most 1 MB (it is larger)")
    return parse_yaml(text, str(path))


def _read(path: Path) -> dict[str, Any]:
    """One scenario file's top-level mapping (an empty file is an empty mapping)."""
    data = yaml_file(path)
    if data is None or data == {}:
        warn_at_caller(ScenarioWarning(f"{path}: the file sets no keys; every default applies"))
        return {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of keys to values (got {shown(data)})")
    for key, (kind, command) in STUDY_FILES.items():
        if key in data:
            raise ScenarioError(
                f"{path}: expected a scenario, not {kind} (it has `{key}`): run it with "
                f"journeysim {command}, or use the scenario it names"
            )
    return data


# YAML 1.1's base-60 numbers (2:30 is 150), which YAML 1.2 dropped: read as text, so that an
# unquoted range 2:3 is not the number 123.
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
# YAML 1.2's exponents, which YAML 1.1 reads as text unless they have a point and a sign: 1e-3
# and 2.5e3 are numbers, as 1.0e-3 and 2.5e+3 are.
_EXPONENT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
# YAML 1.2's integers: decimal even with leading zeros (010 is ten, where YAML 1.1 reads the
# octal 8), octal only as 0o10, hexadecimal as 0x1F.
_INTEGER = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
# The longest integer read (Python's own limit on reading one from text is 4,300 digits): far
# beyond any bound, refused with its line rather than read.
_MAX_DIGITS = 1_000
_YAML_1_2 = [
    ("tag:yaml.org,2002:str", _SEXAGESIMAL),
    ("tag:yaml.org,2002:float", _EXPONENT),
    ("tag:yaml.org,2002:int", _INTEGER),
]


# Values a YAML text may hold with its aliases expanded: a file of MAX_YAML_BYTES holds at most
# half a million without aliases, but ten nested lists of ten aliases each hold ten billion.
MAX_YAML_VALUES = 1_000_000


# What a value read with a tag (given, or YAML's own for a text like 2026-03-02) must be.
_TAGGED = {
    "!!int": "a whole number",
    "!!float": "a number",
    "!!bool": "true or false",
    "!!timestamp": "a date that exists, or quotes around a text",
}


class _TooLong(yaml.constructor.ConstructorError):
    """Valid YAML holding an integer too long to read."""


class _UniqueKeys(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (which YAML forbids and
    PyYAML would settle silently by keeping the last), an alias inside the node it refers
    to (PyYAML would build a list or mapping that holds itself) and aliases that expand to
    more than MAX_YAML_VALUES values (each check of the data would walk all of them), with
    YAML 1.2's numbers: base-60 ones read as text, exponents without a point or sign as
    numbers, integers with leading zeros as decimal."""

    yaml_implicit_resolvers = {
        first: [*_YAML_1_2, *resolvers] if first in "+-.0123456789" else resolvers
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.composing: set[str] = set()  # anchors of the nodes being composed
        self.sizes: dict[int, int] = {}  # values in each list or mapping node, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.composing:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"the alias *{event.anchor} is inside the &{event.anchor} it refers to",
                    event.start_mark,
                )
            return super().compose_node(parent, index)  # a node composed and counted before
        if event.anchor is not None:
            self.composing.add(event.anchor)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.composing.discard(event.anchor)
        if isinstance(node, yaml.CollectionNode):
            items = node.value if isinstance(node, yaml.SequenceNode) else chain(*node.value)
            size = 1 + sum(self.sizes.get(id(item), 1) for item in items)
            if size > MAX_YAML_VALUES:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"its aliases expand to more than {MAX_YAML_VALUES:,} values",
                    node.start_mark,
                )
            self.sizes[id(node)] = size
        return node

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        if not _INTEGER.match(text):  # YAML 1.1's other integers: 0b101, 1_000
            return int(super().construct_yaml_int(node))
        if len(text) > _MAX_DIGITS:  # Python refuses to read it (sys.get_int_max_str_digits)
            raise _TooLong(
                None,
                None,
                f"expected a number of at most {_MAX_DIGITS:,} digits (got {len(text):,})",
                node.start_mark,
            )
        if text[:2] in ("0o", "0x"):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """A node's value, built at once (no node holds itself: `compose_node`), so that a value
        its tag cannot take (`!!float abc`, `!!bool maybe`, the date 2026-02-30) is refused at
        its line, not with the tag constructor's own error."""
        try:
            return super().construct_object(node, deep=True)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            got = repr(node.value) if isinstance(node, yaml.ScalarNode) else f"a {node.id}"
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"expected {_TAGGED.get(tag, f'a value {tag} reads')} (got {got}, read as {tag})",
                node.start_mark,
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key: SafeLoader refuses it with its own error
            key = (key_node.tag, key_node.value)  # 1 and "1" are different keys
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key_node.value!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


_UniqueKeys.add_constructor("tag:yaml.org,2002:int", _UniqueKeys.construct_yaml_int)


def yaml_data(text: str) -> Any:
    """YAML as journeysim reads it: `yaml.safe_load`, refusing a key given twice, with YAML
    1.2's numbers (an unquoted 2:3 is the text "2:3", not YAML 1.1's base-60 number 123, 1e-3
    the number 0.001, not a text, and 010 the number 10, not the octal 8); YAML nested past
    Python's recursion raises _TooDeep, a YAMLError as every other refusal."""
    try:
        return yaml.load(text, Loader=_UniqueKeys)  # a SafeLoader: no arbitrary objects
    except RecursionError:
        raise _TooDeep("expected YAML nested less deeply") from None


class _TooDeep(yaml.YAMLError):
    """YAML nested too deeply to read."""


# What PyYAML's words for a misindented line mean to someone editing a scenario file.
_YAML_HINTS = {
    "expected <block end>": "a line indented unlike the keys beside it?",
    "mapping values are not allowed here": "a line indented too far, a key without ':' above "
    "it, or a value with ': ' in it that needs quotes?",
    "could not find expected ':'": "a key without ':', or a line indented unlike the keys "
    "beside it?",
}


def parse_yaml(text: str, source: str) -> Any:
    """`yaml_data`, with errors (a ScenarioError) naming the source, line and column (and, for
    an indentation problem, what is likely wrong)."""
    try:
        return yaml_data(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = str(error.problem)
        hint = next((h for start, h in _YAML_HINTS.items() if problem.startswith(start)), "")
        problem += f" ({hint})" if hint else ""
        what = "" if isinstance(error, _TooLong) else " not valid YAML:"
        raise ScenarioError(f"{source}:{where}{what} {problem}", source) from None
    except _TooDeep as error:
        raise ScenarioError(f"{source}: {error}", source) from None
    except yaml.YAMLError as error:
        reason = str(error).splitlines()[0]
        raise ScenarioError(f"{source}: not valid YAML: {reason}", source) from None


def _merge(base: Any, layer: Any, source: str, origins: Origins, path: KeyPath = ()) -> Any:
    """`layer` over `base`: mappings merge key by key, anything else replaces; notes origins."""
    replaced = not (isinstance(base, dict) and isinstance(layer, dict))
    if replaced and isinstance(base, (dict, list)):
        for key in [key for key in origins if key[: len(path)] == path]:
            del origins[key]
    if not isinstance(layer, dict):
        origins[path] = source
        return layer
    origins.pop(path, None)  # a mapping in place of a value: who set it is noted key by key
    merged = dict(base) if isinstance(base, dict) else {}
    for key, value in layer.items():
        merged[key] = _merge(merged.get(key), value, source, origins, (*path, key))
    return merged


def _override(
    data: dict[str, Any], text: str, origins: Origins, option: str | None, scenario: str
) -> str:
    """Apply one `KEY.PATH=VALUE` override (VALUE is YAML) to the resolved data of `scenario`
    in place; errors name the `option` that set it, else `--set KEY.PATH` (the source
    returned), and the `scenario` when it lacks the place named."""
    dotted_key, equals, raw = text.partition("=")
    keys = dotted_key.strip().split(".")
    if not equals or "" in keys:
        where = f"{option}: {text}" if option else f"--set {text}"
        raise ScenarioError(
            f"{where}: expected KEY.PATH=VALUE, e.g. checkout.cashiers=3", option or Option(where)
        )
    source = option or Option(f"--set {dotted_key.strip()}")
    value = copy.deepcopy(_override_value(raw, source))
    if value == {}:
        raise ScenarioError(
            f"{source}: an empty mapping changes nothing (mappings merge key by key); set the "
            f"keys inside it, e.g. {dotted_key.strip()}.NAME=VALUE",
            source,
        )
    node: Any = data
    path: KeyPath = ()
    for depth, key in enumerate(keys):
        part = _part(node, key, path, source, scenario)
        if depth == len(keys) - 1:
            existing = node[part] if isinstance(node, list) else node.get(part)
            node[part] = _merge(existing, value, source, origins, (*path, part))
        else:
            if isinstance(node, dict) and part not in node:
                if path == ("segments",):
                    raise ScenarioError(
                        problem(source, path, _no_segment(node, key, scenario)), source
                    )
                node[part] = {}
            node, path = node[part], (*path, part)
    return source


def _no_segment(segments: dict[str, Any], name: str, scenario: str) -> str:
    """Why a key below a segment the scenario has not is refused (a misspelt segment would
    otherwise be added, with the defaults, to the store's customers); the example of a new
    segment names `name` only when no segment's name is close to it."""
    meant = did_you_mean(name, segments)
    return (
        f"expected a segment of {scenario}, one of {', '.join(segments)} "
        f"(got {shown(name)}{meant}); to add a new segment, set it whole: "
        f"segments.{'NAME' if meant else name}={{share: 0.1}}"
    )


@lru_cache(maxsize=4096)
def _override_value(raw: str, source: str) -> Any:
    """An override's VALUE as YAML, parsed once (a sweep gives each value to many points)."""
    return parse_yaml(raw, source)


def _part(node: Any, key: str, path: KeyPath, source: str, scenario: str) -> str | int:
    """`key` as a mapping key or list index of `node`; an error when `node` has no such place
    (naming the `scenario` when its list is too short)."""
    if isinstance(node, dict):
        return key
    if isinstance(node, list):
        if key.isdigit() and int(key) < len(node):
            return int(key)
        expected = (
            f"a list index from 0 to {len(node) - 1}, as {scenario} has {len(node)}"
            if node
            else f"no index, as the list is empty in {scenario}; set the whole list instead"
        )
        raise ScenarioError(
            problem(source, path, f"expected {expected} (got {shown(key)})"), source
        )
    raise ScenarioError(
        problem(source, path, f"expected no key below a single value (got {shown(key)})"), source
    )


def _validate(
    data: dict[str, Any],
    origins: Origins,
    leaf: str,
    overrides: Collection[str] = (),
    files: Sequence[str] = (),
) -> Scenario:
    """The validated scenario; errors name the file (or --set) that set the offending key, an
    override (of the sources `overrides`) before a file where a check between keys names both.
    `files` are the extends chain, root first (`_cashiers_as_lanes`)."""
    _cashiers_as_lanes(
        data,
        origins,
        {**{f: i for i, f in enumerate(files)}, **dict.fromkeys(overrides, len(files))},
    )
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise from_validation_error(
            error,
            data,
            lambda path: _source(origins, path, leaf),
            overrides,
            lambda path: _recorded(origins, path),
            files,
        ) from None


CASHIER_COUNT, CASHIERS = ("staff", "roles", "cashier", "count"), ("checkout", "cashiers")


def _cashiers_as_lanes(data: dict[str, Any], origins: Origins, layers: Mapping[str, int]) -> None:
    """Refuse a cashier count (staff.roles.cashier.count) other than checkout.cashiers that a
    file or override sets no earlier than checkout.cashiers: the run staffs a cashier per
    staffed lane, so it would be ignored (a fourth cashier set there ran three lanes, "no
    different"). `layers` orders the sources (the extends chain, then the overrides); a count
    that follows from an earlier layer (a resolved scenario extended with more lanes) follows."""
    count, lanes = _at(data, CASHIER_COUNT), _at(data, CASHIERS)
    if not (type(count) is int and type(lanes) is int) or count == lanes:
        return  # equal, or a value that validation refuses
    source = _recorded(origins, CASHIER_COUNT)
    if source is None or layers.get(source, -1) < layers.get(_recorded(origins, CASHIERS), -1):
        return
    raise ScenarioError(
        problem(
            source,
            CASHIER_COUNT,
            f"expected {lanes}, a cashier per staffed lane as checkout.cashiers says (got "
            f"{count}); to staff {count} lanes, set checkout.cashiers",
        ),
        source,
    )


def _at(data: Any, path: KeyPath) -> Any:
    """The value at `path` in plain scenario data, or None where it has no such place."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _recorded(origins: Origins, path: KeyPath) -> str | None:
    """Who set `path`: the most specific recorded key, at it, else the only source of keys below
    it (`--set payment.outages.0.day` changed the outage a file listed), else the options that
    are all the sources below it, named together (`--set payment.outages.0.day and --set
    payment.outages.0.start`, the outage's day and start), else the nearest key above it; None
    for a default, or a mix below and nothing above."""
    if path in origins:
        return origins[path]
    below = list(dict.fromkeys(s for key, s in origins.items() if key[: len(path)] == path))
    if len(below) == 1:
        return below[0]
    if below and all(isinstance(source, Option) for source in below):
        return Options(below)
    for end in range(len(path) - 1, 0, -1):
        if path[:end] in origins:
            return origins[path[:end]]
    return None


def _source(origins: Origins, path: KeyPath, leaf: str) -> str:
    """Who set `path` (`_recorded`), else (a default, or a mix) the leaf file."""
    return _recorded(origins, path) or leaf
