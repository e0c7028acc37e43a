"""The shared building blocks of both maps: cells and the small-group rule, the schema's words
and colours, and the in-memory class-grid overlay."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer

from dekning.crs import WORK_CRS, ssb_grid_id
from dekning.errors import InputError
from dekning.maps.layers import (
    LACKING_COLUMN,
    LACKING_LABEL,
    MOBILE_COLOURS,
    MOBILE_WORDS,
    cell_layer_frame,
    mobile_legend_items,
    operator_label,
    raster_overlay,
)
from dekning.schema import MOBILE_CLASSES, TARGET_DOWN_KBPS, ClassGrid

MAPS = Path(__file__).resolve().parents[2] / "maps"

X0, Y0 = 250_000, 6_990_000


def _id(x: int, y: int, size: int) -> int:
    return int(ssb_grid_id(np.array([x]), np.array([y]), size)[0])


def test_small_250m_cells_roll_up_into_1km_cells_and_small_1km_cells_are_dropped(
    make_addresses,
):
    addresses = make_addresses(
        [
            (X0, Y0, 6),  # 250 m cell with 6: published as it is
            (X0 + 250, Y0, 4),  # 250 m cell with 4: rolled up into its 1 km cell ...
            (X0 + 500, Y0 + 500, 1),  # ... with this one: the 1 km cell has 5, published
            (X0 + 2000, Y0, 4),  # alone in its 1 km cell with 4: dropped
        ]
    )
    cells = cell_layer_frame(addresses, min_count=5)
    published = set(zip(cells["ssb_rute"], cells["rute_m"], cells["adresser"], strict=True))
    assert published == {(_id(X0, Y0, 250), 250, 6), (_id(X0, Y0, 1000), 1000, 5)}
    km = cells[cells["rute_m"] == 1000].to_crs(WORK_CRS).total_bounds
    np.testing.assert_allclose(km, [X0, Y0, X0 + 1000, Y0 + 1000], atol=0.01)


def test_without_a_minimum_every_250m_cell_is_shown(make_addresses):
    addresses = make_addresses([(X0, Y0, 6), (X0 + 250, Y0, 4), (X0 + 2000, Y0, 1)])
    cells = cell_layer_frame(addresses)
    assert sorted(cells["adresser"]) == [1, 4, 6]
    assert set(cells["rute_m"]) == {250}


def test_lacking_share_follows_the_national_target(make_addresses):
    # 2 at exactly the target (not lacking), 1 just below, 1 without any offer.
    down = [TARGET_DOWN_KBPS, TARGET_DOWN_KBPS, TARGET_DOWN_KBPS - 1, 0]
    cells = cell_layer_frame(make_addresses([(X0, Y0, 4)], best_down_kbps=down))
    assert LACKING_COLUMN == f"andel_uten_{TARGET_DOWN_KBPS // 1000}"
    assert LACKING_LABEL == f"Andel uten {TARGET_DOWN_KBPS // 1000} Mbit/s"
    assert cells[LACKING_COLUMN].tolist() == [0.5]
    # A tie between two classes goes to the worse one.
    down = [TARGET_DOWN_KBPS, TARGET_DOWN_KBPS, 0, 0]
    cells = cell_layer_frame(make_addresses([(X0, Y0, 4)], best_down_kbps=down))
    assert cells["klasse"].tolist() == ["none"]


def test_cell_layer_checks_crs_and_columns(make_addresses):
    addresses = make_addresses([(X0, Y0, 2)])
    with pytest.raises(InputError, match=r"classified addresses \(cell layer\).*EPSG:4326"):
        cell_layer_frame(addresses.to_crs("EPSG:4326"))
    with pytest.raises(InputError, match="best_down_kbps") as err:
        cell_layer_frame(addresses.drop(columns="best_down_kbps"))
    assert err.value.field == "best_down_kbps"


def test_mobile_words_and_colours_follow_the_schema():
    assert set(MOBILE_WORDS) == set(MOBILE_CLASSES)
    assert MOBILE_WORDS == {0: "ingen", 1: "med utendørsantenne", 2: "utendørs", 3: "innendørs"}
    assert set(MOBILE_COLOURS) == set(MOBILE_CLASSES) - {0}  # no coverage is transparent
    assert [w for _, w in mobile_legend_items()] == ["innendørs", "utendørs", "med utendørsantenne"]


def test_operators_are_shown_as_the_input_names_them():
    assert operator_label("Ice-Net") == "Ice-Net"
    assert operator_label("telenor") == "Telenor"
    assert operator_label("OneCall") == "OneCall"


def _png_rgba(url: str) -> np.ndarray:
    """Pixels of an 8-bit RGBA PNG data URL as written by folium (filter 0 on every row)."""
    data = base64.b64decode(url.split(",", 1)[1])
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), dtype="uint8").reshape(height, 1 + 4 * width)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, 4)


def test_raster_overlay_reprojects_an_in_memory_grid_with_the_class_colours():
    values = np.array([[3, 0], [1, 2]], dtype="int8")
    grid = ClassGrid(values, (500.0, 0.0, float(X0), 0.0, -500.0, float(Y0 + 1000)), WORK_CRS)
    overlay = raster_overlay(grid, MOBILE_COLOURS, name="Mobildekning Test (4G)")
    to_lonlat = Transformer.from_crs(WORK_CRS, "EPSG:4326", always_xy=True)
    lon0, lat0 = to_lonlat.transform(X0, Y0)
    lon1, lat1 = to_lonlat.transform(X0 + 1000, Y0 + 1000)
    (south, west), (north, east) = overlay.bounds
    assert south == pytest.approx(lat0, abs=0.003) and north == pytest.approx(lat1, abs=0.003)
    assert west == pytest.approx(lon0, abs=0.01) and east == pytest.approx(lon1, abs=0.01)
    rgba = _png_rgba(overlay.url)
    colours = {tuple(int(c) for c in px) for px in rgba.reshape(-1, 4)}
    expected = {
        (int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16), 255) for c in MOBILE_COLOURS.values()
    }
    assert expected <= colours <= expected | {(0, 0, 0, 0)}
    assert (0, 0, 0, 0) in colours  # class 0 is transparent
    assert overlay.layer_name == "Mobildekning Test (4G)" and overlay.show is False


def test_maps_read_no_input_files_and_no_hard_coded_target():
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(MAPS.glob("*.py")))
    for forbidden in ("rasterio.open", "read_file", "read_csv", "pyogrio", "100_000", "100000"):
        assert forbidden not in source, forbidden
    assert not re.search(r"\.capitalize\(\)", source.replace("operator.capitalize()", ""))


def test_pages_declare_their_charset_first_and_once(tmp_path):
    """A browser looks for the charset in the first 1 024 bytes; folium's own declaration comes
    after the inlined Leaflet (Lighthouse's charset audit failed on the static file)."""
    from dekning.maps.layers import base_map
    from dekning.maps.planner import write_map

    path = write_map(
        base_map((10.0, 63.0, 10.1, 63.1), "Prøve – æøå", lang="nb"), tmp_path / "k.html"
    )
    raw = path.read_bytes()
    assert b'<meta charset="utf-8">' in raw[:1024]
    assert raw.lower().count(b"charset") == 1
