"""The `replay` command: one day of one or more scenarios as a self-contained replay.html."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from journeysim.cli.options import (
    UsageError,
    add_day_options,
    add_replication_options,
    check_day,
    clock_window,
    output_path,
    scenario_from_args,
    warn_if_nobody,
    writable_folder,
    writing,
)
from journeysim.files import folder_name, write_text
from journeysim.manifest import MANIFEST, earlier_invocations, write_manifest
from journeysim.words import plural


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="write replay.html: play a day on the store floor, scenarios side by side",
        description="Replay one day of one or more scenarios with common random numbers (the "
        "same shoppers in each) and write one self-contained replay.html: the floor from "
        "above with shoppers coloured by mood, play/pause, speed, a timeline with marks at "
        "outages and spills, and each shopper's visit told on a click. Without --from and "
        "--to, shows two hours around the day's first terminal failure, or the whole day.",
    )
    parser.add_argument(
        "scenarios", nargs="+", type=Path, metavar="SCENARIO.yaml", help="one panel each"
    )
    add_day_options(parser)
    parser.add_argument(
        "--out",
        type=output_path,
        metavar="DIR",
        help="folder for replay.html (default: results/replay-<names>)",
    )
    add_replication_options(parser)
    parser.set_defaults(handler=_replay, days=None)


def other_command(folder: Path) -> str | None:
    """The command whose results `folder` holds beside a replay's own files (a run's, a
    sweep's: their manifest.json, which a replay would write over), else None."""
    if not (folder / MANIFEST).is_file():
        return None
    if all(path.name in (MANIFEST, "replay.html") for path in folder.iterdir()):
        return None
    made = earlier_invocations(folder)
    return str(made[-1].get("command")) if made else "another command"


def _replay(args: argparse.Namespace) -> int:
    from journeysim.report.replay import replay_data, replay_page, replays, title, window

    scenarios = [scenario_from_args(path, args) for path in args.scenarios]
    folder = args.out or Path("results") / folder_name(
        "-".join(["replay", *(s.name for s in scenarios)])
    )
    writable_folder(folder, ["replay.html", MANIFEST])
    if other := other_command(folder):
        raise UsageError(
            f"{folder} holds the results of {other}, whose manifest and replay.html a replay "
            "would write over; give another --out",
            "--out",
        )
    check_day(args.day, min(s.total_days for s in scenarios))
    clock_window(args, (0.0, 1440.0))  # before simulating anything
    began = time.perf_counter()
    days = replays(scenarios, args.day, args.replication)
    start, end = clock_window(args, window(days))
    name = title(days, start, end)
    data = replay_data(days, start, end)
    html = replay_page(data, name)
    path = folder / "replay.html"
    with writing(folder):
        write_text(path, html)
        write_manifest(folder, scenarios[0].seed, args.overrides)
    visits = sum(len(panel["shoppers"]) for panel in data["panels"])
    print(
        f"{path}: {name}, {plural(visits, 'visit')}, {len(html.encode()) / 1e6:.1f} MB "
        f"in {time.perf_counter() - began:.1f} s"
    )
    warn_if_nobody(visits, scenarios[0], args)
    return 0
