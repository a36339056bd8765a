"""The `validate` and `schema` commands, and where `schema --markdown --out` puts the parameter
table in a document: between two marker lines, the rest kept (text only, so that `--help`
loads no schema)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from journeysim.cli.options import (
    UsageError,
    add_set_option,
    expected,
    output_path,
    problem_lines,
    writable_file,
)
from journeysim.files import write_text

# Where `schema --markdown --out` puts the parameter table in a document (docs/model.md).
START = "<!-- parameters:start -->"
END = "<!-- parameters:end -->"


class MarkersMissing(ValueError):
    """The document has no parameter markers to write the table between."""


def section(document: str) -> str:
    """The text between the parameter markers of `document`."""
    start, end = document.find(START), document.find(END)
    if start < 0 or end < start:
        raise MarkersMissing(f"no {START} ... {END} markers")
    return document[start + len(START) : end].strip("\n") + "\n"


def splice(document: str, table: str) -> str:
    """`document` with `table` between its parameter markers, the rest unchanged."""
    section(document)  # raises when the markers are missing
    start, end = document.find(START) + len(START), document.find(END)
    return document[:start] + "\n" + table + document[end:]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `validate` and `schema` to the journeysim command parser."""
    validate = subparsers.add_parser(
        "validate",
        help="check scenario files and list every problem",
        description="Load each scenario file with its extends chain and report every problem "
        "with the file and key that cause it. Exit code 0 when all files are valid, 2 otherwise.",
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE", help="scenario YAML file")
    add_set_option(validate)
    validate.set_defaults(handler=_validate)

    schema = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of scenario files, or the parameter table",
        description="Print the JSON Schema of scenario files, for editor completion and checks; "
        "with --markdown, the table of every parameter with its default, unit, range, meaning "
        "and source (the one in docs/model.md).",
    )
    schema.add_argument(
        "--markdown",
        action="store_true",
        help="the parameter table as markdown instead of the JSON Schema",
    )
    schema.add_argument(
        "--out",
        type=output_path,
        metavar="FILE",
        help="write to FILE instead of printing; with --markdown an existing FILE keeps its "
        f"text and gets the table between its {START} and {END} lines",
    )
    schema.set_defaults(handler=_schema)


def _validate(args: argparse.Namespace) -> int:
    from journeysim.scenario.errors import ScenarioError  # the schema: not for --help
    from journeysim.scenario.loader import load_scenario

    said: set[str] = set()  # an option's problem, the same for every file, is said once
    for path in args.files:
        try:
            scenario = load_scenario(path, args.overrides)
        except ScenarioError as error:  # a file's problems as they are, an option's as usage
            lines = problem_lines(args.command, error, others="")
            if lines not in said:
                print(lines, file=sys.stderr)
            said.add(lines)
        else:
            print(f"ok  {path} ({scenario.name})")
    return 2 if said else 0


def _schema(args: argparse.Namespace) -> int:
    from journeysim.scenario.loader import scenario_json_schema  # the schema: not for --help
    from journeysim.scenario.reference import parameter_table

    if args.markdown:
        text = parameter_table()
    else:
        text = json.dumps(scenario_json_schema(), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    writable_file(args.out)
    try:
        if args.markdown:
            text = _with_table(args.out, text)
        write_text(args.out, text)
    except MarkersMissing:
        raise UsageError(
            expected(f"a file with {START} and {END} lines", args.out), "--out"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(expected("a UTF-8 text file", args.out), "--out") from None
    except OSError as error:
        print(f"journeysim: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0


def _with_table(path: Path, table: str) -> str:
    """The document at `path` with `table` between its markers (a new one when it is absent)."""
    if not path.exists():
        return f"{START}\n{table}{END}\n"
    return splice(path.read_text(encoding="utf-8"), table)
