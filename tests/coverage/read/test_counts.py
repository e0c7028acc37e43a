"""Reading the counts per address in Nkom's ``adr`` layout as published (``adrid, fylke,
komnavn, ertett, hus, pers, fritid``), in CSV and Parquet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dekning.coverage.read.counts import read_address_counts
from dekning.errors import InputError

ADR = pd.DataFrame(
    {
        "adrid": [11, 12, 13],
        "fylke": ["TRØNDELAG"] * 3,
        "komnavn": ["FJELLDAL"] * 3,
        "ertett": [True, False, True],
        "hus": [2, 1, 0],
        "pers": [5, 1, 0],
        "fritid": [0, 0, 1],
    }
)


def _csv(tmp_path: Path, df: pd.DataFrame, sep: str = ";") -> Path:
    p = tmp_path / "adr.csv"
    df.to_csv(p, sep=sep, index=False)
    return p


@pytest.mark.parametrize("fmt", ["semicolon", "comma", "parquet"])
def test_nkom_adr_as_published(tmp_path, fmt):
    if fmt == "parquet":
        p = tmp_path / "adr.parquet"
        ADR.to_parquet(p)
    else:
        p = _csv(tmp_path, ADR, ";" if fmt == "semicolon" else ",")
    df = read_address_counts(p)
    assert df["adrid"].tolist() == [11, 12, 13]
    assert df["hus"].tolist() == [2, 1, 0] and df["pers"].tolist() == [5, 1, 0]
    assert df["fritid"].tolist() == [0, 0, 1]
    assert df["naering"].tolist() == [0, 0, 0] and df["offentlig"].tolist() == [0, 0, 0]
    assert df["ertett"].dtype == bool and df["ertett"].tolist() == [True, False, True]
    assert "fylke" not in df and "komnavn" not in df


def test_ertett_words(tmp_path):
    df = ADR.assign(ertett=["ja", "Nei", "1"])
    assert read_address_counts(_csv(tmp_path, df))["ertett"].tolist() == [True, False, True]


@pytest.mark.parametrize(("value", "shown"), [("kanskje", "'kanskje'"), ("", "en tom verdi")])
def test_a_bad_ertett_names_line_and_field(tmp_path, value, shown):
    df = ADR.assign(ertett=np.array(["True", value, "False"], dtype=object))
    path = _csv(tmp_path, df)
    with pytest.raises(InputError) as err:
        read_address_counts(path)
    assert err.value.line == 3 and err.value.field == "ertett" and err.value.file == str(path)
    assert str(err.value) == (
        f"{path}, linje 3, felt 'ertett': må være ja eller nei (ja: i et tettsted, nei: "
        f"spredtbygd): True/False, ja/nei, sann/usann eller 1/0; fant {shown}"
    )


def test_without_ertett_there_is_no_such_column(tmp_path):
    df = read_address_counts(_csv(tmp_path, ADR.drop(columns="ertett")))
    assert "ertett" not in df


def test_the_default_data_has_the_same_counts_in_both_layouts(data_dir):
    ours = read_address_counts(data_dir / "adressebruk.csv")
    nkom = read_address_counts(data_dir / "nkom_adr.csv")
    cols = ["adrid", "hus", "pers", "fritid", "ertett"]
    pd.testing.assert_frame_equal(ours[cols], nkom[cols])
    assert (nkom["naering"] == 0).all() and ours["naering"].sum() > 0
