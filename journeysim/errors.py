"""The errors journeysim raises for bad input, one family that callers can catch."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import NamedTuple, Self


class Option(str):
    """Who gave a value, when a command-line option did: the option as problems name it
    (`--reps`, `--set hours.open`, `--vary KEY=1,2`), so that the command line says a problem
    opening with it as a usage error of the option."""


class Options(Option):
    """Options that gave a value together, named as one: `--set payment.outages.0.day and --set
    payment.outages.0.start` (`a, b and c` for more); `given` holds each, in order."""

    given: tuple[str, ...]

    def __new__(cls, given: Sequence[str]) -> Self:
        *first, last = given
        joined = super().__new__(cls, f"{', '.join(first)} and {last}" if first else last)
        joined.given = tuple(given)
        return joined


def given_with(source: str, text: str) -> str:
    """`SOURCE TEXT`, e.g. `--vary KEY=1,2`: an Option when `source` is one."""
    joined = f"{source} {text}"
    return Option(joined) if isinstance(source, Option) else joined


def given_twice(
    option: str, given: Iterable[tuple[str, str]], expected: str, verb: str = "given"
) -> str | None:
    """The problem of a repeatable `option` that gives one key twice, e.g. `--target nps=30 and
    --target nps=31: expected one target per KPI (nps is targeted twice)`, naming the first key
    repeated; `given` pairs each key with its text as typed. None if every key comes once."""
    first: dict[str, str] = {}
    for key, text in given:
        if key in first:
            return (
                f"{option} {first[key]} and {option} {text}: expected {expected} ({key} is "
                f"{verb} twice)"
            )
        first[key] = text
    return None


def option_of(source: str) -> str:
    """`source` when it is a command-line option (an Option), else ""."""
    return source if isinstance(source, Option) else ""


class Problem(NamedTuple):
    """One line of an InputError, and the command-line option it opens with, whose value is at
    fault ("" when a file, key or API argument is)."""

    line: str
    option: str = ""


class InputError(ValueError):
    """Bad input: a scenario, study file, option or API argument that cannot be used as given.
    The message has one line per problem, naming the file, key or argument and what was
    expected; `problems` holds each line with its option (see `Problem`). Every error
    journeysim raises for bad input is an InputError (ScenarioError and DesignError are kinds
    of it)."""

    def __init__(self, message: str, given_by: str = "") -> None:
        """A problem that opens with `given_by`, who gave the value at fault (an Option makes
        it the problem of a command-line option)."""
        super().__init__(message)
        self.problems = (Problem(message, option_of(given_by)),)

    @classmethod
    def joined(cls, problems: Sequence[Problem]) -> Self:
        """One error of several problems, a line each."""
        error = cls("\n".join(problem.line for problem in problems))
        error.problems = tuple(problems)
        return error


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
