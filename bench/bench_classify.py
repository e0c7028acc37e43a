"""Benchmark: classify a Norway-sized address register (issue 2).

2.6 million addresses (Kartverket CSV layout, EPSG:25833), 4 million Nkom fixed-coverage rows
(CSV, kbit/s), 6 mobile rasters (3 operators × 4G/5G, 100 m cells over mainland Norway's extent,
int16 dBm), generated with a fixed seed. Two jobs do the same work, each in a fresh process so
that its peak memory (max RSS) is its own:

- ``dekning``: :func:`read_addresses` + :func:`read_address_counts` + :func:`read_fixed_coverage`
  + :func:`sample_mobile` + :func:`classify` (everything ``dekning run`` does before areas).
- ``duckdb``: the same in SQL with DuckDB's spatial extension (points built and checked with
  ``ST_Point``/``ST_Within`` against Norway's box), best offer per address, operator count and
  names, speed class, eligibility, SSB grid id. DuckDB has no raster reader, so the mobile cell
  lookup uses the same numpy indexing on arrays read with rasterio; the cell row/col is computed in
  SQL.

Two variants of the mobile input (``--mobile rasters|mob|both``, default both, one after the
other): the 6 rasters, or Nkom's per-address ``mob`` file (``adrid;tilb;tek;ned``, kbit/s; ~5
rows per address: telenor/telia/ice × 4g/5g where modelled) instead. In the ``mob`` variant
dekning reads it with :func:`read_mobile_rows` and turns it into classes with
:func:`mobile_coverage` (as ``dekning run`` does), DuckDB reads and pivots it in SQL.

Run ``python bench/bench_classify.py`` (add ``--addresses 260000 --coverage-rows 400000`` for a
quick look). Data are cached in ``bench/data/`` (not committed); results are appended to
``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import rasterio
from rasterio.transform import from_origin

from dekning.config import ClassifyConfig, MobileRaster
from dekning.coverage.classify.fixed import classify
from dekning.coverage.classify.mobile import mobile_coverage, sample_mobile
from dekning.coverage.read.addresses import read_addresses
from dekning.coverage.read.counts import read_address_counts
from dekning.coverage.read.fixed import read_fixed_coverage
from dekning.coverage.read.mobile import read_mobile_rows
from dekning.report import RunReport
from dekning.schema import MOBILE_COUNT_COLUMN, TARGET_DOWN_KBPS, MobileLayer, operator_column

HERE = Path(__file__).resolve().parent
OPERATORS = ("telenor", "telia", "ice")
MOBILE_TECHS = ("4g", "5g")
MOB_TIERS = (30_000, 100_000)
"""``classify.mobile_speed_tiers_kbps``'s default: 30 and 100 Mbit/s."""
# Mainland Norway's extent in EPSG:25833 (rounded).
X0, Y0, X1, Y1 = -80_000, 6_440_000, 1_120_000, 7_940_000
RES = 100
WRITE_OPTIONS = pacsv.WriteOptions(delimiter=";", quoting_style="none")


def generate(out: Path, n_addr: int, n_fbb: int, seed: int = 2_600_000) -> None:
    """Write addresses.csv, counts.csv, fbb.csv and mobil/*.tif into ``out`` (skips if present)."""
    marker = out / f"done-{n_addr}-{n_fbb}"
    if marker.exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / "mobil").mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    t = time.time()
    ids = _write_addresses(out, rng, n_addr)
    _write_counts(out, rng, ids)
    _write_fixed(out, rng, ids, n_fbb)
    print(f"tables written in {time.time() - t:.1f} s", flush=True)
    _write_rasters(out, rng)
    print(f"all data written in {time.time() - t:.1f} s", flush=True)
    marker.write_text("ok")


def generate_mob(out: Path, seed: int = 2_600_001) -> Path:
    """Write ``mob.csv`` (Nkom's per-address mobile rows) for the addresses in ``out`` (skips if
    present): ~90 % of the addresses have rows, each operator's 4g with probability 0.97 and 5g
    with 0.8 (~5 rows per address with rows), modelled download 3-600 Mbit/s (log-uniform,
    kbit/s), sorted by address, operator, technology as Nkom's file."""
    path = out / "mob.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    t = time.time()
    ids = pacsv.read_csv(
        out / "counts.csv",
        parse_options=pacsv.ParseOptions(delimiter=";"),
        convert_options=pacsv.ConvertOptions(include_columns=["adrid"]),
    )["adrid"].to_numpy()
    has_rows = ids[rng.random(len(ids)) < 0.9]
    pairs = [(o, tech) for o in sorted(OPERATORS) for tech in MOBILE_TECHS]
    keep = rng.random((len(has_rows), len(pairs))) < np.array(
        [0.97 if tech == "4g" else 0.8 for _, tech in pairs]
    )
    addr_pos, pair_pos = np.nonzero(keep)  # row-major: by address, then pair
    n = len(addr_pos)
    ned = np.exp(rng.uniform(np.log(3_000), np.log(600_000), n)).astype("int64")
    table = {
        "adrid": has_rows[addr_pos],
        "tilb": pa.array([o for o, _ in pairs[::2]]).take(pa.array(pair_pos // 2)),
        "tek": pa.array(list(MOBILE_TECHS)).take(pa.array(pair_pos % 2)),
        "ned": ned,
    }
    tmp = path.with_suffix(".tmp")
    pacsv.write_csv(pa.table(table), tmp, write_options=WRITE_OPTIONS)
    tmp.rename(path)
    print(f"mob.csv written ({n} rows) in {time.time() - t:.1f} s", flush=True)
    return path


def _write_addresses(out: Path, rng: np.random.Generator, n_addr: int) -> np.ndarray:
    """addresses.csv in Kartverket's layout (EPSG:25833); returns the address ids."""
    # Addresses clustered around 400 towns plus scattered ones, like Norway's settlement.
    towns = np.column_stack(
        [rng.uniform(X0 + 50_000, X1 - 50_000, 400), rng.uniform(Y0 + 50_000, Y1 - 50_000, 400)]
    )
    which = rng.integers(0, 400, n_addr)
    spread = np.where(rng.random(n_addr) < 0.7, 1_500.0, 12_000.0)
    x = np.clip(towns[which, 0] + rng.normal(0, 1, n_addr) * spread, X0 + 1, X1 - 1)
    y = np.clip(towns[which, 1] + rng.normal(0, 1, n_addr) * spread, Y0 + 1, Y1 - 1)
    ids = np.arange(n_addr, dtype="int64") * 7 + 100_000_000
    streets = np.char.add("Vegnavn ", np.arange(5_000).astype(str))
    st = streets[rng.integers(0, 5_000, n_addr)]
    num = rng.integers(1, 200, n_addr).astype(str)
    post = np.char.zfill(rng.integers(1, 9999, n_addr).astype(str), 4)
    kommune = np.char.zfill(rng.integers(301, 5699, n_addr).astype(str), 4)
    empty = pa.array([""] * n_addr)
    cols = {
        "lokalId": pa.array(ids.astype(str)),
        "kommunenummer": pa.array(kommune),
        "kommunenavn": empty,
        "adressetype": pa.array(np.full(n_addr, "vegadresse")),
        "adressetilleggsnavn": empty,
        "adressetilleggsnavnKilde": empty,
        "adressekode": pa.array(rng.integers(1000, 9999, n_addr).astype(str)),
        "adressenavn": pa.array(st),
        "nummer": pa.array(num),
        "bokstav": empty,
        "gardsnummer": pa.array(rng.integers(1, 300, n_addr).astype(str)),
        "bruksnummer": pa.array(rng.integers(1, 50, n_addr).astype(str)),
        "festenummer": empty,
        "undernummer": empty,
        "adresseTekst": pa.array(np.char.add(np.char.add(st, " "), num)),
        "adresseTekstUtenAdressetilleggsnavn": empty,
        "EPSG-kode": pa.array(np.full(n_addr, "25833")),
        "Nord": pa.array(np.char.mod("%.2f", y)),
        "Øst": pa.array(np.char.mod("%.2f", x)),
        "postnummer": pa.array(post),
        "poststed": pa.array(np.full(n_addr, "STED")),
        "oppdateringsdato": pa.array(np.full(n_addr, "01.10.2026 06:00:00")),
        "datauttaksdato": pa.array(np.full(n_addr, "01.10.2026 06:00:00")),
        "adresseId": pa.array(ids.astype(str)),
        "uuidAdresse": empty,
    }
    pacsv.write_csv(pa.table(cols), out / "addresses.csv", write_options=WRITE_OPTIONS)
    return ids


def _write_counts(out: Path, rng: np.random.Generator, ids: np.ndarray) -> None:
    """counts.csv: households, persons, holiday homes and businesses per address."""
    n_addr = len(ids)
    hus = np.where(rng.random(n_addr) < 0.85, 1, 0) + (rng.random(n_addr) < 0.05) * rng.integers(
        2, 30, n_addr
    )
    table = {
        "adrid": ids,
        "hus": hus,
        "pers": hus * 2,
        "fritid": (hus == 0).astype("int64"),
        "naering": (rng.random(n_addr) < 0.1).astype("int64"),
    }
    pacsv.write_csv(pa.table(table), out / "counts.csv", write_options=WRITE_OPTIONS)


def _write_fixed(out: Path, rng: np.random.Generator, ids: np.ndarray, n_fbb: int) -> None:
    """fbb.csv: Nkom-style fixed coverage rows (kbit/s) over ~85 % of the addresses."""
    aid = np.sort(rng.choice(ids, n_fbb, replace=True))
    tek = rng.choice(
        np.array(["fiber", "kabel", "dsl", "ftb", "satellitt", "radio"]),
        n_fbb,
        p=[0.45, 0.12, 0.25, 0.1, 0.06, 0.02],
    )
    # Typical download (kbit/s) of each technology, in sorted technology order.
    idx = np.searchsorted(np.array(["dsl", "fiber", "ftb", "kabel", "radio", "satellitt"]), tek)
    ned = np.array([20_000, 1_000_000, 100_000, 500_000, 30_000, 150_000])[idx] * rng.uniform(
        0.3, 1.0, n_fbb
    )
    operators = np.array(["Telenor", "Telia", "Ice", "GlobalConnect", "Altibox", "Lokalnett"])
    table = {
        "adrid": aid,
        "tilb": rng.choice(operators, n_fbb),
        "tek": tek,
        "ned": ned.astype("int64"),
        "opp": (ned / 5).astype("int64"),
        "hc": rng.random(n_fbb) < 0.5,
    }
    pacsv.write_csv(pa.table(table), out / "fbb.csv", write_options=WRITE_OPTIONS)


def _write_rasters(out: Path, rng: np.random.Generator) -> None:
    """mobil/<operator>_<4g|5g>.tif: int16 dBm, 100 m cells, 2 % nodata."""
    w, h = (X1 - X0) // RES, (Y1 - Y0) // RES
    transform = from_origin(X0, Y1, RES, RES)
    for k, op in enumerate(OPERATORS):
        for j, tech in enumerate(("4g", "5g")):
            coarse = rng.normal(-100 - 5 * k - 6 * j, 12, (h // 50 + 1, w // 50 + 1)).astype(
                "float32"
            )
            band = np.repeat(np.repeat(coarse, 50, axis=0), 50, axis=1)[:h, :w]
            band = (band + rng.normal(0, 4, (h, w)).astype("float32")).astype("int16")
            band[rng.random((h, w), dtype="float32") < 0.02] = -32768
            with rasterio.open(
                out / "mobil" / f"{op}_{tech}.tif",
                "w",
                driver="GTiff",
                width=w,
                height=h,
                count=1,
                dtype="int16",
                crs="EPSG:25833",
                transform=transform,
                nodata=-32768,
                tiled=True,
                blockxsize=512,
                blockysize=512,
            ) as dst:
                dst.write(band, 1)
            del band


def job_dekning(data: Path, mobile: str = "rasters") -> dict:
    """Everything ``dekning run`` does before areas, timed per step; the mobile classes from the
    rasters (``mobile="rasters"``) or from Nkom's ``mob`` file (``"mob"``)."""
    cfg = ClassifyConfig(
        scheme_year=2024
    )  # the rule of the earlier figures (eligible < 100 Mbit/s)
    rasters = [
        MobileRaster(operator=o, technology=t, path=data / "mobil" / f"{o}_{t}.tif")
        for o in OPERATORS
        for t in MOBILE_TECHS
    ]
    report = RunReport()
    laps: dict[str, float] = {}

    def lap(name: str) -> None:
        laps[name] = time.perf_counter() - t - sum(laps.values())

    t = time.perf_counter()
    addr = read_addresses(data / "addresses.csv", report)
    lap("read_addresses")
    counts = read_address_counts(data / "counts.csv", report)
    fixed = read_fixed_coverage(data / "fbb.csv", report)
    lap("read_coverage")
    if mobile == "mob":
        rows = read_mobile_rows(data / "mob.csv", report)
        lap("read_mob")
        classes, _ = mobile_coverage(addr, [], rows, cfg, report)
        lap("mobile_from_mob")
    else:
        classes = sample_mobile(addr, rasters, cfg, report)
        lap("sample_mobile")
    out = classify(addr, fixed, cfg, counts=counts, mobile=classes, report=report)
    lap("classify")
    return {**_figures(out, mobile), "laps": laps}


def _figures(out: pd.DataFrame, mobile: str) -> dict:
    """The counts both jobs must agree on: addresses, eligible addresses, households without
    100 Mbit/s and a mobile figure (rasters: operators with indoor coverage summed over the
    addresses; ``mob``: addresses where some operator has outdoor coverage, and address ×
    operator × technology reaching 100 Mbit/s)."""
    figures = {
        "rows": len(out),
        "eligible": int(out["eligible"].sum()),
        "hus_uten_100": int(out.loc[out["best_down_kbps"] < TARGET_DOWN_KBPS, "hus"].sum()),
    }
    if mobile == "mob":
        best = out[[operator_column(o) for o in OPERATORS]].fillna(0).to_numpy().max(axis=1)
        tiers = out[[MobileLayer(o, tech).tier_column for o in OPERATORS for tech in MOBILE_TECHS]]
        figures["mobile"] = int((best >= 2).sum())
        figures["mobile_100"] = int((tiers.fillna(0).to_numpy() >= MOB_TIERS[1]).sum())
    else:
        figures["mobile"] = int(out[MOBILE_COUNT_COLUMN].fillna(0).sum())
    return figures


def job_duckdb(data: Path, mobile: str = "rasters") -> dict:
    """The same work in SQL with DuckDB's spatial extension, timed per step."""
    # DuckDB is not a dependency of dekning: imported only by this optional job (bench/README.md).
    import duckdb
    import duckdb_extension_spatial

    ext = (
        Path(duckdb_extension_spatial.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "spatial.duckdb_extension"
    )
    con = duckdb.connect()
    con.execute(f"LOAD '{ext}'")
    laps: dict[str, float] = {}

    def lap(name: str) -> None:
        laps[name] = time.perf_counter() - t - sum(laps.values())

    t = time.perf_counter()
    con.execute(f"""
        CREATE TABLE adr AS
        SELECT CAST(adresseId AS BIGINT) AS adrid, adresseTekst AS adressetekst, postnummer, kommunenummer,
               CAST("Øst" AS DOUBLE) AS x, CAST("Nord" AS DOUBLE) AS y
        FROM read_csv('{data / "addresses.csv"}', delim=';', header=true, all_varchar=true)
        WHERE ST_Within(ST_Point(CAST("Øst" AS DOUBLE), CAST("Nord" AS DOUBLE)),
                        ST_MakeEnvelope(-120000, 6400000, 1130000, 7960000))""")
    lap("read_addresses")
    con.execute(
        f"CREATE TABLE cnt AS SELECT * FROM read_csv('{data / 'counts.csv'}', delim=';', header=true)"
    )
    con.execute(
        f"CREATE TABLE fbb AS SELECT * FROM read_csv('{data / 'fbb.csv'}', delim=';', header=true)"
    )
    lap("read_coverage")
    if mobile == "mob":
        con.execute(
            f"CREATE TABLE mob AS SELECT * FROM read_csv('{data / 'mob.csv'}', delim=';', header=true)"
        )
        lap("read_mob")
        con.execute(DUCKDB_MOB_CLASSES)
        lap("mobile_from_mob")
    else:
        points = con.execute("SELECT adrid, x, y FROM adr ORDER BY adrid").fetchnumpy()
        con.register("mobdf", _mobile_classes(points, data))
        lap("sample_mobile")
    res = con.execute(DUCKDB_CLASSIFY).df()
    lap("classify")
    return {**_figures(res, mobile), "laps": laps}


def _mobile_classes(points: dict[str, np.ndarray], data: Path) -> pd.DataFrame:
    """Class per address, operator and technology, and each operator's best, for the DuckDB
    job: the cell row/col from the raster's transform, the value by numpy indexing (DuckDB has
    no raster reader)."""
    mob = {"adrid": points["adrid"]}
    for o in OPERATORS:
        best = np.zeros(len(points["adrid"]), dtype="int8")
        for tech in MOBILE_TECHS:
            with rasterio.open(data / "mobil" / f"{o}_{tech}.tif") as src:
                band = src.read(1)
                tr = src.transform
            cols = np.floor((points["x"] - tr.c) / tr.a).astype("int64")
            rows = np.floor((points["y"] - tr.f) / tr.e).astype("int64")
            ok = (rows >= 0) & (rows < band.shape[0]) & (cols >= 0) & (cols < band.shape[1])
            v = np.full(len(cols), -32768, dtype="int16")
            v[ok] = band[rows[ok], cols[ok]]
            del band
            cls = np.select([v == -32768, v >= -100, v >= -110, v >= -120], [0, 3, 2, 1], 0).astype(
                "int8"
            )
            mob[f"mob_{o}_{tech}"] = cls
            best = np.maximum(best, cls)
        mob[f"mob_{o}"] = best
    return pd.DataFrame(mob)


def _mob_pivot() -> str:
    """Per address and operator × technology of the ``mob`` rows: class (2 "ute" from the lowest
    tier, else 0) and highest tier reached; per operator the best class (every address; 0
    without rows)."""
    pairs = [(o, tech) for o in OPERATORS for tech in MOBILE_TECHS]
    fastest = ", ".join(
        f"max(ned) FILTER (WHERE tilb = '{o}' AND tek = '{tech}') AS n_{o}_{tech}"
        for o, tech in pairs
    )
    low, high = MOB_TIERS
    cols = []
    for o, tech in pairs:
        n, layer = f"coalesce(n_{o}_{tech}, 0)", MobileLayer(o, tech)
        cols.append(f"CASE WHEN {n} >= {low} THEN 2 ELSE 0 END AS {layer.column}")
        cols.append(
            f"CASE WHEN {n} >= {high} THEN {high} WHEN {n} >= {low} THEN {low} ELSE 0 END "
            f"AS {layer.tier_column}"
        )
    for o in OPERATORS:
        best = f"greatest({', '.join(f'coalesce(n_{o}_{t}, 0)' for t in MOBILE_TECHS)})"
        cols.append(f"CASE WHEN {best} >= {low} THEN 2 ELSE 0 END AS {operator_column(o)}")
    return f"""
        CREATE TABLE mobdf AS
        WITH p AS (
            SELECT adrid, {fastest}
            FROM mob WHERE adrid IN (SELECT adrid FROM adr) GROUP BY adrid)
        SELECT adrid, {", ".join(cols)}
        FROM adr LEFT JOIN p USING (adrid)"""


DUCKDB_MOB_CLASSES = _mob_pivot()
"""The ``mob`` rows as classes per address (every address: 0 without rows), in DuckDB SQL."""

DUCKDB_CLASSIFY = """
        WITH f AS (
            SELECT * FROM fbb WHERE tek <> 'satellitt' AND adrid IN (SELECT adrid FROM adr)),
        best AS (
            SELECT adrid, max(ned) AS best_down, max(opp) AS best_up,
                   arg_max(tek, ned * 10 + CASE tek WHEN 'fiber' THEN 7 WHEN 'kabel' THEN 6 WHEN 'ftb' THEN 5
                                                     WHEN 'dsl' THEN 4 WHEN 'radio' THEN 3 ELSE 2 END) AS best_tek,
                   count(DISTINCT tilb) AS n_operators, string_agg(DISTINCT tilb, ', ' ORDER BY tilb) AS operators
            FROM f GROUP BY adrid)
        SELECT a.adrid, a.adressetekst, a.postnummer, a.kommunenummer, a.x, a.y,
               coalesce(c.hus, 1) AS hus, coalesce(c.fritid, 0) AS fritid, coalesce(c.naering, 0) AS naering,
               coalesce(b.best_down, 0) AS best_down_kbps, coalesce(b.best_up, 0) AS best_up_kbps,
               coalesce(b.best_tek, '') AS best_tek, coalesce(b.n_operators, 0) AS n_operators,
               coalesce(b.operators, '') AS operators,
               CASE WHEN b.best_down >= 1000000 THEN 'ge1000' WHEN b.best_down >= 100000 THEN 'ge100'
                    WHEN b.best_down >= 30000 THEN '30to100' WHEN b.best_down > 0 THEN 'lt30' ELSE 'none' END AS speed_class,
               coalesce(b.best_down, 0) < 100000 AND coalesce(c.hus, 1) + coalesce(c.naering, 0) > 0 AS eligible,
               (floor((a.x + 2000000) / 250) * 250)::BIGINT * 10000000 + (floor(a.y / 250) * 250)::BIGINT AS ssb_rute_250,
               m.* EXCLUDE (adrid),
               (m.mob_telenor >= 3)::INT + (m.mob_telia >= 3)::INT + (m.mob_ice >= 3)::INT AS mob_n_ok
        FROM adr a LEFT JOIN best b USING (adrid) LEFT JOIN cnt c USING (adrid) LEFT JOIN mobdf m USING (adrid)
"""
"""Best offer, operators, speed class, eligibility and SSB cell per address, in DuckDB SQL."""


def _child(job: str, data: str, mobile: str) -> None:
    t = time.perf_counter()
    result = {"dekning": job_dekning, "duckdb": job_duckdb}[job](Path(data), mobile)
    result["seconds"] = time.perf_counter() - t
    # VmHWM resets at exec; ru_maxrss would carry the parent's peak over (Linux).
    hwm = next(
        line
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM")
    )
    result["peak_rss_mib"] = int(hwm.split()[1]) / 1024
    print(json.dumps(result))


def _load() -> str:
    """The load averages (1, 5, 15 min) as ``uptime`` shows them: the machine is shared."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


FIGURES = ("rows", "eligible", "hus_uten_100", "mobile", "mobile_100")


def _warm(data: Path, mobile: str) -> None:
    """Read the variant's input files once before the jobs, so that no job (the first above
    all) pays for reading them from disk: every job reads them from the page cache."""
    files = [data / name for name in ("addresses.csv", "counts.csv", "fbb.csv")]
    files += [data / "mob.csv"] if mobile == "mob" else sorted((data / "mobil").glob("*.tif"))
    for f in files:
        with f.open("rb") as fh:
            while fh.read(1 << 24):
                pass


def run_variant(data: Path, jobs: list[str], mobile: str) -> dict:
    """Run each job in a fresh process with ``mobile`` as the mobile input, print its figures
    and check that the jobs agree; the results with the load before and after each job."""
    _warm(data, mobile)
    results = {}
    for job in jobs:
        load_before = _load()
        proc = subprocess.run(
            [sys.executable, __file__, "--child", job, "--data", str(data), "--mobile", mobile],
            capture_output=True,
            text=True,
            env={**os.environ, "OMP_NUM_THREADS": "2"},
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit(f"{job} ({mobile}) failed")
        results[job] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = results[job]
        r["load_before"], r["load_after"] = load_before, _load()
        laps = ", ".join(f"{k} {v:.1f}s" for k, v in r["laps"].items())
        mob = f", mobile {r['mobile']}" + (f"/{r['mobile_100']}" if "mobile_100" in r else "")
        print(
            f"{job:>8} [{mobile}]: {r['seconds']:6.1f} s, peak {r['peak_rss_mib']:7.0f} MiB, "
            f"{r['rows']} addresses, {r['eligible']} eligible, {r['hus_uten_100']} households "
            f"< 100 Mbit/s{mob}  ({laps}; load {r['load_before']} -> {r['load_after']})",
            flush=True,
        )
    if {"dekning", "duckdb"} <= results.keys():
        a, b = results["dekning"], results["duckdb"]
        differ = [k for k in FIGURES if a.get(k) != b.get(k)]
        if differ:
            raise SystemExit(f"jobs disagree ({mobile}): {', '.join(differ)}")
        ratio = a["seconds"] / b["seconds"]
        print(
            f"both jobs agree on addresses, eligible addresses, households without 100 Mbit/s and "
            f"the mobile figure; dekning/DuckDB = {ratio:.2f}",
            flush=True,
        )
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--addresses", type=int, default=2_600_000)
    ap.add_argument("--coverage-rows", type=int, default=4_000_000)
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--jobs", default="dekning,duckdb")
    ap.add_argument(
        "--mobile",
        choices=("rasters", "mob", "both"),
        default="both",
        help="mobile input: the 6 rasters, Nkom's per-address mob file, or both variants in turn",
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, str(args.data), args.mobile)
        return
    data = args.data / f"n{args.addresses}"
    generate(data, args.addresses, args.coverage_rows)
    variants = ("rasters", "mob") if args.mobile == "both" else (args.mobile,)
    if "mob" in variants:
        generate_mob(data)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    for mobile in variants:
        results = run_variant(data, args.jobs.split(","), mobile)
        with (out / "bench_classify.jsonl").open("a") as fh:
            fh.write(
                json.dumps(
                    {
                        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
                        "addresses": args.addresses,
                        "coverage_rows": args.coverage_rows,
                        "mobile": mobile,
                        "nproc": os.cpu_count(),
                        **results,
                    }
                )
                + "\n"
            )


if __name__ == "__main__":
    main()
