"""Warnings about the machine a command runs on, as opposed to what its results mean."""

from __future__ import annotations


class MachineWarning(UserWarning):
    """A warning about the machine (its memory, the history cache, a manifest's metadata),
    not about the results: a command prints it, and its report leaves it out."""
