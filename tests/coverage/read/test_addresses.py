"""Readers of the address register, fixed coverage, polygons and consultation lists:
real Kartverket rows, and small hand-made files whose right answer is known."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from dekning.coverage.read.addresses import read_address_counts, read_addresses, read_boundary
from dekning.coverage.read.consultation import read_consultation_list
from dekning.coverage.read.fixed import read_coverage_polygons, read_fixed_coverage
from dekning.errors import InputError
from dekning.report import RunReport

EIDSBERG = "kartverket-adresser-eksempel/adresser_0125_eidsberg.csv"


def test_real_kartverket_rows(shared_data):
    src = shared_data / EIDSBERG
    gdf = read_addresses(src)
    raw = pd.read_csv(src, sep=";", dtype=str)
    assert len(gdf) == len(raw) == 13
    assert gdf.crs.to_epsg() == 25833
    # The 2019 layout has no adresseId: the id comes from lokalid.
    assert gdf["adrid"].tolist() == raw["lokalid"].astype("int64").tolist()
    assert gdf["adressetekst"].iloc[0] == "Bergheimveien 10B"
    assert (gdf["kommunenummer"] == "0125").all()  # leading zero kept
    assert gdf["postnummer"].tolist() == raw["postnummer"].tolist()
    assert gdf["postnummer"].iloc[0] == "1850"
    assert gdf["grunnkrets"].iloc[0] == "01250508"
    np.testing.assert_allclose(gdf.geometry.x, raw["Øst"].astype(float))
    np.testing.assert_allclose(gdf.geometry.y, raw["Nord"].astype(float))


def test_windows_1252_and_comma_csv_read_the_same(shared_data, tmp_path):
    src = shared_data / EIDSBERG
    text = src.read_text(encoding="utf-8")
    cp = tmp_path / "cp1252.csv"
    cp.write_bytes(text.encode("cp1252"))
    comma = tmp_path / "comma.csv"
    comma.write_text(text.replace(";", ","), encoding="utf-8-sig")  # with BOM
    base = read_addresses(src)
    for path in (cp, comma):
        other = read_addresses(path)
        pd.testing.assert_frame_equal(
            pd.DataFrame(other.drop(columns="geometry")),
            pd.DataFrame(base.drop(columns="geometry")),
        )
        assert other.geometry.equals(base.geometry)
    assert "KIRKÅS/ENGA" in text and read_addresses(cp)["adressetekst"].notna().all()


def _csv(
    tmp_path: Path,
    rows: list[str],
    header: str = "adresseId;adressenavn;nummer;bokstav;postnummer;EPSG-kode;Nord;Øst",
) -> Path:
    p = tmp_path / "adr.csv"
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def test_other_utm_zone_is_reprojected(tmp_path):
    to32 = Transformer.from_crs(25833, 25832, always_xy=True)
    e32, n32 = to32.transform(270_000.0, 7_000_000.0)
    p = _csv(
        tmp_path,
        [
            f"1;Storgata;1;;7395;25832;{n32:.3f};{e32:.3f}",
            "2;Storgata;2;;7395;25833;7000100;270100",
        ],
    )
    gdf = read_addresses(p)
    assert gdf.geometry.x.iloc[0] == pytest.approx(270_000.0, abs=0.01)
    assert gdf.geometry.y.iloc[0] == pytest.approx(7_000_000.0, abs=0.01)
    assert gdf.geometry.x.iloc[1] == 270_100.0


def test_swapped_axes_are_an_error(tmp_path):
    p = _csv(
        tmp_path,
        ["1;Storgata;1;;7395;25833;270000;7000000", "2;Storgata;2;;7395;25833;270100;7000100"],
    )
    with pytest.raises(InputError) as exc:
        read_addresses(p)
    assert "swapped" in str(exc.value)
    assert exc.value.row == 1 and exc.value.field == "Nord"


def test_addresses_outside_norway_are_counted_and_dropped(tmp_path):
    p = _csv(
        tmp_path,
        ["1;Storgata;1;;7395;25833;7000000;270000", "2;Storgata;2;;7395;25833;5000000;270000"],
    )
    report = RunReport()
    gdf = read_addresses(p, report)
    assert gdf["adrid"].tolist() == [1]
    assert "addresses_outside_norway" in report.codes()


def test_duplicate_ids_name_the_row(tmp_path):
    p = _csv(
        tmp_path,
        [
            "1;A;1;;7395;25833;7000000;270000",
            "2;A;2;;7395;25833;7000000;270010",
            "1;A;3;;7395;25833;7000000;270020",
        ],
    )
    with pytest.raises(InputError) as exc:
        read_addresses(p)
    assert exc.value.row == 3 and exc.value.field == "adresseId"
    assert "duplicate address id 1 (first seen in row 1" in str(exc.value)


def test_missing_id_column_lists_what_the_file_has(tmp_path):
    p = _csv(
        tmp_path,
        ["A;1;;7395;25833;7000000;270000"],
        header="adressenavn;nummer;bokstav;postnummer;EPSG-kode;Nord;Øst",
    )
    with pytest.raises(InputError, match=r"missing column.*adresseId.*the file has: adressenavn"):
        read_addresses(p)


def test_coordinates_without_crs_need_config(tmp_path):
    p = _csv(
        tmp_path,
        ["1;A;1;;7395;7000000;270000"],
        header="adresseId;adressenavn;nummer;bokstav;postnummer;Nord;Øst",
    )
    with pytest.raises(InputError, match="addresses_epsg"):
        read_addresses(p)
    assert read_addresses(p, epsg=25833).geometry.x.iloc[0] == 270_000


def test_geojson_in_lonlat_is_reprojected(tmp_path):
    p = tmp_path / "a.geojson"
    gpd.GeoDataFrame(
        {"adresseId": [5, 6]}, geometry=shapely.points([10.4, 10.5], [63.4, 63.45]), crs=4326
    ).to_file(p)
    gdf = read_addresses(p)
    x, y = Transformer.from_crs(4326, 25833, always_xy=True).transform(10.4, 63.4)
    assert gdf.geometry.x.iloc[0] == pytest.approx(x) and gdf.geometry.y.iloc[0] == pytest.approx(y)


def _fbb(tmp_path: Path, rows: list[str]) -> Path:
    p = tmp_path / "fbb.csv"
    p.write_text("adrid;tilb;tek;ned;opp;hc\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_fixed_coverage_kbps(tmp_path):
    df = read_fixed_coverage(
        _fbb(tmp_path, ["1;Telenor;fiber;1000000;1000000;true", "2;Telenor;VDSL;20000;2000;false"])
    )
    assert df["tek"].tolist() == ["fiber", "dsl"]
    assert df["ned"].tolist() == [1_000_000, 20_000]
    assert df["hc"].tolist() == [True, False]


def test_speeds_in_mbps_are_detected(tmp_path):
    p = _fbb(tmp_path, ["1;Telenor;fiber;1000;1000;true", "2;Telenor;dsl;20;2;false"])
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(p)
    assert "look like Mbit/s" in str(exc.value) and exc.value.field == "ned"
    assert read_fixed_coverage(p, speed_unit="Mbit/s")["ned"].tolist() == [1_000_000, 20_000]


def test_unknown_technology_names_row_and_field(tmp_path):
    p = _fbb(
        tmp_path, ["1;Telenor;fiber;1000000;1000000;true", "2;Telenor;laser;100000;100000;false"]
    )
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(p)
    assert exc.value.row == 2 and exc.value.field == "tek" and "'laser'" in str(exc.value)


def test_negative_and_non_numeric_speeds(tmp_path):
    with pytest.raises(InputError, match="negative speed"):
        read_fixed_coverage(_fbb(tmp_path, ["1;T;fiber;1000000;-5;true"]))
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(
            _fbb(tmp_path, ["1;T;fiber;1000000;1000000;true", "2;T;fiber;fast;1;true"])
        )
    assert exc.value.row == 2 and exc.value.field == "ned"


def test_duplicate_coverage_rows_keep_fastest_and_are_counted(tmp_path):
    report = RunReport()
    df = read_fixed_coverage(
        _fbb(tmp_path, ["1;T;fiber;500000;500000;true", "1;T;fiber;1000000;1000000;true"]), report
    )
    assert df["ned"].tolist() == [1_000_000]
    assert "fixed_coverage_duplicates" in report.codes()


def test_missing_coverage_column(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("adrid;tilb;ned;opp\n1;T;1;1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing column.*tek"):
        read_fixed_coverage(p)


def test_coverage_polygons_join_to_addresses(tmp_path):
    addr = gpd.GeoDataFrame(
        {"adrid": [1, 2]},
        geometry=shapely.points([270_050, 271_000], [7_000_050, 7_000_000]),
        crs=25833,
    )
    poly = gpd.GeoDataFrame(
        {"tilb": ["Lokalnett"], "tek": ["fiber"], "ned": [1_000_000], "opp": [1_000_000]},
        geometry=[shapely.box(270_000, 7_000_000, 270_100, 7_000_100)],
        crs=25833,
    ).to_crs(4326)
    p = tmp_path / "poly.geojson"
    poly.to_file(p)
    df = read_coverage_polygons(p, addr)
    assert df["adrid"].tolist() == [1] and df["tek"].tolist() == ["fiber"]


def test_consultation_list_and_counts(tmp_path):
    p = tmp_path / "Mangler_100Mbit.csv"
    p.write_text(
        "adresseid,adressenavn,postnr\n10,A,7395\n11,B,7395\n10,A,7395\n", encoding="cp1252"
    )
    assert read_consultation_list(p)["adrid"].tolist() == [10, 11]
    c = tmp_path / "c.csv"
    c.write_text("adrid;hus;fritid\n10;2;0\n11;;1\n", encoding="utf-8")
    counts = read_address_counts(c)
    assert counts["hus"].tolist() == [2, 0] and counts["fritid"].tolist() == [0, 1]
    assert counts["naering"].tolist() == [0, 0]


def test_real_invalid_boundaries_are_repaired(shared_data):
    report = RunReport()
    gdf = read_boundary(shared_data / "kommuner" / "trondelag_kommuner_2024_M.geojson", report)
    assert gdf.crs.to_epsg() == 25833 and gdf.geometry.is_valid.all()
    assert len(gdf) == 38
    warn = [w for w in report.warnings if w.code == "invalid_boundary_repaired"]
    assert warn and warn[0].count == 5  # as documented in the data's PROVENANCE
