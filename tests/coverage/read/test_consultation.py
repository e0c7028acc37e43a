"""Reading Nkom's consultation lists (``Mangler_100Mbit`` / ``Mangler_30Mbit``)."""

from __future__ import annotations

import pytest

from dekning.coverage.read.consultation import read_consultation_list
from dekning.errors import InputError


def test_ids_once_each_from_a_cp1252_comma_file(tmp_path):
    p = tmp_path / "Mangler_100Mbit.csv"
    p.write_text(
        "adresseid,adressenavn,postnr\n10,Åsvegen,7395\n11,B,7395\n10,Åsvegen,7395\n",
        encoding="cp1252",
    )
    assert read_consultation_list(p)["adrid"].tolist() == [10, 11]


def test_list_without_an_id_column(tmp_path):
    p = tmp_path / "Mangler_30Mbit.csv"
    p.write_text("adressenavn;postnr\nA;7395\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_consultation_list(p)
    assert "høringslista: mangler kolonne(r) adrid (en av: adresseid" in exc.value.message
    assert exc.value.file == str(p) and exc.value.line is None and exc.value.field == "adrid"


def test_id_that_is_not_a_number(tmp_path):
    p = tmp_path / "Mangler_30Mbit.csv"
    p.write_text("lokalid;postnr\n10;7395\nx12;7395\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_consultation_list(p)
    assert exc.value.message == "ikke et tall: 'x12'"
    assert exc.value.file == str(p) and exc.value.line == 3 and exc.value.field == "lokalid"
