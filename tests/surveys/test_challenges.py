"""The challenge store: statuses, versions, history, operators' answers and speed tests, in
SQLite and PostgreSQL; kill -9 during status changes loses nothing acknowledged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pandas as pd
import pytest

from dekning.surveys.challenges import (
    KINDS,
    STATUSES,
    TRANSITIONS,
    ChallengeStore,
    DuplicateChallenge,
    InvalidChange,
    NotFound,
    VersionConflict,
)


def _pg_url() -> str:
    url = os.environ.get("DEKNING_TEST_PG_URL")
    if not url:
        pytest.skip("DEKNING_TEST_PG_URL not set (bash .ci/run starts a PostgreSQL server)")
    return url


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def store(request, tmp_path) -> ChallengeStore:
    url = str(tmp_path / "saker.sqlite") if request.param == "sqlite" else _pg_url()
    return ChallengeStore(url, answer_days=21)


def _unique_adrid() -> int:
    """An address id no other test uses (the PostgreSQL database is shared within a run)."""
    return 10**9 + uuid.uuid4().int % 10**12


def test_a_challenge_moves_through_its_statuses_with_history(store):
    adrid = _unique_adrid()
    cid = store.create(
        {"adrid": adrid, "kind": "for_treg", "operator": "Telenor", "kommentar": "=1+1"},
        who="ola",
    )
    got = store.get(cid)
    assert (got["status"], got["versjon"], got["operator"], got["kommentar"]) == (
        "ny",
        1,
        "telenor",
        "=1+1",
    )
    sent = store.change(cid, version=1, who="ola", status="sendt", today=date(2026, 11, 2))
    assert sent["frist"] == "2026-11-23" and sent["versjon"] == 2  # 21 days
    answered = store.change(cid, version=2, who="kari", status="tilsvar", fields={"tilsvar": "x"})
    decided = store.change(cid, version=3, who="fylket", status="opprettholdt")
    assert decided["besluttet_av"] == "fylket" and decided["besluttet"] >= answered["endret"]
    log = store.history(cid)
    assert log["versjon"].tolist() == [1, 2, 3, 4]
    assert log["hvem"].tolist() == ["ola", "ola", "kari", "fylket"]
    assert log["endring"].iloc[1]["status"] == ["ny", "sendt"]
    assert log["endring"].iloc[1]["frist"] == ["", "2026-11-23"]
    assert log["endring"].iloc[3]["status"] == ["tilsvar", "opprettholdt"]


@pytest.mark.parametrize("start", list(STATUSES))
@pytest.mark.parametrize("target", list(STATUSES))
def test_only_the_allowed_status_changes_are_made(tmp_path, start, target):
    store = ChallengeStore(tmp_path / "s.sqlite")
    cid = store.create({"adrid": 1, "kind": "mobil", "operator": "ice"}, who="t")
    path = {"ny": [], "sendt": ["sendt"], "tilsvar": ["sendt", "tilsvar"]}
    path |= {"opprettholdt": ["sendt", "opprettholdt"], "avvist": ["avvist"]}
    version = 1
    for step in path[start]:
        version = store.change(cid, version=version, who="t", status=step)["versjon"]
    if target == start:
        assert store.change(cid, version=version, who="t", status=target)["versjon"] == version
    elif target in TRANSITIONS[start]:
        assert store.change(cid, version=version, who="t", status=target)["status"] == target
    else:
        with pytest.raises(InvalidChange, match="kan ikke gå fra"):
            store.change(cid, version=version, who="t", status=target)
        assert store.get(cid)["versjon"] == version  # nothing written


def test_a_stale_version_is_refused_and_changes_nothing(store):
    cid = store.create({"adrid": _unique_adrid(), "kind": "intet_tilbud"}, who="a")
    store.change(cid, version=1, who="a", fields={"kommentar": "først"})
    with pytest.raises(VersionConflict, match="endret av andre"):
        store.change(cid, version=1, who="b", fields={"kommentar": "overskriver"})
    assert store.get(cid)["kommentar"] == "først"
    assert len(store.history(cid)) == 2


def test_concurrent_changes_of_one_version_let_exactly_one_win(store):
    cid = store.create({"adrid": _unique_adrid(), "kind": "ikke_bolig"}, who="a")

    def attempt(i: int) -> str:
        try:
            store.change(cid, version=1, who=f"p{i}", fields={"kommentar": f"fra {i}"})
            return "ok"
        except VersionConflict:
            return "konflikt"

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    assert outcomes.count("ok") == 1 and outcomes.count("konflikt") == 5
    assert store.get(cid)["versjon"] == 2 and len(store.history(cid)) == 2


def test_bad_fields_are_refused_with_their_name(store):
    with pytest.raises(InvalidChange, match="ukjent type"):
        store.create({"adrid": 1, "kind": "noe_annet"}, who="a")
    with pytest.raises(InvalidChange, match=r"adresse .*eller et område"):
        store.create({"kind": "mobil"}, who="a")
    with pytest.raises(InvalidChange, match="'kommentar'"):
        store.create({"adrid": 1, "kind": "mobil", "kommentar": "x" * 5000}, who="a")
    with pytest.raises(InvalidChange, match="'kommentar'"):
        store.create({"adrid": 1, "kind": "mobil", "kommentar": "a\x00b"}, who="a")
    with pytest.raises(InvalidChange, match="frist"):
        store.create({"adrid": 1, "kind": "mobil", "frist": "31.12.2026"}, who="a")
    with pytest.raises(InvalidChange, match="ukjente felt: status"):
        store.create({"adrid": 1, "kind": "mobil", "status": "opprettholdt"}, who="a")
    with pytest.raises(InvalidChange, match="adrid"):
        store.create({"adrid": "12; DROP TABLE utfordring", "kind": "mobil"}, who="a")
    with pytest.raises(NotFound):
        store.change(10**15, version=1, who="a", status="sendt")


def test_one_open_challenge_per_address_kind_and_operator(store):
    adrid = _unique_adrid()
    first = store.create({"adrid": adrid, "kind": "for_treg", "operator": "telia"}, who="a")
    with pytest.raises(DuplicateChallenge):
        store.create({"adrid": adrid, "kind": "for_treg", "operator": "Telia"}, who="a")
    store.create({"adrid": adrid, "kind": "for_treg", "operator": "telenor"}, who="a")
    store.change(first, version=1, who="a", status="avvist")
    assert store.create({"adrid": adrid, "kind": "for_treg", "operator": "telia"}, who="a")


def test_proposals_skip_every_key_that_has_a_challenge(store):
    a, b = _unique_adrid(), _unique_adrid()
    decided = store.create({"adrid": a, "kind": "mobil", "operator": "ice"}, who="p")
    store.change(decided, version=1, who="p", status="avvist")
    proposals = pd.DataFrame(
        {
            "adrid": [a, b, b],
            "kind": ["mobil", "mobil", "for_treg"],
            "operator": ["ice", "ice", "telenor"],
            "evidens": ["x", "y", "z"],
            "detaljer": [{}, {"sted": "inne"}, {"median_ned_mbps": 4.5}],
        }
    )
    result = store.propose(proposals)
    assert len(result.created) == 2 and result.skipped == 1
    again = store.propose(proposals)
    assert again.created == [] and again.skipped == 3
    made = store.list(kind="for_treg", operator="telenor")
    made = made[made["adrid"] == b]
    assert made["detaljer"].iloc[0] == {"median_ned_mbps": 4.5}
    assert made["kilde"].iloc[0] == "forslag"


def _sent(store: ChallengeStore, operator: str) -> int:
    cid = store.create(
        {"adrid": _unique_adrid(), "kind": "intet_tilbud", "operator": operator}, who="p"
    )
    store.change(cid, version=1, who="p", status="sendt")
    return cid


def test_operator_answers_move_statuses_in_one_transaction(store):
    accepted, disputed, other = _sent(store, "telia"), _sent(store, "telia"), _sent(store, "ice")
    answers = pd.DataFrame(
        {
            "rad": [2, 3],
            "id": [accepted, disputed],
            "svar": ["godtar", "bestrider"],
            "begrunnelse": ["", "vi leverer fiber der"],
            "operator": ["telia", "telia"],
        }
    )
    assert store.record_answers(answers, who="import", file="telia.xlsx") == {
        "tilsvar": 2,
        "opprettholdt": 1,
        "uendret": 0,
    }
    assert store.get(accepted)["status"] == "opprettholdt"
    assert store.get(accepted)["besluttet_av"] == "telia (godtok)"
    assert store.get(disputed)["status"] == "tilsvar"
    assert store.get(disputed)["tilsvar"] == "bestrider: vi leverer fiber der"
    # the same file again changes nothing
    assert store.record_answers(answers, who="import")["uendret"] == 2
    # a wrong operator on line 3 stops the whole file: line 2 is not applied either
    wrong = pd.DataFrame(
        {
            "rad": [2, 3],
            "id": [_sent(store, "telia"), other],
            "svar": ["godtar", "godtar"],
            "begrunnelse": ["", ""],
            "operator": ["telia", "telia"],
        }
    )
    with pytest.raises(InvalidChange, match=r"telia\.csv, linje 3: .*gjelder 'ice'"):
        store.record_answers(wrong, who="import", file="telia.csv")
    assert store.get(int(wrong["id"].iloc[0]))["status"] == "sendt"
    assert store.get(other)["status"] == "sendt"


def test_speed_tests_round_trip(store):
    tests = pd.DataFrame(
        {
            "tid": pd.to_datetime(["2026-11-01 18:00", "2026-11-02 19:30"]).tz_localize(
                "Europe/Oslo"
            ),
            "ned_mbps": [12.5, float("nan")],
            "tilkobling": ["kablet", "wifi"],
            "adrid": pd.array([_unique_adrid(), None], dtype="Int64"),
            "adresse": ["Storgata 1", "<script>"],
            "postnummer": [str(_unique_adrid())] * 2,  # a test of its own in the shared database
        }
    )
    ids = store.add_speedtests(tests, source="api")
    back = store.speedtests().set_index("id").loc[ids]
    assert back["tid"].tolist() == [
        pd.Timestamp("2026-11-01 17:00", tz="UTC"),
        pd.Timestamp("2026-11-02 18:30", tz="UTC"),
    ]
    assert back["ned_mbps"].iloc[0] == 12.5 and pd.isna(back["ned_mbps"].iloc[1])
    assert back["adresse"].tolist() == ["Storgata 1", "<script>"]
    assert set(back["kilde"]) == {"api"}


def test_labels_cover_every_code():
    assert set(TRANSITIONS) == set(STATUSES)
    assert all(t in STATUSES for targets in TRANSITIONS.values() for t in targets)
    assert len(KINDS) == 7


CHANGER = """
import sys
from dekning.surveys.challenges import ChallengeStore
store = ChallengeStore(sys.argv[1])
ids = [store.create({"adrid": int(sys.argv[2]) + i, "kind": "for_treg", "operator": "telia"},
                    who="test") for i in range(40)]
versions = dict.fromkeys(ids, 1)
print("klar", flush=True)
i = 0
while True:
    cid = ids[i % len(ids)]
    step = versions[cid]
    if step == 1:
        row = store.change(cid, version=1, who="test", status="sendt")
    else:
        row = store.change(cid, version=step, who="test", fields={"kommentar": f"endring {i}"})
    versions[cid] = row["versjon"]
    print(cid, row["versjon"], row["status"], flush=True)
    i += 1
"""


def _killed_changer(url: str, base: int, seconds: float = 2.5) -> list[tuple[int, int, str]]:
    """(id, version, status) of every change a process acknowledged before SIGKILL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHANGER, url, str(base)],
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "klar"
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    lines = [line.split() for line in proc.stdout.read().splitlines() if line.strip()]
    proc.stdout.close()
    return [(int(a), int(b), c) for a, b, c in lines if len((a, b, c)) == 3]


def _check_nothing_acknowledged_lost(url: str, base: int) -> None:
    acknowledged = _killed_changer(url, base)
    assert len(acknowledged) > 40  # every challenge sent, some edited
    store = ChallengeStore(url)
    stored = store.list().set_index("id")
    log = store.history()
    for cid, version, status in acknowledged:
        assert stored.loc[cid, "versjon"] >= version
        assert ((log["utfordring"] == cid) & (log["versjon"] == version)).any()
        if status == "sendt":
            assert stored.loc[cid, "status"] == "sendt"
    # every change is whole: one history row per version, no gap, no half-written change
    mine = stored[(stored["adrid"] >= base) & (stored["adrid"] < base + 40)]
    per = log[log["utfordring"].isin(mine.index)].groupby("utfordring")["versjon"]
    assert (per.count() == mine["versjon"]).all() and (per.max() == mine["versjon"]).all()


def test_kill_9_during_status_changes_loses_nothing_acknowledged_sqlite(tmp_path):
    _check_nothing_acknowledged_lost(str(tmp_path / "saker.sqlite"), 1000)


@pytest.mark.postgres
def test_kill_9_during_status_changes_loses_nothing_acknowledged_postgresql():
    _check_nothing_acknowledged_lost(_pg_url(), _unique_adrid())


def test_an_area_challenge_lists_its_addresses_and_they_count_as_open(store):
    a, b = _unique_adrid(), _unique_adrid()
    cid = store.create(
        {"area_id": "O-007", "kind": "intet_tilbud", "detaljer": {"adrids": [a, b]}}, who="p"
    )
    assert store.open_at(a) and store.open_at(b) and not store.open_at(_unique_adrid())
    store.change(cid, version=1, who="p", fields={"detaljer": {"adrids": [b]}})
    assert not store.open_at(a) and store.open_at(b)  # the list was replaced
    store.change(cid, version=2, who="p", status="avvist")
    assert not store.open_at(b)
    for bad in (["101a"], [1.5], [True], "101", list(range(10_001))):
        with pytest.raises(InvalidChange, match="adrids"):
            store.create({"area_id": "O-8", "kind": "mobil", "detaljer": {"adrids": bad}}, who="p")


def test_a_decided_challenge_keeps_what_it_decided(store):
    cid = store.create({"adrid": _unique_adrid(), "kind": "for_treg", "operator": "ice"}, who="p")
    store.change(cid, version=1, who="p", status="sendt")
    store.change(cid, version=2, who="fylket", status="opprettholdt")
    with pytest.raises(InvalidChange, match=r"avgjort.*detaljer"):
        store.change(cid, version=3, who="x", fields={"detaljer": {"median_ned_mbps": 900}})
    with pytest.raises(InvalidChange, match=r"avgjort.*operator"):
        store.change(cid, version=3, who="x", fields={"operator": "telia"})
    done = store.change(
        cid, version=3, who="x", fields={"kommentar": "arkivert", "vedlegg": "b.pdf"}
    )
    assert done["kommentar"] == "arkivert" and done["status"] == "opprettholdt"


def test_the_same_speed_test_is_stored_once(store):
    tests = pd.DataFrame(
        {
            "tid": pd.to_datetime(["2026-11-01 18:00", "2026-11-02 19:30"]).tz_localize(
                "Europe/Oslo"
            ),
            "ned_mbps": [12.5, 13.0],
            "tilkobling": ["kablet", "kablet"],
            "adrid": pd.array([_unique_adrid()] * 2, dtype="Int64"),
        }
    )
    first = store.add_speedtests(tests, source="fil.csv")
    assert len(first) == 2
    assert store.add_speedtests(tests, source="fil.csv") == []  # imported again: nothing new
    # the same moment written in UTC is the same test
    utc = tests.assign(tid=tests["tid"].dt.tz_convert("UTC"))
    assert store.add_speedtests(utc.iloc[[0]], source="api") == []
    assert len(store.add_speedtests(tests.assign(ned_mbps=[12.6, 13.0]), source="api")) == 1


@pytest.mark.postgres
def test_two_writers_cannot_both_open_the_same_challenge_on_postgresql():
    url = _pg_url()
    adrid = _unique_adrid()
    stores = [ChallengeStore(url) for _ in range(6)]

    def attempt(s: ChallengeStore) -> str:
        try:
            s.create({"adrid": adrid, "kind": "mobil", "operator": "ice"}, who="p")
            return "ok"
        except DuplicateChallenge:
            return "dup"

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(attempt, stores))
    assert outcomes.count("ok") == 1
    assert len(stores[0].list(kind="mobil").query("adrid == @adrid")) == 1


def test_a_reader_never_writes_the_schema(tmp_path):
    import sqlite3

    path = tmp_path / "svar.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE svar (id INTEGER PRIMARY KEY, mottatt TEXT, data TEXT)")
    con.commit()
    con.close()
    reader = ChallengeStore(path, create=False)
    assert reader.list().empty and reader.speedtests().empty and not reader.open_at(1)
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert tables == {"svar"}
