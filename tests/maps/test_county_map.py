"""The county map: every area once in the page's data, legend counts and state money as the frame
says, hostile municipality names shown as text, a page under 5 MB for a county of 3 000 areas,
and the map in headless Chromium under the maps' Content-Security-Policy (a click on an area
opens its popup; screenshot in test-artifacts/kart_fylke.png)."""

from __future__ import annotations

import base64
import json
import os
import re
from html import escape
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dekning.api.headers import MAP_CSP
from dekning.crs import WORK_CRS
from dekning.errors import InputError
from dekning.maps.county import CATEGORIES, county_map
from dekning.maps.planner import write_map
from dekning.money import nok, thousands

ARTIFACTS = Path(
    os.environ.get("DEKNING_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
BLANK = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
EVIL = "<b>Evil</b>"
FORMULA = "=1+1"
SHIFT_M = 30_000.0
BUDGET = 58_400_000.0


def _municipality(
    areas: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, number: str, name: str, dx: float
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The run's areas and boundary as municipality ``number`` ``name``, shifted ``dx`` metres
    east."""
    plans = gpd.GeoDataFrame(
        {
            "area_id": number + "-" + areas["area_id"].astype(str),
            "kommunenummer": number,
            "kommune": name,
            "omrade": areas["area_id"].astype(str).to_numpy(),
            "enheter": areas["enheter"].to_numpy(),
            "kost_total": areas["kost_total"].to_numpy(),
            "statlig": areas["statlig"].to_numpy(),
            "kommunal": areas["kommunal"].to_numpy(),
            "poeng_fylke": areas["poeng"].astype(float).to_numpy(),
            "valgt": areas["valgt"].astype(bool).to_numpy(),
        },
        geometry=areas.geometry.translate(xoff=dx).to_numpy(),
        crs=WORK_CRS,
    )
    bound = gpd.GeoDataFrame(
        {"kommunenummer": [number], "kommune": [name]},
        geometry=[shapely.union_all(boundary.geometry.translate(xoff=dx).to_numpy())],
        crs=WORK_CRS,
    )
    return plans, bound


@pytest.fixture(scope="module")
def county(default_result) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Three municipalities from the default run: Fjelldal as it is, a copy 30 km east named
    ``<b>Evil</b>`` and one 60 km east named ``=1+1``; the county chose six areas by hand
    (55 428 832 kr of state money, within :data:`BUDGET`)."""
    r = default_result
    assert r.boundary is not None
    parts = [
        _municipality(r.areas, r.boundary, "5099", "Fjelldal", 0.0),
        _municipality(r.areas, r.boundary, "5098", EVIL, SHIFT_M),
        _municipality(r.areas, r.boundary, "5097", FORMULA, 2 * SHIFT_M),
    ]
    plans = gpd.GeoDataFrame(pd.concat([p for p, _ in parts], ignore_index=True), crs=WORK_CRS)
    boundaries = gpd.GeoDataFrame(pd.concat([b for _, b in parts], ignore_index=True), crs=WORK_CRS)
    chosen = plans.index.isin([1, 3, 10, 11, 15, 25])
    plans["valgt_fylke"] = chosen
    plans["rang_fylke"] = 0
    plans.loc[chosen, "rang_fylke"] = np.arange(1, chosen.sum() + 1)
    return plans, boundaries


@pytest.fixture(scope="module")
def county_file(county, tmp_path_factory) -> Path:
    plans, boundaries = county
    m = county_map(plans, boundaries, title="Testfylke – fylkeskart", state_budget_nok=BUDGET)
    return write_map(m, tmp_path_factory.mktemp("fylke") / "kart_fylke.html")


@pytest.fixture(scope="module")
def html(county_file) -> str:
    return county_file.read_text(encoding="utf-8")


def _features(html: str) -> list[dict]:
    """Every GeoJSON feature embedded in the page."""
    found = []
    for match in re.finditer(r"_data = (\{.*?\});\n", html):
        found.extend(json.loads(match.group(1))["features"])
    return found


def test_every_area_is_in_the_data_once(county, html):
    plans, _ = county
    for area_id in plans["area_id"]:
        assert html.count(json.dumps(area_id)) == 1, area_id
    ids = [f["properties"]["area_id"] for f in _features(html) if "area_id" in f["properties"]]
    assert sorted(ids) == sorted(plans["area_id"])


def test_popup_figures_and_categories(county, html):
    plans, _ = county
    areas = {
        f["properties"]["area_id"]: f["properties"]
        for f in _features(html)
        if "area_id" in f["properties"]
    }
    row = plans.iloc[3]
    shown = areas[row["area_id"]]
    assert shown["kostnad"] == nok(row["kost_total"]) and shown["statlig"] == nok(row["statlig"])
    assert shown["rang"] == "2" and shown["status"] == "valgt av fylket"
    assert shown["poeng"] == f"{row['poeng_fylke']:.1f}".replace(".", ",")
    own_only = plans.loc[plans["valgt"] & ~plans["valgt_fylke"]].iloc[0]
    assert areas[own_only["area_id"]]["status"] == "valgt av kommunen, ikke av fylket"
    assert areas[own_only["area_id"]]["rang"] == "ikke valgt"
    # no per-address data: the features carry their popup fields only
    assert {k for p in areas.values() for k in p} == {
        "kommune", "omrade", "status", "enheter", "kostnad", "statlig", "kommunal", "rang",
        "poeng", "area_id",
    }  # fmt: skip


def test_legend_counts_and_state_money(county, html):
    plans, _ = county
    county_chosen = plans["valgt_fylke"]
    expected = {
        "fylke": int(county_chosen.sum()),
        "kommune": int((plans["valgt"] & ~county_chosen).sum()),
        "ingen": int((~plans["valgt"] & ~county_chosen).sum()),
    }
    assert sum(expected.values()) == len(plans) and min(expected.values()) > 0
    for key, n in expected.items():
        name = CATEGORIES[key][0]
        row = f'<div data-kategori="{key}" data-antall="{n}">'
        assert row in html
        assert re.search(re.escape(row) + r"<span[^>]*></span>" + re.escape(name) + f": {n}<", html)
    used = plans.loc[county_chosen, "statlig"].sum()
    line = f"Statlig ramme: {nok(BUDGET)}, brukt {nok(used)}"
    assert line in html and "\u00a0" in line
    assert "Statlig ramme: 58\u00a0400\u00a0000\u00a0kr, brukt " in html
    assert thousands(used) in line


def test_money_line_without_frame_and_over_it(county):
    from dekning.maps.county import money_line

    plans, _ = county
    used = plans.loc[plans["valgt_fylke"], "statlig"].sum()
    assert money_line(plans, None) == f"Statlig ramme: ikke satt, brukt {nok(used)}"
    assert money_line(plans, used - 1).endswith(f"(over rammen med {nok(1)})")


def test_municipality_names_are_text(county, html):
    assert EVIL not in html  # never as markup
    label = escape(EVIL).replace("&", "\\u0026")  # the label's markup, in a JSON string
    assert r"dekning-sted\"\u003e" + label + r"\u003c/span\u003e" in html
    assert r"dekning-sted\"\u003e=1+1\u003c/span\u003e" in html
    assert r'"kommune":"\u003cb\u003eEvil\u003c/b\u003e"' in html  # data (tooltip/popup)
    totals = {
        f["properties"]["kommune"]: f["properties"]
        for f in _features(html)
        if "omrader" in f["properties"]
    }
    plans, _ = county
    evil = plans.loc[plans["kommune"] == EVIL]
    assert totals[EVIL]["omrader"] == str(len(evil))
    assert totals[EVIL]["valgt"] == str(int(evil["valgt_fylke"].sum()))
    chosen = evil.loc[evil["valgt_fylke"]]
    assert totals[EVIL]["enheter"] == thousands(chosen["enheter"].sum())
    assert totals[EVIL]["statlig"] == nok(chosen["statlig"].sum())


def test_wrong_input_is_refused(county):
    plans, boundaries = county
    twice = gpd.GeoDataFrame(pd.concat([plans, plans.iloc[:1]]), crs=WORK_CRS)
    with pytest.raises(InputError, match="flere ganger"):
        county_map(twice, boundaries, title="x", state_budget_nok=None)
    with pytest.raises(InputError):
        county_map(plans.to_crs(4326), boundaries, title="x", state_budget_nok=None)
    with pytest.raises(InputError, match="rang_fylke"):
        county_map(plans.drop(columns="rang_fylke"), boundaries, title="x", state_budget_nok=None)


def _jagged(rng: np.random.Generator, centre: tuple[float, float], n: int, r: float):
    """A shape as the planner draws areas: the concave hull of ``n`` scattered points grown by
    75 m (:data:`dekning.coverage.planning.areas.AREA_BUFFER_M`)."""
    pts = shapely.multipoints(rng.normal(centre, r, size=(n, 2)))
    return shapely.buffer(shapely.concave_hull(pts, ratio=0.4), 75.0)


def _rough_box(rng: np.random.Generator, x0: float, y0: float, side: float):
    """A municipality of ``side`` metres with a rough boundary: a vertex every 200 m, each off
    the straight line by up to 40 m (more than the 10 m simplification removes): 400 vertices,
    twice as many as the Trøndelag municipalities of ../shared/data (9 728 for 38)."""
    t = np.arange(0, side, 200.0)
    edge = np.concatenate(
        [
            np.c_[x0 + t, np.full_like(t, y0)],
            np.c_[np.full_like(t, x0 + side), y0 + t],
            np.c_[x0 + side - t, np.full_like(t, y0 + side)],
            np.c_[np.full_like(t, x0), y0 + side - t],
        ]
    )
    return shapely.make_valid(shapely.Polygon(edge + rng.uniform(-40, 40, edge.shape)))


def test_a_county_of_3000_areas_stays_under_5_mb(tmp_path):
    rng = np.random.default_rng(17)
    side, per = 20_000.0, 60  # 50 municipalities of 20 × 20 km, 60 areas each
    plans, bounds = [], []
    for k in range(50):
        x0, y0 = 200_000 + (k % 10) * side, 6_900_000 + (k // 10) * side
        bounds.append((f"50{k:02d}", f"Kommune {k}", _rough_box(rng, x0, y0, side)))
        for i in range(per):
            centre = (x0 + rng.uniform(2_000, side - 2_000), y0 + rng.uniform(2_000, side - 2_000))
            plans.append((f"50{k:02d}", f"Kommune {k}", f"O-{i + 1:03d}", centre))
    n = len(plans)
    units = rng.integers(5, 500, n)
    cost = units * rng.integers(40_000, 200_000, n)
    frame = gpd.GeoDataFrame(
        {
            "area_id": [f"{p[0]}-{p[2]}" for p in plans],
            "kommunenummer": [p[0] for p in plans],
            "kommune": [p[1] for p in plans],
            "omrade": [p[2] for p in plans],
            "enheter": units,
            "kost_total": cost,
            "statlig": (cost * 0.6).round(),
            "kommunal": (cost * 0.25).round(),
            "poeng_fylke": rng.uniform(0, 100, n).round(1),
            "rang_fylke": 0,
            "valgt_fylke": rng.random(n) < 0.3,
            "valgt": rng.random(n) < 0.4,
        },
        geometry=[_jagged(rng, p[3], int(rng.integers(20, 300)), 600.0) for p in plans],
        crs=WORK_CRS,
    )
    boundaries = gpd.GeoDataFrame(
        {"kommunenummer": [b[0] for b in bounds], "kommune": [b[1] for b in bounds]},
        geometry=[b[2] for b in bounds],
        crs=WORK_CRS,
    )
    m = county_map(frame, boundaries, title="Stort fylke", state_budget_nok=2e9)
    path = write_map(m, tmp_path / "kart_fylke.html")
    size = path.stat().st_size
    print(f"county of {n} areas over {len(boundaries)} municipalities: {size / 1e6:.2f} MB")
    assert n == 3_000
    assert size < 5_000_000, size
    text = path.read_text(encoding="utf-8")
    assert text.count('"area_id":') == n
    coords = re.findall(r"\[(-?\d+\.\d+),(-?\d+\.\d+)\]", text)
    assert coords and all(len(c.split(".")[1]) <= 5 for xy in coords[:5000] for c in xy)


@pytest.mark.browser
def test_in_chromium_under_the_csp(county, county_file, browser):
    plans, boundaries = county
    body = county_file.read_bytes()
    problems: list[str] = []
    fetched: list[str] = []

    def route(r):
        url = r.request.url
        if url == county_file.as_uri():
            headers = {
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": MAP_CSP,
            }
            return r.fulfill(status=200, headers=headers, body=body)
        if "tile.openstreetmap.org" in url:
            return r.fulfill(status=200, content_type="image/png", body=BLANK)
        fetched.append(url)
        return r.abort()

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.route("**/*", route)
    try:
        page.goto(county_file.as_uri(), wait_until="load")
        page.wait_for_function("() => document.querySelector('.folium-map') !== null")
        page.wait_for_timeout(500)
        labels = page.locator(".dekning-sted").all_inner_texts()
        assert sorted(labels) == sorted(["Fjelldal", EVIL, FORMULA])
        assert page.locator(".dekning-sted b").count() == 0
        legend = page.locator(".dekning-fylke-legend").inner_text()
        used = plans.loc[plans["valgt_fylke"], "statlig"].sum()
        assert f"Statlig ramme: {nok(BUDGET)}, brukt {nok(used)}" in legend
        # an area of the <b>Evil</b> copy the county chose, not overlapped by another area
        geoms = plans.geometry.to_numpy()
        pick = next(
            i
            for i in np.flatnonzero(plans["valgt_fylke"] & (plans["kommune"] == EVIL))
            if shapely.intersects(geoms, shapely.point_on_surface(geoms[i])).sum() == 1
        )
        row = plans.iloc[pick]
        spot = gpd.GeoSeries([shapely.point_on_surface(geoms[pick])], crs=WORK_CRS).to_crs(4326)
        lat, lon = spot.iloc[0].y, spot.iloc[0].x
        point = page.evaluate(
            f"""() => {{
                const m = window[document.querySelector('.folium-map').id];
                m.setView([{lat}, {lon}], 13, {{animate: false}});
                const p = m.latLngToContainerPoint([{lat}, {lon}]);
                const r = m.getContainer().getBoundingClientRect();
                return [p.x + r.left, p.y + r.top];
            }}"""
        )
        page.wait_for_timeout(300)
        page.mouse.click(point[0], point[1])
        popup = page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        text = popup.inner_text()
        assert row["area_id"] in text and EVIL in text
        assert "valgt av fylket" in text and nok(row["statlig"]) in text
        assert f"Rang i fylket\t{row['rang_fylke']}" in text
        assert page.locator(".leaflet-popup-content b").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.wait_for_timeout(400)  # the popup fades in
        page.screenshot(path=str(ARTIFACTS / "kart_fylke_popup.png"))
        page.goto(county_file.as_uri(), wait_until="load")  # the county as it opens
        page.wait_for_timeout(600)
        page.screenshot(path=str(ARTIFACTS / "kart_fylke.png"))
        # hovering the <b>Evil</b> municipality off its areas shows its totals, as text
        evil = boundaries.loc[boundaries["kommune"] == EVIL].geometry.iloc[0]
        others = shapely.union_all(
            [*boundaries.loc[boundaries["kommune"] != EVIL].geometry, *plans.geometry]
        )
        inside = shapely.point_on_surface(shapely.difference(evil, others.buffer(500)))
        spot = gpd.GeoSeries([inside], crs=WORK_CRS).to_crs(4326).iloc[0]
        hover = page.evaluate(
            f"""() => {{
                const m = window[document.querySelector('.folium-map').id];
                const p = m.latLngToContainerPoint([{spot.y}, {spot.x}]);
                const r = m.getContainer().getBoundingClientRect();
                return [p.x + r.left, p.y + r.top];
            }}"""
        )
        page.mouse.move(hover[0], hover[1])
        tip = page.wait_for_selector(".leaflet-tooltip", timeout=5000).inner_text()
        assert f"Kommune\t{EVIL}" in tip and "Kandidatområder\t10" in tip, tip
        assert "Valgt av fylket\t3" in tip and page.locator(".leaflet-tooltip b").count() == 0
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "kart_fylke_kommune.png"))
        assert problems == [], problems
        assert fetched == [], fetched
    finally:
        page.close()
