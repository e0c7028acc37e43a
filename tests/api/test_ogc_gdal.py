"""GDAL's OGC API – Features driver (``OAPIF:``, Debian ``gdal-bin``) as a real client of
``dekning serve``: it lists the collections, honours a bbox and follows the pages."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest

from dekning.crs import WEB_CRS

from .conftest import TOKEN

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("ogrinfo") is None or shutil.which("ogr2ogr") is None,
        reason="GDAL's command-line tools are missing (apt-get install gdal-bin; .ci/run does)",
    ),
]
BOX = (10.3, 63.0, 10.45, 63.1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def base(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dekning serve`` (uvicorn) over a copy of the run on a free loopback port: its URL."""
    work = tmp_path_factory.mktemp("ogc-serve")
    out = shutil.copytree(run_dir, work / "ut")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "dekning.cli", "serve", "--out", str(out), "--port", str(port)],
        cwd=work,
        env={**os.environ, "DEKNING_PLANNER_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/v1/health", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    raise AssertionError(server.communicate()[1]) from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "Traceback" not in err


def _gdal(*args: str, tmp: Path | None = None) -> str:
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "30", "CPL_DEBUG": "OFF"}
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=300, env=env, cwd=tmp)
    assert done.returncode == 0, done.stderr
    assert "ERROR" not in done.stderr, done.stderr
    return done.stdout


def _count(output: str) -> int:
    m = re.search(r"^Feature Count: (\d+)$", output, re.M)
    assert m, output
    return int(m.group(1))


def test_ogrinfo_lists_the_collections(base: str):
    public = _gdal("ogrinfo", "-ro", "-so", f"OAPIF:{base}/ogc")
    names = re.findall(r"^\d+: (\S+)", public, re.M)
    assert names == ["ruter_250m", "ruter_1km", "omrader", "veg_mobil", "veg_hull"]
    assert "(Polygon)" in public and "(Line String)" in public
    planner = _gdal("ogrinfo", "-ro", "-so", f"OAPIF:{base}/ogc?token={TOKEN}")
    names = re.findall(r"^\d+: (\S+)", planner, re.M)
    assert names[-3:] == ["adresser", "omrader_planlegger", "avvik"]


def test_ogrinfo_honours_a_bbox(base: str, run_dir: Path):
    addresses = gpd.read_file(run_dir / "adresser_klassifisert.gpkg", layer="adresser")
    web = addresses.geometry.to_crs(WEB_CRS)
    inside = (web.x >= BOX[0]) & (web.x <= BOX[2]) & (web.y >= BOX[1]) & (web.y <= BOX[3])
    expected = int(inside.sum())
    assert 0 < expected < len(addresses)
    spat = [str(v) for v in BOX]
    url = f"OAPIF:{base}/ogc?token={TOKEN}"
    out = _gdal("ogrinfo", "-ro", "-so", "-oo", "PAGE_SIZE=200", url, "adresser", "-spat", *spat)
    assert _count(out) == expected
    # without the bbox, the count is the collection's (numberMatched)
    assert _count(_gdal("ogrinfo", "-ro", "-so", url, "adresser")) == len(addresses)


def test_ogr2ogr_follows_the_pages(base: str, run_dir: Path, tmp_path: Path):
    addresses = gpd.read_file(run_dir / "adresser_klassifisert.gpkg", layer="adresser")
    target = tmp_path / "adresser.gpkg"
    url = f"OAPIF:{base}/ogc?token={TOKEN}"
    _gdal("ogr2ogr", "-f", "GPKG", str(target), "-oo", "PAGE_SIZE=500", url, "adresser")
    copied = gpd.read_file(target, layer="adresser")
    assert len(copied) == len(addresses) > 500
    assert sorted(copied["adrid"].tolist()) == sorted(addresses["adrid"].tolist())
    assert copied["adressetekst"].tolist()[:5] == addresses["adressetekst"].tolist()[:5]
    cells = tmp_path / "ruter.gpkg"
    _gdal(
        "ogr2ogr",
        "-f",
        "GPKG",
        str(cells),
        "-oo",
        "PAGE_SIZE=25",
        f"OAPIF:{base}/ogc",
        "ruter_250m",
    )
    served = urllib.request.urlopen(f"{base}/ogc/collections/ruter_250m/items?limit=1")
    matched = json.load(served)["numberMatched"]
    assert len(gpd.read_file(cells, layer="ruter_250m")) == matched > 25
