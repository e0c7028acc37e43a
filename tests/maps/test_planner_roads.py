"""The planner map's mobile layers along roads: lines per coverage, gap stretches with their
figures, the legend, and a click on a stretch in Chromium."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from dekning.crs import WORK_CRS
from dekning.maps.layers import GAP_COLOUR, MOBILE_COLOURS
from dekning.maps.planner_roads import coverage_lines, road_legend_items, stretch_frame
from dekning.schema import MOBILE_ANY_COLUMN


@pytest.fixture(scope="module")
def road(default_result):
    assert default_result.road_mobile is not None
    return default_result.road_mobile


def test_alike_segments_are_joined_and_keep_the_road_length(road, default_result):
    lines = coverage_lines(road, default_result.mobile_layers)
    assert 0 < len(lines) < len(road.segments)
    metres = lines.to_crs(WORK_CRS).length.sum()
    assert metres == pytest.approx(road.segments["lengde_m"].sum(), rel=1e-6)
    gap_m = road.segments.loc[road.segments[MOBILE_ANY_COLUMN].eq(False), "lengde_m"].sum()
    orange = lines.loc[lines["farge"] == GAP_COLOUR].to_crs(WORK_CRS).length.sum()
    assert orange == pytest.approx(gap_m, rel=1e-6)
    assert set(lines["farge"]) <= {GAP_COLOUR, MOBILE_COLOURS[2], MOBILE_COLOURS[3]}
    assert lines.loc[lines["farge"] == GAP_COLOUR, "dekning"].eq("ingen operatør god nok").all()
    covered = lines.loc[lines["farge"] != GAP_COLOUR, "dekning"]
    assert covered.str.fullmatch(r"dekket av [1-3] av 3 operatører").all()
    assert lines["operatorer"].str.startswith("Telenor: ").all()


def test_stretch_popup_texts_as_norwegians_write_them(road):
    frame = stretch_frame(road)
    first = road.stretches.iloc[0]
    row = frame.iloc[0]
    assert row["hull_id"] == first["hull_id"]
    km = f"{first['lengde_m'] / 1000:.2f}".replace(".", ",")
    assert row["lengde"] == f"{km}\u00a0km"
    assert row["adt"] == (
        "ukjent" if np.isnan(first["adt"]) else f"{first['adt']:,.0f}".replace(",", "\u00a0")
    )
    assert row["veg"].endswith(")") and "(" in row["veg"]
    assert frame.crs.to_epsg() == 4326


def test_unknown_roads_get_a_grey_legend_line(road):
    assert [w for _, _, w in road_legend_items(road)][-1].startswith("hull")
    seg = road.segments.copy()
    seg[MOBILE_ANY_COLUMN] = seg[MOBILE_ANY_COLUMN].astype("boolean")
    seg.loc[seg.index[:3], MOBILE_ANY_COLUMN] = None
    import dataclasses

    unknown = dataclasses.replace(road, segments=seg)
    assert road_legend_items(unknown)[-1][2].startswith("ukjent")
    assert road_legend_items(None) == []


@pytest.fixture(scope="module")
def planner_html(maps_dir):
    """The default run's planner map, as a run writes it."""
    return maps_dir / "kart_planlegger.html"


def test_map_has_the_road_layers_and_legend(planner_html):
    html = planner_html.read_text(encoding="utf-8")
    assert "Mobilhull langs veg (rangert)" in html
    assert "Mobil langs veg (god nok: utend\\u00f8rs)" in html
    assert "hull: ingen operatør god nok" in html
    assert "dekning_veghull" in html


def test_click_on_a_gap_stretch_shows_its_figures(planner_html, road, browser):
    line = road.stretches.to_crs(4326).geometry.iloc[0]
    mid = shapely.line_interpolate_point(line, 0.5, normalized=True)
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    try:
        page.goto(planner_html.as_uri())
        page.wait_for_function("() => document.querySelector('.folium-map') !== null")
        point = page.evaluate(
            f"""() => {{
                const m = window[document.querySelector('.folium-map').id];
                m.setView([{mid.y}, {mid.x}], 15, {{animate: false}});
                const p = m.latLngToContainerPoint([{mid.y}, {mid.x}]);
                const r = m.getContainer().getBoundingClientRect();
                return [p.x + r.left, p.y + r.top];
            }}"""
        )
        page.wait_for_timeout(300)
        page.mouse.click(point[0], point[1])
        popup = page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        text = popup.inner_text()
        assert road.stretches["hull_id"].iloc[0] in text
        assert "Svakeste operatør" in text and "Lengde" in text
        page.wait_for_timeout(400)  # the popup fades in
        page.screenshot(path="test-artifacts/planner_road_gap_popup.png")
    finally:
        page.close()


def test_mast_layers_and_popup_say_screening(default_result):
    from dekning.maps.planner_masts import NOTE, mast_frame, mast_layers, mast_legend_items

    masts = default_result.masts
    chosen, every = mast_layers(masts)
    assert chosen is not None and every is not None
    frame = mast_frame(masts, chosen=True)
    assert len(frame) == int(masts.sites["valgt"].sum()) and (frame["merknad"] == NOTE).all()
    assert frame["status"].eq("valgt innenfor budsjettet").all()
    assert all(k.endswith("kr") for k in frame["kostnad"])
    assert [w for _, _, w in mast_legend_items(masts)] == [
        "valgt mast (screening)",
        "mastekandidat",
    ]
    assert mast_layers(None) == (None, None)
