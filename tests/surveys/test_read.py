"""Survey exports: reading with mappings, validation, geocoding with known answers,
discrepancies and privacy."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dekning.errors import ConfigError, InputError
from dekning.surveys.evidence import demand, discrepancies, join_answers, public_demand
from dekning.surveys.geocode import fold, geocode, normalise_street, split_address
from dekning.surveys.read import load_mapping, parse_speed, read_survey


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


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        ("12,5", 12.5, False),
        ("ca 10", 10.0, False),
        ("100 Mbit/s", 100.0, False),
        ("vet ikke", None, False),
        ("", None, False),
        ("50000", None, True),
        ("raskt", None, True),
    ],
)
def test_speed_parsing(text, value, problem):
    v, p = parse_speed(text)
    assert v == value and (p is not None) == problem


def test_default_export_validation(data_dir):
    read = read_survey(data_dir / "sporreundersokelse_nettskjema.csv", load_mapping("nettskjema"))
    raw = pd.read_csv(
        data_dir / "sporreundersokelse_nettskjema.csv",
        sep=";",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    assert read.total == len(raw) == 320
    empty_address = set(np.flatnonzero(raw["Adresse"].str.strip() == "") + 1)
    impossible = set(np.flatnonzero(raw["Målt nedlastingshastighet (Mbit/s)"] == "50000") + 1)
    rejected = read.rejected.groupby("row")["reason"].first()
    assert set(rejected.index) == empty_address | impossible
    assert all("empty address" in rejected[r] for r in empty_address)
    assert all("impossible speed" in rejected[r] for r in impossible)
    assert len(read.answers) == 320 - len(empty_address | impossible)
    # Decimal commas were read: "12,5" style answers became numbers.
    comma = raw["Målt nedlastingshastighet (Mbit/s)"].str.fullmatch(r"\d+,\d")
    first = int(np.flatnonzero(comma)[0]) + 1
    got = read.answers.set_index("row").loc[first, "down_mbps"]
    assert got == pytest.approx(
        float(raw.loc[first - 1, "Målt nedlastingshastighet (Mbit/s)"].replace(",", "."))
    )


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


def test_microsoft_forms_xlsx(tmp_path, register):
    df = pd.DataFrame(
        {
            "ID": [1, 2, 3],
            "Start time": ["2026-03-01"] * 3,
            "Completion time": ["2026-03-01"] * 3,
            "Email": ["anonymous"] * 3,
            "Name": [""] * 3,
            "Gateadresse": ["Storgata 12", "Kirkebakken 9", "Sætervegen 75"],
            "Postnr.": ["7395", "7396", "7397"],
            "Bor du fast her, eller er det en hytte?": ["Fast bolig", "Hytte", "Fast bolig"],
            "Bredbånd i dag": ["Fiber", "ADSL", "Brevdue"],
            "Leverandør": ["Fjelldal Fiber", "Telenor", ""],
            "Nedlasting (Mbit/s)": ["500", "4,5", ""],
            "Opplasting (Mbit/s)": ["500", "0,5", ""],
            "Fornøyd (1-5)": ["5", "1", "3"],
            "Ønsker du fiber?": ["Har fiber", "Ja, gjerne", "Usikker"],
            "Betalingsvilje for tilknytning": ["", "Opptil 5000 kr", ""],
            "Andre kommentarer": ["", "", ""],
            **{
                f"{op} {w}": ["God", "Ingen", "Vet ikke"]
                for op in ("Telenor", "Telia", "Ice")
                for w in ("inne", "ute")
            },
        }
    )
    p = tmp_path / "forms.xlsx"
    df.to_excel(p, index=False)
    read = read_survey(p, load_mapping("microsoft_forms"))
    assert read.rejected["row"].tolist() == [3] and "Brevdue" in read.rejected["reason"].iloc[0]
    ans = read.answers.set_index("row")
    assert ans.loc[2, "technology"] == "dsl" and ans.loc[2, "down_mbps"] == 4.5
    assert ans.loc[2, "interest_fibre"] == "ja" and ans.loc[2, "willingness_to_pay"] == 5000
    assert ans.loc[2, "dwelling"] == "fritid" and ans.loc[1, "mob_telenor_inne"] == 3
    assert geocode(read.answers, register).answers["adrid"].tolist() == [1, 8]


def test_cp1252_comma_export(tmp_path, data_dir):
    src = data_dir / "sporreundersokelse_nettskjema.csv"
    raw = pd.read_csv(src, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    p = tmp_path / "export.csv"
    raw.to_csv(p, sep=",", index=False, encoding="cp1252")
    a = read_survey(p, load_mapping("nettskjema"))
    b = read_survey(src, load_mapping("nettskjema"))
    pd.testing.assert_frame_equal(a.answers, b.answers)


def test_mapping_errors(tmp_path, data_dir):
    bad = tmp_path / "m.toml"
    bad.write_text('[columns]\naddress = "Adresse"\nspeed = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown field.*speed"):
        load_mapping(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_mapping(tmp_path / "none.toml")
    wrong = tmp_path / "w.toml"
    wrong.write_text('[columns]\naddress = "Gate"\n', encoding="utf-8")
    with pytest.raises(InputError, match="'Gate'"):
        read_survey(data_dir / "sporreundersokelse_nettskjema.csv", load_mapping(wrong))


@pytest.fixture
def joined():
    classified = pd.DataFrame(
        {
            "adrid": [1, 2, 3],
            "adressetekst": ["A 1", "B 2", "C 3"],
            "best_down_kbps": [1_000_000, 100_000, 0],
            "best_tek": ["fiber", "ftb", ""],
            "has_fibre": [True, False, False],
            "operators": ["Fiberlaget", "Ice", ""],
            "speed_class": ["ge1000", "ge100", "none"],
            "area_id": ["", "O-001", "O-001"],
            "ssb_rute_250": [10, 10, 20],
            "mob_telenor": [3, 2, 0],
        }
    )
    answers = pd.DataFrame(
        {
            "row": [1, 2, 3, 4],
            "adrid": [1, 2, 3, -1],
            "technology": ["dsl", "ftb", "ingen", "fiber"],
            "down_mbps": [900.0, 10.0, None, 5.0],
            "mob_telenor_inne": [0.0, 0.0, 0.0, 0.0],
            "mob_telenor_ute": [3.0, 0.0, 0.0, 0.0],
            "interest_fibre": ["har", "ja", "nei", "ja"],
            "willingness_to_pay": [np.nan, 15000, 0, 5000],
        }
    )
    return join_answers(answers, classified)


def test_discrepancies_known(joined):
    d = discrepancies(joined)
    got = set(zip(d["adrid"], d["avvik"], d["operator"], strict=True))
    assert got == {
        (1, "fiber_ikke_levert", "Fiberlaget"),  # fibre offered, resident has DSL
        (1, "mobil_inne", "telenor"),  # indoor class 3 in the raster, resident: none indoors
        (2, "lav_hastighet", "Ice"),  # 10 Mbit/s measured, 100 offered (< 25 %)
        (2, "mobil_ute", "telenor"),  # outdoor class 2, resident: none outdoors
    }
    assert 4 not in set(d["row"])  # unmatched answers are not evidence


def test_demand_and_public_suppression(joined):
    d = demand(joined, "area_id").set_index("area_id")
    assert d.loc["O-001", "svar"] == 2 and d.loc["O-001", "andel_interessert"] == 0.5
    assert d.loc["O-001", "betalingsvilje_median"] == 7500
    pub = public_demand(joined, "ssb_rute_250", min_count=2).set_index("ssb_rute_250")
    assert pub.loc[10, "svar"] == 2 and not pub.loc[10, "skjult"]
    assert pub.loc[20, "skjult"] and pub.loc[20].drop("skjult").isna().all()
    assert "adrid" not in pub.columns and "row" not in pub.columns
