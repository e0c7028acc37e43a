"""Residents' speed tests: reading both formats, locating them, and the evidence rules at
their edges (hand-derived answers)."""

from __future__ import annotations

import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from dekning.config import EvidenceConfig
from dekning.errors import ConfigError, InputError
from dekning.surveys.speedtests import (
    EVIDENCE_COLUMNS,
    SPEEDTEST_COLUMNS,
    evidence,
    locate_speedtests,
    normalise_connections,
    parse_times,
    read_speedtests,
)

NBSP = "\u00a0"
TODAY = datetime.date(2026, 2, 1)
OSLO = "Europe/Oslo"

NETTFART_HEADER = (
    "Dato;Nedlasting (Mbit/s);Opplasting (Mbit/s);Ping (ms);Tilkobling;Adresse;Postnummer;"
    "Breddegrad;Lengdegrad"
)


def write(tmp_path, name: str, lines: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def stamp(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=OSLO)


# ------------------------------------------------------------------------------ reading


def test_nettfart_csv_with_semicolons_and_decimal_comma(tmp_path):
    path = write(
        tmp_path,
        "nettfart.csv",
        [
            NETTFART_HEADER,
            "15.01.2026 18:30;12,5;3,2;14;Kablet;Storgata 12;7395;;",
            "2026-01-16T18:30:00Z;100;20;9,5;Wi-Fi;;;63,1;10,4",
            ";;;;;;;;",  # an empty line a spreadsheet leaves: skipped, but still line 4
            "16.01.2026 07:05:09;5;;;;Skolevegen 4;150;;",
        ],
    )
    df = read_speedtests(path)
    assert list(df.columns) == list(SPEEDTEST_COLUMNS)
    assert df["kilde"].tolist() == ["nettfart"] * 3
    assert df["rad"].tolist() == [2, 3, 5]
    assert df["tid"].tolist() == [
        stamp("2026-01-15 18:30"),
        stamp("2026-01-16 19:30"),  # 18:30 UTC is 19:30 in Oslo in winter
        stamp("2026-01-16 07:05:09"),
    ]
    assert str(df["tid"].dt.tz) == OSLO
    assert df["ned_mbps"].tolist() == [12.5, 100.0, 5.0]
    assert df["opp_mbps"].iloc[:2].tolist() == [3.2, 20.0] and np.isnan(df["opp_mbps"].iloc[2])
    assert df["latens_ms"].iloc[:2].tolist() == [14.0, 9.5]
    assert df["tilkobling"].tolist() == ["kablet", "wifi", "ukjent"]
    assert df["adresse"].tolist() == ["Storgata 12", "", "Skolevegen 4"]
    assert df["postnummer"].tolist() == ["7395", "", "0150"]
    assert df["lat"].iloc[1] == 63.1 and df["lon"].iloc[1] == 10.4
    assert df["lat"].isna().tolist() == [True, False, True]
    assert df["adrid"].dtype == "Int64" and df["adrid"].isna().all()


def test_generic_csv_with_commas_kbits_and_address_ids(tmp_path):
    path = write(
        tmp_path,
        "generic.csv",
        [
            "timestamp,Download (kbit/s),upload_mbps,latency,connection,address,postcode,adrid",
            "2026-01-20 20:00:00+00:00,25000,5.5,12,Ethernet,,,17",
            "2026-07-01T12:00,800,1,30,WLAN,Storgata 12,7395,",
        ],
    )
    df = read_speedtests(path)
    assert df["kilde"].tolist() == ["generisk", "generisk"]
    assert df["ned_mbps"].tolist() == [25.0, 0.8]  # kbit/s → Mbit/s
    assert df["opp_mbps"].tolist() == [5.5, 1.0]  # the header says Mbit/s: unchanged
    assert df["tid"].tolist() == [stamp("2026-01-20 21:00"), stamp("2026-07-01 12:00")]
    assert df["tid"].iloc[1].utcoffset() == datetime.timedelta(hours=2)  # summer time
    assert df["tilkobling"].tolist() == ["kablet", "wifi"]
    assert df["adrid"].tolist() == [17, pd.NA]
    assert df["rad"].tolist() == [2, 3]


def test_generic_xlsx(tmp_path):
    path = tmp_path / "tester.xlsx"
    pd.DataFrame(
        {
            "Tid": [datetime.datetime(2026, 1, 10, 18, 0), datetime.datetime(2026, 1, 11, 9, 15)],
            "Nedlasting": [40.5, 38],
            "Opplasting": [10, 9.5],
            "Ping": [11, 12],
            "Type": ["LAN", "4G"],
            "Latitude": [None, 63.2],
            "Longitude": [None, 10.5],
            "AdresseID": [123, None],
        }
    ).to_excel(path, index=False)
    df = read_speedtests(path)
    assert df["kilde"].tolist() == ["generisk", "generisk"]
    assert df["tid"].tolist() == [stamp("2026-01-10 18:00"), stamp("2026-01-11 09:15")]
    assert df["ned_mbps"].tolist() == [40.5, 38.0]
    assert df["tilkobling"].tolist() == ["kablet", "mobil"]
    assert df["adrid"].tolist() == [123, pd.NA]
    assert df["lat"].iloc[1] == 63.2 and np.isnan(df["lat"].iloc[0])


def test_format_detection_and_an_explicit_format(tmp_path):
    nettfart = write(tmp_path, "n.csv", [NETTFART_HEADER, "15.01.2026 18:30;10;1;5;LAN;Vegen 1;;;"])
    generic = write(tmp_path, "g.csv", ["tid;ned;adresse", "2026-01-15 18:30;10;Vegen 1"])
    assert read_speedtests(nettfart)["kilde"].tolist() == ["nettfart"]
    assert read_speedtests(generic)["kilde"].tolist() == ["generisk"]
    # the generic aliases read a Nettfart header too, when asked to
    assert read_speedtests(nettfart, "generisk")["kilde"].tolist() == ["generisk"]
    with pytest.raises(InputError) as err:
        read_speedtests(generic, "nettfart")
    assert err.value.field == "tid" and err.value.file == generic
    with pytest.raises(ConfigError, match="ukjent format"):
        read_speedtests(generic, "ookla")


def test_unknown_columns_name_the_missing_field(tmp_path):
    path = write(tmp_path, "x.csv", ["when;speed;where", "2026-01-15;10;Vegen 1"])
    with pytest.raises(InputError) as err:
        read_speedtests(path)
    assert err.value.field == "tid" and "fila har: when, speed, where" in err.value.message


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Kablet", "kablet"),
        ("ethernet", "kablet"),
        (" LAN ", "kablet"),
        ("Wi-Fi", "wifi"),
        ("WLAN", "wifi"),
        ("trådløst", "wifi"),
        ("wifi", "wifi"),
        ("4G", "mobil"),
        ("5g", "mobil"),
        ("Mobilnett", "mobil"),
        ("", "ukjent"),
        ("Ukjent", "ukjent"),
    ],
)
def test_connection_words(word, code):
    values = pd.Series([word], dtype=object)
    assert normalise_connections(values, file="f.csv", field="Tilkobling").tolist() == [code]


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("15.01.2026 18:30;10;1;5;Satellitt;Vegen 1;;;", "Tilkobling", "ukjent tilkobling"),
        ("15.01.2026 18:30;;1;5;LAN;Vegen 1;;;", "Nedlasting (Mbit/s)", "mangler nedlasting"),
        ("15.01.2026 18:30;-3;1;5;LAN;Vegen 1;;;", "Nedlasting (Mbit/s)", "negativ hastighet"),
        ("15.01.2026 18:30;10;-1;5;LAN;Vegen 1;;;", "Opplasting (Mbit/s)", "negativ hastighet"),
        ("15.01.2026 18:30;10;1;-5;LAN;Vegen 1;;;", "Ping (ms)", "negativ latens"),
        ("15.01.2026 18:30;100001;1;5;LAN;Vegen 1;;;", "Nedlasting (Mbit/s)", "urimelig"),
        ("15.01.2026 18:30;ti;1;5;LAN;Vegen 1;;;", "Nedlasting (Mbit/s)", "ikke et tall"),
        (";10;1;5;LAN;Vegen 1;;;", "Dato", "mangler tidspunkt"),
        ("32.01.2026 18:30;10;1;5;LAN;Vegen 1;;;", "Dato", "ikke et tidspunkt"),
        ("i går;10;1;5;LAN;Vegen 1;;;", "Dato", "ikke et tidspunkt"),
        ("15.01.2026 18:30;10;1;5;LAN;;;63,1;", "Adresse", "mangler adresse"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, row, field, words):
    good = "15.01.2026 18:30;10;1;5;LAN;Vegen 1;;;"
    path = write(tmp_path, "bad.csv", [NETTFART_HEADER, good, good, row])
    with pytest.raises(InputError) as err:
        read_speedtests(path)
    assert (err.value.file, err.value.line, err.value.field) == (path, 4, field)
    assert words in err.value.message
    assert f"{path}, linje 4, felt '{field}'" in str(err.value)


def test_a_download_at_the_limit_is_accepted(tmp_path):
    path = write(
        tmp_path, "ok.csv", [NETTFART_HEADER, "15.01.2026 18:30;100000;0;0;LAN;Vegen 1;;;"]
    )
    assert read_speedtests(path)["ned_mbps"].tolist() == [100_000.0]


def test_text_is_data_not_code(tmp_path):
    path = write(
        tmp_path, "x.csv", [NETTFART_HEADER, "15.01.2026 18:30;10;1;5;LAN;=cmd|' /C calc'!A0;;;"]
    )
    assert read_speedtests(path)["adresse"].tolist() == ["=cmd|' /C calc'!A0"]


def test_empty_files(tmp_path):
    header_only = write(tmp_path, "h.csv", [NETTFART_HEADER])
    blank_rows = write(tmp_path, "b.csv", [NETTFART_HEADER, ";;;;;;;;", ";;;;;;;;"])
    empty = tmp_path / "e.csv"
    empty.write_text("", encoding="utf-8")
    for path in (header_only, blank_rows, str(empty)):
        with pytest.raises(InputError) as err:
            read_speedtests(path)
        assert err.value.file == path


def test_times_iso_offsets_and_norwegian_dates():
    values = pd.Series(
        [
            "2026-01-15T18:30:00Z",
            "2026-01-15T18:30:00+01:00",
            "2026-01-15 18:30",
            "15.01.2026 18:30",
            "5.1.2026 08:05:30",
            "2026-06-15 12:00",
            "2026-10-25 02:30",  # occurs twice in Oslo: the first (summer-time) one
            "",
            "snart",
        ],
        dtype=object,
    )
    got = parse_times(values)
    assert str(got.dt.tz) == OSLO
    utc = got.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S").tolist()
    assert utc[:7] == [
        "2026-01-15 18:30:00",
        "2026-01-15 17:30:00",
        "2026-01-15 17:30:00",
        "2026-01-15 17:30:00",
        "2026-01-05 07:05:30",
        "2026-06-15 10:00:00",
        "2026-10-25 00:30:00",
    ]
    assert got.iloc[7:].isna().all()


# ------------------------------------------------------------------------------ locating


@pytest.fixture(scope="module")
def register():
    rows = [
        (1, "Storgata", "12", "", "7395"),
        (2, "Storgata", "14", "", "7395"),
        (3, "Øvre Moen", "5", "", "7395"),
        (8, "Kirkebakken", "9", "", "7396"),
    ]
    df = pd.DataFrame(rows, columns=["adrid", "adressenavn", "nummer", "bokstav", "postnummer"])
    x = 270_000 + 1_000 * np.arange(4)
    return gpd.GeoDataFrame(df, geometry=shapely.points(x, np.full(4, 7_000_000.0)), crs=25833)


def test_locate_keeps_known_ids_and_geocodes_the_rest(register):
    lon, lat = Transformer.from_crs(25833, 4326, always_xy=True).transform(1_271_020.0, 7_000_010.0)
    lon2, lat2 = Transformer.from_crs(25833, 4326, always_xy=True).transform(271_020.0, 7_000_010.0)
    tests = pd.DataFrame(
        {
            "rad": [2, 3, 4, 5, 6, 7],
            "adresse": ["Kirkebakken 9", "Storgata 12", "Kirkebakken 9", "Nowhere 1", "", ""],
            "postnummer": ["", "7395", "", "", "", ""],
            "lat": [np.nan, np.nan, np.nan, np.nan, lat2, lat],
            "lon": [np.nan, np.nan, np.nan, np.nan, lon2, lon],
            "adrid": pd.array([3, 99, None, None, None, None], dtype="Int64"),
        }
    )
    out = locate_speedtests(tests, register)
    # 3 is in the register: kept (even though the text names 8); 99 is not: geocoded as text;
    # the point 20 m from Storgata 14 snaps to it; one 1 000 km away matches nothing
    assert out["adrid"].tolist() == [3, 1, 8, -1, 2, -1]
    assert out["adrid"].dtype == "int64"
    assert out["rad"].tolist() == tests["rad"].tolist()
    assert tests["adrid"].iloc[1] == 99  # the input is not changed


def test_locate_without_anything_to_geocode(register):
    tests = pd.DataFrame(
        {
            "rad": [2],
            "adresse": [""],
            "postnummer": [""],
            "lat": [np.nan],
            "lon": [np.nan],
            "adrid": pd.array([8], dtype="Int64"),
        }
    )
    assert locate_speedtests(tests, register)["adrid"].tolist() == [8]


# ------------------------------------------------------------------------------ evidence


def located(rows: list[tuple[int, str, float, str]]) -> pd.DataFrame:
    """Tests as (adrid, local time, download Mbit/s, connection); upload is a tenth."""
    adrid, times, down, conn = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "adrid": np.array(adrid, dtype="int64"),
            "tid": pd.to_datetime(pd.Series(times)).dt.tz_localize(OSLO),
            "ned_mbps": np.array(down, dtype="float64"),
            "opp_mbps": np.array(down, dtype="float64") / 10,
            "tilkobling": list(conn),
        }
    )


def offers(**best_down_kbps: float) -> pd.DataFrame:
    """``a<adrid>=kbps`` → the offered frame."""
    return pd.DataFrame(
        {
            "adrid": [int(k[1:]) for k in best_down_kbps],
            "best_down_kbps": list(best_down_kbps.values()),
            "best_up_kbps": [v / 10 for v in best_down_kbps.values()],
        }
    )


def one(result: pd.DataFrame, adrid: int) -> pd.Series:
    rows = result[result["adrid"] == adrid]
    assert len(rows) == 1
    return rows.iloc[0]


def test_exactly_the_minimum_passes_one_fewer_test_or_one_day_fails():
    tests = located(
        [
            (1, "2026-01-10 18:00", 10, "kablet"),
            (1, "2026-01-10 19:00", 20, "kablet"),
            (1, "2026-01-11 18:00", 30, "kablet"),
            (2, "2026-01-10 18:00", 10, "kablet"),
            (2, "2026-01-11 18:00", 20, "kablet"),
            (3, "2026-01-10 18:00", 10, "kablet"),
            (3, "2026-01-10 19:00", 20, "kablet"),
            (3, "2026-01-10 20:00", 30, "kablet"),
        ]
    )
    res = evidence(tests, offers(a1=100_000, a2=100_000, a3=100_000), EvidenceConfig(), today=TODAY)
    assert list(res.columns) == list(EVIDENCE_COLUMNS)
    assert res["adrid"].tolist() == [1, 2, 3]
    assert res["tester"].tolist() == [3, 2, 3]
    assert res["dager"].tolist() == [2, 2, 1]
    assert res["oppfyller_regel"].tolist() == [True, False, False]
    assert res["median_ned_mbps"].tolist() == [20.0, 15.0, 20.0]
    assert res["median_opp_mbps"].tolist() == [2.0, 1.5, 2.0]
    assert res["tilbudt_ned_mbps"].tolist() == [100.0] * 3
    assert res["andel"].tolist() == pytest.approx([0.2, 0.15, 0.2])
    assert res["for_treg"].tolist() == [True, False, False]  # only where the rule is met
    assert res["begrunnelse"].iloc[0] == (
        f"median 20 Mbit/s av 3 kablede tester på 2 dager; 20{NBSP}% av tilbudt 100 Mbit/s "
        f"(under grensen 25{NBSP}%)"
    )
    assert res["begrunnelse"].iloc[1] == (
        "bare 2 kablede tester på 2 dager (regelen krever minst 3 tester på 2 dager); "
        "median 15 Mbit/s"
    )
    assert res["begrunnelse"].iloc[2].startswith("bare 3 kablede tester på 1 dag (regelen")
    assert res["adrid"].dtype == "int64"
    assert res["tester"].dtype == "int64" and res["for_treg"].dtype == bool


WIRED_AND_WIFI = [
    # address 4: three wired tests on two days (median 60); Wi-Fi is slower (all five: 50)
    (4, "2026-01-10 18:00", 50, "kablet"),
    (4, "2026-01-11 18:00", 60, "kablet"),
    (4, "2026-01-11 19:00", 70, "kablet"),
    (4, "2026-01-12 18:00", 1, "wifi"),
    (4, "2026-01-12 19:00", 2, "wifi"),
    # address 5: only two wired tests (50, 60) and two Wi-Fi (10, 20): all four, median 35
    (5, "2026-01-10 18:00", 50, "kablet"),
    (5, "2026-01-11 18:00", 60, "kablet"),
    (5, "2026-01-12 18:00", 10, "wifi"),
    (5, "2026-01-12 19:00", 20, "ukjent"),
]


def test_wired_preferred_when_the_wired_tests_alone_meet_the_rule():
    res = evidence(located(WIRED_AND_WIFI), offers(), EvidenceConfig(), today=TODAY)
    four, five = one(res, 4), one(res, 5)
    assert (four["tester"], four["dager"], four["median_ned_mbps"]) == (3, 2, 60.0)
    assert four["kun_kablet"] and four["oppfyller_regel"]
    assert (five["tester"], five["dager"], five["median_ned_mbps"]) == (4, 3, 35.0)
    assert not five["kun_kablet"] and five["oppfyller_regel"]
    assert five["begrunnelse"] == (
        "median 35 Mbit/s av 4 tester på 3 dager; ingen tilbudt hastighet å sammenligne med"
    )


def test_without_wired_preference_all_tests_count():
    res = evidence(
        located(WIRED_AND_WIFI), offers(), EvidenceConfig(prefer_wired=False), today=TODAY
    )
    assert (one(res, 4)["tester"], one(res, 4)["median_ned_mbps"]) == (5, 50.0)
    assert not one(res, 4)["kun_kablet"]


def test_wired_only():
    res = evidence(located(WIRED_AND_WIFI), offers(), EvidenceConfig(wired_only=True), today=TODAY)
    four, five = one(res, 4), one(res, 5)
    assert (four["tester"], four["median_ned_mbps"], four["oppfyller_regel"]) == (3, 60.0, True)
    assert (five["tester"], five["median_ned_mbps"], five["oppfyller_regel"]) == (2, 55.0, False)
    assert five["kun_kablet"]


def test_mobile_tests_never_count():
    tests = located(
        [
            (6, "2026-01-10 18:00", 100, "mobil"),
            (6, "2026-01-11 18:00", 100, "mobil"),
            (6, "2026-01-12 18:00", 100, "mobil"),
            (6, "2026-01-12 19:00", 3, "kablet"),
            (7, "2026-01-10 18:00", 100, "mobil"),
            (-1, "2026-01-10 18:00", 100, "kablet"),  # not located: ignored
        ]
    )
    res = evidence(tests, offers(a6=100_000), EvidenceConfig(), today=TODAY)
    assert res["adrid"].tolist() == [6, 7]
    assert res["tester"].tolist() == [1, 0]
    assert res["median_ned_mbps"].iloc[0] == 3.0 and np.isnan(res["median_ned_mbps"].iloc[1])
    assert res["oppfyller_regel"].tolist() == [False, False]
    assert res["kun_kablet"].tolist() == [True, False]
    assert res["begrunnelse"].iloc[0].startswith("bare 1 kablet test på 1 dag")
    assert res["begrunnelse"].iloc[1].startswith("ingen tester over fast bredbånd som teller")


def test_old_and_future_tests_are_ignored():
    tests = located(
        [
            (8, "2025-02-01 12:00", 10, "kablet"),  # 365 days before today: counts
            (8, "2025-01-31 12:00", 20, "kablet"),  # 366 days: too old
            (8, "2026-02-01 23:59", 30, "kablet"),  # today: counts
            (8, "2026-02-02 00:01", 40, "kablet"),  # tomorrow: ignored
        ]
    )
    res = evidence(tests, offers(), EvidenceConfig(), today=TODAY)
    assert (one(res, 8)["tester"], one(res, 8)["median_ned_mbps"]) == (2, 20.0)
    short = evidence(tests, offers(), EvidenceConfig(max_age_days=364), today=TODAY)
    assert one(short, 8)["tester"] == 1


def test_share_exactly_at_the_slow_ratio_is_not_too_slow():
    three = ["2026-01-10 18:00", "2026-01-11 18:00", "2026-01-11 19:00"]
    tests = located(
        [(9, t, v, "kablet") for t, v in zip(three, [20, 25, 30], strict=True)]
        + [(10, t, 0.3, "kablet") for t in three]  # 0.3 of 1.2 Mbit/s: a quarter
        + [(11, t, v, "kablet") for t, v in zip(three, [20, 24.9, 30], strict=True)]
    )
    res = evidence(tests, offers(a9=100_000, a10=1_200, a11=100_000), EvidenceConfig(), today=TODAY)
    assert res["andel"].tolist() == pytest.approx([0.25, 0.25, 0.249])
    assert res["oppfyller_regel"].all()
    assert res["for_treg"].tolist() == [False, False, True]
    assert res["begrunnelse"].iloc[0] == (
        f"median 25 Mbit/s av 3 kablede tester på 2 dager; 25{NBSP}% av tilbudt 100 Mbit/s"
    )
    assert res["begrunnelse"].iloc[2].startswith("median 24,9 Mbit/s av 3 kablede")


def test_no_offer_means_no_share_and_not_too_slow():
    three = ["2026-01-10 18:00", "2026-01-11 18:00", "2026-01-11 19:00"]
    tests = located([(a, t, 1.0, "kablet") for a in (12, 13, 14) for t in three])
    res = evidence(tests, offers(a12=float("nan"), a13=0), EvidenceConfig(), today=TODAY)
    assert res["adrid"].tolist() == [12, 13, 14]  # 14 is not in the offers at all
    assert res["tilbudt_ned_mbps"].isna().all() and res["andel"].isna().all()
    assert res["oppfyller_regel"].all() and not res["for_treg"].any()


def test_days_are_norwegian_local_days():
    utc = [
        # winter (UTC+1): 23:30 UTC is 00:30 next day in Oslo, so both are on 15 January
        (1, "2026-01-14 23:30"),
        (1, "2026-01-15 00:30"),
        # 22:30 UTC is 23:30 on the 14th, 23:30 UTC 00:30 on the 15th: two local days
        (2, "2026-01-14 22:30"),
        (2, "2026-01-14 23:30"),
        # summer (UTC+2): 21:30 UTC is 23:30 on 14 June, 22:30 UTC 00:30 on 15 June
        (3, "2025-06-14 21:30"),
        (3, "2025-06-14 22:30"),
    ]
    tests = pd.DataFrame(
        {
            "adrid": [a for a, _ in utc],
            "tid": pd.to_datetime(pd.Series([t for _, t in utc])).dt.tz_localize("UTC"),
            "ned_mbps": 10.0,
            "opp_mbps": 1.0,
            "tilkobling": "kablet",
        }
    )
    rules = EvidenceConfig(min_tests=2, min_days=2)
    res = evidence(tests, offers(), rules, today=TODAY)
    assert res["dager"].tolist() == [1, 2, 2]
    assert res["oppfyller_regel"].tolist() == [False, True, True]
    assert res["begrunnelse"].iloc[0] == (
        "bare 2 kablede tester på 1 dag (regelen krever minst 2 tester på 2 dager); "
        "median 10 Mbit/s"
    )


def test_read_locate_and_judge_together(tmp_path, register):
    path = write(
        tmp_path,
        "t.csv",
        [
            NETTFART_HEADER,
            "10.01.2026 18:00;4;1;20;Kablet;Storgata 12;7395;;",
            "11.01.2026 18:00;5;1;20;Kablet;Storgata 12;7395;;",
            "11.01.2026 19:00;6;1;20;Kablet;Storgata 12;7395;;",
        ],
    )
    tests = locate_speedtests(read_speedtests(path), register)
    res = evidence(tests, offers(a1=50_000), EvidenceConfig(), today=TODAY)
    assert res["adrid"].tolist() == [1]
    assert res["andel"].tolist() == [0.1] and res["for_treg"].tolist() == [True]


def test_the_evidence_says_where_the_counted_tests_came_from():
    tests = located(
        [
            (1, "2026-01-10 18:00", 10, "kablet"),
            (1, "2026-01-11 18:00", 20, "kablet"),
            (1, "2026-01-12 18:00", 30, "kablet"),
            (1, "2026-01-12 19:00", 5, "wifi"),  # not counted: the wired tests suffice
        ]
    ).assign(kilde=["api", "api", "generisk", "api"])
    res = evidence(tests, offers(a1=100_000), EvidenceConfig(), today=TODAY)
    assert res["kilder"].tolist() == ["api: 2, generisk: 1"]
