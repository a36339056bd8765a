"""`journeysim trace` tells telling visits; `journeysim animate` writes a GIF that shows the
terminals going down."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

from journeysim.cli import main
from journeysim.experiment.replication import Simulation
from journeysim.report.trace import pick_visits
from journeysim.scenario import load_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"
OUTAGE = str(SCENARIOS / "terminal_outage.yaml")
# Four short days; terminal_outage takes every terminal down 17:00-18:30 from day 3 on.
SMALL = ["--days", "2", "--set", "horizon.warmup_days=2", "--set", "arrivals.base_customers=600"]


def test_trace_pick_outage_tells_a_visit_that_met_it(capsys):
    assert main(["trace", OUTAGE, "--pick", "outage", *SMALL]) == 0
    story = capsys.readouterr().out
    assert "Card terminal down during this visit" in story
    assert re.search(r"card refused: terminal \d+ is down", story)
    for outcome in ("Remembered", "CES", "CSAT", "Relationship", "Return chance", "Recommend"):
        assert outcome in story


def test_trace_pick_outage_without_an_outage_says_so(capsys):
    baseline = str(SCENARIOS / "baseline.yaml")
    assert (
        main(
            [
                "trace",
                baseline,
                "--pick",
                "outage",
                *SMALL,
                "--set",
                "payment.random_failures=false",
            ]
        )
        == 1
    )
    assert "no visit met a terminal outage" in capsys.readouterr().err


def test_trace_regular_sees_the_familiar_cashier_leave(capsys):
    leaves = "staff.turnover=[{role: cashier, index: 0, day: 5}]"
    args = ["trace", str(SCENARIOS / "staff_turnover.yaml"), "--pick", "regular"]
    assert main([*args, "--days", "6", "--set", "horizon.warmup_days=2", "--set", leaves]) == 0
    story = capsys.readouterr().out
    assert re.search(r"On day 5 \(Sat\) cashier #\d+, whom this customer knew, left", story)
    told = re.findall(r"Visit \d+ of \d+ \(visit id \d+\), day (\d+)", story)
    assert len(told) == 2 and int(told[0]) < 5 <= int(told[1])  # before and after


def test_pick_worst_and_best():
    scenario = load_scenario(
        OUTAGE, ["horizon.warmup_days=1", "horizon.days=1", "arrivals.base_customers=300"]
    )
    rep = Simulation(scenario, trace=True).run()
    visits = rep.visits.set_index("visit_id")["remembered"]
    assert visits[pick_visits(rep, "worst")[0]] == visits.min()
    assert visits[pick_visits(rep, "best")[0]] == visits.max()


def test_animate_writes_frames_that_show_the_terminals_go_down(tmp_path, capsys):
    out = tmp_path / "floor.gif"
    window = ["--from", "16:54", "--to", "17:06", "--frames", "50", "--out", str(out)]
    assert main(["animate", OUTAGE, "--day", "3", *window, *SMALL[2:]]) == 0
    assert "50 frames" in capsys.readouterr().out
    gif = Image.open(out)
    assert gif.n_frames >= 50

    def red_banner(frame: int) -> float:
        gif.seek(frame)
        rgb = np.asarray(gif.convert("RGB")).astype(int)
        top = rgb[: rgb.shape[0] // 6]
        red = (top[..., 0] > 180) & (top[..., 1] < 90) & (top[..., 2] < 90)
        return red.mean()

    assert red_banner(0) == 0.0  # 16:54: every terminal up
    assert red_banner(49) > 0.01  # 17:05: "TERMINAL DOWN"


def test_animate_rejects_a_backward_window(tmp_path, capsys):
    out = tmp_path / "x.gif"
    window = ["--from", "18:00", "--to", "17:00", "--out", str(out)]
    assert main(["animate", OUTAGE, "--day", "3", *window]) == 2
    assert "--to must be later than --from" in capsys.readouterr().err
    assert not out.exists()
