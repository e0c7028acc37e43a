"""The maps as a person sees them: real headless Chromium (Debian's /usr/bin/chromium) driven by
Playwright. Network access is blocked except for the page itself, so the maps must work offline
(base tiles are answered with an empty image). Screenshots land in test-artifacts/."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer

from dekning.maps.base_layer import BASE_PANE
from dekning.maps.planner import planner_map, write_map
from dekning.maps.public import public_map
from dekning.schema import SPEED_CLASS_LABELS, MobileLayer

pytestmark = pytest.mark.browser

ARTIFACTS = Path(
    os.environ.get("DEKNING_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
EMPTY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
"""A 1 × 1 PNG answered for map tiles (no network in tests)."""


def _open(browser, path: Path, width: int = 1280, height: int = 800, on_dialog=None):
    page = browser.new_page(viewport={"width": width, "height": height})
    if on_dialog is not None:
        page.on("dialog", on_dialog)
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


IMAGES = "document.querySelectorAll('img.leaflet-image-layer').length"
_DRAWN = """(() => {{
  const m = window[Object.keys(window).find(k => k.startsWith('map_'))]; let n = 0;
  m.eachLayer(l => {{ if ({test}) n++; }});
  return n;
}})()"""
PATHS = _DRAWN.format(test="l instanceof L.Path")
"""Vector shapes on the planner map (drawn on a canvas: counted through Leaflet)."""
ROUTE_PATHS = _DRAWN.format(
    test="l instanceof L.Polyline && !(l instanceof L.Polygon) && l.options.pane !== BASE"
).replace("BASE", repr(BASE_PANE))
"""Lines drawn over the offline base (routes, gap stretches)."""
BASE_LINES = _DRAWN.format(test="l instanceof L.Polyline && l.options.pane === BASE").replace(
    "BASE", repr(BASE_PANE)
)
RASTER_BELOW_SHAPES = """(() => {
  const z = e => Number(getComputedStyle(e.closest('.leaflet-pane')).zIndex);
  const img = document.querySelector('img.leaflet-image-layer');
  return z(img) < z(document.querySelector('.leaflet-overlay-pane canvas'));
})()"""


def _layers_open(page) -> None:
    """Open the (collapsed) layer control as a mouse user does: by pointing at it."""
    page.locator(".leaflet-control-layers").hover()
    page.locator(".leaflet-control-layers-expanded").wait_for(timeout=2000)


def test_planner_map_loads_and_layers_toggle(browser, maps_dir, default_result):
    page, errors = _open(browser, maps_dir / "kart_planlegger.html")
    assert errors == []
    _layers_open(page)
    before = page.evaluate(PATHS)
    assert before > 100  # cells, areas and routes are drawn
    gaps = len(default_result.road_mobile.stretches)  # the ranked gap stretches, on at start
    # the offline base: the boundary and every road of the run
    assert page.evaluate(BASE_LINES) == 1 + len(default_result.roads)
    assert page.evaluate(ROUTE_PATHS) == len(default_result.routes) + gaps
    page.get_by_label("Støtteberettigede adresser").check()
    assert page.evaluate(PATHS) > before + 500  # the eligible addresses appear
    page.get_by_label("Støtteberettigede adresser").uncheck()
    assert page.evaluate(PATHS) == before
    page.get_by_label("Avvik: beboere motsier operatørdata").check()
    n_avvik = default_result.survey["avvik"]["adrid"].nunique()
    assert page.evaluate(PATHS) == before + n_avvik
    page.get_by_label("Avvik: beboere motsier operatørdata").uncheck()
    page.get_by_label("Utbyggingsområder").uncheck()
    page.get_by_label("Foreslått fibertrasé").uncheck()
    assert page.evaluate(ROUTE_PATHS) == gaps
    assert page.evaluate(PATHS) == before - len(default_result.areas) - len(default_result.routes)
    page.get_by_label("Utbyggingsområder").check()
    page.get_by_label("Foreslått fibertrasé").check()
    assert page.evaluate(PATHS) == before
    assert page.evaluate(IMAGES) == 0
    page.get_by_label("Bredbånd per 250 m-rute (husstander)").uncheck()
    for op in ("Telenor", "Telia", "Ice"):
        page.get_by_label(f"Mobildekning {op} (4G/5G)").check()
        assert page.evaluate(IMAGES) == 1
        assert page.evaluate(RASTER_BELOW_SHAPES)
        _shot(page, f"kart_planlegger_mobil_{op.lower()}.png")
        page.get_by_label(f"Mobildekning {op} (4G/5G)").uncheck()
    page.get_by_label("Mobilhull: ingen operatør god nok").check()
    assert page.evaluate(IMAGES) == 1
    _shot(page, "kart_planlegger_mobilhull.png")
    page.get_by_label("Bredbånd per 250 m-rute (husstander)").check()
    _shot(page, "kart_planlegger.png")
    assert errors == []
    page.close()


def test_operator_named_by_the_input_toggles(
    browser, tmp_path, make_addresses, small_areas, small_routes, small_grids, small_layers
):
    m = planner_map(
        make_addresses([(250_000, 6_990_000, 6)]),
        small_areas,
        mobile_layers=small_layers,
        mobile_grids=small_grids,
        routes=small_routes,
    )
    page, errors = _open(browser, write_map(m, tmp_path / "kart.html"))
    _layers_open(page)
    page.get_by_label("Mobildekning Ice-Net (4G)").check()
    assert page.evaluate(IMAGES) == 1
    size = page.evaluate(
        "(() => { const r = document.querySelector('img.leaflet-image-layer').getBoundingClientRect();"
        " return [r.width, r.height]; })()"
    )
    assert min(size) > 20  # drawn over the addresses, not collapsed to a point
    assert errors == []
    page.close()


def test_planner_popup_shows_the_area_figures(browser, maps_dir, default_result):
    areas = default_result.areas
    area = areas[areas["valgt"]].iloc[0]
    pt = area.geometry.representative_point()
    lon, lat = Transformer.from_crs(25833, 4326, always_xy=True).transform(pt.x, pt.y)
    page, errors = _open(browser, maps_dir / "kart_planlegger.html")
    _layers_open(page)
    # Hide the cell and route layers so the click lands on the area, as a planner would (a route
    # line, with shared drops running between the houses, may cross the area's inner point).
    page.get_by_label("Bredbånd per 250 m-rute (husstander)").uncheck()
    page.get_by_label("Foreslått fibertrasé").uncheck()
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
    # Every figure is readable: nothing is cut off at the popup's edge ...
    width = "(() => { const c = document.querySelector('.leaflet-popup-content'); return [c.scrollWidth, c.clientWidth]; })()"
    scroll, client = page.evaluate(width)
    assert scroll <= client
    # ... and the clicked area gets no focus rectangle drawn around it (:focus-visible only).
    focused = (
        "[document.activeElement.tagName, getComputedStyle(document.activeElement).outlineStyle]"
    )
    assert page.evaluate(focused) == ["path", "none"]
    _shot(page, "kart_planlegger_popup.png")
    assert errors == []
    page.close()


def test_public_map_address_search_by_keyboard(browser, maps_dir, default_result):
    cls = default_result.classified
    target = cls[(cls["adressetekst"] == "Storgata 1")].iloc[0]
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
    box = "(s => { const r = document.querySelector(s).getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
    search = page.evaluate(f"{box}('#dekning-search')")
    info = page.evaluate(f"{box}('#dekning-info')")
    pop = page.evaluate(f"{box}('.leaflet-popup-content-wrapper')")
    assert search[0] >= 0 and search[2] <= 390  # the search fits the phone's width
    assert pop[0] >= 0 and pop[2] <= 390 and pop[1] >= 0  # the answer is on screen
    assert info[1] >= search[3]  # the explanation does not cover the search
    assert page.locator(".dekning-legend").first.is_visible()  # the legend shows on a phone
    _shot(page, "kart_offentlig_mobil.png")
    page.close()


def test_public_map_unknown_address_says_so(browser, maps_dir):
    page, _ = _open(browser, maps_dir / "kart_offentlig.html")
    page.locator("#dekning-q").fill("finnes ikke 999")
    assert page.locator("#dekning-results").inner_text().strip() == "Fant ingen adresse"
    _shot(page, "kart_offentlig.png")
    page.close()


PWN = "window.__pwned = (window.__pwned || 0) + 1; alert(1)"
HOSTILE_ADDRESS = f"</script><script>{PWN}</script>"
HOSTILE_ATTR = f'"><img src=x onerror="{PWN}">'
HOSTILE_OPERATOR = f"Ice<img src=x onerror='{PWN}'>"
HOSTILE_AREA = f"O-2</script><script>{PWN}</script>"
HOSTILE_ROUTE = f"<svg onload='{PWN}'>"
SHOW_ALL = """(name => {
  const m = window[name]; const texts = [];
  const groups = []; m.eachLayer(l => { if (l.getTooltip && l.getTooltip() || l.getPopup && l.getPopup()) groups.push(l); });
  for (const g of groups) {
    const subs = g.eachLayer ? g.getLayers() : [g];
    for (const s of subs) {
      const at = s.getLatLng ? s.getLatLng() : s.getBounds().getCenter();
      for (const [ev, sel] of [['mouseover', '.leaflet-tooltip'], ['click', '.leaflet-popup-content']]) {
        if (!(ev === 'mouseover' ? g.getTooltip() : g.getPopup())) continue;
        s.fire(ev, {latlng: at}, true);
        const shown = document.querySelectorAll(sel);
        if (shown.length) texts.push(shown[shown.length - 1].textContent);
        if (ev === 'mouseover') s.fire('mouseout', {latlng: at}, true); else m.closePopup();
      }
    }
  }
  return texts;
})"""


@pytest.fixture
def hostile_maps(tmp_path, make_addresses, small_areas, small_routes, small_grids):
    """Both maps of hand-made results whose texts are script: addresses, a postnummer, area
    ids, a route method, an operator's name, survey discrepancies."""
    layers = (
        MobileLayer(HOSTILE_OPERATOR, "4g"),
        MobileLayer("telenor", "4g"),
        MobileLayer("telenor", "5g"),
    )
    cells = [(250_000, 6_990_000, 6), (250_250, 6_990_000, 6)]
    cls = make_addresses(cells, best_down_kbps=[20_000] * 6 + [1_000_000] * 6, layers=layers)
    cls.loc[0, "adressetekst"] = HOSTILE_ADDRESS
    cls.loc[1, "adressetekst"] = HOSTILE_ATTR
    cls.loc[0, "postnummer"] = HOSTILE_ATTR
    cls.loc[2, "adressetekst"] = "Linje\u2028skift\u2029vegen 3"  # JS line terminators
    cls["poststed"] = HOSTILE_ATTR
    cls.loc[0, "operators"] = HOSTILE_OPERATOR  # fixed operators, as the input names them
    cls.loc[0, "best_tek"] = HOSTILE_ROUTE
    cls.loc[0, "area_id"] = HOSTILE_AREA  # in a planned area
    areas = small_areas.copy()
    areas.loc[areas["area_id"] == "O-2", "area_id"] = HOSTILE_AREA
    routes = small_routes.assign(area_id=HOSTILE_AREA, metode=HOSTILE_ROUTE)
    grids = {HOSTILE_OPERATOR: small_grids["Ice-Net"], **small_grids}
    survey = {
        "avvik": pd.DataFrame(
            {"adrid": [1, 1, 2], "avvik": [HOSTILE_ROUTE, "x", "y"], "operator": HOSTILE_OPERATOR}
        ),
        "ettersporsel_ruter": pd.DataFrame(
            {"ssb_rute_250": [cls["ssb_rute_250"][0]], "svar": [3], "andel_interessert": [0.5]}
        ),
    }
    planner = planner_map(
        cls, areas, mobile_layers=layers, mobile_grids=grids, routes=routes, survey=survey
    )
    public = public_map(cls, areas, mobile_layers=layers, min_cell_count=5)
    return (
        write_map(planner, tmp_path / "kart_planlegger.html"),
        write_map(public, tmp_path / "kart_offentlig.html"),
    )


def _guarded(browser, path: Path):
    """The page opened with a dialog handler, after checking that no hostile text is raw in
    its HTML; returns the page, its dialogs, its errors and the map's name."""
    html = path.read_text(encoding="utf-8")
    assert "</script><script>window.__pwned" not in html and "<img src=x" not in html
    assert "\u2028" not in html and "\u2029" not in html
    dialogs: list[str] = []
    page, errors = _open(
        browser, path, on_dialog=lambda d: (dialogs.append(d.message), d.dismiss())
    )
    name = page.evaluate("Object.keys(window).find(k => k.startsWith('map_'))")
    return page, dialogs, errors, name


def test_hostile_text_never_runs_in_the_planner_map(browser, hostile_maps):
    page, dialogs, errors, name = _guarded(browser, hostile_maps[0])
    _layers_open(page)
    for box in page.locator(".leaflet-control-layers-selector").all():
        box.check()  # every layer on, the operator's too
    texts = page.evaluate(f"{SHOW_ALL}('{name}')")
    page.wait_for_timeout(300)
    shown = "\n".join(texts)
    for hostile in (HOSTILE_ADDRESS, HOSTILE_ATTR, HOSTILE_AREA, HOSTILE_ROUTE, HOSTILE_OPERATOR):
        assert hostile in shown, hostile  # shown as written
    labels = page.locator(".leaflet-control-layers").inner_text()
    assert f"Mobildekning {HOSTILE_OPERATOR} (4G)" in labels
    page.locator(".dekning-panel summary").click()  # the area table and the labels, as text
    assert HOSTILE_AREA in page.locator(".dekning-panel tbody").inner_text()
    assert HOSTILE_AREA in page.locator(".dekning-etikett").all_inner_texts()
    page.locator(".dekning-panel tbody th button", has_text="O-2").click()
    assert HOSTILE_AREA in page.locator(".leaflet-popup-content").last.inner_text()
    _shot(page, "kart_planlegger_injeksjon.png")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == [] and errors == []
    page.close()


def test_hostile_text_never_runs_in_the_public_map(browser, hostile_maps):
    page, dialogs, errors, name = _guarded(browser, hostile_maps[1])
    for hostile, postnummer in ((HOSTILE_ADDRESS, HOSTILE_ATTR), (HOSTILE_ATTR, "0001")):
        page.locator("#dekning-q").fill(f"{hostile} {postnummer}")
        first = page.locator("#dekning-results button").first
        first.wait_for(timeout=2000)
        assert first.inner_text() == f"{hostile}, {postnummer}"  # the result list, as written
        first.click()
        popup = page.locator(".leaflet-popup-content").last
        popup.wait_for(timeout=3000)
        text = popup.inner_text()
        assert text.startswith(hostile) and f"{HOSTILE_OPERATOR}: " in text
        if hostile == HOSTILE_ADDRESS:
            assert f"Tilbydere: {HOSTILE_OPERATOR} (beste tilbud: {HOSTILE_ROUTE})" in text
            assert f"Adressen ligger i område {HOSTILE_AREA}," in text
        said = page.locator("#dekning-status").text_content()
        assert said.startswith(f"{hostile}, {postnummer}. ")  # announced as written too
    texts = page.evaluate(f"{SHOW_ALL}('{name}')")
    assert any(HOSTILE_AREA in t for t in texts)  # the planned area's tooltip
    _shot(page, "kart_offentlig_injeksjon.png")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == [] and errors == []
    page.close()
