"""The application package of an area: its files and figures, the same package from a run's
output files, text from the input kept as data (never a formula, never markup)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from dekning.coverage.application.package import PACKAGE_FILES, write_application
from dekning.errors import InputError, PlanningError
from dekning.money import nok
from dekning.pipeline import run
from dekning.textsafe import from_spreadsheet_frame, read_spreadsheet_csv

FILES = set(PACKAGE_FILES)


@pytest.mark.parametrize("area_id", ["O-004", "O-001"])  # chosen within the budget, and not
def test_package_files_and_figures(area_id, default_result, default_config, tmp_path):
    areas = default_result.areas
    area = areas.set_index("area_id").loc[area_id]
    out = write_application(
        default_result.classified,
        areas,
        area_id,
        default_config,
        tmp_path / area_id,
        routes=default_result.routes,
    )
    assert {p.name for p in out.iterdir()} == FILES
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    adr = read_spreadsheet_csv(out / "adresser.csv", ("Postnummer",))
    assert len(adr) == area["adresser"] and adr["Husstander"].sum() == area["hus"]
    assert adr["Virksomheter"].sum() == area["naering"]
    assert adr["Adresse"].tolist() == sorted(adr["Adresse"])
    assert list(pyogrio.list_layers(out / "omrade.gpkg")[:, 0]) == ["omrade", "adresser", "trase"]
    outline = gpd.read_file(out / "omrade.gpkg", layer="omrade")
    assert outline.crs.to_epsg() == 25833 and outline["kost_total"].iloc[0] == area["kost_total"]
    geo = json.loads((out / "omrade.geojson").read_text(encoding="utf-8"))
    assert geo["features"][0]["properties"]["kommunal"] == area["kommunal"]
    assert gpd.read_file(out / "adresser.geojson").crs.to_epsg() == 4326
    html = (out / "sammendrag.html").read_text(encoding="utf-8")
    assert nok(area["kommunal"]) in html and nok(area["statlig"]) in html
    # Every address a dot of the one path of dots; the one <circle> is the legend's.
    dots = re.search(r'<path d="([^"]*)"[^>]*stroke-linecap="round"/>', html).group(1)
    assert dots.count("M") == dots.count("h0") == area["adresser"]
    assert html.count("<circle ") == 1
    route = re.search(r'<path d="([^"]*)" fill="none" stroke="#0072B2"', html).group(1)
    lines = shapely.get_parts(default_result.routes.set_index("area_id").geometry[area_id])
    assert route.count("M") == len(lines)  # every line of the route
    assert "mangler tilbud om\n100 Mbit/s" in html  # the 2024 rule: eligible below 100 Mbit/s


def test_a_package_is_replaced_whole(default_result, default_config, tmp_path):
    folder = tmp_path / "pakke"
    folder.mkdir()
    (folder / "adresser.csv").write_text("gammel pakke", encoding="utf-8")
    write_application(
        default_result.classified, default_result.areas, "O-006", default_config, folder
    )
    assert {p.name for p in folder.iterdir()} == FILES
    assert (folder / "adresser.csv").read_text(encoding="utf-8") != "gammel pakke"
    assert list(pyogrio.list_layers(folder / "omrade.gpkg")[:, 0]) == ["omrade", "adresser"]
    assert [p.name for p in tmp_path.iterdir()] == ["pakke"]


def test_a_users_folder_is_never_replaced_by_a_package(default_result, default_config, tmp_path):
    folder = tmp_path / "dokumenter"
    folder.mkdir()
    (folder / "avhandling.docx").write_text("viktig", encoding="utf-8")
    with pytest.raises(InputError, match="er ikke skrevet av dekning"):
        write_application(
            default_result.classified, default_result.areas, "O-006", default_config, folder
        )
    assert [p.name for p in folder.iterdir()] == ["avhandling.docx"]
    assert [p.name for p in tmp_path.iterdir()] == ["dokumenter"]


def test_a_failed_package_leaves_the_old_one_and_no_temporary(
    default_result, default_config, tmp_path
):
    folder = tmp_path / "pakke"
    folder.mkdir()
    (folder / "adresser.csv").write_text("gammel pakke", encoding="utf-8")
    broken = default_result.classified.drop(columns="adressetekst")
    with pytest.raises(InputError, match=r"address_list\(classified\): mangler kolonne") as exc:
        write_application(broken, default_result.areas, "O-006", default_config, folder)
    assert exc.value.field == "adressetekst"
    assert [p.name for p in tmp_path.iterdir()] == ["pakke"]  # the temporary folder is gone
    assert (folder / "adresser.csv").read_text(encoding="utf-8") == "gammel pakke"


@pytest.fixture(scope="module")
def run_folder(default_config, tmp_path_factory) -> Path:
    """The default run written to files, as the API finds it."""
    out = tmp_path_factory.mktemp("run") / "ut"
    run(default_config, out)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("area_id", ["O-004", "O-001"])
def test_the_same_package_from_the_run_s_output_files(
    area_id, run_folder, default_result, default_config, tmp_path, compare_outputs
):
    classified = gpd.read_file(run_folder / "adresser_klassifisert.gpkg", layer="adresser")
    areas = gpd.read_file(run_folder / "omrader.gpkg", layer="omrader")
    routes = gpd.read_file(run_folder / "omrader.gpkg", layer="traseer")
    again = write_application(
        classified, areas, area_id, default_config, tmp_path / "igjen", routes=routes
    )
    if (run_folder / "soknad" / area_id).exists():  # chosen: the run wrote its package
        reference = run_folder / "soknad" / area_id
    else:
        reference = write_application(
            default_result.classified,
            default_result.areas,
            area_id,
            default_config,
            tmp_path / "fra_kjoringen",
            routes=default_result.routes,
        )
    assert compare_outputs(reference, again) == []


def test_an_unknown_area_is_named_in_bokmal(default_result, default_config, tmp_path):
    with pytest.raises(PlanningError, match="ukjent utbyggingsområde 'O-999'; områdene er: O-001"):
        write_application(
            default_result.classified, default_result.areas, "O-999", default_config, tmp_path / "x"
        )
    assert not list(tmp_path.iterdir())


def test_frames_in_another_crs_are_refused(default_result, default_config, tmp_path):
    r = default_result
    cases = {
        "classified": (r.classified.to_crs(4326), r.areas, None),
        "areas": (r.classified, r.areas.to_crs(4326), None),
        "routes": (r.classified, r.areas, r.routes.to_crs(4326)),
    }
    for name, (cls, areas, routes) in cases.items():
        with pytest.raises(InputError, match=rf"write_application\({name}\).*EPSG:4326"):
            write_application(cls, areas, "O-004", default_config, tmp_path / "x", routes=routes)
    with pytest.raises(InputError, match=r"write_application\(areas\): mangler kolonne") as exc:
        write_application(
            r.classified, r.areas.drop(columns="statlig"), "O-004", default_config, tmp_path
        )
    assert exc.value.field == "statlig"


FORMULA = '=HYPERLINK("http://x","y")'
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def hostile(default_result, default_config):
    """The default run with hostile text in an area id, address text, post towns and the
    municipality's name."""
    cls = default_result.classified.copy()
    areas = default_result.areas.copy()
    routes = default_result.routes.copy()
    bad_id = f"O-004{SCRIPT}"
    for frame in (cls, areas, routes):
        frame.loc[frame["area_id"] == "O-004", "area_id"] = bad_id
    mine = cls.index[(cls["area_id"] == bad_id) & cls["eligible"]]
    cls.loc[mine[0], "adressetekst"] = FORMULA
    cls.loc[mine[1], "adressetekst"] = "#N/A"
    cls.loc[mine[2], "adressetekst"] = "Bjørkveien 1\x07"
    cls.loc[mine, "poststed"] = SCRIPT
    municipality = default_config.municipality.model_copy(update={"name": "Fjell<b>dal</b>"})
    cfg = default_config.model_copy(update={"municipality": municipality})
    return cls, areas, routes, bad_id, cfg


def test_text_from_the_input_is_data(hostile, tmp_path):
    cls, areas, routes, bad_id, cfg = hostile
    out = write_application(cls, areas, bad_id, cfg, tmp_path / "pakke", routes=routes)
    ws = openpyxl.load_workbook(out / "adresser.xlsx").active
    cells = {c.value: c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    for text in (FORMULA, "#N/A", "Bjørkveien 1\ufffd", SCRIPT):
        assert cells[text].data_type == "s", text  # stored as text: shown, never run
    assert not [c for c in cells.values() if c.data_type != "s"]
    csv = pd.read_csv(out / "adresser.csv", sep=";", encoding="utf-8-sig", dtype=str)
    # In the CSV a formula-like text gets a leading ' (OWASP): a spreadsheet shows it as text.
    assert "'" + FORMULA in set(csv["Adresse"]) and FORMULA not in set(csv["Adresse"])
    assert FORMULA in set(from_spreadsheet_frame(csv)["Adresse"])
    assert set(csv["Poststed"]) == {SCRIPT}
    assert csv["Husstander"].map(int).ge(0).all()  # numbers stay numbers
    html = (out / "sammendrag.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<b>" not in html
    assert "O-004&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Fjell&lt;b&gt;dal" in html


@pytest.mark.slow
def test_libreoffice_shows_hostile_addresses_as_text(hostile, libreoffice_rows, tmp_path):
    cls, areas, routes, bad_id, cfg = hostile
    out = write_application(cls, areas, bad_id, cfg, tmp_path / "pakke", routes=routes)
    rows = libreoffice_rows([out / "adresser.xlsx"], tmp_path / "csv")[out / "adresser.xlsx"]
    header, body = rows[0], rows[1:]
    shown = {r[header.index("Adresse")] for r in body}
    assert {FORMULA, "#N/A", "Bjørkveien 1\ufffd"} <= shown  # the text itself, not "y"
    assert {r[header.index("Poststed")] for r in body} == {SCRIPT}
    assert len(body) == len(read_spreadsheet_csv(out / "adresser.csv"))


def test_without_pango_the_package_lacks_only_the_pdf_and_says_why(
    default_result, default_config, tmp_path, monkeypatch
):
    """A machine without Pango (WeasyPrint cannot load) still gets every other file, and the
    run's report says why the PDF is missing and what to install."""
    import sys

    from dekning.report import RunReport

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # importing it now fails
    report = RunReport()
    area_id = str(default_result.areas["area_id"].iloc[0])
    out = write_application(
        default_result.classified,
        default_result.areas,
        area_id,
        default_config,
        tmp_path / "pakke",
        routes=default_result.routes,
        report=report,
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(set(PACKAGE_FILES) - {"sammendrag.pdf"})
    (warning,) = report.warnings
    assert warning.code == "summary_pdf_missing" and warning.examples == [area_id]
    assert "libpango-1.0-0" in warning.message and "sammendrag.html" in warning.message
    # written again where Pango is there: the folder is dekning's, replaced whole, with the PDF
    monkeypatch.delitem(sys.modules, "weasyprint")
    write_application(default_result.classified, default_result.areas, area_id, default_config, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(PACKAGE_FILES)


def test_gdal_s_sqlite_setting_is_put_back(default_result, default_config, tmp_path):
    """The package's GeoPackage is written without waiting for the disk; GDAL's setting from
    before (a user's, or none) is back afterwards, and the layers are all there."""
    key = "OGR_SQLITE_SYNCHRONOUS"
    r = default_result
    pyogrio.set_gdal_config_options({key: "NORMAL"})
    try:
        write_application(r.classified, r.areas, "O-006", default_config, tmp_path / "a")
        assert pyogrio.get_gdal_config_option(key) == "NORMAL"
    finally:
        pyogrio.set_gdal_config_options({key: None})
    out = write_application(r.classified, r.areas, "O-006", default_config, tmp_path / "b")
    assert pyogrio.get_gdal_config_option(key) is None
    assert list(pyogrio.list_layers(out / "omrade.gpkg")[:, 0]) == ["omrade", "adresser"]
