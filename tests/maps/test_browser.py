"""The maps as a person sees them: real headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright. Network access is blocked except for the page itself, so the maps must work offline
(base tiles are answered with an empty image). Screenshots land in test-artifacts/."""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest
from pyproj import Transformer

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(
    os.environ.get("DEKNING_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts")
)
EMPTY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (bash .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def _open(browser, path: Path, width: int = 1280, height: int = 800):
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "ERR_" not in m.text else None,
    )

    def route(r):
        if r.request.url.startswith("file://"):
            return r.continue_()
        if "tile.openstreetmap.org" in r.request.url:
            return r.fulfill(status=200, content_type="image/png", body=EMPTY_PNG)
        return r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("Object.keys(window).some(k => k.startsWith('map_'))")
    return page, errors


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(400)  # let Leaflet's fade-in finish
    page.screenshot(path=str(ARTIFACTS / name))


def test_planner_map_loads_and_layers_toggle(browser, maps_dir, default_result):
    page, errors = _open(browser, maps_dir / "kart_planlegger.html")
    assert errors == []
    count = "document.querySelectorAll('path.leaflet-interactive').length"
    before = page.evaluate(count)
    assert before > 100  # cells and areas are drawn
    page.get_by_label("Støtteberettigede adresser").check()
    with_points = page.evaluate(count)
    assert with_points > before + 500  # the eligible addresses appear
    page.get_by_label("Støtteberettigede adresser").uncheck()
    assert page.evaluate(count) == before
    page.get_by_label("Avvik: beboere motsier operatørdata").check()
    n_avvik = default_result.survey["avvik"]["adrid"].nunique()
    assert page.evaluate(count) == before + n_avvik
    page.get_by_label("Avvik: beboere motsier operatørdata").uncheck()
    images = "document.querySelectorAll('img.leaflet-image-layer').length"
    assert page.evaluate(images) == 0
    page.get_by_label("Mobildekning Telenor (4G/5G)").check()
    assert page.evaluate(images) == 1
    _shot(page, "kart_planlegger.png")
    page.close()


def test_planner_popup_shows_the_area_figures(browser, maps_dir, default_result):
    areas = default_result.areas
    area = areas[areas["valgt"]].iloc[0]
    pt = area.geometry.representative_point()
    lon, lat = Transformer.from_crs(25833, 4326, always_xy=True).transform(pt.x, pt.y)
    page, errors = _open(browser, maps_dir / "kart_planlegger.html")
    # Hide the cell layer so the click lands on the area, as a planner would.
    page.get_by_label("Bredbånd per 250 m-rute (husstander)").uncheck()
    name = page.evaluate("Object.keys(window).find(k => k.startsWith('map_'))")
    page.evaluate(f"window['{name}'].setView([{lat}, {lon}], 14)")
    page.wait_for_timeout(300)
    xy = page.evaluate(
        f"(() => {{ const p = window['{name}'].latLngToContainerPoint([{lat}, {lon}]);"
        f" const r = window['{name}'].getContainer().getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; })()"
    )
    page.mouse.click(*xy)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    text = popup.inner_text()
    assert area["area_id"] in text
    assert f"{int(area['kommunal']):,}".replace(",", " ") + " kr" in text.replace("\u00a0", " ")
    assert str(int(area["hus"])) in text
    _shot(page, "kart_planlegger_popup.png")
    assert errors == []
    page.close()


def test_public_map_address_search_by_keyboard(browser, maps_dir, default_result):
    cls = default_result.classified
    target = cls[(cls["adressetekst"] == "Storgata 1")].iloc[0]
    from dekning.schema import SPEED_CLASS_LABELS

    page, errors = _open(
        browser, maps_dir / "kart_offentlig.html", width=390, height=844
    )  # a phone
    assert errors == []
    page.locator("#dekning-q").focus()
    page.keyboard.type("storgata 1")
    first = page.locator("#dekning-results button").first
    first.wait_for(timeout=2000)
    assert first.inner_text().startswith("Storgata 1")
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    text = popup.inner_text()
    assert "Storgata 1" in text and SPEED_CLASS_LABELS[target["speed_class"]] in text
    assert "Mobil:" in text
    assert page.locator("#dekning-results button").count() == 0  # the list closes after choosing
    _shot(page, "kart_offentlig_mobil.png")
    page.close()


def test_public_map_unknown_address_says_so(browser, maps_dir):
    page, _ = _open(browser, maps_dir / "kart_offentlig.html")
    page.locator("#dekning-q").fill("finnes ikke 999")
    assert page.locator("#dekning-results").inner_text().strip() == "Fant ingen adresse"
    _shot(page, "kart_offentlig.png")
    page.close()
