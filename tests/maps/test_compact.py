"""Maps that stay usable as a municipality grows (issue 17): addresses, cells, routes and roads
embedded as compact columns (:mod:`dekning.maps.compact`) that give back what they encode, the
page's own projection agrees with PROJ, and a large municipality's maps stay small."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from dekning.crs import WEB_CRS, WORK_CRS
from dekning.maps.compact import (
    columns,
    decode,
    decode_shapes,
    encode_column,
    encode_text,
    shape_columns,
)
from dekning.maps.layers import cell_layer_frame
from dekning.maps.planner import planner_map, write_map
from dekning.maps.public import public_map
from dekning.maps.public_search import address_index, records, share_ids

X0, Y0 = 250_000, 6_990_000
ROUND_TRIP = Transformer.from_crs(WORK_CRS, WEB_CRS, always_xy=True)


def test_columns_give_back_points_texts_and_values():
    texts = ["Storgata 1", "Storgata 2 B", "Dalføret", "12 Sjøvegen", "Storgt.  7 b", "<b>&'"]
    x = np.array([261_385, 261_223, 260_854, 300_000, 299_999, 261_000])
    y = np.array([7_000_010, 7_000_100, 6_999_000, 7_100_000, 7_100_001, 7_000_000])
    props = {
        "adressetekst": encode_text(texts),
        "hus": encode_column(pd.Series([1, 4, 1, 2, 1, 1])),
        "band": encode_column(pd.Series(["M100", "", "M100", "M30", "", ""])),
        "same": encode_column(pd.Series(["x"] * 6)),
        "share": encode_column(pd.Series([0.5, 0.25, None, 1.0, 0.0, 0.75])),
    }
    data = json.loads(json.dumps(columns(x, y, props)))  # as embedded in the page
    back = decode(data)
    assert back["adressetekst"].tolist() == texts
    assert back["x"].tolist() == x.tolist() and back["y"].tolist() == y.tolist()
    assert back["hus"].tolist() == [1, 4, 1, 2, 1, 1]
    assert back["band"].tolist() == ["M100", "", "M100", "M30", "", ""]
    assert back["same"].tolist() == ["x"] * 6
    assert back["share"].tolist()[:2] == [0.5, 0.25] and back["share"].isna().tolist()[2]
    assert data["props"]["same"] == {"k": "x"}  # one value: written once
    assert data["props"]["adressetekst"]["p"][:2] == ["Storgata", "Dalføret"]  # streets once


def test_cells_give_back_their_ssb_ids(make_addresses):
    cells = cell_layer_frame(make_addresses([(X0, Y0, 6), (X0 + 250, Y0, 4), (X0, Y0 + 750, 1)]))
    from dekning.maps.layers import _cell_origin

    x0, y0 = _cell_origin(cells["ssb_rute"])
    data = columns(
        x0,
        y0,
        {"klasse": encode_column(cells["klasse"])},
        unit=250,
        size=cells["rute_m"],
        cell_id="id",
    )
    back = decode(data)
    assert back["id"].tolist() == cells["ssb_rute"].tolist()
    assert back["size"].tolist() == [250] * 3
    assert max(map(abs, data["x"][1:] + data["y"][1:])) <= 3  # steps of 250 m: small numbers


def test_lines_and_polygons_give_back_their_coordinates():
    shapes = [
        shapely.LineString([(10.1234567, 63.1), (10.2, 63.2), (10.3, 63.25)]),
        shapely.MultiLineString([[(11, 64), (11.001, 64.001)], [(12, 64), (12.5, 64.5)]]),
        shapely.box(10, 63, 10.01, 63.01).difference(shapely.box(10.002, 63.002, 10.004, 63.004)),
        shapely.MultiPolygon([shapely.box(9, 62, 9.1, 62.1), shapely.box(9.2, 62, 9.3, 62.1)]),
        None,
    ]
    frame = gpd.GeoDataFrame({"n": range(5)}, geometry=shapes, crs=WEB_CRS)
    data = json.loads(json.dumps(shape_columns(frame, {"n": encode_column(frame["n"])})))
    back = decode_shapes(data)
    assert back[-1] is None
    for geom, got in zip(shapes[:-1], back[:-1], strict=True):
        assert got is not None
        again = shapely.geometry.shape(got)
        assert again.geom_type == geom.geom_type
        assert shapely.hausdorff_distance(again, geom) < 1e-6


def test_the_index_numbers_repeated_addresses_itself(make_addresses):
    """Index version 3: repeats of one address get ``-2``, ``-3`` … from the page, so the index
    sends no share ids at all (a municipality with many repeats held megabytes of them)."""
    addresses = make_addresses([(X0, Y0, 5)]).assign(adressetekst="Storgata 1")
    index = json.loads(json.dumps(address_index(addresses)))
    assert index["versjon"] == 3 and index["lenke"] == {}
    links = [r["lenke"] for r in records(index)]
    keys = pd.Series([r["nokkel"] for r in records(index)])
    assert links == share_ids(keys).tolist()
    assert links[:3] == ["storgata-1-0001", "storgata-1-0001-2", "storgata-1-0001-3"]
    # An index of version 2 (an older page) keeps meaning what it meant.
    old = {**index, "versjon": 2, "lenke": {"1": "x-2"}}
    assert [r["lenke"] for r in records(old)][:3] == ["storgata-1-0001", "x-2", "storgata-1-0001"]


def _large(make_addresses, n_cells: int = 400, per_cell: int = 50) -> gpd.GeoDataFrame:
    """``n_cells × per_cell`` addresses on a square of 250 m cells, with repeated texts."""
    side = int(np.ceil(np.sqrt(n_cells)))
    cells = [(X0 + 250 * (i % side), Y0 + 250 * (i // side), per_cell) for i in range(n_cells)]
    down = np.resize([20_000, 50_000, 150_000, 1_000_000, 0], n_cells * per_cell)
    frame = make_addresses(cells, best_down_kbps=down.tolist())
    street = np.resize(["Storgata", "Skolevegen", "Kirkevegen", "Dalføret"], len(frame))
    number = np.arange(len(frame)) % 300 + 1
    return frame.assign(adressetekst=[f"{s} {n}" for s, n in zip(street, number, strict=True)])


def test_a_large_municipality_gives_small_maps(make_addresses, small_areas, small_layers, tmp_path):
    """20 000 addresses: both maps a few tens of bytes per address (folium's GeoJSON: some 400
    bytes per eligible address and cell; the public index: some 35 more per repeated address)."""
    addresses = _large(make_addresses)
    planner = write_map(planner_map(addresses, small_areas), tmp_path / "kart_planlegger.html")
    public = write_map(
        public_map(addresses, small_areas, mobile_layers=small_layers),
        tmp_path / "kart_offentlig.html",
    )
    n = len(addresses)
    assert planner.stat().st_size < 400_000 + 35 * n
    assert public.stat().st_size < 400_000 + 30 * n
    html = planner.read_text(encoding="utf-8")
    assert html.count('"type": "Feature"') < 10  # no GeoJSON feature per address or cell


@pytest.mark.browser
def test_the_page_builds_every_address_and_projects_as_proj(browser, make_addresses, tmp_path):
    addresses = _large(make_addresses, n_cells=16, per_cell=10)
    eligible = int(addresses["eligible"].sum())
    path = write_map(planner_map(addresses, gpd.GeoDataFrame(
        pd.DataFrame(columns=["area_id", "hus", "naering", "fritid", "kost_total", "stottebehov",
                              "statlig", "kommunal", "kost_per_enhet", "valgt", "rang", "aar"]),
        geometry=[], crs=WORK_CRS)), tmp_path / "kart.html")  # fmt: skip
    page = browser.new_page()
    page.goto(path.as_uri())
    page.wait_for_function("Object.keys(window).some(k => k.startsWith('map_'))")
    points = [(X0, Y0), (X0 + 123, Y0 + 4567), (-30_000, 6_500_000), (1_100_000, 7_900_000)]
    got = page.evaluate(f"{json.dumps(points)}.map(p => dekningColumns.lonLat(p[0], p[1]))")
    for (x, y), (lon, lat) in zip(points, got, strict=True):
        want = ROUND_TRIP.transform(x, y)
        assert abs(lon - want[0]) < 1e-8 and abs(lat - want[1]) < 1e-8
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Støtteberettigede adresser").check()
    counted = page.evaluate(
        "(() => { const m = window[Object.keys(window).find(k => k.startsWith('map_'))];"
        " let n = 0; m.eachLayer(l => { if (l instanceof L.CircleMarker) n++; }); return n; })()"
    )
    assert counted == eligible
    html = path.read_text(encoding="utf-8")
    assert re.search(r"layer\.once\('add', fill\)", html)  # hidden at start: built when shown
    page.close()
