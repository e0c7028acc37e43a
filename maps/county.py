"""The county map: every candidate build-out area of every municipality of a county, coloured by
who chose it, over the municipalities' outlines, with a legend of the counts and of the state
money the county's choice uses against its frame.

Areas are drawn in three layers (Okabe-Ito colours, told apart by people with the common
colour-vision deficiencies, and by lightness in grey): chosen by the county (blue, filled),
chosen by the municipality but not by the county (orange, filled) and chosen by neither (a dark
dashed outline, no fill). Every area has a popup with its figures; every municipality a name
label and a tooltip with its totals. All text is set as text, never parsed as HTML.

At county scale the page must stay small: shapes are simplified by :data:`SIMPLIFY_M` metres in
EPSG:25833 before they are reprojected, coordinates are rounded to :data:`DECIMALS` decimals
(about a metre), features carry their popup text only and no per-address data at all, and
everything is drawn on one canvas. The page works offline (Leaflet inlined,
:mod:`dekning.maps.offline`) and under the maps' Content-Security-Policy; write it with
:func:`dekning.maps.planner.write_map`.
"""

from __future__ import annotations

from html import escape
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure
from folium.template import Template

from dekning.crs import WEB_CRS, require_crs
from dekning.errors import InputError
from dekning.maps.base_layer import PLACE_CSS, place_label
from dekning.maps.layers import SafePopup, SafeTooltip, base_map
from dekning.maps.offline import FullscreenControl, page_header
from dekning.money import decimal, nok, thousands
from dekning.schema import require
from dekning.textsafe import script_json

PLAN_COLUMNS = (
    "area_id",
    "kommunenummer",
    "kommune",
    "omrade",
    "enheter",
    "kost_total",
    "statlig",
    "kommunal",
    "poeng_fylke",
    "rang_fylke",
    "valgt_fylke",
    "valgt",
)
"""Columns of the county's candidate areas the map reads."""
BOUNDARY_COLUMNS = ("kommunenummer", "kommune")
"""Columns of the municipality boundaries the map reads."""
SIMPLIFY_M = 10.0
"""Areas and boundaries are simplified by this many metres (EPSG:25833) for the web."""
DECIMALS = 5
"""Decimals kept of every coordinate (EPSG:4326): 0.00001° is about a metre."""

COUNTY_COLOUR = "#0072B2"
"""Chosen by the county: Okabe-Ito blue."""
MUNICIPAL_COLOUR = "#E69F00"
"""Chosen by the municipality, not by the county: Okabe-Ito orange."""
NEITHER_COLOUR = "#333333"
"""Chosen by neither: a dark dashed outline."""
BOUNDARY_COLOUR = "#4D4D4D"
CATEGORIES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "ingen": (
        "Ikke valgt",
        "ikke valgt",
        {
            "color": NEITHER_COLOUR,
            "weight": 1.5,
            "dashArray": "4 4",
            "fill": True,
            "fillOpacity": 0.0,
        },
    ),
    "kommune": (
        "Valgt av kommunen, ikke av fylket",
        "valgt av kommunen, ikke av fylket",
        {
            "color": "#8C5E00",
            "weight": 1.5,
            "fillColor": MUNICIPAL_COLOUR,
            "fillOpacity": 0.6,
        },
    ),
    "fylke": (
        "Valgt av fylket",
        "valgt av fylket",
        {"color": "#00466E", "weight": 2, "fillColor": COUNTY_COLOUR, "fillOpacity": 0.6},
    ),
}
"""Area category → (layer name, status text, style), in drawing order (the county's choice on
top)."""
POPUP_FIELDS = {
    "kommune": "Kommune",
    "omrade": "Område",
    "status": "Status",
    "enheter": "Enheter (husstander og virksomheter)",
    "kostnad": "Kostnad",
    "statlig": "Statlig tilskudd",
    "kommunal": "Kommunal egenandel",
    "rang": "Rang i fylket",
    "poeng": "Poeng i fylket",
    "area_id": "Id",
}
"""Popup fields of an area and their labels."""
TOTAL_FIELDS = {
    "kommune": "Kommune",
    "omrader": "Kandidatområder",
    "valgt": "Valgt av fylket",
    "enheter": "Enheter nådd",
    "statlig": "Statlig tilskudd",
}
"""Tooltip fields of a municipality (its totals under the county's choice) and their labels."""
LEGEND_CSS = (
    "<style>.dekning-fylke-legend { position: fixed; bottom: 28px; left: 10px; z-index: 1000; "
    "background: #fff; color: #111; padding: 6px 10px; border-radius: 4px; max-width: 340px; "
    "font: 13px/1.35 system-ui, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.4); } "
    ".dekning-fylke-legend h2 { font-size: 14px; margin: 0 0 4px; } "
    ".dekning-fylke-tegn { display: inline-block; width: 14px; height: 14px; margin-right: 6px; "
    "vertical-align: middle; box-sizing: border-box; } "
    ".dekning-fylke-penger { margin-top: 4px; } "
    ".dekning-fylke-legend .kr { white-space: nowrap; }</style>"
)


def _web_geometry(geometry: gpd.GeoSeries) -> np.ndarray:
    """Shapes simplified by :data:`SIMPLIFY_M` metres (EPSG:25833), in EPSG:4326 with their
    coordinates rounded to :data:`DECIMALS` decimals."""
    simple = shapely.simplify(geometry.to_numpy(), SIMPLIFY_M, preserve_topology=True)
    web = gpd.GeoSeries(simple, crs=geometry.crs).to_crs(WEB_CRS).to_numpy()
    return np.asarray(shapely.transform(web, lambda xy: np.round(xy, DECIMALS)))


def _geojson(frame: pd.DataFrame, geometry: np.ndarray) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``frame``'s columns (as properties) and ``geometry``
    (EPSG:4326), without per-feature bounding boxes (they would only add bytes)."""
    gdf = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=geometry, crs=WEB_CRS)
    return gdf.to_geo_dict(na="null", show_bbox=False, drop_id=False)


def _category(plans: pd.DataFrame) -> pd.Series:
    """Each area's category of :data:`CATEGORIES`."""
    county = plans["valgt_fylke"].fillna(False).astype(bool)
    own = plans["valgt"].fillna(False).astype(bool)
    return pd.Series(
        np.where(county, "fylke", np.where(own, "kommune", "ingen")), index=plans.index
    )


def area_popup_frame(plans: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each area's popup fields (:data:`POPUP_FIELDS`) as text, and its category (``kategori``).

    Parameters
    ----------
    plans
        The county's candidate areas with the columns of :data:`PLAN_COLUMNS`.
    """
    category = _category(plans)
    rank = plans["rang_fylke"].fillna(0).astype(int)
    score = plans["poeng_fylke"].astype(float)
    return pd.DataFrame(
        {
            "kommune": plans["kommune"].astype(str),
            "omrade": plans["omrade"].astype(str),
            "status": category.map({k: v[1] for k, v in CATEGORIES.items()}),
            "enheter": plans["enheter"].map(thousands),
            "kostnad": plans["kost_total"].map(nok),
            "statlig": plans["statlig"].map(nok),
            "kommunal": plans["kommunal"].map(nok),
            "rang": rank.map(thousands).where(rank > 0, "ikke valgt"),
            "poeng": score.map(decimal).where(score.notna(), "–"),
            "area_id": plans["area_id"].astype(str),
            "kategori": category,
        },
        index=plans.index,
    )


def municipality_totals(plans: pd.DataFrame, boundaries: pd.DataFrame) -> pd.DataFrame:
    """Per municipality of ``boundaries``: its candidate areas, the areas the county chose and
    the units they reach and state money they take (:data:`TOTAL_FIELDS`, as text), in the
    boundaries' order."""
    county = plans["valgt_fylke"].fillna(False).astype(bool)
    key = plans["kommunenummer"].astype(str)
    chosen = plans.loc[county]
    counts = key.value_counts()
    totals = pd.DataFrame(
        {
            "omrader": counts,
            "valgt": county.groupby(key).sum(),
            "enheter": chosen["enheter"].groupby(key[county]).sum(),
            "statlig": chosen["statlig"].groupby(key[county]).sum(),
        }
    )
    at = totals.reindex(boundaries["kommunenummer"].astype(str).to_numpy()).fillna(0)
    return pd.DataFrame(
        {
            "kommune": boundaries["kommune"].astype(str).to_numpy(),
            "omrader": at["omrader"].map(thousands).to_numpy(),
            "valgt": at["valgt"].map(thousands).to_numpy(),
            "enheter": at["enheter"].map(thousands).to_numpy(),
            "statlig": at["statlig"].map(nok).to_numpy(),
        }
    )


class CompactGeoJson(folium.GeoJson):
    """:class:`folium.GeoJson` with one style for every feature and its data embedded as compact
    JSON: no spaces, text in UTF-8 (folium's own writes ``", "`` and ``": "`` and every
    non-ASCII character as a six-character escape: some 12 % more at county scale), safe inside
    ``<script>`` (:func:`dekning.textsafe.script_json`). Tooltips and popups bind to it as to a GeoJson."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_data = {{ this.compact_data() }};
        var {{ this.get_name() }} = L.geoJson({{ this.get_name() }}_data, {
            style: function() { return {{ this.fixed_style | tojavascript }}; },
            ...{{ this.options | tojavascript }}
        });
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any], style: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fixed_style = style

    def compact_data(self) -> str:
        """The layer's FeatureCollection as compact JSON, safe inside ``<script>``."""
        return script_json(self.data, compact=True)


def _group(
    name: str, data: dict[str, Any], style: dict[str, Any], **geojson: Any
) -> folium.FeatureGroup:
    """A layer (shown, named in the layer control) drawing the FeatureCollection ``data`` in
    ``style``; left empty without features (folium binds no tooltip to no features)."""
    group = folium.FeatureGroup(name=name, show=True)
    if data["features"]:
        CompactGeoJson(data, style, **geojson).add_to(group)
    return group


def _municipality_layer(boundaries: gpd.GeoDataFrame, plans: pd.DataFrame) -> folium.FeatureGroup:
    """Thin outlines of the municipalities with their totals in a tooltip and their names as
    labels (escaped)."""
    geometry = _web_geometry(boundaries.geometry)
    totals = municipality_totals(plans, boundaries)
    style = {"color": BOUNDARY_COLOUR, "weight": 1.2, "fill": True, "fillOpacity": 0.0}
    group = _group(
        "Kommuner",
        _geojson(totals, geometry),
        style,
        tooltip=SafeTooltip(list(TOTAL_FIELDS), aliases=list(TOTAL_FIELDS.values())),
    )
    for name, shape in zip(totals["kommune"], geometry, strict=True):
        if shape is None or shape.is_empty:
            continue
        place_label(name, shapely.point_on_surface(shape)).add_to(group)
    return group


def _area_layers(plans: gpd.GeoDataFrame) -> list[folium.FeatureGroup]:
    """The areas, one layer per category of :data:`CATEGORIES`, each with popups."""
    frame = area_popup_frame(plans)
    geometry = _web_geometry(plans.geometry)
    layers = []
    for key, (name, _status, style) in CATEGORIES.items():
        mask = (frame["kategori"] == key).to_numpy()
        props = frame.loc[mask, list(POPUP_FIELDS)]
        layers.append(
            _group(
                f"Områder: {name.lower()}",
                _geojson(props, geometry[mask]),
                style,
                popup=SafePopup(
                    list(POPUP_FIELDS),
                    aliases=list(POPUP_FIELDS.values()),
                    labels=True,
                    max_width=420,
                ),
                tooltip=SafeTooltip(["kommune", "omrade"], aliases=["Kommune", "Område"]),
            )
        )
    return layers


def money_line(plans: pd.DataFrame, state_budget_nok: float | None) -> str:
    """The state money the county's choice uses against its frame, as the legend writes it:
    "Statlig ramme: 58 400 000 kr, brukt 57 912 000 kr" (no-break spaces, :func:`nok`)."""
    used = float(plans.loc[plans["valgt_fylke"].fillna(False).astype(bool), "statlig"].sum())
    frame = "ikke satt" if state_budget_nok is None else nok(state_budget_nok)
    line = f"Statlig ramme: {frame}, brukt {nok(used)}"
    if state_budget_nok is not None and used > state_budget_nok:
        line += f" (over rammen med {nok(used - state_budget_nok)})"
    return line


def _legend(title: str, plans: pd.DataFrame, state_budget_nok: float | None) -> str:
    """The legend's markup: the title, a row per category with its count, the outlines, and
    the state money line; every text escaped."""
    counts = _category(plans).value_counts()
    rows = []
    for key, (name, _status, style) in reversed(CATEGORIES.items()):
        if key == "ingen":
            swatch = f"border:2px dashed {style['color']};background:transparent"
        else:
            swatch = f"border:1px solid {style['color']};background:{style['fillColor']}"
        n = int(counts.get(key, 0))
        rows.append(
            f'<div data-kategori="{key}" data-antall="{n}">'
            f'<span class="dekning-fylke-tegn" style="{swatch}"></span>'
            f"{escape(name)}: {thousands(n)}</div>"
        )
    rows.append(
        '<div><span class="dekning-fylke-tegn" '
        f'style="border:1px solid {BOUNDARY_COLOUR};background:transparent"></span>'
        "kommunegrense</div>"
    )
    return (
        '<div class="dekning-fylke-legend" role="region" aria-label="Tegnforklaring">'
        f"<h2>{escape(title)}</h2>"
        + "".join(rows)
        + f'<div class="dekning-fylke-penger">{escape(money_line(plans, state_budget_nok))}'
        "</div></div>"
    )


def _checked(plans: gpd.GeoDataFrame, boundaries: gpd.GeoDataFrame) -> None:
    """The county map's door: both frames in EPSG:25833 with the columns the map reads, and
    every area id once."""
    require_crs(plans, "county plans (county map)")
    require(plans, PLAN_COLUMNS, "county plans (county map)")
    require_crs(boundaries, "municipality boundaries (county map)")
    require(boundaries, BOUNDARY_COLUMNS, "municipality boundaries (county map)")
    twice = plans["area_id"].astype(str)
    twice = twice[twice.duplicated()]
    if not twice.empty:
        raise InputError(
            f"fylkeskartet: område-id {twice.iloc[0]} finnes flere ganger",
            field="area_id",
        )
    if plans.empty and boundaries.empty:
        raise InputError("fylkeskartet: verken områder eller kommunegrenser å tegne")


def county_map(
    plans: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    title: str,
    state_budget_nok: float | None,
) -> folium.Map:
    """Build the county map.

    Parameters
    ----------
    plans
        Every candidate area of every municipality (EPSG:25833) with the columns of
        :data:`PLAN_COLUMNS`: ``area_id`` (unique), the municipality (``kommunenummer``,
        ``kommune``), ``omrade``, ``enheter``, the money (``kost_total``, ``statlig``,
        ``kommunal``; NOK), the county's ranking (``poeng_fylke``, ``rang_fylke``; 0: not
        chosen) and choice (``valgt_fylke``) and the municipality's own choice (``valgt``).
    boundaries
        The municipalities (EPSG:25833) with ``kommunenummer`` and ``kommune``.
    title
        The page title, also the legend's heading.
    state_budget_nok
        The county's frame of state money (NOK); None: no frame (the legend says so).

    Returns
    -------
    folium.Map
        Fitted to the county; write it with :func:`dekning.maps.planner.write_map`.

    Raises
    ------
    InputError
        When a frame is not in EPSG:25833 or lacks a column the map reads, when an area id is
        repeated, or when there is nothing to draw.
    """
    _checked(plans, boundaries)
    shapes = pd.concat([boundaries.geometry, plans.geometry])
    bounds = gpd.GeoSeries(shapes.to_numpy(), crs=plans.crs).to_crs(WEB_CRS).total_bounds
    m = base_map(bounds, title, lang="nb", canvas=True)
    header = page_header(m)
    header.add_child(folium.Element(PLACE_CSS))
    header.add_child(folium.Element(LEGEND_CSS))
    _municipality_layer(boundaries, plans).add_to(m)
    for layer in _area_layers(plans):
        layer.add_to(m)
    m.add_child(FullscreenControl())
    folium.LayerControl(collapsed=True).add_to(m)
    legend = folium.Element(_legend(title, plans, state_budget_nok))
    cast(Figure, m.get_root()).html.add_child(legend)
    return m


__all__ = [
    "CATEGORIES",
    "PLAN_COLUMNS",
    "area_popup_frame",
    "county_map",
    "money_line",
    "municipality_totals",
]
