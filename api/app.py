"""FastAPI service over the results of a run, built by :func:`create_app`.

Public endpoints only show what operators publish per address and aggregates; personal data
(household counts per address, survey answers) stay out of them.
"""

from __future__ import annotations

import hmac
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
from fastapi import Depends, FastAPI, Header, HTTPException, Query
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict

from dekning import WEB_CRS, __version__
from dekning.config import Config, load_config, load_default_config
from dekning.coverage.classify import SPEED_CLASS_LABELS


class Settings(BaseModel):
    """Service settings."""

    model_config = ConfigDict(frozen=True)
    config_path: Path | None = None
    """Configuration of the analysis; None: the embedded synthetic data set."""
    out_dir: Path = Path("dekning-ut")
    """Output folder of a run; the service runs the analysis when it is missing."""
    planner_token: str | None = None
    """Bearer token of planner/staff endpoints (individual answers, planner map). None: those
    endpoints answer 403."""


@dataclass
class _State:
    cfg: Config
    out_dir: Path
    addresses: gpd.GeoDataFrame
    search_keys: np.ndarray
    areas_geojson: dict


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    return re.sub(r"\s+", " ", text).strip()


def _load_state(settings: Settings) -> _State:
    cfg = load_config(settings.config_path) if settings.config_path else load_default_config()
    out = settings.out_dir
    if not (out / "adresser_klassifisert.gpkg").exists():
        from dekning.pipeline import run

        run(cfg, out)
    addresses = gpd.read_file(out / "adresser_klassifisert.gpkg", layer="adresser")
    keys = (
        (addresses["adressetekst"].astype(str) + " " + addresses["postnummer"].astype(str))
        .map(_norm)
        .to_numpy()
    )
    areas = json.loads((out / "omrader.geojson").read_text(encoding="utf-8"))
    return _State(cfg, out, addresses, keys, areas)


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
    beste_ned_kbps: int
    beste_opp_kbps: int
    beste_teknologi: str
    hastighetsklasse: str
    hastighetsklasse_tekst: str
    tilbydere: list[str]
    mobil: dict[str, int]
    stotteberettiget: bool


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application. The analysis results are loaded once at start-up."""
    settings = settings or Settings()
    state = _load_state(settings)
    app = FastAPI(
        title="dekning", version=__version__, description="Bredbånd- og mobildekning per adresse."
    )
    web = state.addresses.to_crs(WEB_CRS)
    lat = web.geometry.y.to_numpy()
    lon = web.geometry.x.to_numpy()
    by_id = {int(a): i for i, a in enumerate(state.addresses["adrid"].to_numpy())}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/kart")

    @app.get("/v1/health")
    def health() -> dict[str, object]:
        return {"status": "ok", "version": __version__, "adresser": len(state.addresses)}

    @app.get("/v1/adresser", response_model=list[AddressHit])
    def search(
        q: str = Query(min_length=2, max_length=100), limit: int = Query(10, ge=1, le=50)
    ) -> list[AddressHit]:
        needle = _norm(q)
        hits = np.flatnonzero(np.char.find(state.search_keys.astype(str), needle) >= 0)[:limit]
        a = state.addresses
        return [
            AddressHit(
                adrid=int(a["adrid"].iat[i]),
                adressetekst=str(a["adressetekst"].iat[i]),
                postnummer=str(a["postnummer"].iat[i]),
                poststed=str(a["poststed"].iat[i]),
                lat=round(float(lat[i]), 6),
                lon=round(float(lon[i]), 6),
            )
            for i in hits
        ]

    @app.get("/v1/dekning/{adrid}", response_model=Coverage)
    def coverage(adrid: int) -> Coverage:
        i = by_id.get(adrid)
        if i is None:
            raise HTTPException(404, f"ukjent adresse-id {adrid}")
        row = state.addresses.iloc[i]
        mob = {
            c[4:]: int(row[c])
            for c in state.addresses.columns
            if re.fullmatch(r"mob_[a-z]+_[45]g", c)
        }
        return Coverage(
            adrid=adrid,
            adressetekst=str(row["adressetekst"]),
            beste_ned_kbps=int(row["best_down_kbps"]),
            beste_opp_kbps=int(row["best_up_kbps"]),
            beste_teknologi=str(row["best_tek"] or ""),
            hastighetsklasse=str(row["speed_class"]),
            hastighetsklasse_tekst=SPEED_CLASS_LABELS[str(row["speed_class"])],
            tilbydere=[t for t in str(row["operators"] or "").split(", ") if t],
            mobil=mob,
            stotteberettiget=bool(row["eligible"]),
        )

    @app.get("/v1/omrader")
    def areas() -> JSONResponse:
        keep = ("area_id", "hus", "naering", "fritid", "valgt", "aar", "rang")
        feats = [
            {**f, "properties": {k: f["properties"].get(k) for k in keep}}
            for f in state.areas_geojson["features"]
        ]
        return JSONResponse(
            {"type": "FeatureCollection", "features": feats}, media_type="application/geo+json"
        )

    def planner(
        authorization: str | None = Header(None), token: str | None = Query(None, max_length=200)
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

    @app.get("/kart", include_in_schema=False)
    def public_map() -> FileResponse:
        return FileResponse(state.out_dir / "kart_offentlig.html", media_type="text/html")

    @app.get("/kart/planlegger", include_in_schema=False, dependencies=[Depends(planner)])
    def planner_map() -> FileResponse:
        return FileResponse(state.out_dir / "kart_planlegger.html", media_type="text/html")

    return app
