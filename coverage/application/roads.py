"""The mobile coverage along roads as people open it: ``mobil_veg.xlsx`` (summary per road
category, ranked gap stretches, and what the figures rest on), the same tables as CSV, and
``mobil_veg.gpkg`` (segments and stretches, EPSG:25833) for GIS.

The coverage is the operators' modelled coverage (or, without rasters, an estimate from Nkom's
per-address rows): it is not measured, and every output says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dekning.coverage.application.cells import excel_text, store_as_text
from dekning.coverage.application.printing import NUMBER_FORMATS, notes_sheet, table_sheet
from dekning.coverage.classify.road_gaps import ALL
from dekning.coverage.classify.roads import SOURCE_ESTIMATE
from dekning.coverage.read.roads import CATEGORY_WORDS
from dekning.crs import require_crs
from dekning.result import RoadMobile
from dekning.textsafe import write_spreadsheet_csv

SUMMARY_LABELS = {
    "vegkategori": "Vegkategori",
    "km": "Veglengde (km)",
    "km_minst_en": "Dekket av minst én operatør (km)",
    "andel_minst_en": "Andel dekket av minst én",
    "km_alle": "Dekket av alle operatører (km)",
    "andel_alle": "Andel dekket av alle",
    "km_ukjent": "Ukjent dekning (km)",
    "lengste_hull_km": "Lengste sammenhengende hull (km)",
    "hull": "Hullstrekninger",
}
"""Headers of the summary sheet and ``mobil_veg_sammendrag.csv``."""
STRETCH_LABELS = {
    "rang": "Rang",
    "hull_id": "Hull-ID",
    "vegkategori": "Vegkategori",
    "vegnummer": "Vegnummer",
    "vegnavn": "Vegnavn",
    "lengde_m": "Lengde (m)",
    "adt": "ÅDT (kjøretøy/døgn)",
    "kjoretoy_km_dogn": "Kjøretøy-km per døgn i hullet",
    "adresser": "Adresser i nærheten",
    "hus": "Husstander i nærheten",
    "fritid": "Fritidsboliger i nærheten",
    "svakeste_operator": "Svakeste operatør",
    "fra_m": "Fra (m langs vegen)",
    "til_m": "Til (m langs vegen)",
    "start_ost": "Start øst (EPSG:25833)",
    "start_nord": "Start nord (EPSG:25833)",
    "slutt_ost": "Slutt øst (EPSG:25833)",
    "slutt_nord": "Slutt nord (EPSG:25833)",
}
"""Headers of the stretches sheet and ``mobil_veg_hull.csv``, in column order."""
FORMATS = {
    "Veglengde (km)": "#,##0.00",
    "Dekket av minst én operatør (km)": "#,##0.00",
    "Dekket av alle operatører (km)": "#,##0.00",
    "Ukjent dekning (km)": "#,##0.00",
    "Lengste sammenhengende hull (km)": "#,##0.00",
    "Andel dekket av minst én": "0.0 %",
    "Andel dekket av alle": "0.0 %",
    "Hullstrekninger": NUMBER_FORMATS["stk"],
    "Rang": NUMBER_FORMATS["stk"],
    "Lengde (m)": NUMBER_FORMATS["stk"],
    "ÅDT (kjøretøy/døgn)": NUMBER_FORMATS["stk"],
    "Kjøretøy-km per døgn i hullet": NUMBER_FORMATS["stk"],
    "Adresser i nærheten": NUMBER_FORMATS["stk"],
    "Husstander i nærheten": NUMBER_FORMATS["stk"],
    "Fritidsboliger i nærheten": NUMBER_FORMATS["stk"],
    "Fra (m langs vegen)": NUMBER_FORMATS["stk"],
    "Til (m langs vegen)": NUMBER_FORMATS["stk"],
    "Start øst (EPSG:25833)": "0",
    "Start nord (EPSG:25833)": "0",
    "Slutt øst (EPSG:25833)": "0",
    "Slutt nord (EPSG:25833)": "0",
}
"""Number formats by header (thousands grouped as a Norwegian spreadsheet shows them)."""
NOT_MEASURED = (
    "Dekningen er operatørenes modellerte dekning, ikke målt. Et segment regnes som dekket når "
    "minst halvparten av det når klassen som er satt som tilfredsstillende."
)


def category_words(category: str) -> str:
    """``"F"`` → ``"F – fylkesveg"``; the total row → ``"Alle veger"``."""
    if category == ALL:
        return "Alle veger"
    words = CATEGORY_WORDS.get(category)
    return f"{category} – {words}" if words and category in "ERFKPS" else str(words or category)


def summary_table(road: RoadMobile) -> pd.DataFrame:
    """The summary per road category with bokmål headers (km and shares rounded for people)."""
    t = road.summary.copy()
    for col in ("km", "km_minst_en", "km_alle", "km_ukjent", "lengste_hull_km"):
        t[col] = t[col].round(2)
    for col in ("andel_minst_en", "andel_alle"):
        t[col] = t[col].round(4)
    t["vegkategori"] = t["vegkategori"].map(category_words)
    return t.rename(columns=SUMMARY_LABELS)


def stretch_table(road: RoadMobile) -> pd.DataFrame:
    """The ranked gap stretches with bokmål headers, metres whole, coordinates to 1 m."""
    s = pd.DataFrame(road.stretches.drop(columns="geometry"))
    for col in ("lengde_m", "fra_m", "til_m", "start_ost", "start_nord", "slutt_ost", "slutt_nord"):
        s[col] = s[col].round().astype("int64")
    s["adt"] = s["adt"].round().astype("Int64")
    s["kjoretoy_km_dogn"] = s["kjoretoy_km_dogn"].round().astype("Int64")
    s["vegkategori"] = s["vegkategori"].map(category_words)
    return s[list(STRETCH_LABELS)].rename(columns=STRETCH_LABELS)


def about_lines(road: RoadMobile, segment_m: float) -> list[str]:
    """What the figures rest on, one sentence a line (the workbook's sheet ``Om tallene``)."""
    need = "innendørs (inne)" if road.satisfactory == "indoor" else "utendørs (ute)"
    lines = [
        "Mobildekning langs veg",
        NOT_MEASURED,
        f"Tilfredsstillende dekning på veg: {need}, hos én operatør (minst én) eller alle.",
        f"Vegene er delt i segmenter på om lag {segment_m:g} m langs hver veg.",
        "Et hull er en sammenhengende strekning av én veg der ingen operatør dekker.",
        "Rangering: kjøretøy-km per døgn i hullet (lengde × ÅDT) når ÅDT er kjent, så lengde, "
        "så husstander og fritidsboliger i nærheten.",
        f"Kilde: {road.source}.",
    ]
    if SOURCE_ESTIMATE in road.source:
        lines.append(
            "ESTIMAT: uten dekningsraster er dekningen langs vegen anslått fra nærmeste adresse "
            "i Nkoms mob-fil; segmenter uten adresse i nærheten har ukjent dekning."
        )
    return lines


def write_road_files(
    road: RoadMobile, folder: Path, *, municipality: str, segment_m: float
) -> None:
    """Write ``mobil_veg.xlsx``, ``mobil_veg_sammendrag.csv``, ``mobil_veg_hull.csv``
    (:data:`dekning.textsafe.CSV_CONVENTION`) and ``mobil_veg.gpkg`` (layers ``segmenter``
    and ``hull``, EPSG:25833) into ``folder``.

    Raises
    ------
    InputError
        The segments are not in EPSG:25833.
    """
    require_crs(road.segments, "write_road_files(segments)")
    summary = summary_table(road)
    stretches = stretch_table(road)
    write_spreadsheet_csv(summary, folder / "mobil_veg_sammendrag.csv")
    write_spreadsheet_csv(stretches, folder / "mobil_veg_hull.csv")
    footer = f"{municipality} – mobildekning langs veg (modellert, ikke målt)"
    with pd.ExcelWriter(folder / "mobil_veg.xlsx", engine="openpyxl") as writer:
        for name, table in (("Sammendrag", summary), ("Hullstrekninger", stretches)):
            excel_text(table).to_excel(writer, index=False, sheet_name=name)
            store_as_text(writer.sheets[name])
            table_sheet(writer.sheets[name], table, FORMATS, footer=footer)
        notes_sheet(writer.book.create_sheet("Om tallene"), about_lines(road, segment_m))
    segments = road.segments.copy()
    for col in segments.columns:
        if isinstance(segments[col].dtype, pd.BooleanDtype):  # GeoPackage: 1/0, NA empty
            segments[col] = segments[col].astype("Int8")
    segments.to_file(folder / "mobil_veg.gpkg", layer="segmenter", driver="GPKG", use_arrow=True)
    road.stretches.to_file(folder / "mobil_veg.gpkg", layer="hull", driver="GPKG")


__all__ = ["stretch_table", "summary_table", "write_road_files"]
