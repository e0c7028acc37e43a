"""The public map for residents: bokmål labels, aggregates only (small cells suppressed),
an address search that shows the coverage at that address, the planned build-out areas and a
short plain-language explanation. No household counts or survey answers per address.

The page around the map (search, announcements, keyboard, phone layout) is
:mod:`dekning.maps.public_page`; the search index is :mod:`dekning.maps.public_search`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import shapely

from dekning.crs import WEB_CRS, WORK_CRS
from dekning.maps import layers
from dekning.maps.layers import (
    Legend,
    SafeTooltip,
    base_map,
    feature_group,
    speed_legend_items,
    web_frame,
)
from dekning.maps.public_page import HATCH_ID, HATCH_SWATCH, AddressSearch
from dekning.maps.public_search import ADDRESSES, address_index
from dekning.privacy import is_small
from dekning.schema import SPEED_CLASS_LABELS, MobileLayer, require

AREA_COLUMNS = ("area_id", "hus", "valgt")
"""Columns of the build-out areas the public map reads."""
AREAS = "build-out areas (public map)"

EXPLANATION = (
    "Kartet viser hvor raskt fast bredbånd som tilbys i hver rute på 250 × 250 meter, "
    "ut fra operatørenes innrapporterte dekning. Fargen viser hva de fleste adressene i ruten kan få. "
    "Der det er få adresser, vises ruter på 1 × 1 km, og ruter med svært få adresser er skjult av personvernhensyn. "
    "Skraverte grønne områder med stiplet kant er planlagt bygget ut med offentlig støtte. "
    "Søk opp adressen din for å se hva den kan få, og om den er med i en planlagt utbygging."
)
MONTHS = (
    "januar februar mars april mai juni juli august september oktober november desember"
).split()


def data_note(data_date: dt.date | None, made: dt.date | None = None) -> str:
    """The line that dates the map's data, in bokmål (``Dekningsdata per 1. oktober 2026.``);
    without a data date, the day the map was made."""

    def day(d: dt.date) -> str:
        return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"

    if data_date is not None:
        return f"Dekningsdata per {day(data_date)}."
    return f"Kartet ble laget {day(made or dt.date.today())} fra de nyeste dekningsdataene."


def _thousands(n: int) -> str:
    """``12345`` → ``12 345`` (Norwegian grouping with a no-break space)."""
    return f"{n:,}".replace(",", "\u00a0")


def _without_overlap(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``cells`` (:func:`~dekning.maps.layers.cell_layer_frame`, EPSG:4326) with every 1 km
    square less the 250 m squares shown on their own (cut in EPSG:25833), so that no place is
    in two cells: a 1 km cell gets holes."""
    squares = layers.grid_polygons(cells["ssb_rute"], cells["rute_m"].to_numpy())
    small, big = (cells["rute_m"] == 250).to_numpy(), (cells["rute_m"] == 1000).to_numpy()
    if big.any() and small.any():
        squares[big] = shapely.difference(squares[big], shapely.union_all(squares[small]))
    shapes = gpd.GeoSeries(squares, index=cells.index, crs=WORK_CRS).to_crs(WEB_CRS)
    return cells.set_geometry(shapes)


def _cells_layer(classified: gpd.GeoDataFrame, min_count: int) -> folium.FeatureGroup:
    """Cells that describe at least ``min_count`` addresses, coloured by their majority class;
    no two cells overlap."""
    cells = _without_overlap(layers.cell_layer_frame(classified, min_count=min_count))
    return feature_group(
        "Fast bredbånd per rute",
        True,
        cells[["klasse", "geometry"]].assign(tekst=cells["klasse"].map(SPEED_CLASS_LABELS)),
        style_function=layers.cell_style,
        tooltip=SafeTooltip(["tekst"], aliases=["De fleste kan få"]),
    )


def _planned_style(_feature: dict[str, Any]) -> dict[str, Any]:
    """Planned areas: green hatching (the page's SVG pattern) inside a dashed black edge."""
    return {
        "color": "#000000",
        "weight": 2,
        "fillColor": f"url(#{HATCH_ID})",
        "fillOpacity": 1,
        "dashArray": "6 3",
    }


def _planned_layer(areas_web: gpd.GeoDataFrame, min_count: int) -> folium.FeatureGroup:
    """The chosen areas (EPSG:4326); their household count only when it is not small
    (:func:`dekning.privacy.is_small`)."""
    planned = areas_web[areas_web["valgt"].astype(bool)]
    label = "Planlagt utbygging (" + planned["area_id"].astype(str) + ")"
    counted = label + ", " + planned["hus"].astype(int).map(_thousands).astype(str) + " husstander"
    tekst = label.where(is_small(planned["hus"], min_count), counted)
    return feature_group(
        "Planlagt utbygging",
        True,
        planned.assign(tekst=tekst)[["area_id", "tekst", "geometry"]],
        style_function=_planned_style,
        tooltip=SafeTooltip(["tekst"], labels=False),
    )


def public_map(
    classified: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    mobile_layers: Sequence[MobileLayer] = (),
    min_cell_count: int = 5,
    title: str = "Bredbånd og mobildekning",
    data_date: dt.date | None = None,
) -> folium.Map:
    """Build the public map (a page in bokmål, ``lang="nb"``, that can be zoomed on a phone).

    Parameters
    ----------
    classified
        Classified addresses (EPSG:25833).
    areas
        Build-out areas (EPSG:25833) with ``area_id``, ``hus`` and ``valgt``; only chosen areas
        are shown, with their household count when it is not small.
    mobile_layers
        The run's mobile layers (operator × technology): the address search shows each
        operator's best class.
    min_cell_count
        The small-group threshold (:func:`dekning.privacy.is_small`): cells and areas with
        fewer addresses (households) show no figure of their own.
    title
        Shown in the browser tab.
    data_date
        The date of the coverage data, shown under "Om kartet"; None: the page says the day
        it was made.

    Raises
    ------
    InputError
        A frame in another CRS than EPSG:25833, or without a column this map reads; the
        message names the frame.
    """
    web = web_frame(classified, ADDRESSES)
    areas_web = web_frame(areas, AREAS)
    require(areas_web, AREA_COLUMNS, AREAS)
    m = base_map(web.total_bounds, title, lang="nb")
    _cells_layer(classified, min_cell_count).add_to(m)
    _planned_layer(areas_web, min_cell_count).add_to(m)
    m.add_child(
        Legend(
            "Raskeste faste bredbånd",
            [*speed_legend_items(), (HATCH_SWATCH, "planlagt utbygging")],
            bottom=30,
        )
    )
    folium.LayerControl(collapsed=True).add_to(m)
    planned = areas_web.loc[areas_web["valgt"].astype(bool), "area_id"].astype(str)
    index = address_index(classified, mobile_layers, planned)
    m.add_child(AddressSearch(index, EXPLANATION, data_note(data_date), title))
    return m
