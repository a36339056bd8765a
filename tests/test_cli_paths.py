"""Where the commands write: an output path that cannot be written is refused with one line
naming it, exit 2, before anything is simulated; a write error at the end is one line, exit 1;
an unreadable manifest is named as such; Ctrl-C says what was kept; and the smaller promises of
the command line (help text, --version, animate's --frames and --out)."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import journeysim
from journeysim.cli import build_parser, main
from journeysim.errors import InputError
from journeysim.journey import shopper
from journeysim.simulation import measure, runner
from journeysim.simulation.replication import Simulation
from journeysim.study import receipt_reference

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
RECEIPTS = str(ROOT / "examples" / "receipts.csv")
SHORT = [
    *("--set", "arrivals.base_customers=200", "--set", "horizon.burn_in_days=0"),
    *("--set", "horizon.warmup_days=0", "--set", "horizon.days=2"),
]
RUN = [*SHORT, "--reps", "2", "--workers", "1", "--quiet", "--no-report"]
DECIDE = ["--decide", "checkout.cashiers=2:4", "--minimise", "wages_per_day", "--trials", "1"]
FREE = ["--free", "checkout.cashiers=2:4", "--target", "nps=30", "--trials", "2"]


def command_lines(out: str) -> dict[str, list[str]]:
    """Every command that writes, with `out` as its output folder or file stem."""
    return {
        "run": ["run", BASELINE, *RUN, "--out", out],
        "run --parameter-sets": [
            *("run", BASELINE, *RUN, "--out", out),
            *("--parameter-sets", str(ROOT / "examples" / "parameter_sets.csv")),
        ],
        "compare": ["compare", BASELINE, BASELINE, *RUN, "--out", out],
        "select": [  # select's first stage is at least 5 replications
            *("select", BASELINE, BASELINE, "--objective", "csat", *RUN, "--reps", "5"),
            *("--out", out),
        ],
        "sweep": ["sweep", BASELINE, "--vary", "checkout.cashiers=2,3", *RUN, "--out", out],
        "optimise": ["optimise", BASELINE, *DECIDE, *RUN, "--out", out],
        "calibrate": ["calibrate", BASELINE, *FREE, *RUN, "--out", out],
        "animate": ["animate", BASELINE, "--day", "1", *SHORT, "--out", f"{out}/floor.gif"],
        "replay": ["replay", BASELINE, "--day", "1", *SHORT, "--out", out],
        "fit-receipts": ["fit-receipts", RECEIPTS, "--out", f"{out}/store.yaml"],
        "schema": ["schema", "--out", f"{out}/schema.json"],
    }


def exit_code(argv: list[str]) -> int:
    """The exit code of `journeysim ARGV`, whether main returns it or argparse exits."""
    try:
        return main(argv)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else 1


@pytest.fixture
def no_simulation(monkeypatch) -> None:
    """Any simulation fails the test: the checks must come before it (all commands run it in
    this process: --workers 1)."""

    def simulated(*args, **kwargs):
        raise AssertionError("simulated before checking the output path")

    every_simulation(monkeypatch, simulated)


def every_simulation(monkeypatch, instead) -> None:
    """Every simulation the commands run calls `instead`. They reach it through `simulate`
    in the Python modules below, or, traced, by calling `Simulation.run` from Python (the
    compiled build's own calls of `run` go past a patch of its class)."""
    for module in (runner, measure, receipt_reference):
        monkeypatch.setattr(module, "simulate", instead)
    monkeypatch.setattr(Simulation, "run", instead)


def one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("command", list(command_lines("x")))
def test_an_output_path_under_a_file_is_refused_before_simulating(
    command: str, tmp_path: Path, capsys, no_simulation
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder\n")
    assert exit_code(command_lines(str(afile / "sub"))[command]) == 2
    err = one_line(capsys.readouterr().err)
    name = command.split()[0]
    assert err.startswith(f"journeysim {name}: error: argument --out: cannot write {afile / 'sub'}")
    assert f": {afile} is a file; expected a folder\n" in err
    assert afile.read_text() == "not a folder\n"


@pytest.mark.parametrize("command", list(command_lines("x")))
def test_an_output_path_through_a_dangling_link_is_refused_before_simulating(
    command: str, tmp_path: Path, capsys, no_simulation
) -> None:
    """A link to a missing folder ended the command after its runs, exit 1: "out: File
    exists"."""
    (tmp_path / "out").symlink_to(tmp_path / "gone")
    assert exit_code(command_lines(str(tmp_path / "out"))[command]) == 2
    err = one_line(capsys.readouterr().err)
    assert " error: argument --out: cannot write " in err
    assert err.endswith(
        f": {tmp_path / 'out'} is a link to {tmp_path / 'gone'}, which does not exist\n"
    )


def test_an_output_path_of_the_home_folder_is_written_there(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """`--out=~/x` (the shell leaves a ~ after '=' as it is) wrote into a folder named '~' in
    the current one."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert exit_code(["schema", "--out=~/x/schema.json"]) == 0
    assert (tmp_path / "home" / "x" / "schema.json").is_file()
    assert list((tmp_path / "here").iterdir()) == []


@pytest.mark.parametrize(
    ("out", "why"),
    [
        ("~journeysim-no-such-user/x", "there is no user journeysim-no-such-user"),
        ("~/x", "HOME is not set, and the user has no home folder"),
    ],
)
def test_an_output_path_of_a_home_folder_there_is_not_is_one_line(
    out: str, why: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    """`--out=~nobody/x` (a misspelt user), or `--out=~/x` with HOME unset and a user the
    password database does not know (a container run with --user 12345), ended the command in
    Path.expanduser's traceback ('RuntimeError: Could not determine home directory.')."""

    def unknown(uid: int):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.delenv("HOME")
    monkeypatch.setattr("pwd.getpwuid", unknown)
    monkeypatch.chdir(tmp_path)
    assert exit_code(["schema", f"--out={out}/schema.json"]) == 2
    assert one_line(capsys.readouterr().err) == (
        f"journeysim schema: error: argument --out: no home folder for the ~ of "
        f"'{out}/schema.json': {why}\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", list(command_lines("x")))
def test_an_output_path_through_a_loop_of_links_is_named_as_one(
    command: str, tmp_path: Path, capsys, no_simulation
) -> None:
    """A link to itself was named "a link to out, which does not exist"."""
    (tmp_path / "out").symlink_to("out")
    assert exit_code(command_lines(str(tmp_path / "out"))[command]) == 2
    err = one_line(capsys.readouterr().err)
    assert err.endswith(f": {tmp_path / 'out'} is a loop of symbolic links\n")


@pytest.mark.parametrize("command", list(command_lines("x")))
def test_an_output_name_too_long_for_a_file_system_is_refused_before_simulating(
    command: str, tmp_path: Path, capsys, no_simulation
) -> None:
    """A name of more than 255 bytes ended the command, exit 1: "File name too long"."""
    assert exit_code(command_lines(str(tmp_path / ("a" * 300)))[command]) == 2
    err = one_line(capsys.readouterr().err)
    assert " error: argument --out: cannot write " in err
    assert err.endswith(f": {'a' * 24}... is a name of 300 bytes; expected at most 255\n")


@pytest.mark.parametrize("command", list(command_lines("x")))
def test_an_empty_output_path_is_refused_before_simulating(
    command: str, tmp_path: Path, capsys, monkeypatch, no_simulation
) -> None:
    """`--out ""` was the current folder: run wrote ./baseline/, replay ./replay.html."""
    monkeypatch.chdir(tmp_path)
    argv = command_lines("x")[command]
    argv[argv.index("--out") + 1] = ""
    assert exit_code(argv) == 2
    err = one_line(capsys.readouterr().err)
    assert err.endswith(" error: argument --out: expected a path (got '')\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("command", list(command_lines("x")))
def test_a_folder_that_takes_no_files_is_refused_before_simulating(
    command: str, capsys, no_simulation
) -> None:
    """/proc takes no files, not even root's, whose permission bits would allow them."""
    assert exit_code(command_lines("/proc/journeysim")[command]) == 2
    err = one_line(capsys.readouterr().err)
    name = command.split()[0]
    assert f"journeysim {name}: error: argument --out: cannot write /proc/journeysim" in err
    assert "no permission to write in /proc/" in err or "/proc/ refuses new files:" in err


@pytest.mark.parametrize(
    "command, folder",
    [
        ("run", "baseline/manifest.json"),
        # the lock beside the results folder, and a study's own: exit 1, "Is a directory"
        ("run", ".baseline.lock"),
        ("optimise", "optimise-baseline-checkout.cashiers/study.lock"),
        ("calibrate", "calibrate-baseline-checkout.cashiers/study.lock"),
        ("sweep", "sweep-baseline-checkout.cashiers/manifest.json"),
        # written once the runs were done: exit 1, "runs.parquet: Is a directory"
        ("sweep", "sweep-baseline-checkout.cashiers/runs.parquet"),
        ("sweep", "sweep-baseline-checkout.cashiers/summary.csv"),
        # written once every trial was done: exit 1, "best.yaml: Is a directory"
        ("optimise", "optimise-baseline-checkout.cashiers/best.yaml"),
        ("optimise", "optimise-baseline-checkout.cashiers/trials.csv"),
        ("optimise", "optimise-baseline-checkout.cashiers/objective.png"),
        ("calibrate", "calibrate-baseline-checkout.cashiers/calibrated.yaml"),
        ("calibrate", "calibrate-baseline-checkout.cashiers/fit.csv"),
        ("calibrate", "calibrate-baseline-checkout.cashiers/fit.png"),
        ("animate", "floor.gif"),
        ("replay", "replay.html"),
        ("replay", "manifest.json"),
        ("fit-receipts", "store.yaml"),
        ("fit-receipts", "targets.yaml"),
        ("schema", "schema.json"),
    ],
)
def test_a_folder_where_a_file_goes_is_refused_before_simulating(
    command: str, folder: str, tmp_path: Path, capsys, no_simulation
) -> None:
    (tmp_path / folder).mkdir(parents=True)
    assert exit_code(command_lines(str(tmp_path))[command]) == 2
    err = one_line(capsys.readouterr().err)
    assert f"{tmp_path / folder} is a folder; expected a file" in err or (
        f"argument --out: cannot write {tmp_path / folder}: it is a folder; expected a file" in err
    )


@pytest.mark.parametrize("command", ["optimise", "calibrate"])
def test_a_folder_where_a_study_s_report_goes_is_refused_before_simulating(
    command: str, tmp_path: Path, capsys, no_simulation
) -> None:
    """A folder in place of report.html let every trial run, then exit 1 ("Is a directory")."""
    folder = tmp_path / f"{command}-baseline-checkout.cashiers"
    (folder / "report.html").mkdir(parents=True)
    argv = [arg for arg in command_lines(str(tmp_path))[command] if arg != "--no-report"]
    assert exit_code(argv) == 2
    err = one_line(capsys.readouterr().err)
    assert err.endswith(f": {folder / 'report.html'} is a folder; expected a file\n")
    assert [p.name for p in folder.iterdir()] == ["report.html"]  # nothing written


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize(
    "command, pipe",
    [
        ("animate", "floor.gif"),
        ("replay", "replay.html"),
        ("fit-receipts", "store.yaml"),
        ("schema", "schema.json"),
    ],
)
def test_a_pipe_where_a_file_goes_is_refused_and_kept(
    command: str, pipe: str, tmp_path: Path
) -> None:
    """The written file took the place of a pipe or device (as root, `schema --out /dev/full`
    left a regular file for /dev/full), and replay waited for ever to open the pipe."""
    os.mkfifo(tmp_path / pipe)
    argv = [sys.executable, "-m", "journeysim.cli", *command_lines(str(tmp_path))[command]]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "is not a regular file (a device, pipe or socket); expected a file\n" in one_line(
        done.stderr
    )
    assert (tmp_path / pipe).is_fifo()


def test_an_out_file_that_is_a_link_stays_a_link(tmp_path: Path) -> None:
    """The link was replaced by a file, and the file it pointed to kept its old text."""
    (tmp_path / "schema-v1.json").write_text("old\n")
    (tmp_path / "schema.json").symlink_to("schema-v1.json")
    assert main(command_lines(str(tmp_path))["schema"]) == 0
    assert (tmp_path / "schema.json").is_symlink()
    assert (tmp_path / "schema-v1.json").read_text().startswith("{")


def unprivileged(argv: list[str]) -> list[str]:
    """A command line that runs `journeysim ARGV` without root's right to write anywhere."""
    command = [sys.executable, "-m", "journeysim.cli", *argv]
    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("root writes into read-only folders, and setpriv is missing")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", "--bounding-set", caps, "--inh-caps", caps, *command]


@pytest.mark.parametrize("command", ["run", "sweep", "animate", "fit-receipts"])
def test_a_read_only_folder_is_refused(command: str, tmp_path: Path) -> None:
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JOURNEYSIM_CACHE": str(tmp_path / "cache")}
    argv = command_lines(str(read_only))[command]
    done = subprocess.run(unprivileged(argv), capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    err = one_line(done.stderr)
    assert f"error: argument --out: cannot write {read_only}" in err
    assert err.endswith(f": no permission to write in {read_only}{os.sep}\n")
    assert list(read_only.iterdir()) == []


def test_fit_receipts_reads_a_base_in_a_read_only_folder(tmp_path: Path) -> None:
    """--extends is only read: a base in a read-only folder was refused as not writable."""
    read_only = tmp_path / "ro"
    read_only.mkdir()
    # (a short history: a whole one, lived in the test's own cache, took a minute)
    (read_only / "base.yaml").write_text(f"extends: {BASELINE}\nhorizon: {{burn_in_days: 28}}\n")
    read_only.chmod(0o555)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JOURNEYSIM_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "s" / "store.yaml"
    argv = ["fit-receipts", RECEIPTS, "--out", str(out), "--extends", str(read_only / "base.yaml")]
    done = subprocess.run(unprivileged(argv), capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.is_file() and (out.parent / "targets.yaml").is_file()


def test_a_read_only_runs_file_stops_a_resumed_sweep_before_simulating(tmp_path: Path) -> None:
    """runs.csv grows run by run: read-only, the sweep resumed with more replications would
    fail after its first new run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JOURNEYSIM_CACHE": str(tmp_path / "cache")}
    argv = command_lines(str(tmp_path))["sweep"]
    first = [sys.executable, "-m", "journeysim.cli", *argv]
    assert subprocess.run(first, env=env, capture_output=True, timeout=120).returncode == 0
    runs = tmp_path / "sweep-baseline-checkout.cashiers" / "runs.csv"
    before = runs.read_bytes()
    runs.chmod(0o444)
    more = [*argv, "--reps", "3"]  # the last --reps counts: a run more at each point
    done = subprocess.run(unprivileged(more), capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr).endswith(
        f"sweep: error: argument --out: cannot write {runs.parent}{os.sep}: no permission to "
        f"write {runs}\n"
    )
    assert runs.read_bytes() == before


def test_a_write_error_at_the_end_is_one_line_naming_the_file(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    assert exit_code(command_lines(str(tmp_path))["run"]) == 1
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"journeysim: {tmp_path / 'baseline'}{os.sep}")
    assert err.endswith(f": {os.strerror(errno.ENOSPC)}\n") and ".tmp" not in err
    assert not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))


# JSON nested past Python's recursion: a RecursionError's traceback
DEEP_JSON = "[" * 100_000


@pytest.mark.parametrize("text", ["{broken", "[1, 2]", '{"seed": 1}', "\xff\xfe", DEEP_JSON])
def test_an_unreadable_manifest_is_named_and_force_replaces_it(
    text: str, tmp_path: Path, capsys
) -> None:
    manifest = tmp_path / "baseline" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_bytes(text.encode("latin-1"))
    run = command_lines(str(tmp_path))["run"]
    assert exit_code(run) == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"journeysim run: error: cannot read {manifest}: ")
    assert "--force" in err and "no --set overrides" not in err
    assert exit_code([*run, "--force"]) == 0
    assert '"overrides": [' in manifest.read_text()


@pytest.mark.parametrize("command", ["sweep", "optimise", "calibrate"])
@pytest.mark.parametrize("text", ["garbage", "[1, 2]", '{"seed": 1}', "\xff\xfe", DEEP_JSON])
def test_a_folder_whose_manifest_cannot_be_read_is_refused_by_a_resuming_command(
    command: str, text: str, tmp_path: Path, capsys, no_simulation
) -> None:
    """sweep, optimise and calibrate wrote their own manifest over it (sweep with a warning),
    losing what made the folder: refused as run refuses it, one line, exit 2, nothing written."""
    folder = tmp_path / f"{command}-baseline-checkout.cashiers"
    folder.mkdir()
    manifest = folder / "manifest.json"
    manifest.write_bytes(text.encode("latin-1"))
    assert exit_code(command_lines(str(tmp_path))[command]) == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"journeysim {command}: error: cannot read {manifest}: ")
    assert err.endswith("; delete the manifest, or give another --out\n")
    assert [p.name for p in tmp_path.rglob("*")] == [folder.name, manifest.name]
    assert manifest.read_bytes() == text.encode("latin-1")


# The commands' calls in the Python API, into the folder `out`.
API_CALLS = {
    "sweep": lambda out: journeysim.sweep(BASELINE, vary=["checkout.cashiers=2,3"], out=out),
    "optimise": lambda out: journeysim.optimise(
        BASELINE, decide=["checkout.cashiers=2:4"], minimise="wages_per_day", trials=1, out=out
    ),
    "calibrate": lambda out: journeysim.calibrate(
        BASELINE, targets="nps=30", free=["checkout.cashiers=2:4"], trials=2, out=out
    ),
}
OVER_10_MB = '{"overrides": []}' + " " * 10_000_000


@pytest.mark.parametrize("command", list(API_CALLS))
@pytest.mark.parametrize("text", ["garbage", '{"seed": 1}', DEEP_JSON, OVER_10_MB])
def test_the_python_api_refuses_a_folder_whose_manifest_cannot_be_read(
    command: str, text: str, tmp_path: Path, no_simulation
) -> None:
    """journeysim.sweep wrote its own manifest over it with a warning, optimise and calibrate
    without a word, where their commands refuse it: refused in one line, nothing written."""
    folder = tmp_path / f"{command}-baseline-checkout.cashiers"
    folder.mkdir()
    manifest = folder / "manifest.json"
    manifest.write_text(text)
    with pytest.raises(InputError) as refusal:
        API_CALLS[command](tmp_path)
    assert str(refusal.value).startswith(f"out: cannot read {manifest}: ")
    assert str(refusal.value).endswith("; delete the manifest, or choose another folder")
    assert [p.name for p in tmp_path.rglob("*")] == [folder.name, manifest.name]
    assert manifest.read_text() == text


@pytest.mark.parametrize(
    "command, folder", [("run", "baseline"), ("sweep", "sweep-baseline-checkout.cashiers")]
)
def test_a_manifest_over_10_mb_is_refused_unread(
    command: str, folder: str, tmp_path: Path, capsys, no_simulation
) -> None:
    """A manifest.json of any size was read whole (a huge one until memory ran out): one
    larger than a manifest can be, though JSON made with the same --set overrides, is refused
    in one line naming it, before anything is simulated."""
    manifest = tmp_path / folder / "manifest.json"
    manifest.parent.mkdir()
    made = json.dumps({"overrides": SHORT[1::2]})
    manifest.write_text(made + " " * (10_000_001 - len(made)))
    assert exit_code(command_lines(str(tmp_path))[command]) == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith(
        f"journeysim {command}: error: cannot read {manifest}: expected a manifest of at most "
        "10 MB (it is larger); "
    )


@pytest.mark.parametrize(
    "command, said",
    [
        ("run", "interrupted; nothing written"),
        ("compare", "interrupted; nothing written"),
        ("select", "interrupted; nothing written"),
        ("animate", "interrupted; nothing written"),
        ("sweep", "interrupted; finished runs are kept; the same command resumes"),
        ("optimise", "interrupted; finished trials are kept; the same command resumes"),
        ("calibrate", "interrupted; finished trials are kept; the same command resumes"),
    ],
)
def test_ctrl_c_says_what_is_kept(
    command: str, said: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    every_simulation(monkeypatch, interrupted)
    out = tmp_path / "out"
    assert exit_code(command_lines(str(out))[command]) == 130
    assert capsys.readouterr().err.endswith(f"journeysim: {said}\n")
    written = (
        [p for p in out.rglob("*") if p.is_file() and p.suffix != ".lock"] if out.exists() else []
    )
    if "nothing written" in said:
        assert written == []


def test_ctrl_c_while_trace_runs_says_nothing_written(capsys, monkeypatch) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    every_simulation(monkeypatch, interrupted)
    assert exit_code(["trace", BASELINE, *SHORT]) == 130
    assert capsys.readouterr().err.endswith("journeysim: interrupted; nothing written\n")


@pytest.mark.parametrize("turned_into", [ImportError, RuntimeError])
def test_ctrl_c_while_a_module_loads_is_an_interrupt(turned_into, capsys, monkeypatch) -> None:
    """A Ctrl-C that lands while an extension module or a class body loads reaches the
    command as the ImportError or RuntimeError Python raises from it (seen in matplotlib's
    import): still "interrupted", exit 130, no traceback; such an error of its own is not."""

    def interrupted_import(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as ctrl_c:
            raise turned_into("initialization failed") from ctrl_c

    every_simulation(monkeypatch, interrupted_import)
    assert exit_code(["trace", BASELINE, *SHORT]) == 130
    err = capsys.readouterr().err
    assert err.endswith("journeysim: interrupted; nothing written\n") and "Traceback" not in err

    def failed_import(*args, **kwargs):
        raise turned_into("initialization failed")

    every_simulation(monkeypatch, failed_import)
    with pytest.raises(turned_into):
        exit_code(["trace", BASELINE, *SHORT])


LOADING_INTERRUPTED = """
import sys

class CtrlC:  # a Ctrl-C that lands while the command line loads its options
    def find_spec(self, name, path=None, target=None):
        if name == "journeysim.cli.options":
            raise KeyboardInterrupt

sys.meta_path.insert(0, CtrlC())
from journeysim.entry import main
sys.exit(main())
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "LOOP"],
        ["run", "LOOP", *RUN],
        ["compare", BASELINE, "LOOP"],
        ["trace", BASELINE, "--against", "LOOP"],
        ["animate", BASELINE, "--day", "1", "--history-of", "LOOP"],
        ["fit-receipts", "LOOP", "--out", "OUT/s.yaml"],
        ["validate", "EXTENDS"],
    ],
    ids=lambda argv: " ".join(argv[:1] + [a for a in argv if a in ("--against", "--history-of")]),
)
def test_a_loop_of_symbolic_links_is_named_not_a_traceback(
    argv: list[str], tmp_path: Path, capsys
) -> None:
    """A file given as a link to a link back to it (or a scenario that extends one) gave
    Python's 'RuntimeError: Symlink loop' with a traceback: it is refused in one line."""
    loop = tmp_path / "loopA"
    loop.symlink_to(tmp_path / "loopB")
    (tmp_path / "loopB").symlink_to(loop)
    (tmp_path / "extends.yaml").write_text("extends: loopA\n")
    named = {"LOOP": str(loop), "EXTENDS": str(tmp_path / "extends.yaml")}
    argv = [named.get(arg, arg.replace("OUT", str(tmp_path / "out"))) for arg in argv]
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(loop) in err and "a loop of symbolic links" in err, err


FULL = "journeysim: cannot write to standard output: No space left on device\n"


def into_full(argv: list[str], unbuffered: bool) -> tuple[int, str]:
    """The exit code and stderr of `journeysim ARGV > /dev/full`, Python (un)buffered."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "journeysim.cli", *argv],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    return done.returncode, done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["validate", BASELINE], ["schema"]])
def test_standard_output_that_takes_nothing_is_one_line_not_a_traceback(argv: list[str]) -> None:
    """`journeysim --version > /dev/full` ended in Python's traceback, and `--help` there in
    'Exception ignored ... OSError' and exit code 120, as Python flushed what they printed at
    its exit: the command flushes it itself and says so in one line (stdout buffered, as a
    shell's redirection makes it). `schema`, more than the buffer holds, failed mid-command
    and said 'journeysim: No space left on device', not naming standard output."""
    assert into_full(argv, unbuffered=False) == (1, FULL)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("argv", [["--help"], ["validate", BASELINE], ["schema"]])
def test_unbuffered_standard_output_that_takes_nothing_is_one_line(argv: list[str]) -> None:
    """With PYTHONUNBUFFERED=1 each print fails where it writes: the command said
    'journeysim: No space left on device', not naming standard output, and `--help` exited
    0 without a word (argparse ignores a failed write)."""
    assert into_full(argv, unbuffered=True) == (1, FULL)


@pytest.mark.skipif(os.name != "posix", reason="closes file descriptor 1 before the command")
@pytest.mark.parametrize("argv", [["--version"], ["validate", BASELINE]])
def test_a_closed_standard_output_is_one_line_not_a_traceback(argv: list[str]) -> None:
    """`journeysim validate ... >&-`: Python starts with no sys.stdout, and the command ended
    in AttributeError's traceback ('NoneType' object has no attribute 'flush')."""
    done = subprocess.run(
        [sys.executable, "-m", "journeysim.cli", *argv],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(1),
    )
    said = "journeysim: cannot write to standard output: Bad file descriptor\n"
    assert (done.returncode, done.stderr) == (1, said)


@pytest.mark.skipif(os.name != "posix", reason="closes file descriptor 2 before the command")
def test_a_closed_standard_error_leaves_the_command_to_run(tmp_path: Path) -> None:
    """`journeysim run ... 2>&-`: Python starts with no sys.stderr, and the run ended at its
    progress bar ('NoneType' object has no attribute 'isatty', itself unseen) with exit code 1
    and no results; a refusal went to standard output. Both now speak to nothing."""
    env = {**os.environ, "JOURNEYSIM_CACHE": str(tmp_path / "cache")}
    argvs = [
        [c for c in command_lines(str(tmp_path))["run"] if c != "--quiet"],
        ["validate", str(tmp_path / "missing.yaml")],
    ]
    done = [
        subprocess.run(
            [sys.executable, "-m", "journeysim.cli", *argv],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=lambda: os.close(2),
        )
        for argv in argvs
    ]
    assert [d.returncode for d in done] == [0, 2]
    assert (tmp_path / "baseline" / "summary.csv").is_file()
    assert "Results in" in done[0].stdout and done[1].stdout == ""


def test_standard_error_closed_by_its_reader_leaves_the_command_to_run(tmp_path: Path) -> None:
    """`journeysim run ... 2>&1 | head -1`: once the reader was gone, the first warning (or
    the progress bar's next line) ended the run, its results unwritten, exit 1 ('journeysim:
    [Errno 32] Broken pipe', itself unseen, taken for a Dask scheduler's error); what it says
    there now goes nowhere and the run writes its results."""
    env = {**os.environ, "JOURNEYSIM_CACHE": str(tmp_path / "cache")}
    argv = [c for c in command_lines(str(tmp_path))["run"] if c != "--quiet"]
    command = subprocess.Popen(
        [sys.executable, "-m", "journeysim.cli", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert command.stderr is not None
    command.stderr.close()  # before the command writes there
    assert command.wait() == 0
    assert (tmp_path / "baseline" / "summary.csv").is_file()


def test_standard_output_in_ascii_escapes_what_it_cannot_write(tmp_path: Path) -> None:
    """With PYTHONIOENCODING=ascii, `journeysim validate` of a scenario named 'Łódź → PLN'
    ended in UnicodeEncodeError's traceback: it is written with Python's escapes, as Python
    writes standard error."""
    path = tmp_path / "lodz.yaml"
    path.write_text(f"extends: {BASELINE}\nname: Łódź → PLN\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "journeysim.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    said = f"ok  {path} (\\u0141\\xf3d\\u017a \\u2192 PLN)\n"
    assert (done.returncode, done.stdout, done.stderr) == (0, said, "")


def test_an_mplbackend_matplotlib_does_not_know_leaves_the_command_to_run(
    tmp_path: Path,
) -> None:
    """MPLBACKEND=bogus ended a run in matplotlib's traceback at its import ('ValueError: Key
    backend: 'bogus' is not a valid value for backend'); journeysim draws without one."""
    env = {**os.environ, "MPLBACKEND": "bogus", "JOURNEYSIM_CACHE": str(tmp_path / "cache")}
    argv = command_lines(str(tmp_path))["run"]
    done = subprocess.run(
        [sys.executable, "-m", "journeysim.cli", *argv], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0 and "backend" not in done.stderr, done.stderr
    assert (tmp_path / "baseline" / "summary.csv").is_file()


def test_the_command_leaves_matplotlib_as_it_found_it(monkeypatch, capsys) -> None:
    """`main` in a process that goes on (a notebook, whose MPLBACKEND ipykernel sets) left
    MPLBACKEND set to agg and matplotlib's log at ERROR after it, where the command alone needs
    them so."""
    inline = "module://matplotlib_inline.backend_inline"
    monkeypatch.setenv("MPLBACKEND", inline)
    log = logging.getLogger("matplotlib")
    monkeypatch.setattr(log, "level", logging.WARNING)
    assert main(["schema"]) == 0
    assert os.environ["MPLBACKEND"] == inline and log.level == logging.WARNING


def test_a_home_matplotlib_cannot_write_in_leaves_it_silent(tmp_path: Path) -> None:
    """With HOME a file (or read-only), matplotlib's log said 'mkdir -p failed for path
    .../.config/matplotlib: ...' and 'Matplotlib created a temporary cache directory at ...'
    in two lines of its own; it draws from that folder as well without a word."""
    home = tmp_path / "home"
    home.write_text("")
    env = {**os.environ, "HOME": str(home), "JOURNEYSIM_CACHE": str(tmp_path / "cache")}
    env = {k: v for k, v in env.items() if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME")}
    argv = command_lines(str(tmp_path))["run"]
    done = subprocess.run(
        [sys.executable, "-m", "journeysim.cli", *argv], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0 and "atplotlib" not in done.stderr, done.stderr
    assert (tmp_path / "baseline" / "summary.csv").is_file()


@pytest.mark.parametrize("unbuffered", [False, True])
def test_a_pipe_closed_by_its_reader_ends_the_command_silently(unbuffered: bool) -> None:
    """`journeysim schema | head -1`: the reader has what it wanted, so the command stops
    without a word (no 'cannot write', no traceback), buffered or not."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    command = subprocess.Popen(
        [sys.executable, "-m", "journeysim.cli", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert command.stdout is not None and command.stderr is not None
    assert command.stdout.readline() == b"{\n"
    command.stdout.close()  # as `head -1` does
    assert command.stderr.read() == b""
    assert command.wait() in (0, 1)


def test_ctrl_c_while_the_command_line_loads_is_an_interrupt() -> None:
    """The installed command (pyproject's script) loads the command line inside its Ctrl-C
    handler: one line and exit 130, not Python's traceback."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"journeysim": "journeysim.entry:main"}
    done = subprocess.run(
        [sys.executable, "-c", LOADING_INTERRUPTED, "--help"], capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (130, "journeysim: interrupted; nothing written\n")


def test_ctrl_c_while_writing_names_the_folder(tmp_path: Path, capsys, monkeypatch) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("journeysim.cli.replay.write_manifest", interrupted)
    assert exit_code(command_lines(str(tmp_path))["replay"]) == 130
    said = f"journeysim: interrupted while writing {tmp_path}; it may be incomplete\n"
    assert capsys.readouterr().err == said
    assert (tmp_path / "replay.html").exists()  # written before the Ctrl-C


@pytest.mark.parametrize(
    "command, folder, last_write",
    [
        ("run", "baseline", "journeysim.report.outputs.write_manifest"),  # in write_run
        ("compare", "compare-baseline-baseline-2", "journeysim.cli.compare.write_manifest"),
        ("select", "select-baseline-baseline-2", "journeysim.cli.select.write_manifest"),
    ],
)
def test_ctrl_c_while_writing_a_results_folder_leaves_nothing(
    command: str, folder: str, last_write: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    """These commands write into a fresh folder that replaces their results only when complete."""

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(last_write, interrupted)
    assert exit_code(command_lines(str(tmp_path))[command]) == 130
    assert capsys.readouterr().err == "journeysim: interrupted; nothing written\n"
    assert [p.name for p in tmp_path.iterdir()] == [f".{folder}.lock"]


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_memory_running_out_while_writing_is_one_line(
    command: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    """Under a memory limit (`ulimit -v`), MemoryError while the results were written or drawn
    (pyarrow's 'ArrowMemoryError: malloc of size 393216 failed', matplotlib's 'MemoryError:
    std::bad_alloc') ended the command in its traceback."""

    def out_of_memory(*args, **kwargs):
        raise MemoryError("std::bad_alloc")

    monkeypatch.setattr("journeysim.files._write_atomically", out_of_memory)
    assert exit_code(command_lines(str(tmp_path))[command]) == 1
    assert capsys.readouterr().err == "journeysim: out of memory\n"


@pytest.mark.parametrize("command", ["run", "sweep", "optimise"])
def test_a_file_system_without_locks_is_named_with_the_lock(
    command: str, tmp_path: Path, capsys, monkeypatch, no_simulation
) -> None:
    """On a file system that takes no locks (Lustre mounted without flock: ENOSYS), the
    command said 'journeysim: Function not implemented', naming nothing."""

    def no_locks(*args) -> None:
        raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS))

    monkeypatch.setattr("fcntl.flock", no_locks)
    assert exit_code(command_lines(str(tmp_path))[command]) == 1
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"journeysim: {tmp_path}{os.sep}") and ".lock: cannot lock" in err
    assert err.endswith(
        f": cannot lock the file ({os.strerror(errno.ENOSYS)}): expected a file system with locks\n"
    )


# `journeysim ARGV`, which sends itself SIGTERM once it has handed its workers their replications.
TERMINATED_MID_RUN = """
import os, signal, sys
from concurrent.futures import ProcessPoolExecutor
from journeysim.cli import main

submit = ProcessPoolExecutor.submit

def submitted(pool, *args, **kwargs):
    future = submit(pool, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGTERM)
    return future

ProcessPoolExecutor.submit = submitted
sys.exit(main(sys.argv[1:]))
"""


def test_sigterm_while_running_stops_as_ctrl_c_does(tmp_path: Path) -> None:
    """SIGTERM (kill, a batch system's time limit) ended the command at once: exit 143 with no
    word, its unfinished results left in .baseline.new; now the workers are stopped and the
    old results kept whole, as at a Ctrl-C, and one line says so."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JOURNEYSIM_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "out"
    argv = command_lines(str(out))["run"]
    assert main(argv) == 0
    old = {p.name: p.read_bytes() for p in (out / "baseline").iterdir()}
    two_workers = [*argv, "--workers", "2"]  # the last --workers counts
    command = [sys.executable, "-c", TERMINATED_MID_RUN, *two_workers]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert (done.returncode, done.stderr) == (143, "journeysim: terminated; nothing written\n")
    assert sorted(p.name for p in out.iterdir()) == [".baseline.lock", "baseline"]
    assert {p.name: p.read_bytes() for p in (out / "baseline").iterdir()} == old


def test_help_texts_show_percent_signs_once() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert len(commands) >= 12
    for name, command in {"journeysim": parser, **commands}.items():
        assert "%%" not in command.format_help(), name
    assert "95% confidence intervals" in commands["compare"].format_help().replace("\n", " ")


def test_version_is_the_projects_and_names_the_build(capsys) -> None:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    build = "pure Python" if shopper.__file__.endswith(".py") else "compiled"
    assert exit_code(["--version"]) == 0
    assert capsys.readouterr().out == f"journeysim {version} ({build})\n"


@pytest.mark.parametrize("frames", ["0", "481", "100000000", "many"])
def test_animate_frames_are_bounded(frames: str, capsys, no_simulation) -> None:
    assert exit_code(["animate", BASELINE, "--day", "1", "--frames", frames]) == 2
    assert "argument --frames: expected a whole number from 1 to 480" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["trace", "animate", "replay"])
@pytest.mark.parametrize("replication", ["10000", str(10**12), str(10**30)])
def test_the_replication_is_bounded(command: str, replication: str, capsys, no_simulation) -> None:
    """A --replication past the last of the longest run (10**30) was simulated all the same."""
    argv = [command, BASELINE, "--day", "1"] if command != "trace" else [command, BASELINE]
    assert exit_code([*argv, "--replication", replication]) == 2
    err = one_line(capsys.readouterr().err)
    assert (
        f"argument --replication: expected a whole number from 0 to 9,999 (got '{replication}')"
        in err
    )


def test_the_last_replication_is_the_last_a_run_can_have() -> None:
    from journeysim.cli.options import LAST_REPLICATION
    from journeysim.limits import MAX_REPLICATIONS

    assert LAST_REPLICATION == MAX_REPLICATIONS - 1
    argv = ["trace", BASELINE, "--replication", str(LAST_REPLICATION)]
    assert build_parser().parse_args(argv).replication == 9999


def test_animate_takes_up_to_480_frames() -> None:
    args = build_parser().parse_args(["animate", BASELINE, "--day", "1", "--frames", "480"])
    assert args.frames == 480


@pytest.mark.parametrize("name", ["floor.txt", "floor", "floor.gif.png"])
def test_animate_refuses_an_out_that_is_not_a_gif(
    name: str, tmp_path: Path, capsys, no_simulation
) -> None:
    out = tmp_path / name
    assert exit_code(["animate", BASELINE, "--day", "1", *SHORT, "--out", str(out)]) == 2
    err = one_line(capsys.readouterr().err)
    assert err == (
        f"journeysim animate: error: argument --out: expected a file name ending in .gif (got "
        f"'{out}')\n"
    )
    assert not out.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["run", "--parameter-sets", "{}", BASELINE], "a CSV file"),
        (
            ["calibrate", BASELINE, "--free", "loyalty.ltr_center=0.3:0.6", "--targets", "{}"],
            "a targets file",
        ),
        (["fit-receipts", "{}", "--out", "fitted"], "a CSV file"),
    ],
)
def test_a_study_input_that_is_a_pipe_is_refused_without_waiting(
    tmp_path: Path, command: list[str], expected: str
) -> None:
    """`run --parameter-sets PIPE`, a targets file or a receipts file given as a named pipe
    waited for ever for a writer."""
    pipe = tmp_path / "input"
    os.mkfifo(pipe)
    done = subprocess.run(
        [sys.executable, "-m", "journeysim.cli", *(part.format(pipe) for part in command)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"journeysim: {pipe}: expected {expected} (it is not a regular file)\n"


@pytest.mark.parametrize("command", ["sweep", "optimise", "calibrate"])
@pytest.mark.parametrize("given", ["missing.yaml", "folder"])
def test_a_study_path_that_is_no_file_is_named(
    command: str, given: str, tmp_path: Path, capsys
) -> None:
    """`optimise missing.yaml` said "argument --decide: optimise needs at least one decision",
    calibrate blamed --target or --free, where sweep said the file was not found."""
    (tmp_path / "folder").mkdir()
    path = tmp_path / given
    assert exit_code([command, str(path)]) == 2
    problem = (
        "file not found" if given == "missing.yaml" else "expected a YAML file (it is a folder)"
    )
    assert one_line(capsys.readouterr().err) == f"journeysim: {path}: {problem}\n"


@pytest.mark.parametrize(
    ("command", "key"), [("sweep", "vary"), ("optimise", "decide"), ("calibrate", "free")]
)
@pytest.mark.parametrize("given", ["missing.yaml", "folder", f"{'x' * 300}.yaml"])
def test_a_study_files_scenario_that_is_no_file_names_the_study_file(
    command: str, key: str, given: str, tmp_path: Path, capsys
) -> None:
    """A sweep file whose `scenario` is missing said only "sub/missing.yaml: file not found",
    naming neither the sweep file nor its key; one whose name is too long to look up said
    "journeysim: xxx...yaml: File name too long" and exit 1."""
    (tmp_path / "folder").mkdir()
    study = tmp_path / "study.yaml"
    study.write_text(f"scenario: {given}\n{key}: {{checkout.cashiers: '2:3'}}\n")
    assert exit_code([command, str(study)]) == 2
    problems = {"missing.yaml": "does not exist", "folder": "is a folder"}
    problem = problems.get(given, "cannot be looked up: File name too long")
    assert one_line(capsys.readouterr().err) == (
        f"journeysim: {study}: scenario: expected an existing scenario file (got '{given}', but "
        f"{tmp_path / given} {problem})\n"
    )
