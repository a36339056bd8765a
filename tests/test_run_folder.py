"""The folders `journeysim run`, `compare`, `select` and `--parameter-sets` write: always one
complete set of results (a failed or killed command leaves the previous results whole, and what it
left behind is cleared by the next one), one writer at a time, and a report even for a store
without visits."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from journeysim import files
from journeysim.cli import main
from journeysim.files import (
    MAX_FOLDER,
    NAME_MAX,
    exclusive,
    folder_lock,
    folder_name,
    replaced_folder,
    scenario_files,
)
from journeysim.report.animate import setup_stamp
from journeysim.report.comparison import comparison_files
from journeysim.report.trace import example_visit
from journeysim.scenario import load_scenario
from journeysim.simulation import measure, runner
from journeysim.simulation.replication import Simulation

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.yaml")
OTHER = str(ROOT / "scenarios" / "effortless_checkout.yaml")
PARAMETER_SETS = str(ROOT / "examples" / "parameter_sets.csv")
SHORT = [
    *("--set", "arrivals.base_customers=200", "--set", "horizon.burn_in_days=0"),
    *("--set", "horizon.warmup_days=0", "--set", "horizon.days=2"),
    *("--reps", "2", "--workers", "1", "--quiet"),
]


def run(out: Path, *extra: str) -> list[str]:
    return ["run", BASELINE, *SHORT, *extra, "--out", str(out)]


# The commands that replace a whole results folder: their command line into `out`, the folder
# they write there, and their first table (written before the other files).
FOLDERS = {
    "run": (["run", BASELINE], "baseline", "summary.csv"),
    "compare": (
        ["compare", BASELINE, OTHER],
        "compare-baseline-effortless_checkout",
        "comparison.csv",
    ),
    "select": (
        ["select", BASELINE, OTHER, "--objective", "csat"],
        "select-baseline-effortless_checkout",
        "selection.csv",
    ),
    "compare --parameter-sets": (
        ["compare", BASELINE, OTHER, "--parameter-sets", PARAMETER_SETS],
        "compare-baseline-effortless_checkout",
        "uncertainty.csv",
    ),
    "run --parameter-sets": (
        ["run", BASELINE, "--parameter-sets", PARAMETER_SETS],
        "baseline",
        "uncertainty.csv",
    ),
}


def command(name: str, out: Path, *extra: str) -> list[str]:
    first_stage = ["--reps", "5"] if name == "select" else []  # select's least first stage
    return [*FOLDERS[name][0], *SHORT, *first_stage, *extra, "--out", str(out)]


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def overrides(folder: Path) -> list[str]:
    """The --set overrides of a run folder past those of SHORT."""
    return json.loads((folder / "manifest.json").read_text())["overrides"][4:]


def subprocess_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "JOURNEYSIM_CACHE": str(tmp_path / "cache")}


# -- a report for a store without visits ---------------------------------------------------------


def test_a_store_without_visits_gets_its_report_and_kpi_table(tmp_path: Path, capsys) -> None:
    scenario = tmp_path / "empty.yaml"
    scenario.write_text(
        f"extends: {BASELINE}\nhorizon: {{days: 1, warmup_days: 0, burn_in_days: 0}}\n"
        "replications: 2\narrivals: {base_customers: 0, new_per_day: 0}\n"
    )
    argv = ["run", str(scenario), "--quiet", "--workers", "1", "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Return rate" in out and "Contribution per day" in out
    folder = tmp_path / "out" / "empty"
    report = (folder / "report.html").read_text()
    assert "no visit on the measured days, so no visit is traced or replayed" in report
    assert "Warning: return rate is n/a: no visit can be seen to return" in report  # 1 day
    assert not (folder / "replay.html").exists()
    assert (folder / "kpis_over_days.png").exists() and (folder / "summary.csv").exists()


def test_a_store_without_visits_shows_no_rating(tmp_path: Path, capsys) -> None:
    """A store nobody visited showed after_visit.initial_rating, "Online rating (stars) 4.00",
    as if shoppers had earned it; its rating is n/a, as its CSAT: "-" and an empty cell."""
    scenario = tmp_path / "empty.yaml"
    scenario.write_text(
        f"extends: {BASELINE}\nhorizon: {{days: 2, warmup_days: 1, burn_in_days: 0}}\n"
        "replications: 2\narrivals: {base_customers: 0, new_per_day: 0}\n"
    )
    argv = ["run", str(scenario), "--workers", "1", "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    rows = {line[:21].strip(): line[21:].split() for line in capsys.readouterr().out.splitlines()}
    assert rows["Online rating (stars)"] == rows["CSAT (1-5)"] == ["-", "[-,", "-]", "0"]
    folder = tmp_path / "out" / "empty"
    summary = pd.read_csv(folder / "summary.csv", index_col=0)
    assert summary.loc["rating", "n"] == 0 and summary["mean"].isna()["rating"]
    assert pd.read_csv(folder / "replications.csv")["rating"].isna().all()
    assert "Online rating (stars)</td><td>-</td>" in (folder / "report.html").read_text()


def test_the_example_visit_is_from_the_first_measured_day_with_visits() -> None:
    visits = pd.DataFrame(
        {
            "visit_id": [1, 2, 3, 4],
            "day": [0, 2, 2, 3],
            "met_outage": [False] * 4,
            "remembered": [-0.9, 0.3, -0.2, -0.8],
        }
    )
    assert example_visit(visits, 1) == 3  # day 1 had none: the worst of day 2
    with pytest.raises(LookupError, match="no visits from day 4 on"):
        example_visit(visits, 4)


def test_the_example_visit_is_from_the_day_a_departure_changes_the_store() -> None:
    """A scenario whose familiar cashier leaves on day 28 was told and replayed on day 14,
    the first measured day, when its store is the baseline's; an outage met earlier still
    comes first."""
    visits = pd.DataFrame(
        {
            "visit_id": [1, 2, 3, 4, 5],
            "day": [14, 14, 28, 28, 29],
            "met_outage": [False] * 5,
            "remembered": [-0.9, 0.3, 0.2, -0.1, -0.8],
        }
    )
    assert example_visit(visits, 14, 28) == 4  # the worst of day 28, not day 14's or 29's
    assert example_visit(visits, 14, 27) == 4  # the first day from the departure with visits
    assert example_visit(visits, 14, 5) == 1  # a departure in the warm-up: the first day
    assert example_visit(visits, 14, 40) == 1  # one after the last visit: the first day
    assert example_visit(visits.assign(met_outage=[False, True, *[False] * 3]), 14, 28) == 2
    # an outage after the departure: the departure's day, as the earlier change
    assert example_visit(visits.assign(met_outage=[*[False] * 4, True]), 14, 28) == 4
    # on the same day, the worst visit that met the outage
    assert example_visit(visits.assign(met_outage=[False, False, True, False, False]), 14, 28) == 3


def test_the_example_visit_of_a_departure_day_met_the_newcomer() -> None:
    """On the day a scheduled departure changed the staff, the story was the day's worst visit,
    which may meet no cashier at all (staff_turnover's customer 1812 on day 28 paid at a
    self-checkout); it is the worst visit served by the newcomer, else the day's worst, and an
    outage met that day still comes first."""
    visits = pd.DataFrame(
        {
            "visit_id": [1, 2, 3, 4, 5],
            "day": [14, 28, 28, 28, 29],
            "met_outage": [False] * 5,
            "cashier_id": [0, -1, 18, 18, 18],
            "remembered": [-0.9, -0.8, 0.2, -0.1, -0.95],
        }
    )
    assert example_visit(visits, 14, 28) == 2  # no newcomers given: the day's worst
    assert example_visit(visits, 14, 28, {18}) == 4  # the newcomer's worst visit that day
    assert example_visit(visits, 14, 28, {7}) == 2  # nobody met newcomer 7: the day's worst
    outage = visits.assign(met_outage=[False, False, True, False, False])
    assert example_visit(outage, 14, 28, {18}) == 3


def test_a_departure_day_report_tells_a_visit_served_by_the_newcomer(tmp_path: Path) -> None:
    """The report of a run whose lane-1 cashier leaves on day 1 told that day's worst visit, one
    at a self-checkout (visit 67); it tells the worst visit the newcomer served (visit 69)."""
    scenario = tmp_path / "leaves.yaml"
    scenario.write_text(
        f"extends: {BASELINE}\nhorizon: {{days: 2, warmup_days: 1, burn_in_days: 0}}\n"
        "arrivals: {base_customers: 300}\n"
        "staff: {turnover: [{role: cashier, index: 0, day: 1}]}\n"
    )
    argv = ["run", str(scenario), "--reps", "1", "--workers", "1", "--quiet", "--no-replay"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 0
    folder = tmp_path / "out" / "leaves"
    (newcomer,) = pd.read_csv(folder / "turnover_log.csv")["newcomer_id"]
    visits = pd.read_parquet(folder / "visits.parquet")
    day = visits[visits["day"] == 1]
    served = day[day["cashier_id"] == newcomer]
    told = int(re.search(r"\(visit id (\d+)\)", (folder / "report.html").read_text())[1])
    worst = served.loc[served["remembered"].idxmin(), "visit_id"]
    assert told == worst != day.loc[day["remembered"].idxmin(), "visit_id"]


def test_the_example_visit_is_never_a_warm_up_visit_that_met_an_outage() -> None:
    """A terminal failure during the warm-up (day 0) does not win over the measured days."""
    visits = pd.DataFrame(
        {
            "visit_id": [1, 2, 3, 4, 5],
            "day": [0, 1, 1, 2, 2],
            "met_outage": [True, False, False, True, True],
            "remembered": [-0.9, -0.5, 0.2, 0.1, -0.3],
        }
    )
    assert example_visit(visits, 1) == 5  # the worst outage visit of the first measured day
    assert example_visit(visits[visits["visit_id"] != 5], 1) == 4
    without_outages = visits.assign(met_outage=[True, False, False, False, False])
    assert example_visit(without_outages, 1) == 2  # the worst of day 1, not the day-0 outage
    with pytest.raises(LookupError, match="no visits from day 3 on"):
        example_visit(visits, 3)  # only warm-up visits: none to pick, however telling


# -- one complete run in the folder ---------------------------------------------------------------


def test_a_failed_write_keeps_the_previous_run_whole(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    folder = out / "baseline"
    assert main(run(out, "--set", "checkout.cashiers=2")) == 0
    before = contents(folder)

    from journeysim.report import html

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(html, "write_bytes", full_disk)  # the report's PNGs: after the tables
    assert main(run(out, "--set", "checkout.cashiers=5", "--force")) == 1
    assert contents(folder) == before
    assert sorted(p.name for p in out.iterdir()) == [".baseline.lock", "baseline"]


def test_a_rerun_replaces_the_run_and_keeps_other_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = out / "baseline"
    assert main(run(out, "--set", "checkout.cashiers=2")) == 0
    assert (folder / "report.html").exists()
    (folder / "notes.txt").write_text("mine\n")
    (folder / ".visits.parquet.ab12cd34.tmp").write_bytes(b"left by a killed writer")
    assert main(run(out, "--set", "checkout.cashiers=5", "--force", "--no-report")) == 0
    assert overrides(folder) == ["checkout.cashiers=5"]
    assert (folder / "notes.txt").read_text() == "mine\n"
    assert not (folder / "report.html").exists()  # the old run's report went with it
    hidden = [p.name for p in out.rglob(".*")]
    assert hidden == [".baseline.lock"]


def test_a_parquet_write_failing_in_a_later_row_group_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parquet goes to the temporary file a row group at a time (not to memory whole): a table
    that fails in a later group (a column whose type changes), after the first went to the
    file, leaves the file as it was and no temporary file."""
    pytest.importorskip("pyarrow")
    monkeypatch.setattr(files, "PARQUET_ROWS", 10)
    path = tmp_path / "visits.parquet"
    good = pd.DataFrame({"visit_id": range(35), "ltr": [float(i % 11) for i in range(35)]})
    files.write_table(path, good)
    pd.testing.assert_frame_equal(pd.read_parquet(path), good)
    bad = pd.DataFrame({"ltr": [1.0] * 10 + ["ten"] * 10}, dtype=object)
    with pytest.raises(Exception, match="ten"):
        files.write_table(path, bad)
    pd.testing.assert_frame_equal(pd.read_parquet(path), good)
    assert [p.name for p in tmp_path.iterdir()] == ["visits.parquet"]


def test_a_folder_holding_only_an_animation_is_not_taken_for_results(tmp_path: Path) -> None:
    """animate writes its GIF into results/<scenario>/: a run with --set into that folder is
    not refused as 'holds results made with no --set overrides' (it holds none); results of a
    run without manifest still are."""
    out = tmp_path / "out"
    folder = out / "baseline"
    folder.mkdir(parents=True)
    (folder / "floor_day3.gif").write_bytes(b"GIF89a")
    assert main(run(out, "--set", "checkout.cashiers=2", "--no-report")) == 0
    assert (folder / "floor_day3.gif").read_bytes() == b"GIF89a"
    (folder / "manifest.json").unlink()  # results from before manifests: made with no --set
    assert main(run(out, "--set", "checkout.cashiers=3", "--no-report")) == 2


def test_the_same_overrides_in_another_order_are_not_refused(tmp_path: Path, capsys) -> None:
    """--set a --set b into a folder made with --set b --set a was refused as "holds results
    made with" the very overrides given; where two set one key, the order decides, and stays
    checked."""
    out = tmp_path / "out"
    cashiers, lanes = "checkout.cashiers=2", "checkout.self_checkouts=1"
    assert main(run(out, "--set", cashiers, "--set", lanes, "--no-report")) == 0
    assert main(run(out, "--set", lanes, "--set", cashiers, "--no-report")) == 0
    assert overrides(out / "baseline") == [lanes, cashiers]
    again = ("--set", "checkout.cashiers=2", "--set", "checkout.cashiers=3", "--no-report")
    assert main(run(out, *again, "--force")) == 0
    capsys.readouterr()
    assert main(run(out, *again[2:4], *again[:2], "--no-report")) == 2  # 2 last: other results
    assert "holds results made with" in capsys.readouterr().err
    whole = ("--set", "checkout={cashiers: 2}", "--set", "checkout.cashiers=3", "--no-report")
    assert main(run(out, *whole, "--force")) == 0
    assert main(run(out, *whole[2:4], *whole[:2], "--no-report")) == 2  # the key inside


def stamped_gif(path: Path, overrides: list[str]) -> bytes:
    """A one-frame GIF stamped as an animation of the baseline with `overrides`."""
    scenario = load_scenario(BASELINE, overrides)
    Image.new("RGB", (4, 4)).save(path, "GIF", comment=setup_stamp(scenario, 0))
    return path.read_bytes()


def test_the_run_report_embeds_the_animation_of_its_settings_only(tmp_path: Path) -> None:
    """`animate` writes results/<scenario>/floor_day<N>.gif for the run report to embed: the
    report, written in a fresh folder that then replaces the old one, finds it there; one of
    other settings (an animation of 2 tills, the run has 3) is named and left out, though newer,
    and only that one: the report says so."""
    out = tmp_path / "out"
    folder = out / "baseline"
    folder.mkdir(parents=True)
    same = ["arrivals.base_customers=200", "horizon.burn_in_days=0", "horizon.warmup_days=0"]
    ours = stamped_gif(folder / "floor_day1.gif", [*same, "horizon.days=9", "replications=7"])
    os.utime(folder / "floor_day1.gif", (1, 1))
    stamped_gif(folder / "floor_day3.gif", [*same, "checkout.cashiers=2"])
    assert main(run(out, "--no-replay", "--set", "checkout.cashiers=3")) == 0
    report = (folder / "report.html").read_text()
    assert "floor_day1.gif, replication 0: shoppers coloured by mood" in report
    assert f"data:image/gif;base64,{base64.b64encode(ours).decode()}" in report
    assert "floor_day3.gif" not in report
    (folder / "floor_day1.gif").unlink()
    assert main(run(out, "--no-replay", "--set", "checkout.cashiers=3", "--force")) == 0
    report = (folder / "report.html").read_text()
    assert "floor_day3.gif beside these results was drawn from other settings" in report
    assert "data:image/gif" not in report


def kill_while_writing(
    argv: list[str], folder: Path, tmp_path: Path, first: str = "summary.csv"
) -> None:
    """Start `journeysim ARGV` and kill -9 it once it has written `first` of its results (with
    `first` empty: once it has made the fresh folder, i.e. while it simulates)."""
    argv = [sys.executable, "-m", "journeysim.cli", *argv]
    process = subprocess.Popen(argv, env=subprocess_env(tmp_path), stderr=subprocess.PIPE)
    staged = folder.with_name(f".{folder.name}.new") / first
    deadline = time.monotonic() + 120
    while not staged.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"


def test_kill_9_while_writing_leaves_the_old_run_and_no_false_refusal(tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = out / "baseline"
    assert main(run(out, "--set", "checkout.cashiers=2")) == 0
    before = contents(folder)
    kill_while_writing(run(out, "--set", "checkout.cashiers=5", "--force"), folder, tmp_path)
    assert contents(folder) == before

    fresh = tmp_path / "fresh"
    kill_while_writing(run(fresh, "--set", "checkout.cashiers=5"), fresh / "baseline", tmp_path)
    assert not (fresh / "baseline").exists()
    assert main(run(fresh, "--set", "checkout.cashiers=5")) == 0  # not refused
    assert overrides(fresh / "baseline") == ["checkout.cashiers=5"]
    assert [p.name for p in fresh.rglob(".*")] == [".baseline.lock"]


def test_results_moved_aside_by_a_killed_run_come_back(tmp_path: Path, capsys) -> None:
    """Killed between moving the old results aside and moving the new ones in: the old ones
    are put back before the overrides check, so they are not overwritten without --force."""
    out = tmp_path / "out"
    assert main(run(out, "--set", "checkout.cashiers=2")) == 0
    before = contents(out / "baseline")
    (out / "baseline").rename(out / ".baseline.old")
    assert main(run(out, "--set", "checkout.cashiers=5")) == 2
    err = capsys.readouterr().err
    assert "holds results made with" in err and "--set checkout.cashiers=2;" in err
    assert contents(out / "baseline") == before


# -- one writer at a time ---------------------------------------------------------------------


def test_a_run_into_a_folder_being_written_is_refused_before_simulating(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    def simulated(*args, **kwargs):
        raise AssertionError("simulated before checking the lock")

    monkeypatch.setattr(runner, "simulate", simulated)
    folder = tmp_path / "out" / "baseline"
    with exclusive(folder_lock(folder), AssertionError("the test cannot take the lock")):
        assert main(run(tmp_path / "out", "--set", "checkout.cashiers=6")) == 2
    err = capsys.readouterr().err
    assert err == (
        f"journeysim run: error: another journeysim process is writing {folder}{os.sep}; wait "
        "for it to finish, or give another --out\n"
    )
    assert not folder.exists()


def test_two_concurrent_runs_one_refused(tmp_path: Path) -> None:
    """Two processes started together into one folder: one writes, the other is refused."""
    out = tmp_path / "out"
    env = subprocess_env(tmp_path)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "journeysim.cli", *run(out, "--set", f"checkout.cashiers={n}")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (2, 6)
    ]
    done = [(p.wait(timeout=300), p.stderr.read()) for p in runs]
    codes = sorted(code for code, _ in done)
    assert codes == [0, 2], done
    refused = next(err for code, err in done if code == 2)
    assert "another journeysim process is writing" in refused


def test_a_sweeps_runs_file_uses_the_same_lock(tmp_path: Path) -> None:
    from journeysim.study.designs import DesignError
    from journeysim.study.runs_file import RunsFile

    runs = RunsFile(tmp_path / "runs.csv", ["point", "replication", "nps"])
    with runs.appending() as append:
        append([0, 0, 1.5])
        second = RunsFile(tmp_path / "runs.csv", ["point", "replication", "nps"])
        with pytest.raises(DesignError, match="another sweep is writing to it"):
            second.appending().__enter__()
    assert runs.done() == {(0, 0)}


# -- compare, select and --parameter-sets: the same guarantees as run ----------------------------


def refusal(name: str, folder: Path) -> str:
    return (
        f"journeysim {name.split()[0]}: error: another journeysim process is writing "
        f"{folder}{os.sep}; wait for it to finish, or give another --out\n"
    )


def no_simulation(monkeypatch) -> None:
    def simulated(*args, **kwargs):
        raise AssertionError("simulated before checking the lock")

    for module in (runner, measure):
        monkeypatch.setattr(module, "simulate", simulated)
    monkeypatch.setattr(Simulation, "run", simulated)


@pytest.mark.parametrize("name", [name for name in FOLDERS if name != "run"])
def test_a_folder_being_written_is_refused_before_simulating(
    name: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    out = tmp_path / "out"
    folder = out / FOLDERS[name][1]
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine\n")
    no_simulation(monkeypatch)
    with exclusive(folder_lock(folder), AssertionError("the test cannot take the lock")):
        assert main(command(name, out, "--set", "checkout.cashiers=6")) == 2
    assert capsys.readouterr().err == refusal(name, folder)
    assert contents(folder) == {"notes.txt": b"mine\n"}
    assert sorted(p.name for p in out.iterdir()) == [f".{folder.name}.lock", folder.name]


@pytest.mark.parametrize("name", ["compare", "select"])
def test_a_second_command_while_one_writes_is_refused_and_the_first_keeps_its_results(
    name: str, tmp_path: Path, capsys
) -> None:
    """The audit's case: two commands with different overrides into one --out. The first is a
    real process, seen holding the folder (its fresh folder exists); the second is refused at
    once, and the first's results land whole. The first simulates 150 days, so that it still
    holds the folder when the second looks, also on a loaded machine (with SHORT's 2 days,
    select had once finished and let go of it, on CI beside benchmarks)."""
    out = tmp_path / "out"
    folder = out / FOLDERS[name][1]
    longer = ("--set", "horizon.days=150", "--set", "checkout.cashiers=2")
    first = subprocess.Popen(
        [sys.executable, "-m", "journeysim.cli", *command(name, out, *longer)],
        env=subprocess_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    staging = folder.with_name(f".{folder.name}.new")
    deadline = time.monotonic() + 120
    while not staging.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert main(command(name, out, "--set", "checkout.cashiers=6")) == 2
    assert first.poll() is None, "the first command ended before the second was tried"
    assert capsys.readouterr().err == refusal(name, folder)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    assert overrides(folder) == ["horizon.days=150", "checkout.cashiers=2"]
    assert FOLDERS[name][2] in contents(folder)
    assert [p.name for p in out.rglob(".*")] == [f".{folder.name}.lock"]


@pytest.mark.parametrize("name", ["compare", "select", "run --parameter-sets"])
def test_kill_9_mid_write_keeps_the_old_results_and_the_next_write_clears_what_it_left(
    name: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _, folder_name, first = FOLDERS[name]
    folder = out / folder_name
    assert main(command(name, out, "--set", "checkout.cashiers=2")) == 0
    (folder / "notes.txt").write_text("mine\n")
    before = contents(folder)
    # --parameter-sets writes a few small tables in an instant: it is killed while it simulates
    marker = "" if "--parameter-sets" in name else first
    again = command(name, out, "--set", "checkout.cashiers=5", "--force")
    kill_while_writing(again, folder, tmp_path, marker)
    assert contents(folder) == before
    leftover = folder.with_name(f".{folder.name}.new")
    assert leftover.is_dir()
    assert main(again) == 0
    assert overrides(folder) == ["checkout.cashiers=5"]
    assert (folder / "notes.txt").read_text() == "mine\n"
    assert [p.name for p in out.rglob(".*")] == [f".{folder.name}.lock"]


@pytest.mark.parametrize("plain", ["run", "compare"])
def test_parameter_sets_and_plain_results_of_one_folder_replace_each_other(
    plain: str, tmp_path: Path
) -> None:
    """run and run --parameter-sets (compare and compare --parameter-sets) write one folder:
    each replaces the other's files whole, so no table of one is left beside the other's."""
    out = tmp_path / "out"
    folder = out / FOLDERS[plain][1]
    assert main(command(plain, out, "--no-report")) == 0
    (folder / "notes.txt").write_text("mine\n")
    made_plain = set(contents(folder))
    assert main(command(f"{plain} --parameter-sets", out)) == 0
    made_with_sets = set(contents(folder))
    assert made_with_sets & made_plain == {"notes.txt", "replications.csv", "manifest.json"} | (
        {"baseline.yaml", "effortless_checkout.yaml"} if plain == "compare" else set()
    )
    assert {"uncertainty.csv", "parameter_sets.csv"} <= made_with_sets
    assert "set" in pd.read_csv(folder / "replications.csv").columns
    assert main(command(plain, out, "--no-report")) == 0
    assert set(contents(folder)) == made_plain
    assert "set" not in pd.read_csv(folder / "replications.csv").columns


def _results(staging: Path, text: str) -> None:
    (staging / "summary.csv").write_text(text)


def test_files_added_or_edited_while_the_results_are_written_are_kept(tmp_path: Path) -> None:
    """An animation's GIF written, a note added and a note saved by rename (as editors do)
    while a command writes its results all survive the swap, as they are at its end."""
    folder = tmp_path / "baseline"
    folder.mkdir()
    (folder / "summary.csv").write_text("old")
    (folder / "notes.txt").write_text("first draft")
    with replaced_folder(folder, lambda name: name != "summary.csv") as staging:
        _results(staging, "new")
        (folder / "floor_day3.gif").write_bytes(b"GIF89a")
        edited = folder / ".notes.txt.swp"
        edited.write_text("second draft")
        edited.rename(folder / "notes.txt")
    assert (folder / "summary.csv").read_text() == "new"
    assert (folder / "notes.txt").read_text() == "second draft"
    assert (folder / "floor_day3.gif").read_bytes() == b"GIF89a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline"]


def test_a_results_folder_that_is_a_link_keeps_its_link_run_after_run(tmp_path: Path) -> None:
    """--out/baseline linked to another disk: the link stays, its target gets the results,
    and nothing is left beside either (a second run failed with 'Not a directory')."""
    target = tmp_path / "bigdisk" / "baseline"
    target.mkdir(parents=True)
    link = tmp_path / "out" / "baseline"
    link.parent.mkdir()
    link.symlink_to(target)
    for text in ("one", "two"):
        with replaced_folder(link, lambda name: name != "summary.csv") as staging:
            _results(staging, text)
    assert link.is_symlink() and (link / "summary.csv").read_text() == "two"
    assert sorted(p.name for p in link.parent.iterdir()) == ["baseline"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["baseline"]


@pytest.mark.parametrize("leftover", [".baseline.new", ".baseline.old"])
@pytest.mark.parametrize("kind", ["file", "link"])
def test_a_stray_file_or_link_at_a_name_the_swap_uses_is_cleared(
    leftover: str, kind: str, tmp_path: Path
) -> None:
    """A file (or a dangling link) at .baseline.new, where new results are staged, ended the
    command with exit 1 and 'File exists'; one at .baseline.old could take the results' place.
    Only a leftover folder was cleared."""
    folder = tmp_path / "baseline"
    folder.mkdir()
    (folder / "summary.csv").write_text("old")
    stray = tmp_path / leftover
    if kind == "file":
        stray.write_text("stray")
    else:
        stray.symlink_to(tmp_path / "nowhere")
    with replaced_folder(folder, lambda name: name != "summary.csv") as staging:
        _results(staging, "new")
    assert (folder / "summary.csv").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline"]


def test_the_new_folder_has_the_old_ones_permissions_and_group(tmp_path: Path) -> None:
    """A team folder (setgid, group-writable, closed to others) stays one after a run (it
    came back as drwxr-xr-x)."""
    folder = tmp_path / "baseline"
    folder.mkdir()
    os.chmod(folder, 0o2770)
    with replaced_folder(folder, lambda name: name != "summary.csv") as staging:
        _results(staging, "new")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o2770


def test_a_compare_of_long_names_gets_a_folder_the_file_system_takes(tmp_path: Path) -> None:
    """Scenario names of up to 100 characters, joined for compare, made a folder name longer
    than the 255 bytes file systems take ("File name too long" before anything ran)."""
    names = ["compare", "baseline", *(f"{letter * 100}" for letter in "abc")]
    stem = "-".join(names)
    name = folder_name(stem)
    assert len(name) <= MAX_FOLDER and name.startswith("compare-baseline-aaa")
    assert folder_name(stem[:-1]) != name  # the names that are cut off still tell them apart
    folder = tmp_path / name
    with exclusive(folder_lock(folder), None), replaced_folder(folder, bool) as staging:
        _results(staging, "new")
    assert (folder / "summary.csv").exists()
    assert folder_name("baseline") == "baseline"


def test_names_in_other_scripts_keep_their_letters_in_the_folder_name(tmp_path: Path) -> None:
    """Only A-Z, a-z and 0-9 were kept: "Sklep Łódź" wrote to Sklep_d/, and a name with no
    ASCII letter ("Магазин у дома", "日本の店") was refused, though a name of any script is a
    name; one cut short by MAX_FOLDER bytes keeps whole characters, and the file system takes
    it."""
    assert folder_name("Sklep Łódź") == "Sklep_Łódź"
    assert folder_name("Магазин у дома") == "Магазин_у_дома"
    assert folder_name("e\u0301cole") == "école"  # decomposed as a Mac may give it: composed
    path = tmp_path / "s.yaml"
    path.write_text("name: 日本の店\n", encoding="utf-8")
    assert load_scenario(path).name == "日本の店"
    long = folder_name("-".join(["compare", *("日本の店" * 25 for _ in range(3))]))
    assert len(long.encode()) <= MAX_FOLDER and long.startswith("compare-日本の店")
    (tmp_path / long).mkdir()  # and a lock file's name, four bytes longer, fits 255 too
    (tmp_path / f".{long}.lock").touch()


def test_each_scenarios_yaml_in_a_study_folder_gets_a_file_name_the_file_system_takes(
    tmp_path: Path,
) -> None:
    """compare, select and --parameter-sets write each scenario's resolved YAML beside their
    tables, named by the scenario: 90 CJK characters (270 bytes) failed with "File name too
    long" after simulating, and "a/b" named a folder that is not there. Now each is its
    folder_name, numbered apart where two come to the same."""
    names = ["a/b", "a_b", "字" * 90, "字" * 90 + "-2"]
    files = scenario_files(names)
    assert files[:2] == ["a_b.yaml", "a_b-2.yaml"]
    assert len(set(files)) == len(names)
    for name in files:
        assert len(name.encode()) <= NAME_MAX and "/" not in name
        (tmp_path / name).write_text("name: x\n")
    assert comparison_files(names) >= set(files)
    out = tmp_path / "out"
    argv = ["compare", BASELINE, BASELINE, "--set", f"name={names[2]}", *SHORT, "--out", str(out)]
    assert main([*argv, "--no-report", "--quiet"]) == 0
    (folder,) = [path for path in out.iterdir() if path.is_dir()]  # beside its lock file
    assert sorted(p.name for p in folder.glob("*.yaml")) == sorted(scenario_files(names[2:]))
