"""The one-page summary: figures in kroner, the rule in words, an escaped page and a map
image drawn to scale."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from PIL import Image

from dekning.coverage.application.summary import (
    figures,
    rule_text,
    summary_html,
    svg_map,
    write_summary_pdf,
)
from dekning.errors import InputError
from dekning.money import nok
from dekning.schema import DROP_COLUMNS, has_drops


def test_the_rule_in_words():
    assert rule_text("pct_of_state_grant", 0.3) == (
        "lokale offentlige bidrag minst 30\u00a0% av statlig tilskudd"
    )
    assert rule_text("pct_of_total", 0.2308) == "lokale bidrag minst 23,08\u00a0% av total kostnad"
    assert rule_text("none", 0.0) == "ingen minstekrav til lokale bidrag"
    assert rule_text("<i>ny</i>", 0.1) == "<i>ny</i>"  # named as it is; the page escapes it


def test_figures_in_kroner_and_metres(default_result):
    area = default_result.areas.iloc[0]
    table = dict(figures(area))
    assert (
        table["Kommunal egenandel"]
        == f"{int(area['kommunal']):,}".replace(",", "\u00a0") + "\u00a0kr"
    )
    assert table["Trasélengde (langs veg)"].endswith("\u00a0m")
    # The cost model's drops: metres, the project's cost (in the total) and the owner's.
    assert table["Stikkledninger, prosjektet"] == nok(area["kost_stikk"])
    assert table["Stikkledninger, eier (ikke i totalen)"] == nok(area["kost_stikk_eier"])
    assert len(table) == 18
    # Without the drop columns (an older run's areas) the table is as before.
    assert len(figures(area.drop(["stikk_m", "kost_stikk", "kost_stikk_eier"]))) == 15
    # The page and the workbook decide by one rule (dekning.schema.has_drops): every drop
    # column with a value, or no drop figures at all.
    assert has_drops(area)
    for column in DROP_COLUMNS:
        gap = area.copy()
        gap[column] = None
        assert not has_drops(area.drop(column)) and not has_drops(gap)
        assert len(figures(area.drop(column))) == 15, column


def _square(side: float) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    area = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, side, side)], crs=25833)
    points = gpd.GeoDataFrame(geometry=shapely.points([[1, 1], [side / 2, side / 2]]), crs=25833)
    return area, points


def _dots(svg: str) -> list[tuple[float, float]]:
    """The centres of the address dots (one path of ``M x,y h0``)."""
    (path,) = re.findall(r'<path d="([^"]*)"[^>]*stroke-linecap="round"/>', svg)
    return [(float(x), float(y)) for x, y in re.findall(r"M([-0-9.]+),([-0-9.]+)h0", path)]


def test_map_image_to_scale():
    area, points = _square(4_000.0)
    svg = svg_map(area, points)
    assert svg.count("<circle ") == 1 and ">1 km</text>" in svg  # the legend's
    # Each address a dot where its circle was: x from 200 m left of the area, y down from
    # 1 000 m above it, 420 px for 5 200 m.
    px = 420 / 5_200
    assert _dots(svg) == [
        pytest.approx(((x + 200) * px, (5_000 - y) * px), abs=0.051)
        for x, y in [(1, 1), (2_000, 2_000)]
    ]
    # 4 km plus 5 % on each side and 20 % above (the legend's room) in 420 px: 1 km is
    # 420 / 5 200 × 1 000 = 80.8 px.
    x2 = float(re.search(r'<line x1="10" y1="408" x2="([0-9.]+)"', svg).group(1))
    assert x2 - 10 == pytest.approx(420 / 5_200 * 1_000, abs=0.05)
    small, points = _square(300.0)
    assert ">100 m</text>" in svg_map(small, points)
    with pytest.raises(InputError, match=r"svg_map\(addresses\).*EPSG:4326"):
        svg_map(area, points.to_crs(4326))


def test_the_page_escapes_every_text(default_result, default_config):
    area = default_result.areas.iloc[0].copy()
    area["area_id"] = "<script>x</script>"
    area["regel"] = "<i>ny</i>"
    municipality = default_config.municipality.model_copy(update={"name": "A & <B>"})
    cfg = default_config.model_copy(update={"municipality": municipality})
    outline = gpd.GeoDataFrame(
        pd.DataFrame([area]).drop(columns="geometry"), geometry=[area.geometry], crs=25833
    )
    html = summary_html(area, outline.iloc[:0], outline, cfg)
    assert "<script>" not in html and "<i>" not in html
    assert "<h1>A &amp; &lt;B&gt;: område &lt;script&gt;x&lt;/script&gt;</h1>" in html
    assert "Regel for egenandel: &lt;i&gt;ny&lt;/i&gt;." in html


def test_the_page_shows_each_rule_s_status_and_the_state_frame(default_result, default_config):
    area = default_result.areas.iloc[0].copy()
    area["stotteregel_aar"], area["stotteregel_status"] = 2026, "antatt"
    area["stotteregel_kilde"] = "eur-lex <EU>"
    area["regel_status"], area["regel_kilde"] = "verifisert", "trondelagfylke.no"
    outline = gpd.GeoDataFrame(
        pd.DataFrame([area]).drop(columns="geometry"), geometry=[area.geometry], crs=25833
    )
    html = summary_html(area, outline.iloc[:0], outline, default_config)
    assert (
        '<span class="antatt">Regel: 2026, ANTATT (ikke verifisert) – kilde: eur-lex &lt;EU&gt;'
        "</span>" in html
    )
    assert "<br>Egenandelsregel: verifisert – kilde: trondelagfylke.no<br>" in html
    assert (
        "Støtteordningens år: 2024 (satt i konfigurasjonen); statlig ramme: ukjent (ingen grense)"
        in html
    )
    # The run's own areas carry the run's rule: 2024, verified.
    run_area = default_result.areas.iloc[0]
    html = summary_html(run_area, outline.iloc[:0], outline, default_config)
    assert (
        "Regel: 2024, verifisert – kilde: nkom.no/hoeringer/horing-bredband-stotteordning-2024"
        in html
    )
    assert 'class="antatt"' not in html.split("</style>")[1]


def test_the_pdf_fetches_nothing(tmp_path):
    image = tmp_path / "bilde.png"
    Image.new("RGB", (9, 9), "red").save(image)  # WeasyPrint would embed it as an XObject
    page = f'<p>x<img src="{image.as_uri()}"><img src="http://127.0.0.1:9/a.png"></p>'
    write_summary_pdf(page, tmp_path / "s.pdf")
    data = (tmp_path / "s.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and b"/XObject" not in data  # no image was loaded


def test_every_address_is_a_dot_and_every_line_of_the_route_drawn():
    area = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1_000, 1_000)], crs=25833)
    xy = [[i * 7.0, (i * 13) % 1_000] for i in range(140)] + [[500, 500]] * 3  # 3 at one spot
    points = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=25833)
    lines = [
        shapely.LineString([(0, 0), (500, 500), (900, 100)]),
        shapely.LineString([(1, 1), (2, 9)]),
    ]
    route = gpd.GeoDataFrame(geometry=[shapely.MultiLineString(lines)], crs=25833)
    svg = svg_map(area, points, route)
    assert len(_dots(svg)) == len(points) and svg.count("<path ") == 2
    (d,) = re.findall(r'<path d="([^"]*)" fill="none" stroke="#0072B2" stroke-width="1.6"/>', svg)
    assert [len(part.split()) for part in d.split("M")[1:]] == [3, 2]  # each line, every vertex
    assert 'stroke="#D55E00" stroke-width="4.4"' in svg  # a dot is as wide as the circle was
    assert "<path" not in svg_map(area, points.iloc[:0])  # no addresses: no empty path


def test_the_pdf_has_the_page_s_text_whatever_was_printed_before(tmp_path):
    """The font configuration is made once and shared by every PDF; a PDF printed after
    others says what one printed on its own (WeasyPrint's own configuration) says."""
    import pypdf
    from weasyprint import HTML

    page = "<!doctype html><html lang=nb><body><h1>Område Ø-1</h1><p>Støttebehov 12\u00a0045\u00a0kr</p></body></html>"
    write_summary_pdf("<p>Først en annen side</p>", tmp_path / "a.pdf")
    write_summary_pdf(page, tmp_path / "b.pdf")
    HTML(string=page).write_pdf(tmp_path / "alone.pdf")

    def text(name: str) -> str:
        return pypdf.PdfReader(tmp_path / name).pages[0].extract_text()

    assert text("b.pdf") == text("alone.pdf") and "Støttebehov" in text("b.pdf")
