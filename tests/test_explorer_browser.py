"""The explorer in a real browser: ``sim explore --port N`` on 127.0.0.1, driven by
Playwright in Debian's headless ``chromium`` (nothing is downloaded; .ci/run installs it).

One server and one page for the module: the page names the regime the engine solves at
the baseline; moving a slider changes it to the regime the engine solves at the slider's
new value; a typed value out of range shows the project's one-line message; every panel
draws (the game tree's says so where that figure is not available); the Mesa
``SolaraViz`` page steps the model; and no request leaves 127.0.0.1. A screenshot is
taken (``SIM_EXPLORER_SCREENSHOT=docs/img/explorer.png`` keeps it there).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.engine.params import ConfigError
from sim.explore import browser as B
from sim.explore.solve import regime_at
from sim.explore.state import defaults, parse_assignment, sliders
from sim.scenarios import get_scenario

WHY = B.missing()
pytestmark = pytest.mark.skipif(WHY is not None, reason=f"the browser test needs what this machine lacks: {WHY}")

SC = get_scenario("iraq2020")
NATIONALISM = sliders(SC)["iraq.nationalism"]
SCREENSHOT_ENV = "SIM_EXPLORER_SCREENSHOT"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    log = tmp_path_factory.mktemp("explorer") / "server.log"
    try:
        with B.served(log=log) as url, B.browser(width=1500, height=1900) as page:
            page.explorer_url = url
            B.open_explorer(page, url)
            yield page
    except RuntimeError:
        print(log.read_text(errors="replace")[-3000:])  # why the server did not answer
        raise


def test_the_page_names_the_regime_the_engine_solves(page):
    assert page.locator(".sim-regime").inner_text() == f"Regime: {regime_at(SC, defaults(SC))}"


def test_moving_a_slider_changes_the_regime_as_the_solver_says(page, tmp_path):
    before = regime_at(SC, defaults(SC))
    knob = B.slider(page, NATIONALISM.label)
    knob.focus()
    page.keyboard.press("End")  # to the top of the range
    page.wait_for_function("(v) => document.querySelector('.sim-param [role=slider][aria-valuenow=\"' + v + '\"]')",
                           arg=f"{NATIONALISM.high:g}")
    value = B.slider_value(page, NATIONALISM.label)
    expected = regime_at(SC, {**defaults(SC), NATIONALISM.name: value})
    assert value == NATIONALISM.high and expected != before  # the move must change something
    assert B.wait_for_regime(page, expected) == f"Regime: {expected}"
    shown = page.locator(".sim-param", has_text=NATIONALISM.label).first.inner_text()
    assert shown.startswith(f"{NATIONALISM.label}: {value:g} $bn/yr")
    B.wait_settled(page)
    shot = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path / "explorer.png")
    page.screenshot(path=str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 50_000


def test_every_panel_draws(page):
    B.wait_settled(page)
    cards = page.locator(".v-card")
    for title in ("Phase diagram slice", "Regime distribution", "Agent-based trajectory"):
        assert cards.filter(has_text=title).first.locator("img").count() == 1, title
    tree = cards.filter(has_text="Game tree").first
    assert tree.locator("img").count() == 1 or "not available" in tree.inner_text()
    assert "Traceback" not in page.locator("body").inner_text()


def test_a_typed_value_out_of_range_shows_one_line(page):
    with pytest.raises(ConfigError) as info:
        parse_assignment(SC, "iraq.nationalism = 25")
    box = page.get_by_label("Set a parameter, e.g. iraq.nationalism = 3")
    box.fill("iraq.nationalism = 25")
    box.press("Enter")
    message = page.locator(".sim-message")
    message.wait_for()
    assert message.inner_text().strip() == str(info.value)
    assert "\n" not in message.inner_text().strip() and "Traceback" not in page.locator("body").inner_text()


def test_the_mesa_solaraviz_page_steps_the_model(page):
    page.goto(page.explorer_url + "agents")
    page.get_by_text("Step: 0").wait_for(timeout=120_000)
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Step: 1").wait_for()
    assert page.locator("img").count() >= 2  # the two DataCollector plots


def test_nothing_is_requested_outside_127_0_0_1(page):
    assert len(page.requested) > 5
    assert B.external(page.requested) == []
