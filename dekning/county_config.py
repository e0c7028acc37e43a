"""The configuration of a county (or national) run: one TOML file naming the county's (or the
country's) input files, the county's frame of state money and criteria, the Dask cluster, the
settings every municipality shares and what each municipality sets for itself.

.. code-block:: toml

    [county]
    name = "Trøndelag"
    county = "trondelag"
    state_budget_nok = 58_400_000      # the county's frame of state money
    municipalities = []                # kommunenummer to run; empty: every one with addresses

    [input]                            # national or county files, split per municipality
    addresses = "adresser.csv"         # with kommunenummer
    fixed_coverage = "fbb.parquet"
    boundaries = "kommuner.geojson"    # municipality polygons with kommunenummer

    [dask]
    scheduler = "tcp://10.0.0.5:8786"  # a running cluster; left out: a local one
    workers = 2

    [defaults.prioritise]              # any section of a municipal configuration
    municipal_budget_nok = 2_000_000

    [municipalities."5001"]            # what one municipality sets for itself
    name = "Trondheim"
    prioritise = { municipal_budget_nok = 12_000_000 }

Paths are resolved against the folder of the file. Unknown keys and wrong types are errors that
name the key, as in the municipal configuration (:mod:`dekning.config`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from dekning.config import (
    CountyName,
    InputConfig,
    NonNegNOK,
    _Section,
    format_validation_error,
    read_toml,
    resolve_paths,
)
from dekning.errors import ConfigError

MUNICIPAL_SECTIONS = (
    "classify",
    "areas",
    "costs",
    "funding",
    "prioritise",
    "roads",
    "masts",
    "surveys",
    "evidence",
    "privacy",
)
"""Sections of a municipal configuration that ``[defaults]`` and each municipality may set."""
MUNICIPAL_INPUTS = (
    "survey",
    "survey_mapping",
    "survey_db",
    "speedtests",
    "speedtests_format",
    "areas",
    "ground",
    "ducts",
    "sites",
    "upgradeable",
)
"""Inputs a municipality may give for itself (``[municipalities."5001".input]``)."""
NOT_FOR_COUNTY = ("boundary", "coverage_polygons", "sites")
"""Municipal inputs a county run does not split (yet): one municipality's own files."""
Kommunenummer = Annotated[str, Field(pattern=r"^\d{4}$")]


class CountyWeights(_Section):
    """How the county ranks the areas (weights ≥ 0 of the criteria's percentile shares)."""

    units_per_state_krone: Annotated[float, Field(ge=0, le=100)] = 1.0
    cost_per_unit: Annotated[float, Field(ge=0, le=100)] = 0.5
    demand: Annotated[float, Field(ge=0, le=100)] = 0.3
    mobile_gaps: Annotated[float, Field(ge=0, le=100)] = 0.3


class CountySection(_Section):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    county: CountyName = "trondelag"
    """County key or name (its co-funding rules, see ``dekning/rules/cofunding.toml``)."""
    state_budget_nok: NonNegNOK | None = None
    """The county's frame of state money for all its municipalities; None: no limit."""
    objective: Literal["enheter", "poeng"] = "enheter"
    """What the county's selection maximises: units reached, or the county score."""
    weights: CountyWeights = CountyWeights()
    municipalities: tuple[Kommunenummer, ...] = ()
    """The municipalities to run; empty: every municipality of ``input.boundaries`` that has
    addresses."""
    data_date: date | None = None
    """Date of the operators' coverage data (shown on the public maps)."""
    time_limit_s: Annotated[float, Field(ge=1, le=3_600)] = 60.0
    """Longest the county's exact choice may take; a choice stopped by it is reported as not
    proven optimal, with its gap."""


class CountyInput(InputConfig):
    """National or county files, split per municipality by the run: the keys of a municipal
    ``[input]`` (same formats), with the municipality polygons (``boundaries``) instead of one
    boundary. Rasters and the terrain model cover the county; each municipality reads its own
    windows. Inputs that belong to one municipality are set per municipality."""

    boundaries: Path
    """Municipality polygons with ``kommunenummer`` (and ``kommunenavn``/``navn``), any CRS."""

    @model_validator(mode="after")
    def _county_inputs(self) -> CountyInput:
        own = [k for k in MUNICIPAL_INPUTS if getattr(self, k) is not None]
        if own:
            raise ValueError(
                f"{', '.join(own)} gjelder én kommune: sett dem under "
                '[municipalities."<kommunenummer>".input]'
            )
        unsplit = [k for k in NOT_FOR_COUNTY if getattr(self, k) is not None]
        if unsplit:
            raise ValueError(
                f"{', '.join(unsplit)} kan ikke brukes i en fylkeskjøring ennå "
                "(boundary: bruk boundaries med alle kommunene)"
            )
        return self


class DaskSection(_Section):
    scheduler: str | None = None
    """Address of a running Dask scheduler (``tcp://host:8786``); None: a local cluster."""
    workers: Annotated[int, Field(ge=1, le=512)] = 2
    """Worker processes of the local cluster (one municipality at a time each)."""
    memory_limit: str = "auto"
    """Memory limit of each local worker (Dask's syntax, e.g. ``"4GiB"``)."""


class CountyConfig(_Section):
    """The whole county configuration."""

    county: CountySection
    input: CountyInput
    dask: DaskSection = DaskSection()
    defaults: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Sections of :data:`MUNICIPAL_SECTIONS` every municipality gets."""
    municipalities: dict[Kommunenummer, dict[str, Any]] = Field(default_factory=dict)
    """Per kommunenummer: ``name``, ``input`` (:data:`MUNICIPAL_INPUTS`) and sections of
    :data:`MUNICIPAL_SECTIONS` over the defaults."""

    @field_validator("defaults")
    @classmethod
    def _known_sections(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        unknown = set(v) - set(MUNICIPAL_SECTIONS)
        if unknown:
            raise ValueError(
                f"ukjente seksjoner: {', '.join(sorted(unknown))}; "
                f"gyldige: {', '.join(MUNICIPAL_SECTIONS)}"
            )
        return v

    @field_validator("municipalities")
    @classmethod
    def _known_keys(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for knr, own in v.items():
            unknown = set(own) - {"name", "input", *MUNICIPAL_SECTIONS}
            if unknown:
                raise ValueError(f"kommune {knr}: ukjente nøkler: {', '.join(sorted(unknown))}")
            inputs = set(own.get("input", {})) - set(MUNICIPAL_INPUTS)
            if inputs:
                raise ValueError(
                    f"kommune {knr}: input kan bare ha {', '.join(MUNICIPAL_INPUTS)}; "
                    f"fikk {', '.join(sorted(inputs))}"
                )
        return v


def _resolved_municipal_inputs(raw: dict, base: Path) -> dict:
    """``raw`` with every municipality's own input paths made absolute (against ``base``)."""
    out = dict(raw)
    munis = {}
    for knr, own in dict(raw.get("municipalities", {})).items():
        own = dict(own) if isinstance(own, dict) else own
        if isinstance(own, dict) and isinstance(own.get("input"), dict):
            own["input"] = resolve_paths({"input": own["input"]}, base)["input"]
        munis[knr] = own
    if munis:
        out["municipalities"] = munis
    return out


def parse_county_config(raw: dict, base: Path, source: str = "<fylkesoppsett>") -> CountyConfig:
    """Validate a county configuration mapping; relative paths are resolved against ``base``.

    Raises
    ------
    ConfigError
        Unknown keys, wrong types, an unknown county or section.
    """
    try:
        return CountyConfig.model_validate(
            _resolved_municipal_inputs(resolve_paths(raw, base), base)
        )
    except ValidationError as err:
        raise ConfigError(format_validation_error(err, source)) from None


def load_county_config(path: str | Path) -> CountyConfig:
    """Read and validate a county configuration file.

    Raises
    ------
    ConfigError
        As :func:`dekning.config.load_config`.
    """
    path = Path(path)
    return parse_county_config(read_toml(path), path.resolve().parent, str(path))


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` on top, sections merged key by key (one level of tables)."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


__all__ = [
    "MUNICIPAL_INPUTS",
    "MUNICIPAL_SECTIONS",
    "CountyConfig",
    "CountyWeights",
    "load_county_config",
    "merge",
    "parse_county_config",
]
