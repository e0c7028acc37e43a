"""The public map: cells and areas under the one small-group rule, an address search with the
coverage operators publish (a compact index), and the checks at its door (the browser tests
are in test_browser.py and test_public_a11y.py)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from dekning.crs import WEB_CRS, WORK_CRS
from dekning.errors import InputError
from dekning.maps.layers import cell_layer_frame
from dekning.maps.public import _without_overlap, address_index, data_note, public_map
from dekning.maps.public_search import INDEX_ID, entries, records, search_keys, share_ids

X0, Y0 = 250_000, 6_990_000


def _has(html: str, text: str) -> bool:
    return text in html or json.dumps(text)[1:-1] in html


def test_maps_load_nothing_from_cdns(maps_dir):
    for name in ("kart_planlegger.html", "kart_offentlig.html"):
        html = (maps_dir / name).read_text(encoding="utf-8")
        srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html)
        assert srcs == [], f"{name} loads {srcs}"
        assert "L.map(" in html  # Leaflet is inlined and used


def _index(html: str) -> dict:
    m = re.search(f'<script type="application/json" id="{INDEX_ID}">(.*?)</script>', html, re.S)
    assert m is not None
    return json.loads(m.group(1))


def test_public_map_has_no_personal_data(maps_dir, default_result):
    html = (maps_dir / "kart_offentlig.html").read_text(encoding="utf-8")
    assert "adrid" not in html and '"hus"' not in html and "husstander_" not in html
    # No address id of the register appears in the page: not as a text, not among the
    # numbers of the index (whose values are small codes, house numbers and steps).
    ids = default_result.classified["adrid"].astype(str).tolist()
    assert not any(i in html for i in ids[:200])
    index = _index(html)
    numbers = {v for k in ("gate", "postnr", "profil", "dlat", "dlon", "rest") for v in index[k]}
    assert not numbers & set(default_result.classified["adrid"].tolist())
    assert set(index) == {
        "versjon", "operatorer", "gater", "post", "profiler", "start", "gate", "rest",
        "postnr", "dlat", "dlon", "profil", "tekst", "nr", "lenke",
    }  # fmt: skip
    assert "Finn din adresse" in html and "Om kartet" in html
    assert len(html.encode("utf-8")) < 5_000_000


def test_the_address_index_is_compact(maps_dir, default_result):
    """Under 35 bytes per address (the first public map held about 120: every field of every
    address as text)."""
    html = (maps_dir / "kart_offentlig.html").read_text(encoding="utf-8")
    m = re.search(f'id="{INDEX_ID}">(.*?)</script>', html, re.S)
    assert m is not None
    assert len(m.group(1).encode("utf-8")) < 35 * len(default_result.classified)
    assert len(_index(html)["gate"]) == len(default_result.classified)


def test_public_cells_never_describe_fewer_than_the_minimum(default_result):
    cells = cell_layer_frame(default_result.classified, min_count=5)
    assert (cells["adresser"] >= 5).all()
    assert set(cells["rute_m"]) == {250, 1000}
    assert cells["adresser"].sum() <= len(default_result.classified)


def _planned(html: str) -> dict[str, object]:
    """area_id → the household count the page holds for it (its tooltip's figure)."""
    found = re.findall(r'"antall": (null|\d+), "area_id": "([^"]+)"', html)
    return {a: None if n == "null" else int(n) for n, a in found}


def test_area_household_counts_follow_the_small_group_rule(make_addresses, small_areas):
    m = public_map(make_addresses([(X0, Y0, 6)]), small_areas, min_cell_count=5)
    html = m.get_root().render()
    assert _planned(html) == {"O-1": None, "O-2": 5}  # 4 households: no figure
    assert "O-3" not in html  # not chosen


def test_without_chosen_areas_the_layer_is_empty(make_addresses, small_areas):
    areas = small_areas.assign(valgt=False)
    html = public_map(make_addresses([(X0, Y0, 6)]), areas).get_root().render()
    assert "Planlagt utbygging" in html and "O-1" not in html


def test_address_search_shows_each_operator_as_the_input_names_it(make_addresses, small_layers):
    addresses = make_addresses([(X0, Y0, 5)], best_down_kbps=[50_000] * 5)
    rows = entries(address_index(addresses, small_layers))
    assert [r["tekst"] for r in rows] == [f"Testvegen {i}" for i in range(1, 6)]
    assert rows[0]["postnummer"] == "0001" and rows[0]["fast"] == "30–100 Mbit/s"
    assert rows[0]["mobil"] == "Ice-Net: ingen; Telenor: innendørs"
    assert rows[1]["mobil"] == "Ice-Net: med utendørsantenne; Telenor: innendørs"
    assert rows[0]["tilbydere"] == "Telenor" and rows[0]["teknologi"] == "DSL (kobber)"
    assert rows[0]["nokkel"] == "testvegen|1|0001" and rows[0]["lenke"] == "testvegen-1-0001"
    lon, lat = Transformer.from_crs(WORK_CRS, WEB_CRS, always_xy=True).transform(X0 + 125, Y0 + 125)
    assert [rows[0]["lat"], rows[0]["lon"]] == [round(lat, 5), round(lon, 5)]
    assert entries(address_index(addresses))[0]["mobil"] == ""  # no mobile layers
    index = address_index(addresses, small_layers)
    # What the addresses show is kept once per distinct profile, a number per address.
    assert index["profiler"] == [
        ["30to100", [0, 3], "Telenor", "dsl", ""],
        ["30to100", [1, 3], "Telenor", "dsl", ""],
        ["30to100", [2, 3], "Telenor", "dsl", ""],
        ["30to100", [3, 3], "Telenor", "dsl", ""],
    ]
    assert index["profil"] == [0, 1, 2, 3, 0] and index["gater"] == [["Testvegen", "testvegen"]]
    assert index["rest"] == [1, 2, 3, 4, 5] and index["dlat"][1:] == [0, 0, 0, 0]
    nn = entries(index, "nn")[0]
    assert nn["fast"] == "30–100 Mbit/s" and nn["teknologi"] == "DSL (kopar)"
    assert nn["mobil"] == "Ice-Net: inga; Telenor: innandørs"
    assert entries(index, "en")[1]["mobil"] == "Ice-Net: with an outdoor antenna; Telenor: indoors"


def test_the_compact_index_gives_back_every_address(default_result):
    cls = default_result.classified
    cls = cls.assign(adressetekst=cls["adressetekst"].astype(str))
    odd = cls.index[:3]
    cls.loc[odd, "adressetekst"] = ["Storgt.  7 b", "12 Sjøvegen", "Dalføret"]  # not "gate rest"
    index = address_index(cls, default_result.mobile_layers)
    rows = records(index)
    assert [r["tekst"] for r in rows] == cls["adressetekst"].tolist()
    assert [r["nokkel"] for r in rows] == search_keys(cls["adressetekst"], cls["postnummer"])
    web = cls.to_crs(WEB_CRS)
    assert [r["lat"] for r in rows] == web.geometry.y.round(5).tolist()
    assert [r["lon"] for r in rows] == web.geometry.x.round(5).tolist()
    keys = pd.Series([r["nokkel"] for r in rows])
    assert [r["lenke"] for r in rows] == share_ids(keys).tolist()
    assert [r["klasse"] for r in rows] == cls["speed_class"].tolist()
    assert index["gater"][index["gate"][1]][0] == "12 Sjøvegen"  # no number after the street


def test_only_planned_areas_are_named_at_an_address(make_addresses):
    addresses = make_addresses([(X0, Y0, 3)]).assign(area_id=["O-1", "O-3", ""])
    rows = entries(address_index(addresses, planned_areas=["O-1"]))
    assert [r["omrade"] for r in rows] == ["O-1", "", ""]


def test_search_keys_follow_the_survey_geocoder():
    keys = search_keys(["Storgt. 12 B", "Stølsveien 3", "Dalføret"], ["7395", "7396", "7395"])
    assert keys == ["storgata|12b|7395", "stolsvegen|3|7396", "dalforet||7395"]


def test_share_ids_are_plain_unique_and_not_the_register_id(make_addresses):
    keys = pd.Series(
        ["storgata|1|7395", "storgata|1|7395", '"><img src|x|0001', "aerovegen|2|7396"]
    )
    assert share_ids(keys).tolist() == [
        "storgata-1-7395",
        "storgata-1-7395-2",
        "img-src-x-0001",
        "aerovegen-2-7396",
    ]
    addresses = make_addresses([(X0, Y0, 2)]).assign(adressetekst="Storgt. 1")
    index = address_index(addresses)
    assert index["lenke"] == {}  # the page numbers repeats itself (index version 3)
    assert [r["lenke"] for r in entries(index)] == ["storgata-1-0001", "storgata-1-0001-2"]


def test_data_note_dates_the_data_in_each_language():
    assert data_note(dt.date(2026, 10, 1)) == "Dekningsdata per 1. oktober 2026."
    made = data_note(None, made=dt.date(2026, 11, 25))
    assert made == "Kartet ble laget 25. november 2026 fra de nyeste dekningsdataene."
    made = data_note(None, made=dt.date(2026, 11, 25), lang="nn")
    assert made == "Kartet vart laga 25. november 2026 frå dei nyaste dekningsdataa."
    assert data_note(dt.date(2026, 10, 1), lang="en") == "Coverage data as of 1 October 2026."


def test_public_page_is_bokmal_and_can_be_zoomed(make_addresses, small_areas):
    html = public_map(make_addresses([(X0, Y0, 6)]), small_areas).get_root().render()
    assert html.startswith('<!DOCTYPE html>\n<html lang="nb">')
    assert "user-scalable=no" not in html and "maximum-scale" not in html
    # The search is the first thing in the body: the first stop of the tab order.
    body = html[html.index("<body>") :]
    assert body.index('id="dekning-q"') < body.index('class="folium-map"')
    assert "Kartet ble laget" in html or "Dekningsdata per" in html


def test_no_place_is_in_two_public_cells(default_result):
    cells = _without_overlap(cell_layer_frame(default_result.classified, min_count=5))
    work = cells.to_crs(WORK_CRS)
    assert set(cells["rute_m"]) == {250, 1000}
    # No overlap: the cells' areas add up to the area they cover together.
    assert work.area.sum() - shapely.union_all(work.geometry.to_numpy()).area < 1.0
    km = work[work["rute_m"] == 1000]
    assert (km.area < 1_000_000 - 1).any()  # some 1 km cells have 250 m holes


@pytest.mark.parametrize(
    ("frame", "named"),
    [
        ("classified", "classified addresses (public map)"),
        ("areas", "build-out areas (public map)"),
    ],
)
def test_a_frame_in_web_crs_is_refused_by_name(make_addresses, small_areas, frame, named):
    inputs = {"classified": make_addresses([(X0, Y0, 6)]), "areas": small_areas}
    inputs[frame] = inputs[frame].to_crs("EPSG:4326")
    with pytest.raises(InputError, match=r"EPSG:4326, forventet EPSG:25833") as err:
        public_map(inputs["classified"], inputs["areas"])
    assert named in str(err.value)


def test_address_index_refuses_web_crs(make_addresses):
    with pytest.raises(InputError, match=r"classified addresses \(public map\).*EPSG:4326"):
        address_index(make_addresses([(X0, Y0, 1)]).to_crs("EPSG:4326"))


def test_explanation_describes_how_planned_areas_look(maps_dir):
    html = (maps_dir / "kart_offentlig.html").read_text(encoding="utf-8")
    assert "Skraverte grønne områder med stiplet kant er planlagt bygget ut" in html
    assert "dashArray" in html and '"fillColor": "url(#dekning-skravur)"' in html
    assert '<pattern id="dekning-skravur"' in html


def test_missing_columns_are_refused_by_name(make_addresses, small_areas, small_layers):
    addresses = make_addresses([(X0, Y0, 6)])
    with pytest.raises(InputError, match=r"build-out areas \(public map\)") as err:
        public_map(addresses, small_areas.drop(columns="valgt"))
    assert err.value.field == "valgt"
    with pytest.raises(InputError, match=r"classified addresses \(public map\)") as err:
        address_index(addresses.drop(columns="mob_Ice-Net"), small_layers)
    assert err.value.field == "mob_Ice-Net"
