"""Candidate mast sites: what each would newly cover, its cost and funding, and the exact choice
under the municipal budget for masts.

Targets are what lacks satisfactory coverage today: the road segments no operator covers
(:mod:`dekning.coverage.classify.roads`, at the roads' class, outdoor by default) and the
addresses without satisfactory coverage (``mob_any_ok`` false, at the addresses' class, indoor
by default). A site reaches a target when the screened level
(:func:`~dekning.coverage.planning.radio.coverage_matrix`) is at least the threshold of that
class (``classify.mobile_outdoor_dbm`` or ``mobile_indoor_dbm``). Its value in the choice is
``value_per_road_km`` per km of road plus ``value_per_household`` per household and business
plus ``value_per_holiday_home`` per holiday home (``masts.*``).

Funding: a site's cost (its own, else ``masts.cost_per_site_nok``) less the operator's share is
the funding gap, split by :func:`~dekning.coverage.planning.funding.fund` under the year's
co-funding rule; a year whose scheme does not cover mobile (:func:`dekning.rules.mobile_rule`)
gives no state grant. The choice spends the municipal share within ``masts.budget_nok``.

It is a screening, not a radio plan: every output says so.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse

from dekning.config import Config
from dekning.coverage.planning.funding import fund, resolve_rule
from dekning.coverage.planning.radio import Dem, RadioModel, coverage_matrix
from dekning.coverage.planning.sites import auto_sites, read_sites, site_choice
from dekning.crs import require_crs
from dekning.result import MastScreening
from dekning.rules import STATUS_WORD, MobileRule, mobile_rule, scheme_year
from dekning.schema import MOBILE_ANY_COLUMN, ROAD_CATEGORIES, ROAD_UNKNOWN

SCREENING_NOTE = (
    "Screening av sikt og strekningstap over terrengmodellen, ikke radioplanlegging: "
    "operatørens eget verktøy avgjør hvor en mast kan bygges og hva den dekker."
)
"""Said in every output about candidate sites (bokmål)."""
CHOICE_TIME_LIMIT_S = 300.0
"""The exact choice stops after this long with the best plan found; the run then warns that it
is not proven optimal (a county of thousands of candidates; a municipality solves in seconds)."""


def radio_model(cfg: Config) -> RadioModel:
    """The radio model of the configuration's ``masts`` section."""
    m = cfg.masts
    return RadioModel(
        frequency_mhz=m.frequency_mhz,
        eirp_dbm=m.eirp_dbm,
        site_height_m=m.height_m,
        receiver_height_m=m.receiver_height_m,
        max_range_m=m.max_range_m,
        rsrp_offset_db=m.rsrp_offset_db,
    )


def candidate_sites(cfg: Config, dem: Dem, boundary: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The user's sites (``input.sites``) or candidates on high ground, with ``kilde`` and the
    ground height ``terreng_m``."""
    if cfg.input.sites is not None:
        sites = read_sites(cfg.input.sites)
        sites["kilde"] = "bruker"
        sites["terreng_m"] = dem.sample(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
        return sites
    area = None if boundary is None else boundary.union_all()
    sites = auto_sites(dem, area, cfg.masts.auto_spacing_m, cfg.masts.height_m)
    sites["kilde"] = "automatisk"
    return sites


def _targets(
    segments: gpd.GeoDataFrame | None, classified: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The road segments no operator covers and the addresses without satisfactory coverage."""
    if segments is None:
        roads = gpd.GeoDataFrame({"seg_id": [], "lengde_m": []}, geometry=[], crs=classified.crs)
    else:
        roads = segments.loc[segments[MOBILE_ANY_COLUMN].eq(False).fillna(False).to_numpy(bool)]
    ok = classified.get(MOBILE_ANY_COLUMN)
    if ok is None:
        addresses = classified.iloc[:0]
    else:
        addresses = classified.loc[~ok.astype(bool).to_numpy()]
    return roads, addresses


def screen_masts(
    cfg: Config,
    dem: Dem,
    sites: gpd.GeoDataFrame,
    classified: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame | None,
) -> MastScreening:
    """What each candidate site newly covers, its funding, and the choice under the budget.

    Parameters
    ----------
    cfg
        ``masts``, ``classify`` (thresholds, scheme year), ``roads.satisfactory``, ``funding``
        and ``municipality.county``.
    dem
        Terrain (EPSG:25833).
    sites
        Candidates (:func:`candidate_sites`).
    classified
        Classified addresses with ``mob_any_ok``, ``hus``, ``naering``, ``fritid``.
    segments
        Road segments with their coverage (None without roads).

    Returns
    -------
    MastScreening
    """
    require_crs(sites, "screen_masts(sites)")
    require_crs(classified, "screen_masts(classified)")
    model = radio_model(cfg)
    roads, addresses = _targets(segments, classified)
    sx = sites.geometry.x.to_numpy()
    sy = sites.geometry.y.to_numpy()
    sh = sites["hoyde_m"].to_numpy(dtype="float64")
    c = cfg.classify
    road_dbm = c.mobile_indoor_dbm if cfg.roads.satisfactory == "indoor" else c.mobile_outdoor_dbm
    addr_dbm = c.mobile_indoor_dbm if c.mobile_satisfactory == "indoor" else c.mobile_outdoor_dbm
    mid = roads.geometry.interpolate(0.5, normalized=True)
    road_covers = coverage_matrix(
        dem, sx, sy, sh, mid.x.to_numpy(), mid.y.to_numpy(), model, road_dbm
    )
    address_covers = coverage_matrix(
        dem,
        sx,
        sy,
        sh,
        addresses.geometry.x.to_numpy(),
        addresses.geometry.y.to_numpy(),
        model,
        addr_dbm,
    )
    out = sites.copy()
    km = roads["lengde_m"].to_numpy(dtype="float64") / 1000.0
    out["veg_km"] = road_covers @ km
    if "vegkategori" in roads:
        cats = roads["vegkategori"].to_numpy()
        for cat in (*ROAD_CATEGORIES, ROAD_UNKNOWN):
            if (cats == cat).any():
                out[f"veg_km_{cat}"] = road_covers @ np.where(cats == cat, km, 0.0)
    counts = {
        col: addresses[col].to_numpy(dtype="float64")
        if col in addresses
        else np.zeros(len(addresses))
        for col in ("hus", "naering", "fritid")
    }
    out["adresser"] = np.asarray(address_covers.sum(axis=1)).ravel().astype("int64")
    for col, values in counts.items():
        out[col] = (address_covers @ values).round().astype("int64")
    m = cfg.masts
    road_value = km * m.value_per_road_km
    address_value = (counts["hus"] + counts["naering"]) * m.value_per_household + counts[
        "fritid"
    ] * m.value_per_holiday_home
    out["verdi"] = road_covers @ road_value + address_covers @ address_value
    year = scheme_year(cfg.classify)
    rule = mobile_rule(year)
    out = _funding(out, cfg, rule, year)
    covers = scipy.sparse.hstack([road_covers, address_covers], format="csr")
    value = np.r_[road_value, address_value]
    out["valgt"] = False
    optimal = True
    if m.budget_nok is not None and len(out):
        choice = site_choice(
            covers,
            value,
            out["kommunal"].to_numpy(dtype="float64"),
            int(m.budget_nok),
            time_limit_s=CHOICE_TIME_LIMIT_S,
        )
        out.loc[out.index[choice.chosen], "valgt"] = True
        optimal = choice.optimal
    out["rang"] = _rank(out)
    return MastScreening(
        out,
        road_covers,
        address_covers,
        roads["seg_id"].to_numpy(),
        addresses["adrid"].to_numpy(),
        rule,
        optimal,
    )


def _funding(sites: gpd.GeoDataFrame, cfg: Config, rule: MobileRule, year: int) -> gpd.GeoDataFrame:
    """Cost and funding plan of every site (whole kroner); no state grant in a year whose
    scheme does not cover mobile."""
    cost = sites["kost_nok"].fillna(cfg.masts.cost_per_site_nok).round().astype("int64")
    fcfg = cfg.funding.model_copy(
        update={
            "operator_model": "share_of_cost",
            "operator_share_of_cost": cfg.masts.operator_share_of_cost,
            "private_per_connection_nok": 0.0,
            "max_state_share_of_gap": cfg.funding.max_state_share_of_gap if rule.covered else 0.0,
        }
    )
    costs = pd.DataFrame(
        {
            "area_id": sites["site_id"].to_numpy(),
            "kost_total": cost.to_numpy(),
            "tilknytninger": sites["hus"].to_numpy(dtype="float64"),
        }
    )
    cofunding = resolve_rule(cfg.funding, year, cfg.municipality.county)
    units = sites["hus"] + sites["naering"]
    funded = fund(costs, fcfg, cofunding, units).drop(columns=["area_id"])
    funded["regel_status"] = STATUS_WORD[rule.cofunding_status]
    out = sites.drop(columns=["kost_nok"]).reset_index(drop=True)
    for col in funded.columns:
        out[col] = funded[col].to_numpy()
    out["mobilregel_status"] = STATUS_WORD[rule.status]
    return out


def _rank(sites: pd.DataFrame) -> np.ndarray:
    """Rank by value per municipal krone (a site with no municipal share first), then value."""
    per_krone = sites["verdi"] / sites["kommunal"].where(sites["kommunal"] > 0, np.nan)
    per_krone = per_krone.fillna(np.inf).where(sites["verdi"] > 0, 0.0)
    order = np.lexsort((np.arange(len(sites)), -sites["verdi"].to_numpy(), -per_krone.to_numpy()))
    rank = np.empty(len(sites), dtype="int64")
    rank[order] = np.arange(1, len(sites) + 1)
    return rank


__all__ = ["SCREENING_NOTE", "candidate_sites", "radio_model", "screen_masts"]
