"""Request and response models of the API (pydantic): every answer has one.

Field names are the bokmål names clients see; figures are whole numbers where the run's outputs
are, and ``null`` where the small-group rule hides them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dekning.surveys.read import MAX_MBPS

SURROGATE = re.compile("[\ud800-\udfff]")
"""A UTF-16 surrogate: JSON can name one (``"\\ud800"``), UTF-8 cannot encode it alone."""

Group = Literal["kommunenummer", "postnummer", "grunnkrets", "ssb_rute_250", "ertett", "omrade"]
"""Groupings of :class:`StatisticsRow`."""
JobState = Literal["venter", "kjorer", "ferdig", "feilet"]
MobileKey = Annotated[str, Field(pattern=r"^.{1,40}_(inne|ute)$")]
"""``<operator>_<inne|ute>``; the operator must be one of the run's (checked per request)."""


class Problem(BaseModel):
    """An error answer."""

    detail: str | list[dict[str, Any]]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    adresser: int


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
    """Distance from the point asked for (lookups by coordinates only)."""
    beste_ned_kbps: int
    beste_opp_kbps: int
    beste_teknologi: str
    hastighetsklasse: str
    hastighetsklasse_tekst: str
    tilbydere: list[str]
    mobil: dict[str, int]
    """Class per ``<operator>_<technology>``: 0 none, 1 external antenna, 2 outdoor, 3 indoor."""
    stotteberettiget: bool


class AreaProperties(BaseModel):
    """What the public sees of an area. A count under the privacy minimum
    (``privacy.min_cell_count``), and every count of an area with fewer addresses than that,
    is null; ``skjult`` is true when any count is hidden."""

    area_id: str
    hus: int | None
    naering: int | None
    fritid: int | None
    skjult: bool
    valgt: bool
    aar: int
    rang: int


class AreaFeature(BaseModel):
    type: Literal["Feature"]
    geometry: dict[str, Any]
    """GeoJSON geometry in EPSG:4326."""
    properties: AreaProperties


class AreaCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[AreaFeature]


class StatisticsRow(BaseModel):
    """One group: its key (the column named by ``gruppe``), ``adresser``, households, holiday
    homes and businesses in all and per speed class (``hus_ge100``, ...); every figure is null
    when the group is suppressed (``skjult``)."""

    model_config = ConfigDict(extra="allow")
    adresser: int | None
    hus: int | None
    fritid: int | None
    naering: int | None
    skjult: bool


def has_surrogate(value: Any) -> bool:
    """Whether text anywhere in a JSON value holds a lone surrogate (not encodable as UTF-8)."""
    if isinstance(value, str):
        return SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(has_surrogate(k) or has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_surrogate(v) for v in value)
    return False


class StrictIn(BaseModel):
    """A request body: unknown fields, numbers that are not finite (NaN, Infinity, 1e400) and
    lone surrogates in text (such as ``"\\ud800"``) are refused, so what is stored can be read
    back."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, data: Any) -> Any:
        if has_surrogate(data):
            raise ValueError("teksten inneholder ugyldige tegn (enslig surrogat)")
        return data


class SurveyAnswerIn(StrictIn):
    """One resident's answer, in the same codes as the survey mappings (see README)."""

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
    mobil: dict[MobileKey, Literal[0, 2, 3]] = Field(
        default_factory=dict,
        max_length=40,
        description="Mobildekning per '<operatør>_<inne|ute>' (0 ingen, 2 svak, 3 god); "
        "operatøren må være en av kjøringens (se /v1/dekning/{adrid}).",
    )
    kommentar: str = Field("", max_length=1000)

    @model_validator(mode="after")
    def _needs_a_place(self) -> SurveyAnswerIn:
        if not self.adresse.strip() and (self.lat is None or self.lon is None):
            raise ValueError("oppgi adresse, eller både lat og lon")
        return self


class SubmissionOut(BaseModel):
    id: int
    adresse_funnet: bool


class SurveyRecord(BaseModel):
    """One answer as the planner sees it (personal data): the fields of the export or the
    API, with the matched address where found."""

    model_config = ConfigDict(extra="allow")


class PlannerAnswers(BaseModel):
    eksport: list[SurveyRecord]
    """Answers of the survey export, matched to addresses by the run."""
    api: list[SurveyRecord]
    """Answers submitted through the API (used by the next run)."""


class Discrepancy(BaseModel):
    """Where a resident contradicts the operator data (one address and operator)."""

    row: int
    adrid: int
    adressetekst: str
    avvik: str
    operator: str
    operatordata: str
    svar: str


class JobStatus(BaseModel):
    """A re-run of the analysis."""

    id: str
    status: JobState
    opprettet: datetime
    startet: datetime | None = None
    ferdig: datetime | None = None
    sammendrag: dict[str, Any] | None = None
    """The run's summary (``rapport.json``), when done."""
    feil: str | None = None
    """Why it failed (bokmål), when it did."""
