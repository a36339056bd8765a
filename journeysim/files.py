"""Writing result files atomically: a temporary file in the same folder, then a rename; files get
the permissions of any new file under the user's umask."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def folder_name(name: str) -> str:
    """A file-system-safe folder name for a scenario or experiment name."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")
    return safe or "scenario"


def unwritable(folder: Path, files: Sequence[str] = ()) -> str | None:
    """Why result files cannot be written in `folder` (None when they can): the nearest of it
    and its parents that exists is a file or not writable (else the folder can be made), or
    one of `files` in it is a folder."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file; expected a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"no permission to write in {existing}{os.sep}"
    for name in files:
        if (folder / name).is_dir():
            return f"{folder / name} is a folder; expected a file"
    return None


def current_umask() -> int:
    """The process's umask (reading it means setting it: it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically; an OSError names `path` (not the temporary file)."""
    path = Path(path)
    try:
        _write_bytes(path, data)
    except OSError as error:
        raise OSError(error.errno, error.strerror or str(error), str(path)) from error


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp makes 0600; files follow the umask
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(path: Path, table: pd.DataFrame) -> None:
    """CSV, or Parquet when the path ends in .parquet."""
    if Path(path).suffix == ".parquet":
        import io

        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        write_bytes(path, buffer.getvalue())
    else:
        write_text(path, table.to_csv(index=False, lineterminator="\n"))


def parquet_available() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True
