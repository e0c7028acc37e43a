"""Classify every address: fixed speed class, technology, operators, mobile coverage, eligibility.

All work is whole-array (pandas group-bys and numpy), no loop over addresses.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from dekning.config import ClassifyConfig
from dekning.crs import WORK_CRS, ssb_grid_id
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
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(operator, pd.Categorical) and list(operator.categories) == sorted(
        operator.categories
    ):
        codes, names = operator.codes.astype("int64"), operator.categories
    else:
        codes, names = pd.factorize(np.asarray(operator), sort=True)
    addr_codes, addr_ids = pd.factorize(np.asarray(adrid))
    key = np.sort(addr_codes.astype("int64") * (len(names) + 1) + codes)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    pair_addr = key // (len(names) + 1)
    pair_op = key % (len(names) + 1)
    starts = np.flatnonzero(np.r_[True, pair_addr[1:] != pair_addr[:-1]])
    offsets = pa.array(np.r_[starts, len(key)].astype("int32"))
    values = pa.array(np.asarray(names, dtype=object)[pair_op], type=pa.string())
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, values), ", ")
    index = pd.Index(np.asarray(addr_ids)[pair_addr[starts]], name="adrid")
    n = pd.Series(np.diff(np.r_[starts, len(key)]).astype("int64"), index=index)
    return n, pd.Series(joined.to_pandas().to_numpy(), index=index)


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
        Address points (EPSG:25833) with ``adrid``.
    fixed
        Fixed coverage rows in kbit/s (None: no fixed coverage data; every address has none).
    cfg
        Classification parameters (scheme year, thresholds).
    counts
        ``adrid, hus, pers, fritid, naering, offentlig``; when None every address counts
        ``cfg.default_households`` households.
    mobile
        Output of :func:`dekning.coverage.mobile.sample_mobile`, indexed like ``addresses``.
    consultation
        Nkom consultation list (``adrid``): when given, only listed addresses are eligible.
    rule
        Eligibility rule; default: the rule of ``cfg.scheme_year``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``addresses`` plus counts, ``best_down_kbps``, ``best_up_kbps`` (0 when no offer),
        ``best_tek``, ``n_operators``, ``operators``, ``speed_class``, mobile columns,
        ``eligible`` (bool), ``band`` (e.g. ``M30``/``M100``, empty when not eligible),
        ``reason`` (why eligible or not), ``eligible_units`` (households + businesses of eligible
        addresses; holiday homes are never eligible), ``ssb_rute_250``. CRS EPSG:25833.
    """
    report = report if report is not None else RunReport()
    rule = rule or eligibility_rule(cfg.scheme_year)
    out = addresses.copy()
    if out.crs is None or out.crs != WORK_CRS:
        out = out.to_crs(WORK_CRS)
    ids = out["adrid"].to_numpy()

    if counts is not None:
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
        for f in COUNT_FIELDS:
            col = c[f] if f in c else pd.Series(np.nan, index=c.index)
            default = cfg.default_households if f == "hus" else 0
            out[f] = col.fillna(default).astype("int64").to_numpy()
    else:
        for f in COUNT_FIELDS:
            out[f] = cfg.default_households if f == "hus" else 0

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
        best = pd.DataFrame(
            index=ids,
            columns=[
                "best_down_kbps",
                "best_up_kbps",
                "best_tek",
                "n_operators",
                "operators",
                "has_fibre",
            ],
        )
    out["best_down_kbps"] = best["best_down_kbps"].fillna(0).astype("int64").to_numpy()
    out["best_up_kbps"] = best["best_up_kbps"].fillna(0).astype("int64").to_numpy()
    out["best_tek"] = best["best_tek"].fillna("").astype(str).to_numpy()
    out["n_operators"] = best["n_operators"].fillna(0).astype("int64").to_numpy()
    out["operators"] = best["operators"].fillna("").astype(str).to_numpy()
    out["has_fibre"] = best["has_fibre"].fillna(False).astype(bool).to_numpy()
    out["speed_class"] = speed_class(out["best_down_kbps"].to_numpy())

    if mobile is not None:
        for col in mobile.columns:
            out[col] = mobile[col].to_numpy()

    down = out["best_down_kbps"].to_numpy()
    lacks = down < rule.eligible_below_kbps
    units = out["hus"].to_numpy() + out["naering"].to_numpy() + out["offentlig"].to_numpy()
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
    if consultation is not None:
        listed = np.isin(ids, consultation["adrid"].to_numpy())
        not_listed = eligible & ~listed
        reason[not_listed] = "ikke på Nkoms høringsliste (kommersiell utbygging planlagt?)"
        report.warn(
            "classify",
            "listed_but_covered",
            "addresses on Nkom's consultation list that the operator data shows as covered",
            int((listed & ~lacks).sum()),
            ids[listed & ~lacks].tolist(),
        )
        eligible = eligible & listed
    out["eligible"] = eligible
    band = np.full(len(out), "", dtype=object)
    for name, below in reversed(rule.bands):
        band[eligible & (down < below)] = name
    out["band"] = band
    out["reason"] = reason
    out["eligible_units"] = np.where(eligible, units, 0)
    out["ssb_rute_250"] = ssb_grid_id(out.geometry.x.to_numpy(), out.geometry.y.to_numpy(), 250)
    return out
