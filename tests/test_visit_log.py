"""The visit log keeps typed columns: the table equals the one pandas builds from the rows,
across chunk boundaries, with the dtypes users see."""

from __future__ import annotations

import math
from typing import get_type_hints

import numpy as np
import pandas as pd

from journeysim.journey.records import ABANDONED, CHUNK_ROWS, PAYMENTS, VisitLog, VisitRecord

FIELDS = get_type_hints(VisitRecord)
TEXTS = [name for name, kind in FIELDS.items() if kind is str]


def record(i: int) -> VisitRecord:
    """A row whose every value depends on i (so misplaced rows or columns show)."""
    values = []
    for name, kind in FIELDS.items():
        if kind is bool:
            values.append((i + len(name)) % 3 == 0)
        elif kind is str:
            values.append(("", "balk", "card")[(i + len(name)) % 3])
        elif kind is int:
            values.append(i * 7 + len(name))
        else:
            values.append(math.nan if i % 11 == 0 else i / 8 + len(name))
    return VisitRecord._make(values)


def test_table_equals_the_rows_across_chunks():
    rows = [record(i) for i in range(2 * CHUNK_ROWS + 5)]
    log = VisitLog()
    for row in rows:
        log.append(row)
    table = log.table(["card", "other"])
    expected = pd.DataFrame.from_records(rows, columns=VisitRecord._fields)
    as_texts = table.astype({name: object for name in TEXTS})
    pd.testing.assert_frame_equal(as_texts, expected)
    kinds = {int: np.int64, float: np.float64, bool: np.bool_, str: "category"}
    for name, kind in FIELDS.items():
        assert table[name].dtype == kinds[kind], name


def test_the_texts_are_categories_of_the_vocabularies_then_the_values_met():
    """The categories start with the given segments, ABANDONED and PAYMENTS (so that every
    replication's table has the same ones, and stacked tables stay categories), then any other
    value in the order met."""
    log = VisitLog()
    for i in range(3):
        log.append(record(i))
    table = log.table(["card", "other"])
    assert TEXTS == ["segment", "abandoned", "payment"]
    met = [record(i).segment for i in range(3)]  # "" "balk" "card" in some order
    others = [v for v in dict.fromkeys(met) if v not in ("card", "other")]
    assert table["segment"].cat.categories.tolist() == ["card", "other", *others]
    assert table["abandoned"].cat.categories.tolist() == [*ABANDONED, "card"]
    assert table["payment"].cat.categories.tolist() == [*PAYMENTS, "balk"]
    assert table["segment"].tolist() == met


def test_an_empty_log_has_typed_empty_columns():
    table = VisitLog().table()
    assert list(table.columns) == list(VisitRecord._fields)
    assert len(table) == 0
    assert table["revenue"].dtype == np.float64
    assert table["till"].dtype == np.int64
    assert table["abandoned"].cat.categories.tolist() == list(ABANDONED)
    assert table["payment"].cat.categories.tolist() == list(PAYMENTS)
    assert table["segment"].dtype == "category"
