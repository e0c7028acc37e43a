"""Benchmark: a county run on Dask (issue 17).

A synthetic county of ``--copies`` copies of the default municipality (2 406 addresses each;
``dekning.county_synthetic``, SYNTHETIC data) written as national files, then ``dekning fylke``
with 1 and with 2 local Dask workers (each a fresh run into a new folder). Reports the wall time
of each run, the time of its stages (splitting the national files, the municipalities, the
county's ranking and selection), the work per worker (municipalities, addresses, task seconds),
the speed-up from 1 to 2 workers, the peak memory of a worker, and the load average.

    python bench/bench_county.py --copies 40        # 96 240 addresses
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

from dekning.county import run_county
from dekning.county_config import load_county_config
from dekning.county_synthetic import synthetic_county

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    data = HERE / "data" / f"county_{args.copies}"
    if not (data / "fylke.toml").exists():
        synthetic_county(data, args.copies, state_budget_nok=10_000_000 * args.copies)
    cc = load_county_config(data / "fylke.toml")
    results = {}
    for workers in args.workers:
        out = HERE / "data" / f"county_{args.copies}_out_{workers}"
        shutil.rmtree(out, ignore_errors=True)
        load = os.getloadavg()[0]
        start = time.perf_counter()
        result = run_county(cc, out, workers=workers)
        wall = time.perf_counter() - start
        report = json.loads((out / "fylke_rapport.json").read_text(encoding="utf-8"))
        results[workers] = {
            "sekunder": round(wall, 1),
            "stadier": result.seconds,
            "arbeid_per_arbeider": report["dask"]["arbeid_per_arbeider"],
            "toppminne_arbeider_mib": max(m.peak_mib for m in result.municipalities),
            "omrader": len(result.plans),
            "last_for": load,
        }
        print(f"{workers} arbeider(e): {wall:.1f} s", json.dumps(results[workers]), flush=True)
    if 1 in results and 2 in results:
        speedup = results[1]["sekunder"] / results[2]["sekunder"]
        print(f"speed-up 1 → 2 arbeidere: {speedup:.2f}")
    line = {
        "bench": "county",
        "copies": args.copies,
        "addresses": 2406 * args.copies,
        "results": results,
        "date": time.strftime("%Y-%m-%d"),
    }
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    with (results_dir / "county.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
