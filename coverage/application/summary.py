"""The one-page summary of an application package (``sammendrag.html``, bokmål) with a small
map image (inline SVG) of the area, its addresses and the fibre route.

Every text in the page is HTML-escaped: area ids, the municipality's name and rule names come
from the input and are shown, never run.
"""

from __future__ import annotations

from html import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dekning import __version__
from dekning.config import Config
from dekning.coverage.application.printing import whole_percent
from dekning.crs import require_crs
from dekning.money import nok, percent
from dekning.rules import eligibility_rule, heading_lines

MAP_PX = 420
"""Width and height of the map image (pixels)."""
STYLE = """body{font:14px/1.45 system-ui,sans-serif;max-width:820px;margin:24px auto;color:#111}
table{border-collapse:collapse}th{text-align:left;padding:3px 14px 3px 0;font-weight:600}td{text-align:right}
.wrap{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}@media print{body{margin:0}}
.regler{border-left:4px solid #999;padding-left:10px}.antatt{color:#b00000;font-weight:600}"""


def _points(px: np.ndarray, py: np.ndarray) -> str:
    """SVG ``points`` of pixel coordinates, 0.1 px."""
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))


def _frame(area: gpd.GeoDataFrame, route: gpd.GeoDataFrame | None) -> tuple[float, float, float]:
    """(min x, max y, pixels per metre) of a square view around the area and its route."""
    bounds = [area.total_bounds] + (
        [route.total_bounds] if route is not None and len(route) else []
    )
    minx, miny = np.min([b[:2] for b in bounds], axis=0)
    maxx, maxy = np.max([b[2:] for b in bounds], axis=0)
    pad = 0.05 * max(maxx - minx, maxy - miny, 200)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    return minx, maxy, MAP_PX / max(maxx - minx, maxy - miny)


def svg_map(
    area: gpd.GeoDataFrame, addresses: gpd.GeoDataFrame, route: gpd.GeoDataFrame | None = None
) -> str:
    """A small map image (SVG, :data:`MAP_PX` square) of the area outline, its addresses and
    the fibre route, with a scale bar (1 km or 100 m).

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
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" role="img" '
        f'aria-label="Kart over området">',
        f'<rect width="{size}" height="{size}" fill="#f4f4f0"/>',
    ]
    for poly in shapely.get_parts(area.geometry.to_numpy()):
        pts = _points(*xy(*np.asarray(poly.exterior.coords).T))
        parts.append(
            f'<polygon points="{pts}" fill="#009E73" fill-opacity="0.25" stroke="#000" stroke-width="1.5"/>'
        )
    if route is not None:
        for line in shapely.get_parts(route.geometry.to_numpy()):
            pts = _points(*xy(*np.asarray(line.coords).T))
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="#0072B2" stroke-width="1.6"/>'
            )
    ax, ay = xy(addresses.geometry.x.to_numpy(), addresses.geometry.y.to_numpy())
    parts += [
        f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.2" fill="#D55E00"/>'
        for a, b in zip(ax, ay, strict=True)
    ]
    km = 1000 * scale < size * 0.6
    bar, label = (1000 * scale, "1 km") if km else (100 * scale, "100 m")
    parts.append(
        f'<line x1="10" y1="{size - 12}" x2="{10 + bar:.1f}" y2="{size - 12}" stroke="#000" stroke-width="3"/>'
    )
    parts.append(f'<text x="10" y="{size - 18}" font-size="12">{label}</text></svg>')
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
    if not all(c in area.index and pd.notna(area[c]) for c in ("stikk_m", "kost_stikk")):
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
    """
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in figures(area))
    area_id = escape(str(area["area_id"]))
    rule = escape(rule_text(str(area["regel"]), float(area["regel_pct"])))
    year = cfg.classify.resolved_scheme_year()
    limit = eligibility_rule(year).threshold_text()
    rules = "<br>".join(
        f'<span class="antatt">{escape(line)}</span>' if "ANTATT" in line else escape(line)
        for line in heading_lines(area, cfg)
    )
    return f"""<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>Område {area_id} – søknadssammendrag</title>
<style>{STYLE}</style></head>
<body><h1>{escape(cfg.municipality.name)}: område {area_id}</h1>
<p>Søknad om bredbåndsstøtte, støtteordningens år {year}. {len(addresses)} adresser mangler tilbud om
{escape(limit)}. Regel for egenandel: {rule}.</p>
<p class="regler">{rules}</p>
<div class="wrap"><div>{svg_map(area_gdf, addresses, route)}</div><table>{rows}</table></div>
<p>Alle tall er avledet i <code>kostnad_og_finansiering.xlsx</code> (formler), adresselisten i
<code>adresser.xlsx</code>. Kostnadene er anslag; endelig tilskudd fastsettes gjennom konkurransen.</p>
<p style="color:#555">Laget med dekning {escape(__version__)}.</p></body></html>"""
