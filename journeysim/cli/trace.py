"""The `trace` and `animate` commands: one customer's story and the store floor as a GIF."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from journeysim.cli.options import (
    LazyChoices,
    UsageError,
    add_day_options,
    add_days_option,
    add_replication_options,
    check_day,
    clock_window,
    gif_path,
    scenario_from_args,
    warn_if_nobody,
    whole_number,
    writable_file,
)
from journeysim.files import folder_name, write_bytes
from journeysim.words import plural

if TYPE_CHECKING:
    from journeysim.report.trace import Traced
    from journeysim.scenario.schema import Scenario
    from journeysim.simulation.burn_in import History

PICKS = LazyChoices("journeysim.report.trace", "PICKS")
MAX_FRAMES = 480  # a minute of GIF: each frame takes about 0.15 s and 3 MB while drawing


def register(subparsers: argparse._SubParsersAction) -> None:
    trace = subparsers.add_parser(
        "trace",
        help="tell one customer's visits step by step",
        description="Run one replication with tracing and tell one customer's visits in plain "
        "language: each touchpoint with the feeling and effort it caused, then the remembered "
        "score, effort, satisfaction and how relationship, return chance and likelihood to "
        "recommend moved. Without --customer or --visit, picks the worst remembered visit.",
    )
    trace.add_argument("scenario", type=Path, metavar="SCENARIO.yaml", help="scenario file")
    who = trace.add_mutually_exclusive_group()
    who.add_argument(
        "--customer", type=whole_number(0), metavar="ID", help="tell this customer's visits"
    )
    who.add_argument(
        "--visit", type=whole_number(1), metavar="N", help="tell the visit with this id (from 1)"
    )
    who.add_argument(
        "--pick",
        choices=PICKS,
        metavar="WHICH",
        help="a telling visit (%(choices)s): the worst or best remembered; with --against, "
        "the visit remembered most below (hurt) or above (helped) the same visit in FIRST.yaml; "
        "of the visits that met a terminal outage, one with no cash and the longest shopping "
        "list; a regular's visits before and after a familiar staff member left; or a shopper "
        "queueing while a colleague opened one more lane",
    )
    first = trace.add_mutually_exclusive_group()
    first.add_argument(
        "--history-of",
        type=Path,
        metavar="FIRST.yaml",
        help="start from FIRST.yaml's history and seed, as compare and replay start every "
        "scenario after the first, so that its customers and their visits are those they show "
        "(a scenario's own history differs when its change was always so)",
    )
    first.add_argument(
        "--against",
        type=Path,
        metavar="FIRST.yaml",
        help="as --history-of, and tell after each visit the same visit in FIRST.yaml (the "
        "same customer, with the same draws of chance); --pick outage then picks a visit the "
        "outage left worse off than FIRST.yaml did, and worst or best one FIRST.yaml has too",
    )
    add_replication_options(trace)
    add_days_option(trace)
    trace.set_defaults(handler=_trace)

    anim = subparsers.add_parser(
        "animate",
        help="animate the store floor on one day as a GIF",
        description="Replay one day of a replication and draw the store floor from above: "
        "shoppers as dots coloured by mood, queues, carts and card terminals. Without --from "
        "and --to, shows two hours around the day's first terminal failure, or the whole day.",
    )
    anim.add_argument("scenario", type=Path, metavar="SCENARIO.yaml", help="scenario file")
    add_day_options(anim)
    anim.add_argument(
        "--frames",
        type=whole_number(1, MAX_FRAMES),
        default=120,
        metavar="N",
        help=f"frames in the GIF, 1 to {MAX_FRAMES}, shown 8 a second; drawing one takes "
        "about 0.15 s and 3 MB of memory (default: 120)",
    )
    anim.add_argument(
        "--out",
        type=gif_path,
        metavar="FILE.gif",
        help="GIF to write, its name ending in .gif (default: "
        "results/<scenario>/floor_day<N>.gif, which the report of a run of the same settings "
        "embeds, or floor_day<N>_replication<R>.gif for a --replication other than 0)",
    )
    anim.add_argument(
        "--history-of",
        type=Path,
        metavar="FIRST.yaml",
        help="start from FIRST.yaml's history and seed, as compare and replay start every "
        "scenario after the first, so that the floor shows the customers they show (a what-if "
        "whose change was always so lives a history of its own: a store whose floor was "
        "always dirty has far fewer customers)",
    )
    add_replication_options(anim)
    anim.set_defaults(handler=_animate, days=None)


def _trace(args: argparse.Namespace) -> int:
    from journeysim.report.trace import tell
    from journeysim.simulation.replication import past

    if args.pick in ("hurt", "helped") and args.against is None:
        raise UsageError(
            f"expected --against FIRST.yaml with --pick {args.pick} (the visit the change "
            f"{args.pick} most, against the same visit in FIRST.yaml)",
            "--pick",
        )
    first, scenario = _after_first(args.against or args.history_of, args)
    print(
        f"Tracing {scenario.name}, replication {args.replication}, "
        f"{plural(scenario.total_days, 'day')}"
        + ("" if first is None else f", from the history of {first.name}")
        + ("" if args.against is None else f", and {first.name}")
        + "...",
        file=sys.stderr,
    )
    rep, _, staff = _traced(scenario, args.replication, past(scenario, first))
    against = None if args.against is None else _traced(first, args.replication, past(first))
    try:
        story = tell(
            rep,
            scenario,
            customer=args.customer,
            visit=args.visit,
            pick=args.pick,
            staff=staff,
            against=against,
        )
    except LookupError as error:  # an unknown id is a usage error; no telling visit is not
        if args.customer is not None or args.visit is not None:
            option = "--visit" if args.customer is None else "--customer"
            raise UsageError(error.args[0], option) from None
        print(f"journeysim trace: {error.args[0]}", file=sys.stderr)
        return 1
    print(story, end="")
    return 0


def _after_first(
    first_path: Path | None, args: argparse.Namespace
) -> tuple[Scenario | None, Scenario]:
    """The scenario of the command's file, and the FIRST.yaml of --history-of or --against
    (None without one) whose history and seed it then starts from, as compare aligns them."""
    scenario = scenario_from_args(args.scenario, args)
    if first_path is None:
        return None, scenario
    from journeysim.study.compare import common_random_numbers

    first, scenario = common_random_numbers([scenario_from_args(first_path, args), scenario])
    return first, scenario


def _traced(scenario: Scenario, replication: int, history: History | None) -> Traced:
    """Replication `replication` of `scenario` from `history`, traced, with its staff's names."""
    from journeysim.report.trace import Traced
    from journeysim.simulation.replication import Simulation

    sim = Simulation(scenario, replication, trace=True, past=history)
    rep = sim.run()  # first: the roster then has the newcomers hired during the run too
    return Traced(rep, scenario, {member.id: member.name for member in sim.store.roster.members})


def gif_name(day: int, replication: int) -> str:
    """The default name of an animation: the report embeds replication 0's, so another
    replication's is named apart rather than written over it."""
    return (
        f"floor_day{day}.gif"
        if replication == 0
        else f"floor_day{day}_replication{replication}.gif"
    )


def _animate(args: argparse.Namespace) -> int:
    from journeysim.report.animate import animate, default_window
    from journeysim.report.monitor import replay
    from journeysim.report.trace import span

    first, scenario = _after_first(args.history_of, args)
    check_day(args.day, scenario.total_days)
    out = args.out or Path("results") / folder_name(scenario.name) / gif_name(
        args.day, args.replication
    )
    writable_file(out)
    clock_window(args, (0.0, 1440.0))  # before simulating anything
    began = time.perf_counter()
    day = replay(scenario, args.day, args.replication, reference=first)
    start, end = clock_window(args, default_window(day))
    gif = animate(day, start, end, args.frames)
    write_bytes(out, gif)
    print(
        f"{out}: {plural(args.frames, 'frame')}, day {args.day} {span(start, end)}, "
        f"{len(gif) / 1e6:.1f} MB in {time.perf_counter() - began:.1f} s"
    )
    warn_if_nobody(day.shoppers_between(start, end), scenario, args)
    return 0
