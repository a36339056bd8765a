"""Progress bars for runs longer than a moment."""

from __future__ import annotations

from tqdm import tqdm

from journeysim.words import plural

COUNT = "{desc}: {count} [{elapsed}, {rate_fmt}]"  # a bar without a total


class _Bar(tqdm):
    """tqdm that turns into a count once it runs past its total (a last stage whose runs are
    not known ahead, as the selection after optimise's trials), rather than lose its total and
    show "25run" after "24/24"."""

    @property
    def format_dict(self) -> dict:
        """tqdm's fields and `count`, the units done in words: "1 run", "25 runs"."""
        fields = super().format_dict
        return fields | {"count": plural(fields["n"], fields["unit"])}

    def update(self, n: float | None = 1) -> bool | None:
        if self.total and self.n + (n or 0) > self.total:
            self.total = None
            self.bar_format = COUNT
        return super().update(n)


def progress_bar(total: int | None, what: str, quiet: bool = False, unit: str = "run") -> tqdm:
    """A bar with runs (or other units) done, rate and time left; a count and rate when the
    total is unknown ("select: 25 replications [00:05, 3.41replication/s]", tqdm's rate as with
    a total), or once the runs pass the total; shown only after two seconds, never if quiet."""
    return _Bar(
        total=total,
        desc=what,
        unit=unit,
        delay=2.0,
        disable=quiet,
        leave=False,
        bar_format=None if total else COUNT,
    )
