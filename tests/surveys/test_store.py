"""The answer store: SQLite (WAL) and PostgreSQL, read back for the analysis in SQL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from dekning.errors import ConfigError
from dekning.surveys import store as store_module
from dekning.surveys.store import FIELDS, StoreUnavailable, SurveyStore, answers_for_analysis

GOOD = {
    "adresse": "Storgata 3",
    "postnummer": "7395",
    "teknologi": "dsl",
    "ned_mbps": 8.5,
    "interessert_fiber": "ja",
    "betalingsvilje_nok": 5000,
    "mobil": {"telenor_inne": 2},
}
ICE_NET = {"adresse": "Fjellvegen 2", "lat": 63.05, "lon": 10.45, "mobil": {"Ice-Net_ute": 0}}
EMPTY = {"adresse": "Elvevegen 1", "mobil": {}, "kommentar": "æøå «test»"}


def _check_round_trip(store: SurveyStore) -> None:
    before = store.count()
    ids = [store.add(a) for a in (GOOD, ICE_NET, EMPTY)]
    assert ids == sorted(ids) and store.count() == before + 3
    rows = store.all().set_index("id").loc[ids]
    assert list(rows.columns) == ["mottatt", *FIELDS, "mobil"]
    assert rows["mobil"].tolist() == [{"telenor_inne": 2}, {"Ice-Net_ute": 0}, {}]
    assert rows["kommentar"].tolist() == ["", "", "æøå «test»"]
    assert rows["ned_mbps"].iloc[0] == 8.5 and np.isnan(rows["ned_mbps"].iloc[1])
    stored = answers_for_analysis(store.url).set_index("id").loc[[f"api-{i}" for i in ids]]
    assert stored["row"].tolist() == [-i for i in ids]
    assert stored["address"].tolist() == ["Storgata 3", "Fjellvegen 2", "Elvevegen 1"]
    assert stored["willingness_to_pay"].iloc[0] == 5000 and stored["lat"].iloc[1] == 63.05
    assert stored["mob_telenor_inne"].iloc[0] == 2 and np.isnan(stored["mob_telenor_inne"].iloc[1])
    assert np.isnan(stored["mob_Ice-Net_ute"].iloc[0]) and stored["mob_Ice-Net_ute"].iloc[1] == 0
    assert stored[["mob_telenor_inne", "mob_Ice-Net_ute"]].iloc[2].isna().all()


def test_sqlite_round_trip(tmp_path):
    store = SurveyStore(tmp_path / "sub" / "svar.sqlite")
    _check_round_trip(store)
    with sqlite3.connect(store.url) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_analysis_columns_are_read_survey_s(tmp_path):
    store = SurveyStore(tmp_path / "svar.sqlite")
    store.add(GOOD)
    stored = answers_for_analysis(tmp_path / "svar.sqlite")
    assert list(stored.columns) == [
        "row",
        "id",
        "submitted",
        "address",
        "postnummer",
        "operator",
        "comment",
        "dwelling",
        "technology",
        "interest_fibre",
        "willingness_to_pay",
        "down_mbps",
        "up_mbps",
        "satisfaction",
        "lat",
        "lon",
        "mob_telenor_inne",
    ]
    assert stored["technology"].iloc[0] == "dsl" and stored["interest_fibre"].iloc[0] == "ja"


def test_no_file_or_no_answers_means_no_answers(tmp_path):
    assert answers_for_analysis(tmp_path / "finnes-ikke.sqlite").empty
    assert not (tmp_path / "finnes-ikke.sqlite").exists()
    SurveyStore(tmp_path / "tom.sqlite")
    assert answers_for_analysis(tmp_path / "tom.sqlite").empty


def test_concurrent_writers_get_distinct_ids(tmp_path):
    store = SurveyStore(tmp_path / "svar.sqlite")
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda i: store.add({**GOOD, "kommentar": str(i)}), range(40)))
    assert sorted(ids) == list(range(1, 41)) and store.count() == 40
    assert sorted(store.all()["kommentar"].astype(int)) == list(range(40))


def test_postgresql_without_psycopg_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(store_module, "HAS_PSYCOPG", False)
    with pytest.raises(ConfigError, match=r"psycopg.*dekning\[postgres\]"):
        SurveyStore("postgresql://postgres@127.0.0.1:1/postgres")


@pytest.mark.postgres
def test_store_on_a_real_postgresql_server():
    url = os.environ.get("DEKNING_TEST_PG_URL")
    if not url:
        pytest.skip("DEKNING_TEST_PG_URL not set (bash .ci/run starts a PostgreSQL server)")
    _check_round_trip(SurveyStore(url))


def test_unreachable_stores_are_store_unavailable(tmp_path):
    folder = tmp_path / "en-mappe"
    folder.mkdir()
    with pytest.raises(StoreUnavailable, match=r"SQLite-fila .*en-mappe.* er ikke tilgjengelig"):
        SurveyStore(folder)  # a folder, not a database file
    store = SurveyStore(tmp_path / "svar.sqlite")
    (tmp_path / "svar.sqlite").unlink()
    for part in tmp_path.glob("svar.sqlite-*"):
        part.unlink()
    (tmp_path / "svar.sqlite").mkdir()
    with pytest.raises(StoreUnavailable):
        store.add(GOOD)
    with pytest.raises(StoreUnavailable):
        store.count()


def test_unreachable_postgresql_is_store_unavailable():
    pytest.importorskip("psycopg")
    store = SurveyStore("postgresql://postgres@127.0.0.1:1/postgres")  # nothing listens on 1
    with pytest.raises(
        StoreUnavailable, match=r"svarlageret \(PostgreSQL-databasen\) er ikke tilgjengelig"
    ):
        store.add(GOOD)
    with pytest.raises(StoreUnavailable):
        answers_for_analysis(store.url)


WRITER = """
import sys
from dekning.surveys.store import SurveyStore
store = SurveyStore(sys.argv[1])
print("klar", flush=True)
i = 0
while True:
    i += 1
    answer_id = store.add({"adresse": f"Storgata {i}", "kommentar": "kill -9"})
    print(answer_id, flush=True)
"""


def _killed_writer(url: str, seconds: float = 2.0) -> list[int]:
    """Ids a writer process acknowledged before it was killed with SIGKILL mid-way."""
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "klar"
    time.sleep(seconds)
    writer.send_signal(signal.SIGKILL)
    writer.wait(30)
    acknowledged = [int(line) for line in writer.stdout.read().split() if line.strip()]
    writer.stdout.close()
    return acknowledged


def test_kill_9_loses_no_acknowledged_answer_sqlite(tmp_path):
    url = str(tmp_path / "svar.sqlite")
    acknowledged = _killed_writer(url)
    assert len(acknowledged) > 20
    stored = set(SurveyStore(url).all()["id"])
    assert set(acknowledged) <= stored
    assert len(stored) - len(acknowledged) <= 1  # at most the one being written when killed


@pytest.mark.postgres
def test_kill_9_loses_no_acknowledged_answer_postgresql():
    url = os.environ.get("DEKNING_TEST_PG_URL")
    if not url:
        pytest.skip("DEKNING_TEST_PG_URL not set (bash .ci/run starts a PostgreSQL server)")
    acknowledged = _killed_writer(url)
    assert len(acknowledged) > 20
    assert set(acknowledged) <= set(SurveyStore(url).all()["id"])
