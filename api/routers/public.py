"""Public endpoints: coverage per address, areas, suppressed statistics, survey answers, and the
public map with its address search.

Nothing here shows personal data: coverage is what operators publish per address, and
aggregates hide groups under ``privacy.min_cell_count`` addresses.

The public map (``/kart``) is the page ``dekning run`` wrote, served without its address index:
the page then searches through ``GET /v1/adresser/sok``, which answers from that same index
(read from the page once per run's results) what the offline page would find, with the fields
its answer shows. The index is the ``<script type="application/json" id="dekning-adresser">``
element of the page (``dekning.maps.public_search``, which this layer may not import).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from pyproj import Transformer
from rapidfuzz import fuzz

from dekning import __version__
from dekning.config import Config
from dekning.crs import WEB_CRS, WORK_CRS
from dekning.errors import ConfigError, InputError
from dekning.surveys.challenges import ChallengeStore
from dekning.surveys.geocode import fold, normalise_street
from dekning.surveys.store import StoreUnavailable

from ..challenge_models import CoverageOut, SpeedTestsIn, SpeedTestsOut
from ..deps import ResultsDep, ServiceDep, current_results, submission_slot
from ..errors import TooManyRequests, UnknownId
from ..limits import RateLimiter, client_address
from ..models import (
    AddressHit,
    AreaCollection,
    Coverage,
    Group,
    Health,
    Problem,
    StatisticsRow,
    SubmissionOut,
    SurveyAnswerIn,
)
from ..service import Service
from ..state import PUBLIC_MAP, Results

router = APIRouter(tags=["offentlig"])


class GeoJSONResponse(JSONResponse):
    """GeoJSON, already encoded (documented with the route's response model)."""

    media_type = "application/geo+json"

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else super().render(content)


JSON = "application/json"
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}
TO_WORK = Transformer.from_crs(WEB_CRS, WORK_CRS, always_xy=True)


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/kart")


@router.get("/v1/health")
async def health(results: ResultsDep) -> Health:
    return Health(status="ok", version=__version__, adresser=len(results.addresses))


@router.get("/v1/adresser", response_model=list[AddressHit])
async def search(
    request: Request,
    q: Annotated[str, Query(min_length=2, max_length=100, description="Del av adressen")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Response:
    """Address search: addresses whose text and postnummer contain ``q``."""
    return Response(current_results(request).lookup.search(q, limit), media_type=JSON)


NUMBER_WORDS = ("én", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti")
"""One to ten in bokmål (a count of tests or days ten and under is written in words)."""


def _count(n: int, one: str, many: str) -> str:
    """``én test``, ``tre tester``, ``12 tester``."""
    if n == 1:
        return one
    return f"{NUMBER_WORDS[n - 1] if n <= len(NUMBER_WORDS) else n} {many}"


def how_to_challenge(cfg: Config) -> str:
    """How a resident challenges the data of an address (bokmål), with the evidence rules of
    the configuration (``[evidence]``: ``min_tests``, ``min_days``, ``wired_only``,
    ``prefer_wired``). Residents send their tests to the municipality; apps send them to
    ``POST /v1/hastighetstester`` (the public map has no form for them)."""
    e = cfg.evidence
    if e.wired_only:
        wired = "og bare tester med kabel til ruteren teller, ikke trådløse"
    elif e.prefer_wired:
        wired = "helst med kabel til ruteren, ikke trådløst"
    else:
        wired = "med kabel til ruteren eller trådløst"
    tests = _count(e.min_tests, "én test", "tester")
    days = _count(e.min_days, "én dag", "forskjellige dager")
    return (
        "Stemmer ikke dette med det du faktisk får? Svar på kommunens spørreundersøkelse når "
        f"den er åpen, eller send resultater fra hastighetstester til kommunen: minst {tests} "
        f"på minst {days}, {wired}. Medianen av testene teller. Apper kan sende testene til "
        "POST /v1/hastighetstester."
    )


def open_challenge_at(store: ChallengeStore, adrid: int) -> bool | None:
    """Whether an undecided challenge (status in ``OPEN``) concerns the address; None when the
    store cannot be reached (the lookup answers anyway)."""
    try:
        return store.open_at(adrid)
    except StoreUnavailable:
        return None


@router.get("/v1/dekning/{adrid}", response_model=CoverageOut, responses=NOT_FOUND)
async def coverage(request: Request, adrid: Annotated[int, PathParam(ge=0, le=10**15)]) -> Response:
    """Fixed and mobile coverage at an address; whether an undecided challenge of the operator
    data concerns it (``utfordring_apen``; null when that cannot be looked up now), and how a
    resident challenges the data (``slik_utfordrer_du``)."""
    held: Service = request.app.state.service
    lookup = held.results.lookup
    i = lookup.by_id.get(adrid)
    if i is None:
        raise UnknownId(f"ukjent adresse-id {adrid}")
    is_open = await run_in_threadpool(open_challenge_at, held.challenges, adrid)
    extra = json.dumps(
        {"utfordring_apen": is_open, "slik_utfordrer_du": how_to_challenge(held.cfg)},
        ensure_ascii=False,
    ).encode()
    answer = lookup.coverage[i].rstrip()
    return Response(answer[:-1] + b"," + extra[1:], media_type=JSON)


@router.get("/v1/dekning", response_model=Coverage, responses=NOT_FOUND)
async def coverage_at(
    results: ResultsDep,
    lat: Annotated[float, Query(ge=57.0, le=72.0)],
    lon: Annotated[float, Query(ge=4.0, le=32.0)],
    maks_m: Annotated[
        float, Query(gt=0, le=2_000, description="Lengste avstand til nærmeste adresse")
    ] = 200.0,
) -> JSONResponse:
    """Coverage at the nearest address within ``maks_m`` metres of a point (EPSG:4326)."""
    x, y = TO_WORK.transform(lon, lat)
    distance, i = results.lookup.tree.query([x, y])
    if not np.isfinite(distance) or distance > maks_m:
        raise UnknownId(f"ingen adresse innen {maks_m:g} m")
    answer = json.loads(results.lookup.coverage[int(i)])
    return JSONResponse({**answer, "avstand_m": round(float(distance), 1)})


@router.get("/v1/omrader", response_model=AreaCollection, response_class=GeoJSONResponse)
async def areas(results: ResultsDep) -> GeoJSONResponse:
    """Build-out areas (EPSG:4326) with their public figures: no money, no addresses."""
    return GeoJSONResponse(results.areas_geojson)


@router.get("/v1/statistikk", response_model=list[StatisticsRow], responses=NOT_FOUND)
async def statistics(
    results: ResultsDep, gruppe: Annotated[Group, Query()] = "postnummer"
) -> Response:
    """Households, holiday homes and businesses per speed class and group; groups with fewer
    than ``privacy.min_cell_count`` addresses are suppressed (figures null, ``skjult`` true).
    Speed classes: ``ge1000`` ≥ 1000 Mbit/s, ``ge100`` 100–1000 Mbit/s, ``30to100``
    30–100 Mbit/s, ``lt30`` under 30 Mbit/s, ``none`` no fixed offer."""
    encoded = results.statistics.get(gruppe)
    if encoded is None:
        raise UnknownId(f"ingen data for gruppe {gruppe!r}")
    return Response(encoded, media_type=JSON)


def check_mobile_keys(keys: list[str], known: tuple[str, ...]) -> None:
    """Every ``<operator>_<inne|ute>`` key names an operator of the run.

    Raises
    ------
    InputError
        A key names an operator the run does not know (field ``mobil``).
    """
    unknown = [k for k in keys if k.rsplit("_", 1)[0] not in known]
    if unknown:
        raise InputError(
            f"ukjent operatør i {', '.join(map(repr, unknown))}; "
            f"kjente operatører: {', '.join(known) or 'ingen'}",
            field="mobil",
        )


@router.post(
    "/v1/svar",
    status_code=201,
    dependencies=[Depends(submission_slot)],
    responses={413: {"model": Problem}, 429: {"model": Problem}, 503: {"model": Problem}},
)
def submit(answer: SurveyAnswerIn, held: ServiceDep) -> SubmissionOut:
    """Store one survey answer (validated with the same rules as survey exports); it is
    included in the next analysis run. 503 (with ``Retry-After``) while the answer store cannot
    be reached: nothing was stored, send it again later."""
    results = held.results
    check_mobile_keys(list(answer.mobil), results.operators)
    probe = pd.DataFrame(
        {
            "row": [1],
            "address": [answer.adresse],
            "postnummer": [answer.postnummer],
            "lat": pd.Series([answer.lat], dtype="float64"),
            "lon": pd.Series([answer.lon], dtype="float64"),
        }
    )
    surveys = held.cfg.surveys
    geo = results.index.geocode(probe, min_score=surveys.fuzzy_min_score, snap_m=surveys.snap_m)
    found = bool(geo.answers["adrid"].iloc[0] >= 0)
    return SubmissionOut(id=held.store.add(answer.model_dump()), adresse_funnet=found)


FUTURE_SKEW = timedelta(minutes=5)
"""How far ahead of the service's clock a speed test's time may be (a phone's clock)."""
API_SOURCE = "api"
"""The ``kilde`` of every speed test received through the open API (stored with each test)."""
TESTS_PER_ADDRESS = 20
"""Most speed tests the open API takes for one address id in :data:`ADDRESS_WINDOW`."""
ADDRESS_WINDOW = timedelta(days=1)


def received_at(store: ChallengeStore, adrids: set[int], since: datetime) -> dict[int, int]:
    """How many speed tests the open API received for each of ``adrids`` since ``since``
    (read with ``?`` placeholders; the address id is inside each test's JSON)."""
    rows = store.db.query(
        "SELECT data FROM hastighetstest WHERE kilde = ? AND mottatt >= ?",
        (API_SOURCE, since.astimezone(UTC).isoformat(timespec="seconds")),
    )
    counts = dict.fromkeys(adrids, 0)
    for (data,) in rows:
        adrid = json.loads(data).get("adrid")
        if isinstance(adrid, int) and adrid in counts:
            counts[adrid] += 1
    return counts


def check_address_cap(store: ChallengeStore, tests: list[int | None], now: datetime) -> None:
    """At most :data:`TESTS_PER_ADDRESS` tests per address id in a day from the open API,
    counting those already stored and ``tests`` (their address ids).

    Raises
    ------
    TooManyRequests
        An address id would get more (nothing is stored).
    """
    new: dict[int, int] = {}
    for adrid in tests:
        if adrid is not None:
            new[adrid] = new.get(adrid, 0) + 1
    if not new:
        return
    stored = received_at(store, set(new), now - ADDRESS_WINDOW)
    for adrid in sorted(new):
        if stored[adrid] + new[adrid] > TESTS_PER_ADDRESS:
            raise TooManyRequests(
                f"adresse-ID {adrid} har fått for mange hastighetstester det siste døgnet "
                f"(høyst {TESTS_PER_ADDRESS} per adresse og døgn; mottatt fra før: "
                f"{stored[adrid]}); prøv igjen i morgen",
                headers={"Retry-After": str(int(ADDRESS_WINDOW.total_seconds()))},
            )


@router.post(
    "/v1/hastighetstester",
    status_code=201,
    dependencies=[Depends(submission_slot)],
    responses={413: {"model": Problem}, 429: {"model": Problem}, 503: {"model": Problem}},
)
def submit_speedtests(body: SpeedTestsIn, held: ServiceDep) -> SpeedTestsOut:
    """Store 1–20 speed tests of a resident, used as evidence by the next analysis run. The
    tests are personal data: no endpoint returns them. Each needs a time with time zone, no
    later than now and no older than the configuration allows (``evidence.max_age_days``), and
    an address id, an address or coordinates. Counted against the same limit per client as
    survey answers; at most 20 tests per address id and day (24 hours) from this endpoint
    (429 beyond). Each stored test records that it came from the open API (``kilde`` ``api``)."""
    now = datetime.now(UTC)
    max_age = held.cfg.evidence.max_age_days
    oldest = now - timedelta(days=max_age)
    for i, test in enumerate(body.tester):
        if test.tid > now + FUTURE_SKEW:
            raise InputError("tidspunktet ligger fram i tid", field=f"tester[{i}].tid")
        if test.tid < oldest:
            raise InputError(
                f"testen er eldre enn {max_age} dager og teller ikke", field=f"tester[{i}].tid"
            )
    tests = body.tester
    frame = pd.DataFrame(
        {
            "tid": pd.to_datetime([t.tid for t in tests], utc=True).tz_convert("Europe/Oslo"),
            "ned_mbps": pd.Series([t.ned_mbps for t in tests], dtype="float64"),
            "opp_mbps": pd.Series([t.opp_mbps for t in tests], dtype="float64"),
            "latens_ms": pd.Series([t.latens_ms for t in tests], dtype="float64"),
            "tilkobling": [t.tilkobling for t in tests],
            "adresse": [t.adresse.strip() for t in tests],
            "postnummer": [t.postnummer for t in tests],
            "lat": pd.Series([t.lat for t in tests], dtype="float64"),
            "lon": pd.Series([t.lon for t in tests], dtype="float64"),
            "adrid": pd.array([t.adrid for t in tests], dtype="Int64"),
            "kilde": API_SOURCE,
        }
    )
    check_address_cap(held.challenges, [t.adrid for t in tests], now)
    held.challenges.add_speedtests(frame, source=API_SOURCE)
    return SpeedTestsOut(mottatt=len(tests))


INDEX_ELEMENT = re.compile(
    r'(<script type="application/json" id="dekning-adresser")>(.*?)</script>', re.DOTALL
)
"""The address index in the public map's page (see the module)."""
SEARCH = "v1/adresser/sok"
"""The search endpoint as the served page names it (relative to ``/kart``)."""
SEARCHES_PER_MINUTE = 240
"""Address searches per client and minute (a search as you type asks once per pause)."""
MAX_HITS = 8


class MobileAt(BaseModel):
    operator: str
    """As the configuration's mobile rasters name it (capitalised when all lower case)."""
    klasse: int = Field(ge=0, le=3)
    """Best class of the operator: 0 none, 1 external antenna, 2 outdoor, 3 indoor."""


class PublicAddress(BaseModel):
    """An address as the public map shows it: no address id, no counts."""

    tekst: str
    postnummer: str
    lat: float
    lon: float
    lenke: str
    """Share id: ``/kart#adresse=<lenke>`` opens the address."""
    klasse: Literal["ge1000", "ge100", "30to100", "lt30", "none"]
    """Speed class of the best fixed offer."""
    mobil: list[MobileAt]
    tilbydere: str
    """Operators with a fixed offer, as Nkom's data names them."""
    teknologi: str
    """Nkom's technology code of the best offer (``fiber``, ``dsl``, …; empty: none)."""
    omrade: str
    """The planned build-out area the address lies in (empty: none)."""


@dataclass(frozen=True)
class _Row:
    street: str
    num: str
    post: str
    plain: str
    answer: dict[str, Any]


@dataclass(frozen=True)
class PublicSearch:
    """The public map without its index, and the search over that index."""

    page: bytes
    rows: tuple[_Row, ...]
    streets: tuple[str, ...]
    by_link: dict[str, dict[str, Any]]

    @classmethod
    def from_page(cls, html: str) -> PublicSearch:
        """Read the index out of the public map's page.

        Raises
        ------
        ConfigError
            The page holds no address index (written by an older dekning).
        """
        m = INDEX_ELEMENT.search(html)
        if m is None:
            raise ConfigError(f"{PUBLIC_MAP} har ingen adresseindeks; kjør `dekning run` på nytt")
        served = html[: m.start()] + f'{m.group(1)} data-sok="{SEARCH}">null</script>'
        rows = tuple(_unpack(json.loads(m.group(2))))
        return cls(
            page=(served + html[m.end() :]).encode("utf-8"),
            rows=rows,
            streets=tuple(dict.fromkeys(r.street for r in rows)),
            by_link={r.answer["lenke"]: r.answer for r in rows},
        )

    def find(self, text: str, limit: int = MAX_HITS) -> list[dict[str, Any]]:
        """What the offline page finds for ``text`` (its ``find``), in the same order."""
        street, num, rest = _parse(text)
        plain = fold(text)
        post = rest.split(" ")[0]

        def fits(r: _Row) -> bool:
            return (not num or r.num.startswith(num)) and (
                not post[:1].isdigit() or r.post.startswith(post)
            )

        hits: list[tuple[float, int, dict[str, Any]]] = []
        for i, r in enumerate(self.rows):
            at = r.street.find(street)
            if at != -1 and fits(r):
                hits.append(((0 if at == 0 else 2) + (r.num != num), i, r.answer))
            elif plain in r.plain:
                hits.append((4, i, r.answer))
        if not hits and len(street) >= 4:
            near = {}
            for s in self.streets:
                v = max(_ratio(street, s), _ratio(street, s[: len(street)]))
                if v >= 80:
                    near[s] = v
            hits = [
                (200 - near[r.street] + (r.num != num), i, r.answer)
                for i, r in enumerate(self.rows)
                if r.street in near and fits(r)
            ]
        return [answer for *_, answer in sorted(hits, key=lambda h: (h[0], h[1]))[:limit]]


def _ratio(a: str, b: str) -> float:
    """rapidfuzz's ratio, 0 when a text is empty (as the page's)."""
    return fuzz.ratio(a, b) if a and b else 0.0


def _parse(text: str) -> tuple[str, str, str]:
    """The page's ``parse``: normalised street, number (+ letter), the rest."""
    words = fold(text).split(" ")
    i, num = 0, ""
    while i < len(words) and not words[i][:1].isdigit():
        i += 1
    street = normalise_street(" ".join(words[:i]))
    if i < len(words):
        num = words[i].removesuffix(".")
        i += 1
        nxt = words[i] if i < len(words) else ""
        if num.isdigit() and re.fullmatch("[a-z]", nxt):
            num += nxt
            i += 1
    return street, num, " ".join(words[i:])


def _unpack(ix: dict[str, Any]) -> list[_Row]:
    """The addresses of the page's index (columns, see ``dekning.maps.public_search``)."""
    lats = ix["start"][0] + np.cumsum(ix["dlat"], dtype="int64")
    lons = ix["start"][1] + np.cumsum(ix["dlon"], dtype="int64")
    flags = ix.get("utfordring")  # only when some address has an open challenge
    numbered = ix.get("versjon", 2) >= 3  # version 3 numbers repeated addresses' links
    seen: dict[str, int] = {}
    out = []
    for i, (g, rest, p, prof) in enumerate(
        zip(ix["gate"], map(str, ix["rest"]), ix["postnr"], ix["profil"], strict=True)
    ):
        n = str(i)
        name, street = ix["gater"][g]
        post = ix["post"][p]
        num = ix["nr"].get(n, re.sub(r"\s+", "", rest).lower())
        klasse, mobile, operators, technology, area = ix["profiler"][prof]
        tekst = ix["tekst"].get(n, f"{name} {rest}" if rest else name)
        key = f"{street}|{num}|{post}"
        link = re.sub("[^a-z0-9]+", "-", key).strip("-")
        seen[link] = nth = seen.get(link, 0) + 1
        if numbered and nth > 1:  # the 2nd, 3rd … address with the same text: -2, -3 …
            link = f"{link}-{nth}"
        answer = {
            "tekst": tekst,
            "postnummer": post,
            "lat": int(lats[i]) / 1e5,
            "lon": int(lons[i]) / 1e5,
            "lenke": ix["lenke"].get(n, link),
            "klasse": klasse,
            "mobil": [
                {"operator": o, "klasse": c} for o, c in zip(ix["operatorer"], mobile, strict=True)
            ],
            "tilbydere": operators,
            "teknologi": technology,
            "omrade": area,
        }
        if flags is not None:
            answer["utfordring"] = bool(flags[i])
        out.append(_Row(street, num, post, fold(f"{tekst} {post}"), answer))
    return out


_built = threading.Lock()


def public_search(request: Request) -> PublicSearch:
    """The :class:`PublicSearch` of the results being served (built once per results)."""
    results: Results = current_results(request)
    state = request.app.state
    with _built:
        held = getattr(state, "public_search", None)
        if held is None or held[0] is not results:
            page = results.file(PUBLIC_MAP).read_text(encoding="utf-8")
            held = (results, PublicSearch.from_page(page))
            state.public_search = held
    found: PublicSearch = held[1]
    return found


def search_slot(request: Request, held: ServiceDep) -> None:
    """Count one address search of the client (429 over :data:`SEARCHES_PER_MINUTE`)."""
    state = request.app.state
    with _built:
        limiter = getattr(state, "search_limiter", None)
        if limiter is None:
            limiter = state.search_limiter = RateLimiter(SEARCHES_PER_MINUTE)
    try:
        limiter.check(client_address(request.scope, held.settings.trusted_proxies))
    except TooManyRequests as err:
        raise TooManyRequests(
            "for mange søk fra denne adressen; prøv igjen om et minutt", headers=err.headers
        ) from None


@router.get(
    "/v1/adresser/sok",
    response_model=list[PublicAddress],
    dependencies=[Depends(search_slot)],
    responses={429: {"model": Problem}},
)
def search_public(
    request: Request,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="Adressen, som beboere skriver den"),
    ] = None,
    lenke: Annotated[
        str | None,
        Query(pattern="^[a-z0-9-]{1,200}$", description="Delings-id fra `#adresse=`"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_HITS)] = MAX_HITS,
) -> JSONResponse:
    """The public map's address search: with ``q``, up to ``limit`` addresses found as the
    survey geocoder finds them (abbreviations such as "storgt 5", æ/ø/å spelt in ASCII, small
    typos); with ``lenke``, the address of a share link (none: an empty list). Each with the
    fields the map's answer shows: the fixed offer, mobile classes and planned area; no
    address id, no counts. At most 240 searches per client and minute."""
    found = public_search(request)
    if lenke is not None:
        one = found.by_link.get(lenke)
        return JSONResponse([one] if one is not None else [])
    if q is None:
        raise InputError("oppgi q (adressen) eller lenke", field="q")
    return JSONResponse(found.find(q, limit))


@router.api_route("/kart", methods=["GET", "HEAD"], include_in_schema=False)
def public_map(request: Request) -> HTMLResponse:
    """The public map without its address index (it searches through the API)."""
    return HTMLResponse(public_search(request).page)
