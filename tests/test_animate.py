"""`journeysim animate`'s GIF shows the floor the replay page shows: dead terminals crossed out
and named by the banner, an empty queue drawn as no bar, the staff (cashiers at their tills,
floor staff where shoppers met them), a readable title, and frames that run to the end of the
window, so that an outage's end (18:30) is seen."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from PIL import Image

import journeysim.report.animate as animate_module
from journeysim.report.animate import (
    AT_TILL,
    CHECKOUT_BOX,
    DOWN,
    GLIDE_MIN,
    QUEUE_STEP,
    STAFF_ROW,
    UP,
    FloorView,
    animate,
    default_window,
    down_banner,
    floor_plan,
    frame_times,
    positions,
    queue_label,
    setup_stamp,
    sightings,
    staff_on_floor,
    staff_strips,
    tracks,
)
from journeysim.report.html import animations, floor_section
from journeysim.report.monitor import replay
from journeysim.scenario import load_scenario

OUTAGE = Path(__file__).parent.parent / "scenarios" / "terminal_outage.yaml"
# Four days; every terminal is down 17:00-18:30 on day 3.
SMALL = [
    "horizon.warmup_days=2",
    "horizon.days=2",
    "arrivals.base_customers=600",
    "horizon.burn_in_days=0",
]


@pytest.fixture(scope="module")
def day():
    return replay(load_scenario(OUTAGE, SMALL), 3)


@pytest.fixture(scope="module")
def view(day):
    names = [c.split(":", 1)[1] for c in day.samples.columns if c.startswith("zone:")]
    floor = floor_plan(names, day.line_tills)
    return FloorView(day, floor), floor


def test_frames_run_to_the_end_of_the_window():
    """60 frames of 16:30-18:30 ended at 18:28, so the terminals never came back."""
    times = frame_times(990.0, 1110.0, 60)
    assert len(times) == 60 and times[0] == 990.0 and times[-1] == 1110.0
    assert np.all(np.diff(times) > 0)
    assert frame_times(990.0, 1110.0, 1).tolist() == [990.0]


def frames(gif: bytes) -> list[np.ndarray]:
    image = Image.open(io.BytesIO(gif))
    shown = []
    for i in range(image.n_frames):
        image.seek(i)
        shown.append(np.asarray(image.convert("RGB")).astype(int))
    return shown


def share(rgb: np.ndarray, colour: str) -> float:
    """Share of the pixels of `rgb` within 12 of `colour` on every channel."""
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return float((np.abs(rgb - target) <= 12).all(axis=-1).mean())


def test_the_last_frame_shows_the_terminals_back_at_the_end_of_the_outage(day):
    first, middle, last = frames(animate(day, 18 * 60 + 20, 18 * 60 + 30, frames=3))
    top = slice(0, first.shape[0] // 6)  # the banner's strip
    assert share(first[top], DOWN) > 0.01  # 18:20: "ALL CARD TERMINALS DOWN"
    assert share(last[top], DOWN) == 0.0  # 18:30: up again ...
    assert share(last[top], UP) > 0.01  # ... and the banner says so


def test_the_banner_words_an_outage_as_the_replay_does(day, view):
    """The GIF said "TERMINAL DOWN (all card terminals)" where the replay says "ALL CARD
    TERMINALS DOWN" (the replay's browser test checks its banner against `down_banner`)."""
    view, _ = view
    sample = day.samples.iloc[len(day.samples) // 2]
    tills = set(view.tills)
    for down, said in [(tills, "ALL CARD TERMINALS DOWN"), ({0, 1}, "2 CARD TERMINALS DOWN")]:
        view.update(17 * 60 + 3 * 1440.0, sample, np.empty((0, 2)), np.empty(0), 90, down=down)
        assert view.banner.get_text() == said == down_banner(len(down), len(tills))
    assert down_banner(1, 4) == "1 CARD TERMINAL DOWN"


def test_dead_terminals_are_crossed_out_and_empty_queues_draw_no_bar(day, view):
    view, floor = view
    sample = day.samples.iloc[len(day.samples) // 2]
    queued = [0, 3] + [0] * (len(view.queues) - 2)
    t = 17 * 60 + 3 * 1440.0
    view.update(t, sample, np.empty((0, 2)), np.empty(0), 90, down={0, 1}, queued=queued)
    for till, patch in view.tills.items():
        crossed = till in (0, 1)
        assert view.crosses[till].get_visible() == crossed
        assert patch.get_facecolor()[:3] == pytest.approx(
            tuple(int((DOWN if crossed else UP)[i : i + 2], 16) / 255 for i in (1, 3, 5))
        )
    assert not view.queues[0].get_visible()  # "0 waiting": no bar
    qx, qy = floor.queues[1]
    assert view.queues[1].get_visible()
    assert list(view.queues[1].get_ydata()) == pytest.approx([qy - 1.0, qy + 2 + 2 * QUEUE_STEP])
    assert [t.get_text() for t in view.queue_labels[:2]] == ["0 waiting", "3 waiting"]


def test_a_shopper_stuck_at_a_dead_till_is_counted_apart_and_draws_no_bar(day, view):
    """One shopper stuck at lane 1's dead till and none in its queue: "1 waiting", as the
    replay page counts it, "(1 at dead till)" under it, and no bar (the queue is empty)."""
    view, _ = view
    sample = day.samples.iloc[len(day.samples) // 2]
    stuck = [1] + [0] * (len(view.queues) - 1)
    view.update(17 * 60 + 3 * 1440.0, sample, np.empty((0, 2)), np.empty(0), 90, {0}, stuck=stuck)
    labels = [t.get_text() for t in view.queue_labels[:2]]
    assert labels == ["1 waiting\n(1 at dead till)", "0 waiting"]
    assert not view.queues[0].get_visible()


def test_staff_are_drawn_as_on_the_replay_page(day, view):
    view, floor = view
    shown = tracks(day, floor, 3 * 1440.0 + 16 * 60, 3 * 1440.0 + 18 * 60)
    met = sightings(day, shown)
    assert met, "no shopper met a member of staff"
    t = met[len(met) // 2][0]
    on_floor = staff_on_floor(met, t)
    assert on_floor
    sample = day.samples.iloc[0]
    view.update(t, sample, np.empty((0, 2)), np.empty(0), 90, staff=on_floor)
    names = {text.get_text() for text in view.floor_staff_names} - {""}
    assert names == set(on_floor)
    assert len(view.floor_staff.get_offsets()) == len(on_floor)
    assert view.cashiers and all(text.get_text() for text in view.cashiers.values())
    assert view.title.get_text() == "terminal_outage, day 3 (Thu)"
    assert view.title.get_fontsize() >= 16  # it was 10 points on a 960-pixel frame


def test_a_floor_from_another_store_s_history_says_so_in_its_title(day):
    """`animate --history-of` drew another floor (9 shoppers where its own history had 2) under
    the same title as the scenario's own."""
    baseline = load_scenario(OUTAGE.with_name("baseline.yaml"), SMALL)
    other = replay(load_scenario(OUTAGE, SMALL), 3, reference=baseline)
    names = [c.split(":", 1)[1] for c in other.samples.columns if c.startswith("zone:")]
    view = FloorView(other, floor_plan(names, other.line_tills))
    assert view.title.get_text() == "terminal_outage, day 3 (Thu), from baseline's history"


def test_a_lane_without_a_cashier_draws_no_cashier_dot(day, view):
    """A closed lane read "no cashier" beside the green dot that stands for a cashier."""
    view, _ = view
    sample = day.samples.iloc[len(day.samples) // 2].copy()
    closed, *open_ = sorted(view.cashiers)
    sample[f"cashier:{closed}"] = -1
    view.update(17 * 60 + 3 * 1440.0, sample, np.empty((0, 2)), np.empty(0), 90)
    assert view.cashiers[closed].get_text() == "no cashier"
    assert not view.cashier_dots[closed].get_visible()
    for till in open_:
        assert int(sample[f"cashier:{till}"]) >= 0
        assert view.cashier_dots[till].get_visible()


def test_the_legend_explains_the_cashier_dot(view):
    """The green dot beside each staffed till had no legend entry (the replay page has one)."""
    view, _ = view
    entries = {
        t.get_text(): h
        for t, h in zip(view.fig.legends[0].texts, view.fig.legends[0].legend_handles)
    }
    dot = next(iter(view.cashier_dots.values()))
    assert entries["cashier"].get_marker() == "o"
    assert to_rgba(entries["cashier"].get_color()) == pytest.approx(tuple(dot.get_facecolor()[0]))


def test_a_zone_counts_the_shoppers_drawn_in_it(day, view):
    """The label over a zone counts its dots: every shopper settled there (arrived a glide or
    more ago), and of the others only dots on their way (a glide may cross the zone); the
    monitor's occupancy, which moves a minute before the dot, read "fresh: 3" over 4 dots.
    Checked at every minute of two evening hours."""
    view, floor = view
    start = 3 * 1440.0 + 16 * 60
    shown = tracks(day, floor, start, start + 120)
    checked = 0
    for t in start + np.arange(120.0):
        active = [track for track in shown if track.start <= t < track.end]
        xy, moods = positions(floor, active, t)
        view.update(t, day.samples.iloc[0], xy, moods, 90)
        labels = {
            text.get_text().split(": ")[0]: text.get_text() for text in view.zone_labels.values()
        }
        for name in floor.zones:
            states = [track.at(t) for track in active]
            here = [s for s in states if s[0] == ("zone", name)]
            settled = sum(1 for s in here if s[1] is None or s[2] >= GLIDE_MIN)
            gliding = sum(1 for s in states if s[1] is not None and s[2] < GLIDE_MIN)
            count = int(labels[name].split(": ")[1])
            assert settled <= count <= settled + gliding  # a glide may cross the zone
            checked += count
    assert checked > 100  # the evening's zones were busy


@pytest.fixture(scope="module")
def busy_day():
    """Day 3 of the outage store with 4,000 customers: queues long enough that some
    shoppers give up during the outage."""
    return replay(load_scenario(OUTAGE, [*SMALL, "arrivals.base_customers=4000"]), 3)


def test_a_line_shows_as_many_dots_as_shoppers_wait_in_it(busy_day):
    """Every shopper queueing is drawn in the line they joined, those who give up included:
    a reneger was drawn in a line made up from the visit's id, so during the outage a lane
    read "1 waiting" over 2 dots and another over none. Checked at every monitor sample of
    the outage evening against the monitor's count of each line, which the replay prints."""
    day = busy_day
    names = [c.split(":", 1)[1] for c in day.samples.columns if c.startswith("zone:")]
    floor = floor_plan(names, day.line_tills)
    start, end = 3 * 1440.0 + 16 * 60 + 30, 3 * 1440.0 + 18 * 60 + 30
    shown = tracks(day, floor, start, end)
    visits = day.replication.visits.set_index("visit_id")
    gave_up = [t for t in shown if visits.at[t.visit_id, "abandoned"] == "renege"]
    assert len(gave_up) >= 3  # the check reaches the shoppers it is about
    lines = [f"line:{i}" for i in range(len(floor.queues))]
    samples = day.samples[day.samples["time"].between(start, end)]
    assert samples[lines].to_numpy().sum() > 50
    for t, *waiting in samples[["time", *lines]].itertuples(index=False):
        drawn = [0] * len(lines)
        for track in shown:
            if track.start <= t < track.end and (place := track.at(t)[0])[0] == "queue":
                drawn[place[1]] += 1
        assert drawn == waiting, t


def dead_till_waits(day) -> list[tuple[float, float, int]]:
    """(from, to, line) of each wait at a till for its dead terminal on the replayed day, as
    the trace tells it: from "card refused" to the next step, "waited 15 min ..."."""
    visits = day.replication.visits
    waits = []
    for row in visits[visits["day"] == day.day].itertuples():
        steps = day.replication.traces.get(row.visit_id, [])
        for step, after in zip(steps, steps[1:]):
            if step.what.startswith("card refused") and after.what.startswith("waited"):
                waits.append((step.time, after.time, row.line))
    return waits


def test_every_frame_labels_each_line_with_the_shoppers_waiting_in_it(busy_day, monkeypatch):
    """Between the monitor's minute samples a frame read "1 waiting", with its bar, over a line
    whose shopper had already reached the till. And a card-only shopper waiting at the till
    for its dead terminal was counted nowhere: lane 3 read "0 waiting" over the one stuck at
    its till from 17:19 to 17:34. A line's label counts its queue (its bar) and those stuck at
    its tills ("N waiting", as the replay page does), and the stuck apart ("(M at dead
    till)")."""
    day = busy_day
    names = [c.split(":", 1)[1] for c in day.samples.columns if c.startswith("zone:")]
    floor = floor_plan(names, day.line_tills)
    start, end = 3 * 1440.0 + 17 * 60, 3 * 1440.0 + 18 * 60
    shown = tracks(day, floor, start, end)
    waits = dead_till_waits(day)
    labelled: list[tuple[float, list[str], list[bool]]] = []
    update = FloorView.update

    def recording(view, t, *args, **kwargs):
        update(view, t, *args, **kwargs)
        bars = [bar.get_visible() for bar in view.queues]
        labelled.append((t, [text.get_text() for text in view.queue_labels], bars))

    monkeypatch.setattr(FloorView, "update", recording)
    animate(day, 17 * 60, 18 * 60, frames=41)  # frames 1.5 min apart: half of them mid-minute
    stuck_seen = 0
    for t, labels, bars in labelled:
        queued, stuck = [0] * len(floor.queues), [0] * len(floor.queues)
        for track in shown:
            if track.start <= t < track.end and (place := track.at(t)[0])[0] == "queue":
                queued[place[1]] += 1
        for begin, until, line in waits:
            stuck[line] += begin <= t < until
        assert labels == [queue_label(q, s) for q, s in zip(queued, stuck)], t
        assert bars == [q > 0 for q in queued], t
        stuck_seen += sum(stuck)
    assert len(labelled) == 41
    assert any(label != "0 waiting" for _, labels, _ in labelled for label in labels)
    assert queue_label(2, 0) == "2 waiting" and queue_label(0, 1) == "1 waiting\n(1 at dead till)"
    assert stuck_seen >= 10  # the outage hour had shoppers stuck at dead tills


def test_shoppers_between_counts_the_days_visits_in_the_store(day):
    today = day.replication.visits["day"] == day.day
    assert day.shoppers_between(0.0, 1440.0) == int(today.sum()) > 0
    assert day.shoppers_between(4 * 60.0, 5 * 60.0) == 0  # the store opens at 06:00
    morning, evening = (
        day.shoppers_between(6 * 60.0, 14 * 60.0),
        day.shoppers_between(14 * 60.0, 1440.0),
    )
    assert morning + evening - day.shoppers_between(14 * 60.0, 14 * 60.0) == int(today.sum())


@pytest.mark.parametrize(
    ("window", "warned"), [(("04:00", "05:00"), True), (("17:00", "18:00"), False)]
)
def test_a_window_with_nobody_in_the_store_warns(tmp_path, capsys, window, warned):
    from journeysim.cli import main

    sets = [arg for key in SMALL for arg in ("--set", key)]
    start, end = window
    gif = tmp_path / "floor.gif"
    command = ["animate", str(OUTAGE), "--day", "3", "--from", start, "--to", end, "--frames", "2"]
    assert main([*command, *sets, "--out", str(gif)]) == 0
    assert gif.is_file()
    assert ("no shopper is in the store in this window" in capsys.readouterr().err) == warned


def test_a_window_to_midnight_ends_at_24_00(tmp_path, capsys, monkeypatch):
    """`animate --from 23:00 --to 24:00` printed "23:00-00:00" and its last frame's clock read
    00:00:00."""
    from journeysim.cli import main

    clocks: list[str] = []
    update = FloorView.update

    def recording(view, t, *args, **kwargs):
        update(view, t, *args, **kwargs)
        clocks.append(view.clock.get_text())

    monkeypatch.setattr(FloorView, "update", recording)
    sets = [arg for key in SMALL for arg in ("--set", key)]
    window = ["--day", "3", "--from", "23:00", "--to", "24:00", "--frames", "2"]
    assert main(["animate", str(OUTAGE), *window, *sets, "--out", str(tmp_path / "f.gif")]) == 0
    assert "day 3 23:00-24:00," in capsys.readouterr().out
    assert clocks == ["23:00:00", "24:00:00"]


def test_one_frame_is_said_in_the_singular(tmp_path, capsys):
    """It said "f.gif: 1 frames"."""
    from journeysim.cli import main

    sets = [arg for key in SMALL for arg in ("--set", key)]
    window = ["--day", "3", "--from", "17:00", "--to", "17:10", "--frames", "1"]
    assert main(["animate", str(OUTAGE), *window, *sets, "--out", str(tmp_path / "f.gif")]) == 0
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'f.gif'}: 1 frame, day 3 ")


def test_the_report_embeds_only_an_animation_of_the_replication_it_replays(tmp_path, day):
    """A GIF of replication 99 went into a run report, unlabelled, beside the replay of
    replication 0: the GIF's stamp named the settings but not the replication."""
    ours, theirs = tmp_path / "ours.gif", tmp_path / "floor_day3.gif"
    ours.write_bytes(animate(day, 17 * 60, 17 * 60 + 10, frames=1))
    os.utime(ours, (1, 1))  # older than theirs
    theirs.write_bytes(animate(replay(day.scenario, 3, 99), 17 * 60, 17 * 60 + 10, frames=1))
    html = floor_section(day.scenario, animations(tmp_path))
    assert "ours.gif, day 3 (Thu), 17:00-17:10, replication 0: shoppers" in html
    assert "floor_day3.gif" not in html
    html = floor_section(day.scenario, [theirs])
    assert "floor_day3.gif beside these results was drawn from" in html
    assert "another replication" in html and "data:image/gif" not in html


def cash_fetches(day) -> list[tuple[int, int, float, float]]:
    """(visit, till, refused, back) of each shopper of the replayed day who fetched cash: from
    "card refused" to "fetches cash from an ATM and pays", as the trace tells it."""
    visits = day.replication.visits
    fetched = visits[(visits["day"] == day.day) & (visits["payment"] == "fetched cash")]
    out = []
    for row in fetched.itertuples():
        steps = day.replication.traces[row.visit_id]
        refused, back = (step.time for step in steps if step.kind == "payment")
        out.append((row.visit_id, row.till, refused, back))
    return out


def drawn_at(floor, track, t: float) -> tuple[float, float]:
    return tuple(positions(floor, [track], t)[0][0])


def inside(box, xy) -> bool:
    x, y, w, h = box
    return x <= xy[0] <= x + w and y <= xy[1] <= y + h


def test_shoppers_in_a_zone_stand_clear_of_the_staff_names_drawn_there(day):
    """The GIF drew shoppers over the staff names at a zone's foot (a dot on "stocker #9"),
    where the replay page keeps their strip free: a shopper in a zone stands above the most
    names drawn there at once over the window."""
    names = [c.split(":", 1)[1] for c in day.samples.columns if c.startswith("zone:")]
    floor = floor_plan(names, day.line_tills)
    start, end = 3 * 1440.0 + 16.5 * 60, 3 * 1440.0 + 18.5 * 60
    shown = tracks(day, floor, start, end)
    strips = staff_strips(sightings(day, shown))
    assert max(strips.values()) >= 2 * STAFF_ROW  # two names at once somewhere
    floor = replace(floor, strips=strips)
    checked = 0
    for t in frame_times(start, end, 40):
        for track in (track for track in shown if track.start <= t < track.end):
            place, _, since, _ = track.at(t)
            if place[0] == "zone" and since >= GLIDE_MIN:
                zone_foot = floor.zones[place[1]][1]
                assert drawn_at(floor, track, t)[1] >= zone_foot + 1.5 + strips.get(place[1], 0)
                checked += 1
    assert checked > 50


@pytest.mark.parametrize("check", [0.0, 1.0])
def test_a_shopper_fetching_cash_is_drawn_at_the_exit_while_away(check):
    """A card-only shopper whose card was refused and who went to fetch cash stayed drawn at
    the till for the 8 minutes away (while it served the next shopper). Away, they are drawn
    at the exit; back, at the till until they leave (with a bag check, for its minute)."""
    day = replay(load_scenario(OUTAGE, [*SMALL, f"exit.check_prob={check}"]), 3)
    names = [c.split(":", 1)[1] for c in day.samples.columns if c.startswith("zone:")]
    floor = floor_plan(names, day.line_tills)
    shown = {t.visit_id: t for t in tracks(day, floor, 3 * 1440.0, 4 * 1440.0)}
    fetches = cash_fetches(day)
    assert len(fetches) >= 3
    for visit, till, refused, back in fetches:
        track = shown[visit]
        tx, ty = floor.tills[till]
        assert drawn_at(floor, track, refused - 0.1) == (tx, ty + AT_TILL)  # above the till
        for t in np.linspace(refused, back, 5, endpoint=False):  # no glide out of a till
            assert inside(floor.exit, drawn_at(floor, track, t)), (visit, t)
        leaves = day.replication.traces[visit][-1].time
        assert (leaves > back) == (check == 1.0)
        if leaves > back:
            assert track.at((back + leaves) / 2)[0] == ("till", till)


def test_an_animation_of_another_replication_keeps_the_one_the_report_embeds(
    tmp_path, monkeypatch, capsys
):
    """`animate --replication 1` wrote over results/<scenario>/floor_day3.gif, the replication
    0 animation a run's report embeds: it now writes floor_day3_replication1.gif beside it."""
    from journeysim.cli import main

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "results" / "terminal_outage"
    folder.mkdir(parents=True)
    (folder / "floor_day3.gif").write_bytes(b"GIF89a")
    sets = [arg for key in SMALL for arg in ("--set", key)]
    window = ["--day", "3", "--from", "17:00", "--to", "17:10", "--frames", "1"]
    assert main(["animate", str(OUTAGE), *window, *sets, "--replication", "1"]) == 0
    out = Path("results") / "terminal_outage" / "floor_day3_replication1.gif"
    assert capsys.readouterr().out.startswith(f"{out}: 1 frame, day 3 ")
    assert Image.open(out).format == "GIF"
    assert (folder / "floor_day3.gif").read_bytes() == b"GIF89a"


def test_the_report_says_which_day_its_animation_shows(tmp_path, day):
    """A run report showed floor_day3.gif, a warm-up day, beside the replay of day 14 without a
    word: the caption now says the animation's day and hours (its comment records them), a
    warm-up day as one, and the replayed day where that is another."""
    gif = tmp_path / "f.gif"
    gif.write_bytes(animate(day, 17 * 60, 17 * 60 + 10, frames=1))
    caption = "f.gif, day 3 (Thu), 17:00-17:10{}, replication 0: shoppers"
    assert caption.format("") in floor_section(day.scenario, [gif], replayed=3)
    other = " (the replay above shows day 2 (Wed))"
    assert caption.format(other) in floor_section(day.scenario, [gif], replayed=2)
    longer = day.scenario.model_copy(
        update={"horizon": day.scenario.horizon.model_copy(update={"warmup_days": 4})}
    )
    stamp = setup_stamp(longer, 0)
    with Image.open(gif) as picture:
        frame = picture.convert("RGB")
    frame.save(gif, "GIF", comment=f"{stamp}; day 3 (Thu), 17:00-17:10")
    assert caption.format(", a warm-up day" + other) in floor_section(longer, [gif], replayed=2)


def test_every_queue_dot_is_drawn_in_its_lane_clear_of_the_tills_and_counted(busy_day, monkeypatch):
    """A trainer asked "where is the person waiting?": at 17:15:22 lane 1 read "1 waiting"
    over its bar while its shopper was still gliding from the chilled zone, at 18:10:50 lane 2
    read "2 waiting" over one dot on a floating glide and one under its dead terminal's cross.
    At every half minute of the outage evening's default window: the dots drawn in a line's
    queue (on its axis, under its label) are, at each monitor sample, the monitor's count, and
    with the trace's shoppers waiting for a dead terminal ("(M at dead till)") the label's N;
    every other dot in the checkout stands above one of the line's tills, clear of the cross."""
    day = busy_day
    frames: list[tuple[float, np.ndarray, list[str]]] = []
    views: list[FloorView] = []
    update = FloorView.update

    def recording(view, t, sample, xy, *args, **kwargs):
        update(view, t, sample, xy, *args, **kwargs)
        frames.append((t, np.asarray(xy), [text.get_text() for text in view.queue_labels]))
        views[:] = [view]

    monkeypatch.setattr(FloorView, "update", recording)
    monkeypatch.setattr(animate_module, "_frame", lambda fig: Image.new("RGB", (1, 1)))
    start, end = default_window(day)
    animate(day, start, end, frames=int(end - start) * 2 + 1)
    (view,) = views
    floor, ax = view.floor, view.dots.axes
    points_per_unit = (ax.transData.transform((1, 0)) - ax.transData.transform((0, 0)))[0] * 72
    radius = np.sqrt(view.dots.get_sizes()[0]) / 2 / (points_per_unit / view.fig.dpi)
    x0, y0, width, height = CHECKOUT_BOX
    label_foot = y0 + height - 4.0  # under the two lines of a label
    samples = day.samples.set_index("time")
    waits = dead_till_waits(day)
    checked = stuck_seen = 0
    for t, xy, labels in frames:
        in_checkout = xy[(xy[:, 0] <= x0 + width) & (xy[:, 1] <= y0 + height)]
        queued, placed = [], np.zeros(len(in_checkout), dtype=bool)
        for line, (qx, qy) in enumerate(floor.queues):
            mine = (np.abs(in_checkout[:, 0] - qx) <= 0.5) & (in_checkout[:, 1] >= qy)
            assert (in_checkout[mine, 1] + radius <= label_foot).all(), t
            queued.append(int(mine.sum()))
            placed |= mine
            tills = [floor.tills[i] for i in day.line_tills[line]]
            for tx, ty in tills:
                clear = (np.abs(in_checkout[:, 0] - tx) >= 1.0 + radius) | (
                    np.abs(in_checkout[:, 1] - ty) >= 1.0 + radius
                )
                assert clear.all(), (t, tx)  # nothing on a terminal's cross
            xs = [tx for tx, _ in tills]  # a second shopper at a till stands a dot to its left
            beside = (in_checkout[:, 0] >= min(xs) - 2 * radius - 0.5) & (
                in_checkout[:, 0] <= max(xs)
            )
            above = (in_checkout[:, 1] < qy) & (in_checkout[:, 1] > tills[0][1] + 1.0)
            placed |= above & beside
        assert placed.all(), (t, in_checkout[~placed])  # no dot between lanes
        stuck = [sum(a <= t < b for a, b, n in waits if n == line) for line in range(len(queued))]
        assert labels == [queue_label(q, s) for q, s in zip(queued, stuck)], t
        if t in samples.index:
            monitor = [int(samples.at[t, f"line:{i}"]) for i in range(len(queued))]
            assert queued == monitor, t
            checked += 1
        stuck_seen += sum(stuck)
    assert checked == end - start + 1 and stuck_seen >= 10
    assert sum(int(label.split()[0]) for _, _, labels in frames for label in labels) >= 20


def test_animate_from_the_first_store_s_history_is_stamped_so(tmp_path, capsys):
    """A dirty floor's own history has far fewer customers than the replay and compare show
    (they start it from the baseline's): `animate --history-of` draws the floor they show, and
    its stamp names the history, so that a run report of the scenario's own history does not
    embed it."""
    from journeysim.cli import main

    sets = [arg for key in SMALL for arg in ("--set", key)]
    window = ["--day", "3", "--from", "17:00", "--to", "17:10", "--frames", "1"]
    first = ["--history-of", str(OUTAGE.with_name("baseline.yaml"))]
    gif = tmp_path / "f.gif"
    assert main(["animate", str(OUTAGE), *window, *sets, *first, "--out", str(gif)]) == 0
    scenario = load_scenario(OUTAGE, SMALL)
    with Image.open(gif) as picture:
        stamp = picture.info["comment"].decode().split("; ")[0]
    assert stamp.startswith(f"{setup_stamp(scenario, 0)} history ")
    assert "drawn from other settings" in floor_section(scenario, [gif])
    assert setup_stamp(scenario, 0, scenario) == setup_stamp(scenario, 0)
