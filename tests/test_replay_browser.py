"""The replay page in a real browser: Debian's headless Chromium driven by Playwright (never a
browser download). It loads without console errors, play moves the clock and the picture,
the outage mark shows red terminals, and a click on a shopper who met the outage tells
"card refused" in the side panel. Screenshots of every step go to tests/artifacts/replay/."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from journeysim.report.replay import replay_data, replay_page, replays, title, window
from journeysim.scenario import load_scenario

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCENARIOS = Path(__file__).parent.parent / "scenarios"
SHOTS = Path(__file__).parent / "artifacts" / "replay"
SMALL = [
    "horizon.warmup_days=2",
    "horizon.days=2",
    "arrivals.base_customers=600",
    "horizon.burn_in_days=0",
]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install -y chromium; .ci/run does this)",
)


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    scenarios = [
        load_scenario(SCENARIOS / f"{n}.yaml", SMALL) for n in ("baseline", "terminal_outage")
    ]
    days = replays(scenarios, 3)
    start, end = window(days)
    path = tmp_path_factory.mktemp("replay") / "replay.html"
    path.write_text(replay_page(replay_data(days, start, end), title(days, start, end)))
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright  # the test extra installs it

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def canvas_pixels(page, panel: int) -> str:
    return page.evaluate(f"journeyReplay.panels[{panel}].canvas.toDataURL()")


def pixel(page, panel: int, x: float, y: float) -> list[int]:
    """RGBA of the canvas at floor point (x, y)."""
    return page.evaluate(
        """([i, x, y]) => { const p = journeyReplay.panels[i]; const [cx, cy] = p.toCanvas(x, y);
        return Array.from(p.canvas.getContext("2d").getImageData(cx, cy, 1, 1).data); }""",
        [panel, x, y],
    )


def test_replay_plays_scrubs_and_tells(browser, page_file):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: problems.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
    )

    began = time.perf_counter()
    page.goto(page_file.as_uri())
    page.wait_for_function("window.journeyReplay && journeyReplay.panels.length === 2")
    print(f"\nreplay page loaded in {time.perf_counter() - began:.2f} s")
    page.screenshot(path=SHOTS / "1_loaded.png")
    clock = page.locator(".jsr-clock")
    assert clock.inner_text() == "16:30:00"

    # Play at 600x for a second and a half: the clock runs and the floor changes.
    before = canvas_pixels(page, 1)
    page.select_option(".jsr-speed", "600")
    page.click(".jsr-play")
    page.wait_for_timeout(1500)
    page.keyboard.press("Space")  # pause, as a presenter would
    assert page.locator(".jsr").get_attribute("data-playing") == "false"
    moved = float(page.locator(".jsr").get_attribute("data-time")) - 16.5 * 60
    assert 5 <= moved <= 30  # about 15 simulated minutes at 600x
    assert clock.inner_text() != "16:30:00"
    assert canvas_pixels(page, 1) != before
    page.screenshot(path=SHOTS / "2_played.png")

    # Scrub to the outage with its timeline mark: every terminal of the outage store is red,
    # those of the baseline store are not.
    page.click(".jsr-mark.outage")
    assert clock.inner_text() == "17:00:00"
    tills = page.evaluate("journeyReplay.data.panels[1].floor.tills")
    for x, y in tills.values():
        r, g, b, _ = pixel(page, 1, x + 1.2, y + 1.2)  # inside the square, off its white cross
        assert r > 180 and g < 90 and b < 90, (r, g, b)
        r, g, b, _ = pixel(page, 0, x + 1.2, y + 1.2)
        assert not (r > 180 and g < 90), (r, g, b)
    page.screenshot(path=SHOTS / "3_outage.png")

    # A shopper whose card was refused: go to that moment and click the dot.
    visit, refused = page.evaluate(
        """() => { for (const s of journeyReplay.panels[1].shoppers) {
            const st = s.steps.find((q) => q[2].startsWith("card refused"));
            if (st && st[0] < journeyReplay.data.to) return [s.visit, st[0]]; } }"""
    )
    page.fill(".jsr-scrub", f"{refused + 0.05:.2f}")
    x, y = page.evaluate(f"journeyReplay.panels[1].clientPosition({visit})")
    page.mouse.click(x, y)
    side = page.locator(".jsr-side")
    assert "card refused" in side.inner_text()
    page.screenshot(path=SHOTS / "4_card_refused.png")

    # Follow the same customer in both stores, then play on to the end of the visit.
    customer = page.evaluate(
        f"journeyReplay.panels[1].shoppers.find((s) => s.visit === {visit}).customer"
    )
    assert side.locator("h4", has_text="baseline").count() == 1
    left = page.evaluate(f"journeyReplay.panels[1].shoppers.find((s) => s.visit === {visit}).left")
    page.fill(".jsr-scrub", f"{left + 0.5:.2f}")
    text = side.inner_text()
    assert f"Customer {customer}" in text and "Remembered" in text and "CSAT" in text
    page.screenshot(path=SHOTS / "5_followed.png")

    # Presenter mode: larger type for the room.
    normal = page.evaluate("parseFloat(getComputedStyle(journeyReplay.root).fontSize)")
    page.locator(".jsr-clock").click()
    page.keyboard.press("f")
    page.wait_for_timeout(300)
    assert page.evaluate("parseFloat(getComputedStyle(journeyReplay.root).fontSize)") > normal
    page.screenshot(path=SHOTS / "6_presenter.png")
    assert problems == []
    page.close()
