"""Progress bars for runs longer than a moment."""

from __future__ import annotations

import threading

from tqdm import tqdm

from journeysim.words import plural

COUNT = "{desc}: {count} [{elapsed}, {rate_fmt}]"  # a bar without a total
DELAY = 2.0  # seconds before a bar shows: a quick command shows none
TICK = 1.0  # seconds between redraws while no unit finishes


class _Bar(tqdm):
    """tqdm that turns into a count once it runs past its total (a last stage whose runs are
    not known ahead, as the selection after optimise's trials), rather than lose its total and
    show "25run" after "24/24". On a terminal it shows once its delay has passed and then
    ticks every second, also before the first unit finishes (the history of a big store, its
    first replications), so that a long wait shows its elapsed time instead of nothing; a log
    file gets a line only as units finish."""

    def __init__(self, *args, **kwargs) -> None:
        self._closed = threading.Event()
        self._drawn = False
        self._ticker: threading.Thread | None = None
        super().__init__(*args, **kwargs)
        if not self.disable and self.fp.isatty():
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        """Redraw the bar after the delay and every TICK seconds until it closes; without
        tqdm's lock, which a worker process forked meanwhile would inherit held."""
        wait = self.delay
        while not self._closed.wait(wait):
            self._drawn = self.refresh(nolock=True) or self._drawn
            wait = TICK

    def close(self) -> None:
        """Stop the ticking and clear the bar, also one only the ticking has drawn."""
        self._closed.set()
        if self._ticker is not None:
            self._ticker.join()  # no redraw after the bar is cleared
            self._ticker = None
        if self._drawn and not self.disable:
            self.last_print_t = max(self.last_print_t, self.start_t + self.delay)
        super().close()

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
        delay=DELAY,
        disable=quiet,
        leave=False,
        bar_format=None if total else COUNT,
    )
