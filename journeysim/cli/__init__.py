"""The journeysim command line: argument parsing and printing, one module per command."""

from __future__ import annotations

import argparse
import sys
import warnings

from journeysim.cli.options import UsageError
from journeysim.scenario.errors import ScenarioError
from journeysim.simulation.failures import ReplicationFailed


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line
            return args.handler(args)
    except ScenarioError as error:
        print(f"journeysim: {error}", file=sys.stderr)
        return 2
    except UsageError as error:
        print(f"journeysim {error}", file=sys.stderr)
        return 2
    except ReplicationFailed as error:
        print(f"journeysim: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("journeysim: interrupted; finished runs are kept", file=sys.stderr)
        return 130


def _one_line(message, category, filename, lineno, file=None, line=None) -> None:
    """journeysim's warnings as one line on stderr; others as Python shows them."""
    if category.__module__.startswith("journeysim."):
        print(f"journeysim: warning: {message}", file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="journeysim",
        description="Simulate the retail customer journey and its effect on loyalty.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from journeysim.cli import (
        calibrate,
        compare,
        fit_receipts,
        optimise,
        replay,
        run,
        scenario,
        select,
        sweep,
        trace,
    )

    for command in (
        run,
        compare,
        select,
        sweep,
        optimise,
        calibrate,
        scenario,
        trace,
        replay,
        fit_receipts,
    ):
        command.register(commands)
    return parser
