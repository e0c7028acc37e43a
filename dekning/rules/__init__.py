"""Rule profiles kept as data: eligibility by scheme year, minimum co-funding by county and year.

The files are ``dekning/rules/eligibility.toml`` and ``dekning/rules/cofunding.toml``; each entry
names its public source (see ``shared/DOMAIN.md``), which the run's report repeats.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from dekning.errors import RuleError

CofundingKind = Literal["pct_of_total", "pct_of_state_grant", "none"]
"""How the minimum local co-funding is measured (see ``cofunding.toml``)."""


@dataclass(frozen=True)
class EligibilityRule:
    """Who may get the state broadband subsidy in one scheme year.

    Attributes
    ----------
    year
        The scheme year.
    eligible_below_kbps
        An address is eligible when its best fixed offer is below this (kbit/s).
    bands
        ``(name, below_kbps)`` in rising order: an address falls in the first band it is below.
    source
        The public source of the rule.
    verified
        Whether the thresholds were checked against that source.
    """

    year: int
    eligible_below_kbps: int
    bands: tuple[tuple[str, int], ...]
    source: str
    verified: bool


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
        The public source of the rule.
    """

    region: str
    rule: CofundingKind
    pct: float
    source: str


@cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files("dekning").joinpath("rules", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def eligibility_rule(year: int) -> EligibilityRule:
    """The eligibility rule of scheme ``year``.

    Raises
    ------
    RuleError
        No rule is kept for that year.
    """
    table = _load("eligibility.toml")
    entry = table.get(str(year))
    if entry is None:
        raise RuleError(
            f"ingen regel for støtteberettigelse i støtteordningens år {year}; "
            f"kjente år: {', '.join(sorted(table))}"
        )
    bands = tuple(
        sorted(((b["name"], int(b["below_kbps"])) for b in entry["bands"]), key=lambda b: b[1])
    )
    return EligibilityRule(
        year=year,
        eligible_below_kbps=int(entry["eligible_below_kbps"]),
        bands=bands,
        source=entry["source"],
        verified=bool(entry.get("verified", False)),
    )


def _county_key(county: str) -> str:
    """The key of a county in ``cofunding.toml``: ``Trøndelag`` → ``trondelag``."""
    key = county.strip().lower().replace("ø", "o").replace("å", "a").replace("æ", "ae")
    return key.replace("-", "_").replace(" ", "_")


def cofunding_rule(year: int, county: str = "national") -> CofundingRule:
    """The minimum local co-funding rule for a county and year (county entry, else national).

    Raises
    ------
    RuleError
        Neither the county nor the national table has an entry for that year.
    """
    table = _load("cofunding.toml")
    for region in (_county_key(county), "national"):
        entry = table.get(region, {}).get(str(year))
        if entry is not None:
            return CofundingRule(region, entry["rule"], float(entry["pct"]), entry["source"])
    raise RuleError(
        f"ingen regel for lokale bidrag i {year} (fylke {county!r} eller nasjonal); "
        f"kjente år nasjonalt: {', '.join(sorted(table['national']))}"
    )


__all__ = [
    "CofundingKind",
    "CofundingRule",
    "EligibilityRule",
    "cofunding_rule",
    "eligibility_rule",
]
