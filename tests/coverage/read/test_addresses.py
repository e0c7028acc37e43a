"""Reading the address register, the counts per address and the boundary: real Kartverket rows,
and small hand-made files whose right answer is known. Every deliberate error is checked for its
message, file, row and field."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from dekning.coverage.read.addresses import read_addresses, read_boundary
from dekning.coverage.read.counts import read_address_counts
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
    assert "koordinatene ser ombyttet ut: 'Nord' har 270000" in str(exc.value)
    assert exc.value.file == str(p) and exc.value.line == 2 and exc.value.field == "Nord"


def test_addresses_outside_norway_are_counted_and_dropped(tmp_path):
    p = _csv(
        tmp_path,
        ["1;Storgata;1;;7395;25833;7000000;270000", "2;Storgata;2;;7395;25833;5000000;270000"],
    )
    report = RunReport()
    gdf = read_addresses(p, report)
    assert gdf["adrid"].tolist() == [1]
    assert "addresses_outside_norway" in report.codes()
    assert report.warnings[0].examples == ["linje 3"]  # as the spreadsheet numbers it


def test_vector_register_names_the_feature(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"adresseId": [1, 2, 1]},
        geometry=shapely.points([270_000, 270_100, 270_200], [7_000_000] * 3),
        crs=25833,
    )
    p = tmp_path / "adr.geojson"
    gdf.to_file(p)
    with pytest.raises(InputError) as exc:
        read_addresses(p)
    assert str(exc.value).startswith(f"{p}, objekt 3, felt 'adresseId': adresse-id 1 finnes")
    assert "første gang på objekt 1" in str(exc.value)


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
    assert exc.value.file == str(p) and exc.value.line == 4 and exc.value.field == "adresseId"
    assert "adresse-id 1 finnes to ganger (første gang på linje 2; 1 gjentatte rader i alt)" in str(
        exc.value
    )


def test_missing_id_column_lists_what_the_file_has(tmp_path):
    p = _csv(
        tmp_path,
        ["A;1;;7395;25833;7000000;270000"],
        header="adressenavn;nummer;bokstav;postnummer;EPSG-kode;Nord;Øst",
    )
    with pytest.raises(
        InputError, match=r"mangler kolonne.*adresseId.*fila har: adressenavn"
    ) as exc:
        read_addresses(p)
    assert exc.value.file == str(p) and exc.value.line is None and exc.value.field == "adrid"


def test_coordinates_without_crs_need_config(tmp_path):
    p = _csv(
        tmp_path,
        ["1;A;1;;7395;7000000;270000"],
        header="adresseId;adressenavn;nummer;bokstav;postnummer;Nord;Øst",
    )
    with pytest.raises(
        InputError, match=r"legg til kolonnen 'EPSG-kode' eller sett input\.addresses_epsg"
    ) as exc:
        read_addresses(p)
    assert exc.value.file == str(p) and exc.value.line is None and exc.value.field == "Nord"
    assert read_addresses(p, epsg=25833).geometry.x.iloc[0] == 270_000


def test_geojson_in_lonlat_is_reprojected(tmp_path):
    p = tmp_path / "a.geojson"
    gpd.GeoDataFrame(
        {"adresseId": [5, 6]}, geometry=shapely.points([10.4, 10.5], [63.4, 63.45]), crs=4326
    ).to_file(p)
    gdf = read_addresses(p)
    x, y = Transformer.from_crs(4326, 25833, always_xy=True).transform(10.4, 63.4)
    assert gdf.geometry.x.iloc[0] == pytest.approx(x) and gdf.geometry.y.iloc[0] == pytest.approx(y)


def test_real_invalid_boundaries_are_repaired(shared_data):
    report = RunReport()
    gdf = read_boundary(shared_data / "kommuner" / "trondelag_kommuner_2024_M.geojson", report)
    assert gdf.crs.to_epsg() == 25833 and gdf.geometry.is_valid.all()
    assert len(gdf) == 38
    warn = [w for w in report.warnings if w.code == "invalid_boundary_repaired"]
    assert warn and warn[0].count == 5  # as documented in the data's PROVENANCE


def _raises(path: Path, **kwargs) -> InputError:
    with pytest.raises(InputError) as exc:
        read_addresses(path, **kwargs)
    return exc.value


def test_no_coordinate_columns(tmp_path):
    p = _csv(tmp_path, ["1;A;1;;7395"], header="adresseId;adressenavn;nummer;bokstav;postnummer")
    err = _raises(p)
    assert "ingen koordinatkolonner: ventet 'Nord' og 'Øst'" in err.message
    assert err.file == str(p) and err.line is None and err.field is None


def test_empty_coordinate_names_row_and_field(tmp_path):
    p = _csv(tmp_path, ["1;A;1;;7395;25833;7000000;270000", "2;A;2;;7395;25833;;270010"])
    err = _raises(p)
    assert err.message == "tom koordinat"
    assert err.file == str(p) and err.line == 3 and err.field == "Nord"


def test_unknown_epsg_code(tmp_path):
    p = _csv(tmp_path, ["1;A;1;;7395;25833;7000000;270000", "2;A;2;;7395;99999;7000000;270010"])
    err = _raises(p)
    assert err.message == "ukjent EPSG-kode 99999"
    assert err.file == str(p) and err.line == 3 and err.field == "EPSG-kode"


def test_latitude_and_longitude_swapped(tmp_path):
    header = "adresseId;adressenavn;nummer;bokstav;postnummer;lat;lon"
    p = _csv(tmp_path, ["1;A;1;;7395;10.4;63.4", "2;A;2;;7395;10.5;63.5"], header=header)
    err = _raises(p)
    assert "breddegrad og lengdegrad står i hverandres kolonne" in err.message
    assert err.file == str(p) and err.line == 2 and err.field == "lat"


def test_lat_lon_columns_are_reprojected(tmp_path):
    header = "adresseId;adressenavn;nummer;bokstav;postnummer;lat;lon"
    p = _csv(tmp_path, ["1;A;1;;7395;63,4;10,4"], header=header)
    x, y = Transformer.from_crs(4326, 25833, always_xy=True).transform(10.4, 63.4)
    gdf = read_addresses(p)
    assert gdf.geometry.x.iloc[0] == pytest.approx(x) and gdf.geometry.y.iloc[0] == pytest.approx(y)


def test_no_address_in_norway(tmp_path):
    p = _csv(tmp_path, ["1;A;1;;7395;25833;5000000;270000"])
    err = _raises(p)
    assert err.message.startswith("ingen adresse ligger i Norge etter omregning til EPSG:25833")
    assert err.file == str(p) and err.line is None and err.field == "Nord"


def test_vector_register_missing_unreadable_or_without_crs(tmp_path):
    missing = tmp_path / "none.gpkg"
    err = _raises(missing)
    assert err.message == "fant ikke fila (adresseregisteret)" and err.file == str(missing)
    broken = tmp_path / "broken.gpkg"
    broken.write_text("not a geopackage", encoding="utf-8")
    err = _raises(broken)
    assert err.message.startswith("kan ikke lese adresseregisteret:") and err.file == str(broken)
    assert err.line is None and err.field is None
    no_crs = tmp_path / "nocrs.parquet"
    gpd.GeoDataFrame(
        {"adresseId": [1]}, geometry=shapely.points([270_000], [7_000_000])
    ).to_parquet(no_crs)
    err = _raises(no_crs)
    assert err.message.startswith("adresselaget har ikke koordinatsystem") and err.file == str(
        no_crs
    )
    assert err.line is None and err.field == "crs"


def test_polygon_register_uses_a_point_inside(tmp_path):
    p = tmp_path / "bygg.gpkg"
    gpd.GeoDataFrame(
        {"adresseId": [7]},
        geometry=[shapely.box(270_000, 7_000_000, 270_020, 7_000_010)],
        crs=25833,
    ).to_file(p)
    gdf = read_addresses(p)
    assert gdf["adrid"].tolist() == [7] and gdf.geom_type.tolist() == ["Point"]
    assert shapely.box(270_000, 7_000_000, 270_020, 7_000_010).contains(gdf.geometry.iloc[0])


def _counts(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "c.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_count_errors_name_row_and_field(tmp_path):
    frac = _counts(tmp_path, "adrid;hus\n10;2\n11;1,5\n")
    with pytest.raises(InputError) as exc:
        read_address_counts(frac)
    assert exc.value.message == "ikke et heltall: 1.5"
    assert exc.value.file == str(frac) and exc.value.line == 3 and exc.value.field == "hus"
    neg = _counts(tmp_path, "adrid;hus;fritid\n10;2;0\n11;1;-1\n")
    with pytest.raises(InputError) as exc:
        read_address_counts(neg)
    assert exc.value.message == "negativt antall -1"
    assert exc.value.file == str(neg) and exc.value.line == 3 and exc.value.field == "fritid"
    dup = _counts(tmp_path, "adrid;hus\n10;2\n11;1\n10;3\n")
    with pytest.raises(InputError) as exc:
        read_address_counts(dup)
    assert exc.value.message == "adresse-id 10 finnes to ganger"
    assert exc.value.file == str(dup) and exc.value.line == 4 and exc.value.field == "adrid"


def test_counts_per_address(tmp_path):
    c = _counts(tmp_path, "adrid;hus;fritid\n10;2;0\n11;;1\n")
    counts = read_address_counts(c)
    assert counts["adrid"].tolist() == [10, 11]
    assert counts["hus"].tolist() == [2, 0] and counts["fritid"].tolist() == [0, 1]
    assert counts["naering"].tolist() == [0, 0]


def test_errors_of_lat_lon_files_name_their_columns(tmp_path):
    header = "adresseId;adressenavn;nummer;bokstav;postnummer;breddegrad;lengdegrad"
    p = _csv(tmp_path, ["1;A;1;;7395;40,0;10,0"], header=header)  # in the Mediterranean
    err = _raises(p)
    assert err.message.startswith("ingen adresse ligger i Norge")
    assert err.file == str(p) and err.line is None and err.field == "breddegrad"
