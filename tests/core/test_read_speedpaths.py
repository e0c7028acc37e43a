"""The fast paths of reading national files (whole numbers and codes parsed by pyarrow, only a
column that does not parse read again, repeated rows ordered by one sort) give the same answers
and the same errors (file, line, field) as reading everything as text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dekning.coverage.read.addresses import read_addresses
from dekning.coverage.read.counts import read_address_counts
from dekning.coverage.read.fixed import distinct_values, keep_fastest, read_fixed_coverage
from dekning.coverage.read.mobile import read_mobile_rows
from dekning.errors import InputError
from dekning.io import read_table, to_numbers
from dekning.report import RunReport

ADDRESS_HEADER = "adresseId;adresseTekst;postnummer;kommunenummer;EPSG-kode;Nord;Øst"


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_whole_numbers_codes_and_text_each_as_their_kind(tmp_path):
    p = _write(tmp_path, "t.csv", ["id;kode;tekst;x", "1;a;hei;1,5", "2;b; du ;2", "3;a;;"])
    df = read_table(p, integers=("id",), categorical=("kode",), numeric=("x",))
    assert df["id"].dtype == "int64" and df["id"].tolist() == [1, 2, 3]
    assert isinstance(df["kode"].dtype, pd.CategoricalDtype)
    assert df["kode"].tolist() == ["a", "b", "a"]
    assert df["tekst"].tolist() == ["hei", " du ", ""]
    # "1,5" is no float for pyarrow: that column alone is read as text, parsed by to_numbers
    assert to_numbers(df["x"], file=p, field="x").tolist()[:2] == [1.5, 2.0]


def test_a_fraction_in_a_whole_number_column_is_read_as_a_number(tmp_path):
    p = _write(tmp_path, "t.csv", ["id;n", "1;2", "2;2.5"])
    df = read_table(p, integers=("id", "n"))
    assert df["id"].dtype == "int64" and df["n"].tolist() == [2.0, 2.5]


def test_fixed_speeds_in_mbps_with_decimals(tmp_path):
    rows = ["adrid;tilb;tek;ned;opp", "1;Telenor;fiber;1000;1000", "2;Telia;dsl;20.5;2.25"]
    df = read_fixed_coverage(_write(tmp_path, "fbb.csv", rows), speed_unit="Mbit/s")
    assert df["ned"].tolist() == [1_000_000, 20_500]
    assert df["opp"].tolist() == [1_000_000, 2_250]


@pytest.mark.parametrize(
    ("value", "message"),
    [("12a", "ikke et tall: '12a'"), ("1.5", "ikke et heltall: 1.5"), ("", "tom verdi")],
)
def test_a_bad_address_id_in_the_coverage_file_names_line_and_field(tmp_path, value, message):
    rows = ["adrid;tilb;tek;ned;opp", "1;T;fiber;1000000;1000000", f"{value};T;dsl;20000;2000"]
    p = _write(tmp_path, "fbb.csv", rows)
    with pytest.raises(InputError) as err:
        read_fixed_coverage(p)
    assert (err.value.file, err.value.line, err.value.field) == (str(p), 3, "adrid")
    assert message in err.value.message


def test_a_bad_count_names_line_and_field(tmp_path):
    p = _write(tmp_path, "adr.csv", ["adrid;hus;pers", "1;1;2", "2;2.5;3"])
    with pytest.raises(InputError) as err:
        read_address_counts(p)
    assert (err.value.line, err.value.field) == (3, "hus")
    assert "ikke et heltall" in err.value.message


def test_counts_with_settlement_codes(tmp_path):
    rows = ["adrid;hus;ertett", "1;1;True", "2;0;False", "3;4;true"]
    df = read_address_counts(_write(tmp_path, "adr.csv", rows))
    assert df["hus"].tolist() == [1, 0, 4] and df["ertett"].tolist() == [True, False, True]


def test_a_bad_address_id_in_the_register_names_line_and_field(tmp_path):
    lines = [ADDRESS_HEADER, "10;Veg 1;0001;0301;25833;6600000;260000"]
    lines += ["x1;Veg 2;0001;0301;25833;6600100;260100"]
    p = _write(tmp_path, "adresser.csv", lines)
    with pytest.raises(InputError) as err:
        read_addresses(p)
    assert (err.value.file, err.value.line, err.value.field) == (str(p), 3, "adresseId")


def test_register_texts_keep_leading_zeros_and_are_trimmed(tmp_path):
    lines = [ADDRESS_HEADER, "10; Veg 1 ;0001;0301;25833;6600000;260000"]
    lines += ["11;Veg 2;0002;0301;25833;6600100,5;260100"]
    gdf = read_addresses(_write(tmp_path, "adresser.csv", lines))
    assert gdf["adrid"].tolist() == [10, 11]
    assert gdf["adressetekst"].tolist() == ["Veg 1", "Veg 2"]
    assert gdf["postnummer"].tolist() == ["0001", "0002"]
    assert gdf.geometry.y.tolist() == [6_600_000.0, 6_600_100.5]


def test_mob_rows_bad_values_name_line_and_field(tmp_path):
    head = "adrid;tilb;tek;ned"
    p = _write(tmp_path, "mob.csv", [head, "1;telenor;4g;50000", "2;telia;3g;50000"])
    with pytest.raises(InputError) as err:
        read_mobile_rows(p)
    assert (err.value.line, err.value.field) == (3, "tek")
    p = _write(tmp_path, "mob.csv", [head, "1;telenor;4g;50000", "2; ;4g;50000"])
    with pytest.raises(InputError) as err:
        read_mobile_rows(p)
    assert (err.value.line, err.value.field) == (3, "tilb")
    p = _write(tmp_path, "mob.csv", [head, "1;telenor;4g;50000", "2;ice;5g;fort"])
    with pytest.raises(InputError) as err:
        read_mobile_rows(p)
    assert (err.value.line, err.value.field) == (3, "ned")


def test_codes_of_a_categorical_are_its_categories_that_occur():
    values = pd.Series(pd.Categorical(["b", None, "b", "d"], categories=["a", "b", "c", "d"]))
    codes, uniques = distinct_values(values)
    assert [uniques[c] for c in codes] == ["b", "", "b", "d"]
    assert sorted(uniques) == ["", "b", "d"]


def _rows(data: list[tuple[int, str, str, int, int]]) -> pd.DataFrame:
    df = pd.DataFrame(data, columns=["adrid", "tilb", "tek", "ned", "opp"])
    return df.assign(
        tilb=pd.Categorical(df["tilb"], categories=sorted(set(df["tilb"]))),
        tek=pd.Categorical(df["tek"], categories=["fiber", "dsl"]),
        row=np.arange(len(df)),
    )


def test_keep_fastest_sorted_unsorted_and_ties():
    # sorted without repeats: every row kept, as it is
    rows = _rows([(1, "A", "fiber", 5, 1), (1, "A", "dsl", 3, 1), (2, "B", "fiber", 7, 1)])
    report = RunReport()
    kept = keep_fastest(rows, ("fiber", "dsl"), ("ned", "opp"), report, code="d", message="m")
    assert kept["row"].tolist() == [0, 1, 2] and not report.warnings
    # unsorted with repeats: the fastest by download, then upload; of equals the last row
    rows = _rows(
        [
            (2, "B", "fiber", 7, 1),
            (1, "A", "fiber", 5, 1),
            (2, "B", "fiber", 9, 1),
            (1, "A", "fiber", 5, 2),
            (3, "A", "dsl", 4, 4),
            (1, "A", "fiber", 5, 2),
            (3, "A", "dsl", 4, 4),
        ]
    )
    kept = keep_fastest(rows, ("fiber", "dsl"), ("ned", "opp"), report, code="d", message="m")
    assert kept["row"].tolist() == [2, 5, 6]
    (w,) = report.warnings
    assert w.count == 4 and w.examples == ["1", "2", "3"]
