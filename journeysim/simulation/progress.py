"""Progress bars for runs longer than a moment."""

from __future__ import annotations

from tqdm import tqdm


def progress_bar(total: int | None, what: str, quiet: bool = False, unit: str = "runs") -> tqdm:
    """A bar with runs (or other units) done, rate and time left (a count and rate when the
    total is unknown: "25 runs [00:05, 3.41 runs/s]"); shown only after two seconds, never if
    quiet."""
    return tqdm(total=total, desc=what, unit=f" {unit}", delay=2.0, disable=quiet, leave=False)
