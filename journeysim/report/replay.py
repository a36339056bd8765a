"""The trainer's replay: one self-contained HTML page that plays a day of one or more scenarios
on the store floor, shopper by shopper.

`replay_data` turns traced `Replay`s (`report.monitor.replay`) into plain JSON: the floor plan
and each shopper's way through it (from `report.animate`), the monitor's samples, terminal
outages, spills, staff, and each visit told as `journeysim trace` tells it. `replay_page` inlines
that JSON with the player's JavaScript and CSS (`report/player/`): no network, no build step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from html import escape
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from journeysim.files import write_text
from journeysim.report.animate import (
    CHECKOUT_BOX,
    GLIDE_MIN,
    HEIGHT,
    QUEUE_STEP,
    WIDTH,
    Floor,
    Track,
    default_window,
    floor_plan,
    sightings,
    spot,
    tracks,
)
from journeysim.report.html_blocks import paragraph, section
from journeysim.report.monitor import Replay, down_intervals, replay
from journeysim.report.trace import (
    MOODS,
    clock,
    customer_header,
    day_label,
    outcome,
    span,
    step_numbers,
    terminals_down,
    visit_heading,
)
from journeysim.scenario.schema import Scenario
from journeysim.study.compare import common_random_numbers
from journeysim.words import amount
from journeysim.world.checkout import terminal_name

SPILL_JUMP = 0.5  # a zone's dirt rising this much between two samples is a spill, not tread
_PLAYER = files("journeysim.report") / "player"


def replays(
    scenarios: Sequence[Scenario],
    day: int,
    replication: int = 0,
    customers: Sequence[frozenset[int]] | None = None,
) -> list[Replay]:
    """Traced replays of `day` for every scenario with common random numbers (the first one's
    seed, and the first one's burn-in), run on through the return window so the page can tell
    who came back. `customers`: per scenario, the customers of `day` in its full run (see
    `replay`), else every visit is traced."""
    aligned = common_random_numbers(scenarios) if len(scenarios) > 1 else list(scenarios)
    window = int(aligned[0].loyalty.return_window_days)
    return [
        replay(s, day, replication, through=day + window, reference=aligned[0], customers=c)
        for s, c in zip(aligned, customers or [None] * len(aligned))
    ]


def customers_of(visits: pd.DataFrame, day: int, replication: int = 0) -> frozenset[int]:
    """The customers who visit on `day` in `replication` of a run's stacked visits."""
    mine = (visits["day"] == day) & (visits["replication"] == replication)
    return frozenset(int(c) for c in visits.loc[mine, "customer_id"].unique())


def window(days: Sequence[Replay]) -> tuple[float, float]:
    """Minutes of the day to play: two hours around the first terminal failure of any of the
    scenarios, else their whole opening hours."""
    spans = [default_window(day) for day in days]
    hours = days[0].scenario.hours
    whole = (float(hours.open_min), float(hours.close_min))
    return next((span for span in spans if span != whole), whole)


def replay_data(days: Sequence[Replay], start_min: float, end_min: float) -> dict:
    """The player's data for the minutes `start_min`..`end_min` of the replayed day."""
    if end_min <= start_min:
        raise ValueError("the window must end after it starts")
    day = days[0].day
    return {
        "day": day,
        "from": start_min,
        "to": end_min,
        "moods": [[bound if np.isfinite(bound) else 1.0, word] for bound, word in MOODS],
        "geometry": {
            "width": WIDTH,
            "height": HEIGHT,
            "checkout": CHECKOUT_BOX,
            "glide": GLIDE_MIN,
            "queueStep": QUEUE_STEP,
        },
        "panels": [panel(rep, start_min, end_min) for rep in days],
    }


def panel(rep: Replay, start_min: float, end_min: float) -> dict:
    """One scenario's floor, samples, events, staff and shoppers (times in minutes of the day)."""
    day_start = rep.day * 1440.0
    start, end = day_start + start_min, day_start + end_min
    zone_names = [c.split(":", 1)[1] for c in rep.samples.columns if c.startswith("zone:")]
    floor = floor_plan(zone_names, rep.line_tills)
    shown = tracks(rep, floor, start, end)
    visits = rep.replication.visits
    today = visits[visits["day"] == rep.day]
    ended_before = today["arrival_min"] + today["duration_min"] < start_min
    samples = rep.samples[(rep.samples["time"] >= start - 1.0) & (rep.samples["time"] <= end)]
    outages = down_intervals(rep.replication.terminal_log, rep.scenario.total_days * 1440.0)
    return {
        "scenario": rep.scenario.name,
        "description": rep.scenario.description,
        "floor": _floor(floor, rep),
        "samples": _samples(samples, day_start),
        "outages": _outages(outages, len(rep.staffed), start, end, day_start),
        "events": _events(rep.scenario, outages, samples, start, end, day_start),
        "staff": {str(k): v for k, v in rep.staff.items()},
        "sightings": _sightings(rep, shown, day_start),
        "leftBefore": int((today["abandoned"] != "")[ended_before].sum()),
        "shoppers": [_shopper(rep, track, floor, outages, day_start) for track in shown],
    }


def _floor(floor: Floor, rep: Replay) -> dict:
    plan = asdict(floor)
    return {
        "zones": [{"name": name, "box": box} for name, box in plan["zones"].items()],
        "lines": [
            {
                "at": at,
                "tills": list(rep.line_tills[i]),
                "staffed": rep.staffed[rep.line_tills[i][0]],
            }
            for i, at in enumerate(plan["queues"])
        ],
        "tills": {str(till): at for till, at in plan["tills"].items()},
        "exit": plan["exit"],
        "carts": int(rep.scenario.carts.pool),
    }


def _samples(samples: pd.DataFrame, day_start: float) -> dict:
    """Columns of the monitor's samples as lists (time in minutes of the day)."""

    def column(prefix: str) -> dict[str, list]:
        return {
            c.split(":", 1)[1]: [round(float(v), 3) for v in samples[c]]
            for c in samples.columns
            if c.startswith(prefix)
        }

    return {
        "time": [round(t - day_start, 3) for t in samples["time"]],
        "carts": [int(v) for v in samples["carts"]],
        "dirt": column("dirt:"),
        "cashiers": {k: [int(v) for v in vs] for k, vs in column("cashier:").items()},
    }


def _outages(
    outages: pd.DataFrame, tills: int, start: float, end: float, day_start: float
) -> list[list]:
    """[till, from, to, cause] of every terminal down period overlapping the window."""
    shown = outages[(outages["start"] < end) & (outages["end"] > start)]
    till = {terminal_name(i): i for i in range(tills)}
    return [
        [till[row.terminal], row.start - day_start, row.end - day_start, row.cause]
        for row in shown.itertuples()
    ]


def _events(
    scenario: Scenario,
    outages: pd.DataFrame,
    samples: pd.DataFrame,
    start: float,
    end: float,
    day_start: float,
) -> list[dict]:
    """Marks for the timeline: card terminals going down and back up, and spills (a zone's
    dirt jumping between two samples)."""
    marks = []
    for edge, kind in (("start", "outage"), ("end", "repair")):
        inside = outages[(outages[edge] >= start) & (outages[edge] <= end)]
        for time, group in inside.groupby(edge):
            down = terminals_down(set(group["terminal"]), scenario)
            label = (
                f"{down} ({group['cause'].iloc[0] or 'failure'})"
                if kind == "outage"
                else f"{down.removesuffix(' down')} working again"
            )
            marks.append(
                {"t": float(time) - day_start, "kind": kind, "label": f"{clock(time)} {label}"}
            )
    for column in (c for c in samples.columns if c.startswith("dirt:")):
        dirt = samples[column].to_numpy()
        for i in np.flatnonzero(np.diff(dirt) >= SPILL_JUMP) + 1:
            time = float(samples["time"].iloc[i])
            label = f"{clock(time)} spill in {column.split(':', 1)[1]}"
            marks.append({"t": time - day_start, "kind": "spill", "label": label})
    return sorted(marks, key=lambda m: m["t"])


def _sightings(rep: Replay, shown: list[Track], day_start: float) -> list[list]:
    """[time, zone, staff name]: where shoppers met floor staff (their posts as seen)."""
    return [[round(t - day_start, 2), zone, name] for t, zone, name in sightings(rep, shown)]


def _place(place: tuple, zones: list[str]) -> list:
    """A waypoint's place as ["zone", index], ["queue", line], ["till", i], ["stuck", line, i]
    (waiting at till i for its dead terminal), ["atm", line, i] (gone from till i to fetch
    cash, drawn at the exit) or ["exit"]."""
    return ["zone", zones.index(place[1])] if place[0] == "zone" else list(place)


def _shopper(
    rep: Replay, track: Track, floor: Floor, outages: pd.DataFrame, day_start: float
) -> dict:
    """One visit: its way and moods for the floor, and its story for the side panel."""
    visits = rep.replication.visits
    row = visits.loc[visits["visit_id"] == track.visit_id].iloc[0]
    mine = visits[(visits["customer_id"] == row["customer_id"]) & (visits["day"] <= rep.day)]
    number = int((mine["visit_id"] <= track.visit_id).sum())
    zones = list(floor.zones)
    steps = rep.replication.traces[track.visit_id]
    u, v = spot(track.customer_id)
    return {
        "visit": int(track.visit_id),
        "customer": int(row["customer_id"]),
        "u": round(u, 4),
        "v": round(v, 4),
        "start": round(track.start - day_start, 3),
        "end": round(track.end - day_start, 3),
        "left": round(float(row["arrival_min"] + row["duration_min"]), 3),
        "abandoned": str(row["abandoned"]),
        "metOutage": bool(row["met_outage"]),
        "way": [[round(t - day_start, 3), _place(p, zones)] for t, p in track.waypoints],
        # time, place, what, mood; then time, felt, effort and mood after as `trace` prints them
        "steps": [
            [round(s.time - day_start, 3), s.place, s.what, round(s.valence, 3), clock(s.time), *n]
            for s, n in zip(steps, step_numbers(steps))
        ],
        "header": customer_header(mine, rep.scenario),
        "heading": visit_heading(row, rep.scenario, outages, f"Visit {number}"),
        "outcome": [line.strip() for line in outcome(row, rep.scenario, steps)],
        "comesBack": comes_back(visits, row, rep.scenario),
    }


def comes_back(visits: pd.DataFrame, row: pd.Series, scenario: Scenario) -> str:
    """Whether the customer came back within the return window, as the simulation went on."""
    window = scenario.loyalty.return_window_days
    if row["switched_store"]:  # the outcome above says so
        return "Will not come back."
    later = visits[
        (visits["customer_id"] == row["customer_id"]) & (visits["visit_id"] > row["visit_id"])
    ]
    later = later[later["day"] <= row["day"] + window]
    if not later.empty:
        back = later.iloc[0]
        return f"Came back on {day_label(int(back['day']))} at {clock(back['arrival_min'])}."
    simulated = int(visits["day"].max()) if len(visits) else int(row["day"])
    if simulated < row["day"] + window:
        return f"Not back by {day_label(simulated)}, where this replay's simulation ends."
    return f"Did not come back within {amount(f'{window:g}', 'days')}."


def replay_page(data: dict, title: str) -> str:
    """The self-contained page: the player's CSS and JavaScript and the data, inlined."""
    css, script = player_assets()
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f"{player(data, title, page_keys=True)}\n<script>{script}</script>\n</body>\n</html>\n"
    )


def player(data: dict, title: str, page_keys: bool = False) -> str:
    """The player's container and its data, for a page that also inlines replay.js/css. The
    keys (space, arrows, F) are the player's on the whole page with `page_keys` (a page of
    its own), else once a click has put it in focus (a report's page keys scroll it)."""
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        payload = payload.replace(char, code)  # no markup can end or open inside the script
    keys = ' data-keys="page"' if page_keys else ""
    return (
        f'<div class="jsr" data-title="{escape(title)}"{keys}>'
        f'<script type="application/json" class="jsr-data">{payload}</script></div>'
    )


def player_assets() -> tuple[str, str]:
    """(CSS, JavaScript) of the player, to inline into another page."""
    return (
        (_PLAYER / "replay.css").read_text(encoding="utf-8"),
        (_PLAYER / "replay.js").read_text(encoding="utf-8"),
    )


def title(days: Sequence[Replay], start_min: float, end_min: float) -> str:
    names = " vs ".join(day.scenario.name for day in days)
    return f"{names}: {day_label(days[0].day)}, {span(start_min, end_min)}"


def report_section(days: Sequence[Replay], folder: Path) -> str:
    """The replay of the report's traced day as a report section, also written beside the
    report as `folder`/replay.html for a USB stick."""
    start, end = window(days)
    data, name = replay_data(days, start, end), title(days, start, end)
    write_text(Path(folder) / "replay.html", replay_page(data, name))
    css, script = player_assets()
    return section(
        "Replay of the traced day",
        paragraph(
            f"{name}. Play, scrub to the marks, click a shopper to read the visit; "
            "replay.html beside this report holds the same player on its own."
        ),
        f"<style>{css}</style>{player(data, name)}<script>{script}</script>",
        id="replay",
    )
