"""One column schema for the per-address and per-area outputs: names, dtypes and units.

Stages build frames with these columns and check them at their door with :func:`require`. The
mobile columns are data, not parsed from strings: a :class:`MobileLayer` per raster the
configuration names (operator × technology) says which columns it writes, and operators are
whatever the input names (``Ice-Net`` stays ``Ice-Net``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dekning.errors import InputError
from dekning.money import decimal

TARGET_DOWN_KBPS = 100_000
"""The national target the run summary reports against: households lacking an offer of
100 Mbit/s download (Nkom's statistics; DOMAIN.md §9.1). Not the eligibility rule, which is data
in :mod:`dekning.rules`."""

SPEED_CLASSES = ("ge1000", "ge100", "30to100", "lt30", "none")
"""Speed classes from best to worst, by best download offer."""
SPEED_CLASS_LOWER_KBPS = (1_000_000, 100_000, 30_000, 1)
"""Lower bound (kbit/s, inclusive) of each speed class but the last (no fixed offer)."""
SPEED_CLASS_LABELS = {
    "ge1000": "≥ 1000 Mbit/s",
    "ge100": "100–1000 Mbit/s",
    "30to100": "30–100 Mbit/s",
    "lt30": "under 30 Mbit/s",
    "none": "ingen fast tilbud",
}

AREA_ID_PATTERN = r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,39}"
"""A build-out area id: 1–40 of ``A–Z a–z 0–9 _ . -``, not starting with ``.``. It names the
area's package folder, so it can never be a path (``..``, ``/x``) or a hidden name."""

TECHNOLOGY_WORDS = {
    "fiber": "fiber",
    "kabel": "kabel-TV-nett",
    "dsl": "DSL (kobber)",
    "ftb": "fast trådløst bredbånd",
    "radio": "radio",
    "satellitt": "satellitt",
    "annet": "annet",
}
"""Nkom's technology codes (``best_tek``) → the words people read (public map, address list)."""

ROAD_CATEGORIES = ("E", "R", "F", "K", "P", "S")
"""NVDB's road categories, in order of rank."""
ROAD_UNKNOWN = "ukjent"
"""The category of a road piece whose category is not known."""
ROAD_CATEGORY_WORDS = {
    "E": "europaveg",
    "R": "riksveg",
    "F": "fylkesveg",
    "K": "kommunal veg",
    "P": "privat veg",
    "S": "skogsbilveg",
    ROAD_UNKNOWN: "ukjent kategori",
}
"""The road categories in words (bokmål), for tables and maps."""

MOBILE_CLASSES = {0: "ingen", 1: "antenne", 2: "ute", 3: "inne"}
"""Mobile coverage class per operator and technology: 0 none, 1 with external antenna,
2 outdoor, 3 indoor."""


@dataclass(frozen=True)
class Column:
    """One output column."""

    name: str
    dtype: str
    unit: str
    description: str


ADDRESS_COLUMNS: tuple[Column, ...] = (
    Column("adrid", "int64", "", "address id (Kartverket adresseId = Nkom adrid)"),
    Column("adressetekst", "str", "", "street address as one text"),
    Column("adressenavn", "str", "", "street name"),
    Column("nummer", "str", "", "house number"),
    Column("bokstav", "str", "", "house letter"),
    Column("postnummer", "str", "", "postcode (4 digits, leading zeros kept)"),
    Column("poststed", "str", "", "postal town"),
    Column("kommunenummer", "str", "", "municipality number (4 digits)"),
    Column("gnr", "str", "", "cadastral farm number"),
    Column("bnr", "str", "", "cadastral holding number"),
    Column("hus", "int64", "households", "households at the address"),
    Column("pers", "int64", "persons", "residents at the address"),
    Column("fritid", "int64", "holiday homes", "holiday homes (reported, never eligible)"),
    Column("naering", "int64", "businesses", "businesses at the address"),
    Column("offentlig", "int64", "buildings", "public buildings at the address"),
    Column("best_down_kbps", "int64", "kbit/s", "best fixed download offer"),
    Column("best_up_kbps", "int64", "kbit/s", "upload of the best offer"),
    Column("best_tek", "str", "", "technology of the best offer (Nkom vocabulary)"),
    Column("n_operators", "int64", "operators", "operators with a fixed offer"),
    Column("operators", "str", "", "names of those operators, comma-separated"),
    Column("has_fibre", "bool", "", "a fibre offer exists"),
    Column("speed_class", "str", "", "one of SPEED_CLASSES"),
    Column("eligible", "bool", "", "eligible for support under the year's rule"),
    Column("band", "str", "", "eligibility band of the rule (e.g. M100)"),
    Column("reason", "str", "", "why the address is or is not eligible"),
    Column(
        "eligible_units",
        "int64",
        "units",
        "households + businesses (+ public buildings, classify.count_public_buildings) when eligible",
    ),
    Column("ssb_rute_250", "int64", "", "SSB 250 m grid cell id"),
    Column("area_id", "str", "", "build-out area, empty when none"),
)
"""Per-address output (``adresser_klassifisert``); the mobile columns follow
:class:`MobileLayer` and :func:`mobile_summary_columns`."""

AREA_COLUMNS: tuple[Column, ...] = (
    Column("area_id", "str", "", "build-out area id"),
    Column("adresser", "int64", "addresses", "eligible addresses in the area"),
    Column("hus", "int64", "households", "eligible households"),
    Column("naering", "int64", "businesses", "eligible businesses"),
    Column("offentlig", "int64", "buildings", "eligible public buildings"),
    Column("enheter", "int64", "units", "eligible units (as eligible_units, summed)"),
    Column("fritid", "int64", "holiday homes", "holiday homes inside the area (not eligible)"),
    Column("for_lite", "bool", "", "fewer households than areas.min_households"),
    Column("route_m", "float64", "m", "fibre route length incl. the link to fibre and the drops"),
    Column("stikk_m", "float64", "m", "drop metres (off the road) within route_m"),
    Column("kost_stikk", "int64", "NOK", "the project's drop cost (part of kost_total)"),
    Column("kost_stikk_eier", "int64", "NOK", "the owners' drop cost (not in kost_total)"),
    Column("kost_total", "int64", "NOK", "total build-out cost"),
    Column("tilbyder", "int64", "NOK", "operator's contribution"),
    Column("private", "int64", "NOK", "private money and valued dugnad"),
    Column("stottebehov", "int64", "NOK", "funding gap"),
    Column("statlig", "int64", "NOK", "state grant"),
    Column("fylke", "int64", "NOK", "county's own contribution"),
    Column("kommunal", "int64", "NOK", "municipal co-funding (kommunal egenandel)"),
    Column("valgt", "bool", "", "chosen within the budget"),
    Column("regel_status", "str", "", "co-funding rule's status: verifisert/antatt/konfigurasjon"),
    Column("stotteregel_status", "str", "", "eligibility rule's status: verifisert/antatt"),
)
"""Per-area output (``omrader``, ``finansiering``): the columns every later stage relies on."""

DROP_COLUMNS = ("stikk_m", "stikk_prosjekt_m", "stikk_eier_m", "kost_stikk", "kost_stikk_eier")
"""The drop (stikkledning) columns of an area the cost model writes: metres in all, paid by the
project and by the owners, and the project's and the owners' cost."""


def has_drops(area: pd.Series) -> bool:
    """Whether an area row has every drop column (:data:`DROP_COLUMNS`) with a value; the
    results of a run made before drops were priced have none."""
    return all(c in area.index and pd.notna(area[c]) for c in DROP_COLUMNS)


SETTLEMENT_COLUMN = "ertett"
"""Optional per-address column (str): ``tettsted`` or ``spredtbygd`` from Nkom's ``adr``
``ertett`` (True: in a tettsted), ``ukjent`` for an address without a row there; present only
when the counts file has ``ertett``. Also a grouping of the aggregates."""
SETTLEMENT_LABELS = {True: "tettsted", False: "spredtbygd"}
"""Label of Nkom's ``ertett`` values (as Nkom's statistics split tettsted / spredtbygd)."""
SETTLEMENT_UNKNOWN = "ukjent"
"""Label of an address with no row in the counts file."""


@dataclass(frozen=True)
class MobileLayer:
    """One mobile coverage layer: an operator and a technology, as the input names them."""

    operator: str
    technology: str

    @property
    def column(self) -> str:
        """Coverage class (0-3, int) of this operator and technology."""
        return f"mob_{self.operator}_{self.technology}"

    @property
    def dbm_column(self) -> str:
        """Sampled signal level (dBm, float; NaN for class rasters or no data)."""
        return f"mob_{self.operator}_{self.technology}_dbm"

    @property
    def tier_column(self) -> str:
        """Highest download tier (kbit/s, int; 0 when none) reached in Nkom's ``mob`` rows of
        this operator and technology (modelled outdoor download; only when that file is given)."""
        return f"mob_{self.operator}_{self.technology}_tier_kbps"


def operator_column(operator: str) -> str:
    """Best class (0-3) of one operator over its technologies."""
    return f"mob_{operator}"


MOBILE_COUNT_COLUMN = "mob_n_ok"
"""Operators reaching the configured satisfactory class."""
MOBILE_ANY_COLUMN = "mob_any_ok"
"""At least one operator reaches the satisfactory class."""
MOBILE_ALL_COLUMN = "mob_all_ok"
"""Every operator reaches the satisfactory class."""


def operators(layers: Iterable[MobileLayer]) -> list[str]:
    """The operators of ``layers``, in first-seen order, each once."""
    return list(dict.fromkeys(layer.operator for layer in layers))


def mobile_summary_columns(layers: Sequence[MobileLayer]) -> list[str]:
    """Per-operator best class and the three satisfaction columns, in output order."""
    return [
        *(operator_column(op) for op in operators(layers)),
        MOBILE_COUNT_COLUMN,
        MOBILE_ANY_COLUMN,
        MOBILE_ALL_COLUMN,
    ]


@dataclass(frozen=True)
class ClassGrid:
    """A raster of mobile coverage classes (or operator counts) computed by the classify stage,
    for the maps: ``values`` (int8, rows × columns), the affine ``transform`` (a, b, c, d, e, f)
    and the ``crs`` it is in."""

    values: np.ndarray
    transform: tuple[float, ...]
    crs: str


def require(frame: pd.DataFrame, names: Iterable[str], what: str) -> None:
    """Check that ``frame`` has every column of ``names``.

    Raises
    ------
    InputError
        Naming the frame and the first missing column, with the columns it has.
    """
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InputError(
            f"{what}: mangler kolonne(r) {', '.join(missing)}; tabellen har: "
            f"{', '.join(map(str, frame.columns))}",
            field=missing[0],
        )


__all__ = [
    "ADDRESS_COLUMNS",
    "AREA_COLUMNS",
    "AREA_ID_PATTERN",
    "MOBILE_ALL_COLUMN",
    "MOBILE_ANY_COLUMN",
    "MOBILE_CLASSES",
    "MOBILE_COUNT_COLUMN",
    "SETTLEMENT_COLUMN",
    "SETTLEMENT_LABELS",
    "SETTLEMENT_UNKNOWN",
    "SPEED_CLASSES",
    "SPEED_CLASS_LABELS",
    "SPEED_CLASS_LOWER_KBPS",
    "TARGET_DOWN_KBPS",
    "TECHNOLOGY_WORDS",
    "ClassGrid",
    "Column",
    "MobileLayer",
    "mobile_summary_columns",
    "operator_column",
    "operators",
    "require",
]


CHALLENGE_KINDS: dict[str, str] = {
    "intet_tilbud": "Intet tilbud",
    "for_treg": "For lav hastighet",
    "feil_teknologi": "Feil teknologi",
    "planlagt_ikke_reell": "Planlagt utbygging ikke reell",
    "ikke_bolig": "Ikke bolig/næring",
    "mangler_i_listen": "Mangler i Nkoms liste",
    "mobil": "Mobildekning",
}
"""Kinds of challenge (code → bokmål label)."""

CHALLENGE_STATUSES: dict[str, str] = {
    "ny": "Ny",
    "sendt": "Sendt",
    "tilsvar": "Tilsvar mottatt",
    "opprettholdt": "Opprettholdt",
    "avvist": "Avvist",
}
"""Statuses (code → bokmål label), in the order a challenge moves through them."""

OPEN_STATUSES = ("ny", "sendt", "tilsvar")
"""Statuses of a challenge that is not decided yet."""


def challenge_addresses(adrid: object, details: Mapping[str, Any] | None) -> list[int]:
    """The addresses a challenge concerns: its own (``adrid``), or the addresses an area
    challenge lists (``detaljer.adrids``), sorted; empty when it has neither."""
    if adrid is not None and not (isinstance(adrid, float) and math.isnan(adrid)):
        if adrid is not pd.NA:
            return [int(adrid)]  # type: ignore[call-overload]
    return sorted({int(x) for x in (details or {}).get("adrids", []) or []})


def mbps_text(kbps: pd.Series) -> pd.Series:
    """Speeds in kbit/s written in Mbit/s as Norwegians write them (``1 000``, ``12,3``);
    missing ones stay missing."""
    mbps = pd.to_numeric(kbps, errors="coerce").astype("float64") / 1000
    texts = {v: decimal(v, 1).removesuffix(",0") for v in mbps.dropna().unique()}
    return mbps.map(texts)  # each distinct speed written once: operators sell a few speeds


def offer_text(offers: pd.DataFrame) -> pd.Series:
    """Each fixed offer (``tilb``, ``tek``, ``ned``/``opp`` in kbit/s) as the outputs name
    it: ``Telia fiber 500/500 Mbit/s``; indexed like ``offers``."""
    return (
        offers["tilb"].astype(str)
        + " "
        + offers["tek"].astype(str)
        + " "
        + mbps_text(offers["ned"])
        + "/"
        + mbps_text(offers["opp"])
        + " Mbit/s"
    )
