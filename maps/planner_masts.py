"""The planner map's candidate mast sites: the chosen sites (shown) and every candidate (hidden at
start), each with what it would newly cover, its cost and municipal share, in a popup that says
it is a screening, not a radio plan (see :mod:`dekning.maps.planner`).

Masts are circles with a black rim: filled black when chosen, white when a candidate (black
lines are fibre routes: another shape, so no colour means two things).
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np

from dekning.crs import WEB_CRS
from dekning.maps.layers import SafePopup, SafeTooltip, feature_group
from dekning.money import decimal, nok, thousands
from dekning.result import MastScreening

CHOSEN_FILL = "#000000"
CANDIDATE_FILL = "#FFFFFF"
NOTE = "Screening av sikt og strekningstap, ikke radioplan"
FIELDS = {
    "site_id": "Mast",
    "navn": "Navn",
    "status": "Status",
    "veg": "Ny dekning veg",
    "enheter": "Nye husstander og virksomheter",
    "fritid": "Nye fritidsboliger",
    "kostnad": "Kostnad",
    "kommunal": "Kommunal andel",
    "merknad": "Merk",
}
"""Popup fields and their labels."""


def mast_frame(masts: MastScreening, chosen: bool) -> gpd.GeoDataFrame:
    """The chosen sites (or all candidates) with their popup fields as text, EPSG:4326."""
    s = masts.sites
    if chosen:
        s = s.loc[s["valgt"].astype(bool)]
    status = np.where(
        s["valgt"].astype(bool),
        "valgt innenfor budsjettet",
        "kandidat, rang " + s["rang"].astype(str),
    )
    frame = gpd.GeoDataFrame(
        {
            "site_id": s["site_id"].astype(str).to_numpy(),
            "navn": s["navn"].astype(str).to_numpy(),
            "status": status,
            "veg": s["veg_km"].map(lambda km: f"{decimal(km, 2)}\u00a0km").to_numpy(),
            "enheter": (s["hus"] + s["naering"]).map(thousands).to_numpy(),
            "fritid": s["fritid"].map(thousands).to_numpy(),
            "kostnad": s["kost_total"].map(nok).to_numpy(),
            "kommunal": s["kommunal"].map(nok).to_numpy(),
            "merknad": NOTE,
            "valgt": s["valgt"].astype(bool).to_numpy(),
        },
        geometry=s.geometry.to_numpy(),
        crs=s.crs,
    )
    return frame.to_crs(WEB_CRS)


def _style(feature: dict[str, Any]) -> dict[str, Any]:
    chosen = feature["properties"]["valgt"]
    return {
        "color": "#000000",
        "weight": 2,
        "fillColor": CHOSEN_FILL if chosen else CANDIDATE_FILL,
        "fillOpacity": 1.0,
    }


def mast_layers(
    masts: MastScreening | None,
) -> tuple[folium.FeatureGroup | None, folium.FeatureGroup | None]:
    """The chosen masts (shown) and all candidates (hidden at start); None without a screening."""
    if masts is None or masts.sites.empty:
        return None, None

    def layer(name: str, show: bool, chosen: bool) -> folium.FeatureGroup:
        return feature_group(
            name,
            show,
            mast_frame(masts, chosen),
            marker=folium.CircleMarker(radius=7, fill=True),
            style_function=_style,
            popup=SafePopup(
                list(FIELDS), aliases=list(FIELDS.values()), labels=True, max_width=460
            ),
            tooltip=SafeTooltip(["site_id", "status"], aliases=["Mast", "Status"]),
        )

    chosen = layer("Valgte master (screening)", True, True) if masts.sites["valgt"].any() else None
    return chosen, layer("Mastekandidater (alle)", False, False)


def mast_legend_items(masts: MastScreening | None) -> list[tuple[str, str, str]]:
    """The legend's items for the mast layers."""
    if masts is None:
        return []
    return [
        ("point", CHOSEN_FILL, "valgt mast (screening)"),
        ("point", CANDIDATE_FILL, "mastekandidat"),
    ]


__all__ = ["mast_frame", "mast_layers", "mast_legend_items"]
