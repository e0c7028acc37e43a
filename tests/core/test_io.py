"""Shared readers: tables in any of the usual encodings and separators, numbers with decimal
commas, vectors in any CRS; every deliberate error with its message, file, row and field."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dekning.errors import InputError
from dekning.io import (
    find_column,
    map_values,
    read_lines,
    read_table,
    read_vector,
    require_columns,
    sniff_delimiter,
    to_booleans,
    to_numbers,
)


def test_tables_keep_leading_zeros_in_any_encoding_and_separator(tmp_path):
    text = "postnummer;kommune;navn\n0150;0301;Øvre Slottsgate\n"
    for name, encoding, sep in (("a.csv", "utf-8-sig", ";"), ("b.csv", "cp1252", ",")):
        p = tmp_path / name
        p.write_bytes(text.replace(";", sep).encode(encoding))
        df = read_table(p)
        assert df.columns.tolist() == ["postnummer", "kommune", "navn"]
        assert df.iloc[0].tolist() == ["0150", "0301", "Øvre Slottsgate"]


def test_numeric_columns_fall_back_to_text_when_a_value_does_not_parse(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("id;x\n1;2,5\n2;3\n", encoding="utf-8")
    df = read_table(p, numeric=("x",), columns=("X",))
    assert df.columns.tolist() == ["x"]
    assert to_numbers(df["x"], file=p, field="x").tolist() == [2.5, 3.0]


def test_sniff_delimiter():
    assert sniff_delimiter("a;b;c") == ";" and sniff_delimiter("a,b") == ","
    assert sniff_delimiter("a\tb") == "\t" and sniff_delimiter("single") == ";"


def test_missing_empty_and_unreadable_tables(tmp_path):
    missing = tmp_path / "none.csv"
    with pytest.raises(InputError) as exc:
        read_table(missing, what="address counts")
    assert exc.value.message == "fant ikke fila (address counts)" and exc.value.file == str(missing)
    empty = tmp_path / "empty.csv"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_table(empty, what="survey export")
    assert exc.value.message == "fila er tom (survey export)" and exc.value.file == str(empty)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a;b\n1;2\n3;4;5\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_table(ragged, what="fixed coverage")
    assert exc.value.message.startswith("kan ikke lese fixed coverage: CSV parse error")
    assert exc.value.file == str(ragged) and exc.value.line is None and exc.value.field is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", " 2,5 ", "1 000", ""], [1.0, 2.5, 1000.0, np.nan]),
        ([1, 2.5, None], [1.0, 2.5, np.nan]),
    ],
)
def test_numbers_with_decimal_commas_and_spaces(values, expected):
    got = to_numbers(pd.Series(values), file="f.csv", field="x")
    np.testing.assert_array_equal(got.to_numpy(), np.array(expected))


def test_number_errors_name_row_and_field():
    with pytest.raises(InputError) as exc:
        to_numbers(pd.Series(["1", "2", "tre"]), file="f.csv", field="hus")
    err = exc.value
    assert (err.message, err.file, err.line, err.field) == (
        "ikke et tall: 'tre'",
        "f.csv",
        4,
        "hus",
    )
    with pytest.raises(InputError) as exc:
        to_numbers(pd.Series(["1", ""]), file="f.csv", field="adrid", integer=True)
    err = exc.value
    assert (err.message, err.file, err.line, err.field) == ("tom verdi", "f.csv", 3, "adrid")
    with pytest.raises(InputError) as exc:
        to_numbers(pd.Series([1.0, 2.5]), file="f.csv", field="adrid", integer=True)
    err = exc.value
    assert (err.message, err.line, err.field) == ("ikke et heltall: 2.5", 3, "adrid")
    with pytest.raises(InputError) as exc:
        to_numbers(pd.Series(["7", "1,5"]), file="f.csv", field="adrid", integer=True)
    assert (exc.value.message, exc.value.line) == ("ikke et heltall: 1.5", 3)
    whole = to_numbers(pd.Series(["7", "8"]), file="f.csv", field="adrid", integer=True)
    assert whole.dtype == "int64" and whole.tolist() == [7, 8]


def test_columns_by_any_accepted_name():
    df = pd.DataFrame(columns=["AdresseId", "Hus"])
    assert find_column(df, ("adrid", "adresseid")) == "AdresseId"
    assert find_column(df, ("pers",)) is None
    assert require_columns(df, {"adrid": ("adresseId",)}, file="c.csv", what="counts") == {
        "adrid": "AdresseId"
    }
    with pytest.raises(InputError) as exc:
        require_columns(
            df, {"hus": ("Hus",), "pers": ("pers", "bosatte")}, file="c.csv", what="counts"
        )
    err = exc.value
    assert err.message == (
        "counts: mangler kolonne(r) pers (en av: pers, bosatte); fila har: AdresseId, Hus"
    )
    assert (err.file, err.line, err.field) == ("c.csv", None, "pers")


def test_map_values():
    got = map_values(pd.Series(["fiber", "dsl", None, "laser"]), {"fiber": 7, "dsl": 4}, 0)
    assert got.tolist() == [7, 4, 0, 0]


def test_vectors_are_reprojected_and_repaired(tmp_path):
    bowtie = shapely.Polygon([(10.0, 60.0), (10.1, 60.1), (10.1, 60.0), (10.0, 60.1)])
    p = tmp_path / "v.geojson"
    gpd.GeoDataFrame({"id": [1]}, geometry=[bowtie], crs=4326).to_file(p)
    gdf = read_vector(p, "boundary", repair=True)
    assert gdf.crs.to_epsg() == 25833 and gdf.geometry.is_valid.all()
    assert gdf.attrs["repaired"] == 1
    assert 200_000 < gdf.total_bounds[0] < 300_000  # UTM 33 easting of 10° E at 60° N


def test_vector_errors(tmp_path):
    missing = tmp_path / "none.gpkg"
    with pytest.raises(InputError) as exc:
        read_vector(missing, "roads")
    assert exc.value.message == "fant ikke fila (roads)" and exc.value.file == str(missing)
    broken = tmp_path / "broken.gpkg"
    broken.write_text("no", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_vector(broken, "roads")
    assert exc.value.message.startswith("kan ikke lese roads:") and exc.value.file == str(broken)
    no_crs = tmp_path / "nocrs.gpkg"
    line = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.LineString([(0, 0), (1, 1)])])
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        line.to_file(no_crs)
    with pytest.raises(InputError) as exc:
        read_vector(no_crs, "ducts")
    assert exc.value.message.startswith(
        "ducts: ikke noe koordinatsystem"
    ) and exc.value.file == str(no_crs)
    assert exc.value.line is None and exc.value.field is None


def test_lines_only(tmp_path):
    p = tmp_path / "lines.gpkg"
    geoms = [
        shapely.MultiLineString([[(270_000, 7_000_000), (270_100, 7_000_000)], [(0, 0), (1, 1)]]),
        shapely.Point(270_000, 7_000_000),
    ]
    gpd.GeoDataFrame({"id": [1, 2]}, geometry=geoms, crs=25833).to_file(p)
    lines = read_lines(p, "roads")
    assert lines.geom_type.tolist() == ["LineString", "LineString"]
    assert lines.columns.tolist() == ["geometry"]
    points = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(0, 0)], crs=25833).to_file(points)
    with pytest.raises(InputError) as exc:
        read_lines(points, "roads")
    assert exc.value.message == "roads: ingen linjer med lengde (fant Point)"
    assert exc.value.file == str(points) and exc.value.line is None and exc.value.field is None


def test_yes_and_no_as_files_write_them():
    words = ["True", "false", " JA ", "nei", "1", "0", "1.0", "SANN", "usann", "yes", "No", "t"]
    got = to_booleans(pd.Series(words), file="f.csv", field="x")
    assert got.dtype == bool
    assert got.tolist() == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        True,
        False,
        True,
        False,
        True,
    ]
    parquet = pd.Series([True, False, None], dtype=object)  # a Parquet bool column with a gap
    assert to_booleans(parquet, file="f.parquet", field="x", empty=False).tolist() == [
        True,
        False,
        False,
    ]
    assert to_booleans(pd.Series(["", "ja"]), file="f.csv", field="x", empty=True).tolist() == [
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("values", "line", "shown"),
    [
        (["ja", "kanskje"], 3, "'kanskje'"),
        (["", "ja"], 2, "en tom verdi"),
        (["ja", None], 3, "en tom verdi"),
    ],
)
def test_a_value_that_is_neither_yes_nor_no_names_file_line_and_field_in_bokmal(
    values, line, shown
):
    with pytest.raises(InputError) as err:
        to_booleans(
            pd.Series(values, dtype=object),
            file="adr.csv",
            field="ertett",
            meaning="ja: i et tettsted",
        )
    assert (err.value.file, err.value.line, err.value.field) == ("adr.csv", line, "ertett")
    assert str(err.value) == (
        f"adr.csv, linje {line}, felt 'ertett': må være ja eller nei (ja: i et tettsted): "
        f"True/False, ja/nei, sann/usann eller 1/0; fant {shown}"
    )


def test_yes_no_errors_in_a_vector_file_name_the_feature():
    with pytest.raises(InputError, match=r"omr\.geojson, objekt 2, felt 'x'"):
        to_booleans(pd.Series(["ja", "tja"]), file="omr.geojson", field="x", feature=True)


def test_parquet_reads_only_the_columns_asked_for_with_their_types(tmp_path):
    import pandas as pd

    from dekning.io import read_table

    path = tmp_path / "fbb.parquet"
    pd.DataFrame(
        {"ADRID": [1, 2], "tilb": ["a", "b"], "ned": [10, 20], "unused_wide": ["x" * 50] * 2}
    ).to_parquet(path)
    got = read_table(path, parquet_columns=("adrid", "tilb", "ned", "opp"))
    assert list(got.columns) == ["ADRID", "tilb", "ned"]
    assert got["ned"].dtype.kind == "i"  # types kept, not text
    assert list(read_table(path).columns) == ["ADRID", "tilb", "ned", "unused_wide"]
    # none of the names there: every column, so the reader's check can name what is missing
    assert len(read_table(path, parquet_columns=("nothing",)).columns) == 4
