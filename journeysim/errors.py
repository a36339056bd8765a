"""The errors journeysim raises for bad input, one family that callers can catch."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(ValueError):
    """Bad input: a scenario, study file, option or API argument that cannot be used as given.
    The message has one line per problem, naming the file, key or argument and what was
    expected. Every error journeysim raises for bad input is an InputError (ScenarioError and
    DesignError are kinds of it)."""


class InputTypeError(InputError, TypeError):
    """An API argument of the wrong type (also a TypeError)."""


def closest(given: str, choices: Iterable[str]) -> str | None:
    """The choice a mistyped `given` most likely meant, if any is close."""
    close = difflib.get_close_matches(given, list(choices), n=1)
    return close[0] if close else None


def did_you_mean(given: str, choices: Iterable[str]) -> str:
    """ "; did you mean 'family'?" for a `given` close to one of `choices`, else ""."""
    meant = closest(given, choices)
    return f"; did you mean '{meant}'?" if meant else ""
