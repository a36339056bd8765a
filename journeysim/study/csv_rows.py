"""CSV files read strictly, a header line and then a row a line (parameter sets, receipts):
each problem in one line naming the file and, where it can, the line."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

from journeysim.files import not_regular, unread


def read_rows(
    path: str | os.PathLike[str], header: str, error: Callable[[str], Exception]
) -> tuple[list[str], list[list[str]], list[int]]:
    """The header's names (stripped), the rows that hold a value, each as many fields as the
    header, and the line each starts on. `header` says what the first line is expected to be;
    `error(text)` is raised for a problem. Read strictly: an unclosed quote is an error, not
    the rest of the file in one cell."""
    kind = not_regular(Path(path))
    if kind:
        raise error(f"{path}: expected a CSV file (it is {kind})")
    start = 1  # the line the row being read starts on
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            names = [name.strip() for name in next(reader, [])]
            if names in ([], [""]):  # else its rows are refused as having too many fields
                got = "an empty line" if reader.line_num else "an empty file"
                raise error(f"{path}: line 1: expected {header} (got {got})")
            rows, lines = [], []
            start = reader.line_num + 1
            for row in reader:
                start = reader.line_num + 1  # the next row's
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(names):
                    raise error(
                        f"{path}: line {reader.line_num}: expected {len(names)} fields as in the "
                        f"header (got {len(row)})"
                    )
                rows.append(row)
                lines.append(reader.line_num)
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except csv.Error as refused:
        raise error(f"{path}: line {start}: {_problem(refused)}") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise error(unread(path, problem, "the file as CSV")) from None
    return names, rows, lines


def _problem(error: csv.Error) -> str:
    """What is wrong with a row that the csv module refuses, said from the line it starts on."""
    if str(error) == "unexpected end of data":  # the file ends inside a quoted cell
        return "expected a quote closing the one that opens a cell here (got the end of the file)"
    return f"cannot read the line as CSV ({error})"
