"""The maps' offline base: boundary, roads and place names from the run's own inputs."""

from __future__ import annotations

import geopandas as gpd
import shapely

from dekning.crs import WORK_CRS
from dekning.maps.base_layer import BASE_PANE, base_layer, place_names
from dekning.maps.layers import base_map
from dekning.maps.planner import write_map


def _addresses(rows):
    return gpd.GeoDataFrame(
        {"poststed": [r[0] for r in rows]},
        geometry=shapely.points([(r[1], r[2]) for r in rows]),
        crs=WORK_CRS,
    )


def test_a_place_is_named_at_the_median_of_its_addresses():
    adr = _addresses(
        [
            ("ELVESTAD", 0, 0),
            ("ELVESTAD", 10, 0),
            ("ELVESTAD", 1000, 30),
            ("Sørli", 5, 5),
            ("", 9, 9),
        ]
    )
    places = place_names(adr).set_index("navn")
    assert list(places.index) == ["Elvestad", "Sørli"]  # upper case as written by Posten: titled
    assert (places.geometry["Elvestad"].x, places.geometry["Elvestad"].y) == (10.0, 0.0)
    assert place_names(adr.drop(columns="poststed")).empty


def test_base_layer_draws_boundary_roads_and_escaped_names(tmp_path):
    adr = _addresses([("<b>Vik</b>", 270_000, 7_000_000), ("<b>Vik</b>", 270_100, 7_000_000)])
    boundary = gpd.GeoDataFrame(
        geometry=[shapely.box(269_000, 6_999_000, 271_000, 7_001_000)], crs=WORK_CRS
    )
    roads = gpd.GeoDataFrame(
        {"vegkategori": ["F", "K"]},
        geometry=[
            shapely.LineString([(269_500, 7_000_000), (270_500, 7_000_000)]),
            shapely.LineString([(270_000, 6_999_500), (270_000, 7_000_500)]),
        ],
        crs=WORK_CRS,
    )
    m = base_map((10.0, 63.0, 10.1, 63.1), "x", lang="nb")
    layer = base_layer(boundary, roads, adr)
    assert layer is not None
    layer.add_to(m)
    html = write_map(m, tmp_path / "k.html").read_text(encoding="utf-8")
    assert BASE_PANE in html
    # the name is text in the label's HTML (folium writes it JSON-escaped into the page)
    assert "\\u0026lt;b\\u0026gt;Vik" in html and "\\u003cb\\u003eVik" not in html
    assert '"bredde": 2.5' in html and '"bredde": 1.5' in html  # fylkesveg wider than kommunal
    assert base_layer(None, None, adr.iloc[:0]) is None
