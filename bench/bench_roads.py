"""Benchmark: mobile coverage along a county-sized road network (issue 13).

About 20 000 km of road (main roads, side roads and forest roads as random walks over a
200 × 150 km county, in NVDB pieces of about 300 m, with category and ÅDT) and six mobile
rasters (3 operators × 4G/5G, int16 dBm, 100 m cells over the county), generated with a fixed
seed into ``bench/data/roads/`` (GeoPackage + GeoTIFF, as a user would give them). Times reading
the roads, segmenting them (100 m), sampling the six rasters along them (25 m), the gap
stretches and the summary per category, in one process; reports peak memory (VmHWM) and the
load average.

    python bench/bench_roads.py               # full size; --km 2000 for a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin

from dekning.config import ClassifyConfig, MobileRaster, RoadsConfig
from dekning.coverage.classify.road_gaps import gap_stretches, road_summary
from dekning.coverage.classify.roads import road_mobile, segment_roads
from dekning.coverage.read.roads import read_roads
from dekning.crs import WORK_CRS
from dekning.schema import MobileLayer, operators

HERE = Path(__file__).resolve().parent
X0, Y0, W, H = 200_000.0, 6_950_000.0, 200_000.0, 150_000.0
OPERATORS = ("telenor", "telia", "ice")


def peak_memory_gib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return float("nan")


def roads(km: float, seed: int = 13) -> gpd.GeoDataFrame:
    """Random-walk roads totalling about ``km`` kilometres, cut into NVDB-like pieces."""
    rng = np.random.default_rng(seed)
    kinds = [("E", 0.03, 8_000), ("F", 0.22, 2_000), ("K", 0.35, 300), ("P", 0.2, 0), ("S", 0.2, 0)]
    pieces, cats, adts, numbers = [], [], [], []
    for cat, share, adt in kinds:
        total = 0.0
        road = 0
        while total < km * 1000 * share:
            length = rng.uniform(2_000, 40_000) if cat in "EF" else rng.uniform(500, 8_000)
            n = int(length // 50) + 1
            heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.08, n))
            start = rng.uniform([X0, Y0], [X0 + W, Y0 + H])
            xy = start + np.cumsum(np.c_[np.cos(heading), np.sin(heading)] * 50.0, axis=0)
            xy = np.clip(xy, [X0, Y0], [X0 + W - 1, Y0 + H - 1])
            for lo in range(0, n - 1, 6):  # pieces of about 300 m
                part = xy[lo : lo + 7]
                if len(part) < 2:
                    continue
                pieces.append(shapely.LineString(part))
                cats.append(cat)
                adts.append(adt * rng.uniform(0.5, 1.5) if adt else np.nan)
                numbers.append(f"{cat}V {road}" if cat in "ERF" else "")
            total += length
            road += 1
    return gpd.GeoDataFrame(
        {"vegkategori": cats, "vegnummer": numbers, "vegnavn": "", "adt": adts},
        geometry=pieces,
        crs=WORK_CRS,
    )


def rasters(folder: Path, seed: int = 14) -> list[MobileRaster]:
    """Six dBm rasters: log-distance loss from random masts, 100 m cells."""
    rng = np.random.default_rng(seed)
    nx, ny = int(W // 100), int(H // 100)
    cx = X0 + (np.arange(nx) + 0.5) * 100
    cy = Y0 + H - (np.arange(ny) + 0.5) * 100
    out = []
    for op in OPERATORS:
        masts = rng.uniform([X0, Y0], [X0 + W, Y0 + H], (400, 2))
        best = np.full((ny, nx), np.inf)
        for mx, my in masts:  # distance to the nearest mast
            d2 = (cx[None, :] - mx) ** 2 + (cy[:, None] - my) ** 2
            np.minimum(best, d2, out=best)
        d = np.sqrt(best) + 50.0
        for tech, offset in (("4g", 0.0), ("5g", -8.0)):
            dbm = (-25.0 - 30.0 * np.log10(d / 10.0) + offset).astype("int16")
            path = folder / f"{op}_{tech}.tif"
            with rasterio.open(
                path,
                "w",
                driver="GTiff",
                width=nx,
                height=ny,
                count=1,
                dtype="int16",
                crs=WORK_CRS,
                transform=from_origin(X0, Y0 + H, 100, 100),
                nodata=-32768,
                tiled=True,
                compress="deflate",
            ) as dst:
                dst.write(dbm, 1)
            out.append(MobileRaster(operator=op, technology=tech, path=path))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--km", type=float, default=20_500.0)
    args = parser.parse_args()
    folder = HERE / "data" / "roads"
    folder.mkdir(parents=True, exist_ok=True)
    road_file = folder / f"veger_{int(args.km)}.gpkg"
    if not road_file.exists():
        roads(args.km).to_file(road_file, driver="GPKG")
    raster_list = (
        rasters(folder)
        if not (folder / "ice_5g.tif").exists()
        else [
            MobileRaster(operator=op, technology=t, path=folder / f"{op}_{t}.tif")
            for op in OPERATORS
            for t in ("4g", "5g")
        ]
    )
    cfg = RoadsConfig()
    times: dict[str, float] = {}
    t = time.perf_counter()
    r = read_roads(road_file)
    times["read"] = time.perf_counter() - t
    t = time.perf_counter()
    seg = segment_roads(r, cfg.segment_m)
    times["segment"] = time.perf_counter() - t
    t = time.perf_counter()
    layers = [MobileLayer(m.operator, m.technology) for m in raster_list]
    seg = road_mobile(seg, layers, raster_list, ClassifyConfig(), cfg)
    times["sample_classify"] = time.perf_counter() - t
    t = time.perf_counter()
    stretches = gap_stretches(seg, operators(layers))
    summary = road_summary(seg, stretches)
    times["gaps_summary"] = time.perf_counter() - t
    total = sum(times.values())
    km = float(seg["lengde_m"].sum() / 1000)
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "km": round(km, 1),
        "road_pieces": len(r),
        "segments": len(seg),
        "stretches": len(stretches),
        "share_at_least_one": round(float(summary.iloc[-1]["andel_minst_en"]), 4),
        "seconds": {k: round(v, 2) for k, v in times.items()},
        "total_seconds": round(total, 2),
        "peak_gib": round(peak_memory_gib(), 2),
        "load": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, ensure_ascii=False))
    results = HERE / "results" / "bench_roads.jsonl"
    with results.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
