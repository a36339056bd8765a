"""Bounds of a run's settings, in a module that imports nothing: the command line checks its
options against them while parsing, before the scenario schema (which uses them) loads."""

MAX_DAYS = 3650  # ten years of simulated days
MAX_SEED = 2**63 - 1
MAX_REPLICATIONS = 10_000  # replications of one run
# Trials an optimisation or calibration may ask for: each of Optuna's samples weighs every
# earlier trial, and a search of a few keys settles within hundreds.
MAX_TRIALS = 10_000
