"""The compiled hot path: it is what the tests run, edits it would hide are reported, and a
machine that cannot compile it installs pure Python."""

import importlib.machinery
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from journeysim.compiled import stale_modules
from journeysim.journey import shopper

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
SETUP = Path(__file__).resolve().parents[1] / "setup.py"
COMPILED = shopper.__file__.endswith(SUFFIX)


@pytest.fixture
def setup_py() -> dict:
    """setup.py's functions (as a module, it does not call setup)."""
    return runpy.run_path(str(SETUP), run_name="setup")


@pytest.mark.skipif(
    bool(os.environ.get("JOURNEYSIM_PURE_PYTHON")), reason="installed without compiling"
)
def test_the_hot_path_runs_compiled_where_the_machine_builds_extensions(setup_py):
    if not setup_py["builds_extensions"]():
        pytest.skip("this machine cannot build C extensions: installed as pure Python")
    assert COMPILED


@pytest.mark.skipif(not COMPILED, reason="installed without compiling")
def test_the_machine_that_compiled_journeysim_passes_the_probe(setup_py):
    assert setup_py["builds_extensions"]()


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


@pytest.mark.skipif(os.name != "posix", reason="CC names the compiler on POSIX systems")
def test_a_machine_without_a_c_compiler_installs_pure_python(
    setup_py, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("CC", str(tmp_path / "no-compiler"))
    monkeypatch.delenv("JOURNEYSIM_PURE_PYTHON", raising=False)
    monkeypatch.setattr(sys, "argv", ["setup.py", "build_ext"])
    assert setup_py["compiled_modules"]() == []
    assert "cannot build C extensions" in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix", reason="CC names the compiler on POSIX systems")
@pytest.mark.parametrize(("value", "compiling"), [("0", True), ("false", True), ("1", False)])
def test_journeysim_pure_python_0_compiles(
    value: str, compiling: bool, setup_py, tmp_path, monkeypatch, capsys
):
    """JOURNEYSIM_PURE_PYTHON=0 (or false) installed pure Python, as any value did: it compiles
    (here, tries to, and finds no compiler)."""
    monkeypatch.setenv("CC", str(tmp_path / "no-compiler"))
    monkeypatch.setenv("JOURNEYSIM_PURE_PYTHON", value)
    monkeypatch.setattr(sys, "argv", ["setup.py", "build_ext"])
    assert setup_py["compiled_modules"]() == []
    assert ("cannot build C extensions" in capsys.readouterr().err) is compiling


def test_the_command_says_a_stale_build_in_one_line_as_its_other_warnings(monkeypatch, capsys):
    """The warning came at `import journeysim`, before the command's display of warnings was in
    place, as Python shows one: "…/compiled.py:43: UserWarning: journeysim: ..." and the
    `warnings.warn(` line under it."""
    from journeysim import compiled
    from journeysim.cli import main

    monkeypatch.setattr(compiled, "stale_modules", lambda: ["journey.shopper"])
    compiled.warn_if_stale.cache_clear()
    try:
        assert main(["validate", str(SETUP.parent / "scenarios" / "baseline.yaml")]) == 0
    finally:
        compiled.warn_if_stale.cache_clear()
    assert capsys.readouterr().err == (
        "journeysim: warning: journey.shopper edited after compilation, so the compiled code "
        "still runs: reinstall (pip install -e .) to compile the edits, or install with "
        "JOURNEYSIM_PURE_PYTHON=1 to run the sources\n"
    )


@pytest.mark.parametrize("program, checked", [("/venv/bin/journeysim", 0), ("script.py", 1)])
def test_import_leaves_the_check_to_the_command_alone(program, checked):
    probe = (
        f"import sys; sys.argv[0] = {program!r}; import journeysim.compiled as c; "
        "print(c.warn_if_stale.cache_info().currsize)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout == f"{checked}\n"
