"""Benchmark: build-out areas, routing and costing for a county-sized input (issue 3).

About 50 000 eligible addresses in ~1 500 hamlets and scattered farms over a 200 × 150 km county,
30 000 addresses with fibre in towns, and a road network of ~6 000 km (main roads plus side
roads to every hamlet), generated with a fixed seed. Times each stage in one process and reports
peak memory (VmHWM). Straight-line (MST) costing and costing along roads are both measured; the
road graph is built once (``road_graph``) and shared by road-aware grouping and costing, as in a
run; costing along roads is timed with shared drops (the default) and with own drops.

    python bench/bench_planning.py            # add --eligible 5000 for a quick look
    python bench/bench_planning.py --costs-only   # routing and costing only
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dekning.config import AreasConfig, CostConfig, FundingConfig
from dekning.coverage.planning.areas import build_areas
from dekning.coverage.planning.costs import estimate_costs
from dekning.coverage.planning.funding import fund
from dekning.coverage.planning.prioritise import select_areas
from dekning.coverage.planning.routing import build_road_graph
from dekning.rules import cofunding_rule

HERE = Path(__file__).resolve().parent


def county(n_eligible: int, seed: int = 50) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    x0, y0 = 200_000.0, 6_950_000.0
    n_hamlets = max(10, n_eligible // 33)
    hx = rng.uniform(x0, x0 + 200_000, n_hamlets)
    hy = rng.uniform(y0, y0 + 150_000, n_hamlets)
    which = rng.integers(0, n_hamlets, n_eligible)
    ex = hx[which] + rng.normal(0, 400, n_eligible)
    ey = hy[which] + rng.normal(0, 400, n_eligible)
    towns = rng.integers(0, n_hamlets, 40)
    n_fibre = 30_000 * n_eligible // 50_000
    t = towns[rng.integers(0, 40, n_fibre)]
    fx = hx[t] + rng.normal(0, 900, n_fibre)
    fy = hy[t] + rng.normal(0, 900, n_fibre)
    n = n_eligible + n_fibre
    classified = gpd.GeoDataFrame(
        {
            "adrid": np.arange(n),
            "eligible": np.r_[np.ones(n_eligible, bool), np.zeros(n_fibre, bool)],
            "has_fibre": np.r_[np.zeros(n_eligible, bool), np.ones(n_fibre, bool)],
            "hus": 1,
            "naering": 0,
            "offentlig": 0,
            "fritid": 0,
            "eligible_units": np.r_[np.ones(n_eligible, "int64"), np.zeros(n_fibre, "int64")],
            "best_down_kbps": np.r_[np.full(n_eligible, 5_000), np.full(n_fibre, 1_000_000)],
        },
        geometry=shapely.points(np.r_[ex, fx], np.r_[ey, fy]),
        crs=25833,
    )
    # Roads: a coarse grid of main roads every 15 km plus a side road from each hamlet to it.
    lines = [
        shapely.LineString([(x, y0), (x, y0 + 150_000)])
        for x in np.arange(x0, x0 + 200_001, 15_000)
    ]
    lines += [
        shapely.LineString([(x0, y), (x0 + 200_000, y)])
        for y in np.arange(y0, y0 + 150_001, 15_000)
    ]
    gx = x0 + np.round((hx - x0) / 15_000) * 15_000
    for i in range(n_hamlets):
        lines.append(
            shapely.LineString([(hx[i] - 600, hy[i]), (hx[i] + 600, hy[i])])
        )  # village street
        lines.append(
            shapely.LineString([(hx[i], hy[i]), (gx[i], hy[i])])
        )  # to the nearest main road
    roads = gpd.GeoDataFrame(geometry=lines, crs=25833)
    return classified, roads


def peak_mib() -> float:
    line = next(
        x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM")
    )
    return int(line.split()[1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eligible", type=int, default=50_000)
    ap.add_argument(
        "--costs-only",
        action="store_true",
        help="stop after costing (routing benchmark: no funding or selection)",
    )
    args = ap.parse_args()
    classified, roads = county(args.eligible)
    print(
        f"{int(classified['eligible'].sum())} eligible addresses, {len(classified)} in all, "
        f"{roads.length.sum() / 1000:.0f} km of road"
    )
    laps: dict[str, float] = {}
    t = time.perf_counter()
    areas, area_of = build_areas(classified, AreasConfig(max_gap_m=600))
    laps["areas"] = time.perf_counter() - t
    t = time.perf_counter()
    graph = build_road_graph(roads)
    laps["road_graph"] = time.perf_counter() - t
    t = time.perf_counter()
    road_areas, _ = build_areas(classified, AreasConfig(max_gap_m=600), graph)
    laps["areas_road_aware"] = time.perf_counter() - t
    t = time.perf_counter()
    costs_mst, _ = estimate_costs(areas, classified, area_of, CostConfig())
    laps["costs_straight_mst"] = time.perf_counter() - t
    t = time.perf_counter()
    costs_road, _routes = estimate_costs(areas, classified, area_of, CostConfig(), roads=graph)
    laps["costs_along_roads"] = time.perf_counter() - t  # shared drops (issue 12)
    t = time.perf_counter()
    own_cfg = CostConfig(share_drops=False)
    costs_own, _ = estimate_costs(areas, classified, area_of, own_cfg, roads=graph)
    laps["costs_along_roads_own_drops"] = time.perf_counter() - t
    result = {
        "eligible": int(classified["eligible"].sum()),
        "areas": len(areas),
        "areas_road_aware": len(road_areas),
        "route_km_roads": round(costs_road["route_m"].sum() / 1000),
        "drop_km_roads": round(costs_road["stikk_m"].sum() / 1000),
        "route_km_roads_own_drops": round(costs_own["route_m"].sum() / 1000),
        "drop_km_roads_own_drops": round(costs_own["stikk_m"].sum() / 1000),
        "route_km_straight": round(costs_mst["route_m"].sum() / 1000),
    }
    if not args.costs_only:
        result.update(selections(costs_road, areas, laps))
    result["seconds"] = {k: round(v, 2) for k, v in laps.items()}
    result["total_seconds"] = round(sum(laps.values()), 2)
    result["peak_rss_mib"] = round(peak_mib())
    print(json.dumps(result, indent=1))
    (HERE / "results").mkdir(exist_ok=True)
    with (HERE / "results" / "bench_planning.jsonl").open("a") as fh:
        fh.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), **result}) + "\n")


def selections(
    costs_road: pd.DataFrame, areas: gpd.GeoDataFrame, laps: dict[str, float]
) -> dict[str, object]:
    """Funding and the one- and three-year selections, timed into ``laps``."""
    t = time.perf_counter()
    funding = fund(costs_road, FundingConfig(), cofunding_rule(2024, "trondelag"), areas["enheter"])
    laps["funding"] = time.perf_counter() - t
    t = time.perf_counter()
    sel = select_areas(funding, areas["enheter"], municipal_budget=50_000_000)
    laps["selection_1_year"] = time.perf_counter() - t
    t = time.perf_counter()
    sel3 = select_areas(
        funding, areas["enheter"], municipal_budget=20_000_000, years=3, time_limit_s=60
    )
    laps["selection_3_years"] = time.perf_counter() - t
    return {
        "chosen_1_year": int(sel["valgt"].sum()),
        "optimal_1_year": sel.attrs["optimal"],
        "chosen_3_years": int(sel3["valgt"].sum()),
        "optimal_3_years": sel3.attrs["optimal"],
        "mip_gap_3_years": sel3.attrs["mip_gap"],
    }


if __name__ == "__main__":
    main()
