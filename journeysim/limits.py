"""Bounds of a run's settings, in a module that imports nothing: the command line checks its
options against them while parsing, before the scenario schema (which uses them) loads."""

MAX_DAYS = 3650  # ten years of simulated days
MAX_SEED = 2**63 - 1
MAX_REPLICATIONS = 10_000  # replications of one run
# Local worker processes a core may run: replications are bound by the processor, so more only
# share the cores, and each holds its replication's visits (100,000 workers of 2 cores would
# start as many processes as replications).
WORKERS_PER_CORE = 4


def most_workers(cores: int | None) -> int:
    """The most local worker processes a run may start on a machine of `cores` cores
    (`os.cpu_count()`, None when unknown: one)."""
    return WORKERS_PER_CORE * (cores or 1)


# Trials an optimisation or calibration may ask for: each of Optuna's samples weighs every
# earlier trial, and a search of a few keys settles within hundreds.
MAX_TRIALS = 10_000
# The fewest trials an optimisation runs, best trials (candidates) its select weighs against
# one another, and trials a calibration runs: the options' types and the specs' checks (of
# files and the API) share them.
MIN_TRIALS = 1
MIN_CANDIDATES = 2
MIN_CALIBRATION_TRIALS = 2
