"""Progress bars for runs longer than a moment."""

from __future__ import annotations

from tqdm import tqdm

COUNT = "{{desc}}: {{n_fmt}} {unit}s [{{elapsed}}, {{rate_fmt}}]"  # a bar without a total


class _Bar(tqdm):
    """tqdm that turns into a count once it runs past its total (a last stage whose runs are
    not known ahead, as the selection after optimise's trials), rather than lose its total and
    show "25run" after "24/24"."""

    def update(self, n: float | None = 1) -> bool | None:
        if self.total and self.n + (n or 0) > self.total:
            self.total = None
            self.bar_format = COUNT.format(unit=self.unit)
        return super().update(n)


def progress_bar(total: int | None, what: str, quiet: bool = False, unit: str = "run") -> tqdm:
    """A bar with runs (or other units) done, rate and time left; a count and rate when the
    total is unknown ("select: 25 runs [00:05, 3.41run/s]", tqdm's rate as with a total), or
    once the runs pass the total; shown only after two seconds, never if quiet."""
    count = None if total else COUNT.format(unit=unit)
    return _Bar(
        total=total, desc=what, unit=unit, delay=2.0, disable=quiet, leave=False, bar_format=count
    )
