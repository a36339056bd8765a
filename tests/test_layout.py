"""The package layout: no import circle between modules, and data flows one way, scenario ->
simulation -> study -> report -> command line."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "journeysim"

# Each layer may import the layers before it, never one after it.
LAYERS = [
    {"scenario"},
    {"world", "journey", "psyche", "loyalty"},  # the model
    {"simulation"},
    {"study"},
    {"report"},
    {"cli"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """The journeysim modules a file imports, at the top or inside functions; `from a import b`
    counts as importing the module a.b when there is one, else a."""
    found = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {name for name in found if name in known}


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(path, known) - {name} for name, path in found.items()}


def test_the_walk_sees_the_imports() -> None:
    """The walk itself works: it finds known edges (so a clean result means something)."""
    edges = graph()
    assert "journeysim.simulation.replication" in edges["journeysim.simulation.measure"]
    assert "journeysim.cli.options" in edges["journeysim.cli.compare"]
    assert "journeysim.cli.compare" in edges["journeysim.cli"]


def test_no_import_circle() -> None:
    try:
        tuple(graphlib.TopologicalSorter(graph()).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import circle: {' -> '.join(error.args[1])}")


def test_cycle_detection_fails_on_a_circle() -> None:
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter({"a": {"b"}, "b": {"a"}}).static_order())


def layer(module: str) -> int | None:
    parts = module.split(".")
    return next((i for i, names in enumerate(LAYERS) if parts[1:2] and parts[1] in names), None)


def test_data_flows_one_way() -> None:
    backwards = []
    for module, imported in graph().items():
        here = layer(module)
        for other in imported:
            there = layer(other)
            if here is not None and there is not None and there > here:
                backwards.append(f"{module} imports {other}")
    assert not backwards, "; ".join(sorted(backwards))
