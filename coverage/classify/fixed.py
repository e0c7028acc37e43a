"""Classify every address: fixed speed class, technology, operators, mobile coverage, eligibility.

All work is whole-array (pandas group-bys and numpy), no loop over addresses.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dekning.config import ClassifyConfig
from dekning.crs import require_crs, ssb_grid_id
from dekning.io import map_values
from dekning.report import RunReport
from dekning.rules import EligibilityRule, eligibility_rule
from dekning.schema import SPEED_CLASS_LOWER_KBPS, SPEED_CLASSES

# Preference when two technologies give the same best download.
TECH_RANK = {"fiber": 7, "kabel": 6, "ftb": 5, "dsl": 4, "radio": 3, "annet": 2, "satellitt": 1}
COUNT_FIELDS = ("hus", "pers", "fritid", "naering", "offentlig")


def speed_class(best_down_kbps: np.ndarray) -> np.ndarray:
    """Speed class code (see :data:`SPEED_CLASSES`) from best download in kbit/s (0 = no offer)."""
    d = np.asarray(best_down_kbps, dtype="float64")
    return np.select(
        [d >= lower for lower in SPEED_CLASS_LOWER_KBPS],
        list(SPEED_CLASSES[:-1]),
        default=SPEED_CLASSES[-1],
    )


def operator_lists(
    adrid: np.ndarray, operator: np.ndarray | pd.Categorical
) -> tuple[pd.Series, pd.Series]:
    """Per address: number of distinct operators and their names (sorted, comma-separated).

    Vectorised: operator names are coded in sorted order, (address, operator) pairs are made
    unique and sorted on one int64 key, and the names are joined per address by pyarrow
    (``ListArray`` + ``binary_join``): there can be millions of addresses.

    Returns
    -------
    tuple of pandas.Series
        Indexed by ``adrid``: the number of operators (int64) and their names.
    """
    if isinstance(operator, pd.Categorical) and list(operator.categories) == sorted(
        operator.categories
    ):
        codes = operator.codes.astype("int64")
        names = np.asarray(operator.categories, dtype=object)
    else:
        codes, uniques = pd.factorize(np.asarray(operator), sort=True)
        names = np.asarray(uniques, dtype=object)
    addr_codes, addr_ids = pd.factorize(np.asarray(adrid))
    if len(addr_codes) == 0:
        empty = pd.Index(np.asarray(adrid), name="adrid")
        return pd.Series([], index=empty, dtype="int64"), pd.Series([], index=empty, dtype=object)
    key = np.sort(addr_codes.astype("int64") * (len(names) + 1) + codes)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    pair_addr = key // (len(names) + 1)
    pair_op = key % (len(names) + 1)
    starts = np.flatnonzero(np.r_[True, pair_addr[1:] != pair_addr[:-1]])
    offsets = pa.array(np.r_[starts, len(key)].astype("int32"))
    values = pa.array(names[pair_op], type=pa.string())
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, values), pa.scalar(", "))
    index = pd.Index(np.asarray(addr_ids)[pair_addr[starts]], name="adrid")
    n = pd.Series(np.diff(np.r_[starts, len(key)]).astype("int64"), index=index)
    return n, pd.Series(np.asarray(joined, dtype=object), index=index)


def best_fixed_offer(fixed: pd.DataFrame, count_satellite: bool = False) -> pd.DataFrame:
    """Per address: best download/upload, best technology, operator count and names.

    Parameters
    ----------
    fixed
        Rows ``adrid, tilb, tek, ned, opp`` (kbit/s), as from
        :func:`dekning.coverage.read.fixed.read_fixed_coverage`.
    count_satellite
        Count satellite offers (Nkom's consultation does not).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``adrid``: ``best_down_kbps``, ``best_up_kbps``, ``best_tek``,
        ``n_operators``, ``operators`` (comma-separated, sorted), ``has_fibre``.
    """
    rows = fixed if count_satellite else fixed[fixed["tek"].to_numpy() != "satellitt"]
    rank = map_values(rows["tek"], TECH_RANK, 0).astype("int64")
    # One integer score per row: download first, technology preference breaks ties.
    score = rows["ned"].to_numpy().astype("int64") * 8 + rank
    ids = rows["adrid"].to_numpy()
    g = pd.DataFrame(
        {"score": score, "opp": rows["opp"].to_numpy(), "fibre": rank == TECH_RANK["fiber"]}
    )
    agg = g.groupby(ids, sort=False).max()
    by_rank = {r: t for t, r in TECH_RANK.items()}
    out = pd.DataFrame(
        {
            "best_down_kbps": agg["score"].to_numpy() // 8,
            "best_tek": map_values(agg["score"].to_numpy() % 8, by_rank, ""),
            "best_up_kbps": agg["opp"].to_numpy(),
            "has_fibre": agg["fibre"].to_numpy(),
        },
        index=pd.Index(agg.index.to_numpy(), name="adrid"),
    )
    n_ops, names = operator_lists(ids, rows["tilb"].array)
    out["n_operators"] = n_ops
    out["operators"] = names
    return out


BEST_COLUMNS = (
    "best_down_kbps",
    "best_up_kbps",
    "best_tek",
    "n_operators",
    "operators",
    "has_fibre",
)


def classify(
    addresses: gpd.GeoDataFrame,
    fixed: pd.DataFrame | None,
    cfg: ClassifyConfig,
    *,
    counts: pd.DataFrame | None = None,
    mobile: pd.DataFrame | None = None,
    consultation: pd.DataFrame | None = None,
    report: RunReport | None = None,
    rule: EligibilityRule | None = None,
) -> gpd.GeoDataFrame:
    """Coverage status and support eligibility of every address.

    Parameters
    ----------
    addresses
        Address points with ``adrid``, in EPSG:25833.
    fixed
        Fixed coverage rows in kbit/s (None: no data; no address has an offer).
    cfg
        Scheme year, thresholds, ``default_households`` (for addresses without counts).
    counts, mobile, consultation
        ``adrid`` with :data:`COUNT_FIELDS`; :func:`~.mobile.sample_mobile`'s output (indexed
        like ``addresses``); Nkom's consultation
        list (only listed addresses are then eligible).
    report, rule
        Warnings; the eligibility rule (default: ``cfg.scheme_year``'s).

    Returns
    -------
    geopandas.GeoDataFrame
        ``addresses`` (EPSG:25833) plus counts, :data:`BEST_COLUMNS` (kbit/s; 0 without offer),
        ``speed_class``, mobile columns, ``eligible``, ``band``, ``reason``, ``eligible_units``
        (households, businesses and public buildings of eligible addresses) and ``ssb_rute_250``.

    Raises
    ------
    InputError
        ``addresses`` is not in EPSG:25833 (named ``addresses (classification)``).
    """
    require_crs(addresses, "addresses (classification)")
    report, rule = report or RunReport(), rule or eligibility_rule(cfg.resolved_scheme_year())
    out = addresses.copy()
    ids = out["adrid"].to_numpy()
    columns = _counts(ids, counts, cfg, report) | _best_offers(ids, fixed, cfg, report)
    columns["speed_class"] = speed_class(columns["best_down_kbps"])
    if mobile is not None:
        columns.update({str(c): mobile[c].to_numpy() for c in mobile.columns})
    for name, values in columns.items():
        out[name] = values
    units = out["hus"].to_numpy() + out["naering"].to_numpy() + out["offentlig"].to_numpy()
    eligible, reason = _eligibility(out, units, rule, consultation, report)
    out["eligible"] = eligible
    out["band"] = _bands(out["best_down_kbps"].to_numpy(), eligible, rule)
    out["reason"] = reason
    out["eligible_units"] = np.where(eligible, units, 0)
    out["ssb_rute_250"] = ssb_grid_id(out.geometry.x.to_numpy(), out.geometry.y.to_numpy(), 250)
    return out


def _counts(
    ids: np.ndarray, counts: pd.DataFrame | None, cfg: ClassifyConfig, report: RunReport
) -> dict[str, np.ndarray]:
    """Households, persons, holiday homes, businesses and public buildings (int64) per address;
    ``cfg.default_households`` households (and nothing else) where no count is known."""
    defaults = {f: cfg.default_households if f == "hus" else 0 for f in COUNT_FIELDS}
    if counts is None:
        return {f: np.full(len(ids), d, dtype="int64") for f, d in defaults.items()}
    c = counts.set_index("adrid")
    missing = ~np.isin(ids, c.index.to_numpy())
    report.warn(
        "classify",
        "addresses_without_counts",
        f"addresses with no counts row; {cfg.default_households} household(s) assumed",
        int(missing.sum()),
        ids[missing].tolist(),
    )
    c = c.reindex(ids)
    return {
        f: (c[f] if f in c else pd.Series(np.nan, index=c.index))
        .fillna(d)
        .astype("int64")
        .to_numpy()
        for f, d in defaults.items()
    }


def _best_offers(
    ids: np.ndarray, fixed: pd.DataFrame | None, cfg: ClassifyConfig, report: RunReport
) -> dict[str, np.ndarray]:
    """:data:`BEST_COLUMNS` in the order of ``ids``: 0 / empty / False where there is no offer.
    Coverage rows of addresses not in the register are ignored and counted."""
    if fixed is not None and len(fixed):
        unknown = ~fixed["adrid"].isin(ids)
        report.warn(
            "classify",
            "coverage_unknown_addresses",
            "fixed-coverage rows whose address id is not in the address register (ignored)",
            int(unknown.sum()),
            fixed.loc[unknown, "adrid"].unique().tolist(),
        )
        best = best_fixed_offer(fixed[~unknown], cfg.count_satellite).reindex(ids)
    else:
        best = pd.DataFrame(index=ids, columns=list(BEST_COLUMNS))
    return {
        "best_down_kbps": best["best_down_kbps"].fillna(0).astype("int64").to_numpy(),
        "best_up_kbps": best["best_up_kbps"].fillna(0).astype("int64").to_numpy(),
        "best_tek": best["best_tek"].fillna("").astype(str).to_numpy(),
        "n_operators": best["n_operators"].fillna(0).astype("int64").to_numpy(),
        "operators": best["operators"].fillna("").astype(str).to_numpy(),
        "has_fibre": best["has_fibre"].fillna(False).astype(bool).to_numpy(),
    }


def _eligibility(
    out: pd.DataFrame,
    units: np.ndarray,
    rule: EligibilityRule,
    consultation: pd.DataFrame | None,
    report: RunReport,
) -> tuple[np.ndarray, np.ndarray]:
    """Eligible (bool) and the reason (bokmål text) of every address under ``rule``: it lacks
    an offer of ``rule.eligible_below_kbps``, has a household or business, and (when a
    consultation list is given) is on Nkom's list."""
    ids = out["adrid"].to_numpy()
    lacks = out["best_down_kbps"].to_numpy() < rule.eligible_below_kbps
    only_cabins = (units == 0) & (out["fritid"].to_numpy() > 0)
    eligible = lacks & (units > 0)
    reason = np.where(
        ~lacks,
        f"har tilbud ≥ {rule.eligible_below_kbps // 1000} Mbit/s",
        np.where(
            only_cabins,
            "kun fritidsbolig (ikke støtteberettiget)",
            np.where(units == 0, "ingen husstand eller virksomhet", "mangler tilbud"),
        ),
    ).astype(object)
    if consultation is None:
        return eligible, reason
    listed = np.isin(ids, consultation["adrid"].to_numpy())
    reason[eligible & ~listed] = "ikke på Nkoms høringsliste (kommersiell utbygging planlagt?)"
    report.warn(
        "classify",
        "listed_but_covered",
        "addresses on Nkom's consultation list that the operator data shows as covered",
        int((listed & ~lacks).sum()),
        ids[listed & ~lacks].tolist(),
    )
    return eligible & listed, reason


def _bands(down_kbps: np.ndarray, eligible: np.ndarray, rule: EligibilityRule) -> np.ndarray:
    """The rule's band of each eligible address: the first band (rising ``below_kbps``) whose
    limit its best download (kbit/s) is below; empty for the others."""
    names = np.array([name for name, _ in rule.bands] + [""], dtype=object)
    limits = np.array([below for _, below in rule.bands], dtype="int64")
    band = names[np.searchsorted(limits, down_kbps, side="right")]
    return np.where(eligible, band, "").astype(object)
