"""docs/model.md: its parameter table is the schema's, and the table tells the truth about it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from journeysim.cli.scenario import END, START, MarkersMissing, section, splice
from journeysim.scenario import Scenario, apply_overrides
from journeysim.scenario.parameter_notes import SOURCES, UNITS
from journeysim.scenario.reference import REFRESH, parameter_table, parameters

ROOT = Path(__file__).resolve().parents[1]
MODEL_DOC = ROOT / "docs" / "model.md"


def test_docs_model_parameter_table_is_current() -> None:
    documented = section(MODEL_DOC.read_text(encoding="utf-8"))
    assert documented == parameter_table(), (
        f"docs/model.md's parameter table differs from the schema; refresh it with: {REFRESH}"
    )


def _flat(data: object, prefix: str = "") -> dict[str, object]:
    """Leaf key paths of plain scenario data, as `--set` addresses them (a list of plain
    values is one leaf)."""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = {str(i): item for i, item in enumerate(data)}
    if isinstance(data, dict) and data:
        out: dict[str, object] = {}
        for key, value in data.items():
            out.update(_flat(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): data}


def _printed_defaults() -> dict[str, str]:
    """Key -> default cell of the rows of the generated table (the first one)."""
    table = parameter_table().split("\n\n")[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {row.split(" | ")[0][3:-1]: row.split(" | ")[1] for row in rows}


def test_every_key_is_listed_with_the_default_the_model_runs_with() -> None:
    # model_dump is an independent route to the keys, and the loader to the values: a `--set`
    # of each key to its default as printed must leave the default scenario unchanged.
    printed = _printed_defaults()
    default = Scenario().model_dump(mode="json")
    # A mapping of plain values has one row, `KEY.<placeholder>`, its default the whole mapping.
    mappings = {key.rsplit(".", 1)[0]: key for key in printed if re.search(r"\.<\w+>$", key)}
    expected: set[str] = set()
    for key, value in _flat(default).items():
        if key.startswith(("segments.", "staff.roles.", "zones.")) or value == []:
            continue  # entries of sections: see the next test
        parent = key.rsplit(".", 1)[0]
        expected.add(parent if parent in mappings else key)
    assert len(expected) > 100
    for key in expected:
        cell = printed[mappings[key]] if key in mappings else printed[key]
        after = apply_overrides(Scenario(), [f"{key}={cell}"])
        assert after.model_dump() == Scenario().model_dump(), key


def test_placeholder_rows_are_keys_of_every_entry() -> None:
    # Each `<name>`/`<role>`/`<i>`/`<kind>` row is a key the loader takes for a baseline entry
    # (an unknown key is a ScenarioError).
    scenario = Scenario()
    dumped = _flat(scenario.model_dump(mode="json"))
    first = {
        "<name>": next(iter(scenario.segments)),
        "<role>": next(iter(scenario.staff.roles)),
        "<i>": "0",
        "<kind>": "shelf",
    }
    for p in parameters():
        if "<" not in p.key or p.key.startswith(("payment.outages", "staff.turnover")):
            continue  # the baseline has no outages or scheduled departures to address
        key = p.key
        for placeholder, entry in first.items():
            key = key.replace(placeholder, entry)
        value = json.dumps(dumped.get(key, 1))
        after = apply_overrides(scenario, [f"{key}={value}"])
        assert _flat(after.model_dump(mode="json"))[key] == json.loads(value), key


@pytest.mark.parametrize(
    ("key", "unit", "range_", "source"),
    [
        ("checkout.service_time.mean_min", "min", "(0, 240]", ""),
        ("payment.terminal_mtbf_hours", "h", "[0.1, 1e+06]", ""),
        ("segments.<name>.item_price", "PLN/item", "(0, 100000]", ""),
        ("costs.wage_per_hour.<role>", "PLN/h", "[0, 10000]", ""),
        ("shelves.stockout_prob", "probability", "[0, 1]", "Gruen"),
        ("psyche.curvature", "", "(0, 1]", "Tversky & Kahneman 1992"),
        ("psyche.loss_aversion", "", "(0, 100]", "fact 1"),
        ("carts.worn_quality", "quality", "[-1, 1]", ""),
        ("after_visit.initial_rating", "stars", "[1, 5]", ""),
        ("checkout.balk_queue", "shoppers per lane", "integer [1, 1000]", ""),
        ("checkout.service_time.dist", "", "exponential / lognormal / gamma / fixed", ""),
    ],
)
def test_units_ranges_and_sources_follow_the_schema(
    key: str, unit: str, range_: str, source: str
) -> None:
    row = {p.key: p for p in parameters()}[key]
    assert (row.unit, row.range) == (unit, range_)
    assert source in row.source


def test_explicit_units_and_sources_name_existing_keys() -> None:
    keys = {p.key for p in parameters()}
    assert set(UNITS) - keys == set()
    assert set(SOURCES) - keys == set()


def test_splice_replaces_only_the_text_between_the_markers() -> None:
    document = f"# Title\n\nbefore\n{START}\nold table\n{END}\nafter\n"
    spliced = splice(document, "| new |\n")
    assert spliced == f"# Title\n\nbefore\n{START}\n| new |\n{END}\nafter\n"
    assert section(spliced) == "| new |\n"
    with pytest.raises(MarkersMissing):
        splice("no markers here\n", "| new |\n")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "journeysim.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )


def test_cli_schema_markdown_prints_and_refreshes_a_document(tmp_path: Path) -> None:
    printed = run_cli("schema", "--markdown", cwd=tmp_path)
    assert (printed.returncode, printed.stdout) == (0, parameter_table())
    doc = tmp_path / "model.md"
    doc.write_text(f"# Model\n{START}\nstale\n{END}\n## After\n", encoding="utf-8")
    assert run_cli("schema", "--markdown", "--out", "model.md", cwd=tmp_path).returncode == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith(f"# Model\n{START}\n") and text.endswith(f"{END}\n## After\n")
    assert section(text) == parameter_table()


def test_cli_schema_markdown_refuses_a_document_without_markers(tmp_path: Path) -> None:
    doc = tmp_path / "notes.md"
    doc.write_text("# Notes\n", encoding="utf-8")
    result = run_cli("schema", "--markdown", "--out", "notes.md", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"journeysim schema: error: argument --out: expected a file with {START} and {END} lines "
        "(got 'notes.md')"
    ]
    assert doc.read_text(encoding="utf-8") == "# Notes\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.md"]  # no temporary file left


def test_cli_schema_markdown_refuses_a_document_that_is_not_text(tmp_path: Path) -> None:
    doc = tmp_path / "notes.md"
    doc.write_bytes(b"\xff\xfe# Notes\n")  # UTF-16's byte order mark: not UTF-8
    result = run_cli("schema", "--markdown", "--out", "notes.md", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "journeysim schema: error: argument --out: expected a UTF-8 text file (got 'notes.md')"
    ]
    assert doc.read_bytes() == b"\xff\xfe# Notes\n"


def test_model_doc_links_stay_inside_the_repository() -> None:
    text = MODEL_DOC.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        assert not re.match(r"https?://", target), target
        path = (MODEL_DOC.parent / target).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), target
