"""Reading an operator's answers to a challenge round: synonyms, unanswered rows, escaped
text, and errors that name the file, the line and the column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dekning.errors import InputError
from dekning.surveys.operator_answers import ANSWER_WORDS, HEADERS_ATTR, read_operator_answers


def _csv(path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    path.write_text(text, encoding=encoding, newline="")
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_a_filled_in_csv_is_read_with_every_field(tmp_path):
    path = _csv(
        tmp_path / "telenor.csv",
        "Utfordring;Adresse-ID;Adresse;Svar;Begrunnelse;Tilbyder\n"
        "1;300000001;Storgata 10;godtar;Rettet;Telenor\n"
        "2;;Område A-1;bestrider;Bygget 2025;Telenor\n",
    )
    answers = read_operator_answers(path)
    assert list(answers.columns) == ["rad", "id", "svar", "begrunnelse", "operator", "adrid"]
    assert answers["rad"].tolist() == [2, 3]
    assert answers["id"].dtype == "int64"
    assert answers["id"].tolist() == [1, 2]
    assert answers["svar"].tolist() == ["godtar", "bestrider"]
    assert answers["begrunnelse"].tolist() == ["Rettet", "Bygget 2025"]
    assert answers["operator"].tolist() == ["Telenor", "Telenor"]
    assert str(answers["adrid"].dtype) == "Int64"
    assert answers["adrid"].iloc[0] == 300000001
    assert pd.isna(answers["adrid"].iloc[1])


@pytest.mark.parametrize(
    ("word", "answer"),
    [(w, a) for a, words in ANSWER_WORDS.items() for w in words]
    + [("  GODTAR ", "godtar"), ("Uenig", "bestrider"), ("JA", "godtar"), ("Dispute", "bestrider")],
)
def test_synonyms_of_the_answers(tmp_path, word, answer):
    path = _csv(tmp_path / "svar.csv", f"Utfordring;Svar\n7;{word}\n")
    assert read_operator_answers(path)["svar"].tolist() == [answer]


def test_the_synonyms_are_as_documented():
    assert ANSWER_WORDS == {
        "godtar": ("godtar", "godtatt", "enig", "ja", "accept"),
        "bestrider": ("bestrider", "bestridt", "uenig", "nei", "dispute"),
    }


def test_rows_without_an_answer_are_left_out_and_lines_kept(tmp_path):
    path = _xlsx(
        tmp_path / "svar.xlsx",
        [
            ["Utfordring", "Svar", "Begrunnelse"],
            [1, None, None],
            [None, None, None],
            [3, "nei", "Dekket fra 2024"],
            [4, "  ", None],
        ],
    )
    answers = read_operator_answers(path)
    assert answers[["rad", "id", "svar", "begrunnelse"]].to_dict("records") == [
        {"rad": 4, "id": 3, "svar": "bestrider", "begrunnelse": "Dekket fra 2024"}
    ]
    assert answers["operator"].tolist() == [""]
    assert answers["adrid"].isna().all()


def test_headers_in_any_case_and_spacing(tmp_path):
    path = _csv(
        tmp_path / "svar.csv",
        "  UTFORDRING ,svar,  adresse-id ,BEGRUNNELSE,tilbyder\n12,Enig,300000002,ok,Ice\n",
    )
    answers = read_operator_answers(path)
    assert answers[["id", "svar", "begrunnelse", "operator"]].iloc[0].tolist() == [
        12,
        "godtar",
        "ok",
        "Ice",
    ]
    assert answers["adrid"].iloc[0] == 300000002


def test_a_workbook_with_numbers_as_floats_and_text(tmp_path):
    path = _xlsx(
        tmp_path / "svar.xlsx",
        [["Utfordring", "Adresse-ID", "Svar"], [5.0, 300000003.0, "godtatt"], ["6", "7", "Nei"]],
    )
    answers = read_operator_answers(path)
    assert answers["id"].tolist() == [5, 6]
    assert answers["adrid"].tolist() == [300000003, 7]


def test_spreadsheet_escaped_text_is_read_as_the_original(tmp_path):
    path = _csv(
        tmp_path / "svar.csv",
        "Utfordring;Svar;Begrunnelse;Tilbyder\n"
        "1;godtar;'=1+1;'@Telenor\n"
        '2;bestrider;"\'+47 ""ringer""";Telenor\n'
        "3;godtar;''=x;Telenor\n",
    )
    answers = read_operator_answers(path)
    assert answers["begrunnelse"].tolist() == ["=1+1", '+47 "ringer"', "'=x"]
    assert answers["operator"].tolist()[0] == "@Telenor"


def test_a_reason_over_several_lines_keeps_the_line_numbers(tmp_path):
    path = _csv(
        tmp_path / "svar.csv",
        'Utfordring;Svar;Begrunnelse\n1;godtar;"første\nandre"\n2;kanskje;\n',
    )
    with pytest.raises(InputError) as exc:
        read_operator_answers(path)
    assert exc.value.line == 3  # the spreadsheet's row, not the text file's line


def test_windows_1252_and_commas(tmp_path):
    path = _csv(tmp_path / "svar.csv", "Utfordring,Svar,Begrunnelse\n1,godtar,Bø og Å\n", "cp1252")
    assert read_operator_answers(path)["begrunnelse"].tolist() == ["Bø og Å"]


def test_an_unknown_answer_names_file_line_and_field(tmp_path):
    path = _csv(tmp_path / "svar.csv", "Utfordring;Svar\n1;godtar\n2;\n3;kanskje\n")
    with pytest.raises(InputError, match="ukjent svar 'kanskje'") as exc:
        read_operator_answers(path)
    assert (exc.value.file, exc.value.line, exc.value.field) == (str(path), 4, "Svar")
    assert "godtar eller bestrider" in str(exc.value)


@pytest.mark.parametrize("bad", ["1,5", "abc", "1e3", "7a", "1.000", "-3"])
def test_an_id_that_is_not_a_whole_number_names_file_line_and_field(tmp_path, bad):
    path = _csv(tmp_path / "svar.csv", f'Utfordring;Svar\n1;godtar\n"{bad}";godtar\n')
    with pytest.raises(InputError, match="må være et heltall") as exc:
        read_operator_answers(path)
    assert (exc.value.file, exc.value.line, exc.value.field) == (str(path), 3, "Utfordring")


def test_an_answer_without_an_id(tmp_path):
    path = _xlsx(tmp_path / "svar.xlsx", [["utfordring", "svar"], [1, "ja"], [None, "nei"]])
    with pytest.raises(InputError, match="mangler utfordringens nummer") as exc:
        read_operator_answers(path)
    assert (exc.value.file, exc.value.line, exc.value.field) == (str(path), 3, "utfordring")


def test_a_bad_adrid_names_its_column(tmp_path):
    path = _csv(tmp_path / "svar.csv", "Utfordring;Adresse-ID;Svar\n1;30000000x;godtar\n")
    with pytest.raises(InputError, match="adresse-ID må være et heltall") as exc:
        read_operator_answers(path)
    assert (exc.value.line, exc.value.field) == (2, "Adresse-ID")


def test_a_challenge_answered_twice_differently(tmp_path):
    path = _csv(
        tmp_path / "svar.csv",
        "Utfordring;Svar;Begrunnelse\n1;godtar;a\n2;godtar;b\n1;enig;a\n1;bestrider;a\n",
    )
    with pytest.raises(InputError, match="besvart to ganger") as exc:
        read_operator_answers(path)
    assert (exc.value.file, exc.value.line, exc.value.field) == (str(path), 5, "Svar")
    assert "linje 2" in str(exc.value)


def test_the_same_answer_twice_is_kept_once(tmp_path):
    path = _csv(tmp_path / "svar.csv", "Utfordring;Svar;Begrunnelse\n1;godtar;a\n1;ja;a\n")
    answers = read_operator_answers(path)
    assert answers[["rad", "id"]].to_dict("records") == [{"rad": 2, "id": 1}]


def test_the_same_answer_with_another_reason_is_a_conflict(tmp_path):
    path = _csv(tmp_path / "svar.csv", "Utfordring;Svar;Begrunnelse\n1;godtar;a\n1;ja;b\n")
    with pytest.raises(InputError) as exc:
        read_operator_answers(path)
    assert (exc.value.line, exc.value.field) == (3, "Begrunnelse")


def test_a_missing_column_is_named(tmp_path):
    path = _csv(tmp_path / "svar.csv", "Utfordring;Begrunnelse\n1;a\n")
    with pytest.raises(InputError, match="mangler kolonne") as exc:
        read_operator_answers(path)
    assert (exc.value.file, exc.value.field) == (str(path), "svar")


def test_files_that_cannot_be_read(tmp_path):
    with pytest.raises(InputError, match="fant ikke fila"):
        read_operator_answers(tmp_path / "borte.csv")
    with pytest.raises(InputError, match=r"lagre den som \.xlsx eller \.csv"):
        read_operator_answers(_csv(tmp_path / "svar.ods", "x"))
    with pytest.raises(InputError, match="fila er tom"):
        read_operator_answers(_csv(tmp_path / "tom.csv", ""))
    with pytest.raises(InputError, match="Excel"):
        read_operator_answers(_csv(tmp_path / "falsk.xlsx", "ikke en arbeidsbok"))


def test_only_a_header_gives_no_answers(tmp_path):
    answers = read_operator_answers(_csv(tmp_path / "svar.csv", "Utfordring;Svar\n"))
    assert answers.empty
    assert list(answers.columns) == ["rad", "id", "svar", "begrunnelse", "operator", "adrid"]
    assert answers["id"].dtype == "int64"


def test_the_headers_of_the_file_are_kept_for_errors(tmp_path):
    """The CLI checks Tilbyder and Adresse-ID against the store and names the file's own
    column in its errors."""
    path = _csv(
        tmp_path / "svar.csv",
        "utfordrings-id;SVAR;operator;AdresseID\n1;godtar;telia;300000001\n",
    )
    answers = read_operator_answers(path)
    assert answers.attrs[HEADERS_ATTR] == {
        "id": "utfordrings-id",
        "svar": "SVAR",
        "operator": "operator",
        "adrid": "AdresseID",
    }
    assert answers["operator"].tolist() == ["telia"]
    bare = read_operator_answers(_csv(tmp_path / "bare.csv", "Utfordring;Svar\n1;nei\n"))
    assert bare.attrs[HEADERS_ATTR] == {"id": "Utfordring", "svar": "Svar"}
    assert bare["operator"].tolist() == [""]
