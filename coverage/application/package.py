"""Application package of one build-out area, for the county council (fylkeskommunen).

Written into one folder per area:

- ``adresser.csv`` / ``adresser.xlsx``: the eligible addresses with id, text, gnr/bnr and counts;
- ``omrade.gpkg`` (layers ``omrade`` and ``adresser``, EPSG:25833) and ``omrade.geojson`` /
  ``adresser.geojson`` (EPSG:4326);
- ``kostnad_og_finansiering.xlsx``: inputs and live formulas deriving route length, cost, operator
  contribution, funding gap, state grant, county and municipal co-funding — a case officer can
  follow and change every figure in Excel/LibreOffice;
- ``sammendrag.html``: a one-page summary in bokmål with a map image (inline SVG).
"""

from __future__ import annotations

import shutil
import tempfile
from html import escape
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from dekning import __version__
from dekning.config import Config
from dekning.crs import WEB_CRS
from dekning.errors import PlanningError
from dekning.money import annuity_factor

ADDRESS_COLUMNS = {
    "adrid": "adresse_id",
    "adressetekst": "adresse",
    "postnummer": "postnummer",
    "poststed": "poststed",
    "kommunenummer": "kommunenummer",
    "gnr": "gnr",
    "bnr": "bnr",
    "hus": "husstander",
    "naering": "virksomheter",
    "offentlig": "offentlige_bygg",
    "fritid": "fritidsboliger",
    "best_down_kbps": "beste_ned_kbps",
    "best_tek": "beste_teknologi",
    "band": "klasse",
}
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")


def _nok(v: float) -> str:
    return f"{int(v):,}".replace(",", " ") + " kr"


def address_list(classified: gpd.GeoDataFrame, area_id: str) -> gpd.GeoDataFrame:
    """Eligible addresses of an area with the columns the county's address template asks for."""
    rows = classified[(classified["area_id"] == area_id) & classified["eligible"]]
    cols = [c for c in ADDRESS_COLUMNS if c in rows.columns]
    out = rows[[*cols, "geometry"]].rename(columns=ADDRESS_COLUMNS)
    return out.sort_values(["adresse"], kind="stable").reset_index(drop=True)


def funding_workbook(area: pd.Series, cfg: Config, path: Path) -> None:
    """Write the cost and funding sheet with live formulas (inputs highlighted in yellow).

    The formulas round as dekning does, so the workbook reproduces dekning's figures to the krone.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "Kostnad og finansiering"
    c, f = cfg.costs, cfg.funding
    rows: list[tuple[str, object, str, str]] = []  # label, value or formula, unit, explanation

    def add(label: str, value: object, unit: str = "", note: str = "") -> str:
        assert not note.startswith("=") and not label.startswith("="), (
            "text would be read as a formula"
        )
        rows.append((label, value, unit, note))
        return f"B{len(rows) + 2}"

    hus = add("Husstander", int(area["hus"]), "stk", "støtteberettigede adresser i området")
    naering = add("Virksomheter", int(area["naering"]), "stk")
    offentlig = add("Offentlige bygg", int(area["offentlig"]), "stk")
    enheter = add(
        "Støtteberettigede enheter",
        f"={hus}+{naering}+{offentlig}",
        "stk",
        "fritidsboliger telles ikke",
    )
    add(
        "Fritidsboliger i området", int(area["fritid"]), "stk", "rapporteres, ikke støtteberettiget"
    )
    along_roads = area["metode"] == "veg"
    mst = add(
        "Trasé mellom adressene",
        float(area["trase_m"]),
        "m",
        "langs veg (Steiner-tre) + stikk til husene"
        if along_roads
        else "minimum spenntre, rett linje",
    )
    link = add(
        "Tilknytning til nærmeste fiberadresse",
        float(area["link_m"]),
        "m",
        "langs veg" if along_roads else "rett linje",
    )
    detour = add(
        "Omvegsfaktor", float(area["omveg"]), "", "1 langs veg; rett linje → langs veg ellers"
    )
    route = add("Trasélengde", f"=ROUND(({mst}+{link})*{detour},1)", "m")
    ducted = add(
        "Herav i eksisterende trekkrør", float(area["i_trekkror_m"]), "m", "målt mot trekkrør-laget"
    )
    ground_rows = []
    for klasse in sorted(c.ground_cost_per_metre_nok):
        metres = add(
            f"Herav i grunnklasse «{klasse}»",
            float(area.get(f"grunn_{klasse}_m", 0.0)),
            "m",
            "utenfor trekkrør",
        )
        price = add(f"Kostnad per meter i «{klasse}»", c.ground_cost_per_metre_nok[klasse], "kr/m")
        ground_rows.append((metres, price))
    per_m = add("Kostnad per meter", c.cost_per_metre_nok, "kr/m", "graving/pløying, vanlig grunn")
    per_m_duct = add(
        "Kostnad per meter i trekkrør", c.cost_per_metre_duct_nok, "kr/m", "innblåsing av fiber"
    )
    rest = "".join(f"-{m}" for m, _ in ground_rows)
    extra = "".join(f"+{m}*{p}" for m, p in ground_rows)
    trench = add(
        "Graving og kabel",
        f"=ROUND(({route}-{ducted}{rest})*{per_m}+{ducted}*{per_m_duct}{extra},0)",
        "kr",
    )
    take = add("Forventet tilslutning", c.take_up, "andel")
    conns = add("Forventede tilknytninger", f"={enheter}*{take}", "stk")
    per_conn = add("Kostnad per tilknytning", c.per_connection_nok, "kr")
    conn_cost = add("Tilknytninger", f"=ROUND({enheter}*{take}*{per_conn},0)", "kr")
    equip = add("Utstyr og prosjektledelse", c.fixed_equipment_nok, "kr")
    cost = add("Total prosjektkostnad", f"={trench}+{conn_cost}+{equip}", "kr")
    if f.operator_model == "share_of_cost":
        share = add("Tilbyders andel av kostnaden", f.operator_share_of_cost, "andel")
        operator = add("Tilbyders bidrag", f"=MIN(ROUND({share}*{cost},0),{cost})", "kr")
    else:
        monthly = add("Inntekt per tilknytning per måned", f.monthly_revenue_nok, "kr")
        margin = add("Margin", f.margin, "andel")
        pv = annuity_factor(f.years, f.discount_rate)
        factor = add(
            "Nåverdifaktor", pv, "", f"(1-(1+r)^-n)/r med n={f.years} år, r={f.discount_rate}"
        )
        operator = add(
            "Tilbyders bidrag (nåverdi)",
            f"=MIN(ROUND({conns}*{monthly}*12*{margin}*{factor},0),{cost})",
            "kr",
        )
    priv_per = add("Privat bidrag og dugnad per tilknytning", f.private_per_connection_nok, "kr")
    private = add(
        "Private bidrag og dugnad", f"=MIN(ROUND({priv_per}*{conns},0),{cost}-{operator})", "kr"
    )
    gap = add("Støttebehov", f"={cost}-{operator}-{private}", "kr", "kostnad − tilbyder − private")
    rule, pct = str(area["regel"]), float(area["regel_pct"])
    add(
        "Regel for lokale bidrag",
        rule,
        "",
        {
            "pct_of_state_grant": "lokalt ≥ p × statlig tilskudd",
            "pct_of_total": "lokalt (inkl. private) ≥ p × total kostnad",
            "none": "ingen minsteandel",
        }.get(rule, ""),
    )
    p = add("Regelprosent p", pct, "andel")
    if rule == "pct_of_state_grant":
        local_min = add(
            "Minste lokale offentlige bidrag",
            f"=MIN(ROUNDUP({gap}*{p}/(1+{p}),0),{gap})",
            "kr",
            "støttebehov × p/(1+p)",
        )
    elif rule == "pct_of_total":
        local_min = add(
            "Minste lokale offentlige bidrag",
            f"=MIN(MAX(0,ROUNDUP({cost}*{p},0)-{private}),{gap})",
            "kr",
        )
    else:
        local_min = add("Minste lokale offentlige bidrag", 0, "kr")
    max_state = add("Maks statlig andel av støttebehovet", f.max_state_share_of_gap, "andel")
    state = add("Statlig tilskudd", f"=MIN({gap}-{local_min},ROUNDDOWN({max_state}*{gap},0))", "kr")
    county_share = add("Fylkeskommunens andel av støttebehovet", f.county_share_of_public, "andel")
    county = add(
        "Fylkeskommunalt bidrag", f"=MIN({gap}-{state},ROUNDDOWN({county_share}*{gap},0))", "kr"
    )
    municipal = add("Kommunal egenandel", f"={gap}-{state}-{county}", "kr")
    add(
        "Kontroll: kostnad − alle bidrag",
        f"={cost}-({operator}+{private}+{state}+{county}+{municipal})",
        "kr",
        "skal være 0",
    )
    add("Kostnad per enhet", f"=ROUND({cost}/{enheter},0)", "kr")
    add("Kommunal egenandel per tilknytning", f"=ROUND({municipal}/{conns},0)", "kr")

    ws["A1"] = f"Område {area['area_id']} – kostnad og finansiering (dekning {__version__})"
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["Post", "Verdi", "Enhet", "Forklaring"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for label, value, unit, note in rows:
        ws.append([label, value, unit, note])
        cell = ws.cell(row=ws.max_row, column=2)
        if not (isinstance(value, str) and value.startswith("=")) and not isinstance(value, str):
            cell.fill = INPUT_FILL
        if unit == "kr":
            cell.number_format = "# ##0"
    for col, width in zip("ABCD", (44, 16, 8, 46), strict=True):
        ws.column_dimensions[col].width = width
    ws.cell(row=ws.max_row + 2, column=1, value="Gule felt er forutsetninger; resten er formler.")
    wb.save(path)


def _svg_map(
    area: gpd.GeoDataFrame,
    addresses: gpd.GeoDataFrame,
    route: gpd.GeoDataFrame | None = None,
    size: int = 420,
) -> str:
    """A small map image of the area outline, its addresses and the fibre route, with a scale bar (SVG)."""
    bounds = [area.total_bounds] + (
        [route.total_bounds] if route is not None and len(route) else []
    )
    minx, miny = np.min([b[:2] for b in bounds], axis=0)
    maxx, maxy = np.max([b[2:] for b in bounds], axis=0)
    pad = 0.05 * max(maxx - minx, maxy - miny, 200)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    scale = size / max(maxx - minx, maxy - miny)

    def xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (x - minx) * scale, (maxy - y) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" role="img" '
        f'aria-label="Kart over området">',
        f'<rect width="{size}" height="{size}" fill="#f4f4f0"/>',
    ]
    for geom in area.geometry:
        polys = getattr(geom, "geoms", [geom])
        for poly in polys:
            px, py = xy(*np.asarray(poly.exterior.coords).T)
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
            parts.append(
                f'<polygon points="{pts}" fill="#009E73" fill-opacity="0.25" stroke="#000" stroke-width="1.5"/>'
            )
    if route is not None:
        for line in shapely.get_parts(route.geometry.to_numpy()):
            px, py = xy(*np.asarray(line.coords).T)
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="#0072B2" stroke-width="1.6"/>'
            )
    ax, ay = xy(addresses.geometry.x.to_numpy(), addresses.geometry.y.to_numpy())
    parts += [
        f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.2" fill="#D55E00"/>'
        for a, b in zip(ax, ay, strict=True)
    ]
    bar = 1000 * scale if 1000 * scale < size * 0.6 else 100 * scale
    label = "1 km" if 1000 * scale < size * 0.6 else "100 m"
    parts.append(
        f'<line x1="10" y1="{size - 12}" x2="{10 + bar:.1f}" y2="{size - 12}" stroke="#000" stroke-width="3"/>'
    )
    parts.append(f'<text x="10" y="{size - 18}" font-size="12">{label}</text></svg>')
    return "".join(parts)


def summary_html(
    area: pd.Series,
    addresses: gpd.GeoDataFrame,
    area_gdf: gpd.GeoDataFrame,
    cfg: Config,
    route: gpd.GeoDataFrame | None = None,
) -> str:
    """One-page summary (bokmål) of the area and its funding plan, with a map image."""
    figures = [
        ("Husstander", f"{int(area['hus'])}"),
        ("Virksomheter", f"{int(area['naering'])}"),
        ("Offentlige bygg", f"{int(area['offentlig'])}"),
        ("Fritidsboliger (ikke støtteberettiget)", f"{int(area['fritid'])}"),
        (
            "Trasélengde"
            + (" (langs veg)" if area["metode"] == "veg" else " (anslått fra rett linje)"),
            f"{area['route_m']:,.0f} m".replace(",", " "),
        ),
        ("Herav i eksisterende trekkrør", f"{area['i_trekkror_m']:,.0f} m".replace(",", " ")),
        ("Total prosjektkostnad", _nok(area["kost_total"])),
        ("Tilbyders bidrag", _nok(area["tilbyder"])),
        ("Private bidrag og dugnad", _nok(area["private"])),
        ("Støttebehov", _nok(area["stottebehov"])),
        ("Statlig tilskudd", _nok(area["statlig"])),
        ("Fylkeskommunalt bidrag", _nok(area["fylke"])),
        ("Kommunal egenandel", _nok(area["kommunal"])),
        ("Kostnad per enhet", _nok(area["kost_per_enhet"])),
        ("Kommunal egenandel per tilknytning", _nok(area["kommunal_per_tilknytning"])),
    ]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in figures)
    rule = {
        "pct_of_state_grant": f"lokale offentlige bidrag minst {area['regel_pct']:.0%} av statlig tilskudd",
        "pct_of_total": f"lokale bidrag minst {area['regel_pct']:.0%} av total kostnad",
        "none": "ingen minstekrav til lokale bidrag",
    }.get(str(area["regel"]), str(area["regel"]))
    return f"""<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>Område {escape(str(area["area_id"]))} – søknadssammendrag</title>
<style>body{{font:14px/1.45 system-ui,sans-serif;max-width:820px;margin:24px auto;color:#111}}
table{{border-collapse:collapse}}th{{text-align:left;padding:3px 14px 3px 0;font-weight:600}}td{{text-align:right}}
.wrap{{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}}@media print{{body{{margin:0}}}}</style></head>
<body><h1>{escape(cfg.municipality.name)}: område {escape(str(area["area_id"]))}</h1>
<p>Søknad om bredbåndsstøtte, støtteordningens år {cfg.classify.scheme_year}. {len(addresses)} adresser mangler tilbud om
{"100" if cfg.classify.scheme_year >= 2022 else "30"} Mbit/s. Regel for egenandel: {escape(rule)}.</p>
<div class="wrap"><div>{_svg_map(area_gdf, addresses, route)}</div><table>{rows}</table></div>
<p>Alle tall er avledet i <code>kostnad_og_finansiering.xlsx</code> (formler), adresselisten i
<code>adresser.xlsx</code>. Kostnadene er anslag; endelig tilskudd fastsettes gjennom konkurransen.</p>
<p style="color:#555">Laget med dekning {__version__}.</p></body></html>"""


def write_application(
    classified: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    area_id: str,
    cfg: Config,
    out_dir: str | Path,
    *,
    routes: gpd.GeoDataFrame | None = None,
) -> Path:
    """Write the application package of ``area_id`` into ``out_dir`` (replaced atomically).

    Raises
    ------
    PlanningError
        No such area.
    """
    match = areas[areas["area_id"] == area_id]
    if match.empty:
        raise PlanningError(f"no build-out area {area_id!r}; areas: {', '.join(areas['area_id'])}")
    area = match.iloc[0]
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        tmp.chmod(0o755)
        adr = address_list(classified, area_id)
        table = pd.DataFrame(adr.drop(columns="geometry"))
        table.to_csv(tmp / "adresser.csv", sep=";", index=False)
        table.to_excel(tmp / "adresser.xlsx", index=False, sheet_name="Adresser")
        area_gdf = match[
            [
                "area_id",
                "hus",
                "naering",
                "offentlig",
                "fritid",
                "kost_total",
                "stottebehov",
                "statlig",
                "kommunal",
                "geometry",
            ]
        ]
        area_gdf.to_file(tmp / "omrade.gpkg", layer="omrade", driver="GPKG")
        adr.to_file(tmp / "omrade.gpkg", layer="adresser", driver="GPKG")
        route = routes[routes["area_id"] == area_id] if routes is not None else None
        if route is not None and len(route):
            route.to_file(tmp / "omrade.gpkg", layer="trase", driver="GPKG")
        area_gdf.to_crs(WEB_CRS).to_file(tmp / "omrade.geojson", driver="GeoJSON")
        adr.to_crs(WEB_CRS).to_file(tmp / "adresser.geojson", driver="GeoJSON")
        funding_workbook(area, cfg, tmp / "kostnad_og_finansiering.xlsx")
        (tmp / "sammendrag.html").write_text(
            summary_html(area, adr, match, cfg, route), encoding="utf-8"
        )
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
