"""The files a challenge round sends out: the county's re-consultation list and one list per
operator, read back with the operators' answers filled in."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from dekning.coverage.application.challenges import (
    KIND_WORDS,
    OPERATOR_HEADERS,
    RECONSULTATION_HEADERS,
    operator_lists,
    reconsultation_workbook,
    safe_file_stem,
)
from dekning.errors import InputError
from dekning.surveys.operator_answers import read_operator_answers
from dekning.textsafe import read_spreadsheet_csv, write_spreadsheet_csv

TEXT_COLUMNS = [h for h in OPERATOR_HEADERS if h not in ("Utfordring", "Adresse-ID")]
"""Columns of an operator's CSV read as text (the ids are numbers)."""
BIG = 300000001
"""An adrid a spreadsheet shows as ``3E+08`` unless its cell is formatted as a whole number."""


@pytest.fixture
def addresses() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "adrid": pd.array([BIG, BIG + 1, BIG + 2], dtype="int64"),
            "adressetekst": ["Storgata 10", "Storgata 9", "Bakkevegen 2"],
            "postnummer": ["7600", "7600", "0101"],
            "poststed": ["LEVANGER", "LEVANGER", "OSLO"],
            "kommunenummer": ["5037", "5037", "5037"],
            "gnr": ["12", "12", "7"],
            "bnr": ["3", "4", "1"],
            "best_down_kbps": [10_000.0, 0.0, 0.0],
            "best_tek": ["kobber", "", ""],
            "operators": ["Telenor", "", ""],
        },
        geometry=[Point(600_000, 7_000_000), Point(600_010, 7_000_000), Point(0, 0)],
        crs="EPSG:25833",
    )


def _challenge(id_: int, adrid: int | None, kind: str, operator: str, status: str, **kw: str):
    row = {
        "id": id_,
        "adrid": adrid,
        "area_id": "" if adrid is not None else "A-1",
        "kind": kind,
        "operator": operator,
        "status": status,
        "frist": "2026-12-17",
        "opprettet": "2026-11-01T10:00:00+01:00",
        "endret": "2026-11-20T10:00:00+01:00",
        "besluttet_av": "",
        "operatordata": "fiber 1000/1000 Mbit/s",
        "evidens": "median 12,3 Mbit/s av 3 kablede tester på 3 dager",
        "kommentar": "",
        "vedlegg": "",
        "versjon": 1,
        "tilsvar": "",
    }
    row.update(kw)
    return row


@pytest.fixture
def challenges() -> pd.DataFrame:
    rows = [
        _challenge(1, BIG, "for_treg", "Telenor", "sendt", kommentar="=1+1"),
        _challenge(
            2,
            BIG + 1,
            "intet_tilbud",
            "Global Connect",
            "sendt",
            kommentar="@SUM(A1)",
            operatordata="+47 fiber",
        ),
        _challenge(3, BIG + 2, "mangler_i_listen", "", "sendt", operatordata=""),
        _challenge(4, BIG, "feil_teknologi", "Telenor", "ny"),
        _challenge(5, None, "planlagt_ikke_reell", "Global Connect", "sendt"),
        _challenge(6, BIG + 1, "mobil", "Telenor", "tilsvar"),
    ]
    frame = pd.DataFrame(rows)
    frame["id"] = frame["id"].astype("int64")
    frame["adrid"] = frame["adrid"].astype("Int64")
    return frame


def _rows(path, sheet: str) -> list[list[object]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_reconsultation_lists_the_sent_address_challenges_by_address(
    challenges, addresses, tmp_path
):
    path = tmp_path / "ny_horing.xlsx"
    written = reconsultation_workbook(
        challenges, addresses, path, municipality="Levanger", round_name="Høst 2026"
    )
    assert written == 3
    rows = _rows(path, "Ny høring")
    assert rows[0] == RECONSULTATION_HEADERS
    at = {h: i for i, h in enumerate(RECONSULTATION_HEADERS)}
    # by address (Storgata 9 before Storgata 10), the area challenge and ny/tilsvar left out
    assert [r[at["Utfordring"]] for r in rows[1:]] == [3, 2, 1]
    assert [r[at["Adresse-ID"]] for r in rows[1:]] == [BIG + 2, BIG + 1, BIG]
    first = rows[3]
    assert first[at["Adresse"]] == "Storgata 10"
    assert first[at["Postnummer"]] == "7600"
    assert first[at["Poststed"]] == "LEVANGER"
    assert first[at["Kommunenr."]] == "5037"
    assert (first[at["Gnr."]], first[at["Bnr."]]) == ("12", "3")
    assert first[at["Tilbyder"]] == "Telenor"
    assert first[at["Type"]] == KIND_WORDS["for_treg"] == "For lav hastighet"
    assert first[at["Hva tilbyderen rapporterer"]] == "fiber 1000/1000 Mbit/s"
    assert first[at["Hva dokumentasjonen viser"]].startswith("median 12,3 Mbit/s")
    assert first[at["Kommentar"]] is None  # for the municipality; the resident's is left out
    assert first[at["Frist"]] == dt.datetime(2026, 12, 17)
    assert rows[1][at["Postnummer"]] == "0101"  # leading zero kept: text
    assert rows[1][at["Type"]] == "Mangler i Nkoms liste"


def test_reconsultation_text_stays_text_and_ids_are_whole_numbers(challenges, addresses, tmp_path):
    path = tmp_path / "ny_horing.xlsx"
    reconsultation_workbook(challenges, addresses, path, municipality="Levanger", round_name="R1")
    ws = openpyxl.load_workbook(path)["Ny høring"]
    reported = ws.cell(row=3, column=10)  # challenge 2: "Hva tilbyderen rapporterer"
    assert reported.value == "+47 fiber"
    assert reported.data_type == "s"
    assert reported.quotePrefix
    for column in (1, 13):  # Adresse-ID, Utfordring
        cell = ws.cell(row=4, column=column)
        assert isinstance(cell.value, int)
        assert cell.number_format == "0"
        assert ws.column_dimensions[cell.column_letter].width >= 12
    assert ws.cell(row=2, column=14).number_format == "DD.MM.YYYY"


def test_reconsultation_notes_name_the_round_and_count_each_kind(challenges, addresses, tmp_path):
    path = tmp_path / "ny_horing.xlsx"
    reconsultation_workbook(
        challenges,
        addresses,
        path,
        municipality="Levanger",
        round_name="Høst 2026",
        rule_note="Regel: 2025.",
    )
    notes = [r[0] for r in _rows(path, "Om lista")]
    text = "\n".join(notes)
    assert notes[0] == "Ny høring – Levanger"
    assert "Runde: Høst 2026." in notes
    assert f"Skrevet: {dt.date.today().strftime('%d.%m.%Y')}" in text
    assert "Utfordringer til ny høring: 3 (adresser: 3)." in notes
    assert "For lav hastighet: 1 (for_treg)." in notes
    assert "Intet tilbud: 1 (intet_tilbud)." in notes
    assert "Mangler i Nkoms liste: 1 (mangler_i_listen)." in notes
    assert not any(n.startswith("Mobildekning:") for n in notes)  # status tilsvar: not sent
    assert "(sendt i denne runden: 1)" in text  # the area challenge, said to be left out
    assert "Regel: 2025." in notes


def test_reconsultation_leaves_the_residents_comments_out(challenges, addresses, tmp_path):
    """The list goes to the county and into a public re-consultation: the residents' own
    comments (personal data) are in no cell; the comment column is empty, for the
    municipality, and the notes say why."""
    challenges.loc[challenges["id"] == 1, "kommentar"] = "Kari Nordmann, tlf. 99 99 99 99"
    path = tmp_path / "ny_horing.xlsx"
    reconsultation_workbook(challenges, addresses, path, municipality="L", round_name="R")
    rows = _rows(path, "Ny høring")
    at = rows[0].index("Kommentar")
    assert [r[at] for r in rows[1:]] == [None, None, None]
    book = openpyxl.load_workbook(path)
    cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value]
    for comment in ("Kari Nordmann", "99 99 99 99", "=1+1", "@SUM(A1)"):
        assert not any(comment in cell for cell in cells), comment
    notes = " ".join(r[0] for r in _rows(path, "Om lista"))
    assert "Innbyggernes kommentarer er utelatt fordi de er personopplysninger" in notes
    assert "Kommentar er tom, til kommunens egne merknader." in notes


def test_reconsultation_never_writes_over_a_file(challenges, addresses, tmp_path):
    path = tmp_path / "ny_horing.xlsx"
    path.write_bytes(b"someone's own workbook")
    with pytest.raises(InputError, match="finnes fra før") as exc:
        reconsultation_workbook(challenges, addresses, path, municipality="L", round_name="R")
    assert exc.value.file == str(path.resolve())
    assert path.read_bytes() == b"someone's own workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["ny_horing.xlsx"]  # no temporary left


def test_unknown_kind_is_refused(challenges, addresses, tmp_path):
    challenges.loc[3, "kind"] = "ny_type"  # not sent: not written, not checked
    assert (
        reconsultation_workbook(
            challenges, addresses, tmp_path / "ok.xlsx", municipality="L", round_name="R"
        )
        == 3
    )
    challenges.loc[0, "kind"] = "noe_annet"
    with pytest.raises(InputError, match="ukjent type utfordring 'noe_annet'"):
        reconsultation_workbook(
            challenges, addresses, tmp_path / "x.xlsx", municipality="L", round_name="R"
        )


def test_operator_lists_split_the_sent_challenges_by_operator(challenges, addresses, tmp_path):
    out = tmp_path / "tilbydere"
    paths = operator_lists(challenges, addresses, out)
    assert paths == {
        "Global Connect": out.resolve() / "Global_Connect.xlsx",
        "Telenor": out.resolve() / "Telenor.xlsx",
    }
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "Global_Connect.csv",
        "Global_Connect.xlsx",
        "Telenor.csv",
        "Telenor.xlsx",
    ]
    telenor = _rows(paths["Telenor"], "Utfordringer")
    assert telenor[0] == OPERATOR_HEADERS
    assert [r[0] for r in telenor[1:]] == [1]  # 4 (ny) and 6 (tilsvar) are not sent
    assert telenor[1][1:6] == [
        "telenor",  # the operator as stored, lower case: checked when the answers come back
        BIG,
        "Storgata 10, 7600 LEVANGER",
        "For lav hastighet",
        "fiber 1000/1000 Mbit/s",
    ]
    assert telenor[1][8:] == [None, None]  # Svar and Begrunnelse: for the operator
    connect = _rows(paths["Global Connect"], "Utfordringer")
    assert [r[0] for r in connect[1:]] == [5, 2]
    assert connect[1][1:4] == ["global connect", None, "Område A-1"]
    assert connect[2][5] == "+47 fiber"
    csv = read_spreadsheet_csv(out / "Global_Connect.csv", text=TEXT_COLUMNS)
    assert list(csv.columns) == OPERATOR_HEADERS
    assert csv["Utfordring"].tolist() == [5, 2]
    assert csv["Tilbyder"].tolist() == ["global connect", "global connect"]
    assert csv["Hva tilbyderen rapporterer"].tolist()[1] == "+47 fiber"
    assert csv["Frist"].tolist() == ["17.12.2026", "17.12.2026"]
    raw = (out / "Global_Connect.csv").read_text(encoding="utf-8-sig")
    assert "'+47 fiber" in raw  # protected from being read as a formula


def test_operator_workbook_offers_the_answers_in_a_dropdown(challenges, addresses, tmp_path):
    paths = operator_lists(challenges, addresses, tmp_path / "t")
    ws = openpyxl.load_workbook(paths["Global Connect"])["Utfordringer"]
    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"godtar,bestrider"'
    assert str(validation.sqref) == "I2:I3"
    assert ws.cell(row=3, column=6).data_type == "s"
    assert ws.cell(row=3, column=6).quotePrefix  # "+47 fiber"
    assert ws.cell(row=3, column=3).number_format == "0"


def test_written_lists_read_back_with_the_answers_filled_in(challenges, addresses, tmp_path):
    paths = operator_lists(challenges, addresses, tmp_path / "t")
    wb = openpyxl.load_workbook(paths["Global Connect"])
    ws = wb["Utfordringer"]
    ws["I2"], ws["J2"] = "Bestrider", "=bygget i 2025"
    ws["J2"].data_type, ws["J2"].quotePrefix = "s", True  # typed as '=bygget i 2025
    ws["I3"], ws["J3"] = "godtar", "Rettet i neste innrapportering"
    wb.save(paths["Global Connect"])
    answers = read_operator_answers(paths["Global Connect"])
    assert answers["id"].tolist() == [5, 2]
    assert answers["svar"].tolist() == ["bestrider", "godtar"]
    assert answers["begrunnelse"].tolist() == ["=bygget i 2025", "Rettet i neste innrapportering"]
    assert answers["rad"].tolist() == [2, 3]
    assert answers["adrid"].isna().tolist() == [True, False]
    assert answers["adrid"].iloc[1] == BIG + 1
    assert (answers["operator"] == "global connect").all()
    # the CSV, filled in and saved by a program that keeps the protection of formula text
    csv_path = tmp_path / "t" / "Telenor.csv"
    table = read_spreadsheet_csv(csv_path, text=TEXT_COLUMNS)
    table["Svar"], table["Begrunnelse"] = ["enig"], ["@feil i grunnlaget"]
    write_spreadsheet_csv(table, csv_path)
    assert "'@feil i grunnlaget" in csv_path.read_text(encoding="utf-8-sig")
    back = read_operator_answers(csv_path)
    assert back[["id", "svar", "begrunnelse"]].to_dict("records") == [
        {"id": 1, "svar": "godtar", "begrunnelse": "@feil i grunnlaget"}
    ]
    assert back["adrid"].tolist() == [BIG]
    assert back["operator"].tolist() == ["telenor"]


@pytest.mark.parametrize(
    "name", ["../x", "a/b", "a\\b", ".skjult", "CON", "nul.txt", "x" * 61, " "]
)
def test_operator_names_that_cannot_be_file_names_are_refused(name):
    with pytest.raises(InputError) as exc:
        safe_file_stem(name)
    assert exc.value.field == "operator"


def test_operator_names_are_made_safe_and_must_not_clash(challenges, addresses, tmp_path):
    assert safe_file_stem(" Tafjord  Connect AS ") == "Tafjord_Connect_AS"
    assert safe_file_stem("Eidsiva Bredbånd") == "Eidsiva_Bredbånd"
    challenges.loc[challenges["id"] == 2, "operator"] = "telenor"
    with pytest.raises(InputError, match="samme filnavn"):
        operator_lists(challenges, addresses, tmp_path / "t")
    assert not (tmp_path / "t").exists()
    challenges.loc[challenges["id"] == 2, "operator"] = "../../etc"
    with pytest.raises(InputError, match="kan ikke brukes som filnavn"):
        operator_lists(challenges, addresses, tmp_path / "t")


def test_operator_lists_replace_only_their_own_folder(challenges, addresses, tmp_path):
    out = tmp_path / "t"
    operator_lists(challenges, addresses, out)
    challenges.loc[challenges["id"] == 2, "status"] = "tilsvar"
    paths = operator_lists(challenges, addresses, out)  # dekning's own folder: replaced
    assert [r[0] for r in _rows(paths["Global Connect"], "Utfordringer")[1:]] == [5]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notat.txt").write_text("mitt", encoding="utf-8")
    with pytest.raises(InputError, match="ikke skrevet av dekning"):
        operator_lists(challenges, addresses, mine)
    assert [p.name for p in mine.iterdir()] == ["notat.txt"]


def test_libreoffice_shows_ids_whole_and_formula_text_as_text(
    challenges, addresses, tmp_path, libreoffice_shown
):
    path = tmp_path / "ny_horing.xlsx"
    reconsultation_workbook(challenges, addresses, path, municipality="L", round_name="R")
    rows = libreoffice_shown(path, tmp_path / "lo")
    assert rows[0][:2] == ["Adresse-ID", "Adresse"]
    by_id = {r[12]: r for r in rows[1:]}
    assert by_id["1"][0] == "300000001"
    assert by_id["1"][11] == ""  # the resident's comment is left out
    assert by_id["2"][9] == "+47 fiber"
    assert by_id["1"][13] == "17.12.2026"
    operators = operator_lists(challenges, addresses, tmp_path / "t")
    connect = libreoffice_shown(operators["Global Connect"], tmp_path / "lo2")
    assert connect[2][:3] == ["2", "global connect", "300000002"]
    assert connect[2][5] == "+47 fiber"


def test_libreoffice_prints_the_adrid_whole_not_3e08(
    challenges, addresses, tmp_path, libreoffice_convert
):
    # the CSV LibreOffice saves "as shown" ignores the column width; its PDF does not: a
    # nine-digit number in a narrow column of the General format prints as 3E+08
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    path = tmp_path / "ny_horing.xlsx"
    reconsultation_workbook(challenges, addresses, path, municipality="L", round_name="R")
    (pdf,) = libreoffice_convert([path], tmp_path / "lo", "pdf")
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "300000001" in text
    assert "E+08" not in text and "###" not in text
