"""The public map for residents, in bokmål, nynorsk or English (:mod:`dekning.maps.public_text`):
coverage per cell with small cells suppressed, the planned build-out areas, an address search
that shows the coverage operators publish at an address, and a short plain-language
explanation. Per address the page holds the address text, its position (to about 1 m), the
operators' fixed offer, the mobile classes and the planned area it lies in; no household
counts, survey answers or address ids.

The page around the map (search, languages, announcements, keyboard, phone layout) is
:mod:`dekning.maps.public_page`; the search index is :mod:`dekning.maps.public_search`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import shapely

from dekning.config import EvidenceConfig
from dekning.crs import WEB_CRS, WORK_CRS
from dekning.maps import layers
from dekning.maps.base_layer import PLACE_CSS, base_layer, base_pane
from dekning.maps.layers import SPEED_COLOURS, base_map, feature_group, web_frame
from dekning.maps.offline import page_header
from dekning.maps.public_page import HATCH_ID, HATCH_SWATCH, AddressSearch
from dekning.maps.public_search import ADDRESSES, OPEN_COLUMN, address_index
from dekning.maps.public_text import DEFAULT_LANGUAGE, TEXT, date_text, texts_with_evidence
from dekning.privacy import is_small
from dekning.schema import SPEED_CLASSES, MobileLayer, require

AREA_COLUMNS = ("area_id", "hus", "valgt")
"""Columns of the build-out areas the public map reads."""
AREAS = "build-out areas (public map)"

EXPLANATION = TEXT[DEFAULT_LANGUAGE]["forklaring"]
"""The text of "Om kartet" in bokmål (the other languages: :data:`TEXT`)."""
NB = TEXT[DEFAULT_LANGUAGE]


def _data_line(data_date: dt.date | None, made: dt.date | None) -> tuple[str, tuple[int, int, int]]:
    """Which line dates the map (``data_per`` or ``laget``) and its date."""
    key, day = ("data_per", data_date) if data_date is not None else ("laget", made)
    day = day or dt.date.today()
    return key, (day.year, day.month, day.day)


def data_note(
    data_date: dt.date | None, made: dt.date | None = None, lang: str = DEFAULT_LANGUAGE
) -> str:
    """The line that dates the map's data (``Dekningsdata per 1. oktober 2026.``); without a
    data date, the day the map was made."""
    key, (y, m, d) = _data_line(data_date, made)
    return TEXT[lang][key].format(dato=date_text(d, m, y, lang))


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
    no two cells overlap (a 1 km cell has the 250 m cells shown inside it cut out, in the
    page: :mod:`dekning.maps.compact`; :func:`_without_overlap` is the same in Python)."""
    cells = layers.cell_layer_frame(classified, min_count=min_count)
    return layers.cell_layer(NB["lag_celler"], True, cells, ["klasse"], holes=True)


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
    """The chosen areas (EPSG:4326) with ``area_id`` and ``antall``, their household count,
    only when it is not small (:func:`dekning.privacy.is_small`; null otherwise). The page
    writes their tooltips in its language."""
    planned = areas_web[areas_web["valgt"].astype(bool)]
    count = planned["hus"].astype(int).astype(object)
    shown = count.where(~is_small(planned["hus"], min_count), None)
    return feature_group(
        NB["lag_planlagt"],
        True,
        planned.assign(area_id=planned["area_id"].astype(str), antall=shown)[
            ["area_id", "antall", "geometry"]
        ],
        style_function=_planned_style,
    )


def public_map(
    classified: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    mobile_layers: Sequence[MobileLayer] = (),
    min_cell_count: int = 5,
    title: str = "Bredbånd og mobildekning",
    data_date: dt.date | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    evidence: EvidenceConfig | None = None,
) -> folium.Map:
    """Build the public map (a page in bokmål, ``lang="nb"``, with nynorsk and English in its
    language menu, that can be zoomed on a phone).

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
        Shown in the browser tab; a title ending in "bredbånd og mobildekning" follows the
        page's language.
    data_date
        The date of the coverage data, shown under "Om kartet"; None: the page says the day
        it was made.
    boundary, roads
        The municipality boundary and the roads (EPSG:25833): with the post towns, an offline
        base under the cells (:mod:`dekning.maps.base_layer`).
    evidence
        The configuration's evidence rules (``[evidence]``): "Slik utfordrer du
        dekningsdataene" names their number of tests and days and whether wired tests are
        needed (:func:`dekning.maps.public_text.challenge_text`); None: the defaults.

    When the addresses have ``utfordring_apen`` (the run keeps residents' challenges), "Om
    kartet" says how to challenge the data, and an address with an open challenge says so in
    its answer (a flag in the index; nothing else of a challenge is published).

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
    m.add_child(base_pane())
    base = base_layer(boundary, roads, classified, name=NB["lag_grunnkart"])
    if base is not None:
        base.add_to(m)
        page_header(m).add_child(folium.Element(PLACE_CSS))
    _cells_layer(classified, min_cell_count).add_to(m)
    _planned_layer(areas_web, min_cell_count).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    planned = areas_web.loc[areas_web["valgt"].astype(bool), "area_id"].astype(str)
    index = address_index(classified, mobile_layers, planned)
    legend = [(SPEED_COLOURS[c], f"klasse.{c}") for c in SPEED_CLASSES]
    legend.append((HATCH_SWATCH, "planlagt_forklaring"))
    help_text = OPEN_COLUMN in classified.columns  # the run keeps challenges
    rules = evidence or EvidenceConfig()
    texts = texts_with_evidence(
        min_tests=rules.min_tests,
        min_days=rules.min_days,
        wired_only=rules.wired_only,
        prefer_wired=rules.prefer_wired,
    )
    m.add_child(
        AddressSearch(index, legend, _data_line(data_date, None), title, help_text, texts=texts)
    )
    return m
