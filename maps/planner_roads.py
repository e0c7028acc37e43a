"""The planner map's mobile layers along roads: the roads coloured by their mobile coverage and
the ranked gap stretches with their figures (see :mod:`dekning.maps.planner`).

Colours keep their meaning across the map: purple is the best mobile class (as on the
operators' coverage layers), orange is "no operator good enough" (as the mobile gap layer),
grey dashes are roads whose coverage is unknown (an estimate with no address near).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode

from dekning.crs import WEB_CRS, WORK_CRS
from dekning.maps.layers import (
    GAP_COLOUR,
    MOBILE_COLOURS,
    MOBILE_WORDS,
    SafePopup,
    SafeTooltip,
    compact_group,
    feature_group,
    operator_label,
)
from dekning.money import decimal, thousands
from dekning.result import RoadMobile
from dekning.schema import (
    MOBILE_ANY_COLUMN,
    MOBILE_COUNT_COLUMN,
    ROAD_CATEGORY_WORDS,
    MobileLayer,
    operator_column,
    operators,
)

ROAD_PANE = "dekning_veghull"
"""The pane of the gap stretches: above the build-out areas' fill (SVG, so a click beside a
stretch still reaches the area below)."""
UNKNOWN_COLOUR = "#777777"
"""Roads whose coverage is unknown: grey, dashed."""
STRETCH_FIELDS = {
    "hull_id": "Hull",
    "rang": "Rang",
    "veg": "Veg",
    "lengde": "Lengde",
    "adt": "ÅDT (kjøretøy/døgn)",
    "kjoretoy_km": "Kjøretøy-km per døgn i hullet",
    "hus": "Husstander i nærheten",
    "fritid": "Fritidsboliger i nærheten",
    "svakeste": "Svakeste operatør",
}
"""Popup fields of a gap stretch and their labels."""


def road_label(category: pd.Series, number: pd.Series, name: pd.Series) -> pd.Series:
    """``"FV 6500 Dalføret (fylkesveg)"``: number, name and category in words."""
    words = category.map(ROAD_CATEGORY_WORDS).fillna(category)
    text = (number.fillna("").astype(str) + " " + name.fillna("").astype(str)).str.strip()
    return text.where(text != "", "uten navn") + " (" + words + ")"


def _state(segments: gpd.GeoDataFrame, layers: Sequence[MobileLayer]) -> np.ndarray:
    """Per segment: ``"gap"``, ``"unknown"`` or the best class over the operators (``"2"``)."""
    ops = operators(layers)
    best = segments[[operator_column(op) for op in ops]].to_numpy().max(axis=1)
    any_ok = segments[MOBILE_ANY_COLUMN]
    state = best.astype(str).astype(object)
    state[any_ok.isna().to_numpy()] = "unknown"
    state[any_ok.eq(False).fillna(False).to_numpy(dtype=bool)] = "gap"
    return state


def _runs(segments: gpd.GeoDataFrame, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive segments of one road with the same ``key`` (one row of values per segment):
    the run of each segment and the first segment of each run."""
    keys = np.column_stack([segments["veg_id"].to_numpy(), key])
    new = np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)]
    return np.cumsum(new) - 1, np.flatnonzero(new)


def coverage_lines(road: RoadMobile, layers: Sequence[MobileLayer]) -> gpd.GeoDataFrame:
    """The roads as lines of one coverage each (consecutive segments alike joined), EPSG:4326:
    ``veg``, ``dekning`` (words), ``operatorer`` (each operator's best class in words),
    ``farge``, ``strek`` (dash pattern or empty) and the line."""
    seg = road.segments
    ops = operators(layers)
    state = _state(seg, layers)
    per_op = seg[[operator_column(op) for op in ops]].to_numpy(dtype="int64")
    state_code = pd.factorize(state)[0]
    run, first = _runs(seg, np.column_stack([state_code, per_op]))
    lines = shapely.line_merge(shapely.multilinestrings(seg.geometry.to_numpy(), indices=run))
    head = seg.iloc[first]
    words = {
        op: head[operator_column(op)].map(lambda c: MOBILE_WORDS.get(int(c), "ukjent"))
        for op in ops
    }
    operator_text = pd.Series("", index=head.index)
    for op in ops:
        operator_text = operator_text + f"{operator_label(op)}: " + words[op] + "; "
    n_ok = head[MOBILE_COUNT_COLUMN].astype(int).astype(str)
    st = state[first]
    cover = np.where(
        st == "gap",
        "ingen operatør god nok",
        np.where(st == "unknown", "ukjent", "dekket av " + n_ok + f" av {len(ops)} operatører"),
    )
    colour = [
        GAP_COLOUR if s == "gap" else UNKNOWN_COLOUR if s == "unknown" else MOBILE_COLOURS[int(s)]
        for s in st
    ]
    frame = gpd.GeoDataFrame(
        {
            "veg": road_label(head["vegkategori"], head["vegnummer"], head["vegnavn"]).to_numpy(),
            "dekning": cover,
            "operatorer": operator_text.str.removesuffix("; ").to_numpy(),
            "farge": colour,
            "strek": np.where(st == "unknown", "6 6", ""),
        },
        geometry=lines,
        crs=WORK_CRS,
    )
    return frame.to_crs(WEB_CRS)


def _line_style(feature: dict[str, Any]) -> dict[str, Any]:
    props = feature["properties"]
    return {
        "color": props["farge"],
        "weight": 4,
        "opacity": 0.95,
        "dashArray": props["strek"] or None,
    }


def road_coverage_layer(
    road: RoadMobile | None, layers: Sequence[MobileLayer]
) -> folium.FeatureGroup | None:
    """The roads coloured by their mobile coverage (hidden at start)."""
    if road is None or road.segments.empty:
        return None
    need = "innendørs" if road.satisfactory == "indoor" else "utendørs"
    return compact_group(
        f"Mobil langs veg (god nok: {need})",
        False,
        coverage_lines(road, layers),
        _line_style,
        lazy=True,
        tooltip=SafeTooltip(
            ["veg", "dekning", "operatorer"], aliases=["Veg", "Dekning", "Beste klasse"]
        ),
    )


def stretch_frame(road: RoadMobile) -> gpd.GeoDataFrame:
    """The gap stretches with their popup fields as text (figures as Norwegians write them),
    EPSG:4326."""
    s = road.stretches
    adt = s["adt"]
    vkm = s["kjoretoy_km_dogn"]
    frame = gpd.GeoDataFrame(
        {
            "hull_id": s["hull_id"].to_numpy(),
            "rang": s["rang"].map(thousands).to_numpy(),
            "veg": road_label(s["vegkategori"], s["vegnummer"], s["vegnavn"]).to_numpy(),
            "lengde": s["lengde_m"].map(lambda m: f"{decimal(m / 1000, 2)}\u00a0km").to_numpy(),
            "adt": adt.map(lambda v: "ukjent" if pd.isna(v) else thousands(v)).to_numpy(),
            "kjoretoy_km": vkm.map(lambda v: "ukjent" if pd.isna(v) else thousands(v)).to_numpy(),
            "hus": s["hus"].map(thousands).to_numpy(),
            "fritid": s["fritid"].map(thousands).to_numpy(),
            "svakeste": s["svakeste_operator"]
            .map(lambda t: " / ".join(operator_label(o) for o in str(t).split(" / ") if o))
            .to_numpy(),
        },
        geometry=s.geometry.to_numpy(),
        crs=WORK_CRS,
    )
    return frame.to_crs(WEB_CRS)


def road_pane() -> folium.map.CustomPane:
    """The pane :func:`road_gap_layer` draws in (add it to the map first)."""
    return folium.map.CustomPane(ROAD_PANE, z_index=450)


def road_gap_layer(road: RoadMobile | None) -> folium.FeatureGroup | None:
    """The ranked gap stretches: thick orange lines with their figures (shown at start), in
    :data:`ROAD_PANE`."""
    if road is None or road.stretches.empty:
        return None
    return feature_group(
        "Mobilhull langs veg (rangert)",
        True,
        stretch_frame(road),
        style_function=lambda _f: {"color": GAP_COLOUR, "weight": 7, "opacity": 0.9},
        renderer=JsCode("L.svg({pane: '" + ROAD_PANE + "'})"),
        pane=ROAD_PANE,
        popup=SafePopup(
            list(STRETCH_FIELDS), aliases=list(STRETCH_FIELDS.values()), labels=True, max_width=460
        ),
        tooltip=SafeTooltip(["hull_id", "veg", "lengde"], aliases=["Hull", "Veg", "Lengde"]),
    )


def road_legend_items(road: RoadMobile | None) -> list[tuple[str, str, str]]:
    """The legend's lines for the road layers: kind, colour, words."""
    if road is None:
        return []
    items = [
        ("line", MOBILE_COLOURS[3], "innendørs (beste operatør)"),
        ("line", MOBILE_COLOURS[2], "utendørs"),
        ("line", GAP_COLOUR, "hull: ingen operatør god nok"),
    ]
    if road.segments[MOBILE_ANY_COLUMN].isna().any():
        items.append(("line", UNKNOWN_COLOUR, "ukjent (estimat, ingen adresse nær)"))
    return items


__all__ = [
    "coverage_lines",
    "road_coverage_layer",
    "road_gap_layer",
    "road_legend_items",
    "road_pane",
    "stretch_frame",
]
