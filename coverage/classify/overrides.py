"""Upheld challenges applied to the operator data before classification, with provenance.

A challenge that the county or the operator upheld (status ``opprettholdt``) changes what the
run reads, and only that: the fixed offers of the operator at the address, Nkom's consultation
list, the counts of the address, or the operator's mobile classes there. Every change is one
row of the provenance table (:data:`PROVENANCE_COLUMNS`: which address, which challenge, what
changed, on what evidence, decided by whom and when), so that eligibility, areas and the
application package say why they differ from the operator data.

What each kind of challenge changes:

============================  ===============================================================
``intet_tilbud``              the operator's fixed offers at the address are removed (every
                              operator's when the challenge names none)
``for_treg``                  the operator's download (and upload) are capped at the measured
                              medians (``detaljer``: ``median_ned_mbps``, ``median_opp_mbps``)
``feil_teknologi``            the operator's offers are removed; with ``faktisk_teknologi`` and
                              ``median_ned_mbps`` in ``detaljer`` an offer of that technology
                              at the measured speeds takes their place
``planlagt_ikke_reell``,      the address is put on Nkom's consultation list (no effect when the
``mangler_i_listen``          run has no list: every lacking address is then eligible anyway)
``ikke_bolig``                households, persons, businesses and public buildings become 0
``mobil``                     the operator's classes at the address are capped: no indoor
                              coverage (``detaljer.sted = "inne"``) → at most outdoor (2); no
                              outdoor coverage (``"ute"``, the default) → none (0)
============================  ===============================================================

An area challenge lists its addresses in ``detaljer.adrids``; it applies to each of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dekning.config import ClassifyConfig
from dekning.coverage.classify.mobile import _add_summaries, satisfactory_class
from dekning.schema import CHALLENGE_KINDS as KINDS
from dekning.schema import OPEN_STATUSES as OPEN
from dekning.schema import MobileLayer, challenge_addresses, offer_text

PROVENANCE_COLUMNS = (
    "adrid",
    "utfordring",
    "type",
    "tilbyder",
    "endring",
    "evidens",
    "besluttet_av",
    "besluttet",
)
NO_EFFECT = "ingen virkning: "
NO_ADDRESS = -1
"""The address of an area challenge that lists none (its provenance row says so)."""
TECHNOLOGIES_ALLOWED = ("fiber", "kabel", "dsl", "ftb", "radio", "satellitt", "annet")
MOBILE_CAP = {"inne": 2, "ute": 0}
CLASS_WORDS = {0: "ingen", 1: "ekstern antenne", 2: "utendørs", 3: "innendørs"}


@dataclass(frozen=True)
class Operands:
    """The frames an upheld challenge may change (as read by the run)."""

    addresses: pd.DataFrame
    fixed: pd.DataFrame | None
    consultation: pd.DataFrame | None
    counts: pd.DataFrame | None
    mobile: pd.DataFrame | None


def _targets(upheld: pd.DataFrame, known: np.ndarray) -> pd.DataFrame:
    """One row per upheld challenge × address it applies to (area challenges expanded from
    ``detaljer.adrids``), with ``kjent`` (the address is in the register)."""
    listed = pd.Series(
        [
            challenge_addresses(a, d) or [NO_ADDRESS]
            for a, d in zip(upheld["adrid"], upheld["detaljer"], strict=True)
        ],
        index=upheld.index,
        dtype=object,
    )
    rows = upheld.drop(columns="adrid").assign(adrid=listed).explode("adrid")
    rows = rows.astype({"adrid": "int64"})
    rows["kjent"] = np.isin(rows["adrid"].to_numpy(), known)
    rows["operator"] = rows["operator"].fillna("").astype(str).str.lower()
    return rows.reset_index(drop=True)


def _detail(rows: pd.DataFrame, key: str) -> pd.Series:
    """``detaljer[key]`` per row (NaN when absent)."""
    return pd.Series([(d or {}).get(key) for d in rows["detaljer"]], index=rows.index)


def _fixed_matches(fixed: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Pairs of a fixed-offer row (``pos``) and a challenge row (``row``) it concerns: same
    address, and the challenge's operator (any operator when it names none)."""
    offers = pd.DataFrame(
        {
            "pos": np.arange(len(fixed)),
            "adrid": fixed["adrid"].to_numpy(),
            "tilb_l": fixed["tilb"].astype(str).str.lower().to_numpy(),
        }
    )
    offers["tek"] = fixed["tek"].astype(str).to_numpy()
    wanted = rows.reset_index(names="row")[["row", "adrid", "operator", "kind"]].assign(
        tek_l=[str((d or {}).get("tek_i_data", "fiber")) for d in rows["detaljer"]]
    )
    pairs = wanted.merge(offers, on="adrid")
    operator = (pairs["operator"] == "") | (pairs["operator"] == pairs["tilb_l"])
    # a wrong-technology challenge concerns the offer of that technology (fibre by default),
    # not the operator's other offers at the address
    technology = (pairs["kind"] != "feil_teknologi") | (pairs["tek"] == pairs["tek_l"])
    return pairs.loc[operator & technology, ["row", "adrid", "operator", "pos", "tilb_l"]]


def _offer_text(fixed: pd.DataFrame, pos: np.ndarray) -> pd.Series:
    """:func:`dekning.schema.offer_text` of the rows at ``pos``, numbered from 0."""
    return offer_text(fixed.iloc[pos]).reset_index(drop=True)


def _fixed_changes(fixed: pd.DataFrame, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Apply ``intet_tilbud``, ``for_treg`` and ``feil_teknologi`` rows to the fixed offers;
    returns the new offers and the change text per challenge row (indexed like ``rows``)."""
    labels = rows.index
    rows = rows.reset_index(drop=True)  # positions and labels are one from here on
    out, text = _fixed_changes_at(fixed, rows)
    return out, pd.Series(text.to_numpy(), index=labels, dtype=object)


def _fixed_changes_at(fixed: pd.DataFrame, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`_fixed_changes` for ``rows`` with a 0-based range index."""
    text = pd.Series("", index=rows.index, dtype=object)
    pairs = _fixed_matches(fixed, rows)
    kinds = rows["kind"].to_numpy()
    pairs = pairs.assign(kind=kinds[pairs["row"].to_numpy()])
    described = _offer_text(fixed, pairs["pos"].to_numpy())
    pairs = pairs.reset_index(drop=True).assign(tilbud=described)

    drop = pairs.loc[pairs["kind"].isin(["intet_tilbud", "feil_teknologi"])]
    removed = drop.groupby("row")["tilbud"].agg("; ".join)
    text.loc[removed.index] = "fjernet tilbud: " + removed

    out = fixed.copy()
    slow = pairs.loc[pairs["kind"] == "for_treg"]
    down = pd.to_numeric(_detail(rows, "median_ned_mbps"), errors="coerce") * 1000
    up = pd.to_numeric(_detail(rows, "median_opp_mbps"), errors="coerce") * 1000
    if len(slow):
        pos, row = slow["pos"].to_numpy(), slow["row"].to_numpy()
        cap_down, cap_up = down.to_numpy()[row], up.to_numpy()[row]
        ned, opp = out["ned"].to_numpy().copy(), out["opp"].to_numpy().copy()
        ok = ~np.isnan(cap_down)
        ned[pos[ok]] = np.minimum(ned[pos[ok]], np.round(cap_down[ok])).astype(ned.dtype)
        has_up = ok & ~np.isnan(cap_up)
        opp[pos[has_up]] = np.minimum(opp[pos[has_up]], np.round(cap_up[has_up])).astype(opp.dtype)
        out["ned"], out["opp"] = ned, opp
        capped = slow.loc[ok].assign(etter=_offer_text(out, pos[ok]).to_numpy())
        after = capped.groupby("row").apply(
            lambda g: "; ".join(g["tilbud"] + " → " + g["etter"]), include_groups=False
        )
        text.loc[after.index] = "hastighet satt til målt median: " + after
        missing = rows.index[(rows["kind"] == "for_treg") & down.isna()]
        text.loc[missing] = NO_EFFECT + "målt hastighet mangler i utfordringen"

    out = out.drop(index=out.index[drop["pos"].to_numpy()]) if len(drop) else out
    added = _actual_offers(fixed, rows, pairs, down, up)
    if len(added):
        out = _concat_offers(out, added)
        for row, line in zip(added["row"], added["tekst"], strict=True):
            text.loc[row] = f"{text.loc[row]}; lagt til {line}".lstrip("; ")
    return out.drop(columns="row", errors="ignore").reset_index(drop=True), text


def _actual_offers(
    fixed: pd.DataFrame,
    rows: pd.DataFrame,
    pairs: pd.DataFrame,
    down: pd.Series,
    up: pd.Series,
) -> pd.DataFrame:
    """The offers that replace removed ``feil_teknologi`` offers where the challenge says the
    actual technology and a measured speed."""
    wrong = rows.loc[rows["kind"] == "feil_teknologi"]
    tech = _detail(wrong, "faktisk_teknologi").astype("string").str.lower()
    keep = tech.isin(TECHNOLOGIES_ALLOWED).to_numpy() & down.loc[wrong.index].notna().to_numpy()
    wrong = wrong.loc[keep]
    if wrong.empty:
        return pd.DataFrame()
    matched = pairs.loc[pairs["kind"] == "feil_teknologi"].drop_duplicates("row")
    spelled = dict(
        zip(matched["row"], fixed["tilb"].astype(str).to_numpy()[matched["pos"]], strict=True)
    )
    wrong = wrong.loc[wrong.index.isin(list(spelled))]
    if wrong.empty:
        return pd.DataFrame()
    added = pd.DataFrame(
        {
            "row": wrong.index,
            "adrid": wrong["adrid"].to_numpy(),
            "tilb": [spelled[r] for r in wrong.index],
            "tek": tech.loc[wrong.index].to_numpy(dtype=object),
            "ned": np.round(down.loc[wrong.index].to_numpy()).astype("int64"),
            "opp": np.round(up.loc[wrong.index].fillna(0).to_numpy()).astype("int64"),
            "hc": False,
            "egen": False,
        }
    )
    added["tekst"] = _offer_text(added, np.arange(len(added))).to_numpy()
    return added


def _concat_offers(fixed: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
    """``fixed`` with ``added`` rows, categorical columns kept categorical."""
    cols = [c for c in fixed.columns if c in added.columns]
    out = pd.concat(
        [fixed.astype({c: object for c in ("tilb", "tek") if c in fixed}), added[cols]],
        ignore_index=True,
    )
    for c in ("tilb", "tek"):
        if c in fixed and isinstance(fixed[c].dtype, pd.CategoricalDtype):
            cats = list(dict.fromkeys([*fixed[c].cat.categories, *out[c].astype(str)]))
            out[c] = pd.Categorical(out[c].astype(str), categories=cats)
    return out.astype({c: fixed[c].dtype for c in cols if c not in ("tilb", "tek")})


def _listed(
    consultation: pd.DataFrame | None, rows: pd.DataFrame
) -> tuple[pd.DataFrame | None, pd.Series]:
    """Put the addresses of ``planlagt_ikke_reell``/``mangler_i_listen`` rows on the list."""
    text = pd.Series("", index=rows.index, dtype=object)
    if consultation is None:
        text[:] = NO_EFFECT + "kjøringen har ingen høringsliste (alle adresser uten tilbud teller)"
        return None, text
    ids = rows["adrid"].to_numpy()
    already = np.isin(ids, consultation["adrid"].to_numpy())
    text[already] = NO_EFFECT + "adressen står allerede på høringslista"
    text[~already] = "lagt til Nkoms høringsliste"
    new = pd.DataFrame({"adrid": np.unique(ids[~already])})
    return pd.concat([consultation, new], ignore_index=True), text


COUNTED = ("hus", "pers", "naering", "offentlig")


def _not_dwellings(
    counts: pd.DataFrame | None, addresses: pd.DataFrame, rows: pd.DataFrame, default_hus: int
) -> tuple[pd.DataFrame, pd.Series]:
    """Set the counts of ``ikke_bolig`` addresses to 0 (counts made from the defaults when the
    run has no counts file)."""
    if counts is None:
        ids = addresses["adrid"].to_numpy()
        counts = pd.DataFrame({"adrid": ids, "hus": default_hus})
        for c in ("pers", "fritid", "naering", "offentlig"):
            counts[c] = 0
        counts = counts.astype({c: "int64" for c in counts.columns if c != "adrid"})
    missing = np.setdiff1d(rows["adrid"].to_numpy(), counts["adrid"].to_numpy())
    assumed = pd.DataFrame({"adrid": missing, "hus": default_hus})  # what classify would assume
    out = pd.concat([counts, assumed], ignore_index=True)
    for c in out.columns.drop("adrid"):
        if c in counts:
            out[c] = out[c].fillna(0).astype(counts[c].dtype)
    hit = out["adrid"].isin(rows["adrid"]).to_numpy()
    before = out.loc[hit].drop_duplicates("adrid").set_index("adrid")
    for c in COUNTED:
        if c in out:
            out.loc[hit, c] = 0
    old = before.reindex(rows["adrid"].to_numpy())
    hus = old["hus"].fillna(0).astype("int64").to_numpy()
    business = old["naering"].fillna(0).astype("int64").to_numpy() if "naering" in old else 0
    guessed = np.isin(rows["adrid"].to_numpy(), missing)
    text = pd.Series(
        [
            ("husstander (antatt) " if g else "husstander ") + f"{h} → 0, virksomheter {b} → 0"
            for h, b, g in zip(hus, np.broadcast_to(business, hus.shape), guessed, strict=True)
        ],
        index=rows.index,
        dtype=object,
    )
    return out, text


def _mobile_caps(
    mobile: pd.DataFrame | None,
    addresses: pd.DataFrame,
    rows: pd.DataFrame,
    layers: Sequence[MobileLayer],
    cfg: ClassifyConfig,
) -> tuple[pd.DataFrame | None, pd.Series]:
    """Cap the operator's classes at the addresses of ``mobil`` rows."""
    text = pd.Series(NO_EFFECT + "ingen mobildekning i kjøringen", index=rows.index, dtype=object)
    if mobile is None:
        return None, text
    out = mobile.copy()
    position = pd.Series(np.arange(len(addresses)), index=addresses["adrid"].to_numpy())
    pos = position.reindex(rows["adrid"].to_numpy()).to_numpy(dtype="int64")
    caps = _detail(rows, "sted").fillna("ute").map(MOBILE_CAP).fillna(0).to_numpy(dtype="int64")
    ops = rows["operator"].to_numpy(dtype=object)
    by_operator: dict[str, list[str]] = {}
    for layer in layers:
        by_operator.setdefault(layer.operator, []).append(layer.column)
    lower = {name.lower(): cols for name, cols in by_operator.items()}
    before = np.full(len(rows), -1, dtype="int64")
    for op in dict.fromkeys(ops):  # one pass per operator named
        cols = lower.get(str(op))
        if not cols:
            continue
        sel = ops == op
        values = out[cols].to_numpy(dtype="int64", copy=True)
        before[sel] = values[pos[sel]].max(axis=1)
        np.minimum.at(values, pos[sel], caps[sel][:, None])  # several rows at one address
        for i, col in enumerate(cols):
            out[col] = pd.Series(values[:, i], index=out.index).astype(out[col].dtype)
    after = np.minimum(before, caps)
    text = pd.Series(
        [
            f"{op}: {CLASS_WORDS[int(b)]} → {CLASS_WORDS[int(a)]}"
            if b >= 0
            else NO_EFFECT + f"ingen mobillag for {op or 'ukjent operatør'}"
            for op, b, a in zip(ops, before, after, strict=True)
        ],
        index=rows.index,
        dtype=object,
    )
    _add_summaries(out, by_operator, satisfactory_class(cfg))
    return out, text


DATA_OF_KIND = {
    "intet_tilbud": "fast",
    "for_treg": "fast",
    "feil_teknologi": "fast",
    "mobil": "mobil",
}
"""Which operator data (:func:`dekning.history.coverage_vintage`) a kind of challenge concerns."""
OLDER_DATA = (
    NO_EFFECT + "dekningsdataene er endret siden utfordringen ble laget (gjelder eldre data)"
)


def _stale(rows: pd.DataFrame, vintage: Mapping[str, str] | None) -> np.ndarray:
    """Rows whose challenge was made against other operator data than the run's (only for
    challenges that recorded it, ``detaljer.datagrunnlag``)."""
    if vintage is None:
        return np.zeros(len(rows), dtype=bool)
    made = _detail(rows, "datagrunnlag").to_numpy(dtype=object)
    data = rows["kind"].map(DATA_OF_KIND).to_numpy(dtype=object)
    return np.array(
        [
            isinstance(m, str) and isinstance(d, str) and m != vintage.get(d, "")
            for m, d in zip(made, data, strict=True)
        ],
        dtype=bool,
    )


def apply_overrides(
    upheld: pd.DataFrame,
    operands: Operands,
    layers: Sequence[MobileLayer],
    cfg: ClassifyConfig,
    vintage: Mapping[str, str] | None = None,
) -> tuple[Operands, pd.DataFrame]:
    """Apply upheld challenges to the frames a run classifies from.

    Parameters
    ----------
    upheld
        Challenges with status ``opprettholdt``
        (:meth:`dekning.surveys.challenges.ChallengeStore.list`).
    operands
        The frames as read.
    layers
        The run's mobile layers.
    cfg
        Classification settings (default households, what counts as satisfactory mobile).
    vintage
        The run's operator data (:func:`dekning.history.coverage_vintage`): a challenge made
        against other data (its ``detaljer.datagrunnlag`` differs) changes nothing and its
        provenance row says so. None: not checked.

    Returns
    -------
    tuple
        The changed frames, and the provenance (:data:`PROVENANCE_COLUMNS`), one row per
        challenge × address, including those that changed nothing (``endring`` says why).
    """
    rows = _targets(upheld, operands.addresses["adrid"].to_numpy())
    text = pd.Series("", index=rows.index, dtype=object)
    text[~rows["kjent"]] = NO_EFFECT + "adressen finnes ikke i adresseregisteret"
    text[rows["adrid"] == NO_ADDRESS] = NO_EFFECT + "områdeutfordringen lister ingen adresser"
    stale = _stale(rows, vintage) & rows["kjent"].to_numpy()
    text[stale] = OLDER_DATA
    known = rows.loc[rows["kjent"].to_numpy() & ~stale]
    fixed, consultation = operands.fixed, operands.consultation
    counts, mobile = operands.counts, operands.mobile
    part = known.loc[known["kind"].isin(["intet_tilbud", "for_treg", "feil_teknologi"])]
    if len(part) and fixed is not None:
        fixed, t = _fixed_changes(fixed, part)
        text.loc[part.index] = t
        unmatched = part.index[text.loc[part.index].eq("")]
        text.loc[unmatched] = NO_EFFECT + "operatørdataene har ikke noe slikt tilbud her"
    part = known.loc[known["kind"].isin(["planlagt_ikke_reell", "mangler_i_listen"])]
    if len(part):
        consultation, t = _listed(consultation, part)
        text.loc[part.index] = t
    part = known.loc[known["kind"] == "ikke_bolig"]
    if len(part):
        counts, t = _not_dwellings(counts, operands.addresses, part, cfg.default_households)
        text.loc[part.index] = t
    part = known.loc[known["kind"] == "mobil"]
    if len(part):
        mobile, t = _mobile_caps(mobile, operands.addresses, part, layers, cfg)
        text.loc[part.index] = t
    provenance = pd.DataFrame(
        {
            "adrid": rows["adrid"].to_numpy(),
            "utfordring": rows["id"].to_numpy(),
            "type": rows["kind"].map(KINDS).to_numpy(),
            "tilbyder": rows["operator"].to_numpy(),
            "endring": text.replace("", NO_EFFECT + "operatørdataene mangler").to_numpy(),
            "evidens": rows["evidens"].to_numpy(),
            "besluttet_av": rows["besluttet_av"].to_numpy(),
            "besluttet": rows["besluttet"].to_numpy(),
        },
        columns=list(PROVENANCE_COLUMNS),
    )
    changed = Operands(operands.addresses, fixed, consultation, counts, mobile)
    return changed, provenance


STATUS_ORDER = {"ny": 1, "sendt": 2, "tilsvar": 3, "avvist": 4, "opprettholdt": 5}
"""Which status an address shows when it has several challenges: the furthest on."""


def mark_challenges(
    classified: pd.DataFrame, challenges: pd.DataFrame, provenance: pd.DataFrame | None
) -> pd.DataFrame:
    """``classified`` with ``utfordring_status`` (the furthest status of the challenges at the
    address or listing it, "" none), ``utfordring_apen`` (an undecided challenge there) and ``overstyring``
    (what upheld challenges changed, and on whose decision; "" none)."""
    if provenance is None:
        provenance = pd.DataFrame({c: pd.Series(dtype=object) for c in PROVENANCE_COLUMNS})
    ids = classified["adrid"].to_numpy()
    listed = [
        challenge_addresses(a, d)
        for a, d in zip(challenges["adrid"], challenges["detaljer"], strict=True)
    ]
    at = (
        challenges[["status"]]
        .assign(adrid=pd.Series(listed, index=challenges.index, dtype=object))
        .explode("adrid")
        .dropna(subset=["adrid"])
        .astype({"adrid": "int64"})
    )  # an area challenge marks each address it lists
    rank = at["status"].map(STATUS_ORDER)
    furthest = at.assign(rank=rank).sort_values("rank").groupby("adrid")["status"].last()
    open_ = at.loc[at["status"].isin(OPEN)].groupby("adrid").size()
    lines = (
        "utfordring "
        + provenance["utfordring"].astype(str)
        + " ("
        + provenance["type"].str.lower()
        + ", opprettholdt "
        + provenance["besluttet"].astype(str).str[:10]
        + " av "
        + provenance["besluttet_av"].astype(str)
        + "): "
        + provenance["endring"].astype(str)
    )
    why = lines.groupby(provenance["adrid"].to_numpy()).agg(" | ".join)
    out = classified.copy()
    out["utfordring_status"] = (
        pd.Series(ids).map(furthest).astype(object).fillna("").to_numpy(dtype=object)
    )
    out["utfordring_apen"] = np.isin(ids, open_.index.to_numpy())
    out["overstyring"] = pd.Series(ids).map(why).astype(object).fillna("").to_numpy(dtype=object)
    return out


def locate_challenges(challenges: pd.DataFrame, addresses: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The challenges with ``adressetekst`` and a point at their address (an area challenge:
    the points of its listed addresses; none when it lists none), EPSG:25833; ``detaljer``
    as JSON text, as the outputs write it."""
    at = addresses.set_index("adrid")
    targets = [
        [int(a)] if pd.notna(a) else [int(x) for x in (d or {}).get("adrids", [])]
        for a, d in zip(challenges["adrid"], challenges["detaljer"], strict=True)
    ]
    known = set(at.index)
    points = [
        shapely.multipoints([at.geometry[i] for i in ids if i in known])
        if len(ids) > 1
        else (at.geometry[ids[0]] if ids and ids[0] in known else None)
        for ids in targets
    ]
    text = challenges["adrid"].map(at["adressetekst"]) if "adressetekst" in at else ""
    out = challenges.assign(
        adressetekst=pd.Series(text, index=challenges.index).fillna("").astype(str),
        detaljer=[
            json.dumps(d or {}, ensure_ascii=False, sort_keys=True) for d in challenges["detaljer"]
        ],
    )
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(points, index=out.index), crs=addresses.crs)
