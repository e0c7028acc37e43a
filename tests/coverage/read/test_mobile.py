"""Reading Nkom's per-address mobile file (``mob``: ``adrid, tilb, tek, ned``) as published, in
CSV and Parquet, on small hand-made files whose right answer is known."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dekning.coverage.read.mobile import read_mobile_rows
from dekning.errors import InputError
from dekning.report import RunReport

ROWS = [
    "300000001;telenor;4g;150000",
    "300000001;telenor;5g;380000",
    "300000002;Telia ;4G;29999",
    "300000003;ice;5g;100000",
]


def _mob(
    tmp_path: Path, rows: list[str], header: str = "adrid;tilb;tek;ned", sep: str = ";"
) -> Path:
    p = tmp_path / "mob.csv"
    text = "\n".join([header, *rows]).replace(";", sep)
    p.write_text(text + "\n", encoding="utf-8")
    return p


def _expected() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "adrid": [300000001, 300000001, 300000002, 300000003],
            "tilb": ["telenor", "telenor", "telia", "ice"],
            "tek": ["4g", "5g", "4g", "5g"],
            "ned": [150_000, 380_000, 29_999, 100_000],
        }
    )


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(tilb=df["tilb"].astype(str), tek=df["tek"].astype(str))


@pytest.mark.parametrize("sep", [";", ","])
def test_csv_is_read_as_published(tmp_path, sep):
    df = read_mobile_rows(_mob(tmp_path, ROWS, sep=sep))
    pd.testing.assert_frame_equal(_plain(df), _expected())
    assert df["adrid"].dtype == "int64" and df["ned"].dtype == "int64"
    assert list(df["tilb"].cat.categories) == ["ice", "telenor", "telia"]
    assert list(df["tek"].cat.categories) == ["4g", "5g"]


def test_parquet_gives_the_same_rows(tmp_path):
    p = tmp_path / "mob.parquet"
    _expected().to_parquet(p)
    pd.testing.assert_frame_equal(_plain(read_mobile_rows(p)), _expected())


def test_column_name_variants_and_technology_spellings(tmp_path):
    p = _mob(
        tmp_path,
        ["7;Telenor;LTE;50000", "7;Telenor;NR;200000"],
        header="adresseId;Tilbyder;Teknologi;Nedlasting",
    )
    df = read_mobile_rows(p)
    assert df["tek"].astype(str).tolist() == ["4g", "5g"]
    assert df["tilb"].astype(str).tolist() == ["telenor", "telenor"]


def test_repeated_rows_keep_the_fastest_and_are_counted(tmp_path):
    report = RunReport()
    p = _mob(tmp_path, ["1;telia;4g;40000", "2;telia;4g;50000", "1;Telia;4g;90000", "1;telia;5g;1"])
    df = read_mobile_rows(p, report)
    assert _plain(df).values.tolist() == [
        [2, "telia", "4g", 50_000],
        [1, "telia", "4g", 90_000],
        [1, "telia", "5g", 1],
    ]
    (w,) = [w for w in report.warnings if w.code == "mobile_rows_duplicates"]
    assert w.count == 1 and w.examples == ["1"]


@pytest.mark.parametrize(
    ("row", "field", "text"),
    [
        ("2;telia;3g;40000", "tek", "ukjent mobilteknologi '3g'"),
        ("2;telia;4g;", "ned", "tom nedlastingshastighet"),
        ("2;telia;4g;-1", "ned", "negativ nedlastingshastighet -1"),
        ("2;telia;4g;rask", "ned", "ikke et tall: 'rask'"),
        ("2;telia;4g;1e12", "ned", "usannsynlig nedlastingshastighet"),
        ("2;;4g;40000", "tilb", "tom operatør"),
        ("x;telia;4g;40000", "adrid", "ikke et tall"),
    ],
)
def test_a_bad_row_names_file_line_and_field(tmp_path, row, field, text):
    p = _mob(tmp_path, ["1;telenor;4g;150000", row])
    with pytest.raises(InputError) as err:
        read_mobile_rows(p)
    assert err.value.line == 3 and err.value.field == field
    assert text in str(err.value) and str(p) in str(err.value)


def test_speeds_in_mbps_are_refused(tmp_path):
    with pytest.raises(InputError, match="ut til å være i Mbit/s") as err:
        read_mobile_rows(_mob(tmp_path, ["1;telenor;4g;150", "2;telenor;5g;380"]))
    assert err.value.line == 3 and err.value.field == "ned"


def test_a_missing_column_is_named(tmp_path):
    with pytest.raises(InputError, match="mangler kolonne") as err:
        read_mobile_rows(_mob(tmp_path, ["1;telenor;150000"], header="adrid;tilb;ned"))
    assert err.value.field == "tek"


def test_the_default_data_file_reads(data_dir):
    df = read_mobile_rows(data_dir / "nkom_mob.csv")
    assert set(df["tilb"].astype(str)) == {"telenor", "telia", "ice"}
    assert set(df["tek"].astype(str)) == {"4g", "5g"}
    assert (df["ned"] >= 10_000).all()
