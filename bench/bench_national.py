"""Benchmark: a national end-to-end run (issue 17).

The target: the whole country — 2.6 million addresses, 4–6 % of them without 100 Mbit/s, about
100 000 km of road — through ``dekning fylke`` in under 15 minutes on 2 cores, with the time of
each stage.

The country is SYNTHETIC (``dekning.county_synthetic.synthetic_country``): 1 081 copies of the
default municipality (2 406 addresses, 82.3 km of road each) in 361 municipalities of three
adjacent copies (Norway: 357 municipalities, ≈ 7 300 addresses on average), ≈ 89 000 km of road,
and fibre added to a seeded share of the addresses so that 5 % lack 100 Mbit/s (those that keep
lacking go by 1 km squares, as hamlets do). It is written as national files into
``bench/data/national_<addresses>/`` once (kept for later runs).

Each run is ``dekning fylke --arbeidere N`` in a fresh process (the CLI's own code, called in a
child that reports its own peak memory, ``VmHWM``, and CPU time when it ends) into a new
folder. Reported: the wall time; the stages the county run times itself (``deling``: reading
and splitting the national files, ``kommuner``: every municipality on Dask, ``fylke``: the
county's ranking, selection, tables and map); the tasks per worker (municipalities, addresses,
task seconds) and the spread of one task's time; the CPU seconds of the main process and of the
workers (``getrusage``; on a shared machine the wall time is not the run's alone, the CPU time
nearly is); peak memory of the main process (its own ``VmHWM``), of each worker process
(``VmHWM`` read from ``/proc`` every half second while the run lasts, and the report's
``toppminne_mib``, the worker's ``ru_maxrss`` after each task) and of the whole process tree at
once (the sum of ``VmRSS``, same sampling); the load average (1, 5, 15 min) before and after;
and from the outputs, as a check that the data are realistic: the share of addresses without
100 Mbit/s (speed class below ``ge100`` in every municipality's
``adresser_klassifisert.parquet``), eligible addresses, candidate and chosen areas.

    python bench/bench_national.py                      # 2.6 M addresses, 2 workers
    python bench/bench_national.py --addresses 50000    # ≈ 21 copies, a quick look
    python bench/bench_national.py --workers 1 2

Results are appended to ``bench/results/national.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pyarrow.parquet as pq

from dekning.county_synthetic import COUNTRY_FILE, synthetic_country

HERE = Path(__file__).resolve().parent
TARGET_S = 15 * 60
"""Issue 17: the national run in under 15 minutes on 2 cores."""
SAMPLE_S = 0.5
SERVED = ("ge1000", "ge100")
"""Speed classes with at least 100 Mbit/s down."""


def _status(pid: int | str, key: str) -> float | None:
    """A ``/proc/<pid>/status`` figure in MiB (``VmHWM``, ``VmRSS``), None when gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _child(result_file: str, cli_args: list[str]) -> None:
    """Run ``dekning <cli_args>`` here (the console script's own app) and write this process's
    peak memory and exit code to ``result_file``."""
    from dekning.cli import app

    code: int = 0
    try:
        app(args=cli_args, prog_name="dekning")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )  # the children: the Dask workers, joined when the cluster closed
    Path(result_file).write_text(
        json.dumps(
            {
                "exit_code": code,
                "main_peak_mib": _status("self", "VmHWM"),
                "main_cpu_s": round(own.ru_utime + own.ru_stime, 1),
                "workers_cpu_s": round(children.ru_utime + children.ru_stime, 1),
            }
        ),
        encoding="utf-8",
    )
    sys.exit(code)


class TreeSampler(threading.Thread):
    """Samples a process and its descendants: each one's ``VmHWM`` (kept per pid, with its
    command line) and the sum of their ``VmRSS`` at each sample."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.hwm: dict[int, float] = {}
        self.kind: dict[int, str] = {}
        self.peak_total_mib = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            total = 0.0
            for proc in procs:
                hwm, rss = _status(proc.pid, "VmHWM"), _status(proc.pid, "VmRSS")
                if hwm is None or rss is None:
                    continue
                total += rss
                self.hwm[proc.pid] = max(self.hwm.get(proc.pid, 0.0), hwm)
                if proc.pid not in self.kind:
                    try:
                        cmd = " ".join(proc.cmdline())
                    except psutil.Error:
                        cmd = ""
                    self.kind[proc.pid] = "main" if proc.pid == self.root.pid else _kind_of(cmd)
            self.peak_total_mib = max(self.peak_total_mib, total)
            self.stop.wait(SAMPLE_S)


def _kind_of(cmdline: str) -> str:
    if "multiprocessing.spawn" in cmdline or "spawn_main" in cmdline:
        return "worker"
    if "resource_tracker" in cmdline or "forkserver" in cmdline:
        return "helper"
    return "other"


def generate(data: Path, addresses: int, per_municipality: int, share: float) -> float | None:
    """The synthetic country in ``data`` (written once); the seconds it took, None if cached."""
    if (data / "fylke.toml").exists() and (data / COUNTRY_FILE).exists():
        figures = json.loads((data / COUNTRY_FILE).read_text(encoding="utf-8"))
        if "klynge_m" in figures and figures["kopier_per_kommune"] == per_municipality:
            return None  # written by this version of the generator with these settings
    partial = data.with_name(data.name + ".skrives")
    shutil.rmtree(partial, ignore_errors=True)
    start = time.perf_counter()
    synthetic_country(
        partial, addresses, copies_per_municipality=per_municipality, lacking_share=share
    )
    seconds = time.perf_counter() - start
    shutil.rmtree(data, ignore_errors=True)
    partial.rename(data)
    return round(seconds, 1)


def from_outputs(out: Path, report: dict[str, Any]) -> dict[str, Any]:
    """Share without 100 Mbit/s, eligible addresses and areas, from every municipality's
    outputs and the county's summary."""
    addresses = lacking = eligible = 0
    for m in report["kommuner"]:
        if not m["mappe"]:
            continue
        table = pq.read_table(
            out / m["mappe"] / "adresser_klassifisert.parquet", columns=["speed_class", "eligible"]
        ).to_pandas()
        addresses += len(table)
        lacking += int((~table["speed_class"].isin(SERVED)).sum())
        eligible += int(table["eligible"].astype(bool).sum())
    total = report["sammendrag"].get("totalt", {})
    return {
        "adresser_klassifisert": addresses,
        "uten_100_mbit": lacking,
        "andel_uten_100_mbit": round(lacking / addresses, 5) if addresses else None,
        "stottberettigede_adresser": eligible,
        "kandidatomrader": sum(m["omrader"] for m in report["kommuner"]),
        "valgte_omrader": total.get("valgte_omrader"),
        "valgte_enheter": total.get("valgte_enheter"),
        "fylkesvalg_bevist_optimalt": report["sammendrag"].get("bevist_optimal"),
        "fylkesvalg_sekunder": report["sammendrag"].get("sekunder"),
    }


def run_once(data: Path, workers: int, keep: bool, national: bool) -> dict[str, Any]:
    """One ``dekning fylke`` run in a fresh process, measured (``national``: the country is
    full size, so the 15-minute target applies)."""
    out = HERE / "data" / f"{data.name}_out_{workers}"
    shutil.rmtree(out, ignore_errors=True)
    result_file = HERE / "data" / f"{data.name}_out_{workers}.barn.json"
    result_file.unlink(missing_ok=True)
    cli = ["fylke", "-c", str(data / "fylke.toml"), "--out", str(out)]
    cli += ["--arbeidere", str(workers), "--quiet"]
    load_before = [round(x, 2) for x in os.getloadavg()]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(result_file), "--", *cli],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sampler = TreeSampler(proc.pid)
    sampler.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    load_after = [round(x, 2) for x in os.getloadavg()]
    child = json.loads(result_file.read_text(encoding="utf-8")) if result_file.exists() else {}
    result_file.unlink(missing_ok=True)
    if proc.returncode != 0 or not (out / "fylke_rapport.json").exists():
        print(output[-4000:], file=sys.stderr)
        raise SystemExit(f"dekning fylke med {workers} arbeider(e) feilet ({proc.returncode})")
    report = json.loads((out / "fylke_rapport.json").read_text(encoding="utf-8"))
    tasks = [m["sekunder"] for m in report["kommuner"]]
    per_worker_report: dict[str, float] = {}
    for m in report["kommuner"]:
        w = m["arbeider"]
        per_worker_report[w] = max(per_worker_report.get(w, 0.0), m["toppminne_mib"])
    workers_hwm = sorted(
        (round(v, 1) for pid, v in sampler.hwm.items() if sampler.kind.get(pid) == "worker"),
        reverse=True,
    )
    result = {
        "sekunder": round(wall, 1),
        "under_mal": wall < TARGET_S if national else None,
        "stadier": report["sekunder"],
        "arbeid_per_arbeider": report["dask"]["arbeid_per_arbeider"],
        "oppgave_sekunder": {
            "min": min(tasks),
            "median": round(statistics.median(tasks), 2),
            "maks": max(tasks),
            "sum": round(sum(tasks), 1),
        },
        "kommuner_feilet": sum(bool(m["feilet"]) for m in report["kommuner"]),
        "cpu_sekunder": {
            "hovedprosess": child.get("main_cpu_s"),
            "arbeidere": child.get("workers_cpu_s"),
        },
        "toppminne_mib": {
            "hovedprosess": child.get("main_peak_mib"),
            "arbeidere_vmhwm": workers_hwm,
            "arbeidere_rapport": {k: round(v, 1) for k, v in per_worker_report.items()},
            "hele_treet_samtidig": round(sampler.peak_total_mib, 1),
            "deling_rapport": (report.get("minne") or {}).get("deling_toppminne_mib"),
        },
        "last_for": load_before,
        "last_etter": load_after,
        **from_outputs(out, report),
    }
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--addresses", type=int, default=2_600_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--copies-per-municipality", type=int, default=3)
    parser.add_argument("--lacking-share", type=float, default=0.05)
    parser.add_argument("--keep", action="store_true", help="keep the run's output folder")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        _child(args.child, rest[1:] if rest[:1] == ["--"] else rest)
        return
    name = f"national_{args.addresses}"
    if args.copies_per_municipality != 3:
        name += f"_k{args.copies_per_municipality}"
    if args.lacking_share != 0.05:
        name += f"_u{args.lacking_share:g}"
    data = HERE / "data" / name
    generation = generate(data, args.addresses, args.copies_per_municipality, args.lacking_share)
    figures = json.loads((data / COUNTRY_FILE).read_text(encoding="utf-8"))
    sizes = {p.name: round(p.stat().st_size / 2**20, 1) for p in sorted(data.iterdir())}
    print(
        f"syntetisk land: {figures['adresser']} adresser, {figures['kommuner']} kommuner, "
        f"{figures['veg_km']:.0f} km veg, {100 * figures['andel_uten_100_mbit']:.2f} % uten "
        f"100 Mbit/s" + (f"; laget på {generation} s" if generation is not None else " (fra før)"),
        flush=True,
    )
    results = {}
    for workers in args.workers:
        r = run_once(data, workers, args.keep, figures["adresser"] >= 2_500_000)
        results[str(workers)] = r
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in r["stadier"].items())
        peak = r["toppminne_mib"]
        print(
            f"{workers} arbeider(e): {r['sekunder']:.1f} s ({stages}); oppgaver "
            f"median {r['oppgave_sekunder']['median']} s, maks {r['oppgave_sekunder']['maks']} "
            f"s; toppminne hovedprosess {peak['hovedprosess']:.0f} MiB, arbeider "
            f"{max(peak['arbeidere_vmhwm'], default=0):.0f} MiB, alt samtidig "
            f"{peak['hele_treet_samtidig']:.0f} MiB; last {r['last_for']} → {r['last_etter']}; "
            f"{100 * (r['andel_uten_100_mbit'] or 0):.2f} % uten 100 Mbit/s, "
            f"{r['kandidatomrader']} kandidatområder",
            flush=True,
        )
        scale = 2_600_000 / figures["adresser"]
        cpu = sum(v or 0 for v in r["cpu_sekunder"].values())
        print(
            f"  CPU {cpu:.0f} s (hovedprosess {r['cpu_sekunder']['hovedprosess']} s, arbeidere "
            f"{r['cpu_sekunder']['arbeidere']} s); lineært fremskrevet til 2,6 M adresser: "
            f"{r['sekunder'] * scale / 60:.1f} min etter veggtid, {cpu * scale / 2 / 60:.1f} min "
            f"etter CPU-tid på 2 kjerner (mål: {TARGET_S // 60} min; bare en pekepinn)",
            flush=True,
        )
    line = {
        "bench": "national",
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "nproc": os.cpu_count(),
        "addresses_requested": args.addresses,
        "country": figures,
        "generation_s": generation,
        "file_mib": sizes,
        "results": results,
    }
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    with (results_dir / "national.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
