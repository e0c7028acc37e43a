"""Road reader: NVDB/Elveg categories, numbers and ÅDT in GeoJSON, GeoPackage and GML;
OpenStreetMap through GDAL's OSM driver (real extract from ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from dekning.coverage.read.roads import read_roads
from dekning.errors import InputError
from dekning.report import RunReport


def _write(path: Path, rows: list[dict], lines: list[list[tuple[float, float]]], crs=25833):
    gdf = gpd.GeoDataFrame(rows, geometry=[shapely.LineString(c) for c in lines], crs=crs)
    driver = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".gml": "GML"}[path.suffix]
    gdf.to_file(path, driver=driver)
    return path


LINES = [[(0, 0), (1000, 0)], [(1000, 0), (1000, 500)], [(0, 0), (0, -300)]]


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".gml"])
def test_category_number_name_and_adt(tmp_path, suffix):
    rows = [
        {"vegkategori": "F", "vegnummer": "FV6478", "vegnavn": "Dalføret", "adt": 2800},
        {"vegkategori": "k", "vegnummer": "", "vegnavn": "Lia", "adt": None},
        {"vegkategori": "", "vegnummer": "EV 6", "vegnavn": "", "adt": 9000},
    ]
    roads = read_roads(_write(tmp_path / f"veger{suffix}", rows, LINES))
    assert roads.crs.to_epsg() == 25833
    assert roads["vegkategori"].tolist() == ["F", "K", "E"]  # lower case read, empty from number
    assert roads["vegnummer"].tolist() == ["FV 6478", "", "EV 6"]
    assert roads["vegnavn"].tolist() == ["Dalføret", "Lia", ""]
    assert roads["adt"].iloc[0] == 2800 and np.isnan(roads["adt"].iloc[1])
    assert np.allclose(roads.length, [1000, 500, 300])


def test_category_from_a_road_reference_and_elveg_nested_name(tmp_path):
    rows = [
        {"vegsystemreferanse_kortform": "KV1234 S1D1 m0-300"},
        {"vegsystemreferanse_kortform": "RV715 S2D1 m10-900"},
        {"vegsystemreferanse_kortform": ""},
    ]
    report = RunReport()
    roads = read_roads(_write(tmp_path / "elveg.geojson", rows, LINES), report)
    assert roads["vegkategori"].tolist() == ["K", "R", "ukjent"]
    assert roads["vegnummer"].tolist()[:2] == ["KV 1234", "RV 715"]
    assert "roads_unknown_category" in report.codes()


def test_walking_cycling_ferry_and_planned_links_are_left_out(tmp_path):
    rows = [
        {"vegkategori": "K", "typeVeg": "enkelBilveg", "fase": "V"},
        {"vegkategori": "K", "typeVeg": "gangOgSykkelveg", "fase": "V"},
        {"vegkategori": "F", "typeVeg": "enkelBilveg", "fase": "P"},
    ]
    report = RunReport()
    roads = read_roads(_write(tmp_path / "v.geojson", rows, LINES), report)
    assert len(roads) == 1 and roads.length.iloc[0] == pytest.approx(1000)
    assert [w.count for w in report.warnings if w.code == "roads_left_out"] == [2]


def test_unknown_category_names_feature_and_field(tmp_path):
    rows = [{"vegkategori": "F"}, {"vegkategori": "F"}, {"vegkategori": "X"}]
    with pytest.raises(InputError) as err:
        read_roads(_write(tmp_path / "v.geojson", rows, LINES))
    text = str(err.value)
    assert "objekt 3" in text and "vegkategori" in text and "'X'" in text


def test_negative_or_text_adt_names_feature_and_field(tmp_path):
    bad = tmp_path / "v.geojson"
    rows = [{"vegkategori": "F", "ÅDT": 100}, {"vegkategori": "F", "ÅDT": -5}, {"vegkategori": "K"}]
    _write(bad, rows, LINES)
    with pytest.raises(InputError) as err:
        read_roads(bad)
    assert "objekt 2" in str(err.value) and "ÅDT" in str(err.value)
    doc = json.loads(bad.read_text(encoding="utf-8"))
    doc["features"][1]["properties"]["ÅDT"] = "mye"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="ikke et tall"):
        read_roads(bad)


def test_no_lines_and_missing_file(tmp_path):
    points = gpd.GeoDataFrame({"vegkategori": ["K"]}, geometry=[shapely.Point(0, 0)], crs=25833)
    points.to_file(tmp_path / "p.geojson", driver="GeoJSON")
    with pytest.raises(InputError, match="ingen linjer med lengde"):
        read_roads(tmp_path / "p.geojson")
    with pytest.raises(InputError, match="fant ikke fila"):
        read_roads(tmp_path / "mangler.geojson")
    with pytest.raises(InputError, match="fant ikke fila"):
        read_roads(tmp_path / "mangler.osm.pbf")


def test_reprojected_from_lon_lat(tmp_path):
    lines = [[(10.0, 63.0), (10.01, 63.0)]]
    roads = read_roads(_write(tmp_path / "v.geojson", [{"vegkategori": "K"}], lines, crs=4326))
    # 0.01° of longitude at 63° N: 111.32 km × cos(63°) / 100 ≈ 505 m
    assert roads.length.iloc[0] == pytest.approx(505.4, abs=3)


def test_openstreetmap_extract(shared_data):
    path = shared_data / "osm-fixtures-oslo-bergen" / "opera_oslo.osm.pbf"
    report = RunReport()
    roads = read_roads(path, report)
    assert roads.crs.to_epsg() == 25833
    assert set(roads["vegkategori"]) <= {"E", "R", "F", "K", "P", "S"}
    # the E 18 through Bjørvika is tagged trunk with ref "E 18": a europaveg
    e18 = roads.loc[roads["vegnummer"] == "E 18"]
    assert len(e18) > 0 and (e18["vegkategori"] == "E").all()
    # footways, cycleways and steps are not roads for cars
    assert [w.code for w in report.warnings].count("roads_osm_not_for_cars") == 1
    assert roads["kategori_kilde"].eq("OpenStreetMap (highway)").all()
    # everything lies in Oslo (UTM 33: east ≈ 262 km, north ≈ 6 650 km)
    x0, y0, x1, y1 = roads.total_bounds
    assert 255_000 < x0 < x1 < 270_000 and 6_640_000 < y0 < y1 < 6_660_000
