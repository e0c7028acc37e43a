"""Map layers of many small shapes (addresses, grid cells) embedded as compact columns and made
into GeoJSON features in the browser.

A GeoJSON feature of an address or a 250 m cell written by folium costs 250-500 bytes (15-digit
coordinates, a bounding box, every property name, a style ``switch`` over feature ids); at
100 000 addresses the maps held tens of megabytes of it. Here a layer is a few columns instead:
positions in whole metres of EPSG:25833 as steps from the one before, every text or repeated
value once in a table with a small code per feature, numbers as numbers. The page turns them
into an ordinary :class:`L.GeoJSON` (:data:`DECODE_JS`, projecting EPSG:25833 to degrees itself),
so tooltips, popups and the pages' scripts see the features as before. A layer hidden at start
builds its features the first time it is shown (``lazy``).

:func:`decode` reads the columns back in Python (tests, tools); the data are written with
:func:`dekning.textsafe.script_json`, so no text of the input can end the ``<script>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from folium.template import Template

from dekning.textsafe import script_json

_NUMBER = re.compile(r"^(.*?)(?: (\d.*))?$", re.DOTALL)

DECODE_JS = r"""
window.dekningColumns = (function() {
  // ETRS89 / UTM 33N (EPSG:25833) to latitude, longitude: Krüger's series to n^3 (GRS80);
  // well under a millimetre from PROJ over Norway.
  var a = 6378137, f = 1 / 298.257222101, n = f / (2 - f), k0 = 0.9996;
  var A = a / (1 + n) * (1 + n * n / 4 + n * n * n * n / 64), kA = k0 * A;
  var B = [n / 2 - 2 * n * n / 3 + 37 * n * n * n / 96, n * n / 48 + n * n * n / 15, 17 * n * n * n / 480];
  var D = [2 * n - 2 * n * n / 3 - 2 * n * n * n, 7 * n * n / 3 - 8 * n * n * n / 5, 56 * n * n * n / 15];
  var lon0 = 15 * Math.PI / 180, deg = 180 / Math.PI;
  var lonLat = function(x, y) {
    var xi = y / kA, eta = (x - 500000) / kA, xs = xi, es = eta, j;
    for (j = 1; j <= 3; j++) {
      xs -= B[j - 1] * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
      es -= B[j - 1] * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
    }
    var chi = Math.asin(Math.sin(xs) / Math.cosh(es)), phi = chi;
    for (j = 1; j <= 3; j++) { phi += D[j - 1] * Math.sin(2 * j * chi); }
    return [(lon0 + Math.atan2(Math.sinh(es), Math.cos(xs))) * deg, phi * deg];
  };
  var sums = function(steps) { var s = 0; return steps.map(function(d) { s += d; return s; }); };
  var column = function(c, count) {
    if (c.v !== undefined) { return c.v; }
    if (c.k !== undefined) { return new Array(count).fill(c.k); }
    if (c.p !== undefined) {
      return c.pi.map(function(p, i) {
        var x = c.x[i]; if (x !== undefined) { return x; }
        var r = String(c.r[i]); return r ? c.p[p] + ' ' + r : c.p[p];
      });
    }
    return c.i.map(function(i) { return c.d[i]; });
  };
  var corners = {};  // neighbouring cells share corners: each projected once
  var corner = function(x, y) {
    var k = x + ',' + y, p = corners[k];
    return p || (corners[k] = lonLat(x, y));
  };
  var ring = function(x, y, s) {
    return [corner(x, y), corner(x + s, y), corner(x + s, y + s), corner(x, y + s), corner(x, y)];
  };
  var shapes = function(c) {  // lines and polygons: steps of 1e-6 degree, one running position
    var at = [0, 0], scale = 1e-6;
    var walk = function(a) {
      if (!a.length || typeof a[0] !== 'number') { return a.map(walk); }
      var out = [];
      for (var k = 0; k < a.length; k += 2) {
        at = [at[0] + a[k], at[1] + a[k + 1]];
        out.push([at[0] * scale, at[1] * scale]);
      }
      return out;
    };
    var types = column(c.gt, c.g.length);
    return c.g.map(function(g, i) { return types[i] ? {type: types[i], coordinates: walk(g)} : null; });
  };
  var decode = function(c) {
    if (c.g) {
      var geoms = shapes(c), gnames = Object.keys(c.props);
      var gcols = gnames.map(function(k) { return column(c.props[k], geoms.length); });
      return {type: 'FeatureCollection', features: geoms.map(function(g, i) {
        var props = {};
        gnames.forEach(function(k, j) { props[k] = gcols[j][i]; });
        return {type: 'Feature', properties: props, geometry: g};
      })};
    }
    var xs = sums(c.x), ys = sums(c.y), count = xs.length, names = Object.keys(c.props);
    var cols = names.map(function(k) { return column(c.props[k], count); });
    var sizes = c.size === undefined ? null : column(c.size, count), holes = {};
    if (c.holes) {  // a 1 km cell less the smaller cells shown inside it
      xs.forEach(function(x, i) {
        if (sizes[i] < 1000) {
          var X = x * c.unit, Y = ys[i] * c.unit, key = (X - X % 1000) + ',' + (Y - Y % 1000);
          (holes[key] = holes[key] || []).push(ring(X, Y, sizes[i]).reverse());
        }
      });
    }
    var features = new Array(count);
    for (var i = 0; i < count; i++) {
      var props = {}, X = xs[i] * c.unit, Y = ys[i] * c.unit, geometry;
      for (var j = 0; j < names.length; j++) { props[names[j]] = cols[j][i]; }
      if (c.id) { props[c.id] = (X + 2e6) * 1e7 + Y; }
      if (sizes) {
        var rings = [ring(X, Y, sizes[i])].concat((sizes[i] >= 1000 && holes[X + ',' + Y]) || []);
        geometry = {type: 'Polygon', coordinates: rings};
      } else {
        geometry = {type: 'Point', coordinates: lonLat(X, Y)};
      }
      features[i] = {type: 'Feature', properties: props, geometry: geometry};
    }
    corners = {};
    return {type: 'FeatureCollection', features: features};
  };
  return {decode: decode, lonLat: lonLat};
})();
"""
"""The page's decoder of :func:`columns` (``dekningColumns.decode``) and its EPSG:25833 → degrees
projection (``dekningColumns.lonLat(x, y)`` → ``[lon, lat]``)."""


def steps(values: np.ndarray) -> list[int]:
    """Whole numbers as the step from the one before (the first from 0)."""
    v = np.asarray(values, dtype="int64")
    return np.diff(v, prepend=np.int64(0)).tolist() if len(v) else []


def encode_column(values: pd.Series | Sequence[Any]) -> dict[str, Any]:
    """One property column: ``{"k": value}`` when every value is the same, ``{"v": [...]}``
    (whole numbers as they are) or ``{"d": [distinct values], "i": [codes]}``."""
    s = pd.Series(values).reset_index(drop=True)
    if len(s) and (s == s.iloc[0]).all():
        return {"k": _plain(s.iloc[0])}
    if pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return {"v": [_plain(v) for v in s]}
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    if len(uniques) > len(s) / 2 and pd.api.types.is_float_dtype(s.dtype):
        return {"v": [_plain(v) for v in s]}
    return {"d": [_plain(v) for v in uniques], "i": codes.tolist()}


def encode_text(values: pd.Series | Sequence[Any]) -> dict[str, Any]:
    """Address texts: the part before the house number once in a table (``p``), per text its
    code (``pi``) and the rest (``r``: the number and letter, a number when only digits), and
    the texts that are not ``p + " " + r`` whole (``x``, by position)."""
    text = pd.Series(values, dtype=object).astype(str).reset_index(drop=True)
    split = text.str.extract(_NUMBER).fillna("")
    prefix, rest = split[0], split[1]
    codes, uniques = pd.factorize(prefix)
    made = prefix.where(rest == "", prefix + " " + rest)
    return {
        "p": uniques.tolist(),
        "pi": codes.tolist(),
        "r": [int(r) if r.isdigit() and str(int(r)) == r else r for r in rest],
        "x": {str(i): t for i, t, m in zip(text.index, text, made, strict=True) if t != m},
    }


def _plain(value: Any) -> Any:
    """A numpy or pandas scalar as a plain Python value (NaN and NA as None)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def columns(
    x: np.ndarray,
    y: np.ndarray,
    props: Mapping[str, dict[str, Any]],
    *,
    unit: int = 1,
    size: np.ndarray | None = None,
    cell_id: str | None = None,
    holes: bool = False,
) -> dict[str, Any]:
    """The compact data of a layer.

    Parameters
    ----------
    x, y
        Positions in EPSG:25833, whole multiples of ``unit`` metres: points, or the lower-left
        corners of square cells.
    props
        The properties by name, each made by :func:`encode_column` or :func:`encode_text`.
    unit
        Metres per step of ``x`` and ``y`` (250 for SSB cells: small numbers).
    size
        The side of each cell in metres (None: the features are points).
    cell_id
        The property that gets each cell's SSB id (:func:`dekning.crs.ssb_grid_id`), made from
        its corner in the browser.
    holes
        1 km cells get the smaller cells inside them cut out (no place in two cells).
    """
    out: dict[str, Any] = {
        "unit": unit,
        "x": steps(np.asarray(x) // unit),
        "y": steps(np.asarray(y) // unit),
        "props": dict(props),
    }
    if size is not None:
        out["size"] = encode_column(pd.Series(np.asarray(size, dtype="int64")))
    if cell_id is not None:
        out["id"] = cell_id
    if holes:
        out["holes"] = True
    return out


COORDINATE_DIGITS = 6
"""Decimals of the degrees the maps write (10 cm; folium writes 15 and a box per feature)."""


def rounded_geojson(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """``frame`` (EPSG:4326) as a GeoJSON FeatureCollection for folium: coordinates rounded to
    :data:`COORDINATE_DIGITS` decimals, no bounding boxes, feature ids as geopandas writes."""
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda c: np.round(c, COORDINATE_DIGITS))
    rounded = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
    data: dict[str, Any] = json.loads(rounded.to_json(show_bbox=False, drop_id=False))
    return data


GEOMETRY_SCALE = 1_000_000
"""Lines and polygons (:func:`shape_columns`) are written in steps of 1/1 000 000 degree."""


def shape_columns(frame: gpd.GeoDataFrame, props: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The compact data of a layer of lines or polygons (``frame`` in EPSG:4326): per feature
    its geometry type (``gt``) and its coordinates nested as GeoJSON nests them, each ring or
    line flat ``[dx, dy, dx, dy, ...]`` in 1/1 000 000 degree, every step from the position
    before (over the whole layer, in GeoJSON order); ``props`` as in :func:`columns`."""
    at = np.zeros(2, dtype="int64")

    def flat(coords: Any) -> list[int]:
        nonlocal at
        q = np.round(np.asarray(coords, dtype="float64")[:, :2] * GEOMETRY_SCALE).astype("int64")
        d = np.diff(q, axis=0, prepend=at[None, :])
        at = q[-1]
        return d.ravel().tolist()

    def nest(coords: Any, depth: int) -> list[Any]:
        return flat(coords) if depth == 0 else [nest(c, depth - 1) for c in coords]

    depth = {"LineString": 0, "MultiLineString": 1, "Polygon": 1, "MultiPolygon": 2}
    kinds: list[str | None] = []
    shapes: list[list[Any]] = []
    for geom in frame.geometry:
        if geom is None or geom.is_empty:  # drawn as nothing, as GeoJSON's null geometry
            kinds.append(None)
            shapes.append([])
            continue
        g = shapely.geometry.mapping(geom)
        kinds.append(g["type"])
        shapes.append(nest(g["coordinates"], depth[g["type"]]))
    return {"gt": encode_column(pd.Series(kinds)), "g": shapes, "props": dict(props)}


def _column_values(c: dict[str, Any], count: int) -> list[Any]:
    if "v" in c:
        return list(c["v"])
    if "k" in c:
        return [c["k"]] * count
    if "p" in c:
        out = []
        for i, (p, r) in enumerate(zip(c["pi"], c["r"], strict=True)):
            r = str(r)
            out.append(c["x"].get(str(i), f"{c['p'][p]} {r}" if r else c["p"][p]))
        return out
    return [c["d"][i] for i in c["i"]]


def decode_shapes(data: dict[str, Any]) -> list[dict[str, Any] | None]:
    """The geometries of :func:`shape_columns` as GeoJSON geometries (degrees)."""
    at = np.zeros(2, dtype="int64")

    def walk(a: list[Any]) -> list[Any]:
        nonlocal at
        if not a or not isinstance(a[0], int):
            return [walk(x) for x in a]
        q = at + np.cumsum(np.asarray(a, dtype="int64").reshape(-1, 2), axis=0)
        at = q[-1]
        return (q / GEOMETRY_SCALE).tolist()

    kinds = _column_values(data["gt"], len(data["g"]))
    return [
        {"type": k, "coordinates": walk(g)} if k else None
        for k, g in zip(kinds, data["g"], strict=True)
    ]


def decode(data: dict[str, Any]) -> pd.DataFrame:
    """The features of :func:`columns` as the page reads them: ``x``, ``y`` (EPSG:25833,
    metres; cells: the lower-left corner), ``size`` (cells) and the properties."""
    x = np.cumsum(np.asarray(data["x"], dtype="int64")) * data["unit"]
    y = np.cumsum(np.asarray(data["y"], dtype="int64")) * data["unit"]
    out = pd.DataFrame({"x": x, "y": y})
    if "size" in data:
        out["size"] = _column_values(data["size"], len(x))
    for name, c in data["props"].items():
        out[name] = _column_values(c, len(x))
    if "id" in data:
        out[data["id"]] = (x + 2_000_000) * 10_000_000 + y
    return out


class ColumnarGeoJson(folium.GeoJson):
    """:class:`folium.GeoJson` whose features the page builds from :func:`columns`
    (:data:`DECODE_JS`), styled by one property: ``styles[feature.properties[style_key]]``.

    ``marker``: the options of the circle marker each point is drawn as. ``lazy``: the features
    are built the first time the layer is shown (a layer hidden at start costs nothing until
    then). Tooltips and popups bind to it as to a GeoJson."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_styles = {{ this.styles_json() }};
        var {{ this.get_name() }} = L.geoJson(null, {
            style: function(feature) {
                return {{ this.get_name() }}_styles[feature.properties[{{ this.style_key | tojson }}]] || {};
            },
            {%- if this.marker_options is not none %}
            pointToLayer: function(feature, latlng) {
                return L.circleMarker(latlng, {{ this.marker_options | tojavascript }});
            },
            {%- endif %}
            ...{{ this.options | tojavascript }}
        });
        (function(layer, holder) {
            var fill = function() { layer.addData(dekningColumns.decode(JSON.parse(holder.textContent))); };
            {%- if this.lazy %}
            layer.once('add', fill);
            {%- else %}
            fill();
            {%- endif %}
        })({{ this.get_name() }}, document.getElementById({{ this.data_id() | tojson }}));
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict[str, Any],
        styles: Mapping[Any, dict[str, Any]],
        style_key: str,
        *,
        marker: Mapping[str, Any] | None = None,
        lazy: bool = False,
        **kwargs: Any,
    ) -> None:
        names = [*data["props"], *([data["id"]] if data.get("id") else [])]
        # What folium reads of the data (a tooltip checks its fields against the first
        # feature's properties); the page gets :meth:`data_json` instead.
        stub = {"type": "Feature", "properties": dict.fromkeys(names), "geometry": None}
        super().__init__({"type": "FeatureCollection", "features": [stub]}, **kwargs)
        self._name = "ColumnarGeoJson"
        self.columns = data
        self.styles = {str(k): v for k, v in styles.items()}
        self.style_key = style_key
        self.marker_options = dict(marker) if marker is not None else None
        self.lazy = lazy

    def _get_self_bounds(self) -> list[list[float | None]]:
        return [[None, None], [None, None]]

    def styles_json(self) -> str:
        return script_json(self.styles, compact=True)

    def data_id(self) -> str:
        """Id of the page's ``<script type="application/json">`` element holding the columns
        (JSON, parsed when the layer is filled: faster than a script literal, and not at all
        before a lazy layer is shown)."""
        return f"{self.get_name()}_data"

    def data_json(self) -> str:
        """The layer's columns as compact JSON, safe inside ``<script>``."""
        return script_json(self.columns, compact=True)

    def render(self, **kwargs: Any) -> Any:
        figure = self.get_root()
        # once per page, before the first layer that uses it
        figure.script.add_child(Element(DECODE_JS), name="dekning_columns")  # type: ignore[attr-defined]
        figure.html.add_child(  # type: ignore[attr-defined]
            Element(
                f'<script type="application/json" id="{self.data_id()}">{self.data_json()}</script>'
            ),
            name=self.data_id(),
        )
        return super().render(**kwargs)


__all__ = [
    "DECODE_JS",
    "ColumnarGeoJson",
    "columns",
    "decode",
    "decode_shapes",
    "encode_column",
    "encode_text",
    "rounded_geojson",
    "shape_columns",
    "steps",
]
