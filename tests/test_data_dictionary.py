"""docs/data.md lists every column of every table `journeysim run` writes, in the file's order,
with its type: a short run's files are written and each table of the document is held against
its file, so a column added, removed or renamed in the code fails here until the document
follows."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from pandas.api import types

import journeysim
from journeysim.files import parquet_available, write_table
from journeysim.report.outputs import RUN_FILES, write_run
from journeysim.simulation.runner import RunResult
from journeysim.study.uncertainty import COLUMNS as UNCERTAINTY

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "data.md"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
# A small store without its history, one warm-up day and two measured days, with an outage and
# a departure so that every log has rows: every table with all its columns in a few seconds
# (too short for a lifetime or a return rate, which is fine).
SHORT = [
    "arrivals.base_customers=200",
    "horizon.burn_in_days=0",
    "horizon.warmup_days=1",
    'payment.outages=[{day: 1, start: "17:00", duration_min: 30, terminals: all}]',
    "staff.turnover=[{role: cashier, index: 0, day: 1}]",
]
BIG = "parquet" if parquet_available() else "csv"
TABLES = [
    "summary.csv",
    "replications.csv",
    f"visits.{BIG}",
    f"customers.{BIG}",
    "days.csv",
    "touchpoints.csv",
    "terminal_log.csv",
    "turnover_log.csv",
    "lanes_log.csv",
]
FILE_NAME = re.compile(r"\w+\.(?:csv|parquet)")
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*([^|]*?)\s*\|")
# The document's types and the dtypes that hold them in memory.
TYPES = {
    "int": types.is_integer_dtype,
    "float": types.is_float_dtype,
    "bool": types.is_bool_dtype,
    "text": types.is_string_dtype,  # an object column of strings, or a string column
    # a few texts: a pandas category of strings (a dictionary column in Parquet)
    "category": lambda column: (
        isinstance(column.dtype, pd.CategoricalDtype)
        and all(isinstance(c, str) for c in column.cat.categories)
    ),
    "list": lambda column: types.is_object_dtype(column) and not types.is_string_dtype(column),
}


def documented() -> dict[str, list[tuple[str, str]]]:
    """Per file a `## ` heading of docs/data.md names, the (column, type) of each row of the
    table under it: the first cell in backticks, the second."""
    tables: dict[str, list[tuple[str, str]]] = {}
    names: list[str] = []
    for line in DOCUMENT.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            names = FILE_NAME.findall(line) if line.startswith("## ") else []
            for name in names:
                tables.setdefault(name, [])
            continue
        row = ROW.match(line)
        for name in names if row else []:
            tables[name].append((row.group(1), row.group(2)))
    return tables


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, dict[str, list[str]]]:
    """A short run and the columns of each table file `write_run` wrote for it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the lifetime and return rate are n/a: said in a warning
        result = journeysim.run(BASELINE, reps=1, days=2, overrides=SHORT)
    assert isinstance(result, RunResult)
    folder = tmp_path_factory.mktemp("results")
    columns = {}
    for path in write_run(result, folder):
        if path.suffix == ".parquet":
            columns[path.name] = list(pd.read_parquet(path).columns)
        elif path.suffix == ".csv":
            columns[path.name] = list(pd.read_csv(path, nrows=0).columns)
    return result, columns


def test_every_table_file_has_a_section() -> None:
    tables = {name for name in RUN_FILES if name.endswith((".csv", ".parquet"))}
    assert set(documented()) == tables | {"uncertainty.csv"}


def test_the_document_lists_the_uncertainty_columns_in_order() -> None:
    """uncertainty.csv (a run with parameter sets) is built with these columns, in order."""
    assert [column for column, _ in documented()["uncertainty.csv"]] == list(UNCERTAINTY)


def test_the_run_writes_the_tables_checked_here(run) -> None:
    _, columns = run
    assert sorted(columns) == sorted(TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_the_document_lists_the_file_columns_in_order(run, table: str) -> None:
    _, columns = run
    listed = [column for column, _ in documented()[table]]
    missing = [c for c in columns[table] if c not in listed]
    extra = [c for c in listed if c not in columns[table]]
    assert listed == columns[table], f"docs/data.md, {table}: missing {missing}, extra {extra}"


@pytest.mark.parametrize("table", TABLES)
def test_the_document_gives_each_column_its_type(run, table: str) -> None:
    """The type column agrees with the table in memory (which needs rows: an empty log's
    columns have no type)."""
    result, _ = run
    frame = getattr(result, table.split(".")[0])
    assert len(frame), f"{table} is empty in this run: its types cannot be checked"
    for column, kind in documented()[table]:
        assert column in frame, f"docs/data.md, {table}: the table has no column {column}"
        assert kind in TYPES, f"docs/data.md, {table}: {column} has an unknown type {kind!r}"
        assert TYPES[kind](frame[column]), f"{table}: {column} is {frame[column].dtype}, not {kind}"


@pytest.mark.parametrize("table", ["terminal_log.csv", "turnover_log.csv"])
def test_an_empty_log_keeps_its_numbers_types(table: str) -> None:
    """With no terminal down and nobody leaving, the logs' columns were all `object`: a
    researcher's `log["day"] + 1` on a run without turnover then differed from one with it."""
    quiet = [*SHORT[:3], "payment.random_failures=false"]  # the baseline has no turnover
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the lifetime and return rate are n/a: said in a warning
        frame = getattr(journeysim.run(BASELINE, reps=1, days=2, overrides=quiet), table[:-4])
    assert frame.empty
    numbers = [(c, kind) for c, kind in documented()[table] if kind in ("int", "float")]
    assert numbers and all(TYPES[kind](frame[column]) for column, kind in numbers), frame.dtypes


def test_the_reader_finds_the_tables_under_their_headings(tmp_path: Path, monkeypatch) -> None:
    page = tmp_path / "data.md"
    page.write_text(
        "# Data\n\n| `not_a_table` | int | x |\n\n## a.parquet or a.csv: rows\n\n"
        "| column | type | unit | meaning |\n| --- | --- | --- | --- |\n"
        "| `first` | int | day | from 0 |\n| `second` | text | — | a `name` |\n\n"
        "## Notes\n\n| `not_either` | int | x |\n",
        encoding="utf-8",
    )
    monkeypatch.setitem(globals(), "DOCUMENT", page)
    expected = [("first", "int"), ("second", "text")]
    assert documented() == {"a.parquet": expected, "a.csv": expected}


def test_the_few_texts_are_categories_that_parquet_keeps(run, tmp_path: Path) -> None:
    """segment, abandoned, payment and left_reason are categories (a fraction of the memory
    of Python strings) whose categories are every value they can take, read back as such."""
    result, _ = run
    category = [
        (table, column)
        for table in (f"visits.{BIG}", f"customers.{BIG}")
        for column, kind in documented()[table]
        if kind == "category"
    ]
    assert [c for _, c in category] == ["segment", "abandoned", "payment", "segment", "left_reason"]
    segments = list(result.scenario.segments)
    assert result.visits["segment"].cat.categories.tolist() == segments
    assert result.customers["segment"].cat.categories.tolist() == segments
    assert result.visits["abandoned"].cat.categories.tolist() == ["", "balk", "renege", "payment"]
    assert result.customers["left_reason"].cat.categories.tolist() == ["", "switched", "attrition"]
    assert set(result.visits["payment"].cat.categories) >= {"", "card", "cash", "fetched cash"}
    if not parquet_available():
        return
    written = tmp_path / "visits.parquet"
    write_table(written, result.visits)
    back = pd.read_parquet(written)
    for _, column in category[:3]:
        assert isinstance(back[column].dtype, pd.CategoricalDtype), back[column].dtype
        assert back[column].equals(result.visits[column])


def test_a_csv_of_categories_is_that_of_their_texts(run, tmp_path: Path) -> None:
    """visits.csv (where pyarrow is missing) and customers.csv are the bytes they were when
    these columns held Python strings."""
    result, _ = run
    for name in ("visits", "customers"):
        frame = getattr(result, name)
        texts = frame.astype({c: object for c in frame if frame[c].dtype == "category"})
        write_table(tmp_path / f"{name}.csv", frame)
        write_table(tmp_path / f"{name}_texts.csv", texts)
        assert (tmp_path / f"{name}.csv").read_bytes() == (
            tmp_path / f"{name}_texts.csv"
        ).read_bytes()


def test_replications_stack_into_categories() -> None:
    """Every replication's table has the same categories, so the stacked table keeps them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the lifetime and return rate are n/a: said in a warning
        warnings.simplefilter("error", FutureWarning)
        result = journeysim.run(BASELINE, reps=2, days=1, overrides=SHORT)
    assert sorted(result.visits["replication"].unique()) == [0, 1]
    for table, column in [
        ("visits", "segment"),
        ("visits", "abandoned"),
        ("visits", "payment"),
        ("customers", "segment"),
        ("customers", "left_reason"),
    ]:
        assert getattr(result, table)[column].dtype == "category", (table, column)


def test_an_open_run_writes_typed_empty_customers(tmp_path: Path) -> None:
    """An `open` run keeps no customers: its customers table has no rows, and its columns (in
    memory and read back from the file) have the documented types, not all `double`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short: the return rate and lifetime are n/a
        result = journeysim.run(ROOT / "scenarios" / "validation" / "mmc.yaml", reps=2, days=1)
    assert result.customers.empty and len(result.visits)
    write_run(result, tmp_path)
    frames = {"memory": result.customers}
    if parquet_available():
        frames["customers.parquet"] = pd.read_parquet(tmp_path / "customers.parquet")
    for where, frame in frames.items():
        assert list(frame.columns) == [c for c, _ in documented()[f"customers.{BIG}"]]
        for column, kind in documented()[f"customers.{BIG}"]:
            assert TYPES[kind](frame[column]), f"{where}: {column} is {frame[column].dtype}"
