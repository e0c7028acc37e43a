"""Feature collections of OGC API – Features (:mod:`.routers.ogc`), built once per run's results.

A :class:`Layer` holds every feature of one collection already encoded as GeoJSON (CRS84) with
what a request needs to answer fast: a shapely STRtree per coordinate system for ``bbox``, the
position of each feature id, and typed arrays of the queryable properties for the property
filters. An answer then joins bytes.

What each collection publishes is decided here (:func:`catalogue`):

- public (no token): the SSB grid cells of the aggregates with the small-group rule of the public
  map (250 m cells that are not small; the addresses of small 250 m cells rolled up into their
  1 km cell, shown when that is not small; no published cell describes fewer than
  ``privacy.min_cell_count`` addresses), the build-out areas exactly as ``GET /v1/omrader``
  publishes them, and the mobile coverage along roads (segments and gap stretches; the counts of
  addresses near a stretch follow the small-group rule);
- planner (token): the classified addresses, the areas with all their figures, and where
  residents challenge the operator data (the discrepancy list, at the addresses).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from dekning.crs import WEB_CRS, WORK_CRS, ssb_grid_id
from dekning.privacy import is_small, small_figures
from dekning.schema import MOBILE_ALL_COLUMN, MOBILE_ANY_COLUMN, operator_column

from .state import Results, read_csv

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG25833 = "http://www.opengis.net/def/crs/EPSG/0/25833"
CRS_URIS = (CRS84, EPSG25833)
"""Coordinate systems of the answers (``crs``) and of ``bbox`` (``bbox-crs``); CRS84 is
longitude, latitude (WGS 84), EPSG:25833 easting, northing (ETRS89 / UTM 33N)."""
_DIGITS = {CRS84: 7, EPSG25833: 2}
"""Decimals of the coordinates: about 1 cm either way."""
_TO_WEB = Transformer.from_crs(WORK_CRS, WEB_CRS, always_xy=True)
CHUNK = 10_000
"""Features encoded at a time."""

Kind = str
"""JSON Schema type of a queryable property: ``string``, ``integer``, ``number``, ``boolean``."""
TRUE = frozenset({"true", "ja", "1"})
FALSE = frozenset({"false", "nei", "0"})


class FilterError(ValueError):
    """A query parameter's value cannot be used (the message, bokmål, is the answer's)."""


@dataclass(frozen=True)
class Queryable:
    """One property that can be filtered on by equality (``?<name>=<value>``)."""

    kind: Kind
    values: np.ndarray
    """The property of every feature: bool, int64 or float64 (NaN: null) or str."""
    missing: np.ndarray
    """Where the property is null."""

    def mask(self, text: str, name: str) -> np.ndarray:
        """Features whose property equals ``text``.

        Raises
        ------
        FilterError
            ``text`` is not a value of the property's type.
        """
        if self.kind == "string":
            return (self.values == text) & ~self.missing
        if self.kind == "boolean":
            word = text.strip().lower()
            if word not in TRUE | FALSE:
                raise FilterError(f"{name} må være true eller false, ikke {text!r}")
            return (self.values == (word in TRUE)) & ~self.missing
        try:
            number: float = int(text) if self.kind == "integer" else float(text)
        except ValueError:
            words = "et heltall" if self.kind == "integer" else "et tall"
            raise FilterError(f"{name} må være {words}, ikke {text!r}") from None
        return (self.values == number) & ~self.missing


def _queryable(column: pd.Series) -> Queryable | None:
    """The filter of a property column; None for columns that are not scalars."""
    missing = column.isna().to_numpy(dtype=bool)
    if pd.api.types.is_bool_dtype(column):
        return Queryable("boolean", column.fillna(False).to_numpy(dtype=bool), missing)
    if pd.api.types.is_integer_dtype(column):
        return Queryable("integer", column.fillna(0).to_numpy(dtype="int64"), missing)
    if pd.api.types.is_float_dtype(column):
        return Queryable("number", column.to_numpy(dtype="float64"), missing)
    if pd.api.types.is_string_dtype(column) or column.dtype == object:
        texts = column.fillna("")
        if not texts.map(lambda v: isinstance(v, str)).all():
            return None
        return Queryable("string", texts.to_numpy(dtype=str), missing)
    return None


def _round(geoms: np.ndarray, digits: int) -> np.ndarray:
    return shapely.transform(geoms, lambda c: np.round(c, digits))


@dataclass
class Layer:
    """One collection's features, encoded, with their indexes (see the module)."""

    id: str
    title: str
    description: str
    planner: bool
    geometry_type: str
    features: list[bytes]
    """Every feature as GeoJSON (CRS84): ``{"type":"Feature","id":…,"geometry":…,
    "properties":…}``."""
    splice: np.ndarray
    """Per feature, where its geometry starts and ends in :attr:`features` (for other CRSs)."""
    geometries: dict[str, list[bytes]]
    """CRS URI → encoded geometry of every feature, for the CRSs other than CRS84."""
    trees: dict[str, shapely.STRtree]
    """CRS URI → STRtree of the features' geometries in that CRS."""
    by_id: dict[str, int]
    """Feature id (as text) → position."""
    queryables: dict[str, Queryable]
    extent: tuple[float, float, float, float] | None
    """Bounding box in CRS84 (None: no features)."""
    titles: dict[str, str] = field(default_factory=dict)
    """Property → a short bokmål title, where one helps."""

    def __len__(self) -> int:
        return len(self.features)

    def feature(self, i: int, crs: str) -> bytes:
        """Feature ``i`` encoded with its geometry in ``crs``."""
        encoded = self.features[i]
        if crs == CRS84:
            return encoded
        start, end = self.splice[i]
        return encoded[:start] + self.geometries[crs][i] + encoded[end:]

    def select(
        self, bbox: tuple[float, float, float, float] | None, bbox_crs: str, where: dict[str, str]
    ) -> np.ndarray:
        """Positions (ascending) of the features that intersect ``bbox`` (in ``bbox_crs``) and
        whose properties equal every value of ``where``.

        Raises
        ------
        FilterError
            A value of ``where`` is not of its property's type.
        """
        if bbox is None:
            found = np.arange(len(self.features))
        else:
            box = shapely.box(*bbox)
            found = np.sort(self.trees[bbox_crs].query(box, predicate="intersects"))
        for name, text in where.items():
            found = found[self.queryables[name].mask(text, name)[found]]
        return found


def build_layer(
    frame: gpd.GeoDataFrame,
    *,
    id: str,
    title: str,
    description: str,
    id_column: str,
    planner: bool = False,
    properties: pd.DataFrame | None = None,
    titles: dict[str, str] | None = None,
) -> Layer:
    """A :class:`Layer` of ``frame`` (EPSG:25833), features identified by ``id_column``.

    Parameters
    ----------
    frame
        The features; its columns but the geometry are the properties unless ``properties`` is
        given (same index, JSON-ready values).
    id, title, description
        The collection's id and words (bokmål).
    id_column
        Column whose value is each feature's ``id`` (unique).
    planner
        Behind the planner token.
    properties
        The properties to publish instead of ``frame``'s columns.
    titles
        Property → short title for the queryables.
    """
    props = (
        pd.DataFrame(frame.drop(columns=frame.geometry.name)) if properties is None else properties
    )
    work = np.asarray(frame.geometry.array, dtype=object)
    web = shapely.transform(work, lambda c: np.column_stack(_TO_WEB.transform(c[:, 0], c[:, 1])))
    web_json = shapely.to_geojson(_round(web, _DIGITS[CRS84]))
    work_json = [g.encode() for g in shapely.to_geojson(_round(work, _DIGITS[EPSG25833]))]
    ids = frame[id_column]
    id_json = ids.to_json(orient="values", force_ascii=False)
    id_texts = [json.dumps(v, ensure_ascii=False).encode() for v in json.loads(id_json)]
    features: list[bytes] = []
    splice = np.zeros((len(frame), 2), dtype="int64")
    for start in range(0, len(props), CHUNK):  # in chunks: the encoded text is held once
        chunk = props.iloc[start : start + CHUNK]
        lines = chunk.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
        for i, line in enumerate(lines.splitlines(), start=start):
            head = b'{"type":"Feature","id":' + id_texts[i] + b',"geometry":'
            g = web_json[i].encode()
            splice[i] = (len(head), len(head) + len(g))
            features.append(head + g + b',"properties":' + line.encode() + b"}")
    if len(features) != len(frame):
        raise ValueError(f"{id}: {len(features)} features encoded for {len(frame)} rows")
    queryables = {
        str(name): q for name, column in props.items() if (q := _queryable(column)) is not None
    }
    extent = None
    if len(frame):
        minx, miny, maxx, maxy = shapely.total_bounds(web)
        extent = (float(minx), float(miny), float(maxx), float(maxy))
    kinds = shapely.get_type_id(work)
    names = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString"}
    names[6] = "MultiPolygon"
    present = {names.get(int(k), "Geometry") for k in np.unique(kinds)}
    return Layer(
        id=id,
        title=title,
        description=description,
        planner=planner,
        geometry_type=present.pop() if len(present) == 1 else "Geometry",
        features=features,
        splice=splice,
        geometries={EPSG25833: work_json},
        trees={CRS84: shapely.STRtree(web), EPSG25833: shapely.STRtree(work)},
        by_id={str(v): i for i, v in enumerate(json.loads(id_json))},
        queryables=queryables,
        extent=extent,
        titles=titles or {},
    )


CELL_KEY = "ssb_rute_250"


def _cells(cell_ids: np.ndarray, size: int, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """Squares (EPSG:25833) of SSB grid cells (id → lower-left corner) with ``table``."""
    ids = np.asarray(cell_ids, dtype="int64")
    x0, y0 = ids // 10_000_000 - 2_000_000, ids % 10_000_000
    out = table.reset_index(drop=True).copy()
    out.insert(0, "rute_m", size)
    out.insert(0, "ssb_rute", ids)
    return gpd.GeoDataFrame(out, geometry=shapely.box(x0, y0, x0 + size, y0 + size), crs=WORK_CRS)


def cell_layers(table: pd.DataFrame, min_count: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The publishable SSB cells of the 250 m aggregates (``aggregat_ssb_rute_250.csv``).

    The public map's rule: 250 m cells that are not small (:func:`dekning.privacy.is_small`,
    fewer than ``min_count`` addresses); the addresses of the small ones summed per 1 km SSB
    cell, shown when that is not small itself. Neither layer describes fewer than ``min_count``
    addresses, and a 1 km cell holds only what no 250 m cell shows (no figure can be had by
    subtracting one from the other).

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        250 m cells and 1 km cells (EPSG:25833): ``ssb_rute`` (id), ``rute_m`` and the
        aggregate's figures.
    """
    ids = pd.to_numeric(table[CELL_KEY], errors="raise").astype("int64").to_numpy()
    figures = table.drop(columns=CELL_KEY)
    small = is_small(table["adresser"], min_count)
    fine = _cells(ids[~small], 250, figures[~small])
    x0, y0 = ids[small] // 10_000_000 - 2_000_000, ids[small] % 10_000_000
    km = ssb_grid_id(x0, y0, 1000)
    summed = figures[small].groupby(km).sum()
    summed = summed[~is_small(summed["adresser"], min_count)]
    return fine, _cells(summed.index.to_numpy(), 1000, summed)


def _booleans(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` (1/0, empty: unknown, as GeoPackages store them) as nullable booleans."""
    out = frame.copy()
    for col in columns:
        if col in out:
            out[col] = out[col].astype("boolean")
    return out


ROAD_COLUMNS = ("seg_id", "veg_id", "seg_nr", "vegkategori", "vegnummer", "vegnavn", "adt")
ROAD_TAIL = ("fra_m", "til_m", "lengde_m", "mob_n_ok", MOBILE_ANY_COLUMN, MOBILE_ALL_COLUMN)


def road_segments(segments: gpd.GeoDataFrame, operators: Sequence[str]) -> gpd.GeoDataFrame:
    """What the public sees of the road segments: the road, its chainage, each operator's best
    class (``mob_<operator>``: -1 unknown, 0 none, 1 external antenna, 2 outdoor, 3 indoor),
    how many operators reach the satisfactory class and whether one or all do."""
    best = [operator_column(op) for op in operators]
    wanted = [*ROAD_COLUMNS, *ROAD_TAIL[:3], *best, *ROAD_TAIL[3:], "kilde"]
    keep = [c for c in wanted if c in segments.columns]
    shown = _booleans(pd.DataFrame(segments[keep]), (MOBILE_ANY_COLUMN, MOBILE_ALL_COLUMN))
    return gpd.GeoDataFrame(shown, geometry=segments.geometry.to_numpy(), crs=segments.crs)


GAP_FIGURES = ("adresser", "hus", "fritid")
"""Counts of a gap stretch about the addresses near it (the small-group rule holds)."""


def road_gaps(gaps: gpd.GeoDataFrame, min_count: int) -> gpd.GeoDataFrame:
    """The gap stretches, ranked; the counts of addresses, households and holiday homes near a
    stretch are null where :func:`dekning.privacy.small_figures` says so (``skjult``)."""
    out = gaps.copy()
    present = [c for c in GAP_FIGURES if c in out.columns]
    if "adresser" in out.columns and present:
        small = small_figures(out, "adresser", min_count, present)
        for name in present:
            out[name] = out[name].astype("Int64").mask(small[name])
        out["skjult"] = small.any(axis=1)
    return out


def public_areas(results: Results) -> gpd.GeoDataFrame:
    """The areas exactly as ``GET /v1/omrader`` publishes them (its properties, decoded), with
    their geometry in EPSG:25833."""
    published = json.loads(results.areas_geojson)
    rows = [f["properties"] for f in published["features"]]
    props = pd.DataFrame(rows, columns=list(rows[0]) if rows else ["area_id"])
    for name in ("hus", "naering", "fritid", "aar", "rang"):
        if name in props:
            props[name] = props[name].astype("Int64")
    geometry = results.areas.geometry.to_numpy()
    return gpd.GeoDataFrame(props, geometry=geometry, crs=results.areas.crs)


def discrepancies(results: Results) -> gpd.GeoDataFrame:
    """Where residents challenge the operator data (``GET /v1/planlegger/avvik``), one feature
    per address, operator and kind, at the address (rows whose address is not in the register
    are left out); ``avvik_id`` numbers them in the list's order."""
    table = pd.DataFrame(results.discrepancies)
    if table.empty:
        table = pd.DataFrame(columns=["adrid"])
    points = results.addresses.set_index("adrid").geometry
    table = table[table["adrid"].isin(points.index)].reset_index(drop=True)
    table.insert(0, "avvik_id", np.arange(1, len(table) + 1))
    geometry = points.loc[table["adrid"]].to_numpy()
    return gpd.GeoDataFrame(table, geometry=geometry, crs=results.addresses.crs)


Builder = Callable[[], Layer]


@dataclass(frozen=True)
class Entry:
    """A collection of the catalogue: built on first use (:class:`Catalogue`)."""

    id: str
    planner: bool
    build: Builder


def catalogue(results: Results, min_count: int) -> list[Entry]:
    """The collections of ``results``, in the order ``/collections`` lists them.

    Parameters
    ----------
    results
        The run being served.
    min_count
        ``privacy.min_cell_count``: the small-group threshold of the public collections.
    """
    entries: list[Entry] = []
    cells_csv = results.out_dir / f"aggregat_{CELL_KEY}.csv"
    if cells_csv.is_file():
        cells: dict[str, gpd.GeoDataFrame] = {}

        def grid(size: str) -> gpd.GeoDataFrame:
            if not cells:
                fine, km = cell_layers(read_csv(cells_csv, (CELL_KEY,)), min_count)
                cells.update({"250": fine, "1000": km})
            return cells[size]

        entries += [
            Entry(
                "ruter_250m",
                False,
                lambda: build_layer(
                    grid("250"),
                    id="ruter_250m",
                    title="Bredbånd per 250 m-rute (SSB)",
                    description=(
                        "Adresser, husstander, fritidsboliger og næring per hastighetsklasse i "
                        "SSBs 250 m-ruter. Ruter med færre adresser enn personvernsgrensen "
                        "(privacy.min_cell_count) er utelatt; de er slått sammen i ruter_1km."
                    ),
                    id_column="ssb_rute",
                ),
            ),
            Entry(
                "ruter_1km",
                False,
                lambda: build_layer(
                    grid("1000"),
                    id="ruter_1km",
                    title="Bredbånd per 1 km-rute (SSB), adresser i små 250 m-ruter",
                    description=(
                        "Adressene i 250 m-ruter under personvernsgrensen, summert per 1 km-rute "
                        "(som det offentlige kartet). En 1 km-rute med færre adresser enn "
                        "grensen er utelatt."
                    ),
                    id_column="ssb_rute",
                ),
            ),
        ]
    entries.append(
        Entry(
            "omrader",
            False,
            lambda: build_layer(
                public_areas(results),
                id="omrader",
                title="Utbyggingsområder (offentlige tall)",
                description=(
                    "Planlagte utbyggingsområder med år, rang og antall husstander, næring og "
                    "fritidsboliger; små tall er skjult (null, skjult=true). Ingen kroner."
                ),
                id_column="area_id",
            ),
        )
    )
    segments, gaps = results.road_segments, results.road_gaps
    if segments is not None:
        entries.append(
            Entry(
                "veg_mobil",
                False,
                lambda: build_layer(
                    road_segments(segments, results.operators),
                    id="veg_mobil",
                    title="Mobildekning langs veg (segmenter)",
                    description=(
                        "Vegsegmenter med beste mobilklasse per operatør (mob_<operatør>: -1 "
                        "ukjent, 0 ingen, 1 utendørsantenne, 2 utendørs, 3 innendørs) og om minst "
                        "én (mob_any_ok) eller alle (mob_all_ok) operatører dekker. Modellert "
                        "dekning, ikke målt."
                    ),
                    id_column="seg_id",
                ),
            )
        )
    if gaps is not None:
        entries.append(
            Entry(
                "veg_hull",
                False,
                lambda: build_layer(
                    road_gaps(gaps, min_count),
                    id="veg_hull",
                    title="Hull i mobildekningen langs veg",
                    description=(
                        "Sammenhengende strekninger der ingen operatør dekker, rangert etter "
                        "trafikk og lengde; antall adresser i nærheten er skjult når det er lite."
                    ),
                    id_column="hull_id",
                ),
            )
        )
    entries += [
        Entry(
            "adresser",
            True,
            lambda: build_layer(
                results.addresses,
                id="adresser",
                title="Adresser med klassifisering (planlegger)",
                description=(
                    "Hver adresse med beste faste tilbud, hastighetsklasse, mobilklasser, "
                    "støtteberettigelse og område. Krever planleggertoken."
                ),
                id_column="adrid",
                planner=True,
            ),
        ),
        Entry(
            "omrader_planlegger",
            True,
            lambda: build_layer(
                results.areas,
                id="omrader_planlegger",
                title="Utbyggingsområder med alle tall (planlegger)",
                description=(
                    "Områdene med kostnad, finansiering, rangering, etterspørsel og alle "
                    "antall. Krever planleggertoken."
                ),
                id_column="area_id",
                planner=True,
            ),
        ),
    ]
    if results.discrepancies:
        entries.append(
            Entry(
                "avvik",
                True,
                lambda: build_layer(
                    discrepancies(results),
                    id="avvik",
                    title="Avvik mot operatørdata (planlegger)",
                    description=(
                        "Adresser der svar i spørreundersøkelsen motsier operatørenes data, per "
                        "operatør og slag avvik (personopplysninger). Krever planleggertoken."
                    ),
                    id_column="avvik_id",
                    planner=True,
                ),
            )
        )
    return entries


def describe(layer: Layer) -> dict[str, Any]:
    """The parts of a collection's description that come from its features."""
    extent: dict[str, Any] = {}
    if layer.extent is not None:
        extent = {"spatial": {"bbox": [list(layer.extent)], "crs": CRS84}}
    return {
        "id": layer.id,
        "title": layer.title,
        "description": layer.description,
        "itemType": "feature",
        "extent": extent,
        "crs": list(CRS_URIS),
        "storageCrs": EPSG25833,
    }


__all__ = [
    "CRS84",
    "CRS_URIS",
    "EPSG25833",
    "Entry",
    "FilterError",
    "Layer",
    "build_layer",
    "catalogue",
    "cell_layers",
    "describe",
    "discrepancies",
    "public_areas",
    "road_gaps",
    "road_segments",
]
