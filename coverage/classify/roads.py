"""Mobile coverage along roads: roads merged into continuous lines, split into segments, and per
segment the mobile class of every operator × technology.

Segments
    The road pieces of one category and one road (its number, else its name) are joined where
    they meet end to end (:func:`merge_roads`); each joined line of length *L* is split into
    ``n = max(1, round(L / segment_m))`` equal segments, so a segment is between ⅔ and 1½ times
    the configured length (a line shorter than half of it is one segment). Chainage (``fra_m``,
    ``til_m``) runs along the joined line.

Class of a segment
    Each segment is sampled at the centres of ``ceil(length / sample_m)`` equal pieces. Its class
    for an operator × technology is the best class held along at least half of the segment
    (at least half of the sample points are at that class or better). A segment is covered by an
    operator when one of its technologies reaches the satisfactory class for roads
    (``roads.satisfactory``: ``outdoor`` — class 2 "ute" — by default, as in a car or outdoors).

Sources
    A raster (signal level or class) of the operator × technology when one is configured.
    Without one, Nkom's per-address ``mob`` rows give an **estimate**: the class of the nearest
    address within ``roads.estimate_max_m`` (modelled outdoor coverage there); a segment with
    no address that near has class -1 (unknown) and is left out of the covered shares. The
    ``kilde`` column and the run report say which source each layer used.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dekning.config import ClassifyConfig, MobileRaster, RoadsConfig
from dekning.coverage.classify.mobile import raster_classes, sample_raster
from dekning.crs import WORK_CRS, require_crs
from dekning.report import RunReport
from dekning.schema import (
    MOBILE_ALL_COLUMN,
    MOBILE_ANY_COLUMN,
    MOBILE_COUNT_COLUMN,
    MobileLayer,
    operator_column,
    operators,
)

UNKNOWN_CLASS = -1
"""Class of a segment whose coverage cannot be told (an estimate with no address near)."""

SOURCE_RASTER = "raster"
SOURCE_ESTIMATE = "estimat fra adresser (mob)"


def merge_roads(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Join the pieces of each road into continuous lines.

    Pieces join when they share an end point and have the same category and the same road
    (``vegnummer``, else ``vegnavn``; pieces with neither join with any unnamed piece of their
    category). A road that forks stays several lines.

    Parameters
    ----------
    roads
        As :func:`dekning.coverage.read.roads.read_roads` (EPSG:25833).

    Returns
    -------
    geopandas.GeoDataFrame
        One LineString per continuous road: ``veg_id`` (0..n-1), ``vegkategori``,
        ``vegnummer``, ``vegnavn``, ``geometry``; ordered by category, number, name.
    """
    require_crs(roads, "merge_roads(roads)")
    key = _road_key(roads)
    codes = pd.factorize(key, sort=True)[0]
    order = np.argsort(codes, kind="stable")
    multi = shapely.multilinestrings(roads.geometry.to_numpy()[order], indices=codes[order])
    merged = shapely.line_merge(multi)
    parts, group = shapely.get_parts(merged, return_index=True)
    first = pd.Series(np.arange(len(roads))).groupby(codes).first().to_numpy()
    attrs = roads.iloc[first[group]]
    out = gpd.GeoDataFrame(
        {
            "veg_id": np.arange(len(parts), dtype="int64"),
            "vegkategori": attrs["vegkategori"].to_numpy(),
            "vegnummer": attrs["vegnummer"].to_numpy(),
            "vegnavn": attrs["vegnavn"].to_numpy(),
            "_gruppe": group.astype("int64"),
        },
        geometry=parts,
        crs=WORK_CRS,
    )
    return out


def _road_key(roads: pd.DataFrame) -> np.ndarray:
    """The joining key of every piece: category and number, else category and name."""
    number = roads["vegnummer"].astype(str).str.strip()
    name = roads["vegnavn"].astype(str).str.strip()
    road = np.where(number != "", "nr:" + number, np.where(name != "", "navn:" + name, ""))
    return (roads["vegkategori"].astype(str) + "|" + road).to_numpy()


def segment_roads(roads: gpd.GeoDataFrame, segment_m: float) -> gpd.GeoDataFrame:
    """Split the roads into segments of about ``segment_m`` metres.

    Parameters
    ----------
    roads
        As :func:`dekning.coverage.read.roads.read_roads` (EPSG:25833).
    segment_m
        Target segment length (metres).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per segment, ordered by road and chainage: ``seg_id`` (0..n-1), ``veg_id``,
        ``seg_nr`` (0.. along its road), ``vegkategori``, ``vegnummer``, ``vegnavn``, ``adt``
        (the largest ÅDT of the pieces the segment lies on; NaN when unknown), ``fra_m``,
        ``til_m``, ``lengde_m`` and the LineString.
    """
    merged = merge_roads(roads)
    lines = merged.geometry.to_numpy()
    length = shapely.length(lines)
    n = np.maximum(1, np.rint(length / segment_m)).astype("int64")
    piece = length / n
    line_of = np.repeat(np.arange(len(lines)), n)
    seg_nr = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    start = seg_nr * piece[line_of]
    end = np.where(seg_nr == n[line_of] - 1, length[line_of], start + piece[line_of])
    geoms = _cut(lines, line_of, start, end)
    segments = gpd.GeoDataFrame(
        {
            "seg_id": np.arange(len(line_of), dtype="int64"),
            "veg_id": merged["veg_id"].to_numpy()[line_of],
            "seg_nr": seg_nr.astype("int64"),
            "vegkategori": merged["vegkategori"].to_numpy()[line_of],
            "vegnummer": merged["vegnummer"].to_numpy()[line_of],
            "vegnavn": merged["vegnavn"].to_numpy()[line_of],
            "adt": np.nan,
            "fra_m": start,
            "til_m": end,
            "lengde_m": end - start,
        },
        geometry=geoms,
        crs=WORK_CRS,
    )
    segments["adt"] = _traffic(segments, roads, merged["_gruppe"].to_numpy()[line_of])
    return segments


def _cut(lines: np.ndarray, line_of: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The pieces ``start``..``end`` (metres along ``lines[line_of]``) as LineStrings, at once.

    The line's vertices strictly inside a piece are kept; the piece's ends are interpolated.
    """
    coords, vertex_line = shapely.get_coordinates(lines, return_index=True)
    seg = np.diff(coords, axis=0)
    step = np.r_[0.0, np.hypot(seg[:, 0], seg[:, 1])]
    new_line = np.r_[True, vertex_line[1:] != vertex_line[:-1]]
    step[new_line] = 0.0
    along = np.cumsum(step)
    along -= np.maximum.accumulate(np.where(new_line, along, 0.0))
    # one chainage over all lines (each line after the previous one and a metre): the vertices
    # strictly inside each piece are a run found by two binary searches
    offset = np.r_[0.0, np.cumsum(shapely.length(lines) + 1.0)[:-1]]
    chain = along + offset[vertex_line]
    lo = np.searchsorted(chain, offset[line_of] + start, side="right")
    hi = np.searchsorted(chain, offset[line_of] + end, side="left")
    inner = np.maximum(hi - lo, 0)
    a = shapely.get_coordinates(shapely.line_interpolate_point(lines[line_of], start))
    b = shapely.get_coordinates(shapely.line_interpolate_point(lines[line_of], end))
    count = inner + 2
    offsets = np.cumsum(count) - count
    out = np.empty((count.sum(), 2))
    out[offsets] = a
    out[offsets + count - 1] = b
    if inner.sum():
        which = np.repeat(np.arange(len(line_of)), inner)
        rank = np.arange(inner.sum()) - np.repeat(np.cumsum(inner) - inner, inner)
        out[offsets[which] + 1 + rank] = coords[lo[which] + rank]
    pieces = shapely.linestrings(out, indices=np.repeat(np.arange(len(line_of)), count))
    return np.asarray(pieces, dtype=object)


def _traffic(segments: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, group: np.ndarray) -> np.ndarray:
    """Per segment the largest ÅDT of the road pieces of its own road that its midpoint lies on
    (NaN when none has one)."""
    adt = roads["adt"].to_numpy(dtype="float64")
    out = np.full(len(segments), np.nan)
    if np.isnan(adt).all() or len(segments) == 0:
        return out
    codes = pd.factorize(_road_key(roads), sort=True)[0]
    mid = shapely.line_interpolate_point(segments.geometry.to_numpy(), 0.5, normalized=True)
    tree = shapely.STRtree(roads.geometry.to_numpy())
    seg, piece = tree.query(mid, predicate="dwithin", distance=0.5)
    same = (codes[piece] == group[seg]) & ~np.isnan(adt[piece])
    np.fmax.at(out, seg[same], adt[piece[same]])
    return out


def sample_points(
    segments: gpd.GeoDataFrame, sample_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample points of every segment: the centres of ``ceil(length / sample_m)`` equal pieces.

    Returns
    -------
    tuple of numpy.ndarray
        ``x``, ``y`` (EPSG:25833) and the segment position (0..n-1) of each point.
    """
    geoms = segments.geometry.to_numpy()
    length = shapely.length(geoms)
    m = np.maximum(1, np.ceil(length / sample_m - 1e-9)).astype("int64")
    seg_of = np.repeat(np.arange(len(geoms)), m)
    rank = np.arange(m.sum()) - np.repeat(np.cumsum(m) - m, m)
    frac = (rank + 0.5) / m[seg_of]
    pts = shapely.line_interpolate_point(geoms[seg_of], frac, normalized=True)
    xy = shapely.get_coordinates(pts)
    return xy[:, 0], xy[:, 1], seg_of


def held_class(point_class: np.ndarray, seg_of: np.ndarray, n_segments: int) -> np.ndarray:
    """Per segment the best class at least half of its sample points reach (int8).

    ``seg_of`` must be sorted (as :func:`sample_points` gives it); every segment has a point.
    """
    order = np.lexsort((point_class, seg_of))
    ranked = point_class[order]
    counts = np.bincount(seg_of, minlength=n_segments)
    starts = np.cumsum(counts) - counts
    return ranked[starts + counts // 2].astype("int8")


def road_mobile(
    segments: gpd.GeoDataFrame,
    layers: Sequence[MobileLayer],
    rasters: Sequence[MobileRaster],
    classify_cfg: ClassifyConfig,
    cfg: RoadsConfig,
    addresses: gpd.GeoDataFrame | None = None,
    address_mobile: pd.DataFrame | None = None,
    report: RunReport | None = None,
) -> gpd.GeoDataFrame:
    """Mobile classes per road segment and operator × technology, and the coverage flags.

    Parameters
    ----------
    segments
        As :func:`segment_roads`.
    layers
        Every operator × technology of the run (rasters first, then pairs from ``mob`` rows).
    rasters
        The configured rasters (``input.mobile``); their layers are sampled along the roads.
    classify_cfg
        dBm thresholds of the classes.
    cfg
        ``sample_m``, ``satisfactory`` and ``estimate_max_m``.
    addresses, address_mobile
        The address points (EPSG:25833) and their mobile classes, for the layers without a
        raster (estimates from Nkom's ``mob`` rows).
    report
        Which layers are estimates.

    Returns
    -------
    geopandas.GeoDataFrame
        ``segments`` with, per layer, ``column`` (class -1..3; -1 unknown), per operator its
        best class, ``mob_n_ok`` (operators reaching the satisfactory class), ``mob_any_ok`` and
        ``mob_all_ok`` (nullable booleans: NA where an operator's class is unknown and the
        answer depends on it) and ``kilde`` (``raster``, the estimate, or both).
    """
    out = segments.copy()
    by_raster = {MobileLayer(r.operator, r.technology): r for r in rasters}
    x, y, seg_of = sample_points(segments, cfg.sample_m)
    estimated = [m for m in layers if m not in by_raster]
    nearest = _nearest_address(segments, addresses, cfg) if estimated else None
    for layer in layers:
        raster = by_raster.get(layer)
        if raster is not None:
            cls = raster_classes(sample_raster(raster.path, x, y), raster, classify_cfg)
            out[layer.column] = held_class(cls, seg_of, len(segments))
        else:
            out[layer.column] = _estimate(len(segments), layer, nearest, address_mobile)
    need = 3 if cfg.satisfactory == "indoor" else 2
    _flags(out, layers, need)
    sources = [SOURCE_RASTER] * (len(layers) > len(estimated)) + [SOURCE_ESTIMATE] * bool(estimated)
    out["kilde"] = " + ".join(sources)
    if report is not None and estimated:
        report.warn(
            "roads",
            "road_mobile_estimated",
            "operatør × teknologi uten raster: dekningen langs vegene er et estimat fra "
            f"nærmeste adresse i mob-fila (innen {cfg.estimate_max_m:g} m)",
            len(estimated),
            [f"{m.operator} {m.technology}" for m in estimated],
        )
    return out


def _nearest_address(
    segments: gpd.GeoDataFrame, addresses: gpd.GeoDataFrame | None, cfg: RoadsConfig
) -> tuple[np.ndarray, np.ndarray] | None:
    """Pairs (segment, address position) of each segment's midpoint and its nearest address
    within ``estimate_max_m``; None without addresses."""
    if addresses is None:
        return None
    mid = shapely.line_interpolate_point(segments.geometry.to_numpy(), 0.5, normalized=True)
    tree = shapely.STRtree(addresses.geometry.to_numpy())
    seg, adr = tree.query_nearest(mid, max_distance=cfg.estimate_max_m, all_matches=False)
    return seg, adr


def _estimate(
    n_segments: int,
    layer: MobileLayer,
    nearest: tuple[np.ndarray, np.ndarray] | None,
    address_mobile: pd.DataFrame | None,
) -> np.ndarray:
    """A layer's class per segment from the nearest address (``nearest``); -1 (unknown) where
    no address is that near."""
    out = np.full(n_segments, UNKNOWN_CLASS, dtype="int8")
    if nearest is None or address_mobile is None or layer.column not in address_mobile:
        return out
    seg, adr = nearest
    out[seg] = address_mobile[layer.column].to_numpy()[adr]
    return out


def _flags(out: pd.DataFrame, layers: Sequence[MobileLayer], need: int) -> None:
    """Per operator its best class; operators reaching ``need``; at-least-one and all flags
    (NA where unknown classes leave the answer open)."""
    ok = np.zeros(len(out), dtype="int64")
    unknown = np.zeros(len(out), dtype="int64")
    ops = operators(layers)
    for op in ops:
        cols = [m.column for m in layers if m.operator == op]
        best = out[cols].to_numpy().max(axis=1)
        out[operator_column(op)] = best.astype("int8")
        ok += best >= need
        unknown += best == UNKNOWN_CLASS
    out[MOBILE_COUNT_COLUMN] = ok
    any_ok = pd.array(ok > 0, dtype="boolean")
    any_ok[(ok == 0) & (unknown > 0)] = pd.NA
    all_ok = pd.array(ok == len(ops), dtype="boolean")
    all_ok[(unknown > 0) & (ok + unknown == len(ops))] = pd.NA
    out[MOBILE_ANY_COLUMN] = any_ok
    out[MOBILE_ALL_COLUMN] = all_ok
