"""OGC API – Features (Part 1 Core, GeoJSON; Part 2 CRS by reference for EPSG:25833; Part 3
queryables as query parameters) under ``/ogc``: GIS clients (QGIS, GDAL's ``OAPIF:`` driver)
read the run's results by bounding box, property and page.

Public collections show only privacy-safe aggregates (:mod:`..ogc_features`); the planner
collections need the planner token, as ``/v1/planlegger/*`` (``Authorization: Bearer <token>``
or ``?token=``): without it they are not listed, and asking for one answers 401 (403 when planner
access is off). Answers are JSON (``application/json``; features ``application/geo+json``).
"""

from __future__ import annotations

import gc
import json
import math
import threading
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..deps import check_planner
from ..errors import NotAuthenticated, PlannerAccessOff, UnknownId
from ..models import Problem
from ..ogc_features import CRS84, CRS_URIS, Entry, FilterError, Layer, catalogue, describe
from ..service import Service
from ..state import Results

PREFIX = "/ogc"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
JSON = "application/json"
GEOJSON = "application/geo+json"
SCHEMA = "application/schema+json"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
)
"""What is implemented: no HTML, no OpenAPI 3.0 (``/openapi.json`` is OpenAPI 3.1), no CQL."""
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
ITEM_PARAMETERS = frozenset({"limit", "offset", "bbox", "bbox-crs", "crs", "f", "token"})
"""Query parameters of ``/items`` besides the collection's queryable properties."""
FORMATS = frozenset({"json", "geojson", "application/json", "application/geo+json"})
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem},
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
}

router = APIRouter(prefix=PREFIX, tags=["ogc"], responses=ERRORS)


class BadRequest(ValueError):
    """A query parameter OGC API – Features answers with 400 (message in bokmål)."""


def bad_request(message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=400)


class Catalogue:
    """The collections of one run's results; each built on first use, then kept."""

    def __init__(self, results: Results, min_count: int) -> None:
        self.results = results
        self.entries: dict[str, Entry] = {e.id: e for e in catalogue(results, min_count)}
        self._built: dict[str, Layer] = {}
        self._lock = threading.Lock()

    def ready(self, collection_id: str) -> Layer | None:
        """The collection when it is built already."""
        return self._built.get(collection_id)

    def build(self, collection_id: str) -> Layer:
        """The collection, built now if it was not (blocking: call from a thread).

        What is built lives as long as the results: it is then moved out of the cyclic garbage
        collector's reach (:func:`gc.freeze`; a new catalogue unfreezes). A full collection
        otherwise walks every long-lived object (the results' and the collections' shapely
        geometries: 0.4–0.8 s with 100 000 addresses), which stalls every request in flight.
        """
        with self._lock:
            layer = self._built.get(collection_id)
            if layer is None:
                layer = self._built[collection_id] = self.entries[collection_id].build()
                gc.collect()
                gc.freeze()
        return layer


_held = threading.Lock()


def current_catalogue(request: Request) -> Catalogue:
    """The :class:`Catalogue` of the results being served (a new one after a re-run)."""
    service: Service = request.app.state.service
    results = service.results
    state = request.app.state
    held: Catalogue | None = getattr(state, "ogc", None)
    if held is None or held.results is not results:
        with _held:
            held = getattr(state, "ogc", None)
            if held is None or held.results is not results:
                gc.unfreeze()  # the previous results' objects may be collected now
                held = Catalogue(results, service.cfg.privacy.min_cell_count)
                state.ogc = held
    return held


def _token(request: Request) -> str | None:
    """The planner token of the request: ``?token=`` first, else ``Authorization: Bearer``."""
    token = request.query_params.get("token")
    if token:
        return token
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def _planner_ok(request: Request) -> bool:
    service: Service = request.app.state.service
    try:
        check_planner(service.settings, _token(request))
    except (NotAuthenticated, PlannerAccessOff):
        return False
    return True


async def _layer(request: Request, collection_id: str) -> Layer:
    """The collection ``collection_id``, the planner token checked for planner collections.

    Raises
    ------
    UnknownId
        No such collection.
    NotAuthenticated, PlannerAccessOff
        A planner collection without the right token.
    """
    cat = current_catalogue(request)
    entry = cat.entries.get(collection_id)
    if entry is None:
        raise UnknownId(f"ukjent samling {collection_id!r}; se {PREFIX}/collections")
    if entry.planner:
        service: Service = request.app.state.service
        check_planner(service.settings, _token(request))
    return await _built(cat, collection_id)


async def _built(cat: Catalogue, collection_id: str) -> Layer:
    """A collection of ``cat``; the first use builds it on a worker thread."""
    layer = cat.ready(collection_id)
    if layer is None:
        layer = await run_in_threadpool(cat.build, collection_id)
    return layer


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def _link(href: str, rel: str, kind: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": kind, "title": title}


def _format(request: Request) -> None:
    f = request.query_params.get("f")
    if f is not None and f.lower() not in FORMATS:
        raise BadRequest(f"formatet {f!r} finnes ikke her; bare json (f=json)")


def _json(content: Any, status: int = 200, media_type: str = JSON) -> Response:
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=media_type)


@router.get("", summary="Landingsside for OGC API – Features")
async def landing(request: Request) -> Response:
    """Links to the API's description, its conformance classes and the collections."""
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return _json(
        {
            "title": "dekning – OGC API – Features",
            "description": (
                "Bredbånd- og mobildekning som geodata: offentlige samlinger med "
                "personvernsikre tall, og planleggersamlinger som krever token."
            ),
            "links": [
                _link(base, "self", JSON, "Denne siden"),
                _link(
                    f"{root}/openapi.json",
                    "service-desc",
                    "application/vnd.oai.openapi+json;version=3.1",
                    "API-beskrivelsen (OpenAPI)",
                ),
                _link(f"{root}/docs", "service-doc", "text/html", "API-dokumentasjonen"),
                _link(f"{base}/conformance", "conformance", JSON, "Samsvarsklasser"),
                _link(f"{base}/collections", "data", JSON, "Samlingene"),
            ],
        }
    )


@router.get("/conformance", summary="Samsvarsklasser")
async def conformance() -> Response:
    """The conformance classes the service implements."""
    return _json({"conformsTo": list(CONFORMANCE)})


def _collection(request: Request, layer: Layer) -> dict[str, Any]:
    url = f"{_base(request)}/collections/{layer.id}"
    return {
        **describe(layer),
        "links": [
            _link(url, "self", JSON, "Denne samlingen"),
            _link(f"{url}/items", "items", GEOJSON, "Objektene"),
            _link(f"{url}/queryables", QUERYABLES_REL, SCHEMA, "Egenskaper det kan filtreres på"),
        ],
    }


@router.get("/collections", summary="Samlingene")
async def collections(request: Request) -> Response:
    """The public collections, and the planner collections when the request has the token."""
    try:
        _format(request)
    except BadRequest as err:
        return bad_request(str(err))
    cat = current_catalogue(request)
    planner = _planner_ok(request)
    shown = [e.id for e in cat.entries.values() if planner or not e.planner]
    layers = [await _built(cat, i) for i in shown]
    url = f"{_base(request)}/collections"
    return _json(
        {
            "links": [_link(url, "self", JSON, "Samlingene")],
            "collections": [_collection(request, layer) for layer in layers],
        }
    )


@router.get("/collections/{collection_id}", summary="Én samling")
async def collection(request: Request, collection_id: str) -> Response:
    """A collection's description: extent, coordinate systems, links to its features."""
    try:
        _format(request)
    except BadRequest as err:
        return bad_request(str(err))
    return _json(_collection(request, await _layer(request, collection_id)))


@router.get("/collections/{collection_id}/queryables", summary="Filtrerbare egenskaper")
async def queryables(request: Request, collection_id: str) -> Response:
    """The properties ``/items`` filters on by equality (``?<egenskap>=<verdi>``), as a JSON
    Schema."""
    layer = await _layer(request, collection_id)
    url = f"{_base(request)}/collections/{layer.id}/queryables"
    props: dict[str, Any] = {}
    for name, q in layer.queryables.items():
        props[name] = {
            "type": q.kind,
            **({"title": layer.titles[name]} if name in layer.titles else {}),
        }
    props["geometry"] = {"format": f"geometry-{layer.geometry_type.lower()}"}
    schema = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url,
        "type": "object",
        "title": layer.title,
        "properties": props,
        "additionalProperties": False,
    }
    return _json(schema, media_type=SCHEMA)


def _integer(request: Request, name: str, default: int, low: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name} må være et heltall, ikke {text!r}") from None
    if value < low:
        raise BadRequest(f"{name} må være minst {low}")
    return value


def _crs(request: Request, name: str) -> str:
    value = request.query_params.get(name, CRS84)
    if value not in CRS_URIS:
        known = " eller ".join(CRS_URIS)
        raise BadRequest(f"{name} {value!r} støttes ikke; bruk {known}")
    return value


def _bbox(request: Request) -> tuple[float, float, float, float] | None:
    text = request.query_params.get("bbox")
    if text is None:
        return None
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:  # minimum and maximum height: ignored
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadRequest(f"bbox må være fire tall skilt med komma (minx,miny,maxx,maxy): {text!r}")
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise BadRequest("bbox: minimum må være mindre enn maksimum")
    return minx, miny, maxx, maxy


def _filters(request: Request, layer: Layer) -> dict[str, str]:
    where: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in ITEM_PARAMETERS:
            continue
        if name not in layer.queryables:
            raise BadRequest(
                f"ukjent parameter {name!r}; filtrerbare egenskaper står i "
                f"{PREFIX}/collections/{layer.id}/queryables"
            )
        if name in where:
            raise BadRequest(f"{name} er gitt mer enn én gang")
        where[name] = value
    return where


def _page(
    request: Request, layer: Layer, found: np.ndarray, crs: str, limit: int, offset: int
) -> bytes:
    page = found[offset : offset + limit].tolist()
    url = request.url
    links = [_link(str(url), "self", GEOJSON, "Denne siden")]
    if offset + limit < len(found):
        after = url.include_query_params(limit=limit, offset=offset + limit)
        links.append(_link(str(after), "next", GEOJSON, "Neste side"))
    if offset > 0:
        before = url.include_query_params(limit=limit, offset=max(0, offset - limit))
        links.append(_link(str(before), "prev", GEOJSON, "Forrige side"))
    collection_url = f"{_base(request)}/collections/{layer.id}"
    links.append(_link(collection_url, "collection", JSON, layer.title))
    head = (
        f'{{"type":"FeatureCollection","numberMatched":{len(found)},'
        f'"numberReturned":{len(page)},"links":{json.dumps(links, ensure_ascii=False)},'
        '"features":['
    ).encode()
    return head + b",".join(layer.feature(i, crs) for i in page) + b"]}"


def _parameter(name: str, description: str, kind: str = "string") -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": kind},
    }


ITEMS_PARAMETERS = [
    _parameter(
        "limit", f"Objekter per side (standard {DEFAULT_LIMIT}, høyst {MAX_LIMIT})", "integer"
    ),
    _parameter("offset", "Hopp over så mange objekter", "integer"),
    _parameter("bbox", "minx,miny,maxx,maxy (lengde/bredde, CRS84, om ikke bbox-crs)"),
    _parameter("bbox-crs", f"CRS for bbox: {' eller '.join(CRS_URIS)}"),
    _parameter("crs", f"CRS for geometrien i svaret: {' eller '.join(CRS_URIS)}"),
]
"""The query parameters of ``/items`` in the OpenAPI description; they are read by hand (a bad
value is 400, as OGC API – Features wants, and the hot path skips the framework's checks)."""


@router.get(
    "/collections/{collection_id}/items",
    summary="Objektene i en samling",
    openapi_extra={"parameters": ITEMS_PARAMETERS},
)
async def items(request: Request, collection_id: str) -> Response:
    """Features of a collection (GeoJSON FeatureCollection), paged with ``limit`` and
    ``offset`` (links ``next``/``prev``), filtered by ``bbox`` and by equality on the
    collection's queryable properties (``?valgt=true``, ``?postnummer=7395``). Coordinates in
    CRS84 (longitude, latitude) unless ``crs`` is EPSG:25833's URI."""
    layer = await _layer(request, collection_id)
    try:
        _format(request)
        size = min(_integer(request, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
        skip = _integer(request, "offset", 0, 0)
        out_crs = _crs(request, "crs")
        found = layer.select(_bbox(request), _crs(request, "bbox-crs"), _filters(request, layer))
    except (BadRequest, FilterError) as err:
        return bad_request(str(err))
    body = _page(request, layer, found, out_crs, size, skip)
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": f"<{out_crs}>"})


@router.get("/collections/{collection_id}/items/{feature_id}", summary="Ett objekt")
async def item(request: Request, collection_id: str, feature_id: str) -> Response:
    """One feature by its id (GeoJSON Feature)."""
    layer = await _layer(request, collection_id)
    try:
        _format(request)
        out_crs = _crs(request, "crs")
    except BadRequest as err:
        return bad_request(str(err))
    i = layer.by_id.get(feature_id)
    if i is None:
        raise UnknownId(f"ukjent objekt {feature_id!r} i samlingen {layer.id}")
    url = f"{_base(request)}/collections/{layer.id}"
    links = [
        _link(str(request.url), "self", GEOJSON, "Dette objektet"),
        _link(url, "collection", JSON, layer.title),
    ]
    feature = layer.feature(i, out_crs)
    body = feature[:-1] + b',"links":' + json.dumps(links, ensure_ascii=False).encode() + b"}"
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": f"<{out_crs}>"})
