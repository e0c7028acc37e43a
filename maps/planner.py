"""The planner map: one HTML file with toggleable layers (addresses by speed class aggregated to
250 m cells, eligible addresses, build-out areas with their figures, mobile coverage per
operator and the gap where no operator is satisfactory), legends, scale bar and full screen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine

from dekning.crs import WEB_CRS
from dekning.maps.layers import (
    GAP_COLOUR,
    MOBILE_COLOURS,
    MOBILE_LABELS,
    SPEED_COLOURS,
    Legend,
    base_map,
    cell_layer_frame,
    cell_style,
    grid_polygons,
    raster_overlay,
    speed_legend_items,
)
from dekning.maps.offline import FullscreenControl
from dekning.schema import ClassGrid, MobileLayer, operators

DEMAND_RAMP = ("#f7fcb9", "#d9f0a3", "#addd8e", "#41ab5d", "#006837")
"""Share of answers wanting fibre, 0-20 %, ..., 80-100 % (sequential, colour-blind safe)."""


def _nok(v: float) -> str:
    return f"{v:,.0f}".replace(",", " ") + " kr"


POPUP_FIELDS = {
    "area_id": "Område",
    "hus": "Husstander",
    "naering": "Virksomheter",
    "fritid": "Fritidsboliger (ikke støtteberettiget)",
    "kostnad": "Kostnad",
    "stottebehov_kr": "Støttebehov",
    "statlig_kr": "Statlig tilskudd",
    "kommunal_kr": "Kommunal egenandel",
    "per_enhet_kr": "Kostnad per enhet",
    "prioritet": "Prioritet",
}


def area_popup_frame(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Areas in EPSG:4326 with the figures a planner sees in the popup, formatted as text."""
    web = areas.to_crs(WEB_CRS)
    chosen = web["valgt"].astype(bool) if "valgt" in web else pd.Series(False, index=web.index)
    return gpd.GeoDataFrame(
        {
            "area_id": web["area_id"],
            "hus": web["hus"].astype(int),
            "naering": web["naering"].astype(int),
            "fritid": web["fritid"].astype(int),
            "kostnad": web["kost_total"].map(_nok),
            "stottebehov_kr": web["stottebehov"].map(_nok),
            "statlig_kr": web["statlig"].map(_nok),
            "kommunal_kr": web["kommunal"].map(_nok),
            "per_enhet_kr": web["kost_per_enhet"].map(_nok),
            "prioritet": [
                f"{int(r)} (år {int(y)})" if c else "ikke valgt"
                for r, y, c in zip(web["rang"], web["aar"], chosen, strict=True)
            ],
            "valgt": chosen,
        },
        geometry=web.geometry,
        crs=WEB_CRS,
    )


def planner_map(
    classified: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    mobile_layers: Sequence[MobileLayer] = (),
    mobile_grids: Mapping[str, ClassGrid] | None = None,
    routes: gpd.GeoDataFrame | None = None,
    survey: dict[str, pd.DataFrame] | None = None,
    title: str = "dekning – planleggerkart",
) -> folium.Map:
    """Build the planner map.

    Parameters
    ----------
    classified
        Classified addresses (EPSG:25833).
    areas
        Build-out areas joined with their funding and selection columns (EPSG:25833).
    mobile_layers, mobile_grids
        The run's mobile layers and its class grids (per operator; key ``""``: the number of
        operators reaching the satisfactory class), as made by the classify stage.
    routes
        Fibre routes of the areas.
    survey
        :attr:`dekning.pipeline.RunResult.survey`: demand per 250 m cell
        (``ettersporsel_ruter``) and the discrepancies (``avvik``) at their addresses.
    """
    grids = mobile_grids or {}
    web = classified.to_crs(WEB_CRS)
    m = base_map(web.total_bounds, title)

    cells = cell_layer_frame(classified)
    fg = folium.FeatureGroup(name="Bredbånd per 250 m-rute (husstander)", show=True)
    folium.GeoJson(
        cells[["ssb_rute", "adresser", "hus", "klasse", "andel_uten_100", "geometry"]],
        style_function=cell_style,
        tooltip=folium.GeoJsonTooltip(
            ["ssb_rute", "adresser", "hus", "klasse", "andel_uten_100"],
            aliases=["Rute", "Adresser", "Husstander", "Vanligste klasse", "Andel uten 100 Mbit/s"],
        ),
    ).add_to(fg)
    fg.add_to(m)

    elig = web[web["eligible"]]
    fg = folium.FeatureGroup(name="Støtteberettigede adresser", show=False)
    folium.GeoJson(
        elig[["adrid", "adressetekst", "hus", "speed_class", "best_down_kbps", "band", "geometry"]],
        marker=folium.CircleMarker(radius=3, weight=0.5, fill=True, fill_opacity=0.9),
        style_function=lambda f: {
            "fillColor": SPEED_COLOURS[f["properties"]["speed_class"]],
            "color": "#000",
        },
        tooltip=folium.GeoJsonTooltip(
            ["adressetekst", "hus", "best_down_kbps", "band"],
            aliases=["Adresse", "Husstander", "Beste ned (kbit/s)", "Klasse"],
        ),
    ).add_to(fg)
    fg.add_to(m)

    fg = folium.FeatureGroup(name="Utbyggingsområder", show=True)
    popup = area_popup_frame(areas)
    folium.GeoJson(
        popup,
        style_function=lambda f: {
            "color": "#000000",
            "weight": 2.5 if f["properties"]["valgt"] else 1.2,
            "dashArray": None if f["properties"]["valgt"] else "5 5",
            "fillColor": "#009E73",
            "fillOpacity": 0.3 if f["properties"]["valgt"] else 0.0,
        },
        popup=folium.GeoJsonPopup(
            list(POPUP_FIELDS), aliases=list(POPUP_FIELDS.values()), labels=True, max_width=420
        ),
        tooltip=folium.GeoJsonTooltip(["area_id"], aliases=["Område"]),
    ).add_to(fg)
    fg.add_to(m)

    if survey and "ettersporsel_ruter" in survey:
        per_cell = survey["ettersporsel_ruter"]
        if len(per_cell):
            cells_s = gpd.GeoDataFrame(
                per_cell,
                geometry=grid_polygons(per_cell["ssb_rute_250"].to_numpy()),
                crs=classified.crs,
            ).to_crs(WEB_CRS)
            cells_s["andel"] = cells_s.get(
                "andel_interessert", pd.Series(np.nan, index=cells_s.index)
            ).fillna(-1)
            fg = folium.FeatureGroup(name="Spørreundersøkelse: svar per rute", show=False)
            folium.GeoJson(
                cells_s[["ssb_rute_250", "svar", "andel", "geometry"]],
                style_function=lambda f: {
                    "fillColor": "#999999"
                    if f["properties"]["andel"] < 0
                    else DEMAND_RAMP[min(4, int(f["properties"]["andel"] * 5))],
                    "color": "#333333",
                    "weight": 0.4,
                    "fillOpacity": 0.7,
                },
                tooltip=folium.GeoJsonTooltip(
                    ["svar", "andel"], aliases=["Svar", "Andel som ønsker fiber (-1: ikke spurt)"]
                ),
            ).add_to(fg)
            fg.add_to(m)
    if survey and "avvik" in survey and len(survey["avvik"]):
        avvik = survey["avvik"]
        per_address = avvik.groupby("adrid").agg(
            avvik=("avvik", lambda v: ", ".join(sorted(set(v)))),
            operatorer=("operator", lambda v: ", ".join(sorted({str(x) for x in v if str(x)}))),
            antall=("avvik", "size"),
        )
        pts = (
            classified.set_index("adrid")
            .loc[per_address.index, ["adressetekst", "geometry"]]
            .join(per_address)
        )
        pts = gpd.GeoDataFrame(pts.reset_index(), geometry="geometry", crs=classified.crs).to_crs(
            WEB_CRS
        )
        fg = folium.FeatureGroup(name="Avvik: beboere motsier operatørdata", show=False)
        folium.GeoJson(
            pts[["adressetekst", "avvik", "operatorer", "antall", "geometry"]],
            marker=folium.CircleMarker(radius=5, weight=1.5, fill=True, fill_opacity=0.9),
            style_function=lambda _f: {"fillColor": "#CC79A7", "color": "#000000"},
            tooltip=folium.GeoJsonTooltip(
                ["adressetekst", "avvik", "operatorer"], aliases=["Adresse", "Avvik", "Operatør"]
            ),
        ).add_to(fg)
        fg.add_to(m)

    if routes is not None and len(routes):
        fg = folium.FeatureGroup(name="Foreslått fibertrasé", show=True)
        folium.GeoJson(
            routes.to_crs(WEB_CRS)[["area_id", "metode", "geometry"]],
            style_function=lambda _f: {"color": "#0072B2", "weight": 2.5, "opacity": 0.9},
            tooltip=folium.GeoJsonTooltip(["area_id", "metode"], aliases=["Område", "Trasé"]),
        ).add_to(fg)
        fg.add_to(m)

    names = operators(mobile_layers)
    for op in names:
        if op in grids:
            g = grids[op]
            raster_overlay(
                g.values,
                Affine(*g.transform),
                g.crs,
                MOBILE_COLOURS,
                name=f"Mobildekning {op.capitalize()} (4G/5G)",
            ).add_to(m)
    if names and "" in grids:
        g = grids[""]
        raster_overlay(
            (g.values == 0).astype("int8"),
            Affine(*g.transform),
            g.crs,
            {1: GAP_COLOUR, 0: None},
            name="Mobilhull: ingen operatør god nok",
            show=False,
        ).add_to(m)

    m.add_child(Legend("Bredbånd (beste tilbud)", speed_legend_items(), bottom=30))
    m.add_child(
        Legend(
            "Mobil / områder",
            [(MOBILE_COLOURS[k], v) for k, v in sorted(MOBILE_LABELS.items(), reverse=True)]
            + [
                (GAP_COLOUR, "ingen operatør god nok"),
                ("#009E73", "valgt område"),
                ("#FFFFFF", "kandidatområde (stiplet)"),
                ("#0072B2", "foreslått fibertrasé"),
                ("#CC79A7", "avvik fra beboere (punkt)"),
                (DEMAND_RAMP[4], "svar: 80–100 % ønsker fiber"),
                (DEMAND_RAMP[0], "svar: 0–20 % ønsker fiber"),
            ],
            bottom=200,
        )
    )
    m.add_child(FullscreenControl())
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def write_map(m: folium.Map, path: str | Path) -> Path:
    """Save a map to one HTML file, atomically (temporary file, then rename)."""
    path = Path(path)
    tmp = path.with_suffix(".html.tmp")
    m.save(str(tmp))
    tmp.replace(path)
    return path
