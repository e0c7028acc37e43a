"""Candidate mast sites as people open them: ``master.xlsx`` (ranked candidates with what each
would newly cover, cost and funding, and what the figures rest on), ``master.csv``,
``master.gpkg`` (candidates; what the chosen sites newly cover), and per chosen site a mobile
application package ``soknad_mobil/<site_id>/`` (``mast.xlsx``, ``mast.gpkg``,
``adresser.csv``).

Every file says that this is a screening, not a radio plan.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from dekning.config import Config
from dekning.coverage.application.cells import excel_text, put, store_as_text
from dekning.coverage.application.printing import (
    KRONER,
    NUMBER_FORMATS,
    notes_sheet,
    print_setup,
    table_sheet,
)
from dekning.coverage.planning.funding import resolve_rule
from dekning.coverage.planning.masts import SCREENING_NOTE
from dekning.crs import require_crs
from dekning.money import decimal, nok, percent
from dekning.result import MastScreening
from dekning.rules import STATUS_TEXT, cofunding_line, mobile_line, scheme_year
from dekning.schema import ROAD_CATEGORY_WORDS
from dekning.textsafe import write_spreadsheet_csv

SITE_LABELS = {
    "rang": "Rang",
    "site_id": "Mast-ID",
    "navn": "Navn",
    "kilde": "Kilde",
    "valgt": "Valgt",
    "veg_km": "Ny dekning veg (km)",
    "adresser": "Nye adresser",
    "hus": "Nye husstander",
    "naering": "Nye virksomheter",
    "fritid": "Nye fritidsboliger",
    "verdi": "Verdi (mål for valget)",
    "kost_total": "Kostnad",
    "tilbyder": "Operatørens andel",
    "stottebehov": "Støttebehov",
    "statlig": "Statlig tilskudd",
    "fylke": "Fylkeskommunen",
    "kommunal": "Kommunal andel",
    "hoyde_m": "Antennehøyde (m)",
    "terreng_m": "Terrenghøyde (m)",
    "ost": "Øst (EPSG:25833)",
    "nord": "Nord (EPSG:25833)",
}
"""Headers of the candidates' sheet and ``master.csv``, in column order (road km per
category follow ``Ny dekning veg (km)``)."""
FORMATS = {
    "Rang": NUMBER_FORMATS["stk"],
    "Ny dekning veg (km)": "#,##0.00",
    "Nye adresser": NUMBER_FORMATS["stk"],
    "Nye husstander": NUMBER_FORMATS["stk"],
    "Nye virksomheter": NUMBER_FORMATS["stk"],
    "Nye fritidsboliger": NUMBER_FORMATS["stk"],
    "Verdi (mål for valget)": "#,##0.0",
    "Kostnad": KRONER,
    "Operatørens andel": KRONER,
    "Støttebehov": KRONER,
    "Statlig tilskudd": KRONER,
    "Fylkeskommunen": KRONER,
    "Kommunal andel": KRONER,
    "Antennehøyde (m)": "0",
    "Terrenghøyde (m)": "0",
    "Øst (EPSG:25833)": "0",
    "Nord (EPSG:25833)": "0",
}


def _category_header(column: str) -> str:
    """``veg_km_F`` → ``"… fylkesveg (km)"``."""
    cat = column.removeprefix("veg_km_")
    return f"Ny dekning {ROAD_CATEGORY_WORDS.get(cat, cat)} (km)"


def site_table(screening: MastScreening) -> pd.DataFrame:
    """The candidates by rank with bokmål headers (km to 10 m, coordinates to 1 m)."""
    s = screening.sites.sort_values("rang", kind="stable")
    t = pd.DataFrame(s.drop(columns="geometry")).reset_index(drop=True)
    t["ost"] = s.geometry.x.round().astype("int64").to_numpy()
    t["nord"] = s.geometry.y.round().astype("int64").to_numpy()
    t["valgt"] = np.where(t["valgt"], "ja", "nei")
    t["kilde"] = (
        t["kilde"].map({"bruker": "oppgitt", "automatisk": "høyt terreng"}).fillna(t["kilde"])
    )
    cats = [c for c in t.columns if c.startswith("veg_km_")]
    for col in ["veg_km", *cats]:
        t[col] = t[col].round(2)
    t["verdi"] = t["verdi"].round(1)
    t["terreng_m"] = t["terreng_m"].round()
    order = list(SITE_LABELS)
    at = order.index("veg_km") + 1
    order[at:at] = cats
    labels = {**SITE_LABELS, **{c: _category_header(c) for c in cats}}
    return t[order].rename(columns=labels)


def about_lines(screening: MastScreening, cfg: Config) -> list[str]:
    """What the figures rest on (sheet ``Om tallene``)."""
    m = cfg.masts
    year = scheme_year(cfg.classify)
    cof = resolve_rule(cfg.funding, year, cfg.municipality.county)
    budget = "ingen (kandidatene er bare rangert)" if m.budget_nok is None else nok(m.budget_nok)
    return [
        "Mastekandidater",
        SCREENING_NOTE,
        "Modell: fritt rom (ITU-R P.525) pluss terrengdiffraksjon etter Bullingtons metode "
        "(ITU-R P.526) langs profiler fra terrengmodellen, jordkrumning med k = 4/3.",
        f"Antakelser (erstatt med operatørens tall): {decimal(m.frequency_mhz, 0)} MHz, EIRP "
        f"{decimal(m.eirp_dbm, 0)} dBm, RSRP-korreksjon {decimal(m.rsrp_offset_db)} dB, antenne "
        f"{decimal(m.height_m, 0)} m over bakken (når masten ikke oppgir høyde), mottaker "
        f"{decimal(m.receiver_height_m)} m, rekkevidde inntil {decimal(m.max_range_m / 1000)} km.",
        f"Dekket: mottatt nivå minst {decimal(cfg.classify.mobile_outdoor_dbm, 0)} dBm på veg "
        f"(utendørs) og {decimal(cfg.classify.mobile_indoor_dbm, 0)} dBm ved adresser "
        "(innendørs) når det er kravet.",
        "Ny dekning: vegsegmenter ingen operatør dekker i dag og adresser uten god nok "
        "mobildekning i dag.",
        f"Kostnad per mast uten egen kostnad: {nok(m.cost_per_site_nok)} (ANTATT, ingen offentlig "
        f"kilde); operatørens andel {percent(m.operator_share_of_cost, 0)} (ANTATT).",
        mobile_line(screening.rule),
        screening.rule.note,
        f"Lokal medfinansiering: {cofunding_line(cof)}; at regelen for bredbånd gjelder for mobil "
        f"er {STATUS_TEXT[screening.rule.cofunding_status]}.",
        f"Kommunalt budsjett for master: {budget}. Valget er eksakt (heltallsprogram, HiGHS): "
        "mest verdi innenfor budsjettet, der verdien er "
        f"{decimal(m.value_per_road_km)} per km veg, {decimal(m.value_per_household)} per "
        f"husstand eller virksomhet og {decimal(m.value_per_holiday_home, 2)} per fritidsbolig; "
        "en adresse eller et vegsegment telles én gang selv om flere valgte master dekker det.",
    ]


def newly_covered(
    screening: MastScreening,
    sites: np.ndarray,
    segments: gpd.GeoDataFrame | None,
    classified: gpd.GeoDataFrame,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The road segments and addresses the given sites (positions) newly cover, each once."""
    roads_hit = np.asarray(screening.road_covers[sites].sum(axis=0)).ravel() > 0
    addr_hit = np.asarray(screening.address_covers[sites].sum(axis=0)).ravel() > 0
    if segments is None or not roads_hit.any():
        seg = gpd.GeoDataFrame({"seg_id": []}, geometry=[], crs=classified.crs)
    else:
        ids = np.asarray(screening.road_targets)[roads_hit]
        seg = segments.loc[segments["seg_id"].isin(ids)]
        seg = seg[["seg_id", "vegkategori", "vegnummer", "vegnavn", "lengde_m", "geometry"]]
    ids = np.asarray(screening.address_targets)[addr_hit]
    cols = [
        c
        for c in ("adrid", "adressetekst", "postnummer", "poststed", "hus", "naering", "fritid")
        if c in classified
    ]
    adr = classified.loc[classified["adrid"].isin(ids), [*cols, "geometry"]]
    return seg.reset_index(drop=True), adr.reset_index(drop=True)


def write_mast_files(
    screening: MastScreening,
    folder: Path,
    cfg: Config,
    classified: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame | None,
) -> None:
    """Write ``master.xlsx``, ``master.csv``, ``master.gpkg`` and a package per chosen site
    (``soknad_mobil/<site_id>/``) into ``folder``.

    Raises
    ------
    InputError
        The sites are not in EPSG:25833.
    """
    require_crs(screening.sites, "write_mast_files(sites)")
    table = site_table(screening)
    about = about_lines(screening, cfg)
    footer = f"{cfg.municipality.name} – mastekandidater (screening, ikke radioplan)"
    write_spreadsheet_csv(table, folder / "master.csv")
    with pd.ExcelWriter(folder / "master.xlsx", engine="openpyxl") as writer:
        excel_text(table).to_excel(writer, index=False, sheet_name="Kandidater")
        store_as_text(writer.sheets["Kandidater"])
        km = {str(c): "#,##0.00" for c in table.columns if str(c).endswith("(km)")}
        table_sheet(
            writer.sheets["Kandidater"], table, {**km, **FORMATS}, footer=footer, freeze="C2"
        )
        notes_sheet(writer.book.create_sheet("Om tallene"), about)
    sites = screening.sites.copy()
    sites["merknad"] = SCREENING_NOTE
    sites.to_file(folder / "master.gpkg", layer="kandidater", driver="GPKG")
    chosen = np.flatnonzero(screening.sites["valgt"].to_numpy())
    if len(chosen):
        seg, adr = newly_covered(screening, chosen, segments, classified)
        if len(seg):
            seg.to_file(folder / "master.gpkg", layer="ny_dekning_veg", driver="GPKG")
        if len(adr):
            adr.to_file(folder / "master.gpkg", layer="ny_dekning_adresser", driver="GPKG")
    for pos in chosen:
        site = screening.sites.iloc[pos]
        out = folder / "soknad_mobil" / str(site["site_id"])
        out.mkdir(parents=True, exist_ok=True)
        seg, adr = newly_covered(screening, np.array([pos]), segments, classified)
        _write_site_package(site, seg, adr, about, cfg, out)


def site_rows(
    site: pd.Series, seg: gpd.GeoDataFrame, adr: gpd.GeoDataFrame
) -> list[tuple[str, object, str | None]]:
    """The package workbook's rows: label, value, number format (None: text)."""
    rows: list[tuple[str, object, str | None]] = [
        ("Mast-ID", str(site["site_id"]), None),
        ("Navn", str(site["navn"]), None),
        ("Plassering (EPSG:25833)", f"øst {site.geometry.x:.0f}, nord {site.geometry.y:.0f}", None),
        ("Antennehøyde over bakken (m)", float(site["hoyde_m"]), "0"),
        (
            "Ny dekning veg (km)",
            round(float(seg["lengde_m"].sum()) / 1000, 3) if len(seg) else 0.0,
            "#,##0.00",
        ),
    ]
    if len(seg):
        per_cat = seg.groupby("vegkategori")["lengde_m"].sum() / 1000
        for cat, km in per_cat.items():
            rows.append(
                (
                    f"  av dette {ROAD_CATEGORY_WORDS.get(str(cat), str(cat))} (km)",
                    round(float(km), 3),
                    "#,##0.00",
                )
            )
    for label, col in (
        ("Nye husstander", "hus"),
        ("Nye virksomheter", "naering"),
        ("Nye fritidsboliger", "fritid"),
    ):
        rows.append(
            (label, int(adr[col].sum()) if col in adr and len(adr) else 0, NUMBER_FORMATS["stk"])
        )
    rows += [
        ("Kostnad", int(site["kost_total"]), KRONER),
        ("Operatørens andel", int(site["tilbyder"]), KRONER),
        ("Støttebehov", int(site["stottebehov"]), KRONER),
        ("Statlig tilskudd", int(site["statlig"]), KRONER),
        ("Fylkeskommunen", int(site["fylke"]), KRONER),
        ("Kommunal andel", int(site["kommunal"]), KRONER),
        ("Status mobilregel", str(site["mobilregel_status"]), None),
        ("Status medfinansieringsregel", str(site["regel_status"]), None),
    ]
    return rows


def _write_site_package(
    site: pd.Series,
    seg: gpd.GeoDataFrame,
    adr: gpd.GeoDataFrame,
    about: list[str],
    cfg: Config,
    out: Path,
) -> None:
    """``mast.xlsx`` (sheet ``Mast``: what the site covers, cost and funding; ``Om tallene``),
    ``mast.gpkg`` (site, road segments and addresses it newly covers) and ``adresser.csv``."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Mast"
    put(ws, 1, 1, f"{cfg.municipality.name} – mastekandidat {site['site_id']}")
    ws["A1"].font = Font(bold=True, size=13)
    put(ws, 2, 1, SCREENING_NOTE)
    ws.merge_cells("A2:B2")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 45
    for i, (label, value, fmt) in enumerate(site_rows(site, seg, adr), start=4):
        put(ws, i, 1, label)
        put(ws, i, 2, value)
        if fmt is not None:
            ws.cell(row=i, column=2).number_format = fmt
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 48
    last = 3 + len(site_rows(site, seg, adr))
    print_setup(
        ws, landscape=False, title_rows="1:1", area=f"A1:B{last}", footer=str(site["site_id"])
    )
    notes_sheet(wb.create_sheet("Om tallene"), about)
    wb.save(out / "mast.xlsx")
    point = gpd.GeoDataFrame(
        pd.DataFrame([site.drop(labels="geometry")]).assign(merknad=SCREENING_NOTE),
        geometry=[site.geometry],
        crs=seg.crs or adr.crs,
    )
    point.to_file(out / "mast.gpkg", layer="mast", driver="GPKG")
    if len(seg):
        seg.to_file(out / "mast.gpkg", layer="ny_dekning_veg", driver="GPKG")
    if len(adr):
        adr.to_file(out / "mast.gpkg", layer="ny_dekning_adresser", driver="GPKG")
    listed = pd.DataFrame(adr.drop(columns="geometry")).rename(
        columns={
            "adrid": "Adresse-ID",
            "adressetekst": "Adresse",
            "postnummer": "Postnummer",
            "poststed": "Poststed",
            "hus": "Husstander",
            "naering": "Virksomheter",
            "fritid": "Fritidsboliger",
        }
    )
    write_spreadsheet_csv(listed, out / "adresser.csv")


__all__ = ["newly_covered", "site_table", "write_mast_files"]
