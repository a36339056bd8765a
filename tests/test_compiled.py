"""The compiled hot path: it is what the tests run, and edits it would hide are reported."""

import importlib.machinery
import os
from pathlib import Path

import pytest

from journeysim.compiled import stale_modules
from journeysim.journey import shopper

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


@pytest.mark.skipif(
    bool(os.environ.get("JOURNEYSIM_PURE_PYTHON")), reason="installed without compiling"
)
def test_the_hot_path_runs_compiled():
    assert shopper.__file__.endswith(SUFFIX)


def _module(package: Path, name: str, source_time: int, compiled_time: int) -> None:
    source = package / f"{name}.py"
    compiled = package / f"{name}{SUFFIX}"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text("")
    compiled.write_bytes(b"")
    os.utime(source, (source_time, source_time))
    os.utime(compiled, (compiled_time, compiled_time))


def test_a_source_edited_after_compiling_is_stale(tmp_path):
    _module(tmp_path / "journey", "shopper", source_time=2_000, compiled_time=1_000)
    _module(tmp_path / "psyche", "emotion", source_time=1_000, compiled_time=2_000)
    (tmp_path / "report.py").write_text("")  # never compiled: never stale
    assert stale_modules(tmp_path) == ["journey.shopper"]
