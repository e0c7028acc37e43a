"""FastAPI service over the results of a run, built by :func:`create_app`.

Public endpoints show only what operators publish per address (coverage) and aggregates with
small groups suppressed. Individual survey answers, discrepancy lists, application packages and
re-runs need the planner token.
"""

from __future__ import annotations

import hmac
import json
import re
import threading
import time
import unicodedata
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pyproj import Transformer
from scipy.spatial import cKDTree

from dekning import __version__
from dekning.config import Config, load_config, load_default_config
from dekning.coverage.classify.fixed import SPEED_CLASS_LABELS
from dekning.crs import WEB_CRS, WORK_CRS
from dekning.errors import DekningError
from dekning.surveys.read import MAX_MBPS
from dekning.surveys.store import SurveyStore

PACKAGE_FILES = {
    "adresser.csv": "text/csv",
    "adresser.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "omrade.gpkg": "application/geopackage+sqlite3",
    "omrade.geojson": "application/geo+json",
    "kostnad_og_finansiering.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sammendrag.html": "text/html",
}
GROUPS = ("kommunenummer", "postnummer", "grunnkrets", "ssb_rute_250", "omrade")
AREA_ID = r"^[A-Za-z0-9_.-]{1,40}$"


class Settings(BaseModel):
    """Service settings."""

    model_config = ConfigDict(frozen=True)
    config_path: Path | None = None
    """Configuration of the analysis; None: the embedded synthetic data set."""
    out_dir: Path = Path("dekning-ut")
    """Output folder of a run; the service runs the analysis when it is missing."""
    planner_token: str | None = None
    """Bearer token of planner/staff endpoints. None: those endpoints answer 403."""
    database_url: str | None = None
    """Survey store: SQLite file or ``postgresql://...``. Default: the configuration's
    ``input.survey_db``, else ``dekning-svar.sqlite`` next to ``out_dir``."""
    max_body_bytes: int = 16_384
    submissions_per_minute: int = 10
    """Survey submissions accepted per client address and minute."""


@dataclass
class _State:
    cfg: Config
    out_dir: Path
    addresses: gpd.GeoDataFrame
    search_keys: np.ndarray
    by_id: dict[int, int]
    tree: cKDTree
    areas_geojson: dict
    finance: pd.DataFrame
    coverage_json: list[dict]
    """Coverage answer of every address, built once per run."""
    coverage_bytes: list[bytes]
    """The same, already encoded: lookups send bytes."""
    hit_bytes: list[bytes]


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    return re.sub(r"\s+", " ", text).strip()


def _coverage_records(a: gpd.GeoDataFrame) -> list[dict]:
    """The coverage answer of every address (plain dicts, validated once by :class:`Coverage`)."""
    mob_cols = [c for c in a.columns if re.fullmatch(r"mob_[a-z]+_[45]g", c)]
    mob = a[mob_cols].astype(int).to_dict("records") if mob_cols else [{}] * len(a)
    return [
        Coverage(
            adrid=int(adrid),
            adressetekst=str(text),
            beste_ned_kbps=int(down),
            beste_opp_kbps=int(up),
            beste_teknologi=str(tek or ""),
            hastighetsklasse=str(cls),
            hastighetsklasse_tekst=SPEED_CLASS_LABELS[str(cls)],
            tilbydere=[t for t in str(ops or "").split(", ") if t],
            mobil={k[4:]: v for k, v in m.items()},
            stotteberettiget=bool(elig),
        ).model_dump()
        for adrid, text, down, up, tek, cls, ops, elig, m in zip(
            a["adrid"],
            a["adressetekst"],
            a["best_down_kbps"],
            a["best_up_kbps"],
            a["best_tek"],
            a["speed_class"],
            a["operators"],
            a["eligible"],
            mob,
            strict=True,
        )
    ]


def _load_state(cfg: Config, out: Path) -> _State:
    addresses = gpd.read_file(out / "adresser_klassifisert.gpkg", layer="adresser")
    keys = (
        (addresses["adressetekst"].astype(str) + " " + addresses["postnummer"].astype(str))
        .map(_norm)
        .to_numpy(dtype=str)
    )
    web = addresses.to_crs(WEB_CRS)
    hits = [
        {
            "adrid": int(i),
            "adressetekst": str(t),
            "postnummer": str(p),
            "poststed": str(ps),
            "lat": round(float(la), 6),
            "lon": round(float(lo), 6),
        }
        for i, t, p, ps, la, lo in zip(
            addresses["adrid"],
            addresses["adressetekst"],
            addresses["postnummer"],
            addresses["poststed"],
            web.geometry.y,
            web.geometry.x,
            strict=True,
        )
    ]
    records = _coverage_records(addresses)
    return _State(
        cfg=cfg,
        out_dir=out,
        addresses=addresses,
        search_keys=keys,
        by_id={int(a): i for i, a in enumerate(addresses["adrid"].to_numpy())},
        tree=cKDTree(np.column_stack([addresses.geometry.x, addresses.geometry.y])),
        areas_geojson=json.loads((out / "omrader.geojson").read_text(encoding="utf-8")),
        finance=pd.read_csv(out / "finansiering.csv", sep=";"),
        coverage_json=records,
        coverage_bytes=[json.dumps(r, ensure_ascii=False).encode() for r in records],
        hit_bytes=[json.dumps(h, ensure_ascii=False).encode() for h in hits],
    )


class AddressHit(BaseModel):
    adrid: int
    adressetekst: str
    postnummer: str
    poststed: str
    lat: float
    lon: float


class Coverage(BaseModel):
    adrid: int
    adressetekst: str
    avstand_m: float | None = None
    beste_ned_kbps: int
    beste_opp_kbps: int
    beste_teknologi: str
    hastighetsklasse: str
    hastighetsklasse_tekst: str
    tilbydere: list[str]
    mobil: dict[str, int]
    """Class per operator and technology: 0 none, 1 external antenna, 2 outdoor, 3 indoor."""
    stotteberettiget: bool


MobileKey = Annotated[str, Field(pattern=r"^(telenor|telia|ice)_(inne|ute)$")]


class SurveyAnswerIn(BaseModel):
    """One resident's answer, in the same codes as the survey mappings (see README)."""

    model_config = ConfigDict(extra="forbid")
    adresse: str = Field("", max_length=200, description="Gateadresse, f.eks. 'Storgata 5'")
    postnummer: str = Field("", pattern=r"^(\d{4})?$")
    lat: float | None = Field(None, ge=57.0, le=72.0)
    lon: float | None = Field(None, ge=4.0, le=32.0)
    boligtype: Literal["helaar", "fritid", "naering", ""] = ""
    teknologi: Literal["fiber", "kabel", "dsl", "ftb", "satellitt", "ingen", ""] = ""
    tilbyder: str = Field("", max_length=80)
    ned_mbps: float | None = Field(None, ge=0, le=MAX_MBPS)
    opp_mbps: float | None = Field(None, ge=0, le=MAX_MBPS)
    fornoyd: int | None = Field(None, ge=1, le=5)
    interessert_fiber: Literal["ja", "nei", "har", ""] = ""
    betalingsvilje_nok: int | None = Field(None, ge=0, le=1_000_000)
    mobil: dict[MobileKey, Literal[0, 2, 3]] = Field(default_factory=dict, max_length=6)
    kommentar: str = Field("", max_length=1000)

    @model_validator(mode="after")
    def _needs_a_place(self) -> SurveyAnswerIn:
        if not self.adresse.strip() and (self.lat is None or self.lon is None):
            raise ValueError("oppgi adresse, eller både lat og lon")
        return self


class SubmissionOut(BaseModel):
    id: int
    adresse_funnet: bool


class _BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413."""

    def __init__(self, app, limit: int) -> None:  # type: ignore[no-untyped-def]
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await JSONResponse(
                {"detail": f"forespørselen er for stor (maks {self.limit} byte)"}, 413
            )(scope, receive, send)
        seen = 0

        async def limited():  # type: ignore[no-untyped-def]
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, f"forespørselen er for stor (maks {self.limit} byte)")
            return message

        return await self.app(scope, limited, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application. The analysis results are loaded once at start-up (and again after
    a re-run); the analysis runs first when ``out_dir`` holds no results."""
    settings = settings or Settings()
    cfg = load_config(settings.config_path) if settings.config_path else load_default_config()
    out = settings.out_dir
    db = (
        settings.database_url
        or cfg.input.survey_db
        or str(out.resolve().parent / "dekning-svar.sqlite")
    )
    if cfg.input.survey_db != db:
        cfg = cfg.model_copy(update={"input": cfg.input.model_copy(update={"survey_db": db})})
    if not (out / "adresser_klassifisert.gpkg").exists():
        from dekning.pipeline import run

        run(cfg, out)
    holder = {"state": _load_state(cfg, out)}
    store = SurveyStore(db)
    run_lock = threading.Lock()
    recent: dict[str, deque[float]] = defaultdict(deque)
    to_work = Transformer.from_crs(WEB_CRS, WORK_CRS, always_xy=True)

    app = FastAPI(
        title="dekning",
        version=__version__,
        description="Bredbånd- og mobildekning per adresse, utbyggingsområder og spørreundersøkelse.",
    )
    app.add_middleware(_BodyLimit, limit=settings.max_body_bytes)

    @app.exception_handler(DekningError)
    async def _dekning_error(_request: Request, exc: DekningError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    def state() -> _State:
        return holder["state"]

    def planner(
        authorization: str | None = Header(None, max_length=300),
        token: str | None = Query(None, max_length=200),
    ) -> None:
        if not settings.planner_token:
            raise HTTPException(
                403,
                "planleggertilgang er slått av: start med --planner-token / DEKNING_PLANNER_TOKEN",
            )
        given = token or (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), settings.planner_token.encode()):
            raise HTTPException(
                401, "feil eller manglende token", headers={"WWW-Authenticate": "Bearer"}
            )

    def coverage_of(i: int, distance: float | None = None) -> Response:
        st = state()
        if distance is None:
            return Response(st.coverage_bytes[i], media_type="application/json")
        return JSONResponse({**st.coverage_json[i], "avstand_m": distance})

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/kart")

    @app.get("/v1/health", tags=["offentlig"])
    def health() -> dict[str, object]:
        return {"status": "ok", "version": __version__, "adresser": len(state().addresses)}

    @app.get("/v1/adresser", response_model=list[AddressHit], tags=["offentlig"])
    async def search(
        q: str = Query(min_length=2, max_length=100, description="Del av adressen"),
        limit: int = Query(10, ge=1, le=50),
    ) -> Response:
        st = state()
        hits = np.flatnonzero(np.char.find(st.search_keys, _norm(q)) >= 0)[:limit]
        return Response(
            b"[" + b",".join(st.hit_bytes[i] for i in hits) + b"]", media_type="application/json"
        )

    @app.get("/v1/dekning/{adrid}", response_model=Coverage, tags=["offentlig"])
    async def coverage(adrid: int = PathParam(ge=0, le=10**15)) -> Response:
        i = state().by_id.get(adrid)
        if i is None:
            raise HTTPException(404, f"ukjent adresse-id {adrid}")
        return coverage_of(i)

    @app.get("/v1/dekning", response_model=Coverage, tags=["offentlig"])
    async def coverage_at(
        lat: float = Query(ge=57.0, le=72.0),
        lon: float = Query(ge=4.0, le=32.0),
        maks_m: float = Query(
            200.0, gt=0, le=2_000, description="Lengste avstand til nærmeste adresse"
        ),
    ) -> Response:
        x, y = to_work.transform(lon, lat)
        d, i = state().tree.query([x, y])
        if not np.isfinite(d) or d > maks_m:
            raise HTTPException(404, f"ingen adresse innen {maks_m:g} m")
        return coverage_of(int(i), round(float(d), 1))

    @app.get("/v1/omrader", tags=["offentlig"])
    def areas() -> JSONResponse:
        keep = ("area_id", "hus", "naering", "fritid", "valgt", "aar", "rang")
        feats = [
            {**f, "properties": {k: f["properties"].get(k) for k in keep}}
            for f in state().areas_geojson["features"]
        ]
        return JSONResponse(
            {"type": "FeatureCollection", "features": feats}, media_type="application/geo+json"
        )

    @app.get("/v1/statistikk", tags=["offentlig"])
    def statistics(gruppe: Literal[GROUPS] = Query("postnummer")) -> list[dict[str, object]]:  # type: ignore[valid-type]
        """Households, holiday homes and businesses per speed class; groups with fewer than
        ``privacy.min_cell_count`` addresses are suppressed (figures null, ``skjult`` true)."""
        st = state()
        minimum = st.cfg.privacy.min_cell_count
        if gruppe == "omrade":
            cols = ["area_id", "adresser", "hus", "naering", "fritid", "valgt"]
            table = st.finance[cols].rename(columns={"area_id": "omrade"})
        else:
            path = st.out_dir / f"aggregat_{gruppe}.csv"
            if not path.exists():
                raise HTTPException(404, f"ingen data for gruppe {gruppe!r}")
            table = pd.read_csv(path, sep=";", dtype={gruppe: str})
        small = table["adresser"] < minimum
        figures = [c for c in table.columns if c not in (gruppe, "omrade")]
        table = table.astype({c: "object" for c in figures})
        table.loc[small, figures] = None
        table["skjult"] = small
        return json.loads(table.to_json(orient="records", force_ascii=False))

    @app.post("/v1/svar", response_model=SubmissionOut, status_code=201, tags=["offentlig"])
    def submit(request: Request, answer: SurveyAnswerIn) -> SubmissionOut:
        """Store one survey answer (validated with the same rules as survey exports); it is
        included in the next analysis run."""
        client = request.client.host if request.client else "ukjent"
        now = time.monotonic()
        window = recent[client]
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= settings.submissions_per_minute:
            raise HTTPException(
                429,
                "for mange svar fra denne adressen; prøv igjen om et minutt",
                headers={"Retry-After": "60"},
            )
        window.append(now)
        from dekning.surveys.geocode import geocode

        probe = pd.DataFrame(
            {
                "row": [1],
                "address": [answer.adresse],
                "postnummer": [answer.postnummer],
                "lat": [answer.lat],
                "lon": [answer.lon],
            }
        )
        found = bool(geocode(probe, state().addresses).answers["adrid"].iloc[0] >= 0)
        new_id = store.add(answer.model_dump())
        return SubmissionOut(id=new_id, adresse_funnet=found)

    @app.get("/kart", include_in_schema=False)
    def public_map() -> FileResponse:
        return FileResponse(state().out_dir / "kart_offentlig.html", media_type="text/html")

    @app.get("/kart/planlegger", include_in_schema=False, dependencies=[Depends(planner)])
    def planner_map() -> FileResponse:
        return FileResponse(state().out_dir / "kart_planlegger.html", media_type="text/html")

    def _csv_records(name: str) -> list[dict[str, object]]:
        path = state().out_dir / name
        if not path.exists():
            return []
        return json.loads(pd.read_csv(path, sep=";").to_json(orient="records", force_ascii=False))

    @app.get("/v1/planlegger/svar", dependencies=[Depends(planner)], tags=["planlegger"])
    def answers() -> dict[str, object]:
        """Individual answers: from the survey export (matched to addresses) and from the API."""
        return {
            "eksport": _csv_records("sporreundersokelse_svar_PERSONOPPLYSNINGER.csv"),
            "api": json.loads(store.all().to_json(orient="records", force_ascii=False)),
        }

    @app.get("/v1/planlegger/avvik", dependencies=[Depends(planner)], tags=["planlegger"])
    def discrepancies() -> list[dict[str, object]]:
        """Where residents contradict the operator data, per address and operator."""
        return _csv_records("avvik_mot_operatordata.csv")

    @app.get(
        "/v1/planlegger/omrader/{area_id}/{fil}",
        dependencies=[Depends(planner)],
        tags=["planlegger"],
    )
    def package_file(
        area_id: str = PathParam(pattern=AREA_ID),
        fil: Literal[tuple(PACKAGE_FILES)] = PathParam(),  # type: ignore[valid-type]
    ) -> FileResponse:
        """A file of an area's application package (made on demand)."""
        st = state()
        if area_id not in set(st.finance["area_id"]):
            raise HTTPException(404, f"ukjent område {area_id!r}")
        folder = st.out_dir / "soknad" / area_id
        if not (folder / fil).exists():
            from dekning.coverage.application.package import write_application
            from dekning.pipeline import analyse

            with run_lock:
                result = analyse(st.cfg)
                write_application(
                    result.classified, result.areas, area_id, st.cfg, folder, routes=result.routes
                )
        return FileResponse(
            folder / fil, media_type=PACKAGE_FILES[fil], filename=f"{area_id}_{fil}"
        )

    @app.post("/v1/planlegger/kjor", dependencies=[Depends(planner)], tags=["planlegger"])
    def rerun() -> dict[str, object]:
        """Run the analysis again (with answers submitted since) and serve the new results."""
        from dekning.pipeline import run

        if not run_lock.acquire(blocking=False):
            raise HTTPException(409, "en analyse kjører allerede")
        try:
            result = run(holder["state"].cfg, out)
            holder["state"] = _load_state(holder["state"].cfg, out)
        finally:
            run_lock.release()
        return {"status": "ferdig", "sammendrag": result.summary}

    return app
