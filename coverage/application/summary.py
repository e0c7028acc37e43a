"""The one-page summary of an application package (``sammendrag.html`` and, printed by
WeasyPrint, ``sammendrag.pdf``; bokmål) with a small map image (inline SVG) of the area, its
addresses and the fibre route, with a legend, a north arrow and a scale bar.

The page is one A4 page with 18 mm margins (``@page``) when printed, by a browser or into the
PDF, and says the municipality, the area and the day it was made.

Every text in the page is HTML-escaped: area ids, the municipality's name and rule names come
from the input and are shown, never run.
"""

from __future__ import annotations

import os
from datetime import date
from functools import cache
from html import escape
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dekning import __version__
from dekning.config import Config
from dekning.coverage.application.printing import whole_percent
from dekning.crs import require_crs
from dekning.money import nok, percent
from dekning.rules import eligibility_rule, heading_lines, scheme_year
from dekning.schema import has_drops

MAP_PX = 420
"""Width and height of the map image (pixels)."""
LEGEND_ROOM = 0.2
"""Room above the area for the legend, as a share of the area's extent."""
STYLE = """@page{size:A4;margin:18mm}
body{font:14px/1.45 system-ui,"DejaVu Sans",sans-serif;max-width:820px;margin:24px auto;color:#111}
table{border-collapse:collapse}th{text-align:left;padding:3px 14px 3px 0;font-weight:600}td{text-align:right}
.wrap{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}
.regler{border-left:4px solid #999;padding-left:10px}.antatt{color:#b00000;font-weight:600}
@media print{body{font-size:9pt;line-height:1.35;max-width:none;margin:0}h1{font-size:15pt;margin:0 0 6pt}
.wrap{flex-wrap:nowrap;gap:6mm}.kart svg{width:85mm;height:85mm}th,td{padding:1pt 8pt 1pt 0}p{margin:0 0 5pt}}"""
"""Screen: a column of 820 px. Print: one A4 page with 18 mm margins, the map beside the table."""
DOT_RADIUS = 2.2
"""Radius (pixels) of an address's dot on the map."""
DOT_COLOUR = "#D55E00"
DOTS = (
    f'<path d="{{d}}" fill="none" stroke="{DOT_COLOUR}" stroke-width="{2 * DOT_RADIUS}" '
    'stroke-linecap="round"/>'
)
"""Every address's dot, one ``<path>`` of zero-length lines (``M x,y h0``) with round caps: a
filled circle of :data:`DOT_RADIUS` at each point, drawn so by SVG (browsers) and by PDF
(WeasyPrint) alike, overlapping dots merging as circles of one colour do."""
LEGEND = (
    (
        '<rect x="14" y="{y}" width="18" height="12" fill="#009E73" fill-opacity="0.25" '
        'stroke="#000"/>',
        "Utbyggingsområde",
    ),
    ('<line x1="14" y1="{c}" x2="32" y2="{c}" stroke="#0072B2" stroke-width="2.5"/>', "Fibertrasé"),
    ('<circle cx="23" cy="{c}" r="3.5" fill="' + DOT_COLOUR + '"/>', "Støtteberettiget adresse"),
)
"""The map's legend: symbol (SVG, at row ``y``, centre ``c``) and its text."""


def _points(px: np.ndarray, py: np.ndarray) -> str:
    """SVG ``points`` of pixel coordinates, 0.1 px."""
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))


def _dots(px: np.ndarray, py: np.ndarray) -> str:
    """The path data of :data:`DOTS`: a dot at every pixel coordinate, 0.1 px.

    One element for all the addresses, not one each: WeasyPrint parses, styles and draws an
    element at a time, and a page of thousands of ``<circle>`` took most of a package's
    time."""
    return "".join(f"M{a:.1f},{b:.1f}h0" for a, b in zip(px, py, strict=True))


def _frame(area: gpd.GeoDataFrame, route: gpd.GeoDataFrame | None) -> tuple[float, float, float]:
    """(min x, max y, pixels per metre) of a square view around the area and its route, with
    5 % room on each side and :data:`LEGEND_ROOM` more above, where the legend and the north
    arrow are drawn."""
    bounds = [area.total_bounds] + (
        [route.total_bounds] if route is not None and len(route) else []
    )
    minx, miny = np.min([b[:2] for b in bounds], axis=0)
    maxx, maxy = np.max([b[2:] for b in bounds], axis=0)
    span = max(maxx - minx, maxy - miny, 200)
    pad = 0.05 * span
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad + LEGEND_ROOM * span
    return minx, maxy, MAP_PX / max(maxx - minx, maxy - miny)


def _legend() -> str:
    """The legend (top left, on white) and the north arrow (top right) of the map image."""
    rows = [
        symbol.format(y=13 + 22 * i, c=19 + 22 * i)
        + f'<text x="40" y="{24 + 22 * i}" font-size="14">{text}</text>'
        for i, (symbol, text) in enumerate(LEGEND)
    ]
    box = f'<rect x="6" y="6" width="214" height="{22 * len(LEGEND) + 10}" fill="#fff" ' + (
        'fill-opacity="0.9" stroke="#999"/>'
    )
    x = MAP_PX - 24
    north = (
        f'<g aria-label="Nord"><polygon points="{x},10 {x - 10},38 {x},31 {x + 10},38" '
        f'fill="#000"/><text x="{x}" y="56" font-size="16" font-weight="bold" '
        'text-anchor="middle">N</text></g>'
    )
    return box + "".join(rows) + north


def svg_map(
    area: gpd.GeoDataFrame, addresses: gpd.GeoDataFrame, route: gpd.GeoDataFrame | None = None
) -> str:
    """A small map image (SVG, :data:`MAP_PX` square) of the area outline, its addresses and
    the fibre route, with a legend, a north arrow (the map is in EPSG:25833, north up) and a
    scale bar (1 km or 100 m).

    Raises
    ------
    InputError
        A frame is not in EPSG:25833.
    """
    require_crs(area, "svg_map(area)")
    require_crs(addresses, "svg_map(addresses)")
    if route is not None:
        require_crs(route, "svg_map(route)")
    minx, maxy, scale = _frame(area, route)
    size = MAP_PX

    def xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (x - minx) * scale, (maxy - y) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" '
        f'aria-label="Kart over området">',
        f'<rect width="{size}" height="{size}" fill="#f4f4f0"/>',
    ]
    for poly in shapely.get_parts(area.geometry.to_numpy()):
        pts = _points(*xy(*np.asarray(poly.exterior.coords).T))
        parts.append(
            f'<polygon points="{pts}" fill="#009E73" fill-opacity="0.25" stroke="#000" stroke-width="1.5"/>'
        )
    if route is not None:
        lines = [
            "M" + _points(*xy(*np.asarray(line.coords).T))
            for line in shapely.get_parts(route.geometry.to_numpy())
        ]
        if lines:  # one path of every line of the route, as a polyline each would draw them
            parts.append(
                f'<path d="{"".join(lines)}" fill="none" stroke="#0072B2" stroke-width="1.6"/>'
            )
    ax, ay = xy(addresses.geometry.x.to_numpy(), addresses.geometry.y.to_numpy())
    if len(ax):
        parts.append(DOTS.format(d=_dots(ax, ay)))
    km = 1000 * scale < size * 0.6
    bar, label = (1000 * scale, "1 km") if km else (100 * scale, "100 m")
    parts.append(
        f'<line x1="10" y1="{size - 12}" x2="{10 + bar:.1f}" y2="{size - 12}" stroke="#000" stroke-width="3"/>'
    )
    parts.append(f'<text x="10" y="{size - 18}" font-size="12">{label}</text>')
    parts.append(_legend() + "</svg>")
    return "".join(parts)


def _metres(value: float) -> str:
    """Whole metres with a no-break space between thousands: ``12 345 m``."""
    return f"{value:,.0f}".replace(",", "\u00a0") + "\u00a0m"


def figures(area: pd.Series) -> list[tuple[str, str]]:
    """The summary's table: (label, value) in bokmål, money in whole kroner."""
    method = " (langs veg)" if area["metode"] == "veg" else " (anslått fra rett linje)"
    return [
        ("Husstander", f"{int(area['hus'])}"),
        ("Virksomheter", f"{int(area['naering'])}"),
        ("Offentlige bygg", f"{int(area['offentlig'])}"),
        ("Fritidsboliger (ikke støtteberettiget)", f"{int(area['fritid'])}"),
        ("Trasélengde" + method, _metres(area["route_m"])),
        ("Herav i eksisterende trekkrør", _metres(area["i_trekkror_m"])),
        *_drop_figures(area),
        ("Total prosjektkostnad", nok(area["kost_total"])),
        ("Tilbyders bidrag", nok(area["tilbyder"])),
        ("Private bidrag og dugnad", nok(area["private"])),
        ("Støttebehov", nok(area["stottebehov"])),
        ("Statlig tilskudd", nok(area["statlig"])),
        ("Fylkeskommunalt bidrag", nok(area["fylke"])),
        ("Kommunal egenandel", nok(area["kommunal"])),
        ("Kostnad per enhet", nok(area["kost_per_enhet"])),
        ("Kommunal egenandel per tilknytning", nok(area["kommunal_per_tilknytning"])),
    ]


def _drop_figures(area: pd.Series) -> list[tuple[str, str]]:
    """The drops (stikkledninger) when the cost model gives them: metres, the project's cost
    (in the total) and the owner's (outside it)."""
    if not has_drops(area):
        return []
    out = [
        ("Herav stikkledninger", _metres(area["stikk_m"])),
        ("Stikkledninger, prosjektet", nok(area["kost_stikk"])),
    ]
    if "kost_stikk_eier" in area.index and pd.notna(area["kost_stikk_eier"]):
        out.append(("Stikkledninger, eier (ikke i totalen)", nok(area["kost_stikk_eier"])))
    return out


def share_text(share: float) -> str:
    """A share as a Norwegian percentage: 0.3 → ``30 %``, 0.2308 → ``23,08 %``."""
    return percent(share, 0 if whole_percent(share) else 2)


def rule_text(rule: str, pct: float) -> str:
    """The co-funding rule in words (bokmål): ``lokale offentlige bidrag minst 30 % av
    statlig tilskudd``; an unknown rule is named as it is."""
    p = share_text(pct)
    return {
        "pct_of_state_grant": f"lokale offentlige bidrag minst {p} av statlig tilskudd",
        "pct_of_total": f"lokale bidrag minst {p} av total kostnad",
        "none": "ingen minstekrav til lokale bidrag",
    }.get(rule, rule)


def summary_html(
    area: pd.Series,
    addresses: gpd.GeoDataFrame,
    area_gdf: gpd.GeoDataFrame,
    cfg: Config,
    route: gpd.GeoDataFrame | None = None,
    made: date | None = None,
) -> str:
    """One-page summary (bokmål) of the area and its funding plan, with a map image.

    Parameters
    ----------
    area
        The area's row of the run's areas (counts, metres, NOK, ``regel``, ``regel_pct``).
    addresses
        Its eligible addresses (:func:`~dekning.coverage.application.addresses.address_list`).
    area_gdf
        The area's outline (EPSG:25833).
    cfg
        The run's configuration (municipality name, scheme year).
    route
        The area's fibre route (EPSG:25833), if any.
    made
        The day the summary is made (shown; today when not given).
    """
    day = (made or date.today()).strftime("%d.%m.%Y")
    name = escape(cfg.municipality.name)
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in figures(area))
    area_id = escape(str(area["area_id"]))
    rule = escape(rule_text(str(area["regel"]), float(area["regel_pct"])))
    year = scheme_year(cfg.classify)
    limit = eligibility_rule(year).threshold_text()
    rules = "<br>".join(
        f'<span class="antatt">{escape(line)}</span>' if "ANTATT" in line else escape(line)
        for line in heading_lines(area, cfg)
    )
    return f"""<!doctype html>
<html lang="nb"><head><meta charset="utf-8">
<title>{name}: område {area_id} – søknadssammendrag {day}</title>
<meta name="generator" content="dekning {escape(__version__)}">
<style>{STYLE}</style></head>
<body><h1>{name}: område {area_id}</h1>
<p>Søknad om bredbåndsstøtte, støtteordningens år {year}. Datert {day}. {len(addresses)} adresser mangler tilbud om
{escape(limit)}. Regel for egenandel: {rule}.</p>
<p class="regler">{rules}</p>
<div class="wrap"><div class="kart">{svg_map(area_gdf, addresses, route)}</div><table>{rows}</table></div>
<p>Alle tall er avledet i <code>kostnad_og_finansiering.xlsx</code> (formler), adresselisten i
<code>adresser.xlsx</code>. Kostnadene er anslag; endelig tilskudd fastsettes gjennom konkurransen.</p>
<p style="color:#555">Laget {day} med dekning {escape(__version__)}.</p></body></html>"""


PANGO_MISSING = (
    "sammendrag.pdf ble ikke laget: PDF-utskriften (WeasyPrint) finner ikke systembiblioteket "
    "Pango; installer det (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0) og kjør "
    "igjen. sammendrag.html har det samme innholdet"
)
"""Why the PDF is missing when WeasyPrint cannot load its system libraries."""


@cache
def _font_config(pid: int) -> object:
    """One WeasyPrint font configuration for every PDF the process ``pid`` prints: Fontconfig's
    fonts are gathered once, and Pango's caches (fonts, line heights) serve every later page.
    The summary has no ``@font-face`` rule, so nothing is added to it. Keyed by the process id:
    a worker forked from a process that printed makes its own."""
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    return FontConfiguration()


def write_summary_pdf(html: str, path: Path) -> str | None:
    """Print the summary page into a PDF (one A4 page, the page's ``@page`` margins) with
    WeasyPrint: no browser and no network; the page has no external resources, and should a
    text ever ask for one, nothing is fetched (a URL fetcher that allows no protocol).

    Returns
    -------
    str or None
        None when the PDF was written; else why not (bokmål, :data:`PANGO_MISSING`): WeasyPrint
        is imported here, not with the module, so that a machine without Pango still runs the
        analysis and writes every other file.
    """
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
        from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

        fonts = _font_config(os.getpid())
    except (ImportError, OSError):  # OSError: cffi cannot open libpango / libgobject
        return PANGO_MISSING
    fetch_nothing = URLFetcher(allowed_protocols=())
    HTML(string=html, base_url=None, url_fetcher=fetch_nothing).write_pdf(path, font_config=fonts)
    return None
