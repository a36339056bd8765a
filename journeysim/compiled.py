"""The compiled hot path (see setup.py) and the sources it was built from.

In a source checkout (`pip install -e .`) each compiled module sits beside its source and is
the one Python imports, so an edit to the source does nothing until the next install. This
module notices that and says so.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import warnings
from functools import cache
from pathlib import Path

from journeysim.machine import MachineWarning

PACKAGE = Path(__file__).resolve().parent


class StaleBuildWarning(MachineWarning):
    """Sources edited after their compiled modules were built, which still run."""


def runs_compiled() -> bool:
    """Whether the hot path runs compiled (else its sources run, as pure Python), found without
    importing it."""
    origin = importlib.util.find_spec("journeysim.journey.shopper").origin
    return origin is not None and not origin.endswith(".py")


def stale_modules(package: Path = PACKAGE) -> list[str]:
    """Modules whose source was changed after their compiled version was built."""
    stale = []
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        for compiled in package.rglob(f"*{suffix}"):
            source = compiled.with_name(compiled.name.removesuffix(suffix) + ".py")
            if source.exists() and source.stat().st_mtime > compiled.stat().st_mtime:
                stale.append(".".join(source.relative_to(package).with_suffix("").parts))
    return sorted(stale)


def is_the_command() -> bool:
    """Whether this process is the `journeysim` command, which shows warnings its own way
    once it has started (at `import journeysim`, it has not)."""
    return Path(sys.argv[0]).name in ("journeysim", "journeysim.exe")


@cache
def warn_if_stale() -> None:
    """Warn, once a process, when edited sources are shadowed by older compiled modules
    (source checkouts only: an installed package's files all date from its installation)."""
    if not (PACKAGE.parent / "setup.py").exists():
        return
    stale = stale_modules()
    if stale:
        warnings.warn(
            StaleBuildWarning(
                f"{', '.join(stale)} edited after compilation, so the compiled code still "
                "runs: reinstall (pip install -e .) to compile the edits, or install with "
                "JOURNEYSIM_PURE_PYTHON=1 to run the sources"
            ),
            stacklevel=1,
        )
