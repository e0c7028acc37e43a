"""Classify every address: fixed speed class, technology, operators, mobile coverage, eligibility.

All work is whole-array (pandas group-bys and numpy), no loop over addresses.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dekning.config import ClassifyConfig
from dekning.coverage.classify.mobile import point_xy
from dekning.crs import require_crs, ssb_grid_id
from dekning.io import map_values
from dekning.report import RunReport
from dekning.rules import (
    DEFAULT_COUNTED,
    EligibilityRule,
    counted_technologies,
    eligibility_rule,
    scheme_year,
)
from dekning.schema import SPEED_CLASS_LOWER_KBPS, SPEED_CLASSES

# Preference when two technologies give the same best download.
TECH_RANK = {"fiber": 7, "kabel": 6, "ftb": 5, "dsl": 4, "radio": 3, "annet": 2, "satellitt": 1}
COUNT_FIELDS = ("hus", "pers", "fritid", "naering", "offentlig")
Column = Any
"""One column of the classification: a numpy array, or pandas' arrow strings for texts."""


def speed_class(best_down_kbps: np.ndarray) -> np.ndarray:
    """Speed class code (see :data:`SPEED_CLASSES`) from best download in kbit/s (0 = no offer)."""
    return np.array(SPEED_CLASSES)[_speed_class_index(best_down_kbps)]


def _speed_class_index(best_down_kbps: np.ndarray) -> np.ndarray:
    """The position in :data:`SPEED_CLASSES` of each download's class (kbit/s; 0 = no offer)."""
    d = np.asarray(best_down_kbps, dtype="float64")
    index = np.full(len(d), len(SPEED_CLASSES) - 1, dtype="int64")
    for i, lower in reversed(list(enumerate(SPEED_CLASS_LOWER_KBPS))):
        index[d >= lower] = i
    return index


def texts(codes: np.ndarray, words: Sequence[str]) -> pd.api.extensions.ExtensionArray:
    """``words[code]`` for every code, as pandas' (arrow) strings: a column of millions of rows
    from a handful of texts without a Python object per row."""
    return pd.array(list(words), dtype="str").take(np.asarray(codes, dtype="int64"))


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
        Indexed by ``adrid``: the number of operators (int64) and their names (strings).
    """
    addr_codes, addr_ids, _ = _factorized_ids(np.asarray(adrid))
    return _operator_lists(addr_codes, addr_ids, operator)


def _factorized_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """:func:`pandas.factorize` of address ids (codes in order of first appearance, the distinct
    ids), and where each id's rows start when the ids are sorted (as Nkom writes its files:
    then without hashing, and groups are runs), else None."""
    if len(ids) and ids.dtype.kind in "iu" and bool((ids[1:] >= ids[:-1]).all()):
        new = np.r_[True, ids[1:] != ids[:-1]]
        starts = np.flatnonzero(new)
        return np.cumsum(new) - 1, ids[starts], starts
    codes, uniques = pd.factorize(ids)
    return codes, np.asarray(uniques), None


def _operator_lists(
    addr_codes: np.ndarray, addr_ids: np.ndarray, operator: np.ndarray | pd.Categorical
) -> tuple[pd.Series, pd.Series]:
    """:func:`operator_lists` of rows whose addresses are factorized (``addr_codes`` index
    ``addr_ids``)."""
    if isinstance(operator, pd.Categorical) and list(operator.categories) == sorted(
        operator.categories
    ):
        codes = operator.codes.astype("int64")
        names = np.asarray(operator.categories, dtype=object)
    else:
        codes, uniques = pd.factorize(np.asarray(operator), sort=True)
        names = np.asarray(uniques, dtype=object)
    if len(addr_codes) == 0:
        empty = pd.Index(np.asarray(addr_ids)[:0], name="adrid")
        return pd.Series([], index=empty, dtype="int64"), pd.Series([], index=empty, dtype=object)
    # a stable sort (radix or merge) is linear on rows already ordered by address
    key = np.sort(addr_codes.astype("int64") * (len(names) + 1) + codes, kind="stable")
    key = key[np.r_[True, key[1:] != key[:-1]]]
    pair_addr = key // (len(names) + 1)
    pair_op = key % (len(names) + 1)
    starts = np.flatnonzero(np.r_[True, pair_addr[1:] != pair_addr[:-1]])
    offsets = pa.array(np.r_[starts, len(key)].astype("int32"))
    # the names by arrow's take: no Python string per (address, operator) pair
    values = pa.array(list(names), type=pa.string()).take(pa.array(pair_op))
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, values), pa.scalar(", "))
    index = pd.Index(np.asarray(addr_ids)[pair_addr[starts]], name="adrid")
    n = pd.Series(np.diff(np.r_[starts, len(key)]).astype("int64"), index=index)
    return n, pd.Series(pd.array(cast(Any, joined), dtype="str"), index=index)


def best_fixed_offer(
    fixed: pd.DataFrame,
    counted: Collection[str] = DEFAULT_COUNTED,
    meets: Mapping[str, tuple[int, int]] | None = None,
) -> pd.DataFrame:
    """Per address: the best counted offer, operator count and names, and which speed pairs
    some counted offer reaches.

    The best offer is one row as a whole: the highest download, then the highest upload, then
    the preferred technology (:data:`TECH_RANK`); its upload is that row's upload. Whether an
    address reaches a threshold of download *and* upload is asked of every row (``meets``): one
    offer must give both, as the EU 2023 guidelines put it ("no network will give ≥ 1 Gbit/s
    down and ≥ 150 Mbit/s up"). Vectorised: one group-by over the rows.

    Parameters
    ----------
    fixed
        Rows ``adrid, tilb, tek, ned, opp`` (kbit/s), as from
        :func:`dekning.coverage.read.fixed.read_fixed_coverage`.
    counted
        Nkom ``tek`` values whose offers count (the rule's list,
        :func:`dekning.rules.counted_technologies`); other rows are left out.
    meets
        Name → ``(down_kbps, up_kbps)``: a bool column of that name, True where one counted
        offer gives at least both.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``adrid`` (addresses with a counted offer): ``best_down_kbps``,
        ``best_up_kbps``, ``best_tek``, ``n_operators``, ``operators`` (comma-separated,
        sorted), ``has_fibre`` and the columns named in ``meets``.
    """
    meets = dict(meets or {})
    counted_rows = fixed["tek"].isin(list(counted)).to_numpy()
    rows = fixed if counted_rows.all() else fixed[counted_rows]
    rank = _ranks(rows["tek"])
    down, up = _whole_kbps(rows["ned"]), _whole_kbps(rows["opp"])
    # One integer key per row: download, then upload, then technology preference.
    cap = (1 << 24) - 1  # 16.7 Gbit/s: faster offers tie, which only matters between them
    key = (np.minimum(down, cap) << 27) | (np.minimum(up, cap) << 3) | rank
    ids = rows["adrid"].to_numpy()
    codes, uniques, starts = _factorized_ids(ids)
    flags = {
        "fibre": rank == TECH_RANK["fiber"],
        **{name: (down >= d) & (up >= u) for name, (d, u) in meets.items()},
    }
    if starts is not None and len(starts):  # sorted by address: each address is one run
        best_key = np.maximum.reduceat(key, starts)
        agg = {name: np.logical_or.reduceat(f, starts) for name, f in flags.items()}
    else:
        g = pd.DataFrame({"key": key, **flags}).groupby(codes, sort=True).max()
        best_key = g["key"].to_numpy()  # codes 0..n-1: row i is address uniques[i]
        agg = {name: g[name].to_numpy(dtype=bool) for name in flags}
    # The first row of each address whose key is the address's best.
    hit = np.flatnonzero(key == best_key[codes])
    _, first = np.unique(codes[hit], return_index=True)
    best = hit[first]
    by_rank = {r: t for t, r in TECH_RANK.items()}
    out = pd.DataFrame(
        {
            "best_down_kbps": down[best],
            "best_tek": texts(rank[best], [by_rank.get(r, "") for r in range(max(by_rank) + 1)]),
            "best_up_kbps": up[best],
            "has_fibre": agg["fibre"],
            **{name: agg[name] for name in meets},
        },
        index=pd.Index(uniques, name="adrid"),
    )
    n_ops, names = _operator_lists(codes, uniques, rows["tilb"].array)
    out["n_operators"] = n_ops
    out["operators"] = names
    return out


def _whole_kbps(speeds: pd.Series) -> np.ndarray:
    """Speeds (kbit/s) as int64, a missing one 0."""
    if isinstance(speeds.dtype, np.dtype) and speeds.dtype.kind in "iu":
        return speeds.to_numpy().astype("int64", copy=False)
    return np.nan_to_num(np.asarray(speeds, dtype="float64")).astype("int64")


def _ranks(tek: pd.Series) -> np.ndarray:
    """:data:`TECH_RANK` of every row's technology (0 when unknown); a categorical column by its
    categories, not row by row."""
    if isinstance(tek.dtype, pd.CategoricalDtype):
        ranks = [TECH_RANK.get(str(t), 0) for t in tek.cat.categories]
        return np.array([*ranks, 0], dtype="int64")[tek.cat.codes.to_numpy()]  # -1: missing
    return map_values(tek, TECH_RANK, 0).astype("int64")


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
    upgradeable: np.ndarray | None = None,
    report: RunReport | None = None,
    rule: EligibilityRule | None = None,
) -> gpd.GeoDataFrame:
    """Coverage status and support eligibility of every address.

    An address is covered when one offer of a counted technology gives at least the rule's
    download and upload (:func:`best_fixed_offer`); otherwise it is eligible when it has
    eligible units (households, businesses and — by default — public buildings, counted as
    virksomheter; ``cfg.count_public_buildings``), is not on the ``upgradeable`` list (years
    whose rule has that exclusion) and, when a consultation list is given, is on it.

    Parameters
    ----------
    addresses
        Address points with ``adrid``, in EPSG:25833.
    fixed
        Fixed coverage rows in kbit/s (None: no data; no address has an offer).
    cfg
        Scheme year, counted technologies, ``count_satellite``, ``count_public_buildings``,
        ``default_households`` (for addresses without counts).
    counts, mobile, consultation
        ``adrid`` with :data:`COUNT_FIELDS`; :func:`~.mobile.sample_mobile`'s output (indexed
        like ``addresses``); Nkom's consultation list (only listed addresses are then eligible).
    upgradeable
        Address ids whose existing network can easily be upgraded to 1 Gbit/s
        (:func:`dekning.coverage.read.upgradeable.read_upgradeable`); None: no such list.
    report, rule
        Warnings; the eligibility rule (default: ``dekning.rules.scheme_year(cfg)``'s).

    Returns
    -------
    geopandas.GeoDataFrame
        ``addresses`` (EPSG:25833) plus counts, :data:`BEST_COLUMNS` (kbit/s; 0 without offer),
        ``speed_class``, mobile columns, ``eligible``, ``band``, ``reason``, ``eligible_units``
        (the eligible units of eligible addresses), ``ssb_rute_250``; ``under_funksjonell``
        (no counted offer reaches the rule's "funksjonell internettilgang" floor; only when the
        rule has one) and ``kan_oppgraderes`` (on the ``upgradeable`` list; only when given).

    Raises
    ------
    InputError
        ``addresses`` is not in EPSG:25833 (named ``addresses (classification)``).
    """
    require_crs(addresses, "addresses (classification)")
    report, rule = report or RunReport(), rule or eligibility_rule(scheme_year(cfg))
    counted, _ = counted_technologies(rule, cfg.counted_technologies, cfg.count_satellite)
    meets = {"covered": (rule.eligible_below_down_kbps, rule.eligible_below_up_kbps)}
    floor = rule.functional_floor
    if floor is not None:
        meets["functional"] = (floor.down_kbps, floor.up_kbps)
    out = addresses.copy()
    ids = out["adrid"].to_numpy()
    columns: dict[str, Column] = {
        **_counts(ids, counts, cfg, report),
        **_best_offers(ids, fixed, counted, meets, report),
    }
    covered = columns.pop("covered")
    functional = columns.pop("functional", None)
    columns["speed_class"] = texts(_speed_class_index(columns["best_down_kbps"]), SPEED_CLASSES)
    if mobile is not None:
        columns.update({str(c): mobile[c].to_numpy() for c in mobile.columns})
    for name, values in columns.items():
        out[name] = values
    units = out["hus"].to_numpy() + out["naering"].to_numpy()
    if cfg.count_public_buildings:
        units = units + out["offentlig"].to_numpy()
    listed_upgradeable = None if upgradeable is None else np.isin(ids, upgradeable)
    eligible, reason = _eligibility(
        out, units, covered, rule, consultation, listed_upgradeable, report
    )
    out["eligible"] = eligible
    out["band"] = _bands(out["best_down_kbps"].to_numpy(), eligible, rule)
    out["reason"] = reason
    out["eligible_units"] = np.where(eligible, units, 0)
    if functional is not None:
        out["under_funksjonell"] = ~functional
    if listed_upgradeable is not None:
        out["kan_oppgraderes"] = listed_upgradeable
    out["ssb_rute_250"] = ssb_grid_id(*point_xy(out.geometry), 250)
    return out


def _counts(
    ids: np.ndarray, counts: pd.DataFrame | None, cfg: ClassifyConfig, report: RunReport
) -> dict[str, np.ndarray]:
    """Households, persons, holiday homes, businesses and public buildings (int64) per address;
    ``cfg.default_households`` households (and nothing else) where no count is known."""
    defaults = {f: cfg.default_households if f == "hus" else 0 for f in COUNT_FIELDS}
    if counts is None:
        return {f: np.full(len(ids), d, dtype="int64") for f, d in defaults.items()}
    pos = pd.Index(counts["adrid"].to_numpy()).get_indexer(ids)  # -1: no row for the address
    missing = pos < 0
    report.warn(
        "classify",
        "addresses_without_counts",
        f"adresser uten rad i adressebruksfila; {cfg.default_households} husstand(er) antatt",
        int(missing.sum()),
        ids[missing].tolist(),
    )
    return {
        f: _taken(counts[f].fillna(d).to_numpy(), pos, d).astype("int64")
        if f in counts
        else np.full(len(ids), d, dtype="int64")
        for f, d in defaults.items()
    }


def _taken(values: np.ndarray, pos: np.ndarray, fill: object) -> np.ndarray:
    """``values[pos]``, ``fill`` where ``pos`` is -1."""
    return np.asarray(pd.api.extensions.take(values, pos, allow_fill=True, fill_value=fill))


def _best_offers(
    ids: np.ndarray,
    fixed: pd.DataFrame | None,
    counted: Collection[str],
    meets: Mapping[str, tuple[int, int]],
    report: RunReport,
) -> dict[str, Column]:
    """:data:`BEST_COLUMNS` and the ``meets`` flags in the order of ``ids``: 0 / empty / False
    where there is no counted offer. Coverage rows of addresses not in the register are ignored
    and counted."""
    names = (*BEST_COLUMNS, *meets)
    if fixed is None or not len(fixed):
        return _no_offers(len(ids), names)
    unknown = ~fixed["adrid"].isin(ids).to_numpy()
    report.warn(
        "classify",
        "coverage_unknown_addresses",
        "rader i dekningsfila med en adresse-id som ikke er i adresseregisteret (ikke brukt)",
        int(unknown.sum()),
        fixed.loc[unknown, "adrid"].unique().tolist(),
    )
    best = best_fixed_offer(fixed[~unknown] if unknown.any() else fixed, counted, meets)
    if not len(best):
        return _no_offers(len(ids), names)
    pos = best.index.get_indexer(pd.Index(ids))  # -1: no counted offer
    empty = _no_offers(0, names)
    return {
        name: best[name].array.take(pos, allow_fill=True, fill_value="")
        if name in ("best_tek", "operators")
        else _taken(best[name].to_numpy(), pos, empty[name].dtype.type(0))
        for name in names
    }


def _no_offers(n: int, names: Sequence[str]) -> dict[str, Column]:
    """The columns of :func:`_best_offers` for ``n`` addresses without a counted offer."""
    kinds = {"best_tek": "str", "operators": "str", "has_fibre": "bool"}
    out: dict[str, Column] = {}
    for name in names:
        kind = kinds.get(name, "bool" if name not in BEST_COLUMNS else "int64")
        out[name] = np.full(n, "", dtype=object) if kind == "str" else np.zeros(n, dtype=kind)
    return out


UPGRADEABLE_REASON = "kan enkelt oppgraderes til 1 Gbit/s (ikke støtteberettiget)"
UNLISTED_REASON = "ikke på Nkoms høringsliste (kommersiell utbygging planlagt?)"


def _eligibility(
    out: pd.DataFrame,
    units: np.ndarray,
    covered: np.ndarray,
    rule: EligibilityRule,
    consultation: pd.DataFrame | None,
    upgradeable: np.ndarray | None,
    report: RunReport,
) -> tuple[np.ndarray, Column]:
    """Eligible (bool) and the reason (bokmål text) of every address under ``rule``: it is not
    ``covered`` (no counted offer reaches the rule's download and upload), has an eligible unit,
    is not marked ``upgradeable`` (when the rule has that exclusion) and (when a consultation
    list is given) is on Nkom's list."""
    ids = out["adrid"].to_numpy()
    lacks = ~covered
    only_cabins = (units == 0) & (out["fritid"].to_numpy() > 0)
    excluded = np.zeros(len(ids), dtype=bool)
    if upgradeable is not None and rule.upgradeable_exclusion:
        excluded = upgradeable
    elif upgradeable is not None:
        report.warn(
            "classify",
            "upgradeable_not_in_rule",
            f"regelen for {rule.year} har ikke unntaket for nett som enkelt kan oppgraderes "
            "til 1 Gbit/s: input.upgradeable er ikke brukt",
            int(upgradeable.sum()),
            ids[upgradeable].tolist(),
        )
    eligible = lacks & (units > 0) & ~excluded
    reasons = (
        f"har tilbud ≥ {rule.threshold_text()}",
        "kun fritidsbolig (ikke støtteberettiget)",
        "ingen husstand eller virksomhet",
        UPGRADEABLE_REASON,
        f"mangler tilbud ≥ {rule.threshold_text()}",
        UNLISTED_REASON,
    )
    # the first that applies: covered, only cabins, no unit, upgradeable, else lacking an offer
    code = np.full(len(ids), 4, dtype="int64")
    for i, applies in reversed(list(enumerate([~lacks, only_cabins, units == 0, excluded]))):
        code[applies] = i
    if consultation is None:
        return eligible, texts(code, reasons)
    listed = np.isin(ids, consultation["adrid"].to_numpy())
    code[eligible & ~listed] = 5
    reason = texts(code, reasons)
    report.warn(
        "classify",
        "listed_but_covered",
        "adresser på Nkoms høringsliste som operatørdataene viser som dekket",
        int((listed & ~lacks).sum()),
        ids[listed & ~lacks].tolist(),
    )
    return eligible & listed, reason


def _bands(
    down_kbps: np.ndarray, eligible: np.ndarray, rule: EligibilityRule
) -> pd.api.extensions.ExtensionArray:
    """The rule's band of each eligible address: the first band (rising ``below_kbps``) whose
    limit its best download (kbit/s) is below, the last band when only its upload falls short;
    empty for the others."""
    names = [name for name, _ in rule.bands]
    limits = np.array([below for _, below in rule.bands], dtype="int64")
    pos = np.minimum(np.searchsorted(limits, down_kbps, side="right"), len(names) - 1)
    return texts(np.where(eligible, pos, len(names)), [*names, ""])
