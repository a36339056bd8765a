"""The store floor from above, animated: shoppers as dots coloured by mood walking the zones,
queueing and paying, with queue lengths, the cart pool, the card terminals' state and the staff
(cashiers at their tills, floor staff where shoppers met them), as the replay page draws it.

Positions and queue lengths come from the traces of a `Replay` (each step's place and time);
carts and cashiers from its monitor samples, terminals from its terminal log. The result is an
animated GIF (Pillow's) returned as bytes; its comment names the settings and replication it
was drawn from (`setup_stamp`), so that a run report embeds only an animation of its own store
and of the replication it replays.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from PIL import Image

from journeysim.clock import clock, end_clock
from journeysim.report.monitor import Replay, down_intervals
from journeysim.report.trace import day_label, span
from journeysim.scenario.schema import Scenario
from journeysim.world.checkout import terminal_name

FIGSIZE, DPI, FPS = (12.0, 7.5), 80, 8
WIDTH, HEIGHT = 100.0, 64.0  # floor plan units
ZONE_BOX = (2.0, 28.0, 96.0, 26.0)  # x, y, width, height of the row of zones
CHECKOUT_BOX = (2.0, 3.0, 78.0, 22.0)
EXIT_BOX = (84.0, 3.0, 14.0, 22.0)
QUEUE_BASE = CHECKOUT_BOX[1] + 6.0  # where each line's queue starts, above its tills
QUEUE_STEP = 2.2  # floor units between shoppers in a queue (closer in a long one)
QUEUE_FRONT = 1.0  # floor units above a line's queue base its first shopper stands
QUEUE_TOP = CHECKOUT_BOX[1] + CHECKOUT_BOX[3] - 6.5  # the highest queueing dot, under the label
AT_TILL = 2.6  # floor units above its till a shopper paying stands, clear of the terminal
TILL_STEP = 2.0  # floor units a second shopper at a till stands left of the first
GLIDE_MIN = 1.0  # minutes a dot takes to move from zone to zone
LINGER_MIN = 1.0  # minutes a dot stays at the exit
MOOD = matplotlib.colormaps["RdBu"]  # diverging and colour-blind safe (ColorBrewer)
UP, DOWN = "#4d4d4d", "#d73027"  # card terminal working / down
QUEUE, STAFF = "#c8bca8", "#1b7837"  # a queue's bar; staff (the replay page's colours)
STAFF_SEEN_MIN = 45.0  # a staff member stays drawn where a shopper last met them this long
STAFF_ROWS = 4  # names drawn a zone, from its foot up
STAFF_ROW = 2.4  # floor units from one staff name to the next up
QUARTER = 15.0  # minutes: a window starts on a quarter hour, so its clock reads cleanly
BACK_MIN = 10.0  # minutes the banner says the terminals work again
_CLOCK_WAIT = re.compile(r"([\d.]+) min by the clock")
_MET = re.compile(r"^(?:meets|greeted at the door by) (.+)$")
# A card-only shopper's payment after waiting at the till for its dead terminal (the card
# refused, they wait for the repair, up to payment.max_repair_wait_min: journey/checkout.py).
WAITED_AT_TILL = frozenset({"waited for repair", "waited, gave up"})
# A card-only shopper's payment after leaving the till to fetch cash (payment.fetch_cash_min).
FETCHED_CASH = "fetched cash"


@dataclass(frozen=True)
class Floor:
    """Where things are on the plan: zone rectangles, queue columns, tills and the exit."""

    zones: dict[str, tuple[float, float, float, float]]
    queues: list[tuple[float, float]]  # bottom of each line's queue (x, y)
    tills: dict[int, tuple[float, float]]
    exit: tuple[float, float, float, float]
    strips: dict[str, float] = field(default_factory=dict)  # zone -> its staff names' height


def floor_plan(zone_names: list[str], line_tills: list[tuple[int, ...]]) -> Floor:
    """Zones side by side along the top, one column per checkout line below, exit on the right."""
    x0, y0, width, height = ZONE_BOX
    gap = 1.5
    each = (width - gap * (len(zone_names) - 1)) / len(zone_names)
    zones = {name: (x0 + i * (each + gap), y0, each, height) for i, name in enumerate(zone_names)}
    cx, cy, cwidth, _ = CHECKOUT_BOX
    column = cwidth / max(len(line_tills), 1)
    queues, tills = [], {}
    for line, members in enumerate(line_tills):
        centre = cx + (line + 0.5) * column
        queues.append((centre, QUEUE_BASE))
        spread = min(column * 0.8, 5.0 * len(members))
        for k, till in enumerate(members):
            tills[till] = (centre - spread / 2 + spread * (k + 0.5) / len(members), cy + 2.0)
    return Floor(zones, queues, tills, EXIT_BOX)


@dataclass
class Track:
    """One visit's way through the store: waypoints (time, place) and moods (time, valence)."""

    visit_id: int
    customer_id: int
    start: float
    end: float  # when the dot leaves the picture
    # place: ("zone", name), ("queue", line), ("till", i), ("stuck", line, till),
    # ("atm", line, till)...
    waypoints: list[tuple[float, tuple]]
    mood_times: list[float]
    moods: list[float]

    def at(self, t: float) -> tuple[tuple, tuple | None, float, float]:
        """(place now, previous place, minutes since arriving here, mood) at time t."""
        i = bisect.bisect_right([w[0] for w in self.waypoints], t) - 1
        place = self.waypoints[max(i, 0)][1]
        previous = self.waypoints[i - 1][1] if i > 0 else None
        since = t - self.waypoints[max(i, 0)][0]
        k = bisect.bisect_right(self.mood_times, t) - 1
        return place, previous, since, self.moods[max(k, 0)]


def tracks(replay: Replay, floor: Floor, start: float, end: float) -> list[Track]:
    """Tracks of the visits of the replayed day that overlap [start, end) (simulation minutes)."""
    rep = replay.replication
    visits = rep.visits[rep.visits["day"] == replay.day]
    first_zone = next(iter(floor.zones))
    out = []
    for row in visits.itertuples():
        steps = [s for s in rep.traces.get(row.visit_id, []) if s.place != "after the visit"]
        if not steps:
            continue
        arrive = row.day * 1440.0 + row.arrival_min
        leave = steps[-1].time
        if arrive >= end or leave + LINGER_MIN <= start:
            continue
        waypoints: list[tuple[float, tuple]] = []
        for i, step in enumerate(steps):
            if step.place == "checkout":
                waypoints.extend(_checkout_waypoints(row, steps[i:], floor))
                break
            place = ("zone", step.place if step.place in floor.zones else first_zone)
            if not waypoints or waypoints[-1][1] != place:
                waypoints.append((step.time, place))
        if steps[-1].place == "exit" and waypoints[-1][1] != ("exit",):
            waypoints.append((steps[-1].time, ("exit",)))
        waypoints = _latest_per_moment(waypoints)
        out.append(
            Track(
                row.visit_id,
                row.customer_id,
                arrive,
                leave + LINGER_MIN,
                waypoints,
                [s.time for s in steps],
                [s.valence for s in steps],
            )
        )
    return out


def _latest_per_moment(waypoints: list[tuple[float, tuple]]) -> list[tuple[float, tuple]]:
    """Time-ordered waypoints, keeping only the last place of moments passed in no time."""
    out: list[tuple[float, tuple]] = []
    for time, place in sorted(waypoints, key=lambda w: w[0]):
        if out and out[-1][0] == time:
            out[-1] = (time, place)
        else:
            out.append((time, place))
    return out


def _checkout_waypoints(row, steps, floor: Floor) -> list[tuple[float, tuple]]:
    """Queue from joining the line to the start of service (or to giving up, then the exit),
    then the till until leaving; a shopper who waits there for its dead terminal is "stuck"
    at it from the card's refusal to the end of that wait (the visit's two payment steps),
    waiting to pay as the queue does, and one who goes to fetch cash is away ("atm", drawn at
    the exit) from the refusal to their return to pay."""
    wait_step = steps[0]
    waited = row.checkout_wait_min
    if not math.isfinite(waited):  # gave up or never joined: the wait is only in the text
        found = _CLOCK_WAIT.search(wait_step.what)
        waited = float(found.group(1)) if found else 0.0
    points = [(wait_step.time - waited, ("queue", row.line))]
    if row.till >= 0:
        points.append((wait_step.time, ("till", row.till)))
    else:  # gave up or balked: out of the line at once, as the monitor counts it
        points.append((wait_step.time, ("exit",)))
    if row.payment in WAITED_AT_TILL:
        refused, resolved = (step.time for step in steps if step.kind == "payment")
        points += [(refused, ("stuck", row.line, row.till)), (resolved, ("till", row.till))]
    elif row.payment == FETCHED_CASH:
        refused, back = (step.time for step in steps if step.kind == "payment")
        points += [(refused, ("atm", row.line, row.till)), (back, ("till", row.till))]
    return points


def spot(customer_id: int) -> tuple[float, float]:
    """A customer's fixed, well-spread spot in the unit square (R2 low-discrepancy sequence).
    It follows the customer, not the visit id, which counts visits as they end: under common
    random numbers the same shopper is drawn at the same spot in every scenario."""
    return ((0.5 + customer_id * 0.7548776662) % 1.0, (0.5 + customer_id * 0.5698402910) % 1.0)


def queue_step(queued: int) -> float:
    """Floor units between the dots of a queue of `queued`: QUEUE_STEP, closer in a queue too
    long to fit under its label."""
    room = QUEUE_TOP - (QUEUE_BASE + QUEUE_FRONT)
    return min(QUEUE_STEP, room / max(queued - 1, 1))


def _position(
    floor: Floor, place: tuple, customer_id: int, rank: int, step: float
) -> tuple[float, float]:
    u, v = spot(customer_id)
    if place[0] == "zone":  # above the staff names at the zone's foot
        x, y, w, h = floor.zones[place[1]]
        low = floor.strips.get(place[1], 0.0)
        return x + 1.5 + u * (w - 3.0), y + 1.5 + low + v * (h - 7.0 - low)
    if place[0] == "queue":
        x, y = floor.queues[place[1]]
        return x + 0.6 * (u - 0.5), y + QUEUE_FRONT + rank * step
    if place[0] in ("till", "stuck"):
        x, y = floor.tills[place[-1]]
        return x - rank * TILL_STEP, y + AT_TILL
    x, y, w, h = floor.exit  # leaving, or "atm": gone out for cash
    return x + 2.0 + u * (w - 4.0), y + 2.0 + v * (h - 9.0)


def _spot_key(place: tuple) -> tuple | None:
    """The queue or till a place shares with other shoppers, who stand in a row there."""
    if place[0] == "queue":
        return place
    return ("till", place[-1]) if place[0] in ("till", "stuck") else None


def positions(floor: Floor, active: list[Track], t: float) -> tuple[np.ndarray, np.ndarray]:
    """Dot positions (n x 2) and moods at time t. Queueing shoppers line up in join order, those
    at a till stand above it side by side; a dot glides only from zone to zone, so that one in
    the checkout is always drawn at its queue or till."""
    states = [(track, *track.at(t)) for track in active]
    rows: dict[tuple, list[tuple[float, int]]] = {}
    for track, place, _, since, _ in states:
        if (key := _spot_key(place)) is not None:
            rows.setdefault(key, []).append((t - since, track.visit_id))
    in_row = {}  # visit id -> (rank, step) in its queue or at its till
    for members in rows.values():
        for rank, (_, visit_id) in enumerate(sorted(members)):
            in_row[visit_id] = rank, queue_step(len(members))
    xy, moods = [], []
    for track, place, previous, since, mood in states:
        rank, step = in_row.get(track.visit_id, (0, QUEUE_STEP))
        here = np.array(_position(floor, place, track.customer_id, rank, step))
        if previous is not None and since < GLIDE_MIN and previous[0] == place[0] == "zone":
            before = np.array(_position(floor, previous, track.customer_id, 0, QUEUE_STEP))
            here = before + (here - before) * since / GLIDE_MIN
        xy.append(here)
        moods.append(mood)
    return np.array(xy).reshape(-1, 2), np.array(moods)


def in_lines(active: list[Track], t: float, lines: int, kind: str = "queue") -> list[int]:
    """Shoppers of each line at t, as the dots show them: in its queue (the monitor's count,
    sampled each minute, lags them), or with `kind` "stuck", at one of its tills waiting for
    its dead terminal."""
    counts = [0] * lines
    for track in active:
        place = track.at(t)[0]
        if place[0] == kind:
            counts[place[1]] += 1
    return counts


def queue_label(queued: int, stuck: int) -> str:
    """A line's label: "N waiting" to pay, in its queue or at its tills (as the replay page counts
    them), and "(M at dead till)" when M of them wait at its tills for their dead terminals."""
    return f"{queued + stuck} waiting" + (f"\n({stuck} at dead till)" if stuck else "")


def drawn_in(box: tuple[float, float, float, float], xy: np.ndarray) -> int:
    """Dots drawn inside the zone `box` (x, y, width, height): a zone's head-count as the
    picture shows it (a dot on its way counts where it is drawn), where the monitor's
    occupancy moves up to a minute before the dot."""
    x, y, w, h = box
    points = np.asarray(xy, dtype=float).reshape(-1, 2)
    inside = (points[:, 0] >= x) & (points[:, 0] <= x + w)
    return int((inside & (points[:, 1] >= y) & (points[:, 1] <= y + h)).sum())


def sightings(replay: Replay, shown: list[Track]) -> list[tuple[float, str, str]]:
    """(time, zone, staff name): where the shown shoppers met floor staff, in time order."""
    seen = []
    for track in shown:
        for step in replay.replication.traces.get(track.visit_id, []):
            met = _MET.match(step.what)
            if met and step.kind in ("staff", "entrance"):
                seen.append((step.time, step.place, met.group(1)))
    return sorted(seen)


def staff_strips(seen: list[tuple[float, str, str]]) -> dict[str, float]:
    """Floor units at each zone's foot that the most staff names drawn there at once over the
    window (`seen`: `sightings`) take, kept free of shoppers as the replay page keeps them."""
    rows: dict[str, int] = {}
    for time, _, _ in seen:
        for zone, names in Counter(staff_on_floor(seen, time).values()).items():
            rows[zone] = max(rows.get(zone, 0), min(names, STAFF_ROWS))
    return {zone: names * STAFF_ROW for zone, names in rows.items()}


def staff_on_floor(seen: list[tuple[float, str, str]], t: float) -> dict[str, str]:
    """Staff name -> the zone a shopper last met them in, within STAFF_SEEN_MIN before t."""
    return {name: zone for time, zone, name in seen if time <= t and t - time < STAFF_SEEN_MIN}


def terminals_down(outages: pd.DataFrame, tills: int, t: float) -> set[int]:
    """The tills whose terminal is down at t (from `down_intervals`; up again at its end)."""
    till = {terminal_name(i): i for i in range(tills)}
    now = outages[(outages["start"] <= t) & (t < outages["end"])]
    return {till[name] for name in now["terminal"] if name in till}


def frame_times(start: float, end: float, frames: int) -> np.ndarray:
    """The moments of the frames: from `start` to `end`, both included (the last frame shows
    the window's end, e.g. the terminals back at 18:30 at the end of an outage)."""
    return np.linspace(start, end, frames) if frames > 1 else np.array([start])


def down_banner(down: int, total: int) -> str:
    """The banner over `down` dead card terminals of `total`, worded as the replay's
    (player/replay.js): "ALL CARD TERMINALS DOWN", "2 CARD TERMINALS DOWN"."""
    count = "ALL" if down == total else str(down)
    return f"{count} CARD TERMINAL{'S' if down > 1 else ''} DOWN"


def default_window(replay: Replay) -> tuple[float, float]:
    """Minutes of the day to show: two hours from the quarter hour nearest half an hour before
    the day's first terminal failure (12:15 for one at 12:44:50, not 12:14:50), or the whole
    opening hours when every terminal stays up."""
    hours = replay.scenario.hours
    day_start = replay.day * 1440.0
    down = down_intervals(replay.replication.terminal_log)
    today = down[(down["start"] >= day_start + hours.open_min) & (down["start"] < day_start + 1440)]
    if today.empty:
        return float(hours.open_min), float(hours.close_min)
    first = QUARTER * round((float(today["start"].min()) - day_start - 30.0) / QUARTER)
    return max(first, 0.0), min(first + 120.0, 1440.0)


class FloorView:
    """The artists of one frame: drawn once, then updated for each moment."""

    def __init__(self, replay: Replay, floor: Floor) -> None:
        with matplotlib.rc_context({"font.size": 13}):
            self.fig = Figure(figsize=FIGSIZE, dpi=DPI)
            ax = self.fig.add_axes((0.01, 0.02, 0.78, 0.96))
            ax.set_xlim(0, WIDTH)
            ax.set_ylim(0, HEIGHT)
            ax.set_aspect("equal")
            ax.axis("off")
            self.zone_labels = {}
            for name, (x, y, w, h) in floor.zones.items():
                ax.add_patch(Rectangle((x, y), w, h, facecolor="#eef2f7", edgecolor="#8899aa"))
                self.zone_labels[name] = ax.text(
                    x + w / 2, y + h - 2.5, name, ha="center", va="center", fontsize=14
                )
            x, y, w, h = CHECKOUT_BOX
            ax.add_patch(Rectangle((x, y), w, h, facecolor="#f7f4ee", edgecolor="#aa9988"))
            self.floor, self.staff_names = floor, replay.staff
            self.day_start = replay.day * 1440.0  # the clock reads the day's end as 24:00:00
            self.queues = []  # a bar per line, as long as its queue; none when it is empty
            for qx, qy in floor.queues:
                (bar,) = ax.plot([qx, qx], [qy - 1.0, qy - 1.0], color=QUEUE, linewidth=7)
                bar.set_zorder(1)
                self.queues.append(bar)
            self.tills, self.crosses = {}, {}
            for till, (tx, ty) in floor.tills.items():
                self.tills[till] = ax.add_patch(
                    Rectangle((tx - 1.6, ty - 1.6), 3.2, 3.2, facecolor=UP, edgecolor="black")
                )
                (cross,) = ax.plot(  # a white cross on a dead terminal, as on the replay page
                    [tx - 1.0, tx + 1.0, np.nan, tx - 1.0, tx + 1.0],
                    [ty + 1.0, ty - 1.0, np.nan, ty - 1.0, ty + 1.0],
                    color="white",
                    linewidth=2.5,
                    visible=False,
                )
                cross.set_zorder(2.5)
                self.crosses[till] = cross
            self.queue_labels, self.cashiers, self.cashier_dots = [], {}, {}
            for line, (qx, _) in enumerate(floor.queues):
                first = replay.line_tills[line][0]
                staffed = replay.staffed[first]
                name = f"lane {line + 1}" if staffed else "self-checkout"
                ax.text(qx, y - 1.2, name, ha="center", va="top", fontsize=11)
                self.queue_labels.append(
                    ax.text(qx, y + h - 1.5, "", ha="center", va="top", fontsize=12)
                )
                if staffed:  # the cashier behind the till, named; no dot at a closed lane
                    tx, ty = floor.tills[first]
                    self.cashier_dots[first] = ax.scatter(
                        [tx + 2.6], [ty], s=60, color=STAFF, zorder=3
                    )
                    self.cashiers[first] = ax.text(
                        tx + 3.8, ty, "", ha="left", va="center", fontsize=9, color=STAFF
                    )
            x, y, w, h = floor.exit
            ax.add_patch(Rectangle((x, y), w, h, facecolor="#eeeeee", edgecolor="#888888"))
            ax.text(x + w / 2, y + h - 2.5, "EXIT", ha="center", va="center", fontsize=14)
            self.dots = ax.scatter(
                [], [], s=110, c=[], cmap=MOOD, vmin=-1, vmax=1, edgecolors="black", linewidths=0.5
            )
            self.dots.set_zorder(3)
            self.floor_staff = ax.scatter([], [], s=45, marker="D", color=STAFF, zorder=3)
            self.floor_staff_names = [
                ax.text(0, 0, "", fontsize=10, fontweight="bold", color=STAFF, va="center")
                for _ in range(len(floor.zones) * STAFF_ROWS)
            ]
            self.clock = ax.text(2, HEIGHT - 3.5, "", fontsize=18, fontweight="bold", va="center")
            self.banner = ax.text(
                52,
                HEIGHT - 3.5,
                "",
                fontsize=18,
                fontweight="bold",
                color="white",
                ha="center",
                va="center",
                bbox={"facecolor": DOWN, "edgecolor": "none", "boxstyle": "round,pad=0.4"},
            )
            self.carts = self.fig.text(0.895, 0.9, "", fontsize=14, ha="center", va="center")
            self.title = self.fig.text(
                0.015,
                0.975,
                f"{replay.scenario.name}, {day_label(replay.day)}{_history_note(replay)}",
                va="top",
                fontsize=17,
                fontweight="bold",
            )
            legend_ax = self.fig.add_axes((0.845, 0.36, 0.022, 0.42))
            bar = self.fig.colorbar(self.dots, cax=legend_ax)
            bar.set_ticks(
                [-1, -0.4, 0, 0.4, 1],
                labels=["upset", "annoyed", "neutral", "pleased", "delighted"],
            )
            bar.ax.tick_params(labelsize=12)
            bar.ax.yaxis.set_label_position("left")
            bar.set_label("Mood of the shopper", fontsize=12)
            self.fig.legend(
                handles=[
                    Patch(facecolor=UP, edgecolor="black", label="terminal works"),
                    Patch(facecolor=DOWN, edgecolor="black", label="terminal down"),
                    Line2D([], [], color=QUEUE, linewidth=7, label="queue"),
                    Line2D([], [], color=STAFF, marker="o", linestyle="", label="cashier"),
                    Line2D([], [], color=STAFF, marker="D", linestyle="", label="staff where met"),
                ],
                loc="lower right",
                bbox_to_anchor=(0.995, 0.06),
                fontsize=11,
                frameon=False,
            )

    def update(
        self,
        t: float,
        sample: pd.Series,
        xy,
        moods,
        pool: int,
        down: set[int] = frozenset(),
        back: float | None = None,
        staff: dict[str, str] | None = None,
        queued: list[int] | None = None,
        stuck: list[int] | None = None,
    ) -> None:
        """Show moment t: dots, clock, the dots in each zone, queues, terminals (`down`: the tills
        whose terminal is down; `back`: when they last all came back up), carts and staff
        (`staff`: name -> zone where a shopper last met them). Per line (`in_lines`), "N waiting"
        counts the dots `queued` in its queue (along its bar) and those `stuck` at a till for its
        dead terminal, which a second line, "(M at dead till)", counts apart."""
        self.dots.set_offsets(xy)
        self.dots.set_array(moods)
        self.clock.set_text(f"{end_clock(t - self.day_start)}:{int(t * 60) % 60:02d}")
        for name, text in self.zone_labels.items():
            text.set_text(f"{name}: {drawn_in(self.floor.zones[name], xy)}")
        lines = len(self.queue_labels)
        queued, stuck = queued or [0] * lines, stuck or [0] * lines
        for line, text in enumerate(self.queue_labels):
            text.set_text(queue_label(queued[line], stuck[line]))
            qx, qy = self.floor.queues[line]
            top = qy + QUEUE_FRONT + (queued[line] - 1) * queue_step(queued[line]) + 1.0
            self.queues[line].set_data([qx, qx], [qy - 1.0, top])
            self.queues[line].set_visible(queued[line] > 0)  # an empty queue draws no bar
        for till, patch in self.tills.items():
            patch.set_facecolor(DOWN if till in down else UP)
            self.crosses[till].set_visible(till in down)
        for till, text in self.cashiers.items():
            who = int(sample.get(f"cashier:{till}", -1))
            text.set_text(self.staff_names.get(who, f"staff {who}") if who >= 0 else "no cashier")
            self.cashier_dots[till].set_visible(who >= 0)
        self._floor_staff(staff or {})
        if down:
            self.banner.set_text(down_banner(len(down), len(self.tills)))
            self.banner.get_bbox_patch().set_facecolor(DOWN)
            self.banner.set_visible(True)
        elif back is not None and 0.0 <= t - back < BACK_MIN:
            self.banner.set_text(f"Card terminals working again since {clock(back)}")
            self.banner.get_bbox_patch().set_facecolor(UP)
            self.banner.set_visible(True)
        else:
            self.banner.set_visible(False)
        self.carts.set_text(f"Carts\nin the pool\n{int(sample['carts'])} of {pool}")

    def _floor_staff(self, staff: dict[str, str]) -> None:
        """A diamond and a name a staff member, from each zone's foot up."""
        rows: dict[str, int] = {}
        points, names = [], iter(self.floor_staff_names)
        for name, zone in staff.items():
            if zone not in self.floor.zones or rows.get(zone, 0) >= STAFF_ROWS:
                continue
            row = rows.get(zone, 0)
            rows[zone] = row + 1
            x, y, _, _ = self.floor.zones[zone]
            points.append((x + 1.8, y + 1.8 + row * STAFF_ROW))
            label = next(names)
            label.set_position((x + 3.0, y + 1.8 + row * STAFF_ROW))
            label.set_text(name)
        for label in names:
            label.set_text("")
        self.floor_staff.set_offsets(np.array(points).reshape(-1, 2))


def animate(
    replay: Replay, start_min: float | None = None, end_min: float | None = None, frames: int = 120
) -> bytes:
    """GIF of the replayed day from `start_min` to `end_min` (minutes of the day, default:
    `default_window`) in `frames` frames."""
    if start_min is None or end_min is None:
        start_min, end_min = default_window(replay)
    if end_min <= start_min:
        raise ValueError("the window must end after it starts")
    day_start = replay.day * 1440.0
    start, end = day_start + start_min, day_start + end_min
    names = [c.split(":", 1)[1] for c in replay.samples.columns if c.startswith("zone:")]
    floor = floor_plan(names, replay.line_tills)
    all_tracks = tracks(replay, floor, start, end)
    met = sightings(replay, all_tracks)
    floor = replace(floor, strips=staff_strips(met))
    outages = down_intervals(replay.replication.terminal_log, replay.scenario.total_days * 1440.0)
    repairs = np.sort(outages["end"].to_numpy(dtype=float))
    view = FloorView(replay, floor)
    samples = replay.samples.set_index("time")
    times = samples.index.to_numpy()
    pool = replay.scenario.carts.pool
    tills = len(replay.staffed)
    lines = len(floor.queues)
    images = []
    for t in frame_times(start, end, frames):
        active = [track for track in all_tracks if track.start <= t < track.end]
        xy, moods = positions(floor, active, t)
        row = samples.iloc[max(int(np.searchsorted(times, t, side="right")) - 1, 0)]
        done = repairs[repairs <= t]
        back = float(done[-1]) if len(done) else None
        down = terminals_down(outages, tills, t)
        queued, stuck = (in_lines(active, t, lines, kind) for kind in ("queue", "stuck"))
        staff = staff_on_floor(met, t)
        view.update(t, row, xy, moods, pool, down, back, staff, queued, stuck)
        images.append(_frame(view.fig))
    gif = io.BytesIO()
    images[0].save(
        gif,
        "GIF",
        save_all=True,
        append_images=images[1:],
        duration=1000 // FPS,
        loop=0,
        comment=f"{setup_stamp(replay.scenario, replay.number, replay.reference)}; "
        f"{day_label(replay.day)}, "
        f"{span(start_min, end_min)}",
    )
    return gif.getvalue()


def _frame(fig: Figure) -> Image.Image:
    """The figure as drawn now, at DPI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=DPI)
    width, height = fig.get_size_inches()
    size = (int(width * DPI), int(height * DPI))
    return Image.frombuffer("RGBA", size, buffer.getbuffer(), "raw", "RGBA", 0, 1).convert("RGB")


def setup_stamp(scenario: Scenario, replication: int, reference: Scenario | None = None) -> str:
    """What an animation's comment says of the settings it was drawn from: a digest of the
    scenario but for what leaves a day's floor as it was (its description, the number of
    replications and of measured days), the replication, and the `reference` scenario whose
    history the run started from, when not its own."""
    stamp = f"journeysim scenario {_digest(scenario)} replication {replication}"
    if reference is None or _digest(reference) == _digest(scenario):
        return stamp
    return f"{stamp} history {_digest(reference)}"


def _history_note(replay: Replay) -> str:
    """ ", from baseline's history" where the day starts from another scenario's history (its
    floor then differs from that of the scenario's own), else nothing."""
    reference = replay.reference
    if reference is None or _digest(reference) == _digest(replay.scenario):
        return ""
    return f", from {reference.name}'s history"


def _digest(scenario: Scenario) -> str:
    """A digest of what of `scenario` shapes a day's floor (see `setup_stamp`)."""
    settings = scenario.model_dump_json(
        exclude={"description": True, "replications": True, "horizon": {"days"}}
    )
    return hashlib.sha256(settings.encode()).hexdigest()[:16]
