"""The one small-group rule."""

from __future__ import annotations

import pandas as pd

from dekning.privacy import is_small, small_figures, suppress


def test_is_small_is_strictly_below_the_minimum():
    assert is_small(pd.Series([0, 4, 5, 6]), 5).tolist() == [True, True, False, False]


def test_suppress_blanks_every_figure_of_small_groups_and_keeps_types():
    table = pd.DataFrame(
        {
            "rute": ["a", "b", "c"],
            "svar": [4, 5, 12],
            "andel": [0.25, 0.6, 0.5],
            "valgt": [True, False, True],
            "tekst": ["x", "y", "z"],
        }
    )
    out = suppress(table, "svar", 5, keep=["rute"])
    assert out["skjult"].tolist() == [True, False, False]
    assert out["rute"].tolist() == ["a", "b", "c"]
    assert out.loc[0, ["svar", "andel", "valgt", "tekst"]].isna().all()
    assert out["svar"].dtype == "Int64" and out["svar"].tolist()[1:] == [5, 12]
    assert out["andel"].tolist()[1:] == [0.6, 0.5]
    assert out.loc[1:, "valgt"].tolist() == [False, True]
    # the input is left as it was
    assert table["svar"].tolist() == [4, 5, 12]
    records = out.to_dict("records")
    assert records[2]["tekst"] == "z"


def test_suppress_as_json_shows_integers_and_nulls():
    table = pd.DataFrame({"k": ["a", "b"], "n": [2, 9]})
    text = suppress(table, "n", 5, keep=["k"]).to_json(orient="records")
    assert text == '[{"k":"a","n":null,"skjult":true},{"k":"b","n":9,"skjult":false}]'


def test_small_figures_are_hidden_one_by_one_and_all_in_small_groups():
    table = pd.DataFrame({"adresser": [6, 4, 9], "hus": [4, 6, 7], "naering": [1, 5, 5]})
    small = small_figures(table, "adresser", 5, ["hus", "naering"])
    assert small["hus"].tolist() == [True, True, False]
    assert small["naering"].tolist() == [True, True, False]
