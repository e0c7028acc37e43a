"""OGC API – Features under /ogc over a run of the default data (TestClient): structure,
paging, bbox and property filters against counts made from the result files, the token on
planner collections, and the privacy minimum on the public cells."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient

from dekning.api.app import create_app
from dekning.api.ogc_features import CRS84, EPSG25833, road_gaps
from dekning.api.routers.ogc import CONFORMANCE, MAX_LIMIT
from dekning.api.settings import Settings, service_config
from dekning.api.state import load_results
from dekning.crs import WEB_CRS, ssb_grid_id
from dekning.textsafe import read_spreadsheet_csv

from .conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
PUBLIC = ["ruter_250m", "ruter_1km", "omrader", "veg_mobil", "veg_hull"]
PLANNER = ["adresser", "omrader_planlegger", "avvik"]
BOX = (10.3, 63.0, 10.45, 63.1)
"""A bounding box (CRS84) over part of the default municipality."""


@pytest.fixture(scope="module")
def client(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    base = tmp_path_factory.mktemp("ogc")
    settings = Settings(
        out_dir=run_dir, planner_token=TOKEN, database_url=str(base / "svar.sqlite")
    )
    return TestClient(create_app(settings))


@pytest.fixture(scope="module")
def addresses(run_dir: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(run_dir / "adresser_klassifisert.gpkg", layer="adresser")


@pytest.fixture(scope="module")
def min_count(run_dir: Path) -> int:
    return service_config(Settings(out_dir=run_dir)).privacy.min_cell_count


def _all_pages(client: TestClient, url: str, **kw) -> tuple[list[dict], list[dict]]:
    """Every page from ``url`` following ``next``: (features, pages)."""
    features, pages = [], []
    while url:
        r = client.get(url, **kw)
        assert r.status_code == 200, r.text
        page = r.json()
        pages.append(page)
        features += page["features"]
        nexts = [link["href"] for link in page["links"] if link["rel"] == "next"]
        assert len(nexts) <= 1
        url = nexts[0] if nexts else ""
    return features, pages


def test_landing_conformance_and_collections(client: TestClient):
    landing = client.get("/ogc")
    assert landing.status_code == 200 and landing.headers["content-type"] == "application/json"
    rels = {link["rel"]: link["href"] for link in landing.json()["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert client.get(rels["service-desc"]).status_code == 200
    conformance = client.get(rels["conformance"]).json()["conformsTo"]
    assert conformance == list(CONFORMANCE)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    assert not any("html" in c or "oas30" in c for c in conformance)
    listed = client.get(rels["data"]).json()
    assert [c["id"] for c in listed["collections"]] == PUBLIC
    for c in listed["collections"]:
        assert c["itemType"] == "feature" and c["title"] and c["description"]
        assert c["crs"] == [CRS84, EPSG25833] and c["storageCrs"] == EPSG25833
        minx, miny, maxx, maxy = c["extent"]["spatial"]["bbox"][0]
        assert 4 < minx < maxx < 32 and 57 < miny < maxy < 72
        links = {link["rel"]: link for link in c["links"]}
        assert links["items"]["type"] == "application/geo+json"
        assert links["items"]["href"].endswith(f"/ogc/collections/{c['id']}/items")
        one = client.get(f"/ogc/collections/{c['id']}").json()
        assert one["id"] == c["id"] and one["extent"] == c["extent"]


def test_items_are_geojson_with_counts(client: TestClient, addresses: gpd.GeoDataFrame):
    r = client.get("/ogc/collections/adresser/items", headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    assert r.headers["content-crs"] == f"<{CRS84}>"
    page = r.json()
    assert page["type"] == "FeatureCollection"
    assert page["numberMatched"] == len(addresses) and page["numberReturned"] == 100
    first = page["features"][0]
    assert first["type"] == "Feature" and first["geometry"]["type"] == "Point"
    assert first["id"] == first["properties"]["adrid"] == int(addresses["adrid"].iloc[0])
    lon, lat = first["geometry"]["coordinates"]
    web = addresses.geometry.iloc[:1].to_crs(WEB_CRS)
    assert (lon, lat) == pytest.approx((web.x.iloc[0], web.y.iloc[0]), abs=1e-6)


def test_paging_follows_next_to_the_last_page(client: TestClient, addresses: gpd.GeoDataFrame):
    features, pages = _all_pages(client, "/ogc/collections/adresser/items?limit=700", headers=AUTH)
    assert len(pages) == -(-len(addresses) // 700)
    assert all(p["numberMatched"] == len(addresses) for p in pages)
    assert [p["numberReturned"] for p in pages] == [len(p["features"]) for p in pages]
    assert sorted(f["id"] for f in features) == sorted(addresses["adrid"].tolist())
    assert not any(link["rel"] == "prev" for link in pages[0]["links"])
    prev = [link["href"] for link in pages[1]["links"] if link["rel"] == "prev"]
    assert prev and "offset=0" in prev[0]
    assert client.get(prev[0], headers=AUTH).json()["features"] == pages[0]["features"]
    beyond = client.get(f"/ogc/collections/adresser/items?offset={len(addresses)}", headers=AUTH)
    assert beyond.json()["numberReturned"] == 0


def test_limit_is_capped_and_checked(client: TestClient):
    r = client.get(f"/ogc/collections/veg_mobil/items?limit={MAX_LIMIT * 10}")
    assert r.status_code == 200 and r.json()["numberReturned"] == r.json()["numberMatched"]
    for bad in ("limit=0", "limit=abc", "offset=-1", "bbox=1,2,3", "bbox=3,2,1,4", "f=html"):
        r = client.get(f"/ogc/collections/omrader/items?{bad}")
        assert r.status_code == 400, bad
        assert isinstance(r.json()["detail"], str)
    r = client.get("/ogc/collections/omrader/items?crs=http://www.opengis.net/def/crs/EPSG/0/4326")
    assert r.status_code == 400 and "støttes ikke" in r.json()["detail"]
    r = client.get("/ogc/collections/omrader/items?farge=gul")
    assert r.status_code == 400 and "queryables" in r.json()["detail"]


def _inside(points: gpd.GeoSeries, box: tuple[float, float, float, float]) -> np.ndarray:
    x, y = points.x.to_numpy(), points.y.to_numpy()
    return (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])


def test_bbox_counts(client: TestClient, addresses: gpd.GeoDataFrame):
    web = addresses.geometry.to_crs(WEB_CRS)
    expected = int(_inside(web, BOX).sum())
    assert 0 < expected < len(addresses)
    bbox = ",".join(map(str, BOX))
    url = f"/ogc/collections/adresser/items?bbox={bbox}&limit=250"
    features, pages = _all_pages(client, url, headers=AUTH)
    assert pages[0]["numberMatched"] == len(features) == expected
    ids = set(addresses.loc[_inside(web, BOX), "adrid"].tolist())
    assert {f["id"] for f in features} == ids
    # the same box in EPSG:25833, answered in EPSG:25833
    work = (262_000.0, 6_995_000.0, 272_000.0, 7_003_000.0)
    expected = int(_inside(addresses.geometry, work).sum())
    assert 0 < expected < len(addresses)
    r = client.get(
        "/ogc/collections/adresser/items",
        params={
            "bbox": ",".join(map(str, work)),
            "bbox-crs": EPSG25833,
            "crs": EPSG25833,
            "limit": MAX_LIMIT,
        },
        headers=AUTH,
    )
    page = r.json()
    assert page["numberMatched"] == expected and r.headers["content-crs"] == f"<{EPSG25833}>"
    by_id = addresses.set_index("adrid").geometry
    for f in page["features"][:50]:
        x, y = f["geometry"]["coordinates"]
        assert (x, y) == pytest.approx((by_id[f["id"]].x, by_id[f["id"]].y), abs=0.01)


def test_bbox_on_polygons_counts_intersecting_cells(client: TestClient):
    page = client.get("/ogc/collections/ruter_250m/items", params={"limit": MAX_LIMIT}).json()
    shapes = [shapely.geometry.shape(f["geometry"]) for f in page["features"]]
    expected = int(shapely.intersects(shapes, shapely.box(*BOX)).sum())
    assert 0 < expected < len(shapes)
    r = client.get("/ogc/collections/ruter_250m/items", params={"bbox": ",".join(map(str, BOX))})
    assert r.json()["numberMatched"] == expected


def test_property_filters(client: TestClient, addresses: gpd.GeoDataFrame, run_dir: Path):
    expected = int((addresses["postnummer"] == "7395").sum())
    assert 0 < expected < len(addresses)
    r = client.get("/ogc/collections/adresser/items?postnummer=7395&limit=1", headers=AUTH)
    assert r.json()["numberMatched"] == expected
    both = (addresses["postnummer"] == "7395") & addresses["eligible"]
    url = "/ogc/collections/adresser/items?postnummer=7395&eligible=true&limit=1"
    assert client.get(url, headers=AUTH).json()["numberMatched"] == int(both.sum())
    areas = gpd.read_file(run_dir / "omrader.gpkg", layer="omrader")
    chosen = client.get("/ogc/collections/omrader/items?valgt=true").json()
    assert chosen["numberMatched"] == int(areas["valgt"].sum()) > 0
    assert {f["id"] for f in chosen["features"]} == set(areas.loc[areas["valgt"], "area_id"])
    assert client.get("/ogc/collections/omrader/items?valgt=nei").json()["numberMatched"] == int(
        (~areas["valgt"]).sum()
    )
    r = client.get("/ogc/collections/omrader/items?rang=ti")
    assert r.status_code == 400 and "heltall" in r.json()["detail"]
    queryables = client.get("/ogc/collections/omrader/queryables")
    assert queryables.headers["content-type"] == "application/schema+json"
    props = queryables.json()["properties"]
    assert props["valgt"] == {"type": "boolean"} and props["area_id"] == {"type": "string"}
    assert "kost_total" not in props


def test_public_areas_are_what_v1_omrader_publishes(client: TestClient):
    published = client.get("/v1/omrader").json()["features"]
    served = client.get("/ogc/collections/omrader/items").json()["features"]
    assert [f["properties"] for f in served] == [f["properties"] for f in published]
    assert not any("kost_total" in f["properties"] for f in served)
    full = client.get("/ogc/collections/omrader_planlegger/items", headers=AUTH).json()
    assert all("kost_total" in f["properties"] for f in full["features"])


def test_one_feature_and_unknown_ones(client: TestClient, addresses: gpd.GeoDataFrame):
    adrid = int(addresses["adrid"].iloc[10])
    r = client.get(f"/ogc/collections/adresser/items/{adrid}", headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    feature = r.json()
    assert feature["type"] == "Feature" and feature["id"] == adrid
    assert feature["properties"]["adressetekst"] == addresses["adressetekst"].iloc[10]
    assert {link["rel"] for link in feature["links"]} == {"self", "collection"}
    assert client.get("/ogc/collections/omrader/items/O-001").json()["id"] == "O-001"
    missing = client.get("/ogc/collections/omrader/items/O-999")
    assert missing.status_code == 404 and "O-999" in missing.json()["detail"]
    for path in ("/ogc/collections/finnes_ikke", "/ogc/collections/finnes_ikke/items"):
        r = client.get(path)
        assert r.status_code == 404 and "ukjent samling" in r.json()["detail"]


def test_planner_collections_need_the_token(client: TestClient, run_dir: Path, tmp_path: Path):
    for name in PLANNER:
        for path in (f"/ogc/collections/{name}", f"/ogc/collections/{name}/items"):
            assert client.get(path).status_code == 401
            wrong = client.get(path, headers={"Authorization": "Bearer feil"})
            assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
            assert client.get(f"{path}?token=feil").status_code == 401
            assert client.get(path, headers=AUTH).status_code == 200
            assert client.get(f"{path}?token={TOKEN}").status_code == 200
    assert client.get("/ogc/collections/adresser/items/300000001").status_code == 401
    listed = client.get("/ogc/collections", headers=AUTH).json()["collections"]
    assert [c["id"] for c in listed] == PUBLIC + PLANNER
    wrong = client.get("/ogc/collections", headers={"Authorization": "Bearer feil"}).json()
    assert [c["id"] for c in wrong["collections"]] == PUBLIC
    off = TestClient(create_app(Settings(out_dir=run_dir, database_url=str(tmp_path / "s.db"))))
    r = off.get("/ogc/collections/adresser/items", headers=AUTH)
    assert r.status_code == 403 and "slått av" in r.json()["detail"]
    assert off.get("/ogc/collections/omrader/items").status_code == 200


def test_discrepancies_at_their_addresses(client: TestClient, addresses: gpd.GeoDataFrame):
    listed = client.get("/v1/planlegger/avvik", headers=AUTH).json()
    assert listed, "the default data should have discrepancies"
    page = client.get(f"/ogc/collections/avvik/items?limit={MAX_LIMIT}", headers=AUTH).json()
    assert page["numberMatched"] == len(listed)
    web = addresses.set_index("adrid").geometry.to_crs(WEB_CRS)
    for row, f in zip(listed, page["features"], strict=True):
        assert {k: f["properties"][k] for k in row} == row
        point = web[row["adrid"]]
        assert f["geometry"]["coordinates"] == pytest.approx([point.x, point.y], abs=1e-6)
    assert client.get("/ogc/collections/avvik/items").status_code == 401


def test_cells_keep_the_privacy_minimum(client: TestClient, run_dir: Path, min_count: int):
    table = read_spreadsheet_csv(run_dir / "aggregat_ssb_rute_250.csv", ("ssb_rute_250",))
    table["id"] = table["ssb_rute_250"].astype("int64")
    small = table[table["adresser"] < min_count]
    assert len(small) > 0, "the default data should have small cells"
    fine = client.get(f"/ogc/collections/ruter_250m/items?limit={MAX_LIMIT}").json()
    shown = {f["id"] for f in fine["features"]}
    assert shown == set(table.loc[table["adresser"] >= min_count, "id"])
    assert not shown & set(small["id"])
    for f in fine["features"]:
        assert f["properties"]["adresser"] >= min_count
        assert f["properties"]["rute_m"] == 250
    # the small cells' addresses, summed per 1 km cell by hand
    x0, y0 = small["id"] // 10_000_000 - 2_000_000, small["id"] % 10_000_000
    km = pd.Series(ssb_grid_id(x0.to_numpy(), y0.to_numpy(), 1000), index=small.index)
    sums = small.groupby(km)[["adresser", "hus", "hus_uten_100"]].sum()
    big = sums[sums["adresser"] >= min_count]
    coarse = client.get(f"/ogc/collections/ruter_1km/items?limit={MAX_LIMIT}").json()
    got = {f["id"]: f["properties"] for f in coarse["features"]}
    assert set(got) == set(big.index)
    for cell, row in big.iterrows():
        assert got[cell]["adresser"] == row["adresser"] >= min_count
        assert (got[cell]["hus"], got[cell]["hus_uten_100"]) == (row["hus"], row["hus_uten_100"])
        assert got[cell]["rute_m"] == 1000
    assert sum(p["adresser"] for p in got.values()) + sum(
        f["properties"]["adresser"] for f in fine["features"]
    ) <= int(table["adresser"].sum())
    # a cell's square: its SSB id is its lower-left corner (EPSG:25833)
    one = client.get(f"/ogc/collections/ruter_250m/items/{next(iter(shown))}?crs={EPSG25833}")
    ring = one.json()["geometry"]["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    assert (max(xs) - min(xs), max(ys) - min(ys)) == (250, 250)
    assert ssb_grid_id(np.array([min(xs)]), np.array([min(ys)]), 250)[0] == one.json()["id"]


def test_roads(client: TestClient, run_dir: Path):
    segments = gpd.read_file(run_dir / "mobil_veg.gpkg", layer="segmenter")
    page = client.get(f"/ogc/collections/veg_mobil/items?limit={MAX_LIMIT}").json()
    assert page["numberMatched"] == len(segments)
    props = page["features"][0]["properties"]
    for key in ("vegkategori", "vegnummer", "vegnavn", "mob_telenor", "mob_any_ok", "mob_all_ok"):
        assert key in props
    assert isinstance(props["mob_any_ok"], bool | None)
    assert not any(k.endswith("_dbm") for k in props)
    covered = int((segments["mob_any_ok"] == 1).sum())
    r = client.get("/ogc/collections/veg_mobil/items?mob_any_ok=true&limit=1")
    assert r.json()["numberMatched"] == covered
    gaps = gpd.read_file(run_dir / "mobil_veg.gpkg", layer="hull")
    served = client.get("/ogc/collections/veg_hull/items").json()
    assert [f["id"] for f in served["features"]] == gaps["hull_id"].tolist()
    assert served["features"][0]["geometry"]["type"] == "LineString"


def test_gap_counts_near_few_addresses_are_hidden():
    gaps = gpd.GeoDataFrame(
        {"hull_id": ["H-1", "H-2"], "adresser": [2, 40], "hus": [2, 30], "fritid": [0, 3]},
        geometry=[shapely.LineString([(0, 0), (1, 1)])] * 2,
        crs="EPSG:25833",
    )
    shown = road_gaps(gaps, 5)
    assert shown["adresser"].isna().tolist() == [True, False]
    assert shown["hus"].isna().tolist() == [True, False]
    assert shown["fritid"].isna().tolist() == [True, True]  # 3 holiday homes: a small figure
    assert shown["skjult"].tolist() == [True, True]


def test_a_run_without_roads_has_no_road_collections(results_copy: Path, make_app):
    (results_copy / "mobil_veg.gpkg").unlink()
    client = TestClient(make_app(results_copy))
    listed = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    assert listed == ["ruter_250m", "ruter_1km", "omrader"]
    assert client.get("/ogc/collections/veg_mobil/items").status_code == 404


def test_new_results_get_new_collections(results_copy: Path, make_app):
    app = make_app(results_copy)
    client = TestClient(app)
    assert client.get("/ogc/collections/omrader/items").status_code == 200
    first = app.state.ogc
    held = app.state.service
    held.results = load_results(held.cfg, results_copy)  # what a re-run does
    assert client.get("/ogc/collections/omrader/items").status_code == 200
    assert app.state.ogc is not first and app.state.ogc.results is held.results
