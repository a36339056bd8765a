"""The progress bar shows while nothing has finished yet, and keeps telling the truth when a
last stage runs past its total."""

from __future__ import annotations

import sys
import time

from journeysim.simulation import progress
from journeysim.simulation.progress import progress_bar


def test_a_bar_run_past_its_total_turns_into_a_count() -> None:
    """optimise's total counts its trials' replications; the selection after them adds some no
    one knows ahead: the bar then counts on ("optimise: 5 runs [...]"), never "5/3"."""
    with progress_bar(3, "optimise") as bar:
        for _ in range(3):
            bar.update()
        assert str(bar).startswith("optimise: 100%") and "3/3" in str(bar)
        bar.update()
        bar.update()
        assert bar.total is None and bar.n == 5
        assert str(bar).startswith("optimise: 5 runs [")


def test_a_bar_without_a_total_counts_from_the_start_in_words() -> None:
    with progress_bar(None, "select", unit="replication") as bar:
        bar.update()
        assert str(bar).startswith("select: 1 replication [")
        bar.update()
        assert str(bar).startswith("select: 2 replications [")


def test_a_bar_shows_and_ticks_before_the_first_run_finishes(monkeypatch, capsys) -> None:
    """A big store's history and first replications take minutes before any run finishes: the
    bar shows after its delay all the same, and its elapsed time goes on, then it is cleared."""
    monkeypatch.setattr(progress, "DELAY", 0.05)
    monkeypatch.setattr(progress, "TICK", 0.05)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with progress_bar(2, "baseline"):
        time.sleep(0.5)
        shown = capsys.readouterr().err
    assert "baseline:   0%" in shown and "0/2" in shown
    assert shown.count("0/2") >= 3  # drawn again as the time passes
    assert capsys.readouterr().err.endswith("\r")  # cleared when done


def test_a_log_file_gets_no_ticks(monkeypatch, capsys) -> None:
    """Redrawn every second into a file, an hour's run would leave 3,600 copies of its bar."""
    monkeypatch.setattr(progress, "DELAY", 0.05)
    monkeypatch.setattr(progress, "TICK", 0.05)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with progress_bar(2, "baseline") as bar:
        time.sleep(0.5)
        assert capsys.readouterr().err == ""
        bar.update()
    assert "1/2" in capsys.readouterr().err  # a unit finished: shown as before
