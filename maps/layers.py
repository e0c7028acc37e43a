"""Building blocks shared by the planner map and the public map.

Colours come from the Okabe-Ito palette and a viridis-like ramp, which stay distinguishable for
people with the common colour-vision deficiencies.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from branca.element import MacroElement, Template
from rasterio.warp import Resampling, calculate_default_transform, reproject

from dekning.crs import WEB_CRS, WORK_CRS, ssb_grid_id
from dekning.maps.offline import make_offline
from dekning.schema import SPEED_CLASS_LABELS, SPEED_CLASSES

# Okabe-Ito based: best (blue) to worst (vermillion); "none" is dark grey.
SPEED_COLOURS = {
    "ge1000": "#0072B2",
    "ge100": "#56B4E9",
    "30to100": "#F0E442",
    "lt30": "#D55E00",
    "none": "#333333",
}
MOBILE_COLOURS = {0: None, 1: "#E69F00", 2: "#56B4E9", 3: "#0072B2"}
MOBILE_LABELS = {1: "med utendørsantenne", 2: "utendørs", 3: "innendørs"}
GAP_COLOUR = "#CC79A7"


def cell_style(feature: dict) -> dict:
    """Style of a grid cell coloured by its speed class (``klasse``)."""
    return {
        "fillColor": SPEED_COLOURS[feature["properties"]["klasse"]],
        "color": "#333333",
        "weight": 0.3,
        "fillOpacity": 0.6,
    }


def grid_polygons(cell_ids: np.ndarray, size: int = 250) -> np.ndarray:
    """Square polygons (EPSG:25833) of SSB grid cells from their ids."""
    ids = np.asarray(cell_ids, dtype="int64")
    x0 = ids // 10_000_000 - 2_000_000
    y0 = ids % 10_000_000
    return shapely.box(x0, y0, x0 + size, y0 + size)


def _cell_stats(df: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    g = df.groupby(key)
    out = pd.DataFrame({"adresser": g.size(), "hus": g["hus"].sum()})
    for cls in SPEED_CLASSES:
        out[f"hus_{cls}"] = df["hus"].where(df["speed_class"] == cls, 0).groupby(key).sum()
    # Class of the majority of addresses in the cell (ties go to the worse class).
    counts = pd.crosstab(key, df["speed_class"]).reindex(columns=SPEED_CLASSES, fill_value=0)
    majority = counts.to_numpy()[:, ::-1].argmax(axis=1)
    out["klasse"] = [SPEED_CLASSES[len(SPEED_CLASSES) - 1 - k] for k in majority]
    lacking = out["hus_30to100"] + out["hus_lt30"] + out["hus_none"]
    out["andel_uten_100"] = np.where(out["hus"] > 0, lacking / out["hus"].clip(lower=1), 0.0).round(
        2
    )
    return out


def cell_layer_frame(
    classified: gpd.GeoDataFrame, min_count: int | None = None
) -> gpd.GeoDataFrame:
    """Per SSB cell: address count, households per speed class, majority class (EPSG:4326).

    Without ``min_count``: every 250 m cell. With ``min_count`` (for publication): 250 m cells
    with at least that many addresses; the addresses of smaller cells are rolled up into their
    1 km SSB cell, which is shown when it reaches ``min_count``; the rest is left out, so no
    published cell describes fewer than ``min_count`` addresses. Column ``rute_m`` gives the
    cell size.
    """
    df = pd.DataFrame(classified.drop(columns="geometry"))
    stats = _cell_stats(df, df["ssb_rute_250"]).assign(rute_m=250)
    if min_count is not None:
        small_ids = stats.index[stats["adresser"] < min_count]
        stats = stats[stats["adresser"] >= min_count]
        rest = df[df["ssb_rute_250"].isin(small_ids)]
        if len(rest):
            x0 = rest["ssb_rute_250"] // 10_000_000 - 2_000_000
            y0 = rest["ssb_rute_250"] % 10_000_000
            km = ssb_grid_id(x0.to_numpy(), y0.to_numpy(), 1000)
            big = _cell_stats(rest, pd.Series(km, index=rest.index, name="ssb_rute")).assign(
                rute_m=1000
            )
            stats = pd.concat([stats, big[big["adresser"] >= min_count]])
    stats.index.name = "ssb_rute"
    out = stats.reset_index()
    geoms = np.concatenate(
        [
            grid_polygons(out.loc[out["rute_m"] == size, "ssb_rute"].to_numpy(), size)
            for size in (250, 1000)
        ]
    )
    out = pd.concat([out[out["rute_m"] == 250], out[out["rute_m"] == 1000]], ignore_index=True)
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
    return [(SPEED_COLOURS[c], SPEED_CLASS_LABELS[c]) for c in SPEED_CLASSES]


def raster_overlay(
    grid: np.ndarray,
    transform: rasterio.Affine,
    crs: object,
    colours: dict[int, str | None],
    name: str,
    show: bool = False,
    opacity: float = 0.55,
) -> folium.raster_layers.ImageOverlay:
    """An image overlay of a class grid, reprojected to Web Mercator so it lines up with the tiles."""
    src = grid.astype("float32")
    h, w = src.shape
    left, top = transform.c, transform.f
    right, bottom = transform.c + transform.a * w, transform.f + transform.e * h
    dst_transform, dw, dh = calculate_default_transform(
        crs, "EPSG:3857", w, h, left, bottom, right, top
    )
    dst = np.full((dh, dw), np.nan, dtype="float32")
    reproject(
        src,
        dst,
        src_transform=transform,
        src_crs=crs,
        dst_transform=dst_transform,
        dst_crs="EPSG:3857",
        src_nodata=np.nan,
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
    )
    rgba = np.zeros((dh, dw, 4), dtype="uint8")
    for value, colour in colours.items():
        if colour is None:
            continue
        sel = dst == value
        rgba[sel, 0] = int(colour[1:3], 16)
        rgba[sel, 1] = int(colour[3:5], 16)
        rgba[sel, 2] = int(colour[5:7], 16)
        rgba[sel, 3] = 255
    x0, y1 = dst_transform.c, dst_transform.f
    x1, y0 = dst_transform.c + dst_transform.a * dw, dst_transform.f + dst_transform.e * dh
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:3857", WEB_CRS, always_xy=True)
    lon0, lat0 = tr.transform(x0, y0)
    lon1, lat1 = tr.transform(x1, y1)
    return folium.raster_layers.ImageOverlay(
        image=rgba,
        bounds=[[lat0, lon0], [lat1, lon1]],
        name=name,
        opacity=opacity,
        show=show,
        mercator_project=False,
    )


def base_map(bounds_4326: Sequence[float], title: str) -> folium.Map:
    """A Folium map fitted to ``bounds`` (minx, miny, maxx, maxy in EPSG:4326) with a scale bar."""
    minx, miny, maxx, maxy = bounds_4326
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=11,
        tiles="OpenStreetMap",
        control_scale=False,
        prefer_canvas=False,
    )
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    make_offline(m)
    m.add_child(MetricScale())
    m.get_root().header.add_child(folium.Element(f"<title>{escape(title)}</title>"))
    m.get_root().header.add_child(
        folium.Element('<meta name="viewport" content="width=device-width, initial-scale=1">')
    )
    m.get_root().header.add_child(
        folium.Element(
            "<style>.leaflet-popup-content td, .leaflet-popup-content th { white-space: nowrap; }</style>"
        )
    )
    return m
