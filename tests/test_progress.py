"""The progress bar keeps telling the truth when a last stage runs past its total."""

from __future__ import annotations

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
