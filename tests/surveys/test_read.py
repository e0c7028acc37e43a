"""Reading survey exports with a mapping: validation with known answers, mappings and their
errors (message, file, row and field), operators as the mapping names them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dekning.errors import ConfigError, InputError
from dekning.surveys.geocode import geocode
from dekning.surveys.mapping import answer_column, load_mapping
from dekning.surveys.read import parse_speeds, read_survey

NETTSKJEMA_HEADER = (
    "$submission_id;$created;Adresse;Postnummer;Boligtype;Hvilken type bredbånd har du i dag?;"
    "Hvem leverer bredbåndet ditt?;Målt nedlastingshastighet (Mbit/s);"
    "Målt opplastingshastighet (Mbit/s);Hvor fornøyd er du med bredbåndet? (1-5);"
    "Er du interessert i fiber?;Hvor mye kan du betale i tilknytningsavgift?;Kommentar"
)


def test_speed_parsing():
    typed = pd.Series(["12,5", "ca 10", "100 Mbit/s", "vet ikke", "", "50000", "raskt", None])
    speed, problem = parse_speeds(typed)
    assert speed.iloc[:3].tolist() == [12.5, 10.0, 100.0]
    assert speed.iloc[3:].isna().all()
    assert problem.tolist() == [
        "",
        "",
        "",
        "",
        "",
        "impossible speed 50000 Mbit/s (over 10000; typed in kbit/s?)",
        "not a speed: 'raskt'",
        "",
    ]


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
    empty_address = set(np.flatnonzero(raw["Adresse"].str.strip() == "") + 2)
    impossible = set(np.flatnonzero(raw["Målt nedlastingshastighet (Mbit/s)"] == "50000") + 2)
    rejected = read.rejected.groupby("row")["reason"].first()
    assert set(rejected.index) == empty_address | impossible
    assert all("empty address" in rejected[r] for r in empty_address)
    assert all("impossible speed" in rejected[r] for r in impossible)
    assert len(read.answers) == 320 - len(empty_address | impossible)
    # Decimal commas were read: "12,5" style answers became numbers.
    comma = raw["Målt nedlastingshastighet (Mbit/s)"].str.fullmatch(r"\d+,\d")
    first = int(np.flatnonzero(comma)[0]) + 2
    got = read.answers.set_index("row").loc[first, "down_mbps"]
    assert got == pytest.approx(
        float(raw.loc[first - 2, "Målt nedlastingshastighet (Mbit/s)"].replace(",", "."))
    )


def test_microsoft_forms_xlsx(tmp_path):
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
    register = gpd.GeoDataFrame(
        {
            "adrid": [1, 5, 8],
            "adressenavn": ["Storgata", "Sætervegen", "Kirkebakken"],
            "nummer": ["12", "75", "9"],
            "bokstav": ["", "", ""],
            "postnummer": ["7395", "7397", "7396"],
        },
        geometry=shapely.points([270_000, 270_200, 270_350], [7_000_000.0] * 3),
        crs=25833,
    )
    read = read_survey(p, load_mapping("microsoft_forms"))
    assert read.rejected["row"].tolist() == [4] and "Brevdue" in read.rejected["reason"].iloc[0]
    ans = read.answers.set_index("row")
    assert ans.loc[3, "technology"] == "dsl" and ans.loc[3, "down_mbps"] == 4.5
    assert ans.loc[3, "interest_fibre"] == "ja" and ans.loc[3, "willingness_to_pay"] == 5000
    assert ans.loc[3, "dwelling"] == "fritid" and ans.loc[2, "mob_telenor_inne"] == 3
    assert geocode(read.answers, register).answers["adrid"].tolist() == [1, 8]


def test_cp1252_comma_export(tmp_path, data_dir):
    src = data_dir / "sporreundersokelse_nettskjema.csv"
    raw = pd.read_csv(src, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    p = tmp_path / "export.csv"
    raw.to_csv(p, sep=",", index=False, encoding="cp1252")
    a = read_survey(p, load_mapping("nettskjema"))
    b = read_survey(src, load_mapping("nettskjema"))
    pd.testing.assert_frame_equal(a.answers, b.answers)


def _mapping(tmp_path, text: str):
    p = tmp_path / "m.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_mapping_errors(tmp_path, data_dir):
    bad = _mapping(tmp_path, '[columns]\naddress = "Adresse"\nspeed = "x"\n')
    with pytest.raises(ConfigError, match=r"m\.toml: ukjent\(e\) felt i \[columns\]: speed"):
        load_mapping(bad)
    with pytest.raises(ConfigError, match=r"none\.toml: fant ikke kolonneoppsettet"):
        load_mapping(tmp_path / "none.toml")
    with pytest.raises(ConfigError, match="ikke gyldig TOML"):
        load_mapping(_mapping(tmp_path, "[columns\n"))
    with pytest.raises(ConfigError, match=r"ukjent\(e\) nøkkel\(er\) sporsmal"):
        load_mapping(_mapping(tmp_path, '[columns]\naddress = "A"\n[sporsmal]\n'))
    with pytest.raises(
        ConfigError, match=r"\[columns\] trenger 'address' \(eller 'lat' og 'lon'\)"
    ):
        load_mapping(_mapping(tmp_path, '[columns]\nlat = "B"\n'))
    with pytest.raises(ConfigError, match=r"\[answers\.comment\] er ikke et kodet felt"):
        load_mapping(_mapping(tmp_path, '[columns]\naddress = "A"\n[answers.comment]\nx = ["y"]\n'))
    with pytest.raises(ConfigError, match=r"\[answers\.technology\] 'fiber' må være en liste"):
        load_mapping(
            _mapping(tmp_path, '[columns]\naddress = "A"\n[answers.technology]\nfiber = "fiber"\n')
        )


def test_missing_export_column_names_file_and_field(tmp_path, data_dir):
    wrong = load_mapping(_mapping(tmp_path, '[columns]\naddress = "Gate"\n'))
    export = data_dir / "sporreundersokelse_nettskjema.csv"
    with pytest.raises(InputError) as exc:
        read_survey(export, wrong)
    assert exc.value.message.startswith("kolonne(r) som kolonneoppsettet")
    assert "mangler: 'Gate'; eksporten har: '$submission_id'" in exc.value.message
    assert exc.value.file == str(export) and exc.value.line is None and exc.value.field == "Gate"


@pytest.mark.parametrize(
    ("key", "operator", "place"),
    [
        ("telenor_inne", "telenor", "inne"),
        ("Ice-Net_ute", "Ice-Net", "ute"),
        ("my_op_inne", "my_op", "inne"),
    ],
)
def test_mobile_keys_split_at_the_last_underscore(tmp_path, key, operator, place):
    m = load_mapping(
        _mapping(tmp_path, f'[columns]\naddress = "A"\n[columns.mobile]\n"{key}" = "Q"\n')
    )
    (q,) = m.mobile
    assert (q.operator, q.place, q.source) == (operator, place, "Q")
    assert q.column == answer_column(operator, place) == f"mob_{operator}_{place}"


@pytest.mark.parametrize("key", ["telenor", "_inne", "telenor_inside", "telenor-inne", " x_ute"])
def test_bad_mobile_key(tmp_path, key):
    text = f'[columns]\naddress = "A"\n[columns.mobile]\n"{key}" = "Q"\n'
    with pytest.raises(ConfigError) as exc:
        load_mapping(_mapping(tmp_path, text))
    assert (
        f"[columns.mobile] nøkkelen {key!r} må være '<operatør>_inne' eller '<operatør>_ute'"
        in str(exc.value)
    )
    with pytest.raises(ConfigError, match=r"\[columns\.mobile\] må være en tabell"):
        load_mapping(_mapping(tmp_path, '[columns]\naddress = "A"\nmobile = "x"\n'))
    with pytest.raises(ConfigError, match=r"\[columns\.mobile\] Ice_ute må være et kolonnenavn"):
        load_mapping(
            _mapping(tmp_path, '[columns]\naddress = "A"\n[columns.mobile]\nIce_ute = 3\n')
        )


def test_ice_net_answers_and_rejected_rows(tmp_path):
    mapping = _mapping(
        tmp_path,
        '[columns]\naddress = "Adresse"\nsatisfaction = "Fornøyd"\n'
        '[columns.mobile]\n"Ice-Net_inne" = "Ice-Net inne"\n'
        '[answers.mobile]\n3 = ["god"]\n0 = ["ingen"]\n"" = ["vet ikke", ""]\n',
    )
    export = tmp_path / "svar.csv"
    export.write_text(
        "Adresse;Fornøyd;Ice-Net inne\n"
        "Storgata 1;5;God\n"
        "Storgata 2;7;Ingen\n"  # satisfaction out of range
        ";3;ingen\n"  # no address
        "Storgata 4;;kanskje\n"  # unknown mobile answer
        "Storgata 5;2;\n",
        encoding="utf-8",
    )
    read = read_survey(export, load_mapping(mapping))
    assert read.total == 5
    assert read.answers["row"].tolist() == [2, 6]
    assert read.answers["mob_Ice-Net_inne"].tolist()[0] == 3
    assert np.isnan(read.answers["mob_Ice-Net_inne"].iloc[1])
    assert read.answers["satisfaction"].tolist() == [5.0, 2.0]
    assert read.rejected.to_dict("records") == [
        {"row": 3, "field": "Fornøyd", "value": "7", "reason": "satisfaction must be 1-5, got '7'"},
        {"row": 4, "field": "Adresse", "value": "", "reason": "empty address"},
        {
            "row": 5,
            "field": "Ice-Net inne",
            "value": "kanskje",
            "reason": "unknown answer 'kanskje' for mobile coverage",
        },
    ]


def test_mapping_in_windows_1252_or_with_bom(tmp_path):
    text = '[columns]\naddress = "Gateadresse på stedet"\n'
    ansi = tmp_path / "ansi.toml"
    ansi.write_bytes(text.encode("cp1252"))
    assert load_mapping(ansi).columns["address"] == "Gateadresse på stedet"
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_mapping(bom).columns["address"] == "Gateadresse på stedet"
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'[columns]\naddress = "\x81"\n')
    with pytest.raises(ConfigError, match="ikke UTF-8-tekst"):
        load_mapping(bad)
    with pytest.raises(ConfigError, match="kan ikke lese kolonneoppsettet"):
        load_mapping(tmp_path)
