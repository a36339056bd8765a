"""runs.csv of a sweep: one tidy row per finished run, appended and synced to disk at once, so a
killed sweep loses at most the line being written; read back on resume to skip what is done."""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from journeysim.files import exclusive, write_text
from journeysim.study.designs import DesignError

RunKey = tuple[int, int]  # (point, replication)
_WHOLE = re.compile(r"[0-9]+")


def csv_line(values: Sequence) -> str:
    """One CSV line; floats as repr, so they load back exactly, but NaN as an empty field, as
    the other tables write it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        "" if isinstance(value, float) and math.isnan(value) else value for value in values
    )
    return buffer.getvalue()


class RunsFile:
    """A CSV file whose rows are keyed by (point, replication) in the given columns; rows whose
    `status` column (if any) says `failed` do not count as done. Given `points` (each point's
    values of the columns between `point` and `replication`), a row of another point or with
    other values is refused, and so is one with text in a column of `numbers` or a status
    neither `ok` nor `failed`. Given `last_from`, a file or row written before the last column
    was added is read too, each such row taking the value of column `last_from` for it (rows
    appended have the last column, and `finish` writes the file in the new form). `finish`
    reads the columns of `texts` as text, "" where empty (not NaN)."""

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        points: Sequence[Sequence[Any]] | None = None,
        numbers: Collection[str] = (),
        last_from: str | None = None,
        texts: Collection[str] = (),
    ) -> None:
        self.path = Path(path)
        self.header = csv_line(columns)
        self._older = csv_line(columns[:-1]) if last_from else None
        self._last_from = columns.index(last_from) if last_from else None
        self._columns = list(columns)
        self._texts = {column: str for column in texts}
        self._point = columns.index("point")
        self._replication = columns.index("replication")
        self._status = columns.index("status") if "status" in columns else None
        self._points = None if points is None else [_fields(values) for values in points]
        self._numbers = [columns.index(name) for name in numbers]

    def done(self) -> set[RunKey]:
        """Keys of the complete rows written so far (a torn last line has no newline yet),
        but for runs whose latest row has the status `failed`: those are to be run again."""
        if not self.path.exists():
            return set()
        lines = self._lines(self._complete())
        if lines and lines[0] not in (self.header, self._older):
            raise DesignError(
                f"{self.path}: its columns differ from this sweep's; remove the folder or give "
                "the sweep another name"
            )
        rows = self._rows(lines[1:])
        return {key for key, line in rows.items() if not self._failed(line)}

    @property
    def lock(self) -> Path:
        """The file whose lock `appending` holds: beside the file, as `finish` replaces it."""
        return self.path.with_suffix(".lock")

    @contextmanager
    def appending(self) -> Iterator[Callable[[Sequence], None]]:
        """A function that appends one row and syncs it to disk. One writer at a time, also
        while `finish` rewrites the file; a torn last line left by a killed writer is cut off
        first."""
        busy = DesignError(f"{self.path}: another sweep is writing to it")
        with (
            exclusive(self.lock, busy),
            open(self.path, "a", encoding="utf-8", newline="") as handle,
        ):
            os.truncate(self.path, len(self._complete()))
            if os.fstat(handle.fileno()).st_size == 0:
                handle.write(self.header)

            def append(values: Sequence) -> None:
                handle.write(csv_line(values))
                handle.flush()
                os.fsync(handle.fileno())

            yield append

    def finish(self) -> pd.DataFrame:
        """Rewrite the file atomically with one row per key in (point, replication) order, so
        the finished file is the same whatever the executor or interruptions; return it."""
        lines = self._lines(self.path.read_bytes())
        rows = self._rows(lines[1:])
        text = self.header + "".join(rows[key] for key in sorted(rows))
        write_text(self.path, text)
        return pd.read_csv(io.StringIO(text), converters=self._texts)

    def _complete(self) -> bytes:
        """The file's bytes up to the end of its last complete line."""
        data = self.path.read_bytes()
        return data[: data.rfind(b"\n") + 1]

    def _rows(self, lines: list[str]) -> dict[RunKey, str]:
        """Rows by key (a row written before the last column, with it added): the first of any
        duplicates kept, unless it failed and a later one did not (a failed run run again)."""
        rows: dict[RunKey, str] = {}
        for number, (line, fields) in enumerate(zip(lines, csv.reader(lines)), start=2):
            if self._last_from is not None and len(fields) == len(self._columns) - 1:
                fields.append(fields[self._last_from])
                line = csv_line(fields)
            reason = self._mismatch(fields)
            if reason:
                raise self._unreadable(f"line {number} is not a row of this sweep ({reason})")
            key = int(fields[self._point]), int(fields[self._replication])
            if key not in rows or self._failed(rows[key]):
                rows[key] = line
        return rows

    def _mismatch(self, fields: list[str]) -> str | None:
        """What a row's fields hold that a row of this file cannot, or None."""
        if len(fields) != len(self._columns):
            return f"expected {len(self._columns)} fields, it has {len(fields)}"
        point, replication = fields[self._point], fields[self._replication]
        if not (_WHOLE.fullmatch(point) and _WHOLE.fullmatch(replication)):
            return (
                "expected whole numbers for point and replication, it has "
                f"{point!r} and {replication!r}"
            )
        return self._other_point(int(point), fields) or self._text(fields)

    def _other_point(self, point: int, fields: list[str]) -> str | None:
        """How the row's point or values differ from the sweep's `points`, or None."""
        if self._points is None:
            return None
        if point >= len(self._points):
            return f"expected a point of the design, 0 to {len(self._points) - 1}, it has {point}"
        for index, value in enumerate(self._points[point], start=self._point + 1):
            if fields[index] != value:
                name = self._columns[index]
                return f"expected {name} {value} at point {point}, it has {fields[index]!r}"
        return None

    def _text(self, fields: list[str]) -> str | None:
        """Which of the row's number columns holds text, or its unknown status, or None."""
        for index in self._numbers:
            if not _is_number(fields[index]):
                name = self._columns[index]
                return f"expected a number or nothing for {name}, it has {fields[index]!r}"
        if self._status is not None and fields[self._status] not in ("ok", "failed"):
            return f"expected status ok or failed, it has {fields[self._status]!r}"
        return None

    def _lines(self, data: bytes) -> list[str]:
        """The file's lines (newlines kept) from its bytes."""
        try:
            return data.decode("utf-8").splitlines(keepends=True)
        except UnicodeDecodeError as error:
            number = data.count(b"\n", 0, error.start) + 1
            raise self._unreadable(f"line {number} is not UTF-8 text") from None

    def _unreadable(self, reason: str) -> DesignError:
        return DesignError(
            f"{self.path}: cannot read the finished runs: {reason}; mend or remove that line, "
            "or remove the folder to run the sweep afresh"
        )

    def _failed(self, line: str) -> bool:
        """Whether the row's `status` column (if there is one) says `failed`."""
        if self._status is None:
            return False
        fields = next(csv.reader([line]))
        return len(fields) > self._status and fields[self._status] == "failed"


def _fields(values: Sequence[Any]) -> list[str]:
    """The fields csv_line writes for `values`, as csv reads them back."""
    return next(csv.reader([csv_line(values)]))


def _is_number(field: str) -> bool:
    """Whether pandas reads the field as a number (as csv_line writes floats: repr, inf, nan)
    or as nothing."""
    try:
        float(field)
    except ValueError:
        return field == ""
    return "_" not in field  # Python's digit separators are not pandas'
