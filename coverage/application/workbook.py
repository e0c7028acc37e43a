"""The funding workbook of an application package (``kostnad_og_finansiering.xlsx``).

Inputs (yellow) and live formulas derive route length, cost, operator contribution, funding gap,
state grant, county and municipal co-funding: a case officer can follow and change every figure
in Excel or LibreOffice. The formulas round as :mod:`dekning.money` does, so the workbook
reproduces dekning's figures to the krone.

The title names the municipality, the area and the day the sheet was written; the heading
names the rules the figures rest on, each with its status (``verifisert``,
``ANTATT (ikke verifisert)`` or ``satt i konfigurasjonen``) and source, the scheme year (set, or
the current year's) and the county's frame of state money ("ukjent (ingen grense)" when not
given).

Every value shows its unit in its number format, as a Norwegian spreadsheet writes it
(``12 045 696 kr``, ``15 %``, ``99,4 tilknytninger``; :mod:`~dekning.coverage.application.printing`),
and the sheet prints on A4 fitted to one page wide, the column header repeated on every page.

When the area row has the drop (stikkledning) columns of the cost model (``stikk_m``,
``stikk_prosjekt_m``, ``stikk_eier_m``, ``kost_stikk``, ``kost_stikk_eier``), the sheet has
input rows for the drop metres and the drop rate, the project's drop cost in the total and the
owner's drop cost as information outside it; without them the sheet is as before.

Only the formulas written here are formulas (:class:`Formula`); every other text, including
text from the input (area ids, rule names, ground classes), is stored as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from dekning import __version__
from dekning.config import Config, CostConfig, FundingConfig
from dekning.coverage.application.cells import Formula, put
from dekning.coverage.application.printing import NUMBER_FORMATS, print_setup, share_format
from dekning.coverage.application.summary import rule_text, share_text
from dekning.money import annuity_factor
from dekning.rules import heading_lines
from dekning.schema import has_drops

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
"""Inputs (assumptions) are yellow."""
TITLE = "Kostnad og finansiering"
HEADING_LINES = 3
"""Lines under the title naming the rules, the scheme year and the state frame."""
FIRST_ROW = HEADING_LINES + 3
"""The first row of figures (below the title, the heading lines and the column header)."""
HEADER = ("Post", "Verdi", "Forklaring")
WIDTHS = (44, 20, 52)
"""Column widths (characters): the three columns fit one A4 page wide."""
LINE_POINTS = 15
"""Height of a line of text (points): wrapped rows are made as tall as their text."""
RULE_NOTES = {
    "pct_of_state_grant": "lokalt ≥ p × statlig tilskudd",
    "pct_of_total": "lokalt (inkl. private) ≥ p × total kostnad",
    "none": "ingen minsteandel",
}


@dataclass
class Sheet:
    """The rows of the sheet: label, value (number, :class:`Formula` or text), unit (a key of
    :data:`~dekning.coverage.application.printing.NUMBER_FORMATS`, ``andel`` for a share, or
    empty), note."""

    rows: list[tuple[str, object, str, str]] = field(default_factory=list)

    def add(self, label: str, value: object, unit: str = "", note: str = "") -> str:
        """Add a row; returns the address of its value cell (``B<row>``) for formulas."""
        self.rows.append((label, value, unit, note))
        return f"B{len(self.rows) + FIRST_ROW - 1}"


def _units(s: Sheet, area: pd.Series, public_buildings: bool) -> str:
    """Households, businesses, public buildings (counted as virksomheter when
    ``classify.count_public_buildings``), eligible units (returned) and holiday homes."""
    hus = s.add("Husstander", int(area["hus"]), "stk", "støtteberettigede adresser i området")
    naering = s.add("Virksomheter", int(area["naering"]), "stk")
    offentlig = s.add(
        "Offentlige bygg",
        int(area["offentlig"]),
        "stk",
        "telles som virksomheter"
        if public_buildings
        else "telles ikke (classify.count_public_buildings = false)",
    )
    counted = f"={hus}+{naering}+{offentlig}" if public_buildings else f"={hus}+{naering}"
    enheter = s.add(
        "Støtteberettigede enheter", Formula(counted), "stk", "fritidsboliger telles ikke"
    )
    s.add(
        "Fritidsboliger i området", int(area["fritid"]), "stk", "rapporteres, ikke støtteberettiget"
    )
    return enheter


def _trench(s: Sheet, area: pd.Series, c: CostConfig) -> str:
    """Route metres (in all, in ducts, per ground class), prices per metre and the trench and
    cable cost in NOK (returned)."""
    along_roads = area["metode"] == "veg"
    mst = s.add(
        "Trasé mellom adressene",
        float(area["trase_m"]),
        "m",
        "langs veg (Steiner-tre) + stikk til husene"
        if along_roads
        else "minimum spenntre, rett linje",
    )
    link = s.add(
        "Tilknytning til nærmeste fiberadresse",
        float(area["link_m"]),
        "m",
        "langs veg" if along_roads else "rett linje",
    )
    detour = s.add(
        "Omvegsfaktor", float(area["omveg"]), "faktor", "1 langs veg; rett linje → langs veg ellers"
    )
    route = s.add("Trasélengde", Formula(f"=ROUND(({mst}+{link})*{detour},1)"), "m")
    ducted = s.add(
        "Herav i eksisterende trekkrør", float(area["i_trekkror_m"]), "m", "målt mot trekkrør-laget"
    )
    ground = []
    for klasse in sorted(c.ground_cost_per_metre_nok):  # a few classes from the configuration
        metres = s.add(
            f"Herav i grunnklasse «{klasse}»",
            float(area.get(f"grunn_{klasse}_m", 0.0)),
            "m",
            "utenfor trekkrør",
        )
        price = s.add(
            f"Kostnad per meter i «{klasse}»", c.ground_cost_per_metre_nok[klasse], "kr/m"
        )
        ground.append((metres, price))
    per_m = s.add(
        "Kostnad per meter", c.cost_per_metre_nok, "kr/m", "graving/pløying, vanlig grunn"
    )
    per_m_duct = s.add(
        "Kostnad per meter i trekkrør", c.cost_per_metre_duct_nok, "kr/m", "innblåsing av fiber"
    )
    rest = "".join(f"-{m}" for m, _ in ground)
    extra = "".join(f"+{m}*{p}" for m, p in ground)
    drops = ""
    if has_drops(area):
        drops = "-" + s.add(
            "Herav stikkledninger (fra veg til hus)",
            float(area["stikk_m"]),
            "m",
            "prises for seg, se under",
        )
    return s.add(
        "Graving og kabel",
        Formula(f"=ROUND(({route}{drops}-{ducted}{rest})*{per_m}+{ducted}*{per_m_duct}{extra},0)"),
        "kr",
        "langs veg og tilknytning; uten stikkledninger" if drops else "",
    )


def _drops(s: Sheet, area: pd.Series, c: CostConfig) -> str:
    """Drop metres the project and the owner pay, the drop rate, the project's drop cost
    (returned, part of the total) and the owner's (information, outside the total)."""
    project = s.add("Stikkledninger betalt av prosjektet", float(area["stikk_prosjekt_m"]), "m")
    owner = s.add("Stikkledninger betalt av eier", float(area["stikk_eier_m"]), "m")
    rate = c.drop_cost_per_metre_nok
    price = s.add(
        "Kostnad per meter stikkledning",
        c.cost_per_metre_nok if rate is None else rate,
        "kr/m",
        "som vanlig graving" if rate is None else "costs.drop_cost_per_metre_nok",
    )
    cost = s.add("Stikkledninger (prosjektet)", Formula(f"=ROUND({project}*{price},0)"), "kr")
    s.add(
        "Stikkledninger (eier, ikke i totalen)",
        Formula(f"=ROUND({owner}*{price},0)"),
        "kr",
        "betales av eier, f.eks. i tilknytningsavgiften",
    )
    return cost


def _cost(s: Sheet, c: CostConfig, trench: str, enheter: str, drops: str) -> tuple[str, str]:
    """Connections and the total project cost (with the project's drop cost ``drops`` when
    there is a cell for it): (cost cell, expected connections cell)."""
    take = s.add("Forventet tilslutning", c.take_up, "andel")
    conns = s.add("Forventede tilknytninger", Formula(f"={enheter}*{take}"), "tilknytninger")
    per_conn = s.add("Kostnad per tilknytning", c.per_connection_nok, "kr")
    conn_cost = s.add("Tilknytninger", Formula(f"=ROUND({enheter}*{take}*{per_conn},0)"), "kr")
    equip = s.add("Utstyr og prosjektledelse", c.fixed_equipment_nok, "kr")
    plus_drops = f"+{drops}" if drops else ""
    cost = s.add(
        "Total prosjektkostnad", Formula(f"={trench}{plus_drops}+{conn_cost}+{equip}"), "kr"
    )
    return cost, conns


def _operator(s: Sheet, f: FundingConfig, cost: str, conns: str) -> str:
    """The operator's contribution (NOK), as a share of cost or as a present value."""
    if f.operator_model == "share_of_cost":
        share = s.add("Tilbyders andel av kostnaden", f.operator_share_of_cost, "andel")
        return s.add("Tilbyders bidrag", Formula(f"=MIN(ROUND({share}*{cost},0),{cost})"), "kr")
    monthly = s.add("Inntekt per tilknytning per måned", f.monthly_revenue_nok, "kr")
    margin = s.add("Margin", f.margin, "andel")
    factor = s.add(
        "Nåverdifaktor",
        annuity_factor(f.years, f.discount_rate),
        "nåverdi",
        f"(1-(1+r)^-n)/r med n = {f.years} år, r = {share_text(f.discount_rate)}",
    )
    return s.add(
        "Tilbyders bidrag (nåverdi)",
        Formula(f"=MIN(ROUND({conns}*{monthly}*12*{margin}*{factor},0),{cost})"),
        "kr",
    )


def _local_minimum(s: Sheet, area: pd.Series, cost: str, private: str, gap: str) -> str:
    """The rule for local co-funding and the smallest local public contribution (NOK)."""
    rule, pct = str(area["regel"]), float(area["regel_pct"])
    s.add("Regel for lokale bidrag", rule_text(rule, pct), "", RULE_NOTES.get(rule, ""))
    p = s.add("Regelprosent p", pct, "andel")
    label = "Minste lokale offentlige bidrag"
    if rule == "pct_of_state_grant":
        formula = Formula(f"=MIN(ROUNDUP({gap}*{p}/(1+{p}),0),{gap})")
        return s.add(label, formula, "kr", "støttebehov × p/(1+p)")
    if rule == "pct_of_total":
        return s.add(label, Formula(f"=MIN(MAX(0,ROUNDUP({cost}*{p},0)-{private}),{gap})"), "kr")
    return s.add(label, 0, "kr")


def _funding(
    s: Sheet, area: pd.Series, f: FundingConfig, cost: str, conns: str, enheter: str
) -> None:
    """Operator, private money, the funding gap and how the public money splits, with a check
    row that must be 0."""
    operator = _operator(s, f, cost, conns)
    priv_per = s.add("Privat bidrag og dugnad per tilknytning", f.private_per_connection_nok, "kr")
    private = s.add(
        "Private bidrag og dugnad",
        Formula(f"=MIN(ROUND({priv_per}*{conns},0),{cost}-{operator})"),
        "kr",
    )
    gap = s.add(
        "Støttebehov",
        Formula(f"={cost}-{operator}-{private}"),
        "kr",
        "kostnad − tilbyder − private",
    )
    local_min = _local_minimum(s, area, cost, private, gap)
    max_state = s.add("Maks statlig andel av støttebehovet", f.max_state_share_of_gap, "andel")
    state = s.add(
        "Statlig tilskudd", Formula(f"=MIN({gap}-{local_min},ROUNDDOWN({max_state}*{gap},0))"), "kr"
    )
    county_share = s.add(
        "Fylkeskommunens andel av støttebehovet", f.county_share_of_public, "andel"
    )
    county = s.add(
        "Fylkeskommunalt bidrag",
        Formula(f"=MIN({gap}-{state},ROUNDDOWN({county_share}*{gap},0))"),
        "kr",
    )
    municipal = s.add("Kommunal egenandel", Formula(f"={gap}-{state}-{county}"), "kr")
    s.add(
        "Kontroll: kostnad − alle bidrag",
        Formula(f"={cost}-({operator}+{private}+{state}+{county}+{municipal})"),
        "kr",
        "skal være 0",
    )
    s.add("Kostnad per enhet", Formula(f"=ROUND({cost}/{enheter},0)"), "kr")
    s.add("Kommunal egenandel per tilknytning", Formula(f"=ROUND({municipal}/{conns},0)"), "kr")


def _title(cfg: Config, area_id: str) -> str:
    """The sheet's title: municipality, area, the day it was written and dekning's version."""
    today = date.today().strftime("%d.%m.%Y")
    return (
        f"{cfg.municipality.name}: område {area_id} – kostnad og finansiering, {today} "
        f"(dekning {__version__})"
    )


def _lines(*texts: object) -> int:
    """Lines a row needs when its texts (not its formulas) wrap in :data:`WIDTHS`."""
    return max(
        -(-len(t) // (w - 2)) if isinstance(t, str) and not isinstance(t, Formula) and t else 1
        for t, w in zip(texts, WIDTHS, strict=True)
    )


def _value_cell(ws: Worksheet, row: int, value: object, unit: str) -> None:
    """Style the value cell of a row: yellow when it is an assumption, its unit's format."""
    cell = ws.cell(row=row, column=2)
    if not isinstance(value, str):
        cell.fill = INPUT_FILL
    if unit == "andel" and isinstance(value, float | int):
        cell.number_format = share_format(float(value))
    elif unit in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS[unit]


def _write(s: Sheet, title: str, lines: list[str], path: Path) -> None:
    """Lay the rows out under a title, the heading lines and a header, set up the print and
    save the workbook."""
    wb = Workbook()
    ws = wb.active
    ws.title = TITLE
    put(ws, 1, 1, title)
    ws["A1"].font = Font(bold=True, size=13)
    across = sum(WIDTHS) - 2  # a heading line spans the three columns and wraps there
    for i, line in enumerate(lines, start=2):
        put(ws, i, 1, line)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=3)
        ws.cell(row=i, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = LINE_POINTS * max(1, -(-len(line) // across))
        if "ANTATT" in line:
            ws.cell(row=i, column=1).font = Font(bold=True, color="C00000")
    header = HEADING_LINES + 2
    for col, head in enumerate(HEADER, start=1):
        put(ws, header, col, head)
        ws.cell(row=header, column=col).font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top", indent=1)
    for i, (label, value, unit, note) in enumerate(s.rows, start=FIRST_ROW):
        for col, v in enumerate((label, value, note), start=1):
            put(ws, i, col, v)
        _value_cell(ws, i, value, unit)
        for col in (1, 2, 3) if isinstance(value, str) else (1, 3):
            ws.cell(row=i, column=col).alignment = wrap
        ws.row_dimensions[i].height = LINE_POINTS * _lines(label, value, note)
    for letter, width in zip("ABC", WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    last = len(s.rows) + FIRST_ROW + 1
    put(ws, last, 1, "Gule felt er forutsetninger; resten er formler.")
    ws.freeze_panes = f"A{FIRST_ROW}"
    print_setup(
        ws, landscape=False, title_rows=f"{header}:{header}", area=f"A1:C{last}", footer=TITLE
    )
    wb.save(path)


def funding_workbook(area: pd.Series, cfg: Config, path: Path) -> None:
    """Write the cost and funding sheet with live formulas (inputs highlighted in yellow).

    Parameters
    ----------
    area
        One row of the run's areas: counts, route metres (``trase_m``, ``link_m``, ``omveg``,
        ``i_trekkror_m``, ``grunn_<klasse>_m``), ``metode``, ``regel`` and ``regel_pct``; the
        rules' status and sources (``stotteregel_aar``, ``stotteregel_status``,
        ``stotteregel_kilde``, ``regel_status``, ``regel_kilde``) and, when the cost model
        gives them, the drop columns (:data:`~dekning.schema.DROP_COLUMNS`).
    cfg
        Prices (``costs``), the funding model (``funding``), the scheme year and whether public
        buildings count (``classify``) the run used.
    path
        The ``.xlsx`` file to write.
    """
    s = Sheet()
    enheter = _units(s, area, cfg.classify.count_public_buildings)
    trench = _trench(s, area, cfg.costs)
    drops = _drops(s, area, cfg.costs) if has_drops(area) else ""
    cost, conns = _cost(s, cfg.costs, trench, enheter, drops)
    _funding(s, area, cfg.funding, cost, conns, enheter)
    _write(s, _title(cfg, str(area["area_id"])), heading_lines(area, cfg), path)
