"""County runs (``dekning fylke``) on a synthetic county of three copies of the default
municipality: the same results on one local worker and on a real ``dask scheduler`` with two
``dask worker`` processes; every municipality's outputs; the county's choice within the state
frame and each municipality's budget; nothing written when a setting is wrong."""

from __future__ import annotations

import html
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dekning.cli import app
from dekning.county import run_county
from dekning.county_config import load_county_config, parse_county_config
from dekning.county_synthetic import synthetic_county
from dekning.errors import ConfigError, InputError
from dekning.money import nok
from dekning.textsafe import read_spreadsheet_csv

DASK = Path(sys.executable).parent / "dask"
BUDGETS = {"5100": 8_000_000, "5101": 5_000_000, "5102": 5_000_000}
"""The municipal budgets of the synthetic county's configuration."""


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fylke")
    synthetic_county(folder, 3, state_budget_nok=30_000_000)
    return folder


@pytest.fixture(scope="module")
def local_run(county, tmp_path_factory) -> Path:
    """The county run by the CLI on one local worker."""
    out = tmp_path_factory.mktemp("ut") / "fylke-lokal"
    result = CliRunner().invoke(
        app, ["fylke", "-c", str(county / "fylke.toml"), "--out", str(out), "--arbeidere", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "Fjelldal 2 (syntetisk)" in result.output and "Resultater:" in result.output
    return out


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory) -> Iterator[str]:
    """A real Dask scheduler with two worker processes on localhost."""
    folder = tmp_path_factory.mktemp("dask")
    info = folder / "planlegger.json"
    common = ["--no-dashboard"]
    procs = [
        subprocess.Popen(
            [
                str(DASK),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--scheduler-file",
                str(info),
                *common,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert info.exists(), "the Dask scheduler did not start"
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        str(DASK),
                        "worker",
                        "--scheduler-file",
                        str(info),
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--host",
                        "127.0.0.1",
                        *common,
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        address = json.loads(info.read_text())["address"]
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _tables(folder: Path) -> dict[str, bytes]:
    """Every table and the county summary (without the solver's time) of a county run."""
    out = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.csv"))}
    summary = json.loads((folder / "fylke_sammendrag.json").read_text(encoding="utf-8"))
    summary.pop("sekunder", None)
    out["fylke_sammendrag.json"] = json.dumps(summary, sort_keys=True).encode()
    return out


def test_the_same_results_on_a_real_cluster_with_two_workers(
    county, local_run, scheduler, tmp_path
):
    cc = load_county_config(county / "fylke.toml")
    out = tmp_path / "fylke-klynge"
    result = run_county(cc, out, scheduler=scheduler)
    assert _tables(out) == _tables(local_run)
    report = json.loads((out / "fylke_rapport.json").read_text(encoding="utf-8"))
    per_worker = report["dask"]["arbeid_per_arbeider"]
    assert len(per_worker) == 2  # the work was shared
    assert sum(w["kommuner"] for w in per_worker.values()) == 3
    assert report["dask"]["planlegger"] == scheduler
    assert {m.worker for m in result.municipalities} == set(per_worker)
    local = json.loads((local_run / "fylke_rapport.json").read_text(encoding="utf-8"))
    assert len(local["dask"]["arbeid_per_arbeider"]) == 1
    memory = report["minne"]  # the split's peak in this process, each worker's own
    assert set(memory["arbeider_toppminne_mib"]) == set(per_worker)
    assert all(v > 50 for v in memory["arbeider_toppminne_mib"].values())
    assert memory["deling_toppminne_mib"] > 50 and "én nasjonal tabell" in memory["merknad"]


def test_every_municipality_has_the_outputs_of_a_municipal_run(local_run):
    folders = sorted((local_run / "kommuner").iterdir())
    assert [f.name for f in folders] == [
        "5100-fjelldal-1-syntetisk",
        "5101-fjelldal-2-syntetisk",
        "5102-fjelldal-3-syntetisk",
    ]
    for folder in folders:
        for name in (
            "rapport.json",
            "finansiering.csv",
            "adresser_klassifisert.gpkg",
            "kart_offentlig.html",
            "kart_planlegger.html",
            "mobil_veg.xlsx",
        ):
            assert (folder / name).is_file(), f"{folder.name}/{name}"
    # two copies of one municipality with the same budget give the same figures, to the krone
    a, b = (
        local_run / "kommuner" / n / "finansiering.csv"
        for n in ("5101-fjelldal-2-syntetisk", "5102-fjelldal-3-syntetisk")
    )
    assert a.read_bytes() == b.read_bytes()
    report = json.loads((folders[0] / "rapport.json").read_text(encoding="utf-8"))
    assert report["sammendrag"]["adresser"] == 2406  # every address of the copy
    assert not any(p.name.startswith(".dekning-fylke-inndata-") for p in local_run.parent.iterdir())


def test_the_county_chooses_within_the_state_frame_and_every_budget(local_run):
    areas = read_spreadsheet_csv(local_run / "fylke_omrader.csv", ("Kommunenummer",))
    chosen = areas[areas["Valgt i fylket"].astype(bool)]
    assert 0 < len(chosen) < len(areas) == 30
    assert chosen["Statlig"].sum() <= 30_000_000
    spent = chosen.groupby("Kommunenummer")["Kommunal"].sum()
    for knr, money in spent.items():
        assert money <= BUDGETS[str(knr)], knr
    summary = json.loads((local_run / "fylke_sammendrag.json").read_text(encoding="utf-8"))
    assert summary["bevist_optimal"] is True
    assert summary["totalt"]["valgte_omrader"] == len(chosen)
    assert (local_run / "kart_fylke.html").stat().st_size > 10_000


def test_packages_are_those_of_the_areas_the_county_chose(local_run):
    areas = read_spreadsheet_csv(local_run / "fylke_omrader.csv", ("Kommunenummer", "Område"))
    chosen = areas[areas["Valgt i fylket"].astype(bool)]
    report = json.loads((local_run / "fylke_rapport.json").read_text(encoding="utf-8"))
    assert report["soknadspakker"] == len(chosen) > 0
    for folder in sorted((local_run / "kommuner").iterdir()):
        knr = folder.name[:4]
        expected = sorted(chosen.loc[chosen["Kommunenummer"] == knr, "Område"])
        soknad = folder / "soknad"
        got = sorted(p.name for p in soknad.iterdir()) if soknad.is_dir() else []
        assert got == expected, knr
        for area in got:  # a whole package, its addresses those of the area
            files = {p.name for p in (soknad / area).iterdir()}
            assert {"adresser.csv", "omrade.gpkg", "sammendrag.html"} <= files
            page = html.unescape((soknad / area / "sammendrag.html").read_text(encoding="utf-8"))
            assert f"statlig ramme: {nok(30_000_000)}" in page  # the county's frame
            listed = read_spreadsheet_csv(soknad / area / "adresser.csv", ("Adresse-ID",))
            own = read_spreadsheet_csv(folder / "adresser_klassifisert.csv", ("area_id",))
            ids = own.loc[(own["area_id"] == area) & own["eligible"].astype(bool), "adrid"]
            assert sorted(listed["Adresse-ID"].astype(int)) == sorted(ids.astype(int))


def test_a_wrong_setting_of_one_municipality_writes_nothing(county, tmp_path):
    raw = {
        "county": {"name": "Fjellfylket", "state_budget_nok": 1_000_000},
        "input": {
            "addresses": "adresser.csv",
            "boundaries": "kommuner.geojson",
            "fixed_coverage": "nkom_fbb.csv",
        },
        "municipalities": {"5101": {"costs": {"cost_per_metre_nok": -5}}},
    }
    cc = parse_county_config(raw, county)
    out = tmp_path / "ut"
    with pytest.raises(ConfigError, match="kommune 5101"):
        run_county(cc, out, workers=1)
    assert not out.exists()
    assert not any(p.name.startswith(".dekning-fylke-inndata-") for p in tmp_path.iterdir())
    missing = parse_county_config(
        {**raw, "county": {"name": "F", "municipalities": ["5199"]}, "municipalities": {}},
        county,
    )
    with pytest.raises(InputError, match="5199"):
        run_county(missing, out, workers=1)
    with pytest.raises(ConfigError, match="ukjente seksjoner: input"):
        parse_county_config({**raw, "defaults": {"input": {}}}, county)


def test_a_municipality_with_bad_rows_fails_alone_and_names_the_national_line(county, tmp_path):
    """A bad speed in the national fbb file for an address of 5101: 5101 fails with the
    national file's name, line and field; the others run and the county chooses among them."""
    import shutil

    bad = tmp_path / "fylke"
    shutil.copytree(county, bad)
    fbb = bad / "nkom_fbb.csv"
    lines = fbb.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("31"))  # an address of 5101
    parts = lines[at].split(";")
    parts[3] = "raskt"
    lines[at] = ";".join(parts)
    fbb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "ut"
    result = CliRunner().invoke(
        app, ["fylke", "-c", str(bad / "fylke.toml"), "--out", str(out), "--arbeidere", "1"]
    )
    assert result.exit_code == 1, result.output
    flat = " ".join(result.output.split())
    assert "5101" in flat and "feilet" in flat
    report = json.loads((out / "fylke_rapport.json").read_text(encoding="utf-8"))
    failed = [m for m in report["kommuner"] if m["feilet"]]
    assert [m["kommunenummer"] for m in failed] == ["5101"]
    assert failed[0]["merknad"] == (
        f"{bad / 'nkom_fbb.csv'}, linje {at + 1}, felt 'ned': ikke et tall: 'raskt'"
    )
    assert sorted(p.name[:4] for p in (out / "kommuner").iterdir()) == ["5100", "5102"]
    areas = read_spreadsheet_csv(out / "fylke_omrader.csv", ("Kommunenummer",))
    assert set(areas["Kommunenummer"]) == {"5100", "5102"}


def test_a_municipality_without_fixed_coverage_rows_fails_instead_of_counting_none(
    county, tmp_path
):
    """No row of the national fbb file for 5102: it must not run as if no address had an
    offer (state money to covered areas); it fails, saying the file has no rows for it."""
    import shutil

    bad = tmp_path / "fylke"
    shutil.copytree(county, bad)
    fbb = bad / "nkom_fbb.csv"
    lines = fbb.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("32")]  # 5102's ids: 32xxxxxxx
    fbb.write_text("\n".join(kept) + "\n", encoding="utf-8")
    cc = load_county_config(bad / "fylke.toml")
    result = run_county(cc, tmp_path / "ut", workers=1)
    failed = {r.kommunenummer: r.note for r in result.municipalities if r.failed}
    assert list(failed) == ["5102"]
    assert "nkom_fbb.csv" in failed["5102"] and "ingen rader" in failed["5102"]


def test_numbers_without_leading_zero_or_missing_are_found(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point, box

    from dekning.coverage.read.national import _municipality_numbers
    from dekning.report import RunReport

    boundaries = gpd.GeoDataFrame(
        {"kommunenummer": ["0301", "5001"], "kommune": ["Oslo", "Trondheim"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
        crs="EPSG:25833",
    )
    points = [Point(1, 1), Point(2, 2), Point(15, 5), Point(16, 5), Point(50, 50), Point(90, 90)]
    addresses = gpd.GeoDataFrame(
        {"adrid": [1, 2, 3, 4, 5, 6], "kommunenummer": ["301", "301.0", "", "1601", "5001", ""]},
        geometry=points,
        crs="EPSG:25833",
    )
    report = RunReport()
    numbers = _municipality_numbers(addresses, boundaries, tmp_path / "a.csv", report)
    # no leading zero, a float's ".0", none or an old number (by its polygon); its own kept
    assert numbers.tolist() == ["0301", "0301", "5001", "5001", "5001", ""]
    warned = {w.code: w.count for w in report.warnings}
    assert warned["addresses_numbered_by_polygon"] == 2
    assert warned["addresses_outside_municipalities"] == 1


def test_a_quoted_csv_header_is_read(tmp_path):
    from dekning.coverage.read.national import _read_rows

    path = tmp_path / "fbb.csv"
    path.write_text('"adrid";"tilb"\n1;"Telia"\n', encoding="utf-8")
    table = _read_rows(path, "dekningsfila")
    assert table.column_names == ["adrid", "tilb"]
    assert table.column("tilb").to_pylist() == ["Telia"]


def test_database_passwords_never_reach_the_county_report(county):
    from dekning.county import _masked

    raw = {
        "county": {"name": "F"},
        "input": {"addresses": "adresser.csv", "boundaries": "kommuner.geojson"},
        "municipalities": {
            "5100": {"input": {"survey_db": "postgresql://kari:hemmelig@db.example/svar"}}
        },
    }
    shown = json.dumps(_masked(parse_county_config(raw, county)))
    assert "hemmelig" not in shown and "kari" in shown


def test_a_workers_peak_is_its_own_not_its_parents():
    import subprocess
    import sys

    import numpy as np

    from dekning.county import _peak_mib

    ballast = np.ones(600 * 2**20 // 8)  # 600 MiB touched in this process
    assert _peak_mib() > 600
    code = "from dekning.county import _peak_mib; print(_peak_mib())"
    child = subprocess.run(  # a process this one starts, as Dask starts its workers
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    del ballast
    import resource

    inherited = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert float(child.stdout) < 400, child.stdout  # its own peak
    assert inherited > 600  # what ru_maxrss says of the same child: the parent's peak


def test_a_package_that_fails_is_named_and_the_run_keeps_the_rest(county, tmp_path, monkeypatch):
    import dekning.coverage.application.packages as packages
    from dekning.errors import DekningError

    real = packages.package_into
    tried: list[str] = []

    def flaky(addresses, area, route, cfg, out, **kw):
        tried.append(str(out))
        if str(out) == first[0]:
            raise DekningError("disken er full")
        return real(addresses, area, route, cfg, out, **kw)

    first: list[str] = []
    original_tasks = packages.package_tasks

    def remember(*args, **kwargs):
        tasks = original_tasks(*args, **kwargs)
        if tasks and not first:
            first.append(str(tasks[0].out))
        return tasks

    monkeypatch.setattr(packages, "package_into", flaky)
    monkeypatch.setattr("dekning.county.package_tasks", remember)
    out = tmp_path / "fylke"
    run_county(load_county_config(county / "fylke.toml"), out, workers=1)
    report = json.loads((out / "fylke_rapport.json").read_text(encoding="utf-8"))
    warning = next(w for w in report["advarsler"] if w["code"] == "packages_failed")
    area = Path(first[0]).name
    assert warning["count"] == 1 and f"{area}: disken er full" in warning["examples"][0]
    assert tried.count(first[0]) == 2  # tried once more in the run's own process
    written = [p.parent for p in out.glob("kommuner/*/soknad/*/sammendrag.html")]
    assert report["soknadspakker"] == len(written) >= 1  # every other package is there
