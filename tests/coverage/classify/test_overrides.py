"""Upheld challenges applied to the operator data: every kind on a hand-built municipality of
four addresses, with the provenance row each change leaves."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from dekning.config import ClassifyConfig
from dekning.coverage.classify.overrides import (
    NO_EFFECT,
    PROVENANCE_COLUMNS,
    Operands,
    apply_overrides,
    locate_challenges,
    mark_challenges,
)
from dekning.schema import MOBILE_ANY_COLUMN, MobileLayer

A, B, C, D = 101, 102, 103, 104
NBSP = "\u00a0"


@pytest.fixture
def operands() -> Operands:
    addresses = gpd.GeoDataFrame(
        {"adrid": [A, B, C, D], "adressetekst": ["Aveien 1", "Bveien 2", "Cveien 3", "Dveien 4"]},
        geometry=[Point(270_000 + 100 * i, 7_000_000) for i in range(4)],
        crs="EPSG:25833",
    )
    fixed = pd.DataFrame(
        {
            "adrid": [A, A, B, C],
            "tilb": pd.Categorical(["Telenor", "Telia", "Telia", "Ice"]),
            "tek": pd.Categorical(["fiber", "dsl", "fiber", "ftb"]),
            "ned": np.array([1_000_000, 20_000, 500_000, 100_000], dtype="int64"),
            "opp": np.array([1_000_000, 2_000, 500_000, 10_000], dtype="int64"),
            "hc": False,
            "egen": False,
        }
    )
    counts = pd.DataFrame(
        {
            "adrid": [A, B, C, D],
            "hus": [1, 2, 1, 1],
            "pers": [2, 5, 1, 3],
            "fritid": [0, 0, 1, 0],
            "naering": [0, 1, 0, 0],
            "offentlig": [0, 0, 0, 0],
        }
    )
    mobile = pd.DataFrame(
        {
            "mob_telenor_4g": np.array([3, 3, 2, 0], dtype="int8"),
            "mob_telenor_5g": np.array([3, 1, 0, 0], dtype="int8"),
            "mob_ice_4g": np.array([2, 3, 3, 0], dtype="int8"),
        }
    )
    return Operands(addresses, fixed, pd.DataFrame({"adrid": [A]}), counts, mobile)


LAYERS = [MobileLayer("telenor", "4g"), MobileLayer("telenor", "5g"), MobileLayer("ice", "4g")]


def _upheld(*rows: dict) -> pd.DataFrame:
    base = {"operator": "", "evidens": "bevis", "besluttet_av": "fylket"}
    base |= {"besluttet": "2026-11-20T10:00:00+00:00", "status": "opprettholdt"}
    frame = pd.DataFrame([{**base, "id": i + 1, "detaljer": {}, **r} for i, r in enumerate(rows)])
    frame["adrid"] = pd.array(frame["adrid"], dtype="Int64")
    return frame


def _change(provenance: pd.DataFrame, challenge: int) -> list[str]:
    return provenance.loc[provenance["utfordring"] == challenge, "endring"].tolist()


def test_no_offer_removes_only_that_operators_offers(operands):
    upheld = _upheld({"adrid": A, "kind": "intet_tilbud", "operator": "telenor"})
    changed, prov = apply_overrides(upheld, operands, LAYERS, ClassifyConfig())
    assert changed.fixed["tilb"].astype(str).tolist() == ["Telia", "Telia", "Ice"]
    assert _change(prov, 1) == [f"fjernet tilbud: Telenor fiber 1{NBSP}000/1{NBSP}000 Mbit/s"]
    assert list(prov.columns) == list(PROVENANCE_COLUMNS)
    assert prov.iloc[0][["adrid", "type", "besluttet_av"]].tolist() == [A, "Intet tilbud", "fylket"]
    assert len(operands.fixed) == 4  # the input is not changed in place


def test_too_slow_caps_at_the_measured_medians_and_needs_them(operands):
    upheld = _upheld(
        {
            "adrid": B,
            "kind": "for_treg",
            "operator": "Telia",
            "detaljer": {"median_ned_mbps": 12.3, "median_opp_mbps": 4},
        },
        {"adrid": A, "kind": "for_treg", "operator": "telenor"},  # no measurement: no effect
    )
    changed, prov = apply_overrides(upheld, operands, LAYERS, ClassifyConfig())
    row = changed.fixed.loc[changed.fixed["adrid"] == B].iloc[0]
    assert (row["ned"], row["opp"]) == (12_300, 4_000)
    assert changed.fixed.loc[changed.fixed["adrid"] == A, "ned"].tolist() == [1_000_000, 20_000]
    assert _change(prov, 1) == [
        "hastighet satt til målt median: Telia fiber 500/500 Mbit/s → Telia fiber 12,3/4 Mbit/s"
    ]
    assert _change(prov, 2) == [NO_EFFECT + "målt hastighet mangler i utfordringen"]


def test_wrong_technology_replaces_the_offer_with_what_was_measured(operands):
    upheld = _upheld(
        {
            "adrid": B,
            "kind": "feil_teknologi",
            "operator": "telia",
            "detaljer": {"faktisk_teknologi": "dsl", "median_ned_mbps": 8},
        },
        {"adrid": A, "kind": "feil_teknologi", "operator": "telia"},  # telia has no fibre at A
        {
            "adrid": C,
            "kind": "feil_teknologi",
            "operator": "ice",
            "detaljer": {"tek_i_data": "ftb"},
        },
    )
    changed, prov = apply_overrides(upheld, operands, LAYERS, ClassifyConfig())
    at_b = changed.fixed.loc[changed.fixed["adrid"] == B]
    assert at_b[["tek", "ned", "opp"]].astype(str).values.tolist() == [["dsl", "8000", "0"]]
    assert isinstance(changed.fixed["tek"].dtype, pd.CategoricalDtype)
    assert changed.fixed["ned"].dtype == np.dtype("int64")
    assert _change(prov, 1) == [
        "fjernet tilbud: Telia fiber 500/500 Mbit/s; lagt til Telia dsl 8/0 Mbit/s"
    ]
    # only the challenged technology goes: telia's DSL at A stays
    assert changed.fixed.loc[changed.fixed["adrid"] == A, "tek"].astype(str).tolist() == [
        "fiber",
        "dsl",
    ]
    assert _change(prov, 2) == [NO_EFFECT + "operatørdataene har ikke noe slikt tilbud her"]
    assert (changed.fixed["adrid"] == C).sum() == 0  # removed, nothing measured to put instead


def test_mixed_kinds_change_the_right_rows_whatever_their_order(operands):
    upheld = _upheld(
        {"adrid": 999, "kind": "ikke_bolig"},  # unknown, sorts first
        {"adrid": C, "kind": "ikke_bolig"},
        {"adrid": A, "kind": "intet_tilbud", "operator": "telenor"},
        {"adrid": D, "kind": "mobil", "operator": "ice"},
        {"adrid": B, "kind": "for_treg", "operator": "telia", "detaljer": {"median_ned_mbps": 5}},
    )
    changed, prov = apply_overrides(upheld, operands, LAYERS, ClassifyConfig())
    fixed = changed.fixed
    assert fixed.loc[fixed["adrid"] == A, "tilb"].astype(str).tolist() == ["Telia"]
    assert fixed.loc[fixed["adrid"] == B, "ned"].tolist() == [5_000]
    assert _change(prov, 3)[0].startswith("fjernet tilbud: Telenor fiber")
    assert _change(prov, 5)[0].startswith("hastighet satt til målt median: Telia fiber 500")


def test_not_a_dwelling_without_a_counts_row_uses_what_would_be_assumed(operands):
    counts = operands.counts.loc[operands.counts["adrid"] != D]
    partial = Operands(operands.addresses, operands.fixed, None, counts, operands.mobile)
    upheld = _upheld({"adrid": D, "kind": "ikke_bolig"})
    changed, prov = apply_overrides(upheld, partial, LAYERS, ClassifyConfig(default_households=1))
    assert changed.counts.set_index("adrid").loc[D, "hus"] == 0
    assert changed.counts["hus"].dtype == np.dtype("int64")
    assert _change(prov, 1) == ["husstander (antatt) 1 → 0, virksomheter 0 → 0"]


def test_an_area_challenge_without_addresses_says_it_did_nothing(operands):
    upheld = _upheld({"adrid": None, "kind": "intet_tilbud", "area_id": "O-003"})
    changed, prov = apply_overrides(upheld, operands, LAYERS, ClassifyConfig())
    assert len(prov) == 1
    assert _change(prov, 1) == [NO_EFFECT + "områdeutfordringen lister ingen adresser"]
    assert len(changed.fixed) == len(operands.fixed)


def test_list_counts_and_unknown_addresses(operands):
    upheld = _upheld(
        {"adrid": C, "kind": "mangler_i_listen"},
        {"adrid": A, "kind": "planlagt_ikke_reell"},
        {"adrid": B, "kind": "ikke_bolig"},
        {"adrid": 999, "kind": "intet_tilbud"},
    )
    changed, prov = apply_overrides(upheld, operands, LAYERS, ClassifyConfig())
    assert sorted(changed.consultation["adrid"]) == [A, C]
    assert _change(prov, 1) == ["lagt til Nkoms høringsliste"]
    assert _change(prov, 2) == [NO_EFFECT + "adressen står allerede på høringslista"]
    counts = changed.counts.set_index("adrid")
    assert counts.loc[B, ["hus", "pers", "naering"]].tolist() == [0, 0, 0]
    assert counts.loc[A, "hus"] == 1
    assert _change(prov, 3) == ["husstander 2 → 0, virksomheter 1 → 0"]
    assert _change(prov, 4) == [NO_EFFECT + "adressen finnes ikke i adresseregisteret"]


def test_without_a_list_or_counts_the_effects_are_said(operands):
    bare = Operands(operands.addresses, operands.fixed, None, None, operands.mobile)
    upheld = _upheld({"adrid": C, "kind": "mangler_i_listen"}, {"adrid": D, "kind": "ikke_bolig"})
    changed, prov = apply_overrides(upheld, bare, LAYERS, ClassifyConfig(default_households=1))
    assert changed.consultation is None
    assert _change(prov, 1)[0].startswith(NO_EFFECT + "kjøringen har ingen høringsliste")
    counts = changed.counts.set_index("adrid")["hus"]
    assert counts.to_dict() == {A: 1, B: 1, C: 1, D: 0}  # the default, and 0 where upheld


def test_mobile_caps_indoor_and_outdoor_and_recomputes_the_summary(operands):
    upheld = _upheld(
        {"adrid": A, "kind": "mobil", "operator": "telenor", "detaljer": {"sted": "inne"}},
        {"adrid": B, "kind": "mobil", "operator": "ice"},  # outdoors (the default): none
        {"adrid": C, "kind": "mobil", "operator": "telia"},  # no layer of that operator
    )
    changed, prov = apply_overrides(upheld, operands, LAYERS, ClassifyConfig())
    m = changed.mobile
    assert m["mob_telenor_4g"].tolist() == [2, 3, 2, 0]
    assert m["mob_telenor_5g"].tolist() == [2, 1, 0, 0]
    assert m["mob_ice_4g"].tolist() == [2, 0, 3, 0]
    assert m["mob_telenor_4g"].dtype == np.dtype("int8")
    # indoor (3) is satisfactory by default: A no longer has it, B keeps it through telenor
    assert m[MOBILE_ANY_COLUMN].tolist() == [False, True, True, False]
    assert _change(prov, 1) == ["telenor: innendørs → utendørs"]
    assert _change(prov, 2) == ["ice: innendørs → ingen"]
    assert _change(prov, 3) == [NO_EFFECT + "ingen mobillag for telia"]


def test_an_area_challenge_applies_to_each_listed_address(operands):
    upheld = _upheld({"adrid": None, "kind": "ikke_bolig", "detaljer": {"adrids": [A, D]}})
    changed, prov = apply_overrides(upheld, operands, LAYERS, ClassifyConfig())
    assert prov["adrid"].tolist() == [A, D]
    assert changed.counts.set_index("adrid")["hus"].to_dict() == {A: 0, B: 2, C: 1, D: 0}


def test_marks_show_the_furthest_status_the_open_flag_and_why(operands):
    challenges = _upheld(
        {"adrid": A, "kind": "intet_tilbud", "operator": "telenor"},
        {"adrid": A, "kind": "mobil", "operator": "ice", "status": "sendt"},
        {"adrid": B, "kind": "ikke_bolig", "status": "avvist"},
        {"adrid": None, "kind": "ikke_bolig", "status": "ny", "detaljer": {"adrids": [C]}},
    )
    _, prov = apply_overrides(challenges.iloc[[0]], operands, LAYERS, ClassifyConfig())
    marked = mark_challenges(operands.addresses, challenges, prov).set_index("adrid")
    assert marked["utfordring_status"].to_dict() == {
        A: "opprettholdt",
        B: "avvist",
        C: "ny",  # listed by an area challenge
        D: "",
    }
    assert marked["utfordring_apen"].to_dict() == {A: True, B: False, C: True, D: False}
    assert marked.at[A, "overstyring"] == (
        "utfordring 1 (intet tilbud, opprettholdt 2026-11-20 av fylket): "
        f"fjernet tilbud: Telenor fiber 1{NBSP}000/1{NBSP}000 Mbit/s"
    )
    assert marked.at[B, "overstyring"] == ""
    located = locate_challenges(challenges, operands.addresses)
    assert located.crs == "EPSG:25833"
    assert located.geometry.iloc[0].equals(operands.addresses.geometry.iloc[0])
    assert located.geometry.iloc[3].equals(operands.addresses.geometry.iloc[2])
    assert located["adressetekst"].tolist()[:3] == ["Aveien 1", "Aveien 1", "Bveien 2"]
