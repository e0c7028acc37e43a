"""Geocoding survey answers against the address register, with known answers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dekning.surveys.geocode import fold, geocode, normalise_street, split_address
from dekning.surveys.mapping import load_mapping
from dekning.surveys.read import read_survey


@pytest.fixture(scope="module")
def register():
    """A small register in Kartverket's field names, with æ/ø/å, letters and two postnummer."""
    rows = [
        (1, "Storgata", "12", "", "7395"),
        (2, "Storgata", "12", "B", "7395"),
        (3, "Øvre Moen", "5", "", "7395"),
        (4, "Åsvegen", "3", "B", "7395"),
        (5, "Sætervegen", "75", "", "7397"),
        (6, "Skolevegen", "4", "", "7395"),
        (7, "Skolevegen", "4", "", "7396"),  # same street name in another postnummer
        (8, "Kirkebakken", "9", "", "7396"),
    ]
    df = pd.DataFrame(rows, columns=["adrid", "adressenavn", "nummer", "bokstav", "postnummer"])
    return gpd.GeoDataFrame(
        df, geometry=shapely.points(270_000 + 50 * np.arange(8), np.full(8, 7_000_000.0)), crs=25833
    )


@pytest.mark.parametrize(
    ("text", "post", "expected", "how"),
    [
        ("Storgata 12", "7395", 1, "exact"),
        ("storgt. 12 b", "7395", 2, "exact"),
        ("STORGATA 12B", "", 2, "exact"),
        ("Storgate 12, 7395 Fjelldal", "", 1, "exact"),
        ("Oevre Moen 5", "7395", 3, "exact"),
        ("ovre moen 5", "", 3, "exact"),
        ("Aasvegen 3 b", "7395", 4, "exact"),
        ("Asveien 3B", "7395", 4, "exact"),
        ("Saetervegen 75", "7397", 5, "exact"),
        ("Skolev. 4", "7396", 7, "exact"),
        ("Skoleveien 4", "7395", 6, "exact"),
        ("Sotrgata 12", "7395", 1, "fuzzy"),  # one transposition
        ("Stroggata 12", "7395", -1, "unmatched"),  # two edits: below the 85 cut-off
        ("Kirkebaken 9", "7396", 8, "fuzzy"),
        ("Storgata 12C", "7395", 1, "exact"),  # unknown letter falls back to the number
        ("Storgata 99", "7395", -1, "unmatched"),
        ("Helt annen veg 1", "7395", -1, "unmatched"),
    ],
)
def test_geocoding_known_answers(register, text, post, expected, how):
    answers = pd.DataFrame({"row": [1], "address": [text], "postnummer": [post]})
    res = geocode(answers, register)
    assert res.answers["adrid"].iloc[0] == expected
    assert res.answers["match"].iloc[0] == how


def test_normalisation_pieces():
    assert fold("Øvre Åsen Ærlig") == fold("Oevre Aasen Aerlig") == "ovre asen aerlig"
    assert normalise_street("Storgt.") == normalise_street("Storgate") == "storgata"
    assert (
        normalise_street("Skolev.")
        == normalise_street("Skoleveg")
        == normalise_street("Skoleveien")
        == "skolevegen"
    )
    assert split_address("Storgt. 12 b, 7395 Fjelldal") == ("storgata", "12", "B", "7395")


def test_coordinates_are_checked_against_the_municipality(register):
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(25833, 4326, always_xy=True).transform(
        [270_010.0, 300_000.0], [7_000_005.0, 7_000_000.0]
    )
    answers = pd.DataFrame(
        {"row": [1, 2], "address": ["", ""], "postnummer": ["", ""], "lat": lat, "lon": lon}
    )
    boundary = shapely.box(269_000, 6_999_000, 272_000, 7_001_000)
    res = geocode(answers, register, boundary=boundary)
    assert res.answers["adrid"].tolist() == [1, -1]
    assert res.answers["match"].tolist() == ["coordinates", "outside"]


def test_impossible_coordinates_are_not_matched(register):
    """A latitude of 7395 (a postnummer in the lat column) projects to infinity."""
    answers = pd.DataFrame(
        {"row": [2], "address": [""], "postnummer": [""], "lat": [7395.0], "lon": [7395.0]}
    )
    res = geocode(answers, register)
    assert res.answers["adrid"].tolist() == [-1] and res.answers["match"].tolist() == ["outside"]


def test_default_export_geocodes_against_the_register(data_dir, default_result):
    cls = default_result.classified
    read = read_survey(data_dir / "sporreundersokelse_nettskjema.csv", load_mapping("nettskjema"))
    res = geocode(read.answers, cls)
    assert res.match_rate >= 0.98
    assert (res.answers["match"] == "fuzzy").sum() >= 5  # the export has typos
    # Answers that name a street and number that exist verbatim match that very address.
    text = cls.set_index("adrid")["adressetekst"]
    exact = res.answers[res.answers["match"] == "exact"]
    verbatim = exact[exact["address"].isin(text.to_numpy())]
    assert len(verbatim) > 100
    assert (text.loc[verbatim["adrid"]].to_numpy() == verbatim["address"].to_numpy()).all()
