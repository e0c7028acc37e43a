"""QGIS layer styles in a run's GeoPackages (:mod:`dekning.maps.qgis_styles`): the
``layer_styles`` table as QGIS makes it, GDAL still reading the data layers unchanged, the maps'
colours and legend words in the QML, rules that select the right features (evaluated by SQLite
on the file itself), styling twice, text from the input, and — where Debian's PyQGIS is
installed — QGIS itself opening ``omrader.gpkg`` with the style and rendering it into
test-artifacts/."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from dekning.config import Config
from dekning.crs import WORK_CRS
from dekning.maps.layers import (
    AREA_FILL,
    GAP_COLOUR,
    MOBILE_COLOURS,
    MOBILE_WORDS,
    SPEED_COLOURS,
)
from dekning.maps.planner_overlays import ROUTE_COLOUR
from dekning.maps.planner_roads import UNKNOWN_COLOUR
from dekning.maps.qgis_styles import (
    LAYER_STYLES_COLUMNS,
    LayerStyle,
    address_style,
    segment_style,
    style_geopackage,
    style_run_outputs,
)
from dekning.outputs import write_tables
from dekning.pipeline import RunResult
from dekning.schema import SPEED_CLASS_LABELS, SPEED_CLASSES, operator_column, operators

ARTIFACTS = Path(
    os.environ.get("DEKNING_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")
)
QGIS_PYTHON = "/usr/bin/python3"
"""Debian's Python, where ``python3-qgis`` installs PyQGIS (not the project's venv)."""
QGIS_TYPES = {
    "id": "INTEGER",
    "f_table_catalog": "TEXT(256)",
    "f_table_schema": "TEXT(256)",
    "f_table_name": "TEXT(256)",
    "f_geometry_column": "TEXT(256)",
    "styleName": "TEXT(30)",
    "styleQML": "TEXT",
    "styleSLD": "TEXT",
    "useAsDefault": "BOOLEAN",
    "description": "TEXT",
    "owner": "TEXT(30)",
    "ui": "TEXT(30)",
    "update_time": "DATETIME",
}
"""Columns and declared types of the table QGIS 3.22 made in a GeoPackage (saveStyleToDatabase)."""


def rgb(hex_colour: str) -> str:
    """``"#0072B2"`` → ``"0,114,178"`` (the colour part of QGIS's ``r,g,b,a``)."""
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i : i + 2], 16)) for i in (0, 2, 4))


def props(symbol: ET.Element) -> dict[str, str]:
    """The properties of a QML symbol's (only) symbol layer."""
    layers = symbol.findall("layer")
    assert len(layers) == 1
    return {o.get("name", ""): o.get("value", "") for o in layers[0].findall("Option/Option")}


def attr(root: ET.Element, path: str, name: str) -> str | None:
    """Attribute ``name`` of the element at ``path`` (which must be there)."""
    element = root.find(path)
    assert element is not None, path
    return element.get(name)


def symbols(qml: ET.Element) -> dict[str, dict[str, str]]:
    return {s.get("name", ""): props(s) for s in qml.findall("renderer-v2/symbols/symbol")}


def layers_and_counts(path: Path) -> dict[str, tuple[str | None, int]]:
    """Per layer GDAL lists: geometry type and feature count."""
    return {
        str(name): (geom, int(pyogrio.read_info(path, layer=name)["features"]))
        for name, geom in pyogrio.list_layers(path)
    }


def rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def style_qml(path: Path, layer: str) -> ET.Element:
    [(text,)] = rows(
        path, "SELECT styleQML FROM layer_styles WHERE f_table_name = ? AND useAsDefault", (layer,)
    )
    return ET.fromstring(str(text).split("\n", 1)[1])  # after the DOCTYPE line


def rules_sql(path: Path, layer: str) -> dict[str, str]:
    """Label → filter of the rules of a layer's rule-based style."""
    qml = style_qml(path, layer)
    assert attr(qml, "renderer-v2", "type") == "RuleRenderer"
    return {r.get("label", ""): r.get("filter", "") for r in qml.iter("rule")}


class Run:
    """A run's output folder before and after styling."""

    def __init__(self, folder: Path, before: dict[Path, dict[str, tuple[str | None, int]]]):
        self.folder = folder
        self.before = before

    @property
    def gpkgs(self) -> list[Path]:
        return sorted(self.before)


@pytest.fixture(scope="module")
def run(
    default_result: RunResult, default_config: Config, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    """The default run's tables written as a run writes them, then styled."""
    out = tmp_path_factory.mktemp("styled")
    write_tables(default_result, default_config, out)
    before = {p: layers_and_counts(p) for p in out.rglob("*.gpkg")}
    style_run_outputs(out)
    return Run(out, before)


def styled(run: Run) -> dict[Path, set[str]]:
    return {
        p: {str(t) for (t,) in rows(p, "SELECT f_table_name FROM layer_styles")}
        for p in run.gpkgs
        if rows(p, "SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'")
    }


def test_run_files_styled(run: Run, default_result: RunResult) -> None:
    got = {str(p.relative_to(run.folder)): layers for p, layers in styled(run).items()}
    expected = {
        "adresser_klassifisert.gpkg": {"adresser"},
        "omrader.gpkg": {"omrader", "traseer"},
    }
    if default_result.road_mobile is not None:
        expected["mobil_veg.gpkg"] = {"segmenter", "hull"}
    chosen = default_result.areas.loc[default_result.areas["valgt"], "area_id"]
    assert len(chosen) > 0
    for area_id in chosen:
        expected[f"soknad/{area_id}/omrade.gpkg"] = {"adresser"}
    if default_result.masts is not None:
        expected["master.gpkg"] = {"kandidater"}
        sites = default_result.masts.sites
        for site_id in sites.loc[sites["valgt"], "site_id"]:
            expected[f"soknad_mobil/{site_id}/mast.gpkg"] = {"mast"}
    assert got == expected


def test_table_as_qgis_makes_it(run: Run) -> None:
    for path in styled(run):
        info = rows(path, "PRAGMA table_info(layer_styles)")
        assert tuple(str(r[1]) for r in info) == LAYER_STYLES_COLUMNS
        assert {str(r[1]): str(r[2]) for r in info} == QGIS_TYPES
        assert rows(
            path,
            "SELECT data_type, identifier FROM gpkg_contents WHERE table_name = 'layer_styles'",
        ) == [("attributes", "layer_styles")]
        geometry = {
            str(t): str(c)
            for t, c in rows(path, "SELECT table_name, column_name FROM gpkg_geometry_columns")
        }
        for table, column, catalog, schema, default, sld in rows(
            path,
            "SELECT f_table_name, f_geometry_column, f_table_catalog, f_table_schema, "
            "useAsDefault, styleSLD FROM layer_styles",
        ):
            # QGIS finds a layer's default style by schema '', table and geometry column
            assert (column, catalog, schema, default) == (geometry[str(table)], "", "", 1)
            ET.fromstring(str(sld).split("\n", 1)[1])


def test_gdal_reads_the_data_unchanged(run: Run) -> None:
    for path, before in run.before.items():
        after = layers_and_counts(path)
        if path in styled(run):
            n_styles = len(styled(run)[path])
            assert after == {**before, "layer_styles": (None, n_styles)}
        else:
            assert after == before
        for layer in before:
            frame = pyogrio.read_dataframe(path, layer=layer)
            assert len(frame) == before[layer][1]
    assert rows(run.folder / "omrader.gpkg", "PRAGMA integrity_check") == [("ok",)]


def test_addresses_by_speed_class(run: Run) -> None:
    for path in [run.folder / "adresser_klassifisert.gpkg", *run.folder.glob("soknad/*/*.gpkg")]:
        qml = style_qml(path, "adresser")
        renderer = qml.find("renderer-v2")
        assert renderer is not None
        assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", "speed_class")
        syms = symbols(qml)
        categories = renderer.findall("categories/category")
        assert [c.get("value") for c in categories] == list(SPEED_CLASSES)
        for c in categories:
            value = c.get("value", "")
            assert c.get("label") == SPEED_CLASS_LABELS[value]
            assert syms[c.get("symbol", "")]["color"].startswith(rgb(SPEED_COLOURS[value]) + ",")
        sld = rows(path, "SELECT styleSLD FROM layer_styles WHERE f_table_name = 'adresser'")
        assert all(SPEED_COLOURS[c].lower() in str(sld[0][0]) for c in SPEED_CLASSES)


def test_areas_chosen_filled_candidates_dashed(run: Run, default_result: RunResult) -> None:
    path = run.folder / "omrader.gpkg"
    qml = style_qml(path, "omrader")
    assert qml.get("labelsEnabled") == "1"
    assert attr(qml, "labeling/settings/text-style", "fieldName") == "area_id"
    rules = {r.get("label"): r for r in qml.iter("rule")}
    syms = symbols(qml)
    chosen = syms[rules["valgt område"].get("symbol", "")]
    assert chosen["color"].startswith(rgb(AREA_FILL) + ",") and chosen["style"] == "solid"
    assert int(chosen["color"].split(",")[3]) > 0
    candidate = syms[rules["kandidatområde"].get("symbol", "")]
    assert candidate["style"] == "no" and candidate["outline_style"] == "dash"
    assert candidate["outline_color"] == "0,0,0,255"
    # the chosen rule selects exactly the chosen areas: the filter names the file's valgt column
    chosen_filter = rules["valgt område"].get("filter", "")
    assert re.fullmatch(r'"valgt" = true', chosen_filter)
    assert rows(path, "SELECT type FROM pragma_table_info('omrader') WHERE name = 'valgt'") == [
        ("BOOLEAN",)
    ]
    n_chosen = int(default_result.areas["valgt"].sum())
    assert rows(path, f"SELECT count(*) FROM omrader WHERE {chosen_filter}") == [(n_chosen,)]
    other = rules["kandidatområde"].get("filter", "")
    n_all = len(default_result.areas)
    assert rows(path, f"SELECT count(*) FROM omrader WHERE {other}") == [(n_all - n_chosen,)]


def test_masts_chosen_black_candidates_white(run: Run, default_result: RunResult) -> None:
    path = run.folder / "master.gpkg"
    qml = style_qml(path, "kandidater")
    assert attr(qml, "labeling/settings/text-style", "fieldName") == "site_id"
    rules = {r.get("label"): r for r in qml.iter("rule")}
    syms = symbols(qml)
    chosen = syms[rules["valgt mast (screening)"].get("symbol", "")]
    other = syms[rules["mastekandidat"].get("symbol", "")]
    assert chosen["color"] == "0,0,0,255" and other["color"] == "255,255,255,255"
    n_chosen = int(default_result.masts.sites["valgt"].sum())
    f = rules["valgt mast (screening)"].get("filter", "")
    assert rows(path, f"SELECT count(*) FROM kandidater WHERE {f}") == [(n_chosen,)]


def test_routes_solid_black(run: Run) -> None:
    qml = style_qml(run.folder / "omrader.gpkg", "traseer")
    assert attr(qml, "renderer-v2", "type") == "singleSymbol"
    line = symbols(qml)["0"]
    assert line["line_color"] == rgb(ROUTE_COLOUR) + ",255"
    assert (line["line_style"], line["use_custom_dash"]) == ("solid", "0")


def test_roads_by_best_operator(run: Run, default_result: RunResult) -> None:
    if default_result.road_mobile is None:
        pytest.skip("the default run has no roads")
    path = run.folder / "mobil_veg.gpkg"
    qml = style_qml(path, "segmenter")
    syms = symbols(qml)
    rules = {r.get("label"): r for r in qml.iter("rule")}
    colour = {label: syms[r.get("symbol", "")]["line_color"] for label, r in rules.items()}
    gap = "hull: ingen operatør god nok"
    unknown = "ukjent (estimat, ingen adresse nær)"
    indoor = f"{MOBILE_WORDS[3]} (beste operatør)"
    outdoor = MOBILE_WORDS[2]
    assert colour[gap].startswith(rgb(GAP_COLOUR) + ",")
    assert colour[unknown].startswith(rgb(UNKNOWN_COLOUR) + ",")
    assert syms[rules[unknown].get("symbol", "")]["use_custom_dash"] == "1"
    assert colour[indoor].startswith(rgb(MOBILE_COLOURS[3]) + ",")
    assert colour[outdoor].startswith(rgb(MOBILE_COLOURS[2]) + ",")
    # the best class over the operators, from the layer's own columns
    ops = ", ".join(f'"{operator_column(op)}"' for op in operators(default_result.mobile_layers))
    assert f"max({ops}) = 3" in rules[indoor].get("filter", "")
    # SQLite evaluates the same expressions: every segment is drawn by exactly one rule, and
    # each rule draws the segments the planner map colours that way
    filters = rules_sql(path, "segmenter")
    cases = " + ".join(f"(CASE WHEN {f} THEN 1 ELSE 0 END)" for f in filters.values())
    assert rows(path, f"SELECT min({cases}), max({cases}) FROM segmenter") == [(1, 1)]
    seg = default_result.road_mobile.segments
    any_ok = seg["mob_any_ok"]
    assert rows(path, f"SELECT count(*) FROM segmenter WHERE {filters[gap]}") == [
        (int(any_ok.eq(False).sum()),)
    ]
    best = seg[[operator_column(op) for op in operators(default_result.mobile_layers)]].max(axis=1)
    n_indoor = int((any_ok.eq(True) & best.eq(3)).sum())
    assert rows(path, f"SELECT count(*) FROM segmenter WHERE {filters[indoor]}") == [(n_indoor,)]


def test_gap_stretches_thick_orange(run: Run, default_result: RunResult) -> None:
    if default_result.road_mobile is None:
        pytest.skip("the default run has no roads")
    path = run.folder / "mobil_veg.gpkg"
    qml = style_qml(path, "hull")
    line = symbols(qml)["0"]
    assert line["line_color"].startswith(rgb(GAP_COLOUR) + ",")
    road = symbols(style_qml(path, "segmenter"))["0"]
    assert float(line["line_width"]) > float(road["line_width"])
    assert attr(qml, "labeling/settings/text-style", "fieldName") == "hull_id"


def test_styling_again_replaces(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "igjen"
    shutil.copytree(run.folder, folder)
    query = "SELECT f_table_name, styleName, useAsDefault, styleQML FROM layer_styles ORDER BY 1"
    files = [p.relative_to(run.folder) for p in styled(run)]
    first = {f: rows(folder / f, query) for f in files}
    # a planner's own style of a layer stays, no longer the default
    omrader = folder / "omrader.gpkg"
    con = sqlite3.connect(omrader)
    with con:
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, useAsDefault) "
            "VALUES ('', '', 'omrader', 'geom', 'min stil', '<qgis/>', 1)"
        )
    con.close()
    style_run_outputs(folder)
    again = {f: rows(folder / f, query) for f in files}
    mine = ("omrader", "min stil", 0, "<qgis/>")
    assert sorted(again[Path("omrader.gpkg")]) == sorted([*first[Path("omrader.gpkg")], mine])
    assert {k: v for k, v in again.items() if k != Path("omrader.gpkg")} == {
        k: v for k, v in first.items() if k != Path("omrader.gpkg")
    }
    count = rows(omrader, "SELECT count(*) FROM layer_styles")[0][0]
    assert pyogrio.read_info(omrader, layer="layer_styles")["features"] == count


HOSTILE = "x\"<&>'y]]>"
"""An operator's name as the input could write it."""


def test_input_text_escaped(tmp_path: Path) -> None:
    path = tmp_path / "mobil_veg.gpkg"
    cols = {
        f"mob_{HOSTILE}_4g": [3, 2, 0],
        f"mob_{HOSTILE}": [3, 2, 0],
        "mob_ice_5g": [2, 2, 1],
        "mob_ice": [2, 2, 1],
        "mob_n_ok": [1, 1, 0],
        "mob_any_ok": [1, 1, 0],
        "mob_all_ok": [0, 0, 0],
    }
    lines = [shapely.LineString([(0, i), (10, i)]) for i in range(3)]
    frame = gpd.GeoDataFrame(
        {k: np.asarray(v, dtype="int16") for k, v in cols.items()}, geometry=lines, crs=WORK_CRS
    )
    frame.to_file(path, layer="segmenter", driver="GPKG")
    names = [str(c) for c in pyogrio.read_info(path, layer="segmenter")["fields"]]
    style = segment_style(names)
    style_geopackage(path, {"segmenter": style})
    qml = style_qml(path, "segmenter")  # parses
    quoted = '"mob_' + HOSTILE.replace('"', '""') + '"'
    filters = rules_sql(path, "segmenter")
    indoor = filters[f"{MOBILE_WORDS[3]} (beste operatør)"]
    assert f'max({quoted}, "mob_ice") = 3' in indoor
    assert rows(path, f"SELECT count(*) FROM segmenter WHERE {indoor}") == [(1,)]
    assert len(list(qml.iter("rule"))) == 5
    [(sld,)] = rows(path, "SELECT styleSLD FROM layer_styles")
    sld_root = ET.fromstring(str(sld).split("\n", 1)[1])
    names_in_sld = {e.text for e in sld_root.iter("{http://www.opengis.net/ogc}PropertyName")}
    assert f"mob_{HOSTILE}" in names_in_sld
    assert len(pyogrio.read_dataframe(path, layer="segmenter")) == 3


def test_unknown_layer_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    gpd.GeoDataFrame(
        {"speed_class": ["lt30"]}, geometry=[shapely.Point(0, 0)], crs=WORK_CRS
    ).to_file(path, layer="adresser", driver="GPKG")
    with pytest.raises(ValueError, match="no vector layer"):
        style_geopackage(path, {"adresser": address_style(), "finnes_ikke": address_style()})
    # nothing written: one transaction
    assert rows(path, "SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'") == []


class Broken(LayerStyle):
    """A style whose SLD fails (after the table is made and the first style written)."""

    def sld(self, layer: str) -> str:
        raise RuntimeError("stopp")


def test_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    points = gpd.GeoDataFrame(
        {"speed_class": ["lt30"]}, geometry=[shapely.Point(0, 0)], crs=WORK_CRS
    )
    points.to_file(path, layer="adresser", driver="GPKG")
    points.to_file(path, layer="andre", driver="GPKG")
    fine = address_style()
    broken = Broken(fine.renderer, fine.rules, category_field=fine.category_field)
    with pytest.raises(RuntimeError, match="stopp"):
        style_geopackage(path, {"adresser": fine, "andre": broken})
    assert rows(path, "SELECT 1 FROM sqlite_master WHERE name LIKE '%layer_styles%'") == []
    assert rows(path, "SELECT 1 FROM gpkg_contents WHERE table_name = 'layer_styles'") == []
    assert rows(path, "SELECT 1 FROM gpkg_ogr_contents WHERE table_name = 'layer_styles'") == []
    style_geopackage(path, {"adresser": fine, "andre": fine})
    assert len(rows(path, "SELECT 1 FROM layer_styles")) == 2


QGIS_SCRIPT = r"""
import json, os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsMapRendererSequentialJob, QgsMapSettings,
                       QgsRenderContext, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
app = QgsApplication([], False)
app.initQgis()
folder, png = sys.argv[1], sys.argv[2]
out = {}
layers = []
for name, path in [("omrader", "omrader.gpkg"), ("traseer", "omrader.gpkg"),
                   ("adresser", "adresser_klassifisert.gpkg"), ("segmenter", "mobil_veg.gpkg")]:
    full = os.path.join(folder, path)
    if not os.path.exists(full):
        continue
    layer = QgsVectorLayer(f"{full}|layername={name}", name, "ogr")
    r = layer.renderer()
    info = {"valid": layer.isValid(), "renderer": r.type(), "labels": layer.labelsEnabled()}
    if r.type() == "RuleRenderer":
        ctx = QgsRenderContext()
        r.startRender(ctx, layer.fields())
        counts = {}
        for f in layer.getFeatures():
            for rule in r.rootRule().rulesForFeature(f, ctx):
                counts[rule.label()] = counts.get(rule.label(), 0) + 1
        r.stopRender(ctx)
        info["rules"] = {c.label(): c.symbol().color().name() for c in r.rootRule().children()}
        info["counts"] = counts
    elif r.type() == "categorizedSymbol":
        info["categories"] = {c.value(): c.symbol().color().name() for c in r.categories()}
    else:
        info["colour"] = r.symbol().color().name()
    out[name] = info
    if name in ("omrader", "traseer"):
        layers.insert(0, layer)
settings = QgsMapSettings()
settings.setLayers(layers)
settings.setDestinationCrs(layers[-1].crs())
settings.setExtent(layers[-1].extent().buffered(200))
settings.setOutputSize(QSize(1000, 700))
settings.setBackgroundColor(QColor("white"))
job = QgsMapRendererSequentialJob(settings)
job.start()
job.waitForFinished()
image = job.renderedImage()
out["png"] = image.save(png)
fill = QColor(out["omrader"]["rules"]["valgt område"])
out["fill_pixels"] = sum(
    1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
    if abs(QColor(image.pixel(x, y)).hue() - fill.hue()) < 8 and QColor(image.pixel(x, y)).saturation() > 40
)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def pyqgis() -> Iterator[str]:
    """Debian's Python with PyQGIS (``apt-get install python3-qgis qgis-providers``)."""
    if not Path(QGIS_PYTHON).exists():
        pytest.skip(f"{QGIS_PYTHON} is missing: PyQGIS runs on Debian's Python")
    probe = subprocess.run(
        [QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip(
            "PyQGIS is not installed (apt-get install --no-install-recommends python3-qgis "
            "qgis-providers): QGIS itself cannot open the styled GeoPackages here"
        )
    yield QGIS_PYTHON


def test_qgis_opens_omrader_with_the_style(run: Run, pyqgis: str, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / "qgis_omrader.png"
    script = tmp_path / "qgis_check.py"
    script.write_text(QGIS_SCRIPT, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    done = subprocess.run(
        [pyqgis, str(script), str(run.folder), str(png)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    areas = got["omrader"]
    assert areas["valid"] and areas["renderer"] == "RuleRenderer" and areas["labels"]
    assert areas["rules"]["valgt område"] == AREA_FILL.lower()
    n_chosen = len(list(run.folder.glob("soknad/*/omrade.gpkg")))
    assert areas["counts"]["valgt område"] == n_chosen
    assert (
        sum(areas["counts"].values())
        == layers_and_counts(run.folder / "omrader.gpkg")["omrader"][1]
    )
    assert got["traseer"]["colour"] == ROUTE_COLOUR.lower()
    assert got["adresser"]["renderer"] == "categorizedSymbol"
    assert got["adresser"]["categories"] == {c: SPEED_COLOURS[c].lower() for c in SPEED_CLASSES}
    if "segmenter" in got:
        assert got["segmenter"]["rules"]["hull: ingen operatør god nok"] == GAP_COLOUR.lower()
    assert got["png"] and png.stat().st_size > 1000
    assert got["fill_pixels"] > 100  # the chosen areas are drawn filled green
