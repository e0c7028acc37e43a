"""The public map as residents use it, in headless Chromium: axe-core finds no WCAG 2.1 AA
violation (desktop and a 390 px phone, with results and an answer open), the search is the first
Tab stop, results and the answer are announced, Escape closes the answer, the legend shows on a
phone and the page can be pinch-zoomed; the search finds abbreviated and ASCII-spelt addresses
as the survey geocoder does; an address in a planned area says so; ``#adresse=`` links open an
address; the language menu (and ``?lang=`` / ``#lang=``) switches every text, ``<html lang>``
included, and axe finds nothing in nynorsk and English either. Screenshots land in
test-artifacts/."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest

from dekning.surveys.geocode import fold, normalise_street

pytestmark = pytest.mark.browser
try:  # axe-core's JS as the PyPI package axe-playwright-python bundles it (the test extra)
    from axe_playwright_python import sync_playwright as axe_sync
except ImportError:
    if os.environ.get("CI") == "true":
        raise  # CI must have it: a skipped accessibility check is no check
    pytest.skip("axe-playwright-python is not installed", allow_module_level=True)

ARTIFACTS = Path(
    os.environ.get("DEKNING_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
EMPTY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
MORE_RULES = {
    "runOnly": {
        "type": "rule",
        "values": [
            "region",
            "landmark-one-main",
            "page-has-heading-one",
            "label-content-name-mismatch",
        ],
    },
    "resultTypes": ["violations"],
}
"""axe's best practices for finding one's way with a screen reader, and its experimental check
that a control's name contains its visible label (WCAG 2.5.3; not in axe's default run)."""
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _open(browser, path: Path, viewport: dict[str, int], fragment: str = ""):
    page = browser.new_page(viewport=viewport)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith("file://"):
            return r.continue_()
        if "tile.openstreetmap.org" in r.request.url:
            return r.fulfill(status=200, content_type="image/png", body=EMPTY_PNG)
        return r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri() + fragment, wait_until="load")
    page.wait_for_function("Object.keys(window).some(k => k.startsWith('map_'))")
    return page, errors


TILES_BLEND_NORMALLY = """(() => {
  const s = document.createElement('style');
  s.textContent = '.leaflet-container img.leaflet-tile { mix-blend-mode: normal !important; }';
  document.head.appendChild(s);
})()"""
"""Leaflet 1.9 draws tiles with ``mix-blend-mode: plus-lighter``, a blend mode axe-core 4.12
does not know: its colour-contrast rule then fails with an error and checks nothing (the
"colour contrast ×5–7" to check of issue 15). Tiles blend normally for the check; nothing of
the page's own text is drawn over a tile without an opaque background."""


def _violations(page, options=WCAG_AA) -> list[str]:
    page.evaluate(TILES_BLEND_NORMALLY)
    result = axe_sync.Axe().run(page, options={**options, "resultTypes": ["violations", "passes"]})
    if options is WCAG_AA:  # the contrast of the page's text was really measured
        assert any(r["id"] == "color-contrast" and r["nodes"] for r in result.response["passes"])
    return [
        f"{v['id']} ×{len(v['nodes'])}: {v['nodes'][0]['target']}"
        for v in result.response["violations"]
    ]


def _to_check(page) -> list[str]:
    """What axe could not decide about ARIA attributes (dangling ``aria-describedby``)."""
    options = {"runOnly": {"type": "rule", "values": ["aria-valid-attr-value"]}}
    result = axe_sync.Axe().run(page, options={**options, "resultTypes": ["incomplete"]})
    return [f"{v['id']} ×{len(v['nodes'])}" for v in result.response["incomplete"]]


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(400)  # let Leaflet's fade-in finish
    page.screenshot(path=str(ARTIFACTS / name))


VISIBLE_CELL = """(() => {
  for (const p of document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive')) {
    const r = p.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (document.elementFromPoint(x, y) === p) return [x, y];
  }
  return null;
})()"""


FADED_IN = "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"


def _hover_a_cell(page) -> None:
    """Open and close a cell's tooltip (Leaflet then points the cells' aria-describedby at it)."""
    page.wait_for_timeout(400)  # let Leaflet's fade-in finish
    xy = page.evaluate(VISIBLE_CELL)
    assert xy is not None
    page.mouse.move(*xy, steps=4)
    page.locator(".leaflet-tooltip").wait_for(timeout=2000)
    page.mouse.move(1, 1)
    page.locator(".leaflet-tooltip").wait_for(state="detached", timeout=2000)


@pytest.fixture
def public(maps_dir) -> Path:
    return maps_dir / "kart_offentlig.html"


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
@pytest.mark.parametrize(("viewport", "name"), [(DESKTOP, "desktop"), (PHONE, "mobil")])
def test_axe_finds_no_wcag_aa_violation(browser, public, viewport, name, lang):
    page, errors = _open(browser, public, viewport, "" if lang == "nb" else f"?lang={lang}")
    assert page.evaluate("document.documentElement.lang") == lang
    _shot(page, f"kart_offentlig_{lang}_{name}_start.png")
    _hover_a_cell(page)
    assert _violations(page) == []
    assert _to_check(page) == []  # no cell points at a tooltip that is gone
    page.locator("#dekning-q").fill("storgt 5")
    page.locator("#dekning-results button").first.wait_for(timeout=2000)
    assert _violations(page) == []
    page.keyboard.press("Enter")
    page.locator(".dekning-svar").wait_for(timeout=3000)
    page.wait_for_function(FADED_IN)  # axe measures the colours as they are drawn
    assert _violations(page) == []
    _shot(page, f"kart_offentlig_{lang}_{name}_svar.png")
    # The layer control opened by keyboard, "Om kartet" open: still nothing.
    page.locator(".leaflet-control-layers-toggle").focus()
    page.keyboard.press("Enter")
    page.locator(".leaflet-control-layers-expanded").wait_for(timeout=2000)
    page.locator("#dekning-info").evaluate("e => { e.open = true; }")
    assert _violations(page) == []
    assert _violations(page, MORE_RULES) == []
    assert errors == []
    page.close()


def test_search_is_the_first_tab_stop_and_the_answer_is_announced(browser, public):
    page, _ = _open(browser, public, DESKTOP)
    presses = 0
    while page.evaluate("document.activeElement.id") != "dekning-q" and presses < 2:
        page.keyboard.press("Tab")
        presses += 1
    assert page.evaluate("document.activeElement.id") == "dekning-q"
    assert presses <= 2
    status = page.locator("#dekning-status")
    assert (
        status.get_attribute("aria-live") == "polite" and status.get_attribute("role") == "status"
    )
    page.keyboard.type("storgt 5")
    page.wait_for_function("document.getElementById('dekning-status').textContent.length > 0")
    assert status.text_content() == "Én adresse passer. Velg med pil ned og Enter."
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == "Storgata 5, 7395"
    page.keyboard.press("Enter")
    page.locator(".dekning-svar").wait_for(timeout=3000)
    said = status.text_content()
    assert said.startswith("Storgata 5, 7395. Fast bredbånd: ") and "Mobil: " in said
    assert page.evaluate("document.activeElement.className") == "dekning-svar"  # focus moves
    page.keyboard.press("Escape")
    page.locator(".leaflet-popup").wait_for(state="detached", timeout=2000)
    assert page.evaluate("document.activeElement.id") == "dekning-q"  # and comes back
    page.close()


def test_phone_shows_the_legend_and_can_be_zoomed(browser, public):
    page, _ = _open(browser, public, PHONE)
    legend = page.locator(".dekning-legend")
    assert legend.is_visible()
    box = legend.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert box["y"] + box["height"] <= 844
    info = page.locator("#dekning-info").bounding_box()
    assert info is not None and info["width"] * info["height"] < 0.05 * 390 * 844  # closed
    assert page.evaluate("document.getElementById('dekning-info').open") is False
    metas = page.evaluate(
        "Array.from(document.querySelectorAll('meta[name=viewport]')).map(m => m.content)"
    )
    assert metas and not any(re.search(r"user-scalable\s*=\s*no|maximum-scale", m) for m in metas)
    assert page.evaluate("document.documentElement.lang") == "nb"
    _shot(page, "kart_offentlig_mobil_start.png")
    page.close()


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("storgt 5", "Storgata 5, 7395"),
        ("Storgate 5, 7395", "Storgata 5, 7395"),
        ("Dalforet", "Dalføret 190, 7395"),
        ("stolsvegen 24", "Stølsvegen 24, 7395"),
        ("storgta 5", "Storgata 5, 7395"),  # a typo: streets at least 80 % alike
    ],
)
def test_search_finds_what_the_survey_geocoder_finds(browser, public, query, first):
    page, _ = _open(browser, public, DESKTOP)
    page.locator("#dekning-q").fill(query)
    button = page.locator("#dekning-results button").first
    button.wait_for(timeout=2000)
    assert button.inner_text() == first
    page.close()


STREETS = ["Storgt.", "storgate", "Stølsveien", "Stolsvn", "Dalføret", "Aasveg", "Ærøgata", "Bø v."]


def test_the_browser_normalises_streets_as_the_geocoder(browser, public):
    page, _ = _open(browser, public, DESKTOP)
    got = page.evaluate(f"{STREETS!r}.map(s => window.dekningSearch.normaliseStreet(s))")
    assert got == [normalise_street(s) for s in STREETS]
    assert page.evaluate(f"{STREETS!r}.map(s => window.dekningSearch.fold(s))") == [
        fold(s) for s in STREETS
    ]
    page.close()


def test_an_address_in_a_planned_area_says_so_with_a_pin(browser, public, default_result):
    cls, areas = default_result.classified, default_result.areas
    chosen = set(areas.loc[areas["valgt"], "area_id"])
    row = cls[cls["area_id"].isin(chosen) & (cls["speed_class"] == "none")].iloc[0]
    page, _ = _open(browser, public, DESKTOP)
    page.locator("#dekning-q").fill(f"{row['adressetekst']}, {row['postnummer']}")
    page.locator("#dekning-results button").first.click()
    answer = page.locator(".dekning-svar")
    answer.wait_for(timeout=3000)
    text = answer.inner_text()
    assert "Fast bredbånd: ingen fast tilbud" in text
    assert f"Planlagt utbygging: Adressen ligger i område {row['area_id']}" in text
    assert "Tilbydere" not in text  # no operator offers anything here
    assert page.locator(".leaflet-marker-pane .dekning-pin").count() == 1
    offered = cls[cls["area_id"].isin(chosen) & (cls["operators"] != "")].iloc[0]
    page.locator("#dekning-q").fill(f"{offered['adressetekst']}, {offered['postnummer']}")
    page.locator("#dekning-results button").first.click()
    page.wait_for_timeout(300)
    text = page.locator(".dekning-svar").inner_text()
    assert f"Tilbydere: {offered['operators']} (beste tilbud: " in text
    assert page.locator(".leaflet-marker-pane .dekning-pin").count() == 1  # one pin at a time
    _shot(page, "kart_offentlig_planlagt.png")
    page.close()


def test_a_link_opens_the_address_and_choosing_one_makes_its_link(browser, public):
    page, errors = _open(browser, public, PHONE, "#adresse=storgata-1-7395")
    answer = page.locator(".dekning-svar")
    answer.wait_for(timeout=3000)
    assert answer.inner_text().startswith("Storgata 1, 7395")
    assert answer.locator("a").get_attribute("href") == "#adresse=storgata-1-7395"
    page.locator("#dekning-q").fill("storgata 3")
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#adresse=storgata-3-7395'")
    page.evaluate("location.hash = '#adresse=finnes-ikke'")
    page.wait_for_function(
        "document.getElementById('dekning-status').textContent === 'Fant ikke adressen i lenken'"
    )
    assert errors == []
    page.close()


def test_planned_areas_are_hatched_and_cells_leave_the_tab_order(browser, public):
    page, _ = _open(browser, public, DESKTOP)
    fills = page.evaluate(
        "Array.from(document.querySelectorAll('.leaflet-overlay-pane path[stroke-dasharray]')).map(p => p.getAttribute('fill'))"
    )
    assert fills and set(fills) == {"url(#dekning-skravur)"}
    assert page.locator("pattern#dekning-skravur line").count() == 1
    tabbable = page.evaluate(
        "document.querySelectorAll('.leaflet-overlay-pane path:not([tabindex=\"-1\"])').length"
    )
    assert tabbable == 0
    page.close()


LEGENDS = {
    "nb": ("Raskeste faste bredbånd", "ingen fast tilbud", "planlagt utbygging"),
    "nn": ("Raskaste faste breiband", "ikkje noko fast tilbod", "planlagd utbygging"),
    "en": ("Fastest fixed broadband", "no fixed offer", "planned build-out"),
}
LABELS = {
    "nb": ("Finn din adresse", "Fast bredbånd per rute", "Zoom inn", "Fast bredbånd: "),
    "nn": ("Søk etter adressa di", "Fast breiband per rute", "Zoom inn", "Fast breiband: "),
    "en": ("Find your address", "Fixed broadband per square", "Zoom in", "Fixed broadband: "),
}
TITLES = {
    "nb": "bredbånd og mobildekning",
    "nn": "breiband og mobildekning",
    "en": "broadband and mobile coverage",
}
TEXTS = """(() => ({
  lang: document.documentElement.lang,
  legend: document.querySelector('.dekning-legend').innerText,
  legendName: document.querySelector('.dekning-legend').getAttribute('aria-label'),
  search: document.querySelector('label[for=dekning-q]').innerText,
  layers: document.querySelector('.leaflet-control-layers-overlays').textContent,
  zoom: document.querySelector('.leaflet-control-zoom-in').getAttribute('aria-label'),
  title: document.title,
}))()"""


def _check_language(page, lang: str) -> None:
    got = page.evaluate(TEXTS)
    assert got["lang"] == lang
    title, none, planned = LEGENDS[lang]
    assert got["legend"].splitlines()[0] == title and got["legendName"] == title
    assert none in got["legend"] and planned in got["legend"]
    search, layer, zoom, _ = LABELS[lang]
    assert got["search"] == search and layer in got["layers"] and got["zoom"] == zoom
    assert got["title"].endswith(TITLES[lang])


def test_the_language_menu_switches_every_text(browser, public):
    page, errors = _open(browser, public, DESKTOP)
    _check_language(page, "nb")
    page.locator("#dekning-q").fill("storgt 5")
    page.keyboard.press("Enter")
    answer = page.locator(".dekning-svar")
    answer.wait_for(timeout=3000)
    # By keyboard: from the search, Tab reaches the language menu.
    page.locator("#dekning-q").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "dekning-sprak"
    for lang in ("nn", "en", "nb"):
        page.locator("#dekning-sprak").select_option(lang)
        _check_language(page, lang)
        text = answer.inner_text()  # the open answer follows
        assert LABELS[lang][3] in text
        suffix = "" if lang == "nb" else f"&lang={lang}"
        assert page.evaluate("location.hash") == "#adresse=storgata-5-7395" + suffix
        assert answer.locator("a").get_attribute("href") == "#adresse=storgata-5-7395" + suffix
    page.locator("#dekning-sprak").select_option("en")
    page.keyboard.press("Escape")
    page.locator("#dekning-q").fill("finnes ikke 999")
    assert page.locator("#dekning-results").inner_text().strip() == "No address found"
    assert page.locator("#dekning-status").text_content() == "No address found"
    page.locator("#dekning-q").fill("storgata")
    page.locator("#dekning-results button").first.wait_for(timeout=2000)
    assert page.locator("#dekning-status").text_content() == (
        "8 addresses match. Choose with arrow down and Enter."
    )
    assert errors == []
    page.close()


def test_tooltips_follow_the_language(browser, public):
    page, _ = _open(browser, public, DESKTOP, "#lang=nn")
    _check_language(page, "nn")
    page.wait_for_timeout(400)
    xy = page.evaluate(VISIBLE_CELL)
    page.mouse.move(*xy, steps=4)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(timeout=2000)
    assert tip.inner_text().startswith("Dei fleste kan få: ")
    page.mouse.move(1, 1)
    area = page.evaluate(AREA_TOOLTIP)
    assert area["text"] == f"Planlagd utbygging ({area['id']}), {area['n']} hushald"
    page.close()


AREA_TOOLTIP = """(() => {
  const m = window[Object.keys(window).find(k => k.startsWith('map_'))]; let out = null;
  m.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (out || !p || p.antall === undefined || p.antall === null || !l.getBounds) return;
    l.fire('mouseover', {latlng: l.getBounds().getCenter()}, true);
    const shown = document.querySelectorAll('.leaflet-tooltip');
    out = {id: p.area_id, n: p.antall, text: shown[shown.length - 1].textContent};
    l.fire('mouseout', {latlng: l.getBounds().getCenter()}, true);
  });
  return out;
})()"""
"""The tooltip of the first planned area whose household count is shown."""


@pytest.mark.parametrize("lang", ["nn", "en"])
def test_a_link_keeps_its_language(browser, public, lang):
    page, errors = _open(browser, public, PHONE, f"#adresse=storgata-1-7395&lang={lang}")
    answer = page.locator(".dekning-svar")
    answer.wait_for(timeout=3000)
    assert LABELS[lang][3] in answer.inner_text()
    _check_language(page, lang)
    assert page.evaluate("document.getElementById('dekning-dato').textContent").startswith(
        {"nn": "Kartet vart laga ", "en": "The map was made on "}[lang]
    )
    _shot(page, f"kart_offentlig_{lang}_mobil_lenke.png")
    assert errors == []
    page.close()
