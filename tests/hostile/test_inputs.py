"""Hostile and malformed inputs, one broken file (or key) at a time, through ``dekning run``.

Every case: exit status 2, a message that names the file (and the line as a spreadsheet or editor
shows it — header line 1 — or the feature of a vector file, and the field where they apply), no
traceback, the previous output unchanged and nothing written elsewhere (see ``conftest.py``).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window

if TYPE_CHECKING:
    from tests.hostile.conftest import Hostile

ADDR = "adresser.csv"
COUNTS = "adressebruk.csv"
FBB = "nkom_fbb.csv"
SURVEY = "sporreundersokelse_nettskjema.csv"
CRS_25833 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}}
SQUARE = [[[270000, 7000000], [270100, 7000000], [270100, 7000100], [270000, 7000000]]]
"""A small polygon inside the default municipality (EPSG:25833)."""


def _geojson(path: Path, features: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> Path:
    fc = {
        "type": "FeatureCollection",
        "crs": CRS_25833,
        "features": [
            {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features
        ],
    }
    path.write_text(json.dumps(fc), encoding="utf-8")
    return path


def _poly(coords: list[Any] = SQUARE) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": coords}


def _field(index: int, value: str):
    def change(fields: list[str]) -> list[str]:
        fields[index] = value
        return fields

    return change


# ------------------------------------------------------------------ address register


NORD, OST, EPSG, ADRID = 17, 18, 16, 23


@pytest.mark.parametrize(
    ("index", "value", "expected"),
    [
        (NORD, "7000012.5abc", ["linje 4", "felt 'Nord'", "ikke et tall"]),
        (NORD, "", ["linje 4", "felt 'Nord'", "tom koordinat"]),
        (OST, "inf", ["linje 4", "felt 'Øst'", "ikke et endelig tall: inf"]),
        (EPSG, "99999", ["linje 4", "felt 'EPSG-kode'", "99999"]),
        (EPSG, "25833.5", ["linje 4", "felt 'EPSG-kode'", "heltall"]),
        (ADRID, "300000001", ["linje 4", "felt 'adresseId'", "finnes to ganger"]),
        (ADRID, "abc", ["linje 4", "felt 'adresseId'"]),
    ],
)
def test_address_register_fields(hostile: Hostile, index, value, expected):
    hostile.set_line(ADDR, 4, _field(index, value))
    hostile.refused(ADDR, *expected)


def test_address_register_without_id_column(hostile: Hostile):
    hostile.edit(ADDR, lambda t: t.replace(";adresseId;", ";nr;", 1).replace("lokalId;", "lid;", 1))
    hostile.refused(ADDR, "felt 'adrid'", "mangler kolonne")


def test_address_register_empty(hostile: Hostile):
    hostile.path(ADDR).write_text("\n\n", encoding="utf-8")
    hostile.refused(ADDR, "empty")


def test_address_register_binary(hostile: Hostile):
    hostile.path(ADDR).write_bytes(bytes(range(256)) * 40)
    hostile.refused(ADDR)


def test_address_register_missing(hostile: Hostile):
    hostile.path(ADDR).unlink()
    hostile.refused(ADDR, "fant ikke fila")


def test_address_register_swapped_axes(hostile: Hostile):
    def swap(fields: list[str]) -> list[str]:
        fields[NORD], fields[OST] = fields[OST], fields[NORD]
        return fields

    p = hostile.path(ADDR)
    lines = p.read_text(encoding="utf-8").splitlines()
    lines = [lines[0]] + [";".join(swap(line.split(";"))) for line in lines[1:]]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    hostile.refused(ADDR, "linje 2", "felt 'Nord'", "ombyttet")


def test_address_register_geojson_without_points(hostile: Hostile):
    p = _geojson(hostile.path("adresser.geojson"), [])
    hostile.configure(lambda t: t.replace('"adresser.csv"', f'"{p.name}"'))
    hostile.refused(p.name)


# ------------------------------------------------------------------ counts per address


@pytest.mark.parametrize(
    ("index", "value", "field", "expected"),
    [
        (2, "1000000000000", "hus", "usannsynlig antall"),
        (2, "1e400", "hus", "endelig"),
        (3, "20000", "pers", "usannsynlig antall"),
        (4, "-1", "fritid", "negativt antall"),
        (5, "2.5", "naering", "ikke et heltall"),
        (3, "tre", "pers", "ikke et tall"),
        (0, "300000001", "adrid", "finnes to ganger"),
    ],
)
def test_counts(hostile: Hostile, index, value, field, expected):
    hostile.set_line(COUNTS, 4, _field(index, value))
    hostile.refused(COUNTS, "linje 4", f"felt '{field}'", expected)


def test_counts_without_households(hostile: Hostile):
    hostile.edit(COUNTS, lambda t: t.replace(";hus;", ";husx;", 1))
    hostile.refused(COUNTS, "felt 'hus'")


# ------------------------------------------------------------------ fixed coverage


@pytest.mark.parametrize(
    ("index", "value", "field", "expected"),
    [
        (3, "1e20", "ned", "usannsynlig hastighet"),
        (4, "100000001", "opp", "usannsynlig hastighet"),
        (3, "-5", "ned", "negativ hastighet"),
        (3, "", "ned", "tom hastighet"),
        (3, "fast", "ned", "ikke et tall"),
        (2, "laser", "tek", "ukjent teknologikode 'laser'"),
    ],
)
def test_fixed_coverage(hostile: Hostile, index, value, field, expected):
    hostile.set_line(FBB, 5, _field(index, value))
    hostile.refused(FBB, "linje 5", f"felt '{field}'", expected)


def test_fixed_coverage_in_mbps(hostile: Hostile):
    p = hostile.path(FBB)
    lines = p.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        f = line.split(";")
        f[3], f[4] = str(int(f[3]) // 1000), str(int(f[4]) // 1000)
        out.append(";".join(f))
    p.write_text("\n".join(out) + "\n", encoding="utf-8")
    hostile.refused(FBB, "linje 3", "felt 'ned'", "Mbit/s")


def test_fixed_coverage_without_operator(hostile: Hostile):
    hostile.edit(FBB, lambda t: t.replace("adrid;tilb;", "adrid;leverandor_x;", 1))
    hostile.refused(FBB, "felt 'tilb'", "mangler kolonne")


# ------------------------------------------------------------------ coverage polygons


@pytest.mark.parametrize(
    ("ned", "expected"),
    [(None, "tom hastighet"), ("", "tom hastighet"), (1e20, "usannsynlig"), ("x", "ikke et tall")],
)
def test_coverage_polygon_speeds(hostile: Hostile, ned, expected):
    good = {"tilb": "A", "tek": "fiber", "ned": 1_000_000, "opp": 1_000_000}
    p = _geojson(
        hostile.path("polygoner.geojson"), [(good, _poly()), ({**good, "ned": ned}, _poly())]
    )
    hostile.add_input("coverage_polygons", f'"{p.name}"')
    hostile.refused(p.name, "objekt 2", "felt 'ned'", expected)


def test_coverage_polygon_unknown_technology(hostile: Hostile):
    props = {"tilb": "A", "tek": "telepati", "ned": 1_000_000, "opp": 1_000_000}
    p = _geojson(hostile.path("polygoner.geojson"), [(props, _poly())])
    hostile.add_input("coverage_polygons", f'"{p.name}"')
    hostile.refused(p.name, "objekt 1", "felt 'tek'")


# ------------------------------------------------------------------ consultation list


def test_consultation_list_bad_id(hostile: Hostile):
    p = hostile.path("hoering.csv")
    p.write_text("adrid;Mangler_100Mbit\n300000001;1\nx12;1\n", encoding="utf-8")
    hostile.add_input("consultation_list", f'"{p.name}"')
    hostile.refused(p.name, "linje 3", "felt 'adrid'", "ikke et tall")


def test_consultation_list_without_id(hostile: Hostile):
    p = hostile.path("hoering.csv")
    p.write_text("nummer;Mangler_100Mbit\n1;1\n", encoding="utf-8")
    hostile.add_input("consultation_list", f'"{p.name}"')
    hostile.refused(p.name, "adrid")


# ------------------------------------------------------------------ mobile rasters


def test_mobile_raster_not_a_raster(hostile: Hostile):
    hostile.path("mobil/telia_4g.tif").write_text("not a raster", encoding="utf-8")
    hostile.refused("telia_4g.tif")


def test_mobile_raster_missing(hostile: Hostile):
    hostile.path("mobil/ice_5g.tif").unlink()
    hostile.refused("ice_5g.tif")


def test_mobile_raster_without_crs(hostile: Hostile):
    p = hostile.path("mobil/telenor_4g.tif")
    with rasterio.open(p) as src:
        profile, band = src.profile, src.read(1)
    profile.pop("crs", None)
    p.unlink()
    with rasterio.open(p, "w", **profile) as dst:
        dst.write(band, 1)
    hostile.refused("telenor_4g.tif", "koordinatsystem")


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_mobile_raster_without_georeferencing(hostile: Hostile):
    """A PNG named .tif: no grid, no CRS; refused without a Python warning on the way."""
    p = hostile.path("mobil/ice_4g.tif")
    p.unlink()
    with rasterio.open(p, "w", driver="PNG", width=8, height=8, count=1, dtype="uint8") as dst:
        dst.write(np.zeros((8, 8), "uint8"), 1)
    hostile.refused("ice_4g.tif", "koordinatsystem")


def test_mobile_class_raster_declared_as_dbm(hostile: Hostile):
    p = hostile.path("mobil/telenor_5g.tif")
    with rasterio.open(p) as src:
        profile, band = src.profile, src.read(1)
    with rasterio.open(p, "w", **profile) as dst:
        dst.write(np.full_like(band, 3), 1)
    hostile.refused("telenor_5g.tif", "klasseraster")


def test_huge_mobile_raster_is_refused_quickly(hostile: Hostile):
    """A 100 000 × 100 000 header at 1 m over the municipality: refused, not read for minutes."""
    p = hostile.path("mobil/telia_5g.tif")
    p.unlink()
    with rasterio.open(
        p,
        "w",
        driver="GTiff",
        width=100_000,
        height=100_000,
        count=1,
        dtype="int16",
        crs="EPSG:25833",
        transform=from_origin(230_000, 7_030_000, 1, 1),
        nodata=-32768,
        tiled=True,
        compress="deflate",
        sparse_ok=True,
    ) as dst:  # one tile of data, at the first address (Storgata 1), so that sampling works
        dst.write(np.full((256, 256), -90, "int16"), 1, window=Window(39_400, 29_900, 256, 256))
    hostile.refused("telia_5g.tif", "for stort")


# ------------------------------------------------------------------ boundary


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        ({"type": "Point", "coordinates": [270000, 7000000]}, "Point"),
        ({"type": "LineString", "coordinates": [[260000, 6990000], [280000, 7010000]]}, "Line"),
        (None, "tom"),
    ],
)
def test_boundary_without_area(hostile: Hostile, geometry, expected):
    _geojson(hostile.path("kommune.geojson"), [({"navn": "x"}, geometry)])
    hostile.refused("kommune.geojson", "objekt 1", "felt 'geometry'", expected)


def test_boundary_empty(hostile: Hostile):
    _geojson(hostile.path("kommune.geojson"), [])
    hostile.refused("kommune.geojson", "ingen objekter")


def test_boundary_elsewhere(hostile: Hostile):
    """A boundary in Sweden: no address inside, an error instead of an empty analysis."""
    sweden = [[[400000, 7000000], [410000, 7000000], [410000, 7010000], [400000, 7000000]]]
    _geojson(hostile.path("kommune.geojson"), [({"navn": "x"}, _poly(sweden))])
    hostile.refused("kommune.geojson", "innenfor kommunegrensen")


def test_boundary_garbage(hostile: Hostile):
    hostile.path("kommune.geojson").write_text("{ not json", encoding="utf-8")
    hostile.refused("kommune.geojson")


# ------------------------------------------------------------------ roads and ducts


def test_roads_without_lines(hostile: Hostile):
    _geojson(hostile.path("veger.geojson"), [({}, {"type": "Point", "coordinates": [1, 2]})])
    hostile.refused("veger.geojson", "ingen linjer med lengde")


def test_roads_garbage(hostile: Hostile):
    hostile.path("veger.geojson").write_bytes(b"\x00\x01garbage")
    hostile.refused("veger.geojson")


def test_ducts_without_lines(hostile: Hostile):
    _geojson(hostile.path("trekkror.geojson"), [({}, _poly())])
    hostile.refused("trekkror.geojson", "ingen linjer med lengde")


# ------------------------------------------------------------------ ground classes


def test_ground_class_without_price(hostile: Hostile):
    hostile.edit("grunn.geojson", lambda t: t.replace('"myr"', '"sump"', 1))
    hostile.refused("grunn.geojson", "felt 'klasse'", "'sump'", "ground_cost_per_metre_nok")


def test_ground_class_empty(hostile: Hostile):
    hostile.edit("grunn.geojson", lambda t: t.replace('"klasse": "fjell"', '"klasse": null', 1))
    hostile.refused("grunn.geojson", "objekt 1", "felt 'klasse'")


def test_ground_without_class_column(hostile: Hostile):
    hostile.edit("grunn.geojson", lambda t: t.replace('"klasse"', '"type"'))
    hostile.refused("grunn.geojson", "felt 'klasse'", "mangler kolonne")


# ------------------------------------------------------------------ areas drawn by the user


@pytest.mark.parametrize(
    "area_id", ["../x", "/abs", "..", "", ".skjult", "a" * 41, "Øvre dal", "a/b", "x\\y"]
)
def test_area_ids_must_be_safe_folder_names(hostile: Hostile, area_id):
    p = _geojson(
        hostile.path("omrader.geojson"),
        [({"area_id": "A-1"}, _poly()), ({"area_id": area_id}, _poly())],
    )
    hostile.add_input("areas", f'"{p.name}"')
    hostile.refused(p.name, "objekt 2", "felt 'area_id'", "mappenavn")


def test_area_ids_repeated(hostile: Hostile):
    p = _geojson(
        hostile.path("omrader.geojson"),
        [({"area_id": "Nord"}, _poly()), ({"area_id": "nord"}, _poly())],
    )
    hostile.add_input("areas", f'"{p.name}"')
    hostile.refused(p.name, "objekt 2", "felt 'area_id'", "to ganger")


def test_area_that_is_a_point(hostile: Hostile):
    point = {"type": "Point", "coordinates": [270000, 7000000]}
    p = _geojson(hostile.path("omrader.geojson"), [({"area_id": "A"}, point)])
    hostile.add_input("areas", f'"{p.name}"')
    hostile.refused(p.name, "objekt 1", "felt 'geometry'")


# ------------------------------------------------------------------ survey export and mapping


def test_survey_corrupt_xlsx(hostile: Hostile):
    p = hostile.path("svar.xlsx")
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("noe.txt", "ikke en arbeidsbok")
    hostile.configure(lambda t: t.replace(f'"{SURVEY}"', '"svar.xlsx"'))
    hostile.refused("svar.xlsx", "Excel")


def test_survey_truncated_xlsx(hostile: Hostile):
    p = hostile.path("svar.xlsx")
    p.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    hostile.configure(lambda t: t.replace(f'"{SURVEY}"', '"svar.xlsx"'))
    hostile.refused("svar.xlsx")


def test_survey_without_a_mapped_column(hostile: Hostile):
    hostile.edit(SURVEY, lambda t: t.replace(";Adresse;", ";Gateadresse;", 1), "utf-8-sig")
    hostile.refused(SURVEY, "felt 'Adresse'")


def test_survey_empty(hostile: Hostile):
    hostile.path(SURVEY).write_text("", encoding="utf-8")
    hostile.refused(SURVEY, "empty")


MAPPING_HEAD = '[columns]\naddress = "Adresse"\n'


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (MAPPING_HEAD + '[answers]\nmobile = "god"\n', "[answers.mobile] må være en tabell"),
        (MAPPING_HEAD + '[answers.farge]\nrod = ["rød"]\n', "ikke et kodet felt"),
        ('answers = "x"\n' + MAPPING_HEAD, "[answers]"),
        ('columns = "Adresse"\n', "[columns]"),
        ("[columns]\naddress = 5\n", "address"),
        (MAPPING_HEAD + '[answers.mobile]\nbra = ["god"]\n', "ukjent kode 'bra'"),
        (MAPPING_HEAD + '[answers.technology]\nlaser = ["laser"]\n', "ukjent kode 'laser'"),
        (MAPPING_HEAD + '[answers.willingness_to_pay]\nmye = ["mye"]\n', "beløp i kroner"),
        (MAPPING_HEAD + "[columns.mobile]\ntelenor = 3\n", "telenor"),
        ("[columns\n", "ikke gyldig TOML"),
        ("[tull]\n", "ukjent"),
    ],
)
def test_survey_mapping(hostile: Hostile, mapping, expected):
    p = hostile.path("mapping.toml")
    p.write_text(mapping, encoding="utf-8")
    hostile.add_input("survey_mapping", f'"{p.name}"')
    hostile.refused("mapping.toml", expected)


def test_survey_mapping_missing(hostile: Hostile):
    hostile.add_input("survey_mapping", '"finnes_ikke.toml"')
    hostile.refused("finnes_ikke.toml", "fant ikke kolonneoppsettet")


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('county = "trondelag"', 'county = "atlantis"', ["municipality.county", "trondelag"]),
        ("scheme_year = 2024", "scheme_year = 1999", ["classify.scheme_year"]),
        ("max_gap_m = 600", "max_gap_m = -1", ["areas.max_gap_m"]),
        ("max_gap_m = 600", "max_gap_mm = 600", ["ukjent nøkkel 'areas.max_gap_mm'"]),
        ("[costs]", "[costs\n", ["ikke gyldig TOML"]),
        ("fjell = 1100", "fjell = -1100", ["costs.ground_cost_per_metre_nok"]),
        ('"adresser.csv"', '"finnes_ikke.csv"', ["finnes_ikke.csv", "fant ikke fila"]),
        ("municipal_budget_nok = 5_000_000", "municipal_budget_nok = 1e400", ["municipal_budget"]),
    ],
)
def test_configuration(hostile: Hostile, old, new, expected):
    hostile.configure(lambda t: t.replace(old, new, 1))
    hostile.refused(*expected)


def test_configuration_not_text(hostile: Hostile):
    text = hostile.config.read_text(encoding="utf-8")
    hostile.config.write_bytes(text.encode("utf-16"))
    hostile.refused("dekning.toml")


def test_configuration_is_a_folder(hostile: Hostile):
    hostile.config.unlink()
    hostile.config.mkdir()
    hostile.refused("dekning.toml")


# ------------------------------------------------------------------ files about other addresses


def _header_only(hostile: Hostile, name: str) -> None:
    p = hostile.path(name)
    p.write_text(p.read_text(encoding="utf-8-sig").splitlines()[0] + "\n", encoding="utf-8")


def test_counts_without_rows(hostile: Hostile):
    _header_only(hostile, COUNTS)
    hostile.refused(COUNTS, "ingen rader")


def test_fixed_coverage_without_rows(hostile: Hostile):
    """No row would make every address look unserved, hence eligible."""
    _header_only(hostile, FBB)
    hostile.refused(FBB, "ingen rader")


@pytest.mark.parametrize("name", [COUNTS, FBB])
def test_rows_of_another_municipality(hostile: Hostile, name):
    p = hostile.path(name)
    lines = p.read_text(encoding="utf-8").splitlines()
    p.write_text("\n".join([lines[0], *("9" + line for line in lines[1:])]) + "\n", "utf-8")
    hostile.refused(name, "gjelder en adresse i adresseregisteret")


def test_consultation_list_of_another_municipality(hostile: Hostile):
    p = hostile.path("hoering.csv")
    p.write_text("adrid;Mangler_100Mbit\n1;1\n2;1\n", encoding="utf-8")
    hostile.add_input("consultation_list", f'"{p.name}"')
    hostile.refused(p.name, "gjelder en adresse i adresseregisteret")


def test_mobile_raster_elsewhere(hostile: Hostile):
    p = hostile.path("mobil/ice_4g.tif")
    with rasterio.open(p) as src:
        profile, band = src.profile, src.read(1)
    profile["transform"] = from_origin(600_000, 6_700_000, 100, 100)
    with rasterio.open(p, "w", **profile) as dst:
        dst.write(band, 1)
    hostile.refused("ice_4g.tif", "ingen adresse har en verdi i rasteret")


# ------------------------------------------------------------------ more broken geometry


def test_road_of_one_point(hostile: Hostile):
    road = '{"type": "LineString", "coordinates": [[270000, 7000000]]}'
    hostile.path("veger.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        f'"geometry": {road}}}]}}',
        encoding="utf-8",
    )
    hostile.refused("veger.geojson", "kan ikke lese vegene")


def test_roads_of_zero_length(hostile: Hostile):
    line = {"type": "LineString", "coordinates": [[270000, 7000000], [270000, 7000000]]}
    _geojson(hostile.path("veger.geojson"), [({}, line), ({}, None)])
    hostile.refused("veger.geojson", "ingen linjer med lengde")


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [({"type": "Point", "coordinates": [270000, 7000000]}, "Point"), (None, "None")],
)
def test_ground_classes_that_are_not_polygons(hostile: Hostile, geometry, expected):
    _geojson(hostile.path("grunn.geojson"), [({"klasse": "fjell"}, geometry)])
    hostile.refused("grunn.geojson", "objekt 1", "felt 'geometry'", expected)


def test_areas_with_no_eligible_address(hostile: Hostile):
    far = [[[0, 0], [10, 0], [10, 10], [0, 0]]]
    p = _geojson(hostile.path("omrader.geojson"), [({"area_id": "A"}, _poly(far))])
    hostile.add_input("areas", f'"{p.name}"')
    hostile.refused(p.name, "ingen av de tegnede områdene")


# ------------------------------------------------------------------ safe to go on with


def test_addresses_outside_the_boundary_are_left_out_and_listed(hostile: Hostile):
    """An address moved to Sweden is left out of the analysis, counted and listed."""
    moved = hostile.set_line(ADDR, 4, _field(OST, "420000.0"))
    adrid = moved.read_text(encoding="utf-8").splitlines()[3].split(";")[ADRID]
    outcome = hostile.run()  # replaces the previous output: it is a run of dekning
    assert outcome.code == 0, outcome.text
    report = json.loads((hostile.out / "rapport.json").read_text(encoding="utf-8"))
    warning = next(w for w in report["advarsler"] if w["code"] == "addresses_outside_boundary")
    assert warning["count"] == 1 and warning["examples"] == [adrid]
    classified = (hostile.out / "adresser_klassifisert.csv").read_text(encoding="utf-8-sig")
    assert adrid not in classified
