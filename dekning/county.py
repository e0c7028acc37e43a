"""County and national runs: every municipality at once on Dask, then the county's view.

``dekning fylke`` reads a county configuration (:mod:`dekning.county_config`), splits the
national files into one set of inputs per municipality
(:func:`dekning.coverage.read.national.split_national`), runs every municipality exactly as a
municipal run (:func:`dekning.pipeline.analyse` and the same outputs, in
``kommuner/<kommunenummer>-<name>/``) as one Dask task each — on a local cluster by default, or
on any running cluster given by its scheduler's address — and then ranks every candidate area of
every municipality on the county's criteria and selects exactly under the county's frame of state
money and each municipality's own budget (:mod:`dekning.coverage.planning.county`).

Work is split by municipality only: a task reads its own files and writes its own folder, and the
county step sorts the municipalities' results by kommunenummer before it uses them, so the
results are the same whatever the number of workers. A worker holds one municipality's frames,
road graph and raster windows at a time. The workers of a remote cluster must see the output
folder's parent (a shared file system), where the split inputs are written too.

The output folder is written whole or not at all, like a municipal run's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import resource
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pyogrio

from dekning import __version__
from dekning.config import Config, parse_config
from dekning.county_config import MUNICIPAL_SECTIONS, CountyConfig, merge
from dekning.coverage.application.county import county_summary, write_county_tables
from dekning.coverage.application.packages import (
    MAX_WORKERS,
    ApplicationPackages,
    package_tasks,
)
from dekning.coverage.planning.county import CountyCriteria, county_score, select_county
from dekning.coverage.read.national import (
    SOURCE_LINE,
    TABLES,
    Split,
    read_boundaries,
    split_national,
)
from dekning.crs import WORK_CRS
from dekning.errors import ConfigError, DekningError, InputError, NoEligibleAddresses
from dekning.maps.county import county_map
from dekning.maps.planner import write_map
from dekning.maps.qgis_styles import style_run_outputs
from dekning.outfolder import atomic_folder, check_replaceable
from dekning.pipeline import analyse, write_outputs
from dekning.postgis import mask_url
from dekning.report import RunReport

Step = Callable[[str], None]
"""Told what happens (bokmål), as the CLI's progress display."""
REPORT = "fylke_rapport.json"
MAP = "kart_fylke.html"
MUNICIPALITIES = "kommuner"


@dataclass(frozen=True)
class MunicipalityRun:
    """One municipality's task: its configuration and the folder of its results."""

    kommunenummer: str
    name: str
    folder: str
    """Relative to the county's output folder (``kommuner/<kommunenummer>-<name>``)."""
    config: Config
    addresses: int
    sources: dict[str, str] = field(default_factory=dict)
    """Each split file of the municipality → the national file its rows came from."""


@dataclass
class MunicipalityResult:
    """What one municipality's task returns (small: the areas and the headline figures)."""

    kommunenummer: str
    name: str
    folder: str
    plan: gpd.GeoDataFrame | None
    """The municipality's candidate areas with their figures, or None (no area, or failed)."""
    summary: dict[str, Any]
    seconds: float
    worker: str
    peak_mib: float
    addresses: int
    note: str = ""
    """Why the municipality has no areas (no eligible address), or why it failed."""
    failed: bool = False


@dataclass
class CountyResult:
    """What a county run produced."""

    municipalities: list[MunicipalityResult]
    plans: gpd.GeoDataFrame
    summary: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    out_dir: Path | None = None


def slug(name: str) -> str:
    """A folder-safe ASCII form of a municipality name (``Ørland`` → ``orland``)."""
    folded = name.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    ascii_ = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:40] or "kommune"


def municipality_runs(cc: CountyConfig, split: Split, *, source: str) -> list[MunicipalityRun]:
    """Each municipality's configuration: the county's defaults, what the municipality sets
    for itself, its split inputs and the county's rasters.

    Raises
    ------
    ConfigError
        A municipality's settings are wrong (the message names it).
    """
    runs = []
    for knr in sorted(split.files):
        own = cc.municipalities.get(knr, {})
        raw = merge(cc.defaults, {k: v for k, v in own.items() if k in MUNICIPAL_SECTIONS})
        name = str(own.get("name") or split.names.get(knr) or knr)
        raw["municipality"] = {
            "name": name,
            "kommunenummer": knr,
            "county": cc.county.county,
            **({"data_date": cc.county.data_date} if cc.county.data_date else {}),
        }
        inputs: dict[str, Any] = {k: str(v) for k, v in split.files[knr].items()}
        if cc.input.mobile:
            inputs["mobile"] = [m.model_dump(mode="json") for m in cc.input.mobile]
        if cc.input.dem is not None:
            inputs["dem"] = str(cc.input.dem)
        inputs.update(own.get("input", {}))
        raw["input"] = inputs
        cfg = parse_config(raw, Path("/"), f"{source}, kommune {knr} ({name})")
        # Dask keeps every core busy with municipalities: a task writes its packages itself.
        cfg = cfg.model_copy(update={"output": cfg.output.model_copy(update={"workers": 1})})
        if cfg.funding.state_budget_nok is not None:
            raise ConfigError(
                f"{source}, kommune {knr} ({name}): funding.state_budget_nok gjelder ikke én "
                "kommune i en fylkeskjøring; fylkets ramme er county.state_budget_nok"
            )
        folder = f"{MUNICIPALITIES}/{knr}-{slug(name)}"
        sources = {
            str(path): str(getattr(cc.input, key))
            for key, path in split.files[knr].items()
            if key in TABLES
        }
        runs.append(MunicipalityRun(knr, name, folder, cfg, split.counts.get(knr, 0), sources))
    return runs


def _worker_name() -> str:
    try:
        from distributed import get_worker  # only inside a Dask worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "lokal"


def in_national_file(err: InputError, sources: dict[str, str]) -> InputError:
    """``err`` about a municipality's split table told about the national file instead: its
    name and the row's line there (the split file's ``linje_i_kilden``); other errors as they
    are."""
    national = sources.get(str(err.file)) if err.file is not None else None
    if national is None or err.file is None:
        return err
    line = err.line
    if line is not None:
        lines = pq.read_table(err.file, columns=[SOURCE_LINE]).column(0).to_pylist()
        value = lines[line - 2] if 0 <= line - 2 < len(lines) else None
        line = int(value) if value is not None else None
    return InputError(err.message, file=national, line=line, field=err.field)


def _peak_mib() -> float:
    """This process's own peak resident memory so far (MiB): ``VmHWM`` of
    ``/proc/self/status``. Not ``ru_maxrss``: Linux carries that over from the parent into a
    process it starts (a Dask worker would show the main process's peak from the split)."""
    try:  # bytes: the process's name in the same file may be in any encoding
        for line in Path("/proc/self/status").read_bytes().splitlines():
            if line.startswith(b"VmHWM:"):
                return int(line.split()[1]) / 1024  # kB → MiB
    except (OSError, ValueError, IndexError):  # not Linux, or a line not as expected
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes there, KiB here


MEMORY_NOTE = (
    "Delingen holder én nasjonal tabell om gangen i hovedprosessen (adressene, så hver "
    "dekningstabell, så vegene); en arbeider holder én kommunes adresser, veggraf og "
    "rastervinduer om gangen. En arbeiders toppminne er det høyeste den har brukt for én "
    "kommune så langt i kjøringen."
)
"""What ``rapport_fylke.json``'s ``minne`` says about the memory a county run holds."""


def _memory(split_peak: float, results: Sequence[MunicipalityResult]) -> dict[str, Any]:
    """The ``minne`` section of the county report: the main process's peak during the split
    and each worker's peak (MiB)."""
    workers: dict[str, float] = {}
    for r in results:
        workers[r.worker] = max(workers.get(r.worker, 0.0), round(r.peak_mib, 1))
    return {
        "deling_toppminne_mib": round(split_peak, 1),
        "arbeider_toppminne_mib": workers,
        "merknad": MEMORY_NOTE,
    }


def run_municipality(run: MunicipalityRun, out_root: str) -> MunicipalityResult:
    """One municipality's run into ``out_root/run.folder`` (a Dask task).

    A municipality without an eligible address is a result with no areas; one whose inputs or
    settings are wrong is a failed result that says why (its folder is removed); anything else
    is a fault and stops the county run.
    """
    start = time.perf_counter()
    folder = Path(out_root) / run.folder
    if folder.exists():  # Dask runs a task again when its worker was lost: start afresh
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    plan, summary, note, failed = None, {}, "", False
    try:
        result = analyse(run.config)
        # the packages come after the county's choice (county_packages), for the areas it chose
        write_outputs(result, run.config, folder, packages=False)
        plan, summary = result.areas, result.summary
    except NoEligibleAddresses as err:  # nothing to build: the county gets no area from it
        note = str(err)
        (folder / "merknad.txt").write_text(note + "\n", encoding="utf-8")
    except InputError as err:
        note, failed = str(in_national_file(err, run.sources)), True
        shutil.rmtree(folder, ignore_errors=True)
    except DekningError as err:
        note, failed = str(err), True
        shutil.rmtree(folder, ignore_errors=True)
    if plan is not None:
        plan = plan.assign(
            kommunenummer=run.kommunenummer,
            kommune=run.name,
            omrade=plan["area_id"].astype(str),
            area_id=run.kommunenummer + "-" + plan["area_id"].astype(str),
        )
    peak = _peak_mib()
    return MunicipalityResult(
        run.kommunenummer,
        run.name,
        run.folder,
        plan,
        summary,
        time.perf_counter() - start,
        _worker_name(),
        peak,
        run.addresses,
        note,
        failed,
    )


def execute(
    runs: Sequence[MunicipalityRun],
    out_root: Path,
    *,
    scheduler: str | None,
    workers: int,
    memory_limit: str = "auto",
    step: Step | None = None,
) -> list[MunicipalityResult]:
    """Every municipality's run as a Dask task; the results sorted by kommunenummer.

    The largest municipalities are submitted first (a higher priority), so that a small one is
    what remains at the end.

    Raises
    ------
    DekningError
        The scheduler cannot be reached.
    """
    from distributed import Client, KilledWorker, LocalCluster, as_completed

    cluster = None
    futures: list[Any] = []
    try:
        if scheduler:
            client = Client(scheduler, timeout="30s")
        else:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                memory_limit=memory_limit,
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        if scheduler:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
    except (OSError, ValueError, TimeoutError) as err:
        where = (
            f"Dask-planleggeren {mask_url(scheduler)}"
            if scheduler
            else f"en lokal Dask-klynge med {workers} arbeidere (dask.memory_limit {memory_limit!r})"
        )
        raise DekningError(f"fikk ikke kontakt med {where}: {err}") from None
    try:
        futures = [
            client.submit(
                run_municipality,
                run,
                str(out_root),
                key=f"kommune-{run.kommunenummer}-{time.time_ns()}",
                priority=run.addresses,
                pure=False,
            )
            for run in runs
        ]
        results = []
        by_key = {f.key: r for f, r in zip(futures, runs, strict=True)}
        for future in as_completed(futures):
            try:
                res = future.result()
            except KilledWorker:
                run = by_key[future.key]
                res = _killed(run)
            results.append(res)
            if step is not None:
                state = "feilet" if res.failed else f"{res.seconds:.1f} s"
                step(f"{res.kommunenummer} {res.name}: {state}")
    finally:
        for future in futures:  # nothing left running after a failure
            future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()
    return sorted(results, key=lambda r: r.kommunenummer)


WAIT_FOR_WORKERS_S = 60
"""How long a running cluster may take to show its first worker."""


def _killed(run: MunicipalityRun) -> MunicipalityResult:
    """The result of a municipality whose worker died again and again (memory)."""
    note = (
        "arbeidsprosessen døde gjentatte ganger under kjøringen (for lite minne?); "
        "øk dask.memory_limit eller bruk færre arbeidere"
    )
    return MunicipalityResult(
        run.kommunenummer, run.name, run.folder, None, {}, 0.0, "?", 0.0, run.addresses, note, True
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_record(cc: CountyConfig) -> list[dict[str, str]]:
    """The county's input files: key, name and sha256."""
    out = []
    for key, value in cc.input:
        paths = [m.path for m in value] if key == "mobile" else [value]
        for path in paths:
            if isinstance(path, Path) and path.is_file():
                out.append({"nokkel": key, "navn": path.name, "sha256": _sha256(path)})
    return out


def _plans(results: Sequence[MunicipalityResult]) -> gpd.GeoDataFrame:
    parts = [r.plan for r in results if r.plan is not None and len(r.plan)]
    if not parts:
        return gpd.GeoDataFrame({"area_id": pd.Series(dtype=str)}, geometry=[], crs=WORK_CRS)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=WORK_CRS)


def _money_for_areas(cfg: Config) -> float | None:
    """A municipality's money for its areas over the years of the plan (per-year budget ×
    ``prioritise.budget_years``, as the municipal selection counts it)."""
    budget = cfg.prioritise.municipal_budget_nok
    return None if budget is None else budget * cfg.prioritise.budget_years


def county_step(
    cc: CountyConfig,
    results: Sequence[MunicipalityResult],
    runs: Sequence[MunicipalityRun],
    boundaries: gpd.GeoDataFrame,
    folder: Path,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Rank and select every municipality's areas for the county; write its tables and map."""
    plans = _plans(results)
    if plans.empty or "kommunenummer" not in plans:
        notes = "; ".join(
            f"{r.kommunenummer} {r.name}: {r.note or 'ingen områder'}" for r in results
        )
        raise DekningError(f"ingen kommune ga utbyggingsområder å velge mellom ({notes})")
    weights = cc.county.weights
    criteria = CountyCriteria(
        units_per_state_krone=weights.units_per_state_krone,
        cost_per_unit=weights.cost_per_unit,
        demand=weights.demand,
        mobile_gaps=weights.mobile_gaps,
        objective=cc.county.objective,
    )
    plans["poeng_fylke"] = county_score(plans, criteria) if len(plans) else pd.Series(dtype=float)
    budgets = {r.kommunenummer: _money_for_areas(r.config) for r in runs}
    value = plans["poeng_fylke"] if cc.county.objective == "poeng" else None
    selection = select_county(
        plans,
        state_budget=cc.county.state_budget_nok,
        municipal_budgets=budgets,
        value=value,
        time_limit_s=cc.county.time_limit_s,
    )
    plans = gpd.GeoDataFrame(plans.merge(selection, on="area_id", how="left"), crs=WORK_CRS)
    summary = county_summary(
        plans, selection, state_budget=cc.county.state_budget_nok, county_name=cc.county.name
    )
    write_county_tables(plans, selection, summary, folder)
    chosen = boundaries.loc[boundaries["kommunenummer"].isin([r.kommunenummer for r in runs])]
    county = county_map(
        plans,
        chosen,
        title=f"{cc.county.name} – utbyggingsområder i fylket",
        state_budget_nok=cc.county.state_budget_nok,
    )
    write_map(county, folder / MAP)
    return plans, summary


def county_packages(
    plans: gpd.GeoDataFrame,
    results: Sequence[MunicipalityResult],
    runs: Sequence[MunicipalityRun],
    folder: Path,
    report: RunReport,
    workers: int,
    state_budget_nok: float | None,
) -> tuple[int, list[str]]:
    """The application packages of the areas the county chose (``valgt_fylke``), into each
    municipality's ``soknad/``.

    Each package is made from the municipality's own frames: its areas as its task returned
    them, its addresses of those areas read back from its ``adresser_klassifisert.parquet``
    (only those rows) and its routes from ``omrader.gpkg``; the heading gives the county's
    state frame. They are written side by side by ``workers`` processes (at most
    :data:`~dekning.coverage.application.packages.MAX_WORKERS`;
    :class:`~dekning.coverage.application.packages.ApplicationPackages`), then styled for QGIS.
    A package that fails there is tried again in this process; one that fails again is left
    out and named (a warning), so that one package never throws away a whole county's run.

    Returns
    -------
    tuple
        How many packages were written, and ``"<kommunenummer> <area>: why"`` for each that
        was not.
    """
    chosen = plans.loc[plans["valgt_fylke"].fillna(False).astype(bool)]
    wanted = chosen.groupby("kommunenummer")["omrade"].agg(list).to_dict()
    configs = {r.kommunenummer: r.config for r in runs}
    tasks, touched = [], []
    for r in results:
        ids = [str(i) for i in wanted.get(r.kommunenummer, [])]
        if r.failed or not ids or r.plan is None:
            continue
        own = folder / r.folder
        classified = gpd.read_parquet(
            own / "adresser_klassifisert.parquet", filters=[("area_id", "in", ids)]
        )
        areas = r.plan.assign(area_id=r.plan["omrade"])  # the municipality's own ids
        routes = None
        if "traseer" in set(pyogrio.list_layers(own / "omrader.gpkg")[:, 0]):
            routes = gpd.read_file(own / "omrader.gpkg", layer="traseer")
        cfg = configs[r.kommunenummer]
        funding = cfg.funding.model_copy(update={"state_budget_nok": state_budget_nok})
        cfg = cfg.model_copy(update={"funding": funding})  # the heading: the county's frame
        tasks += package_tasks(classified, areas, routes, cfg, own / "soknad", ids)
        touched.append(own)
    failed: list[str] = []
    try:
        with ApplicationPackages(tasks, report, workers=min(workers, MAX_WORKERS)) as packages:
            packages.finish()
    except DekningError:  # a worker died or a package failed: each missing one once more here
        for task in tasks:
            if task.out.is_dir():
                continue
            try:
                with ApplicationPackages([task], report, workers=1) as alone:
                    alone.finish()
            except DekningError as err:
                knr = task.out.parent.parent.name.split("-")[0]
                failed.append(f"{knr} {task.area_id}: {err}")
    report.warn(
        "county",
        "packages_failed",
        "søknadspakker som ikke ble skrevet (se grunnen)",
        len(failed),
        failed,
    )
    for own in touched:
        style_run_outputs(own)
    return len(tasks) - len(failed), failed


def _report(
    cc: CountyConfig,
    results: Sequence[MunicipalityResult],
    summary: dict[str, Any],
    seconds: dict[str, float],
    scheduler: str | None,
    workers: int,
    report: RunReport,
) -> dict[str, Any]:
    per_worker: dict[str, dict[str, float]] = {}
    for r in results:
        w = per_worker.setdefault(r.worker, {"kommuner": 0, "sekunder": 0.0, "adresser": 0})
        w["kommuner"] += 1
        w["sekunder"] = round(w["sekunder"] + r.seconds, 2)
        w["adresser"] += r.addresses
    return {
        "dekning_versjon": __version__,
        "fylke": cc.county.name,
        "sammendrag": summary,
        "kommuner": [
            {
                "kommunenummer": r.kommunenummer,
                "kommune": r.name,
                "mappe": r.folder if not r.failed else None,
                "adresser": r.addresses,
                "omrader": 0 if r.plan is None else len(r.plan),
                "sekunder": round(r.seconds, 2),
                "arbeider": r.worker,
                "toppminne_mib": round(r.peak_mib, 1),
                "merknad": r.note,
                "feilet": r.failed,
            }
            for r in results
        ],
        "dask": {
            "planlegger": mask_url(scheduler) if scheduler else None,
            "lokale_arbeidere": None if scheduler else workers,
            "arbeid_per_arbeider": per_worker,
        },
        "sekunder": seconds,
        "advarsler": json.loads(report.to_json())["warnings"],
        "inndata": input_record(cc),
        "konfigurasjon": _masked(cc),
    }


def _masked(cc: CountyConfig) -> dict[str, Any]:
    """The configuration as JSON with database passwords (a municipality's ``survey_db``) and
    the scheduler's address masked."""
    data: dict[str, Any] = json.loads(cc.model_dump_json())
    for own in data.get("municipalities", {}).values():
        url = own.get("input", {}).get("survey_db")
        if isinstance(url, str):
            own["input"]["survey_db"] = mask_url(url)
    if isinstance(data["dask"].get("scheduler"), str):
        data["dask"]["scheduler"] = mask_url(data["dask"]["scheduler"])
    return data


def run_county(
    cc: CountyConfig,
    out_dir: str | Path,
    *,
    source: str = "fylkesoppsettet",
    scheduler: str | None = None,
    workers: int | None = None,
    step: Step | None = None,
) -> CountyResult:
    """Split the national files, run every municipality on Dask and write the county's view
    into ``out_dir`` (replaced whole, or left as it was when the run fails).

    Parameters
    ----------
    scheduler, workers
        A running Dask scheduler's address, or the number of local workers; default
        ``cc.dask``.

    Raises
    ------
    DekningError
        A bad input or setting (nothing is written then).
    """
    scheduler = scheduler if scheduler is not None else cc.dask.scheduler
    workers = workers if workers is not None else cc.dask.workers
    out = Path(out_dir).resolve()
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    report = RunReport()
    with atomic_folder(out) as folder:
        # the split inputs live in the run's own temporary folder: gone with it whatever
        # happens (a killed run's is removed by the next), never in the finished output
        work = folder / ".inndata"
        work.mkdir()
        try:
            t = time.perf_counter()
            if step is not None:
                step("Deler de nasjonale filene per kommune")
            inputs = {k: v for k, v in cc.input if k not in ("mobile", "dem", "boundaries")}
            split = split_national(
                inputs,
                cc.input.boundaries,
                cc.county.municipalities,
                work,
                report,
                addresses_epsg=cc.input.addresses_epsg,
            )
            runs = municipality_runs(cc, split, source=source)
            seconds["deling"] = round(time.perf_counter() - t, 2)
            split_peak = _peak_mib()
            boundaries = read_boundaries(cc.input.boundaries)
            t = time.perf_counter()
            results = execute(
                runs,
                folder,
                scheduler=scheduler,
                workers=workers,
                memory_limit=cc.dask.memory_limit,
                step=step,
            )
            seconds["kommuner"] = round(time.perf_counter() - t, 2)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        t = time.perf_counter()
        if step is not None:
            step("Rangerer og velger områder for fylket")
        plans, summary = county_step(cc, results, runs, boundaries, folder)
        seconds["fylke"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        if step is not None:
            step("Skriver søknadspakkene for fylkets valg")
        written, _ = county_packages(
            plans,
            results,
            runs,
            folder,
            report,
            0 if scheduler else workers,
            cc.county.state_budget_nok,
        )
        seconds["soknadspakker"] = round(time.perf_counter() - t, 2)
        text = _report(cc, results, summary, seconds, scheduler, workers, report)
        text["minne"] = _memory(split_peak, results)
        text["soknadspakker"] = written
        (folder / REPORT).write_text(
            json.dumps(text, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        (folder / "rapport.json").write_text(  # marks the folder as dekning's
            json.dumps({"fylkeskjoring": REPORT}, ensure_ascii=False), encoding="utf-8"
        )
    return CountyResult(results, plans, summary, seconds, out)


__all__ = [
    "CountyResult",
    "MunicipalityResult",
    "MunicipalityRun",
    "county_packages",
    "execute",
    "municipality_runs",
    "run_county",
    "run_municipality",
]
