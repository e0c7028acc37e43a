"""Benchmark: path-loss screening of candidate mast sites and the exact choice (issue 13).

A county-sized synthetic terrain (150 × 150 km at 50 m cells, fractal, seeded) is written to
``bench/data/sites_dem.tif`` (not committed) and read back with :meth:`Dem.from_path`. 1 000
candidate sites are placed on high ground (:func:`auto_sites`); the targets are the midpoints of
100 m segments of ~20 000 km of winding roads (~200 000 points) plus ~50 000 addresses along
them. The bench times :func:`coverage_matrix` for all sites, one :func:`site_choice` over all
of them (with a time limit: HiGHS does not prove a county-sized choice optimal in minutes) and
one exact choice for a municipality (the sites and targets of a 40 × 40 km square), and reports
peak memory (VmHWM) and the load average. Issue target: 1 000 sites screened in under
5 minutes on 2 cores.

    python bench/bench_sites.py                 # full size
    python bench/bench_sites.py --km 40 --sites 100   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import affine
import numpy as np
import rasterio
from bench_planning import peak_mib  # VmHWM, as every bench reports it

from dekning.coverage.planning.radio import Dem, RadioModel, coverage_matrix
from dekning.coverage.planning.sites import auto_sites, site_choice

HERE = Path(__file__).resolve().parent
X0, Y0 = 200_000.0, 6_950_000.0
"""South-west corner of the synthetic county (EPSG:25833, Trøndelag-like)."""


def terrain(km: int, cell: float, seed: int = 13) -> np.ndarray:
    """Fractal heights (m, 0 to ~1 400): noise with a 1/f^2.2 power spectrum, valleys cut
    below 0 count as sea level (0)."""
    n = int(km * 1000 / cell)
    rng = np.random.default_rng(seed)
    fx = np.fft.rfftfreq(n)[None, :]
    fy = np.fft.fftfreq(n)[:, None]
    f = np.hypot(fx, fy)
    f[0, 0] = 1.0
    spectrum = rng.normal(size=(n, n // 2 + 1)) + 1j * rng.normal(size=(n, n // 2 + 1))
    spectrum /= f**1.1
    spectrum[0, 0] = 0
    h = np.fft.irfft2(spectrum, s=(n, n))
    h = (h - h.mean()) / h.std() * 300 + 350
    return np.clip(h, 0, None).astype("float32")


def dem_file(km: int, cell: float) -> Path:
    """The DEM as a GeoTIFF in bench/data/, made once per size."""
    path = HERE / "data" / f"sites_dem_{km}km_{cell:g}m.tif"
    if path.exists():
        return path
    path.parent.mkdir(exist_ok=True)
    h = terrain(km, cell)
    profile = {
        "driver": "GTiff",
        "width": h.shape[1],
        "height": h.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:25833",
        "transform": affine.Affine(cell, 0, X0, 0, -cell, Y0 + km * 1000),
        "nodata": -9999.0,
        "compress": "deflate",
        "tiled": True,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(h[None])
    return path


def targets(km: int, road_km: float, addresses: int, seed: int = 14) -> tuple[np.ndarray, ...]:
    """Midpoints of 100 m road segments (random walks of 10 km) and addresses beside the roads;
    value: road km (0.1 per segment) and 1 household per address."""
    rng = np.random.default_rng(seed)
    size = km * 1000.0
    n_roads = max(1, int(road_km / 10))
    steps = 100
    start = rng.uniform(0, size, (n_roads, 2))
    heading = rng.uniform(0, 2 * np.pi, n_roads)[:, None] + np.cumsum(
        rng.normal(0, 0.15, (n_roads, steps)), axis=1
    )
    xy = start[:, None, :] + np.cumsum(
        100.0 * np.stack([np.cos(heading), np.sin(heading)], axis=-1), axis=1
    )
    xy = np.abs(xy) % (2 * size)  # reflect the walks back into the county
    xy = np.where(xy > size, 2 * size - xy, xy)
    road = xy.reshape(-1, 2)
    at = rng.integers(0, len(road), addresses)
    addr = road[at] + rng.normal(0, 150, (addresses, 2))
    addr = np.clip(addr, 0, size)
    points = np.r_[road, addr]
    value = np.r_[np.full(len(road), 0.1), np.ones(addresses)]
    return (
        points[:, 0] + X0,
        points[:, 1] + Y0,
        value,
        np.r_[np.ones(len(road)), np.zeros(addresses)],
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--km", type=int, default=150, help="side of the square county (km)")
    ap.add_argument("--cell", type=float, default=50.0, help="DEM cell size (m)")
    ap.add_argument("--sites", type=int, default=1_000)
    ap.add_argument("--road-km", type=float, default=20_000.0)
    ap.add_argument("--addresses", type=int, default=50_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--budget", type=int, default=50_000_000, help="NOK for choose_sites")
    ap.add_argument("--time-limit", type=float, default=300.0, help="s for choose_sites")
    args = ap.parse_args()
    scale = (args.km / 150) ** 2
    load_before = os.getloadavg()
    laps: dict[str, float] = {}
    t = time.perf_counter()
    path = dem_file(args.km, args.cell)
    laps["dem_generate_or_find"] = time.perf_counter() - t
    t = time.perf_counter()
    dem = Dem.from_path(path)
    laps["dem_read"] = time.perf_counter() - t
    t = time.perf_counter()
    spacing = args.km * 1000 / np.sqrt(args.sites) * 0.97
    sites = auto_sites(dem, None, spacing_m=spacing).iloc[: args.sites]
    laps["auto_sites"] = time.perf_counter() - t
    tx, ty, value, is_road = targets(args.km, args.road_km * scale, int(args.addresses * scale))
    print(
        f"DEM {dem.shape[0]} × {dem.shape[1]} cells of {dem.cell_size_m:g} m, "
        f"{len(sites)} sites, {int(is_road.sum())} road points, "
        f"{int(len(tx) - is_road.sum())} addresses",
        flush=True,
    )
    model = RadioModel(rsrp_offset_db=27.8)  # RSRP of a 10 MHz LTE carrier
    threshold = -110.0  # classify.mobile_outdoor_dbm's default
    t, cpu = time.perf_counter(), time.process_time()
    covers = coverage_matrix(
        dem,
        sites.geometry.x.to_numpy(),
        sites.geometry.y.to_numpy(),
        sites["hoyde_m"].to_numpy(),
        tx,
        ty,
        model,
        threshold,
        workers=args.workers,
    )
    laps["coverage_matrix"] = time.perf_counter() - t
    cpu_seconds = time.process_time() - cpu
    print(f"coverage_matrix: {laps['coverage_matrix']:.1f} s, {covers.nnz} pairs", flush=True)
    rng = np.random.default_rng(15)
    cost = rng.integers(10, 31, len(sites)) * 100_000  # 1.0-3.0 MNOK per site
    t = time.perf_counter()
    choice = site_choice(covers, value, cost, args.budget, time_limit_s=args.time_limit)
    laps["choose_sites"] = time.perf_counter() - t
    chosen = choice.chosen
    reached = np.asarray(covers[chosen].sum(axis=0)).ravel() > 0
    # a municipality: the sites and targets of a 40 × 40 km square in the middle, solved exactly
    mid = X0 + args.km * 500, Y0 + args.km * 500
    in_sx = np.abs(sites.geometry.x.to_numpy() - mid[0]) <= 20_000
    in_sy = np.abs(sites.geometry.y.to_numpy() - mid[1]) <= 20_000
    local_sites = np.flatnonzero(in_sx & in_sy)
    local_targets = np.flatnonzero(
        (np.abs(tx - mid[0]) <= 20_000) & (np.abs(ty - mid[1]) <= 20_000)
    )
    local = covers[local_sites][:, local_targets]
    t = time.perf_counter()
    local_choice = site_choice(local, value[local_targets], cost[local_sites], 20_000_000)
    laps["choose_sites_municipality"] = time.perf_counter() - t
    result = {
        "dem_cells": dem.shape[0] * dem.shape[1],
        "cell_m": dem.cell_size_m,
        "sites": len(sites),
        "targets": len(tx),
        "road_points": int(is_road.sum()),
        "addresses": int(len(tx) - is_road.sum()),
        "threshold_dbm": threshold,
        "rsrp_offset_db": model.rsrp_offset_db,
        "workers": args.workers,
        "covered_pairs": int(covers.nnz),
        "targets_reached_by_any": int((np.asarray(covers.sum(axis=0)).ravel() > 0).sum()),
        "budget_nok": args.budget,
        "chosen": len(chosen),
        "choice_optimal": choice.optimal,
        "choice_mip_gap": choice.mip_gap,
        "chosen_cost_nok": int(cost[chosen].sum()),
        "road_km_reached": round(float(value[reached & (is_road == 1)].sum()), 1),
        "addresses_reached": int((reached & (is_road == 0)).sum()),
        "municipality_sites": len(local_sites),
        "municipality_targets": len(local_targets),
        "municipality_budget_nok": 20_000_000,
        "municipality_chosen": len(local_choice.chosen),
        "municipality_optimal": local_choice.optimal,
        "seconds": {k: round(v, 2) for k, v in laps.items()},
        "coverage_matrix_cpu_seconds": round(cpu_seconds, 1),
        "peak_rss_mib": round(peak_mib()),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=1))
    (HERE / "results").mkdir(exist_ok=True)
    with (HERE / "results" / "bench_sites.jsonl").open("a") as fh:
        fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **result}) + "\n")


if __name__ == "__main__":
    main()
