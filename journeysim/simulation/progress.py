"""Progress bars for runs longer than a moment."""

from __future__ import annotations

from tqdm import tqdm


def progress_bar(total: int | None, what: str, quiet: bool = False, unit: str = "run") -> tqdm:
    """A bar with runs (or other units) done, rate and time left; a count and rate when the
    total is unknown ("select: 25 runs [00:05, 3.41run/s]", tqdm's rate as with a total);
    shown only after two seconds, never if quiet."""
    count = None if total else f"{{desc}}: {{n_fmt}} {unit}s [{{elapsed}}, {{rate_fmt}}]"
    return tqdm(
        total=total, desc=what, unit=unit, delay=2.0, disable=quiet, leave=False, bar_format=count
    )
