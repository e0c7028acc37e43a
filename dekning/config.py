"""Typed, validated configuration read from one TOML file.

Every parameter has a documented default; unknown keys and wrong types are errors that name the
key. Relative paths in ``[input]`` are resolved against the folder of the configuration file
(for the embedded default configuration: the ``data/`` folder).

Units: distances in metres (EPSG:25833), speeds in kbit/s as in Nkom's data, money in NOK,
signal levels in dBm (RSRP).
"""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from dekning.errors import ConfigError, validation_message

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegNOK = Annotated[float, Field(ge=0.0, le=1e11)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MobileRaster(_Section):
    """One mobile coverage raster (GeoTIFF): one operator and one technology."""

    operator: Annotated[str, Field(min_length=1, max_length=40)]
    technology: Literal["4g", "5g"]
    path: Path
    values: Literal["dbm", "class"] = "dbm"
    """``dbm``: signal level (RSRP, dBm); ``class``: 0 none, 1 external antenna, 2 outdoor, 3 indoor."""


class InputConfig(_Section):
    """Input files. Only ``addresses`` is required."""

    addresses: Path
    """Address register: Kartverket CSV (``;``), GeoJSON, GeoPackage or GeoParquet."""
    address_counts: Path | None = None
    """Households/persons/holiday homes/businesses per address id (Nkom ``adr`` layout)."""
    fixed_coverage: Path | None = None
    """Nkom fixed broadband per address × operator × technology (CSV or Parquet; kbit/s)."""
    coverage_polygons: Path | None = None
    """Operator coverage polygons with ``tilb, tek, ned, opp`` (GeoJSON/GeoPackage)."""
    consultation_list: Path | None = None
    """Nkom consultation list (``Mangler_100Mbit``/``Mangler_30Mbit``)."""
    mobile: tuple[MobileRaster, ...] = ()
    boundary: Path | None = None
    """Municipality boundary polygon; addresses outside are reported."""
    roads: Path | None = None
    """Road centre lines (GeoJSON/GeoPackage/...); fibre routes then follow the roads."""
    areas: Path | None = None
    """Build-out areas drawn by the user (polygons, optional ``area_id``) instead of clustering."""
    ground: Path | None = None
    """Ground-class polygons with a ``klasse`` column (e.g. fjell, myr); see
    ``costs.ground_cost_per_metre_nok``."""
    ducts: Path | None = None
    """Existing ducts (trekkrør) along roads, e.g. NVDB 'Trekkerør/kanal'; cheaper metres."""
    survey: Path | None = None
    survey_mapping: Path | None = None
    survey_db: str | None = None
    """Answers submitted through the API: SQLite file or ``postgresql://...`` URL; they join
    the survey export in the analysis."""
    mobile_addresses: Path | None = None
    """Nkom's per-address mobile file (``mob``: ``adrid, tilb, tek, ned``; CSV or Parquet),
    modelled outdoor download per operator and technology. Rasters in ``mobile`` win for the
    operator × technology pairs they cover (they tell indoor from outdoor)."""
    upgradeable: Path | None = None
    """Addresses whose existing network can easily be upgraded to 1 Gbit/s (ids in a CSV/XLSX
    with ``adrid``, or polygons): not eligible where the year's rule has that exclusion."""
    addresses_epsg: int | None = None
    """CRS of address coordinates when the file does not say (CSV without ``EPSG-kode``)."""
    dem: Path | None = None
    """Terrain model (GeoTIFF, metres, e.g. Kartverket DTM10) for the line-of-sight screening
    of candidate mast sites; without it no sites are screened."""
    speedtests: Path | None = None
    """Residents' speed tests (a Nkom Nettfart-style export or a generic CSV/XLSX with time,
    download, upload, latency, connection and address or coordinates); with those submitted
    through the API (``survey_db``) they are evidence for challenges (``[evidence]``)."""
    speedtests_format: Literal["nettfart", "generisk"] | None = None
    """The layout of ``speedtests``; None: told from its header."""
    sites: Path | None = None
    """Candidate mast sites (CSV with x/y or lat/lon, or points; name, height, cost optional);
    without it candidates are placed on high ground (``masts.auto_spacing_m``)."""


COUNTIES = (
    "agder",
    "akershus",
    "buskerud",
    "finnmark",
    "innlandet",
    "more_og_romsdal",
    "nordland",
    "oslo",
    "rogaland",
    "telemark",
    "troms",
    "trondelag",
    "vestfold",
    "vestland",
    "ostfold",
    # 2020-2023
    "viken",
    "vestfold_og_telemark",
    "troms_og_finnmark",
    # before 2020
    "aust_agder",
    "vest_agder",
    "hedmark",
    "oppland",
    "hordaland",
    "sogn_og_fjordane",
    "nord_trondelag",
    "sor_trondelag",
)
"""Keys of Norway's counties since 2018 (``Møre og Romsdal`` → ``more_og_romsdal``); a county
without an entry in ``dekning/rules/cofunding.toml`` gets the national rule."""


def county_key(county: str) -> str:
    """The key of a county name: ``Møre og Romsdal`` → ``more_og_romsdal``."""
    key = county.strip().lower().replace("ø", "o").replace("å", "a").replace("æ", "ae")
    return key.replace("-", "_").replace(" ", "_")


def _known_county(v: str) -> str:
    if county_key(v) not in COUNTIES:
        raise ValueError(f"ukjent fylke; kjente fylker: {', '.join(sorted(COUNTIES))}")
    return v


CountyName = Annotated[str, AfterValidator(_known_county)]
"""A county's name or key that :data:`COUNTIES` knows (an unknown one is an error)."""


class MunicipalityConfig(_Section):
    name: str = "Ukjent kommune"
    kommunenummer: Annotated[str, Field(pattern=r"^\d{4}$")] | None = None
    data_date: date | None = None
    """Date of the operators' coverage data (e.g. Nkom's data as of 1 October), shown on the
    public map ("Dekningsdata per …"); None: the map says when it was made."""
    county: CountyName = "trondelag"
    """County name or key (one of :data:`COUNTIES`, e.g. ``Trøndelag`` or ``trondelag``) used to
    pick the co-funding rule (see ``dekning/rules/cofunding.toml``); an unknown county is an
    error, never a silent fall-back to the national rule."""


class ClassifyConfig(_Section):
    scheme_year: Annotated[int, Field(ge=2019, le=2030)] | None = None
    """Year of the support scheme whose eligibility rule applies (``dekning/rules/eligibility.toml``);
    None: the newest rule for the current year (:func:`dekning.rules.scheme_year`)."""
    counted_technologies: (
        tuple[Literal["fiber", "kabel", "dsl", "ftb", "radio", "satellitt", "annet"], ...] | None
    ) = None
    """Technologies whose offers count as coverage; None: the year's rule (FTB counts,
    satellite and ``annet`` do not)."""
    count_satellite: bool = False
    """Also count satellite offers as coverage (Nkom's consultation does not)."""
    count_public_buildings: bool = True
    """Public buildings (schools, health centres) count as eligible units, as *virksomheter*."""
    mobile_speed_tiers_kbps: tuple[Annotated[int, Field(gt=0, le=10_000_000)], ...] = (
        30_000,
        100_000,
    )
    """Download tiers (kbit/s, rising) of Nkom's per-address ``mob`` rows; Nkom reports 30 and
    100 Mbit/s. A row at or above the lowest tier is outdoor coverage by that operator."""
    default_households: Annotated[int, Field(ge=0, le=1000)] = 1
    """Households assumed per address when no counts are given."""
    mobile_outdoor_dbm: Annotated[float, Field(ge=-150, le=-40)] = -110.0
    """RSRP at or above which an address has outdoor coverage. Nkom publishes no threshold:
    -110 dBm is a common LTE planning edge; change it to match the operator's maps."""
    mobile_indoor_dbm: Annotated[float, Field(ge=-150, le=-40)] = -100.0
    """RSRP at or above which indoor coverage is assumed (about 10 dB building loss over outdoor,
    like the operators' 'God' level)."""
    mobile_antenna_dbm: Annotated[float, Field(ge=-150, le=-40)] = -120.0
    """RSRP at or above which coverage is usable with an external antenna."""
    mobile_satisfactory: Literal["indoor", "outdoor"] = "indoor"
    """Class an operator must reach for the address to count as served by that operator."""
    fixed_speed_unit: Literal["kbit/s", "Mbit/s"] = "kbit/s"
    """Unit of ``ned``/``opp`` in the fixed coverage file (Nkom uses kbit/s). With kbit/s, a file
    whose speeds look like Mbit/s is stopped with a clear error."""

    @field_validator("mobile_speed_tiers_kbps")
    @classmethod
    def _rising_tiers(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if not v or list(v) != sorted(set(v)):
            raise ValueError("mobile_speed_tiers_kbps må være én eller flere stigende hastigheter")
        return v

    @field_validator("mobile_indoor_dbm")
    @classmethod
    def _indoor_above_outdoor(cls, v: float, info: ValidationInfo) -> float:
        outdoor = info.data.get("mobile_outdoor_dbm")
        if outdoor is not None and v < outdoor:
            raise ValueError("mobile_indoor_dbm må være ≥ mobile_outdoor_dbm")
        return v


class AreasConfig(_Section):
    max_gap_m: Annotated[float, Field(gt=0, le=20_000)] = 600.0
    """Eligible addresses closer than this (metres, straight line) join the same build-out area."""
    max_road_gap_m: Annotated[float, Field(gt=0, le=50_000)] = 1_500.0
    """When roads are given, two addresses within ``max_gap_m`` are only linked if the way between
    them along the roads (drops included) is at most this long: a river or ridge with no road
    across splits an area."""
    min_households: Annotated[int, Field(ge=0, le=10_000)] = 3
    """Areas with fewer households are flagged as too small."""


class CostConfig(_Section):
    """Prices and assumptions of the cost estimate. Every default is rough; those marked
    **quote** must be replaced with a supplier's quote before an application (README, "Cost
    defaults")."""

    cost_per_metre_nok: NonNegNOK = 450.0
    """Trench/plough and cable per metre along roads and of the link to fibre. **Quote.**
    Nexia's note for KRD (2011): NOK 202/m for rural ploughing, 175 with dugnad (DOMAIN §3.3);
    consumer prices +45 % to 2025 give ~290; mixed ground, road crossings and reinstatement round
    it up to 450. No current public per-metre figure was found."""
    cost_per_metre_duct_nok: NonNegNOK = 120.0
    """Per metre in an existing duct (trekkrør): fibre blown in, no digging. **Quote.** No public
    source: about a quarter of the trench price."""
    ground_cost_per_metre_nok: dict[
        Annotated[str, Field(min_length=1, max_length=40)], NonNegNOK
    ] = {}
    """Cost per metre by ground class (e.g. ``{ fjell = 1100, myr = 600 }``) for road and link
    metres inside ``input.ground`` polygons of that ``klasse``; other road metres cost
    ``cost_per_metre_nok``, metres in ducts ``cost_per_metre_duct_nok``, and drops the drop rate
    wherever they run. **Quote**: the default data's figures are illustrative, with no source."""
    duct_tolerance_m: Annotated[float, Field(ge=0, le=100)] = 15.0
    """Route metres within this distance of a duct count as laid in the duct: a road's width
    plus the positional error of mapped ducts."""
    detour_factor: Annotated[float, Field(ge=1.0, le=3.0)] = 1.3
    """Straight-line (MST) route length × this factor approximates the length along roads; only
    without roads. In the planning benchmark's county the route along roads with shared drops is
    1.27 × the straight-line tree (39 068 / 30 708 km)."""
    per_connection_nok: NonNegNOK = 18_000.0
    """Inside the building: wall box/ONT, termination and installation per connected unit.
    **Quote.** No public figure (DOMAIN §8.3 found none); a guess. The drop from the road to the
    house is not included: it is route length, priced by the ``drop_*`` keys."""
    take_up: Share = 0.7
    """Expected share of eligible units that connect: an assumption with no source; use the
    operator's pre-sale (forhåndssalg) figures."""
    fixed_equipment_nok: NonNegNOK = 150_000.0
    """Per area: street cabinet / splitter point and project management. **Quote**; a guess."""
    share_drops: bool = True
    """Route the drops (stikkledninger) so that neighbours share a trench where that is
    shorter: an address hangs on a neighbour only when the neighbour is nearer than its own way
    to the road (a minimum spanning tree over the addresses and the road, never longer than own
    drops). On the default data it cuts the route from 288 to 171 km and the cost from 149.3 M
    to 96.7 M kr. False: every address has its own drop to its nearest road point."""
    drop_cost_per_metre_nok: NonNegNOK | None = None
    """Cost per metre of drop (off the road, to the house); None: ``cost_per_metre_nok`` (drops
    are usually dug by the same crew; no public figure for a separate rate). Set it when the
    supplier prices drops separately."""
    drop_max_m: Annotated[float, Field(gt=0, le=10_000)] | None = None
    """The project's connection terms: drop metres per address included in the project; the
    owner pays the rest (``kost_stikk_eier``, outside the total). None: all."""
    drop_payer: Literal["project", "owner"] = "project"
    """Who pays the drops: the project (in ``kost_total``) or the owner (all drop metres go to
    ``kost_stikk_eier``, as part of a connection fee, reported beside the total, not in it)."""


class FundingConfig(_Section):
    operator_model: Literal["share_of_cost", "present_value"] = "share_of_cost"
    operator_share_of_cost: Share = 0.15
    """Operator's commercial contribution as a share of total cost (``share_of_cost`` model)."""
    monthly_revenue_nok: NonNegNOK = 550.0
    """Revenue per connected unit per month (``present_value`` model)."""
    margin: Share = 0.35
    years: Annotated[int, Field(ge=1, le=40)] = 10
    discount_rate: Annotated[float, Field(ge=0.0, le=0.5)] = 0.06
    private_per_connection_nok: NonNegNOK = 0.0
    """Private money and valued dugnad per connected unit."""
    county_share_of_public: Share = 0.0
    """County council's own contribution as a share of the public funding."""
    max_state_share_of_gap: Share = 1.0
    """The state grant may cover at most this share of the funding gap."""
    state_budget_nok: NonNegNOK | None = None
    """Remaining county frame of state money for this municipality (None: unlimited)."""
    cofunding_rule: Literal["auto", "pct_of_total", "pct_of_state_grant", "none"] = "auto"
    """``auto`` takes the rule for the county and scheme year from ``dekning/rules/cofunding.toml``."""
    cofunding_pct: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    """Override of the rule's percentage."""
    cofunding_source: Annotated[str, Field(max_length=300)] = ""
    """Where an overriding rule comes from (e.g. the county's call for applications); shown
    with the rule in the outputs."""


class ScoreWeights(_Section):
    """Weights of the priority score (any non-negative numbers; they are normalised)."""

    enheter_per_krone: Annotated[float, Field(ge=0, le=100)] = 1.0
    """Households and businesses reached per municipal krone."""
    ettersporsel: Annotated[float, Field(ge=0, le=100)] = 0.5
    """Share of survey answers in the area wanting fibre."""
    naering: Annotated[float, Field(ge=0, le=100)] = 0.3
    """Businesses in the area."""
    offentlig: Annotated[float, Field(ge=0, le=100)] = 0.3
    """Public buildings (schools, health centres) in the area."""
    mobilhull: Annotated[float, Field(ge=0, le=100)] = 0.3
    """Households in the area where no operator gives satisfactory mobile coverage."""


class PrioritiseConfig(_Section):
    municipal_budget_nok: NonNegNOK | None = 5_000_000.0
    """Municipal money available for co-funding each year (None: no limit, choose every area)."""
    budget_years: Annotated[int, Field(ge=1, le=10)] = 1
    objective: Literal["enheter", "poeng"] = "enheter"
    """What the exact selection maximises: eligible units reached (``enheter``) or the sum of
    the priority scores (``poeng``)."""
    weights: ScoreWeights = ScoreWeights()
    scenarios_nok: tuple[NonNegNOK, ...] = ()
    """Other municipal budgets to compare side by side (``scenarioer.csv``)."""


class SurveyConfig(_Section):
    mapping: str = "nettskjema"
    """Shipped column mapping used when ``input.survey_mapping`` is not set
    (``nettskjema`` or ``microsoft_forms``)."""
    fuzzy_min_score: Annotated[float, Field(ge=50, le=100)] = 85.0
    """Lowest fuzzy street-name score (rapidfuzz WRatio, 0-100) accepted as a geocoding match."""
    snap_m: Annotated[float, Field(gt=0, le=2_000)] = 100.0
    """Answers given as coordinates match the nearest address within this distance (metres)."""
    slow_ratio: Annotated[float, Field(gt=0, le=1)] = 0.25
    """A measured download below this share of the best offered speed is a discrepancy."""


class EvidenceConfig(_Section):
    """When residents' speed tests count as evidence, and how challenges are run
    (``[evidence]``). The defaults follow the practice in DOMAIN.md §9.4 (several tests on
    several days, the median counts, wired before Wi-Fi); they are choices, not a rule of Nkom's."""

    min_tests: Annotated[int, Field(ge=1, le=100)] = 3
    """Fewest tests at an address for their median to count."""
    min_days: Annotated[int, Field(ge=1, le=100)] = 2
    """Fewest different days (Norwegian local date) those tests were taken on."""
    prefer_wired: bool = True
    """Use only the wired tests when they alone meet ``min_tests`` and ``min_days``."""
    wired_only: bool = False
    """Count wired tests only (Wi-Fi and unknown connections never count)."""
    slow_ratio: Annotated[float, Field(gt=0, le=1)] = 0.25
    """A median download below this share of the offered download makes the offer 'too slow'."""
    max_age_days: Annotated[int, Field(ge=1, le=3_650)] = 365
    """Tests older than this (counted back from the run's date) are left out."""
    answer_days: Annotated[int, Field(ge=1, le=365)] = 21
    """Days an operator has to answer a challenge once it is sent (the deadline ``frist``)."""
    min_answers: Annotated[int, Field(ge=1, le=100)] = 1
    """Fewest survey answers at an address that must agree before a challenge built on survey
    answers alone is proposed."""


class RoadsConfig(_Section):
    """Mobile coverage along roads (``input.roads``): segments, sampling and gap stretches."""

    segment_m: Annotated[float, Field(ge=10, le=5_000)] = 100.0
    """Target segment length (metres); a road is split into equal segments of about this."""
    sample_m: Annotated[float, Field(ge=1, le=1_000)] = 25.0
    """Spacing of the sample points along a segment (metres)."""
    satisfactory: Literal["outdoor", "indoor"] = "outdoor"
    """The class that counts as covered on a road: outdoor (in a car or outside; default)."""
    estimate_max_m: Annotated[float, Field(gt=0, le=5_000)] = 300.0
    """Without a raster: a segment takes the class of the nearest address with Nkom's ``mob``
    rows within this distance (an estimate); farther, its coverage is unknown."""
    nearby_m: Annotated[float, Field(ge=0, le=10_000)] = 500.0
    """Addresses and holiday homes within this distance of a gap stretch are counted for it."""
    min_gap_m: Annotated[float, Field(ge=0, le=100_000)] = 0.0
    """Gap stretches shorter than this are not listed (they still count in the shares)."""


class MastsConfig(_Section):
    """Screening of candidate mast sites over the terrain (``input.dem``): a line-of-sight and
    path-loss screen, not a radio plan. Every radio figure is an assumption to replace with an
    operator's."""

    height_m: Annotated[float, Field(gt=0, le=300)] = 30.0
    """Antenna height above ground (metres) of a site that gives none."""
    frequency_mhz: Annotated[float, Field(ge=400, le=6_000)] = 800.0
    """Carrier frequency (MHz); 800 MHz is the coverage band of rural 4G."""
    eirp_dbm: Annotated[float, Field(ge=20, le=90)] = 62.0
    """Radiated power (EIRP, dBm) toward the horizon: an assumption (e.g. 46 dBm + 16 dBi)."""
    receiver_height_m: Annotated[float, Field(gt=0, le=30)] = 1.5
    rsrp_offset_db: Annotated[float, Field(ge=0, le=40)] = 27.8
    """Total carrier power to RSRP (per resource element): 10·log10(600) for a 10 MHz LTE
    carrier, so the screened level compares with the RSRP thresholds of ``classify``."""
    max_range_m: Annotated[float, Field(gt=100, le=60_000)] = 15_000.0
    """Targets farther away than this from a site are not reached by it."""
    auto_spacing_m: Annotated[float, Field(ge=200, le=50_000)] = 2_000.0
    """Without ``input.sites``: one candidate, on the highest cell, per square of this size."""
    cost_per_site_nok: NonNegNOK = 3_000_000.0
    """Mast, power, transmission and equipment per site when the site gives no cost. **An
    assumption with no public source: replace it with an operator's quote.**"""
    operator_share_of_cost: Share = 0.25
    """The operator's contribution to a site's cost (an assumption; the rest is the funding
    gap, split by the year's co-funding rule)."""
    budget_nok: NonNegNOK | None = None
    """Municipal money for masts; sites are then chosen exactly to reach the most value. None:
    sites are screened and ranked, none chosen."""
    value_per_road_km: Annotated[float, Field(ge=0, le=1_000)] = 1.0
    """Value of one newly covered km of road (in the selection's objective)."""
    value_per_household: Annotated[float, Field(ge=0, le=1_000)] = 1.0
    """Value of one newly covered household or business."""
    value_per_holiday_home: Annotated[float, Field(ge=0, le=1_000)] = 0.25
    """Value of one newly covered holiday home."""


class PrivacyConfig(_Section):
    min_cell_count: Annotated[int, Field(ge=1, le=100)] = 5
    """Published aggregates with fewer answers/addresses than this are suppressed."""


class OutputConfig(_Section):
    """Where a run's results also go besides the output folder (``dekning run --out``)."""

    database: Annotated[str, Field(pattern=r"^postgres(ql)?://")] | None = None
    """A PostgreSQL/PostGIS database (``postgresql://user@host/db``) every run is also written
    to, in one transaction (:mod:`dekning.postgis`). Keep the password out of this file: libpq
    reads ``~/.pgpass`` and ``PGPASSWORD``."""
    database_schema: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,40}$")] = "dekning"
    """Schema of the run's tables and views in that database."""
    keep_runs: Annotated[int, Field(ge=1, le=100)] = 2
    """Runs kept in the database: the current one and the ones before it (older are deleted)."""
    workers: Annotated[int, Field(ge=0, le=64)] = 0
    """Processes that write the application packages side by side while the run writes its maps
    and tables (:mod:`dekning.coverage.application.packages`): 0 as many as the machine has
    cores (at most 4), 1 one after the other in the run's own process. A county run gives each
    municipality 1: Dask already keeps every core busy."""


class Config(_Section):
    """The whole configuration."""

    municipality: MunicipalityConfig = MunicipalityConfig()
    input: InputConfig
    classify: ClassifyConfig = ClassifyConfig()
    areas: AreasConfig = AreasConfig()
    costs: CostConfig = CostConfig()
    funding: FundingConfig = FundingConfig()
    prioritise: PrioritiseConfig = PrioritiseConfig()
    roads: RoadsConfig = RoadsConfig()
    masts: MastsConfig = MastsConfig()
    surveys: SurveyConfig = SurveyConfig()
    evidence: EvidenceConfig = EvidenceConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    output: OutputConfig = OutputConfig()


def format_validation_error(err: ValidationError, source: str) -> str:
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            lines.append(f"ukjent nøkkel '{key}'")
        elif e["type"] == "missing":
            lines.append(f"mangler nøkkelen '{key}'")
        else:
            lines.append(f"'{key}': {validation_message(e)} (fikk {e.get('input')!r})")
    return f"{source}: ugyldig oppsett: " + "; ".join(lines)


NOT_PATHS = frozenset({"speedtests_format"})
"""Keys of ``[input]`` that are text, not paths to resolve."""


def resolve_paths(raw: dict, base: Path) -> dict:
    inp = dict(raw.get("input", {}))
    for key, value in list(inp.items()):
        if key == "mobile" and isinstance(value, list):
            inp[key] = [
                {**m, "path": str(base / m["path"])} if isinstance(m, dict) and "path" in m else m
                for m in value
            ]
        elif key in NOT_PATHS:
            continue
        elif isinstance(value, str) and not value.startswith(("postgresql://", "postgres://")):
            inp[key] = str(base / value)
    return {**raw, "input": inp}


def parse_config(raw: dict, base: Path, source: str = "<config>") -> Config:
    """Validate a configuration mapping; relative input paths are resolved against ``base``."""
    try:
        return Config.model_validate(resolve_paths(raw, base))
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, source)) from None


def _decode(raw: bytes, path: Path) -> str:
    """The text of a configuration file: UTF-8 (a byte-order mark is dropped), else Windows-1252
    (Notepad's "ANSI", as the input tables are read).

    Raises
    ------
    ConfigError
        The bytes are neither (e.g. UTF-16 or binary).
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"{path}: oppsettsfila er verken UTF-8- eller Windows-1252-tekst "
            f"(byte {err.start}); lagre den som UTF-8"
        ) from None
    if "\x00" in text:
        raise ConfigError(f"{path}: oppsettsfila er ikke tekst; lagre den som UTF-8")
    return text


def read_toml(path: str | Path) -> dict:
    """The mapping of a TOML file (UTF-8 with or without BOM, or Windows-1252).

    Raises
    ------
    ConfigError
        The file is missing, not UTF-8 or Windows-1252 text, or not valid TOML.
    """
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: fant ikke oppsettsfila") from None
    except OSError as err:
        raise ConfigError(f"{path}: kan ikke lese oppsettsfila: {err.strerror}") from None
    text = _decode(raw_bytes, path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: ikke gyldig TOML: {err}") from None


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML configuration file.

    Raises
    ------
    ConfigError
        The file is missing, not UTF-8 or Windows-1252 text, not valid TOML, or has an
        unknown key or a wrong value.
    """
    path = Path(path)
    return parse_config(read_toml(path), path.resolve().parent, str(path))


def default_data_dir() -> Path:
    """Folder of the embedded default (synthetic) data set."""
    return Path(str(resources.files("dekning.data")))


def default_config_path() -> Path:
    return default_data_dir() / "dekning.toml"


def load_default_config() -> Config:
    """The configuration of the embedded default data set."""
    return load_config(default_config_path())
