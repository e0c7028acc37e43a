"""Building blocks shared by the planner map and the public map.

Maps read a run's results only: classified addresses, areas and routes (EPSG:25833, checked at
the door) and the mobile class grids the classify stage made. Nothing here opens an input file.

Colours come from the Okabe-Ito palette and a viridis-like ramp, which stay distinguishable for
people with the common colour-vision deficiencies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from branca.element import MacroElement, Template
from folium.template import Template as FoliumTemplate
from pyproj import Transformer
from rasterio.warp import Resampling, calculate_default_transform, reproject

from dekning.crs import WEB_CRS, WORK_CRS, require_crs, ssb_grid_id
from dekning.maps.compact import (
    ColumnarGeoJson,
    columns,
    encode_column,
    rounded_geojson,
    shape_columns,
)
from dekning.maps.offline import accessible_page, make_offline, page_header
from dekning.privacy import is_small
from dekning.schema import (
    MOBILE_CLASSES,
    SPEED_CLASS_LABELS,
    SPEED_CLASSES,
    TARGET_DOWN_KBPS,
    ClassGrid,
    require,
)

# Okabe-Ito based: best (blue) to worst (vermillion); "none" is dark grey.
SPEED_COLOURS = {
    "ge1000": "#0072B2",
    "ge100": "#56B4E9",
    "30to100": "#F0E442",
    "lt30": "#D55E00",
    "none": "#333333",
}
_MOBILE_WORDS_BY_CLASS = {
    "ingen": "ingen",
    "antenne": "med utendørsantenne",
    "ute": "utendørs",
    "inne": "innendørs",
}
MOBILE_WORDS = {k: _MOBILE_WORDS_BY_CLASS[name] for k, name in MOBILE_CLASSES.items()}
"""Mobile class (:data:`dekning.schema.MOBILE_CLASSES`) → the words the maps show."""
# Mobile classes: one purple family, apart from the speed classes' blues, yellow, vermillion.
_MOBILE_COLOURS_BY_CLASS = {"antenne": "#CBC9E2", "ute": "#9E9AC8", "inne": "#54278F"}
MOBILE_COLOURS = {
    k: _MOBILE_COLOURS_BY_CLASS[name]
    for k, name in MOBILE_CLASSES.items()
    if name in _MOBILE_COLOURS_BY_CLASS
}
"""Mobile class → overlay colour; a class without a colour (none) is transparent."""
GAP_COLOUR = "#E69F00"  # no operator good enough: orange, used for nothing else
AREA_FILL = "#009E73"

TARGET_MBPS = TARGET_DOWN_KBPS // 1000
LACKING_COLUMN = f"andel_uten_{TARGET_MBPS}"
"""Cell column: share of households without an offer of the national target speed."""
LACKING_LABEL = f"Andel uten {TARGET_MBPS} Mbit/s"
CELL_COLUMNS = ("ssb_rute_250", "hus", "speed_class", "best_down_kbps")
"""Columns of the classified addresses the cell layer reads."""


def operator_label(operator: str) -> str:
    """An operator's name as the maps show it: as the input names it, with a capital first
    letter when the input wrote it all in lower case (``telenor`` → ``Telenor``; ``Ice-Net``
    stays ``Ice-Net``)."""
    return operator.capitalize() if operator.islower() else operator


def cell_style(feature: dict[str, Any]) -> dict[str, Any]:
    """Style of a grid cell coloured by its speed class (``klasse``)."""
    return {
        "fillColor": SPEED_COLOURS[feature["properties"]["klasse"]],
        "color": "#333333",
        "weight": 0.3,
        "fillOpacity": 0.6,
    }


def _cell_origin(cell_ids: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower-left corner (EPSG:25833) of SSB grid cells from their ids."""
    ids = np.asarray(cell_ids, dtype="int64")
    return ids // 10_000_000 - 2_000_000, ids % 10_000_000


def grid_polygons(
    cell_ids: pd.Series | np.ndarray, size: int | pd.Series | np.ndarray = 250
) -> np.ndarray:
    """Square polygons (EPSG:25833) of SSB grid cells from their ids and sizes (metres)."""
    x0, y0 = _cell_origin(cell_ids)
    return shapely.box(x0, y0, x0 + size, y0 + size)


def _cell_stats(df: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Addresses, households (per speed class), majority class and the share lacking the
    target speed of the addresses grouped by ``key``."""
    g = df.groupby(key)
    out = pd.DataFrame({"adresser": g.size(), "hus": g["hus"].sum()})
    for cls in SPEED_CLASSES:
        out[f"hus_{cls}"] = df["hus"].where(df["speed_class"] == cls, 0).groupby(key).sum()
    # Class of the majority of addresses in the cell (ties go to the worse class).
    pairs = pd.DataFrame({"key": key.to_numpy(), "cls": df["speed_class"].astype(str).to_numpy()})
    counts = (  # addresses per cell and class (a group-by: crosstab counted in Python)
        pairs.groupby(["key", "cls"]).size().unstack(fill_value=0)
    ).reindex(index=out.index, columns=SPEED_CLASSES, fill_value=0)
    worst_first = counts.to_numpy()[:, ::-1].argmax(axis=1)
    out["klasse"] = np.array(SPEED_CLASSES, dtype=object)[len(SPEED_CLASSES) - 1 - worst_first]
    lacking = df["hus"].where(df["best_down_kbps"] < TARGET_DOWN_KBPS, 0).groupby(key).sum()
    share = np.where(out["hus"] > 0, lacking / out["hus"].clip(lower=1), 0.0)
    out[LACKING_COLUMN] = share.round(2)
    return out


def _publishable(df: pd.DataFrame, stats: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """250 m cells that are not small, then the 1 km cells of the addresses of small 250 m
    cells that are not small themselves (:func:`dekning.privacy.is_small`)."""
    small = is_small(stats["adresser"], min_count)
    rest = df[df["ssb_rute_250"].isin(stats.index[small])]
    if rest.empty:
        return stats[~small]
    x0, y0 = _cell_origin(rest["ssb_rute_250"])
    km = pd.Series(ssb_grid_id(x0, y0, 1000), index=rest.index, name="ssb_rute")
    big = _cell_stats(rest, km).assign(rute_m=1000)
    return pd.concat([stats[~small], big[~is_small(big["adresser"], min_count)]])


def cell_layer_frame(
    classified: gpd.GeoDataFrame, min_count: int | None = None
) -> gpd.GeoDataFrame:
    """Per SSB cell: address count, households per speed class, majority class (EPSG:4326).

    Parameters
    ----------
    classified
        Classified addresses (EPSG:25833) with the columns of :data:`CELL_COLUMNS`.
    min_count
        None: every 250 m cell. A number (for publication): 250 m cells that are not small
        under :func:`dekning.privacy.is_small` (fewer than ``min_count`` addresses); the
        addresses of small cells are rolled up into their 1 km SSB cell, which is shown when it
        is not small itself; the rest is left out, so no published cell describes fewer than
        ``min_count`` addresses.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell: ``ssb_rute`` (id), ``rute_m`` (cell size, 250 or 1000),
        ``adresser``, ``hus``, ``hus_<class>``, ``klasse`` and :data:`LACKING_COLUMN`; 250 m
        cells first.

    Raises
    ------
    InputError
        When ``classified`` is not in EPSG:25833 or lacks a column of :data:`CELL_COLUMNS`.
    """
    require_crs(classified, "classified addresses (cell layer)")
    require(classified, CELL_COLUMNS, "classified addresses (cell layer)")
    df = pd.DataFrame(classified.drop(columns="geometry"))
    stats = _cell_stats(df, df["ssb_rute_250"]).assign(rute_m=250)
    if min_count is not None:
        stats = _publishable(df, stats, min_count)
    stats.index.name = "ssb_rute"
    out = stats.reset_index()
    geoms = grid_polygons(out["ssb_rute"], out["rute_m"].to_numpy())
    return gpd.GeoDataFrame(out, geometry=geoms, crs=WORK_CRS).to_crs(WEB_CRS)


class MetricScale(MacroElement):
    """A metric-only scale bar (Leaflet's default also shows miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true, position: 'bottomright'}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class Legend(MacroElement):
    """A fixed-position legend (HTML list) bound to the map."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div class="dekning-legend" role="region" aria-label="{{ this.title }}"
             style="position:fixed; bottom:{{ this.bottom }}px; left:10px; z-index:9999; background:white;
                    padding:6px 10px; border-radius:4px; font:13px/1.3 system-ui,sans-serif;
                    box-shadow:0 1px 4px rgba(0,0,0,.4); max-width:260px;">
          <strong>{{ this.title }}</strong>
          {% for colour, label in this.items %}
          <div><span style="display:inline-block;width:14px;height:14px;margin-right:6px;vertical-align:middle;
                 background:{{ colour }};border:1px solid #333;"></span>{{ label }}</div>
          {% endfor %}
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str, items: Sequence[tuple[str, str]], bottom: int = 30) -> None:
        super().__init__()
        self._name = "Legend"
        self.title = escape(title)
        self.items = [(c, escape(lbl)) for c, lbl in items]
        self.bottom = bottom


def speed_legend_items() -> list[tuple[str, str]]:
    """Colour and label of every speed class, best first."""
    return [(SPEED_COLOURS[c], SPEED_CLASS_LABELS[c]) for c in SPEED_CLASSES]


def mobile_legend_items() -> list[tuple[str, str]]:
    """Colour and words of every coloured mobile class, best first."""
    return [(MOBILE_COLOURS[k], MOBILE_WORDS[k]) for k in sorted(MOBILE_COLOURS, reverse=True)]


def _to_web_mercator(grid: ClassGrid) -> tuple[np.ndarray, Any]:
    """``grid`` reprojected (nearest class) to EPSG:3857 as float32, NaN outside; and its
    affine transform."""
    h, w = grid.values.shape
    a, _, left, _, e, top = grid.transform[:6]
    right, bottom = left + a * w, top + e * h
    dst_transform, dw, dh = calculate_default_transform(
        grid.crs, "EPSG:3857", w, h, left, bottom, right, top
    )
    dst = np.full((dh, dw), np.nan, dtype="float32")
    reproject(
        grid.values.astype("float32"),
        dst,
        src_transform=Affine(*grid.transform[:6]),
        src_crs=grid.crs,
        dst_transform=dst_transform,
        dst_crs="EPSG:3857",
        src_nodata=np.nan,
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
    )
    return dst, dst_transform


SAFE_DETAIL = """
    function(layer){
    let div = L.DomUtil.create('div');
    {% if this.fields %}
    let fields = {{ this.fields | tojson | safe }};
    let aliases = {{ this.aliases | tojson | safe }};
    let table = document.createElement('table');
    fields.forEach(function(v, i) {
        let tr = document.createElement('tr');
        {% if this.labels %}
        let th = document.createElement('th'); th.textContent = aliases[i]; tr.appendChild(th);
        {% endif %}
        let x = layer.feature.properties[v];
        let td = document.createElement('td');
        td.textContent = (x === null || x === undefined) ? ''
            : (typeof x === 'object' ? JSON.stringify(x) : String(x));
        tr.appendChild(td); table.appendChild(tr);
    });
    div.appendChild(table);
    {% endif %}
    return div
    }
    """
"""Folium's tooltip/popup body with every label and value set as text (``textContent``), never
parsed as HTML: an address or area id from the input is shown as written."""


def _bind_safely(method: str, options: str) -> FoliumTemplate:
    """The script that binds :data:`SAFE_DETAIL` to the parent GeoJson with ``method``
    (``bindTooltip``/``bindPopup``) and the element's ``options``."""
    return FoliumTemplate(
        "{% macro script(this, kwargs) %}\n{{ this._parent.get_name() }}."
        + method
        + "("
        + SAFE_DETAIL
        + ",{{ this."
        + options
        + " | tojavascript }});\n{% endmacro %}"
    )


class SafeTooltip(folium.GeoJsonTooltip):
    """:class:`folium.GeoJsonTooltip` that shows the feature properties as text (folium's own
    puts them into ``innerHTML``)."""

    _template = _bind_safely("bindTooltip", "tooltip_options")


class SafePopup(folium.GeoJsonPopup):
    """:class:`folium.GeoJsonPopup` that shows the feature properties as text."""

    _template = _bind_safely("bindPopup", "popup_options")


RASTER_PANE = "dekning_raster"
"""The map pane of the class-grid overlays: above the tiles, below every shape."""


def raster_pane() -> folium.map.CustomPane:
    """The pane :func:`raster_overlay` draws in; add it to the map before the overlays, so
    cells, areas, routes and points stay on top of the (half-transparent) rasters."""
    return folium.map.CustomPane(RASTER_PANE, z_index=350)


def raster_overlay(
    grid: ClassGrid,
    colours: Mapping[int, str],
    name: str,
    show: bool = False,
    opacity: float = 0.55,
) -> folium.raster_layers.ImageOverlay:
    """An image overlay (in :data:`RASTER_PANE`) of an in-memory class grid, reprojected to Web
    Mercator so it lines up with the tiles; classes without a colour in ``colours`` are
    transparent."""
    dst, t = _to_web_mercator(grid)
    dh, dw = dst.shape
    rgba = np.zeros((dh, dw, 4), dtype="uint8")
    for value, colour in colours.items():
        rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        rgba[dst == value] = [*rgb, 255]
    to_lonlat = Transformer.from_crs("EPSG:3857", WEB_CRS, always_xy=True)
    lon0, lat0 = to_lonlat.transform(t.c, t.f + t.e * dh)
    lon1, lat1 = to_lonlat.transform(t.c + t.a * dw, t.f)
    return folium.raster_layers.ImageOverlay(
        image=rgba,
        bounds=[[lat0, lon0], [lat1, lon1]],
        name=name,
        opacity=opacity,
        show=show,
        mercator_project=False,
        pane=RASTER_PANE,
    )


PAGE_CSS = (
    # Figures in popups never break (labels wrap instead, so a popup fits its maximum width).
    ".leaflet-popup-content td { white-space: nowrap; } "
    # No focus rectangle around a shape clicked with the mouse; keyboard focus keeps its ring.
    ".leaflet-interactive:focus:not(:focus-visible) { outline: none; }"
)


def base_map(
    bounds_4326: Sequence[float], title: str, lang: str | None = None, canvas: bool = False
) -> folium.Map:
    """A Folium map fitted to ``bounds`` (minx, miny, maxx, maxy in EPSG:4326) with a scale bar;
    with ``lang``, on an :class:`~dekning.maps.offline.AccessiblePage` in that language; with
    ``canvas``, shapes are drawn on one canvas, not as SVG elements (fast with thousands)."""
    minx, miny, maxx, maxy = bounds_4326
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=11,
        tiles="OpenStreetMap",
        control_scale=False,
        prefer_canvas=canvas,
    )
    if lang is not None:
        accessible_page(m, lang)
    # Not animated: an animated zoom leaves the map at ``zoom_start`` while the layers are
    # added (all drawn twice, at 11 and at the fitted zoom; the page's scripts read the wrong
    # zoom).
    fit = folium.map.FitBounds([[miny, minx], [maxy, maxx]])
    fit.options["animate"] = False
    m.add_child(fit)
    make_offline(m)
    m.add_child(MetricScale())
    header = page_header(m)
    header.add_child(folium.Element(f"<title>{escape(title)}</title>"))
    header.add_child(
        folium.Element('<meta name="viewport" content="width=device-width, initial-scale=1">')
    )
    header.add_child(folium.Element(f"<style>{PAGE_CSS}</style>"))
    return m


def feature_group(
    name: str, show: bool, frame: gpd.GeoDataFrame, **geojson: Any
) -> folium.FeatureGroup:
    """A toggleable layer (named in the layer control) drawing ``frame`` (EPSG:4326) with
    ``folium.GeoJson(frame, **geojson)``; left empty when the frame is (folium's tooltips and
    popups cannot be bound to no features)."""
    fg = folium.FeatureGroup(name=name, show=show)
    if not frame.empty:
        folium.GeoJson(rounded_geojson(frame), **geojson).add_to(fg)
    return fg


STYLE_CODE = "_stil"
"""Property of a compact layer's feature: the number of its style (:func:`compact_group`)."""


def compact_group(
    name: str,
    show: bool,
    frame: gpd.GeoDataFrame,
    style_function: Callable[[dict[str, Any]], dict[str, Any]],
    **geojson: Any,
) -> folium.FeatureGroup:
    """:func:`feature_group` for many lines or polygons: ``frame`` (EPSG:4326) embedded as
    compact columns (:func:`dekning.maps.compact.shape_columns`), each feature's style (what
    ``style_function`` gives for it) once in a table with a number per feature
    (:data:`STYLE_CODE`). ``lazy=True``: built the first time the layer is shown."""
    fg = folium.FeatureGroup(name=name, show=show)
    if frame.empty:
        return fg
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    styles = [
        json.dumps(style_function({"properties": row}), sort_keys=True)
        for row in table.to_dict("records")
    ]
    codes, uniques = pd.factorize(pd.Series(styles))
    props = {c: encode_column(table[c]) for c in table.columns}
    props[STYLE_CODE] = encode_column(pd.Series(codes))
    data = shape_columns(frame, props)
    table_of_styles = {i: json.loads(u) for i, u in enumerate(uniques)}
    ColumnarGeoJson(data, table_of_styles, STYLE_CODE, **geojson).add_to(fg)
    return fg


def cell_layer(
    name: str,
    show: bool,
    cells: pd.DataFrame,
    fields: Sequence[str],
    *,
    holes: bool = False,
    **geojson: Any,
) -> folium.FeatureGroup:
    """A toggleable layer of SSB cells (:func:`cell_layer_frame`) coloured by ``klasse``
    (:func:`cell_style`) with the properties ``fields``, embedded as compact columns
    (:mod:`dekning.maps.compact`; ``ssb_rute`` is made in the page from each cell's corner);
    ``holes``: 1 km cells less the smaller cells shown inside them."""
    fg = folium.FeatureGroup(name=name, show=show)
    if cells.empty:
        return fg
    x0, y0 = _cell_origin(cells["ssb_rute"])
    props = {
        f: encode_column(cells[f]) for f in dict.fromkeys(["klasse", *fields]) if f != "ssb_rute"
    }
    data = columns(
        x0,
        y0,
        props,
        unit=250,
        size=cells["rute_m"].to_numpy(),
        cell_id="ssb_rute" if "ssb_rute" in fields else None,
        holes=holes,
    )
    styles = {c: cell_style({"properties": {"klasse": c}}) for c in SPEED_CLASSES}
    ColumnarGeoJson(data, styles, "klasse", **geojson).add_to(fg)
    return fg


def web_frame(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """``frame`` checked to be in EPSG:25833 (an InputError naming ``what`` otherwise), in
    EPSG:4326 for the map."""
    require_crs(frame, what)
    return frame.to_crs(WEB_CRS)
