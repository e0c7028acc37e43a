"""Reading operators' fixed coverage: Nkom's per-address rows and coverage polygons, on small
hand-made files whose right answer is known."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from dekning.coverage.read.fixed import read_coverage_polygons, read_fixed_coverage
from dekning.errors import InputError
from dekning.report import RunReport


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


def test_hc_words_as_spreadsheets_write_them_and_empty_is_no(tmp_path):
    rows = ["1;T;fiber;1000000;1000000;SANN", "2;T;dsl;20000;2000;Nei", "3;T;dsl;20000;2000;"]
    rows += ["4;T;dsl;20000;2000;ja", "5;T;dsl;20000;2000;0"]
    df = read_fixed_coverage(_fbb(tmp_path, rows))
    assert df["hc"].tolist() == [True, False, False, True, False]


def test_an_hc_that_is_neither_yes_nor_no_names_file_line_and_field(tmp_path):
    # Read as False before, silently: a typo must not turn homes connected into homes passed.
    p = _fbb(tmp_path, ["1;T;fiber;1000000;1000000;true", "2;T;dsl;20000;2000;kanskje"])
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(p)
    assert exc.value.file == str(p) and exc.value.line == 3 and exc.value.field == "hc"
    assert str(exc.value) == (
        f"{p}, linje 3, felt 'hc': må være ja eller nei: True/False, ja/nei, sann/usann eller "
        "1/0; fant 'kanskje'"
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_hc_and_egen_are_kept_as_published(tmp_path, fmt):
    rows = pd.DataFrame(
        {
            "adrid": [1, 1, 2],
            "tilb": ["Telenor", "Fiberlaget", "Telia"],
            "tek": ["dsl", "fiber", "ftb"],
            "ned": [20_000, 1_000_000, 150_000],
            "opp": [2_000, 1_000_000, 30_000],
            "hc": [True, False, True],
            "egen": [False, True, True],
        }
    )
    p = tmp_path / f"fbb.{fmt}"
    if fmt == "csv":
        rows.to_csv(p, sep=";", index=False)
    else:
        rows.to_parquet(p)
    df = read_fixed_coverage(p)
    assert df["hc"].dtype == bool and df["hc"].tolist() == [True, False, True]
    assert df["egen"].dtype == bool and df["egen"].tolist() == [False, True, True]


def test_without_hc_and_egen_both_are_false(tmp_path):
    p = tmp_path / "fbb.csv"
    p.write_text("adrid,tilb,tek,ned,opp\n1,T,fiber,1000000,1000000\n", encoding="utf-8")
    df = read_fixed_coverage(p)
    assert df["hc"].tolist() == [False] and df["egen"].tolist() == [False]


def test_speeds_in_mbps_are_detected(tmp_path):
    p = _fbb(tmp_path, ["1;Telenor;fiber;1000;1000;true", "2;Telenor;dsl;20;2;false"])
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(p)
    assert "ut til å være i Mbit/s" in str(exc.value) and exc.value.field == "ned"
    assert read_fixed_coverage(p, speed_unit="Mbit/s")["ned"].tolist() == [1_000_000, 20_000]


def test_unknown_technology_names_row_and_field(tmp_path):
    p = _fbb(
        tmp_path, ["1;Telenor;fiber;1000000;1000000;true", "2;Telenor;laser;100000;100000;false"]
    )
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(p)
    assert exc.value.line == 3 and exc.value.field == "tek" and "'laser'" in str(exc.value)


def test_negative_and_non_numeric_speeds(tmp_path):
    with pytest.raises(InputError, match="negativ hastighet"):
        read_fixed_coverage(_fbb(tmp_path, ["1;T;fiber;1000000;-5;true"]))
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(
            _fbb(tmp_path, ["1;T;fiber;1000000;1000000;true", "2;T;fiber;fast;1;true"])
        )
    assert exc.value.line == 3 and exc.value.field == "ned"


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
    with pytest.raises(InputError, match=r"mangler kolonne.*tek"):
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


def test_duplicates_keep_the_fastest_of_each_operator_and_technology(tmp_path):
    report = RunReport()
    rows = [
        "1;T;fiber;500000;500000;true",
        "1;T;fiber;1000000;100000;true",  # faster download wins over faster upload
        "1;T;dsl;20000;2000;false",  # another technology: kept
        "1;U;fiber;300000;300000;false",  # another operator: kept
        "2;T;fiber;1000000;1000000;false",
    ]
    df = read_fixed_coverage(_fbb(tmp_path, rows), report)
    got = sorted(zip(df["adrid"], df["tilb"], df["tek"], df["ned"], df["opp"], strict=True))
    assert got == [
        (1, "T", "dsl", 20_000, 2_000),
        (1, "T", "fiber", 1_000_000, 100_000),
        (1, "U", "fiber", 300_000, 300_000),
        (2, "T", "fiber", 1_000_000, 1_000_000),
    ]
    warn = next(w for w in report.warnings if w.code == "fixed_coverage_duplicates")
    assert warn.count == 1 and warn.examples == ["1"]


def test_error_details(tmp_path):
    p = _fbb(tmp_path, ["1;T;fiber;1000000;1000000;true", "2;T;fiber;1000000;-5;true"])
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(p)
    assert exc.value.message == "negativ hastighet -5"
    assert exc.value.file == str(p) and exc.value.line == 3 and exc.value.field == "opp"
    p = _fbb(tmp_path, ["1;T;fiber;1000000;1000000;true", "2;T;fiber;;1000;true"])
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(p)
    assert exc.value.message == "tom hastighet"
    assert exc.value.file == str(p) and exc.value.line == 3 and exc.value.field == "ned"
    p = _fbb(tmp_path, ["1;T;fiber;1000;1000;true", "2;T;dsl;20;2;false"])
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(p)
    assert exc.value.message.startswith(
        "hastighetene ser ut til å være i Mbit/s (raskeste tilbud 1000)"
    )
    assert exc.value.file == str(p) and exc.value.line == 2 and exc.value.field == "ned"
    p = _fbb(tmp_path, ["1;T;fiber;1000000;1000000;true", "2;T;laser;100000;100000;false"])
    with pytest.raises(InputError) as exc:
        read_fixed_coverage(p)
    assert exc.value.message.startswith("ukjent teknologikode 'laser' (ukjente koder: 'laser')")
    assert exc.value.file == str(p) and exc.value.line == 3 and exc.value.field == "tek"


def _polygons(tmp_path: Path, tek: str = "fiber", ned: int = 1_000_000) -> Path:
    poly = gpd.GeoDataFrame(
        {"tilb": ["Lokalnett"], "tek": [tek], "ned": [ned], "opp": [ned]},
        geometry=[shapely.box(270_000, 7_000_000, 270_100, 7_000_100)],
        crs=25833,
    )
    p = tmp_path / "poly.gpkg"
    poly.to_file(p)
    return p


def test_polygons_need_addresses_in_the_work_crs(tmp_path):
    addr = gpd.GeoDataFrame({"adrid": [1]}, geometry=shapely.points([10.4], [63.4]), crs=4326)
    with pytest.raises(InputError) as exc:
        read_coverage_polygons(_polygons(tmp_path), addr)
    assert exc.value.message.startswith(
        "addresses (coverage polygons): geometrien er i EPSG:4326, forventet EPSG:25833"
    )
    assert exc.value.file is None and exc.value.line is None and exc.value.field == "crs"


def test_polygon_errors_name_row_and_field(tmp_path):
    addr = gpd.GeoDataFrame(
        {"adrid": [1]}, geometry=shapely.points([270_050], [7_000_050]), crs=25833
    )
    p = _polygons(tmp_path, tek="laser")
    with pytest.raises(InputError) as exc:
        read_coverage_polygons(p, addr)
    assert exc.value.message.startswith("ukjent teknologikode 'laser'")
    assert exc.value.file == str(p) and exc.value.line == 1 and exc.value.field == "tek"
    p = _polygons(tmp_path, ned=-1)
    with pytest.raises(InputError) as exc:
        read_coverage_polygons(p, addr)
    assert exc.value.message == "negativ hastighet -1"
    assert exc.value.file == str(p) and exc.value.line == 1 and exc.value.field == "ned"
