"""The run report in a real browser: headless Chromium loads it without errors, decodes every
embedded image and shows the KPI table."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from journeysim.report.html import run_report
from journeysim.scenario import load_scenario
from journeysim.simulation.executors import Serial
from journeysim.simulation.kpis import KPIS
from journeysim.simulation.runner import run_scenario

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCENARIOS = Path(__file__).parent.parent / "scenarios"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install -y chromium; .ci/run does this)",
)


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    scenario = load_scenario(
        SCENARIOS / "terminal_outage.yaml",
        [
            "horizon.warmup_days=2",
            "horizon.days=2",
            "replications=2",
            "arrivals.base_customers=600",
            "horizon.burn_in_days=0",
        ],
    )
    return run_report(run_scenario(scenario, Serial()), tmp_path_factory.mktemp("report"))


def test_page_loads_and_shows_the_kpi_table(report, tmp_path):
    done = chromium(report, tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    dom = done.stdout.decode()
    log = done.stderr.decode(errors="replace")
    assert not re.search(r"CONSOLE.*(Uncaught|Error)|Failed to load|ERR_FILE", log)
    assert '<table id="kpi-table">' in dom
    assert all(f'data-kpi="{metric}"' in dom for metric in KPIS)
    # Set by the page's script once loaded: every embedded image decoded by the browser.
    loaded = re.search(r'data-images-loaded="(\d+)/(\d+)"', dom)
    assert loaded and loaded.group(1) == loaded.group(2) and int(loaded.group(2)) >= 4


def test_page_renders(report, tmp_path):
    shot = tmp_path / "page.png"
    done = chromium(report, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400")
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("L")
    assert image.size == (1280, 2400)
    pixels = np.asarray(image)
    assert (pixels < 128).mean() > 0.01  # text and plots, not a blank page
