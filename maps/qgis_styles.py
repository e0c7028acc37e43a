"""QGIS layer styles in the GeoPackages a run writes, so a planner who opens ``omrader.gpkg``
in QGIS sees the planner map's picture: the same colours, line styles and legend words.

QGIS keeps a GeoPackage's styles in the table ``layer_styles`` (one row per style, the row with
``useAsDefault`` loaded when the layer is opened). :func:`style_geopackage` creates that table
as QGIS creates it and writes one default style per layer, as QGIS's own XML (QML) and as a
minimal SLD for other programs. :func:`style_run_outputs` styles every GeoPackage of a run.

The GeoPackages are written by GDAL first; the styles are added afterwards with Python's
``sqlite3``, in one transaction per file. Styling again replaces the styles (no duplicates).
"""

from __future__ import annotations

import sqlite3
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dekning.maps.layers import (
    AREA_FILL,
    GAP_COLOUR,
    MOBILE_COLOURS,
    MOBILE_WORDS,
    speed_legend_items,
)
from dekning.maps.planner import AREA_STYLES
from dekning.maps.planner_masts import CANDIDATE_FILL, CHOSEN_FILL
from dekning.maps.planner_overlays import ROUTE_COLOUR
from dekning.maps.planner_roads import UNKNOWN_COLOUR
from dekning.schema import (
    MOBILE_ALL_COLUMN,
    MOBILE_ANY_COLUMN,
    MOBILE_COUNT_COLUMN,
    SPEED_CLASSES,
)

LAYER_STYLES_TABLE = "layer_styles"
LAYER_STYLES_SQL = (
    'CREATE TABLE IF NOT EXISTS "layer_styles" ( '
    '"id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
    '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)
"""The table exactly as QGIS creates it in a GeoPackage (through GDAL's GPKG driver; read back
from a file QGIS 3.22 styled)."""
LAYER_STYLES_COLUMNS = (
    "id",
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
)
_FEATURE_COUNT_TRIGGERS = (
    'CREATE TRIGGER IF NOT EXISTS "trigger_insert_feature_count_layer_styles" AFTER INSERT ON '
    '"layer_styles" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count + 1 '
    "WHERE lower(table_name) = lower('layer_styles'); END",
    'CREATE TRIGGER IF NOT EXISTS "trigger_delete_feature_count_layer_styles" AFTER DELETE ON '
    '"layer_styles" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count - 1 '
    "WHERE lower(table_name) = lower('layer_styles'); END",
)
"""GDAL's feature-count triggers, made with the table when the file has ``gpkg_ogr_contents``
(GDAL then trusts the stored count, as for a table it made itself)."""
QML_VERSION = "3.22.0"
"""QGIS version the QML follows (read by every QGIS 3.x since)."""
STYLE_DESCRIPTION = "dekning: samme farger og tegnforklaring som planleggerkartet"
PX_MM = 25.4 / 96
"""One CSS pixel of the web maps (96 dpi) in millimetres, QGIS's symbol unit."""
SLD_PX_PER_MM = 3.571
"""Pixels per millimetre in SLD (as QGIS exports sizes)."""

ROAD_WEIGHT_PX = 4
"""Width of a road coloured by mobile coverage on the planner map."""
GAP_WEIGHT_PX = 7
"""Width of a ranked gap stretch on the planner map."""
ROUTE_WEIGHT_PX = 2.5
ADDRESS_RADIUS_PX = 3
ADDRESS_OPACITY = 0.9
UNKNOWN_DASH = "6 6"
"""Dashes of a road whose coverage is unknown (as the planner map's ``dashArray``)."""

CHOSEN_LABEL = "valgt område"
CANDIDATE_LABEL = "kandidatområde"
ROUTE_LABEL = "foreslått fibertrasé"
GAP_LABEL = "hull: ingen operatør god nok"
UNKNOWN_LABEL = "ukjent (estimat, ingen adresse nær)"
MAST_CHOSEN_LABEL = "valgt mast (screening)"
MAST_CANDIDATE_LABEL = "mastekandidat"
MAST_RADIUS_PX = 7
BEST_SUFFIX = " (beste operatør)"

_NON_OPERATOR = {MOBILE_COUNT_COLUMN, MOBILE_ANY_COLUMN, MOBILE_ALL_COLUMN}
_NON_CLASS_SUFFIXES = ("_dbm", "_tier_kbps")


# --- colours and expressions ------------------------------------------------------------------


def qgis_colour(hex_colour: str, opacity: float = 1.0) -> str:
    """``"#009E73"`` → ``"0,158,115,255"`` (QGIS's ``r,g,b,a``)."""
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(opacity * 255)}"


def _sld_colour(hex_colour: str) -> str:
    """``"#009e73"``: a six-digit hex colour as SLD writes it."""
    r, g, b, _ = qgis_colour(hex_colour).split(",")
    return f"#{int(r):02x}{int(g):02x}{int(b):02x}"


def quoted_field(name: str) -> str:
    """A field in a QGIS expression: ``"name"`` with ``"`` doubled."""
    return '"' + name.replace('"', '""') + '"'


def quoted_value(value: str | int | bool) -> str:
    """A literal in a QGIS expression (as ``QgsExpression.quotedString`` writes text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = value.replace("'", "''").replace("\\", "\\\\").replace("\n", "\\n")
    return "'" + text.replace("\t", "\\t") + "'"


def _ogc_literal(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class Equals:
    """``field = value``."""

    field: str
    value: str | int | bool

    def expression(self) -> str:
        return f"{quoted_field(self.field)} = {quoted_value(self.value)}"

    def ogc(self, parent: ET.Element) -> None:
        _ogc_compare(parent, "PropertyIsEqualTo", self.field, self.value)


@dataclass(frozen=True)
class IsNull:
    """``field IS NULL``."""

    field: str

    def expression(self) -> str:
        return f"{quoted_field(self.field)} IS NULL"

    def ogc(self, parent: ET.Element) -> None:
        node = ET.SubElement(parent, "ogc:PropertyIsNull")
        ET.SubElement(node, "ogc:PropertyName").text = self.field


@dataclass(frozen=True)
class BestIs:
    """The largest of ``fields`` equals ``value`` (the best class over the operators):
    ``max("a", "b") = 3``; in SLD: one of them equals it and none is above it."""

    fields: tuple[str, ...]
    value: int

    def expression(self) -> str:
        return f"max({', '.join(quoted_field(f) for f in self.fields)}) = {self.value}"

    def ogc(self, parent: ET.Element) -> None:
        both = ET.SubElement(parent, "ogc:And")
        anyone = ET.SubElement(both, "ogc:Or") if len(self.fields) > 1 else both
        for f in self.fields:
            _ogc_compare(anyone, "PropertyIsEqualTo", f, self.value)
        for f in self.fields:
            _ogc_compare(both, "PropertyIsLessThanOrEqualTo", f, self.value)


@dataclass(frozen=True)
class AllOf:
    """Every one of ``parts``."""

    parts: tuple[Filter, ...]

    def expression(self) -> str:
        return " AND ".join(f"({p.expression()})" for p in self.parts)

    def ogc(self, parent: ET.Element) -> None:
        node = ET.SubElement(parent, "ogc:And")
        for p in self.parts:
            p.ogc(node)


Filter = Equals | IsNull | BestIs | AllOf
"""A rule's filter: a QGIS expression (``expression()``) and an OGC filter (``ogc(parent)``)."""


def _ogc_compare(parent: ET.Element, op: str, name: str, value: str | int | bool) -> None:
    node = ET.SubElement(parent, f"ogc:{op}")
    ET.SubElement(node, "ogc:PropertyName").text = name
    ET.SubElement(node, "ogc:Literal").text = _ogc_literal(value)


# --- symbols and styles -----------------------------------------------------------------------


@dataclass(frozen=True)
class Symbol:
    """One QGIS symbol of one simple symbol layer.

    ``kind`` marker: a circle ``size`` mm wide filled with ``colour``, outlined with
    ``outline``; line: a line of ``colour``, ``width`` mm; fill: an area filled with ``colour``
    (None: no fill) at ``opacity``, outlined with ``outline`` ``width`` mm wide. ``dash``: the
    line or outline dashed (dash and gap in mm), as the web maps' ``dashArray``."""

    kind: Literal["marker", "line", "fill"]
    colour: str | None
    outline: str = "#000000"
    width: float = 0.26
    opacity: float = 1.0
    size: float = 2.0
    dash: tuple[float, float] | None = None

    def qml(self, name: str) -> ET.Element:
        """The ``<symbol>`` element as QGIS 3.x writes it."""
        sym = ET.Element(
            "symbol",
            {
                "type": self.kind,
                "name": name,
                "alpha": "1",
                "clip_to_extent": "1",
                "force_rhr": "0",
            },
        )
        layer = ET.SubElement(
            sym,
            "layer",
            {"class": _LAYER_CLASS[self.kind], "enabled": "1", "locked": "0", "pass": "0"},
        )
        options = ET.SubElement(layer, "Option", {"type": "Map"})
        for key, value in sorted(self._props().items()):
            ET.SubElement(options, "Option", {"name": key, "type": "QString", "value": value})
        return sym

    def _props(self) -> dict[str, str]:
        dash = self.dash or (0.0, 0.0)
        line = {
            "capstyle": "round" if self.kind == "line" else "square",
            "joinstyle": "round" if self.kind == "line" else "bevel",
            "offset": "0,0",
            "offset_unit": "MM",
        }
        if self.kind == "line":
            return line | {
                "line_color": qgis_colour(self.colour or self.outline, self.opacity),
                "line_style": "solid",
                "line_width": _mm(self.width),
                "line_width_unit": "MM",
                "use_custom_dash": "1" if self.dash else "0",
                "customdash": f"{_mm(dash[0])};{_mm(dash[1])}",
                "customdash_unit": "MM",
            }
        common = line | {
            "color": qgis_colour(self.colour or "#000000", self.opacity if self.colour else 0),
            "outline_color": qgis_colour(self.outline),
            "outline_style": "dash" if self.dash else "solid",
            "outline_width": _mm(self.width),
            "outline_width_unit": "MM",
        }
        if self.kind == "fill":
            return common | {"style": "solid" if self.colour else "no"}
        return common | {
            "angle": "0",
            "name": "circle",
            "size": _mm(self.size),
            "size_unit": "MM",
            "scale_method": "diameter",
            "horizontal_anchor_point": "1",
            "vertical_anchor_point": "1",
        }

    def sld(self, rule: ET.Element) -> None:
        """The symbolizer of this symbol under an SLD ``<se:Rule>``."""
        if self.kind == "marker":
            sym = ET.SubElement(rule, "se:PointSymbolizer")
            graphic = ET.SubElement(sym, "se:Graphic")
            mark = ET.SubElement(graphic, "se:Mark")
            ET.SubElement(mark, "se:WellKnownName").text = "circle"
            self._sld_fill(mark)
            self._sld_stroke(mark, self.outline, self.width)
            ET.SubElement(graphic, "se:Size").text = _mm(self.size * SLD_PX_PER_MM)
        elif self.kind == "line":
            sym = ET.SubElement(rule, "se:LineSymbolizer")
            self._sld_stroke(sym, self.colour or self.outline, self.width, self.opacity)
        else:
            sym = ET.SubElement(rule, "se:PolygonSymbolizer")
            self._sld_fill(sym)
            self._sld_stroke(sym, self.outline, self.width)

    def _sld_fill(self, parent: ET.Element) -> None:
        if self.colour is None:
            return
        fill = ET.SubElement(parent, "se:Fill")
        _svg(fill, "fill", _sld_colour(self.colour))
        if self.opacity < 1:
            _svg(fill, "fill-opacity", _mm(self.opacity))

    def _sld_stroke(
        self, parent: ET.Element, colour: str, width: float, opacity: float = 1.0
    ) -> None:
        stroke = ET.SubElement(parent, "se:Stroke")
        _svg(stroke, "stroke", _sld_colour(colour))
        if opacity < 1:
            _svg(stroke, "stroke-opacity", _mm(opacity))
        _svg(stroke, "stroke-width", _mm(width * SLD_PX_PER_MM))
        if self.dash:
            a, b = self.dash
            _svg(stroke, "stroke-dasharray", f"{_mm(a * SLD_PX_PER_MM)} {_mm(b * SLD_PX_PER_MM)}")


_LAYER_CLASS = {"marker": "SimpleMarker", "line": "SimpleLine", "fill": "SimpleFill"}


def _mm(value: float) -> str:
    """A number as QGIS writes it: up to 3 decimals, no trailing zeros."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _svg(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, "se:SvgParameter", {"name": name}).text = value


@dataclass(frozen=True)
class Rule:
    """One legend entry: its words, symbol and which features it draws (None: all)."""

    label: str
    symbol: Symbol
    filter: Filter | None = None


@dataclass(frozen=True)
class LayerStyle:
    """A layer's style: ``renderer`` ``singleSymbol`` (the first rule, no filter),
    ``categorizedSymbol`` (each rule an :class:`Equals` on ``category_field``) or
    ``RuleRenderer`` (rules with filters, which must not overlap); features labelled with
    ``label_field`` when given."""

    renderer: Literal["singleSymbol", "categorizedSymbol", "RuleRenderer"]
    rules: tuple[Rule, ...]
    category_field: str | None = None
    label_field: str | None = None
    name: str = "dekning"
    description: str = STYLE_DESCRIPTION
    geometry: Literal["point", "line", "polygon"] = field(init=False)

    def __post_init__(self) -> None:
        kind = self.rules[0].symbol.kind
        geometry = {"marker": "point", "line": "line", "fill": "polygon"}[kind]
        object.__setattr__(self, "geometry", geometry)

    def qml(self) -> str:
        """The style as a QGIS ``.qml`` document (the ``styleQML`` of ``layer_styles``)."""
        root = ET.Element(
            "qgis",
            {
                "version": QML_VERSION,
                "styleCategories": "Symbology|Labeling",
                "labelsEnabled": "1" if self.label_field else "0",
            },
        )
        renderer = ET.SubElement(
            root,
            "renderer-v2",
            {
                "type": self.renderer,
                "forceraster": "0",
                "symbollevels": "0",
                "enableorderby": "0",
                "referencescale": "-1",
            },
        )
        if self.renderer == "categorizedSymbol":
            self._categories(renderer)
        elif self.renderer == "RuleRenderer":
            self._rules(renderer)
        symbols = ET.SubElement(renderer, "symbols")
        for i, rule in enumerate(self.rules):
            symbols.append(rule.symbol.qml(str(i)))
            if self.renderer == "singleSymbol":
                break
        if self.label_field:
            root.append(self._labeling())
        geometry_type = {"point": "0", "line": "1", "polygon": "2"}[self.geometry]
        ET.SubElement(root, "layerGeometryType").text = geometry_type
        ET.indent(root, " ")
        body = ET.tostring(root, encoding="unicode")
        return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"

    def _categories(self, renderer: ET.Element) -> None:
        if self.category_field is None:
            raise ValueError("a categorised style needs category_field")
        renderer.set("attr", self.category_field)
        categories = ET.SubElement(renderer, "categories")
        for i, rule in enumerate(self.rules):
            if not isinstance(rule.filter, Equals) or rule.filter.field != self.category_field:
                raise ValueError(f"category {rule.label!r}: not an Equals on {self.category_field}")
            ET.SubElement(
                categories,
                "category",
                {
                    "symbol": str(i),
                    "value": _ogc_literal(rule.filter.value),
                    "label": rule.label,
                    "render": "true",
                    "type": "string" if isinstance(rule.filter.value, str) else "integer",
                },
            )

    def _rules(self, renderer: ET.Element) -> None:
        root = ET.SubElement(renderer, "rules", {"key": self._key("root")})
        for i, rule in enumerate(self.rules):
            attrs = {"key": self._key(str(i)), "symbol": str(i), "label": rule.label}
            if rule.filter is not None:
                attrs["filter"] = rule.filter.expression()
            ET.SubElement(root, "rule", attrs)

    def _key(self, what: str) -> str:
        """A rule key (QGIS writes ``{uuid}``): the same for the same style, every time."""
        rules = "|".join(r.label for r in self.rules)
        return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"dekning:{rules}:{what}")) + "}"

    def _labeling(self) -> ET.Element:
        labeling = ET.Element("labeling", {"type": "simple"})
        settings = ET.SubElement(labeling, "settings", {"calloutType": "simple"})
        text = ET.SubElement(
            settings,
            "text-style",
            {
                "fieldName": self.label_field or "",
                "isExpression": "0",
                "fontSize": "9",
                "fontSizeUnit": "Point",
                "textColor": "0,0,0,255",
                "textOpacity": "1",
                "fontWeight": "75",
                "namedStyle": "Bold",
            },
        )
        ET.SubElement(
            text,
            "text-buffer",
            {
                "bufferDraw": "1",
                "bufferSize": "1",
                "bufferSizeUnits": "MM",
                "bufferColor": "255,255,255,255",
                "bufferOpacity": "1",
            },
        )
        # polygons: over the centroid; lines: along the line
        placement = "1" if self.geometry == "polygon" else "2" if self.geometry == "line" else "0"
        ET.SubElement(settings, "placement", {"placement": placement, "placementFlags": "10"})
        ET.SubElement(settings, "rendering", {"obstacle": "1", "drawLabels": "1"})
        return labeling

    def sld(self, layer: str) -> str:
        """The style as an SLD 1.1 document (for programs other than QGIS)."""
        root = ET.Element(
            "StyledLayerDescriptor",
            {
                "xmlns": "http://www.opengis.net/sld",
                "xmlns:se": "http://www.opengis.net/se",
                "xmlns:ogc": "http://www.opengis.net/ogc",
                "xmlns:xlink": "http://www.w3.org/1999/xlink",
                "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                "xsi:schemaLocation": "http://www.opengis.net/sld "
                "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd",
                "version": "1.1.0",
            },
        )
        named = ET.SubElement(root, "NamedLayer")
        ET.SubElement(named, "se:Name").text = layer
        user = ET.SubElement(named, "UserStyle")
        ET.SubElement(user, "se:Name").text = layer
        fts = ET.SubElement(user, "se:FeatureTypeStyle")
        rules = self.rules[:1] if self.renderer == "singleSymbol" else self.rules
        for rule in rules:
            se_rule = ET.SubElement(fts, "se:Rule")
            ET.SubElement(se_rule, "se:Name").text = rule.label
            ET.SubElement(ET.SubElement(se_rule, "se:Description"), "se:Title").text = rule.label
            if rule.filter is not None:
                rule.filter.ogc(ET.SubElement(se_rule, "ogc:Filter"))
            rule.symbol.sld(se_rule)
        if self.label_field:
            se_rule = ET.SubElement(fts, "se:Rule")
            text = ET.SubElement(se_rule, "se:TextSymbolizer")
            ET.SubElement(
                ET.SubElement(text, "se:Label"), "ogc:PropertyName"
            ).text = self.label_field
            halo = ET.SubElement(text, "se:Halo")
            ET.SubElement(halo, "se:Radius").text = "2"
            _svg(ET.SubElement(halo, "se:Fill"), "fill", "#ffffff")
        ET.indent(root, " ")
        body = ET.tostring(root, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


# --- the run's layers -------------------------------------------------------------------------


def address_style() -> LayerStyle:
    """Addresses as points coloured by speed class, with the maps' legend words."""
    rules = tuple(
        Rule(
            label,
            Symbol(
                "marker",
                colour,
                outline="#000000",
                width=0.5 * PX_MM,
                size=2 * ADDRESS_RADIUS_PX * PX_MM,
                opacity=ADDRESS_OPACITY,
            ),
            Equals("speed_class", cls),
        )
        for cls, (colour, label) in zip(SPEED_CLASSES, speed_legend_items(), strict=True)
    )
    return LayerStyle("categorizedSymbol", rules, category_field="speed_class")


def area_style() -> LayerStyle:
    """Build-out areas: chosen ones filled green, candidates a dashed black outline; labelled
    with their id."""
    chosen = AREA_STYLES["chosen"]
    other = AREA_STYLES["other"]
    return LayerStyle(
        "RuleRenderer",
        (
            Rule(
                CHOSEN_LABEL,
                Symbol(
                    "fill",
                    AREA_FILL,
                    outline=str(chosen["color"]),
                    width=_number(chosen["weight"]) * PX_MM,
                    opacity=_number(chosen["fillOpacity"]),
                ),
                Equals("valgt", True),
            ),
            Rule(
                CANDIDATE_LABEL,
                Symbol(
                    "fill",
                    None,
                    outline=str(other["color"]),
                    width=_number(other["weight"]) * PX_MM,
                    dash=_dash(str(other["dashArray"])),
                ),
                Equals("valgt", False),
            ),
        ),
        label_field="area_id",
    )


def mast_style() -> LayerStyle:
    """Candidate mast sites: chosen ones filled black, the others white, black rim; labelled
    with their id (as the planner map's mast layers)."""
    size = 2 * MAST_RADIUS_PX * PX_MM
    rim = 2 * PX_MM
    return LayerStyle(
        "RuleRenderer",
        (
            Rule(
                MAST_CHOSEN_LABEL,
                Symbol("marker", CHOSEN_FILL, outline="#000000", width=rim, size=size),
                Equals("valgt", True),
            ),
            Rule(
                MAST_CANDIDATE_LABEL,
                Symbol("marker", CANDIDATE_FILL, outline="#000000", width=rim, size=size),
                Equals("valgt", False),
            ),
        ),
        label_field="site_id",
    )


def _number(value: object) -> float:
    """A number of the web maps' style dictionaries."""
    if not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r}")
    return float(value)


def _dash(dash_array: str) -> tuple[float, float]:
    """A web map's ``dashArray`` (``"5 5"``, pixels) as dash and gap in mm."""
    dash, gap = (float(d) * PX_MM for d in dash_array.split()[:2])
    return dash, gap


def route_style() -> LayerStyle:
    """The fibre routes: a solid black line."""
    return LayerStyle(
        "singleSymbol",
        (Rule(ROUTE_LABEL, Symbol("line", ROUTE_COLOUR, width=ROUTE_WEIGHT_PX * PX_MM)),),
    )


def operator_columns(columns: Sequence[str]) -> tuple[str, ...]:
    """The per-operator best-class columns (``mob_<operator>``) among a road layer's columns:
    ``mob_`` columns with columns of their own below them (``mob_telenor`` has
    ``mob_telenor_4g``), in the layer's order; the satisfaction columns are not operators."""
    candidates = [
        c
        for c in columns
        if c.startswith("mob_") and c not in _NON_OPERATOR and not c.endswith(_NON_CLASS_SUFFIXES)
    ]
    return tuple(c for c in candidates if any(o.startswith(c + "_") for o in candidates))


def segment_style(columns: Sequence[str]) -> LayerStyle:
    """Road segments as the planner map draws them: no operator good enough orange, unknown
    grey dashed, otherwise coloured by the best class over the operators (``columns``: the
    layer's columns, read from the file)."""
    road = ROAD_WEIGHT_PX * PX_MM
    rules = [
        Rule(GAP_LABEL, Symbol("line", GAP_COLOUR, width=road), Equals(MOBILE_ANY_COLUMN, 0)),
        Rule(
            UNKNOWN_LABEL,
            Symbol(
                "line",
                UNKNOWN_COLOUR,
                width=road,
                dash=_dash(UNKNOWN_DASH),
            ),
            IsNull(MOBILE_ANY_COLUMN),
        ),
    ]
    ops = operator_columns(columns)
    covered = Equals(MOBILE_ANY_COLUMN, 1)
    best = max(MOBILE_COLOURS)
    for cls in sorted(MOBILE_COLOURS, reverse=True):
        label = MOBILE_WORDS[cls] + (BEST_SUFFIX if cls == best else "")
        symbol = Symbol("line", MOBILE_COLOURS[cls], width=road)
        if ops:
            rules.append(Rule(label, symbol, AllOf((covered, BestIs(ops, cls)))))
        elif cls == best:  # no class per operator in the file: covered is all there is
            rules.append(Rule("dekket", symbol, covered))
    return LayerStyle("RuleRenderer", tuple(rules))


def gap_style() -> LayerStyle:
    """The ranked gap stretches: thick orange lines labelled with their id."""
    return LayerStyle(
        "singleSymbol",
        (Rule("mobilhull langs veg", Symbol("line", GAP_COLOUR, width=GAP_WEIGHT_PX * PX_MM)),),
        label_field="hull_id",
    )


# --- writing ----------------------------------------------------------------------------------


def _geometry_columns(con: sqlite3.Connection) -> dict[str, str]:
    rows = con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
    return {str(t): str(c) for t, c in rows}


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    row = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return row.fetchone() is not None


def _create_table(con: sqlite3.Connection) -> None:
    """``layer_styles`` as QGIS makes it, registered in ``gpkg_contents`` (and GDAL's
    ``gpkg_ogr_contents``) as an attributes table."""
    con.execute(LAYER_STYLES_SQL)
    con.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
        "last_change, srs_id) VALUES (?, 'attributes', ?, '', "
        "strftime('%Y-%m-%dT%H:%M:%fZ','now'), 0)",
        (LAYER_STYLES_TABLE, LAYER_STYLES_TABLE),
    )
    if _has_table(con, "gpkg_ogr_contents"):
        con.execute(
            "INSERT OR IGNORE INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?, 0)",
            (LAYER_STYLES_TABLE,),
        )
        for trigger in _FEATURE_COUNT_TRIGGERS:
            con.execute(trigger)


def style_geopackage(path: Path, styles: Mapping[str, LayerStyle]) -> None:
    """Write ``styles`` (layer name → style) into the GeoPackage at ``path`` as each layer's
    default QGIS style.

    Creates ``layer_styles`` when missing; replaces any style of the same name of each layer
    and makes the new one the only default. One transaction: the file has all the new styles
    or none. Call it after GDAL has closed the file.

    Raises
    ------
    ValueError
        When a layer of ``styles`` is not a vector layer of the file.
    """
    # Python's sqlite3 opens transactions only before data changes, not before CREATE: the
    # transaction is opened here, so the table, its registration and the styles come together.
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        try:
            _write_styles(con, path, styles)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


def _write_styles(con: sqlite3.Connection, path: Path, styles: Mapping[str, LayerStyle]) -> None:
    geometry = _geometry_columns(con)
    missing = [name for name in styles if name not in geometry]
    if missing:
        raise ValueError(f"{path.name}: no vector layer {', '.join(missing)}")
    _create_table(con)
    where = "f_table_name = ? AND f_geometry_column = ?"
    for layer, style in styles.items():
        key = (layer, geometry[layer])
        con.execute(f"DELETE FROM layer_styles WHERE {where} AND styleName = ?", (*key, style.name))
        con.execute(f"UPDATE layer_styles SET useAsDefault = 0 WHERE {where}", key)
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
            "description, owner, ui) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', NULL)",
            (*key, style.name, style.qml(), style.sld(layer), style.description),
        )


def _columns(path: Path, layer: str) -> list[str]:
    con = sqlite3.connect(path)
    try:
        quoted = layer.replace('"', '""')
        return [str(row[1]) for row in con.execute(f'PRAGMA table_info("{quoted}")')]
    finally:
        con.close()


def _layers(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return set(_geometry_columns(con))
    finally:
        con.close()


StyleMaker = Callable[[Sequence[str]], LayerStyle]
"""A layer's style from the layer's columns."""


def _fixed(make: Callable[[], LayerStyle]) -> StyleMaker:
    """A style that does not depend on the layer's columns."""
    return lambda _columns: make()


def run_styles(folder: Path) -> dict[Path, dict[str, LayerStyle]]:
    """Per GeoPackage of a run's output ``folder`` that is there: the styles of its layers
    that are there (the route and road layers are written only when the run has them)."""
    wanted: dict[Path, dict[str, LayerStyle]] = {}
    addresses = {"adresser": _fixed(address_style)}
    candidates: list[tuple[Path, dict[str, StyleMaker]]] = [
        (folder / "adresser_klassifisert.gpkg", addresses),
        (folder / "omrader.gpkg", {"omrader": _fixed(area_style), "traseer": _fixed(route_style)}),
        (folder / "mobil_veg.gpkg", {"segmenter": segment_style, "hull": _fixed(gap_style)}),
        *((p, addresses) for p in sorted(folder.glob("soknad/*/omrade.gpkg"))),
        (folder / "master.gpkg", {"kandidater": _fixed(mast_style)}),
        *(
            (p, {"mast": _fixed(mast_style)})
            for p in sorted(folder.glob("soknad_mobil/*/mast.gpkg"))
        ),
    ]
    for path, makers in candidates:
        if not path.is_file():
            continue
        present = _layers(path)
        styles = {}
        for layer, make in makers.items():
            if layer not in present:
                continue
            styles[layer] = make(_columns(path, layer))
        if styles:
            wanted[path] = styles
    return wanted


def style_run_outputs(folder: Path) -> None:
    """Style every GeoPackage a run wrote into ``folder`` that dekning knows (see
    :func:`run_styles`): addresses by speed class, areas chosen/candidate with their ids,
    routes, roads by mobile coverage and the gap stretches, as the planner map shows them."""
    for path, styles in run_styles(folder).items():
        style_geopackage(path, styles)


__all__ = [
    "LAYER_STYLES_COLUMNS",
    "LAYER_STYLES_SQL",
    "AllOf",
    "BestIs",
    "Equals",
    "IsNull",
    "LayerStyle",
    "Rule",
    "Symbol",
    "address_style",
    "area_style",
    "gap_style",
    "mast_style",
    "operator_columns",
    "qgis_colour",
    "quoted_field",
    "quoted_value",
    "route_style",
    "run_styles",
    "segment_style",
    "style_geopackage",
    "style_run_outputs",
]
