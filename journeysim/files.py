"""Writing result files atomically: a temporary file in the same folder, then a rename; files get
the permissions of any new file under the user's umask. A whole results folder is replaced the
same way (`replaced_folder`), under a lock that one process holds at a time (`exclusive`)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


MAX_NAME = 100  # characters of an experiment's name (a folder's name: file systems take 255)
# UTF-8 bytes of a results folder's name, several names joined for compare: with the lock file
# beside it (`.NAME.lock`), within the 255 bytes file systems take
MAX_FOLDER = 200
NAME_MAX = 255  # bytes of a file's or folder's name most file systems take


def name_problem(name: str) -> str | None:
    """Why `name` cannot name an experiment and its folder (None when it can). It needs a letter
    or digit, of any script: `folder_name` would leave '.', '..' or '_' one folder (`sweep-`)
    for all."""
    if not name.strip() or not name.isprintable() or len(name) > MAX_NAME:
        shown = f"{len(name)} characters" if len(name) > MAX_NAME else repr(name)
        return f"expected one line of 1 to {MAX_NAME} characters (got {shown})"
    if not re.search(r"[^\W_]", name):
        return f"expected a name with a letter or digit for its folder (got {name!r})"
    return None


def folder_name(name: str) -> str:
    """A file-system-safe folder name for a scenario or experiment name: its letters and digits
    of any script, `_`, `.` and `-`, every other run of characters one `_`. One longer than
    MAX_FOLDER bytes is cut short and ends in a hash of the whole name, which keeps it apart."""
    safe = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", name)).strip("._") or "scenario"
    encoded = safe.encode("utf-8")
    if len(encoded) <= MAX_FOLDER:
        return safe
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    kept = encoded[: MAX_FOLDER - len(digest) - 1].decode("utf-8", errors="ignore")
    return f"{kept}-{digest}"


def distinct_names(names: Sequence[str]) -> list[str]:
    """`names` with each repeat numbered -2, -3, ..., skipping a number that names another
    scenario (a, a, a-2 give a, a-3, a-2)."""
    given, distinct = set(names), []
    for name in names:
        unique, number = name, 1
        while unique in distinct or (unique != name and unique in given):
            number += 1
            unique = f"{name}-{number}"
        distinct.append(unique)
    return distinct


def scenario_files(names: Sequence[str]) -> list[str]:
    """The file name of each scenario's resolved YAML in a study's folder: its `folder_name`
    (a name may hold a '/' or be too long for a file), numbered apart where two come to the
    same one."""
    return [f"{name}.yaml" for name in distinct_names([folder_name(n) for n in names])]


def not_regular(path: Path) -> str | None:
    """What `path` is when it exists but is no regular file to read ("a folder", "not a
    regular file": a device, pipe or socket, where a named pipe would wait for a writer for
    ever, or "a loop of symbolic links"), else None."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:  # missing, or a name too long to look up: reading it says why
        return "a loop of symbolic links" if error.errno == errno.ELOOP else None
    if stat.S_ISREG(mode):
        return None
    return "a folder" if stat.S_ISDIR(mode) else "not a regular file"


def capped_text(path: Path, limit: int) -> str | None:
    """The UTF-8 text of the file `path`, None when it is longer than `limit` bytes (read no
    further); OSError and UnicodeDecodeError as they come."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    return None if len(data) > limit else data.decode("utf-8")


def unread(path: str | os.PathLike[str], error: OSError | UnicodeDecodeError, what: str) -> str:
    """The one line saying why `path` could not be read as `what` ("the file"): "PATH: cannot
    read the file (Permission denied)", or, for bytes that are not UTF-8 (a file saved as
    Latin-1 or Windows-1250), on which line: "PATH: line 97: not UTF-8 text (byte 0xe9); save
    the file as UTF-8"."""
    if isinstance(error, OSError):
        return f"{path}: cannot read {what} ({error.strerror or error})"
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as bad:
                byte = f"byte 0x{line[bad.start]:02x}"
                return f"{path}: line {number}: not UTF-8 text ({byte}); save the file as UTF-8"
    return f"{path}: cannot read {what} (not UTF-8 text); save the file as UTF-8"


def no_file(path: Path) -> str | None:
    """Why `path` names no regular file to read ("does not exist", "is a folder", "cannot be
    looked up: File name too long"), else None."""
    try:
        if path.is_file():
            return None
    except OSError as error:  # a name too long to look up, a folder that may not be searched
        return f"cannot be looked up: {error.strerror}"
    kind = not_regular(path)
    return f"is {kind}" if kind else "does not exist"


def real_path(path: Path) -> Path:
    """`path` with its links followed, as `Path.resolve()` gives it, where a loop of symbolic
    links stays a path (which reading then refuses) rather than raising RuntimeError."""
    return Path(os.path.realpath(path))


# Why "~" names no folder: HOME unset, and a user the password database does not know (a
# container run with --user 12345, some batch systems).
NO_HOME = "HOME is not set, and the user has no home folder"


def home_expanded(text: str) -> Path:
    """Path `text`, a leading ~ or ~USER taken as that home folder, as the shell takes it;
    ValueError saying why where there is none to find (where Path.expanduser raises
    RuntimeError): "HOME is not set, and the user has no home folder", "there is no user bob"."""
    path = Path(text)
    try:
        return path.expanduser()
    except RuntimeError:
        user = path.parts[0][1:]
        raise ValueError(f"there is no user {user}" if user else NO_HOME) from None


# What a device, named pipe or socket is to someone naming an output file: writing the result in
# its place would replace it (/dev/full by a file), and opening a pipe would wait for a reader.
NOT_REGULAR = "not a regular file (a device, pipe or socket)"


def name_too_long(names: Iterable[str]) -> str | None:
    """What is wrong with the first of `names` too long for a file system, if one is."""
    for name in names:
        size = len(os.fsencode(name))
        if size > NAME_MAX:
            return f"{name[:24]}... is a name of {size} bytes; expected at most {NAME_MAX}"
    return None


def unwritable(folder: Path, files: Sequence[str] = ()) -> str | None:
    """Why result files cannot be written in `folder` (None when they can): the nearest of it
    and its parents that exists is a file or refuses a trial file (else the folder can be made),
    or one of `files` in it is a folder, not a regular file, or a file that cannot be opened for
    writing (as a sweep's runs.csv, which grows run by run); a name ending in "/" names a
    folder for files, refused when it is a file or takes no new files. Trials, not the
    permission bits, decide: root may write anywhere by them, yet not in /proc or on a
    read-only mount."""
    too_long = name_too_long((*folder.parts, *files))
    if too_long:
        return too_long
    existing = folder
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():
            dangling = f"a link to {os.readlink(existing)}, which does not exist"
            return f"{existing} is {not_regular(existing) or dangling}"
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file; expected a folder"
    try:
        tempfile.TemporaryFile(dir=existing).close()
    except PermissionError:
        return f"no permission to write in {existing}{os.sep}"
    except OSError as error:
        return f"{existing}{os.sep} refuses new files: {error.strerror or error}"
    for name in files:
        path = folder / name
        if name.endswith("/"):
            if path.is_dir():
                return unwritable(path)
            if path.exists() or path.is_symlink():
                return f"{path} is a file; expected a folder"
            continue
        if path.is_dir():
            return f"{path} is a folder; expected a file"
        if path.exists() and not path.is_file():
            return f"{path} is {NOT_REGULAR}; expected a file"
        error = write_error(path) if path.exists() else None
        if isinstance(error, PermissionError):
            return f"no permission to write {path}"
        if error is not None:
            return f"{path} cannot be written: {error.strerror or error}"
    return None


def write_error(path: Path) -> OSError | None:
    """What opening the existing file `path` for writing raises (None when it opens): opened
    to append, and closed at once, it is left as it was."""
    try:
        open(path, "ab").close()
    except OSError as error:
        return error
    return None


def current_umask() -> int:
    """The process's umask (reading it means setting it: it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes | memoryview) -> None:
    """Write `data` to `path` atomically (see `write_with`)."""
    write_with(path, lambda handle: handle.write(data))


def write_with(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write `path` atomically, `write` filling the temporary file's handle; an OSError names
    `path` (not the temporary file). A `path` that is a symbolic link stays one: the file it
    points to is written."""
    path = Path(path)
    try:
        _write_atomically(_target(path), write)
    except OSError as error:
        raise OSError(error.errno, error.strerror or str(error), str(path)) from error


def _write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp makes 0600; files follow the umask
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Rows of a Parquet file's row group: a table is turned into Arrow (a copy) one group at a time,
# not a whole million visits at once.
PARQUET_ROWS = 131_072


def write_table(path: Path, table: pd.DataFrame) -> None:
    """CSV, or Parquet when the path ends in .parquet (streamed to the file a row group at a
    time: a million visits' file is not held in memory whole)."""
    if Path(path).suffix == ".parquet":
        write_with(path, lambda handle: _write_parquet(table, handle))
    else:
        write_text(path, table.to_csv(index=False, lineterminator="\n"))


def _write_parquet(table: pd.DataFrame, handle: IO[bytes]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = pa.Table.from_pandas(table.iloc[:PARQUET_ROWS], preserve_index=False)
    with pq.ParquetWriter(handle, first.schema) as writer:
        writer.write_table(first)
        del first
        for start in range(PARQUET_ROWS, len(table), PARQUET_ROWS):
            part = table.iloc[start : start + PARQUET_ROWS]
            writer.write_table(
                pa.Table.from_pandas(part, schema=writer.schema, preserve_index=False)
            )


def parquet_available() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def exclusive(path: Path, busy: Exception | None, mode: str = "a") -> Iterator[IO[str]]:
    """Open `path` (made if missing) and hold its exclusive lock in the block; raise `busy`,
    without waiting, when another process holds it (with `busy` None, wait for it), and an
    OSError naming `path` on a file system that takes no locks. The lock dies with the process,
    even by `kill -9`, so a lock left behind never blocks."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, mode, encoding="utf-8", newline="") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if busy is None else fcntl.LOCK_NB))
        except BlockingIOError:
            raise busy from None
        except OSError as error:  # a file system without locks (Lustre without -o flock, NFS)
            said = f"cannot lock the file ({error.strerror}): expected a file system with locks"
            raise OSError(error.errno, said, str(path)) from None
        yield handle


def folder_lock(folder: Path) -> Path:
    """The lock file of a results folder: beside it, as the folder itself gets replaced."""
    return folder.with_name(f".{folder.name}.lock")


@contextmanager
def replaced_folder(folder: Path, carried: Callable[[str], bool]) -> Iterator[Path]:
    """A fresh folder beside `folder` to write a whole set of results into; when the block ends
    without error it takes the place of `folder`, whose old results go. So `folder` always
    holds one complete set: a process killed at any moment leaves the old one (and a leftover
    that the next call removes). Entries of the old folder whose name `carried` accepts
    (files put there by the user or another command, also while the block ran) are linked
    into the new one at the end, but for temporary files a killed writer left. A `folder` that
    is a symbolic link keeps pointing to the new results; the new folder has the old one's
    group and permissions.
    Call it holding `folder_lock(folder)`."""
    folder = _target(folder)
    staging, retired = _staging(folder), _retired(folder)
    recover_folder(folder)
    staging.mkdir(parents=True)
    try:
        if folder.is_dir():
            _same_access(folder, staging)
        yield staging
        if folder.is_dir():  # the user's files as they are now, also those added meanwhile
            written = {entry.name for entry in staging.iterdir()}
            for entry in folder.iterdir():
                name = entry.name
                if carried(name) and name not in written and not _TEMPORARY.fullmatch(name):
                    _link_or_copy(entry, staging / name)
        if folder.exists():
            folder.rename(retired)
        staging.rename(folder)
        _sync_folder(folder.parent)
    except OSError as error:
        recover_folder(folder)
        named = str(error.filename or "")
        if not named.startswith(str(staging)):
            raise
        # name the file as the user knows it, not its place in the unfinished folder
        raise OSError(
            error.errno, error.strerror, str(folder) + named[len(str(staging)) :]
        ) from None
    except BaseException:
        recover_folder(folder)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def recover_folder(folder: Path) -> None:
    """Undo what a killed `replaced_folder` left beside `folder`: its old results back in place
    if they were moved aside and not replaced, the unfinished new ones removed."""
    folder = _target(folder)
    staging, retired = _staging(folder), _retired(folder)
    if retired.is_dir() and not retired.is_symlink() and not folder.exists():
        retired.rename(folder)
    _remove(retired)
    _remove(staging)


def _remove(path: Path) -> None:
    """Remove a leftover at one of `replaced_folder`'s own names, whatever it is."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# The temporary files of `write_bytes` (mkstemp's names), left behind only by a killed process.
_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def _target(path: Path) -> Path:
    """The folder or file itself, or where it points when it is a symbolic link (so that the
    link's target gets the new results and the link stays)."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _same_access(folder: Path, staging: Path) -> None:
    """Give `staging` the group and permissions of the `folder` it will replace (e.g. a team's
    setgid folder, whose group new files then inherit), as far as the user may."""
    info = folder.stat()
    with contextlib.suppress(OSError):  # a group the user is not in
        os.chown(staging, -1, info.st_gid)
    os.chmod(staging, stat.S_IMODE(info.st_mode))


def _staging(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.new")


def _retired(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.old")


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (a copy where links are not possible) of a file, or of a folder's files."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True, copy_function=link)
    elif source.is_symlink():
        os.symlink(os.readlink(source), target)
    else:
        link(str(source), str(target))


def _sync_folder(folder: Path) -> None:
    """Make the renames in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
