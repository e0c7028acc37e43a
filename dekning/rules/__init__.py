"""Rule profiles kept as data: eligibility by scheme year, minimum co-funding by county and year.

The files are ``dekning/rules/eligibility.toml`` and ``dekning/rules/cofunding.toml``; each entry
names its public sources (see ``shared/DOMAIN.md``) and its status: ``verified`` (checked
against those sources) or ``assumed`` (carried forward from an older year, or derived). A rule
set in the configuration has the status ``config``. Every output that rests on a rule shows that
status beside the figure (:func:`status_text`, :func:`eligibility_line`, :func:`cofunding_line`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, Literal

import pandas as pd

from dekning.config import ClassifyConfig, Config, county_key
from dekning.errors import RuleError
from dekning.money import nok

CofundingKind = Literal["pct_of_total", "pct_of_state_grant", "none"]
"""How the minimum local co-funding is measured (see ``cofunding.toml``)."""
RuleStatus = Literal["verified", "assumed", "config"]
"""Whether a rule was checked against its sources, assumed, or set in the configuration."""

STATUS_TEXT: dict[str, str] = {
    "verified": "verifisert",
    "assumed": "ANTATT (ikke verifisert)",
    "config": "satt i konfigurasjonen",
}
"""A rule's status as the outputs show it (bokmål)."""
STATUS_WORD: dict[str, str] = {
    "verified": "verifisert",
    "assumed": "antatt",
    "config": "konfigurasjon",
}
"""A rule's status as one word, for table columns (``stotteregel_status``, ``regel_status``)."""
DEFAULT_COUNTED: tuple[str, ...] = ("fiber", "kabel", "dsl", "ftb", "radio")
"""Technologies whose offers count as coverage unless the year's rule says otherwise: FTB
counts; satellite and ``annet`` do not (DOMAIN.md §9.1)."""


@dataclass(frozen=True)
class FunctionalFloor:
    """The "funksjonell internettilgang" floor: a class the outputs report, never a test.

    Attributes
    ----------
    down_kbps, up_kbps
        An address is below the floor when no counted offer gives both (kbit/s).
    status, source
        Whether the floor is verified or assumed, and where it comes from.
    """

    down_kbps: int
    up_kbps: int
    status: RuleStatus
    source: str


@dataclass(frozen=True)
class EligibilityRule:
    """Who may get the state broadband subsidy in one scheme year.

    Attributes
    ----------
    year
        The scheme year.
    eligible_below_down_kbps
        An address is covered only when one counted offer gives at least this download (kbit/s)
        and at least ``eligible_below_up_kbps`` upload; otherwise it lacks an offer.
    bands
        ``(name, below_kbps)`` of the best download, in rising order: an eligible address falls
        in the first band it is below (the last band when only its upload falls short).
    sources
        The public sources of the rule.
    status
        ``verified`` or ``assumed`` (carried forward from an older year, or derived).
    eligible_below_up_kbps
        The upload threshold (kbit/s); 0: no upload test.
    target_down_kbps, target_up_kbps
        What the supported network must deliver (kbit/s; 0: not stated).
    counted_technologies
        Nkom ``tek`` values whose offers count as coverage.
    upgradeable_exclusion
        Addresses whose existing network can easily be upgraded to 1 Gbit/s (a user input) are
        not eligible.
    functional_floor
        The "funksjonell internettilgang" floor reported as a class, if the year has one.
    note
        Explanation in bokmål.
    """

    year: int
    eligible_below_down_kbps: int
    bands: tuple[tuple[str, int], ...]
    sources: tuple[str, ...]
    status: RuleStatus
    eligible_below_up_kbps: int = 0
    target_down_kbps: int = 0
    target_up_kbps: int = 0
    counted_technologies: tuple[str, ...] = DEFAULT_COUNTED
    upgradeable_exclusion: bool = False
    functional_floor: FunctionalFloor | None = None
    note: str = ""

    @property
    def eligible_below_kbps(self) -> int:
        """Alias of :attr:`eligible_below_down_kbps` (callers written before the upload test)."""
        return self.eligible_below_down_kbps

    @property
    def verified(self) -> bool:
        """Whether the rule was checked against its sources."""
        return self.status == "verified"

    @property
    def source(self) -> str:
        """The sources as one text."""
        return "; ".join(self.sources)

    def threshold_text(self) -> str:
        """The threshold in words: ``1000/150 Mbit/s`` or ``100 Mbit/s``."""
        return speed_text(self.eligible_below_down_kbps, self.eligible_below_up_kbps)


@dataclass(frozen=True)
class CofundingRule:
    """The minimum local co-funding of one county (or the nation) and year.

    Attributes
    ----------
    region
        ``national``, a county key (``trondelag``) or ``config`` when set in the configuration.
    rule
        ``pct_of_total``, ``pct_of_state_grant`` or ``none``.
    pct
        The share (0.30 = 30 %) the rule applies.
    source
        The public source of the rule (or the configuration's ``funding.cofunding_source``).
    status
        ``verified``, ``assumed`` (carried forward from an older year) or ``config``.
    """

    region: str
    rule: CofundingKind
    pct: float
    source: str
    status: RuleStatus = "verified"


@dataclass(frozen=True)
class MobileRule:
    """Whether the national support scheme covers mobile coverage in a scheme year.

    Attributes
    ----------
    year
        The scheme year.
    covered
        The scheme supports mobile area coverage (masts, coverage along roads) that year.
    status
        ``verified`` or ``assumed``.
    source, note
        The public source, and what a reader should know (bokmål).
    cofunding_status
        The status of taking the county's broadband co-funding rule for a mobile project
        (``assumed``: no source says so for mobile).
    """

    year: int
    covered: bool
    status: RuleStatus
    source: str
    note: str
    cofunding_status: RuleStatus


def speed_text(down_kbps: int, up_kbps: int = 0) -> str:
    """A speed pair in Mbit/s (bokmål number style): ``1000/150 Mbit/s``, ``100 Mbit/s``."""
    down = f"{down_kbps / 1000:g}".replace(".", ",")
    if up_kbps <= 0:
        return f"{down} Mbit/s"
    return f"{down}/{up_kbps / 1000:g} Mbit/s".replace(".", ",")


def status_text(status: str) -> str:
    """A rule's status as the outputs show it: ``verifisert``, ``ANTATT (ikke verifisert)``
    or ``satt i konfigurasjonen``. Takes the status (``assumed``) or its column word
    (``antatt``, :data:`STATUS_WORD`); an unknown status is shown as it is."""
    key = {word: status for status, word in STATUS_WORD.items()}.get(status, status)
    return STATUS_TEXT.get(key, status)


def area_rule_lines(areas: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per area row: the eligibility rule's line and the co-funding rule's line, with status
    and source, from the columns a run adds (``stotteregel_aar``, ``stotteregel_status``,
    ``stotteregel_kilde``, ``regel_status``, ``regel_kilde``). Areas read back from an older
    run without them say that the status is unknown."""
    unknown = pd.Series("status ukjent (eldre kjøring)", index=areas.index, dtype=object)
    if {"stotteregel_aar", "stotteregel_status", "stotteregel_kilde"} <= set(areas.columns):
        year = areas["stotteregel_aar"].astype("int64").astype(str)
        status = areas["stotteregel_status"].astype(str).map(status_text)
        rule = (
            "Regel: " + year + ", " + status + " – kilde: " + areas["stotteregel_kilde"].astype(str)
        )
    else:
        rule = "Regel: " + unknown
    if {"regel_status", "regel_kilde"} <= set(areas.columns):
        status = areas["regel_status"].astype(str).map(status_text)
        cof = "Egenandelsregel: " + status + " – kilde: " + areas["regel_kilde"].astype(str)
    else:
        cof = "Egenandelsregel: " + unknown
    return rule.astype(object), cof.astype(object)


def heading_lines(area: pd.Series, cfg: Config) -> list[str]:
    """What an area's application shows above its figures (bokmål): the eligibility rule and
    the co-funding rule with status and source (:func:`area_rule_lines`), the scheme year (set,
    or the current year's) and the county's frame of state money."""
    rule, cofunding = area_rule_lines(area.to_frame().T)
    year = scheme_year(cfg.classify)
    return [
        str(rule.iloc[0]),
        str(cofunding.iloc[0]),
        f"Støtteordningens år: {scheme_year_text(cfg.classify.scheme_year, year)}; "
        f"{state_frame_text(cfg.funding.state_budget_nok)}",
    ]


def eligibility_line(rule: EligibilityRule) -> str:
    """One line naming the eligibility rule, its status and sources:
    ``Regel: 2026, ANTATT (ikke verifisert) – kilde: …``."""
    return f"Regel: {rule.year}, {status_text(rule.status)} – kilde: {rule.source}"


def cofunding_line(rule: CofundingRule) -> str:
    """One line naming the co-funding rule's status and source (bokmål)."""
    return f"Egenandelsregel: {status_text(rule.status)} – kilde: {rule.source}"


def state_frame_text(state_budget_nok: float | None) -> str:
    """The county's frame of state money: ``statlig ramme: 58 400 000 kr``, or
    ``statlig ramme: ukjent (ingen grense)`` when it is not given."""
    if state_budget_nok is None:
        return "statlig ramme: ukjent (ingen grense)"
    return f"statlig ramme: {nok(state_budget_nok)}"


def scheme_year_text(configured: int | None, year: int) -> str:
    """The scheme year and where it comes from: ``2024 (satt i konfigurasjonen)`` or
    ``2026 (ikke satt: inneværende år)``."""
    if configured is not None:
        return f"{year} (satt i konfigurasjonen)"
    if year == date.today().year:
        return f"{year} (ikke satt: inneværende år)"
    return f"{year} (ikke satt: nyeste regel; ingen regel for {date.today().year} ennå)"


def counted_technologies(
    rule: EligibilityRule, configured: tuple[str, ...] | None, count_satellite: bool
) -> tuple[tuple[str, ...], RuleStatus]:
    """The technologies whose offers count as coverage, and the status of that list.

    Parameters
    ----------
    rule
        The year's rule (its ``counted_technologies`` apply when nothing is configured).
    configured
        ``classify.counted_technologies`` (None: the rule's list).
    count_satellite
        ``classify.count_satellite``: add ``satellitt``.

    Returns
    -------
    tuple
        The technologies (in the rule's or the configuration's order) and ``config`` when the
        configuration changed the rule's list, else the rule's status.
    """
    techs = tuple(configured) if configured is not None else rule.counted_technologies
    if count_satellite and "satellitt" not in techs:
        techs = (*techs, "satellitt")
    changed = set(techs) != set(rule.counted_technologies)
    return techs, ("config" if changed else rule.status)


@cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files("dekning").joinpath("rules", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _status(value: object, where: str) -> RuleStatus:
    """A status from a rule file (``verified`` or ``assumed``).

    Raises
    ------
    RuleError
        Any other value.
    """
    if value == "verified":
        return "verified"
    if value == "assumed":
        return "assumed"
    raise RuleError(f"{where}: ukjent status {value!r} (verified eller assumed)")


def scheme_year(cfg: ClassifyConfig, today: date | None = None) -> int:
    """The scheme year of a run: ``cfg.scheme_year`` when set, else the newest year of
    ``eligibility.toml`` that is not after the current year (2026's rule while no 2027 rule
    is kept; the outputs say which year was taken and why)."""
    if cfg.scheme_year is not None:
        return cfg.scheme_year
    this_year = (today or date.today()).year
    years = sorted(int(y) for y in _load("eligibility.toml"))
    return max((y for y in years if y <= this_year), default=years[0])


def eligibility_rule(year: int) -> EligibilityRule:
    """The eligibility rule of scheme ``year``.

    Raises
    ------
    RuleError
        No rule is kept for that year, or its entry has an unknown status.
    """
    table = _load("eligibility.toml")
    entry = table.get(str(year))
    if entry is None:
        raise RuleError(
            f"ingen regel for støtteberettigelse i støtteordningens år {year}; "
            f"kjente år: {', '.join(sorted(table))}"
        )
    where = f"eligibility.toml [{year}]"
    bands = tuple(
        sorted(((b["name"], int(b["below_kbps"])) for b in entry["bands"]), key=lambda b: b[1])
    )
    floor = entry.get("functional_floor")
    return EligibilityRule(
        year=year,
        eligible_below_down_kbps=int(entry["eligible_below_down_kbps"]),
        eligible_below_up_kbps=int(entry.get("eligible_below_up_kbps", 0)),
        target_down_kbps=int(entry.get("target_down_kbps", 0)),
        target_up_kbps=int(entry.get("target_up_kbps", 0)),
        counted_technologies=tuple(entry.get("counted_technologies", DEFAULT_COUNTED)),
        upgradeable_exclusion=bool(entry.get("upgradeable_exclusion", False)),
        functional_floor=None
        if floor is None
        else FunctionalFloor(
            int(floor["down_kbps"]),
            int(floor["up_kbps"]),
            _status(floor.get("status"), where + " functional_floor"),
            str(floor.get("source", "")),
        ),
        bands=bands,
        sources=tuple(entry["sources"]),
        status=_status(entry.get("status"), where),
        note=str(entry.get("note", "")),
    )


def mobile_rule(year: int) -> MobileRule:
    """Whether scheme ``year`` covers mobile coverage (``mobile.toml``).

    Raises
    ------
    RuleError
        No entry for that year.
    """
    table = _load("mobile.toml")
    entry = table.get(str(year))
    if entry is None:
        raise RuleError(
            f"ingen mobilregel for støtteordningens år {year}; kjente år: {', '.join(sorted(table))}"
        )
    where = f"mobile.toml [{year}]"
    return MobileRule(
        year,
        bool(entry["covered"]),
        _status(entry.get("status"), where),
        str(entry["source"]),
        str(entry.get("note", "")),
        _status(entry.get("cofunding_status"), where),
    )


def mobile_line(rule: MobileRule) -> str:
    """``"Støtteordningen 2026 dekker mobil arealdekning (verifisert) – kilde: ..."``."""
    covers = "dekker" if rule.covered else "dekker ikke"
    return (
        f"Støtteordningen {rule.year} {covers} mobil arealdekning "
        f"({status_text(rule.status)}) – kilde: {rule.source}"
    )


def cofunding_rule(year: int, county: str = "national") -> CofundingRule:
    """The minimum local co-funding rule for a county and year (county entry, else national).

    Raises
    ------
    RuleError
        Neither the county nor the national table has an entry for that year.
    """
    table = _load("cofunding.toml")
    for region in (county_key(county), "national"):
        entry = table.get(region, {}).get(str(year))
        if entry is not None:
            status = _status(entry.get("status"), f"cofunding.toml [{region}] {year}")
            return CofundingRule(
                region, entry["rule"], float(entry["pct"]), entry["source"], status
            )
    raise RuleError(
        f"ingen regel for lokale bidrag i {year} (fylke {county!r} eller nasjonal); "
        f"kjente år nasjonalt: {', '.join(sorted(table['national']))}"
    )


__all__ = [
    "DEFAULT_COUNTED",
    "STATUS_TEXT",
    "STATUS_WORD",
    "CofundingKind",
    "CofundingRule",
    "EligibilityRule",
    "FunctionalFloor",
    "MobileRule",
    "RuleStatus",
    "area_rule_lines",
    "cofunding_line",
    "cofunding_rule",
    "counted_technologies",
    "eligibility_line",
    "eligibility_rule",
    "heading_lines",
    "mobile_line",
    "mobile_rule",
    "scheme_year",
    "scheme_year_text",
    "speed_text",
    "state_frame_text",
    "status_text",
]
