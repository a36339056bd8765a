"""The journeysim command line: argument parsing and printing, one module per command."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, NoReturn, TextIO

from journeysim.cli.options import UsageError, WritingInterrupted, expected, problem_lines
from journeysim.compiled import warn_if_stale
from journeysim.errors import InputError, closest, did_you_mean
from journeysim.interrupts import caused_by_ctrl_c
from journeysim.logs import log_at
from journeysim.machine import MachineWarning
from journeysim.simulation.failures import ReplicationFailed

# The commands that keep what they finished when interrupted, and what they keep.
RESUMED = {"sweep": "runs", "optimise": "trials", "calibrate": "trials"}


def main(argv: list[str] | None = None) -> int:
    stdout = sys.stdout
    sys.stdout = _StandardOutput(stdout)
    try:
        with _matplotlib_as_needed(), _standard_error():
            return _command(argv)
    except _OutputFailed as failed:
        return _output_failed(failed.error, stdout)
    finally:
        sys.stdout = stdout


@contextmanager
def _matplotlib_as_needed() -> Iterator[None]:
    """Keep matplotlib, in the block, from speaking or failing for what journeysim does not
    use. Its figures are drawn without pyplot, so the backend goes unused; yet matplotlib
    refuses to load under an MPLBACKEND it does not know ('bogus', or one of another version)
    with a ValueError: a given MPLBACKEND is set to one it knows. Under a HOME it cannot write
    in, it keeps its settings and font list in a temporary folder, which its log would tell in
    two lines of its own ('mkdir -p failed for path ...', 'Matplotlib created a temporary cache
    directory ...'): its log shows errors only. Both are restored after the block, for a
    process (a notebook) that goes on to use them."""
    backend = os.environ.get("MPLBACKEND")
    if backend:
        os.environ["MPLBACKEND"] = "agg"
    try:
        with log_at("matplotlib", logging.ERROR):
            yield
    finally:
        if backend:
            os.environ["MPLBACKEND"] = backend


@contextmanager
def _standard_error() -> Iterator[None]:
    """sys.stderr in the block as a `_StandardError`; /dev/null when standard error is closed
    (`journeysim ... 2>&-`, and Python has none), which then takes its descriptor, 2."""
    stderr = sys.stderr
    with open(os.devnull, "w", encoding="utf-8") as nowhere:
        sys.stderr = _StandardError(stderr or nowhere, nowhere)
        try:
            yield
        finally:
            sys.stderr = stderr


class _StandardError:
    """sys.stderr while journeysim runs: once it takes no more (`journeysim ... 2>&1
    >/dev/null | head -1` closed its pipe, or the terminal is gone), what the command says there
    (a refusal, its warnings, the progress bar) goes `nowhere` rather than end the command
    before it writes its results, or go to standard output."""

    def __init__(self, stream: TextIO, nowhere: TextIO) -> None:
        self._stream, self._nowhere = stream, nowhere

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError:
            self._stream = self._nowhere
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError:
            self._stream = self._nowhere

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _command(argv: list[str] | None) -> int:
    """Run the command `argv` asks for; its exit code."""
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
    finally:  # what --help and --version printed, before they exit
        sys.stdout.flush()
    if unknown:
        _refuse_unknown(parser, args.command, unknown)
    terminated = _Terminated()
    try:
        with warnings.catch_warnings(), terminated.handled():
            shown = _OneLineWarnings()
            warnings.showwarning = shown
            args.warned = shown.about_results  # for the command's report
            warn_if_stale()
            code = args.handler(args)
        sys.stdout.flush()  # now, not at Python's exit, which would fail with a traceback
        return code
    except InputError as error:  # a scenario with several problems: one line each
        print(problem_lines(args.command, error), file=sys.stderr)
        return 2
    except UsageError as error:
        print(error.line(args.command), file=sys.stderr)
        return 2
    except ReplicationFailed as error:
        print(f"journeysim: {error}", file=sys.stderr)
        return 1
    except WritingInterrupted as interrupted:
        print(
            f"journeysim: {terminated.what} while writing {interrupted.folder}; it may be "
            "incomplete",
            file=sys.stderr,
        )
        return terminated.code
    except KeyboardInterrupt:
        return _interrupted(args.command, terminated)
    except MemoryError:  # e.g. while writing or drawing a large run's results
        print("journeysim: out of memory", file=sys.stderr)
        return 1
    except OSError as error:  # e.g. a full disk while writing results
        where = f"{error.filename}: " if error.filename else ""
        print(f"journeysim: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    except Exception as error:
        if not caused_by_ctrl_c(error):
            raise
        return _interrupted(args.command, terminated)


class _OutputFailed(Exception):
    """A write to standard output failed with `error`; not an OSError, which argparse's
    `--help` would swallow and the command would take for a file's."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


class _StandardOutput:
    """sys.stdout while journeysim runs, whose failed writes raise _OutputFailed (with
    Python unbuffered, each print fails where it writes, not at the closing flush), and which
    escapes what its encoding cannot write (`_escaping`)."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream  # None: standard output is closed (`journeysim ... >&-`)

    def write(self, text: str) -> int:
        stream = self._open()
        try:
            return _escaping(stream, text)
        except OSError as error:
            raise _OutputFailed(error) from error

    def flush(self) -> None:
        stream = self._open()
        try:
            stream.flush()
        except OSError as error:
            raise _OutputFailed(error) from error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._open(), name)

    def _open(self) -> TextIO:
        if self._stream is None:
            raise _OutputFailed(OSError(errno.EBADF, os.strerror(errno.EBADF)))
        return self._stream


def _escaping(stream: TextIO, text: str) -> int:
    """Write `text` to `stream`, a character its encoding lacks (PYTHONIOENCODING=ascii, and a
    scenario named 'Łódź') as Python's escape, as Python writes standard error: '\\u0141'."""
    try:
        return stream.write(text)
    except UnicodeEncodeError:
        escaped = text.encode(stream.encoding, "backslashreplace").decode(stream.encoding)
        return stream.write(escaped)


def _output_failed(error: OSError, stdout: TextIO | None) -> int:
    """Standard output (`stdout`) took no more (`| head` closed it, or the disk it goes to is
    full): say so, unless a pipe was closed on purpose (what the command wrote to files
    stands), and let what is left go nowhere rather than fail again at Python's exit."""
    if not isinstance(error, BrokenPipeError):
        said = error.strerror or error
        print(f"journeysim: cannot write to standard output: {said}", file=sys.stderr)
    if stdout is not None:
        with suppress(OSError, ValueError):  # (no file behind a test's capture)
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
    return 1


def _interrupted(command: str, terminated: _Terminated) -> int:
    """Say what an interrupted `command` kept; its exit code."""
    kept = RESUMED.get(command)
    said = f"finished {kept} are kept; the same command resumes" if kept else "nothing written"
    print(f"journeysim: {terminated.what}; {said}", file=sys.stderr)
    return terminated.code


class _Terminated:
    """SIGTERM (`kill`, a batch system's time limit) taken as a Ctrl-C by whatever handles
    Ctrl-C at that moment, so that the same path stops the workers and leaves no unfinished
    results; `what` and `code` say which of the two stopped the command."""

    def __init__(self) -> None:
        self.received = False

    @property
    def what(self) -> str:
        return "terminated" if self.received else "interrupted"

    @property
    def code(self) -> int:
        """The shell's exit code of a command ended by the signal: 143 or 130."""
        return 128 + (signal.SIGTERM if self.received else signal.SIGINT)

    @contextmanager
    def handled(self) -> Iterator[None]:
        """Handle SIGTERM so while inside (only in the main thread, where Python may)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.signal(signal.SIGTERM, self._received)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)

    def _received(self, signum: int, frame: object) -> None:
        self.received = True
        ctrl_c = signal.getsignal(signal.SIGINT)
        if not callable(ctrl_c):  # Ctrl-C ignored, as in a shell's background job
            raise KeyboardInterrupt
        ctrl_c(signum, frame)  # SIGTERM: a handler that ignores Ctrl-C can tell it apart


class _OneLineWarnings:
    """Shows journeysim's warnings as one line on stderr, each text once a command (a study
    loads its scenario more than once), and others as Python shows them; `about_results`
    keeps the texts of those about the results (not a MachineWarning), in order, which the
    command's report repeats."""

    def __init__(self) -> None:
        self.shown: set[str] = set()
        self.about_results: list[str] = []

    def __call__(self, message, category, filename, lineno, file=None, line=None) -> None:
        if not category.__module__.startswith("journeysim."):
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
        elif str(message) not in self.shown:
            self.shown.add(str(message))
            if not issubclass(category, MachineWarning):
                self.about_results.append(str(message))
            from tqdm import tqdm  # loaded once a warning is shown, not at start-up

            # on a line of its own, above a progress bar being shown (then drawn again)
            tqdm.write(f"journeysim: warning: {message}", file=sys.stderr)


def _refuse_unknown(parser: argparse.ArgumentParser, name: str, unknown: list[str]) -> NoReturn:
    """Exit 2 naming the command given arguments it does not know, and the option the first
    may have meant ("journeysim run: error: unrecognized arguments: --dyas 30; did you mean
    '--days'?")."""
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    command = commands.choices[name]
    options = [option for action in command._actions for option in action.option_strings]
    first = unknown[0].split("=")[0]
    # Compared without their dashes, which every option shares ("--bogus" is not "--out").
    names = {option.lstrip("-"): option for option in options if option.startswith("--")}
    meant = closest(first.lstrip("-"), names) if first.startswith("--") else None
    hint = f"; did you mean '{names[meant]}'?" if meant else ""
    command.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")


class OneLineParser(argparse.ArgumentParser):
    """argparse's parser (and its commands', which take its class) with usage errors in one
    line instead of the usage block above the error (`--help` shows the usage), and a value
    that is not one of the choices refused as journeysim refuses values, with the closest."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")

    def _check_value(self, action: argparse.Action, value: object) -> None:
        """argparse's check of a value (a command, or an option's) against the choices."""
        if action.choices is None or value in action.choices:
            return
        choices = [str(choice) for choice in action.choices]
        wanted = expected(f"one of {', '.join(choices)}", value)
        raise argparse.ArgumentError(action, wanted + did_you_mean(str(value), choices))


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="journeysim",
        description="Simulate the retail customer journey and its effect on loyalty.",
    )
    parser.add_argument("--version", action=_Version, help="print journeysim's version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from journeysim.cli import (
        calibrate,
        compare,
        fit_receipts,
        optimise,
        replay,
        run,
        scenario,
        select,
        sweep,
        trace,
    )

    for command in (
        run,
        compare,
        select,
        sweep,
        optimise,
        calibrate,
        scenario,
        trace,
        replay,
        fit_receipts,
    ):
        command.register(commands)
    return parser


class _Version(argparse.Action):
    """`--version`: the installed journeysim's version (read only when asked, for a quick
    start), or the source tree's when it is not installed, and whether its hot path runs
    compiled."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from journeysim.compiled import runs_compiled
        from journeysim.manifest import journeysim_version

        build = "compiled" if runs_compiled() else "pure Python"
        print(f"journeysim {journeysim_version()} ({build})")
        parser.exit()
