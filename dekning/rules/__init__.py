"""Rule profiles kept as data: eligibility by scheme year, minimum co-funding by county and year.

The files are ``dekning/rules/eligibility.toml`` and ``dekning/rules/cofunding.toml``; each entry
names its public source (see ``shared/DOMAIN.md``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from dekning.errors import RuleError


@dataclass(frozen=True)
class EligibilityRule:
    year: int
    eligible_below_kbps: int
    bands: tuple[tuple[str, int], ...]
    """(name, below_kbps) in rising order: an address falls in the first band it is below."""
    required_down_kbps: int
    source: str
    verified: bool
    note: str = ""


@dataclass(frozen=True)
class CofundingRule:
    year: int
    region: str
    rule: Literal["pct_of_total", "pct_of_state_grant", "none"]
    pct: float
    source: str


@cache
def _load(name: str) -> dict:
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
            f"no eligibility rule for scheme year {year}; known years: {', '.join(sorted(table))}"
        )
    bands = tuple(
        sorted(((b["name"], int(b["below_kbps"])) for b in entry["bands"]), key=lambda b: b[1])
    )
    return EligibilityRule(
        year=year,
        eligible_below_kbps=int(entry["eligible_below_kbps"]),
        bands=bands,
        required_down_kbps=int(entry["required_down_kbps"]),
        source=entry["source"],
        verified=bool(entry.get("verified", False)),
        note=entry.get("note", ""),
    )


def cofunding_rule(year: int, county: str = "national") -> CofundingRule:
    """The minimum local co-funding rule for a county and year (county entry, else national)."""
    table = _load("cofunding.toml")
    key = county.lower().replace("ø", "o").replace("å", "a").replace(" ", "_")
    for region in (key, "national"):
        entry = table.get(region, {}).get(str(year))
        if entry is not None:
            return CofundingRule(year, region, entry["rule"], float(entry["pct"]), entry["source"])
    raise RuleError(f"no co-funding rule for {year} (county {county!r} or national)")
