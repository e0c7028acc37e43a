"""Durable store of survey answers submitted through the API.

SQLite (WAL journal, one transaction per answer) by default; PostgreSQL when the URL starts with
``postgresql://``. Answers are kept as JSON in dekning's own field codes, so the next analysis
run reads them together with the survey export.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

SCHEMA_SQLITE = """
CREATE TABLE IF NOT EXISTS svar (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mottatt TEXT NOT NULL,
    data TEXT NOT NULL
)"""
SCHEMA_PG = """
CREATE TABLE IF NOT EXISTS svar (
    id BIGSERIAL PRIMARY KEY,
    mottatt TIMESTAMPTZ NOT NULL,
    data JSONB NOT NULL
)"""


class SurveyStore:
    """Append-only store of answers.

    Parameters
    ----------
    url
        A file path (SQLite) or ``postgresql://user@host:port/db``.
    """

    def __init__(self, url: str | Path) -> None:
        self.url = str(url)
        self.is_pg = self.url.startswith(("postgresql://", "postgres://"))
        self._lock = threading.Lock()
        if self.is_pg:
            import psycopg

            self._pg = psycopg
            with psycopg.connect(self.url, autocommit=True) as con:
                con.execute(SCHEMA_PG)
        else:
            Path(self.url).parent.mkdir(parents=True, exist_ok=True)
            with self._sqlite() as con:
                con.execute("PRAGMA journal_mode=WAL")
                con.execute(SCHEMA_SQLITE)

    def _sqlite(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.url, timeout=10, isolation_level=None)
        con.execute("PRAGMA synchronous=FULL")
        return con

    def add(self, answer: dict) -> int:
        """Store one answer in its own transaction; returns its id."""
        now = datetime.now(UTC)
        payload = json.dumps(answer, ensure_ascii=False)
        if self.is_pg:
            with self._pg.connect(self.url) as con, con.transaction():
                row = con.execute(
                    "INSERT INTO svar (mottatt, data) VALUES (%s, %s::jsonb) RETURNING id",
                    (now, payload),
                ).fetchone()
                return int(row[0])
        with self._lock:
            con = self._sqlite()
            try:
                con.execute("BEGIN IMMEDIATE")
                cur = con.execute(
                    "INSERT INTO svar (mottatt, data) VALUES (?, ?)", (now.isoformat(), payload)
                )
                con.execute("COMMIT")
                return int(cur.lastrowid)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            finally:
                con.close()

    def all(self) -> pd.DataFrame:
        """Every stored answer: ``id``, ``mottatt`` and one column per field."""
        if self.is_pg:
            with self._pg.connect(self.url) as con:
                rows = con.execute(
                    "SELECT id, mottatt, data::text FROM svar ORDER BY id"
                ).fetchall()
        else:
            con = self._sqlite()
            try:
                rows = con.execute("SELECT id, mottatt, data FROM svar ORDER BY id").fetchall()
            finally:
                con.close()
        records = [{"id": i, "mottatt": str(t), **json.loads(d)} for i, t, d in rows]
        return pd.DataFrame(records)

    def count(self) -> int:
        return len(self.all())


def answers_for_analysis(store_url: str | Path) -> pd.DataFrame:
    """Stored answers in the column layout of :func:`dekning.surveys.read.read_survey`."""
    path = str(store_url)
    if not path.startswith(("postgresql://", "postgres://")) and not Path(path).exists():
        return pd.DataFrame()
    df = SurveyStore(path).all()
    if df.empty:
        return df

    def text(name: str) -> pd.Series:
        return df[name].fillna("").astype(str) if name in df else pd.Series("", index=df.index)

    def number(name: str) -> pd.Series:
        return (
            pd.to_numeric(df[name], errors="coerce")
            if name in df
            else pd.Series(float("nan"), index=df.index)
        )

    out = pd.DataFrame(
        {
            "row": -df["id"].astype("int64"),  # negative: not a row of the export file
            "id": "api-" + df["id"].astype(str),
            "submitted": df["mottatt"],
            "address": text("adresse"),
            "postnummer": text("postnummer"),
            "operator": text("tilbyder"),
            "comment": text("kommentar"),
            "dwelling": text("boligtype"),
            "technology": text("teknologi"),
            "interest_fibre": text("interessert_fiber"),
            "willingness_to_pay": number("betalingsvilje_nok"),
            "down_mbps": number("ned_mbps"),
            "up_mbps": number("opp_mbps"),
            "satisfaction": number("fornoyd"),
        }
    )
    out["lat"] = number("lat")
    out["lon"] = number("lon")
    mobile = df.get("mobil")
    if mobile is not None:
        for i, m in enumerate(mobile):
            for key, value in (m or {}).items():
                out.loc[out.index[i], f"mob_{key}"] = value
    return out
