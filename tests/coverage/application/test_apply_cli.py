"""`dekning apply AREA_ID` run in-process: the package of a chosen and an unchosen area, its
figures equal to the run's, and a clear error in bokmål for an unknown area."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dekning.cli import app
from dekning.coverage.application.package import PACKAGE_FILES
from dekning.money import nok
from dekning.textsafe import read_spreadsheet_csv

FILES = set(PACKAGE_FILES)
WORKBOOK = {
    "Total prosjektkostnad": "kost_total",
    "Tilbyders bidrag": "tilbyder",
    "Støttebehov": "stottebehov",
    "Statlig tilskudd": "statlig",
    "Fylkeskommunalt bidrag": "fylke",
    "Kommunal egenandel": "kommunal",
    "Kostnad per enhet": "kost_per_enhet",
}


@pytest.mark.slow
@pytest.mark.parametrize("chosen", [True, False])  # an area chosen within the budget, and not
def test_apply_writes_the_package_of_an_area(chosen, default_result, workbook_values, tmp_path):
    areas = default_result.areas
    area_id = areas.loc[areas["valgt"] == chosen, "area_id"].iloc[0]
    area = areas.set_index("area_id").loc[area_id]
    target = tmp_path / "pakke"
    result = CliRunner().invoke(app, ["apply", area_id, "--out", str(target)])
    assert result.exit_code == 0, result.output
    said = f"kommunal egenandel {nok(area['kommunal'])}"
    assert " ".join(said.split()) in " ".join(result.output.split())  # however the lines wrap
    assert {p.name for p in target.iterdir()} == FILES
    values = workbook_values(target / "kostnad_og_finansiering.xlsx")
    assert {label: values[label] for label in WORKBOOK} == {
        label: area[column] for label, column in WORKBOOK.items()
    }
    adr = read_spreadsheet_csv(target / "adresser.csv")
    assert len(adr) == area["adresser"]
    assert adr["Husstander"].sum() == area["hus"] and adr["Virksomheter"].sum() == area["naering"]


def test_apply_to_an_unknown_area_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["apply", "O-999", "--out", str(tmp_path / "pakke")])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "Feil: ukjent utbyggingsområde 'O-999'; områdene er: O-001" in message
    assert "Traceback" not in result.output and not (tmp_path / "pakke").exists()
