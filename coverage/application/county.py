"""The county's competitive selection as people open it: ``fylke_omrader.xlsx`` (every
candidate area ranked by the county score, the totals per municipality and what the figures
rest on), the same tables as CSV (``fylke_omrader.csv``, ``fylke_kommuner.csv``),
``fylke_omrader.parquet`` (GeoParquet, EPSG:25833, with the selection) for GIS and
``fylke_sammendrag.json`` (the totals).

Text from the input (municipality names, area ids) is data: it stays text in the workbook and
in the CSV files, never a formula.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.coverage.application.cells import excel_text, store_as_text
from dekning.coverage.application.printing import KRONER, NUMBER_FORMATS, notes_sheet, table_sheet
from dekning.coverage.planning.county import CountyCriteria, county_score
from dekning.crs import require_crs
from dekning.errors import PlanningError
from dekning.money import FUNDING_PARTS, nok, percent, round_half_up, thousands
from dekning.textsafe import write_spreadsheet_csv

MONEY = ("kost_total", *FUNDING_PARTS)
"""The amounts (NOK) the summary adds up for the chosen areas: the cost and its parts."""
AREA_LABELS = {
    "kommune": "Kommune",
    "kommunenummer": "Kommunenummer",
    "omrade": "Område",
    "area_id": "Område-ID i fylket",
    "enheter": "Enheter",
    "kost_total": "Kostnad",
    "statlig": "Statlig",
    "fylke": "Fylke",
    "kommunal": "Kommunal",
    "kost_per_enhet": "Kost per enhet",
    "poeng_fylke": "Poeng i fylket",
    "rang_fylke": "Rang i fylket",
    "valgt_fylke": "Valgt i fylket",
    "valgt": "Valgt av kommunen",
}
"""Headers of ``fylke_omrader.csv`` and the sheet ``Områder``, in column order."""
MUNICIPALITY_LABELS = {
    "kommune": "Kommune",
    "kommunenummer": "Kommunenummer",
    "omrader": "Kandidatområder",
    "enheter": "Enheter i kandidatområdene",
    "valgte_omrader": "Valgte områder",
    "valgte_enheter": "Valgte enheter",
    "kost_total": "Kostnad",
    "statlig": "Statlig",
    "fylke": "Fylke",
    "kommunal": "Kommunal",
    "tilbyder": "Tilbyder",
    "private": "Private",
    "kommunens_omrader": "Områder kommunen selv valgte",
    "kommunens_enheter": "Enheter kommunen selv valgte",
}
"""Headers of ``fylke_kommuner.csv`` and the sheet ``Kommuner``, in column order (money of the
areas the county chose)."""
FORMATS = {
    "Enheter": NUMBER_FORMATS["stk"],
    "Kostnad": KRONER,
    "Statlig": KRONER,
    "Fylke": KRONER,
    "Kommunal": KRONER,
    "Tilbyder": KRONER,
    "Private": KRONER,
    "Kost per enhet": KRONER,
    "Poeng i fylket": "0.000",
    "Rang i fylket": NUMBER_FORMATS["stk"],
    "Kandidatområder": NUMBER_FORMATS["stk"],
    "Enheter i kandidatområdene": NUMBER_FORMATS["stk"],
    "Valgte områder": NUMBER_FORMATS["stk"],
    "Valgte enheter": NUMBER_FORMATS["stk"],
    "Områder kommunen selv valgte": NUMBER_FORMATS["stk"],
    "Enheter kommunen selv valgte": NUMBER_FORMATS["stk"],
}
"""Number formats by header (whole kroner with thousands grouped)."""
TEXT_COLUMNS = ("Kommune", "Kommunenummer", "Område", "Område-ID i fylket")
"""Columns that are text in the CSV files (read them back with these as ``text``)."""
FILES = (
    "fylke_omrader.csv",
    "fylke_kommuner.csv",
    "fylke_omrader.xlsx",
    "fylke_omrader.parquet",
    "fylke_sammendrag.json",
)


def _with_selection(plans: pd.DataFrame, selection: pd.DataFrame) -> pd.DataFrame:
    """``plans`` with ``valgt_fylke`` and ``rang_fylke`` of ``selection`` (joined on
    ``area_id``)."""
    sel = selection.set_index(selection["area_id"].astype(str))
    ids = plans["area_id"].astype(str)
    missing = ~ids.isin(sel.index)
    if missing.any():
        raise PlanningError(
            f"utvalget mangler område {ids[missing].iloc[0]} ({int(missing.sum())} i alt)"
        )
    out = plans.copy()
    out["valgt_fylke"] = sel["valgt_fylke"].reindex(ids).to_numpy(dtype=bool)
    out["rang_fylke"] = sel["rang_fylke"].reindex(ids).to_numpy(dtype="int64")
    return out


def _totals(areas: pd.DataFrame) -> dict[str, int]:
    """The totals of a group of areas: candidate areas and units, the chosen areas and units,
    the money (NOK) of the chosen areas and what the municipalities chose themselves."""
    chosen = areas["valgt_fylke"].to_numpy(dtype=bool)
    own = (
        areas["valgt"].fillna(False).to_numpy(dtype=bool)
        if "valgt" in areas
        else np.zeros(len(areas), bool)
    )
    units = areas["enheter"].to_numpy(dtype="int64")
    out = {
        "omrader": len(areas),
        "enheter": int(units.sum()),
        "valgte_omrader": int(chosen.sum()),
        "valgte_enheter": int(units[chosen].sum()),
    }
    for name in MONEY:
        if name in areas:
            out[name] = int(areas[name].to_numpy(dtype="int64")[chosen].sum())
    out["kommunens_omrader"] = int(own.sum())
    out["kommunens_enheter"] = int(units[own].sum())
    return out


def county_summary(
    plans: pd.DataFrame, selection: pd.DataFrame, *, state_budget: float | None, county_name: str
) -> dict[str, Any]:
    """The county's totals and each municipality's, of the candidate areas and of the areas
    the county chose.

    Parameters
    ----------
    plans
        The county's candidate areas (see :mod:`dekning.coverage.planning.county`).
    selection
        :func:`~dekning.coverage.planning.county.select_county`'s answer for ``plans``.
    state_budget
        The frame of state money (NOK) the selection was made under; None: no limit.
    county_name
        The county's name.

    Returns
    -------
    dict
        JSON-ready: ``fylke``, ``statlig_ramme``, ``statlig_ubrukt`` (NOK; None without a
        frame), ``bevist_optimal``, ``mip_gap``, ``sekunder``, ``totalt`` (the totals:
        ``kommuner``, ``omrader``, ``enheter``, ``valgte_omrader``, ``valgte_enheter``, the
        money of the chosen areas ``kost_total``, ``tilbyder``, ``private``, ``statlig``,
        ``fylke``, ``kommunal`` (those in ``plans``), ``kommunens_omrader`` and
        ``kommunens_enheter``: what the municipalities chose themselves) and ``kommuner``
        (the same per municipality, with ``kommunenummer`` and ``kommune``, by number).
    """
    areas = _with_selection(plans, selection)
    total: dict[str, int] = {"kommuner": int(areas["kommunenummer"].nunique()), **_totals(areas)}
    municipalities = []
    for number, group in areas.groupby(areas["kommunenummer"].astype(str), sort=True):
        names = group["kommune"].dropna().astype(str) if "kommune" in group else pd.Series([])
        municipalities.append(
            {
                "kommunenummer": str(number),
                "kommune": names.iloc[0] if len(names) else "",
                **_totals(group),
            }
        )
    gap = float(selection.attrs.get("mip_gap", float("nan")))
    seconds = float(selection.attrs.get("seconds", float("nan")))
    return {
        "fylke": county_name,
        "statlig_ramme": None if state_budget is None else int(round_half_up(state_budget)),
        "statlig_ubrukt": None
        if state_budget is None
        else int(round_half_up(state_budget)) - total.get("statlig", 0),
        "bevist_optimal": bool(selection.attrs.get("optimal", False)),
        "mip_gap": gap if math.isfinite(gap) else None,
        "sekunder": round(seconds, 3) if math.isfinite(seconds) else None,
        "totalt": total,
        "kommuner": municipalities,
    }


def area_table(plans: pd.DataFrame, selection: pd.DataFrame, score: pd.Series) -> pd.DataFrame:
    """Every candidate area with bokmål headers (:data:`AREA_LABELS`), the highest county
    score first (ties by ``area_id``); amounts in whole kroner."""
    areas = _with_selection(plans, selection)
    areas["poeng_fylke"] = np.asarray(score, dtype="float64")
    if "kost_per_enhet" not in areas:
        units = areas["enheter"].to_numpy(dtype="float64")
        cost = areas["kost_total"].to_numpy(dtype="float64")
        per_unit = [
            int(round_half_up(c / u)) if u > 0 else 0 for c, u in zip(cost, units, strict=True)
        ]
        areas["kost_per_enhet"] = np.asarray(per_unit, dtype="int64")
    if "omrade" not in areas:
        areas["omrade"] = areas["area_id"]
    columns = [c for c in AREA_LABELS if c in areas]
    table = pd.DataFrame(areas[columns])
    for col in ("kommune", "kommunenummer", "omrade", "area_id"):
        if col in table:
            table[col] = table[col].astype(str)
    table = table.assign(_id=table["area_id"]).sort_values(
        ["poeng_fylke", "_id"], ascending=[False, True], kind="stable"
    )
    return table.drop(columns="_id").reset_index(drop=True).rename(columns=AREA_LABELS)


def municipality_table(summary: dict[str, Any]) -> pd.DataFrame:
    """The totals per municipality from :func:`county_summary`, with bokmål headers
    (:data:`MUNICIPALITY_LABELS`)."""
    rows = pd.DataFrame(summary["kommuner"])
    columns = [c for c in MUNICIPALITY_LABELS if c in rows]
    return rows[columns].rename(columns=MUNICIPALITY_LABELS)


def about_lines(summary: dict[str, Any]) -> list[str]:
    """What the figures rest on, one sentence a line (the workbook's sheet ``Om tallene``)."""
    total = summary["totalt"]
    frame = summary["statlig_ramme"]
    gap = summary["mip_gap"]
    lines = [
        f"Fylkets prioritering – {summary['fylke']}",
        f"Kandidatområder: {thousands(total['omrader'])} i {thousands(total['kommuner'])} "
        f"kommuner, med {thousands(total['enheter'])} enheter.",
        "Statlig ramme: " + ("ingen grense" if frame is None else nok(float(frame))) + ".",
        f"Valgt i fylket: {thousands(total['valgte_omrader'])} områder med "
        f"{thousands(total['valgte_enheter'])} enheter; statlige midler "
        f"{nok(total.get('statlig', 0))}, kommunale {nok(total.get('kommunal', 0))}, "
        f"kostnad i alt {nok(total.get('kost_total', 0))}.",
        "Utvalget er det som når flest enheter (eller høyest sum av poeng) innenfor fylkets "
        "statlige ramme og hver kommunes budsjett; blant like gode utvalg er det valgt som "
        "bruker minst statlige midler.",
        "Utvalget er bevist optimalt."
        if summary["bevist_optimal"]
        else "Utvalget er ikke bevist optimalt innen tidsgrensen"
        + ("" if gap is None else f" (avstand til grensen høyst {percent(float(gap), 2)})")
        + ".",
        "Poeng i fylket: vektet sum over fire mål av andelen av fylkets øvrige områder "
        "området er bedre enn: enheter per statlig krone, kostnad per enhet (lavere er "
        "bedre), etterspørsel i kartleggingen og andel husstander uten tilfredsstillende "
        "mobildekning.",
        "Rang i fylket gjelder de valgte områdene; 0 betyr ikke valgt. «Valgt av kommunen» "
        "er kommunens egen prioritering innenfor sitt budsjett.",
        "Beløp er hele kroner.",
    ]
    return lines


def write_county_tables(
    plans: gpd.GeoDataFrame,
    selection: pd.DataFrame,
    summary: dict[str, Any],
    folder: Path,
    *,
    criteria: CountyCriteria | None = None,
) -> list[str]:
    """Write the county's tables into ``folder``: ``fylke_omrader.csv`` and
    ``fylke_kommuner.csv`` (:data:`dekning.textsafe.CSV_CONVENTION`), ``fylke_omrader.xlsx``
    (sheets ``Områder``, ``Kommuner`` and ``Om tallene``, printable on A4),
    ``fylke_omrader.parquet`` (GeoParquet, EPSG:25833, the candidate areas with
    ``poeng_fylke``, ``valgt_fylke`` and ``rang_fylke``) and ``fylke_sammendrag.json``
    (``summary``, UTF-8).

    Parameters
    ----------
    plans
        The county's candidate areas; a column ``poeng_fylke`` is used as the county score,
        otherwise it is computed with ``criteria`` (default :class:`CountyCriteria`).
    selection, summary
        :func:`~dekning.coverage.planning.county.select_county`'s and :func:`county_summary`'s
        answers for ``plans``.
    folder
        An existing folder.

    Returns
    -------
    list of str
        The names of the files written.

    Raises
    ------
    InputError
        The areas are not in EPSG:25833.
    """
    require_crs(plans, "write_county_tables(plans)")
    if "poeng_fylke" in plans:
        score = plans["poeng_fylke"].astype("float64")
    else:
        score = county_score(plans, criteria or CountyCriteria())
    areas = area_table(plans, selection, score)
    municipalities = municipality_table(summary)
    write_spreadsheet_csv(areas, folder / "fylke_omrader.csv")
    write_spreadsheet_csv(municipalities, folder / "fylke_kommuner.csv")
    footer = f"{summary['fylke']} – fylkets prioritering av bredbåndsområder"
    yes_no = {True: "ja", False: "nei"}
    with pd.ExcelWriter(folder / "fylke_omrader.xlsx", engine="openpyxl") as writer:
        for name, table in (("Områder", areas), ("Kommuner", municipalities)):
            shown = table.copy()
            for col in ("Valgt i fylket", "Valgt av kommunen"):
                if col in shown:
                    shown[col] = shown[col].map(yes_no).astype(object)
            excel_text(shown).to_excel(writer, index=False, sheet_name=name)
            store_as_text(writer.sheets[name])
            table_sheet(writer.sheets[name], shown, FORMATS, footer=footer)
        notes_sheet(writer.book.create_sheet("Om tallene"), about_lines(summary))
    geo = _with_selection(plans, selection)
    geo["poeng_fylke"] = score.to_numpy(dtype="float64")
    gpd.GeoDataFrame(geo, geometry=plans.geometry.name, crs=plans.crs).to_parquet(
        folder / "fylke_omrader.parquet"
    )
    (folder / "fylke_sammendrag.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return list(FILES)


__all__ = [
    "AREA_LABELS",
    "MUNICIPALITY_LABELS",
    "TEXT_COLUMNS",
    "about_lines",
    "area_table",
    "county_summary",
    "municipality_table",
    "write_county_tables",
]
