"""The errors journeysim raises for bad input, one family that callers can catch."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: a scenario, study file, option or API argument that cannot be used as given.
    The message has one line per problem, naming the file, key or argument and what was
    expected. Every error journeysim raises for bad input is an InputError (ScenarioError and
    DesignError are kinds of it)."""


class InputTypeError(InputError, TypeError):
    """An API argument of the wrong type (also a TypeError)."""
