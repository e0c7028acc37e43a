"""Request and response models of the challenge endpoints (utfordringer) and of residents'
speed tests (pydantic).

Kinds and statuses are the codes of :mod:`dekning.surveys.challenges` (:data:`KINDS`,
:data:`STATUSES`); their bokmål labels come along as ``*_tekst``. Texts are stored and
returned as given: they are data, never markup or formulas.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from dekning.surveys.challenges import TEXT_LIMIT

from .models import Coverage, StrictIn

Kind = Literal[
    "intet_tilbud",
    "for_treg",
    "feil_teknologi",
    "planlagt_ikke_reell",
    "ikke_bolig",
    "mangler_i_listen",
    "mobil",
]
"""The kinds of :data:`dekning.surveys.challenges.KINDS` (checked equal by the tests)."""
Status = Literal["ny", "sendt", "tilsvar", "opprettholdt", "avvist"]
"""The statuses of :data:`dekning.surveys.challenges.STATUSES` (checked equal by the tests)."""
Connection = Literal["kablet", "wifi", "mobil", "ukjent"]
"""How the device of a speed test was connected."""

MAX_MBPS = 100_000
"""Fastest speed a test may report (Mbit/s)."""
MAX_TESTS = 20
"""Most speed tests in one submission."""


def _iso_date(value: Any) -> Any:
    """``frist``: an ISO date (``ÅÅÅÅ-MM-DD``); empty text or null: none."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"frist {value!r} er ikke en dato (ÅÅÅÅ-MM-DD)") from None
    return value


def _aware_time(value: Any) -> Any:
    """``tid``: an ISO 8601 time with its time zone."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                "tid må være et tidspunkt i ISO 8601, f.eks. 2026-03-01T18:30:00+01:00"
            ) from None
    if isinstance(value, dt.datetime) and value.utcoffset() is None:
        raise ValueError("tid må ha tidssone, f.eks. 2026-03-01T18:30:00+01:00")
    return value


Deadline = Annotated[dt.date | None, BeforeValidator(_iso_date)]
AwareTime = Annotated[dt.datetime, BeforeValidator(_aware_time)]
Text = Annotated[str, Field(max_length=TEXT_LIMIT)]
Who = Annotated[str, Field(min_length=1, max_length=100, description="Hvem som gjør endringen")]


def _who(value: str) -> str:
    if not value.strip():
        raise ValueError("hvem mangler (navnet på den som gjør endringen)")
    return value.strip()


class ChallengeIn(StrictIn):
    """A new challenge: at an address (``adrid``) or of an area (``area_id``)."""

    adrid: int | None = Field(None, ge=0, lt=2**62)
    area_id: str = Field("", max_length=100)
    kind: Kind = Field(validation_alias=AliasChoices("type", "kind"))
    """The kind (``type`` or ``kind`` in the body)."""
    operator: str = Field("", max_length=80)
    frist: Deadline = None
    operatordata: Text = ""
    evidens: Text = ""
    kommentar: Text = ""
    vedlegg: Text = ""
    detaljer: dict[str, Any] | None = None
    hvem: Who

    _check_who = field_validator("hvem")(_who)

    @model_validator(mode="after")
    def _needs_a_place(self) -> ChallengeIn:
        if self.adrid is None and not self.area_id.strip():
            raise ValueError("oppgi adrid (adressen) eller area_id (området)")
        return self


class ChallengeChange(StrictIn):
    """A change of a challenge: the version the client saw, who changes it, and the new status
    and/or field values (fields left out are not changed)."""

    versjon: int = Field(ge=1)
    hvem: Who
    status: Status | None = None
    operator: str | None = Field(None, max_length=80)
    frist: Deadline = None
    operatordata: Text | None = None
    evidens: Text | None = None
    kommentar: Text | None = None
    vedlegg: Text | None = None
    tilsvar: Text | None = None
    detaljer: dict[str, Any] | None = None

    _check_who = field_validator("hvem")(_who)


class ChallengeProperties(BaseModel):
    """What the map layer shows of a challenge (no comment, no evidence text)."""

    id: int
    kind: Kind
    kind_tekst: str
    operator: str
    status: Status
    status_tekst: str
    frist: str
    """ISO date the operator must answer by (empty: not set)."""


class ChallengeOut(ChallengeProperties):
    """A challenge as stored."""

    adrid: int | None
    area_id: str
    opprettet: str
    endret: str
    besluttet_av: str
    besluttet: str
    operatordata: str
    evidens: str
    kommentar: str
    vedlegg: str
    tilsvar: str
    kilde: str
    detaljer: dict[str, Any]
    versjon: int


class HistoryEntry(BaseModel):
    """One change of a challenge: ``endring`` maps each changed field to ``[old, new]``."""

    versjon: int
    tid: str
    hvem: str
    hendelse: str
    endring: dict[str, Any]


class ChallengeDetail(ChallengeOut):
    """A challenge with its history, oldest first."""

    historikk: list[HistoryEntry]


class ChallengeFeature(BaseModel):
    type: Literal["Feature"]
    geometry: dict[str, Any]
    """The address as a GeoJSON point in EPSG:4326."""
    properties: ChallengeProperties


class ChallengeCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[ChallengeFeature]


class RunChanges(BaseModel):
    """Per address what changed from run ``fra`` to run ``til``."""

    fra: str
    til: str
    antall: dict[str, int]
    """Per kind of change (``dekning.history.CHANGES``) its count."""
    adresser: list[dict[str, Any]]
    """The changed addresses (missing values null)."""


class SpeedTestIn(StrictIn):
    """One speed test of a resident: where (``adrid``, or ``adresse`` with ``postnummer``, or
    ``lat``/``lon``), when and what it measured."""

    tid: AwareTime
    ned_mbps: float = Field(gt=0, le=MAX_MBPS)
    opp_mbps: float | None = Field(None, ge=0, le=MAX_MBPS)
    latens_ms: float | None = Field(None, ge=0, le=60_000)
    tilkobling: Connection = "ukjent"
    adrid: int | None = Field(None, ge=0, lt=2**62)
    adresse: str = Field("", max_length=200)
    postnummer: str = Field("", pattern=r"^(\d{4})?$")
    lat: float | None = Field(None, ge=57.0, le=72.0)
    lon: float | None = Field(None, ge=4.0, le=32.0)

    @model_validator(mode="after")
    def _needs_a_place(self) -> SpeedTestIn:
        if self.adrid is None and not self.adresse.strip():
            if self.lat is None or self.lon is None:
                raise ValueError("oppgi adrid, adresse, eller både lat og lon")
        return self


class SpeedTestsIn(StrictIn):
    tester: list[SpeedTestIn] = Field(min_length=1, max_length=MAX_TESTS)


class SpeedTestsOut(BaseModel):
    mottatt: int
    """Tests stored."""


class CoverageOut(Coverage):
    """:class:`~dekning.api.models.Coverage` with what a resident needs to challenge it."""

    utfordring_apen: bool | None = None
    """Whether an undecided challenge concerns the address (null: the store cannot be
    reached now)."""
    slik_utfordrer_du: str | None = None
    """How a resident challenges the data (bokmål)."""
