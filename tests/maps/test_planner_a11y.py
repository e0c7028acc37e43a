"""The planner map for people who use a keyboard or a screen reader, in headless Chromium:
axe-core (the PyPI package axe-playwright-python) finds no WCAG 2.1 AA violation at start, with
the area table and an area's popup open, and with the layer control and a mobile layer open;
the table and its rows are reached by keyboard and a row opens the area's popup; keyboard focus
is drawn (:focus-visible), a mouse click draws none. Screenshots land in test-artifacts/."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from dekning.maps.planner import planner_map, write_map
from dekning.maps.whatif import Budget

pytestmark = pytest.mark.browser
try:
    from axe_playwright_python import sync_playwright as axe_sync
except ImportError:
    if os.environ.get("CI") == "true":
        raise  # in CI a skipped accessibility check would be no check
    pytest.skip("axe-playwright-python is not installed", allow_module_level=True)

SHOTS = Path(
    os.environ.get("DEKNING_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
NORMAL_TILES = (
    "(() => { const s = document.createElement('style');"
    " s.textContent = 'img.leaflet-tile { mix-blend-mode: normal !important; }';"
    " document.head.appendChild(s); })()"
)
"""Leaflet's tiles blend with ``plus-lighter``, which axe-core's contrast rule cannot measure
(it then checks nothing); normal blending for the check, as on the public map."""


@pytest.fixture(scope="module")
def planner_file(default_result, default_config, tmp_path_factory) -> Path:
    r = default_result
    m = planner_map(
        r.classified,
        r.areas,
        mobile_layers=r.mobile_layers,
        mobile_grids=r.mobile_grids,
        routes=r.routes,
        survey=r.survey,
        budget=Budget.from_config(default_config),
    )
    return write_map(m, tmp_path_factory.mktemp("a11y") / "kart_planlegger.html")


def _page(browser, path: Path):
    pg = browser.new_page(viewport={"width": 1280, "height": 800})
    pg.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith("file://")
            else r.fulfill(status=200, content_type="image/png", body=TILE)
        ),
    )
    pg.goto(path.as_uri(), wait_until="load")
    pg.wait_for_function("window.dekningPlanner !== undefined")
    pg.evaluate(NORMAL_TILES)
    return pg


def _axe(page) -> list[str]:
    """WCAG 2.1 AA violations, after checking that text contrast was really measured."""
    page.wait_for_timeout(400)  # fades finished: axe measures colours as drawn
    res = axe_sync.Axe().run(page, options={**AA, "resultTypes": ["violations", "passes"]})
    assert any(r["id"] == "color-contrast" and r["nodes"] for r in res.response["passes"])
    return [
        f"{v['id']} ×{len(v['nodes'])}: {v['nodes'][0]['target']}"
        for v in res.response["violations"]
    ]


def test_axe_finds_no_wcag_aa_violation_on_the_planner_map(browser, planner_file):
    page = _page(browser, planner_file)
    assert _axe(page) == []
    page.locator(".dekning-panel summary").click()
    page.locator(".dekning-panel tbody th button").nth(1).click()
    page.locator(".leaflet-popup-content").wait_for(timeout=3000)
    assert _axe(page) == []
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "kart_planlegger_a11y_tabell.png"))
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Mobilhull: ingen operatør god nok").check()
    assert _axe(page) == []
    page.screenshot(path=str(SHOTS / "kart_planlegger_a11y_lag.png"))
    page.close()


OUTLINE = "getComputedStyle(document.activeElement).outlineStyle"


def test_table_by_keyboard_with_visible_focus(browser, planner_file, default_result):
    page = _page(browser, planner_file)
    for _ in range(4):  # the panel's toggle: after the map and its zoom buttons
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    assert page.evaluate("document.activeElement.textContent") == "Områder og budsjett"
    assert page.evaluate(OUTLINE) == "solid"  # keyboard focus is drawn
    page.keyboard.press("Enter")
    first = page.locator(".dekning-panel tbody th button").first
    first.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    assert first.inner_text() in popup.inner_text()
    page.close()


def test_a_mouse_click_draws_no_focus_rectangle(browser, planner_file):
    page = _page(browser, planner_file)
    page.mouse.click(700, 450)  # on the map (shapes are on a canvas)
    page.locator(".dekning-panel summary").click()
    assert page.evaluate(OUTLINE) == "none"
    page.mouse.click(700, 700)
    assert page.evaluate(OUTLINE) == "none"
    page.close()
