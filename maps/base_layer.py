"""An offline base for both maps, drawn from the run's own inputs: the municipality boundary, the
roads (wider for the main roads) and place names (each post town at the middle of its
addresses). Without base-map tiles (no network, or a blocked tile server) the coverage is then
still read against something familiar, not as coloured squares on grey.

The base lies in its own pane (:data:`BASE_PANE`) above the tiles and below every coverage layer;
greys only, so no colour of the maps' legends means anything here.
"""

from __future__ import annotations

from html import escape
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dekning.crs import WEB_CRS, require_crs
from dekning.maps.compact import rounded_geojson

BASE_PANE = "dekning_grunnkart"
"""The base's pane: above the tiles (z-index 200), below the class grids (350) and shapes."""
BOUNDARY_COLOUR = "#4D4D4D"
ROAD_COLOUR = "#9A9A9A"
ROAD_WIDTH = {"E": 3.5, "R": 3.0, "F": 2.5, "K": 1.5, "P": 1.0, "S": 1.0}
"""Line width (px) by road category; roads of unknown category are drawn as municipal roads."""
SIMPLIFY_M = 5.0
"""Roads and boundary are simplified by this many metres (the map's file stays small)."""


def base_pane() -> folium.map.CustomPane:
    """The pane the base is drawn in (add it to the map before the base)."""
    return folium.map.CustomPane(BASE_PANE, z_index=250, pointer_events=False)


def place_names(classified: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every post town (``poststed``) at the median position of its addresses, EPSG:25833;
    empty without the column."""
    require_crs(classified, "place_names(classified)")
    if "poststed" not in classified or classified.empty:
        return gpd.GeoDataFrame({"navn": []}, geometry=[], crs=classified.crs)
    names = classified["poststed"].astype("string").str.strip().fillna("")
    xy = pd.DataFrame({"navn": names, "x": classified.geometry.x, "y": classified.geometry.y}).loc[
        names != ""
    ]
    mid = xy.groupby("navn", sort=True)[["x", "y"]].median()
    titled = [n.title() if n.isupper() else n for n in mid.index]
    return gpd.GeoDataFrame(
        {"navn": titled}, geometry=shapely.points(mid["x"], mid["y"]), crs=classified.crs
    )


def _road_style(feature: dict[str, Any]) -> dict[str, Any]:
    return {"color": ROAD_COLOUR, "weight": feature["properties"]["bredde"], "opacity": 0.9}


def base_layer(
    boundary: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None,
    classified: gpd.GeoDataFrame,
    name: str = "Grunnkart: kommunegrense, veger og steder",
) -> folium.FeatureGroup | None:
    """The offline base (shown at start), or None when the run has neither boundary, roads nor
    place names.

    Parameters
    ----------
    boundary, roads
        The run's municipality boundary and roads (EPSG:25833; roads with ``vegkategori``).
    classified
        The addresses, for the place names (``poststed``).
    name
        The layer's name in the layer control.
    """
    places = place_names(classified)
    if boundary is None and roads is None and places.empty:
        return None
    group = folium.FeatureGroup(name=name, show=True)
    opts: dict[str, Any] = {"pane": BASE_PANE, "interactive": False}
    if boundary is not None and not boundary.empty:
        require_crs(boundary, "base_layer(boundary)")
        line = shapely.boundary(shapely.union_all(boundary.geometry.to_numpy()))
        edge = gpd.GeoDataFrame(geometry=[shapely.simplify(line, SIMPLIFY_M)], crs=boundary.crs)
        folium.GeoJson(
            rounded_geojson(edge.to_crs(WEB_CRS)),
            style_function=lambda _f: {"color": BOUNDARY_COLOUR, "weight": 2, "dashArray": "8 4"},
            **opts,
        ).add_to(group)
    if roads is not None and not roads.empty:
        require_crs(roads, "base_layer(roads)")
        cat = roads.get("vegkategori", pd.Series("K", index=roads.index)).astype(str)
        lines = gpd.GeoDataFrame(
            {"bredde": cat.map(ROAD_WIDTH).fillna(1.5).to_numpy()},
            geometry=shapely.simplify(roads.geometry.to_numpy(), SIMPLIFY_M),
            crs=roads.crs,
        )
        order = np.argsort(lines["bredde"].to_numpy(), kind="stable")  # main roads on top
        folium.GeoJson(
            rounded_geojson(lines.iloc[order].to_crs(WEB_CRS)), style_function=_road_style, **opts
        ).add_to(group)
    for name, point in zip(places["navn"], places.to_crs(WEB_CRS).geometry, strict=True):
        # a label per place (a permanent tooltip bound to one GeoJSON shows only once)
        place_label(str(name), point).add_to(group)
    return group


def place_label(name: str, point: shapely.Point) -> folium.Marker:
    """A place name written on the map at ``point`` (EPSG:4326), as text (escaped), not
    clickable (:data:`PLACE_CSS` styles it)."""
    return folium.Marker(
        [point.y, point.x],
        icon=folium.DivIcon(
            html=f'<span class="dekning-sted">{escape(name)}</span>',
            icon_size=(0, 0),
            class_name="dekning-sted-ikon",
        ),
        interactive=False,
        keyboard=False,
    )


PLACE_CSS = (
    "<style>.dekning-sted-ikon { background: none; border: 0; }"
    ".dekning-sted { display: inline-block; transform: translate(-50%, -50%); "
    "white-space: nowrap; color: #222; font: italic 600 13px/1.2 system-ui, sans-serif; "
    "text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; pointer-events: none; }</style>"
)
"""Place names as map labels: dark italic text with a white halo, centred on the place."""


__all__ = [
    "BASE_PANE",
    "PLACE_CSS",
    "base_layer",
    "base_pane",
    "place_label",
    "place_names",
]
