"""Challenges proposed from the evidence, on hand-built answers, discrepancies and speed-test
evidence at four addresses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dekning.config import EvidenceConfig
from dekning.surveys.proposals import PROPOSAL_COLUMNS, propose

A, B, C, D = 101, 102, 103, 104

CLASSIFIED = pd.DataFrame(
    {"adrid": [A, B, C, D], "hus": [1, 1, 0, 2], "best_down_kbps": [1_000_000, 500_000, 0, 20_000]}
)
FIXED = pd.DataFrame(
    {
        "adrid": [A, A, B, D],
        "tilb": pd.Categorical(["Telenor", "Telia", "Telia", "Telia"]),
        "tek": pd.Categorical(["fiber", "kabel", "fiber", "dsl"]),
        "ned": [1_000_000, 300_000, 500_000, 20_000],
        "opp": [1_000_000, 30_000, 500_000, 2_000],
    }
)


def _joined(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"row": np.arange(2, n + 2), "id": [f"r{i}" for i in range(n)]}
    return pd.DataFrame({**base, **columns})


def _speed(**overrides) -> pd.DataFrame:
    row = {
        "adrid": A,
        "tester": 3,
        "dager": 3,
        "kun_kablet": True,
        "median_ned_mbps": 12.0,
        "median_opp_mbps": 5.0,
        "tilbudt_ned_mbps": 1000.0,
        "andel": 0.012,
        "oppfyller_regel": True,
        "for_treg": True,
        "begrunnelse": "median 12 Mbit/s",
        "kilder": "api: 3",
    }
    return pd.DataFrame([{**row, **overrides}])


NO_DISCREPANCIES = pd.DataFrame(columns=["row", "adrid", "avvik", "operator", "operatordata"])
EMPTY_SPEED = _speed().iloc[0:0]


def test_too_slow_goes_to_every_contradicted_operator_unless_residents_name_theirs():
    joined = _joined(adrid=[B], technology=["fiber"], has_fibre=[True], operator=[""])
    out = propose(CLASSIFIED, FIXED, joined, NO_DISCREPANCIES, _speed(), EvidenceConfig())
    slow = out.loc[out["kind"] == "for_treg"]
    assert slow["operator"].tolist() == ["telenor", "telia"]  # 12 < 0.25 × 1000 and × 300
    assert slow["detaljer"].iloc[0] == {
        "median_ned_mbps": 12.0,
        "median_opp_mbps": 5.0,
        "tester": 3,
        "dager": 3,
        "kun_kablet": True,
    }
    assert slow["evidens"].iloc[0] == "fartstester (api: 3): median 12 Mbit/s"
    named = _joined(adrid=[A], technology=["kabel"], has_fibre=[True], operator=["Telia"])
    out = propose(CLASSIFIED, FIXED, named, NO_DISCREPANCIES, _speed(), EvidenceConfig())
    assert out.loc[out["kind"] == "for_treg", "operator"].tolist() == ["telia"]
    # 80 Mbit/s is below 25 % of 1 000 but not of 300: only telenor's offer is contradicted
    out = propose(
        CLASSIFIED,
        FIXED,
        named.iloc[0:0],
        NO_DISCREPANCIES,
        _speed(median_ned_mbps=80.0),
        EvidenceConfig(),
    )
    assert out.loc[out["kind"] == "for_treg", "operator"].tolist() == ["telenor"]


def test_evidence_that_does_not_meet_the_rules_proposes_nothing():
    out = propose(
        CLASSIFIED,
        FIXED,
        _joined(adrid=[A], technology=["fiber"], has_fibre=[True]),
        NO_DISCREPANCIES,
        _speed(for_treg=False, oppfyller_regel=False),
        EvidenceConfig(),
    )
    assert out.empty and list(out.columns) == list(PROPOSAL_COLUMNS)


def test_survey_answers_give_wrong_technology_no_offer_and_not_a_dwelling():
    joined = _joined(
        adrid=[A, A, D, C, B],
        technology=["dsl", "dsl", "ingen", "", ""],
        has_fibre=[True, True, False, False, True],
        dwelling=["helaar", "helaar", "", "fritid", "fritid"],
    )
    out = propose(CLASSIFIED, FIXED, joined, NO_DISCREPANCIES, EMPTY_SPEED, EvidenceConfig())
    got = out[["adrid", "kind", "operator"]].values.tolist()
    assert got == [
        [A, "feil_teknologi", "telenor"],  # telenor offers fibre at A; telia's is cable
        [B, "ikke_bolig", ""],  # C has no household: nothing to challenge
        [D, "intet_tilbud", "telia"],
    ]
    wrong = out.iloc[0]
    assert wrong["detaljer"] == {"faktisk_teknologi": "dsl", "svar": ["r0", "r1"]}
    assert wrong["evidens"] == "spørreundersøkelsen: 2 svar om annen teknologi: dsl"
    assert wrong["operatordata"] == "Telenor fiber 1\u00a0000/1\u00a0000 Mbit/s"
    # two answers are needed when the rules say so
    strict = EvidenceConfig(min_answers=2)
    out = propose(CLASSIFIED, FIXED, joined, NO_DISCREPANCIES, EMPTY_SPEED, strict)
    assert out["kind"].tolist() == ["feil_teknologi"]


def test_mobile_discrepancies_make_one_challenge_per_address_and_operator_outdoors_first():
    disc = pd.DataFrame(
        {
            "row": [2, 3, 4],
            "adrid": [A, A, B],
            "avvik": ["mobil_inne", "mobil_ute", "mobil_inne"],
            "operator": ["Ice", "Ice", "ice"],
            "operatordata": ["innendørs", "innendørs", "innendørs"],
            "svar": "ingen dekning",
        }
    )
    out = propose(CLASSIFIED, FIXED, pd.DataFrame(), disc, EMPTY_SPEED, EvidenceConfig())
    assert out[["adrid", "kind", "operator"]].values.tolist() == [
        [A, "mobil", "ice"],
        [B, "mobil", "ice"],
    ]
    assert out["detaljer"].tolist() == [
        {"sted": "ute", "svar_rader": [2, 3]},
        {"sted": "inne", "svar_rader": [4]},
    ]
    # with two answers required, only A (two answers about ice) is proposed
    strict = propose(
        CLASSIFIED, FIXED, pd.DataFrame(), disc, EMPTY_SPEED, EvidenceConfig(min_answers=2)
    )
    assert strict["adrid"].tolist() == [A]


def test_unlisted_addresses_are_proposed_only_when_given():
    out = propose(
        CLASSIFIED,
        FIXED,
        pd.DataFrame(),
        NO_DISCREPANCIES,
        EMPTY_SPEED,
        EvidenceConfig(),
        unlisted=[D],
    )
    assert out[["adrid", "kind", "operator"]].values.tolist() == [[D, "mangler_i_listen", ""]]
    assert out["operatordata"].iloc[0] == "best tilbud 20 Mbit/s"
