"""The package as a case officer sees and prints it: the funding workbook and the address list
recalculated and shown by a Norwegian LibreOffice (number formats, print setup kept), printed
to PDF (pages, A4) and rendered into test-artifacts/ when poppler's ``pdftoppm`` is there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from dekning.coverage.application.package import write_application

ARTIFACTS = Path(
    os.environ.get("DEKNING_ARTIFACTS", Path(__file__).resolve().parents[3] / "test-artifacts")
)
NBSP = "\u00a0"
A4_POINTS = (595.3, 841.9)
A4 = 9
"""The paper size code of A4 (ECMA-376)."""


def render(pdf: Path, name: str) -> None:
    """Every page of ``pdf`` as PNG in test-artifacts/ (``name-1.png``, …) when ``pdftoppm``
    (Debian ``poppler-utils``) is installed; a copy of the PDF in any case."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, ARTIFACTS / f"{name}.pdf")
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "80", "-png", str(pdf), str(ARTIFACTS / name)],
            check=True,
            timeout=120,
        )


@pytest.fixture(scope="module")
def package(default_result, default_config, tmp_path_factory) -> Path:
    """The package of the first chosen area of the default run."""
    areas = default_result.areas
    area_id = str(areas.loc[areas["valgt"], "area_id"].iloc[0])
    out = tmp_path_factory.mktemp("pakke") / area_id
    return write_application(
        default_result.classified,
        areas,
        area_id,
        default_config,
        out,
        routes=default_result.routes,
    )


def test_the_workbook_prints_one_page_wide_on_a4(package):
    ws = openpyxl.load_workbook(package / "kostnad_og_finansiering.xlsx").active
    assert int(ws.page_setup.paperSize) == A4 and ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$5:$5" and ws.print_area.endswith("$A$1:$C$52")
    assert [c.value for c in ws[5]] == ["Post", "Verdi", "Forklaring"]
    formats = {row[0].value: row[1].number_format for row in ws.iter_rows(min_row=6)}
    assert formats["Total prosjektkostnad"] == '#,##0" kr"'
    assert formats["Forventet tilslutning"] == "0 %"
    assert formats["Forventede tilknytninger"] == '#,##0.0" tilknytninger"'


@pytest.mark.slow
def test_libreoffice_shows_grouped_kroner_and_plain_bokmal(
    package, default_result, libreoffice_shown, tmp_path
):
    rows = libreoffice_shown(package / "kostnad_og_finansiering.xlsx", tmp_path)
    title, heading = rows[0][0], [r[0] for r in rows[1:4]]
    assert title.startswith(f"Fjelldal (syntetisk): område {package.name} – kostnad")
    assert any("Støtteordningens år: 2024" in line for line in heading)
    assert any("Egenandelsregel: verifisert" in line for line in heading)
    shown = {r[0]: r[1] for r in rows[5:] if r and r[0]}
    area = default_result.areas.set_index("area_id").loc[package.name]
    total = f"{int(area['kost_total']):,}".replace(",", NBSP) + " kr"
    assert int(area["kost_total"]) > 1_000_000 and shown["Total prosjektkostnad"] == total
    assert shown["Forventet tilslutning"] == "70 %"
    tilknytninger = f"{area['tilknytninger']:.1f}".replace(".", ",")
    assert shown["Forventede tilknytninger"] == f"{tilknytninger} tilknytninger"
    rule = shown["Regel for lokale bidrag"].replace(NBSP, " ")
    assert rule == "lokale offentlige bidrag minst 30 % av statlig tilskudd"
    assert shown["Regelprosent p"] == "30 %"
    assert shown["Kontroll: kostnad − alle bidrag"] == "0 kr"
    assert not [v for v in shown.values() if "pct_of" in v or "andel" == v]


@pytest.mark.slow
def test_libreoffice_keeps_the_print_setup_and_prints_one_page(
    package, libreoffice_convert, pdf_layout, tmp_path
):
    book = package / "kostnad_og_finansiering.xlsx"
    (saved,) = libreoffice_convert([book], tmp_path / "xlsx", "xlsx")
    ws = openpyxl.load_workbook(saved).active
    assert int(ws.page_setup.paperSize) == A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$5:$5"
    (pdf,) = libreoffice_convert([book], tmp_path / "pdf", "pdf")
    render(pdf, "kostnad_og_finansiering")
    pages, size = pdf_layout(pdf.read_bytes())
    assert pages == 1  # the explanations print beside their figures, not on a page 2
    assert size == pytest.approx(A4_POINTS, abs=1)


def test_the_address_list_has_bokmal_headers_numbers_and_a_print_setup(package):
    ws = openpyxl.load_workbook(package / "adresser.xlsx").active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Adresse-ID", "Adresse", "Postnummer"] and "Husstander" in header
    assert not [h for h in header if "_" in h]
    first = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert first["Adresse-ID"].data_type == "n" and first["Adresse-ID"].number_format == "0"
    assert first["Gnr"].data_type == "n" and first["Husstander"].data_type == "n"
    assert first["Postnummer"].data_type == "s"  # a code: leading zeros kept
    for column in ws.iter_cols():  # no text cut off (up to 40 characters)
        longest = max(len(str(c.value)) for c in column if c.value is not None)
        assert ws.column_dimensions[column[0].column_letter].width >= min(longest, 40)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:N{ws.max_row}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == A4
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$1:$1"


@pytest.mark.slow
def test_libreoffice_shows_whole_ids_and_prints_the_list_one_page_wide(
    package, libreoffice_shown, libreoffice_convert, pdf_layout, tmp_path
):
    rows = libreoffice_shown(package / "adresser.xlsx", tmp_path)
    header, body = rows[0], rows[1:]
    ids = [r[header.index("Adresse-ID")] for r in body]
    assert all(i.isdigit() and len(i) == 9 for i in ids), ids[:3]  # never 3E+08
    (pdf,) = libreoffice_convert([package / "adresser.xlsx"], tmp_path / "pdf", "pdf")
    render(pdf, "adresser")
    pages, (width, height) = pdf_layout(pdf.read_bytes())
    assert (width, height) == pytest.approx(A4_POINTS[::-1], abs=1)  # landscape
    assert pages <= -(-len(body) // 30)  # one page wide: never split by column


def test_the_summary_is_one_a4_page_with_margins_a_date_and_a_map_legend(
    package, pdf_layout, pdf_info
):
    html = (package / "sammendrag.html").read_text(encoding="utf-8")
    margin = re.search(r"@page\{size:A4;margin:(\d+)mm\}", html)
    assert margin is not None and 15 <= int(margin.group(1)) <= 20
    today = date.today().strftime("%d.%m.%Y")
    assert f"Datert {today}." in html and f"Laget {today} med dekning" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    for entry in ("Utbyggingsområde", "Fibertrasé", "Støtteberettiget adresse"):
        assert f">{entry}</text>" in svg  # the legend
    assert 'aria-label="Nord"' in svg and ">N</text>" in svg  # the north arrow
    data = (package / "sammendrag.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    pages, size = pdf_layout(data)
    assert pages == 1 and size == pytest.approx(A4_POINTS, abs=1)
    heading = f"Fjelldal (syntetisk): område {package.name}"
    assert [t for t in pdf_info(data) if t.startswith(heading) and today in t]  # its title
    render(package / "sammendrag.pdf", "sammendrag")


def test_the_address_csv_opens_right_in_a_norwegian_spreadsheet(package):
    raw = (package / "adresser.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: æøå right on a double-click
    header, first = raw.decode("utf-8-sig").splitlines()[:2]
    assert header.startswith("Adresse-ID;Adresse;Postnummer;Poststed;") and "_" not in header
    cells = dict(zip(header.split(";"), first.split(";"), strict=True))
    assert cells["Adresse-ID"].isdigit() and cells["Husstander"].isdigit()
    assert "True" not in raw.decode("utf-8-sig") and "False" not in raw.decode("utf-8-sig")


def test_the_address_list_names_technologies_in_words(package):
    """Nkom's codes (``dsl``, ``ftb``) are written as people say them."""
    from dekning.schema import TECHNOLOGY_WORDS

    text = (package / "adresser.csv").read_bytes().decode("utf-8-sig").splitlines()
    header = text[0].split(";")
    shown = {row.split(";")[header.index("Beste teknologi")] for row in text[1:]}
    assert shown - {""} and shown <= {*TECHNOLOGY_WORDS.values(), ""}
    assert not shown & {"dsl", "ftb", "kabel"}
