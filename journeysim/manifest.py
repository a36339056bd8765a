"""manifest.json of a results folder: what made it (journeysim version and the digest of its
sources, command line, seed, Python and package versions), so that a folder found later can be
reproduced."""

from __future__ import annotations

import json
import platform
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from journeysim.compiled import runs_compiled
from journeysim.files import capped_text, write_text
from journeysim.version import source_digest

MANIFEST = "manifest.json"
# A manifest is a few KB (a sweep's grows by a command line for each invocation it lists).
MAX_MANIFEST_BYTES = 10_000_000
# Read when journeysim's own metadata is missing (a source tree on the path, not installed).
_DEPENDENCIES = (
    "simpy",
    "numpy",
    "pandas",
    "scipy",
    "pydantic",
    "PyYAML",
    "matplotlib",
    "tqdm",
    "pyarrow",
    "SALib",
    "lifelines",
)


def manifest(
    seed: int,
    overrides: Sequence[str | tuple[str, str]] = (),
    call: str | None = None,
    executor: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What made a results folder: `call`, the Python API call that made it (`api_call`), or
    else this process's command line; `overrides` every `KEY=VALUE` applied, also those of a
    study file's `set` (given as (where, text)); `executor` how the runs were executed (an
    executor's `record`), left out where unknown."""
    return {
        "journeysim": _version("journeysim"),
        "source": source_digest(),
        "build": "compiled" if runs_compiled() else "pure Python",
        "command": call or command_line(),
        **({"executor": dict(executor)} if executor is not None else {}),
        "seed": seed,
        "overrides": [text if isinstance(text, str) else text[1] for text in overrides],
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in _dependencies()},
    }


def command_line() -> str:
    """This process's command line, as the journeysim command was given it."""
    return shlex.join(["journeysim", *sys.argv[1:]])


def write_manifest(
    folder: Path,
    seed: int,
    overrides: Sequence[str | tuple[str, str]] = (),
    call: str | None = None,
    executor: Mapping[str, Any] | None = None,
) -> None:
    """Write `folder/manifest.json` atomically (see `manifest`)."""
    text = json.dumps(manifest(seed, overrides, call, executor), indent=2) + "\n"
    write_text(Path(folder) / MANIFEST, text)


INVOCATION = ("command", "created", "journeysim")  # the fields of a manifest's `invocations`


def earlier_invocations(folder: Path) -> list[dict[str, Any]]:
    """The invocations that `folder/manifest.json` lists (`invocations`: the command, time and
    version of each, and what the command notes of it); for a manifest of one command (from
    before they were listed), that command's; none where there is no manifest, or none that can
    be read (a sweep refuses such a folder before, as `overrides_of` finds it; replay names its
    maker "another command")."""
    path = Path(folder) / MANIFEST
    try:
        text = capped_text(path, MAX_MANIFEST_BYTES)
        made = None if text is None else json.loads(text)
    except (OSError, ValueError, RecursionError):  # missing, unreadable, not JSON, too deep
        return []
    if not isinstance(made, dict):
        return []
    listed = made.get("invocations")
    if isinstance(listed, list):
        return [entry for entry in listed if isinstance(entry, dict)]
    if "command" not in made:
        return []
    return [{key: made.get(key) for key in INVOCATION}]


def api_call(function: str, *args: object, **kwargs: object) -> str:
    """A Python API call as text, e.g. `journeysim.sweep('baseline.yaml', reps=2)`, leaving
    out keyword arguments that are None; a scenario object appears by its name."""
    shown = [_shown(value) for value in args]
    shown += [f"{key}={_shown(value)}" for key, value in kwargs.items() if value is not None]
    return f"journeysim.{function}({', '.join(shown)})"


def _shown(value: object) -> str:
    from journeysim.scenario.schema import Scenario

    if isinstance(value, Scenario):
        return f"<Scenario {value.name!r}>"
    return repr(str(value)) if isinstance(value, Path) else repr(value)


class ManifestUnreadable(ValueError):
    """A results folder's manifest.json that is not a manifest."""


def overrides_of(folder: Path) -> list[str] | None:
    """The --set overrides a results folder was made with: None when there is no folder,
    none for a folder from before manifests; ManifestUnreadable when its manifest cannot be
    read."""
    path = Path(folder) / MANIFEST
    if not Path(folder).is_dir():
        return None
    if not path.exists():
        return []
    try:
        text = capped_text(path, MAX_MANIFEST_BYTES)
        made_with = None if text is None else json.loads(text)
    except OSError as error:
        raise ManifestUnreadable(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, RecursionError) as error:  # not UTF-8, not JSON, or nested too deeply
        raise ManifestUnreadable(f"cannot read {path}: not JSON ({error})") from None
    if text is None:
        most = MAX_MANIFEST_BYTES // 1_000_000
        raise ManifestUnreadable(
            f"cannot read {path}: expected a manifest of at most {most} MB (it is larger)"
        )
    overrides = made_with.get("overrides") if isinstance(made_with, dict) else None
    if not isinstance(overrides, list):
        raise ManifestUnreadable(f"cannot read {path}: it has no `overrides` list")
    return [str(text) for text in overrides]


def journeysim_version() -> str:
    """The installed journeysim's version, or the source tree's when it is not installed."""
    return _version("journeysim") or "unknown"


def _version(name: str) -> str | None:
    from importlib import metadata  # here, not at import: every command's start-up pays it

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        if name == "journeysim":
            from journeysim.version import VERSION

            return VERSION
        return None


def _dependencies() -> list[str]:
    """journeysim's required packages, by name."""
    from importlib import metadata

    try:
        required = metadata.requires("journeysim") or []
    except metadata.PackageNotFoundError:
        return list(_DEPENDENCIES)
    names = [
        re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0] for line in required if "extra" not in line
    ]
    return names or list(_DEPENDENCIES)
