"""Challenges proposed from the evidence: where residents' answers or speed tests contradict
the operator data and the evidence meets the rules (``[evidence]``).

A proposal is one row per address × kind × operator (:data:`PROPOSAL_COLUMNS`), in the shape
:meth:`dekning.surveys.challenges.ChallengeStore.propose` stores:

- ``feil_teknologi``: the operator data offer fibre, residents at the address say they have
  another technology (``fiber_ikke_levert`` discrepancies; at least ``min_answers`` answers);
  one proposal per operator offering fibre there;
- ``intet_tilbud``: residents say they have no broadband while the operator data show an
  offer; one per operator with an offer there;
- ``for_treg``: speed tests meeting the rules (median of at least ``min_tests`` tests on
  ``min_days`` days, wired preferred) below ``slow_ratio`` × the best offer; against the
  operator of the best offer, with the measured medians;
- ``mobil``: residents report no coverage where the operator's raster says there is (indoors
  or outdoors; outdoors wins when both are reported);
- ``ikke_bolig``: residents say the address is a holiday home while the register counts a
  household there;
- ``mangler_i_listen``: the address lacks an offer but is not on Nkom's consultation list
  (given by the caller; only when the run has a list).

``planlagt_ikke_reell`` needs knowledge of an operator's plans that no input carries: planners
make those challenges by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dekning.config import EvidenceConfig
from dekning.money import snap
from dekning.schema import mbps_text, offer_text

PROPOSAL_COLUMNS = ("adrid", "kind", "operator", "operatordata", "evidens", "detaljer")


def _offers(fixed: pd.DataFrame | None) -> pd.DataFrame:
    """Fixed offers with ``operator`` (lower case) and a text ``tilbud``."""
    if fixed is None or fixed.empty:
        return pd.DataFrame(columns=["adrid", "operator", "tek", "ned", "tilbud"])
    return pd.DataFrame(
        {
            "adrid": fixed["adrid"].to_numpy(dtype="int64"),
            "operator": fixed["tilb"].astype(str).str.lower().to_numpy(),
            "tek": fixed["tek"].astype(str).to_numpy(),
            "ned": fixed["ned"].to_numpy(),
            "tilbud": offer_text(fixed).to_numpy(),
        }
    )


def _answers_at(joined: pd.DataFrame, mask: pd.Series, min_answers: int) -> pd.DataFrame:
    """Addresses with at least ``min_answers`` answers in ``mask``: ``adrid``, ``svar``
    (count) and ``rader`` (the answers' rows or ids, for the evidence)."""
    hit = joined.loc[mask.fillna(False).astype(bool)]
    ref = hit["id"].astype(str) if "id" in hit else hit["row"].astype(str)
    g = ref.groupby(hit["adrid"].to_numpy())
    out = pd.DataFrame({"svar": g.size(), "rader": g.agg(list)}).rename_axis("adrid")
    return out.loc[out["svar"] >= min_answers].reset_index()


def _survey_text(n: pd.Series, what: str) -> pd.Series:
    return "spørreundersøkelsen: " + n.astype(str) + " svar " + what


def _wrong_technology(
    joined: pd.DataFrame, offers: pd.DataFrame, speed: pd.DataFrame, rules: EvidenceConfig
) -> pd.DataFrame:
    if "technology" not in joined or "has_fibre" not in joined:
        return pd.DataFrame()
    said = joined["technology"].astype(str)
    mask = joined["has_fibre"].fillna(False).astype(bool) & said.ne("") & said.ne("fiber")
    mask &= said.ne("ingen")
    at = _answers_at(joined, mask, rules.min_answers)
    actual = (
        said[mask].groupby(joined.loc[mask, "adrid"].to_numpy()).agg(lambda s: s.mode().iloc[0])
    )
    fibre = offers.loc[offers["tek"] == "fiber"]
    rows = at.merge(fibre, on="adrid")
    if rows.empty:
        return pd.DataFrame()
    ok = speed.loc[speed["oppfyller_regel"].astype(bool)] if len(speed) else speed
    down = dict(zip(ok.get("adrid", []), ok.get("median_ned_mbps", []), strict=True))
    up = dict(zip(ok.get("adrid", []), ok.get("median_opp_mbps", []), strict=True))
    details = []
    for adrid, rader in zip(rows["adrid"], rows["rader"], strict=True):
        d: dict[str, Any] = {"faktisk_teknologi": actual[adrid], "svar": rader}
        if adrid in down:
            d["median_ned_mbps"] = float(down[adrid])
            if pd.notna(up.get(adrid)):
                d["median_opp_mbps"] = float(up[adrid])
        details.append(d)
    tech = rows["adrid"].map(actual).astype(str)
    return pd.DataFrame(
        {
            "adrid": rows["adrid"],
            "kind": "feil_teknologi",
            "operator": rows["operator"],
            "operatordata": rows["tilbud"],
            "evidens": _survey_text(rows["svar"], "om annen teknologi: ") + tech,
            "detaljer": details,
        }
    )


def _no_offer(joined: pd.DataFrame, offers: pd.DataFrame, rules: EvidenceConfig) -> pd.DataFrame:
    if "technology" not in joined:
        return pd.DataFrame()
    mask = joined["technology"].astype(str).eq("ingen")
    rows = _answers_at(joined, mask, rules.min_answers).merge(offers, on="adrid")
    return pd.DataFrame(
        {
            "adrid": rows["adrid"],
            "kind": "intet_tilbud",
            "operator": rows["operator"],
            "operatordata": rows["tilbud"],
            "evidens": _survey_text(rows["svar"], "om at de ikke har bredbånd"),
            "detaljer": [{"svar": r} for r in rows["rader"]],
        }
    )


def _too_slow(
    speed: pd.DataFrame, offers: pd.DataFrame, joined: pd.DataFrame, rules: EvidenceConfig
) -> pd.DataFrame:
    """One proposal per operator whose offer the measured median contradicts (median below
    ``slow_ratio`` × that offer); when residents at the address name their operator in the
    survey and it is one of those, only that operator's."""
    if speed.empty:
        return pd.DataFrame()
    slow = speed.loc[speed["for_treg"].astype(bool)]
    rows = slow.merge(offers, on="adrid")
    share = snap(rows["median_ned_mbps"] * 1000 / rows["ned"].where(rows["ned"] > 0))
    rows = rows.loc[share < rules.slow_ratio]  # as the evidence rule compares, to the krone
    if len(joined) and "operator" in joined:
        named = pd.DataFrame(
            {
                "adrid": joined["adrid"].to_numpy(),
                "operator": joined["operator"].astype(str).str.strip().str.lower().to_numpy(),
                "named": True,
            }
        ).drop_duplicates()
        rows = rows.merge(named, on=["adrid", "operator"], how="left")
        rows["named"] = rows["named"].fillna(False).astype(bool)
        any_named = rows.groupby("adrid")["named"].transform("any")
        rows = rows.loc[rows["named"] | ~any_named]
    rows = rows.sort_values(["adrid", "operator", "ned"]).drop_duplicates(
        ["adrid", "operator"], keep="last"
    )
    details = [
        {
            "median_ned_mbps": float(n),
            **({"median_opp_mbps": float(u)} if pd.notna(u) else {}),
            "tester": int(t),
            "dager": int(d),
            "kun_kablet": bool(k),
        }
        for n, u, t, d, k in zip(
            rows["median_ned_mbps"],
            rows["median_opp_mbps"],
            rows["tester"],
            rows["dager"],
            rows["kun_kablet"],
            strict=True,
        )
    ]
    return pd.DataFrame(
        {
            "adrid": rows["adrid"],
            "kind": "for_treg",
            "operator": rows["operator"],
            "operatordata": rows["tilbud"],
            "evidens": "fartstester ("
            + rows["kilder"].astype(str)
            + "): "
            + rows["begrunnelse"].astype(str),
            "detaljer": details,
        }
    )


def _mobile(discrepancies: pd.DataFrame, rules: EvidenceConfig) -> pd.DataFrame:
    mob = discrepancies.loc[discrepancies["avvik"].astype(str).str.startswith("mobil_")]
    if mob.empty:
        return pd.DataFrame()
    mob = mob.assign(sted=mob["avvik"].str.removeprefix("mobil_"), n=1)
    g = mob.groupby(["adrid", "operator"])
    rows = pd.DataFrame(
        {
            "sted": g["sted"].agg(lambda s: "ute" if (s == "ute").any() else "inne"),
            "svar": g["n"].sum(),
            "operatordata": g["operatordata"].first(),
            "rader": g["row"].agg(list),
        }
    ).reset_index()
    rows = rows.loc[rows["svar"] >= rules.min_answers]
    where = rows["sted"].map({"ute": "utendørs", "inne": "innendørs"})
    return pd.DataFrame(
        {
            "adrid": rows["adrid"],
            "kind": "mobil",
            "operator": rows["operator"].astype(str).str.lower(),
            "operatordata": "modellert dekning: " + rows["operatordata"].astype(str),
            "evidens": _survey_text(rows["svar"], "om ingen dekning ") + where,
            "detaljer": [
                {"sted": s, "svar_rader": [int(x) for x in r]}
                for s, r in zip(rows["sted"], rows["rader"], strict=True)
            ],
        }
    )


def _not_dwelling(
    joined: pd.DataFrame, classified: pd.DataFrame, rules: EvidenceConfig
) -> pd.DataFrame:
    if "dwelling" not in joined:
        return pd.DataFrame()
    at = _answers_at(joined, joined["dwelling"].astype(str).eq("fritid"), rules.min_answers)
    hus = classified.set_index("adrid")["hus"]
    at = at.loc[at["adrid"].map(hus).fillna(0).to_numpy() > 0]
    return pd.DataFrame(
        {
            "adrid": at["adrid"],
            "kind": "ikke_bolig",
            "operator": "",
            "operatordata": "registrert med " + at["adrid"].map(hus).astype(str) + " husstand(er)",
            "evidens": _survey_text(at["svar"], "om at det er en fritidsbolig"),
            "detaljer": [{"svar": r} for r in at["rader"]],
        }
    )


def _unlisted(unlisted: Sequence[int], classified: pd.DataFrame) -> pd.DataFrame:
    ids = np.asarray(unlisted, dtype="int64")
    best = classified.set_index("adrid")["best_down_kbps"].reindex(ids)
    return pd.DataFrame(
        {
            "adrid": ids,
            "kind": "mangler_i_listen",
            "operator": "",
            "operatordata": "best tilbud " + mbps_text(best).fillna("0").to_numpy() + " Mbit/s",
            "evidens": "mangler tilbud etter operatørdataene, men står ikke på Nkoms høringsliste",
            "detaljer": [{} for _ in ids],
        }
    )


def propose(
    classified: pd.DataFrame,
    fixed: pd.DataFrame | None,
    joined: pd.DataFrame,
    discrepancies: pd.DataFrame,
    speed: pd.DataFrame,
    rules: EvidenceConfig,
    *,
    unlisted: Sequence[int] = (),
) -> pd.DataFrame:
    """Proposed challenges (:data:`PROPOSAL_COLUMNS`), sorted by address, kind and operator.

    Parameters
    ----------
    classified
        Classified addresses (``adrid``, ``hus``, ``best_down_kbps``).
    fixed
        The operator data's fixed offers as classified (``adrid, tilb, tek, ned, opp``).
    joined
        Survey answers joined to the addresses (:func:`dekning.surveys.evidence.join_answers`);
        empty when the run has no survey.
    discrepancies
        :func:`dekning.surveys.evidence.discrepancies` of ``joined``.
    speed
        Speed-test evidence per address (:func:`dekning.surveys.speedtests.evidence`).
    rules
        The evidence rules.
    unlisted
        Addresses lacking an offer that are not on Nkom's consultation list.
    """
    offers = _offers(fixed)
    has_answers = len(joined) > 0 and "adrid" in joined
    parts = [
        _wrong_technology(joined, offers, speed, rules) if has_answers else None,
        _no_offer(joined, offers, rules) if has_answers else None,
        _too_slow(speed, offers, joined if has_answers else pd.DataFrame(), rules),
        _mobile(discrepancies, rules) if len(discrepancies) else None,
        _not_dwelling(joined, classified, rules) if has_answers else None,
        _unlisted(unlisted, classified) if len(unlisted) else None,
    ]
    frames = [p for p in parts if p is not None and len(p)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROPOSAL_COLUMNS})
    out = pd.concat(frames, ignore_index=True)[list(PROPOSAL_COLUMNS)]
    out["adrid"] = out["adrid"].astype("int64")
    out = out.drop_duplicates(["adrid", "kind", "operator"])
    return out.sort_values(["adrid", "kind", "operator"], kind="stable").reset_index(drop=True)
