"""A quick command line: importing the package and building the command parser loads none of
the heavy libraries; they load where a command uses them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("pandas", "scipy", "matplotlib", "SALib", "dask", "simpy")


def loaded_after(code: str, watched: tuple[str, ...] = HEAVY) -> set[str]:
    """Top-level packages among `watched` that a fresh interpreter holds after running
    `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return {name.split(".")[0] for name in json.loads(out.splitlines()[-1])} & set(watched)


@pytest.mark.parametrize(
    "code",
    [
        "import journeysim",
        "import journeysim.cli",
        "from journeysim.cli import build_parser; build_parser()",
        # a researcher checking a scenario (it took 2 s when it came from journeysim.api)
        "import journeysim; journeysim.load_scenario('scenarios/baseline.yaml', 'seed=3')",
    ],
)
def test_light_imports(code: str) -> None:
    assert loaded_after(code) == set()


def test_help_loads_neither_the_schema_nor_numpy() -> None:
    """`journeysim --help` builds the parser only: the scenario schema (pydantic, a sixth of a
    second) and numpy (a tenth) load with the commands that use them, and so do the process
    pool (multiprocessing) and the installed packages' metadata, which the manifest reads
    (together some 50 ms of every command's start)."""
    parser = "from journeysim.cli import build_parser; build_parser()"
    assert loaded_after(parser, ("pydantic", "numpy", "multiprocessing")) == set()
    probe = f"{parser}\nimport sys\nassert 'importlib.metadata' not in sys.modules"
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=ROOT)
    assert loaded_after("import journeysim.scenario", ("pydantic",)) == {"pydantic"}  # the probe


def test_the_probe_sees_heavy_imports() -> None:
    """The check itself works: using the API loads pandas (so an empty result means something)."""
    assert {"pandas", "scipy"} <= loaded_after("import journeysim; journeysim.run")


def test_lazy_names_resolve() -> None:
    import journeysim
    from journeysim.api import run
    from journeysim.scenario import ScenarioError

    assert journeysim.run is run
    assert journeysim.ScenarioError is ScenarioError
    assert set(journeysim.__all__) <= set(dir(journeysim))
    with pytest.raises(AttributeError):
        journeysim.no_such_name  # noqa: B018


def test_validate_and_schema_stay_light(tmp_path) -> None:
    """validate and schema run without pandas, SciPy or matplotlib."""
    code = (
        "from journeysim.cli import main\n"
        "main(['validate', 'scenarios/baseline.yaml'])\n"
        f"main(['schema', '--out', {str(tmp_path / 'schema.json')!r}])\n"
        f"main(['schema', '--markdown', '--out', {str(tmp_path / 'model.md')!r}])"
    )
    assert loaded_after(code) == set()
