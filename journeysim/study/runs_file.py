"""runs.csv of a sweep: one tidy row per finished run, appended and synced to disk at once, so a
killed sweep loses at most the line being written; read back on resume to skip what is done."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from journeysim.files import exclusive, write_text
from journeysim.study.designs import DesignError

RunKey = tuple[int, int]  # (point, replication)


def csv_line(values: Sequence) -> str:
    """One CSV line; floats as repr, so they load back exactly."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


class RunsFile:
    """A CSV file whose rows are keyed by (point, replication) in the given columns; rows whose
    `status` column (if any) says `failed` do not count as done."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = Path(path)
        self.header = csv_line(columns)
        self._width = len(columns)
        self._point = columns.index("point")
        self._replication = columns.index("replication")
        self._status = columns.index("status") if "status" in columns else None

    def done(self) -> set[RunKey]:
        """Keys of the complete rows written so far (a torn last line has no newline yet),
        but for runs whose latest row has the status `failed`: those are to be run again."""
        if not self.path.exists():
            return set()
        lines = self._lines(self._complete())
        if lines and lines[0] != self.header:
            raise DesignError(
                f"{self.path}: its columns differ from this sweep's; remove the folder or choose "
                "another --name"
            )
        rows = self._rows(lines[1:])
        return {key for key, line in rows.items() if not self._failed(line)}

    @contextmanager
    def appending(self) -> Iterator[Callable[[Sequence], None]]:
        """A function that appends one row and syncs it to disk. One writer at a time; a torn
        last line left by a killed writer is cut off first."""
        busy = DesignError(f"{self.path}: another sweep is writing to it")
        with exclusive(self.path, busy) as handle:
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
        return pd.read_csv(io.StringIO(text))

    def _complete(self) -> bytes:
        """The file's bytes up to the end of its last complete line."""
        data = self.path.read_bytes()
        return data[: data.rfind(b"\n") + 1]

    def _rows(self, lines: list[str]) -> dict[RunKey, str]:
        """Lines by key: the first of any duplicates kept, unless it failed and a later one
        did not (a failed run run again)."""
        rows: dict[RunKey, str] = {}
        for number, (line, fields) in enumerate(zip(lines, csv.reader(lines)), start=2):
            key = self._key(fields)
            if key is None:
                raise self._unreadable(
                    f"line {number} is not a row of this sweep (a row has {self._width} fields, "
                    f"whole numbers for point and replication; it has {len(fields)})"
                )
            if key not in rows or self._failed(rows[key]):
                rows[key] = line
        return rows

    def _key(self, fields: list[str]) -> RunKey | None:
        """The row's (point, replication), or None for a row not of this file's columns."""
        if len(fields) != self._width:
            return None
        try:
            return int(fields[self._point]), int(fields[self._replication])
        except ValueError:
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
