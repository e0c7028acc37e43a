"""Gaps in mobile coverage along roads: continuous gap stretches, ranked, and the covered shares
per road category.

A **gap stretch** is a run of consecutive segments of one road (as joined by
:func:`~dekning.coverage.classify.roads.merge_roads`) that no operator covers at the
satisfactory class (``mob_any_ok`` false). A segment of unknown coverage ends a stretch.

Ranking: by vehicle-kilometres a day through the gap (length in km × ÅDT) when the roads have
ÅDT, a stretch without ÅDT after those with; then by length, then by the households and holiday
homes nearby. Without any ÅDT, by length first. The metrics follow the government study of
mobile coverage along national roads (Analysys Mason for KDD, regjeringen.no id2911286): the
share of road length covered by at least one operator, the longest continuous gap, and the gap
stretches by road category.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dekning.coverage.read.roads import CATEGORIES, UNKNOWN
from dekning.crs import WORK_CRS
from dekning.schema import MOBILE_ALL_COLUMN, MOBILE_ANY_COLUMN, operator_column

ALL = "alle"
"""The total row of :func:`road_summary`."""

STRETCH_COLUMNS = [
    "hull_id",
    "rang",
    "vegkategori",
    "vegnummer",
    "vegnavn",
    "veg_id",
    "fra_m",
    "til_m",
    "lengde_m",
    "adt",
    "kjoretoy_km_dogn",
    "adresser",
    "hus",
    "fritid",
    "svakeste_operator",
    "start_ost",
    "start_nord",
    "slutt_ost",
    "slutt_nord",
    "geometry",
]
"""Columns of :func:`gap_stretches`."""


def gap_stretches(
    segments: gpd.GeoDataFrame,
    operators: Sequence[str],
    addresses: gpd.GeoDataFrame | None = None,
    nearby_m: float = 500.0,
    min_gap_m: float = 0.0,
) -> gpd.GeoDataFrame:
    """The gap stretches of the roads, ranked.

    Parameters
    ----------
    segments
        As :func:`~dekning.coverage.classify.roads.road_mobile`, ordered by road and chainage.
    operators
        The operators (each has a best-class column :func:`~dekning.schema.operator_column`).
    addresses
        Address points (EPSG:25833) with ``hus`` and ``fritid``; those within ``nearby_m`` of a
        stretch are counted for it.
    nearby_m
        Distance (metres) for the counts.
    min_gap_m
        Shorter stretches are left out of the list.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`STRETCH_COLUMNS`, one row per stretch, by ``rang`` (1 = first): ``hull_id``
        (``H-0001`` by rank), road, chainage and length (metres), ``adt`` (largest along the
        stretch; NaN when unknown), ``kjoretoy_km_dogn`` (km × ÅDT), ``adresser``, ``hus`` and
        ``fritid`` within ``nearby_m``, ``svakeste_operator`` (lowest length-weighted mean class
        along the stretch; ties joined with " / "), the end points (EPSG:25833) and the line.
    """
    gap = segments[MOBILE_ANY_COLUMN].eq(False).fillna(False).to_numpy(dtype=bool)
    veg = segments["veg_id"].to_numpy()
    new_run = gap & ~np.r_[False, gap[:-1] & (veg[1:] == veg[:-1])]
    run = np.cumsum(new_run) - 1
    g = segments.loc[gap].assign(_run=run[gap])
    if g.empty:
        return gpd.GeoDataFrame(
            {c: [] for c in STRETCH_COLUMNS if c != "geometry"}, geometry=[], crs=WORK_CRS
        )
    by = g.groupby("_run", sort=True)
    out = by.agg(
        vegkategori=("vegkategori", "first"),
        vegnummer=("vegnummer", "first"),
        vegnavn=("vegnavn", "first"),
        veg_id=("veg_id", "first"),
        fra_m=("fra_m", "min"),
        til_m=("til_m", "max"),
        lengde_m=("lengde_m", "sum"),
        adt=("adt", "max"),
    ).reset_index(drop=True)
    runs = g["_run"].to_numpy()
    lines = shapely.line_merge(
        shapely.multilinestrings(g.geometry.to_numpy(), indices=runs), directed=True
    )
    starts = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]])
    ends = np.r_[starts[1:] - 1, len(runs) - 1]
    geoms = g.geometry.to_numpy()
    first = shapely.get_point(geoms[starts], 0)
    last = shapely.get_point(geoms[ends], -1)
    out["start_ost"], out["start_nord"] = shapely.get_x(first), shapely.get_y(first)
    out["slutt_ost"], out["slutt_nord"] = shapely.get_x(last), shapely.get_y(last)
    out["kjoretoy_km_dogn"] = out["lengde_m"] / 1000.0 * out["adt"]
    out["svakeste_operator"] = _weakest(g, runs, operators)
    out["adresser"], out["hus"], out["fritid"] = _nearby(lines, addresses, nearby_m)
    stretches = gpd.GeoDataFrame(out, geometry=lines, crs=WORK_CRS)
    stretches = stretches.loc[stretches["lengde_m"] >= min_gap_m]
    return _rank(stretches)


def _weakest(g: pd.DataFrame, runs: np.ndarray, operators: Sequence[str]) -> list[str]:
    """Per run the operator(s) with the lowest length-weighted mean class."""
    if not operators:
        return [""] * (int(runs.max()) + 1 if len(runs) else 0)
    length = g["lengde_m"].to_numpy()
    n = int(runs.max()) + 1
    means = np.empty((n, len(operators)))
    for j, op in enumerate(operators):
        cls = g[operator_column(op)].to_numpy(dtype="float64")
        cls = np.where(cls < 0, np.nan, cls)
        known = ~np.isnan(cls)
        w = np.bincount(runs[known], weights=(cls * length)[known], minlength=n)
        k = np.bincount(runs[known], weights=length[known], minlength=n)
        means[:, j] = np.where(k > 0, w / np.where(k > 0, k, 1), np.inf)
    worst = np.min(means, axis=1, keepdims=True)
    names = np.array(operators, dtype=object)
    return [" / ".join(names[row]) for row in np.isclose(means, worst) & np.isfinite(means)]


def _nearby(
    lines: np.ndarray, addresses: gpd.GeoDataFrame | None, nearby_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per line the addresses within ``nearby_m`` and their households and holiday homes."""
    n = len(lines)
    if addresses is None or len(addresses) == 0:
        zeros = np.zeros(n, dtype="int64")
        return zeros, zeros.copy(), zeros.copy()
    tree = shapely.STRtree(addresses.geometry.to_numpy())
    line, adr = tree.query(lines, predicate="dwithin", distance=nearby_m)
    count = np.bincount(line, minlength=n).astype("int64")

    def total(col: str) -> np.ndarray:
        if col not in addresses:
            return np.zeros(n, dtype="int64")
        values = addresses[col].to_numpy(dtype="float64")[adr]
        return np.bincount(line, weights=values, minlength=n).round().astype("int64")

    return count, total("hus"), total("fritid")


def _rank(stretches: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Sorted by vehicle-km (when any ÅDT), length, people nearby, road and chainage; ranked."""
    people = stretches["hus"] + stretches["fritid"]
    keys = {
        "_len": -stretches["lengde_m"].round(3),
        "_people": -people,
        "veg_id": stretches["veg_id"],
        "fra_m": stretches["fra_m"],
    }
    order = list(keys)
    if stretches["adt"].notna().any():
        keys = {"_vkm": -stretches["kjoretoy_km_dogn"].fillna(-1.0).round(3), **keys}
        order = ["_vkm", *order]
    ranked = stretches.assign(**keys).sort_values(order, kind="stable")
    ranked = ranked.drop(columns=[k for k in keys if k.startswith("_")])
    ranked["rang"] = np.arange(1, len(ranked) + 1)
    ranked["hull_id"] = [f"H-{r:04d}" for r in ranked["rang"]]
    return ranked[STRETCH_COLUMNS].reset_index(drop=True)


def road_summary(segments: gpd.GeoDataFrame, stretches: gpd.GeoDataFrame) -> pd.DataFrame:
    """Road length and covered shares per category and in total.

    Parameters
    ----------
    segments
        As :func:`~dekning.coverage.classify.roads.road_mobile`.
    stretches
        All gap stretches (:func:`gap_stretches` with ``min_gap_m=0``), for the longest gap.

    Returns
    -------
    pandas.DataFrame
        One row per category present (in the order E, R, F, K, P, S, ukjent) and ``alle``:
        ``vegkategori``, ``km``, ``km_minst_en`` (covered by at least one operator),
        ``andel_minst_en`` (of the km whose coverage is known), ``km_alle``, ``andel_alle``,
        ``km_ukjent`` (coverage unknown), ``lengste_hull_km`` (0 without a gap), ``hull``
        (stretches).
    """
    present = set(segments["vegkategori"])
    cats = [c for c in (*CATEGORIES, UNKNOWN) if c in present]
    cats += sorted(present - set(cats))
    rows = [_summary_row(segments, stretches, c) for c in cats]
    rows.append(_summary_row(segments, stretches, None))
    return pd.DataFrame(rows)


def _summary_row(
    segments: gpd.GeoDataFrame, stretches: gpd.GeoDataFrame, category: str | None
) -> dict[str, object]:
    """One row of :func:`road_summary`; ``category`` None for the total."""
    if category is not None:
        segments = segments.loc[segments["vegkategori"] == category]
        stretches = stretches.loc[stretches["vegkategori"] == category]
    km = segments["lengde_m"].to_numpy() / 1000.0
    any_ok = segments[MOBILE_ANY_COLUMN]
    all_ok = segments[MOBILE_ALL_COLUMN]
    known_any = km[any_ok.notna().to_numpy()].sum()
    known_all = km[all_ok.notna().to_numpy()].sum()
    km_any = km[any_ok.eq(True).fillna(False).to_numpy(dtype=bool)].sum()
    km_all = km[all_ok.eq(True).fillna(False).to_numpy(dtype=bool)].sum()
    return {
        "vegkategori": ALL if category is None else category,
        "km": km.sum(),
        "km_minst_en": km_any,
        "andel_minst_en": km_any / known_any if known_any > 0 else np.nan,
        "km_alle": km_all,
        "andel_alle": km_all / known_all if known_all > 0 else np.nan,
        "km_ukjent": km.sum() - known_any,
        "lengste_hull_km": stretches["lengde_m"].max() / 1000.0 if len(stretches) else 0.0,
        "hull": len(stretches),
    }
